//! Conversation events: everything that happens in a chat, numbered by a per-chat sequence.

use serde::{Deserialize, Serialize};

use super::attachment::AttachmentRef;
use super::chat::{Disposition, EndedBy};
use super::choices::Choice;
use super::ids::{ChatId, QueueId, Seq, UserId};

/// Who an event comes from (R84).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor { name: String },
    Agent { id: UserId, name: String },
    System,
}

impl Author {
    pub fn kind(&self) -> &'static str {
        match self {
            Author::Visitor { .. } => "visitor",
            Author::Agent { .. } => "agent",
            Author::System => "system",
        }
    }
}

/// What happened. Serialised with a `kind` tag; the same JSON is stored and sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// R3: the visitor asked for a chat; always the first event of a chat.
    ChatRequested {
        visitor_name: String,
        website_key: String,
        queue_id: QueueId,
    },
    /// A message from the visitor or an agent: text, files (R10, R40), or both. `attachments`
    /// is left out when empty, so messages without files look as they always did.
    Message {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentRef>,
    },
    /// R16: an agent accepted the chat and joined it.
    AgentJoined {
        agent_id: UserId,
        agent_name: String,
        /// R44: an invited agent joined a chat that already had one: a conference.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        conference: bool,
    },
    /// R43, R44: an agent left the chat, which stays with the others.
    AgentLeft {
        agent_id: UserId,
        agent_name: String,
        reason: LeftBecause,
    },
    /// R45: the chat went from one agent to another, who serves the visitor from now on.
    Transferred {
        from_agent_id: UserId,
        from_agent_name: String,
        to_agent_id: UserId,
        to_agent_name: String,
    },
    /// R46: the transferring agent's note for the next agent; always private (agents only).
    TransferNote { text: String, to_agent_id: UserId },
    /// R35, R46: an agent sent the waiting chat to another queue, or to one agent (then it
    /// waits in a queue of that agent as a direct chat, R16); the visitor is told.
    Redirected {
        from_queue_id: QueueId,
        queue_id: QueueId,
        queue_name: String,
        #[serde(default)]
        agent_id: Option<UserId>,
        #[serde(default)]
        agent_name: Option<String>,
    },
    /// R9, R42: an agent offers the visitor a set of options (an *offer*), answered with one
    /// click; never private.
    ChoicesOffered {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt: Option<String>,
        options: Vec<Choice>,
    },
    /// R9, R42: the visitor picked `choice` of the offer stored as event `offer_seq`.
    ChoicePicked { offer_seq: Seq, choice: Choice },
    /// R7, R8: the chat is over; nothing follows this event.
    ChatEnded {
        ended_by: EndedBy,
        disposition: Disposition,
        /// R8, R76, R80, A13: what the engine tells the visitor about the end (unmanaged and
        /// timed-out chats); absent otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<String>,
        /// R78, R79: until when the visitor may leave a message (its chat token still works
        /// for that); absent when it may not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leave_message_until_ms: Option<i64>,
    },
}

impl EventBody {
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::ChatRequested { .. } => "chat_requested",
            EventBody::Message { .. } => "message",
            EventBody::AgentJoined { .. } => "agent_joined",
            EventBody::AgentLeft { .. } => "agent_left",
            EventBody::Transferred { .. } => "transferred",
            EventBody::TransferNote { .. } => "transfer_note",
            EventBody::Redirected { .. } => "redirected",
            EventBody::ChoicesOffered { .. } => "choices_offered",
            EventBody::ChoicePicked { .. } => "choice_picked",
            EventBody::ChatEnded { .. } => "chat_ended",
        }
    }
}

/// R43, R44: why an agent left a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftBecause {
    /// The agent chose to leave (`leave_chat`).
    Left,
    /// The owner ended the conference.
    Removed,
}

/// One stored, numbered event of a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatEvent {
    pub chat_id: ChatId,
    pub seq: Seq,
    /// Milliseconds since the Unix epoch, when the engine stored the event.
    pub at_ms: i64,
    pub author: Author,
    /// R39: private events reach agents only, never the visitor.
    pub private: bool,
    #[serde(flatten)]
    pub body: EventBody,
}

impl ChatEvent {
    /// R10, R39: what a visitor may see of a chat.
    pub fn visible_to_visitor(&self) -> bool {
        !self.private
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_serialises_flat_with_its_kind() {
        let event = ChatEvent {
            chat_id: ChatId(7),
            seq: Seq(3),
            at_ms: 1_700_000_000_000,
            author: Author::Agent {
                id: UserId(2),
                name: "Alice".into(),
            },
            private: false,
            body: EventBody::Message {
                text: "price < 10".into(),
                attachments: Vec::new(),
            },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], "message");
        assert_eq!(json["seq"], 3);
        assert_eq!(json["author"]["kind"], "agent");
        assert_eq!(json["text"], "price < 10");
        assert!(json.get("attachments").is_none(), "{json}");
        let back: ChatEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn private_events_are_hidden_from_visitors_r39() {
        let mut event = ChatEvent {
            chat_id: ChatId(1),
            seq: Seq(1),
            at_ms: 0,
            author: Author::System,
            private: true,
            body: EventBody::Message {
                text: "note".into(),
                attachments: Vec::new(),
            },
        };
        assert!(!event.visible_to_visitor());
        event.private = false;
        assert!(event.visible_to_visitor());
    }
}
