//! `WebsiteActor`: one per chat website. It decides whether a visitor may open a chat (R2,
//! R3, R5, R59) and starts the chat in the website's queue. It also closes the review of its
//! unmanaged chats on their own when the website asks for that (R76).

use std::future::Future;
use std::time::Duration;

use actix::prelude::*;
use diesel::Connection;
use serde::Serialize;
use serde_json::Value;

use super::chat::{ChatSeed, ChatSummary};
use super::queue::{EnqueueChat, GetAvailability, QueueAvailability};
use super::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::availability::{widget_mode, ModeReason, WidgetMode, WidgetState};
use crate::domain::chat::{ChatLifecycle, MessageText, VisitorName};
use crate::domain::ids::{ChatId, Seq};
use crate::domain::invitation::InvitationCode;
use crate::domain::routing::direct_chat_queue;
use crate::domain::visitor::{PageView, VisitorKey};
use crate::domain::website::origin_is_allowed;
use crate::error::AppError;
use crate::protocol::VisitorDetails;
use crate::store::{self, chats::NewChat, to_json, websites::Website};

pub struct WebsiteActor {
    engine: Engine,
    website: Website,
    /// R76: the next auto-close, and when it fires.
    autoclose_timer: Option<(i64, SpawnHandle)>,
}

/// R76: when reading or closing the reviews failed (the store), the next try.
const AUTOCLOSE_RETRY: Duration = Duration::from_secs(60);

impl WebsiteActor {
    pub fn new(engine: Engine, website: Website) -> WebsiteActor {
        WebsiteActor {
            engine,
            website,
            autoclose_timer: None,
        }
    }

    /// R76: sets the auto-close timer for an unmanaged chat that ended at `ended_at_ms`,
    /// unless one fires earlier already.
    fn autoclose_after(&mut self, ended_at_ms: i64, ctx: &mut Context<Self>) {
        let Some(at) = self.website.unmanaged.autoclose.closes_at(ended_at_ms) else {
            return;
        };
        if let Some((due, timer)) = self.autoclose_timer.take() {
            if due <= at {
                self.autoclose_timer = Some((due, timer));
                return;
            }
            ctx.cancel_future(timer);
        }
        self.arm_autoclose(at, ctx);
    }

    fn arm_autoclose(&mut self, at_ms: i64, ctx: &mut Context<Self>) {
        let wait = Duration::from_millis((at_ms - now_ms()).max(0) as u64);
        let timer = ctx.run_later(wait, |act, ctx| {
            act.autoclose_timer = None;
            act.close_due_reviews(ctx);
        });
        self.autoclose_timer = Some((at_ms, timer));
    }

    /// R76: closes the reviews whose time has come, then sets the timer for the oldest open
    /// one left. Also run at start, so the timers are rebuilt from the store after a restart.
    fn close_due_reviews(&mut self, ctx: &mut Context<Self>) {
        let autoclose = self.website.unmanaged.autoclose;
        let Some(cutoff) = autoclose.cutoff(now_ms()) else {
            return;
        };
        let website = self.website.id;
        self.engine
            .db()
            .run(move |conn| {
                let closed = store::review::auto_close(conn, website, cutoff, now_ms())?;
                let oldest = store::review::oldest_open_unmanaged(conn, website)?;
                Ok((closed, oldest))
            })
            .into_actor(self)
            .map(|result, act, ctx| match result {
                Ok((closed, oldest)) => {
                    if closed > 0 {
                        tracing::info!(website = %act.website.key, closed, "unmanaged chats auto-closed");
                    }
                    if let Some(ended_at_ms) = oldest {
                        act.autoclose_after(ended_at_ms, ctx);
                    }
                }
                Err(e) => {
                    tracing::warn!(website = %act.website.key, error = %e, "auto-close failed; retrying");
                    let retry_at = now_ms() + AUTOCLOSE_RETRY.as_millis() as i64;
                    act.arm_autoclose(retry_at, ctx);
                }
            })
            .spawn(ctx);
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

    /// R5, R29, R30, R31: the widget's mode right now: the website's working hours here, the
    /// queue's opening hours and staffing from the queue's actor.
    fn mode_now(&self) -> impl Future<Output = Result<WidgetState, AppError>> + 'static {
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

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.close_due_reviews(ctx);
    }
}

