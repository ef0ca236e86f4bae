//! The rules of the contact center, as plain Rust.
//!
//! Nothing in this module knows about actix, actix-web or diesel: every rule takes its inputs
//! (including the current time) as arguments and returns a decision, so it is tested without a
//! runtime. Values that have rules (a website key, a visitor name, a message text) are *parsed*
//! into types that can only hold valid values; the rest of the engine passes those types around.

pub mod chat;
pub mod event;
pub mod ids;
pub mod options;
pub mod presence;
pub mod queue;
pub mod routing;
pub mod user;
pub mod visitor;
pub mod website;

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
}

impl RuleError {
    /// The stable code sent to clients; never change one once released.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::EmptyName => "empty_name",
            RuleError::NameTooLong { .. } => "name_too_long",
            RuleError::EmptyMessage => "empty_message",
            RuleError::MessageTooLong { .. } => "message_too_long",
            RuleError::ControlCharacters => "control_characters",
            RuleError::InvalidWebsiteKey { .. } => "invalid_website_key",
            RuleError::InvalidCapacity { .. } => "invalid_capacity",
            RuleError::ChatEnded => "chat_ended",
            RuleError::ChatNotActive => "chat_not_active",
            RuleError::ChatAlreadyAssigned => "chat_already_assigned",
            RuleError::NotAParticipant => "not_a_participant",
            RuleError::InvalidLanguage { .. } => "invalid_language",
            RuleError::InvalidPageUrl { .. } => "invalid_page_url",
            RuleError::PageTitleTooLong { .. } => "page_title_too_long",
            RuleError::InvalidVisitorKey { .. } => "invalid_visitor_key",
            RuleError::NotAvailable => "not_available",
            RuleError::AtCapacity => "at_capacity",
        }
    }
}
