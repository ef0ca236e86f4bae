//! The supervisors' live monitor socket (issue 9, R71), on SQLite and PostgreSQL with real
//! sockets: the snapshot on connect, then changes as chats arrive, agents change presence and
//! chats are accepted; agents are refused; a burst between two looks arrives coalesced.

mod common;

use std::collections::BTreeMap;

use common::{Backend, TestApp, WsClient};
use serde_json::{json, Value};

/// What a supervisor's page would show: the rows of the last snapshot with every change
/// applied since, keyed by id.
#[derive(Default)]
struct Board {
    queues: BTreeMap<i64, Value>,
    agents: BTreeMap<i64, Value>,
    chats: BTreeMap<i64, Value>,
    /// `monitor_changes` frames applied.
    changes: usize,
}

impl Board {
    fn apply(&mut self, frame: &Value) {
        let lists = [
            ("queues", "queue_id", "removed_queues"),
            ("agents", "agent_id", "removed_agents"),
            ("chats", "chat_id", "removed_chats"),
        ];
        match frame["type"].as_str() {
            Some("monitor_snapshot") => {
                self.queues.clear();
                self.agents.clear();
                self.chats.clear();
            }
            Some("monitor_changes") => self.changes += 1,
            _ => return,
        }
        for (list, key, removed) in lists {
            let rows = match list {
                "queues" => &mut self.queues,
                "agents" => &mut self.agents,
                _ => &mut self.chats,
            };
            for id in frame[removed].as_array().into_iter().flatten() {
                rows.remove(&id.as_i64().expect("id"));
            }
            for row in frame[list].as_array().expect("rows") {
                rows.insert(row[key].as_i64().expect("key"), row.clone());
            }
        }
    }

    fn agent_named(&self, name: &str) -> &Value {
        self.agents
            .values()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("agent {name} on the board"))
    }
}

/// Reads the monitor's frames into `board` until `done` holds.
async fn watch_until(socket: &mut WsClient, board: &mut Board, done: impl Fn(&Board) -> bool) {
    while !done(board) {
        let frame = socket.next().await.expect("monitor socket open");
        board.apply(&frame);
    }
}

async fn monitor_socket(app: &TestApp, token: &str) -> Result<WsClient, String> {
    WsClient::connect(
        TestApp::client()
            .ws(format!("{}/api/v1/monitor/ws", app.ws_base))
            .bearer_auth(token),
    )
    .await
}

async fn quick_app(backend: Backend) -> Option<TestApp> {
    TestApp::builder(backend)
        .settings(|s| s.monitor.interval_ms = 20)
        .spawn()
        .await
}

/// R71: agents (and anonymous callers) cannot open the monitor; supervisors and admins can.
async fn only_supervisors_and_admins_watch(backend: Backend) {
    let Some(app) = quick_app(backend).await else {
        return;
    };
    let agent = app.agent_token("agent").await;
    let refused = monitor_socket(&app, &agent).await.err();
    assert_eq!(refused.as_deref(), Some("refused with HTTP 403"));
    let anonymous =
        WsClient::connect(TestApp::client().ws(format!("{}/api/v1/monitor/ws", app.ws_base)))
            .await
            .err();
    assert_eq!(anonymous.as_deref(), Some("refused with HTTP 401"));
    app.add_user("boss", "admin");
    let admin = app.agent_token("boss").await;
    let mut socket = monitor_socket(&app, &admin).await.expect("admin watches");
    assert_eq!(
        socket.next_of("monitor_snapshot").await["type"],
        "monitor_snapshot"
    );
    // The socket answers pings, and takes nothing else.
    assert!(socket
        .round_trip()
        .await
        .iter()
        .all(|f| f["type"] != "error"));
    socket
        .send(json!({ "type": "accept_offer", "chat_id": 1 }))
        .await;
    assert_eq!(
        socket.next_of("error").await["error"],
        "unknown_message_type"
    );
}

