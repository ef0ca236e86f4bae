//! The widget's mode pushed live (issue 4: R5, R58, R59, R75, A17): the website socket a widget
//! keeps open before any chat, and the same `website_mode` frames on a visitor's chat socket.
//! Every change is read as the next frame, so a frame sent twice or out of order fails a test.

mod common;

use common::{closed_now, Backend, TestApp, WsClient, ORIGIN};
use futures_util::future::join_all;
use parley::actors::working_hours::WatchWorkingHours;
use parley::clock::now_ms;
use parley::domain::availability::NoAgentMode;
use parley::domain::schedule::Timetable;
use parley::domain::website::WebsiteKey;
use parley::store;
use serde_json::{json, Value};

fn pair(mode: &str, reason: &str) -> (String, String) {
    (mode.to_owned(), reason.to_owned())
}

fn demo() -> WebsiteKey {
    WebsiteKey::parse("demo").unwrap()
}

async fn mode_socket(app: &TestApp) -> WsClient {
    app.website_socket(Some(ORIGIN))
        .await
        .expect("the website socket opens")
}

/// What `GET /websites/demo/config` says now.
async fn config_mode(app: &TestApp) -> (String, String) {
    let (status, config) = app
        .call("GET", "/api/v1/websites/demo/config", None, None)
        .await;
    assert_eq!(status, 200, "{config}");
    (
        config["mode"].as_str().unwrap().to_owned(),
        config["mode_reason"].as_str().unwrap().to_owned(),
    )
}

async fn set_presence(agent: &mut WsClient, presence: &str) {
    agent
        .send(json!({ "type": "set_presence", "presence": presence }))
        .await;
    assert_eq!(agent.expect("presence").await["presence"], presence);
}

async fn end_chat(app: &TestApp, chat: &common::VisitorChat) {
    let path = format!("/api/v1/chats/{}/end", chat.chat_id);
    let (status, body) = app.call("POST", &path, Some(&chat.token), None).await;
    assert_eq!(status, 204, "{body}");
}

/// R5, R26, R30, R31: the only agent going Available, at capacity, Away and back reaches the
/// website socket as it happens, one frame per change.
async fn the_mode_follows_the_only_agent(app: TestApp, nobody: (String, String)) {
    let mut widget = mode_socket(&app).await;
    assert_eq!(widget.next_mode().await, nobody);

    let (mut solo, _) = app.available_agent("solo").await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
    assert_eq!(config_mode(&app).await, pair("online", "agent_available"));

    // Holding an offer is not being at capacity; holding the one chat it can take is.
    let chat = app.start_chat("Ann").await;
    assert_eq!(solo.expect("offer").await["chat_id"], chat.chat_id);
    solo.send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    solo.expect("chat_assigned").await;
    assert_eq!(widget.next_mode().await, pair("busy", "all_agents_busy"));
    end_chat(&app, &chat).await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
    // The agent's socket replays the chat up to its end.
    solo.until(|frames| frames.last().is_some_and(|f| f["kind"] == "chat_ended"))
        .await;

    // Choosing Available again changes nothing, so nothing is sent: the next frame is Away's.
    set_presence(&mut solo, "available").await;
    set_presence(&mut solo, "away").await;
    assert_eq!(widget.next_mode().await, nobody);
    set_presence(&mut solo, "available").await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
    assert!(widget.round_trip().await.is_empty());
    assert!(widget.modes.is_empty(), "{:?}", widget.modes);
}

#[actix_web::test]
async fn the_mode_follows_the_only_agent_busy_when_nobody_is_available() {
    let app = TestApp::builder(Backend::Sqlite)
        .agent("solo", 2, 1)
        .spawn()
        .await
        .unwrap();
    the_mode_follows_the_only_agent(app, pair("busy", "no_agent_available")).await;
}

#[actix_web::test]
async fn the_mode_follows_the_only_agent_offline_when_nobody_is_available_on_postgres() {
    let app = TestApp::builder(Backend::Postgres)
        .agent("solo", 2, 1)
        .before_start(|db| {
            db.run_now(|conn| {
                store::websites::set_no_agent_mode(conn, &demo(), NoAgentMode::Offline)
            })
            .unwrap()
        })
        .spawn()
        .await;
    if let Some(app) = app {
        the_mode_follows_the_only_agent(app, pair("offline", "no_agent_available")).await;
    }
}

