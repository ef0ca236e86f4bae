//! The message path over real sockets: private messages (R39, R84, R86).

mod common;

use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp};
use serde_json::{json, Value};

fn texts(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["kind"] == "message")
        .map(|f| f["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const NOTE: &str = "internalnote likes discounts";

/// R39, R84, R86: an agent's private message reaches the agent's sockets and the organisation
/// log, and never the visitor: not live, not in the replay of a new socket, not in the REST
/// history, not in the transcript mail.
async fn private_messages_never_reach_the_visitor(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let Some(app) = TestApp::builder(backend).smtp(smtp.port).spawn().await else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let path = format!("/api/v1/chats/{}/transcript", chat.chat_id);
    let (status, asked) = app
        .call(
            "POST",
            &path,
            Some(&chat.token),
            Some(json!({ "email": "ann@example.org" })),
        )
        .await;
    assert_eq!(status, 202, "{asked}");

    agent
        .send(
            json!({ "type": "send_message", "chat_id": chat.chat_id, "text": NOTE,
                      "private": true, "client_key": "n1" }),
        )
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "ack") && !texts(f).is_empty())
        .await;
    let note = frames.iter().find(|f| f["kind"] == "message").unwrap();
    assert_eq!(note["private"], true, "{note}");
    agent
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Public hello" }))
        .await;
    agent.collect("ack", 1).await;

    // Live: the visitor's next message is the public one.
    let live = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "message"))
        .await;
    assert_eq!(texts(&live), vec!["Public hello".to_owned()]);
    assert!(live.iter().all(|f| f["private"] != true), "{live:?}");
    assert!(visitor.round_trip().await.is_empty());

    // Replay on a new visitor socket.
    let mut again = app.visitor_socket(&chat, 0).await;
    let mut replay = again.until(|f| !texts(f).is_empty()).await;
    replay.extend(again.round_trip().await);
    assert_eq!(texts(&replay), vec!["Public hello".to_owned()]);
    assert!(replay.iter().all(|f| f["private"] != true), "{replay:?}");

    // REST history.
    let history = app.visitor_history(&chat).await;
    assert_eq!(texts(&history), vec!["Public hello".to_owned()]);

    // A new agent socket replays the private note.
    let token = app.agent_token("agent").await;
    let mut second = app.agent_socket(&token, "").await;
    let agent_replay = second.until(|f| texts(f).len() == 2).await;
    assert_eq!(
        texts(&agent_replay),
        vec![NOTE.to_owned(), "Public hello".to_owned()]
    );

    // The organisation log keeps it, marked private.
    let supervisor = app.supervisor_token().await;
    let (status, log) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{}/log", chat.chat_id),
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(status, 200, "{log}");
    let logged: Vec<&Value> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["private"] == true)
        .collect();
    assert_eq!(logged.len(), 1, "{log}");
    assert_eq!(logged[0]["text"], NOTE);

    // The transcript mailed at the end leaves it out.
    agent
        .send(json!({ "type": "end_chat", "chat_id": chat.chat_id }))
        .await;
    let mail = wait_for_mail(&smtp, 1).await[0].replace("=\r\n", "");
    assert!(mail.contains("Public hello"), "{mail}");
    assert!(!mail.contains("internalnote"), "{mail}");
}

#[actix_web::test]
async fn private_messages_never_reach_the_visitor_sqlite() {
    private_messages_never_reach_the_visitor(Backend::Sqlite).await;
}

#[actix_web::test]
async fn private_messages_never_reach_the_visitor_postgres() {
    private_messages_never_reach_the_visitor(Backend::Postgres).await;
}

/// R47, A1: `/dc` and `/disconnect` ask for a confirmation and `confirm_disconnect` ends the
/// chat as the agent; an unknown command is refused; no slash command is stored or reaches
/// the visitor.
#[actix_web::test]
async fn slash_commands_never_reach_the_visitor() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let before = app.visitor_history(&chat).await.len();

    agent
        .send(
            json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "/help",
                      "client_key": "s1" }),
        )
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert!(texts(&frames).is_empty(), "{frames:?}");
    let error = frames.last().unwrap();
    assert_eq!(error["error"], "unknown_slash_command", "{error}");
    assert_eq!(error["client_key"], "s1");
    for text in ["  /DC ", "/Disconnect"] {
        agent
            .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": text }))
            .await;
        let frames = agent
            .until(|f| f.iter().any(|f| f["type"] == "confirm_disconnect"))
            .await;
        assert!(texts(&frames).is_empty(), "{frames:?}");
        let confirm = frames.last().unwrap();
        assert_eq!(confirm["chat_id"], chat.chat_id);
    }
    assert!(texts(&agent.round_trip().await).is_empty());
    assert!(visitor.round_trip().await.is_empty());
    assert_eq!(app.visitor_history(&chat).await.len(), before);

    agent
        .send(json!({ "type": "confirm_disconnect", "chat_id": chat.chat_id }))
        .await;
    let ended = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let ended = ended.last().unwrap();
    assert_eq!(ended["ended_by"]["kind"], "agent", "{ended}");
    assert!(texts(&app.visitor_history(&chat).await).is_empty());
}

/// R38: typing indicators go live to the other side of the chat, never back to the typist and
/// never stored; only an agent of the chat may send one.
#[actix_web::test]
async fn typing_indicators_reach_the_other_side_only() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ivy").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor
        .until(|f| f.iter().any(|f| f["kind"] == "agent_joined"))
        .await;

    visitor
        .send(json!({ "type": "typing", "typing": true }))
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "typing"))
        .await;
    let typing = frames.last().unwrap();
    assert_eq!(typing["chat_id"], chat.chat_id);
    assert_eq!(typing["typing"], true);
    assert_eq!(typing["by"], json!({ "kind": "visitor", "name": "Ivy" }));

    agent
        .send(json!({ "type": "typing", "chat_id": chat.chat_id, "typing": false }))
        .await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["type"] == "typing"))
        .await;
    let typing = frames.last().unwrap();
    assert_eq!(typing["typing"], false);
    assert_eq!(typing["by"]["kind"], "agent");
    // The visitor's own indicator did not come back to it.
    assert_eq!(
        frames.iter().filter(|f| f["type"] == "typing").count(),
        1,
        "{frames:?}"
    );

    // Another agent, not in the chat, may not type in it.
    let (mut bob, _) = app.available_agent("bob").await;
    bob.send(json!({ "type": "typing", "chat_id": chat.chat_id, "typing": true }))
        .await;
    let frames = bob.until(|f| f.iter().any(|f| f["type"] == "error")).await;
    assert_eq!(frames.last().unwrap()["error"], "not_a_participant");

    // Nothing was stored: the history has no trace of typing.
    let history = app.visitor_history(&chat).await;
    assert!(history
        .iter()
        .all(|e| e["type"] != "typing" && e["kind"] != "typing"));
}
