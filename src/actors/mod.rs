//! The live engine: one actor per thing in the world (website, queue, agent, chat).
//!
//! Actors find each other through the [`Engine`]'s directory of addresses, never through
//! globals, so that a remote address can later stand where a local one stands today. Handlers
//! stay thin: they turn a message into a `domain` decision and carry out its effects (store
//! writes through [`Db::run`], sends, timers).

pub mod admin;
pub mod agent;
pub mod chat;
pub mod monitor;
pub mod offline_messages;
pub mod queue;
pub mod retention;
pub mod upload_sweeper;
pub mod website;
pub mod working_hours;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use actix::prelude::*;
use bytestring::ByteString;

use crate::domain::away::AwayReasons;
use crate::domain::chat::{ChatLifecycle, ChatState};
use crate::domain::ids::{AwayReasonId, ChatId, QueueId, UserId, WebsiteId};
use crate::domain::options::RuntimeOptions;
use crate::domain::presence::{Capacity, Presence};
use crate::domain::unattended::UnattendedTimeout;
use crate::domain::unmanaged::UnmanagedPolicy;
use crate::domain::website::{origin_is_allowed, WebsiteKey};
use crate::error::AppError;
use crate::mail::{queue_mail, Mailer, OutgoingMail, Wake};
use crate::settings::Settings;
use crate::store::{self, Db, StoreError};

use agent::{AgentActor, AgentSeed};
use chat::{ChatActor, ChatSeed, ChatSummary, Describe};
use queue::{EnqueueChat, QueueActor, TellWebsites};
use upload_sweeper::UploadSweeper;

use crate::store::files::FileStore;
use website::WebsiteActor;
use working_hours::{WatchWorkingHours, WorkingHoursSupervisor};

/// Text for one socket: a single frame, or a batch (a replay) that takes one place in the
/// socket's bounded outbound queue however long it is.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum Outbound {
    Frame(ByteString),
    Batch(Vec<ByteString>),
}

/// A chat will send no more events to this subscriber (it ended).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct FeedClosed {
    pub chat_id: ChatId,
}

/// A unique number for each socket, to subscribe and unsubscribe it.
pub fn next_socket_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct EngineInner {
    db: Db,
    settings: Settings,
    arbiters: Mutex<Vec<Arbiter>>,
    handles: Vec<ArbiterHandle>,
    next_arbiter: AtomicUsize,
    websites: RwLock<HashMap<WebsiteKey, Addr<WebsiteActor>>>,
    website_keys: RwLock<HashMap<WebsiteId, WebsiteKey>>,
    website_domains: RwLock<HashMap<WebsiteKey, Vec<String>>>,
    /// R76, R78: what each website does with chats nobody took (read at start).
    unmanaged_policies: RwLock<HashMap<String, UnmanagedPolicy>>,
    queues: RwLock<HashMap<QueueId, Addr<QueueActor>>>,
    queue_names: RwLock<HashMap<QueueId, String>>,
    /// R78: the queues whose visitors nobody took may not leave a message (the others may,
    /// when their website allows it).
    queues_without_messages: RwLock<std::collections::HashSet<QueueId>>,
    /// R5: the websites whose widgets follow each queue.
    queue_websites: RwLock<HashMap<QueueId, Vec<Addr<WebsiteActor>>>>,
    /// R58: opens and closes websites at their working-interval boundaries.
    working_hours: Addr<WorkingHoursSupervisor>,
    agents: Mutex<HashMap<UserId, Addr<AgentActor>>>,
    chats: Mutex<HashMap<ChatId, Addr<ChatActor>>>,
    mailer: Option<Addr<Mailer>>,
    _upload_sweeper: Addr<UploadSweeper>,
    /// R92: anonymises old chats.
    _retention: Addr<retention::RetentionJob>,
    /// R40: the folder chat files live in.
    files: FileStore,
    /// R24, R69: every away reason, kept in step with the store by `admin`.
    away_reasons: RwLock<AwayReasons>,
    /// Configuration changes (away reasons, queue members, capacities) hold this for writing
    /// from their store write until every live actor has been told, so actors hear of changes
    /// in the order they were stored; an agent actor being loaded from the store holds it for
    /// reading, so it cannot miss a change made while it loads.
    config_changes: tokio::sync::RwLock<()>,
    /// Issue 9: the live monitor, started when a supervisor first opens it.
    monitor: std::sync::OnceLock<Addr<monitor::MonitorActor>>,
    /// R66: the unattended timeout an admin set (`/options`), in ms; `NO_OVERRIDE` follows the
    /// configuration. Kept in step with the store by `options_changed`.
    unattended_override_ms: std::sync::atomic::AtomicI64,
    /// Issue 10: the abuse-limit counters.
    limits: crate::limits::Limits,
    /// Issue 10: whether the engine is stopping, and its open sockets (§4.33).
    drain: crate::shutdown::Drain,
}

