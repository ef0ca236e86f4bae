//! Wrap-up after a chat and the close warning, over real sockets (issue 5: R48, R49, R50,
//! R51, R56, R87, A6).
//!
//! Chats here wait for a busy agent without ending: a queue gives agents `presence.grace_ms`
//! (30 s by default) after the engine starts before it ends hunts for lack of agents, and busy
//! members keep a hunt alive until its timeout (60 s).

mod common;

use std::time::Duration;

use common::{Backend, TestApp, VisitorChat, WsClient};
use parley::domain::ids::ChatId;
use parley::startup::Application;
use parley::store;
use serde_json::{json, Value};

/// The agent accepts its offer of `chat_id` and reads up to its own `agent_joined`.
async fn accept(agent: &mut WsClient, chat_id: i64) {
    assert_eq!(agent.expect("offer").await["chat_id"], chat_id);
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "agent_joined"))
        .await;
}

async fn end_as_agent(agent: &mut WsClient, chat_id: i64) {
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
}

async fn submit(agent: &mut WsClient, chat_id: i64, reason_id: &Value, note: Option<&str>) {
    agent
        .send(json!({ "type": "submit_wrap_up", "chat_id": chat_id,
                      "reason_id": reason_id, "note": note }))
        .await;
}

async fn refused(
    agent: &mut WsClient,
    chat_id: i64,
    reason_id: &Value,
    note: Option<&str>,
) -> String {
    submit(agent, chat_id, reason_id, note).await;
    let error = agent.expect("error").await;
    assert_eq!(error["chat_id"], chat_id, "{error}");
    error["error"].as_str().unwrap_or_default().to_owned()
}

