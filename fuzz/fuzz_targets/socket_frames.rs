//! Issue 10: any text as a client frame on each of the four sockets (visitor, agent, website,
//! monitor), through `protocol::decode` as `socket_plumbing!` calls it, then through the pure
//! rules the sockets apply to what was decoded.
//!
//! Properties: the error code says what the frame is (not JSON or no string `type`:
//! `malformed_message`; a `type` the socket does not know: `unknown_message_type`; otherwise
//! `invalid_message`); a decoded command keeps its `type`, and written back as JSON it decodes
//! to the same command.
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use parley::domain::chat::MessageText;
use parley::domain::choices::ChoiceMenu;
use parley::domain::handover::{HandoverTarget, TransferNote};
use parley::domain::slash;
use parley::domain::visitor::PageView;
use parley::http::monitor::MonitorCommand;
use parley::protocol::{decode, AgentCommand, VisitorCommand, WebsiteCommand};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // A socket hands only text frames (UTF-8) to the decoder; binary frames are refused first.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(command) = decoded::<VisitorCommand>(text, VisitorCommand::TYPES) {
        visitor_rules(&command);
    }
    if let Some(command) = decoded::<AgentCommand>(text, AgentCommand::TYPES) {
        agent_rules(&command);
    }
    decoded::<WebsiteCommand>(text, WebsiteCommand::TYPES);
    decoded::<MonitorCommand>(text, MonitorCommand::TYPES);
});

/// What the frame is by the decoder's documented classes, worked out independently of it.
fn expected_class(text: &str, known: &[&str]) -> &'static str {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return "malformed_message";
    };
    match value.get("type").and_then(Value::as_str) {
        None => "malformed_message",
        Some(kind) if !known.contains(&kind) => "unknown_message_type",
        Some(_) => "known",
    }
}

fn decoded<T>(text: &str, known: &[&str]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let class = expected_class(text, known);
    match decode::<T>(text, known) {
        Err(error) => {
            assert!(!error.message.is_empty());
            match class {
                "known" => assert_eq!(error.code, "invalid_message", "{text:?}: {error:?}"),
                class => assert_eq!(error.code, class, "{text:?}: {error:?}"),
            }
            None
        }
        Ok(command) => {
            assert_eq!(class, "known", "{text:?} decoded to {command:?}");
            let written = serde_json::to_value(&command).expect("a command serialises");
            let sent: Value = serde_json::from_str(text).expect("decoded frames are JSON");
            assert_eq!(
                written["type"], sent["type"],
                "the type changed: {command:?}"
            );
            let again = decode::<T>(&written.to_string(), known);
            assert_eq!(again.as_ref(), Ok(&command), "no round trip: {written}");
            Some(command)
        }
    }
}

/// Checked text is text the check accepts again, unchanged.
fn message_rule(text: &str) {
    if let Ok(message) = MessageText::parse(text) {
        assert_eq!(MessageText::parse(message.as_str()), Ok(message.clone()));
        assert!(message.as_str().chars().count() <= MessageText::MAX_CHARS);
    }
}

fn visitor_rules(command: &VisitorCommand) {
    match command {
        VisitorCommand::SendMessage { text, .. } => message_rule(text),
        VisitorCommand::PageView { url, title } => {
            let _ = PageView::parse(url, title.as_deref());
        }
        _ => {}
    }
}

fn agent_rules(command: &AgentCommand) {
    match command {
        AgentCommand::SendMessage { text, .. } => {
            if slash::parse(text).is_none() {
                message_rule(text);
            }
        }
        AgentCommand::OfferChoices {
            prompt, options, ..
        } => {
            let _ = ChoiceMenu::parse(prompt.as_deref(), options);
        }
        AgentCommand::TransferChat {
            agent_id,
            queue_id,
            note,
            ..
        } => {
            let _ = HandoverTarget::parse(*agent_id, *queue_id);
            if let Ok(Some(note)) = TransferNote::parse(note.as_deref()) {
                assert_eq!(
                    TransferNote::parse(Some(note.as_str())),
                    Ok(Some(note.clone()))
                );
            }
        }
        AgentCommand::InviteAgent {
            agent_id, queue_id, ..
        }
        | AgentCommand::RedirectChat {
            agent_id, queue_id, ..
        } => {
            let _ = HandoverTarget::parse(*agent_id, *queue_id);
        }
        _ => {}
    }
}
