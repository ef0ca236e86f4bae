//! Bad input gets a clear error with a stable code, loses nothing, and the engine keeps
//! serving everyone else.

mod common;

use awc::ws::{CloseCode, Message};
use common::{Backend, TestApp, AGENT_PASSWORD, ORIGIN};
use serde_json::{json, Value};

async fn body_of(
    mut response: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    >,
) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post_chat(app: &TestApp, key: &str, origin: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = TestApp::client()
        .post(format!("{}/api/v1/websites/{key}/chats", app.base))
        .content_type("application/json");
    if let Some(origin) = origin {
        request = request.insert_header(("Origin", origin));
    }
    body_of(request.send_body(body.to_owned()).await.unwrap()).await
}

#[actix_web::test]
async fn starting_a_chat_checks_the_origin_the_name_and_the_body_r2_r3() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let cases = [
        (
            "demo",
            Some("https://evil.example"),
            r#"{"name":"Ann"}"#,
            403,
            "origin_not_allowed",
        ),
        ("demo", None, r#"{"name":"Ann"}"#, 403, "origin_required"),
        ("demo", Some(ORIGIN), r#"{"name":"   "}"#, 422, "empty_name"),
        ("demo", Some(ORIGIN), r#"{"name":""}"#, 422, "empty_name"),
        (
            "demo",
            Some(ORIGIN),
            r#"{"name":"Ann""#,
            422,
            "invalid_body",
        ),
        (
            "demo",
            Some(ORIGIN),
            r#"{"nom":"Ann"}"#,
            422,
            "invalid_body",
        ),
        ("demo", Some(ORIGIN), r#"{"name":42}"#, 422, "invalid_body"),
        (
            "nope",
            Some(ORIGIN),
            r#"{"name":"Ann"}"#,
            404,
            "website_not_found",
        ),
        (
            "toolongkey",
            Some(ORIGIN),
            r#"{"name":"Ann"}"#,
            404,
            "website_not_found",
        ),
    ];
    for (key, origin, body, status, code) in cases {
        let (got_status, got) = post_chat(&app, key, origin, body).await;
        assert_eq!(
            (got_status, got["error"].as_str()),
            (status, Some(code)),
            "{key} {origin:?} {body}: {got}"
        );
        assert!(got["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, body) =
        post_chat(&app, "demo", Some(&"x".repeat(7_000)), r#"{"name":"Ann"}"#).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("origin_not_allowed"))
    );

    // None of the refused requests created a chat: the first real one is chat 1.
    let chat = app.start_chat("Ann").await;
    assert_eq!(chat.chat_id, 1);
}

#[actix_web::test]
async fn logins_and_sessions_are_checked() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    for (user, password) in [
        ("agent", "wrong password"),
        ("nobody", AGENT_PASSWORD),
        ("", ""),
    ] {
        let (status, body) = app.login(user, password).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_credentials")),
            "{user}"
        );
    }
    let response = TestApp::client()
        .post(format!("{}/api/v1/auth/login", app.base))
        .content_type("application/json")
        .send_body("{\"username\":")
        .await
        .unwrap();
    assert_eq!(body_of(response).await.1["error"], "invalid_body");

    let me = |token: Option<&str>| {
        let mut request = TestApp::client().get(format!("{}/api/v1/auth/me", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { body_of(request.send().await.unwrap()).await }
    };
    assert_eq!(me(None).await.1["error"], "unauthorized");
    assert_eq!(me(Some("not-a-token")).await.1["error"], "unauthorized");
    let token = app.agent_token("agent").await;
    let (status, user) = me(Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(user["username"], "agent");
    assert_eq!(user["role"], "agent");

    // An agent socket needs a session too.
    let refused =
        common::WsClient::connect(TestApp::client().ws(format!("{}/api/v1/agent/ws", app.ws_base)))
            .await;
    assert!(refused.err().unwrap().contains("401"));

    // A session past its expiry is refused with its own code.
    {
        use diesel::prelude::*;
        use parley::store::schema::sessions;
        app.engine
            .db()
            .run(|conn| {
                diesel::update(sessions::table)
                    .set(sessions::expires_at_ms.eq(0))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
    }
    assert_eq!(me(Some(&token)).await.1["error"], "session_expired");
}

#[actix_web::test]
async fn logout_ends_the_session_and_closes_the_agents_sockets() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let token = app.agent_token("agent").await;
    let mut socket = app.agent_socket(&token, "").await;
    socket.expect("agent_hello").await;
    let response = TestApp::client()
        .post(format!("{}/api/v1/auth/logout", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let reason = socket.expect_close().await.expect("close reason");
    assert_eq!(reason.description.as_deref(), Some("logged_out"));
    let response = TestApp::client()
        .get(format!("{}/api/v1/auth/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[actix_web::test]
async fn a_visitor_reaches_only_its_own_chat() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let ann = app.start_chat("Ann").await;
    let bob = app.start_chat("Bob").await;

    let history = |chat_id: i64, token: Option<&str>| {
        let mut request =
            TestApp::client().get(format!("{}/api/v1/chats/{chat_id}/events", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { body_of(request.send().await.unwrap()).await }
    };
    let (status, body) = history(bob.chat_id, Some(&ann.token)).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, body) = history(bob.chat_id, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, body) = history(999, Some(&ann.token)).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));

    let response = TestApp::client()
        .post(format!("{}/api/v1/chats/{}/end", app.base, bob.chat_id))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(body_of(response).await.1["error"], "forbidden");

    let socket = common::WsClient::connect(TestApp::client().ws(format!(
        "{}/api/v1/chats/{}/ws?token={}",
        app.ws_base, bob.chat_id, ann.token
    )))
    .await;
    assert!(socket.err().unwrap().contains("403"));

    // Bob's chat is untouched and Ann's own works.
    assert_eq!(app.visitor_history(&bob).await.len(), 1);
    assert_eq!(app.visitor_history(&ann).await.len(), 1);
}

#[actix_web::test]
async fn bad_frames_get_errors_and_the_socket_and_everyone_else_keep_working() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (mut agent, _) = app.available_agent("agent").await;
    let ann = app.start_chat("Ann").await;
    let bob = app.start_chat("Bob").await;
    let mut visitor = app.visitor_socket(&ann, 0).await;
    visitor.expect("visitor_hello").await;
    visitor.expect_event("chat_requested").await;
    let mut bystander = app.visitor_socket(&bob, 0).await;
    bystander.expect("visitor_hello").await;
    bystander.expect_event("chat_requested").await;

    let cases = [
        ("{not json".to_owned(), "malformed_message"),
        ("[1, 2, 3]".to_owned(), "malformed_message"),
        (r#"{"kind":"send_message"}"#.to_owned(), "malformed_message"),
        (
            r#"{"type":"format_disk"}"#.to_owned(),
            "unknown_message_type",
        ),
        (r#"{"type":"send_message"}"#.to_owned(), "invalid_message"),
        (
            r#"{"type":"send_message","text":7}"#.to_owned(),
            "invalid_message",
        ),
        (
            r#"{"type":"send_message","text":"hi","extra":1}"#.to_owned(),
            "invalid_message",
        ),
    ];
    for (frame, code) in &cases {
        visitor.send_text(frame.clone()).await;
        let error = visitor.expect("error").await;
        assert_eq!(error["error"], *code, "{frame}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    // R38: over 1000 characters, or empty: refused, with the client's key echoed.
    visitor
        .send(json!({ "type": "send_message", "text": "é".repeat(1001), "client_key": "long" }))
        .await;
    let error = visitor.expect("error").await;
    assert_eq!(error["error"], "message_too_long");
    assert_eq!(error["client_key"], "long");
    assert_eq!(error["chat_id"], ann.chat_id);
    visitor
        .send(json!({ "type": "send_message", "text": " \n ", "client_key": "blank" }))
        .await;
    assert_eq!(visitor.expect("error").await["error"], "empty_message");

    visitor
        .framed_send(Message::Binary(vec![1, 2, 3].into()))
        .await;
    assert_eq!(visitor.expect("error").await["error"], "unsupported_frame");

    // The same socket still works after every refusal.
    visitor
        .send(json!({ "type": "send_message", "text": "still here", "client_key": "ok" }))
        .await;
    assert_eq!(visitor.expect_event("message").await["seq"], 2);

    // Agents get the same treatment, and cannot touch chats they do not hold.
    agent.send_text("{oops".to_owned()).await;
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(frames.last().unwrap()["error"], "malformed_message");
    for (frame, code) in [
        (
            json!({ "type": "set_presence", "presence": "rona" }),
            "invalid_message",
        ),
        (
            json!({ "type": "accept_offer", "chat_id": 999 }),
            "offer_not_found",
        ),
        (
            json!({ "type": "reject_offer", "chat_id": 999 }),
            "offer_not_found",
        ),
        (
            json!({ "type": "send_message", "chat_id": bob.chat_id, "text": "hi" }),
            "not_a_participant",
        ),
        (
            json!({ "type": "end_chat", "chat_id": bob.chat_id }),
            "not_a_participant",
        ),
    ] {
        agent.send(frame.clone()).await;
        let frames = agent
            .until(|f| f.iter().any(|f| f["type"] == "error"))
            .await;
        assert_eq!(frames.last().unwrap()["error"], code, "{frame}");
    }

    // An oversize frame: a clear error, then the socket is closed with 1009 (too big).
    let limit = app.settings.realtime.max_frame_bytes;
    visitor
        .send(json!({ "type": "send_message", "text": "x".repeat(limit + 10) }))
        .await;
    let frames = visitor
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    let error = frames.last().unwrap();
    assert_eq!(error["error"], "frame_too_large");
    let reason = visitor.expect_close().await.expect("close reason");
    assert_eq!(reason.code, CloseCode::Size);

    // The same message split into continuation frames is refused the same way.
    let mut fragmented = app.visitor_socket(&ann, 2).await;
    fragmented.expect("visitor_hello").await;
    let text = json!({ "type": "send_message", "text": "y".repeat(limit) }).to_string();
    let (head, tail) = text.split_at(limit / 2);
    fragmented
        .framed_send(Message::Continuation(actix_ws::Item::FirstText(
            head.to_owned().into_bytes().into(),
        )))
        .await;
    fragmented
        .framed_send(Message::Continuation(actix_ws::Item::Last(
            tail.to_owned().into_bytes().into(),
        )))
        .await;
    let frames = fragmented
        .until(|f| f.iter().any(|f| f["type"] == "error"))
        .await;
    assert_eq!(frames.last().unwrap()["error"], "frame_too_large");
    assert_eq!(
        fragmented.expect_close().await.unwrap().code,
        CloseCode::Size
    );

    // Nothing was lost, and everyone else is served as before.
    let history = app.visitor_history(&ann).await;
    let texts: Vec<&str> = history.iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(texts, ["still here"]);
    bystander
        .send(json!({ "type": "send_message", "text": "hello from Bob", "client_key": "b1" }))
        .await;
    assert_eq!(
        bystander.expect_event("message").await["text"],
        "hello from Bob"
    );
    let mut again = app.visitor_socket(&ann, 2).await;
    assert_eq!(again.expect("visitor_hello").await["last_seq"], 2);
    assert!(
        again.round_trip().await.is_empty(),
        "nothing after seq 2 to replay"
    );
}

#[actix_web::test]
async fn unknown_endpoints_and_bad_parameters_answer_in_json() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (status, body) = body_of(
        TestApp::client()
            .get(format!("{}/api/v1/nothing-here", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));

    let token = app.agent_token("agent").await;
    let socket = common::WsClient::connect(
        TestApp::client()
            .ws(format!("{}/api/v1/agent/ws?resume=banana", app.ws_base))
            .bearer_auth(&token),
    )
    .await;
    assert!(socket.err().unwrap().contains("422"));

    let chat = app.start_chat("Ann").await;
    let (status, body) = body_of(
        TestApp::client()
            .get(format!(
                "{}/api/v1/chats/{}/events?after_seq=x",
                app.base, chat.chat_id
            ))
            .bearer_auth(&chat.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_input"))
    );
    let (status, body) = body_of(
        TestApp::client()
            .get(format!("{}/api/v1/chats/abc/events", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_input"))
    );

    let (status, _) = body_of(
        TestApp::client()
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let _ = ORIGIN;
}

/// Heartbeats: a socket that stops answering pings is dropped, and the agent it belonged to
/// stops getting offers; a client that answers stays connected.
#[actix_web::test]
async fn a_socket_that_stops_answering_pings_is_dropped() {
    let app = TestApp::builder(Backend::Sqlite)
        .settings(|s| {
            s.realtime.heartbeat_interval_ms = 20;
            s.realtime.client_timeout_ms = 150;
        })
        .spawn()
        .await
        .unwrap();
    let (mut silent, _) = app.available_agent("agent").await;
    let reason = silent
        .close_without_answering_pings()
        .await
        .expect("a close reason");
    assert_eq!(reason.code, CloseCode::Away);
    assert_eq!(reason.description.as_deref(), Some("heartbeat_timeout"));

    // A client that answers pings (WsClient::next does) outlives many timeouts.
    let chat = app.start_chat("Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    for _ in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        visitor.round_trip().await;
    }
    // The dropped agent got no offer for the chat; its next socket does.
    let token = app.agent_token("agent").await;
    let mut agent = app.agent_socket(&token, "").await;
    agent.expect("agent_hello").await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
}

/// The widget on a customer's page (another origin) may call its website's endpoints (CORS);
/// other origins get no CORS headers, and the agent socket opens only from the engine's origin.
#[actix_web::test]
async fn cross_origin_calls_are_allowed_only_for_the_websites_domains_r2() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let preflight = |origin: &'static str| {
        TestApp::client()
            .request(
                actix_web::http::Method::OPTIONS,
                format!("{}/api/v1/websites/demo/chats", app.base),
            )
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .insert_header(("Access-Control-Request-Headers", "content-type"))
            .send()
    };
    let allowed = preflight(ORIGIN).await.unwrap();
    assert_eq!(allowed.status().as_u16(), 204);
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        ORIGIN
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let (status, _) = post_chat(&app, "demo", Some(ORIGIN), r#"{"name":"Ann"}"#).await;
    assert_eq!(status, 201);
    let response = TestApp::client()
        .post(format!("{}/api/v1/websites/demo/chats", app.base))
        .insert_header(("Origin", ORIGIN))
        .send_json(&json!({ "name": "Bea" }))
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        ORIGIN
    );

    // The public config is readable without an Origin (a same-origin GET carries none), but
    // not from a foreign page.
    let response = TestApp::client()
        .get(format!("{}/api/v1/websites/demo/config", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let response = TestApp::client()
        .get(format!("{}/api/v1/websites/demo/config", app.base))
        .insert_header(("Origin", "https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(body_of(response).await.1["error"], "origin_not_allowed");

    let token = app.agent_token("agent").await;
    let hijack = common::WsClient::connect(
        TestApp::client()
            .ws(format!("{}/api/v1/agent/ws", app.ws_base))
            .origin("https://evil.example")
            .bearer_auth(&token),
    )
    .await;
    assert!(hijack.err().unwrap().contains("403"));
}

/// Logging out of one session closes that session's sockets only; the agent stays online
/// while another session is open (R24).
#[actix_web::test]
async fn logout_closes_only_the_sockets_of_that_session() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (mut laptop, _) = app.available_agent("agent").await;
    let phone_token = app.agent_token("agent").await;
    let mut phone = app.agent_socket(&phone_token, "").await;
    phone.expect("agent_hello").await;

    let response = TestApp::client()
        .post(format!("{}/api/v1/auth/logout", app.base))
        .bearer_auth(&phone_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(
        phone.expect_close().await.unwrap().description.as_deref(),
        Some("logged_out")
    );
    // The laptop stays connected and Available: it still gets offers.
    let chat = app.start_chat("Ann").await;
    assert_eq!(laptop.expect("offer").await["chat_id"], chat.chat_id);
    // Choosing the current presence again is confirmed.
    laptop
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    assert_eq!(laptop.expect("presence").await["presence"], "available");
}

/// An open socket does not outlive its login session.
#[actix_web::test]
async fn a_socket_closes_when_its_session_expires() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let token = app.agent_token("agent").await;
    {
        use diesel::prelude::*;
        use parley::store::schema::sessions;
        let soon = parley::clock::now_ms() + 300;
        app.engine
            .db()
            .run(move |conn| {
                diesel::update(sessions::table)
                    .set(sessions::expires_at_ms.eq(soon))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .unwrap();
    }
    let mut socket = app.agent_socket(&token, "").await;
    socket.expect("agent_hello").await;
    let reason = socket.expect_close().await.expect("close reason");
    assert_eq!(reason.description.as_deref(), Some("session_expired"));
}
