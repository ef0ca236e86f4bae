//! The widget's mode and opening hours over real HTTP and WebSockets (issue 3: R5, R29, R30,
//! R31, R58).

mod common;

use common::{a_day_far_from_today, closed_now, Backend, TestApp, ORIGIN};
use parley::clock::now_ms;
use parley::domain::availability::NoAgentMode;
use parley::domain::schedule::{Schedule, ScheduleForm};
use parley::domain::website::WebsiteKey;
use parley::store;
use serde_json::{json, Value};

async fn config(app: &TestApp) -> Value {
    let mut response = TestApp::client()
        .get(format!("{}/api/v1/websites/demo/config", app.base))
        .insert_header(("Origin", ORIGIN))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json::<Value>().await.unwrap()
}

/// The widget's mode and its reason.
async fn mode(app: &TestApp) -> (String, String) {
    let config = config(app).await;
    (
        config["mode"].as_str().unwrap().to_owned(),
        config["mode_reason"].as_str().unwrap().to_owned(),
    )
}

fn pair(mode: &str, reason: &str) -> (String, String) {
    (mode.to_owned(), reason.to_owned())
}

/// A start-chat request as the widget sends it: the status and the body.
async fn try_start_chat(app: &TestApp, name: &str) -> (u16, Value) {
    let mut response = TestApp::client()
        .post(format!("{}/api/v1/websites/demo/chats", app.base))
        .insert_header(("Origin", ORIGIN))
        .send_json(&json!({ "name": name }))
        .await
        .unwrap();
    let body = response.json::<Value>().await.unwrap();
    (response.status().as_u16(), body)
}

/// R5: a start request while the widget is offline is refused, and the store still holds
/// `open_chats` chats: nothing was written.
async fn assert_start_refused_offline(app: &TestApp, open_chats_before: i64) {
    let (status, body) = try_start_chat(app, "Refused").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "website_offline");
    assert_eq!(
        app.open_chats().await,
        open_chats_before,
        "nothing is written"
    );
}

