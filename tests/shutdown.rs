//! Issue 10, graceful shutdown, on SQLite and PostgreSQL: a stopping engine tells every socket
//! `server_closing`, answers the commands it already took, refuses later ones with
//! `server_closing`, and closes with 1012; `/readyz`, new chats and new sockets answer 503;
//! and a real engine process stopped with SIGTERM in the middle of a busy chat exits 0 with
//! every acknowledged message stored: after a restart both sides replay each acknowledged
//! message exactly once, in order, and the ones never acknowledged, sent again with their
//! `client_key`, land exactly once (protocol §6.3, §6.9; architecture §4.33).

mod common;

use std::cell::Cell;
use std::collections::HashMap;
use std::time::Duration;

use awc::ws::{CloseCode, CloseReason};
use common::process::{ChatInProgress, Clients, EngineProcess};
use common::{Backend, Closed, TestApp, TestDatabase, WsClient};
use diesel::{Connection, RunQueryDsl};
use serde_json::{json, Value};

/// Holds the store's lock on chat events, so a message's write waits (a command in flight)
/// until it is dropped.
enum EventsLocked {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

impl EventsLocked {
    fn take(url: &str) -> EventsLocked {
        if url.starts_with("postgres") {
            let mut conn = diesel::PgConnection::establish(url).expect("connect");
            diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
            diesel::sql_query("LOCK TABLE chat_events IN EXCLUSIVE MODE")
                .execute(&mut conn)
                .unwrap();
            EventsLocked::Postgres(conn)
        } else {
            let mut conn = diesel::SqliteConnection::establish(url).expect("open");
            diesel::sql_query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .unwrap();
            EventsLocked::Sqlite(conn)
        }
    }

    fn release(self) {
        let _ = match self {
            EventsLocked::Sqlite(mut conn) => diesel::sql_query("ROLLBACK").execute(&mut conn),
            EventsLocked::Postgres(mut conn) => diesel::sql_query("ROLLBACK").execute(&mut conn),
        };
    }
}

/// Reads a socket up to its `server_closing` frame, which must come; returns the frame.
async fn notice(socket: &mut WsClient) -> Value {
    socket.next_of("server_closing").await
}

/// The socket's close, which must be 1012 `server_closing`.
fn assert_restart_close(close: Option<CloseReason>, who: &str) {
    let close = close.unwrap_or_else(|| panic!("{who}: no close frame"));
    assert_eq!(close.code, CloseCode::Restart, "{who}: {close:?}");
    assert_eq!(
        close.description.as_deref(),
        Some("server_closing"),
        "{who}"
    );
}

/// The frames up to the close, and the close.
async fn frames_until_close(socket: &mut WsClient) -> (Vec<Value>, Option<CloseReason>) {
    let mut frames = Vec::new();
    loop {
        match socket.next().await {
            Ok(frame) => frames.push(frame),
            Err(Closed::By(reason)) => return (frames, reason),
            Err(Closed::Ended) => return (frames, None),
        }
    }
}

/// In process, with the drain begun by hand: a message whose write is held in the store is
/// still acknowledged after the notice, a message sent after the notice is refused with
/// `server_closing` and its `client_key`, and every kind of socket closes with 1012.
async fn a_stopping_engine_answers_what_it_took_and_refuses_the_rest(backend: Backend) {
    let Some(app) = TestApp::builder(backend)
        .settings(|s| s.server.drain_ms = 700)
        .spawn()
        .await
    else {
        return;
    };
    let (mut agent, _) = app.available_agent("agent").await;
    let chat = app.taken_chat(&mut agent, "Ann").await;
    let mut visitor = app.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;
    visitor.round_trip().await;
    let mut website = app.website_socket(Some(common::ORIGIN)).await.unwrap();
    website.round_trip().await;
    let mut monitor = WsClient::connect(
        TestApp::client()
            .ws(format!("{}/api/v1/monitor/ws", app.ws_base))
            .bearer_auth(app.supervisor_token().await),
    )
    .await
    .unwrap();
    monitor.round_trip().await;

    // The visitor's message is taken, but its write waits for the store.
    let lock = EventsLocked::take(&app.settings.database.url);
    visitor
        .send(json!({ "type": "send_message", "text": "Still there?", "client_key": "m1" }))
        .await;
    // The socket answers in order: after the pong, "m1" is in the chat's hands.
    visitor.round_trip().await;

    app.engine.drain().begin();
    let told = notice(&mut visitor).await;
    assert_eq!(
        told,
        json!({ "type": "server_closing", "reconnect_after_ms": 700 })
    );

    // Sent after the notice: refused, named by its key, not silently dropped.
    visitor
        .send(json!({ "type": "send_message", "text": "Hello?", "client_key": "m2" }))
        .await;
    let refused = visitor.expect("error").await;
    assert_eq!(refused["error"], "server_closing");
    assert_eq!(refused["client_key"], "m2");
    assert_eq!(refused["retry_after_ms"], 700);

    // Readiness and new chats say the engine is stopping (new sockets below: opening one
    // asks the chat, which is busy with the held write).
    let clients = Clients {
        base: app.base.clone(),
        ws_base: app.ws_base.clone(),
    };
    let (status, body) = clients.readyz().await.expect("answers");
    assert_eq!(
        (status, body["status"].as_str()),
        (503, Some("shutting_down"))
    );
    let (status, body) = clients.try_start_chat("Bob").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("server_closing"))
    );

    // The held write goes through: "m1" is acknowledged, and only then the socket closes.
    lock.release();
    let (frames, close) = frames_until_close(&mut visitor).await;
    let acks: Vec<&Value> = frames.iter().filter(|f| f["type"] == "ack").collect();
    assert_eq!(acks.len(), 1, "{frames:?}");
    assert_eq!(acks[0]["client_key"], "m1");
    assert_restart_close(close, "visitor");
    let refused = clients.try_visitor_socket(&chat, 0).await.err();
    assert_eq!(refused.as_deref(), Some("refused with HTTP 503"));

    // The other sockets had nothing pending: told, then closed.
    for (socket, who) in [
        (&mut agent, "agent"),
        (&mut website, "website"),
        (&mut monitor, "monitor"),
    ] {
        let told = notice(socket).await;
        assert_eq!(told["reconnect_after_ms"], 700, "{who}");
        let (_, close) = frames_until_close(socket).await;
        assert_restart_close(close, who);
    }
    // Every socket is gone from the engine's count, which the stop waits for.
    tokio::time::timeout(Duration::from_secs(10), app.engine.drain().sockets_closed())
        .await
        .expect("every socket closed");
}

