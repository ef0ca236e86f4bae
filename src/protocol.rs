//! The WebSocket protocol: what clients send and what the engine sends back, as JSON text frames
//! with a `type` tag. `docs/protocol.md` documents every frame; keep the two in step.

use bytestring::ByteString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::availability::{ModeReason, WidgetMode};
use crate::domain::away::AwayReason;
use crate::domain::choices::ChoiceDraft;
use crate::domain::event::{Author, ChatEvent};
use crate::domain::handover::HandoverKind;
use crate::domain::identity::VerifiedIdentity;
use crate::domain::ids::{
    AwayReasonId, ChatId, PredefinedMessageId, QueueId, Seq, UserId, WrapUpReasonId,
};
use crate::domain::presence::{ChosenPresence, Presence};
use crate::domain::receipt::{Marks, Reader};
use crate::domain::wrap_up::WrapUpReason;

/// Frames a visitor's widget sends. The client commands serialise too, so a decoded frame can
/// be written back and read again to the same command (the `socket_frames` fuzz target checks
/// that round trip, issue 10).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitorCommand {
    SendMessage {
        /// May be empty (`""`) when files are sent.
        text: String,
        client_key: Option<String>,
        /// R10, R40: ids of files the visitor uploaded to this chat, sent with the message.
        #[serde(default)]
        attachments: Vec<String>,
    },
    EndChat,
    /// R35, R54: the visitor moved to another page of the website.
    PageView {
        url: String,
        title: Option<String>,
    },
    /// R38: the visitor started (`true`) or stopped typing; relayed, never stored.
    Typing {
        typing: bool,
    },
    /// R9, R42: the visitor picks one option of the offer stored as event `offer_seq`.
    PickChoice {
        offer_seq: Seq,
        option_id: String,
        client_key: Option<String>,
    },
    /// R38: what the widget received (`delivered_seq`) and showed (`read_seq`).
    Receipt {
        #[serde(default)]
        delivered_seq: Option<Seq>,
        #[serde(default)]
        read_seq: Option<Seq>,
    },
    Ping,
}

impl VisitorCommand {
    pub const TYPES: &'static [&'static str] = &[
        "send_message",
        "end_chat",
        "page_view",
        "typing",
        "pick_choice",
        "receipt",
        "ping",
    ];
}

/// Frames a widget sends on its website socket, which it keeps open before any chat (R5); the
/// socket only tells the widget's mode.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WebsiteCommand {
    Ping,
}

impl WebsiteCommand {
    pub const TYPES: &'static [&'static str] = &["ping"];
}

