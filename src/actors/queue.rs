//! `QueueActor`: one per queue, the single writer of its routing decisions, so two agents can
//! never be handed the same chat. The decisions themselves are `domain::queue::QueueRouter`'s;
//! this actor feeds it events with the current time, carries out its effects, and keeps one
//! timer set to the router's next deadline. It also knows whether the queue is inside its
//! opening hours (R29), with a second timer to the next opening or closing, and tells the
//! queue's websites whenever its availability (open, staffing) changes, for their widgets'
//! mode (R5, R30).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use super::agent::{OfferChat, WaitingListChanged, WithdrawOffer, WithdrawReason};
use super::chat::{ChatSeed, HuntOver, MoveToQueue, QueuePosition};
use super::website::QueueAvailabilityChanged;
use super::Engine;
use crate::clock::now_ms;
use crate::domain::availability::{staffing, QueueAvailability};
use crate::domain::ids::{ChatId, QueueId, UserId};
use crate::domain::queue::{
    self, Effect, HuntEnd, MemberStatus, QueueRouter, QueueRules, Strategy, TakeRefused,
    WaitExplained, Withdrawal,
};
use crate::domain::routing::HuntMember;
use crate::domain::schedule::Schedule;
use crate::error::AppError;
use crate::protocol::{OfferView, ServerFrame, VisitorDetails, WaitingEntry, WaitingList};
use crate::store::queues::QueueRow;
use crate::store::{self, routing::NewStep};

pub struct QueueActor {
    engine: Engine,
    id: QueueId,
    name: String,
    router: QueueRouter,
    /// What offers show of each waiting chat.
    waiting: HashMap<ChatId, EnqueueChat>,
    timer: Option<SpawnHandle>,
    /// R87: routing steps not yet written to the store.
    trail: Vec<NewStep>,
    /// A write of the trail is under way; the next waits for it, so steps land in order.
    writing_trail: bool,
    /// R29: when the queue takes new chats.
    opening_hours: Schedule,
    /// Inside the opening hours right now; kept by `hours_timer`.
    open: bool,
    hours_timer: Option<SpawnHandle>,
    /// R30: members whose agent last said it has room (Available, connected, below capacity).
    /// The router's `Busy` cannot tell "at capacity" from "holding an offer"; this can.
    members_with_room: HashSet<UserId>,
    /// R5: the availability the queue's websites were last told, and how many changes of it
    /// there have been (so a website keeps the newest report, however reports reach it).
    told_websites: Option<QueueAvailability>,
    availability_version: u64,
    /// R34: the waiting list members were last sent, what it was built from, and when.
    published: Arc<WaitingList>,
    published_line: Vec<queue::WaitingEntry>,
    published_at_ms: i64,
    /// A listed visitor's details changed since the list was last sent.
    details_changed: bool,
    /// Sends the newest list once `routing.waiting_list_interval_ms` has passed since the last.
    list_timer: Option<SpawnHandle>,
}

impl QueueActor {
    pub fn new(
        engine: Engine,
        row: QueueRow,
        members: Vec<HuntMember>,
        opening_hours: Schedule,
    ) -> QueueActor {
        let rules = QueueRules {
            offer_timeout_ms: row.offer_timeout_ms.max(1),
            hunt_timeout_ms: row.hunt_timeout_ms.max(1),
            rona: row.rona_enabled,
            strategy: Strategy::parse(&row.strategy).unwrap_or_else(|| {
                tracing::warn!(queue = row.id, strategy = %row.strategy, "unknown strategy; hunting sequentially");
                Strategy::Sequential
            }),
        };
        let settle_ms = engine.settings().presence.grace_ms;
        let id = QueueId(row.id);
        QueueActor {
            router: QueueRouter::new(rules, &members, now_ms(), settle_ms),
            engine,
            id,
            published: Arc::new(WaitingList {
                queue_id: id,
                queue_name: row.name.clone(),
                entries: Vec::new(),
                total: 0,
            }),
            name: row.name,
            waiting: HashMap::new(),
            timer: None,
            trail: Vec::new(),
            writing_trail: false,
            published_line: Vec::new(),
            published_at_ms: 0,
            details_changed: false,
            list_timer: None,
            open: opening_hours.is_open_at(now_ms()),
            opening_hours,
            hours_timer: None,
            members_with_room: HashSet::new(),
            told_websites: None,
            availability_version: 0,
        }
    }

