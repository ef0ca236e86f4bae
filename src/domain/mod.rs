//! The rules of the contact center, as plain Rust.
//!
//! Nothing in this module knows about actix, actix-web or diesel: every rule takes its inputs
//! (including the current time) as arguments and returns a decision, so it is tested without a
//! runtime. Values that have rules (a website key, a visitor name, a message text) are *parsed*
//! into types that can only hold valid values; the rest of the engine passes those types around.

pub mod attachment;
pub mod availability;
pub mod away;
pub mod ban;
pub mod chat;
pub mod chat_log;
pub mod choices;
pub mod contact;
pub mod email;
pub mod event;
pub mod form;
pub mod handover;
pub mod identity;
pub mod ids;
pub mod invitation;
pub mod monitor;
pub mod note;
pub mod offline_message;
pub mod options;
pub mod predefined;
pub mod presence;
pub mod proactive;
pub mod queue;
pub mod rate_limit;
pub mod receipt;
pub mod report;
pub mod retention;
pub mod retirement;
pub mod routing;
pub mod schedule;
pub mod slash;
pub mod texts;
pub mod transcript;
pub mod transfer;
pub mod unattended;
pub mod unmanaged;
pub mod upload;
pub mod user;
pub mod visitor;
pub mod website;
pub mod wrap_up;

use thiserror::Error;