/// R76: one of the website's chats ended unmanaged; its review may close on its own.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UnmanagedChatEnded {
    pub ended_at_ms: i64,
}

impl Handler<UnmanagedChatEnded> for WebsiteActor {
    type Result = ();

    fn handle(&mut self, msg: UnmanagedChatEnded, ctx: &mut Context<Self>) {
        self.autoclose_after(msg.ended_at_ms, ctx);
    }
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
                prechat_form: act.website.prechat_form.clone(),
                appearance: act.website.appearance.clone(),
                max_message_chars: MessageText::MAX_CHARS,
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
        if let Err(e) = self.check_origin(msg.origin.as_deref(), true) {
            return AtomicResponse::new(Box::pin(fut::ready(Err(e))));
        }
        let website = self.website.clone();
        let token = credentials::new_token();
        let token_hash = credentials::token_hash(&token);
        let name = msg.visitor_name.as_str().to_owned();
        let meta = to_json(&msg.visitor_details);
        let (first_page, visitor_key) = (msg.first_page.clone(), msg.visitor_key.clone());
        let code = msg.invitation_code.clone();
        let mode = self.mode_now();
        let db = self.engine.db().clone();
        let created = async move {
            let state = mode.await?;
            if !state.accepts_chats() {
                return Err(AppError::WebsiteOffline {
                    reason: state.reason,
                });
            }
            let created = db.run(move |conn| {
                conn.transaction(|conn| {
                    let limit = i64::from(website.max_concurrent_sessions);
                    if limit > 0 && store::websites::open_chat_count(conn, website.id)? >= limit {
                        return Ok(Err(AppError::WebsiteFull));
                    }
                    let now = now_ms();
                    let target = match &code {
                        Some(code) => match store::invitations::redeem(conn, code, now)? {
                            Ok(agent) => Some(agent),
                            Err(refused) => return Ok(Err(refused.into())),
                        },
                        None => None,
                    };
                    let queue = match target {
                        // An agent of no queue cannot be reached: its chat waits in the
                        // website's queue and ends for lack of an agent (R79).
                        Some(agent) => direct_chat_queue(
                            website.queue_id,
                            &store::queues::queues_of(conn, agent)?,
                        )
                        .unwrap_or(website.queue_id),
                        None => website.queue_id,
                    };
                    let chat = NewChat {
                        website_id: website.id.0,
                        queue_id: queue.0,
                        state: "queued",
                        visitor_name: &name,
                        visitor_token_hash: &token_hash,
                        visitor_meta: meta,
                        created_at_ms: now,
                        target_agent_id: target.map(|agent| agent.0),
                        visitor_key: visitor_key.as_ref().map(VisitorKey::as_str),
                    };
                    let page = first_page.as_ref();
                    let first_event = store::chats::insert_with_request(
                        conn,
                        &chat,
                        website.key.as_str(),
                        page,
                        now,
                    )?;
                    Ok(Ok((first_event, queue, target)))
                })
            });
            created.await?
        };
        AtomicResponse::new(Box::pin(created.into_actor(self).map(
            move |created, act, _ctx| {
                let (first_event, queue_id, target_agent) = created?;
                let seed = ChatSeed {
                    chat_id: first_event.chat_id,
                    queue_id,
                    website_key: act.website.key.to_string(),
                    visitor_name: msg.visitor_name.as_str().to_owned(),
                    requested_at_ms: first_event.at_ms,
                    last_seq: first_event.seq,
                    visitor_details: msg.visitor_details,
                    target_agent,
                    last_activity_ms: first_event.at_ms,
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
