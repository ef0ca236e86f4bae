//! Issue 10, observability, on SQLite and PostgreSQL: `/metrics` scraped during a real chat
//! shows the sockets, chats, offers, messages and latencies move; `/metrics` can be protected
//! or off; every response carries an `X-Request-Id`; `/readyz` checks store and migrations.

mod common;

use std::collections::HashMap;

use common::{Backend, TestApp};
use diesel::RunQueryDsl;
use serde_json::json;

/// `GET /metrics` (with a bearer token if given): the status and the body.
async fn scrape_raw(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut request = TestApp::client().get(format!("{}/metrics", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = request.send().await.expect("scrape");
    let body = response.body().await.expect("body");
    (
        response.status().as_u16(),
        String::from_utf8(body.to_vec()).expect("text"),
    )
}

/// The samples of a scrape, by `name{labels}`.
async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let (status, text) = scrape_raw(app, None).await;
    assert_eq!(status, 200, "{text}");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').expect("name value");
            (name.to_owned(), value.parse::<f64>().expect("a number"))
        })
        .collect()
}

fn sample(samples: &HashMap<String, f64>, name: &str) -> f64 {
    *samples
        .get(name)
        .unwrap_or_else(|| panic!("{name} not scraped"))
}

/// The chat's counters move while it runs (metrics are process-wide, so other tests of this
/// file may add to them too: increases are checked, not exact values).
async fn metrics_move_during_a_chat(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let before = scrape(&app).await;
    // A chat waits while nobody is Available: the queue's depth and longest wait show it.
    let chat = app.start_chat("Ann").await;
    let waiting = scrape(&app).await;
    let queue = "{queue_id=\"1\",queue=\"Support\"}";
    assert!(sample(&waiting, &format!("parley_queue_waiting{queue}")) >= 1.0);
    assert!(
        sample(
            &waiting,
            &format!("parley_queue_longest_wait_seconds{queue}")
        ) >= 0.0
    );
    assert!(sample(&waiting, "parley_chats{state=\"queued\"}") >= 1.0);

    let (mut agent, _) = app.available_agent("agent").await;
    assert_eq!(agent.next_of("offer").await["chat_id"], chat.chat_id);
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.round_trip().await;
    visitor
        .send(json!({ "type": "send_message", "text": "Hello, metrics" }))
        .await;
    assert_eq!(agent.next_event("message").await["text"], "Hello, metrics");

    let during = scrape(&app).await;
    assert!(sample(&during, "parley_sockets_open{kind=\"visitor\"}") >= 1.0);
    assert!(sample(&during, "parley_sockets_open{kind=\"agent\"}") >= 1.0);
    assert!(sample(&during, "parley_chats{state=\"active\"}") >= 1.0);
    let moved = |name: &str| sample(&during, name) > sample(&before, name);
    for name in [
        "parley_messages_total",
        "parley_offers_total{outcome=\"offered\"}",
        "parley_offers_total{outcome=\"accepted\"}",
        "parley_message_latency_seconds_count",
        "parley_message_latency_seconds_bucket{le=\"+Inf\"}",
        "parley_store_latency_seconds_count{op=\"write\"}",
        "parley_store_latency_seconds_count{op=\"run\"}",
    ] {
        assert!(moved(name), "{name} did not move");
    }
    assert_eq!(sample(&during, "parley_mail_outbox_unsent"), 0.0);
    assert!(sample(&during, "parley_store_writer_queue") >= 0.0);
    assert!(sample(&during, "parley_slow_consumers_total") >= 0.0);
}

/// `metrics.token` asks for a bearer token; `metrics.enabled = false` hides the endpoint.
async fn metrics_can_be_protected_or_off(backend: Backend) {
    let token = "scrape-token-0123456789";
    let Some(app) = TestApp::builder(backend)
        .settings(move |s| s.metrics.token = token.to_owned())
        .spawn()
        .await
    else {
        return;
    };
    assert_eq!(scrape_raw(&app, None).await.0, 401);
    assert_eq!(
        scrape_raw(&app, Some("scrape-token-wrong-6789")).await.0,
        401
    );
    let (status, text) = scrape_raw(&app, Some(token)).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE parley_messages_total counter"));
    drop(app);
    let Some(app) = TestApp::builder(backend)
        .settings(|s| s.metrics.enabled = false)
        .spawn()
        .await
    else {
        return;
    };
    let (status, text) = scrape_raw(&app, None).await;
    assert_eq!(status, 404, "{text}");
}

/// Every response has an X-Request-Id: a fitting incoming one is kept, others are replaced.
async fn every_response_has_a_request_id(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let id_of = |response: &awc::ClientResponse<_>| {
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut seen = Vec::new();
    for path in ["/healthz", "/metrics", "/api/v1/auth/me", "/no-such-page"] {
        let response = TestApp::client()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("request");
        let id = id_of(&response).unwrap_or_else(|| panic!("{path} has no X-Request-Id"));
        assert_eq!(id.len(), 32, "{id}");
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "ids repeat: {seen:?}");
    let kept = TestApp::client()
        .get(format!("{}/healthz", app.base))
        .insert_header(("X-Request-Id", "lb-1234.abc_9"))
        .send()
        .await
        .expect("request");
    assert_eq!(id_of(&kept).as_deref(), Some("lb-1234.abc_9"));
    let replaced = TestApp::client()
        .get(format!("{}/healthz", app.base))
        .insert_header(("X-Request-Id", "a b <c>"))
        .send()
        .await
        .expect("request");
    assert_eq!(id_of(&replaced).map(|id| id.len()), Some(32));
}

/// `/readyz` is 200 with every migration applied, 503 `migrations_pending` with one missing.
async fn readyz_checks_the_migrations(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (status, body) = app.call("GET", "/readyz", None, None).await;
    assert_eq!((status, &body["status"]), (200, &json!("ready")), "{body}");
    let (status, body) = app.call("GET", "/healthz", None, None).await;
    assert_eq!((status, &body["status"]), (200, &json!("ok")));
    // As if the newest migration had not run: the store is behind this build.
    app.engine
        .db()
        .run(|conn| {
            diesel::sql_query(
                "DELETE FROM __diesel_schema_migrations WHERE version = \
                 (SELECT MAX(version) FROM __diesel_schema_migrations)",
            )
            .execute(conn)?;
            Ok(())
        })
        .await
        .expect("forget a migration");
    let (status, body) = app.call("GET", "/readyz", None, None).await;
    assert_eq!(
        (status, &body["status"]),
        (503, &json!("migrations_pending")),
        "{body}"
    );
}

#[actix_web::test]
async fn metrics_move_during_a_chat_sqlite() {
    metrics_move_during_a_chat(Backend::Sqlite).await;
}

#[actix_web::test]
async fn metrics_move_during_a_chat_postgres() {
    metrics_move_during_a_chat(Backend::Postgres).await;
}

#[actix_web::test]
async fn metrics_can_be_protected_or_off_sqlite() {
    metrics_can_be_protected_or_off(Backend::Sqlite).await;
}

#[actix_web::test]
async fn metrics_can_be_protected_or_off_postgres() {
    metrics_can_be_protected_or_off(Backend::Postgres).await;
}

#[actix_web::test]
async fn every_response_has_a_request_id_sqlite() {
    every_response_has_a_request_id(Backend::Sqlite).await;
}

#[actix_web::test]
async fn readyz_checks_the_migrations_sqlite() {
    readyz_checks_the_migrations(Backend::Sqlite).await;
}

#[actix_web::test]
async fn readyz_checks_the_migrations_postgres() {
    readyz_checks_the_migrations(Backend::Postgres).await;
}
