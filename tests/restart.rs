//! The engine is killed in the middle of a chat and started again on the same database: no
//! message is lost, the waiting chat keeps its place, and both clients resume with the gap
//! replayed. The engine runs as the real binary, so the kill is a real SIGKILL.

mod common;

use common::process::{ChatInProgress, EngineProcess as Engine};
use serde_json::{json, Value};

fn start(database: &std::path::Path) -> Engine {
    Engine::start(&database.display().to_string(), &[])
}

/// Reads a socket until it has seen every frame up to a pong, returning the events.
async fn events_until_pong(socket: &mut common::WsClient) -> Vec<Value> {
    socket
        .round_trip()
        .await
        .into_iter()
        .filter(|f| f["type"] == "event")
        .collect()
}

#[actix_web::test]
async fn a_killed_engine_restarts_with_no_message_lost_and_clients_resume() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("engine.db");

    // Before: a chat in progress and a second chat waiting.
    let engine = start(&database);
    let clients = engine.clients();
    let ChatInProgress {
        token,
        mut agent,
        mut visitor,
        chat,
    } = clients.chat_in_progress("Ivy").await;
    visitor
        .send(json!({ "type": "send_message", "text": "My order is late", "client_key": "v1" }))
        .await;
    assert_eq!(visitor.expect_event("message").await["seq"], 3);
    assert_eq!(visitor.expect("ack").await["seq"], 3);
    // The agent takes the visitor's message; the agent's last seen sequence is 3.
    agent
        .until(|frames| frames.iter().any(|f| f["type"] == "event" && f["seq"] == 3))
        .await;

    // The visitor's connection drops; the agent answers twice while it is away.
    visitor.close().await;
    for (key, text) in [("a1", "Sorry about that!"), ("a2", "It ships today.")] {
        agent
            .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": text, "client_key": key }))
            .await;
    }
    // Acks and the agent's own events come in either order (protocol 6.4): read both.
    let frames = agent
        .until(|frames| {
            frames.iter().filter(|f| f["type"] == "ack").count() == 2
                && frames.iter().any(|f| f["type"] == "event" && f["seq"] == 5)
        })
        .await;
    let stored: Vec<i64> = frames
        .iter()
        .filter(|f| f["type"] == "ack")
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(stored, vec![4, 5], "both answers acknowledged, so stored");

    // A second visitor waits; its offer is still open when the engine dies.
    let waiting = clients.start_chat("Jon").await;
    // The agent's own answers come back as events by another path than their acks, so the
    // echo of seq 5 may still be on its way: read up to the offer.
    let offers = agent.collect("offer", 1).await;
    assert_eq!(offers[0]["chat_id"], waiting.chat_id);

    // Kill the engine without warning.
    engine.kill();

    // After: the same database, a new process.
    let engine = start(&database);
    let clients = engine.clients();

    // The agent resumes: same chat, same presence, nothing it had is sent again.
    let mut agent = clients
        .agent_socket(&token, &format!("{}:5", chat.chat_id))
        .await;
    let hello = agent.expect("agent_hello").await;
    assert_eq!(hello["chats"], json!([{ "chat_id": chat.chat_id }]));
    assert_eq!(hello["presence"], "available");
    let mut after_restart = agent.round_trip().await;
    // The waiting chat kept its place in the queue and is offered again.
    if !after_restart.iter().any(|f| f["type"] == "offer") {
        after_restart.push(agent.expect("offer").await);
    }
    assert!(
        after_restart.iter().all(|f| f["type"] != "event"),
        "no event is replayed twice: {after_restart:?}"
    );
    let offer = after_restart.iter().find(|f| f["type"] == "offer").unwrap();
    assert_eq!(offer["chat_id"], waiting.chat_id);

    // The visitor resumes after the last event it saw (3): the two answers are replayed.
    let mut visitor = clients.visitor_socket(&chat, 3).await;
    let hello = visitor.expect("visitor_hello").await;
    assert_eq!(hello["state"], "active");
    assert_eq!(hello["last_seq"], 5);
    let replayed = visitor.collect("event", 2).await;
    assert!(
        events_until_pong(&mut visitor).await.is_empty(),
        "nothing but the gap is replayed"
    );
    let texts: Vec<(&Value, &Value)> = replayed.iter().map(|e| (&e["seq"], &e["text"])).collect();
    assert_eq!(
        texts,
        vec![
            (&json!(4), &json!("Sorry about that!")),
            (&json!(5), &json!("It ships today."))
        ]
    );

    // A retry of a message stored before the crash is recognised, and numbering goes on.
    visitor
        .send(json!({ "type": "send_message", "text": "My order is late", "client_key": "v1" }))
        .await;
    assert_eq!(visitor.expect("ack").await["seq"], 3);
    visitor
        .send(json!({ "type": "send_message", "text": "Thank you!", "client_key": "v2" }))
        .await;
    assert_eq!(visitor.expect_event("message").await["seq"], 6);
    let in_agent = loop {
        let frame = agent.next().await.unwrap();
        if frame["type"] == "event" {
            break frame;
        }
    };
    assert_eq!(in_agent["seq"], 6);
    assert_eq!(in_agent["text"], "Thank you!");
    engine.kill();
}