    /// R29, R30: is the queue open, and what can its members take right now?
    fn availability(&self) -> QueueAvailability {
        let members = self
            .router
            .member_statuses()
            .map(|(agent, status)| (status, self.members_with_room.contains(&agent)));
        QueueAvailability {
            open: self.open,
            staffing: staffing(members),
        }
    }

    /// R5: tells the queue's websites its availability if it changed since they were last
    /// told (or `always`); they recompute their widgets' mode. Nothing is sent otherwise.
    fn tell_websites(&mut self, always: bool) -> QueueReport {
        let availability = self.availability();
        let changed = self.told_websites != Some(availability);
        if changed {
            self.told_websites = Some(availability);
            self.availability_version += 1;
        }
        let report = QueueReport {
            availability,
            version: self.availability_version,
        };
        if changed || always {
            for website in self.engine.websites_of_queue(self.id) {
                website.do_send(QueueAvailabilityChanged { report });
            }
        }
        report
    }

    /// R29: brings `open` up to date and sets the timer to the next opening or closing. Chats
    /// already waiting are not touched when the queue closes: they finish their hunt.
    fn watch_opening_hours(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.hours_timer.take() {
            ctx.cancel_future(timer);
        }
        let now = now_ms();
        let open = self.opening_hours.is_open_at(now);
        if open != self.open {
            tracing::info!(queue = %self.id, open, "queue opening hours: open changed");
        }
        self.open = open;
        self.tell_websites(false);
        if let Some(next) = self.opening_hours.next_change_after(now) {
            let wait = Duration::from_millis((next - now).max(0) as u64);
            self.hours_timer = Some(ctx.run_later(wait, |act, ctx| {
                act.hours_timer = None;
                act.watch_opening_hours(ctx);
            }));
        }
    }

    fn record(&mut self, chat: ChatId, agent: Option<UserId>, step: &'static str, detail: &str) {
        crate::metrics::METRICS.offer_step(step);
        self.trail
            .push(NewStep::new(chat, self.id, agent, step, detail, now_ms()));
    }

    /// Writes the recorded steps without making routing wait for the store; one write at a
    /// time, so the trail is stored in the order it happened.
    fn flush_trail(&mut self, ctx: &mut Context<Self>) {
        if self.trail.is_empty() || self.writing_trail {
            return;
        }
        self.writing_trail = true;
        let steps = std::mem::take(&mut self.trail);
        self.engine
            .db()
            .run(move |conn| store::routing::insert_all(conn, &steps))
            .into_actor(self)
            .map(|written, act, ctx| {
                act.writing_trail = false;
                if let Err(e) = written {
                    tracing::warn!(queue = %act.id, error = %e, "could not store routing steps");
                }
                act.flush_trail(ctx);
            })
            .spawn(ctx);
    }

