//! `ChatActor`: one per conversation. It is the single writer of the chat's event sequence:
//! every event is numbered here, stored, and only then sent to the chat's subscribers.

use std::collections::HashMap;
use std::time::Duration;

use actix::prelude::*;
use diesel::Connection;

use super::agent::{AgentNotice, ChatClosed, WithdrawReason};
use super::queue::{EnqueueChat, RemoveChat, VisitorMoved};
use super::website::{SessionEnded, UnmanagedChatEnded};
use super::{Engine, FeedClosed, Outbound};
use crate::clock::now_ms;
use crate::domain::attachment::MessageParts;
use crate::domain::chat::{ChatLifecycle, ChatState, Disposition, EndedBy, Poster};
use crate::domain::choices::{check_pick, Choice, ChoiceMenu, PickTarget};
use crate::domain::email::EmailAddress;
use crate::domain::event::{Author, ChatEvent, EventBody};
use crate::domain::identity::VisitorEdit;
use crate::domain::ids::{ChatId, QueueId, Seq, UserId};
use crate::domain::queue::HuntEnd;
use crate::domain::rate_limit::Window;
use crate::domain::receipt::{Reader, Receipts};
use crate::domain::transcript::{self, Delivery};
use crate::domain::unmanaged::{check_leave_message, LeftMessageForm};
use crate::domain::visitor::PageView;
use crate::domain::RuleError;
use crate::error::AppError;
use crate::metrics::METRICS;
use crate::protocol::{LeftMessageView, ServerFrame, VisitorDetails, VisitorView};
use crate::store::{self, chats::ChatRow, to_json, StoreError, StoreResult};

mod handover;
pub use handover::{
    CancelHandover, ClaimHandover, EndConference, HandoverDeclined, LeaveChat, RequestHandover,
};

/// What a chat's actor is started from: a new chat, or one rebuilt from the store.
#[derive(Debug, Clone)]
pub struct ChatSeed {
    pub chat_id: ChatId,
    pub queue_id: QueueId,
    pub website_key: String,
    pub visitor_name: String,
    pub requested_at_ms: i64,
    pub last_seq: Seq,
    /// R4, R34, R54: form values, language, browser, OS and the page the visitor is on now.
    pub visitor_details: VisitorDetails,
    /// R16: a direct chat's one agent; `None` when the queue hunts.
    pub target_agent: Option<UserId>,
    /// R80: when the chat's last event was stored; the unattended timeout counts from it.
    pub last_activity_ms: i64,
}

impl ChatSeed {
    /// `last` is the chat's last sequence number and when its last event was stored.
    pub fn from_row(
        row: &ChatRow,
        website_key: String,
        (last_seq, last_event_at): (Seq, Option<i64>),
    ) -> StoreResult<ChatSeed> {
        Ok(ChatSeed {
            chat_id: row.chat_id(),
            queue_id: QueueId(row.queue_id),
            website_key,
            visitor_name: row.visitor_name.clone(),
            requested_at_ms: row.created_at_ms,
            last_seq,
            visitor_details: store::parse_json("chats.visitor_meta", &row.visitor_meta)?,
            target_agent: row.target_agent_id.map(UserId),
            last_activity_ms: last_event_at.unwrap_or(row.created_at_ms),
        })
    }
}

/// Who is looking at a chat through a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Visitor,
    Agent(UserId),
}

pub struct ChatActor {
    engine: Engine,
    seed: ChatSeed,
    lifecycle: ChatLifecycle,
    last_seq: Seq,
    /// Idempotency keys already stored, scoped by author, with the sequence they got.
    client_keys: HashMap<String, Seq>,
    subscribers: HashMap<u64, Subscriber>,
    /// The last place in line the queue reported, sent to visitors who subscribe later.
    queue_position: Option<QueuePosition>,
    linger_timer: Option<SpawnHandle>,
    /// R80: when someone last wrote in the chat or an agent joined it.
    last_activity_ms: i64,
    /// R80: fires when the active chat has been unattended for the timeout; re-armed on every
    /// message.
    unattended_timer: Option<SpawnHandle>,
    /// R38: every reader's delivery and read marks, loaded when the actor starts.
    receipts: Receipts,
    /// R49: whether the chat's agents were last told the visitor is connected, and when.
    visitor_connected: (bool, i64),
    /// R49: runs while the visitor has no socket open, until the grace period ends.
    visitor_gone_timer: Option<SpawnHandle>,
    /// R43–R46: the one pending transfer or invitation (forgotten on a restart).
    handover: Option<handover::PendingHandover>,
    /// Numbers each handover offer, so a late answer or timer for an earlier one is ignored.
    handover_round: u64,
    /// The display names of the chat's agents, for the events that name them.
    agent_names: HashMap<UserId, String>,
    /// Issue 10: the visitor's messages in the current window (`limits.messages_per_chat`);
    /// the actor's own state, so the message path takes no lock for it.
    visitor_messages: Window,
}

struct Subscriber {
    viewer: Viewer,
    outbound: Recipient<Outbound>,
    closed: Recipient<FeedClosed>,
}

impl ChatActor {
    pub fn new(
        engine: Engine,
        seed: ChatSeed,
        lifecycle: ChatLifecycle,
        client_keys: Vec<(String, Seq)>,
        agent_names: Vec<(UserId, String)>,
    ) -> ChatActor {
        ChatActor {
            handover: None,
            handover_round: 0,
            agent_names: agent_names.into_iter().collect(),
            engine,
            last_seq: seed.last_seq,
            last_activity_ms: seed.last_activity_ms,
            unattended_timer: None,
            visitor_connected: (false, seed.requested_at_ms),
            visitor_gone_timer: None,
            seed,
            lifecycle,
            client_keys: client_keys.into_iter().collect(),
            subscribers: HashMap::new(),
            queue_position: None,
            linger_timer: None,
            receipts: Receipts::default(),
            visitor_messages: Window::default(),
        }
    }

    fn event(&self, author: Author, body: EventBody) -> ChatEvent {
        ChatEvent {
            chat_id: self.seed.chat_id,
            seq: self.last_seq.next(),
            at_ms: now_ms(),
            author,
            private: false,
            body,
        }
    }

