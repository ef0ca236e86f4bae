//! Issue 10, abuse limits, against the real engine on SQLite and PostgreSQL: for each limited
//! kind the first ten requests in a window pass the limit, the 11th is refused with `429
//! rate_limited` and `Retry-After`, and once that wait is over the window reopens. Chat
//! messages are refused with an `error` frame (`rate_limited`, `retry_after_ms`), not stored,
//! the socket kept. Open sockets are capped per IP address; failed logins lock a username
//! with a doubling backoff, whether or not it exists. Limits are settings: these tests use ten
//! per window of a few seconds (only so that eleven requests surely fit in one) and waits
//! of milliseconds.

mod common;

use std::time::Duration;

use common::{Backend, TestApp, AGENT_PASSWORD, ORIGIN};
use parley::domain::rate_limit::{Limit, LockoutPolicy};
use parley::settings::Settings;
use serde_json::{json, Value};

/// Ten per window; the window is long enough for eleven requests on a busy machine.
const TEN: Limit = Limit {
    max: 10,
    window_ms: 4000,
};
const OFF: Limit = Limit {
    max: 0,
    window_ms: 0,
};

/// Every limit off but the one a test looks at, and loopback not exempt.
fn only(settings: &mut Settings) {
    let limits = &mut settings.limits;
    limits.exempt_loopback = false;
    limits.chat_starts_per_ip = OFF;
    limits.chat_starts_per_visitor = OFF;
    limits.messages_per_chat = OFF;
    limits.uploads_per_chat = OFF;
    limits.uploads_per_ip = OFF;
    limits.offline_forms_per_ip = OFF;
    limits.invitation_codes_per_ip = OFF;
    limits.logins_per_ip = OFF;
    limits.logins_per_username = OFF;
    limits.sockets_per_ip = 0;
    limits.login_lockout.failures = 0;
}

async fn app_with(
    backend: Backend,
    tweak: impl FnOnce(&mut Settings) + 'static,
) -> Option<TestApp> {
    TestApp::builder(backend)
        .settings(move |s| {
            only(s);
            tweak(s);
        })
        .spawn()
        .await
}

/// An answer: status, `Retry-After` (seconds) and JSON body.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

async fn answer<S>(mut response: awc::ClientResponse<S>) -> Answer
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let bytes = response.body().await.expect("a body");
    Answer {
        status: response.status().as_u16(),
        retry_after,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// A JSON POST with extra headers.
async fn post(app: &TestApp, path: &str, headers: &[(&str, String)], body: Value) -> Answer {
    let mut request = TestApp::client()
        .post(format!("{}{path}", app.base))
        .insert_header(("Origin", ORIGIN));
    for (name, value) in headers {
        request = request.insert_header((*name, value.clone()));
    }
    answer(request.send_json(&body).await.expect("request")).await
}

/// The refusal every limit gives: 429, `rate_limited`, a Retry-After of whole seconds and the
/// exact wait in the body. Returns the wait.
fn assert_rate_limited(refused: &Answer) -> Duration {
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.body["error"], "rate_limited", "{}", refused.body);
    let ms = refused.body["retry_after_ms"]
        .as_u64()
        .expect("retry_after_ms");
    assert!(ms > 0 && ms <= TEN.window_ms, "{ms}");
    assert_eq!(refused.retry_after, Some(ms.div_ceil(1000).max(1)));
    Duration::from_millis(ms)
}

/// Sends `request(n)` ten times (none refused), then the 11th (refused with 429 and
/// Retry-After), then waits as told and sends the 12th (the window reopened).
async fn eleventh_refused_then_reopens<F, Fut>(request: F)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    for n in 0..10 {
        let passed = request(n).await;
        assert_ne!(passed.status, 429, "request {n}: {}", passed.body);
    }
    let wait = assert_rate_limited(&request(10).await);
    tokio::time::sleep(wait + Duration::from_millis(20)).await;
    let reopened = request(11).await;
    assert_ne!(reopened.status, 429, "{}", reopened.body);
}

fn chat_body(n: usize) -> Value {
    json!({ "name": format!("Visitor {n}") })
}

/// Chat starts per IP address; an `X-Forwarded-For` from a peer that is not a trusted proxy
/// changes nothing.
async fn chat_starts_are_limited_per_ip(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.chat_starts_per_ip = TEN).await else {
        return;
    };
    eleventh_refused_then_reopens(|n| {
        let forwarded = vec![("X-Forwarded-For", format!("203.0.113.{n}"))];
        let app = &app;
        async move {
            let started = post(app, "/api/v1/websites/demo/chats", &forwarded, chat_body(n)).await;
            if started.status != 429 {
                assert_eq!(started.status, 201, "{}", started.body);
            }
            started
        }
    })
    .await;
}

