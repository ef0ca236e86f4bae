//! Invite and conference over real sockets (issue 5: R43, R44, A14): an agent invites a named
//! agent or a random available agent of a queue into the chat it holds; the invitee joins
//! (the visitor sees it), everyone in the chat reads and writes, private notes reach every
//! agent; the inviter may leave, the owner may end the conference; the agents of a
//! conference survive a restart.

mod common;

use common::{Backend, TestApp, VisitorChat, WsClient};
use serde_json::{json, Value};

/// Reads until the message event with `text` (every socket of the chat gets every message,
/// its sender's too); returns the frames before it.
async fn until_text(socket: &mut WsClient, text: &str) -> Vec<Value> {
    let found = |f: &Value| f["kind"] == "message" && f["text"] == text;
    socket.frames_until(found).await.1
}

/// Sends a message and waits for its ack, so messages from several sockets are stored in the
/// order the test sends them, and for its own event, which may come before or after the ack
/// (protocol.md 6.4); returns the texts of the messages the socket got meanwhile.
async fn say(socket: &mut WsClient, chat: &VisitorChat, text: &str, private: bool) -> Vec<String> {
    socket
        .send(
            json!({ "type": "send_message", "chat_id": chat.chat_id, "text": text,
                      "private": private }),
        )
        .await;
    let frames = socket
        .until(|frames| {
            frames.iter().any(|f| f["type"] == "ack")
                && frames
                    .iter()
                    .any(|f| f["kind"] == "message" && f["text"] == text)
        })
        .await;
    frames
        .iter()
        .filter(|f| f["kind"] == "message")
        .filter_map(|f| f["text"].as_str().map(str::to_owned))
        .collect()
}

async fn invite(socket: &mut WsClient, chat: &VisitorChat, target: Value) {
    let mut frame = json!({ "type": "invite_agent", "chat_id": chat.chat_id });
    for (key, value) in target.as_object().unwrap() {
        frame[key] = value.clone();
    }
    socket.send(frame).await;
}

/// Away, connected: a member who must not be picked.
async fn away_agent(app: &TestApp, username: &str) -> (WsClient, Value) {
    let token = app.agent_token(username).await;
    let mut socket = app.agent_socket(&token, "").await;
    let hello = socket.expect("agent_hello").await;
    socket
        .send(json!({ "type": "set_presence", "presence": "away" }))
        .await;
    socket.expect("presence").await;
    (socket, hello)
}