    /// R80: (re)sets the unattended timer to the active chat's deadline; a chat that is not
    /// active, or a timeout of never, has none.
    fn watch_unattended(&mut self, ctx: &mut Context<Self>) {
        let deadline = self
            .engine
            .unattended_timeout()
            .deadline(self.lifecycle.state(), self.last_activity_ms);
        let wait = deadline.map(|at| Duration::from_millis((at - now_ms()).max(0) as u64));
        self.arm_unattended(wait, ctx);
    }

    fn arm_unattended(&mut self, wait: Option<Duration>, ctx: &mut Context<Self>) {
        if let Some(timer) = self.unattended_timer.take() {
            ctx.cancel_future(timer);
        }
        if let Some(wait) = wait {
            self.unattended_timer = Some(ctx.run_later(wait, |act, ctx| {
                act.unattended_timer = None;
                // Issue 10: not while the engine stops; the restart recovers (§4.33).
                if act.engine.is_draining() {
                    return;
                }
                // Through the mailbox, so the end is one atomic handler like any other.
                ctx.address().do_send(Unattended);
            }));
        }
    }

    /// How the chat ends: the `chat_ended` event says who ended it and with what, and for
    /// unmanaged and timed-out chats what the visitor is told (R8, R76, R80, A13) and until
    /// when it may leave a message (R78).
    fn end_event(&self, ended_by: EndedBy, disposition: Disposition) -> ChatEvent {
        let policy = self
            .engine
            .unmanaged_policy_in(&self.seed.website_key, self.seed.queue_id);
        let mut event = self.event(
            Author::System,
            EventBody::ChatEnded {
                ended_by,
                disposition,
                notice: None,
                leave_message_until_ms: None,
            },
        );
        let window_ms = self.engine.settings().chats.leave_message_window_ms;
        let at_ms = event.at_ms;
        if let EventBody::ChatEnded {
            notice,
            leave_message_until_ms,
            ..
        } = &mut event.body
        {
            *notice = match disposition {
                Disposition::Unmanaged => Some(policy.notice(self.seed.target_agent.is_some())),
                Disposition::Timeout => Some(policy.texts().unattended.to_owned()),
                _ => None,
            };
            *leave_message_until_ms = policy.leave_message_until(disposition, at_ms, window_ms);
        }
        event
    }

    /// Ends the chat (R7, R8, R76, R80): the end event and the new state are stored together
    /// with the transcripts its visitor asked for (R86), then the event is published, the
    /// queue and the agents are told, and the feeds close.
    fn finish(
        &mut self,
        next: ChatLifecycle,
        ended_by: EndedBy,
        disposition: Disposition,
    ) -> Reply<()> {
        let was_queued = self.lifecycle.state() == ChatState::Queued;
        let event = self.end_event(ended_by, disposition);
        let (stored, chat) = (event.clone(), self.seed.chat_id);
        // R50, R51: each agent of the chat owes a wrap-up from the end, stored with it, so
        // an agent signed out now (or a restart) still finds it owed.
        let wrap_up = &self.engine.settings().wrap_up;
        let owing: Vec<UserId> = match wrap_up.enabled {
            true => self.lifecycle.agents().to_vec(),
            false => Vec::new(),
        };
        let auto_after_ms = wrap_up.auto_after_ms;
        let write = self.engine.db().write(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                store::chats::end(conn, &stored, disposition)?;
                for agent in owing {
                    store::wrap_ups::owe(conn, chat, agent, stored.at_ms, auto_after_ms)?;
                }
                crate::mail::transcript::mail_pending(conn, chat, stored.at_ms)
            })
        });
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                let transcripts = match written {
                    Ok(transcripts) => transcripts,
                    Err(e) => {
                        if disposition == Disposition::Timeout {
                            // Try again later rather than leave the chat open for good.
                            act.arm_unattended(Some(UNATTENDED_RETRY), ctx);
                        }
                        return Err(e.into());
                    }
                };
                if transcripts > 0 {
                    act.engine.wake_mailer();
                }
                act.lifecycle = next;
                act.arm_unattended(None, ctx);
                act.drop_handover(WithdrawReason::ChatEnded, ctx);
                act.publish(&event);
                let chat_id = act.seed.chat_id;
                if was_queued {
                    if let Some(queue) = act.engine.queue(act.seed.queue_id) {
                        queue.do_send(RemoveChat { chat_id });
                    }
                }
                for &agent in act.lifecycle.agents() {
                    if let Some(addr) = act.engine.running_agent(agent) {
                        addr.do_send(ChatClosed { chat_id });
                    }
                }
                if let Some(website) = act.engine.website_named(&act.seed.website_key) {
                    // R59: the website's session is free again.
                    website.do_send(SessionEnded);
                    if disposition == Disposition::Unmanaged {
                        website.do_send(UnmanagedChatEnded {
                            ended_at_ms: event.at_ms,
                        });
                    }
                }
                act.close_feed(ctx);
                Ok(())
            },
        )))
    }

    /// Sends a stored event to every subscriber allowed to see it (R10, R39).
    fn publish(&mut self, event: &ChatEvent) {
        self.last_seq = event.seq;
        let text = ServerFrame::Event(event).to_text();
        self.subscribers.retain(|_, sub| sub.outbound.connected());
        for sub in self.subscribers.values() {
            if sub.viewer == Viewer::Visitor && !event.visible_to_visitor() {
                continue;
            }
            sub.outbound.do_send(Outbound::Frame(text.clone()));
        }
    }

    fn visitor_connection_frame(&self) -> bytestring::ByteString {
        let (connected, at_ms) = self.visitor_connected;
        ServerFrame::VisitorConnection {
            chat_id: self.seed.chat_id,
            connected,
            at_ms,
        }
        .to_text()
    }

    fn visitor_present(&self) -> bool {
        self.subscribers
            .values()
            .any(|sub| sub.viewer == Viewer::Visitor && sub.outbound.connected())
    }

    /// R49: the agents learn when the visitor's sockets go from none to some (at once) and
    /// from some to none (after the grace period, so a reload is not a departure), for the
    /// close warning. Nothing is said once the chat ended: `chat_ended` says it all (R48).
    fn visitor_sockets_changed(&mut self, ctx: &mut Context<Self>) {
        if self.lifecycle.state() == ChatState::Ended {
            return;
        }
        if self.visitor_present() {
            if let Some(timer) = self.visitor_gone_timer.take() {
                ctx.cancel_future(timer);
            }
            if !self.visitor_connected.0 {
                self.tell_visitor_connection(true);
            }
        } else if self.visitor_connected.0 && self.visitor_gone_timer.is_none() {
            let grace = self.engine.settings().chats.visitor_connection_grace_ms;
            self.visitor_gone_timer =
                Some(ctx.run_later(Duration::from_millis(grace), |act, _ctx| {
                    act.visitor_gone_timer = None;
                    // Issue 10: the visitor was told to reconnect; it is not gone.
                    let stopping = act.engine.is_draining();
                    if !stopping
                        && act.lifecycle.state() != ChatState::Ended
                        && !act.visitor_present()
                    {
                        act.tell_visitor_connection(false);
                    }
                }));
        }
    }

    fn tell_visitor_connection(&mut self, connected: bool) {
        self.visitor_connected = (connected, now_ms());
        let text = self.visitor_connection_frame();
        for sub in self.subscribers.values() {
            if matches!(sub.viewer, Viewer::Agent(_)) {
                sub.outbound.do_send(Outbound::Frame(text.clone()));
            }
        }
    }

    /// After the last event of an ended chat: tell everyone the feed is over, then linger.
    fn close_feed(&mut self, ctx: &mut Context<Self>) {
        for sub in self.subscribers.values() {
            sub.closed.do_send(FeedClosed {
                chat_id: self.seed.chat_id,
            });
        }
        self.subscribers.clear();
        self.linger(ctx);
    }

    /// An ended chat stays a while, so whoever comes late (a visitor reconnecting to read the
    /// end) is answered instead of finding a mailbox that closed under its message; it stops
    /// once nobody has watched it for `ENDED_CHAT_LINGER`.
    fn linger(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.linger_timer.take() {
            ctx.cancel_future(timer);
        }
        self.linger_timer = Some(ctx.run_later(ENDED_CHAT_LINGER, |act, ctx| {
            act.linger_timer = None;
            if act.subscribers.is_empty() {
                act.stop(ctx);
            }
        }));
    }

    /// Leaves the directory before stopping, so nobody is handed an actor that is going away.
    fn stop(&mut self, ctx: &mut Context<Self>) {
        self.engine.forget_chat(self.seed.chat_id, &ctx.address());
        ctx.stop();
    }
}