#[actix_web::test]
async fn chat_starts_are_limited_per_ip_on_sqlite() {
    chat_starts_are_limited_per_ip(Backend::Sqlite).await;
}

#[actix_web::test]
async fn chat_starts_are_limited_per_ip_on_postgres() {
    chat_starts_are_limited_per_ip(Backend::Postgres).await;
}

/// Chat starts per visitor (R90's `visitor_key`), counted apart from the address: behind a
/// trusted proxy every request names another client, yet one visitor is held to ten.
async fn chat_starts_are_limited_per_visitor(backend: Backend) {
    let Some(app) = app_with(backend, |s| {
        s.limits.chat_starts_per_ip = TEN;
        s.limits.chat_starts_per_visitor = TEN;
        s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    let visitor_key = "v-0123456789abcdef0123";
    let start = |n: usize, key: &'static str| {
        let forwarded = vec![("X-Forwarded-For", format!("198.51.100.7, 203.0.113.{n}"))];
        let app = &app;
        async move {
            let mut body = chat_body(n);
            body["visitor_key"] = json!(key);
            post(app, "/api/v1/websites/demo/chats", &forwarded, body).await
        }
    };
    eleventh_refused_then_reopens(|n| start(n, visitor_key)).await;
    // Another visitor from another address is not held back.
    let other = start(50, "v-ffffffffffffffffffff").await;
    assert_eq!(other.status, 201, "{}", other.body);
}

#[actix_web::test]
async fn chat_starts_are_limited_per_visitor_on_sqlite() {
    chat_starts_are_limited_per_visitor(Backend::Sqlite).await;
}

#[actix_web::test]
async fn chat_starts_are_limited_per_visitor_on_postgres() {
    chat_starts_are_limited_per_visitor(Backend::Postgres).await;
}

/// R37: chat starts with an invitation code per IP address, so six digits are not guessed.
async fn invitation_code_attempts_are_limited(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.invitation_codes_per_ip = TEN).await else {
        return;
    };
    eleventh_refused_then_reopens(|n| {
        let app = &app;
        async move {
            let mut body = chat_body(n);
            body["invitation_code"] = json!(format!("{:06}", 100_000 + n));
            let tried = post(app, "/api/v1/websites/demo/chats", &[], body).await;
            if tried.status != 429 {
                assert_eq!(tried.body["error"], "invitation_unknown", "{}", tried.body);
            }
            tried
        }
    })
    .await;
    // A start without a code is not counted against codes.
    let plain = post(&app, "/api/v1/websites/demo/chats", &[], chat_body(99)).await;
    assert_eq!(plain.status, 201, "{}", plain.body);
}

#[actix_web::test]
async fn invitation_code_attempts_are_limited_on_sqlite() {
    invitation_code_attempts_are_limited(Backend::Sqlite).await;
}

#[actix_web::test]
async fn invitation_code_attempts_are_limited_on_postgres() {
    invitation_code_attempts_are_limited(Backend::Postgres).await;
}

/// A visitor's messages per chat: the 11th gets an `error` frame and is not stored; the socket
/// stays open, and once the wait is over a message is accepted again.
async fn visitor_messages_are_limited_per_chat(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.messages_per_chat = TEN).await else {
        return;
    };
    let chat = app.start_chat("Chatty").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    let send = |n: usize| {
        json!({ "type": "send_message", "text": format!("message {n}"),
                "client_key": format!("k{n}") })
    };
    let answer = |f: &Value| f["type"] == "ack" || f["type"] == "error";
    for n in 0..10 {
        visitor.send(send(n)).await;
        let ack = visitor.frames_until(answer).await.0;
        assert_eq!(ack["type"], "ack", "{ack}");
        assert_eq!(ack["client_key"], format!("k{n}"));
    }
    visitor.send(send(10)).await;
    let refused = visitor.frames_until(answer).await.0;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["error"], "rate_limited", "{refused}");
    assert_eq!(refused["client_key"], "k10");
    let wait = refused["retry_after_ms"].as_u64().expect("retry_after_ms");
    assert!(wait > 0 && wait <= TEN.window_ms);
    // The socket is kept.
    visitor.send(json!({ "type": "ping" })).await;
    visitor.next_of("pong").await;
    tokio::time::sleep(Duration::from_millis(wait + 20)).await;
    visitor.send(send(11)).await;
    let ack = visitor.frames_until(answer).await.0;
    assert_eq!(
        (&ack["type"], &ack["client_key"]),
        (&json!("ack"), &json!("k11"))
    );
    let texts: Vec<String> = app
        .visitor_history(&chat)
        .await
        .iter()
        .filter_map(|e| e["text"].as_str().map(str::to_owned))
        .filter(|text| text.starts_with("message "))
        .collect();
    assert_eq!(texts.len(), 11, "{texts:?}");
    assert!(!texts.contains(&"message 10".to_owned()));
}