/// A broken rule, with a stable snake_case code that clients can translate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error("a name is required")]
    EmptyName,
    #[error("a name has at most {max} characters")]
    NameTooLong { max: usize },
    #[error("a message cannot be empty")]
    EmptyMessage,
    #[error("a message has at most {max} characters")]
    MessageTooLong { max: usize },
    #[error("text may not contain control characters")]
    ControlCharacters,
    #[error("a website key has 1 to {max} letters, digits, '-' or '_'")]
    InvalidWebsiteKey { max: usize },
    #[error("an allowed domain is a host name, `*.` and a host name, `*`, or one of these with `:port`; 1 to {max} of them")]
    InvalidAllowedDomain { max: usize },
    #[error("the maximum of concurrent sessions is 0 (no limit) to {max}")]
    InvalidSessionCap { max: i32 },
    #[error("another website has this key")]
    WebsiteKeyTaken,
    #[error("proactive rule {rule}: {reason}")]
    InvalidProactiveRule { rule: usize, reason: &'static str },
    #[error("the unmanaged message is one text of at most {max} characters")]
    InvalidUnmanagedMessage { max: usize },
    #[error("the unmanaged auto-close delay is 0 (off) to {max_ms} ms")]
    InvalidAutoClose { max_ms: i64 },
    #[error("capacity must be between {min} and {max} chats")]
    InvalidCapacity { min: u32, max: u32 },
    #[error("the chat has ended")]
    ChatEnded,
    #[error("the chat is not active yet: wait until an agent accepts it")]
    ChatNotActive,
    #[error("the chat already has an agent")]
    ChatAlreadyAssigned,
    #[error("you are not a participant of this chat")]
    NotAParticipant,
    #[error("an offer lasts 1 ms to 1 hour, and a hunt from one offer's length to 1 day")]
    InvalidQueueTimeouts,
    #[error("an invitation code is six digits")]
    InvalidInvitationCode,
    #[error("a code is valid for 1 to {max} minutes")]
    InvalidValidity { max: i64 },
    #[error("no invitation code like this is known; check the digits")]
    InvitationUnknown,
    #[error("this invitation code has expired; ask the agent for a new one")]
    InvitationExpired,
    #[error("this invitation code has already been used; ask the agent for a new one")]
    InvitationUsedUp,
    #[error("time_zone must be an IANA time zone name, such as Europe/Prague")]
    UnknownTimeZone,
    #[error("a time is HH:MM from 00:00 to 23:59; 24:00 only as an end")]
    InvalidTime,
    #[error("a day is one of mon, tue, wed, thu, fri, sat, sun")]
    InvalidWeekday,
    #[error("a time range needs at least one day and an end different from its start")]
    EmptyTimeRange,
    #[error("time ranges may touch but not overlap")]
    OverlappingTimeRanges,
    #[error("a schedule needs at least one time range, or always_open: true")]
    NoTimeRanges,
    #[error("an always-open schedule has no time ranges")]
    AlwaysOpenWithRanges,
    #[error("a schedule has at most {max} time ranges")]
    TooManyTimeRanges { max: usize },
    #[error("a label is required")]
    EmptyLabel,
    #[error("a label has at most {max} characters")]
    LabelTooLong { max: usize },
    #[error("another active reason already has this label")]
    LabelTaken,
    #[error("no away reason has this id")]
    AwayReasonNotFound,
    #[error("this away reason is no longer offered")]
    AwayReasonInactive,
    #[error("a reason can only be given with the presence away")]
    AwayReasonNeedsAway,
    #[error("a hunt order is a whole number from {min} to {max}")]
    InvalidHuntOrder { min: i32, max: i32 },
    #[error("this user's role does not take chats")]
    NotAnAgent,
    #[error("that agent is already in this chat")]
    AgentAlreadyInChat,
    #[error("you are the last agent in this chat: end the chat instead")]
    LastAgentInChat,
    #[error("only the agent who owns the chat may do this")]
    NotChatOwner,
    #[error("no other agent is in this chat")]
    NoConference,
    #[error("a transfer of this chat is already pending")]
    TransferPending,
    #[error("an invitation to this chat is already pending")]
    InvitationPending,
    #[error("no transfer of this chat is pending")]
    NoTransferPending,
    #[error("name either agent_id or queue_id, not both")]
    InvalidHandoverTarget,
    #[error("no agent of that queue is available with room for the chat")]
    NoAgentAvailable,
    #[error("a language is a tag such as de or en-US, of at most {max} characters")]
    InvalidLanguage { max: usize },
    #[error("a page address is an http or https URL of at most {max} characters")]
    InvalidPageUrl { max: usize },
    #[error("a page title has at most {max} characters")]
    PageTitleTooLong { max: usize },
    #[error("a visitor key has {min} to {max} letters, digits, '-' or '_'")]
    InvalidVisitorKey { min: usize, max: usize },
    #[error("choose Available before taking a chat")]
    NotAvailable,
    #[error("you hold as many chats as your capacity allows")]
    AtCapacity,
    #[error("the form is not valid: {detail}")]
    InvalidForm { detail: String },
    #[error("a form has at most {max} elements")]
    TooManyFormElements { max: usize },
    #[error("element {element}: a field name has 1 to 40 letters, digits, '_' or '-', starting with a letter")]
    InvalidFieldName { element: usize },
    #[error("element {element}: another field of the form has this name")]
    DuplicateFieldName { element: usize },
    #[error("element {element}: {problem}")]
    InvalidFormElement {
        element: usize,
        problem: &'static str,
    },
    #[error("element {element}: accept lists file extensions (.pdf) or types (image/png, image/*) the engine knows")]
    InvalidAccept { element: usize },
    #[error("this field is required")]
    FieldRequired,
    #[error("this field takes at most {max} characters")]
    FieldTooLong { max: usize },
    #[error("this is not an e-mail address")]
    InvalidEmail,
    #[error("this is not a number")]
    InvalidNumber,
    #[error("the number must be {range}")]
    NumberOutOfRange { range: String },
    #[error("choose one of the offered options")]
    InvalidOption,
    #[error("this box must be ticked")]
    AgreementRequired,
    #[error("at most {max} files can be sent here at once")]
    TooManyFiles { max: usize },
    #[error("no unsent file with this id was uploaded by you to this chat; upload it again")]
    UnknownAttachment,
    #[error("no upload with this id waits for this field; upload the file again")]
    UploadNotFound,
    #[error("the form has no such field")]
    UnknownField,
    #[error("this field takes {expected}")]
    InvalidValue { expected: &'static str },
    #[error("a file name is required, of at most {max} characters, without control characters")]
    InvalidFileName { max: usize },
    #[error("the file is empty")]
    EmptyFile,
    #[error("a file may have at most {max} bytes")]
    FileTooLarge { max: usize },
    #[error("files of this type cannot be uploaded")]
    UnsupportedFileType,
    #[error("this field does not accept files of this type")]
    FileTypeNotAccepted,
    #[error("the file's content does not match its type")]
    FileContentMismatch,
    #[error("no field named {field:?} in the website's forms can give this value")]
    UnknownFormField { field: String },
    #[error("a contact list name has 1 to {max} characters on one line")]
    InvalidContactList { max: usize },
    #[error("a custom contact field is named with 1 to 40 letters, digits, '_' or '-' (at most {max} of them)")]
    InvalidContactField { max: usize },
    #[error("a subject is required")]
    EmptySubject,
    #[error("a subject has at most {max} characters")]
    SubjectTooLong { max: usize },
    #[error("a reply cannot be empty")]
    EmptyReply,
    #[error("a reply has at most {max} characters")]
    ReplyTooLong { max: usize },
    #[error("a message can be left only when nobody took the chat and the website takes messages")]
    LeaveMessageUnavailable,
    #[error("a message was already left for this chat")]
    MessageAlreadyLeft,
    #[error("the time to leave a message for this chat is over")]
    LeaveMessageExpired,
    #[error("this review is already closed")]
    ReviewClosed,
    #[error("a transcript can be asked for at most {max} times per chat")]
    TooManyTranscripts { max: usize },
    #[error("the time to ask for this chat's transcript is over")]
    TranscriptExpired,
    #[error("a title is required")]
    EmptyTitle,
    #[error("a title has at most {max} characters")]
    TitleTooLong { max: usize },
    #[error("a predefined message is for everyone, one queue or one agent: give at most one of queue_id and agent_id")]
    PredefinedScopeConflict,
    #[error("unknown slash command; known: /dc, /disconnect")]
    UnknownSlashCommand,
    #[error("an offer has 1 to {max} options")]
    InvalidChoiceCount { max: usize },
    #[error("an option id has 1 to {max} letters, digits, '_', '-' or '.'")]
    InvalidChoiceId { max: usize },
    #[error("two options of an offer have the same id or label")]
    DuplicateChoice,
    #[error("no offer with this sequence number was made to you in this chat")]
    UnknownChoiceOffer,
    #[error("this offer has no option with this id")]
    UnknownChoice,
    #[error("an option of this offer was already picked")]
    ChoiceAlreadyPicked,
    #[error("a receipt gives delivered_seq, read_seq or both")]
    EmptyReceipt,
    #[error("a receipt names a sequence number of this chat")]
    ReceiptOutOfRange,
    #[error("the signed identity is not valid: {detail}")]
    InvalidIdentity { detail: &'static str },
    #[error("this website accepts chats only with an identity signed by the website")]
    IdentityRequired,
    #[error("generate the website's identity secret before requiring signed identities")]
    IdentitySecretMissing,
    #[error("a phone number has 5 to 20 digits, with an optional leading + and separators")]
    InvalidPhone,
    #[error("a note cannot be empty")]
    EmptyNote,
    #[error("a note has at most {max} characters")]
    NoteTooLong { max: usize },
    #[error("a ban needs a reason")]
    EmptyBanReason,
    #[error("a ban reason has at most {max} characters")]
    BanReasonTooLong { max: usize },
    #[error("an administrator has switched off agents' right to ban visitors")]
    BanNotAllowed,
    #[error("this visitor sent no visitor key and no signed identity, so there is nothing to ban")]
    VisitorNotIdentifiable,
    #[error("no wrap-up reason has this id")]
    WrapUpReasonNotFound,
    #[error("this wrap-up reason is no longer offered")]
    WrapUpReasonInactive,
    #[error("you owe no wrap-up for this chat (none was asked for, or it was already given)")]
    WrapUpNotOwed,
    #[error("there is always one default wrap-up reason: make another reason the default instead")]
    DefaultReasonRequired,
    #[error("the default wrap-up reason must be active")]
    DefaultReasonInactive,
    #[error(
        "an auto wrap-up time is 0 (no countdown) to {max} ms, or null for the global setting"
    )]
    InvalidAutoWrapUp { max: i64 },
    #[error("a username has 1 to {max} letters, digits, '.', '-', '_' or '@'")]
    InvalidUsername { max: usize },
    #[error("another user has this username")]
    UsernameTaken,
    #[error("a role is agent, supervisor or admin")]
    InvalidRole,
    #[error("capacity must be between {min} and {max} chats")]
    CapacityOutOfRange { min: u32, max: u32 },
    #[error("a password has {min} to {max} characters, not only spaces, and is not the username")]
    WeakPassword { min: usize, max: usize },
    #[error("this would leave no active admin")]
    LastAdmin,
    #[error("you cannot take away your own admin role or deactivate yourself")]
    SelfLockout,
    #[error("the chat log search is not valid: {detail}")]
    InvalidLogSearch { detail: String },
    #[error("the unattended timeout is 0 (never) to {max} ms, or null for the configured value")]
    InvalidUnattendedTimeout { max: i64 },
}

