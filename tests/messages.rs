//! The message path over real sockets: private messages (R39, R84, R86), slash commands
//! (R47), typing indicators and receipts (R38), offers and their picks (R9, R42).

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

/// The last frame of `frames`, which must be an error; returns its code.
fn error_code(frames: &[Value]) -> String {
    let last = frames.last().expect("a frame");
    assert_eq!(last["type"], "error", "{last}");
    last["error"].as_str().unwrap_or_default().to_owned()
}

/// R9, R42: an agent's offer reaches the visitor as options; the visitor's pick is stored once
/// as a structured value (option id and label) and shown to the agent; bad offers and picks
/// are refused with their codes.
async fn offers_are_answered_with_one_structured_pick(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Olga").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;

    agent
        .send(json!({ "type": "offer_choices", "chat_id": chat.chat_id,
                      "prompt": "Which plan suits you?", "client_key": "o1",
                      "options": [{ "label": "Basic" }, { "id": "pro", "label": "Pro <2>" },
                                  { "label": "Not sure" }] }))
        .await;
    let frames = agent.until(|f| f.iter().any(|f| f["type"] == "ack")).await;
    let offer_seq = frames.last().unwrap()["seq"].as_i64().unwrap();
    assert_eq!(frames.last().unwrap()["client_key"], "o1");
    let offered = visitor.expect_event("choices_offered").await;
    assert_eq!(offered["seq"], offer_seq);
    assert_eq!(offered["prompt"], "Which plan suits you?");
    assert_eq!(
        offered["options"],
        json!([{ "id": "1", "label": "Basic" }, { "id": "pro", "label": "Pro <2>" },
               { "id": "3", "label": "Not sure" }])
    );

    visitor
        .send(
            json!({ "type": "pick_choice", "offer_seq": offer_seq, "option_id": "pro",
                      "client_key": "p1" }),
        )
        .await;
    // The pick's own event may come before or after its ack (protocol.md 6.4).
    let frames = visitor
        .until(|f| {
            f.iter().any(|f| f["type"] == "ack") && f.iter().any(|f| f["kind"] == "choice_picked")
        })
        .await;
    let pick_seq = frames.iter().find(|f| f["type"] == "ack").unwrap()["seq"]
        .as_i64()
        .unwrap();
    let picked = frames
        .iter()
        .find(|f| f["kind"] == "choice_picked")
        .unwrap();
    assert_eq!(picked["seq"], pick_seq);
    let seen = agent
        .until(|f| f.iter().any(|f| f["kind"] == "choice_picked"))
        .await;
    let seen = seen.last().unwrap();
    assert_eq!(seen["offer_seq"], offer_seq);
    assert_eq!(seen["choice"], json!({ "id": "pro", "label": "Pro <2>" }));
    assert_eq!(seen["author"], json!({ "kind": "visitor", "name": "Olga" }));

    // A retry with the same key is the same pick; a second pick is refused.
    visitor
        .send(
            json!({ "type": "pick_choice", "offer_seq": offer_seq, "option_id": "pro",
                      "client_key": "p1" }),
        )
        .await;
    assert_eq!(visitor.expect("ack").await["seq"], pick_seq);
    let refusals = [
        (
            json!({ "offer_seq": offer_seq, "option_id": "1" }),
            "choice_already_picked",
        ),
        (
            json!({ "offer_seq": pick_seq, "option_id": "1" }),
            "unknown_choice_offer",
        ),
        (
            json!({ "offer_seq": 999, "option_id": "1" }),
            "unknown_choice_offer",
        ),
    ];
    for (pick, code) in refusals {
        let mut frame = pick;
        frame["type"] = json!("pick_choice");
        visitor.send(frame).await;
        let frames = visitor
            .until(|f| f.iter().any(|f| f["type"] == "error"))
            .await;
        assert_eq!(error_code(&frames), code);
    }

    // An unknown option of an open offer; a private note is no offer either.
    agent
        .send(json!({ "type": "offer_choices", "chat_id": chat.chat_id,
                      "options": [{ "label": "Yes" }, { "label": "No" }] }))
        .await;
    let second = agent.collect("ack", 1).await[0]["seq"].as_i64().unwrap();
    visitor
        .send(json!({ "type": "pick_choice", "offer_seq": second, "option_id": "maybe" }))
        .await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(error_code(&frames), "unknown_choice");
    agent
        .send(
            json!({ "type": "send_message", "chat_id": chat.chat_id, "text": NOTE,
                      "private": true }),
        )
        .await;
    let note = agent.collect("ack", 1).await[0]["seq"].as_i64().unwrap();
    visitor
        .send(json!({ "type": "pick_choice", "offer_seq": note, "option_id": "1" }))
        .await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(error_code(&frames), "unknown_choice_offer");

    // Offers that break the rules are refused before anything is stored.
    let bad_offers = [
        (json!([]), "invalid_choice_count"),
        (
            json!([{ "label": "Yes" }, { "label": "yes" }]),
            "duplicate_choice",
        ),
        (
            json!([{ "id": "a b", "label": "Yes" }]),
            "invalid_choice_id",
        ),
        (json!([{ "label": "  " }]), "empty_label"),
    ];
    for (options, code) in bad_offers {
        agent
            .send(json!({ "type": "offer_choices", "chat_id": chat.chat_id,
                          "options": options }))
            .await;
        let frames = agent
            .until(|f| f.iter().any(|f| f["type"] == "error"))
            .await;
        assert_eq!(error_code(&frames), code);
    }
    agent
        .send(
            json!({ "type": "offer_choices", "chat_id": chat.chat_id, "private": true,
                      "options": [{ "label": "Yes" }] }),
        )
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(error_code(&frames), "invalid_message");

    // The pick is part of the conversation the visitor reads back.
    let history = app.visitor_history(&chat).await;
    let kinds: Vec<&str> = history.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "choices_offered").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "choice_picked").count(), 1);
}

