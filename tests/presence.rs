//! Presence with away reasons, and queue membership and capacity changed while the engine
//! runs, over real sockets and REST (issue 3: R24, R25, R26, R69, R73).

mod common;

use actix_web::http::Method;
use common::{Backend, TestApp, WsClient};
use parley::domain::ids::UserId;
use parley::startup::Application;
use parley::store;
use serde_json::{json, Value};

const SUPERVISOR_PASSWORD: &str = "supervisor-password";

/// One REST call with a session token; the JSON body of the answer (null when it has none).
async fn rest(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = TestApp::client()
        .request(method, format!("{}/api/v1{path}", app.base))
        .bearer_auth(token);
    let sent = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    let mut response = sent.expect("request");
    let status = response.status().as_u16();
    (
        status,
        response.json::<Value>().await.unwrap_or(Value::Null),
    )
}

async fn supervisor_token(app: &TestApp) -> String {
    let (status, body) = app.login("supervisor", SUPERVISOR_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// The user id and session token of an agent.
async fn login_agent(app: &TestApp, username: &str) -> (i64, String) {
    let (status, body) = app.login(username, common::AGENT_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let id = body["user"]["id"].as_i64().expect("user id");
    (id, body["token"].as_str().expect("token").to_owned())
}

async fn create_reason(app: &TestApp, token: &str, label: &str) -> i64 {
    let (status, body) = rest(
        app,
        Method::POST,
        "/away-reasons",
        token,
        Some(json!({ "label": label })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().expect("reason id")
}

fn labels(reasons: &Value) -> Vec<&str> {
    reasons
        .as_array()
        .expect("a list of reasons")
        .iter()
        .map(|r| r["label"].as_str().expect("label"))
        .collect()
}

/// The agent accepts its offer of `chat_id` and reads up to its own `agent_joined`.
async fn accept(agent: &mut WsClient, chat_id: i64) {
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat_id }))
        .await;
    agent.expect("chat_assigned").await;
    agent
        .until(|f| f.iter().any(|f| f["kind"] == "agent_joined"))
        .await;
}

/// The errors of a list of refused calls, as `(status, code)`.
async fn refusals(
    app: &TestApp,
    token: &str,
    calls: Vec<(Method, String, Option<Value>)>,
) -> Vec<(u16, String)> {
    let mut answers = Vec::new();
    for (method, path, body) in calls {
        let (status, body) = rest(app, method, &path, token, body).await;
        answers.push((status, body["error"].as_str().unwrap_or("").to_owned()));
    }
    answers
}

/// The demo admin (R71), who takes no chats.
fn admin_user(app: &TestApp) -> UserId {
    app.engine
        .db()
        .run_now(|conn| store::users::by_username(conn, "admin"))
        .expect("read")
        .expect("the demo admin")
        .user_id()
}

/// R24, R69: the agent goes Away for a reason from the list. Every tab sees the reason, the
/// chat it holds goes on, no new chat is offered, and the reason is stored with the presence.
#[actix_web::test]
async fn away_with_a_reason_is_shown_keeps_chats_and_stops_offers_r24_r69() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = app.admin_token().await;
    let lunch = create_reason(&app, &admin, "Lunch").await;
    create_reason(&app, &admin, "Meeting").await;

    let (mut agent, hello) = app.available_agent("agent").await;
    assert_eq!(labels(&hello["away_reasons"]), ["Lunch", "Meeting"]);
    assert_eq!(hello["away_reason"], json!(null));

    let first = app.start_chat("Ann").await;
    assert_eq!(agent.expect("offer").await["chat_id"], first.chat_id);
    accept(&mut agent, first.chat_id).await;

    agent
        .send(json!({ "type": "set_presence", "presence": "away", "reason_id": lunch }))
        .await;
    let presence = agent.expect("presence").await;
    assert_eq!(presence["presence"], "away");
    assert_eq!(
        presence["away_reason"],
        json!({ "id": lunch, "label": "Lunch" })
    );

    // A new chat waits: the agent is not offered it (it stands "unavailable" in the queue).
    let second = app.start_chat("Bob").await;
    let (_, routing) = rest(
        &app,
        Method::GET,
        &format!("/chats/{}/routing", second.chat_id),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        routing["waiting"]["members"][0]["standing"], "unavailable",
        "{routing}"
    );
    assert!(agent.round_trip().await.is_empty(), "no offer while away");

    // The chat it holds goes on.
    let mut visitor = app.visitor_socket(&first, 2).await;
    visitor.expect("visitor_hello").await;
    agent
        .send(json!({ "type": "send_message", "chat_id": first.chat_id, "text": "Back in a minute", "client_key": "a-1" }))
        .await;
    assert_eq!(
        visitor.expect_event("message").await["text"],
        "Back in a minute"
    );
    // The event and the ack come in either order (protocol.md 6.4).
    let frames = agent
        .until(|f| f.iter().any(|f| f["type"] == "ack") && f.iter().any(|f| f["type"] == "event"))
        .await;
    assert!(frames.iter().all(|f| f["seq"] == 3), "{frames:?}");

    // Another tab opens with the reason.
    let token = app.agent_token("agent").await;
    let mut tab = app
        .agent_socket(&token, &format!("{}:3", first.chat_id))
        .await;
    let hello = tab.expect("agent_hello").await;
    assert_eq!(hello["presence"], "away");
    assert_eq!(hello["away_reason"]["label"], "Lunch");

    // Available again: the waiting chat is offered at once, and the reason is gone.
    agent
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    let presence = agent.expect("presence").await;
    assert_eq!(presence["away_reason"], json!(null));
    assert_eq!(agent.expect("offer").await["chat_id"], second.chat_id);
}

/// Waits until the agent's presence and reason are stored (they are written after the
/// frames that announce them).
async fn wait_until_stored(app: &TestApp, agent: UserId, reason: Option<i64>) {
    loop {
        let stored = app
            .engine
            .db()
            .run_now(|conn| store::users::by_id(conn, agent))
            .unwrap()
            .unwrap();
        if stored.away_reason_id == reason {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// R24: the reason is stored with the presence, so an engine started again on the same
/// database restores it, even after the reason was deactivated meanwhile.
#[actix_web::test]
async fn the_away_reason_survives_a_restart_r24() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = app.admin_token().await;
    let lunch = create_reason(&app, &admin, "Lunch").await;
    create_reason(&app, &admin, "Meeting").await;
    let (mut agent, hello) = app.available_agent("agent").await;
    agent
        .send(json!({ "type": "set_presence", "presence": "away", "reason_id": lunch }))
        .await;
    agent.expect("presence").await;
    wait_until_stored(
        &app,
        UserId(hello["agent_id"].as_i64().unwrap()),
        Some(lunch),
    )
    .await;
    let (status, _) = rest(
        &app,
        Method::PATCH,
        &format!("/away-reasons/{lunch}"),
        &admin,
        Some(json!({ "active": false })),
    )
    .await;
    assert_eq!(status, 200);

    // A second engine on the same database stands for the restarted one.
    let restarted = Application::build(app.settings.clone()).await.unwrap();
    let (port, handle, engine) = (
        restarted.port(),
        restarted.handle(),
        restarted.engine().clone(),
    );
    actix_web::rt::spawn(restarted.run_until_stopped());
    let token = app.agent_token("agent").await;
    let mut socket = WsClient::connect(
        TestApp::client()
            .ws(format!("ws://127.0.0.1:{port}/api/v1/agent/ws"))
            .bearer_auth(token),
    )
    .await
    .unwrap();
    let hello = socket.expect("agent_hello").await;
    assert_eq!(hello["presence"], "away");
    assert_eq!(
        hello["away_reason"],
        json!({ "id": lunch, "label": "Lunch" })
    );
    assert_eq!(labels(&hello["away_reasons"]), ["Meeting"]);
    handle.stop(false).await;
    engine.shutdown();
}

/// R23, R24: an unknown or deactivated reason, a reason with anything but away, and RONA are
/// refused with clear codes; the presence stays as it was.
#[actix_web::test]
async fn unknown_inactive_or_misplaced_reasons_and_rona_are_refused_r23_r24() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = app.admin_token().await;
    let lunch = create_reason(&app, &admin, "Lunch").await;
    let meeting = create_reason(&app, &admin, "Meeting").await;
    let (mut agent, _) = app.available_agent("agent").await;

    // Deactivating a reason redraws every connected agent's menu.
    let (status, body) = rest(
        &app,
        Method::PATCH,
        &format!("/away-reasons/{meeting}"),
        &admin,
        Some(json!({ "active": false })),
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    assert_eq!(
        labels(&agent.expect("away_reasons").await["away_reasons"]),
        ["Lunch"]
    );

    for (frame, code) in [
        (
            json!({ "type": "set_presence", "presence": "away", "reason_id": 999 }),
            "away_reason_not_found",
        ),
        (
            json!({ "type": "set_presence", "presence": "away", "reason_id": meeting }),
            "away_reason_inactive",
        ),
        (
            json!({ "type": "set_presence", "presence": "available", "reason_id": lunch }),
            "away_reason_needs_away",
        ),
        (
            json!({ "type": "set_presence", "presence": "rona" }),
            "invalid_message",
        ),
        (
            json!({ "type": "set_presence", "presence": "rona", "reason_id": lunch }),
            "invalid_message",
        ),
    ] {
        agent.send(frame.clone()).await;
        let error = agent.expect("error").await;
        assert_eq!(error["error"], code, "{frame}");
    }
    assert!(
        agent.round_trip().await.is_empty(),
        "no presence frame: nothing changed"
    );
    let token = app.agent_token("agent").await;
    let mut tab = app.agent_socket(&token, "").await;
    let hello = tab.expect("agent_hello").await;
    assert_eq!(
        (&hello["presence"], &hello["away_reason"]),
        (&json!("available"), &json!(null))
    );
}

/// R69, R71: admins keep the list: labels are checked, unique among active reasons (ignoring
/// case), renamed, reordered, deactivated and reactivated; refused changes write nothing.
async fn reasons_are_managed_by_admins(app: TestApp) {
    let admin = app.admin_token().await;
    let lunch = create_reason(&app, &admin, "Lunch").await;
    let meeting = create_reason(&app, &admin, " Meeting ").await;

    let too_long = "x".repeat(61);
    let answers = refusals(
        &app,
        &admin,
        vec![
            (
                Method::POST,
                "/away-reasons".into(),
                Some(json!({ "label": "  " })),
            ),
            (
                Method::POST,
                "/away-reasons".into(),
                Some(json!({ "label": too_long })),
            ),
            (
                Method::POST,
                "/away-reasons".into(),
                Some(json!({ "label": "LUNCH" })),
            ),
            (
                Method::POST,
                "/away-reasons".into(),
                Some(json!({ "name": "x" })),
            ),
            (
                Method::PATCH,
                format!("/away-reasons/{meeting}"),
                Some(json!({ "label": "lunch" })),
            ),
            (
                Method::PATCH,
                "/away-reasons/999".into(),
                Some(json!({ "label": "Gone" })),
            ),
        ],
    )
    .await;
    let expected = [
        (422, "empty_label"),
        (422, "label_too_long"),
        (409, "label_taken"),
        (422, "invalid_body"),
        (409, "label_taken"),
        (404, "away_reason_not_found"),
    ];
    let expected: Vec<(u16, String)> = expected.iter().map(|(s, c)| (*s, c.to_string())).collect();
    assert_eq!(answers, expected);

    let list = |query: &'static str| {
        let token = admin.clone();
        let app = &app;
        async move {
            let (status, body) = rest(app, Method::GET, query, &token, None).await;
            assert_eq!(status, 200, "{body}");
            body["away_reasons"].clone()
        }
    };
    assert_eq!(labels(&list("/away-reasons").await), ["Lunch", "Meeting"]);

    // Reorder and rename.
    let (status, body) = rest(
        &app,
        Method::PATCH,
        &format!("/away-reasons/{meeting}"),
        &admin,
        Some(json!({ "sort_order": 0, "label": "Team meeting" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        labels(&list("/away-reasons").await),
        ["Team meeting", "Lunch"]
    );

    // A deactivated label may be used again; the old one cannot come back beside it.
    rest(
        &app,
        Method::PATCH,
        &format!("/away-reasons/{lunch}"),
        &admin,
        Some(json!({ "active": false })),
    )
    .await;
    let new_lunch = create_reason(&app, &admin, "lunch").await;
    assert_ne!(new_lunch, lunch);
    let (status, body) = rest(
        &app,
        Method::PATCH,
        &format!("/away-reasons/{lunch}"),
        &admin,
        Some(json!({ "active": true })),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("label_taken")));
    assert_eq!(
        labels(&list("/away-reasons").await),
        ["Team meeting", "lunch"]
    );
    assert_eq!(
        labels(&list("/away-reasons?include_inactive=true").await),
        ["Team meeting", "Lunch", "lunch"]
    );

    // Agents and supervisors read the list but may not change it (R69, R71).
    let (_, agent) = login_agent(&app, "agent").await;
    let supervisor = supervisor_token(&app).await;
    for token in [&agent, &supervisor] {
        let (status, body) = rest(&app, Method::GET, "/away-reasons", token, None).await;
        assert_eq!(status, 200);
        assert_eq!(labels(&body["away_reasons"]), ["Team meeting", "lunch"]);
        let answers = refusals(
            &app,
            token,
            vec![
                (
                    Method::POST,
                    "/away-reasons".into(),
                    Some(json!({ "label": "Nap" })),
                ),
                (
                    Method::PATCH,
                    format!("/away-reasons/{new_lunch}"),
                    Some(json!({ "active": false })),
                ),
            ],
        )
        .await;
        assert_eq!(answers, vec![(403, "forbidden".to_owned()); 2]);
    }
    let (status, _) = rest(&app, Method::GET, "/away-reasons", "no-such-token", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        labels(&list("/away-reasons").await),
        ["Team meeting", "lunch"]
    );
}

#[actix_web::test]
async fn away_reasons_are_managed_by_admins_on_sqlite_r69() {
    reasons_are_managed_by_admins(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn away_reasons_are_managed_by_admins_on_postgres_r69() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        reasons_are_managed_by_admins(app).await;
    }
}

/// R25, R73: an admin adds an Available agent to a queue with a waiting chat: the agent
/// is offered it at once. Members are listed in hunt order with their presence.
async fn an_added_member_is_offered_a_waiting_chat_at_once(app: TestApp) {
    let admin = app.admin_token().await;
    let (bob, _) = login_agent(&app, "bob").await;
    let (status, _) = rest(
        &app,
        Method::DELETE,
        &format!("/queues/1/members/{bob}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204);

    let (mut bob_socket, _) = app.available_agent("bob").await;
    // The demo agent is not connected: the chat waits (the queues' settle period after start).
    let chat = app.start_chat("Cy").await;
    assert!(bob_socket.round_trip().await.is_empty(), "bob is no member");

    let (status, body) = rest(
        &app,
        Method::PUT,
        &format!("/queues/1/members/{bob}"),
        &admin,
        Some(json!({ "hunt_order": 1 })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body,
        json!({ "queue_id": 1, "user_id": bob, "hunt_order": 1 })
    );
    assert_eq!(bob_socket.expect("offer").await["chat_id"], chat.chat_id);

    // Same hunt order as the demo agent: the one added first goes first (R17).
    let (status, body) = rest(&app, Method::GET, "/queues/1/members", &admin, None).await;
    assert_eq!(status, 200, "{body}");
    let members: Vec<(String, i64, String)> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap().to_owned(),
                m["hunt_order"].as_i64().unwrap(),
                m["presence"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("agent".to_owned(), 1, "offline".to_owned()),
            ("bob".to_owned(), 1, "available".to_owned()),
        ]
    );

    // A new hunt order for an existing member is a change, not an addition.
    let (status, _) = rest(
        &app,
        Method::PUT,
        &format!("/queues/1/members/{bob}"),
        &admin,
        Some(json!({ "hunt_order": 7 })),
    )
    .await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn an_added_member_is_offered_a_waiting_chat_at_once_on_sqlite_r73() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    an_added_member_is_offered_a_waiting_chat_at_once(app).await;
}

#[actix_web::test]
async fn an_added_member_is_offered_a_waiting_chat_at_once_on_postgres_r73() {
    if let Some(app) = TestApp::builder(Backend::Postgres)
        .agent("bob", 2, 3)
        .spawn()
        .await
    {
        an_added_member_is_offered_a_waiting_chat_at_once(app).await;
    }
}

/// R25, R73: removing a member withdraws its open offer (no RONA) and the chat goes to the
/// next member; the removed agent is offered nothing more from that queue.
#[actix_web::test]
async fn a_removed_members_open_offer_is_withdrawn_r25_r73() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    let admin = app.admin_token().await;
    let (agent_id, _) = login_agent(&app, "agent").await;
    let (mut agent, _) = app.available_agent("agent").await;
    let (mut bob, _) = app.available_agent("bob").await;
    let chat = app.start_chat("Di").await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);

    let (status, _) = rest(
        &app,
        Method::DELETE,
        &format!("/queues/1/members/{agent_id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let withdrawn = agent.expect("offer_withdrawn").await;
    assert_eq!(withdrawn["reason"], "removed_from_queue");
    assert_eq!(bob.expect("offer").await["chat_id"], chat.chat_id);

    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    assert_eq!(agent.expect("error").await["error"], "offer_not_found");
    let next = app.start_chat("Ed").await;
    bob.send(json!({ "type": "reject_offer", "chat_id": chat.chat_id }))
        .await;
    bob.expect("offer_withdrawn").await;
    assert_eq!(bob.expect("offer").await["chat_id"], next.chat_id);
    assert!(
        agent.round_trip().await.is_empty(),
        "no RONA and no offer for a former member"
    );
}

/// R26, R70: raising an agent's capacity lets its queue offer it a waiting chat at once.
#[actix_web::test]
async fn raising_capacity_drains_the_queue_r26() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("carol", 1, 1)
        .spawn()
        .await
        .unwrap();
    let admin = app.admin_token().await;
    let (carol_id, _) = login_agent(&app, "carol").await;
    let (mut carol, hello) = app.available_agent("carol").await;
    assert_eq!(hello["capacity"], 1);
    let first = app.start_chat("Flo").await;
    assert_eq!(carol.expect("offer").await["chat_id"], first.chat_id);
    accept(&mut carol, first.chat_id).await;
    let second = app.start_chat("Gil").await;
    assert!(carol.round_trip().await.is_empty(), "at capacity (R26)");

    let (status, body) = rest(
        &app,
        Method::PUT,
        &format!("/agents/{carol_id}/capacity"),
        &admin,
        Some(json!({ "capacity": 2 })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "user_id": carol_id, "capacity": 2 }));
    assert_eq!(carol.expect("capacity").await["capacity"], 2);
    assert_eq!(carol.expect("offer").await["chat_id"], second.chat_id);
    let (_, me) = rest(
        &app,
        Method::GET,
        "/auth/me",
        &app.agent_token("carol").await,
        None,
    )
    .await;
    assert_eq!(me["capacity"], 2);
}

/// Unknown queues and users, users who do not take chats, bad hunt orders and capacities get
/// clear codes and change nothing; agents may not call these endpoints at all.
#[actix_web::test]
async fn bad_membership_and_capacity_changes_are_refused_and_write_nothing_r71() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("bob", 2, 3)
        .spawn()
        .await
        .unwrap();
    let admin = app.admin_token().await;
    let (bob, bob_token) = login_agent(&app, "bob").await;
    let admin_id = admin_user(&app).0;
    let members = |token: String| {
        let app = &app;
        async move { rest(app, Method::GET, "/queues/1/members", &token, None).await }
    };
    let (_, before) = members(admin.clone()).await;

    let member = |queue: i64, user: i64| format!("/queues/{queue}/members/{user}");
    let order = |n: Value| Some(json!({ "hunt_order": n }));
    let capacity = |n: Value| Some(json!({ "capacity": n }));
    let answers = refusals(
        &app,
        &admin,
        vec![
            (Method::PUT, member(99, bob), order(json!(1))),
            (Method::PUT, member(1, 999), order(json!(1))),
            (Method::PUT, member(1, admin_id), order(json!(1))),
            (Method::PUT, member(1, bob), order(json!(0))),
            (Method::PUT, member(1, bob), order(json!(1001))),
            (Method::PUT, member(1, bob), order(json!(-3))),
            (Method::PUT, member(1, bob), order(json!("first"))),
            (Method::DELETE, member(1, admin_id), None),
            (Method::DELETE, member(99, bob), None),
            (Method::GET, "/queues/99/members".into(), None),
            (
                Method::PUT,
                format!("/agents/{bob}/capacity"),
                capacity(json!(0)),
            ),
            (
                Method::PUT,
                format!("/agents/{bob}/capacity"),
                capacity(json!(21)),
            ),
            (
                Method::PUT,
                format!("/agents/{bob}/capacity"),
                capacity(json!(5_000_000_000_i64)),
            ),
            (
                Method::PUT,
                "/agents/999/capacity".into(),
                capacity(json!(2)),
            ),
            (
                Method::PUT,
                format!("/agents/{admin_id}/capacity"),
                capacity(json!(2)),
            ),
        ],
    )
    .await;
    let expected = [
        (404, "queue_not_found"),
        (404, "user_not_found"),
        (422, "not_an_agent"),
        (422, "invalid_hunt_order"),
        (422, "invalid_hunt_order"),
        (422, "invalid_hunt_order"),
        (422, "invalid_body"),
        (404, "member_not_found"),
        (404, "queue_not_found"),
        (404, "queue_not_found"),
        (422, "invalid_capacity"),
        (422, "invalid_capacity"),
        (422, "invalid_capacity"),
        (404, "user_not_found"),
        (422, "not_an_agent"),
    ];
    let expected: Vec<(u16, String)> = expected.iter().map(|(s, c)| (*s, c.to_string())).collect();
    assert_eq!(answers, expected);

    // An agent may call none of them (R71).
    let answers = refusals(
        &app,
        &bob_token,
        vec![
            (Method::GET, "/queues/1/members".into(), None),
            (Method::PUT, member(1, bob), order(json!(1))),
            (Method::DELETE, member(1, bob), None),
            (
                Method::PUT,
                format!("/agents/{bob}/capacity"),
                capacity(json!(20)),
            ),
        ],
    )
    .await;
    assert_eq!(answers, vec![(403, "forbidden".to_owned()); 4]);

    let (_, after) = members(admin).await;
    assert_eq!(after, before, "nothing was written");
    let (_, me) = rest(&app, Method::GET, "/auth/me", &bob_token, None).await;
    assert_eq!(me["capacity"], 3);
}
