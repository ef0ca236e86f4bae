//! `WebsiteActor`: one per chat website. It decides whether a visitor may open a chat (R2,
//! R3, R5, R59) and starts the chat in the website's queue.

use std::future::Future;

use actix::prelude::*;
use diesel::Connection;
use serde::Serialize;
use serde_json::Value;

use super::chat::{ChatSeed, ChatSummary};
use super::offline_messages::{claim_all, claimable_uploads, values_with_files};
use super::queue::{EnqueueChat, GetAvailability, QueueAvailability};
use super::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::availability::{widget_mode, ModeReason, WidgetMode, WidgetState};
use crate::domain::chat::{ChatLifecycle, MessageText, VisitorName};
use crate::domain::form::{Form, FormSpec};
use crate::domain::ids::{ChatId, QueueId, Seq};
use crate::domain::invitation::InvitationCode;
use crate::domain::visitor::{PageView, VisitorKey};
use crate::domain::website::origin_is_allowed;
use crate::error::AppError;
use crate::protocol::VisitorDetails;
use crate::store::uploads::{Claimant, FormKind};
use crate::store::{self, chats::NewChat, to_json, websites::Website};

/// R16, R25: a direct chat waits in a queue its agent belongs to, so that queue hears the
/// agent's availability: the website's queue if the agent is a member, else the agent's first.
/// An agent of no queue cannot be reached; its chat waits in the website's queue and ends for
/// lack of an agent (R79).
fn direct_chat_queue(website_queue: QueueId, agent_queues: &[QueueId]) -> QueueId {
    if agent_queues.contains(&website_queue) {
        website_queue
    } else {
        agent_queues.first().copied().unwrap_or(website_queue)
    }
}

pub struct WebsiteActor {
    engine: Engine,
    website: Website,
}

impl WebsiteActor {
    pub fn new(engine: Engine, website: Website) -> WebsiteActor {
        WebsiteActor { engine, website }
    }

    pub(super) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(super) fn website(&self) -> &Website {
        &self.website
    }

    /// Settings a supervisor changed, already stored: used from the next request on.
    pub(super) fn replace_website(&mut self, website: Website) {
        self.website = website;
    }

    /// R2: browsers send `Origin` on every POST (and on cross-origin GETs); when it is there it
    /// must be one of the website's domains. Opening a chat, uploading and leaving a message
    /// require it.
    pub(super) fn check_origin(
        &self,
        origin: Option<&str>,
        required: bool,
    ) -> Result<(), AppError> {
        match origin {
            None if required => Err(AppError::OriginRequired),
            None => Ok(()),
            Some(origin) if origin_is_allowed(&self.website.allowed_domains, origin) => Ok(()),
            Some(_) => Err(AppError::OriginNotAllowed),
        }
    }

    /// R5, R29, R30, R31: the widget's mode right now: the website's working hours here, the
    /// queue's opening hours and staffing from the queue's actor.
    pub(super) fn mode_now(&self) -> impl Future<Output = Result<WidgetState, AppError>> + 'static {
        let website_open = self.website.working_hours.is_open_at(now_ms());
        let no_agent_mode = self.website.no_agent_mode;
        let queue = self.engine.queue(self.website.queue_id);
        async move {
            let queue = match queue {
                Some(queue) => queue.send(GetAvailability).await?,
                None => QueueAvailability::NO_QUEUE,
            };
            Ok(widget_mode(
                website_open,
                queue.open,
                queue.staffing,
                no_agent_mode,
            ))
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
    /// R5: `online` (live chat), `busy` (live chat with a wait) or `offline` (the offline
    /// form).
    pub mode: WidgetMode,
    /// Why the widget is in that mode.
    pub mode_reason: ModeReason,
    /// R74: `null` means the name-only form (R3).
    pub prechat_form: Option<FormSpec>,
    /// R77: the form to show in `offline` mode (a default one if the website set none).
    pub offline_form: FormSpec,
    pub appearance: Value,
    pub max_message_chars: usize,
    /// R11: the largest file an attachment field takes.
    pub max_upload_bytes: usize,
}

#[derive(Message)]
#[rtype(result = "Result<PublicConfig, AppError>")]
pub struct GetPublicConfig {
    pub origin: Option<String>,
}

impl Handler<GetPublicConfig> for WebsiteActor {
    type Result = ResponseActFuture<Self, Result<PublicConfig, AppError>>;