/// The active reasons' `(label, is_default)` from `GET /api/v1/wrap-up-reasons`.
async fn reasons(app: &TestApp, token: &str, query: &str) -> Vec<(String, bool, bool)> {
    let path = format!("/api/v1/wrap-up-reasons{query}");
    let (status, body) = app.call("GET", &path, Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["wrap_up_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap().to_owned(),
                r["is_default"].as_bool().unwrap(),
                r["active"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn reason_id(app: &TestApp, token: &str, label: &str) -> Value {
    let (_, body) = app
        .call(
            "GET",
            "/api/v1/wrap-up-reasons?include_inactive=true",
            Some(token),
            None,
        )
        .await;
    body["wrap_up_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .map(|r| r["id"].clone())
        .unwrap_or_else(|| panic!("no reason {label}: {body}"))
}

/// R48, R50, R51, R56, R87, A6: ending a chat (either side) asks the agent for a wrap-up;
/// only an active reason is taken, once; the slot stays held until it is given; the result is
/// in the chat's log; the next presence follows.
async fn a_wrap_up_is_owed_after_either_end_and_recorded_once(app: TestApp) {
    let admin = app.admin_token().await;
    let (mut bob, _) = app.available_agent("bob").await;
    let ann = app.start_chat("Ann").await;
    accept(&mut bob, ann.chat_id).await;
    let ben = app.start_chat("Ben").await;

    // R48: the agent ends the chat; it owes a wrap-up with the seeded reasons.
    end_as_agent(&mut bob, ann.chat_id).await;
    let required = bob.next_aside("wrap_up_required").await;
    assert_eq!(required["chat_id"], ann.chat_id);
    let labels: Vec<&str> = required["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Resolved", "Follow-up needed"]);
    let resolved = reason_id(&app, &admin, "Resolved").await;
    assert_eq!(required["default_reason_id"], resolved);
    assert_eq!(required["auto_at_ms"], Value::Null);

    // The slot is held while the wrap-up is owed: Ben still waits, bob counts as busy.
    let (status, routing) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{}/routing", ben.chat_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{routing}");
    assert_eq!(routing["state"], "queued");
    let standings: Vec<&str> = routing["waiting"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["display_name"] == "bob")
        .map(|m| m["standing"].as_str().unwrap())
        .collect();
    assert_eq!(standings, ["busy"]);

    // A tab opened now (or a reload) is asked too, after its hello.
    let token = app.agent_token("bob").await;
    let mut tab = app.agent_socket(&token, "").await;
    tab.expect("agent_hello").await;
    let again = tab.next_aside("wrap_up_required").await;
    assert_eq!(again, required);

    // R50: an unknown or inactive reason, a long note, a chat not owed: refused, nothing kept.
    assert_eq!(
        refused(&mut bob, ann.chat_id, &json!(999), None).await,
        "wrap_up_reason_not_found"
    );
    let follow_up = reason_id(&app, &admin, "Follow-up needed").await;
    let (status, body) = app
        .call(
            "PATCH",
            &format!("/api/v1/wrap-up-reasons/{follow_up}"),
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        refused(&mut bob, ann.chat_id, &follow_up, None).await,
        "wrap_up_reason_inactive"
    );
    let long = "x".repeat(1001);
    assert_eq!(
        refused(&mut bob, ann.chat_id, &resolved, Some(&long)).await,
        "note_too_long"
    );
    assert_eq!(
        refused(&mut bob, ben.chat_id, &resolved, None).await,
        "wrap_up_not_owed"
    );

    // Given: every tab hears it, and only then is the waiting chat offered.
    submit(&mut bob, ann.chat_id, &resolved, Some("All good <b>")).await;
    let done = bob.next_aside("wrap_up_done").await;
    assert_eq!(done["chat_id"], ann.chat_id);
    assert_eq!(done["reason_label"], "Resolved");
    assert_eq!(done["note"], "All good <b>");
    assert_eq!(done["auto"], false);
    assert_eq!(tab.next_aside("wrap_up_done").await, done);
    tab.close().await;
    accept(&mut bob, ben.chat_id).await;

    // Exactly once.
    assert_eq!(
        refused(&mut bob, ann.chat_id, &resolved, None).await,
        "wrap_up_not_owed"
    );

    // R87: the chat's log shows it.
    let (status, log) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{}/log", ann.chat_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{log}");
    let wrap_ups = log["wrap_ups"].as_array().unwrap();
    assert_eq!(wrap_ups.len(), 1, "{log}");
    assert_eq!(wrap_ups[0]["agent_name"], "bob");
    assert_eq!(wrap_ups[0]["reason_id"], resolved);
    assert_eq!(wrap_ups[0]["reason_label"], "Resolved");
    assert_eq!(wrap_ups[0]["note"], "All good <b>");
    assert_eq!(wrap_ups[0]["auto"], false);
    assert!(wrap_ups[0]["done_at_ms"].as_i64().is_some());

    // R51: the visitor ends the next chat: a wrap-up is owed all the same. Meanwhile bob
    // went Away (no reason); A6: giving the last wrap-up makes bob Available again.
    bob.send(json!({ "type": "set_presence", "presence": "away" }))
        .await;
    assert_eq!(bob.expect("presence").await["presence"], "away");
    end_as_visitor(&app, &ben).await;
    bob.until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let required = bob.next_aside("wrap_up_required").await;
    assert_eq!(required["chat_id"], ben.chat_id);
    submit(&mut bob, ben.chat_id, &resolved, None).await;
    let done = bob.next_aside("wrap_up_done").await;
    assert_eq!(done["note"], Value::Null);
    assert_eq!(bob.expect("presence").await["presence"], "available");
}

async fn end_as_visitor(app: &TestApp, chat: &VisitorChat) {
    let mut response = TestApp::client()
        .post(format!("{}/api/v1/chats/{}/end", app.base, chat.chat_id))
        .bearer_auth(&chat.token)
        .send()
        .await
        .expect("end chat");
    assert!(
        response.status().is_success(),
        "{:?}",
        response.body().await
    );
}

async fn spawn_holding(backend: Backend) -> Option<TestApp> {
    TestApp::builder(backend)
        .agent("bob", 2, 1)
        .settings(|s| s.wrap_up.holds_capacity = true)
        .spawn()
        .await
}

#[actix_web::test]
async fn a_wrap_up_is_owed_after_either_end_and_recorded_once_on_sqlite() {
    let app = spawn_holding(Backend::Sqlite).await.unwrap();
    a_wrap_up_is_owed_after_either_end_and_recorded_once(app).await;
}

#[actix_web::test]
async fn a_wrap_up_is_owed_after_either_end_and_recorded_once_on_postgres() {
    if let Some(app) = spawn_holding(Backend::Postgres).await {
        a_wrap_up_is_owed_after_either_end_and_recorded_once(app).await;
    }
}

/// R51, R56: when the countdown runs out the default reason is applied on its own; a queue
/// may set its own time (here: no countdown), admins only (R71).
async fn the_auto_wrap_up_applies_the_default_reason(app: TestApp) {
    let admin = app.admin_token().await;
    let (mut agent, _) = app.available_agent("agent").await;
    let ann = app.start_chat("Ann").await;
    accept(&mut agent, ann.chat_id).await;
    end_as_agent(&mut agent, ann.chat_id).await;
    let required = agent.next_aside("wrap_up_required").await;
    let (owed, auto) = (
        required["owed_at_ms"].as_i64().unwrap(),
        required["auto_at_ms"].as_i64().unwrap(),
    );
    assert_eq!(auto - owed, 40, "{required}");
    let done = agent.next_aside("wrap_up_done").await;
    assert_eq!(done["chat_id"], ann.chat_id);
    assert_eq!(done["auto"], true);
    assert_eq!(done["reason_label"], "Resolved");
    let resolved = reason_id(&app, &admin, "Resolved").await;
    assert_eq!(
        refused(&mut agent, ann.chat_id, &resolved, None).await,
        "wrap_up_not_owed"
    );

    // R56: the queue's own time wins; agents may not set it.
    let agent_token = app.agent_token("agent").await;
    let path = "/api/v1/queues/1/wrap-up";
    let (status, _) = app
        .call(
            "PUT",
            path,
            Some(&agent_token),
            Some(json!({ "auto_after_ms": 0 })),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .call(
            "PUT",
            path,
            Some(&admin),
            Some(json!({ "auto_after_ms": -5 })),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_auto_wrap_up"))
    );
    let (status, body) = app
        .call(
            "PUT",
            path,
            Some(&admin),
            Some(json!({ "auto_after_ms": 0 })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app.call("GET", path, Some(&admin), None).await;
    assert_eq!(body, json!({ "auto_after_ms": 0 }));
    let ben = app.start_chat("Ben").await;
    accept(&mut agent, ben.chat_id).await;
    end_as_agent(&mut agent, ben.chat_id).await;
    let required = agent.next_aside("wrap_up_required").await;
    assert_eq!(required["chat_id"], ben.chat_id);
    assert_eq!(required["auto_at_ms"], Value::Null);

    // The review of the first chat says it was applied on its own.
    let (_, log) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{}/log", ann.chat_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(log["wrap_ups"][0]["auto"], true, "{log}");
}

async fn spawn_auto(backend: Backend) -> Option<TestApp> {
    TestApp::builder(backend)
        .settings(|s| s.wrap_up.auto_after_ms = 40)
        .spawn()
        .await
}

#[actix_web::test]
async fn the_auto_wrap_up_applies_the_default_reason_on_sqlite() {
    let app = spawn_auto(Backend::Sqlite).await.unwrap();
    the_auto_wrap_up_applies_the_default_reason(app).await;
}

#[actix_web::test]
async fn the_auto_wrap_up_applies_the_default_reason_on_postgres() {
    if let Some(app) = spawn_auto(Backend::Postgres).await {
        the_auto_wrap_up_applies_the_default_reason(app).await;
    }
}

/// R50, R51, R69: admins manage the list; there is always exactly one active default;
/// agents only read it.
async fn admins_manage_the_reasons_agents_cannot(app: TestApp) {
    let admin = app.admin_token().await;
    let agent = app.agent_token("agent").await;
    assert_eq!(
        reasons(&app, &agent, "").await,
        [
            ("Resolved".to_owned(), true, true),
            ("Follow-up needed".to_owned(), false, true)
        ]
    );
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/wrap-up-reasons",
            Some(&agent),
            Some(json!({ "label": "Spam" })),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    // R69, R71: an admin-managed list; a supervisor is refused too.
    let supervisor = app.supervisor_token().await;
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/wrap-up-reasons",
            Some(&supervisor),
            Some(json!({ "label": "Spam" })),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, _) = app.call("GET", "/api/v1/wrap-up-reasons", None, None).await;
    assert_eq!(status, 401);

    let (status, spam) = app
        .call(
            "POST",
            "/api/v1/wrap-up-reasons",
            Some(&admin),
            Some(json!({ "label": " Spam ", "is_default": true })),
        )
        .await;
    assert_eq!(status, 201, "{spam}");
    assert_eq!(spam["label"], "Spam");
    assert_eq!(
        reasons(&app, &agent, "").await,
        [
            ("Resolved".to_owned(), false, true),
            ("Follow-up needed".to_owned(), false, true),
            ("Spam".to_owned(), true, true)
        ]
    );
    let spam_path = format!("/api/v1/wrap-up-reasons/{}", spam["id"]);
    let resolved = reason_id(&app, &admin, "Resolved").await;
    let resolved_path = format!("/api/v1/wrap-up-reasons/{resolved}");
    let mut answers = Vec::new();
    for (path, body) in [
        (&spam_path, json!({ "active": false })),
        (&spam_path, json!({ "is_default": false })),
        (&resolved_path, json!({ "label": "follow-up NEEDED" })),
        (&resolved_path, json!({ "label": "  " })),
        (
            &resolved_path,
            json!({ "active": false, "is_default": true }),
        ),
        (
            &"/api/v1/wrap-up-reasons/999".to_owned(),
            json!({ "label": "X" }),
        ),
    ] {
        let (status, body) = app.call("PATCH", path, Some(&admin), Some(body)).await;
        answers.push((
            status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    let expected: Vec<(u16, String)> = [
        (409, "default_reason_required"),
        (409, "default_reason_required"),
        (409, "label_taken"),
        (422, "empty_label"),
        (422, "default_reason_inactive"),
        (404, "wrap_up_reason_not_found"),
    ]
    .into_iter()
    .map(|(status, code)| (status, code.to_owned()))
    .collect();
    assert_eq!(answers, expected);

    // Making Resolved the default again takes it from Spam, which can then be deactivated.
    let (status, body) = app
        .call(
            "PATCH",
            &resolved_path,
            Some(&admin),
            Some(json!({ "is_default": true, "sort_order": 5 })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            "PATCH",
            &spam_path,
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        reasons(&app, &agent, "").await,
        [
            ("Follow-up needed".to_owned(), false, true),
            ("Resolved".to_owned(), true, true)
        ]
    );
    assert_eq!(
        reasons(&app, &admin, "?include_inactive=true").await.len(),
        3
    );
}

#[actix_web::test]
async fn admins_manage_the_reasons_agents_cannot_on_sqlite() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    admins_manage_the_reasons_agents_cannot(app).await;
}

#[actix_web::test]
async fn admins_manage_the_reasons_agents_cannot_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        admins_manage_the_reasons_agents_cannot(app).await;
    }
}

/// R49: the agent learns whether the visitor is connected: on joining, when the visitor's
/// socket closes (after the grace period) and when it opens again, and on resuming.
async fn the_agent_knows_whether_the_visitor_is_connected(app: TestApp) {
    let (mut agent, _) = app.available_agent("agent").await;
    let ann = app.start_chat("Ann").await;
    let mut visitor = app.visitor_socket(&ann, 0).await;
    visitor.expect("visitor_hello").await;
    accept(&mut agent, ann.chat_id).await;
    let now = agent.next_aside("visitor_connection").await;
    assert_eq!(
        (now["chat_id"].as_i64(), now["connected"].as_bool()),
        (Some(ann.chat_id), Some(true))
    );

    visitor.close().await;
    let gone = agent.next_aside("visitor_connection").await;
    assert_eq!(gone["connected"], false, "{gone}");
    assert!(gone["at_ms"].as_i64() >= now["at_ms"].as_i64());

    let mut visitor = app.visitor_socket(&ann, 0).await;
    visitor.expect("visitor_hello").await;
    let back = agent.next_aside("visitor_connection").await;
    assert_eq!(back["connected"], true, "{back}");

    // A second tab (or a reload) is told the current value when it subscribes.
    let token = app.agent_token("agent").await;
    let mut tab = app.agent_socket(&token, "").await;
    tab.expect("agent_hello").await;
    let current = tab.next_aside("visitor_connection").await;
    assert_eq!(current["connected"], true, "{current}");
    assert_eq!(current["at_ms"], back["at_ms"]);
}

async fn spawn_quick_grace(backend: Backend) -> Option<TestApp> {
    TestApp::builder(backend)
        .settings(|s| s.chats.visitor_connection_grace_ms = 20)
        .spawn()
        .await
}

#[actix_web::test]
async fn the_agent_knows_whether_the_visitor_is_connected_on_sqlite() {
    let app = spawn_quick_grace(Backend::Sqlite).await.unwrap();
    the_agent_knows_whether_the_visitor_is_connected(app).await;
}

#[actix_web::test]
async fn the_agent_knows_whether_the_visitor_is_connected_on_postgres() {
    if let Some(app) = spawn_quick_grace(Backend::Postgres).await {
        the_agent_knows_whether_the_visitor_is_connected(app).await;
    }
}

/// R51: an owed wrap-up's countdown is rebuilt from the store when the engine starts again,
/// without the agent signing in: the default reason is applied on its own.
#[actix_web::test]
async fn the_auto_wrap_up_survives_a_restart() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.wrap_up.auto_after_ms = 1_500)
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let ann = app.start_chat("Ann").await;
    accept(&mut agent, ann.chat_id).await;
    end_as_agent(&mut agent, ann.chat_id).await;
    let required = agent.next_aside("wrap_up_required").await;
    assert!(required["auto_at_ms"].as_i64().is_some(), "{required}");
    agent.close().await;

    // The engine stops before the countdown ends; a second engine on the same database
    // stands for the restarted one.
    app.engine.shutdown();
    let restarted = Application::build(app.settings.clone()).await.unwrap();
    let (handle, engine) = (restarted.handle(), restarted.engine().clone());
    actix_web::rt::spawn(restarted.run_until_stopped());

    let chat = ChatId(ann.chat_id);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let wrap_up = loop {
        let wrap_ups = engine
            .db()
            .run_now(|conn| store::wrap_ups::of_chat(conn, chat))
            .unwrap();
        if wrap_ups.iter().any(|w| w.done_at_ms.is_some()) {
            break wrap_ups[0].clone();
        }
        assert!(std::time::Instant::now() < deadline, "{wrap_ups:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(wrap_up.auto);
    assert_eq!(wrap_up.reason_label.as_deref(), Some("Resolved"));
    handle.stop(false).await;
    engine.shutdown();
}