/// `EngineInner::unattended_override_ms` when no admin set the timeout.
const NO_OVERRIDE: i64 = i64::MIN;

/// The engine's shared context: store, settings and the directory of live actors.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Engine {
    /// Starts the arbiters and rebuilds every website, queue and open chat from the store, so a
    /// restart loses no waiting chat and no conversation.
    pub async fn start(db: Db, settings: Settings) -> Result<Engine, AppError> {
        let count = match settings.engine.arbiters {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let arbiters: Vec<Arbiter> = (0..count).map(|_| Arbiter::new()).collect();
        let handles: Vec<ArbiterHandle> = arbiters.iter().map(Arbiter::handle).collect();
        let mailer = match settings.mail.enabled() {
            true => {
                let mailer = Mailer::new(db.clone(), settings.mail.clone())
                    .map_err(|e| AppError::Internal(format!("mail settings: {e}")))?;
                Some(Supervisor::start_in_arbiter(&handles[0], move |_| mailer))
            }
            false => None,
        };
        let working_hours =
            Supervisor::start_in_arbiter(&handles[0], |_| WorkingHoursSupervisor::default());
        let files = FileStore::for_settings(&settings);
        files.ensure().map_err(|e| {
            AppError::Internal(format!("attachments folder {}: {e}", files.dir().display()))
        })?;
        let sweeper = UploadSweeper::new(db.clone(), &settings, files.clone());
        let upload_sweeper = Supervisor::start_in_arbiter(&handles[0], move |_| sweeper);
        let limits = crate::limits::Limits::new(settings.limits.clone());
        let job =
            retention::RetentionJob::new(db.clone(), settings.retention.clone(), files.clone());
        let retention = Supervisor::start_in_arbiter(&handles[0], move |_| job);
        let drain_ms = settings.server.drain_ms;
        let engine = Engine {
            inner: Arc::new(EngineInner {
                db,
                settings,
                arbiters: Mutex::new(arbiters),
                handles,
                next_arbiter: AtomicUsize::new(0),
                websites: RwLock::default(),
                website_keys: RwLock::default(),
                website_domains: RwLock::default(),
                unmanaged_policies: RwLock::default(),
                queues: RwLock::default(),
                queues_without_messages: RwLock::default(),
                queue_names: RwLock::default(),
                queue_websites: RwLock::default(),
                working_hours,
                agents: Mutex::default(),
                chats: Mutex::default(),
                mailer,
                _upload_sweeper: upload_sweeper,
                _retention: retention,
                files,
                away_reasons: RwLock::default(),
                config_changes: tokio::sync::RwLock::new(()),
                monitor: std::sync::OnceLock::new(),
                unattended_override_ms: std::sync::atomic::AtomicI64::new(NO_OVERRIDE),
                limits,
                drain: crate::shutdown::Drain::new(drain_ms),
            }),
        };
        engine.rebuild().await?;
        Ok(engine)
    }

    async fn rebuild(&self) -> Result<(), AppError> {
        let (queues, websites, open_chats, away_reasons) = self
            .db()
            .run(|conn| {
                let queues = store::queues::all(conn)?
                    .into_iter()
                    .map(|row| {
                        let members = store::queues::members(conn, QueueId(row.id))?;
                        let opening_hours = row.opening_hours()?;
                        Ok((row, members, opening_hours))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let websites = store::websites::all(conn)?;
                let open_chats = store::chats::open(conn)?
                    .into_iter()
                    .map(|row| {
                        let (last_seq, keys) = store::chats::sequence_state(conn, row.chat_id())?;
                        let last_event_at = store::chats::last_event_at(conn, row.chat_id())?;
                        let agents = store::chats::participants(conn, row.chat_id())?;
                        Ok((row, (last_seq, last_event_at), keys, agents))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let away_reasons = store::away_reasons::menu(conn)?;
                let options = store::options::load(conn)?;
                Ok((queues, websites, open_chats, (away_reasons, options)))
            })
            .await?;
        let (away_reasons, options) = away_reasons;
        *self.write(&self.inner.away_reasons) = away_reasons;
        // Before any chat actor starts, so each arms its unattended timer with it.
        self.options_changed(&options);

        // R59: each website starts knowing its open chats.
        let mut open_per_website: HashMap<i64, u32> = HashMap::new();
        for (row, _, _, _) in &open_chats {
            *open_per_website.entry(row.website_id).or_default() += 1;
        }
        // Websites are listed before their queues start, so a queue's first report of its
        // availability finds them.
        for website in websites {
            let open_chats = open_per_website.get(&website.id.0).copied().unwrap_or(0);
            self.start_website(website, open_chats).await?;
        }
        for (row, members, opening_hours) in queues {
            self.start_queue(row, members, opening_hours).await?;
        }
        let mut queued = 0;
        for (row, last, client_keys, agents) in open_chats {
            let state = row.chat_state()?;
            let seed = ChatSeed::from_row(&row, self.website_key(row.website_id), last)?;
            // R43-R45: every agent of a conference comes back, not only the owner.
            let lifecycle =
                ChatLifecycle::restore(state, agents.iter().map(|(id, _)| *id).collect());
            let enqueue = EnqueueChat::from_seed(&seed);
            self.register_chat(seed, lifecycle, client_keys, agents);
            if state == ChatState::Queued {
                queued += 1;
                if let Some(queue) = self.queue(QueueId(row.queue_id)) {
                    queue.do_send(enqueue);
                }
            }
        }
        // R51: an owed wrap-up's countdown lives in its agent's actor: those agents start now,
        // so the countdowns run (and one already due is applied) without waiting for a login.
        if self.settings().wrap_up.enabled {
            let counting = self
                .db()
                .run(store::wrap_ups::agents_with_countdowns)
                .await?;
            for agent in counting {
                if let Err(e) = self.agent(agent).await {
                    tracing::warn!(agent_id = %agent, error = %e, "could not resume owed wrap-ups");
                }
            }
        }
        tracing::info!(queued, "engine rebuilt from the store");
        Ok(())
    }

    /// Starts a website's actor and lists it everywhere requests look for it: at start for
    /// each stored website, and when a supervisor creates one (R57).
    pub(crate) async fn start_website(
        &self,
        website: store::websites::Website,
        open_chats: u32,
    ) -> Result<Addr<WebsiteActor>, AppError> {
        let key = website.key.clone();
        let (queue, hours) = (website.queue_id, website.working_hours.clone());
        self.write(&self.inner.website_keys)
            .insert(website.id, key.clone());
        self.write(&self.inner.website_domains)
            .insert(key.clone(), website.allowed_domains.clone());
        self.write(&self.inner.unmanaged_policies)
            .insert(key.to_string(), website.unmanaged.clone());
        let actor = WebsiteActor::new(self.clone(), website, open_chats);
        let addr = Supervisor::start_in_arbiter(&self.next_arbiter(), move |_| actor);
        self.write(&self.inner.websites)
            .insert(key.clone(), addr.clone());
        self.write(&self.inner.queue_websites)
            .entry(queue)
            .or_default()
            .push(addr.clone());
        // Awaited: the website knows its working hours before any request reaches it.
        self.watch_working_hours(key, hours, &addr).await?;
        Ok(addr)
    }

    /// Starts a queue's actor and lists it: at start for each stored queue, and when an admin
    /// creates one (R67).
    pub(crate) async fn start_queue(
        &self,
        row: store::queues::QueueRow,
        members: Vec<crate::domain::routing::HuntMember>,
        opening_hours: crate::domain::schedule::Schedule,
    ) -> Result<Addr<QueueActor>, AppError> {
        let id = QueueId(row.id);
        self.write(&self.inner.queue_names)
            .insert(id, row.name.clone());
        self.set_queue_leave_message(id, row.leave_message);
        let actor = QueueActor::new(self.clone(), row, members, opening_hours);
        let addr = Supervisor::start_in_arbiter(&self.next_arbiter(), move |_| actor);
        self.write(&self.inner.queues).insert(id, addr.clone());
        // Awaited: every website knows its queue's availability before any request.
        addr.send(TellWebsites).await?;
        Ok(addr)
    }

    /// R67: a deleted queue (one no website targets and no chat uses) is forgotten and its
    /// actor stopped.
    pub(crate) fn forget_queue(&self, id: QueueId) {
        self.write(&self.inner.queue_names).remove(&id);
        self.write(&self.inner.queues_without_messages).remove(&id);
        self.write(&self.inner.queue_websites).remove(&id);
        if let Some(addr) = self.write(&self.inner.queues).remove(&id) {
            addr.do_send(queue::RetireQueue);
        }
    }

    /// R57: a deleted website (one with no chats) is forgotten everywhere requests look for it,
    /// its hours are no longer watched, and its actor stops.
    pub(crate) fn forget_website(&self, website: &store::websites::Website) {
        let key = website.key.clone();
        self.write(&self.inner.website_keys).remove(&website.id);
        self.write(&self.inner.website_domains).remove(&key);
        self.write(&self.inner.unmanaged_policies)
            .remove(key.as_str());
        let addr = self.write(&self.inner.websites).remove(&key);
        if let Some(addr) = addr {
            if let Some(list) = self
                .write(&self.inner.queue_websites)
                .get_mut(&website.queue_id)
            {
                list.retain(|other| *other != addr);
            }
            addr.do_send(website::Retire);
        }
        self.inner
            .working_hours
            .do_send(working_hours::UnwatchWorkingHours { website_key: key });
    }

    /// R78: whether the queue's visitors nobody took may leave a message (if their website
    /// allows it too), used by its chats from now on.
    pub(crate) fn set_queue_leave_message(&self, queue: QueueId, leave_message: bool) {
        let mut without = self.write(&self.inner.queues_without_messages);
        if leave_message {
            without.remove(&queue);
        } else {
            without.insert(queue);
        }
    }

    /// R76, R78: the website's new unmanaged settings, used by its chats from now on.
    pub(crate) fn set_unmanaged_policy(&self, website_key: &str, policy: UnmanagedPolicy) {
        self.write(&self.inner.unmanaged_policies)
            .insert(website_key.to_owned(), policy);
    }

    /// R58: the working-hours supervisor watches these hours of the website, in place of any.
    async fn watch_working_hours(
        &self,
        key: WebsiteKey,
        hours: crate::domain::schedule::Schedule,
        addr: &Addr<WebsiteActor>,
    ) -> Result<(), AppError> {
        self.inner
            .working_hours
            .send(WatchWorkingHours {
                website_key: key,
                hours: Box::new(hours),
                website: addr.clone().recipient(),
            })
            .await?;
        Ok(())
    }

    /// R2, R5, R58: a website's edited profile, already stored, used at once: its domains
    /// for the Origin rule, its queue's reports and its working hours' timer.
    pub(crate) async fn website_profile_changed(
        &self,
        website: &store::websites::Website,
        previous_queue: QueueId,
        addr: Addr<WebsiteActor>,
    ) -> Result<(), AppError> {
        let key = website.key.clone();
        self.write(&self.inner.website_domains)
            .insert(key.clone(), website.allowed_domains.clone());
        if let Some(policy) = self
            .write(&self.inner.unmanaged_policies)
            .get_mut(key.as_str())
        {
            policy.language = website.unmanaged.language.clone();
        }
        if previous_queue != website.queue_id {
            let mut queue_websites = self.write(&self.inner.queue_websites);
            if let Some(list) = queue_websites.get_mut(&previous_queue) {
                list.retain(|other| *other != addr);
            }
            queue_websites
                .entry(website.queue_id)
                .or_default()
                .push(addr.clone());
        }
        self.watch_working_hours(key, website.working_hours.clone(), &addr)
            .await
    }

    /// R5: asks a queue to tell its websites its availability (after a website joined it).
    pub(crate) fn tell_websites_of(&self, queue: QueueId) {
        if let Some(queue) = self.queue(queue) {
            queue.do_send(TellWebsites);
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Issue 10: the abuse-limit counters of this engine.
    pub fn limits(&self) -> &crate::limits::Limits {
        &self.inner.limits
    }

    /// R40: where chat files are stored.
    pub fn files(&self) -> &FileStore {
        &self.inner.files
    }

    /// Arbiters take actors in turn, so they spread over the threads.
    fn next_arbiter(&self) -> ArbiterHandle {
        let i = self.inner.next_arbiter.fetch_add(1, Ordering::Relaxed);
        self.inner.handles[i % self.inner.handles.len()].clone()
    }

    pub fn website(&self, key: &WebsiteKey) -> Option<Addr<WebsiteActor>> {
        self.read(&self.inner.websites).get(key).cloned()
    }

    /// The website whose key is spelled `key` (as chats keep it), if there is one.
    pub fn website_named(&self, key: &str) -> Option<Addr<WebsiteActor>> {
        WebsiteKey::parse(key)
            .ok()
            .and_then(|key| self.website(&key))
    }

    /// R5: the websites whose widgets follow this queue's availability.
    pub fn websites_of_queue(&self, queue: QueueId) -> Vec<Addr<WebsiteActor>> {
        self.read(&self.inner.queue_websites)
            .get(&queue)
            .cloned()
            .unwrap_or_default()
    }

    /// R58: the supervisor of the websites' working hours; a change of a website's hours goes
    /// to it as `WatchWorkingHours`.
    pub fn working_hours(&self) -> &Addr<WorkingHoursSupervisor> {
        &self.inner.working_hours
    }

    /// R2: may a page from `origin` call the visitor endpoints of `website` (or, with `None`,
    /// of any website)? Used for CORS; each endpoint still checks its own rules.
    pub fn origin_allowed(&self, website: Option<&WebsiteKey>, origin: &str) -> bool {
        let domains = self.read(&self.inner.website_domains);
        match website {
            Some(key) => domains
                .get(key)
                .is_some_and(|allowed| origin_is_allowed(allowed, origin)),
            None => domains
                .values()
                .any(|allowed| origin_is_allowed(allowed, origin)),
        }
    }

    /// The id of the website with this key, if there is one.
    pub fn website_id(&self, key: &WebsiteKey) -> Option<WebsiteId> {
        self.read(&self.inner.website_keys)
            .iter()
            .find(|(_, k)| *k == key)
            .map(|(id, _)| *id)
    }

    fn website_key(&self, id: i64) -> String {
        self.website_key_of(WebsiteId(id))
            .map(|k| k.as_str().to_owned())
            .unwrap_or_default()
    }

    /// The key of the website with this id.
    pub fn website_key_of(&self, id: WebsiteId) -> Option<WebsiteKey> {
        self.read(&self.inner.website_keys).get(&id).cloned()
    }

    /// The id of the website with this key.
    pub fn website_id_of(&self, key: &WebsiteKey) -> Option<WebsiteId> {
        self.read(&self.inner.website_keys)
            .iter()
            .find_map(|(id, k)| (k == key).then_some(*id))
    }

    /// R76, R78: what a chat of the website in `queue` does when nobody takes it: the
    /// website's settings, with leave-a-message only if the queue takes messages too.
    pub fn unmanaged_policy_in(&self, website_key: &str, queue: QueueId) -> UnmanagedPolicy {
        let website = self.unmanaged_policy(website_key);
        let queue_takes = !self
            .read(&self.inner.queues_without_messages)
            .contains(&queue);
        website.in_queue(queue_takes)
    }

    /// R76, R78: what the website does with chats nobody took; the defaults for a website the
    /// engine does not know.
    pub fn unmanaged_policy(&self, website_key: &str) -> UnmanagedPolicy {
        self.read(&self.inner.unmanaged_policies)
            .get(website_key)
            .cloned()
            .unwrap_or_default()
    }

    /// R66, R80: the global unattended timeout: the admin's (`/options`), else the
    /// configuration's.
    pub fn unattended_timeout(&self) -> UnattendedTimeout {
        let set = self
            .inner
            .unattended_override_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        UnattendedTimeout::from_ms(match set {
            NO_OVERRIDE => self.settings().chats.unattended_timeout_ms,
            ms => ms,
        })
    }

    /// R66: the options as just stored. A new unattended timeout applies to each active chat
    /// from its next message, or when its armed timer fires (which re-arms it to the new
    /// deadline if that is later).
    pub fn options_changed(&self, options: &RuntimeOptions) {
        self.inner.unattended_override_ms.store(
            options.unattended_timeout_ms.unwrap_or(NO_OVERRIDE),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    pub fn queue(&self, id: QueueId) -> Option<Addr<QueueActor>> {
        self.read(&self.inner.queues).get(&id).cloned()
    }

    /// Every away reason (the active ones are the agents' status menu, R69).
    pub fn away_reasons(&self) -> AwayReasons {
        self.read(&self.inner.away_reasons).clone()
    }

    pub fn queue_name(&self, id: QueueId) -> Option<String> {
        self.read(&self.inner.queue_names).get(&id).cloned()
    }

    /// R35: the runtime options an admin set (read from the store, so a change applies at
    /// once everywhere).
    pub async fn options(&self) -> Result<RuntimeOptions, AppError> {
        Ok(self.db().run(store::options::load).await?)
    }

    /// R35: refuses unless an admin left the client preview on.
    pub async fn require_client_preview(&self) -> Result<RuntimeOptions, AppError> {
        let options = self.options().await?;
        if options.client_preview {
            Ok(options)
        } else {
            Err(AppError::PreviewDisabled)
        }
    }

    /// A chat that waits in a queue now, with that queue; `chat_not_waiting` otherwise.
    pub async fn waiting_chat(
        &self,
        id: ChatId,
    ) -> Result<(ChatSummary, Addr<QueueActor>), AppError> {
        let chat = self.live_chat(id).ok_or(AppError::ChatNotWaiting)?;
        let summary = chat.send(Describe).await?;
        if summary.state != ChatState::Queued {
            return Err(AppError::ChatNotWaiting);
        }
        let queue = self
            .queue(summary.seed.queue_id)
            .ok_or(AppError::ChatNotWaiting)?;
        Ok((summary, queue))
    }

    /// The agent's actor if the agent is signed in to the engine right now.
    pub fn running_agent(&self, id: UserId) -> Option<Addr<AgentActor>> {
        self.lock(&self.inner.agents).get(&id).cloned()
    }

    /// The agent's actor, started from the store if it is not running.
    pub async fn agent(&self, id: UserId) -> Result<Addr<AgentActor>, AppError> {
        if let Some(addr) = self.running_agent(id) {
            return Ok(addr);
        }
        let _no_change_meanwhile = self.inner.config_changes.read().await;
        let (user, queues, chats, (owed_wrap_ups, wrap_up_reasons)) = self
            .db()
            .run(move |conn| {
                let user = store::users::by_id(conn, id)?;
                let queues = store::queues::queues_of(conn, id)?;
                let chats = store::chats::active_of_agent(conn, id)?;
                let owed = store::wrap_ups::owed_of(conn, id)?;
                let reasons = store::wrap_ups::reasons(conn)?;
                Ok((user, queues, chats, (owed, reasons)))
            })
            .await?;
        let user = user.ok_or(AppError::Unauthorized)?;
        let capacity = Capacity::parse(user.capacity.clamp(1, 20) as u32)?;
        // A11, R24: an agent who was signed out starts Away and must choose Available.
        let stored = Presence::from_stored(&user.presence);
        let presence = match stored {
            Some(Presence::Offline) | None => Presence::Away,
            Some(presence) => presence,
        };
        // R24: the reason given with Away survives a restart (even if deactivated since).
        let away_reason = match (stored, user.away_reason_id) {
            (Some(Presence::Away), Some(reason)) => self
                .read(&self.inner.away_reasons)
                .get(AwayReasonId(reason))
                .cloned(),
            _ => None,
        };
        let mut agents = self.lock(&self.inner.agents);
        if let Some(addr) = agents.get(&id) {
            return Ok(addr.clone());
        }
        let actor = AgentActor::new(
            self.clone(),
            id,
            AgentSeed {
                display_name: user.display_name,
                capacity,
                presence,
                away_reason,
                queues,
                chats: chats.iter().map(|c| c.chat_id()).collect(),
                // R51: with wrap-up off, nothing owed earlier is asked for.
                owed_wrap_ups: match self.settings().wrap_up.enabled {
                    true => owed_wrap_ups,
                    false => Vec::new(),
                },
                wrap_up_reasons,
            },
        );
        let addr = Supervisor::start_in_arbiter(&self.next_arbiter(), move |_| actor);
        agents.insert(id, addr.clone());
        Ok(addr)
    }

    /// The chat's actor; a chat that is not live (ended, or never loaded) is loaded from the
    /// store so its history can still be replayed.
    pub async fn chat(&self, id: ChatId) -> Result<Addr<ChatActor>, AppError> {
        if let Some(addr) = self.lock(&self.inner.chats).get(&id) {
            return Ok(addr.clone());
        }
        let loaded = self
            .db()
            .run(move |conn| {
                let Some(row) = store::chats::by_id(conn, id)? else {
                    return Ok(None);
                };
                let (last_seq, keys) = store::chats::sequence_state(conn, id)?;
                let last_event_at = store::chats::last_event_at(conn, id)?;
                let agents = store::chats::participants(conn, id)?;
                Ok(Some((row, (last_seq, last_event_at), keys, agents)))
            })
            .await?
            .ok_or(AppError::ChatNotFound)?;
        let (row, last, client_keys, agents) = loaded;
        let seed = ChatSeed::from_row(&row, self.website_key(row.website_id), last)?;
        let lifecycle = ChatLifecycle::restore(
            row.chat_state()?,
            agents.iter().map(|(id, _)| *id).collect(),
        );
        Ok(self.register_chat(seed, lifecycle, client_keys, agents))
    }

    /// Starts the actor of a chat unless one runs already, and lists it in the directory.
    pub(crate) fn register_chat(
        &self,
        seed: ChatSeed,
        lifecycle: ChatLifecycle,
        client_keys: Vec<(String, crate::domain::ids::Seq)>,
        agent_names: Vec<(UserId, String)>,
    ) -> Addr<ChatActor> {
        let mut chats = self.lock(&self.inner.chats);
        if let Some(addr) = chats.get(&seed.chat_id) {
            return addr.clone();
        }
        let chat_id = seed.chat_id;
        let actor = ChatActor::new(self.clone(), seed, lifecycle, client_keys, agent_names);
        let addr = ChatActor::start_in_arbiter(&self.next_arbiter(), move |_| actor);
        chats.insert(chat_id, addr.clone());
        addr
    }

    /// The chat's actor if it is running (every queued or active chat's is).
    pub fn live_chat(&self, id: ChatId) -> Option<Addr<ChatActor>> {
        self.lock(&self.inner.chats).get(&id).cloned()
    }

    /// Called by a chat's actor as it stops: removes its own entry, never a newer actor that
    /// was started for the same chat meanwhile.
    pub(crate) fn forget_chat(&self, id: ChatId, addr: &Addr<ChatActor>) {
        let mut chats = self.lock(&self.inner.chats);
        if chats.get(&id) == Some(addr) {
            chats.remove(&id);
        }
    }

    /// Stores a mail in the outbox and wakes the mailer; returns the outbox id.
    pub async fn send_mail(&self, mail: OutgoingMail) -> Result<i64, AppError> {
        let id = queue_mail(self.db(), mail).await?;
        self.wake_mailer();
        Ok(id)
    }

    /// Mail was put in the outbox (inside a transaction now committed): deliver it now rather
    /// than at the next poll.
    /// Issue 10: the engine's drain (§4.33).
    pub fn drain(&self) -> &crate::shutdown::Drain {
        &self.inner.drain
    }

    /// Issue 10: the engine is stopping. Timers of actors check this and do nothing then: an
    /// offer's expiry, a hunt's end, a grace period or an auto-close fired while the engine
    /// stops would act on clients that are leaving; the restart recovers from the store
    /// instead (§4.7).
    pub fn is_draining(&self) -> bool {
        self.inner.drain.is_draining()
    }

    /// Issue 10: a stopping engine takes no new socket and no new chat: 503 `server_closing`,
    /// with the time after which the client should try again.
    pub fn refuse_if_draining(&self) -> Result<(), AppError> {
        match self.is_draining() {
            true => Err(AppError::ServerClosing {
                retry_after_ms: self.inner.drain.reconnect_after_ms(),
            }),
            false => Ok(()),
        }
    }

    /// Issue 10: lets the mail round under way end, and starts no other (see
    /// [`crate::mail::FinishSending`]).
    pub async fn finish_sending_mail(&self) {
        if let Some(mailer) = &self.inner.mailer {
            let _ = mailer.send(crate::mail::FinishSending).await;
        }
    }

    pub fn wake_mailer(&self) {
        if let Some(mailer) = &self.inner.mailer {
            mailer.do_send(Wake);
        }
    }

    /// Every queue's actor, for the live monitor.
    pub fn queue_list(&self) -> Vec<(QueueId, Addr<QueueActor>)> {
        let queues = self.read(&self.inner.queues);
        queues
            .iter()
            .map(|(id, addr)| (*id, addr.clone()))
            .collect()
    }

    /// Every live chat's actor (queued, active, or ended and loaded for its history), for the
    /// live monitor.
    pub fn live_chat_list(&self) -> Vec<Addr<ChatActor>> {
        self.lock(&self.inner.chats).values().cloned().collect()
    }

    /// Issue 9: the live monitor's actor if a supervisor has opened the monitor.
    pub fn running_monitor(&self) -> Option<Addr<monitor::MonitorActor>> {
        self.inner.monitor.get().cloned()
    }

    /// Issue 9: the live monitor's actor, started on first use.
    pub fn monitor(&self) -> Addr<monitor::MonitorActor> {
        self.inner
            .monitor
            .get_or_init(|| {
                let engine = self.clone();
                monitor::MonitorActor::start_in_arbiter(&self.inner.handles[0], move |_| {
                    monitor::MonitorActor::new(engine)
                })
            })
            .clone()
    }

    /// How many chat actors are live (for tests and metrics).
    pub fn live_chats(&self) -> usize {
        self.lock(&self.inner.chats).len()
    }

    /// Stops every arbiter; the actors on them stop with them.
    pub fn shutdown(&self) {
        for arbiter in self.lock(&self.inner.arbiters).drain(..) {
            arbiter.stop();
        }
    }

    // A poisoned lock only means another thread panicked while holding it; the maps stay
    // consistent (every critical section is a single insert, remove or lookup), so go on.
    fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> std::sync::MutexGuard<'a, T> {
        mutex.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read<'a, T>(&self, lock: &'a RwLock<T>) -> std::sync::RwLockReadGuard<'a, T> {
        lock.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write<'a, T>(&self, lock: &'a RwLock<T>) -> std::sync::RwLockWriteGuard<'a, T> {
        lock.write().unwrap_or_else(|p| p.into_inner())
    }
}