/// How long an ended chat stays in memory unwatched.
const ENDED_CHAT_LINGER: Duration = Duration::from_secs(30);

/// R80: when ending an unattended chat failed (the store), the next try.
const UNATTENDED_RETRY: Duration = Duration::from_secs(5);

impl Actor for ChatActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // R38: the marks are read before any message is handled (`wait` holds the mailbox),
        // so a receipt never advances marks the actor has not loaded yet.
        let chat = self.seed.chat_id;
        let load = self
            .engine
            .db()
            .run(move |conn| store::receipts::of_chat(conn, chat));
        ctx.wait(
            load.into_actor(self)
                .map(move |loaded, act, _ctx| match loaded {
                    Ok(receipts) => act.receipts = receipts,
                    Err(e) => {
                        tracing::warn!(chat_id = %chat, error = %e, "could not read the chat's receipts")
                    }
                }),
        );
        if self.lifecycle.state() == ChatState::Ended {
            self.linger(ctx);
        } else {
            // R80: rebuilt after a restart, an active chat's deadline counts from its last
            // stored event; one that passed ends at once.
            self.watch_unattended(ctx);
        }
    }

    fn stopped(&mut self, ctx: &mut Self::Context) {
        self.engine.forget_chat(self.seed.chat_id, &ctx.address());
    }
}

type Reply<T> = AtomicResponse<ChatActor, Result<T, AppError>>;

fn reply<T: 'static>(result: Result<T, AppError>) -> Reply<T> {
    AtomicResponse::new(Box::pin(fut::ready(result)))
}

/// A socket wants this chat's events after `after`, then every new one as it happens.
#[derive(Message)]
#[rtype(result = "Result<Subscribed, AppError>")]
pub struct Subscribe {
    pub socket_id: u64,
    pub viewer: Viewer,
    pub after: Seq,
    pub outbound: Recipient<Outbound>,
    pub closed: Recipient<FeedClosed>,
}

#[derive(Debug, Clone, Copy)]
pub struct Subscribed {
    pub state: ChatState,
    pub last_seq: Seq,
}

impl Handler<Subscribe> for ChatActor {
    type Result = Reply<Subscribed>;