/// What one side of the chat did and saw until the engine closed its socket.
#[derive(Default)]
struct Side {
    /// `(client_key, text)` of each message sent, in order.
    sent: Vec<(String, String)>,
    /// The sequence number each acknowledged key got.
    acked: HashMap<String, i64>,
    /// Keys refused with `server_closing`.
    refused: Vec<String>,
    notice: Option<Value>,
    close: Option<CloseReason>,
}

/// Sends a message every few milliseconds (as `who`, keys `who1`, `who2`, …) and reads what
/// comes, until the engine closes the socket; stops sending once told `server_closing`.
async fn talk_until_closed(
    socket: &mut WsClient,
    who: &str,
    chat_id: i64,
    acks: &Cell<usize>,
) -> Side {
    let mut side = Side::default();
    let pace = Duration::from_millis(5);
    for n in 1.. {
        if side.notice.is_none() {
            let (key, text) = (format!("{who}{n}"), format!("{who} says {n}"));
            let mut frame = json!({ "type": "send_message", "text": text, "client_key": key });
            if who == "agent" {
                frame["chat_id"] = json!(chat_id);
            }
            socket.send(frame).await;
            side.sent.push((key, text));
        }
        // Everything that arrives before the next message is due.
        while let Ok(read) = tokio::time::timeout(pace, socket.next()).await {
            let frame = match read {
                Ok(frame) => frame,
                Err(Closed::By(reason)) => {
                    side.close = reason;
                    return side;
                }
                Err(Closed::Ended) => return side,
            };
            let key = frame["client_key"].as_str().unwrap_or_default().to_owned();
            match frame["type"].as_str() {
                Some("ack") => {
                    side.acked.insert(key, frame["seq"].as_i64().unwrap());
                    acks.set(acks.get() + 1);
                }
                Some("error") => {
                    assert_eq!(frame["error"], "server_closing", "{frame}");
                    side.refused.push(key);
                }
                Some("server_closing") => side.notice = Some(frame),
                _ => {}
            }
        }
    }
    unreachable!("the loop ends when the socket closes")
}

/// Every event of a replay, in order, up to the pong that follows it.
async fn replayed_messages(socket: &mut WsClient) -> Vec<Value> {
    socket
        .round_trip()
        .await
        .into_iter()
        .filter(|f| f["type"] == "event" && f["kind"] == "message")
        .collect()
}

/// Sends each message again with its key and returns the seq each is acknowledged with.
async fn resend(
    socket: &mut WsClient,
    chat_id: i64,
    messages: &[(String, String)],
) -> HashMap<String, i64> {
    for (key, text) in messages {
        let mut frame = json!({ "type": "send_message", "text": text, "client_key": key });
        if key.starts_with("agent") {
            frame["chat_id"] = json!(chat_id);
        }
        socket.send(frame).await;
    }
    socket
        .collect("ack", messages.len())
        .await
        .iter()
        .map(|ack| {
            let key = ack["client_key"].as_str().unwrap().to_owned();
            (key, ack["seq"].as_i64().unwrap())
        })
        .collect()
}

