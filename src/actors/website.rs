//! `WebsiteActor`: one per chat website. It decides whether a visitor may open a chat (R2,
//! R3, R5, R59) and starts the chat in the website's queue. It keeps its widget's mode up to
//! date from what it is told (working hours, its queue's availability, its open chats) and
//! pushes every change to the sockets that watch it (R5: widgets do not poll). It also closes
//! the review of its unmanaged chats on their own when the website asks for that (R76).

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use actix::prelude::*;
use bytestring::ByteString;
use diesel::Connection;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use super::chat::{ChatSeed, ChatSummary};
use super::offline_messages::{claim_all, claimable_uploads, values_with_files};
use super::queue::{EnqueueChat, GetAvailability, QueueReport};
use super::{Engine, Outbound};
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::availability::{
    widget_mode, ModeReason, QueueAvailability, Sessions, WebsiteConditions, WidgetMode,
    WidgetState,
};
use crate::domain::chat::{ChatLifecycle, MessageText, VisitorName};
use crate::domain::form::{Form, FormSpec};
use crate::domain::ids::{ChatId, Seq};
use crate::domain::invitation::InvitationCode;
use crate::domain::routing::direct_chat_queue;
use crate::domain::visitor::{PageView, VisitorKey};
use crate::domain::website::origin_is_allowed;
use crate::error::AppError;
use crate::protocol::{ServerFrame, VisitorDetails};
use crate::store::uploads::{Claimant, FormKind};
use crate::store::{self, chats::NewChat, to_json, websites::Website};

pub struct WebsiteActor {
    engine: Engine,
    website: Website,
    /// R76: the next auto-close, and when it fires.
    autoclose_timer: Option<(i64, SpawnHandle)>,
    /// R58: inside the working intervals, as the `WorkingHoursSupervisor` last said.
    in_working_hours: bool,
    /// R29, R30: the queue's opening and staffing, as the queue last said, and that report's
    /// version (0: none yet).
    queue: QueueAvailability,
    queue_version: u64,
    /// R59: the website's queued and active chats: counted at start, one more for each chat
    /// started here, one less for each that ends.
    open_chats: u32,
    /// Sockets that watch the mode: website sockets and visitor chat sockets (R5).
    watchers: HashMap<u64, Recipient<Outbound>>,
    /// The mode last computed, which every watcher has been sent, and its frame.
    shown: WidgetState,
    shown_frame: ByteString,
}

/// R76: when reading or closing the reviews failed (the store), the next try.
const AUTOCLOSE_RETRY: Duration = Duration::from_secs(60);

impl WebsiteActor {
    /// `open_chats`: the website's queued and active chats in the store. The queue's
    /// availability is not known yet: the queue tells it (until then, closed).
    pub fn new(engine: Engine, website: Website, open_chats: u32) -> WebsiteActor {
        let mut actor = WebsiteActor {
            in_working_hours: website.working_hours.is_open_at(now_ms()),
            engine,
            website,
            queue: QueueAvailability::NO_QUEUE,
            queue_version: 0,
            open_chats,
            watchers: HashMap::new(),
            shown: WidgetState {
                mode: WidgetMode::Offline,
                reason: ModeReason::QueueClosed,
            },
            shown_frame: ByteString::new(),
            autoclose_timer: None,
        };
        actor.shown = actor.mode();
        actor.shown_frame = mode_frame(actor.shown);
        actor
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
            // Issue 10: not while the engine stops; the restart recovers (§4.33).
            if act.engine.is_draining() {
                return;
            }
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

    pub(super) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(super) fn website(&self) -> &Website {
        &self.website
    }

    /// Settings a supervisor changed, already stored: used from the next request on.
    pub(super) fn replace_website(&mut self, website: Website) {
        self.website = website;
        // R31: the no-agent mode is one of the settings the widget's mode follows.
        self.refresh_mode();
    }

    /// R76: the auto-close delay changed: the timer is set again from the store's reviews.
    pub(super) fn autoclose_changed(&mut self, ctx: &mut Context<Self>) {
        if let Some((_, timer)) = self.autoclose_timer.take() {
            ctx.cancel_future(timer);
        }
        self.close_due_reviews(ctx);
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

    /// R5: asks the queue for its availability, so that the answer to a request reflects
    /// everything the queue had heard before the request came (a report the queue pushed may
    /// still be on its way here). No queue actor: no report.
    fn ask_queue(&self) -> impl Future<Output = Result<Option<QueueReport>, AppError>> + 'static {
        let queue = self.engine.queue(self.website.queue_id);
        async move {
            Ok(match queue {
                Some(queue) => Some(queue.send(GetAvailability).await?),
                None => None,
            })
        }
    }

    /// Takes a queue's report, pushed or asked for, unless a later one is already here.
    fn queue_reported(&mut self, report: QueueReport) {
        if report.version > self.queue_version {
            self.queue = report.availability;
            self.queue_version = report.version;
            self.refresh_mode();
        }
    }

    /// R5, R75: the widget's mode as a request that does not change the website's state would
    /// see it: asks the queue first (like `ask_queue`), then applies the pure rule to what the
    /// website knows and the queue's answer, if newer.
    pub(super) fn mode_now(&self) -> impl Future<Output = Result<WidgetState, AppError>> + 'static {
        let asked = self.ask_queue();
        let (conditions, known, known_version) =
            (self.conditions(), self.queue, self.queue_version);
        async move {
            let queue = match asked.await? {
                Some(report) if report.version > known_version => report.availability,
                _ => known,
            };
            Ok(widget_mode(conditions, queue))
        }
    }

