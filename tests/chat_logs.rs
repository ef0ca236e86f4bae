//! The organisation's chat logs (R85, R87, R71) over a real server, on SQLite and PostgreSQL:
//! each filter narrows the list, the text search finds private messages and takes `%` and `_`
//! literally, paging, the CSV export (quoting, formula guard) and the full log of one chat.

mod common;

use common::{Backend, TestApp, ORIGIN};
use serde_json::{json, Value};

const PRIVATE_NOTE: &str = "Internal: 100% sure_thing, refund ok";

fn ids(body: &Value) -> Vec<i64> {
    body["chats"]
        .as_array()
        .expect("chats")
        .iter()
        .map(|c| c["chat_id"].as_i64().unwrap())
        .collect()
}

/// The CSV export's status, content type and text.
async fn csv(app: &TestApp, query: &str, token: &str) -> (u16, String, String) {
    let mut response = TestApp::client()
        .get(format!("{}/api/v1/chat-logs.csv{query}", app.base))
        .insert_header(("Origin", ORIGIN))
        .bearer_auth(token)
        .send()
        .await
        .expect("export request");
    let body = response.body().limit(10 << 20).await.expect("export body");
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        response.status().as_u16(),
        kind,
        String::from_utf8(body.to_vec()).expect("UTF-8"),
    )
}