    /// Carries out the router's decisions, then sets the timer to its next deadline.
    fn apply(&mut self, effects: Vec<Effect>, ctx: &mut Context<Self>) {
        for effect in effects {
            match &effect {
                Effect::Offer { chat, agent, .. } => {
                    self.record(*chat, Some(*agent), "offered", "")
                }
                Effect::Withdraw { chat, agent, why } => {
                    let (step, detail) = match why {
                        Withdrawal::Expired { rona: true } => ("expired", "rona"),
                        Withdrawal::Expired { rona: false } => ("expired", ""),
                        Withdrawal::HuntOver => ("withdrawn", "hunt_over"),
                        Withdrawal::ChatLeft => ("withdrawn", "chat_left"),
                        Withdrawal::TakenByAnother => ("withdrawn", "taken_by_another"),
                        Withdrawal::MemberRemoved => ("withdrawn", "member_removed"),
                        Withdrawal::Redirected => ("withdrawn", "redirected"),
                    };
                    self.record(*chat, Some(*agent), step, detail)
                }
                Effect::HuntEnded { chat, why } => {
                    let detail = match why {
                        HuntEnd::Timeout => "timeout",
                        HuntEnd::NoEligibleAgent => "no_eligible_agent",
                    };
                    self.record(*chat, None, "hunt_ended", detail)
                }
                Effect::Positions(_) => {}
            }
            match effect {
                Effect::Offer {
                    chat,
                    agent,
                    offer_id,
                    expires_at_ms,
                } => self.offer(chat, agent, offer_id, expires_at_ms, ctx),
                Effect::Withdraw { chat, agent, why } => {
                    let (reason, rona) = match why {
                        Withdrawal::Expired { rona } => (WithdrawReason::Expired, rona),
                        Withdrawal::HuntOver => (WithdrawReason::HuntOver, false),
                        Withdrawal::ChatLeft => (WithdrawReason::ChatEnded, false),
                        Withdrawal::TakenByAnother => (WithdrawReason::TakenByAnother, false),
                        Withdrawal::MemberRemoved => (WithdrawReason::RemovedFromQueue, false),
                        Withdrawal::Redirected => (WithdrawReason::Redirected, false),
                    };
                    if let Some(agent) = self.engine.running_agent(agent) {
                        agent.do_send(WithdrawOffer {
                            chat_id: chat,
                            reason,
                            rona,
                        });
                    }
                }
                Effect::HuntEnded { chat, why } => {
                    tracing::info!(queue = %self.id, chat_id = %chat, ?why, "hunt ended without an agent");
                    self.waiting.remove(&chat);
                    if let Some(addr) = self.engine.live_chat(chat) {
                        addr.do_send(HuntOver { why });
                    }
                }
                Effect::Positions(positions) => {
                    for (chat, position) in positions {
                        if let Some(addr) = self.engine.live_chat(chat) {
                            addr.do_send(QueuePosition {
                                position,
                                estimated_wait_ms: self.router.estimated_wait_ms(position),
                            });
                        }
                    }
                }
            }
        }
        self.flush_trail(ctx);
        self.publish_waiting_list(ctx);
        self.tell_websites(false);
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        if let Some(deadline) = self.router.next_deadline() {
            let wait = Duration::from_millis((deadline - now_ms()).max(0) as u64);
            self.timer = Some(ctx.run_later(wait, |act, ctx| {
                act.timer = None;
                // Issue 10: no offer expires and no hunt ends while the engine stops; the
                // restart puts the chats back in line from the store (§4.7, §4.33).
                if act.engine.is_draining() {
                    return;
                }
                let effects = act.router.tick(now_ms());
                act.apply(effects, ctx);
            }));
        }
    }

    fn offer(
        &mut self,
        chat: ChatId,
        agent: UserId,
        offer_id: u64,
        expires_at_ms: i64,
        ctx: &mut Context<Self>,
    ) {
        let (Some(agent_addr), Some(waiting)) =
            (self.engine.running_agent(agent), self.waiting.get(&chat))
        else {
            self.record(chat, Some(agent), "refused", "not_signed_in");
            let effects = self.router.offer_refused(chat, offer_id, now_ms());
            return self.apply(effects, ctx);
        };
        let view = OfferView {
            chat_id: chat,
            queue_id: self.id,
            queue_name: self.name.clone(),
            website_key: waiting.website_key.clone(),
            visitor_name: waiting.visitor_name.clone(),
            requested_at_ms: waiting.requested_at_ms,
            expires_at_ms,
            visitor_details: waiting.visitor_details.clone(),
            direct: waiting.target_agent.is_some(),
            transfer: None,
            invitation: None,
        };
        tracing::debug!(queue = %self.id, chat_id = %chat, agent_id = %agent, "offering chat");
        agent_addr
            .send(OfferChat { offer: view })
            .into_actor(self)
            .map(move |answer, act, ctx| {
                if !matches!(answer, Ok(Ok(()))) {
                    act.record(chat, Some(agent), "refused", "busy");
                    let effects = act.router.offer_refused(chat, offer_id, now_ms());
                    act.apply(effects, ctx);
                }
            })
            .spawn(ctx);
    }
}

impl Actor for QueueActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.watch_opening_hours(ctx);
    }
}

/// R67: the queue was deleted (only when no chat waits in it): its timer stops and so does
/// the actor (the engine has already forgotten it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RetireQueue;

impl Handler<RetireQueue> for QueueActor {
    type Result = ();

    fn handle(&mut self, _msg: RetireQueue, ctx: &mut Context<Self>) {
        if let Some(timer) = self.hours_timer.take() {
            ctx.cancel_future(timer);
        }
        ctx.stop();
    }
}

impl Supervised for QueueActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(queue = %self.id, "queue actor restarting");
    }
}

/// A chat starts waiting in this queue (new, back after a failed assignment, or rebuilt after
/// a restart); it takes its place by request time.
#[derive(Message, Clone)]
#[rtype(result = "()")]
pub struct EnqueueChat {
    pub chat_id: ChatId,
    pub visitor_name: String,
    pub visitor_details: VisitorDetails,
    pub website_key: String,
    pub requested_at_ms: i64,
    /// R16: a direct chat's one agent.
    pub target_agent: Option<UserId>,
}

