//! Issue 10: the one table of the engine's API. Each entry registers its actix route
//! (`register`) and describes it for the OpenAPI document (`http::openapi`): method, path,
//! summary, who may call it, the request's body and query types, the answer. A route of the
//! API cannot exist without its entry, so the document cannot miss one.
//!
//! Pages and files that are not part of the protocol (`/`, `/admin/`, the widget's scripts)
//! stay outside the table, in `http::routes`.

use actix_web::http::Method;
use actix_web::{web, ResponseError, Route, Scope};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::{ADMINS, SUPERVISORS};
use super::shape::{query_fields_of, schema_of};
use super::{
    admin, agent, attachments, audit, auth, away_reasons, bans, chat_logs, invitations, members,
    metrics, monitor, offline_messages, offline_review, openapi, predefined, queues, reports,
    retention, review, supervisor, transfer, unmanaged, users, visitor, visitor_context,
    website_settings, websites, wrap_up,
};
use crate::domain::contact::ContactMapping;
use crate::domain::options::OptionsChange;
use crate::domain::schedule::ScheduleForm;
use crate::domain::user::Role;
use crate::error::AppError;

/// The prefix of the REST API; its routes share the CORS, CSRF and audit middlewares.
pub const API_PREFIX: &str = "/api/v1";

/// R45: who may read the transfer targets.
const CHAT_TAKERS: &[Role] = &[Role::Agent, Role::Supervisor];

/// Who may call an endpoint (protocol.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No credentials.
    Anyone,
    /// The widget on a website: no credentials, but the Origin rule (2.3).
    Widget { origin_required: bool },
    /// The `visitor_token` of the chat in the path (2.2).
    VisitorToken,
    /// Any signed-in user (2.1).
    Session,
    /// A signed-in user with one of these roles (R71).
    Roles(&'static [Role]),
    /// An agent in the chat of the path, or a supervisor or admin.
    ChatAgent,
    /// The chat's visitor token, or a session as for `ChatAgent`.
    VisitorOrChatAgent,
    /// Anyone, or only a scraper with `metrics.token` when one is set (8.2).
    Scraper,
}

impl Access {
    /// Words for the document, as protocol.md's endpoint summary says them.
    pub fn describe(self) -> String {
        match self {
            Access::Anyone => "anyone".to_owned(),
            Access::Widget {
                origin_required: true,
            } => "the widget (Origin required and checked)".to_owned(),
            Access::Widget {
                origin_required: false,
            } => "the widget (Origin checked if sent)".to_owned(),
            Access::VisitorToken => "the chat's visitor token".to_owned(),
            Access::Session => "any signed-in user".to_owned(),
            Access::Roles(roles) => {
                let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                format!("a signed-in {}", names.join(" or "))
            }
            Access::ChatAgent => "an agent in the chat, a supervisor or an admin".to_owned(),
            Access::VisitorOrChatAgent => {
                "the chat's visitor token, or an agent in the chat, a supervisor or an admin"
                    .to_owned()
            }
            Access::Scraper => "anyone, or a scraper with the bearer `metrics.token`".to_owned(),
        }
    }

    /// The errors of being refused, as the extractors and role checks produce them.
    fn refusals(self) -> Vec<AppError> {
        let session = || {
            vec![
                AppError::Unauthorized,
                AppError::SessionExpired,
                AppError::AccountDeactivated,
            ]
        };
        match self {
            Access::Anyone => Vec::new(),
            Access::Widget { origin_required } => {
                let mut refusals = vec![AppError::WebsiteNotFound, AppError::OriginNotAllowed];
                if origin_required {
                    refusals.push(AppError::OriginRequired);
                }
                refusals
            }
            Access::VisitorToken => vec![AppError::Unauthorized, AppError::Forbidden],
            Access::Session => session(),
            Access::Roles(_) | Access::ChatAgent | Access::VisitorOrChatAgent => {
                let mut refusals = session();
                refusals.push(AppError::Forbidden);
                refusals
            }
            Access::Scraper => vec![AppError::Unauthorized],
        }
    }

    /// Whether a session cookie may authenticate the request (and so the CSRF check applies
    /// to its writes, protocol.md 2.5).
    pub fn takes_session(self) -> bool {
        matches!(
            self,
            Access::Session | Access::Roles(_) | Access::ChatAgent | Access::VisitorOrChatAgent
        )
    }
}