    fn handle(&mut self, msg: GetPublicConfig, _ctx: &mut Context<Self>) -> Self::Result {
        if let Err(e) = self.check_origin(msg.origin.as_deref(), false) {
            return Box::pin(fut::ready(Err(e)));
        }
        Box::pin(self.mode_now().into_actor(self).map(|state, act, _ctx| {
            let state = state?;
            Ok(PublicConfig {
                key: act.website.key.to_string(),
                name: act.website.name.clone(),
                mode: state.mode,
                mode_reason: state.reason,
                prechat_form: act.website.prechat_form.as_ref().map(Form::to_spec),
                offline_form: act.website.offline_form().to_spec(),
                appearance: act.website.appearance.clone(),
                max_message_chars: MessageText::MAX_CHARS,
                max_upload_bytes: act.engine.settings().uploads.max_bytes,
            })
        }))
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
    /// R37: the visitor asks for the agent who gave it this code (a direct chat, R16).
    pub invitation_code: Option<InvitationCode>,
}

#[derive(Debug, Clone)]
pub struct StartedChat {
    pub chat_id: ChatId,
    /// The visitor's secret for this chat; only its hash is stored.
    pub visitor_token: String,
    pub summary: ChatSummary,
}

impl Handler<StartChat> for WebsiteActor {
    /// Atomic, so that two requests cannot both take the last free session (R59). R5: nothing
    /// is written while the widget is offline; in `busy` the chat starts and waits.
    type Result = AtomicResponse<Self, Result<StartedChat, AppError>>;

    fn handle(&mut self, msg: StartChat, _ctx: &mut Context<Self>) -> Self::Result {
        // R4: the pre-chat form's values are checked before anything else about the chat.
        let submission = self
            .check_origin(msg.origin.as_deref(), true)
            .and_then(|()| {
                Ok(Form::validate_optional(
                    self.website.prechat_form.as_ref(),
                    &msg.visitor_details.fields,
                )?)
            });
        let submission = match submission {
            Ok(submission) => submission,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let website = self.website.clone();
        let token = credentials::new_token();
        let token_hash = credentials::token_hash(&token);
        let name = msg.visitor_name.as_str().to_owned();
        let mut details = msg.visitor_details.clone();
        let (first_page, visitor_key) = (msg.first_page.clone(), msg.visitor_key.clone());
        let code = msg.invitation_code.clone();
        let mode = self.mode_now();
        let db = self.engine.db().clone();
        let fresh_since_ms = now_ms() - self.engine.settings().uploads.unreferenced_ttl_ms;
        let created = async move {
            let state = mode.await?;
            if !state.accepts_chats() {
                return Err(AppError::WebsiteOffline {
                    reason: state.reason,
                });
            }
            let created = db.run(move |conn| {
                Ok(conn.transaction(|conn| -> Result<_, AppError> {
                    store::write_first(conn)?;
                    let limit = i64::from(website.max_concurrent_sessions);
                    if limit > 0 && store::websites::open_chat_count(conn, website.id)? >= limit {
                        return Err(AppError::WebsiteFull);
                    }
                    let now = now_ms();
                    let target = match &code {
                        Some(code) => Some(store::invitations::redeem(conn, code, now)??),
                        None => None,
                    };
                    // R11, R65, R88: the form's files and the visitor's contact.
                    let files = claimable_uploads(
                        conn,
                        website.id,
                        FormKind::Prechat,
                        &submission,
                        fresh_since_ms,
                    )?;
                    let mapping = &website.contact_mapping;
                    let draft = mapping.draft(&submission.values, Some(&name));
                    let contact = store::contacts::find_or_create(conn, mapping, &draft, now)?;
                    details.fields = values_with_files(
                        website.prechat_form.as_ref(),
                        &submission.values,
                        &files,
                    );
                    let queue = match target {
                        Some(agent) => direct_chat_queue(
                            website.queue_id,
                            &store::queues::queues_of(conn, agent)?,
                        ),
                        None => website.queue_id,
                    };
                    let chat = NewChat {
                        website_id: website.id.0,
                        queue_id: queue.0,
                        state: "queued",
                        visitor_name: &name,
                        visitor_token_hash: &token_hash,
                        visitor_meta: to_json(&details),
                        created_at_ms: now,
                        target_agent_id: target.map(|agent| agent.0),
                        visitor_key: visitor_key.as_ref().map(VisitorKey::as_str),
                        contact_id: contact,
                    };
                    let page = first_page.as_ref();
                    let first_event = store::chats::insert_with_request(
                        conn,
                        &chat,
                        website.key.as_str(),
                        page,
                        now,
                    )?;
                    claim_all(conn, &files, Claimant::Chat(first_event.chat_id))?;
                    Ok((first_event, queue, target, details))
                }))
            });
            created.await?
        };
        AtomicResponse::new(Box::pin(created.into_actor(self).map(
            move |created, act, _ctx| {
                let (first_event, queue_id, target_agent, visitor_details) = created?;
                let seed = ChatSeed {
                    chat_id: first_event.chat_id,
                    queue_id,
                    website_key: act.website.key.to_string(),
                    visitor_name: msg.visitor_name.as_str().to_owned(),
                    requested_at_ms: first_event.at_ms,
                    last_seq: first_event.seq,
                    visitor_details,
                    target_agent,
                };
                // The chat's actor exists before the queue can offer the chat.
                act.engine
                    .register_chat(seed.clone(), ChatLifecycle::new(), Vec::new());
                if let Some(queue) = act.engine.queue(seed.queue_id) {
                    queue.do_send(EnqueueChat::from_seed(&seed));
                }
                tracing::info!(
                    chat = %seed.chat_id,
                    website = %act.website.key,
                    direct_to = ?seed.target_agent,
                    "chat requested"
                );
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
