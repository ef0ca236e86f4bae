//! `WebsiteActor`: one per chat website. It decides whether a visitor may open a chat (R2,
//! R3, R59) and starts the chat in the website's queue.

use actix::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::chat::{ChatSeed, ChatSummary};
use super::queue::EnqueueChat;
use super::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::chat::{ChatLifecycle, MessageText, VisitorName};
use crate::domain::ids::{ChatId, Seq};
use crate::domain::visitor::{PageView, VisitorKey};
use crate::domain::website::origin_is_allowed;
use crate::error::AppError;
use crate::protocol::VisitorDetails;
use crate::store::{self, chats::NewChat, to_json, websites::Website};

pub struct WebsiteActor {
    engine: Engine,
    website: Website,
}

impl WebsiteActor {
    pub fn new(engine: Engine, website: Website) -> WebsiteActor {
        WebsiteActor { engine, website }
    }

    /// R2: browsers send `Origin` on every POST (and on cross-origin GETs); when it is there it
    /// must be one of the website's domains. Opening a chat requires it.
    fn check_origin(&self, origin: Option<&str>, required: bool) -> Result<(), AppError> {
        match origin {
            None if required => Err(AppError::OriginRequired),
            None => Ok(()),
            Some(origin) if origin_is_allowed(&self.website.allowed_domains, origin) => Ok(()),
            Some(_) => Err(AppError::OriginNotAllowed),
        }
    }
}

impl Actor for WebsiteActor {
    type Context = Context<Self>;
}

impl Supervised for WebsiteActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(website = %self.website.key, "website actor restarting");
    }
}

/// What the widget needs before it draws anything.
#[derive(Debug, Clone, Serialize)]
pub struct PublicConfig {
    pub key: String,
    pub name: String,
    /// R5: `online` (live chat) or `offline` (the offline form).
    pub mode: &'static str,
    /// R74: `null` means the name-only form (R3).
    pub prechat_form: Value,
    pub appearance: Value,
    pub max_message_chars: usize,
}

#[derive(Message)]
#[rtype(result = "Result<PublicConfig, AppError>")]
pub struct GetPublicConfig {
    pub origin: Option<String>,
}

impl Handler<GetPublicConfig> for WebsiteActor {
    type Result = Result<PublicConfig, AppError>;

    fn handle(&mut self, msg: GetPublicConfig, _ctx: &mut Context<Self>) -> Self::Result {
        self.check_origin(msg.origin.as_deref(), false)?;
        Ok(PublicConfig {
            key: self.website.key.to_string(),
            name: self.website.name.clone(),
            mode: "online",
            prechat_form: self.website.prechat_form.clone(),
            appearance: self.website.appearance.clone(),
            max_message_chars: MessageText::MAX_CHARS,
        })
    }
}

/// R3: a visitor submitted the name (or pre-chat form) and asks for a chat.
#[derive(Message)]
#[rtype(result = "Result<StartedChat, AppError>")]
pub struct StartChat {
    pub origin: Option<String>,
    pub visitor_name: VisitorName,
    /// Form values, language, browser, OS, page: shown to agents, kept with the chat.
    pub visitor_details: VisitorDetails,
    /// R35: the page the chat starts on, the first of the visitor's browsing history.
    pub first_page: Option<PageView>,
    /// R90: ties the chat to the visitor's earlier chats on this website.
    pub visitor_key: Option<VisitorKey>,
}

#[derive(Debug, Clone)]
pub struct StartedChat {
    pub chat_id: ChatId,
    /// The visitor's secret for this chat; only its hash is stored.
    pub visitor_token: String,
    pub summary: ChatSummary,
}

impl Handler<StartChat> for WebsiteActor {
    /// Atomic, so that two requests cannot both take the last free session (R59).
    type Result = AtomicResponse<Self, Result<StartedChat, AppError>>;

    fn handle(&mut self, msg: StartChat, _ctx: &mut Context<Self>) -> Self::Result {
        if let Err(e) = self.check_origin(msg.origin.as_deref(), true) {
            return AtomicResponse::new(Box::pin(fut::ready(Err(e))));
        }
        let website = self.website.clone();
        let token = credentials::new_token();
        let token_hash = credentials::token_hash(&token);
        let name = msg.visitor_name.as_str().to_owned();
        let meta = to_json(&msg.visitor_details);
        let (first_page, visitor_key) = (msg.first_page.clone(), msg.visitor_key.clone());
        let created = self.engine.db().run(move |conn| {
            let limit = i64::from(website.max_concurrent_sessions);
            if limit > 0 && store::websites::open_chat_count(conn, website.id)? >= limit {
                return Ok(None);
            }
            let now = now_ms();
            let chat = NewChat {
                website_id: website.id.0,
                queue_id: website.queue_id.0,
                state: "queued",
                visitor_name: &name,
                visitor_token_hash: &token_hash,
                visitor_meta: meta,
                created_at_ms: now,
                visitor_key: visitor_key.as_ref().map(VisitorKey::as_str),
            };
            let page = first_page.as_ref();
            store::chats::insert_with_request(conn, &chat, website.key.as_str(), page, now)
                .map(Some)
        });
        AtomicResponse::new(Box::pin(created.into_actor(self).map(
            move |created, act, _ctx| {
                let first_event = created?.ok_or(AppError::WebsiteFull)?;
                let seed = ChatSeed {
                    chat_id: first_event.chat_id,
                    queue_id: act.website.queue_id,
                    website_key: act.website.key.to_string(),
                    visitor_name: msg.visitor_name.as_str().to_owned(),
                    requested_at_ms: first_event.at_ms,
                    last_seq: first_event.seq,
                    visitor_details: msg.visitor_details,
                };
                // The chat's actor exists before the queue can offer the chat.
                act.engine
                    .register_chat(seed.clone(), ChatLifecycle::new(), Vec::new());
                if let Some(queue) = act.engine.queue(seed.queue_id) {
                    queue.do_send(EnqueueChat::from_seed(&seed));
                }
                tracing::info!(chat = %seed.chat_id, website = %act.website.key, "chat requested");
                Ok(StartedChat {
                    chat_id: seed.chat_id,
                    visitor_token: token,
                    summary: ChatSummary {
                        state: crate::domain::chat::ChatState::Queued,
                        last_seq: Seq(1),
                        agents: Vec::new(),
                        seed,
                    },
                })
            },
        )))
    }
}