/// The request's body.
#[derive(Clone, Copy)]
pub enum Body {
    None,
    /// JSON read as this type (its schema, `None` when it cannot be traced).
    Json(fn() -> Option<Value>),
    /// The bytes of a file.
    File,
}

/// A successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A JSON body with one of these statuses.
    Json(&'static [u16]),
    /// `204`, no body.
    NoContent,
    /// `text/csv`.
    Csv,
    /// A stored file, with its own content type.
    File,
    /// The Prometheus text format.
    Metrics,
    /// A WebSocket (`101 Switching Protocols`), frames in protocol.md section 5.
    Socket,
}

/// Reads a query-string type's fields: name, required, schema (`None`: not a struct).
pub type QueryFields = fn() -> Option<Vec<(String, bool, Value)>>;

/// One endpoint of the API.
pub struct Endpoint {
    pub method: Method,
    /// The whole path, with `{name}` path parameters.
    pub path: &'static str,
    pub summary: &'static str,
    /// The section of docs/protocol.md that describes it.
    pub section: &'static str,
    pub access: Access,
    pub body: Body,
    /// The query-string type, if the handler reads one.
    pub query: Option<QueryFields>,
    pub answer: Answer,
    /// Errors the endpoint is known to give besides those of its access, body and input.
    pub fails_with: Vec<AppError>,
    /// The audit log's name for a successful call (R71), for the writes of administration.
    pub audit: Option<&'static str>,
    handler: fn(Route) -> Route,
}

impl Endpoint {
    fn new(method: Method, path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
        Endpoint {
            method,
            path,
            summary: "",
            section: "",
            access: Access::Anyone,
            body: Body::None,
            query: None,
            answer: Answer::Json(&[200]),
            fails_with: Vec::new(),
            audit: None,
            handler,
        }
    }

    fn audited(mut self, action: &'static str) -> Self {
        self.audit = Some(action);
        self
    }

    fn about(mut self, summary: &'static str, section: &'static str, access: Access) -> Self {
        self.summary = summary;
        self.section = section;
        self.access = access;
        self
    }

    fn json<T: DeserializeOwned>(mut self) -> Self {
        self.body = Body::Json(schema_of::<T>);
        self
    }

    fn file(mut self) -> Self {
        self.body = Body::File;
        self
    }

    fn query<T: DeserializeOwned>(mut self) -> Self {
        self.query = Some(query_fields_of::<T>);
        self
    }

    fn answers(mut self, answer: Answer) -> Self {
        self.answer = answer;
        self
    }

    fn created(self) -> Self {
        self.answers(Answer::Json(&[201]))
    }

    fn fails_with(mut self, errors: Vec<AppError>) -> Self {
        self.fails_with = errors;
        self
    }

    /// The names of the `{…}` parameters of the path, in order.
    pub fn path_parameters(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    /// Every error the code knows this endpoint to give, as code and HTTP status: being
    /// refused, a bad body or input, a refused cookie write, the listed ones, and `internal`.
    pub fn errors(&self) -> Vec<(&'static str, u16)> {
        let mut errors = self.access.refusals();
        if matches!(self.body, Body::Json(_)) {
            errors.push(AppError::InvalidBody(String::new()));
        }
        if self.query.is_some() || !self.path_parameters().is_empty() {
            errors.push(AppError::InvalidInput(String::new()));
        }
        if self.access.takes_session() && self.method != Method::GET {
            errors.push(AppError::CsrfRefused);
        }
        errors.push(AppError::Internal(String::new()));
        let listed = self.fails_with.iter();
        errors
            .iter()
            .chain(listed)
            .map(|e| (e.code(), e.status_code().as_u16()))
            .collect()
    }

    /// The actix route: the method, then the handler.
    fn route(&self) -> Route {
        (self.handler)(web::route().method(self.method.clone()))
    }
}

fn get(path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint::new(Method::GET, path, handler)
}

fn post(path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint::new(Method::POST, path, handler)
}

fn put(path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint::new(Method::PUT, path, handler)
}

fn patch(path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint::new(Method::PATCH, path, handler)
}

fn delete(path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint::new(Method::DELETE, path, handler)
}

/// The audit log's action name of the endpoint `method` `pattern` (the whole path, with its
/// `{…}` parameters), if its entry gives one.
pub fn audit_action(method: &str, pattern: &str) -> Option<&'static str> {
    static ACTIONS: std::sync::OnceLock<Vec<(Method, &'static str, &'static str)>> =
        std::sync::OnceLock::new();
    ACTIONS
        .get_or_init(|| {
            all()
                .into_iter()
                .filter_map(|e| Some((e.method, e.path, e.audit?)))
                .collect()
        })
        .iter()
        .find(|(m, p, _)| m.as_str() == method && *p == pattern)
        .map(|(_, _, action)| *action)
}

