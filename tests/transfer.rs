//! Transfer targets and transfers over real sockets (issue 5: R45, R46, A5): the dashboard's
//! list of agents and queues, live from the actors; a chat handed to another agent or to a
//! queue's agents with a note, and the transfers that are dropped.
//!
//! Chats here wait with nobody Available because a queue gives agents `presence.grace_ms`
//! (30 s by default) after the engine starts before it ends hunts for lack of agents.

mod common;

use common::{Backend, TestApp, VisitorChat, WsClient};
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

fn kinds(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["type"] == "event")
        .map(|f| f["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const NOTE: &str = "secretnote wants a refund <b>";

async fn send_text(socket: &mut WsClient, chat: &VisitorChat, text: &str) {
    socket
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": text }))
        .await;
}

/// R45, R46: the agent transfers the chat it holds to bob with a note; bob sees who transfers
/// and the note in the offer, accepts, and finds the note among the chat's private events;
/// the first agent leaves the chat; the visitor sees who serves it now and never the note
/// (live, replay, REST).
async fn a_transfer_to_an_agent_is_accepted(app: TestApp) {
    let (mut agent, agent_hello) = app.available_agent("agent").await;
    let chat = app.joined_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let (mut bob, bob_hello) = app.available_agent("bob").await;
    let bob_id = bob_hello["agent_id"].clone();

    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id,
                      "agent_id": bob_id, "note": NOTE }))
        .await;
    let pending = agent.next_of("chat_participants").await;
    assert_eq!(pending["pending"]["kind"], "transfer", "{pending}");
    assert_eq!(pending["pending"]["offered_to"], bob_id);

    let offer = bob.next_of("offer").await;
    assert_eq!(offer["chat_id"], chat.chat_id);
    assert_eq!(offer["transfer"]["from_agent_id"], agent_hello["agent_id"]);
    assert_eq!(offer["transfer"]["from_agent_name"], "Demo Agent");
    assert_eq!(offer["transfer"]["note"], NOTE);
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("chat_assigned").await;
    let (note, replay) = bob.frames_until(|f| f["kind"] == "transfer_note").await;
    assert_eq!(
        kinds(&replay),
        ["chat_requested", "agent_joined", "transferred"]
    );
    assert_eq!(note["text"], NOTE);
    assert_eq!(note["private"], true);
    assert_eq!(note["author"]["name"], "Demo Agent");

    // The first agent sees the transfer, then its tab closes; it can no longer write.
    let (left, before) = agent.frames_until(|f| f["type"] == "chat_left").await;
    assert_eq!(left["reason"], "transferred");
    assert!(
        kinds(&before).contains(&"transferred".to_owned()),
        "{before:?}"
    );
    send_text(&mut agent, &chat, "still here?").await;
    let error = agent.next_of("error").await;
    assert_eq!(error["error"], "not_a_participant");
    // R51: the agent who handed the chat on owes a wrap-up for its part, and gives it.
    let owed = agent.next_aside("wrap_up_required").await;
    assert_eq!(owed["chat_id"], chat.chat_id, "{owed}");
    agent
        .send(json!({ "type": "submit_wrap_up", "chat_id": chat.chat_id,
                      "reason_id": owed["default_reason_id"] }))
        .await;
    let done = agent.next_aside("wrap_up_done").await;
    assert_eq!(done["chat_id"], chat.chat_id, "{done}");
    assert_eq!(done["auto"], false);

    // The visitor: who serves it now, never the note; bob's message reaches it.
    let transferred = visitor.next_event("transferred").await;
    assert_eq!(transferred["to_agent_name"], "bob");
    assert_eq!(transferred["from_agent_name"], "Demo Agent");
    send_text(&mut bob, &chat, "Hello, bob here").await;
    let (message, skipped) = visitor.frames_until(|f| f["kind"] == "message").await;
    assert_eq!(message["text"], "Hello, bob here");
    assert!(
        skipped.is_empty(),
        "nothing else reached the visitor: {skipped:?}"
    );
    let mut again = app.visitor_socket(&chat, 0).await;
    let mut replayed = again
        .until(|f| f.iter().any(|f| f["kind"] == "message"))
        .await;
    replayed.extend(again.round_trip().await);
    assert_eq!(
        kinds(&replayed),
        ["chat_requested", "agent_joined", "transferred", "message"]
    );
    let history = app.visitor_history(&chat).await;
    assert!(
        history.iter().all(|e| e["kind"] != "transfer_note"),
        "{history:?}"
    );
    assert!(!format!("{history:?}").contains("secretnote"));

    // The load moved with the chat (A4): bob holds one chat, the first agent none.
    let token = app.agent_token("carol").await;
    let body = targets(&app, &token).await;
    let listed = agents(&body);
    assert!(
        listed.contains(&row("Demo Agent", "available", "available", 0, 3)),
        "{listed:?}"
    );
    assert!(
        listed.contains(&row("bob", "available", "busy", 1, 1)),
        "{listed:?}"
    );
}

