//! Chats nobody took and chats nobody attended, over real sockets with millisecond timeouts:
//! the unmanaged message and leave-a-message (R76, R78, R79, A13), the unattended timeout
//! (R66, R80, A8), transcripts by mail to a real SMTP server (R84, R85, R86), the supervisors'
//! review (R81) and what survives a restart.

mod common;

use std::time::Duration;

use common::smtp::{wait_for_mail, SmtpServer};
use common::{Backend, TestApp, VisitorChat, WsClient};
use parley::domain::event::{Author, ChatEvent, EventBody};
use parley::domain::ids::{ChatId, Seq, UserId};
use parley::domain::unmanaged::{AutoClose, UnmanagedPolicy};
use parley::domain::website::WebsiteKey;
use parley::startup::Application;
use parley::store;
use serde_json::{json, Value};

const SUPERVISOR_PASSWORD: &str = "supervisor-password";

async fn supervisor_token(app: &TestApp) -> String {
    let (status, body) = app.login("supervisor", SUPERVISOR_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

async fn leave_message(app: &TestApp, chat: &VisitorChat, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/chats/{}/left-message", chat.chat_id);
    app.call("POST", &path, Some(&chat.token), Some(body)).await
}

async fn ask_transcript(app: &TestApp, chat: &VisitorChat, email: &str) -> (u16, Value) {
    let path = format!("/api/v1/chats/{}/transcript", chat.chat_id);
    let body = json!({ "email": email });
    app.call("POST", &path, Some(&chat.token), Some(body)).await
}

async fn reply(app: &TestApp, token: &str, chat: &VisitorChat, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/review/chats/{}/reply", chat.chat_id);
    app.call("POST", &path, Some(token), Some(body)).await
}

/// A chat started by a visitor named `name` and accepted by `agent`, the Available member.
async fn taken_chat(app: &TestApp, agent: &mut WsClient, name: &str) -> VisitorChat {
    let chat = app.start_chat(name).await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    chat
}

/// A refused request's status and error code.
fn refusal((status, body): (u16, Value)) -> (u16, String) {
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Reads the visitor's frames up to the `chat_ended` event, and returns that event.
async fn chat_ended(visitor: &mut WsClient) -> Value {
    let frames = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    frames.last().cloned().expect("the end")
}

/// The demo website's unmanaged settings, before the engine starts (they are read at start).
fn demo_policy(policy: UnmanagedPolicy) -> impl FnOnce(&store::Db) + 'static {
    move |db: &store::Db| {
        let key = WebsiteKey::parse("demo").unwrap();
        db.run_now(|conn| store::websites::set_unmanaged_policy(conn, &key, &policy))
            .unwrap();
    }
}

/// Mail as an SMTP server received it, with quoted-printable soft breaks and escapes undone.
fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        let hex = rest.get(at + 1..at + 3).unwrap_or("");
        match u8::from_str_radix(hex, 16) {
            Ok(byte) if hex.len() == 2 => {
                out.push(byte as char);
                rest = &rest[at + 3..];
            }
            _ => {
                out.push('=');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// R19, R76, R78, R81: a hunt that times out leaves the chat unmanaged; the visitor sees the
/// website's message and leaves one message, which the online member gets at once and every
/// member can read; a supervisor lists, opens, answers by mail and closes the chat; agents may
/// not review.
async fn unmanaged_chat_reviewed(backend: Backend) {
    let smtp = SmtpServer::start(0);
    let Some(app) = TestApp::builder(backend)
        .offer_timeout_ms(10_000)
        .smtp(smtp.port)
        .settings(|s| {
            s.routing.hunt_timeout_ms = 300;
            s.presence.grace_ms = 50;
        })
        .spawn()
        .await
    else {
        return;
    };
    let (mut agent, hello) = app.available_agent("agent").await;
    let agent_id = hello["agent_id"].as_i64().unwrap();
    let chat = app.start_chat("Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
    assert_eq!(agent.expect("offer_withdrawn").await["reason"], "hunt_over");

    // R76: the visitor is told what to do, and until when it may leave a message.
    let ended = chat_ended(&mut visitor).await;
    assert_eq!(ended["disposition"], "unmanaged");
    assert_eq!(ended["ended_by"], json!({ "kind": "system" }));
    let notice = ended["notice"].as_str().unwrap();
    assert!(notice.contains("Leave us a message"), "{notice}");
    let until = ended["leave_message_until_ms"].as_i64().unwrap();
    assert!(until > ended["at_ms"].as_i64().unwrap());
    visitor.expect_close().await;

    // R78: one message, with the chat's token, after the end.
    let (status, left) = leave_message(
        &app,
        &chat,
        json!({ "name": "Ann", "email": "ann@example.org", "text": "Call me <after> 5 & ask for Ann" }),
    )
    .await;
    assert_eq!(status, 201, "{left}");
    assert_eq!(left["chat_id"], chat.chat_id);
    assert_eq!(left["text"], "Call me <after> 5 & ask for Ann");
    assert_eq!(
        refusal(leave_message(&app, &chat, json!({ "name": "Ann", "text": "Hello?" })).await),
        (409, "message_already_left".to_owned())
    );

    // The online member gets it on its dashboard; every member can read it.
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "left_message"))
        .await;
    let frame = frames.last().unwrap();
    assert_eq!(frame["chat_id"], chat.chat_id);
    assert_eq!(frame["email"], "ann@example.org");
    assert_eq!(frame["visitor_name"], "Ann");
    assert_eq!(frame["website_key"], "demo");
    let agent_token = app.agent_token("agent").await;
    let (status, mine) = app
        .call("GET", "/api/v1/left-messages", Some(&agent_token), None)
        .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["left_messages"][0]["chat_id"], chat.chat_id);

    // R71, R81: agents may not review.
    let review = format!("/api/v1/review/chats/{}", chat.chat_id);
    for (method, path, body) in [
        ("GET", "/api/v1/review/chats".to_owned(), None),
        ("GET", review.clone(), None),
        ("POST", format!("{review}/close"), None),
        (
            "POST",
            format!("{review}/reply"),
            Some(json!({ "subject": "Hi", "body": "Hi" })),
        ),
        ("GET", format!("/api/v1/chats/{}/log", chat.chat_id), None),
    ] {
        let answer = app.call(method, &path, Some(&agent_token), body).await;
        assert_eq!(refusal(answer), (403, "forbidden".to_owned()), "{path}");
    }
    let (status, _) = app.call("GET", "/api/v1/review/chats", None, None).await;
    assert_eq!(status, 401);

    // The supervisor lists the open unmanaged chats of the website, newest first.
    let supervisor = supervisor_token(&app).await;
    let (status, list) = app
        .call(
            "GET",
            "/api/v1/review/chats?website=demo&kind=unmanaged&status=open",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let item = &list["chats"][0];
    assert_eq!(item["chat_id"], chat.chat_id);
    assert_eq!(item["kind"], "unmanaged");
    assert_eq!(item["status"], "open");
    assert_eq!(item["visitor_email"], "ann@example.org");
    assert_eq!(item["left_message"]["name"], "Ann");
    let (_, timeouts) = app
        .call(
            "GET",
            "/api/v1/review/chats?kind=timeout",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(timeouts["chats"], json!([]));

    // Opened: why, the form data, the whole log, the left message.
    let (status, detail) = app.call("GET", &review, Some(&supervisor), None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["reason"], "hunt_timeout");
    assert_eq!(detail["direct"], false);
    assert_eq!(
        detail["visitor_details"]["page_url"],
        "http://localhost:3000/pricing"
    );
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["chat_requested", "chat_ended"]);
    assert_eq!(
        detail["left_message"]["text"],
        "Call me <after> 5 & ask for Ann"
    );

    // A reply by mail goes to the address left with the message, its HTML escaped.
    let letter = json!({ "subject": "Your call", "body": "Dear Ann,\nwe call at 5 <sharp>." });
    let (status, sent) = reply(&app, &supervisor, &chat, letter).await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["to"], "ann@example.org");
    let mail = decoded(&wait_for_mail(&smtp, 1).await[0]);
    assert!(mail.contains("To: ann@example.org"), "{mail}");
    assert!(mail.contains("Subject: Your call"), "{mail}");
    assert!(mail.contains("we call at 5 <sharp>."), "{mail}");
    assert!(mail.contains("we call at 5 &lt;sharp&gt;."), "{mail}");
    let (_, detail) = app.call("GET", &review, Some(&supervisor), None).await;
    assert_eq!(detail["replies"][0]["subject"], "Your call");

    // Closed once; then it lists as closed, and members no longer see its message.
    let (status, closed) = app
        .call("POST", &format!("{review}/close"), Some(&supervisor), None)
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at_ms"].as_i64().is_some());
    assert_ne!(closed["closed_by"], json!(null));
    assert_ne!(closed["closed_by"], json!(agent_id));
    assert_eq!(
        refusal(
            app.call("POST", &format!("{review}/close"), Some(&supervisor), None)
                .await
        ),
        (409, "review_closed".to_owned())
    );
    let (_, open) = app
        .call("GET", "/api/v1/review/chats", Some(&supervisor), None)
        .await;
    assert_eq!(open["chats"], json!([]));
    let (_, closed_list) = app
        .call(
            "GET",
            "/api/v1/review/chats?status=closed",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(closed_list["chats"][0]["chat_id"], chat.chat_id);
    let (_, mine) = app
        .call("GET", "/api/v1/left-messages", Some(&agent_token), None)
        .await;
    assert_eq!(mine["left_messages"], json!([]));
}

#[actix_web::test]
async fn an_unmanaged_chat_gets_a_message_and_is_reviewed_on_sqlite() {
    unmanaged_chat_reviewed(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_unmanaged_chat_gets_a_message_and_is_reviewed_on_postgres() {
    unmanaged_chat_reviewed(Backend::Postgres).await;
}

/// R66, R80, A8, R8: an active chat nobody writes in ends with `timeout`, the visitor is told,
/// and the agent's capacity frees: the chat waiting for it is offered at once.
#[actix_web::test]
async fn an_unattended_chat_times_out_and_frees_the_agent() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("carol", 1, 1)
        .settings(|s| s.chats.unattended_timeout_ms = 300)
        .spawn()
        .await
        .unwrap();
    let (mut carol, _) = app.available_agent("carol").await;
    let first = taken_chat(&app, &mut carol, "Ann").await;
    let mut visitor = app.visitor_socket(&first, 0).await;
    visitor.expect("visitor_hello").await;
    visitor
        .send(json!({ "type": "send_message", "text": "Anyone?" }))
        .await;

    // Carol is at capacity: the next chat waits for her.
    let second = app.start_chat("Bea").await;

    let ended = chat_ended(&mut visitor).await;
    assert_eq!(ended["disposition"], "timeout");
    assert_eq!(ended["ended_by"], json!({ "kind": "system" }));
    assert!(ended["notice"].as_str().unwrap().contains("nobody wrote"));
    assert!(ended.get("leave_message_until_ms").is_none(), "{ended}");
    visitor.expect_close().await;

    let frames = carol
        .until(|f| f.iter().any(|f| f["type"] == "offer"))
        .await;
    assert!(frames
        .iter()
        .any(|f| f["kind"] == "chat_ended" && f["chat_id"] == first.chat_id));
    assert_eq!(frames.last().unwrap()["chat_id"], second.chat_id);

    // It is reviewed as a timed-out chat; a message cannot be left for it.
    let supervisor = supervisor_token(&app).await;
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/review/chats?kind=timeout",
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(list["chats"][0]["chat_id"], first.chat_id);
    let (_, detail) = app
        .call(
            "GET",
            &format!("/api/v1/review/chats/{}", first.chat_id),
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(detail["reason"], "unattended");
    assert_eq!(
        refusal(leave_message(&app, &first, json!({ "name": "Ann", "text": "Hi" })).await),
        (409, "leave_message_unavailable".to_owned())
    );
}

/// R84, R85, R86: a transcript asked for during the chat is mailed when it ends; one asked for
/// after the end is mailed at once. Neither holds a private event, which the organisation log
/// holds.
#[actix_web::test]
async fn transcripts_leave_out_private_events_and_the_log_keeps_them() {
    let smtp = SmtpServer::start(0);
    let app = TestApp::builder(Backend::Sqlite)
        .smtp(smtp.port)
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = taken_chat(&app, &mut agent, "Ann").await;

    let (status, asked) = ask_transcript(&app, &chat, "ann@example.org").await;
    assert_eq!(status, 202, "{asked}");
    assert_eq!(asked["delivery"], "when_chat_ends");

    agent
        .send(json!({ "type": "send_message", "chat_id": chat.chat_id, "text": "Prices start at < 10 € & up" }))
        .await;
    agent.until(|f| f.iter().any(|f| f["type"] == "ack")).await;
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/chats/{}/end", chat.chat_id),
            Some(&chat.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let mail = decoded(&wait_for_mail(&smtp, 1).await[0]);
    assert!(mail.contains("To: ann@example.org"), "{mail}");
    assert!(
        mail.contains("Subject: Your chat with Demo website"),
        "{mail}"
    );
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(mail.contains("Demo Agent: Prices start at < 10"), "{mail}");
    assert!(mail.contains("Prices start at &lt; 10"), "{mail}");

    // A private note, written straight to the store (tests/messages.rs sends one over the socket).
    let chat_id = ChatId(chat.chat_id);
    let (last_seq, _) = app
        .engine
        .db()
        .run_now(|conn| store::chats::sequence_state(conn, chat_id))
        .unwrap();
    let note = ChatEvent {
        chat_id,
        seq: Seq(last_seq.0 + 1),
        at_ms: parley::clock::now_ms(),
        author: Author::Agent {
            id: UserId(1),
            name: "Demo Agent".into(),
        },
        private: true,
        body: EventBody::Message {
            text: "internal: likes discounts".into(),
            attachments: Vec::new(),
        },
    };
    app.engine
        .db()
        .run_now(|conn| store::chats::append(conn, &note, None))
        .unwrap();

    let (status, asked) = ask_transcript(&app, &chat, "ann.other@example.org").await;
    assert_eq!(status, 202, "{asked}");
    assert_eq!(asked["delivery"], "now");
    let mails = wait_for_mail(&smtp, 2).await;
    let second = decoded(&mails[1]);
    assert!(second.contains("To: ann.other@example.org"), "{second}");
    assert!(second.contains("Prices start at"), "{second}");
    for mail in mails.iter().map(|m| decoded(m)) {
        assert!(!mail.contains("likes discounts"), "{mail}");
    }

    // R85: the organisation log has everything, private included; only for supervisors.
    let supervisor = supervisor_token(&app).await;
    let (status, log) = app
        .call(
            "GET",
            &format!("/api/v1/chats/{}/log", chat.chat_id),
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
    assert_eq!(private.len(), 1);
    assert_eq!(private[0]["text"], "internal: likes discounts");
    // The visitor's own history never shows it.
    assert!(app
        .visitor_history(&chat)
        .await
        .iter()
        .all(|e| e["private"] == false));

    // A third ask is allowed, a fourth is not; bad addresses are refused.
    let (status, _) = ask_transcript(&app, &chat, "ann@example.org").await;
    assert_eq!(status, 202);
    assert_eq!(
        refusal(ask_transcript(&app, &chat, "ann@example.org").await),
        (429, "too_many_transcripts".to_owned())
    );
    assert_eq!(
        refusal(ask_transcript(&app, &chat, "Ann <ann@example.org>").await),
        (422, "invalid_email".to_owned())
    );
}

/// R76, R78: the website's own message, no leave-a-message, and the unmanaged auto-close.
#[actix_web::test]
async fn a_websites_own_message_and_auto_close() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.presence.grace_ms = 50)
        .before_start(demo_policy(UnmanagedPolicy {
            message: Some("Write to help@example.org <please>".into()),
            leave_message: false,
            autoclose: AutoClose::from_ms(200),
            language: None,
        }))
        .spawn()
        .await
        .unwrap();
    // Nobody is signed in: after the settle period the hunt ends at once (A2).
    let chat = app.start_chat("Cid").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    let ended = chat_ended(&mut visitor).await;
    assert_eq!(ended["disposition"], "unmanaged");
    assert_eq!(ended["notice"], "Write to help@example.org <please>");
    assert!(ended.get("leave_message_until_ms").is_none(), "{ended}");
    assert_eq!(
        refusal(leave_message(&app, &chat, json!({ "name": "Cid", "text": "Hi" })).await),
        (409, "leave_message_unavailable".to_owned())
    );

    // The review closes itself; nobody closed it.
    let supervisor = supervisor_token(&app).await;
    let item = loop {
        let (_, list) = app
            .call(
                "GET",
                "/api/v1/review/chats?status=closed",
                Some(&supervisor),
                None,
            )
            .await;
        if let Some(item) = list["chats"].get(0) {
            break item.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(item["chat_id"], chat.chat_id);
    assert_eq!(item["closed_by"], json!(null));
    assert_eq!(item["visitor_email"], json!(null));
    let answer = reply(
        &app,
        &supervisor,
        &chat,
        json!({ "subject": "Hi", "body": "Hi" }),
    )
    .await;
    assert_eq!(refusal(answer), (409, "no_visitor_address".to_owned()));
}

/// A13, R79: a direct chat its agent rejects tells the visitor the agent is unavailable and
/// lets it leave a message, which goes to that agent (a member of the chat's queue).
#[actix_web::test]
async fn a_rejected_direct_chat_offers_leave_a_message() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.presence.grace_ms = 50)
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let token = app.agent_token("agent").await;
    let (status, code) = app
        .call(
            "POST",
            "/api/v1/invitation-codes",
            Some(&token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 201, "{code}");
    let (status, started) = app
        .post_chat(
            json!({ "name": "Dee", "invitation_code": code["code"] }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let chat = VisitorChat {
        chat_id: started["chat_id"].as_i64().unwrap(),
        token: started["visitor_token"].as_str().unwrap().to_owned(),
    };
    assert_eq!(agent.expect("offer").await["direct"], true);
    agent
        .send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    let ended = chat_ended(&mut visitor).await;
    assert!(ended["notice"]
        .as_str()
        .unwrap()
        .contains("agent you asked for"));
    let (status, _) = leave_message(&app, &chat, json!({ "name": "Dee", "text": "Ring me" })).await;
    assert_eq!(status, 201);
    agent
        .until(|f| f.iter().any(|f| f["type"] == "left_message"))
        .await;
}

/// Bad input leaves nothing behind and gets stable codes.
#[actix_web::test]
async fn bad_left_messages_and_review_requests_are_refused() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| s.presence.grace_ms = 50)
        .spawn()
        .await
        .unwrap();
    let chat = app.start_chat("Eve").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    chat_ended(&mut visitor).await;
    for (body, status, code) in [
        (
            json!({ "name": "Eve", "email": "nope", "text": "Hi" }),
            422,
            "invalid_email",
        ),
        (json!({ "name": " ", "text": "Hi" }), 422, "empty_name"),
        (
            json!({ "name": "Eve", "text": "x".repeat(1001) }),
            422,
            "message_too_long",
        ),
        (
            json!({ "name": "Eve", "text": "Hi", "phone": "1" }),
            422,
            "invalid_body",
        ),
    ] {
        let answer = leave_message(&app, &chat, body.clone()).await;
        assert_eq!(refusal(answer), (status, code.to_owned()), "{body}");
    }
    let wrong = VisitorChat {
        chat_id: chat.chat_id,
        token: "0".repeat(64),
    };
    let (status, _) = leave_message(&app, &wrong, json!({ "name": "Eve", "text": "Hi" })).await;
    assert_eq!(status, 403);
    let supervisor = supervisor_token(&app).await;
    let (_, detail) = app
        .call(
            "GET",
            &format!("/api/v1/review/chats/{}", chat.chat_id),
            Some(&supervisor),
            None,
        )
        .await;
    assert_eq!(detail["left_message"], json!(null), "nothing was stored");
    assert_eq!(detail["reason"], "no_eligible_agent");

    for (path, status, code) in [
        (
            "/api/v1/review/chats?website=nope",
            404,
            "website_not_found",
        ),
        ("/api/v1/review/chats?kind=offline", 422, "invalid_input"),
        ("/api/v1/review/chats?limit=0", 422, "invalid_input"),
        ("/api/v1/review/chats/999999", 404, "chat_not_found"),
    ] {
        let answer = app.call("GET", path, Some(&supervisor), None).await;
        assert_eq!(refusal(answer), (status, code.to_owned()), "{path}");
    }
    let answer = reply(
        &app,
        &supervisor,
        &chat,
        json!({ "subject": "", "body": "Hi" }),
    )
    .await;
    assert_eq!(refusal(answer), (422, "empty_subject".to_owned()));

    // A chat that ended normally is not under review.
    let (mut agent, _) = app.available_agent("agent").await;
    let normal = taken_chat(&app, &mut agent, "Fay").await;
    assert_eq!(
        refusal(leave_message(&app, &normal, json!({ "name": "Fay", "text": "Hi" })).await),
        (409, "leave_message_unavailable".to_owned())
    );
    agent
        .send(json!({ "type": "end_chat", "chat_id": normal.chat_id }))
        .await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    assert_eq!(
        refusal(
            app.call(
                "POST",
                &format!("/api/v1/review/chats/{}/close", normal.chat_id),
                Some(&supervisor),
                None,
            )
            .await
        ),
        (409, "not_reviewable".to_owned())
    );
}

/// R80, R76: the unattended timer of an active chat and the auto-close of an open review are
/// rebuilt from the store when the engine starts again.
#[actix_web::test]
async fn unattended_timers_and_auto_close_survive_a_restart() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| {
            s.chats.unattended_timeout_ms = 1_500;
            s.presence.grace_ms = 50;
        })
        .before_start(demo_policy(UnmanagedPolicy {
            autoclose: AutoClose::from_ms(1_500),
            ..UnmanagedPolicy::default()
        }))
        .spawn()
        .await
        .unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    // One chat rejected by the only agent (unmanaged, review open), one taken (active).
    let rejected = app.start_chat("Gus").await;
    agent.expect("offer").await;
    agent
        .send(json!({ "type": "reject_offer", "chat_id": rejected.chat_id }))
        .await;
    agent.expect("offer_withdrawn").await;
    let taken = taken_chat(&app, &mut agent, "Hal").await;
    agent.close().await;

    // The engine stops before either timer is due; a second engine on the same database
    // stands for the restarted one.
    app.engine.shutdown();
    let restarted = Application::build(app.settings.clone()).await.unwrap();
    let (port, handle, engine) = (
        restarted.port(),
        restarted.handle(),
        restarted.engine().clone(),
    );
    actix_web::rt::spawn(restarted.run_until_stopped());

    let mut visitor = WsClient::connect(TestApp::client().ws(format!(
        "ws://127.0.0.1:{port}/api/v1/chats/{}/ws?token={}",
        taken.chat_id, taken.token
    )))
    .await
    .unwrap();
    let ended = chat_ended(&mut visitor).await;
    assert_eq!(ended["disposition"], "timeout");

    let rejected_id = ChatId(rejected.chat_id);
    loop {
        let row = engine
            .db()
            .run_now(|conn| store::chats::by_id(conn, rejected_id))
            .unwrap()
            .unwrap();
        if row.review_closed_at_ms.is_some() {
            assert_eq!(row.review_closed_by, None, "closed by the auto-close");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.stop(false).await;
    engine.shutdown();
}
