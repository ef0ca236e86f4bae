//! What admins set up in the console over REST (R31, R57, R61, R67, R71, R76, R78), on SQLite
//! and PostgreSQL: queues created and deleted live, websites deleted unless in use, a website's
//! unmanaged settings, proactive rules, and the widget preview page. Every write is admin-only:
//! agents and supervisors are refused.

mod common;

use common::{Backend, TestApp, AGENT_PASSWORD};
use serde_json::json;

async fn admin_token(app: &TestApp) -> String {
    app.add_user("boss", "admin");
    let (status, body) = app.login("boss", AGENT_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// R67, R71: only admins create and delete queues; a new queue is live at once (its settings
/// and members change, a website targets it); a queue in use is not deleted.
async fn admins_create_and_delete_queues(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let supervisor = app.supervisor_token().await;
    let agent = app.agent_token("agent").await;
    let new_queue = json!({"name": "Billing"});
    for token in [&agent, &supervisor] {
        let (status, body) = app
            .call(
                "POST",
                "/api/v1/queues",
                Some(token),
                Some(new_queue.clone()),
            )
            .await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        let (status, _) = app
            .call("DELETE", "/api/v1/queues/1", Some(token), None)
            .await;
        assert_eq!(status, 403);
    }
    // Bad input: stable codes, nothing stored.
    for (body, code) in [
        (json!({"name": "  "}), "empty_name"),
        (
            json!({"name": "X", "offer_timeout_ms": 0}),
            "invalid_queue_timeouts",
        ),
        (json!({"name": "X", "colour": "red"}), "invalid_body"),
        (json!({"name": "X", "strategy": "random"}), "invalid_body"),
        (
            json!({"name": "X", "opening_hours": {"time_zone": "Mars/Base", "ranges": []}}),
            "unknown_time_zone",
        ),
    ] {
        let (status, answer) = app
            .call("POST", "/api/v1/queues", Some(&admin), Some(body))
            .await;
        assert_eq!((status, answer["error"].as_str()), (422, Some(code)));
    }
    let (_, list) = app.call("GET", "/api/v1/queues", Some(&admin), None).await;
    assert_eq!(list["queues"].as_array().map(Vec::len), Some(1), "{list}");

    // R20 defaults for what is left out.
    let (status, created) = app
        .call("POST", "/api/v1/queues", Some(&admin), Some(new_queue))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "Billing");
    assert_eq!(created["strategy"], "sequential");
    assert_eq!(created["offer_timeout_ms"], 15_000);
    assert_eq!(created["hunt_timeout_ms"], 60_000);
    assert_eq!(created["leave_message"], true);
    let id = created["queue_id"].as_i64().expect("queue id");
    // Live: its hours, rules and members change, and a website may target it.
    let hours = json!({"time_zone": "UTC", "ranges": [{"days": ["mon"], "start": "08:00", "end": "16:00"}]});
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v1/queues/{id}/opening-hours"),
            Some(&admin),
            Some(hours.clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["opening_hours"], hours);
    let (_, agents) = app.call("GET", "/api/v1/agents", Some(&admin), None).await;
    let member = agents["agents"][0]["user_id"].as_i64().expect("an agent");
    let (status, body) = app
        .call(
            "PUT",
            &format!("/api/v1/queues/{id}/members/{member}"),
            Some(&admin),
            Some(json!({"hunt_order": 1})),
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let (status, site) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&admin),
            Some(json!({"key": "bill", "name": "Billing", "allowed_domains": ["localhost"], "queue_id": id})),
        )
        .await;
    assert_eq!(status, 201, "{site}");
    let (status, config) = app
        .call("GET", "/api/v1/websites/bill/config", None, None)
        .await;
    assert_eq!(status, 200, "{config}");

    // In use: refused with the websites named; the queue stays.
    let (status, body) = app
        .call(
            "DELETE",
            &format!("/api/v1/queues/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("queue_in_use"))
    );
    assert!(
        body["message"].as_str().unwrap_or("").contains("bill"),
        "{body}"
    );
    let (status, body) = app
        .call("DELETE", "/api/v1/queues/1", Some(&admin), None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("queue_in_use"))
    );

    // Once the website is gone, the queue goes, with its memberships (not its agents).
    let (status, _) = app
        .call("DELETE", "/api/v1/websites/bill", Some(&admin), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .call(
            "DELETE",
            &format!("/api/v1/queues/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 204);
    for path in [
        format!("/api/v1/queues/{id}/routing-rules"),
        format!("/api/v1/queues/{id}/opening-hours"),
    ] {
        let (status, body) = app.call("GET", &path, Some(&admin), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("queue_not_found"))
        );
    }
    let (status, _) = app
        .call(
            "DELETE",
            &format!("/api/v1/queues/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, agents) = app.call("GET", "/api/v1/agents", Some(&admin), None).await;
    assert!(
        agents["agents"]
            .as_array()
            .is_some_and(|a| a.iter().any(|u| u["user_id"] == member)),
        "{agents}"
    );
    // A website cannot target a deleted queue.
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&admin),
            Some(json!({"key": "late", "name": "Late", "allowed_domains": ["localhost"], "queue_id": id})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("queue_not_found"))
    );
}

/// R67, R78: a queue's leave-a-message switch: supervisors read it, admins change it, and a
/// chat nobody took in a queue without messages offers none (the website still allows it).
async fn a_queue_without_messages_offers_none(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .offer_timeout_ms(10_000)
        .settings(|s| {
            s.routing.hunt_timeout_ms = 300;
            s.presence.grace_ms = 50;
        })
        .spawn()
        .await
    else {
        return;
    };
    let admin = admin_token(&app).await;
    let supervisor = app.supervisor_token().await;
    let path = "/api/v1/queues/1/leave-message";
    let (status, body) = app.call("GET", path, Some(&supervisor), None).await;
    assert_eq!((status, body), (200, json!({"leave_message": true})));
    let off = json!({"leave_message": false});
    let (status, _) = app
        .call("PUT", path, Some(&supervisor), Some(off.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .call(
            "PUT",
            path,
            Some(&admin),
            Some(json!({"leave_message": "no"})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_body"))
    );
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/queues/99/leave-message",
            Some(&admin),
            Some(off.clone()),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("queue_not_found"))
    );
    let (status, body) = app.call("PUT", path, Some(&admin), Some(off.clone())).await;
    assert_eq!((status, body), (200, off.clone()));
    let (_, list) = app.call("GET", "/api/v1/queues", Some(&admin), None).await;
    assert_eq!(list["queues"][0]["leave_message"], false, "{list}");

    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.start_chat("Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
    let frames = visitor
        .until(|f| f.iter().any(|f| f["kind"] == "chat_ended"))
        .await;
    let ended = frames.last().cloned().expect("the end");
    assert_eq!(ended["disposition"], "unmanaged", "{ended}");
    assert!(ended.get("leave_message_until_ms").is_none(), "{ended}");
    let notice = ended["notice"].as_str().unwrap_or("");
    assert!(!notice.contains("Leave us a message"), "{notice}");
    // The website itself still takes messages.
    let (_, unmanaged) = app
        .call("GET", "/api/v1/websites/demo/unmanaged", Some(&admin), None)
        .await;
    assert_eq!(unmanaged["leave_message"], true);
}

/// R57, R71: only admins delete websites; one with chats is kept (`website_in_use`); a deleted
/// website's widget stops at once.
async fn admins_delete_websites_not_in_use(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let supervisor = app.supervisor_token().await;
    let agent = app.agent_token("agent").await;
    for token in [&agent, &supervisor] {
        let (status, _) = app
            .call("DELETE", "/api/v1/websites/demo", Some(token), None)
            .await;
        assert_eq!(status, 403);
    }
    app.start_chat("Ann").await;
    let (status, body) = app
        .call("DELETE", "/api/v1/websites/demo", Some(&admin), None)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("website_in_use")),
        "{body}"
    );
    let (status, _) = app
        .call("GET", "/api/v1/websites/demo/config", None, None)
        .await;
    assert_eq!(status, 200);

    let (status, body) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&admin),
            Some(json!({"key": "gone", "name": "Gone", "allowed_domains": ["localhost"], "queue_id": 1})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = app
        .call("DELETE", "/api/v1/websites/gone", Some(&admin), None)
        .await;
    assert_eq!(status, 204);
    for path in [
        "/api/v1/websites/gone",
        "/api/v1/websites/gone/forms",
        "/api/v1/websites/gone/config",
    ] {
        let (status, body) = app.call("GET", path, Some(&admin), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("website_not_found")),
            "{path}"
        );
    }
    let (status, _) = app
        .call("DELETE", "/api/v1/websites/gone", Some(&admin), None)
        .await;
    assert_eq!(status, 404);
    // The key is free again.
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/websites",
            Some(&admin),
            Some(json!({"key": "gone", "name": "Back", "allowed_domains": ["localhost"], "queue_id": 1})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// R31, R76, R78: the unmanaged settings: supervisors read them, admins change them, bad values
/// get stable codes, and the widget's mode follows the no-agent setting at once.
async fn admins_set_unmanaged_handling(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let supervisor = app.supervisor_token().await;
    let agent = app.agent_token("agent").await;
    let path = "/api/v1/websites/demo/unmanaged";
    let (status, defaults) = app.call("GET", path, Some(&supervisor), None).await;
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(
        defaults,
        json!({"unmanaged_message": null, "leave_message": true, "unmanaged_autoclose_ms": 0, "no_agent_mode": "busy"})
    );
    let (status, _) = app.call("GET", path, Some(&agent), None).await;
    assert_eq!(status, 403);
    let wanted = json!({
        "unmanaged_message": "  Nobody is free. Write to help@example.com.  ",
        "leave_message": false,
        "unmanaged_autoclose_ms": 3_600_000,
        "no_agent_mode": "offline",
    });
    for token in [&agent, &supervisor] {
        let (status, _) = app
            .call("PUT", path, Some(token), Some(wanted.clone()))
            .await;
        assert_eq!(status, 403);
    }
    for (body, code) in [
        (
            json!({"leave_message": true, "no_agent_mode": "busy", "unmanaged_autoclose_ms": -1}),
            "invalid_auto_close",
        ),
        (
            json!({"leave_message": true, "no_agent_mode": "busy", "unmanaged_message": "x".repeat(1001)}),
            "invalid_unmanaged_message",
        ),
        (
            json!({"leave_message": true, "no_agent_mode": "away"}),
            "invalid_body",
        ),
    ] {
        let (status, answer) = app.call("PUT", path, Some(&admin), Some(body)).await;
        assert_eq!((status, answer["error"].as_str()), (422, Some(code)));
    }
    let (_, config) = app
        .call("GET", "/api/v1/websites/demo/config", None, None)
        .await;
    assert_eq!(
        (config["mode"].as_str(), config["mode_reason"].as_str()),
        (Some("busy"), Some("no_agent_available")),
        "{config}"
    );
    let (status, stored) = app.call("PUT", path, Some(&admin), Some(wanted)).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        stored["unmanaged_message"],
        "Nobody is free. Write to help@example.com."
    );
    assert_eq!(stored["leave_message"], false);
    assert_eq!(stored["unmanaged_autoclose_ms"], 3_600_000);
    // R31: nobody is Available, and the website now shows the offline form for that.
    let (_, config) = app
        .call("GET", "/api/v1/websites/demo/config", None, None)
        .await;
    assert_eq!(config["mode"], "offline", "{config}");
    let (_, read) = app.call("GET", path, Some(&supervisor), None).await;
    assert_eq!(read, stored);

    // The website's language, set with the offline options, is kept by later changes: in the
    // running website and in the store.
    let (status, body) = app
        .call(
            "PUT",
            "/api/v1/websites/demo/offline-options",
            Some(&admin),
            Some(json!({"language": "de"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.call("PUT", path, Some(&admin), Some(stored)).await;
    assert_eq!(status, 200);
    let (_, website) = app
        .call("GET", "/api/v1/websites/demo", Some(&admin), None)
        .await;
    assert_eq!(website["language"], "de");
    let key = parley::domain::website::WebsiteKey::parse("demo").expect("key");
    let row = app
        .engine
        .db()
        .run(move |conn| parley::store::websites::by_key(conn, &key))
        .await
        .expect("read")
        .expect("the website");
    assert_eq!(
        row.language.map(|l| l.as_str().to_owned()),
        Some("de".to_owned())
    );
    assert_eq!(row.unmanaged.language.as_deref(), Some("de"));
    assert!(!row.unmanaged.leave_message);
}

/// R61: proactive rules are saved with the appearance, in their normal form, and reach the
/// widget's config; a rule that cannot fire is refused.
async fn proactive_rules_reach_the_widget(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let (_, website) = app
        .call("GET", "/api/v1/websites/demo", Some(&admin), None)
        .await;
    let mut body = json!({
        "name": website["name"],
        "allowed_domains": website["allowed_domains"],
        "queue_id": website["queue_id"],
        "appearance": {"primary_color": "#123456", "proactive": [{"url_contains": "/pricing", "after_seconds": 20}]},
    });
    for bad in [
        json!([{"url_contains": "/pricing"}]),
        json!([{"after_seconds": 5000}]),
        json!([{"hover_selector": "#buy", "action": "shout"}]),
    ] {
        body["appearance"]["proactive"] = bad;
        let (status, answer) = app
            .call(
                "PUT",
                "/api/v1/websites/demo",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (422, Some("invalid_proactive_rule")),
            "{answer}"
        );
    }
    body["appearance"]["proactive"] = json!([{"url_contains": " /pricing ", "after_seconds": 20}, {"hover_selector": "#buy", "action": "highlight"}]);
    let (status, saved) = app
        .call("PUT", "/api/v1/websites/demo", Some(&admin), Some(body))
        .await;
    assert_eq!(status, 200, "{saved}");
    let rules = json!([
        {"url_contains": "/pricing", "after_seconds": 20, "action": "open"},
        {"hover_selector": "#buy", "action": "highlight"}
    ]);
    assert_eq!(saved["appearance"]["proactive"], rules);
    let (_, config) = app
        .call("GET", "/api/v1/websites/demo/config", None, None)
        .await;
    assert_eq!(config["appearance"]["proactive"], rules, "{config}");
}

/// R14, R62: the preview page runs the real widget in preview mode, for admins only, framed
/// only by the console.
async fn the_preview_page_is_for_admins(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = admin_token(&app).await;
    let supervisor = app.supervisor_token().await;
    let fetch = |token: Option<String>| {
        let mut request = TestApp::client().get(format!(
            "{}/admin/widget-preview?website=demo%22%3E",
            app.base
        ));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let mut response = request.send().await.expect("preview");
            let csp = response
                .headers()
                .get("content-security-policy")
                .map(|v| v.to_str().unwrap_or("").to_owned());
            let body = response.body().await.expect("body");
            (
                response.status().as_u16(),
                csp,
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };
    assert_eq!(fetch(None).await.0, 401);
    assert_eq!(fetch(Some(supervisor)).await.0, 403);
    let (status, csp, page) = fetch(Some(admin)).await;
    assert_eq!(status, 200);
    assert!(csp.is_some_and(|c| c.contains("frame-ancestors 'self'")));
    assert!(page.contains(r#"data-preview="console""#), "{page}");
    // A query that is not a key never reaches the markup.
    assert!(!page.contains("demo\""), "{page}");
    assert!(page.contains(r#"data-website="new""#), "{page}");
}

#[actix_web::test]
async fn admins_create_and_delete_queues_sqlite() {
    admins_create_and_delete_queues(Backend::Sqlite).await;
}

#[actix_web::test]
async fn admins_create_and_delete_queues_postgres() {
    admins_create_and_delete_queues(Backend::Postgres).await;
}

#[actix_web::test]
async fn admins_delete_websites_not_in_use_sqlite() {
    admins_delete_websites_not_in_use(Backend::Sqlite).await;
}

#[actix_web::test]
async fn admins_delete_websites_not_in_use_postgres() {
    admins_delete_websites_not_in_use(Backend::Postgres).await;
}

#[actix_web::test]
async fn admins_set_unmanaged_handling_sqlite() {
    admins_set_unmanaged_handling(Backend::Sqlite).await;
}

#[actix_web::test]
async fn admins_set_unmanaged_handling_postgres() {
    admins_set_unmanaged_handling(Backend::Postgres).await;
}

#[actix_web::test]
async fn proactive_rules_reach_the_widget_sqlite() {
    proactive_rules_reach_the_widget(Backend::Sqlite).await;
}

#[actix_web::test]
async fn proactive_rules_reach_the_widget_postgres() {
    proactive_rules_reach_the_widget(Backend::Postgres).await;
}

#[actix_web::test]
async fn the_preview_page_is_for_admins_sqlite() {
    the_preview_page_is_for_admins(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_preview_page_is_for_admins_postgres() {
    the_preview_page_is_for_admins(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_queue_without_messages_offers_none_sqlite() {
    a_queue_without_messages_offers_none(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_queue_without_messages_offers_none_postgres() {
    a_queue_without_messages_offers_none(Backend::Postgres).await;
}