/// R43, R44: a named agent is invited ("conference requested"), joins ("conference", a
/// system event the visitor sees); all three talk, private notes reach both agents only; the
/// invitee's capacity counts the chat; only the owner ends the conference, which removes the
/// invitee.
async fn an_invited_agent_joins_until_the_conference_ends(app: TestApp) {
    let (mut agent, agent_hello) = app.available_agent("agent").await;
    let chat = app.joined_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let (mut bob, bob_hello) = app.available_agent("bob").await;
    let (bob_id, agent_id) = (
        bob_hello["agent_id"].clone(),
        agent_hello["agent_id"].clone(),
    );
    let (_erin, erin_hello) = app.available_agent("erin").await;

    invite(&mut agent, &chat, json!({ "agent_id": bob_id })).await;
    let requested = agent.next_of("chat_participants").await;
    assert_eq!(requested["pending"]["kind"], "invitation", "{requested}");
    assert_eq!(requested["pending"]["agent_id"], bob_id);
    // One invitation at a time; no transfer meanwhile either.
    invite(
        &mut agent,
        &chat,
        json!({ "agent_id": erin_hello["agent_id"] }),
    )
    .await;
    assert_eq!(agent.next_of("error").await["error"], "invitation_pending");
    agent
        .send(json!({ "type": "transfer_chat", "chat_id": chat.chat_id, "queue_id": 1 }))
        .await;
    assert_eq!(agent.next_of("error").await["error"], "invitation_pending");

    let offer = bob.next_of("offer").await;
    assert_eq!(offer["invitation"]["from_agent_id"], agent_id);
    assert!(offer.get("transfer").is_none(), "{offer}");
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("chat_assigned").await;
    let joined = bob.next_event("agent_joined").await;
    assert_eq!(
        joined["agent_id"], agent_id,
        "the replay starts with the first join"
    );
    let joined = bob.next_event("agent_joined").await;
    assert_eq!(joined["conference"], true);
    let conference = bob.next_of("chat_participants").await;
    assert_eq!(conference["owner_id"], agent_id);
    assert_eq!(conference["agents"].as_array().unwrap().len(), 2);

    let joined = visitor.next_event("agent_joined").await;
    assert_eq!(
        (
            joined["agent_name"].as_str(),
            joined["conference"].as_bool()
        ),
        (Some("bob"), Some(true))
    );
    let (conference, _) = agent
        .frames_until(|f| f["type"] == "chat_participants" && f["pending"].is_null())
        .await;
    assert_eq!(
        conference["agents"],
        json!([{ "agent_id": agent_id, "agent_name": "Demo Agent" },
               { "agent_id": bob_id, "agent_name": "bob" }])
    );

    // Everyone reads everyone; notes stay among the agents.
    say(&mut agent, &chat, "Welcome bob", false).await;
    let bob_got = say(&mut bob, &chat, "Hello Ann", false).await;
    assert_eq!(bob_got, ["Welcome bob", "Hello Ann"]);
    say(&mut bob, &chat, "bobsnote", true).await;
    let agent_got = say(&mut agent, &chat, "agentsnote", true).await;
    assert_eq!(agent_got, ["Hello Ann", "bobsnote", "agentsnote"]);
    until_text(&mut bob, "agentsnote").await;
    visitor
        .send(json!({ "type": "send_message", "text": "Thanks both" }))
        .await;
    until_text(&mut agent, "Thanks both").await;
    until_text(&mut bob, "Thanks both").await;
    let seen = until_text(&mut visitor, "Thanks both").await;
    let texts: Vec<&str> = seen
        .iter()
        .filter(|f| f["kind"] == "message")
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert_eq!(texts, ["Welcome bob", "Hello Ann"]);
    assert!(!format!("{seen:?}").contains("snote"), "{seen:?}");
    let history = app.visitor_history(&chat).await;
    assert!(!format!("{history:?}").contains("snote"), "{history:?}");

    // R40, R89: an invited agent is a participant everywhere: it sends a file that the owner
    // downloads, and it edits the visitor.
    let bob_token = app.agent_token("bob").await;
    let mut uploaded = TestApp::client()
        .post(format!(
            "{}/api/v1/chats/{}/attachments?name=steps.txt",
            app.base, chat.chat_id
        ))
        .bearer_auth(&bob_token)
        .send_body(b"1. restart the router".to_vec())
        .await
        .expect("upload");
    let file: Value = uploaded.json().await.expect("a JSON answer");
    assert_eq!(uploaded.status().as_u16(), 201, "{file}");
    bob.send(
        json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "",
                     "attachments": [file["attachment_id"]] }),
    )
    .await;
    bob.next_of("ack").await;
    let owner_token = app.agent_token("agent").await;
    let mut downloaded = TestApp::client()
        .get(format!(
            "{}/api/v1/chats/{}/attachments/{}",
            app.base,
            chat.chat_id,
            file["attachment_id"].as_str().unwrap_or_default()
        ))
        .bearer_auth(&owner_token)
        .send()
        .await
        .expect("download");
    assert_eq!(downloaded.status().as_u16(), 200);
    let body = downloaded.body().await.expect("the file");
    assert_eq!(&body[..], b"1. restart the router");
    let path = format!("/api/v1/chats/{}/visitor", chat.chat_id);
    let (status, edited) = app
        .call(
            "PATCH",
            &path,
            Some(&bob_token),
            Some(json!({ "phone": "+49 30 1234567" })),
        )
        .await;
    assert_eq!(status, 200, "{edited}");

    // A4: the conference counts for bob's capacity of one: busy, and a second invitation
    // cannot reach him.
    let token = app.agent_token("erin").await;
    let (_, targets) = app
        .call("GET", "/api/v1/transfer-targets", Some(&token), None)
        .await;
    let bob_row = targets["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["display_name"] == "bob")
        .cloned()
        .unwrap();
    assert_eq!(
        (bob_row["standing"].as_str(), bob_row["open_chats"].as_i64()),
        (Some("busy"), Some(1))
    );
    let other = app.start_chat("Cy").await;
    assert_eq!(agent.next_of("offer").await["chat_id"], other.chat_id);
    agent
        .send(json!({ "type": "accept_offer", "chat_id": other.chat_id }))
        .await;
    agent.next_of("chat_assigned").await;
    invite(&mut agent, &other, json!({ "agent_id": bob_id })).await;
    let declined = agent.next_of("invitation_declined").await;
    assert_eq!(
        (declined["chat_id"].as_i64(), declined["reason"].as_str()),
        (Some(other.chat_id), Some("unavailable"))
    );

    // Only the owner ends the conference; the invitee's tab closes.
    bob.send(json!({ "type": "end_conference", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(bob.next_of("error").await["error"], "not_chat_owner");
    agent
        .send(json!({ "type": "end_conference", "chat_id": chat.chat_id }))
        .await;
    let left = bob.next_of("chat_left").await;
    assert_eq!(left["reason"], "removed");
    let left = visitor.next_event("agent_left").await;
    assert_eq!(
        (left["agent_name"].as_str(), left["reason"].as_str()),
        (Some("bob"), Some("removed"))
    );
    let one_to_one = agent.next_of("chat_participants").await;
    assert_eq!(one_to_one["agents"].as_array().unwrap().len(), 1);
    bob.send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "still here?" }))
        .await;
    assert_eq!(bob.next_of("error").await["error"], "not_a_participant");
    agent
        .send(json!({ "type": "end_conference", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(agent.next_of("error").await["error"], "no_conference");
}

/// A14, R43: an invitation to a queue picks an available member with room who is not in the
/// chat (none: `no_agent_available`); the inviter leaves and the chat stays with the invitee,
/// who cannot leave as the last agent; a declined invitation is reported and another may
/// follow.
async fn a_random_invitee_stays_when_the_inviter_leaves(app: TestApp) {
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.joined_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    let (mut bob, bob_hello) = away_agent(&app, "bob").await;
    let (mut erin, erin_hello) = app.available_agent("erin").await;

    // Sales: carol is not signed in.
    invite(&mut agent, &chat, json!({ "queue_id": 2 })).await;
    assert_eq!(agent.next_of("error").await["error"], "no_agent_available");
    invite(&mut agent, &chat, json!({ "queue_id": 1, "agent_id": 5 })).await;
    assert_eq!(
        agent.next_of("error").await["error"],
        "invalid_handover_target"
    );

    // Support: the agent itself is in the chat and bob is away: erin is the one.
    invite(&mut agent, &chat, json!({ "queue_id": 1 })).await;
    let requested = agent.next_of("chat_participants").await;
    assert_eq!(requested["pending"]["agent_id"], erin_hello["agent_id"]);
    let offer = erin.next_of("offer").await;
    assert_eq!(offer["queue_id"], 1, "the queue it was picked from");
    assert_eq!(offer["direct"], true, "for erin alone");
    erin.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    erin.expect("chat_assigned").await;
    visitor.next_event("agent_joined").await;

    // The inviter leaves; erin owns the chat now and cannot leave it.
    agent
        .send(json!({ "type": "leave_chat", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(agent.next_of("chat_left").await["reason"], "left");
    let left = visitor.next_event("agent_left").await;
    assert_eq!(
        (left["agent_name"].as_str(), left["reason"].as_str()),
        (Some("Demo Agent"), Some("left"))
    );
    let (alone, _) = erin
        .frames_until(|f| {
            f["type"] == "chat_participants" && f["agents"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
    assert_eq!(alone["owner_id"], erin_hello["agent_id"]);
    erin.send(json!({ "type": "leave_chat", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(erin.next_of("error").await["error"], "last_agent_in_chat");
    say(&mut erin, &chat, "erin here", false).await;
    until_text(&mut visitor, "erin here").await;

    // A declined invitation: erin is told, and may invite again.
    bob.send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    bob.next_of("presence").await;
    invite(
        &mut erin,
        &chat,
        json!({ "agent_id": bob_hello["agent_id"] }),
    )
    .await;
    bob.next_of("offer").await;
    bob.send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    let declined = erin.next_of("invitation_declined").await;
    assert_eq!(
        (declined["agent_id"].clone(), declined["reason"].as_str()),
        (bob_hello["agent_id"].clone(), Some("rejected"))
    );
    invite(
        &mut erin,
        &chat,
        json!({ "agent_id": bob_hello["agent_id"] }),
    )
    .await;
    let again = bob.next_of("offer").await;
    assert_eq!(again["chat_id"], chat.chat_id);
}

/// The agents of a conference come back after a restart (a second engine on the same
/// database); the pending invitation does not.
async fn a_conference_survives_a_restart(app: TestApp) {
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.joined_chat(&mut agent, "Ann").await;
    let (mut bob, bob_hello) = app.available_agent("bob").await;
    invite(
        &mut agent,
        &chat,
        json!({ "agent_id": bob_hello["agent_id"] }),
    )
    .await;
    bob.next_of("offer").await;
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("chat_assigned").await;
    bob.next_of("chat_participants").await;
    let bob_token = app.agent_token("bob").await;
    agent.close().await;
    bob.close().await;

    app.engine.shutdown();
    let (port, handle, engine) = app.second_engine().await;
    let mut bob = WsClient::connect(
        TestApp::client()
            .ws(format!("ws://127.0.0.1:{port}/api/v1/agent/ws"))
            .bearer_auth(&bob_token),
    )
    .await
    .unwrap();
    let hello = bob.expect("agent_hello").await;
    assert_eq!(hello["chats"], json!([{ "chat_id": chat.chat_id }]));
    let participants = bob.next_of("chat_participants").await;
    assert_eq!(
        participants["agents"].as_array().unwrap().len(),
        2,
        "{participants}"
    );
    assert!(participants["pending"].is_null());
    say(&mut bob, &chat, "back", false).await;
    handle.stop(false).await;
    engine.shutdown();
}

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::builder(backend)
        .agent("bob", 2, 1)
        .agent("erin", 3, 3)
        .agent_without_queue("carol")
        .queue("Sales", &["carol"])
        .spawn()
        .await
}

#[actix_web::test]
async fn an_invited_agent_joins_until_the_conference_ends_on_sqlite() {
    an_invited_agent_joins_until_the_conference_ends(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn an_invited_agent_joins_until_the_conference_ends_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        an_invited_agent_joins_until_the_conference_ends(app).await;
    }
}

#[actix_web::test]
async fn a_random_invitee_stays_when_the_inviter_leaves_on_sqlite() {
    a_random_invitee_stays_when_the_inviter_leaves(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn a_random_invitee_stays_when_the_inviter_leaves_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        a_random_invitee_stays_when_the_inviter_leaves(app).await;
    }
}

#[actix_web::test]
async fn a_conference_survives_a_restart_on_sqlite() {
    a_conference_survives_a_restart(spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn a_conference_survives_a_restart_on_postgres() {
    if let Some(app) = spawn(Backend::Postgres).await {
        a_conference_survives_a_restart(app).await;
    }
}