#[actix_web::test]
async fn visitor_messages_are_limited_per_chat_on_sqlite() {
    visitor_messages_are_limited_per_chat(Backend::Sqlite).await;
}

#[actix_web::test]
async fn visitor_messages_are_limited_per_chat_on_postgres() {
    visitor_messages_are_limited_per_chat(Backend::Postgres).await;
}

async fn upload(app: &TestApp, chat: &common::VisitorChat, n: usize) -> Answer {
    let request = TestApp::client()
        .post(format!(
            "{}/api/v1/chats/{}/attachments?name=note{n}.txt",
            app.base, chat.chat_id
        ))
        .insert_header(("Origin", ORIGIN))
        .bearer_auth(&chat.token);
    answer(
        request
            .send_body(format!("note {n}"))
            .await
            .expect("upload"),
    )
    .await
}

/// R40: a visitor's chat files per chat, and every visitor upload per IP address.
async fn uploads_are_limited(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.uploads_per_chat = TEN).await else {
        return;
    };
    let chat = app.start_chat("Sender").await;
    eleventh_refused_then_reopens(|n| {
        let (app, chat) = (&app, &chat);
        async move {
            let sent = upload(app, chat, n).await;
            if sent.status != 429 {
                assert_eq!(sent.status, 201, "{}", sent.body);
            }
            sent
        }
    })
    .await;
    // Another chat has its own count.
    let other = app.start_chat("Other").await;
    assert_eq!(upload(&app, &other, 0).await.status, 201);

    let Some(app) = app_with(backend, |s| s.limits.uploads_per_ip = TEN).await else {
        return;
    };
    let chats = [app.start_chat("One").await, app.start_chat("Two").await];
    eleventh_refused_then_reopens(|n| upload(&app, &chats[n % 2], n)).await;
}

#[actix_web::test]
async fn uploads_are_limited_on_sqlite() {
    uploads_are_limited(Backend::Sqlite).await;
}

#[actix_web::test]
async fn uploads_are_limited_on_postgres() {
    uploads_are_limited(Backend::Postgres).await;
}

/// R75: offline-message forms per IP address (refused for the limit before anything else is
/// looked at: the website being online answers the first ten).
async fn offline_forms_are_limited(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.offline_forms_per_ip = TEN).await else {
        return;
    };
    eleventh_refused_then_reopens(|_| {
        post(
            &app,
            "/api/v1/websites/demo/offline-messages",
            &[],
            json!({ "fields": { "email": "a@example.com" } }),
        )
    })
    .await;
}

#[actix_web::test]
async fn offline_forms_are_limited_on_sqlite() {
    offline_forms_are_limited(Backend::Sqlite).await;
}

#[actix_web::test]
async fn offline_forms_are_limited_on_postgres() {
    offline_forms_are_limited(Backend::Postgres).await;
}

async fn login(app: &TestApp, username: &str, password: &str, from: Option<String>) -> Answer {
    let headers: Vec<(&str, String)> = from.map(|ip| ("X-Forwarded-For", ip)).into_iter().collect();
    post(
        app,
        "/api/v1/auth/login",
        &headers,
        json!({ "username": username, "password": password }),
    )
    .await
}