/// Frames an agent's dashboard sends.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
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
        /// May be empty (`""`) when files are sent.
        text: String,
        client_key: Option<String>,
        /// R39: a private message reaches the chat's agents only, never the visitor.
        #[serde(default)]
        private: bool,
        /// R10, R40: ids of files the agent uploaded to this chat, sent with the message;
        /// private with a private message.
        #[serde(default)]
        attachments: Vec<String>,
    },
    EndChat {
        chat_id: ChatId,
    },
    /// R47: the agent confirms a `/dc` or `/disconnect`: the chat ends as with `end_chat`.
    ConfirmDisconnect {
        chat_id: ChatId,
    },
    /// R38: the agent started (`true`) or stopped typing in a chat it holds; relayed, never
    /// stored.
    Typing {
        chat_id: ChatId,
        typing: bool,
    },
    /// R35: the client preview of a waiting chat (or of a chat the agent holds).
    PreviewChat {
        chat_id: ChatId,
    },
    /// R35: take a waiting chat straight from the preview.
    PickChat {
        chat_id: ChatId,
    },
    /// R35, R46: send a waiting chat to another queue, or to one agent: exactly one of the two.
    RedirectChat {
        chat_id: ChatId,
        queue_id: Option<QueueId>,
        agent_id: Option<UserId>,
    },
    /// R41, R53: the text of a predefined message for a chat the agent holds, placeholders
    /// expanded, for the compose box; nothing is sent.
    ExpandPredefined {
        chat_id: ChatId,
        id: PredefinedMessageId,
    },
    /// R9, R42: offer the visitor a set of options (an optional prompt and 1–10 options).
    OfferChoices {
        chat_id: ChatId,
        #[serde(default)]
        prompt: Option<String>,
        options: Vec<ChoiceDraft>,
        client_key: Option<String>,
    },
    /// R38: what the dashboard received (`delivered_seq`) and showed (`read_seq`) of a chat.
    Receipt {
        chat_id: ChatId,
        #[serde(default)]
        delivered_seq: Option<Seq>,
        #[serde(default)]
        read_seq: Option<Seq>,
    },
    /// R50: the wrap-up the agent owes for an ended (or handed-on) chat: one active reason
    /// and an optional note.
    SubmitWrapUp {
        chat_id: ChatId,
        reason_id: WrapUpReasonId,
        #[serde(default)]
        note: Option<String>,
    },
    /// R45, R46, A5: hand an active chat the agent is in to another agent or to a queue's
    /// agents (exactly one of the two), with an optional note for the next agent.
    TransferChat {
        chat_id: ChatId,
        agent_id: Option<UserId>,
        queue_id: Option<QueueId>,
        note: Option<String>,
    },
    /// R45: withdraw the agent's pending transfer (or invitation) of the chat.
    CancelTransfer {
        chat_id: ChatId,
    },
    /// R43, R44, A14: invite one named agent, or a random available agent of a queue, into
    /// the chat (exactly one of the two).
    InviteAgent {
        chat_id: ChatId,
        agent_id: Option<UserId>,
        queue_id: Option<QueueId>,
    },
    /// R44: the owner removes every added agent; the chat is one-to-one again.
    EndConference {
        chat_id: ChatId,
    },
    /// R43: the agent leaves a chat that has another agent; it stays with the others.
    LeaveChat {
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
        "confirm_disconnect",
        "typing",
        "preview_chat",
        "pick_chat",
        "redirect_chat",
        "expand_predefined",
        "offer_choices",
        "receipt",
        "submit_wrap_up",
        "transfer_chat",
        "cancel_transfer",
        "invite_agent",
        "end_conference",
        "leave_chat",
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

/// What agents are told about a visitor besides the name (R4, R34, R54). Stored as the chat's
/// `visitor_meta` JSON; every field has a default, so rows written by older versions read too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisitorDetails {
    /// R4: the pre-chat form values, as sent.
    pub fields: Map<String, Value>,
    /// R12: the language given with the request, else the browser's (`Accept-Language`).
    pub language: Option<String>,
    /// R34: read from the `User-Agent` header (`domain::visitor::parse_user_agent`).
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    /// R54: the page the visitor is on now (the last one reported).
    pub page_url: Option<String>,
    pub page_title: Option<String>,
    /// The first 300 characters of the `User-Agent` header.
    pub user_agent: Option<String>,
    /// R52: what the website's signed identity said, shown marked as verified; `None`
    /// without one. An agent's edit removes the values it changes (R89).
    pub verified: Option<VerifiedIdentity>,
    /// R52: the name the visitor typed, when a verified name replaced it as the chat's name.
    pub typed_name: Option<String>,
    /// R89: the e-mail address and phone number as an agent last set them (not verified).
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// R89: the visitor of a chat as agents see it after an edit.
#[derive(Debug, Clone, Serialize)]
pub struct VisitorView {
    pub chat_id: ChatId,
    pub visitor_name: String,
    pub visitor_details: VisitorDetails,
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
    /// R4, R34, R54: form values, language, browser, OS and the page the visitor is on.
    pub visitor_details: VisitorDetails,
    /// R16, R37: a direct chat, for this agent alone (an invitation code); otherwise the
    /// queue's members are hunted.
    pub direct: bool,
    /// R45, R46: an active chat another agent transfers to this one (with its note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<HandoverOffer>,
    /// R43: an active chat another agent invites this one into (a conference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation: Option<HandoverOffer>,
}

impl OfferView {
    /// A transfer or an invitation: answered to the chat, not to a queue.
    pub fn is_handover(&self) -> bool {
        self.transfer.is_some() || self.invitation.is_some()
    }
}

/// R43, R45, R46: who hands an active chat over, in the offer the next agent sees.
#[derive(Debug, Clone, Serialize)]
pub struct HandoverOffer {
    pub from_agent_id: UserId,
    pub from_agent_name: String,
    /// R46: the transfer's note (never for an invitation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A transfer to a queue: the queue whose member this agent is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_queue_id: Option<QueueId>,
}

/// R43–R45: one agent in a chat, in `chat_participants`.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantView {
    pub agent_id: UserId,
    pub agent_name: String,
}

/// R43, R44: the pending transfer or invitation of a chat ("conference requested").
#[derive(Debug, Clone, Serialize)]
pub struct PendingHandoverView {
    pub kind: HandoverKind,
    pub from_agent_id: UserId,
    pub agent_id: Option<UserId>,
    pub queue_id: Option<QueueId>,
    /// The agent holding the offer right now, if any.
    pub offered_to: Option<UserId>,
}

/// R34: one chat in a queue's waiting list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingEntry {
    pub chat_id: ChatId,
    /// 1 is next in line.
    pub position: usize,
    pub queue_id: QueueId,
    pub website_key: String,
    pub visitor_name: String,
    /// Show the time waited from this.
    pub requested_at_ms: i64,
    pub visitor_details: VisitorDetails,
}