/// R71, R73: a monitor socket closes when its login session ends: at its logout
/// (`logged_out`), and when an admin deactivates its user (`account_deactivated`).
async fn a_monitor_closes_when_its_session_ends(backend: Backend) {
    let Some(app) = quick_app(backend).await else {
        return;
    };
    let supervisor = app.supervisor_token().await;
    let mut socket = monitor_socket(&app, &supervisor).await.expect("watches");
    socket.next_of("monitor_snapshot").await;
    let (status, _) = app
        .call("POST", "/api/v1/auth/logout", Some(&supervisor), None)
        .await;
    assert_eq!(status, 204);
    let reason = socket.expect_close().await.expect("a close reason");
    assert_eq!(reason.description.as_deref(), Some("logged_out"));

    let watcher = app.add_user("watcher", "supervisor");
    let token = app.agent_token("watcher").await;
    let mut socket = monitor_socket(&app, &token).await.expect("watches");
    socket.next_of("monitor_snapshot").await;
    let admin = app.admin_token().await;
    let (status, body) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{}", watcher.0),
            Some(&admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let reason = socket.expect_close().await.expect("a close reason");
    assert_eq!(reason.description.as_deref(), Some("account_deactivated"));
}

/// The snapshot lists the demo queue, its agent (offline until it opens its dashboard) and
/// no chat; then a waiting chat, the agent's presence and the accepted chat appear live.
async fn the_board_follows_chats_and_agents(backend: Backend) {
    let Some(app) = quick_app(backend).await else {
        return;
    };
    let token = app.supervisor_token().await;
    let mut socket = monitor_socket(&app, &token).await.expect("monitor socket");
    let snapshot = socket.next_of("monitor_snapshot").await;
    let mut board = Board::default();
    board.apply(&snapshot);
    assert!(snapshot["at_ms"].as_i64().is_some());
    assert_eq!(board.queues.len(), 1, "{snapshot}");
    let queue = board.queues.values().next().expect("queue").clone();
    let queue_id = queue["queue_id"].as_i64().expect("queue id");
    assert_eq!(
        (
            &queue["waiting"],
            &queue["longest_wait_since_ms"],
            &queue["open"]
        ),
        (&json!(0), &Value::Null, &json!(true))
    );
    let agent = board.agent_named("Demo Agent");
    assert_eq!(agent["presence"], "offline");
    assert_eq!(
        (&agent["chats"], &agent["capacity"]),
        (&json!(0), &json!(3))
    );
    assert!(board.chats.is_empty());

    // A visitor asks for a chat while nobody is available: it waits.
    let chat = app.start_chat("Wendy").await;
    watch_until(&mut socket, &mut board, |b| {
        b.chats.contains_key(&chat.chat_id)
    })
    .await;
    let row = board.chats[&chat.chat_id].clone();
    assert_eq!(
        (&row["state"], &row["visitor_name"], &row["website_key"]),
        (&json!("queued"), &json!("Wendy"), &json!("demo"))
    );
    assert_eq!(row["waiting_since_ms"], row["started_at_ms"]);
    watch_until(&mut socket, &mut board, |b| {
        b.queues[&queue_id]["waiting"] == 1
    })
    .await;
    assert_eq!(
        board.queues[&queue_id]["longest_wait_since_ms"],
        row["started_at_ms"]
    );

    // The agent opens its dashboard and goes Available: its presence changes, and it is
    // offered the chat.
    let (mut agent, _) = app.available_agent("agent").await;
    watch_until(&mut socket, &mut board, |b| {
        b.agent_named("Demo Agent")["presence"] == "available"
    })
    .await;
    assert_eq!(agent.next_of("offer").await["chat_id"], chat.chat_id);
    agent
        .send(json!({ "type": "accept_offer", "chat_id": chat.chat_id }))
        .await;
    agent.next_of("chat_assigned").await;
    // Accepted: the chat moves from waiting to active, with its agent; the queue is empty.
    watch_until(&mut socket, &mut board, |b| {
        b.chats[&chat.chat_id]["state"] == "active"
    })
    .await;
    let row = &board.chats[&chat.chat_id];
    assert_eq!(row["agents"][0]["name"], "Demo Agent");
    assert_eq!(row["waiting_since_ms"], Value::Null);
    watch_until(&mut socket, &mut board, |b| {
        b.queues[&queue_id]["waiting"] == 0 && b.agent_named("Demo Agent")["chats"] == 1
    })
    .await;
    assert_eq!(
        board.queues[&queue_id]["longest_wait_since_ms"],
        Value::Null
    );

    // Away with a reason shows the reason (R24).
    app.add_user("boss", "admin");
    let admin = app.agent_token("boss").await;
    let (status, reason) = app
        .call(
            "POST",
            "/api/v1/away-reasons",
            Some(&admin),
            Some(json!({ "label": "Lunch" })),
        )
        .await;
    assert_eq!(status, 201, "{reason}");
    agent
        .send(json!({ "type": "set_presence", "presence": "away", "reason_id": reason["id"] }))
        .await;
    watch_until(&mut socket, &mut board, |b| {
        b.agent_named("Demo Agent")["presence"] == "away"
    })
    .await;
    assert_eq!(board.agent_named("Demo Agent")["away_reason"], "Lunch");

    // The visitor ends the chat: it leaves the board.
    let (status, _) = app
        .call(
            "POST",
            &format!("/api/v1/chats/{}/end", chat.chat_id),
            Some(&chat.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    watch_until(&mut socket, &mut board, |b| {
        !b.chats.contains_key(&chat.chat_id)
    })
    .await;
}

/// Chats that arrive between two looks reach the supervisor in one frame, not one each.
async fn a_burst_is_coalesced(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| s.monitor.interval_ms = 1_000)
        .spawn()
        .await
    else {
        return;
    };
    let token = app.supervisor_token().await;
    let mut socket = monitor_socket(&app, &token).await.expect("monitor socket");
    let mut board = Board::default();
    board.apply(&socket.next_of("monitor_snapshot").await);
    const BURST: usize = 8;
    for i in 0..BURST {
        app.start_chat(&format!("Visitor {i}")).await;
    }
    watch_until(&mut socket, &mut board, |b| b.chats.len() == BURST).await;
    assert!(
        board.changes < BURST,
        "{} change frames for {BURST} chats",
        board.changes
    );
    let waiting: i64 = board
        .queues
        .values()
        .map(|q| q["waiting"].as_i64().expect("waiting"))
        .sum();
    assert_eq!(waiting, BURST as i64);
}

#[actix_web::test]
async fn only_supervisors_and_admins_watch_sqlite() {
    only_supervisors_and_admins_watch(Backend::Sqlite).await;
}

#[actix_web::test]
async fn only_supervisors_and_admins_watch_postgres() {
    only_supervisors_and_admins_watch(Backend::Postgres).await;
}

#[actix_web::test]
async fn the_board_follows_chats_and_agents_sqlite() {
    the_board_follows_chats_and_agents(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_board_follows_chats_and_agents_postgres() {
    the_board_follows_chats_and_agents(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_burst_is_coalesced_sqlite() {
    a_burst_is_coalesced(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_burst_is_coalesced_postgres() {
    a_burst_is_coalesced(Backend::Postgres).await;
}

#[actix_web::test]
async fn a_monitor_closes_when_its_session_ends_sqlite() {
    a_monitor_closes_when_its_session_ends(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_monitor_closes_when_its_session_ends_postgres() {
    a_monitor_closes_when_its_session_ends(Backend::Postgres).await;
}