    /// The replay is read and queued before the subscriber is added, inside one atomic
    /// handler, so the subscriber sees every event exactly once and in order.
    fn handle(&mut self, msg: Subscribe, _ctx: &mut Context<Self>) -> Self::Result {
        if let Viewer::Agent(agent) = msg.viewer {
            if !self.lifecycle.has_agent(agent) {
                return reply(Err(crate::domain::RuleError::NotAParticipant.into()));
            }
        }
        let chat = self.seed.chat_id;
        let include_private = msg.viewer != Viewer::Visitor;
        let batch = self.engine.settings().realtime.replay_batch.max(1);
        let after = msg.after;
        let replay = self.engine.db().run(move |conn| {
            let mut pages = Vec::new();
            let mut cursor = after;
            loop {
                let page = store::chats::events_after(conn, chat, cursor, include_private, batch)?;
                let full = page.len() as i64 == batch;
                if let Some(last) = page.last() {
                    cursor = last.seq;
                    pages.push(page);
                }
                if !full {
                    return Ok(pages);
                }
            }
        });
        AtomicResponse::new(Box::pin(replay.into_actor(self).map(
            move |replayed, act, ctx| {
                // Each page of `replay_batch` events is one item of the socket's queue.
                for page in replayed? {
                    let frames = page
                        .iter()
                        .map(|event| ServerFrame::Event(event).to_text())
                        .collect();
                    msg.outbound.do_send(Outbound::Batch(frames));
                }
                // R38: where the others are, so ticks survive a reload.
                for (reader, marks) in act.receipts.others(reader_of(msg.viewer)) {
                    let frame = ServerFrame::Receipt {
                        chat_id: act.seed.chat_id,
                        reader,
                        marks,
                    };
                    msg.outbound.do_send(Outbound::Frame(frame.to_text()));
                }
                if act.lifecycle.state() == ChatState::Ended {
                    // Sent after the replay through the same mailbox, so the subscriber
                    // closes only once it has written the history.
                    msg.closed.do_send(FeedClosed {
                        chat_id: act.seed.chat_id,
                    });
                    // Nothing more will happen in a finished chat; it lingers, then goes.
                    act.linger(ctx);
                } else {
                    if let (Viewer::Visitor, Some(position), ChatState::Queued) =
                        (msg.viewer, &act.queue_position, act.lifecycle.state())
                    {
                        msg.outbound
                            .do_send(Outbound::Frame(position.frame(act.seed.chat_id)));
                    }
                    if let Viewer::Agent(_) = msg.viewer {
                        // R49: an agent (re)joining learns where the visitor stands now.
                        msg.outbound
                            .do_send(Outbound::Frame(act.visitor_connection_frame()));
                    }
                    if matches!(msg.viewer, Viewer::Agent(_)) && act.in_conference() {
                        msg.outbound
                            .do_send(Outbound::Frame(act.participants_frame()));
                    }
                    act.subscribers.insert(
                        msg.socket_id,
                        Subscriber {
                            viewer: msg.viewer,
                            outbound: msg.outbound,
                            closed: msg.closed,
                        },
                    );
                    if msg.viewer == Viewer::Visitor {
                        act.visitor_sockets_changed(ctx);
                    }
                }
                Ok(Subscribed {
                    state: act.lifecycle.state(),
                    last_seq: act.last_seq,
                })
            },
        )))
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Unsubscribe {
    pub socket_id: u64,
}

impl Handler<Unsubscribe> for ChatActor {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, ctx: &mut Context<Self>) {
        let gone = self.subscribers.remove(&msg.socket_id);
        if self.lifecycle.state() == ChatState::Ended && self.subscribers.is_empty() {
            self.linger(ctx);
        }
        if gone.is_some_and(|sub| sub.viewer == Viewer::Visitor) {
            self.visitor_sockets_changed(ctx);
        }
    }
}

/// A message from the visitor or an agent of the chat: text, files they uploaded to it
/// (R10, R40), or both.
#[derive(Message)]
#[rtype(result = "Result<Seq, AppError>")]
pub struct PostMessage {
    pub poster: Poster,
    pub author_name: String,
    pub parts: MessageParts,
    /// The client's idempotency key: a retry with the same key is stored once.
    pub client_key: Option<String>,
    /// R39: agents only; `publish` and every read for the visitor leave it out.
    pub private: bool,
}

impl Handler<PostMessage> for ChatActor {
    type Result = Reply<Seq>;

    fn handle(&mut self, msg: PostMessage, _ctx: &mut Context<Self>) -> Self::Result {
        let scoped_key = match self.admit(msg.poster, msg.client_key) {
            Ok(key) => key,
            Err(answer) => return reply(answer),
        };
        if msg.poster == Poster::Visitor {
            let limit = self.engine.settings().limits.messages_per_chat;
            let now = u64::try_from(now_ms()).unwrap_or_default();
            if let Err(retry) = self.visitor_messages.hit(now, limit) {
                return reply(Err(AppError::RateLimited {
                    retry_after_ms: retry.0,
                }));
            }
        }
        let author = match msg.poster {
            Poster::Visitor => Author::Visitor {
                name: msg.author_name,
            },
            Poster::Agent(id) => Author::Agent {
                id,
                name: msg.author_name,
            },
        };
        if msg.private && msg.poster == Poster::Visitor {
            return reply(Err(AppError::InvalidInput(
                "only agents send private messages".to_owned(),
            )));
        }
        let MessageParts { text, attachments } = msg.parts;
        let received = std::time::Instant::now();
        let mut event = self.event(
            author,
            EventBody::Message {
                text,
                attachments: Vec::new(),
            },
        );
        event.private = msg.private;
        let (chat, poster, key) = (self.seed.chat_id, msg.poster, scoped_key.clone());
        // R40: the message and the claim of its files are one write (a savepoint of the
        // writer's batch); a file that is not the poster's own unsent upload to this chat
        // stores nothing.
        let write = self.engine.db().write(move |conn| {
            let claimed = store::attachments::claim_for_message(
                conn,
                chat,
                poster,
                &attachments,
                (event.seq, event.private),
            )?;
            let files = match claimed {
                Ok(files) => files,
                Err(rule) => return Ok(Err(rule)),
            };
            if let EventBody::Message { attachments, .. } = &mut event.body {
                *attachments = files;
            }
            store::chats::append(conn, &event, key.as_deref())?;
            Ok(Ok(event))
        });
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                let event = written??;
                act.posted(&event, scoped_key, ctx);
                METRICS.messages.inc();
                METRICS.message_latency.observe(received.elapsed());
                Ok(event.seq)
            },
        )))
    }
}

impl ChatActor {
    /// Whether `poster` may post now. Yes: the key its idempotency key is remembered under
    /// (keys are the client's own, so they are scoped by who posts). No: the answer, which is
    /// the broken rule, or the sequence number a retry of a stored post already got.
    fn admit(
        &self,
        poster: Poster,
        client_key: Option<String>,
    ) -> Result<Option<String>, Result<Seq, AppError>> {
        self.lifecycle
            .may_post(poster)
            .map_err(|rule| Err(rule.into()))?;
        let scope = match poster {
            Poster::Visitor => "visitor:".to_owned(),
            Poster::Agent(id) => format!("agent:{id}:"),
        };
        let scoped_key = client_key.map(|key| scope + &key);
        match scoped_key.as_ref().and_then(|k| self.client_keys.get(k)) {
            Some(seq) => Err(Ok(*seq)),
            None => Ok(scoped_key),
        }
    }