/// R59, R75: with a cap of one session, the first chat makes the widget offline
/// (`website_full`), a second start is refused and writes nothing, and the end of the first
/// chat makes it online again. The visitor's chat socket hears the same.
async fn the_session_cap_switches_the_mode(app: TestApp) {
    let (_agent, _) = app.available_agent("agent").await;
    let mut widget = mode_socket(&app).await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));

    let first = app.start_chat("Ann").await;
    assert_eq!(widget.next_mode().await, pair("offline", "website_full"));
    assert_eq!(config_mode(&app).await, pair("offline", "website_full"));
    let mut visitor = app.visitor_socket(&first, 0).await;
    visitor.expect("visitor_hello").await;
    assert_eq!(visitor.next_mode().await, pair("offline", "website_full"));

    let (status, body) = app.try_start_chat(json!({ "name": "Bea" })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("website_full"))
    );
    assert_eq!(app.open_chats().await, 1, "the refused start wrote nothing");

    end_chat(&app, &first).await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
    let (status, body) = app.try_start_chat(json!({ "name": "Cid" })).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(widget.next_mode().await, pair("offline", "website_full"));
}

fn with_one_session(db: &store::Db) {
    db.run_now(|conn| store::websites::set_session_cap(conn, &demo(), 1))
        .unwrap()
}

#[actix_web::test]
async fn the_session_cap_switches_the_mode_on_sqlite() {
    let app = TestApp::builder(Backend::Sqlite)
        .before_start(with_one_session)
        .spawn()
        .await
        .unwrap();
    the_session_cap_switches_the_mode(app).await;
}

#[actix_web::test]
async fn the_session_cap_switches_the_mode_on_postgres() {
    let app = TestApp::builder(Backend::Postgres)
        .before_start(with_one_session)
        .spawn()
        .await;
    if let Some(app) = app {
        the_session_cap_switches_the_mode(app).await;
    }
}

/// R59: starts that arrive together never take more sessions than the cap.
#[actix_web::test]
async fn concurrent_starts_never_exceed_the_cap() {
    let app = TestApp::builder(Backend::Sqlite)
        .before_start(|db| {
            db.run_now(|conn| store::websites::set_session_cap(conn, &demo(), 2))
                .unwrap()
        })
        .spawn()
        .await
        .unwrap();
    let mut widget = mode_socket(&app).await;
    assert_eq!(widget.next_mode().await, pair("busy", "no_agent_available"));

    let starts = (0..8).map(|i| app.try_start_chat(json!({ "name": format!("V{i}") })));
    let answers = join_all(starts).await;
    let started: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(started.len(), 2, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(
            (*status, body["error"].as_str()),
            (409, Some("website_full"))
        );
    }
    assert_eq!(app.open_chats().await, 2);
    assert_eq!(widget.next_mode().await, pair("offline", "website_full"));
    assert!(widget.round_trip().await.is_empty());
    assert!(
        widget.modes.is_empty(),
        "one frame for the change: {:?}",
        widget.modes
    );
}

/// R59: a start the store refuses (here an unknown invitation code, checked inside the
/// insert's transaction) gives its session back at once and shows the widgets nothing.
#[actix_web::test]
async fn a_refused_start_gives_its_session_back() {
    let app = TestApp::builder(Backend::Sqlite)
        .before_start(with_one_session)
        .spawn()
        .await
        .unwrap();
    let mut widget = mode_socket(&app).await;
    assert_eq!(widget.next_mode().await, pair("busy", "no_agent_available"));

    let (status, body) = app
        .try_start_chat(json!({ "name": "Kim", "invitation_code": "000000" }))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("invitation_unknown"))
    );
    assert!(widget.round_trip().await.is_empty());
    assert!(widget.modes.is_empty(), "{:?}", widget.modes);

    let (status, body) = app.try_start_chat(json!({ "name": "Lou" })).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(widget.next_mode().await, pair("offline", "website_full"));
    assert_eq!(app.open_chats().await, 1);
}

/// A timetable with boundaries at chosen instants, milliseconds apart: the supervisor reacts
/// to it as to a website's schedule, whose boundaries are whole minutes.
#[derive(Debug)]
struct Flips {
    open_at_first: bool,
    changes_at: Vec<i64>,
}