/// Logins per IP address (right or wrong, any username), and per username from any address
/// (behind a trusted proxy).
async fn logins_are_limited(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.logins_per_ip = TEN).await else {
        return;
    };
    eleventh_refused_then_reopens(|n| {
        let app = &app;
        async move {
            let password = if n % 2 == 0 { AGENT_PASSWORD } else { "wrong" };
            login(app, "agent", password, None).await
        }
    })
    .await;

    let Some(app) = app_with(backend, |s| {
        s.limits.logins_per_username = TEN;
        s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    eleventh_refused_then_reopens(|n| {
        login(
            &app,
            "agent",
            AGENT_PASSWORD,
            Some(format!("203.0.113.{n}")),
        )
    })
    .await;
    let other = login(&app, "supervisor", common::SUPERVISOR_PASSWORD, None).await;
    assert_eq!(other.status, 200, "{}", other.body);
}

#[actix_web::test]
async fn logins_are_limited_on_sqlite() {
    logins_are_limited(Backend::Sqlite).await;
}

#[actix_web::test]
async fn logins_are_limited_on_postgres() {
    logins_are_limited(Backend::Postgres).await;
}

/// The refusal of a locked username: 429 `login_locked` with Retry-After; the wait.
fn assert_locked(answer: &Answer) -> Duration {
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert_eq!(answer.body["error"], "login_locked", "{}", answer.body);
    let ms = answer.body["retry_after_ms"]
        .as_u64()
        .expect("retry_after_ms");
    assert_eq!(answer.retry_after, Some(ms.div_ceil(1000).max(1)));
    Duration::from_millis(ms)
}

/// After three wrong passwords a username is locked, even for the right password; the next
/// lock after one more failure lasts twice as long; a success resets it. An unknown username
/// is answered exactly alike, so the lockout tells nothing about which names exist.
async fn failed_logins_lock_with_backoff(backend: Backend) {
    let policy = LockoutPolicy {
        failures: 3,
        base_ms: 400,
        max_ms: 5000,
    };
    let Some(app) = app_with(backend, move |s| s.limits.login_lockout = policy).await else {
        return;
    };
    for name in ["agent", "nobody-here"] {
        for _ in 0..3 {
            let wrong = login(&app, name, "wrong-password", None).await;
            assert_eq!(wrong.body["error"], "invalid_credentials", "{}", wrong.body);
        }
        let wait = assert_locked(&login(&app, name, AGENT_PASSWORD, None).await);
        assert!(wait <= Duration::from_millis(policy.base_ms));
        tokio::time::sleep(wait + Duration::from_millis(20)).await;
        // One more failure after the lock locks again, for twice as long.
        login(&app, name, "wrong-password", None).await;
        let doubled = assert_locked(&login(&app, name, AGENT_PASSWORD, None).await);
        assert!(
            doubled > Duration::from_millis(policy.base_ms),
            "{doubled:?}"
        );
        tokio::time::sleep(doubled + Duration::from_millis(20)).await;
    }
    // A success resets the count: two failures then do not lock.
    let ok = login(&app, "agent", AGENT_PASSWORD, None).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    for _ in 0..2 {
        login(&app, "agent", "wrong-password", None).await;
    }
    assert_eq!(login(&app, "agent", AGENT_PASSWORD, None).await.status, 200);
}

#[actix_web::test]
async fn failed_logins_lock_with_backoff_on_sqlite() {
    failed_logins_lock_with_backoff(Backend::Sqlite).await;
}

#[actix_web::test]
async fn failed_logins_lock_with_backoff_on_postgres() {
    failed_logins_lock_with_backoff(Backend::Postgres).await;
}

/// Open visitor and website sockets per IP address: the fourth of three is refused before the
/// upgrade; a closed socket gives its place back.
async fn open_sockets_are_capped_per_ip(backend: Backend) {
    let Some(app) = app_with(backend, |s| s.limits.sockets_per_ip = 3).await else {
        return;
    };
    let chat = app.start_chat("Sockets").await;
    let visitor = app.visitor_socket(&chat, 0).await;
    let first = app.website_socket(Some(ORIGIN)).await.expect("a socket");
    let _second = app.website_socket(Some(ORIGIN)).await.expect("a socket");
    let refused = app
        .website_socket(Some(ORIGIN))
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("429"), "{refused}");
    let refused = TestApp::client()
        .get(format!(
            "{}/api/v1/chats/{}/ws?token={}",
            app.base, chat.chat_id, chat.token
        ))
        .insert_header(("Connection", "Upgrade"))
        .insert_header(("Upgrade", "websocket"))
        .insert_header(("Sec-WebSocket-Version", "13"))
        .insert_header(("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="))
        .send()
        .await
        .expect("an answer");
    let refused = answer(refused).await;
    assert_eq!(refused.body["error"], "rate_limited", "{}", refused.body);
    first.close().await;
    visitor.close().await;
    // The engine notices the closes on its own schedule: wait until a place is free.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match app.website_socket(Some(ORIGIN)).await {
            Ok(_socket) => break,
            Err(refused) => {
                assert!(refused.contains("429"), "{refused}");
                assert!(
                    std::time::Instant::now() < deadline,
                    "no place was given back"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[actix_web::test]
async fn open_sockets_are_capped_per_ip_on_sqlite() {
    open_sockets_are_capped_per_ip(Backend::Sqlite).await;
}

#[actix_web::test]
async fn open_sockets_are_capped_per_ip_on_postgres() {
    open_sockets_are_capped_per_ip(Backend::Postgres).await;
}

/// `limits.exempt_loopback` (the load generator's setting) lets loopback clients through.
#[actix_web::test]
async fn loopback_clients_may_be_exempt() {
    let Some(app) = app_with(Backend::Sqlite, |s| {
        s.limits.chat_starts_per_ip = TEN;
        s.limits.exempt_loopback = true;
    })
    .await
    else {
        return;
    };
    for n in 0..12 {
        let started = post(&app, "/api/v1/websites/demo/chats", &[], chat_body(n)).await;
        assert_eq!(started.status, 201, "{}", started.body);
    }
}