    fn conditions(&self) -> WebsiteConditions {
        WebsiteConditions {
            in_working_hours: self.in_working_hours,
            sessions: Sessions {
                open: self.open_chats,
                max: u32::try_from(self.website.max_concurrent_sessions).unwrap_or(0),
            },
            no_agent_mode: self.website.no_agent_mode,
        }
    }

    /// R5, R29, R30, R31, R59: the widget's mode from what the website knows now.
    fn mode(&self) -> WidgetState {
        widget_mode(self.conditions(), self.queue)
    }

    /// Something the mode depends on changed: if the mode (or its reason) is different now,
    /// its frame is made once and sent to every watcher. Nothing is sent otherwise.
    fn refresh_mode(&mut self) {
        let mode = self.mode();
        if mode == self.shown {
            return;
        }
        tracing::info!(
            website = %self.website.key,
            mode = ?mode.mode,
            reason = %mode.reason,
            "widget mode changed"
        );
        self.shown = mode;
        self.shown_frame = mode_frame(mode);
        self.watchers.retain(|_, watcher| watcher.connected());
        for watcher in self.watchers.values() {
            watcher.do_send(Outbound::Frame(self.shown_frame.clone()));
        }
    }
}

fn mode_frame(state: WidgetState) -> ByteString {
    ServerFrame::WebsiteMode {
        mode: state.mode,
        reason: state.reason,
    }
    .to_text()
}

