//! Predefined messages (R41, R68, R53, A7) over real HTTP and the agent socket.

mod common;

use common::{Backend, TestApp};
use serde_json::{json, Value};

/// The next frame of this type, skipping the chat's replayed events and the like.
async fn next_of(socket: &mut common::WsClient, kind: &str) -> Value {
    loop {
        let frame = socket.next().await.expect("a frame");
        if frame["type"] == kind {
            return frame;
        }
    }
}

fn titles(body: &Value) -> Vec<String> {
    body["predefined_messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap().to_owned())
        .collect()
}

/// R68: supervisors manage the list; R41: each agent sees its own, its queues' and everyone's;
/// picking one for a chat expands the placeholders and sends nothing.
async fn manage_list_and_expand(app: TestApp) {
    let supervisor = app.supervisor_token().await;
    let agent_id = app
        .engine
        .db()
        .run(|conn| parley::store::users::by_username(conn, "agent"));
    let agent_id = agent_id.await.unwrap().unwrap().id;
    let bob_id = app
        .engine
        .db()
        .run(|conn| parley::store::users::by_username(conn, "bob"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let create = |body: Value| {
        app.call(
            "POST",
            "/api/v1/predefined-messages",
            Some(&supervisor),
            Some(body),
        )
    };

    let (status, greeting) = create(json!({
        "title": "Greeting",
        "body": "Hello <visitor_name>, I am <agent_name> from <queue_name> on <website_key>. <unknown> price < 10"
    }))
    .await;
    assert_eq!(status, 201, "{greeting}");
    assert_eq!(greeting["queue_id"], Value::Null);
    let (status, for_queue) =
        create(json!({ "title": "Support only", "body": "Support", "queue_id": 1 })).await;
    assert_eq!(status, 201, "{for_queue}");
    let (status, for_other_queue) =
        create(json!({ "title": "Sales only", "body": "Sales", "queue_id": 2 })).await;
    assert_eq!(status, 201, "{for_other_queue}");
    let (status, for_bob) =
        create(json!({ "title": "Bob only", "body": "Bob", "agent_id": bob_id })).await;
    assert_eq!(status, 201, "{for_bob}");

    // Bad input is refused with a stable code and writes nothing.
    for (body, code) in [
        (json!({ "title": "", "body": "x" }), "empty_title"),
        (
            json!({ "title": "a".repeat(101), "body": "x" }),
            "title_too_long",
        ),
        (
            json!({ "title": "t", "body": "b".repeat(1001) }),
            "message_too_long",
        ),
        (
            json!({ "title": "t", "body": "x", "queue_id": 1, "agent_id": agent_id }),
            "predefined_scope_conflict",
        ),
        (
            json!({ "title": "t", "body": "x", "queue_id": 99 }),
            "queue_not_found",
        ),
        (
            json!({ "title": "t", "body": "x", "agent_id": 999 }),
            "user_not_found",
        ),
    ] {
        let (status, error) = create(body).await;
        assert!(status == 422 || status == 404, "{status} {error}");
        assert_eq!(error["error"], code);
    }
    let (_, all) = app
        .call(
            "GET",
            "/api/v1/predefined-messages",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(
        titles(&all),
        ["Bob only", "Greeting", "Sales only", "Support only"]
    );

    // Agents may read but not write.
    let agent_token = app.agent_token("agent").await;
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/predefined-messages",
            Some(&agent_token),
            Some(json!({ "title": "t", "body": "x" })),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call("GET", "/api/v1/predefined-messages", None, None)
        .await;
    assert_eq!(status, 401);
    let (_, mine) = app
        .call(
            "GET",
            "/api/v1/predefined-messages",
            Some(&agent_token),
            None,
        )
        .await;
    assert_eq!(titles(&mine), ["Greeting", "Support only"]);
    let bob_token = app.agent_token("bob").await;
    let (_, bobs) = app
        .call("GET", "/api/v1/predefined-messages", Some(&bob_token), None)
        .await;
    assert_eq!(titles(&bobs), ["Bob only", "Greeting", "Support only"]);

    // Update and delete.
    let path = format!("/api/v1/predefined-messages/{}", for_queue["id"]);
    let (status, updated) = app
        .call(
            "PUT",
            &path,
            Some(&supervisor),
            Some(
                json!({ "title": "Support hello", "body": "Hi from <queue_name>", "queue_id": 1 }),
            ),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["title"], "Support hello");
    let bob_path = format!("/api/v1/predefined-messages/{}", for_bob["id"]);
    let (status, _) = app.call("DELETE", &bob_path, Some(&supervisor), None).await;
    assert_eq!(status, 204);
    let (status, gone) = app.call("DELETE", &bob_path, Some(&supervisor), None).await;
    assert_eq!(
        (status, gone["error"].as_str()),
        (404, Some("predefined_message_not_found"))
    );
    let (status, _) = app
        .call(
            "PUT",
            &bob_path,
            Some(&supervisor),
            Some(json!({ "title": "t", "body": "x" })),
        )
        .await;
    assert_eq!(status, 404);

    // The agent expands one for a chat it holds.
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.start_chat("Ann").await;
    agent.expect("offer").await;
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    agent
        .send(json!({ "type": "expand_predefined", "chat_id": chat.chat_id, "id": greeting["id"] }))
        .await;
    let expanded = next_of(&mut agent, "predefined_expanded").await;
    assert_eq!(expanded["chat_id"], chat.chat_id);
    assert_eq!(
        expanded["text"],
        "Hello Ann, I am Demo Agent from Support on demo. <unknown> price < 10"
    );
    // A message meant for another queue is not the agent's to use.
    agent
        .send(json!({ "type": "expand_predefined", "chat_id": chat.chat_id, "id": for_other_queue["id"] }))
        .await;
    assert_eq!(
        next_of(&mut agent, "error").await["error"],
        "predefined_message_not_found"
    );
    // Nothing was sent to the visitor: its history holds only the request and the acceptance.
    let history = app.visitor_history(&chat).await;
    assert!(
        history.iter().all(|event| event["kind"] != "message"),
        "{history:?}"
    );

    // Bob does not hold the chat.
    let mut bob = app.agent_socket(&bob_token, "").await;
    bob.expect("agent_hello").await;
    bob.send(json!({ "type": "expand_predefined", "chat_id": chat.chat_id, "id": greeting["id"] }))
        .await;
    assert_eq!(
        next_of(&mut bob, "error").await["error"],
        "not_a_participant"
    );
}

fn app(backend: Backend) -> common::TestAppBuilder {
    TestApp::builder(backend)
        .agent("bob", 2, 1)
        .agent_without_queue("sam")
        .queue("Sales", &["sam"])
}

#[actix_web::test]
async fn predefined_messages_on_sqlite() {
    manage_list_and_expand(app(Backend::Sqlite).spawn().await.unwrap()).await;
}

#[actix_web::test]
async fn predefined_messages_on_postgres() {
    if let Some(app) = app(Backend::Postgres).spawn().await {
        manage_list_and_expand(app).await;
    }
}
