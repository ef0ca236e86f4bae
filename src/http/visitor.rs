//! The visitor's endpoints: what the widget calls. A visitor is identified per chat by the
//! secret token it got when starting the chat, so it can reach its own chat and no other.

use actix::{Actor, AsyncContext};
use actix_web::http::header;
use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::limits::RequestLimits;
use super::socket;
use super::visitor_socket::VisitorSocket;
use super::website_socket::WebsiteSocket;
use crate::actors::chat::{Describe, EndChat};
use crate::actors::website::{GetPublicConfig, StartChat};
use crate::actors::Engine;
use crate::credentials;
use crate::domain::chat::{EndedBy, VisitorName};
use crate::domain::ids::{ChatId, Seq};
use crate::domain::invitation::InvitationCode;
use crate::domain::visitor::{parse_user_agent, Language, PageView, VisitorKey};
use crate::domain::website::WebsiteKey;
use crate::error::AppError;
use crate::limits::Kind;
use crate::protocol::VisitorDetails;
use crate::store;

pub(super) fn origin(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(super) fn website(
    engine: &Engine,
    key: &str,
) -> Result<actix::Addr<crate::actors::website::WebsiteActor>, AppError> {
    let key = WebsiteKey::parse(key).map_err(|_| AppError::WebsiteNotFound)?;
    engine.website(&key).ok_or(AppError::WebsiteNotFound)
}

/// `GET /api/v1/websites/{key}/config`
pub async fn public_config(
    engine: web::Data<Engine>,
    req: HttpRequest,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let config = website(&engine, &key)?
        .send(GetPublicConfig {
            origin: origin(&req),
        })
        .await??;
    Ok(HttpResponse::Ok().json(config))
}

/// `GET /api/v1/websites/{key}/ws`: the widget's socket before any chat; it tells the
/// widget's mode on connect and at every change (R5). No token; an `Origin`, when sent (as
/// browsers do), must be one of the website's domains (R2), checked before the upgrade.
pub async fn website_socket(
    engine: web::Data<Engine>,
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let website = website(&engine, &key)?;
    if let Some(origin) = origin(&req) {
        let key = WebsiteKey::parse(&key).map_err(|_| AppError::WebsiteNotFound)?;
        if !engine.origin_allowed(Some(&key), &origin) {
            return Err(AppError::OriginNotAllowed.into());
        }
    }
    let slot = RequestLimits::of(&engine, &req).socket_slot()?;
    let (response, core, stream) =
        socket::open(&req, body, &engine, crate::metrics::SocketKind::Website)?;
    let core = core.tag("website", &key.as_str()).holding(slot);
    WebsiteSocket::create(move |ctx| {
        ctx.add_stream(stream);
        WebsiteSocket::new(core, website)
    });
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartChatRequest {
    name: String,
    /// Pre-chat form values (R4), checked against the website's pre-chat form and shown to the
    /// agent.
    #[serde(default)]
    fields: Map<String, Value>,
    /// R54: the page the visitor is on.
    page_url: Option<String>,
    page_title: Option<String>,
    /// R12: chosen in the widget; else the browser's `Accept-Language` is used.
    language: Option<String>,
    /// R37: six digits from an agent: the chat goes straight to that agent.
    invitation_code: Option<String>,
    /// R90: the identity the widget keeps for this visitor.
    visitor_key: Option<String>,
    /// R52: `payload.signature`, the visitor's identity signed by the website's backend.
    identity: Option<String>,
}

/// What a widget tells about its visitor with a chat request or an offline message.
pub(super) struct ContextInput<'a> {
    pub fields: &'a Map<String, Value>,
    pub page_url: Option<&'a str>,
    pub page_title: Option<&'a str>,
    pub language: Option<&'a str>,
    pub visitor_key: Option<&'a str>,
}

/// R34, R54, R90: what the request and its headers say about the visitor, parsed; a value the
/// visitor sent that does not parse refuses the request (nothing is created).
pub(super) fn visitor_context(
    req: &HttpRequest,
    input: ContextInput<'_>,
) -> Result<(VisitorDetails, Option<PageView>, Option<VisitorKey>), AppError> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let language = match input.language {
        Some(language) => Some(Language::parse(language)?),
        None => header(header::ACCEPT_LANGUAGE).and_then(Language::from_accept_language),
    };
    let first_page = match input.page_url {
        Some(url) => Some(PageView::parse(url, input.page_title)?),
        None => None,
    };
    let visitor_key = input.visitor_key.map(VisitorKey::parse).transpose()?;
    let user_agent = header(header::USER_AGENT).map(|ua| ua.chars().take(300).collect::<String>());
    let software = parse_user_agent(user_agent.as_deref().unwrap_or_default());
    let details = VisitorDetails {
        fields: input.fields.clone(),
        language: language.map(|l| l.as_str().to_owned()),
        browser: software.browser.as_ref().map(|b| b.name.to_owned()),
        browser_version: software.browser.and_then(|b| b.version),
        os: software.os.map(str::to_owned),
        page_url: first_page.as_ref().map(|p| p.url.as_str().to_owned()),
        page_title: first_page
            .as_ref()
            .and_then(|p| p.title.as_ref())
            .map(|t| t.as_str().to_owned()),
        user_agent,
        ..VisitorDetails::default()
    };
    Ok((details, first_page, visitor_key))
}

#[derive(Debug, Serialize)]
struct StartChatResponse {
    chat_id: ChatId,
    visitor_token: String,
    state: &'static str,
    last_seq: Seq,
}

