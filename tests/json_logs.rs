//! Issue 10, observability, on SQLite and PostgreSQL: with `log.format = "json"` every line the
//! engine logs is a JSON object with a time, a level and a message, and the lines logged in a
//! chat's work name the chat (`chat_id`), and its agent (`agent_id`) and website (`website`)
//! where they are known: as fields of the line or of a span it was logged in.

mod common;

use common::process::{ChatInProgress, EngineProcess};
use common::{Backend, TestDatabase};
use serde_json::{json, Value};

/// The value of `field` on a log line: its own, or that of the innermost span that has it.
fn field<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line.get(name).or_else(|| {
        line["spans"]
            .as_array()?
            .iter()
            .rev()
            .find_map(|span| span.get(name))
    })
}

/// Ids are logged as text (`%id`) or numbers; compare them as text.
fn as_text(value: Option<&Value>) -> Option<String> {
    value.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
}

async fn every_line_is_json_and_a_chats_lines_name_it(backend: Backend) {
    let Some((_database, url)) = TestDatabase::create(backend) else {
        return;
    };
    // A first start creates the demo data and prints its banner (text for people, not a log
    // line); the engine under test then prints only its address besides its log.
    let mut seeding = EngineProcess::start(&url, &[]);
    seeding.terminate();
    assert!(seeding.exit_status().await.success());
    drop(seeding);

    let settings = [
        ("CHAT__LOG__FORMAT", "json"),
        // Debug for the engine's own lines: the queue's offers and each socket's goodbye.
        ("CHAT__LOG__FILTER", "info,parley=debug"),
        ("CHAT__SERVER__DRAIN_MS", "0"),
    ];
    let mut engine = EngineProcess::start(&url, &settings);
    let clients = engine.clients();
    let ChatInProgress {
        mut agent,
        mut visitor,
        chat,
        ..
    } = clients.chat_in_progress("Ivy").await;
    visitor
        .send(json!({ "type": "send_message", "text": "Hello", "client_key": "v1" }))
        .await;
    visitor.next_of("ack").await;
    agent.round_trip().await;
    // Stopping tells each socket, which logs it in its span.
    engine.terminate();
    visitor.next_of("server_closing").await;
    agent.next_of("server_closing").await;
    assert!(engine.exit_status().await.success());

    let chat_id = chat.chat_id.to_string();
    let mut lines = Vec::new();
    for text in engine.lines() {
        if text.starts_with("parley listening on ") {
            continue;
        }
        let line: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {text}"));
        for key in ["timestamp", "level", "message"] {
            assert!(line[key].is_string(), "no {key}: {text}");
        }
        lines.push(line);
    }
    assert!(lines.len() >= 3, "{lines:#?}");

    // Every line of a chat's socket names the chat and its website; of an agent's socket,
    // the agent.
    let socket_kind = |line: &Value| as_text(field(line, "kind"));
    for line in &lines {
        match socket_kind(line).as_deref() {
            Some("visitor") => {
                assert_eq!(
                    as_text(field(line, "chat_id")),
                    Some(chat_id.clone()),
                    "{line}"
                );
                assert_eq!(
                    as_text(field(line, "website")).as_deref(),
                    Some("demo"),
                    "{line}"
                );
            }
            Some("agent") => assert!(field(line, "agent_id").is_some(), "{line}"),
            _ => {}
        }
    }
    // And there are such lines: the queue's offer of the chat to the agent, and each
    // socket's goodbye.
    let about_the_chat: Vec<&Value> = lines
        .iter()
        .filter(|line| as_text(field(line, "chat_id")) == Some(chat_id.clone()))
        .collect();
    let offered = about_the_chat
        .iter()
        .find(|line| line["message"] == "offering chat")
        .unwrap_or_else(|| panic!("the offer is logged with the chat: {lines:#?}"));
    let agent_id = as_text(field(offered, "agent_id")).expect("the offer names the agent");
    assert!(
        about_the_chat
            .iter()
            .any(|line| socket_kind(line).as_deref() == Some("visitor")),
        "the visitor socket's goodbye names the chat: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|line| socket_kind(line).as_deref() == Some("agent")
                && as_text(field(line, "agent_id")) == Some(agent_id.clone())),
        "the agent socket's goodbye names the agent: {lines:#?}"
    );
}

#[actix_web::test]
async fn every_line_is_json_and_a_chats_lines_name_it_sqlite() {
    every_line_is_json_and_a_chats_lines_name_it(Backend::Sqlite).await;
}

#[actix_web::test]
async fn every_line_is_json_and_a_chats_lines_name_it_postgres() {
    every_line_is_json_and_a_chats_lines_name_it(Backend::Postgres).await;
}