async fn search_logs(backend: Backend) {
    let Some(app) = TestApp::builder(backend).agent("bob", 2, 1).spawn().await else {
        return;
    };
    let supervisor = app.supervisor_token().await;
    // An optional e-mail field: a visitor who gives an address gets a contact (R88).
    app.set_forms(
        json!({ "elements": [
            { "type": "input", "input": "email", "name": "email", "label": "E-mail" }
        ] }),
        Value::Null,
    )
    .await;
    let (mut agent, _) = app.available_agent("agent").await;

    // Chat 1: a private message and a public one, a note; the agent ends it.
    let first = app.taken_chat(&mut agent, "Ann Smith").await;
    agent
        .send(
            json!({ "type": "send_message", "chat_id": first.chat_id, "text": PRIVATE_NOTE,
                      "private": true, "client_key": "p1" }),
        )
        .await;
    agent.collect("ack", 1).await;
    agent
        .send(
            json!({ "type": "send_message", "chat_id": first.chat_id, "text": "Hello Ann",
                      "client_key": "p2" }),
        )
        .await;
    agent.collect("ack", 1).await;
    let agent_token = app.agent_token("agent").await;
    let (status, note) = app
        .call(
            "POST",
            &format!("/api/v1/chats/{}/notes", first.chat_id),
            Some(&agent_token),
            Some(json!({ "text": "Calls back on Monday" })),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    // A file: its name and its JSON keys are not the message's text.
    let mut response = TestApp::client()
        .post(format!(
            "{}/api/v1/chats/{}/attachments?name=quarterly-report.txt",
            app.base, first.chat_id
        ))
        .insert_header(("Origin", ORIGIN))
        .bearer_auth(&agent_token)
        .send_body("figures".as_bytes().to_vec())
        .await
        .expect("upload request");
    let file: Value = response.json().await.expect("upload answer");
    assert_eq!(response.status().as_u16(), 201, "{file}");
    agent
        .send(
            json!({ "type": "send_message", "chat_id": first.chat_id, "text": "See the file",
                      "attachments": [file["attachment_id"]], "client_key": "p3" }),
        )
        .await;
    agent.collect("ack", 1).await;
    agent
        .send(json!({ "type": "end_chat", "chat_id": first.chat_id }))
        .await;
    agent.next_event("chat_ended").await;

    // Chat 2: a visitor whose name a spreadsheet would run; the visitor ends it.
    let second = app.joined_chat(&mut agent, "=Bob, \"Jr\"").await;
    agent
        .send(json!({ "type": "send_message", "chat_id": second.chat_id,
                      "text": "Invoice question", "client_key": "q1" }))
        .await;
    agent.collect("ack", 1).await;
    let (status, ended) = app
        .call(
            "POST",
            &format!("/api/v1/chats/{}/end", second.chat_id),
            Some(&second.token),
            None,
        )
        .await;
    assert!(status < 300, "{status} {ended}");

    let list = |query: String| {
        let supervisor = supervisor.clone();
        let app = &app;
        async move {
            let (status, body) = app
                .call(
                    "GET",
                    &format!("/api/v1/chat-logs{query}"),
                    Some(&supervisor),
                    None,
                )
                .await;
            assert_eq!(status, 200, "{query}: {body}");
            body
        }
    };
    let (a, b) = (first.chat_id, second.chat_id);

    // Everything, newest first, with what the list shows.
    let all = list(String::new()).await;
    assert_eq!(ids(&all), vec![b, a], "{all}");
    assert_eq!(all["next_before"], Value::Null);
    let row = &all["chats"][1];
    assert_eq!(row["website_key"], "demo");
    assert_eq!(row["visitor_name"], "Ann Smith");
    assert_eq!(row["disposition"], "agent_ended");
    assert_eq!(row["agents"][0]["display_name"], "Demo Agent", "{row}");
    assert_eq!(row["message_count"], 3, "private messages count: {row}");
    assert!(row["duration_ms"].as_i64().unwrap() >= 0);
    assert_eq!(all["chats"][0]["disposition"], "visitor_ended");

    // Each filter narrows.
    let second_start = all["chats"][0]["requested_at_ms"].as_i64().unwrap();
    assert_eq!(ids(&list(format!("?from={second_start}")).await), vec![b]);
    assert_eq!(ids(&list(format!("?to={second_start}")).await), vec![a]);
    assert_eq!(
        ids(&list("?disposition=visitor_ended".into()).await),
        vec![b]
    );
    assert_eq!(
        ids(&list("?disposition=timeout".into()).await),
        Vec::<i64>::new()
    );
    assert_eq!(ids(&list("?website=demo".into()).await), vec![b, a]);
    let queue = row["queue_id"].as_i64().unwrap();
    assert_eq!(ids(&list(format!("?queue={queue}")).await), vec![b, a]);
    assert!(ids(&list(format!("?queue={}", queue + 100)).await).is_empty());
    let agent_id = row["agents"][0]["agent_id"].as_i64().unwrap();
    assert_eq!(ids(&list(format!("?agent={agent_id}")).await), vec![b, a]);
    let bob = app
        .engine
        .db()
        .run(|conn| parley::store::users::by_username(conn, "bob"))
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(ids(&list(format!("?agent={bob}")).await).is_empty());

    // Text: a private message, any case; the visitor's name; `%` and `_` are literal.
    assert_eq!(ids(&list("?q=REFUND%20OK".into()).await), vec![a]);
    assert_eq!(ids(&list("?q=ann%20smith".into()).await), vec![a]);
    assert_eq!(ids(&list("?q=invoice".into()).await), vec![b]);
    assert_eq!(ids(&list("?q=100%25".into()).await), vec![a]);
    assert_eq!(ids(&list("?q=%25".into()).await), vec![a]);
    assert_eq!(ids(&list("?q=_".into()).await), vec![a]);
    // As a wildcard `_` would match "Ann".
    assert_eq!(ids(&list("?q=a_n".into()).await), Vec::<i64>::new());
    assert_eq!(ids(&list("?q=%22Jr%22".into()).await), vec![b]);
    // The stored JSON's keys and kinds are not text, nor a file's name.
    assert!(ids(&list("?q=message".into()).await).is_empty());
    assert!(ids(&list("?q=mime_type".into()).await).is_empty());
    assert!(ids(&list("?q=quarterly".into()).await).is_empty());
    assert_eq!(ids(&list("?q=see%20the%20FILE".into()).await), vec![a]);
    assert!(ids(&list("?q=%27%20OR%201%3D1%20--".into()).await).is_empty());

    // Paging.
    let page = list("?limit=1".into()).await;
    assert_eq!(ids(&page), vec![b]);
    assert_eq!(page["next_before"], b);
    let page = list(format!("?limit=1&before={b}")).await;
    assert_eq!(ids(&page), vec![a]);
    let page = list(format!("?limit=1&before={a}")).await;
    assert!(ids(&page).is_empty());
    assert_eq!(page["next_before"], Value::Null);

    // Bad filters.
    for (query, code, status) in [
        ("?disposition=lost", "invalid_log_search", 422),
        ("?from=5&to=5", "invalid_log_search", 422),
        ("?limit=0", "invalid_log_search", 422),
        ("?limit=201", "invalid_log_search", 422),
        ("?from=soon", "invalid_input", 422),
        ("?colour=blue", "invalid_input", 422),
        ("?website=nope", "website_not_found", 404),
    ] {
        let (got, body) = app
            .call(
                "GET",
                &format!("/api/v1/chat-logs{query}"),
                Some(&supervisor),
                None,
            )
            .await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{query}"
        );
    }

    // CSV: the header, one line per chat, quoting and the formula guard.
    let (status, kind, text) = csv(&app, "", &supervisor).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "chat_id,website,queue,agents,visitor_name,visitor_email,state,disposition,wrap_up,\
         requested_at,accepted_at,ended_at,duration_s,messages"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].starts_with(&format!("{b},demo,")), "{}", lines[1]);
    assert!(lines[1].contains(",\"'=Bob, \"\"Jr\"\"\","), "{}", lines[1]);
    assert!(lines[2].contains(",Ann Smith,"), "{}", lines[2]);
    assert!(lines[2].contains(",agent_ended,"), "{}", lines[2]);
    let (status, _, text) = csv(&app, "?q=refund", &supervisor).await;
    assert_eq!(status, 200);
    assert_eq!(text.split("\r\n").count(), 3, "{text}");
    let (status, _, text) = csv(&app, "?disposition=lost", &supervisor).await;
    assert_eq!(status, 422, "{text}");

    // R87: the full log of one chat.
    let (status, log) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{a}/log"),
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(status, 200, "{log}");
    let private: Vec<&Value> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["private"] == true)
        .collect();
    assert_eq!(private.len(), 1, "{log}");
    assert_eq!(private[0]["text"], PRIVATE_NOTE);
    assert_eq!(log["agents"][0]["display_name"], "Demo Agent");
    assert_eq!(log["notes"][0]["text"], "Calls back on Monday", "{log}");
    let steps: Vec<(&str, &str)> = log["routing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap(),
                s["agent_name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(steps.contains(&("offered", "Demo Agent")), "{steps:?}");
    assert!(steps.contains(&("accepted", "Demo Agent")), "{steps:?}");
    assert!(log["visitor_details"]["fields"].is_object(), "{log}");
    assert!(log["wrap_ups"].is_array());
    assert!(log["duration_ms"].is_i64());

    // The visitor's e-mail address finds a chat still waiting (its contact's, R88).
    let (status, third) = app
        .post_chat(
            json!({ "name": "Cleo", "fields": { "email": "cleo.w@example.org" } }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{third}");
    let c = third["chat_id"].as_i64().unwrap();
    let found = list("?q=CLEO.W@EXAMPLE".into()).await;
    assert_eq!(ids(&found), vec![c], "{found}");
    let row = &found["chats"][0];
    assert_eq!(row["visitor_email"], "cleo.w@example.org");
    assert_eq!(row["disposition"], Value::Null);
    assert_eq!(row["duration_ms"], Value::Null);
    assert_eq!(ids(&list("?q=example.org".into()).await), vec![c]);

    // R71: agents and strangers are refused.
    for path in [
        "/api/v1/chat-logs".to_owned(),
        "/api/v1/chat-logs.csv".to_owned(),
        format!("/api/v1/chats/{a}/log"),
    ] {
        let (status, body) = app.call("GET", &path, Some(&agent_token), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
        let (status, _) = app.call("GET", &path, None, None).await;
        assert_eq!(status, 401, "{path}");
    }
    let admin = app.add_user("root", "admin");
    assert!(admin.0 > 0);
    let admin_token = app.agent_token("root").await;
    let (status, body) = app
        .call("GET", "/api/v1/chat-logs", Some(&admin_token), None)
        .await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn chat_logs_on_sqlite() {
    search_logs(Backend::Sqlite).await;
}

#[actix_web::test]
async fn chat_logs_on_postgres() {
    search_logs(Backend::Postgres).await;
}
