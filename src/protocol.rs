//! The WebSocket protocol: what clients send and what the engine sends back, as JSON text frames
//! with a `type` tag. `docs/protocol.md` documents every frame; keep the two in step.

use bytestring::ByteString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::away::AwayReason;
use crate::domain::event::ChatEvent;
use crate::domain::ids::{AwayReasonId, ChatId, QueueId, Seq};
use crate::domain::presence::{ChosenPresence, Presence};

/// Frames a visitor's widget sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitorCommand {
    SendMessage {
        text: String,
        client_key: Option<String>,
    },
    EndChat,
    Ping,
}

impl VisitorCommand {
    pub const TYPES: &'static [&'static str] = &["send_message", "end_chat", "ping"];
}

/// Frames an agent's dashboard sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentCommand {
    SetPresence {
        presence: ChosenPresence,
        /// R24: with `away`, one of the active away reasons.
        #[serde(default)]
        reason_id: Option<AwayReasonId>,
    },
    AcceptOffer {
        chat_id: ChatId,
    },
    RejectOffer {
        chat_id: ChatId,
    },
    SendMessage {
        chat_id: ChatId,
        text: String,
        client_key: Option<String>,
    },
    EndChat {
        chat_id: ChatId,
    },
    Ping,
}

impl AgentCommand {
    pub const TYPES: &'static [&'static str] = &[
        "set_presence",
        "accept_offer",
        "reject_offer",
        "send_message",
        "end_chat",
        "ping",
    ];
}

/// Why a client frame was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub code: &'static str,
    pub message: String,
}

/// Reads one client frame: not JSON or not an object with a string `type` →
/// `malformed_message`; a `type` that is not in `known` → `unknown_message_type`; wrong or
/// missing fields → `invalid_message`.
pub fn decode<T: serde::de::DeserializeOwned>(
    text: &str,
    known: &[&str],
) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(|e| DecodeError {
        code: "malformed_message",
        message: format!("the frame is not valid JSON: {e}"),
    })?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| DecodeError {
            code: "malformed_message",
            message: "a frame is a JSON object with a string field \"type\"".to_owned(),
        })?;
    if !known.contains(&kind.as_str()) {
        return Err(DecodeError {
            code: "unknown_message_type",
            message: format!("unknown message type {kind:?}; known: {}", known.join(", ")),
        });
    }
    serde_json::from_value(value).map_err(|e| DecodeError {
        code: "invalid_message",
        message: format!("invalid {kind:?} frame: {e}"),
    })
}

/// What the engine tells an agent about a chat it is offered (R32).
#[derive(Debug, Clone, Serialize)]
pub struct OfferView {
    pub chat_id: ChatId,
    pub queue_id: QueueId,
    pub queue_name: String,
    pub website_key: String,
    pub visitor_name: String,
    pub requested_at_ms: i64,
    pub expires_at_ms: i64,
    /// R4, R54: the pre-chat form values, page, language and browser the visitor came with.
    pub visitor_details: Value,
    /// R16, R37: a direct chat, for this agent alone (an invitation code); otherwise the
    /// queue's members are hunted.
    pub direct: bool,
}

/// A chat an agent holds, as listed in the agent's snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct HeldChat {
    pub chat_id: ChatId,
}

