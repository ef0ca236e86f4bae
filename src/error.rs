//! The engine's error type at its boundary (REST and WebSocket alike).
//!
//! Which error each layer returns: `domain` returns [`RuleError`], `store` returns
//! [`StoreError`], actors and HTTP handlers return [`AppError`], which wraps both. Every
//! `AppError` has a stable snake_case code and is sent as
//! `{"error": "code", "message": "human text"}` with a fitting HTTP status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use thiserror::Error;

use crate::domain::availability::ModeReason;
use crate::domain::form::FieldError;
use crate::domain::RuleError;
use crate::store::StoreError;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AppError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("the request body is not valid: {0}")]
    InvalidBody(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("this account is deactivated")]
    AccountDeactivated,
    #[error("log in first")]
    Unauthorized,
    #[error("the session has expired; log in again")]
    SessionExpired,
    #[error("you may not access this")]
    Forbidden,
    #[error("requests from this origin are not allowed here")]
    OriginNotAllowed,
    #[error("the Origin header is required")]
    OriginRequired,
    #[error("no website has this key")]
    WebsiteNotFound,
    #[error("the website has reached its maximum of concurrent chats")]
    WebsiteFull,
    #[error("live chat is offline now ({reason})")]
    WebsiteOffline { reason: ModeReason },
    #[error("no such queue")]
    QueueNotFound,
    /// R67: a queue is deleted only when nothing uses it (the text says what does).
    #[error("{0}")]
    QueueInUse(String),
    /// R57: a website is deleted only when nothing uses it (the text says what does).
    #[error("{0}")]
    WebsiteInUse(String),
    #[error("no such chat")]
    ChatNotFound,
    #[error("no user has this id")]
    UserNotFound,
    #[error("this user is not a member of this queue")]
    MemberNotFound,
    #[error("no such endpoint")]
    EndpointNotFound,
    #[error("there is no open offer of this chat for you")]
    OfferNotFound,
    #[error("the engine is shutting down or restarting this part; try again")]
    Unavailable,
    /// Issue 10: the engine is stopping (a graceful stop, §6.9): it takes no new socket or
    /// chat, and no command after its `server_closing` frame. Retry after reconnecting.
    #[error("the engine is stopping; reconnect and try again")]
    ServerClosing { retry_after_ms: u64 },
    /// Issue 11: in cluster mode, the node the client reached knows no leader it can reach
    /// (the leader died and no other node has taken over yet, or NATS is down). Retry.
    #[error("no node leads the cluster at the moment; try again shortly")]
    NoLeader,
    /// R92: a visitor's data is erased only once every chat of the visitor has ended.
    #[error("chat {0} of this visitor is still open; end it first")]
    ChatStillOpen(i64),
    #[error("the client preview is switched off by an administrator")]
    PreviewDisabled,
    #[error("only members of the chat's queue may do this while it waits")]
    NotAQueueMember,
    #[error("the chat is not waiting in a queue any more")]
    ChatNotWaiting,
    #[error("this chat has recorded as many page views as it may")]
    TooManyPageViews,
    #[error("only chats that ended unmanaged or timed out are reviewed here")]
    NotReviewable,
    #[error("some fields are not valid: {}", field_list(.0))]
    InvalidFields(Vec<FieldError>),
    #[error("live chat is available now; start a chat instead of leaving a message")]
    WebsiteOnline,
    #[error("no SMTP server is configured (mail.smtp_host), so no mail can be sent")]
    SmtpNotConfigured,
    #[error("no offline message has this id")]
    OfflineMessageNotFound,
    #[error("no such attachment")]
    AttachmentNotFound,
    #[error("the visitor left no e-mail address to reply to")]
    NoVisitorAddress,
    #[error("no predefined message with this id is available to you")]
    PredefinedMessageNotFound,
    #[error("this visitor is banned from starting chats")]
    VisitorBanned,
    #[error("no contact has this id")]
    ContactNotFound,
    #[error("no ban has this id")]
    BanNotFound,
    #[error("too many requests; try again in {} s", retry_after_ms.div_ceil(1000).max(1))]
    RateLimited { retry_after_ms: u64 },
    #[error("too many failed logins; try again in {} s", retry_after_ms.div_ceil(1000).max(1))]
    LoginLocked { retry_after_ms: u64 },
    #[error("this request must come from the engine's own pages (cross-site request refused)")]
    CsrfRefused,
    #[error("too many open connections from this address")]
    TooManySockets,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable code clients see; never change one once released.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Rule(rule) => rule.code(),
            AppError::InvalidBody(_) => "invalid_body",
            AppError::InvalidInput(_) => "invalid_input",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::AccountDeactivated => "account_deactivated",
            AppError::Unauthorized => "unauthorized",
            AppError::SessionExpired => "session_expired",
            AppError::Forbidden => "forbidden",
            AppError::OriginNotAllowed => "origin_not_allowed",
            AppError::OriginRequired => "origin_required",
            AppError::WebsiteNotFound => "website_not_found",
            AppError::WebsiteFull => "website_full",
            AppError::WebsiteOffline { .. } => "website_offline",
            AppError::QueueNotFound => "queue_not_found",
            AppError::QueueInUse(_) => "queue_in_use",
            AppError::WebsiteInUse(_) => "website_in_use",
            AppError::ChatNotFound => "chat_not_found",
            AppError::UserNotFound => "user_not_found",
            AppError::MemberNotFound => "member_not_found",
            AppError::EndpointNotFound => "not_found",
            AppError::OfferNotFound => "offer_not_found",
            AppError::Unavailable => "unavailable",
            AppError::ServerClosing { .. } => "server_closing",
            AppError::NoLeader => "no_leader",
            AppError::ChatStillOpen(_) => "chat_still_open",
            AppError::PreviewDisabled => "preview_disabled",
            AppError::NotAQueueMember => "not_a_queue_member",
            AppError::ChatNotWaiting => "chat_not_waiting",
            AppError::TooManyPageViews => "too_many_page_views",
            AppError::NotReviewable => "not_reviewable",
            AppError::InvalidFields(_) => "invalid_fields",
            AppError::WebsiteOnline => "website_online",
            AppError::SmtpNotConfigured => "smtp_not_configured",
            AppError::OfflineMessageNotFound => "offline_message_not_found",
            AppError::AttachmentNotFound => "attachment_not_found",
            AppError::NoVisitorAddress => "no_visitor_address",
            AppError::PredefinedMessageNotFound => "predefined_message_not_found",
            AppError::VisitorBanned => "visitor_banned",
            AppError::ContactNotFound => "contact_not_found",
            AppError::BanNotFound => "ban_not_found",
            AppError::RateLimited { .. } | AppError::TooManySockets => "rate_limited",
            AppError::LoginLocked { .. } => "login_locked",
            AppError::CsrfRefused => "csrf_refused",
            AppError::Store(StoreError::Pool(_) | StoreError::NotCommitted(_)) => {
                "store_unavailable"
            }
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The message shown to clients: internals are logged, never sent.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Store(StoreError::Pool(_) | StoreError::NotCommitted(_)) => {
                "the database is busy; try again".to_owned()
            }
            AppError::Store(_) | AppError::Internal(_) => {
                "something went wrong on our side".to_owned()
            }
            other => other.to_string(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let fields = match self {
            AppError::InvalidFields(errors) => errors
                .iter()
                .map(|e| FieldErrorView {
                    field: e.field.clone(),
                    error: e.error.code(),
                    message: e.error.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        };
        ErrorBody {
            error: self.code(),
            message: self.public_message(),
            fields,
            retry_after_ms: self.retry_after_ms(),
        }
    }

    /// The JSON body as text, for answers built outside actix-web's error path.
    pub fn body_text(&self) -> String {
        serde_json::to_string(&self.body()).unwrap_or_default()
    }

    /// Issue 10: with `rate_limited` and `login_locked`, how long until a retry may succeed.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_ms }
            | AppError::LoginLocked { retry_after_ms }
            | AppError::ServerClosing { retry_after_ms } => Some(*retry_after_ms),
            AppError::NoLeader => Some(1000),
            _ => None,
        }
    }
}