impl Timetable for Flips {
    fn is_open_at(&self, at_ms: i64) -> bool {
        let passed = self.changes_at.iter().filter(|&&at| at <= at_ms).count();
        self.open_at_first != (passed % 2 == 1)
    }

    fn next_change_after(&self, at_ms: i64) -> Option<i64> {
        self.changes_at.iter().copied().find(|&at| at > at_ms)
    }
}

async fn watch_hours(app: &TestApp, hours: Flips) {
    let website = app.engine.website(&demo()).unwrap();
    app.engine
        .working_hours()
        .send(WatchWorkingHours {
            website_key: demo(),
            hours: Box::new(hours),
            website: website.recipient(),
        })
        .await
        .unwrap();
}

/// R58, A17: the working-hours supervisor flips the website at its boundary with its own timer
/// (no request, no polling), and the website socket hears it at once.
#[actix_web::test]
async fn a_working_hours_boundary_flips_the_mode() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (_agent, _) = app.available_agent("agent").await;
    let mut widget = mode_socket(&app).await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));

    // Closed from now on, with no boundary ahead.
    let closed = Flips {
        open_at_first: false,
        changes_at: Vec::new(),
    };
    watch_hours(&app, closed).await;
    let outside = pair("offline", "outside_working_hours");
    assert_eq!(widget.next_mode().await, outside);
    assert_eq!(config_mode(&app).await, outside);
    let (status, body) = app.try_start_chat(json!({ "name": "Ann" })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("website_offline"))
    );
    assert_eq!(app.open_chats().await, 0);

    // Still closed, opening a moment from now: the timer opens it.
    let opening = Flips {
        open_at_first: false,
        changes_at: vec![now_ms() + 150],
    };
    watch_hours(&app, opening).await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
    assert_eq!(app.try_start_chat(json!({ "name": "Bea" })).await.0, 201);

    // Open, closing a moment from now, then opening again: two boundaries, two frames.
    let now = now_ms();
    let closing = Flips {
        open_at_first: true,
        changes_at: vec![now + 150, now + 300],
    };
    watch_hours(&app, closing).await;
    assert_eq!(widget.next_mode().await, outside);
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
}

/// R29: a queue closing and opening (its hours set over REST) reaches the website socket.
#[actix_web::test]
async fn queue_opening_hours_reach_the_website_socket() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (_agent, _) = app.available_agent("agent").await;
    let mut widget = mode_socket(&app).await;
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
    let admin = app.admin_token().await;
    let path = "/api/v1/queues/1/opening-hours";

    let (status, _) = app
        .call("PUT", path, Some(&admin), Some(closed_now()))
        .await;
    assert_eq!(status, 200);
    assert_eq!(widget.next_mode().await, pair("offline", "queue_closed"));
    let always = json!({ "always_open": true });
    let (status, _) = app.call("PUT", path, Some(&admin), Some(always)).await;
    assert_eq!(status, 200);
    assert_eq!(widget.next_mode().await, pair("online", "agent_available"));
}

/// R2: the website socket takes no foreign origin and no unknown website; it answers only
/// `ping`, and other commands get an error while it stays open.
#[actix_web::test]
async fn the_website_socket_checks_the_origin_and_takes_only_ping() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let refused = app.website_socket(Some("http://evil.example")).await;
    assert_eq!(refused.err().as_deref(), Some("refused with HTTP 403"));
    let unknown = app.website_socket_of("nope", Some(ORIGIN)).await;
    assert_eq!(unknown.err().as_deref(), Some("refused with HTTP 404"));
    let (status, body) = app
        .call("GET", "/api/v1/websites/demo/ws", None, None)
        .await;
    assert_eq!(status, 400, "not an upgrade: {body}");

    // Without an Origin (not a browser) it opens, as the config endpoint answers.
    let mut widget = app.website_socket(None).await.expect("opens");
    assert_eq!(widget.next_mode().await, pair("busy", "no_agent_available"));
    widget
        .send(json!({ "type": "send_message", "text": "hello" }))
        .await;
    let error = widget.expect("error").await;
    assert_eq!(error["error"], "unknown_message_type");
    widget.send(json!({ "type": "ping" })).await;
    widget.expect("pong").await;
}