/// Frames the engine sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// First frame on a visitor socket, before any replayed event.
    VisitorHello {
        chat_id: ChatId,
        state: &'a str,
        last_seq: Seq,
    },
    /// First frame on an agent socket: everything needed to draw the dashboard.
    AgentHello {
        agent_id: i64,
        display_name: &'a str,
        presence: Presence,
        /// R24: the reason given with `away`, if any.
        away_reason: Option<&'a AwayReason>,
        /// R69: the active away reasons, in menu order, for the status menu.
        away_reasons: &'a [AwayReason],
        capacity: u32,
        chats: &'a [HeldChat],
        offer: Option<&'a OfferView>,
    },
    /// A conversation event (stored before it is sent).
    Event(&'a ChatEvent),
    /// A client message was stored with this sequence number (or had been, for a retry).
    Ack {
        chat_id: ChatId,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_key: Option<&'a str>,
        seq: Seq,
    },
    Error {
        error: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        chat_id: Option<ChatId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        client_key: Option<&'a str>,
    },
    Offer(&'a OfferView),
    OfferWithdrawn {
        chat_id: ChatId,
        reason: &'a str,
    },
    Presence {
        presence: Presence,
        away_reason: Option<&'a AwayReason>,
    },
    /// R69: the active away reasons changed; the status menu is this list now.
    AwayReasons {
        away_reasons: &'a [AwayReason],
    },
    /// R26, R70: an administrator changed the agent's capacity.
    Capacity {
        capacity: u32,
    },
    /// Where a waiting visitor is in the queue, whenever it changes (not stored, no `seq`).
    QueuePosition {
        chat_id: ChatId,
        /// 1 is next in line.
        position: usize,
        /// Null until the queue has seen a chat accepted.
        estimated_wait_ms: Option<i64>,
    },
    /// The agent now holds this chat; its events follow on this socket.
    ChatAssigned {
        chat_id: ChatId,
    },
    Pong,
}

impl ServerFrame<'_> {
    /// The frame as a text payload, ready to be queued on any number of sockets.
    pub fn to_text(&self) -> ByteString {
        // Our frames hold only strings, numbers and plain enums: serialising cannot fail.
        ByteString::from(serde_json::to_string(self).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_tells_malformed_from_unknown_from_invalid() {
        let known = VisitorCommand::TYPES;
        assert_eq!(
            decode::<VisitorCommand>("{not json", known)
                .unwrap_err()
                .code,
            "malformed_message"
        );
        assert_eq!(
            decode::<VisitorCommand>("[1,2]", known).unwrap_err().code,
            "malformed_message"
        );
        assert_eq!(
            decode::<VisitorCommand>(r#"{"type":"launch_rockets"}"#, known)
                .unwrap_err()
                .code,
            "unknown_message_type"
        );
        assert_eq!(
            decode::<VisitorCommand>(r#"{"type":"send_message"}"#, known)
                .unwrap_err()
                .code,
            "invalid_message"
        );
        assert!(matches!(
            decode::<VisitorCommand>(r#"{"type":"send_message","text":"hi"}"#, known),
            Ok(VisitorCommand::SendMessage { .. })
        ));
    }

    #[test]
    fn agents_cannot_set_rona_by_frame_r23() {
        let err = decode::<AgentCommand>(
            r#"{"type":"set_presence","presence":"rona"}"#,
            AgentCommand::TYPES,
        )
        .unwrap_err();
        assert_eq!(err.code, "invalid_message");
    }

    #[test]
    fn set_presence_takes_an_optional_away_reason_r24() {
        let decoded = decode::<AgentCommand>(
            r#"{"type":"set_presence","presence":"away","reason_id":3}"#,
            AgentCommand::TYPES,
        );
        assert!(matches!(
            decoded,
            Ok(AgentCommand::SetPresence {
                presence: ChosenPresence::Away,
                reason_id: Some(AwayReasonId(3)),
            })
        ));
        assert!(matches!(
            decode::<AgentCommand>(
                r#"{"type":"set_presence","presence":"available"}"#,
                AgentCommand::TYPES
            ),
            Ok(AgentCommand::SetPresence {
                reason_id: None,
                ..
            })
        ));
        let err = decode::<AgentCommand>(
            r#"{"type":"set_presence","presence":"away","reason_id":"lunch"}"#,
            AgentCommand::TYPES,
        )
        .unwrap_err();
        assert_eq!(err.code, "invalid_message");
    }

    #[test]
    fn frames_are_tagged_with_their_type() {
        let text = ServerFrame::OfferWithdrawn {
            chat_id: ChatId(4),
            reason: "expired",
        }
        .to_text();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["type"], "offer_withdrawn");
        assert_eq!(json["chat_id"], 4);
    }
}