impl EnqueueChat {
    /// The chat of `offer`, made to `offer_agent`, going back to its queue.
    pub fn from_offer(offer: &OfferView, offer_agent: UserId) -> EnqueueChat {
        EnqueueChat {
            chat_id: offer.chat_id,
            visitor_name: offer.visitor_name.clone(),
            visitor_details: offer.visitor_details.clone(),
            website_key: offer.website_key.clone(),
            requested_at_ms: offer.requested_at_ms,
            target_agent: offer.direct.then_some(offer_agent),
        }
    }

    pub fn from_seed(seed: &ChatSeed) -> EnqueueChat {
        EnqueueChat {
            chat_id: seed.chat_id,
            visitor_name: seed.visitor_name.clone(),
            visitor_details: seed.visitor_details.clone(),
            website_key: seed.website_key.clone(),
            requested_at_ms: seed.requested_at_ms,
            target_agent: seed.target_agent,
        }
    }
}

impl Handler<EnqueueChat> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: EnqueueChat, ctx: &mut Context<Self>) {
        let (chat, requested_at_ms, now) = (msg.chat_id, msg.requested_at_ms, now_ms());
        let effects = match msg.target_agent {
            Some(agent) => self
                .router
                .direct_chat_arrived(chat, agent, requested_at_ms, now),
            None => self.router.chat_arrived(chat, requested_at_ms, now),
        };
        self.waiting.insert(chat, msg);
        self.apply(effects, ctx);
    }
}

/// An agent's actor tells its queues what it can take now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AgentAvailability {
    pub agent: UserId,
    pub status: MemberStatus,
    /// R30: Available, connected and below capacity, whether or not it holds an offer.
    pub has_room: bool,
}

impl Handler<AgentAvailability> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: AgentAvailability, ctx: &mut Context<Self>) {
        if msg.has_room {
            self.members_with_room.insert(msg.agent);
        } else {
            self.members_with_room.remove(&msg.agent);
        }
        let effects = self.router.member_status(msg.agent, msg.status, now_ms());
        self.apply(effects, ctx);
    }
}

/// The agent accepts its open offer: the chat leaves the queue, for that agent only.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct ClaimOffer {
    pub chat_id: ChatId,
    pub agent: UserId,
}

impl Handler<ClaimOffer> for QueueActor {
    type Result = Result<(), AppError>;

    fn handle(&mut self, msg: ClaimOffer, ctx: &mut Context<Self>) -> Self::Result {
        let effects = self
            .router
            .claim(msg.chat_id, msg.agent, now_ms())
            .map_err(|_| AppError::OfferNotFound)?;
        self.record(msg.chat_id, Some(msg.agent), "accepted", "");
        self.waiting.remove(&msg.chat_id);
        self.apply(effects, ctx);
        Ok(())
    }
}

/// R21: the agent turned the offer down.
#[derive(Message)]
#[rtype(result = "()")]
pub struct OfferRejected {
    pub chat_id: ChatId,
    pub agent: UserId,
}

impl Handler<OfferRejected> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: OfferRejected, ctx: &mut Context<Self>) {
        self.record(msg.chat_id, Some(msg.agent), "rejected", "");
        let effects = self.router.rejected(msg.chat_id, msg.agent, now_ms());
        self.apply(effects, ctx);
    }
}

/// The chat ended while waiting (the visitor left): drop it and withdraw its offer.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveChat {
    pub chat_id: ChatId,
}

impl Handler<RemoveChat> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: RemoveChat, ctx: &mut Context<Self>) {
        self.waiting.remove(&msg.chat_id);
        let effects = self.router.chat_left(msg.chat_id, now_ms());
        self.apply(effects, ctx);
    }
}

/// R87: why is this chat still waiting? `None` if it is not waiting in this queue.
#[derive(Message)]
#[rtype(result = "Option<WaitExplained>")]
pub struct ExplainChat {
    pub chat_id: ChatId,
}

impl Handler<ExplainChat> for QueueActor {
    type Result = Option<WaitExplained>;

    fn handle(&mut self, msg: ExplainChat, _ctx: &mut Context<Self>) -> Self::Result {
        self.router.explain(msg.chat_id)
    }
}

/// R29: new opening hours, already stored; they apply at once.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetOpeningHours {
    pub hours: Schedule,
}

