//! Websites as admins create and edit them and supervisors list them over REST (R1, R2, R14, R57-R59, R71,
//! A17), on SQLite and PostgreSQL: role checks, the domain rules' errors, and changes that the
//! running website uses at once (the Origin rule and the widget's live mode).

mod common;

use common::{closed_now, Backend, TestApp, ORIGIN};
use serde_json::{json, Value};

fn new_website(key: &str, queue_id: i64) -> Value {
    json!({
        "key": key,
        "name": "Shop",
        "allowed_domains": ["localhost", "shop.example.com"],
        "queue_id": queue_id,
    })
}

/// R71: agents cannot read or change websites; supervisors read them and admins change them.
async fn agents_cannot_manage_websites(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let agent = app.agent_token("agent").await;
    let (status, body) = app
        .call("GET", "/api/v1/websites", Some(&agent), None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&agent),
            Some(new_website("x", 1)),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/websites/demo",
            Some(&agent),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403);
    for path in ["/api/v1/queues", "/api/v1/agents"] {
        let (status, _) = app.call("GET", path, Some(&agent), None).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, _) = app.call("GET", "/api/v1/websites", None, None).await;
    assert_eq!(status, 401);
    // R71: a supervisor reads the configuration but does not change it.
    let supervisor = app.supervisor_token().await;
    let (status, _) = app
        .call("GET", "/api/v1/websites", Some(&supervisor), None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&supervisor),
            Some(new_website("x", 1)),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/websites/demo",
            Some(&supervisor),
            Some(json!({})),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
}

/// R57, R2, R59: a new website is listed and live at once; bad input gets stable codes.
async fn admins_create_websites(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = app.admin_token().await;
    let (_, list) = app
        .call("GET", "/api/v1/websites", Some(&token), None)
        .await;
    let demo = &list["websites"][0];
    assert_eq!(demo["key"], "demo");
    assert_eq!(demo["working_hours"], json!({"always_open": true}));
    let queue = demo["queue_id"].as_i64().expect("queue id");
    // The console's queue picker (R67).
    let (status, queues) = app.call("GET", "/api/v1/queues", Some(&token), None).await;
    assert_eq!(status, 200, "{queues}");
    assert_eq!(queues["queues"][0]["queue_id"].as_i64(), Some(queue));
    assert!(queues["queues"][0]["name"].is_string());
    // The console's member picker (R25, R67): agents and supervisors, not admins.
    let (status, agents) = app.call("GET", "/api/v1/agents", Some(&token), None).await;
    assert_eq!(status, 200, "{agents}");
    let roles: Vec<&str> = agents["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .filter_map(|a| a["role"].as_str())
        .collect();
    assert!(
        roles.contains(&"agent") && !roles.contains(&"admin"),
        "{agents}"
    );

    for (body, code) in [
        (new_website("shop12", queue), "invalid_website_key"),
        (new_website("demo", queue), "website_key_taken"),
        (new_website("shop", 9999), "queue_not_found"),
        (
            json!({"key": "shop", "name": "S", "allowed_domains": ["https://x.com"], "queue_id": queue}),
            "invalid_allowed_domain",
        ),
        (
            json!({"key": "shop", "name": " ", "allowed_domains": ["x.com"], "queue_id": queue}),
            "empty_name",
        ),
        (
            json!({"key": "shop", "name": "S", "allowed_domains": ["x.com"], "queue_id": queue, "max_concurrent_sessions": -1}),
            "invalid_session_cap",
        ),
        (
            json!({"key": "shop", "name": "S", "allowed_domains": ["x.com"], "queue_id": queue, "working_hours": {"time_zone": "Mars/Base", "ranges": [{"days": ["mon"], "start": "09:00", "end": "17:00"}]}}),
            "unknown_time_zone",
        ),
    ] {
        let (status, answer) = app
            .call("POST", "/api/v1/websites", Some(&token), Some(body))
            .await;
        assert_eq!(answer["error"].as_str(), Some(code), "{answer}");
        assert!(status == 422 || status == 409 || status == 404, "{status}");
    }

    let (status, created) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&token),
            Some(new_website("shop", queue)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["allowed_domains"],
        json!(["localhost", "shop.example.com"])
    );
    assert_eq!(created["appearance"]["launcher_label"], "Chat");
    let (_, list) = app
        .call("GET", "/api/v1/websites", Some(&token), None)
        .await;
    assert_eq!(list["websites"].as_array().map(Vec::len), Some(2));
    // Live at once: the widget's config answers for the allowed origin.
    let (status, config) = app
        .call("GET", "/api/v1/websites/shop/config", None, None)
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["name"], "Shop");
}

/// R58, R2, R5: saved working intervals take the widget offline live, and saved domains are
/// the Origin rule from the next request on.
async fn edits_take_effect_live(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let token = app.admin_token().await;
    let (_, demo) = app
        .call("GET", "/api/v1/websites/demo", Some(&token), None)
        .await;
    let mut widget = app
        .website_socket(Some(ORIGIN))
        .await
        .expect("website socket");
    let first = widget.next_mode().await;

    let mut profile = demo.clone();
    // Without `time_zone`, an edit keeps the website's zone.
    for read_only in ["id", "key", "created_at_ms", "time_zone"] {
        profile.as_object_mut().expect("object").remove(read_only);
    }
    profile["working_hours"] = closed_now();
    profile["max_concurrent_sessions"] = json!(3);
    profile["language"] = json!("de");
    let (status, saved) = app
        .call(
            "PUT",
            "/api/v1/websites/demo",
            Some(&token),
            Some(profile.clone()),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["time_zone"], "Europe/Prague");
    assert_eq!(saved["max_concurrent_sessions"], 3);
    assert_eq!(saved["language"], "de");
    assert_ne!(first.1, "outside_working_hours");
    assert_eq!(
        widget.next_mode().await,
        ("offline".to_owned(), "outside_working_hours".to_owned())
    );

    profile["working_hours"] = json!({"always_open": true});
    profile["allowed_domains"] = json!(["elsewhere.example"]);
    let (status, saved) = app
        .call("PUT", "/api/v1/websites/demo", Some(&token), Some(profile))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["time_zone"], "Europe/Prague",
        "Always keeps the website's zone"
    );
    assert_eq!(widget.next_mode().await, first);
    let (status, body) = app.post_chat(json!({"name": "Ann"}), &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("origin_not_allowed")),
        "{body}"
    );

    // Unknown fields and a wrong key are refused.
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/websites/nope",
            Some(&token),
            Some(json!({"name": "x", "allowed_domains": ["a.b"], "queue_id": 1})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("website_not_found"))
    );
}

#[actix_web::test]
async fn agents_cannot_manage_websites_sqlite() {
    agents_cannot_manage_websites(Backend::Sqlite).await;
}

#[actix_web::test]
async fn agents_cannot_manage_websites_postgres() {
    agents_cannot_manage_websites(Backend::Postgres).await;
}

#[actix_web::test]
async fn admins_create_websites_sqlite() {
    admins_create_websites(Backend::Sqlite).await;
}

#[actix_web::test]
async fn admins_create_websites_postgres() {
    admins_create_websites(Backend::Postgres).await;
}

#[actix_web::test]
async fn edits_take_effect_live_sqlite() {
    edits_take_effect_live(Backend::Sqlite).await;
}

#[actix_web::test]
async fn edits_take_effect_live_postgres() {
    edits_take_effect_live(Backend::Postgres).await;
}