async fn supervisor_token(app: &TestApp) -> String {
    let (status, body) = app.login("supervisor", "supervisor-password").await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

/// `GET /queues/{queue}/opening-hours` with a session token.
async fn get_opening_hours(app: &TestApp, token: &str, queue: i64) -> (u16, Value) {
    let mut response = TestApp::client()
        .get(format!("{}/api/v1/queues/{queue}/opening-hours", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let body = response.json::<Value>().await.unwrap();
    (response.status().as_u16(), body)
}

/// `PUT /queues/{queue}/opening-hours` with a session token (or none).
async fn put_opening_hours(
    app: &TestApp,
    token: Option<&str>,
    queue: i64,
    body: &Value,
) -> (u16, Value) {
    let mut request =
        TestApp::client().put(format!("{}/api/v1/queues/{queue}/opening-hours", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let mut response = request.send_json(body).await.unwrap();
    let body = response.json::<Value>().await.unwrap();
    (response.status().as_u16(), body)
}

fn set_no_agent_mode(mode: NoAgentMode) -> impl FnOnce(&store::Db) {
    move |db| {
        db.run_now(|conn| {
            store::websites::set_no_agent_mode(conn, &WebsiteKey::parse("demo").unwrap(), mode)
        })
        .unwrap()
    }
}

/// R30, R31: with nobody Available the widget is busy (the default `no_agent_mode`); an
/// Available, connected agent with room makes it online.
#[actix_web::test]
async fn the_widget_is_online_with_an_available_agent_and_busy_without() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    assert_eq!(mode(&app).await, pair("busy", "no_agent_available"));
    let (mut agent, _) = app.available_agent("agent").await;
    assert_eq!(mode(&app).await, pair("online", "agent_available"));
    // R31: Away again, nobody is Available.
    agent
        .send(json!({ "type": "set_presence", "presence": "away" }))
        .await;
    agent.expect("presence").await;
    assert_eq!(mode(&app).await, pair("busy", "no_agent_available"));
    // In busy mode a chat may start; it waits.
    let (status, body) = try_start_chat(&app, "Ann").await;
    assert_eq!(status, 201, "{body}");
}

/// R31: a website set to `offline` when nobody is Available refuses new chats and writes
/// nothing; once an agent is Available it is online again.
#[actix_web::test]
async fn with_no_agent_mode_offline_nobody_available_means_offline() {
    let app = TestApp::builder(Backend::Sqlite)
        .before_start(set_no_agent_mode(NoAgentMode::Offline))
        .spawn()
        .await
        .unwrap();
    // Signed in but Away (A11).
    let token = app.agent_token("agent").await;
    let mut agent = app.agent_socket(&token, "").await;
    assert_eq!(agent.expect("agent_hello").await["presence"], "away");
    assert_eq!(mode(&app).await, pair("offline", "no_agent_available"));

    assert_start_refused_offline(&app, 0).await;

    agent
        .send(json!({ "type": "set_presence", "presence": "available" }))
        .await;
    agent.expect("presence").await;
    assert_eq!(mode(&app).await, pair("online", "agent_available"));
    let chat = app.start_chat("Ann").await;
    assert_eq!(agent.expect("offer").await["chat_id"], chat.chat_id);
}

/// R26, R30: an agent at capacity makes the widget busy, not offline; a chat still starts and
/// waits. An offer the agent holds does not count as busy.
#[actix_web::test]
async fn agents_at_capacity_make_the_widget_busy() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("solo", 2, 1)
        .before_start(set_no_agent_mode(NoAgentMode::Offline))
        .spawn()
        .await
        .unwrap();
    let (mut solo, _) = app.available_agent("solo").await;
    let first = app.start_chat("Ann").await;
    assert_eq!(solo.expect("offer").await["chat_id"], first.chat_id);
    assert_eq!(
        mode(&app).await,
        pair("online", "agent_available"),
        "holding an offer is not being at capacity"
    );
    solo.send(json!({ "type": "accept_offer", "chat_id": first.chat_id }))
        .await;
    solo.expect("chat_assigned").await;
    assert_eq!(mode(&app).await, pair("busy", "all_agents_busy"));

    let (status, body) = try_start_chat(&app, "Bea").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(app.open_chats().await, 2);
}

/// R29: a closed queue makes the widget offline and refuses new chats, even with an agent
/// Available; a chat already waiting when it closes finishes its hunt; opening it again makes
/// the widget online.
async fn a_closed_queue_takes_no_new_chats(app: TestApp) {
    let (mut agent, _) = app.available_agent("agent").await;
    let waiting = app.start_chat("Ann").await;
    assert_eq!(agent.expect("offer").await["chat_id"], waiting.chat_id);

    let admin = app.admin_token().await;
    let (status, body) = put_opening_hours(&app, Some(&admin), 1, &closed_now()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["queue_id"], 1);
    assert_eq!(body["open_now"], false);
    assert_eq!(body["opening_hours"], closed_now());
    assert!(body["next_change_at_ms"].as_i64().unwrap() > now_ms());
    assert_eq!(mode(&app).await, pair("offline", "queue_closed"));

    // Only the chat that was waiting is stored.
    assert_start_refused_offline(&app, 1).await;

    // The chat that was waiting is still offered, and can be taken.
    agent
        .send(json!({ "type": "accept_offer", "chat_id": waiting.chat_id }))
        .await;
    assert_eq!(
        agent.expect("chat_assigned").await["chat_id"],
        waiting.chat_id
    );

    let (status, body) =
        put_opening_hours(&app, Some(&admin), 1, &json!({"always_open": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["open_now"], true);
    assert_eq!(body["next_change_at_ms"], Value::Null);
    assert_eq!(mode(&app).await, pair("online", "agent_available"));
    let chat = app.start_chat("Cid").await;
    // The accepted chat's history comes first; the offer follows.
    let offers = agent.collect("offer", 1).await;
    assert_eq!(offers[0]["chat_id"], chat.chat_id);
}

#[actix_web::test]
async fn a_closed_queue_takes_no_new_chats_on_sqlite() {
    a_closed_queue_takes_no_new_chats(TestApp::spawn(Backend::Sqlite).await.unwrap()).await;
}

#[actix_web::test]
async fn a_closed_queue_takes_no_new_chats_on_postgres() {
    if let Some(app) = TestApp::spawn(Backend::Postgres).await {
        a_closed_queue_takes_no_new_chats(app).await;
    }
}

/// R29: opening hours are stored normalised and read back the same, by the endpoint and the
/// store (which a restarted engine reads).
#[actix_web::test]
async fn opening_hours_are_read_back_as_stored() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = app.admin_token().await;
    let hours = json!({
        "time_zone": "america/new_york",
        "ranges": [{"days": ["Monday", "fri"], "start": "22:00", "end": "02:00"}]
    });
    let (status, _) = put_opening_hours(&app, Some(&admin), 1, &hours).await;
    assert_eq!(status, 200);
    let (status, body) = get_opening_hours(&app, &admin, 1).await;
    assert_eq!(status, 200);
    let normalised = json!({
        "time_zone": "America/New_York",
        "ranges": [{"days": ["mon", "fri"], "start": "22:00", "end": "02:00"}]
    });
    assert_eq!(body["opening_hours"], normalised);
    let row = app
        .engine
        .db()
        .run(|conn| store::queues::by_id(conn, parley::domain::ids::QueueId(1)))
        .await
        .unwrap()
        .unwrap();
    let form: ScheduleForm = serde_json::from_value(normalised).unwrap();
    assert_eq!(
        row.opening_hours().unwrap(),
        Schedule::parse(&form).unwrap()
    );
}

/// R29, R71: only admins set opening hours (supervisors read them); bad schedules get stable codes
/// and change nothing.
#[actix_web::test]
async fn the_opening_hours_endpoint_authorizes_and_validates() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (_agent, _) = app.available_agent("agent").await;
    let agent_token = app.agent_token("agent").await;

    let (status, body) = put_opening_hours(&app, None, 1, &closed_now()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, body) = put_opening_hours(&app, Some(&agent_token), 1, &closed_now()).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    assert_eq!(get_opening_hours(&app, &agent_token, 1).await.0, 403);
    let supervisor = supervisor_token(&app).await;
    let (status, body) = put_opening_hours(&app, Some(&supervisor), 1, &closed_now()).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    assert_eq!(get_opening_hours(&app, &supervisor, 1).await.0, 200);

    let admin = app.admin_token().await;
    let day = a_day_far_from_today();
    for (body, code) in [
        (
            json!({"time_zone": "Mars/Olympus", "ranges": [{"days": [day], "start": "09:00", "end": "17:00"}]}),
            "unknown_time_zone",
        ),
        (
            json!({"time_zone": "UTC", "ranges": [{"days": [day], "start": "9:00", "end": "17:00"}]}),
            "invalid_time",
        ),
        (
            json!({"time_zone": "UTC", "ranges": [{"days": ["someday"], "start": "09:00", "end": "17:00"}]}),
            "invalid_weekday",
        ),
        (
            json!({"time_zone": "UTC", "ranges": [
                {"days": [day], "start": "09:00", "end": "12:00"},
                {"days": [day], "start": "11:00", "end": "17:00"}
            ]}),
            "overlapping_time_ranges",
        ),
        (json!({"time_zone": "UTC", "ranges": []}), "no_time_ranges"),
        (json!({"always_open": true, "hours": "9-5"}), "invalid_body"),
        (json!(["09:00"]), "invalid_body"),
    ] {
        let (status, answer) = put_opening_hours(&app, Some(&admin), 1, &body).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert_eq!(answer["error"], code, "{body}");
    }
    let (status, body) = put_opening_hours(&app, Some(&admin), 99, &closed_now()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("queue_not_found"))
    );
    // Nothing above changed the hours.
    assert_eq!(mode(&app).await, pair("online", "agent_available"));
}

/// R5, R58: outside the website's working intervals the widget is offline and no chat starts.
#[actix_web::test]
async fn outside_the_websites_working_hours_the_widget_is_offline() {
    let app = TestApp::builder(Backend::Sqlite)
        .before_start(|db| {
            let form: ScheduleForm = serde_json::from_value(closed_now()).unwrap();
            let hours = Schedule::parse(&form).unwrap();
            db.run_now(|conn| {
                store::websites::set_working_hours(
                    conn,
                    &WebsiteKey::parse("demo").unwrap(),
                    &hours,
                )
            })
            .unwrap()
        })
        .spawn()
        .await
        .unwrap();
    let (_agent, _) = app.available_agent("agent").await;
    assert_eq!(mode(&app).await, pair("offline", "outside_working_hours"));
    assert_start_refused_offline(&app, 0).await;
}