/// A real engine process, a visitor and an agent exchanging messages steadily, SIGTERM in
/// the middle: both are told and closed with 1012, `/readyz` turns 503 while the engine
/// drains, the process exits 0, and after a restart on the same store nothing acknowledged
/// is missing or doubled, and nothing resent is doubled.
async fn sigterm_tells_clients_and_loses_no_acknowledged_message(backend: Backend) {
    let Some((_database, url)) = TestDatabase::create(backend) else {
        return;
    };
    // A drain long enough to see `/readyz` answer 503 during it; the test's pace is far
    // above the per-chat message limit, which loopback clients are spared.
    let settings = [
        ("CHAT__SERVER__DRAIN_MS", "400"),
        ("CHAT__SERVER__SHUTDOWN_TIMEOUT_MS", "8000"),
        ("CHAT__LIMITS__EXEMPT_LOOPBACK", "true"),
    ];
    let mut engine = EngineProcess::start(&url, &settings);
    let clients = engine.clients();
    let ChatInProgress {
        token,
        mut agent,
        mut visitor,
        chat,
    } = clients.chat_in_progress("Ivy").await;

    let acks = Cell::new(0);
    let stop_in_the_middle = async {
        // Once some messages of both sides are through, while more are on their way.
        while acks.get() < 20 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        engine.terminate();
        // Readiness fails while the engine drains (it answers 200 only until the signal
        // is handled); nothing answering before a 503 would be a failure.
        loop {
            let answer = clients
                .readyz()
                .await
                .expect("the engine answers while draining");
            if answer.0 == 503 {
                return answer.1;
            }
        }
    };
    let (from_visitor, from_agent, unready) = tokio::join!(
        talk_until_closed(&mut visitor, "visitor", chat.chat_id, &acks),
        talk_until_closed(&mut agent, "agent", chat.chat_id, &acks),
        stop_in_the_middle,
    );
    assert_eq!(unready["status"], "shutting_down");
    for (side, who) in [(&from_visitor, "visitor"), (&from_agent, "agent")] {
        let notice = side.notice.as_ref().unwrap_or_else(|| panic!("{who} told"));
        assert_eq!(notice["reconnect_after_ms"], 400, "{who}");
        assert_restart_close(side.close.clone(), who);
        assert!(side.acked.len() >= 5, "{who} got through before the stop");
        assert!(
            side.refused.iter().all(|key| !side.acked.contains_key(key)),
            "{who}: a refused message is not acknowledged"
        );
    }
    let status = engine.exit_status().await;
    assert!(status.success(), "the engine exits 0: {status:?}");
    drop(engine);

    // The same store, a new process.
    let engine = EngineProcess::start(&url, &settings);
    let clients = engine.clients();
    let mut agent = clients
        .agent_socket(&token, &format!("{}:0", chat.chat_id))
        .await;
    agent.expect("agent_hello").await;
    let mut visitor = clients.visitor_socket(&chat, 0).await;
    visitor.expect("visitor_hello").await;

    for replay in [
        replayed_messages(&mut visitor).await,
        replayed_messages(&mut agent).await,
    ] {
        // Every acknowledged message, exactly once, at the seq its ack gave, in seq order.
        let seqs: Vec<i64> = replay.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
        for side in [&from_visitor, &from_agent] {
            for (key, text) in &side.sent {
                let copies: Vec<&Value> = replay.iter().filter(|e| e["text"] == *text).collect();
                match side.acked.get(key) {
                    Some(seq) => {
                        assert_eq!(copies.len(), 1, "{key} stored once");
                        assert_eq!(copies[0]["seq"], *seq, "{key} where its ack said");
                    }
                    None => assert!(copies.len() <= 1, "{key} stored at most once"),
                }
            }
        }
    }

    // What was never acknowledged is sent again with its key: each lands exactly once.
    let unacked = |side: &Side| -> Vec<(String, String)> {
        side.sent
            .iter()
            .filter(|(key, _)| !side.acked.contains_key(key))
            .cloned()
            .collect()
    };
    let visitor_resent = resend(&mut visitor, chat.chat_id, &unacked(&from_visitor)).await;
    let agent_resent = resend(&mut agent, chat.chat_id, &unacked(&from_agent)).await;
    assert_eq!(visitor_resent.len(), unacked(&from_visitor).len());
    assert_eq!(agent_resent.len(), unacked(&from_agent).len());
    let mut check = clients.visitor_socket(&chat, 0).await;
    check.expect("visitor_hello").await;
    let history = replayed_messages(&mut check).await;
    let mut seqs: Vec<i64> = history.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), history.len(), "no seq twice");
    for side in [&from_visitor, &from_agent] {
        for (_, text) in &side.sent {
            let copies = history.iter().filter(|e| e["text"] == *text).count();
            assert_eq!(copies, 1, "{text}: exactly once after the resend");
        }
    }
}

#[actix_web::test]
async fn a_stopping_engine_answers_what_it_took_and_refuses_the_rest_sqlite() {
    a_stopping_engine_answers_what_it_took_and_refuses_the_rest(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_stopping_engine_answers_what_it_took_and_refuses_the_rest_postgres() {
    a_stopping_engine_answers_what_it_took_and_refuses_the_rest(Backend::Postgres).await;
}

#[actix_web::test]
async fn sigterm_tells_clients_and_loses_no_acknowledged_message_sqlite() {
    sigterm_tells_clients_and_loses_no_acknowledged_message(Backend::Sqlite).await;
}

#[actix_web::test]
async fn sigterm_tells_clients_and_loses_no_acknowledged_message_postgres() {
    sigterm_tells_clients_and_loses_no_acknowledged_message(Backend::Postgres).await;
}