    /// Stores a posted event (with its scoped idempotency key), then publishes it; the chat
    /// counts as attended from then on (R80).
    fn append_and_publish(&mut self, event: ChatEvent, scoped_key: Option<String>) -> Reply<Seq> {
        let stored = event.clone();
        let key = scoped_key.clone();
        let write = self
            .engine
            .db()
            .write(move |conn| store::chats::append(conn, &stored, key.as_deref()));
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                written?;
                act.posted(&event, scoped_key, ctx);
                Ok(event.seq)
            },
        )))
    }

    /// After a posted event was stored: remember its key, publish it, re-arm the unattended
    /// timer.
    fn posted(&mut self, event: &ChatEvent, scoped_key: Option<String>, ctx: &mut Context<Self>) {
        if let Some(key) = scoped_key {
            self.client_keys.insert(key, event.seq);
        }
        self.publish(event);
        self.last_activity_ms = event.at_ms;
        self.watch_unattended(ctx);
    }
}

/// R9, R42: an agent of the active chat offers the visitor a set of options.
#[derive(Message)]
#[rtype(result = "Result<Seq, AppError>")]
pub struct OfferChoices {
    pub agent: UserId,
    pub agent_name: String,
    pub menu: ChoiceMenu,
    pub client_key: Option<String>,
}

impl Handler<OfferChoices> for ChatActor {
    type Result = Reply<Seq>;

    fn handle(&mut self, msg: OfferChoices, _ctx: &mut Context<Self>) -> Self::Result {
        let scoped_key = match self.admit(Poster::Agent(msg.agent), msg.client_key) {
            Ok(key) => key,
            Err(answer) => return reply(answer),
        };
        let (prompt, options) = msg.menu.into_parts();
        let author = Author::Agent {
            id: msg.agent,
            name: msg.agent_name,
        };
        let event = self.event(author, EventBody::ChoicesOffered { prompt, options });
        self.append_and_publish(event, scoped_key)
    }
}

/// R9, R42: the visitor picks one option of an offer it was shown.
#[derive(Message)]
#[rtype(result = "Result<Seq, AppError>")]
pub struct PickChoice {
    pub visitor_name: String,
    pub offer_seq: Seq,
    pub option_id: String,
    pub client_key: Option<String>,
}

impl Handler<PickChoice> for ChatActor {
    type Result = Reply<Seq>;

    /// The offer and the earlier picks are read and the pick stored in one transaction; this
    /// actor being the chat's one writer, two clicks (two tabs) are checked one after the
    /// other and only the first is stored.
    fn handle(&mut self, msg: PickChoice, _ctx: &mut Context<Self>) -> Self::Result {
        let scoped_key = match self.admit(Poster::Visitor, msg.client_key) {
            Ok(key) => key,
            Err(answer) => return reply(answer),
        };
        let (chat, offer_seq) = (self.seed.chat_id, msg.offer_seq);
        let event = self.event(
            Author::Visitor {
                name: msg.visitor_name,
            },
            EventBody::ChoicePicked {
                offer_seq,
                // Filled in from the offer below.
                choice: Choice {
                    id: msg.option_id,
                    label: String::new(),
                },
            },
        );
        let key = scoped_key.clone();
        let mut stored = event;
        let write = self.engine.db().write(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                store::write_first(conn)?;
                let offer = store::chats::event_at(conn, chat, offer_seq)?;
                let answered = store::chats::events_of_kind(conn, chat, "choice_picked")?
                    .iter()
                    .any(|pick| {
                        matches!(&pick.body, EventBody::ChoicePicked { offer_seq: s, .. } if *s == offer_seq)
                    });
                let target = match &offer {
                    Some(ChatEvent {
                        private: false,
                        body: EventBody::ChoicesOffered { options, .. },
                        ..
                    }) => PickTarget::Offer { options, answered },
                    _ => PickTarget::NotAnOffer,
                };
                let EventBody::ChoicePicked { choice, .. } = &mut stored.body else {
                    return Ok(Err(RuleError::UnknownChoiceOffer));
                };
                match check_pick(target, &choice.id) {
                    Ok(picked) => *choice = picked.clone(),
                    Err(rule) => return Ok(Err(rule)),
                }
                store::chats::append(conn, &stored, key.as_deref())?;
                Ok(Ok(stored))
            })
        });
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                let event = written??;
                act.posted(&event, scoped_key, ctx);
                Ok(event.seq)
            },
        )))
    }
}

/// R38: a reader's client reports what it received and what it showed.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct Receipt {
    pub reader: Reader,
    pub delivered: Option<Seq>,
    pub read: Option<Seq>,
}

impl Handler<Receipt> for ChatActor {
    type Result = Reply<()>;

    /// Marks that moved are stored, then told to everyone else in the chat; a receipt that
    /// tells nothing new is answered at once and goes nowhere.
    fn handle(&mut self, msg: Receipt, _ctx: &mut Context<Self>) -> Self::Result {
        if let Reader::Agent { id } = msg.reader {
            if !self.lifecycle.has_agent(id) {
                return reply(Err(RuleError::NotAParticipant.into()));
            }
        }
        let mut receipts = self.receipts.clone();
        let marks = match receipts.advance(msg.reader, msg.delivered, msg.read, self.last_seq) {
            Ok(Some(marks)) => marks,
            Ok(None) => return reply(Ok(())),
            Err(rule) => return reply(Err(rule.into())),
        };
        let (chat, reader) = (self.seed.chat_id, msg.reader);
        let write = self
            .engine
            .db()
            .write(move |conn| store::receipts::save(conn, chat, reader, marks, now_ms()));
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, _ctx| {
                written?;
                act.receipts = receipts;
                let text = ServerFrame::Receipt {
                    chat_id: act.seed.chat_id,
                    reader,
                    marks,
                }
                .to_text();
                for sub in act.subscribers.values() {
                    if reader_of(sub.viewer) != reader {
                        sub.outbound.do_send(Outbound::Frame(text.clone()));
                    }
                }
                Ok(())
            },
        )))
    }
}

