//! User accounts and the audit log over REST (issue 9; R25, R70, R71, R73), on SQLite and
//! PostgreSQL: admins create and change accounts, supervisors only read them, agents neither;
//! the domain rules' errors; the last admin stays; deactivation signs the agent out at once and
//! its queues stop offering it chats; a new capacity applies live; and every admin action,
//! login and failed login lands in the audit log, which only admins read.

mod common;

use common::{Backend, TestApp, AGENT_PASSWORD};
use serde_json::{json, Value};

fn error_of(status: u16, body: &Value) -> (u16, String) {
    (status, body["error"].as_str().unwrap_or("").to_owned())
}

fn new_user(username: &str, role: &str) -> Value {
    json!({
        "username": username,
        "display_name": format!("{username} Example"),
        "role": role,
        "capacity": 2,
        "password": "a-long-password",
    })
}

/// The user named `username` in `GET /users`.
async fn listed(app: &TestApp, token: &str, username: &str) -> Value {
    let (status, body) = app.call("GET", "/api/v1/users", Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The audit rows matching `query`, newest first.
async fn audit(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let path = format!("/api/v1/audit-log{query}");
    let (status, body) = app.call("GET", &path, Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().unwrap().clone()
}

/// R70, R71: an admin creates users; bad input gets stable codes and writes nothing; agents
/// and supervisors may not create or change anyone; supervisors may read the list.
async fn admins_create_users_and_others_may_not(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let (status, ann) = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(new_user("ann", "agent")),
        )
        .await;
    assert_eq!(status, 201, "{ann}");
    assert_eq!(ann["role"], "agent");
    assert_eq!(ann["capacity"], 2);
    assert_eq!(ann["active"], true);
    assert_eq!(ann["presence"], "offline");
    assert_eq!(ann["queues"], json!([]));
    assert!(ann.get("password_hash").is_none());
    let (status, _) = app.login("ann", "a-long-password").await;
    assert_eq!(status, 200);

    let with = |field: &str, value: Value| {
        let mut body = new_user("bea", "agent");
        body[field] = value;
        body
    };
    for (body, expected) in [
        (new_user("ann", "agent"), (409, "username_taken")),
        (
            with("username", json!("bea smith")),
            (422, "invalid_username"),
        ),
        (with("role", json!("root")), (422, "invalid_role")),
        (with("capacity", json!(0)), (422, "capacity_out_of_range")),
        (with("capacity", json!(21)), (422, "capacity_out_of_range")),
        (with("password", json!("short")), (422, "weak_password")),
        (with("password", json!("bea")), (422, "weak_password")),
        (with("display_name", json!("  ")), (422, "empty_name")),
        (with("colour", json!("red")), (422, "invalid_body")),
    ] {
        let (status, answer) = app
            .call("POST", "/api/v1/users", Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(
            error_of(status, &answer),
            (expected.0, expected.1.to_owned()),
            "{body}"
        );
    }
    assert_eq!(listed(&app, &admin, "bea").await, Value::Null);

    let ann_id = ann["id"].as_i64().unwrap();
    let supervisor = app.supervisor_token().await;
    let agent = app.agent_token("agent").await;
    for token in [&supervisor, &agent] {
        for (method, path, body) in [
            (
                "POST",
                "/api/v1/users".to_owned(),
                Some(new_user("cid", "admin")),
            ),
            (
                "PATCH",
                format!("/api/v1/users/{ann_id}"),
                Some(json!({ "role": "admin" })),
            ),
            (
                "POST",
                format!("/api/v1/users/{ann_id}/password"),
                Some(json!({ "password": "another-password" })),
            ),
            ("GET", "/api/v1/audit-log".to_owned(), None),
        ] {
            let (status, answer) = app.call(method, &path, Some(token), body).await;
            assert_eq!(
                error_of(status, &answer),
                (403, "forbidden".to_owned()),
                "{method} {path}"
            );
        }
    }
    // Supervisors read the accounts (R71); agents do not.
    assert_eq!(listed(&app, &supervisor, "ann").await["role"], "agent");
    let (status, _) = app.call("GET", "/api/v1/users", Some(&agent), None).await;
    assert_eq!(status, 403);
    let (status, _) = app.call("GET", "/api/v1/users", None, None).await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn admins_create_users_and_others_may_not_on_sqlite() {
    admins_create_users_and_others_may_not(Backend::Sqlite).await;
}

#[actix_web::test]
async fn admins_create_users_and_others_may_not_on_postgres() {
    admins_create_users_and_others_may_not(Backend::Postgres).await;
}

/// R71: changes of role, name and password; the last active admin cannot be demoted or
/// deactivated, and an admin cannot lock themselves out; a role change applies to the next
/// request.
async fn the_last_admin_stays_and_roles_apply_at_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = app.admin_token().await;
    let admin_id = listed(&app, &admin, "admin").await["id"].as_i64().unwrap();
    let path = format!("/api/v1/users/{admin_id}");
    for change in [json!({ "role": "supervisor" }), json!({ "active": false })] {
        let (status, body) = app.call("PATCH", &path, Some(&admin), Some(change)).await;
        assert_eq!(error_of(status, &body), (409, "self_lockout".to_owned()));
    }
    // A second admin may not demote the last other one either once it is alone.
    let (status, dan) = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(new_user("dan", "admin")),
        )
        .await;
    assert_eq!(status, 201, "{dan}");
    let dan_path = format!("/api/v1/users/{}", dan["id"]);
    let (status, body) = app
        .call(
            "PATCH",
            &dan_path,
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(
        (status, body["active"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
    let (status, body) = app.login("dan", "a-long-password").await;
    assert_eq!(
        error_of(status, &body),
        (403, "account_deactivated".to_owned())
    );
    let (status, body) = app
        .call(
            "PATCH",
            &dan_path,
            Some(&admin),
            Some(json!({ "active": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, login) = app.login("dan", "a-long-password").await;
    let dan_token = login["token"].as_str().unwrap().to_owned();
    let (status, body) = app
        .call(
            "PATCH",
            &path,
            Some(&dan_token),
            Some(json!({ "role": "agent" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The demoted admin's very next request is an agent's.
    let (status, body) = app.call("GET", "/api/v1/users", Some(&admin), None).await;
    assert_eq!(error_of(status, &body), (403, "forbidden".to_owned()));
    // dan is now the only active admin.
    let (status, body) = app
        .call(
            "PATCH",
            &path,
            Some(&dan_token),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            "PATCH",
            &dan_path,
            Some(&admin),
            Some(json!({ "role": "agent" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .call(
            "PATCH",
            &path,
            Some(&dan_token),
            Some(json!({ "role": "agent" })),
        )
        .await;
    assert_eq!(error_of(status, &body), (403, "forbidden".to_owned()));
    let (status, body) = app
        .call(
            "PATCH",
            &dan_path,
            Some(&admin),
            Some(json!({ "role": "supervisor" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let dan_view = listed(&app, &admin, "dan").await;
    assert_eq!(dan_view["role"], "supervisor");
    // The admin, alone again, still cannot leave.
    let (status, body) = app
        .call(
            "PATCH",
            &path,
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(error_of(status, &body), (409, "self_lockout".to_owned()));

    // Other fields, and bad values.
    let (status, body) = app
        .call(
            "PATCH",
            &dan_path,
            Some(&admin),
            Some(json!({ "display_name": " Dan D. ", "capacity": 4 })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["display_name"].as_str(), body["capacity"].as_i64()),
        (Some("Dan D."), Some(4))
    );
    for (change, code) in [
        (json!({ "role": "boss" }), "invalid_role"),
        (json!({ "capacity": 99 }), "capacity_out_of_range"),
        (json!({ "display_name": "" }), "empty_name"),
        (json!({ "username": "x" }), "invalid_body"),
    ] {
        let (status, body) = app
            .call("PATCH", &dan_path, Some(&admin), Some(change))
            .await;
        assert_eq!(error_of(status, &body), (422, code.to_owned()));
    }
    let (status, body) = app
        .call(
            "PATCH",
            "/api/v1/users/999",
            Some(&admin),
            Some(json!({ "active": true })),
        )
        .await;
    assert_eq!(error_of(status, &body), (404, "user_not_found".to_owned()));

    // A new password: the old one stops working.
    let password_path = format!("{dan_path}/password");
    let (status, body) = app
        .call(
            "POST",
            &password_path,
            Some(&admin),
            Some(json!({ "password": "dan" })),
        )
        .await;
    assert_eq!(error_of(status, &body), (422, "weak_password".to_owned()));
    let (status, _) = app
        .call(
            "POST",
            &password_path,
            Some(&admin),
            Some(json!({ "password": "a-new-password" })),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.login("dan", "a-long-password").await.0, 401);
    assert_eq!(app.login("dan", "a-new-password").await.0, 200);
}

#[actix_web::test]
async fn the_last_admin_stays_and_roles_apply_at_once_on_sqlite() {
    the_last_admin_stays_and_roles_apply_at_once(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_last_admin_stays_and_roles_apply_at_once_on_postgres() {
    the_last_admin_stays_and_roles_apply_at_once(Backend::Postgres).await;
}

/// R71, R73: deactivating an agent closes its socket at once (`account_deactivated`), ends its
/// sessions, hands the chat it was being offered to the next agent at once (the offer lasts
/// 15 s, longer than the test waits), and its queue offers it no further chat.
async fn deactivation_signs_the_agent_out_at_once(backend: Backend) {
    let Some(app) = TestApp::builder(backend).agent("bob", 2, 3).spawn().await else {
        return;
    };
    let admin = app.admin_token().await;
    let (mut agent, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let agent_id = listed(&app, &admin, "agent").await["id"].as_i64().unwrap();
    let token = app.agent_token("agent").await;
    let chat = app.start_chat("Vic").await;
    assert_eq!(agent.next_of("offer").await["chat_id"], chat.chat_id);

    let (status, body) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{agent_id}"),
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["active"].as_bool(), body["presence"].as_str()),
        (Some(false), Some("offline"))
    );
    let reason = agent.expect_close().await.expect("a close reason");
    assert_eq!(reason.description.as_deref(), Some("account_deactivated"));
    // Its sessions are gone, and it cannot sign in again.
    let (status, body) = app.call("GET", "/api/v1/auth/me", Some(&token), None).await;
    assert_eq!(error_of(status, &body), (401, "unauthorized".to_owned()));
    let (status, body) = app.login("agent", AGENT_PASSWORD).await;
    assert_eq!(
        error_of(status, &body),
        (403, "account_deactivated".to_owned())
    );
    // The open offer goes to bob, who hunts second (R17, R21), and so does the next chat.
    assert_eq!(bob.next_of("offer").await["chat_id"], chat.chat_id);
    bob.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    let next = app.start_chat("Wes").await;
    assert_eq!(bob.next_of("offer").await["chat_id"], next.chat_id);
    let members = app
        .call("GET", "/api/v1/queues/1/members", Some(&admin), None)
        .await
        .1;
    let agent_member = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["username"] == "agent")
        .cloned()
        .unwrap();
    assert_eq!(agent_member["presence"], "offline");

    // Audit (R71): the change, with who and what.
    let rows = audit(&app, &admin, "?action=user.update").await;
    assert_eq!(rows[0]["username"], "admin");
    assert_eq!(rows[0]["target"], format!("user_id={agent_id}"));
    assert_eq!(rows[0]["details"], json!({ "active": false }));
}

#[actix_web::test]
async fn deactivation_signs_the_agent_out_at_once_on_sqlite() {
    deactivation_signs_the_agent_out_at_once(Backend::Sqlite).await;
}

#[actix_web::test]
async fn deactivation_signs_the_agent_out_at_once_on_postgres() {
    deactivation_signs_the_agent_out_at_once(Backend::Postgres).await;
}

/// R70, R73: a raised capacity lets the queue offer a waiting chat at once.
async fn a_new_capacity_applies_live(backend: Backend) {
    let Some(app) = TestApp::builder(backend).agent("bob", 2, 1).spawn().await else {
        return;
    };
    let admin = app.admin_token().await;
    let (mut bob, _) = app.available_agent("bob").await;
    app.joined_chat(&mut bob, "Una").await;
    let waiting = app.start_chat("Val").await;
    let bob_id = listed(&app, &admin, "bob").await["id"].as_i64().unwrap();
    let (status, body) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{bob_id}"),
            Some(&admin),
            Some(json!({ "capacity": 2 })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(bob.next_of("offer").await["chat_id"], waiting.chat_id);
}

#[actix_web::test]
async fn a_new_capacity_applies_live_on_sqlite() {
    a_new_capacity_applies_live(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_new_capacity_applies_live_on_postgres() {
    a_new_capacity_applies_live(Backend::Postgres).await;
}

/// R71: every admin action is in the audit log, with secrets redacted; logins, failed logins
/// and logouts too; chat work is not; the log filters and pages, newest first.
async fn the_audit_log_records_admin_actions(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    assert_eq!(app.login("admin", "wrong-password").await.0, 401);
    let admin = app.admin_token().await;
    let (status, ann) = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(new_user("ann", "agent")),
        )
        .await;
    assert_eq!(status, 201);
    let ann_id = ann["id"].as_i64().unwrap();
    let (status, _) = app
        .call(
            "PUT",
            &format!("/api/v1/queues/1/members/{ann_id}"),
            Some(&admin),
            Some(json!({ "hunt_order": 2 })),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/websites/demo/offline-options",
            Some(&admin),
            Some(json!({ "language": "de" })),
        )
        .await;
    assert_eq!(status, 200);
    // Refused requests are not actions.
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(new_user("ann", "agent")),
        )
        .await;
    assert_eq!(status, 409);

    let rows = audit(&app, &admin, "").await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "website.offline_options.update",
            "queue.member.set",
            "user.create",
            "auth.login",
            "auth.login_failed",
        ]
    );
    let created = &rows[2];
    assert_eq!(created["username"], "admin");
    assert_eq!(created["details"]["username"], "ann");
    assert_eq!(created["details"]["password"], "[redacted]");
    assert_eq!(rows[1]["target"], format!("queue_id=1 user_id={ann_id}"));
    assert_eq!(rows[4]["username"], "admin");
    assert_eq!(rows[4]["details"]["reason"], "invalid_credentials");
    assert!(rows
        .windows(2)
        .all(|w| w[0]["at_ms"].as_i64() >= w[1]["at_ms"].as_i64()));

    // Filters and pages.
    assert_eq!(audit(&app, &admin, "?action=user").await.len(), 1);
    assert_eq!(audit(&app, &admin, "?action=auth").await.len(), 2);
    assert_eq!(audit(&app, &admin, "?user=nobody").await.len(), 0);
    let later = rows[0]["at_ms"].as_i64().unwrap() + 1;
    assert_eq!(
        audit(&app, &admin, &format!("?from={later}")).await.len(),
        0
    );
    assert_eq!(audit(&app, &admin, &format!("?to={later}")).await.len(), 5);
    let (_, page) = app
        .call("GET", "/api/v1/audit-log?limit=2", Some(&admin), None)
        .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let next = page["next_before"].as_i64().expect("another page");
    let rest = audit(&app, &admin, &format!("?limit=10&before={next}")).await;
    assert_eq!(rest.len(), 3);
    assert_eq!(rest[0]["action"], "user.create");
    for query in ["?limit=0", "?limit=201", "?action=a%25", "?colour=red"] {
        let path = format!("/api/v1/audit-log{query}");
        let (status, body) = app.call("GET", &path, Some(&admin), None).await;
        assert_eq!(status, 422, "{query}: {body}");
    }

    // An agent's chat work is not administration; its logout is recorded.
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.joined_chat(&mut agent, "Wyn").await;
    let token = app.agent_token("agent").await;
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/chats/{}/notes", chat.chat_id),
            Some(&token),
            Some(json!({ "text": "a note" })),
        )
        .await;
    assert!((200..300).contains(&status), "{status}");
    let (status, _) = app
        .call("POST", "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(status, 204);
    let rows = audit(&app, &admin, "?user=agent").await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["auth.logout", "auth.login", "auth.login"]);
}

#[actix_web::test]
async fn the_audit_log_records_admin_actions_on_sqlite() {
    the_audit_log_records_admin_actions(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_audit_log_records_admin_actions_on_postgres() {
    the_audit_log_records_admin_actions(Backend::Postgres).await;
}