impl Handler<SetOpeningHours> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: SetOpeningHours, ctx: &mut Context<Self>) {
        self.opening_hours = msg.hours;
        self.watch_opening_hours(ctx);
    }
}

/// R20, R28: new routing rules, already stored; the next offers and hunts follow them.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetRoutingRules {
    pub rules: QueueRules,
}

impl Handler<SetRoutingRules> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: SetRoutingRules, ctx: &mut Context<Self>) {
        let effects = self.router.set_rules(msg.rules, now_ms());
        self.apply(effects, ctx);
    }
}

/// R29, R30: the queue's availability, numbered: a higher `version` is a later state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueReport {
    pub availability: QueueAvailability,
    pub version: u64,
}

/// R5: tell the queue's websites its availability now, changed or not (the engine asks once
/// every website is listed, so each starts from the queue's real state).
#[derive(Message)]
#[rtype(result = "()")]
pub struct TellWebsites;

impl Handler<TellWebsites> for QueueActor {
    type Result = ();

    fn handle(&mut self, _msg: TellWebsites, _ctx: &mut Context<Self>) {
        self.tell_websites(true);
    }
}

/// R29, R30: the queue's availability now, for a website answering a request: it reflects
/// everything the queue heard before it was asked, where a pushed report may still be on its
/// way to the website.
#[derive(Message)]
#[rtype(result = "QueueReport")]
pub struct GetAvailability;

impl Handler<GetAvailability> for QueueActor {
    type Result = MessageResult<GetAvailability>;

    fn handle(&mut self, _msg: GetAvailability, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.tell_websites(false))
    }
}

/// R73: the queue's members changed in the store (added, removed, hunt order changed); the
/// change takes effect at once.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MembersChanged {
    pub members: Vec<HuntMember>,
}

impl Handler<MembersChanged> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: MembersChanged, ctx: &mut Context<Self>) {
        let effects = self.router.set_members(&msg.members, now_ms());
        self.apply(effects, ctx);
    }
}

// R34, R35: the waiting list agents see, and what they do from the client preview.
impl QueueActor {
    /// R34: tells the members' agents the waiting list when it changed (a chat arrived, left,
    /// moved up, or a listed visitor moved to another page); nothing is sent otherwise. Lists
    /// go out at most once per `waiting_list_interval_ms`: a change within it is sent when
    /// it ends, merged with the changes after it.
    fn publish_waiting_list(&mut self, ctx: &mut Context<Self>) {
        if self.list_timer.is_some() {
            return;
        }
        let routing = &self.engine.settings().routing;
        let (line, total) = self.router.waiting_list(routing.waiting_list_limit);
        if line == self.published_line && total == self.published.total && !self.details_changed {
            return;
        }
        let next_at_ms = self.published_at_ms + routing.waiting_list_interval_ms as i64;
        let now = now_ms();
        if now < next_at_ms {
            let wait = Duration::from_millis((next_at_ms - now) as u64);
            self.list_timer = Some(ctx.run_later(wait, |act, ctx| {
                act.list_timer = None;
                act.publish_waiting_list(ctx);
            }));
            return;
        }
        let entries = line
            .iter()
            .filter_map(|entry| {
                let chat = self.waiting.get(&entry.chat)?;
                Some(WaitingEntry {
                    chat_id: entry.chat,
                    position: entry.position,
                    queue_id: self.id,
                    website_key: chat.website_key.clone(),
                    visitor_name: chat.visitor_name.clone(),
                    requested_at_ms: entry.requested_at_ms,
                    visitor_details: chat.visitor_details.clone(),
                })
            })
            .collect();
        let list = Arc::new(WaitingList {
            queue_id: self.id,
            queue_name: self.name.clone(),
            entries,
            total,
        });
        let frame = ServerFrame::WaitingList(&list).to_text();
        for &member in self.router.members() {
            if let Some(agent) = self.engine.running_agent(member) {
                agent.do_send(WaitingListChanged {
                    list: list.clone(),
                    frame: frame.clone(),
                });
            }
        }
        self.published = list;
        self.published_line = line;
        self.published_at_ms = now;
        self.details_changed = false;
    }

    fn refused(&self, refused: TakeRefused) -> AppError {
        match refused {
            TakeRefused::NotAMember => AppError::NotAQueueMember,
            TakeRefused::NotWaiting => AppError::ChatNotWaiting,
        }
    }
}

/// R34: the current waiting list, for an agent's actor that starts.
#[derive(Message)]
#[rtype(result = "Arc<WaitingList>")]
pub struct GetWaitingList;