/// Whose receipts a socket sends.
fn reader_of(viewer: Viewer) -> Reader {
    match viewer {
        Viewer::Visitor => Reader::Visitor,
        Viewer::Agent(id) => Reader::Agent { id },
    }
}

/// R16: an agent who claimed the offer joins the chat, which becomes active.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct AssignAgent {
    pub agent: UserId,
    pub agent_name: String,
}

impl Handler<AssignAgent> for ChatActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: AssignAgent, _ctx: &mut Context<Self>) -> Self::Result {
        let mut next = self.lifecycle.clone();
        if let Err(rule) = next.accept(msg.agent) {
            return reply(Err(rule.into()));
        }
        let event = self.event(
            Author::System,
            EventBody::AgentJoined {
                agent_id: msg.agent,
                agent_name: msg.agent_name.clone(),
                conference: false,
            },
        );
        let stored = event.clone();
        let agent = msg.agent;
        let write = self
            .engine
            .db()
            .write(move |conn| store::chats::accept(conn, &stored, agent));
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                written?;
                act.lifecycle = next;
                act.agent_names.insert(agent, msg.agent_name);
                act.publish(&event);
                act.last_activity_ms = event.at_ms;
                act.watch_unattended(ctx);
                Ok(())
            },
        )))
    }
}

/// R7, R8: the visitor or an agent of the chat ends it.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct EndChat {
    pub by: EndedBy,
}

impl Handler<EndChat> for ChatActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: EndChat, _ctx: &mut Context<Self>) -> Self::Result {
        let mut next = self.lifecycle.clone();
        match next.end(msg.by) {
            Ok(disposition) => self.finish(next, msg.by, disposition),
            Err(rule) => reply(Err(rule.into())),
        }
    }
}

/// R55: the chat's visitor was banned by `by`: the chat ends with disposition `banned`.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct EndBanned {
    pub by: UserId,
}

impl Handler<EndBanned> for ChatActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: EndBanned, _ctx: &mut Context<Self>) -> Self::Result {
        let mut next = self.lifecycle.clone();
        match next.ban() {
            Ok(disposition) => self.finish(next, EndedBy::Agent { id: msg.by }, disposition),
            Err(rule) => reply(Err(rule.into())),
        }
    }
}

/// R80: the unattended timer fired.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
struct Unattended;

impl Handler<Unattended> for ChatActor {
    type Result = Reply<()>;

    /// Ends the chat with disposition Timeout if nobody wrote meanwhile (a message that was
    /// handled before this one moved the deadline: the timer is set again).
    fn handle(&mut self, _msg: Unattended, ctx: &mut Context<Self>) -> Self::Result {
        let (state, last) = (self.lifecycle.state(), self.last_activity_ms);
        if !self
            .engine
            .unattended_timeout()
            .is_due(state, last, now_ms())
        {
            self.watch_unattended(ctx);
            return reply(Ok(()));
        }
        let mut next = self.lifecycle.clone();
        match next.time_out() {
            Ok(disposition) => {
                tracing::info!(chat_id = %self.seed.chat_id, "chat unattended: timed out");
                self.finish(next, EndedBy::System, disposition)
            }
            Err(_) => reply(Ok(())),
        }
    }
}

/// R19, R76: the queue's hunt for this chat ended without an agent.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct HuntOver {
    pub why: HuntEnd,
}

impl Handler<HuntOver> for ChatActor {
    type Result = Reply<()>;

    /// The chat ends like any other (stored, published, feeds closed), with disposition
    /// Unmanaged (R76); the visitor sees the `chat_ended` event.
    fn handle(&mut self, msg: HuntOver, ctx: &mut Context<Self>) -> Self::Result {
        tracing::info!(chat_id = %self.seed.chat_id, why = ?msg.why, "chat unmanaged");
        self.handle(
            EndChat {
                by: EndedBy::System,
            },
            ctx,
        )
    }
}

/// Where the chat is in its queue; visitors are told at once (not stored).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct QueuePosition {
    pub position: usize,
    pub estimated_wait_ms: Option<i64>,
}

impl QueuePosition {
    fn frame(&self, chat_id: ChatId) -> bytestring::ByteString {
        ServerFrame::QueuePosition {
            chat_id,
            position: self.position,
            estimated_wait_ms: self.estimated_wait_ms,
        }
        .to_text()
    }
}

impl Handler<QueuePosition> for ChatActor {
    type Result = ();

    fn handle(&mut self, msg: QueuePosition, _ctx: &mut Context<Self>) {
        if self.lifecycle.state() != ChatState::Queued {
            return;
        }
        self.queue_position = Some(msg);
        let text = msg.frame(self.seed.chat_id);
        for sub in self.subscribers.values() {
            if sub.viewer == Viewer::Visitor {
                sub.outbound.do_send(Outbound::Frame(text.clone()));
            }
        }
    }
}

/// What the visitor side needs to know to open a socket or answer a REST call.
#[derive(Message)]
#[rtype(result = "ChatSummary")]
pub struct Describe;

#[derive(Debug, Clone)]
pub struct ChatSummary {
    pub seed: ChatSeed,
    pub state: ChatState,
    pub last_seq: Seq,
    pub agents: Vec<UserId>,
}

/// R38: a participant started or stopped typing. Relayed at once to the others in the chat
/// (the visitor never hears of an agent's typing in a private context: typing carries no
/// text), never stored.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct Typing {
    pub by: Author,
    pub typing: bool,
}

impl Handler<Typing> for ChatActor {
    type Result = Result<(), AppError>;