fn field_list(errors: &[FieldError]) -> String {
    let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    names.join(", ")
}

impl From<Vec<FieldError>> for AppError {
    fn from(errors: Vec<FieldError>) -> AppError {
        AppError::InvalidFields(errors)
    }
}

/// So that a transaction whose closure returns `AppError` rolls back on a refusal as well as
/// on a failed query.
impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> AppError {
        AppError::Store(StoreError::Query(error))
    }
}

impl From<actix::MailboxError> for AppError {
    fn from(_: actix::MailboxError) -> AppError {
        AppError::Unavailable
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    /// With `invalid_fields` only: each bad field of a form submission and why (R4, R62).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorView>,
    /// With `rate_limited` and `login_locked`: milliseconds until a retry may succeed (the
    /// `Retry-After` header says it in whole seconds, rounded up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// One bad field of a form submission.
#[derive(Debug, Serialize)]
pub struct FieldErrorView {
    pub field: String,
    pub error: &'static str,
    pub message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Rule(
                RuleError::ChatEnded
                | RuleError::ChatAlreadyAssigned
                | RuleError::LabelTaken
                | RuleError::NotAvailable
                | RuleError::AtCapacity
                | RuleError::LeaveMessageUnavailable
                | RuleError::MessageAlreadyLeft
                | RuleError::ReviewClosed
                | RuleError::ChoiceAlreadyPicked
                | RuleError::WrapUpNotOwed
                | RuleError::DefaultReasonRequired
                | RuleError::AgentAlreadyInChat
                | RuleError::LastAgentInChat
                | RuleError::NoConference
                | RuleError::TransferPending
                | RuleError::InvitationPending
                | RuleError::NoTransferPending
                | RuleError::NoAgentAvailable,
            ) => StatusCode::CONFLICT,
            AppError::Rule(RuleError::LeaveMessageExpired | RuleError::TranscriptExpired) => {
                StatusCode::GONE
            }
            AppError::Rule(RuleError::TooManyTranscripts { .. }) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Rule(RuleError::AwayReasonNotFound | RuleError::WrapUpReasonNotFound) => {
                StatusCode::NOT_FOUND
            }
            AppError::Rule(
                RuleError::NotAParticipant | RuleError::BanNotAllowed | RuleError::NotChatOwner,
            ) => StatusCode::FORBIDDEN,
            AppError::Rule(RuleError::InvalidIdentity { .. } | RuleError::IdentityRequired) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Rule(
                RuleError::IdentitySecretMissing
                | RuleError::VisitorNotIdentifiable
                | RuleError::WebsiteKeyTaken
                | RuleError::UsernameTaken
                | RuleError::LastAdmin
                | RuleError::SelfLockout,
            ) => StatusCode::CONFLICT,
            AppError::Rule(RuleError::UnknownSlashCommand) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Rule(RuleError::InvitationUnknown) => StatusCode::NOT_FOUND,
            AppError::Rule(RuleError::InvitationExpired | RuleError::InvitationUsedUp) => {
                StatusCode::GONE
            }
            AppError::Rule(RuleError::FileTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Rule(
                RuleError::UnsupportedFileType
                | RuleError::FileTypeNotAccepted
                | RuleError::FileContentMismatch,
            ) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Rule(_)
            | AppError::InvalidBody(_)
            | AppError::InvalidInput(_)
            | AppError::InvalidFields(_)
            | AppError::SmtpNotConfigured => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::InvalidCredentials | AppError::Unauthorized | AppError::SessionExpired => {
                StatusCode::UNAUTHORIZED
            }
            AppError::AccountDeactivated
            | AppError::Forbidden
            | AppError::OriginNotAllowed
            | AppError::OriginRequired
            | AppError::PreviewDisabled
            | AppError::NotAQueueMember
            | AppError::VisitorBanned => StatusCode::FORBIDDEN,
            AppError::WebsiteNotFound
            | AppError::QueueNotFound
            | AppError::ChatNotFound
            | AppError::UserNotFound
            | AppError::MemberNotFound
            | AppError::OfferNotFound
            | AppError::EndpointNotFound
            | AppError::OfflineMessageNotFound
            | AppError::AttachmentNotFound
            | AppError::PredefinedMessageNotFound
            | AppError::ContactNotFound
            | AppError::BanNotFound => StatusCode::NOT_FOUND,
            AppError::WebsiteFull
            | AppError::WebsiteOffline { .. }
            | AppError::ChatNotWaiting
            | AppError::NotReviewable
            | AppError::WebsiteOnline
            | AppError::NoVisitorAddress
            | AppError::QueueInUse(_)
            | AppError::ChatStillOpen(_)
            | AppError::WebsiteInUse(_) => StatusCode::CONFLICT,
            AppError::TooManyPageViews
            | AppError::RateLimited { .. }
            | AppError::LoginLocked { .. }
            | AppError::TooManySockets => StatusCode::TOO_MANY_REQUESTS,
            AppError::CsrfRefused => StatusCode::FORBIDDEN,
            AppError::Unavailable
            | AppError::ServerClosing { .. }
            | AppError::NoLeader
            | AppError::Store(StoreError::Pool(_) | StoreError::NotCommitted(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // A stopping engine's refusals are expected, not failures.
        let expected = matches!(self, AppError::ServerClosing { .. } | AppError::NoLeader);
        if self.status_code().is_server_error() && !expected {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let Some(ms) = self.retry_after_ms() {
            let seconds = ms.div_ceil(1000).max(1);
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(self.body())
    }
}