/// R34: the chats waiting in one queue, first in line first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingList {
    pub queue_id: QueueId,
    pub queue_name: String,
    /// The first in line, at most `routing.waiting_list_limit` of them.
    pub entries: Vec<WaitingEntry>,
    /// How many chats wait in all (listed or not).
    pub total: usize,
}

/// R35: a page the visitor viewed.
#[derive(Debug, Clone, Serialize)]
pub struct PageVisit {
    pub url: String,
    pub title: Option<String>,
    pub at_ms: i64,
}

/// R35, R90: an earlier chat of the same visitor (same `visitor_key`) on the same website.
#[derive(Debug, Clone, Serialize)]
pub struct PastSession {
    pub chat_id: ChatId,
    pub requested_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub state: String,
    pub disposition: Option<String>,
    pub agent_id: Option<UserId>,
    pub agent_name: Option<String>,
}

/// R46, R90: an agent's note about the visitor, as agents see it (never sent to visitors).
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub note_id: i64,
    pub chat_id: ChatId,
    /// The contact it is kept with, so it shows in that visitor's later chats.
    pub contact_id: Option<i64>,
    pub author_id: UserId,
    pub author_name: String,
    pub text: String,
    pub at_ms: i64,
}

/// R36: a routing step of the chat that concerned an agent.
#[derive(Debug, Clone, Serialize)]
pub struct RoutedTo {
    pub agent_id: UserId,
    pub agent_name: Option<String>,
    pub step: String,
    pub detail: String,
    pub at_ms: i64,
}

/// R35: everything an agent may see of a chat before accepting it.
#[derive(Debug, Clone, Serialize)]
pub struct ChatPreview {
    pub chat_id: ChatId,
    pub state: &'static str,
    pub queue_id: QueueId,
    pub queue_name: String,
    pub website_key: String,
    pub visitor_name: String,
    pub requested_at_ms: i64,
    /// The place in line while the chat waits.
    pub position: Option<usize>,
    pub visitor_details: VisitorDetails,
    /// The conversation so far, oldest first.
    pub events: Vec<ChatEvent>,
    /// R35: the browsing history, oldest first; the first is the page the chat started on.
    pub pages: Vec<PageVisit>,
    /// R90: earlier chats of this visitor (same visitor key on this website, or the same
    /// contact), newest first.
    pub past_sessions: Vec<PastSession>,
    /// R46, R90: agents' notes on this chat and on its contact, oldest first (agents only).
    pub notes: Vec<NoteView>,
    /// R36: `null` unless an admin switched `show_routed_agents` on.
    pub routed_to: Option<Vec<RoutedTo>>,
}

/// R78: a message a visitor left because nobody took its chat, as its queue's members see it.
#[derive(Debug, Clone, Serialize)]
pub struct LeftMessageView {
    pub chat_id: ChatId,
    pub queue_id: QueueId,
    pub website_key: String,
    /// The name the visitor gave when it asked for the chat.
    pub visitor_name: String,
    /// The name given with the message.
    pub name: String,
    pub email: Option<String>,
    pub text: String,
    pub left_at_ms: i64,
}

/// A chat an agent holds, as listed in the agent's snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct HeldChat {
    pub chat_id: ChatId,
}

/// R38, R40: the limits a dashboard shows before the agent writes or uploads, so it need not
/// learn them from refusals.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AgentLimits {
    /// R38: characters (code points) in one message.
    pub max_message_chars: usize,
    /// R40, A10: `attachments.max_files_per_message`.
    pub max_files_per_message: usize,
    /// R40, A10: `attachments.max_bytes`, the largest chat file.
    pub max_attachment_bytes: u64,
}