impl RuleError {
    /// The stable code sent to clients; never change one once released.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::EmptyName => "empty_name",
            RuleError::EmptyTitle => "empty_title",
            RuleError::TitleTooLong { .. } => "title_too_long",
            RuleError::PredefinedScopeConflict => "predefined_scope_conflict",
            RuleError::NameTooLong { .. } => "name_too_long",
            RuleError::EmptyMessage => "empty_message",
            RuleError::MessageTooLong { .. } => "message_too_long",
            RuleError::ControlCharacters => "control_characters",
            RuleError::InvalidWebsiteKey { .. } => "invalid_website_key",
            RuleError::InvalidAllowedDomain { .. } => "invalid_allowed_domain",
            RuleError::InvalidSessionCap { .. } => "invalid_session_cap",
            RuleError::WebsiteKeyTaken => "website_key_taken",
            RuleError::InvalidProactiveRule { .. } => "invalid_proactive_rule",
            RuleError::InvalidUnmanagedMessage { .. } => "invalid_unmanaged_message",
            RuleError::InvalidAutoClose { .. } => "invalid_auto_close",
            RuleError::InvalidCapacity { .. } => "invalid_capacity",
            RuleError::ChatEnded => "chat_ended",
            RuleError::ChatNotActive => "chat_not_active",
            RuleError::ChatAlreadyAssigned => "chat_already_assigned",
            RuleError::NotAParticipant => "not_a_participant",
            RuleError::InvalidQueueTimeouts => "invalid_queue_timeouts",
            RuleError::InvalidInvitationCode => "invalid_invitation_code",
            RuleError::InvalidValidity { .. } => "invalid_validity",
            RuleError::InvitationUnknown => "invitation_unknown",
            RuleError::InvitationExpired => "invitation_expired",
            RuleError::InvitationUsedUp => "invitation_used_up",
            RuleError::UnknownTimeZone => "unknown_time_zone",
            RuleError::InvalidTime => "invalid_time",
            RuleError::InvalidWeekday => "invalid_weekday",
            RuleError::EmptyTimeRange => "empty_time_range",
            RuleError::OverlappingTimeRanges => "overlapping_time_ranges",
            RuleError::NoTimeRanges => "no_time_ranges",
            RuleError::AlwaysOpenWithRanges => "always_open_with_ranges",
            RuleError::TooManyTimeRanges { .. } => "too_many_time_ranges",
            RuleError::EmptyLabel => "empty_label",
            RuleError::LabelTooLong { .. } => "label_too_long",
            RuleError::LabelTaken => "label_taken",
            RuleError::AwayReasonNotFound => "away_reason_not_found",
            RuleError::AwayReasonInactive => "away_reason_inactive",
            RuleError::AwayReasonNeedsAway => "away_reason_needs_away",
            RuleError::InvalidHuntOrder { .. } => "invalid_hunt_order",
            RuleError::NotAnAgent => "not_an_agent",
            RuleError::AgentAlreadyInChat => "agent_already_in_chat",
            RuleError::LastAgentInChat => "last_agent_in_chat",
            RuleError::NotChatOwner => "not_chat_owner",
            RuleError::NoConference => "no_conference",
            RuleError::TransferPending => "transfer_pending",
            RuleError::InvitationPending => "invitation_pending",
            RuleError::NoTransferPending => "no_transfer_pending",
            RuleError::InvalidHandoverTarget => "invalid_handover_target",
            RuleError::NoAgentAvailable => "no_agent_available",
            RuleError::NoteTooLong { .. } => "note_too_long",
            RuleError::InvalidLanguage { .. } => "invalid_language",
            RuleError::InvalidPageUrl { .. } => "invalid_page_url",
            RuleError::PageTitleTooLong { .. } => "page_title_too_long",
            RuleError::InvalidVisitorKey { .. } => "invalid_visitor_key",
            RuleError::NotAvailable => "not_available",
            RuleError::AtCapacity => "at_capacity",
            RuleError::InvalidForm { .. } => "invalid_form",
            RuleError::TooManyFormElements { .. } => "too_many_form_elements",
            RuleError::InvalidFieldName { .. } => "invalid_field_name",
            RuleError::DuplicateFieldName { .. } => "duplicate_field_name",
            RuleError::InvalidFormElement { .. } => "invalid_form_element",
            RuleError::InvalidAccept { .. } => "invalid_accept",
            RuleError::FieldRequired => "field_required",
            RuleError::FieldTooLong { .. } => "field_too_long",
            RuleError::InvalidEmail => "invalid_email",
            RuleError::InvalidNumber => "invalid_number",
            RuleError::NumberOutOfRange { .. } => "number_out_of_range",
            RuleError::InvalidOption => "invalid_option",
            RuleError::AgreementRequired => "agreement_required",
            RuleError::TooManyFiles { .. } => "too_many_files",
            RuleError::UnknownAttachment => "unknown_attachment",
            RuleError::UploadNotFound => "upload_not_found",
            RuleError::UnknownField => "unknown_field",
            RuleError::InvalidValue { .. } => "invalid_value",
            RuleError::InvalidFileName { .. } => "invalid_file_name",
            RuleError::EmptyFile => "empty_file",
            RuleError::FileTooLarge { .. } => "file_too_large",
            RuleError::UnsupportedFileType => "unsupported_file_type",
            RuleError::FileTypeNotAccepted => "file_type_not_accepted",
            RuleError::FileContentMismatch => "file_content_mismatch",
            RuleError::UnknownFormField { .. } => "unknown_form_field",
            RuleError::InvalidContactList { .. } => "invalid_contact_list",
            RuleError::InvalidContactField { .. } => "invalid_contact_field",
            RuleError::EmptySubject => "empty_subject",
            RuleError::SubjectTooLong { .. } => "subject_too_long",
            RuleError::EmptyReply => "empty_reply",
            RuleError::ReplyTooLong { .. } => "reply_too_long",
            RuleError::LeaveMessageUnavailable => "leave_message_unavailable",
            RuleError::MessageAlreadyLeft => "message_already_left",
            RuleError::LeaveMessageExpired => "leave_message_expired",
            RuleError::ReviewClosed => "review_closed",
            RuleError::TooManyTranscripts { .. } => "too_many_transcripts",
            RuleError::TranscriptExpired => "transcript_expired",
            RuleError::UnknownSlashCommand => "unknown_slash_command",
            RuleError::InvalidChoiceCount { .. } => "invalid_choice_count",
            RuleError::InvalidChoiceId { .. } => "invalid_choice_id",
            RuleError::DuplicateChoice => "duplicate_choice",
            RuleError::UnknownChoiceOffer => "unknown_choice_offer",
            RuleError::UnknownChoice => "unknown_choice",
            RuleError::ChoiceAlreadyPicked => "choice_already_picked",
            RuleError::EmptyReceipt => "empty_receipt",
            RuleError::ReceiptOutOfRange => "receipt_out_of_range",
            RuleError::InvalidIdentity { .. } => "invalid_identity",
            RuleError::IdentityRequired => "identity_required",
            RuleError::IdentitySecretMissing => "identity_secret_missing",
            RuleError::InvalidPhone => "invalid_phone",
            RuleError::EmptyNote => "empty_note",
            RuleError::EmptyBanReason => "empty_ban_reason",
            RuleError::BanReasonTooLong { .. } => "ban_reason_too_long",
            RuleError::BanNotAllowed => "ban_not_allowed",
            RuleError::VisitorNotIdentifiable => "visitor_not_identifiable",
            RuleError::WrapUpReasonNotFound => "wrap_up_reason_not_found",
            RuleError::WrapUpReasonInactive => "wrap_up_reason_inactive",
            RuleError::WrapUpNotOwed => "wrap_up_not_owed",
            RuleError::DefaultReasonRequired => "default_reason_required",
            RuleError::DefaultReasonInactive => "default_reason_inactive",
            RuleError::InvalidAutoWrapUp { .. } => "invalid_auto_wrap_up",
            RuleError::InvalidUsername { .. } => "invalid_username",
            RuleError::UsernameTaken => "username_taken",
            RuleError::InvalidRole => "invalid_role",
            RuleError::CapacityOutOfRange { .. } => "capacity_out_of_range",
            RuleError::WeakPassword { .. } => "weak_password",
            RuleError::LastAdmin => "last_admin",
            RuleError::SelfLockout => "self_lockout",
            RuleError::InvalidLogSearch { .. } => "invalid_log_search",
            RuleError::InvalidUnattendedTimeout { .. } => "invalid_unattended_timeout",
        }
    }
}

/// Free text (a message, a reply), kept exactly as sent: `empty` if it is blank, `too_long`
/// beyond `max` characters, `control_characters` if it holds any but line breaks and tabs.
fn plain_text(
    raw: &str,
    max: usize,
    empty: RuleError,
    too_long: RuleError,
) -> Result<&str, RuleError> {
    if raw.trim().is_empty() {
        return Err(empty);
    }
    if raw.chars().count() > max {
        return Err(too_long);
    }
    if raw
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(RuleError::ControlCharacters);
    }
    Ok(raw)
}

/// A short text on one line (a name, a label): trimmed, then `empty` if nothing is left,
/// `too_long` beyond `max` characters, `control_characters` if it holds any.
fn one_line(
    raw: &str,
    max: usize,
    empty: RuleError,
    too_long: RuleError,
) -> Result<&str, RuleError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(empty);
    }
    if text.chars().count() > max {
        return Err(too_long);
    }
    if text.chars().any(char::is_control) {
        return Err(RuleError::ControlCharacters);
    }
    Ok(text)
}