/// R5, R59, R75: why a start is refused when the widget is offline. A full website keeps its
/// own code, `website_full`, which clients knew before the cap became a mode.
fn refusal(state: WidgetState) -> AppError {
    match state.reason {
        ModeReason::WebsiteFull => AppError::WebsiteFull,
        reason => AppError::WebsiteOffline { reason },
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

/// R57: the website was deleted: its widgets' sockets are let go and the actor stops (the
/// engine has already forgotten it, so no request reaches it any more).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;

impl Handler<Retire> for WebsiteActor {
    type Result = ();

    fn handle(&mut self, _msg: Retire, ctx: &mut Context<Self>) {
        self.watchers.clear();
        if let Some((_, timer)) = self.autoclose_timer.take() {
            ctx.cancel_future(timer);
        }
        ctx.stop();
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
    pub prechat_form: Option<FormSpec>,
    /// R77: the form to show in `offline` mode (a default one if the website set none).
    pub offline_form: FormSpec,
    pub appearance: Value,
    /// R12: the website's language (a BCP 47 tag), which the widget speaks unless the page
    /// names one; `None`: the visitor's browser decides.
    pub language: Option<String>,
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
        Box::pin(self.ask_queue().into_actor(self).map(|report, act, _ctx| {
            if let Some(report) = report? {
                act.queue_reported(report);
            }
            let state = act.mode();
            Ok(PublicConfig {
                key: act.website.key.to_string(),
                name: act.website.name.clone(),
                mode: state.mode,
                mode_reason: state.reason,
                prechat_form: act.website.prechat_form.as_ref().map(Form::to_spec),
                offline_form: act.website.offline_form().to_spec(),
                appearance: act.website.appearance.clone(),
                language: act.website.language.as_ref().map(|l| l.as_str().to_owned()),
                max_message_chars: MessageText::MAX_CHARS,
                max_upload_bytes: act.engine.settings().uploads.max_bytes,
            })
        }))
    }
}

/// R3: a visitor submitted the name (or pre-chat form) and asks for a chat.
#[derive(Message)]
#[rtype(result = "Result<PendingStart, AppError>")]
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
    /// R52: the signed identity token, checked against the website's secret here.
    pub identity: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StartedChat {
    pub chat_id: ChatId,
    /// The visitor's secret for this chat; only its hash is stored.
    pub visitor_token: String,
    pub summary: ChatSummary,
}

impl Handler<StartChat> for WebsiteActor {
    /// The check is atomic, so that two requests cannot both take the last free session
    /// (R59): the session is reserved (the count of open chats grows) before the next request
    /// is handled, and given back if the insert fails. R5, R75: nothing is written while the
    /// widget is offline (a full website is offline too); in `busy` the chat starts and waits.
    /// The store's count, in the same transaction as the insert, is the backstop.
    ///
    /// The insert itself is not waited for here: the answer is a `PendingStart` that the
    /// caller awaits. Waiting for each insert before taking the next request made a burst of
    /// starts one store round trip after another (500 starts: 1.5 s); now the inserts queue
    /// for the store's writer together and commit in a few batches.
    type Result = AtomicResponse<Self, Result<PendingStart, AppError>>;

    fn handle(&mut self, msg: StartChat, _ctx: &mut Context<Self>) -> Self::Result {
        // R4: the pre-chat form's values are checked before anything else about the chat;
        // R52: then the signed identity, if any (or its absence, if the website needs one).
        let checked = self
            .check_origin(msg.origin.as_deref(), true)
            .and_then(|()| {
                Ok(Form::validate_optional(
                    self.website.prechat_form.as_ref(),
                    &msg.visitor_details.fields,
                )?)
            })
            .and_then(|submission| {
                let verified = self
                    .website
                    .identity
                    .check(msg.identity.as_deref(), now_ms())?;
                Ok((submission, verified))
            });
        let (submission, verified) = match checked {
            Ok(checked) => checked,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let website = self.website.clone();
        let token = credentials::new_token();
        let token_hash = credentials::token_hash(&token);
        let mut details = msg.visitor_details.clone();
        // R52: a verified name is the chat's name; what the visitor typed is kept unmarked.
        let typed_name = msg.visitor_name.as_str().to_owned();
        let name = match verified.as_ref().and_then(|v| v.name.clone()) {
            Some(verified_name) => {
                if verified_name != typed_name {
                    details.typed_name = Some(typed_name);
                }
                verified_name
            }
            None => typed_name,
        };
        let subject = verified.as_ref().and_then(|v| v.sub.clone());
        details.verified = verified;
        let chat_name = name.clone();
        let (first_page, visitor_key) = (msg.first_page.clone(), msg.visitor_key.clone());
        let code = msg.invitation_code.clone();
        let db = self.engine.db().clone();
        let fresh_since_ms = now_ms() - self.engine.settings().uploads.unreferenced_ttl_ms;
        let insert = async move {
            let inserted = db.write(move |conn| {
                Ok(conn.transaction(|conn| -> Result<_, AppError> {
                    // R59's backstop: with a cap, starts count the open chats one after
                    // another (the website's row is locked first). Without one, nothing is
                    // counted, and starts on PostgreSQL do not queue behind that lock.
                    // (On SQLite the writer's batch holds the write lock already.)
                    let limit = i64::from(website.max_concurrent_sessions);
                    if limit > 0 {
                        store::websites::lock_for_start(conn, website.id)?;
                    }
                    // R55: a banned visitor starts nothing.
                    let key = visitor_key.as_ref().map(VisitorKey::as_str);
                    if store::bans::is_banned(conn, website.id, key, subject.as_deref())? {
                        return Err(AppError::VisitorBanned);
                    }
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
                    let mut draft = mapping.draft(&submission.values, Some(&name));
                    if let Some(verified) = &details.verified {
                        draft = verified.complete(draft);
                    }
                    let contact = store::contacts::find_or_create(conn, mapping, &draft, now)?;
                    details.fields = values_with_files(
                        website.prechat_form.as_ref(),
                        &submission.values,
                        &files,
                    );
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
            inserted.await?
        };
        // The mode is checked first, with the queue's latest report; only then is the store
        // touched (`insert` does nothing until polled).
        let reserved = self.ask_queue().into_actor(self).map(|report, act, ctx| {
            if let Some(report) = report? {
                act.queue_reported(report);
            }
            let state = act.mode();
            if !state.accepts_chats() {
                return Err(refusal(state));
            }
            // Counted now, so the next request sees this session taken; shown to the
            // widgets once the chat exists, so a start the store refuses shows nothing.
            act.open_chats += 1;
            let (answer, answered) = oneshot::channel();
            ctx.spawn(insert.into_actor(act).map(move |created, act, _ctx| {
                let outcome = match created {
                    Ok((first_event, queue_id, target_agent, visitor_details)) => {
                        let seed = ChatSeed {
                            chat_id: first_event.chat_id,
                            queue_id,
                            website_key: act.website.key.to_string(),
                            visitor_name: chat_name,
                            requested_at_ms: first_event.at_ms,
                            last_seq: first_event.seq,
                            visitor_details,
                            target_agent,
                            last_activity_ms: first_event.at_ms,
                        };
                        act.refresh_mode();
                        Ok(act.chat_created(seed, token))
                    }
                    Err(e) => {
                        act.open_chats = act.open_chats.saturating_sub(1);
                        act.refresh_mode();
                        Err(e)
                    }
                };
                let _ = answer.send(outcome);
            }));
            Ok(PendingStart(answered))
        });
        AtomicResponse::new(Box::pin(reserved))
    }
}

impl WebsiteActor {
    /// A started chat is in the store: its actor starts, then the queue learns of it.
    fn chat_created(&mut self, seed: ChatSeed, visitor_token: String) -> StartedChat {
        // The chat's actor exists before the queue can offer the chat.
        self.engine
            .register_chat(seed.clone(), ChatLifecycle::new(), Vec::new(), Vec::new());
        if let Some(queue) = self.engine.queue(seed.queue_id) {
            queue.do_send(EnqueueChat::from_seed(&seed));
        }
        tracing::info!(
            chat_id = %seed.chat_id,
            website = %self.website.key,
            direct_to = ?seed.target_agent,
            "chat requested"
        );
        StartedChat {
            chat_id: seed.chat_id,
            visitor_token,
            summary: ChatSummary {
                state: crate::domain::chat::ChatState::Queued,
                last_seq: Seq(1),
                agents: Vec::new(),
                seed,
            },
        }
    }
}

/// A chat start that passed the website's checks and holds a session; the chat is started
/// once its insert has committed (`started`).
pub struct PendingStart(oneshot::Receiver<Result<StartedChat, AppError>>);

impl PendingStart {
    pub async fn started(self) -> Result<StartedChat, AppError> {
        // The website's actor stopped before the insert finished.
        self.0.await.map_err(|_| AppError::Unavailable)?
    }
}

/// R58: the `WorkingHoursSupervisor` says the website is now inside (or outside) its working
/// intervals.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WorkingHoursChanged {
    pub open: bool,
}

impl Handler<WorkingHoursChanged> for WebsiteActor {
    type Result = ();

    fn handle(&mut self, msg: WorkingHoursChanged, _ctx: &mut Context<Self>) {
        self.in_working_hours = msg.open;
        self.refresh_mode();
    }
}

/// R29, R30: the website's queue opened or closed, or what its members can take changed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct QueueAvailabilityChanged {
    pub report: QueueReport,
}

impl Handler<QueueAvailabilityChanged> for WebsiteActor {
    type Result = ();

    fn handle(&mut self, msg: QueueAvailabilityChanged, _ctx: &mut Context<Self>) {
        self.queue_reported(msg.report);
    }
}

/// R59: a chat of this website ended; its session is free.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionEnded;

impl Handler<SessionEnded> for WebsiteActor {
    type Result = ();

    fn handle(&mut self, _msg: SessionEnded, _ctx: &mut Context<Self>) {
        self.open_chats = self.open_chats.saturating_sub(1);
        self.refresh_mode();
    }
}

/// R5: a socket wants the widget's mode now and at every change.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WatchMode {
    pub socket_id: u64,
    pub outbound: Recipient<Outbound>,
}

impl Handler<WatchMode> for WebsiteActor {
    type Result = ();

    /// The queue is asked first, so the first frame reflects everything it had heard before
    /// the socket came (like the config endpoint). Then, in one step, the mode is queued for
    /// the socket and the socket is added: it misses no change and gets none twice.
    fn handle(&mut self, msg: WatchMode, ctx: &mut Context<Self>) {
        self.ask_queue()
            .into_actor(self)
            .map(move |report, act, _ctx| {
                match report {
                    Ok(Some(report)) => act.queue_reported(report),
                    Ok(None) => {}
                    Err(error) => {
                        let website = &act.website.key;
                        tracing::warn!(%website, %error, "the queue did not answer");
                    }
                }
                // A socket that closed meanwhile (its `UnwatchMode` already handled) is not
                // added back.
                if msg.outbound.connected() {
                    msg.outbound
                        .do_send(Outbound::Frame(act.shown_frame.clone()));
                    act.watchers.insert(msg.socket_id, msg.outbound);
                }
            })
            .spawn(ctx);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct UnwatchMode {
    pub socket_id: u64,
}

impl Handler<UnwatchMode> for WebsiteActor {
    type Result = ();

    fn handle(&mut self, msg: UnwatchMode, _ctx: &mut Context<Self>) {
        self.watchers.remove(&msg.socket_id);
    }
}

/// A website as a supervisor reads it (R1, R2, R14, R57-R59).
#[derive(Message)]
#[rtype(result = "Website")]
pub struct GetWebsite;

impl Handler<GetWebsite> for WebsiteActor {
    type Result = MessageResult<GetWebsite>;

    fn handle(&mut self, _msg: GetWebsite, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.website.clone())
    }
}

/// What a supervisor edits on a website's page, checked (R1, R2, R14, R57-R59, A17).
#[derive(Debug, Clone)]
pub struct WebsiteProfile {
    pub name: String,
    pub description: String,
    pub allowed_domains: Vec<String>,
    pub time_zone: String,
    pub working_hours: crate::domain::schedule::Schedule,
    pub max_concurrent_sessions: i32,
    pub queue_id: crate::domain::ids::QueueId,
    pub language: Option<crate::domain::visitor::Language>,
    pub appearance: serde_json::Value,
}

impl WebsiteProfile {
    /// The website with this profile in place of its own.
    pub fn applied_to(self, website: &Website) -> Website {
        let mut changed = website.clone();
        changed.name = self.name;
        changed.description = self.description;
        changed.allowed_domains = self.allowed_domains;
        changed.time_zone = self.time_zone;
        changed.working_hours = self.working_hours;
        changed.max_concurrent_sessions = self.max_concurrent_sessions;
        changed.queue_id = self.queue_id;
        changed.unmanaged.language = self.language.as_ref().map(|l| l.as_str().to_owned());
        changed.language = self.language;
        changed.appearance = self.appearance;
        changed
    }
}

/// A supervisor saves a website's profile: stored, then used at once (the handler is atomic,
/// so two changes of one website do not interleave): the Origin rule, the queue the website
/// follows, its working hours and its session cap (R2, R5, R58, R59).
#[derive(Message)]
#[rtype(result = "Result<Website, AppError>")]
pub struct ChangeProfile {
    pub profile: WebsiteProfile,
}

impl Handler<ChangeProfile> for WebsiteActor {
    type Result = AtomicResponse<Self, Result<Website, AppError>>;

    fn handle(&mut self, msg: ChangeProfile, ctx: &mut Context<Self>) -> Self::Result {
        let changed = msg.profile.applied_to(&self.website);
        let previous_queue = self.website.queue_id;
        let engine = self.engine.clone();
        let addr = ctx.address();
        let stored = changed.clone();
        let write = async move {
            if engine.queue(stored.queue_id).is_none() {
                return Err(AppError::QueueNotFound);
            }
            let found = engine
                .db()
                .run({
                    let stored = stored.clone();
                    move |conn| store::websites::set_profile(conn, &stored)
                })
                .await?;
            if !found {
                return Err(AppError::WebsiteNotFound);
            }
            engine
                .website_profile_changed(&stored, previous_queue, addr)
                .await
        };
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, _ctx| {
                written?;
                let queue_changed = act.website.queue_id != changed.queue_id;
                act.website = changed;
                if queue_changed {
                    // The new queue's reports have their own versions.
                    act.queue = QueueAvailability::NO_QUEUE;
                    act.queue_version = 0;
                    act.engine.tell_websites_of(act.website.queue_id);
                }
                act.refresh_mode();
                Ok(act.website.clone())
            },
        )))
    }
}