/// Frames the engine sends.
/// R50, R87: one agent's wrap-up of a chat, owed (`done_at_ms` null) or given.
#[derive(Debug, Clone, Serialize)]
pub struct WrapUpView {
    pub chat_id: ChatId,
    pub agent_id: UserId,
    pub agent_name: Option<String>,
    pub reason_id: Option<WrapUpReasonId>,
    /// The reason's label when it was given.
    pub reason_label: Option<String>,
    pub note: Option<String>,
    /// R51: applied on its own with the default reason.
    pub auto: bool,
    pub owed_at_ms: i64,
    pub done_at_ms: Option<i64>,
}

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
        /// R34: the waiting list of each of the agent's queues.
        waiting_lists: &'a [&'a WaitingList],
        /// R38, R40: message and file limits.
        limits: AgentLimits,
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
        /// Issue 10: with `rate_limited`, milliseconds until the frame may be sent again.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
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
    /// R34: a queue's waiting list changed; it replaces the list of that queue.
    WaitingList(&'a WaitingList),
    /// R35: the answer to `preview_chat`.
    ChatPreview(&'a ChatPreview),
    /// R35, R46: the answer to `redirect_chat`: the chat left `from_queue_id` for `queue_id`,
    /// for `agent_id` alone if it was sent to an agent.
    ChatRedirected {
        chat_id: ChatId,
        from_queue_id: QueueId,
        queue_id: QueueId,
        agent_id: Option<UserId>,
    },
    /// R41: answer to `expand_predefined`: the text to put into the compose box.
    PredefinedExpanded {
        chat_id: ChatId,
        id: PredefinedMessageId,
        text: &'a str,
    },
    /// R54: the visitor of a chat the agent holds moved to another page (not stored as an
    /// event; the preview lists every page).
    VisitorPage {
        chat_id: ChatId,
        url: &'a str,
        title: Option<&'a str>,
        at_ms: i64,
    },
    /// R89: an agent changed the visitor's name, e-mail or phone in a chat this agent holds.
    VisitorUpdated(&'a VisitorView),
    /// R78: a visitor left a message in a chat of one of the agent's queues that nobody took.
    LeftMessage(&'a LeftMessageView),
    /// R5: the widget's mode, on connect (website and visitor sockets) and at every change.
    WebsiteMode {
        mode: WidgetMode,
        reason: ModeReason,
    },
    /// R47: the agent typed `/dc` or `/disconnect`; nothing was sent. The client asks the
    /// agent to confirm and then sends `confirm_disconnect`.
    ConfirmDisconnect {
        chat_id: ChatId,
    },
    /// R38: a reader's delivery and read marks moved (and, on subscribing, where every other
    /// reader's marks are).
    Receipt {
        chat_id: ChatId,
        reader: Reader,
        #[serde(flatten)]
        marks: Marks,
    },
    /// R43, R44: the agents in a chat (the owner first) and its pending transfer or
    /// invitation; sent to the chat's agents at every change ("conference requested",
    /// "conference").
    ChatParticipants {
        chat_id: ChatId,
        owner_id: Option<UserId>,
        agents: &'a [ParticipantView],
        pending: Option<&'a PendingHandoverView>,
    },
    /// R45, A5: the agent's transfer was dropped; the chat stays with it.
    TransferFailed {
        chat_id: ChatId,
        reason: &'a str,
    },
    /// R43: the invited agent did not join; another may be invited.
    InvitationDeclined {
        chat_id: ChatId,
        agent_id: Option<UserId>,
        reason: &'a str,
    },
    /// R43–R45: the agent is no longer in this chat (transferred, left, removed): its tab
    /// closes; no more events of the chat reach this agent.
    ChatLeft {
        chat_id: ChatId,
        reason: &'a str,
    },
    /// R38: someone else in the chat started or stopped typing.
    Typing {
        chat_id: ChatId,
        by: &'a Author,
        typing: bool,
    },
    /// R50, R51: the agent owes a wrap-up for this chat: the reasons to pick from, the default
    /// one, and when the default is applied on its own (`null`: no countdown).
    WrapUpRequired {
        chat_id: ChatId,
        reasons: &'a [WrapUpReason],
        default_reason_id: Option<WrapUpReasonId>,
        owed_at_ms: i64,
        auto_at_ms: Option<i64>,
    },
    /// R50, R51: the wrap-up was given (by the agent, or `auto` with the default reason).
    WrapUpDone(&'a WrapUpView),
    /// R49: whether the chat's visitor has a socket open now (for the close warning).
    VisitorConnection {
        chat_id: ChatId,
        connected: bool,
        at_ms: i64,
    },
    /// Issue 10: the engine is stopping. The socket closes with 1012 `server_closing` once its
    /// pending commands are answered; later commands get `error` `server_closing`. Reconnect
    /// after about `reconnect_after_ms` (plus a little jitter), then resume and resend what was
    /// not acknowledged (§6.9).
    ServerClosing {
        reconnect_after_ms: u64,
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
    fn decoded_commands_serialise_back_to_themselves_issue_10() {
        // The socket_frames fuzz target's round trip, for a frame of each kind of field.
        let agent = r#"{"type":"offer_choices","chat_id":1,"prompt":"Which plan?","client_key":"a-7","options":[{"id":"basic","label":"Basic"},{"label":"Pro"}]}"#;
        let command = decode::<AgentCommand>(agent, AgentCommand::TYPES).unwrap();
        let written = serde_json::to_string(&command).unwrap();
        assert_eq!(
            decode::<AgentCommand>(&written, AgentCommand::TYPES),
            Ok(command)
        );
        let visitor = r#"{"type":"receipt","read_seq":7}"#;
        let command = decode::<VisitorCommand>(visitor, VisitorCommand::TYPES).unwrap();
        let written = serde_json::to_string(&command).unwrap();
        assert_eq!(
            decode::<VisitorCommand>(&written, VisitorCommand::TYPES),
            Ok(command)
        );
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