/// A5: a transfer that is not accepted is dropped and the chat stays with the agent, who is
/// told why: rejected, unanswered within the offer timeout, or the target cannot take it.
/// R45: only after accepting; one at a time; the agent may cancel it.
async fn unaccepted_transfers_are_dropped(app: TestApp) {
    let (mut agent, agent_hello) = app.available_agent("agent").await;

    // Before accepting, the agent holding only the offer may not transfer.
    let waiting = app.start_chat("Gus").await;
    agent.expect("offer").await;
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": waiting.chat_id, "queue_id": 2 }))
        .await;
    let error = agent.next_of("error").await;
    assert_eq!(error["error"], "not_a_participant", "{error}");
    agent
        .send(json!({ "type": "accept_offer", "chat_id": waiting.chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    agent.expect_event("chat_requested").await;
    agent.expect_event("agent_joined").await;

    let chat = app.joined_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let (mut bob, bob_hello) = app.available_agent("bob").await;
    let bob_id = bob_hello["agent_id"].clone();
    let transfer = json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "agent_id": bob_id });

    // Bad requests: both targets, an unknown user.
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id,
                      "agent_id": bob_id, "queue_id": 1 }))
        .await;
    assert_eq!(
        agent.next_of("error").await["error"],
        "invalid_handover_target"
    );
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "agent_id": 999 }))
        .await;
    assert_eq!(agent.next_of("error").await["error"], "user_not_found");

    // Rejected.
    agent.send(transfer.clone()).await;
    bob.next_of("offer").await;
    // One at a time.
    agent.send(transfer.clone()).await;
    assert_eq!(agent.next_of("error").await["error"], "transfer_pending");
    bob.send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(bob.next_of("offer_withdrawn").await["reason"], "rejected");
    let failed = agent.next_of("transfer_failed").await;
    assert_eq!(failed["chat_id"], chat.chat_id);
    assert_eq!(failed["reason"], "rejected");
    send_text(&mut agent, &chat, "Still with you").await;
    let message = visitor.next_event("message").await;
    assert_eq!(message["text"], "Still with you");

    // Cancelled by the agent.
    agent.send(transfer.clone()).await;
    bob.next_of("offer").await;
    agent
        .send(json!({ "type": "cancel_transfer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(bob.next_of("offer_withdrawn").await["reason"], "cancelled");
    let (participants, _) = agent
        .frames_until(|f| f["type"] == "chat_participants" && f["pending"].is_null())
        .await;
    assert_eq!(participants["agents"].as_array().unwrap().len(), 1);
    agent
        .send(json!({ "type": "cancel_transfer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(agent.next_of("error").await["error"], "no_transfer_pending");

    // Unanswered within the (shortened) offer timeout: no RONA for bob.
    let admin = app.admin_token().await;
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/queues/1/routing-rules",
            Some(&admin),
            Some(json!({ "strategy": "sequential", "offer_timeout_ms": 150,
                         "hunt_timeout_ms": 60_000, "rona_enabled": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    agent.send(transfer.clone()).await;
    bob.next_of("offer").await;
    let withdrawn = bob.next_of("offer_withdrawn").await;
    assert_eq!(withdrawn["reason"], "expired");
    assert_eq!(agent.next_of("transfer_failed").await["reason"], "timeout");
    let after = bob.round_trip().await;
    assert!(after.iter().all(|f| f["type"] != "presence"), "{after:?}");

    // dave has no dashboard open: unavailable at once.
    let dave = app.add_user("dave", "agent");
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "agent_id": dave.0 }))
        .await;
    assert_eq!(
        agent.next_of("transfer_failed").await["reason"],
        "unavailable"
    );

    // Not to itself; the chat still works.
    let me = json!({ "type": "transfer_chat", "chat_id": chat.chat_id,
                     "agent_id": agent_hello["agent_id"] });
    agent.send(me).await;
    assert_eq!(
        agent.next_of("error").await["error"],
        "agent_already_in_chat"
    );
    send_text(&mut agent, &chat, "Done").await;
    agent.next_of("ack").await;
}

/// R45, A5: a transfer to a queue is hunted among its members (the transferring agent keeps
/// the chat meanwhile); the member who accepts takes over. A queue with nobody to take it
/// drops the transfer.
async fn a_transfer_to_a_queue_is_hunted(app: TestApp) {
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.joined_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;

    // Empty has no member: dropped at once.
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "queue_id": 3 }))
        .await;
    let failed = agent.next_of("transfer_failed").await;
    assert_eq!(failed["reason"], "no_agent_available");
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "queue_id": 99 }))
        .await;
    assert_eq!(agent.next_of("error").await["error"], "queue_not_found");

    // Sales: carol is offered it, with the note and the queue.
    let (mut carol, _) = app.available_agent("carol").await;
    agent
        .send(
            json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "queue_id": 2,
                      "note": NOTE }),
        )
        .await;
    let offer = carol.next_of("offer").await;
    assert_eq!(offer["queue_id"], 2);
    assert_eq!(offer["transfer"]["to_queue_id"], 2);
    assert_eq!(offer["transfer"]["note"], NOTE);
    // Meanwhile the chat is still the agent's.
    send_text(&mut agent, &chat, "One moment").await;
    agent.next_of("ack").await;
    carol
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    carol.expect("chat_assigned").await;
    carol
        .until(|f| f.iter().any(|f| f["kind"] == "transfer_note"))
        .await;
    assert_eq!(agent.next_of("chat_left").await["reason"], "transferred");
    let frames = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "transferred"))
        .await;
    assert_eq!(frames.last().unwrap()["to_agent_name"], "carol");
}

#[actix_web::test]
async fn a_transfer_to_an_agent_is_accepted_on_sqlite() {
    a_transfer_to_an_agent_is_accepted(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn a_transfer_to_an_agent_is_accepted_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        a_transfer_to_an_agent_is_accepted(app).await;
    }
}

#[actix_web::test]
async fn unaccepted_transfers_are_dropped_on_sqlite() {
    unaccepted_transfers_are_dropped(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn unaccepted_transfers_are_dropped_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        unaccepted_transfers_are_dropped(app).await;
    }
}

#[actix_web::test]
async fn a_transfer_to_a_queue_is_hunted_on_sqlite() {
    a_transfer_to_a_queue_is_hunted(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn a_transfer_to_a_queue_is_hunted_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        a_transfer_to_a_queue_is_hunted(app).await;
    }
}
