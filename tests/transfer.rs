//! Transfer targets over real sockets (issue 5: R45, R46): the dashboard's list of agents and
//! queues, live from the actors.
//!
//! Chats here wait with nobody Available because a queue gives agents `presence.grace_ms`
//! (30 s by default) after the engine starts before it ends hunts for lack of agents.

mod common;

use common::{Backend, TestApp, WsClient};
use serde_json::{json, Value};

/// An agent's socket, its hello read, Away with no reason.
async fn away_agent(app: &TestApp, username: &str) -> WsClient {
    let token = app.agent_token(username).await;
    let mut socket = app.agent_socket(&token, "").await;
    socket.expect("agent_hello").await;
    socket
        .send(json!({ "type": "set_presence", "presence": "away" }))
        .await;
    let presence = socket.expect("presence").await;
    assert_eq!(presence["presence"], "away");
    socket
}

/// `(display_name, presence, standing, open_chats, capacity)` of every agent listed.
fn agents(body: &Value) -> Vec<(String, String, String, i64, i64)> {
    body["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["display_name"].as_str().unwrap().to_owned(),
                a["presence"].as_str().unwrap().to_owned(),
                a["standing"].as_str().unwrap().to_owned(),
                a["open_chats"].as_i64().unwrap(),
                a["capacity"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(
    name: &str,
    presence: &str,
    standing: &str,
    open: i64,
    capacity: i64,
) -> (String, String, String, i64, i64) {
    (
        name.to_owned(),
        presence.to_owned(),
        standing.to_owned(),
        open,
        capacity,
    )
}

async fn targets(app: &TestApp, token: &str) -> Value {
    let (status, body) = app
        .call("GET", "/api/v1/transfer-targets", Some(token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn transfer_targets_are_live(app: TestApp) {
    // "agent" and bob are in Support; carol alone in Sales; nobody in Empty.
    let mut agent = away_agent(&app, "agent").await;
    let _bob = away_agent(&app, "bob").await;
    let ann = app.start_chat("Ann").await;
    let agent_token = app.agent_token("agent").await;

    // The caller is not its own target; carol and the supervisor have no dashboard open.
    let body = targets(&app, &agent_token).await;
    assert_eq!(
        agents(&body),
        [
            row("Demo Supervisor", "offline", "offline", 0, 3),
            row("bob", "away", "away", 0, 1),
            row("carol", "offline", "offline", 0, 3),
        ]
    );
    // R46: only queues with a logged-in member are listed.
    assert_eq!(
        body["queues"],
        json!([{ "queue_id": 1, "name": "Support",
                 "available": 0, "busy": 0, "away": 2, "waiting": 1 }])
    );

    // The agent takes Ann: bob now sees it Available with one chat, and nobody waiting.
    agent
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    agent.expect("presence").await;
    let offer = agent.expect("offer").await;
    assert_eq!(offer["chat_id"], ann.chat_id);
    agent
        .send(json!({ "type": "accept_offer", "chat_id": ann.chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    let bob_token = app.agent_token("bob").await;
    let body = targets(&app, &bob_token).await;
    assert_eq!(
        agents(&body)[0],
        row("Demo Agent", "available", "available", 1, 3)
    );
    assert_eq!(
        body["queues"],
        json!([{ "queue_id": 1, "name": "Support",
                 "available": 1, "busy": 0, "away": 1, "waiting": 0 }])
    );

    // Only roles that take chats may ask; everyone must sign in.
    let (status, body) = app
        .call("GET", "/api/v1/transfer-targets", None, None)
        .await;
    assert_eq!(status, 401, "{body}");
    app.add_user("root", "admin");
    let root = app.agent_token("root").await;
    let (status, body) = app
        .call("GET", "/api/v1/transfer-targets", Some(&root), None)
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "forbidden");
}

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::builder(backend)
        .agent("bob", 2, 1)
        .agent_without_queue("carol")
        .queue("Sales", &["carol"])
        .queue("Empty", &[])
        .spawn()
        .await
}

#[actix_web::test]
async fn transfer_targets_are_live_on_sqlite() {
    transfer_targets_are_live(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn transfer_targets_are_live_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        transfer_targets_are_live(app).await;
    }
}