    fn handle(&mut self, msg: Typing, _ctx: &mut Context<Self>) -> Self::Result {
        if self.lifecycle.state() == ChatState::Ended {
            return Err(crate::domain::RuleError::ChatEnded.into());
        }
        let sender = match &msg.by {
            Author::Agent { id, .. } if !self.lifecycle.agents().contains(id) => {
                return Err(crate::domain::RuleError::NotAParticipant.into());
            }
            Author::Agent { id, .. } => Viewer::Agent(*id),
            Author::Visitor { .. } | Author::System => Viewer::Visitor,
        };
        let text = ServerFrame::Typing {
            chat_id: self.seed.chat_id,
            by: &msg.by,
            typing: msg.typing,
        }
        .to_text();
        for sub in self.subscribers.values().filter(|sub| sub.viewer != sender) {
            sub.outbound.do_send(Outbound::Frame(text.clone()));
        }
        Ok(())
    }
}

/// R35, R54: the visitor reports the page it is on now.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct RecordPageView {
    pub view: PageView,
}

impl Handler<RecordPageView> for ChatActor {
    type Result = Reply<()>;

    /// Stored as browsing history, not as a chat event: the transcript stays the conversation.
    /// Whoever looks at the chat now hears of it: the queue while it waits (its waiting list
    /// shows the page), the agents who hold it (a `visitor_page` frame).
    fn handle(&mut self, msg: RecordPageView, _ctx: &mut Context<Self>) -> Self::Result {
        if self.lifecycle.state() == ChatState::Ended {
            return reply(Err(crate::domain::RuleError::ChatEnded.into()));
        }
        let mut details = self.seed.visitor_details.clone();
        details.page_url = Some(msg.view.url.as_str().to_owned());
        details.page_title = msg.view.title.as_ref().map(|t| t.as_str().to_owned());
        let (chat, at_ms, meta) = (self.seed.chat_id, now_ms(), to_json(&details));
        let view = msg.view;
        let write = self.engine.db().write(move |conn| {
            store::visitors::add_page_view(conn, chat, &view, at_ms, &meta, PageView::MAX_PER_CHAT)
        });
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |stored, act, _ctx| {
                if !stored? {
                    return Err(AppError::TooManyPageViews);
                }
                act.seed.visitor_details = details;
                act.tell_page_viewed(at_ms);
                Ok(())
            },
        )))
    }
}

/// R89: an agent of the chat (or a supervisor) changed the visitor's name, e-mail or phone.
#[derive(Message)]
#[rtype(result = "Result<VisitorView, AppError>")]
pub struct EditVisitor {
    pub edit: VisitorEdit,
}

impl Handler<EditVisitor> for ChatActor {
    type Result = Reply<VisitorView>;

    /// Stored first (`chats.visitor_name`, `visitor_meta`), then every agent socket of the
    /// chat gets `visitor_updated`. A value changed away from the signed one is no longer
    /// verified (R52).
    fn handle(&mut self, msg: EditVisitor, _ctx: &mut Context<Self>) -> Self::Result {
        if self.lifecycle.state() == ChatState::Ended {
            return reply(Err(crate::domain::RuleError::ChatEnded.into()));
        }
        let edit = msg.edit;
        let mut details = self.seed.visitor_details.clone();
        let name = edit
            .name
            .as_ref()
            .map_or_else(|| self.seed.visitor_name.clone(), |n| n.as_str().to_owned());
        if let Some(email) = &edit.email {
            details.email = Some(email.as_str().to_owned());
        }
        if let Some(phone) = &edit.phone {
            details.phone = Some(phone.as_str().to_owned());
        }
        details.verified = details.verified.take().map(|v| v.after_edit(&edit));
        let (chat, meta, stored_name) = (self.seed.chat_id, to_json(&details), name.clone());
        let write = self
            .engine
            .db()
            .run(move |conn| store::chats::set_visitor(conn, chat, &stored_name, &meta));
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |stored, act, _ctx| {
                stored?;
                act.seed.visitor_name = name;
                act.seed.visitor_details = details;
                let view = VisitorView {
                    chat_id: act.seed.chat_id,
                    visitor_name: act.seed.visitor_name.clone(),
                    visitor_details: act.seed.visitor_details.clone(),
                };
                // A supervisor may edit a waiting chat: its queue's list shows the details.
                if act.lifecycle.state() == ChatState::Queued {
                    if let Some(queue) = act.engine.queue(act.seed.queue_id) {
                        queue.do_send(VisitorMoved {
                            chat_id: act.seed.chat_id,
                            visitor_details: view.visitor_details.clone(),
                        });
                    }
                }
                let text = ServerFrame::VisitorUpdated(&view).to_text();
                for sub in act.subscribers.values() {
                    if matches!(sub.viewer, Viewer::Agent(_)) {
                        sub.outbound.do_send(Outbound::Frame(text.clone()));
                    }
                }
                Ok(view)
            },
        )))
    }
}

impl ChatActor {
    fn tell_page_viewed(&mut self, at_ms: i64) {
        let details = &self.seed.visitor_details;
        match self.lifecycle.state() {
            ChatState::Queued => {
                if let Some(queue) = self.engine.queue(self.seed.queue_id) {
                    queue.do_send(VisitorMoved {
                        chat_id: self.seed.chat_id,
                        visitor_details: details.clone(),
                    });
                }
            }
            ChatState::Active => {
                let text = ServerFrame::VisitorPage {
                    chat_id: self.seed.chat_id,
                    url: details.page_url.as_deref().unwrap_or_default(),
                    title: details.page_title.as_deref(),
                    at_ms,
                }
                .to_text();
                for sub in self.subscribers.values() {
                    if matches!(sub.viewer, Viewer::Agent(_)) {
                        sub.outbound.do_send(Outbound::Frame(text.clone()));
                    }
                }
            }
            ChatState::Ended => {}
        }
    }
}

/// R35, R46: the waiting chat leaves queue `from` (which has already let it go) for `to`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MoveToQueue {
    pub from: QueueId,
    pub to: QueueId,
    pub to_name: String,
    /// Sent to this agent alone: a direct chat from now on (R16); `None`: the queue hunts.
    pub to_agent: Option<(UserId, String)>,
}

impl Handler<MoveToQueue> for ChatActor {
    type Result = AtomicResponse<Self, ()>;