impl Handler<GetWaitingList> for QueueActor {
    type Result = MessageResult<GetWaitingList>;

    fn handle(&mut self, _msg: GetWaitingList, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.published.clone())
    }
}

/// R46: how many chats wait in the queue now, for the transfer dialog.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountWaiting;

impl Handler<CountWaiting> for QueueActor {
    type Result = usize;

    fn handle(&mut self, _msg: CountWaiting, _ctx: &mut Context<Self>) -> usize {
        self.router.waiting_count()
    }
}

/// R35: may this agent preview this waiting chat? The answer is its place in line.
#[derive(Message)]
#[rtype(result = "Result<usize, AppError>")]
pub struct PreviewWaiting {
    pub chat_id: ChatId,
    pub agent: UserId,
}

impl Handler<PreviewWaiting> for QueueActor {
    type Result = Result<usize, AppError>;

    fn handle(&mut self, msg: PreviewWaiting, _ctx: &mut Context<Self>) -> Self::Result {
        self.router
            .previewable(msg.chat_id, msg.agent)
            .map(|entry| entry.position)
            .map_err(|refused| self.refused(refused))
    }
}

/// R35: a member takes a waiting chat straight from the preview. The reply is what the queue
/// knew of the chat, to put it back if it cannot be assigned after all.
#[derive(Message)]
#[rtype(result = "Result<EnqueueChat, AppError>")]
pub struct TakeWaiting {
    pub chat_id: ChatId,
    pub agent: UserId,
}

impl Handler<TakeWaiting> for QueueActor {
    type Result = Result<EnqueueChat, AppError>;

    fn handle(&mut self, msg: TakeWaiting, ctx: &mut Context<Self>) -> Self::Result {
        let effects = self
            .router
            .take_waiting(msg.chat_id, msg.agent, now_ms())
            .map_err(|refused| self.refused(refused))?;
        self.record(msg.chat_id, Some(msg.agent), "picked", "");
        let taken = self.waiting.remove(&msg.chat_id);
        self.apply(effects, ctx);
        taken.ok_or(AppError::ChatNotWaiting)
    }
}

/// R35, R46: a member sends a waiting chat to another queue, or to one agent (who waits for it
/// in `to`, a queue of theirs).
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct RedirectChat {
    pub chat_id: ChatId,
    pub agent: UserId,
    pub to: QueueId,
    pub to_agent: Option<(UserId, String)>,
}

impl Handler<RedirectChat> for QueueActor {
    type Result = Result<(), AppError>;

    /// The chat leaves this queue at once (its offer withdrawn); its actor then stores the
    /// move and hands it to the other queue, or back to this one if the store fails.
    fn handle(&mut self, msg: RedirectChat, ctx: &mut Context<Self>) -> Self::Result {
        if msg.to == self.id && msg.to_agent.is_none() {
            return Err(AppError::InvalidInput(
                "the chat already waits in this queue".to_owned(),
            ));
        }
        let to_name = self
            .engine
            .queue_name(msg.to)
            .ok_or(AppError::QueueNotFound)?;
        let chat = self
            .engine
            .live_chat(msg.chat_id)
            .ok_or(AppError::ChatNotWaiting)?;
        let (_, effects) = self
            .router
            .redirect(msg.chat_id, msg.agent, now_ms())
            .map_err(|refused| self.refused(refused))?;
        let detail = match &msg.to_agent {
            Some((agent, _)) => format!("queue:{} agent:{agent}", msg.to),
            None => format!("queue:{}", msg.to),
        };
        self.record(msg.chat_id, Some(msg.agent), "redirected", &detail);
        self.waiting.remove(&msg.chat_id);
        self.apply(effects, ctx);
        chat.do_send(MoveToQueue {
            from: self.id,
            to: msg.to,
            to_name,
            to_agent: msg.to_agent,
        });
        Ok(())
    }
}

/// R54: the visitor of a waiting chat moved to another page; the waiting list shows it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct VisitorMoved {
    pub chat_id: ChatId,
    pub visitor_details: VisitorDetails,
}

impl Handler<VisitorMoved> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: VisitorMoved, ctx: &mut Context<Self>) {
        if let Some(chat) = self.waiting.get_mut(&msg.chat_id) {
            chat.visitor_details = msg.visitor_details;
            if self.published_line.iter().any(|e| e.chat == msg.chat_id) {
                self.details_changed = true;
                self.publish_waiting_list(ctx);
            }
        }
    }
}