#[actix_web::test]
async fn offers_are_answered_with_one_structured_pick_sqlite() {
    offers_are_answered_with_one_structured_pick(Backend::Sqlite).await;
}

#[actix_web::test]
async fn offers_are_answered_with_one_structured_pick_postgres() {
    offers_are_answered_with_one_structured_pick(Backend::Postgres).await;
}

/// R38: delivery and read receipts go to the other side, only forward, and a new socket is
/// told where the others are; a receipt beyond the chat's last event is refused.
async fn receipts_reach_the_other_side(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (mut agent, hello) = app.available_agent("agent").await;
    let agent_id = hello["agent_id"].clone();
    let chat = app.taken_chat(&mut agent, "Rita").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;

    visitor
        .send(json!({ "type": "send_message", "text": "Hello?" }))
        .await;
    let seq = visitor.collect("ack", 1).await[0]["seq"].clone();
    agent
        .send(json!({ "type": "receipt", "chat_id": chat.chat_id, "delivered_seq": seq }))
        .await;
    let receipt = visitor
        .until(|f| f.iter().any(|f| f["type"] == "receipt"))
        .await;
    let receipt = receipt.last().unwrap();
    assert_eq!(
        receipt["reader"],
        json!({ "kind": "agent", "id": agent_id })
    );
    assert_eq!(receipt["delivered_seq"], seq);
    assert_eq!(receipt["read_seq"], 0);

    agent
        .send(json!({ "type": "receipt", "chat_id": chat.chat_id, "read_seq": seq }))
        .await;
    let receipt = visitor.expect("receipt").await;
    assert_eq!(receipt["read_seq"], seq);
    // Telling the same again, or less, goes nowhere; the agent never hears its own receipts.
    agent
        .send(json!({ "type": "receipt", "chat_id": chat.chat_id, "delivered_seq": 1 }))
        .await;
    let frames = agent.round_trip().await;
    assert!(frames.iter().all(|f| f["type"] != "receipt"), "{frames:?}");
    assert!(visitor.round_trip().await.is_empty());

    agent
        .send(json!({ "type": "receipt", "chat_id": chat.chat_id, "read_seq": 999 }))
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(error_code(&frames), "receipt_out_of_range");
    visitor.send(json!({ "type": "receipt" })).await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(error_code(&frames), "empty_receipt");

    // The visitor's receipt reaches the agent.
    agent
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Hi Rita" }))
        .await;
    let answer = agent.collect("ack", 1).await[0]["seq"].clone();
    visitor
        .send(json!({ "type": "receipt", "read_seq": answer }))
        .await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "receipt"))
        .await;
    let receipt = frames.last().unwrap();
    assert_eq!(receipt["reader"], json!({ "kind": "visitor" }));
    assert_eq!(receipt["delivered_seq"], answer);
    assert_eq!(receipt["read_seq"], answer);

    // A reloaded widget learns the agent's marks after its replay.
    let mut again = app.visitor_socket(&chat, 0).await;
    let frames = again
        .until(|f| f.iter().any(|f| f["type"] == "receipt"))
        .await;
    let receipt = frames.last().unwrap();
    assert_eq!(receipt["reader"]["kind"], "agent");
    assert_eq!(receipt["read_seq"], seq);
    assert!(
        frames.iter().any(|f| f["kind"] == "message"),
        "the replay comes first: {frames:?}"
    );
}

#[actix_web::test]
async fn receipts_reach_the_other_side_sqlite() {
    receipts_reach_the_other_side(Backend::Sqlite).await;
}

#[actix_web::test]
async fn receipts_reach_the_other_side_postgres() {
    receipts_reach_the_other_side(Backend::Postgres).await;
}