/// Registers every endpoint: those under [`API_PREFIX`] into `api` (the scope with the API's
/// middlewares), the others (health, metrics) into `root`.
pub fn register(root: &mut web::ServiceConfig, mut api: Scope) -> Scope {
    for endpoint in all() {
        match endpoint.path.strip_prefix(API_PREFIX) {
            Some(rest) => api = api.route(rest, endpoint.route()),
            None => {
                root.route(endpoint.path, endpoint.route());
            }
        }
    }
    api
}

const ADMIN: Access = Access::Roles(ADMINS);
const SUPERVISOR: Access = Access::Roles(SUPERVISORS);
const WIDGET_CHECKED: Access = Access::Widget {
    origin_required: false,
};
const WIDGET_REQUIRED: Access = Access::Widget {
    origin_required: true,
};

/// The table. Order matters only as actix's route order; it follows the protocol's sections.
pub fn all() -> Vec<Endpoint> {
    use Access::{ChatAgent, Session, VisitorOrChatAgent, VisitorToken};
    vec![
        get("/healthz", |r| r.to(super::healthz)).about(
            "Liveness: the process serves HTTP",
            "8",
            Access::Anyone,
        ),
        get("/readyz", |r| r.to(super::readyz)).about(
            "Readiness: the store answers and is migrated",
            "8",
            Access::Anyone,
        ),
        get("/metrics", |r| r.to(metrics::scrape))
            .about("Prometheus metrics", "8.2", Access::Scraper)
            .answers(Answer::Metrics),
        get("/api/v1/openapi.json", |r| r.to(openapi::serve)).about(
            "This OpenAPI document",
            "4.45",
            Access::Anyone,
        ),
        post("/api/v1/auth/login", |r| r.to(auth::login))
            .about("Log in: a session token and cookie", "4.1", Access::Anyone)
            .json::<auth::LoginRequest>()
            .fails_with(vec![
                AppError::InvalidCredentials,
                AppError::AccountDeactivated,
                AppError::RateLimited { retry_after_ms: 0 },
                AppError::LoginLocked { retry_after_ms: 0 },
            ]),
        post("/api/v1/auth/logout", |r| r.to(auth::logout))
            .about("End the session", "4.2", Session)
            .answers(Answer::NoContent),
        get("/api/v1/auth/me", |r| r.to(auth::me)).about("The signed-in user", "4.3", Session),
        get("/api/v1/agent/ws", |r| r.to(agent::socket))
            .about("The agent socket", "5.3", Session)
            .query::<agent::AgentSocketQuery>()
            .answers(Answer::Socket),
        get("/api/v1/websites/{key}/config", |r| {
            r.to(visitor::public_config)
        })
        .about(
            "The widget's configuration of a website",
            "4.4",
            WIDGET_CHECKED,
        ),
        get("/api/v1/websites", |r| r.to(websites::list)).about(
            "Every website",
            "4.37",
            SUPERVISOR,
        ),
        post("/api/v1/websites", |r| r.to(websites::create))
            .audited("website.create")
            .about("Add a website", "4.37", ADMIN)
            .json::<websites::NewWebsiteBody>()
            .created(),
        get("/api/v1/websites/{key}", |r| r.to(websites::show)).about(
            "A website's profile",
            "4.37",
            SUPERVISOR,
        ),
        put("/api/v1/websites/{key}", |r| r.to(websites::update))
            .audited("website.update")
            .about("Change a website's profile", "4.37", ADMIN)
            .json::<websites::ProfileBody>(),
        delete("/api/v1/websites/{key}", |r| r.to(websites::delete))
            .audited("website.delete")
            .about("Delete an unused website", "4.37", ADMIN)
            .answers(Answer::NoContent),
        get("/api/v1/websites/{key}/unmanaged", |r| {
            r.to(website_settings::unmanaged)
        })
        .about("A website's unmanaged-chat policy", "4.37", SUPERVISOR),
        put("/api/v1/websites/{key}/unmanaged", |r| {
            r.to(website_settings::set_unmanaged)
        })
        .audited("website.unmanaged.update")
        .about("Change a website's unmanaged-chat policy", "4.37", ADMIN)
        .json::<website_settings::UnmanagedBody>(),
        post("/api/v1/websites/{key}/chats", |r| {
            r.to(visitor::start_chat)
        })
        .about("Start a chat (a visitor)", "4.5", WIDGET_REQUIRED)
        .json::<visitor::StartChatRequest>()
        .created()
        .fails_with(vec![
            AppError::WebsiteFull,
            AppError::VisitorBanned,
            AppError::InvalidFields(Vec::new()),
            AppError::RateLimited { retry_after_ms: 0 },
        ]),
        get("/api/v1/websites/{key}/ws", |r| {
            r.to(visitor::website_socket)
        })
        .about(
            "The website socket: the widget's mode",
            "5.5",
            WIDGET_CHECKED,
        )
        .answers(Answer::Socket),
        post("/api/v1/websites/{key}/uploads", |r| {
            r.to(offline_messages::upload)
        })
        .about(
            "Upload a file for a form's attachment field",
            "4.24",
            WIDGET_REQUIRED,
        )
        .query::<offline_messages::UploadQuery>()
        .file()
        .created(),
        post("/api/v1/websites/{key}/offline-messages", |r| {
            r.to(offline_messages::submit)
        })
        .about("Leave an offline message", "4.25", WIDGET_REQUIRED)
        .json::<offline_messages::OfflineMessageRequest>()
        .created()
        .fails_with(vec![AppError::InvalidFields(Vec::new())]),
        get("/api/v1/websites/{key}/forms", |r| {
            r.to(website_settings::forms)
        })
        .about("A website's forms", "4.21", SUPERVISOR),
        put("/api/v1/websites/{key}/forms", |r| {
            r.to(website_settings::set_forms)
        })
        .audited("website.forms.update")
        .about("Change a website's forms", "4.21", ADMIN)
        .json::<website_settings::FormsBody>()
        .fails_with(vec![AppError::InvalidFields(Vec::new())]),
        get("/api/v1/websites/{key}/offline-options", |r| {
            r.to(website_settings::offline_options)
        })
        .about("A website's offline-message options", "4.22", SUPERVISOR),
        put("/api/v1/websites/{key}/offline-options", |r| {
            r.to(website_settings::set_offline_options)
        })
        .audited("website.offline_options.update")
        .about("Change a website's offline-message options", "4.22", ADMIN)
        .json::<website_settings::OfflineOptionsBody>(),
        get("/api/v1/websites/{key}/contact-mapping", |r| {
            r.to(website_settings::contact_mapping)
        })
        .about("A website's contact mapping", "4.23", SUPERVISOR),
        put("/api/v1/websites/{key}/contact-mapping", |r| {
            r.to(website_settings::set_contact_mapping)
        })
        .audited("website.contact_mapping.update")
        .about("Change a website's contact mapping", "4.23", ADMIN)
        .json::<ContactMapping>(),
        get("/api/v1/review/offline-messages", |r| {
            r.to(offline_review::list)
        })
        .about("Offline messages to review", "4.26", SUPERVISOR)
        .query::<offline_review::ListQuery>(),
        get("/api/v1/review/offline-messages/{id}", |r| {
            r.to(offline_review::get)
        })
        .about("One offline message", "4.26", SUPERVISOR),
        get(
            "/api/v1/review/offline-messages/{id}/attachments/{upload_id}",
            |r| r.to(offline_review::attachment),
        )
        .about("A file of an offline message", "4.26", SUPERVISOR)
        .answers(Answer::File),
        post("/api/v1/review/offline-messages/{id}/close", |r| {
            r.to(offline_review::close)
        })
        .audited("review.offline_message.close")
        .about("Close an offline message", "4.26", SUPERVISOR),
        post("/api/v1/review/offline-messages/{id}/reply", |r| {
            r.to(offline_review::reply)
        })
        .audited("review.offline_message.reply")
        .about("Reply to an offline message by mail", "4.26", SUPERVISOR)
        .json::<offline_review::ReplyRequest>()
        .created(),
        get("/api/v1/chats/{chat_id}/events", |r| r.to(visitor::events))
            .about("A chat's history (the visitor)", "4.6", VisitorToken)
            .query::<visitor::AfterQuery>(),
        post("/api/v1/chats/{chat_id}/end", |r| r.to(visitor::end_chat))
            .about("End the chat (the visitor)", "4.7", VisitorToken)
            .answers(Answer::NoContent),
        get("/api/v1/chats/{chat_id}/ws", |r| r.to(visitor::socket))
            .about("The visitor socket", "5.2", VisitorToken)
            .query::<visitor::AfterQuery>()
            .answers(Answer::Socket),
        post("/api/v1/chats/{chat_id}/attachments", |r| {
            r.to(attachments::upload)
        })
        .about("Upload a chat file", "4.34", VisitorOrChatAgent)
        .query::<attachments::UploadQuery>()
        .file()
        .created(),
        get("/api/v1/chats/{chat_id}/attachments/{attachment_id}", |r| {
            r.to(attachments::download)
        })
        .about("Download a chat file", "4.34", VisitorOrChatAgent)
        .answers(Answer::File),
        post("/api/v1/chats/{chat_id}/left-message", |r| {
            r.to(unmanaged::leave_message)
        })
        .about(
            "Leave a message after an unmanaged chat",
            "4.16",
            VisitorToken,
        )
        .json::<unmanaged::LeaveMessageBody>()
        .created(),
        post("/api/v1/chats/{chat_id}/transcript", |r| {
            r.to(unmanaged::request_transcript)
        })
        .about(
            "Ask for the chat's transcript by mail",
            "4.17",
            VisitorToken,
        )
        .json::<unmanaged::TranscriptBody>()
        .answers(Answer::Json(&[202])),
        get("/api/v1/chats/{chat_id}/log", |r| r.to(chat_logs::log)).about(
            "A chat's whole log",
            "4.20",
            SUPERVISOR,
        ),
        get("/api/v1/chat-logs", |r| r.to(chat_logs::list))
            .about("Search the chat logs", "4.43", SUPERVISOR)
            .query::<chat_logs::LogQuery>(),
        get("/api/v1/chat-logs.csv", |r| r.to(chat_logs::export_csv))
            .about("Export the chat logs as CSV", "4.43", SUPERVISOR)
            .query::<chat_logs::LogQuery>()
            .answers(Answer::Csv),
        get("/api/v1/left-messages", |r| r.to(unmanaged::left_messages)).about(
            "Messages left after unmanaged chats",
            "4.18",
            Session,
        ),
        get("/api/v1/review/chats", |r| r.to(review::list))
            .about("Chats to review", "4.19", SUPERVISOR)
            .query::<review::ReviewQuery>(),
        get("/api/v1/review/chats/{chat_id}", |r| r.to(review::detail)).about(
            "One chat to review",
            "4.19",
            SUPERVISOR,
        ),
        post("/api/v1/review/chats/{chat_id}/close", |r| {
            r.to(review::close)
        })
        .audited("review.chat.close")
        .about("Close a reviewed chat", "4.19", SUPERVISOR),
        post("/api/v1/review/chats/{chat_id}/reply", |r| {
            r.to(review::reply)
        })
        .audited("review.chat.reply")
        .about(
            "Reply to a reviewed chat's visitor by mail",
            "4.19",
            SUPERVISOR,
        )
        .json::<review::ReplyRequest>()
        .answers(Answer::Json(&[202])),
        get("/api/v1/chats/{chat_id}/routing", |r| {
            r.to(supervisor::routing)
        })
        .about("A chat's routing trail", "4.8", SUPERVISOR),
        post("/api/v1/invitation-codes", |r| r.to(invitations::create))
            .audited("invitation_code.create")
            .about("Create an invitation code", "4.10", Session)
            .json::<invitations::CreateCode>()
            .created(),
        get("/api/v1/invitation-codes", |r| r.to(invitations::list)).about(
            "The agent's active invitation codes",
            "4.10",
            Session,
        ),
        delete("/api/v1/invitation-codes/{code}", |r| {
            r.to(invitations::revoke)
        })
        .audited("invitation_code.revoke")
        .about("Revoke an invitation code", "4.10", Session)
        .answers(Answer::NoContent),
        get("/api/v1/queues/{queue_id}/opening-hours", |r| {
            r.to(queues::opening_hours)
        })
        .about("A queue's opening hours", "4.9", SUPERVISOR),
        put("/api/v1/queues/{queue_id}/opening-hours", |r| {
            r.to(queues::set_opening_hours)
        })
        .audited("queue.opening_hours.update")
        .about("Change a queue's opening hours", "4.9", ADMIN)
        .json::<ScheduleForm>(),
        get("/api/v1/queues/{queue_id}/routing-rules", |r| {
            r.to(queues::routing_rules)
        })
        .about("A queue's routing rules", "4.11", SUPERVISOR),
        put("/api/v1/queues/{queue_id}/routing-rules", |r| {
            r.to(queues::set_routing_rules)
        })
        .audited("queue.routing_rules.update")
        .about("Change a queue's routing rules", "4.11", ADMIN)
        .json::<queues::RoutingRulesView>(),
        get("/api/v1/away-reasons", |r| r.to(away_reasons::list))
            .about("The away reasons", "4.12", Session)
            .query::<away_reasons::ListQuery>(),
        post("/api/v1/away-reasons", |r| r.to(away_reasons::create))
            .audited("away_reason.create")
            .about("Add an away reason", "4.12", ADMIN)
            .json::<away_reasons::CreateReason>()
            .created(),
        patch("/api/v1/away-reasons/{reason_id}", |r| {
            r.to(away_reasons::change)
        })
        .audited("away_reason.update")
        .about("Change an away reason", "4.12", ADMIN)
        .json::<away_reasons::ChangeReason>(),
        get("/api/v1/wrap-up-reasons", |r| r.to(wrap_up::list))
            .about("The wrap-up reasons", "4.35", Session)
            .query::<wrap_up::ListQuery>(),
        post("/api/v1/wrap-up-reasons", |r| r.to(wrap_up::create))
            .audited("wrap_up_reason.create")
            .about("Add a wrap-up reason", "4.35", ADMIN)
            .json::<wrap_up::CreateReason>()
            .created(),
        patch("/api/v1/wrap-up-reasons/{reason_id}", |r| {
            r.to(wrap_up::change)
        })
        .audited("wrap_up_reason.update")
        .about("Change a wrap-up reason", "4.35", ADMIN)
        .json::<wrap_up::ChangeReason>(),
        get("/api/v1/queues/{queue_id}/wrap-up", |r| {
            r.to(wrap_up::queue_settings)
        })
        .about("A queue's wrap-up settings", "4.36", SUPERVISOR),
        put("/api/v1/queues/{queue_id}/wrap-up", |r| {
            r.to(wrap_up::set_queue_settings)
        })
        .audited("queue.wrap_up.update")
        .about("Change a queue's wrap-up settings", "4.36", ADMIN)
        .json::<wrap_up::QueueWrapUp>(),
        get("/api/v1/queues", |r| r.to(queues::list)).about("Every queue", "4.38", SUPERVISOR),
        post("/api/v1/queues", |r| r.to(queues::create))
            .audited("queue.create")
            .about("Add a queue", "4.38", ADMIN)
            .json::<queues::NewQueueBody>()
            .created(),
        delete("/api/v1/queues/{queue_id}", |r| r.to(queues::delete))
            .audited("queue.delete")
            .about("Delete an unused queue", "4.38", ADMIN)
            .answers(Answer::NoContent),
        get("/api/v1/queues/{queue_id}/leave-message", |r| {
            r.to(queues::leave_message)
        })
        .about("A queue's leave-a-message setting", "4.38", SUPERVISOR),
        put("/api/v1/queues/{queue_id}/leave-message", |r| {
            r.to(queues::set_leave_message)
        })
        .audited("queue.leave_message.update")
        .about("Change a queue's leave-a-message setting", "4.38", ADMIN)
        .json::<queues::LeaveMessageBody>(),
        get("/api/v1/agents", |r| r.to(members::chat_takers)).about(
            "The users who take chats",
            "4.39",
            SUPERVISOR,
        ),
        get("/api/v1/queues/{queue_id}/members", |r| r.to(members::list)).about(
            "A queue's members",
            "4.13",
            SUPERVISOR,
        ),
        put("/api/v1/queues/{queue_id}/members/{user_id}", |r| {
            r.to(members::put)
        })
        .audited("queue.member.set")
        .about("Add a queue member or change its hunt order", "4.13", ADMIN)
        .json::<members::SetMember>()
        .answers(Answer::Json(&[200, 201])),
        delete("/api/v1/queues/{queue_id}/members/{user_id}", |r| {
            r.to(members::delete)
        })
        .audited("queue.member.remove")
        .about("Remove a queue member", "4.13", ADMIN)
        .answers(Answer::NoContent),
        put("/api/v1/agents/{user_id}/capacity", |r| {
            r.to(members::put_capacity)
        })
        .audited("user.capacity.update")
        .about("Change an agent's capacity", "4.14", ADMIN)
        .json::<members::SetCapacity>(),
        get("/api/v1/transfer-targets", |r| r.to(transfer::list)).about(
            "Agents and queues a chat may be transferred to",
            "4.27",
            Access::Roles(CHAT_TAKERS),
        ),
        get("/api/v1/predefined-messages", |r| r.to(predefined::list)).about(
            "Predefined messages (an agent: its own)",
            "4.28",
            Session,
        ),
        post("/api/v1/predefined-messages", |r| r.to(predefined::create))
            .audited("predefined_message.create")
            .about("Add a predefined message", "4.28", SUPERVISOR)
            .json::<predefined::WriteMessage>()
            .created(),
        put("/api/v1/predefined-messages/{id}", |r| {
            r.to(predefined::update)
        })
        .audited("predefined_message.update")
        .about("Change a predefined message", "4.28", SUPERVISOR)
        .json::<predefined::WriteMessage>(),
        delete("/api/v1/predefined-messages/{id}", |r| {
            r.to(predefined::delete)
        })
        .audited("predefined_message.delete")
        .about("Delete a predefined message", "4.28", SUPERVISOR)
        .answers(Answer::NoContent),
        get("/api/v1/websites/{key}/identity", |r| {
            r.to(website_settings::identity)
        })
        .about("A website's signed-identity settings", "4.29", SUPERVISOR),
        put("/api/v1/websites/{key}/identity", |r| {
            r.to(website_settings::set_identity)
        })
        .audited("website.identity.update")
        .about("Change a website's signed-identity settings", "4.29", ADMIN)
        .json::<website_settings::IdentityBody>(),
        post("/api/v1/websites/{key}/identity/secret", |r| {
            r.to(website_settings::new_identity_secret)
        })
        .audited("website.identity.new_secret")
        .about("A new identity secret for a website", "4.29", ADMIN)
        .created(),
        patch("/api/v1/chats/{chat_id}/visitor", |r| {
            r.to(visitor_context::edit_visitor)
        })
        .about("Edit the chat's visitor data", "4.30", ChatAgent)
        .json::<visitor_context::VisitorEditBody>(),
        put("/api/v1/chats/{chat_id}/contact", |r| {
            r.to(visitor_context::link_contact)
        })
        .about("Link the chat to a contact", "4.31", ChatAgent)
        .json::<visitor_context::LinkBody>(),
        post("/api/v1/chats/{chat_id}/contact", |r| {
            r.to(visitor_context::create_contact)
        })
        .about("Create a contact from the chat", "4.31", ChatAgent)
        .created(),
        get("/api/v1/contacts", |r| {
            r.to(visitor_context::search_contacts)
        })
        .about("Search contacts", "4.31", Session)
        .query::<visitor_context::ContactQuery>(),
        get("/api/v1/chats/{chat_id}/notes", |r| {
            r.to(visitor_context::notes)
        })
        .about("The notes of a chat and its contact", "4.32", ChatAgent),
        post("/api/v1/chats/{chat_id}/notes", |r| {
            r.to(visitor_context::add_note)
        })
        .about("Add a note to a chat", "4.32", ChatAgent)
        .json::<visitor_context::NoteBody>()
        .created(),
        post("/api/v1/chats/{chat_id}/ban", |r| r.to(bans::ban))
            .audited("visitor.ban")
            .about("Ban the chat's visitor", "4.33", ChatAgent)
            .json::<bans::BanBody>()
            .created(),
        post("/api/v1/chats/{chat_id}/erase-visitor", |r| {
            r.to(retention::erase_visitor)
        })
        .audited("visitor.erase")
        .about("Erase the data of the chat's visitor", "4.44", ADMIN),
        get("/api/v1/bans", |r| r.to(bans::list)).about("Every ban", "4.33", SUPERVISOR),
        delete("/api/v1/bans/{ban_id}", |r| r.to(bans::lift))
            .audited("visitor.ban.lift")
            .about("Lift a ban", "4.33", SUPERVISOR)
            .answers(Answer::NoContent),
        get("/api/v1/options", |r| r.to(admin::options)).about(
            "The run-time options",
            "4.15",
            ADMIN,
        ),
        put("/api/v1/options", |r| r.to(admin::set_options))
            .audited("options.update")
            .about("Change the run-time options", "4.15", ADMIN)
            .json::<OptionsChange>(),
        get("/api/v1/users", |r| r.to(users::list)).about("Every account", "4.40", SUPERVISOR),
        post("/api/v1/users", |r| r.to(users::create))
            .audited("user.create")
            .about("Add an account", "4.40", ADMIN)
            .json::<users::CreateUser>()
            .created(),
        patch("/api/v1/users/{user_id}", |r| r.to(users::change))
            .audited("user.update")
            .about("Change an account", "4.40", ADMIN)
            .json::<users::ChangeUser>(),
        post("/api/v1/users/{user_id}/password", |r| {
            r.to(users::set_password)
        })
        .audited("user.password.set")
        .about("Set an account's password", "4.40", ADMIN)
        .json::<users::SetPassword>()
        .answers(Answer::NoContent),
        get("/api/v1/audit-log", |r| r.to(audit::list))
            .about("The audit log", "4.41", ADMIN)
            .query::<audit::AuditQuery>(),
        get("/api/v1/monitor/ws", |r| r.to(monitor::socket))
            .about("The live monitor socket", "5.8", SUPERVISOR)
            .answers(Answer::Socket),
        get("/api/v1/reports", |r| r.to(reports::json))
            .about("A report of a period", "4.42", SUPERVISOR)
            .query::<reports::ReportQuery>(),
        get("/api/v1/reports.csv", |r| r.to(reports::csv))
            .about("A report of a period as CSV", "4.42", SUPERVISOR)
            .query::<reports::ReportQuery>()
            .answers(Answer::Csv),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R71: every write the audit middleware records has its action named in its entry, and
    /// no entry names an action that is never recorded.
    #[test]
    fn every_audited_write_is_named_in_its_entry() {
        for endpoint in all() {
            let recorded =
                audit::is_state_changing(&endpoint.method) && !audit::is_excluded(endpoint.path);
            assert_eq!(
                recorded,
                endpoint.audit.is_some(),
                "{} {}: recorded by the audit middleware iff named",
                endpoint.method,
                endpoint.path
            );
        }
    }

    #[test]
    fn the_audit_name_is_found_by_the_matched_pattern() {
        assert_eq!(
            audit_action("PUT", "/api/v1/websites/{key}"),
            Some("website.update")
        );
        assert_eq!(audit_action("GET", "/api/v1/websites/{key}"), None);
        assert_eq!(audit_action("PUT", "/api/v1/nothing"), None);
    }

    #[test]
    fn every_endpoint_is_listed_once_with_a_summary_and_a_section() {
        let endpoints = all();
        let mut seen = std::collections::HashSet::new();
        for e in &endpoints {
            assert!(
                seen.insert((e.method.clone(), e.path)),
                "{} {} twice",
                e.method,
                e.path
            );
            assert!(!e.summary.is_empty(), "{} {}", e.method, e.path);
            assert!(!e.section.is_empty(), "{} {}", e.method, e.path);
        }
    }

    #[test]
    fn errors_follow_from_access_body_and_input() {
        let endpoints = all();
        let codes = |path: &str, method: Method| -> Vec<&'static str> {
            let e = endpoints
                .iter()
                .find(|e| e.path == path && e.method == method)
                .expect("listed");
            e.errors().into_iter().map(|(code, _)| code).collect()
        };
        assert_eq!(
            codes("/api/v1/users/{user_id}", Method::PATCH),
            vec![
                "unauthorized",
                "session_expired",
                "account_deactivated",
                "forbidden",
                "invalid_body",
                "invalid_input",
                "csrf_refused",
                "internal"
            ]
        );
        assert_eq!(
            codes("/api/v1/auth/login", Method::POST),
            vec![
                "invalid_body",
                "internal",
                "invalid_credentials",
                "account_deactivated",
                "rate_limited",
                "login_locked"
            ]
        );
        assert_eq!(codes("/healthz", Method::GET), vec!["internal"]);
    }
}
