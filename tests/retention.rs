//! R92 on SQLite and PostgreSQL: the scheduled job anonymises ended chats older than
//! `retention.anonymise_after_days` (texts, files on disk, visitor details gone; reports count
//! them as before; a young chat is untouched), and an admin erases one visitor's data on
//! request (agents and supervisors may not; an open chat is refused; the audit log records it).

mod common;

use common::{Backend, TestApp, VisitorChat, WsClient, ORIGIN};
use diesel::prelude::*;
use parley::store::schema::{chat_attachments, chat_events, chats, page_views};
use serde_json::{json, Value};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A chat of `name` the agent took, with one visitor message, one agent message carrying a
/// file, then ended by the agent.
async fn ended_chat(app: &TestApp, agent: &mut WsClient, agent_token: &str, name: &str) -> i64 {
    let chat = app.joined_chat(agent, name).await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    visitor
        .send(json!({ "type": "send_message", "text": format!("I am {name}") }))
        .await;
    agent.next_event("message").await;
    let mut response = TestApp::client()
        .post(format!(
            "{}/api/v1/chats/{}/attachments?name=offer.txt",
            app.base, chat.chat_id
        ))
        .insert_header(("Origin", ORIGIN))
        .bearer_auth(agent_token)
        .send_body(format!("an offer for {name}\n"))
        .await
        .expect("upload");
    let body = response.json::<Value>().await.expect("upload body");
    assert_eq!(response.status().as_u16(), 201, "{body}");
    agent
        .send(
            json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Here",
                      "attachments": [body["attachment_id"]] }),
        )
        .await;
    agent.next_event("message").await;
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    agent.next_event("chat_ended").await;
    end_visitor(visitor).await;
    chat.chat_id
}

async fn end_visitor(mut visitor: WsClient) {
    visitor.next_event("chat_ended").await;
}

/// What the store holds of a chat: visitor name, message texts, files, page views, and
/// whether it is marked anonymised.
async fn stored(app: &TestApp, chat: i64) -> (String, Vec<String>, i64, i64, bool) {
    app.engine
        .db()
        .run(move |conn| {
            let (name, anonymised): (String, Option<i64>) = chats::table
                .find(chat)
                .select((chats::visitor_name, chats::anonymised_at_ms))
                .first(conn)?;
            let payloads: Vec<String> = chat_events::table
                .filter(chat_events::chat_id.eq(chat))
                .filter(chat_events::kind.eq("message"))
                .order(chat_events::seq)
                .select(chat_events::payload)
                .load(conn)?;
            let texts = payloads
                .iter()
                .map(|p| {
                    let v: Value = serde_json::from_str(p).expect("payload");
                    v["text"].as_str().unwrap_or_default().to_owned()
                })
                .collect();
            let files: i64 = chat_attachments::table
                .filter(chat_attachments::chat_id.eq(chat))
                .count()
                .get_result(conn)?;
            let views: i64 = page_views::table
                .filter(page_views::chat_id.eq(chat))
                .count()
                .get_result(conn)?;
            Ok((name, texts, files, views, anonymised.is_some()))
        })
        .await
        .expect("read the chat")
}