    /// The move is stored with a `redirected` event the visitor sees, then the chat waits in
    /// the other queue with its original request time. If it cannot be stored, the chat goes
    /// back to the queue it came from; a chat that ended meanwhile goes nowhere.
    fn handle(&mut self, msg: MoveToQueue, _ctx: &mut Context<Self>) -> Self::Result {
        if self.lifecycle.state() != ChatState::Queued {
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        let event = self.event(
            Author::System,
            EventBody::Redirected {
                from_queue_id: msg.from,
                queue_id: msg.to,
                queue_name: msg.to_name,
                agent_id: msg.to_agent.as_ref().map(|(id, _)| *id),
                agent_name: msg.to_agent.as_ref().map(|(_, name)| name.clone()),
            },
        );
        let target = msg.to_agent.map(|(id, _)| id);
        let (stored, to) = (event.clone(), msg.to);
        let write = self
            .engine
            .db()
            .run(move |conn| store::chats::move_to_queue(conn, &stored, to, target));
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, _ctx| {
                let queue = match written {
                    Ok(()) => {
                        act.seed.queue_id = msg.to;
                        act.seed.target_agent = target;
                        act.publish(&event);
                        msg.to
                    }
                    Err(e) => {
                        let chat = act.seed.chat_id;
                        tracing::warn!(%chat, error = %e, "could not move the chat; it stays");
                        msg.from
                    }
                };
                if let Some(addr) = act.engine.queue(queue) {
                    addr.do_send(EnqueueChat::from_seed(&act.seed));
                }
            },
        )))
    }
}

impl Handler<Describe> for ChatActor {
    type Result = MessageResult<Describe>;

    fn handle(&mut self, _msg: Describe, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(ChatSummary {
            seed: self.seed.clone(),
            state: self.lifecycle.state(),
            last_seq: self.last_seq,
            agents: self.lifecycle.agents().to_vec(),
        })
    }
}

/// R78, R79: the visitor of a chat nobody took leaves its one message. Handled by the chat's
/// actor (loaded for the ended chat), so two submissions are checked one after the other.
#[derive(Message)]
#[rtype(result = "Result<LeftMessageView, AppError>")]
pub struct LeaveMessage {
    pub form: LeftMessageForm,
}

impl Handler<LeaveMessage> for ChatActor {
    type Result = Reply<LeftMessageView>;

    /// Stored if the website takes messages, the chat ended unmanaged, the window is open and
    /// none was left; then every running agent of the chat's queue gets a `left_message`
    /// frame (and every member finds it with `GET /left-messages`).
    fn handle(&mut self, msg: LeaveMessage, _ctx: &mut Context<Self>) -> Self::Result {
        let chat = self.seed.chat_id;
        let queue = self.seed.queue_id;
        let policy = self
            .engine
            .unmanaged_policy_in(&self.seed.website_key, self.seed.queue_id);
        let window_ms = self.engine.settings().chats.leave_message_window_ms;
        let now = now_ms();
        let form = msg.form;
        let write = self.engine.db().run(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                crate::store::write_first(conn)?;
                let row = store::chats::by_id(conn, chat)?
                    .ok_or_else(|| StoreError::Corrupt(format!("chat {chat} is gone")))?;
                let until = match (row.chat_disposition()?, row.ended_at_ms) {
                    (Some(disposition), Some(ended)) => {
                        policy.leave_message_until(disposition, ended, window_ms)
                    }
                    _ => None,
                };
                let already = store::review::left_message_of(conn, chat)?.is_some();
                if let Err(rule) = check_leave_message(until, already, now) {
                    return Ok(Err(rule));
                }
                let left = store::review::insert_left_message(conn, chat, &form, now)?;
                let members = store::queues::members(conn, queue)?;
                Ok(Ok((left, members)))
            })
        });
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, _ctx| {
                let (left, members) = written??;
                let view = LeftMessageView {
                    chat_id: act.seed.chat_id,
                    queue_id: act.seed.queue_id,
                    website_key: act.seed.website_key.clone(),
                    visitor_name: act.seed.visitor_name.clone(),
                    name: left.name,
                    email: left.email,
                    text: left.text,
                    left_at_ms: left.created_at_ms,
                };
                let frame = ServerFrame::LeftMessage(&view).to_text();
                for member in members {
                    if let Some(agent) = act.engine.running_agent(member.agent) {
                        agent.do_send(AgentNotice {
                            frame: frame.clone(),
                        });
                    }
                }
                tracing::info!(chat_id = %act.seed.chat_id, "visitor left a message");
                Ok(view)
            },
        )))
    }
}

/// R86: the visitor asks for the transcript by mail.
#[derive(Message)]
#[rtype(result = "Result<Delivery, AppError>")]
pub struct RequestTranscript {
    pub email: EmailAddress,
}

impl Handler<RequestTranscript> for ChatActor {
    type Result = Reply<Delivery>;

    /// During the chat the request waits for the end (which mails it in the end's
    /// transaction); after the end, within the window, it is mailed at once. Handled here so
    /// that a request and the end never miss each other.
    fn handle(&mut self, msg: RequestTranscript, _ctx: &mut Context<Self>) -> Self::Result {
        let (chat, state) = (self.seed.chat_id, self.lifecycle.state());
        let window_ms = self.engine.settings().chats.transcript_window_ms;
        let now = now_ms();
        let write = self.engine.db().run(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                crate::store::write_first(conn)?;
                let row = store::chats::by_id(conn, chat)?
                    .ok_or_else(|| StoreError::Corrupt(format!("chat {chat} is gone")))?;
                let earlier = store::transcripts::count_of(conn, chat)?;
                let delivery = match transcript::check_request(
                    state,
                    row.ended_at_ms,
                    window_ms,
                    earlier,
                    now,
                ) {
                    Ok(delivery) => delivery,
                    Err(rule) => return Ok(Err(rule)),
                };
                store::transcripts::insert(conn, chat, &msg.email, now)?;
                if delivery == Delivery::Now {
                    crate::mail::transcript::mail_pending(conn, chat, now)?;
                }
                Ok(Ok(delivery))
            })
        });
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, _ctx| {
                let delivery = written??;
                if delivery == Delivery::Now {
                    act.engine.wake_mailer();
                }
                Ok(delivery)
            },
        )))
    }
}