/// `POST /api/v1/websites/{key}/chats`: R3, exactly one chat per submitted name.
pub async fn start_chat(
    engine: web::Data<Engine>,
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Json<StartChatRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    // Issue 10: a stopping engine starts no chat; the widget retries on another instance.
    engine.refuse_if_draining()?;
    // Issue 10: chat starts per IP address and per visitor, and guesses at invitation codes.
    let limits = RequestLimits::of(&engine, &req);
    limits.per_ip(Kind::ChatStartIp)?;
    if let Some(visitor_key) = &body.visitor_key {
        limits.per_key(Kind::ChatStartVisitor, visitor_key)?;
    }
    if body.invitation_code.is_some() {
        limits.per_ip(Kind::InvitationCodeIp)?;
    }
    let visitor_name = VisitorName::parse(&body.name)?;
    let invitation_code = body
        .invitation_code
        .as_deref()
        .map(InvitationCode::parse)
        .transpose()?;
    let (visitor_details, first_page, visitor_key) = visitor_context(
        &req,
        ContextInput {
            fields: &body.fields,
            page_url: body.page_url.as_deref(),
            page_title: body.page_title.as_deref(),
            language: body.language.as_deref(),
            visitor_key: body.visitor_key.as_deref(),
        },
    )?;
    let started = website(&engine, &key)?
        .send(StartChat {
            origin: origin(&req),
            visitor_name,
            visitor_details,
            first_page,
            visitor_key,
            invitation_code,
            identity: body.identity,
        })
        .await??
        .started()
        .await?;
    Ok(HttpResponse::Created().json(StartChatResponse {
        chat_id: started.chat_id,
        visitor_token: started.visitor_token,
        state: started.summary.state.as_str(),
        last_seq: started.summary.last_seq,
    }))
}

/// A request made by the visitor of the chat named in the path, proven by the chat's token:
/// `Authorization: Bearer …`, or `?token=` where a browser cannot set headers (WebSocket). A
/// visitor reaches its own chat and no other.
pub struct VisitorOfChat {
    pub chat: store::chats::ChatRow,
}

impl VisitorOfChat {
    pub fn chat_id(&self) -> ChatId {
        self.chat.chat_id()
    }
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

impl FromRequest for VisitorOfChat {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<VisitorOfChat, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let engine = req.app_data::<web::Data<Engine>>().cloned();
        let chat_id = req.match_info().get("chat_id").map(str::parse::<i64>);
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .or_else(|| {
                web::Query::<TokenQuery>::from_query(req.query_string())
                    .ok()
                    .and_then(|q| q.into_inner().token)
            });
        Box::pin(async move {
            let engine = engine.ok_or_else(|| AppError::Internal("engine missing".into()))?;
            let chat_id = match chat_id {
                Some(Ok(id)) => ChatId(id),
                _ => return Err(AppError::InvalidInput("the chat id is a number".into())),
            };
            let token = token.ok_or(AppError::Unauthorized)?;
            let chat = engine
                .db()
                .run(move |conn| store::chats::by_id(conn, chat_id))
                .await?
                .ok_or(AppError::Forbidden)?;
            if credentials::hashes_match(&credentials::token_hash(&token), &chat.visitor_token_hash)
            {
                Ok(VisitorOfChat { chat })
            } else {
                Err(AppError::Forbidden)
            }
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct AfterQuery {
    #[serde(default)]
    after_seq: i64,
}

/// `GET /api/v1/chats/{chat_id}/events`: the chat's public history after `after_seq`.
pub async fn events(
    engine: web::Data<Engine>,
    visitor: VisitorOfChat,
    query: web::Query<AfterQuery>,
) -> Result<HttpResponse, AppError> {
    let chat_id = visitor.chat_id();
    let after = Seq(query.after_seq.max(0));
    let limit = engine.settings().realtime.replay_batch.max(1);
    let events = engine
        .db()
        .run(move |conn| store::chats::events_after(conn, chat_id, after, false, limit))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "chat_id": chat_id, "events": events })))
}

/// `POST /api/v1/chats/{chat_id}/end`: R7, the visitor ends the chat.
pub async fn end_chat(
    engine: web::Data<Engine>,
    visitor: VisitorOfChat,
) -> Result<HttpResponse, AppError> {
    engine
        .chat(visitor.chat_id())
        .await?
        .send(EndChat {
            by: EndedBy::Visitor,
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/chats/{chat_id}/ws`: the visitor's live socket; replays after `after_seq`.
pub async fn socket(
    engine: web::Data<Engine>,
    visitor: VisitorOfChat,
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<AfterQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let chat_id = visitor.chat_id();
    let chat = engine.chat(chat_id).await?;
    let summary = chat.send(Describe).await.map_err(AppError::from)?;
    let slot = RequestLimits::of(&engine, &req).socket_slot()?;
    let (response, core, stream) =
        socket::open(&req, body, &engine, crate::metrics::SocketKind::Visitor)?;
    let core = core
        .tag("chat_id", &chat_id)
        .tag("website", &summary.seed.website_key)
        .holding(slot);
    let resume_after = Seq(query.after_seq.max(0));
    let visitor_name = visitor.chat.visitor_name;
    // R5: the widget in a chat is told its website's mode too.
    let website = engine.website_named(&summary.seed.website_key);
    let max_files = engine.settings().attachments.max_files_per_message;
    VisitorSocket::create(move |ctx| {
        ctx.add_stream(stream);
        let website = (website, max_files);
        VisitorSocket::new(core, chat, &summary, website, visitor_name, resume_after)
    });
    Ok(response)
}
