//! The global settings an admin changes at run time (R66, R71, R72) over a real server, on
//! SQLite and PostgreSQL: the unattended timeout set, checked, applied to the next chat, stored
//! (what a restarted engine loads), and reset to the configured value.

mod common;

use common::{Backend, TestApp};
use serde_json::{json, Value};

async fn unattended_timeout_option(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| s.chats.unattended_timeout_ms = 3_600_000)
        .spawn()
        .await
    else {
        return;
    };
    app.add_user("root", "admin");
    let admin = app.agent_token("root").await;
    let supervisor = app.supervisor_token().await;
    let agent = app.agent_token("agent").await;

    // Read: unset, with the configured value beside it.
    let (status, options) = app.call("GET", "/api/v1/options", Some(&admin), None).await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["unattended_timeout_ms"], Value::Null);
    assert_eq!(options["configured_unattended_timeout_ms"], 3_600_000);

    // R71: only admins read or change them.
    for token in [&supervisor, &agent] {
        let (status, body) = app.call("GET", "/api/v1/options", Some(token), None).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        let change = Some(json!({ "unattended_timeout_ms": 100 }));
        let (status, _) = app
            .call("PUT", "/api/v1/options", Some(token), change)
            .await;
        assert_eq!(status, 403);
    }

    // Out of range: refused, nothing stored.
    for bad in [json!(-1), json!(604_800_001_i64)] {
        let change = Some(json!({ "unattended_timeout_ms": bad }));
        let (status, body) = app
            .call("PUT", "/api/v1/options", Some(&admin), change)
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("invalid_unattended_timeout")),
            "{body}"
        );
    }
    let change = Some(json!({ "unattended_timeout_ms": "soon" }));
    let (status, body) = app
        .call("PUT", "/api/v1/options", Some(&admin), change)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body"))
    );

    // Set to 300 ms: the next active chat nobody writes in times out (R66, R80).
    let change = Some(json!({ "unattended_timeout_ms": 300 }));
    let (status, options) = app
        .call("PUT", "/api/v1/options", Some(&admin), change)
        .await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["unattended_timeout_ms"], 300);
    assert_eq!(
        options["client_preview"], true,
        "other options keep their value"
    );
    let (mut carol, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut carol, "Ann").await;
    let ended = carol.next_event("chat_ended").await;
    assert_eq!(ended["chat_id"], chat.chat_id);
    assert_eq!(ended["disposition"], "timeout", "{ended}");

    // Stored: what `Engine::rebuild` loads after a restart.
    let stored = app
        .engine
        .db()
        .run(parley::store::options::load)
        .await
        .unwrap();
    assert_eq!(stored.unattended_timeout_ms, Some(300));

    // null: back to the configured value.
    let change = Some(json!({ "unattended_timeout_ms": null }));
    let (status, options) = app
        .call("PUT", "/api/v1/options", Some(&admin), change)
        .await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["unattended_timeout_ms"], Value::Null);
    assert_eq!(
        app.engine.unattended_timeout(),
        parley::domain::unattended::UnattendedTimeout::from_ms(3_600_000)
    );
}

#[actix_web::test]
async fn unattended_timeout_option_on_sqlite() {
    unattended_timeout_option(Backend::Sqlite).await;
}

#[actix_web::test]
async fn unattended_timeout_option_on_postgres() {
    unattended_timeout_option(Backend::Postgres).await;
}