/// Moves every time of a chat `days` into the past, as if it had happened then.
async fn age(app: &TestApp, chat: i64, days: i64) {
    let shift = days * DAY_MS;
    app.engine
        .db()
        .run(move |conn| {
            diesel::update(chats::table.find(chat))
                .set((
                    chats::created_at_ms.eq(chats::created_at_ms - shift),
                    chats::accepted_at_ms.eq(chats::accepted_at_ms - shift),
                    chats::ended_at_ms.eq(chats::ended_at_ms - shift),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("age the chat");
}

fn report_path(days_ago: i64) -> String {
    let day = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .expect("instant")
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string()
    };
    let now = parley::clock::now_ms();
    format!(
        "/api/v1/reports?from={}&to={}",
        day(now - (days_ago + 1) * DAY_MS),
        day(now)
    )
}

/// R92: the job anonymises the old chat, not the young one, and the report is unchanged.
async fn old_chats_are_anonymised(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| {
            s.retention.anonymise_after_days = 30;
            // The job looks once at each start; the second engine below is its next look.
            s.retention.interval_ms = 3_600_000;
            s.retention.batch = 1;
            s.wrap_up.enabled = false;
        })
        .spawn()
        .await
    else {
        return;
    };
    let agent_token = app.agent_token("agent").await;
    let (mut agent, _) = app.available_agent("agent").await;
    let old = ended_chat(&app, &mut agent, &agent_token, "Olga").await;
    let older = ended_chat(&app, &mut agent, &agent_token, "Oskar").await;
    let young = ended_chat(&app, &mut agent, &agent_token, "Yann").await;
    assert_eq!(app.stored_files().len(), 3);
    age(&app, old, 40).await;
    age(&app, older, 41).await;
    age(&app, young, 20).await;
    let supervisor = app.supervisor_token().await;
    let path = report_path(45);
    let (status, before) = app.call("GET", &path, Some(&supervisor), None).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["outcomes"]["total"], 3, "{before}");

    let (_, handle, engine) = app.second_engine().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(stored(&app, old).await.4 && stored(&app, older).await.4) {
        assert!(std::time::Instant::now() < deadline, "not anonymised");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    handle.stop(false).await;
    engine.shutdown();

    for chat in [old, older] {
        let (name, texts, files, views, anonymised) = stored(&app, chat).await;
        assert_eq!(name, "");
        assert_eq!(texts, vec!["".to_owned(), "".to_owned()]);
        assert_eq!((files, views, anonymised), (0, 0, true));
    }
    let (name, texts, files, _, anonymised) = stored(&app, young).await;
    assert_eq!(name, "Yann");
    assert_eq!(texts, vec!["I am Yann".to_owned(), "Here".to_owned()]);
    assert_eq!((files, anonymised), (1, false));
    assert_eq!(
        app.stored_files().len(),
        1,
        "the old chats' files are deleted"
    );
    let (status, after) = app.call("GET", &path, Some(&supervisor), None).await;
    assert_eq!(status, 200);
    assert_eq!(after, before, "reports count anonymised chats as before");
}

/// R92: an admin erases one visitor's data; others may not; open chats are refused.
async fn an_admin_erases_a_visitor(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| s.wrap_up.enabled = false)
        .spawn()
        .await
    else {
        return;
    };
    let agent_token = app.agent_token("agent").await;
    let (mut agent, _) = app.available_agent("agent").await;
    let gone = ended_chat(&app, &mut agent, &agent_token, "Gina").await;
    let kept = ended_chat(&app, &mut agent, &agent_token, "Karl").await;
    let open: VisitorChat = app.joined_chat(&mut agent, "Otto").await;
    let path = |chat: i64| format!("/api/v1/chats/{chat}/erase-visitor");

    let supervisor = app.supervisor_token().await;
    for token in [&agent_token, &supervisor] {
        let (status, body) = app.call("POST", &path(gone), Some(token), None).await;
        assert_eq!(
            (status, &body["error"]),
            (403, &json!("forbidden")),
            "{body}"
        );
    }
    let (status, _) = app.call("POST", &path(gone), None, None).await;
    assert_eq!(status, 401);
    assert!(!stored(&app, gone).await.4);

    let admin = app.admin_token().await;
    let (status, body) = app
        .call("POST", &path(open.chat_id), Some(&admin), None)
        .await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("chat_still_open")),
        "{body}"
    );
    let (status, body) = app.call("POST", &path(999_999), Some(&admin), None).await;
    assert_eq!((status, &body["error"]), (404, &json!("chat_not_found")));

    let (status, body) = app.call("POST", &path(gone), Some(&admin), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["anonymised"], 1, "{body}");
    assert_eq!(body["files_removed"], 1, "{body}");
    let (name, texts, files, _, anonymised) = stored(&app, gone).await;
    assert_eq!((name.as_str(), files, anonymised), ("", 0, true));
    assert!(texts.iter().all(String::is_empty));
    assert_eq!(stored(&app, kept).await.0, "Karl");
    // Idempotent: asking again anonymises nothing more.
    let (status, body) = app.call("POST", &path(gone), Some(&admin), None).await;
    assert_eq!((status, &body["anonymised"]), (200, &json!(0)), "{body}");

    let (status, log) = app
        .call("GET", "/api/v1/audit-log", Some(&admin), None)
        .await;
    assert_eq!(status, 200);
    let erased: Vec<&Value> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "visitor.erase")
        .collect();
    assert_eq!(erased.len(), 2, "{log}");
}

#[actix_web::test]
async fn old_chats_are_anonymised_sqlite() {
    old_chats_are_anonymised(Backend::Sqlite).await;
}

#[actix_web::test]
async fn old_chats_are_anonymised_postgres() {
    old_chats_are_anonymised(Backend::Postgres).await;
}

#[actix_web::test]
async fn an_admin_erases_a_visitor_sqlite() {
    an_admin_erases_a_visitor(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_admin_erases_a_visitor_postgres() {
    an_admin_erases_a_visitor(Backend::Postgres).await;
}
