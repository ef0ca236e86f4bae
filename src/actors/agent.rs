//! `AgentActor`: one per signed-in agent. It owns the agent's presence, capacity, open offer
//! and chats, and every socket (tab, device) the agent has open: several tabs are one agent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use actix::prelude::*;
use bytestring::ByteString;

use super::chat::{AssignAgent, ClaimHandover, HandoverDeclined};
use super::queue::{
    AgentAvailability, ClaimOffer, EnqueueChat, GetWaitingList, OfferRejected, QueueActor,
    TakeWaiting,
};
use super::{Engine, Outbound};
use crate::clock::now_ms;
use crate::domain::away::{AwayReason, AwayReasons};
use crate::domain::chat::MessageText;
use crate::domain::ids::{AwayReasonId, ChatId, QueueId, UserId, WrapUpReasonId};
use crate::domain::presence::{AgentLoad, Capacity, ChosenPresence, Presence};
use crate::domain::wrap_up::{presence_after_wrap_up, slots_taken, WrapUpNote, WrapUpReasons};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::protocol::{AgentLimits, HeldChat, OfferView, ServerFrame, WaitingList};
use crate::store;
use crate::store::wrap_ups::{Completion, WrapUpRow};

/// How the agent actor reaches one of the agent's sockets.
#[derive(Clone)]
pub struct AgentSocketHandle {
    /// The login session the socket was opened with (its token's hash).
    pub session: String,
    pub outbound: Recipient<Outbound>,
    pub join: Recipient<JoinChat>,
    /// R43–R45: the agent left a chat: the socket stops following it.
    pub leave: Recipient<LeaveChatFeed>,
    pub disconnect: Recipient<Disconnect>,
}

/// The socket should stop following this chat (the agent is no longer in it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveChatFeed {
    pub chat_id: ChatId,
}

/// The socket should subscribe to this chat's events (the agent now holds it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct JoinChat {
    pub chat_id: ChatId,
}

/// The socket should close, saying why.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub reason: &'static str,
}

/// What an agent's actor starts with, read from the store.
pub struct AgentSeed {
    pub display_name: String,
    pub capacity: Capacity,
    pub presence: Presence,
    /// R24: the reason given with Away, if any.
    pub away_reason: Option<AwayReason>,
    /// R25: the queues the agent is a member of.
    pub queues: Vec<QueueId>,
    /// The active chats it holds.
    pub chats: Vec<ChatId>,
    /// R50, R51: the wrap-ups it owes, and the reasons to offer with them.
    pub owed_wrap_ups: Vec<WrapUpRow>,
    pub wrap_up_reasons: WrapUpReasons,
}

/// R50, R51: a wrap-up the agent owes for a chat.
struct OwedWrapUp {
    /// The `wrap_up_required` frame, sent again to every tab that opens while it is owed.
    frame: ByteString,
    /// R51: applies the default reason when it fires.
    countdown: Option<SpawnHandle>,
}

/// The `wrap_up_required` frame of an owed wrap-up.
fn wrap_up_required(row: &WrapUpRow, reasons: &WrapUpReasons) -> ByteString {
    ServerFrame::WrapUpRequired {
        chat_id: row.chat(),
        reasons: reasons.active(),
        default_reason_id: reasons.default_reason().map(|reason| reason.id),
        owed_at_ms: row.owed_at_ms,
        auto_at_ms: row.auto_at_ms,
    }
    .to_text()
}

/// R51: when applying the default reason failed (the store), the next try.
const AUTO_WRAP_UP_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

pub struct AgentActor {
    engine: Engine,
    id: UserId,
    display_name: String,
    capacity: Capacity,
    presence: Presence,
    /// R24: only ever set while the presence is Away.
    away_reason: Option<AwayReason>,
    queues: Vec<QueueId>,
    chats: BTreeSet<ChatId>,
    offer: Option<OfferView>,
    sockets: HashMap<u64, AgentSocketHandle>,
    /// R24: runs while the agent has no socket, until the grace period ends.
    reconnect_grace: Option<SpawnHandle>,
    /// R34: the last waiting list of each of the agent's queues.
    waiting: BTreeMap<QueueId, Arc<WaitingList>>,
    /// R50, R51: the wrap-ups the agent owes, by chat.
    owed: BTreeMap<ChatId, OwedWrapUp>,
    /// Rows the seed brought, armed once the actor runs.
    seeded_wrap_ups: Vec<WrapUpRow>,
}

impl AgentActor {
    pub fn new(engine: Engine, id: UserId, seed: AgentSeed) -> AgentActor {
        let away_reason = seed.away_reason.filter(|_| seed.presence == Presence::Away);
        let owed = seed
            .owed_wrap_ups
            .iter()
            .map(|row| {
                let frame = wrap_up_required(row, &seed.wrap_up_reasons);
                let owed = OwedWrapUp {
                    frame,
                    countdown: None,
                };
                (row.chat(), owed)
            })
            .collect();
        AgentActor {
            engine,
            id,
            display_name: seed.display_name,
            capacity: seed.capacity,
            presence: seed.presence,
            away_reason,
            queues: seed.queues,
            chats: seed.chats.into_iter().collect(),
            offer: None,
            sockets: HashMap::new(),
            reconnect_grace: None,
            waiting: BTreeMap::new(),
            owed,
            seeded_wrap_ups: seed.owed_wrap_ups,
        }
    }

    /// The slots the agent's chats take: the chats it holds and, while wrap-up holds
    /// capacity, the ended ones it still owes a wrap-up for (after-chat work, R56).
    fn slots_taken(&self) -> u32 {
        let owed_not_held = self
            .owed
            .keys()
            .filter(|chat| !self.chats.contains(chat))
            .count();
        let holds = self.engine.settings().wrap_up.holds_capacity;
        slots_taken(self.chats.len(), owed_not_held, holds)
    }

    fn load(&self) -> AgentLoad {
        AgentLoad {
            presence: self.presence,
            connected: !self.sockets.is_empty(),
            reconnecting: self.reconnect_grace.is_some(),
            open_chats: self.slots_taken(),
            capacity: self.capacity,
            pending_offers: u32::from(self.offer.is_some()),
        }
    }

    /// Tells every queue of the agent whether it can take an offer now. Called after every
    /// change of presence, sockets, chats or offer.
    fn publish_availability(&self) {
        let load = self.load();
        let (status, has_room) = (load.member_status(), load.has_room());
        for &queue in &self.queues {
            if let Some(addr) = self.engine.queue(queue) {
                addr.do_send(AgentAvailability {
                    agent: self.id,
                    status,
                    has_room,
                });
            }
        }
    }

    fn broadcast(&self, text: ByteString) {
        for socket in self.sockets.values() {
            socket.outbound.do_send(Outbound::Frame(text.clone()));
        }
    }

    /// A presence the engine sets (RONA, Offline, Away after a login): never with a reason.
    fn set_presence(&mut self, presence: Presence) {
        self.set_state(presence, None);
    }

    /// R24: the agent's presence and, with Away, its reason. Every tab is told of a change.
    fn set_state(&mut self, presence: Presence, away_reason: Option<AwayReason>) {
        if self.presence == presence && self.away_reason == away_reason {
            return;
        }
        let stored_reason = away_reason.as_ref().map(|reason| reason.id);
        self.presence = presence;
        self.away_reason = away_reason;
        self.broadcast(self.presence_frame());
        let (db, id) = (self.engine.db().clone(), self.id);
        // Presence is kept so a restart restores it; a failed write is logged, not fatal.
        actix::spawn(async move {
            if let Err(e) = db
                .run(move |conn| store::users::set_presence(conn, id, presence, stored_reason))
                .await
            {
                tracing::warn!(agent_id = %id, error = %e, "could not store presence");
            }
        });
    }

    fn presence_frame(&self) -> ByteString {
        ServerFrame::Presence {
            presence: self.presence,
            away_reason: self.away_reason.as_ref(),
        }
        .to_text()
    }

    /// R24: with no socket left, the agent has the grace period to come back before it is
    /// Offline.
    fn start_grace_if_unconnected(&mut self, ctx: &mut Context<Self>) {
        if !self.sockets.is_empty()
            || self.reconnect_grace.is_some()
            || self.presence == Presence::Offline
        {
            return;
        }
        let grace = self.engine.settings().presence.grace_ms.max(0) as u64;
        self.reconnect_grace = Some(ctx.run_later(
            std::time::Duration::from_millis(grace),
            |act, _ctx| {
                act.reconnect_grace = None;
                // Issue 10: every socket closes as the engine stops; the agent is not offline.
                if act.engine.is_draining() {
                    return;
                }
                if act.sockets.is_empty() {
                    act.set_presence(Presence::Offline);
                }
                act.publish_availability();
            },
        ));
    }

    fn hello(&self) -> ByteString {
        let chats: Vec<HeldChat> = self
            .chats
            .iter()
            .map(|&chat_id| HeldChat { chat_id })
            .collect();
        let reasons = self.engine.away_reasons();
        let waiting_lists: Vec<&WaitingList> = self.waiting.values().map(Arc::as_ref).collect();
        let attachments = &self.engine.settings().attachments;
        ServerFrame::AgentHello {
            agent_id: self.id.0,
            display_name: &self.display_name,
            presence: self.presence,
            away_reason: self.away_reason.as_ref(),
            away_reasons: reasons.active(),
            capacity: self.capacity.get(),
            chats: &chats,
            offer: self.offer.as_ref(),
            waiting_lists: &waiting_lists,
            limits: AgentLimits {
                max_message_chars: MessageText::MAX_CHARS,
                max_files_per_message: attachments.max_files_per_message,
                max_attachment_bytes: attachments.max_bytes,
            },
        }
        .to_text()
    }

    /// The agent now holds `chat_id` (an accepted offer or a pick): every tab follows it.
    fn took_chat(&mut self, chat_id: ChatId) {
        self.chats.insert(chat_id);
        self.broadcast(ServerFrame::ChatAssigned { chat_id }.to_text());
        for socket in self.sockets.values() {
            socket.join.do_send(JoinChat { chat_id });
        }
    }
}

impl Actor for AgentActor {
    type Context = Context<Self>;

    /// R34: learns its queues' waiting lists before the first socket's hello; from then on
    /// the queues send every change (the agent is in the engine's directory by then).
    fn started(&mut self, ctx: &mut Context<Self>) {
        let queues: Vec<Addr<QueueActor>> = self
            .queues
            .iter()
            .filter_map(|&queue| self.engine.queue(queue))
            .collect();
        let fetch = async move {
            let mut lists = Vec::new();
            for queue in queues {
                if let Ok(list) = queue.send(GetWaitingList).await {
                    lists.push(list);
                }
            }
            lists
        };
        ctx.wait(fetch.into_actor(self).map(|lists, act, _ctx| {
            for list in lists {
                act.waiting.insert(list.queue_id, list);
            }
        }));
        // R51: countdowns survive a restart; one already due fires at once.
        for row in std::mem::take(&mut self.seeded_wrap_ups) {
            self.arm_countdown(row.chat(), row.auto_at_ms, ctx);
        }
    }
}

impl Supervised for AgentActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(agent_id = %self.id, "agent actor restarting");
    }
}

/// A dashboard socket of this agent opened. The reply is the socket's first frame and the
/// chats it must subscribe to.
#[derive(Message)]
#[rtype(result = "AttachedSocket")]
pub struct AttachSocket {
    pub socket_id: u64,
    pub handle: AgentSocketHandle,
}

pub struct AttachedSocket {
    pub hello: ByteString,
    /// R50: after the hello, a `wrap_up_required` frame for each wrap-up still owed.
    pub owed_wrap_ups: Vec<ByteString>,
    pub chats: Vec<ChatId>,
    pub display_name: String,
}

impl Handler<AttachSocket> for AgentActor {
    type Result = MessageResult<AttachSocket>;

    fn handle(&mut self, msg: AttachSocket, ctx: &mut Context<Self>) -> Self::Result {
        self.sockets.insert(msg.socket_id, msg.handle);
        if let Some(grace) = self.reconnect_grace.take() {
            ctx.cancel_future(grace);
        }
        // A11, R24: back after logging out, the agent is Away until choosing Available.
        if self.presence == Presence::Offline {
            self.set_presence(Presence::Away);
        }
        self.publish_availability();
        MessageResult(AttachedSocket {
            hello: self.hello(),
            owed_wrap_ups: self.owed.values().map(|owed| owed.frame.clone()).collect(),
            chats: self.chats.iter().copied().collect(),
            display_name: self.display_name.clone(),
        })
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct DetachSocket {
    pub socket_id: u64,
}

impl Handler<DetachSocket> for AgentActor {
    type Result = ();

    /// R24: the last socket going away starts a grace period; only when it ends without a new
    /// socket does the agent go Offline (a reload or a network blip is not a logout).
    fn handle(&mut self, msg: DetachSocket, ctx: &mut Context<Self>) {
        if self.sockets.remove(&msg.socket_id).is_some() {
            self.start_grace_if_unconnected(ctx);
        }
        self.publish_availability();
    }
}

/// R24: the agent picks Available, or Away with an optional reason from the active list
/// (never RONA, R23). Away keeps the chats it holds and stops new offers.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct ChoosePresence {
    pub presence: ChosenPresence,
    pub reason: Option<AwayReasonId>,
}

impl Handler<ChoosePresence> for AgentActor {
    type Result = Result<(), AppError>;

    fn handle(&mut self, msg: ChoosePresence, _ctx: &mut Context<Self>) -> Self::Result {
        let (presence, reason) = self
            .engine
            .away_reasons()
            .choose(msg.presence, msg.reason)?;
        if self.presence == presence && self.away_reason == reason {
            // Nothing changes, but the client that asked still gets its confirmation.
            self.broadcast(self.presence_frame());
        }
        self.set_state(presence, reason);
        self.publish_availability();
        Ok(())
    }
}

/// R69: the list of away reasons changed: every tab redraws its status menu, and the agent's
/// own reason shows its new label if it was renamed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AwayReasonsChanged {
    pub reasons: AwayReasons,
}

impl Handler<AwayReasonsChanged> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: AwayReasonsChanged, _ctx: &mut Context<Self>) {
        self.broadcast(
            ServerFrame::AwayReasons {
                away_reasons: msg.reasons.active(),
            }
            .to_text(),
        );
        let renamed = self
            .away_reason
            .as_ref()
            .and_then(|mine| msg.reasons.get(mine.id))
            .filter(|now| Some(*now) != self.away_reason.as_ref())
            .cloned();
        if renamed.is_some() {
            self.set_state(self.presence, renamed);
        }
    }
}

/// The agent's presence right now, for supervisors' views.
#[derive(Message)]
#[rtype(result = "PresenceNow")]
pub struct DescribePresence;

pub struct PresenceNow {
    pub presence: Presence,
    pub away_reason: Option<AwayReason>,
    /// R46: sockets, chats and capacity, for the transfer dialog's counts.
    pub load: AgentLoad,
}

impl Handler<DescribePresence> for AgentActor {
    type Result = MessageResult<DescribePresence>;

    fn handle(&mut self, _msg: DescribePresence, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(PresenceNow {
            presence: self.presence,
            away_reason: self.away_reason.clone(),
            load: self.load(),
        })
    }
}

/// R25, R73: the agent's queue memberships changed: it reports to its queues as they are now,
/// so a queue it was just added to can offer it a waiting chat at once.
#[derive(Message)]
#[rtype(result = "()")]
pub struct QueuesChanged {
    pub queues: Vec<QueueId>,
}

impl Handler<QueuesChanged> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: QueuesChanged, _ctx: &mut Context<Self>) {
        self.queues = msg.queues;
        self.publish_availability();
    }
}

/// R26, R70: an administrator changed the agent's capacity. Chats already held stay, even
/// above a lowered capacity; a raised one lets the queues offer more at once.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CapacityChanged {
    pub capacity: Capacity,
}

impl Handler<CapacityChanged> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: CapacityChanged, _ctx: &mut Context<Self>) {
        if self.capacity != msg.capacity {
            self.capacity = msg.capacity;
            self.broadcast(
                ServerFrame::Capacity {
                    capacity: msg.capacity.get(),
                }
                .to_text(),
            );
        }
        self.publish_availability();
    }
}

/// A queue offers the agent a chat. Refused unless the agent can take it right now.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct OfferChat {
    pub offer: OfferView,
}

impl Handler<OfferChat> for AgentActor {
    type Result = Result<(), AppError>;

    fn handle(&mut self, msg: OfferChat, _ctx: &mut Context<Self>) -> Self::Result {
        // A chat the agent already holds (picked while this offer was on its way) is not
        // offered again.
        if !self.load().can_take_offer() || self.chats.contains(&msg.offer.chat_id) {
            return Err(AppError::Unavailable);
        }
        self.broadcast(ServerFrame::Offer(&msg.offer).to_text());
        self.offer = Some(msg.offer);
        self.publish_availability();
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawReason {
    Expired,
    ChatEnded,
    /// The agent accepted, but the chat could not be given to it (it went back to the queue).
    AcceptFailed,
    /// R19: the chat's hunt ended while this offer was open.
    HuntOver,
    /// R28 ring-all, or R35 a pick from the client preview: another agent got the chat first.
    TakenByAnother,
    /// R73: the agent was removed from the offering queue.
    RemovedFromQueue,
    /// R35, R46: an agent sent the chat to another queue.
    Redirected,
    /// R45: the agent who asked for the transfer or invitation withdrew it.
    Cancelled,
}

impl WithdrawReason {
    fn as_str(self) -> &'static str {
        match self {
            WithdrawReason::Expired => "expired",
            WithdrawReason::ChatEnded => "chat_ended",
            WithdrawReason::AcceptFailed => "accept_failed",
            WithdrawReason::HuntOver => "hunt_over",
            WithdrawReason::TakenByAnother => "taken_by_another",
            WithdrawReason::RemovedFromQueue => "removed_from_queue",
            WithdrawReason::Redirected => "redirected",
            WithdrawReason::Cancelled => "cancelled",
        }
    }
}

/// The queue took the offer back.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WithdrawOffer {
    pub chat_id: ChatId,
    pub reason: WithdrawReason,
    /// R22, R23, A3: the offer expired unanswered and the queue puts the agent in RONA.
    pub rona: bool,
}

impl Handler<WithdrawOffer> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: WithdrawOffer, _ctx: &mut Context<Self>) {
        if self.offer.as_ref().map(|o| o.chat_id) != Some(msg.chat_id) {
            return;
        }
        self.offer = None;
        self.broadcast(
            ServerFrame::OfferWithdrawn {
                chat_id: msg.chat_id,
                reason: msg.reason.as_str(),
            }
            .to_text(),
        );
        if msg.rona {
            self.set_presence(Presence::Rona);
        }
        self.publish_availability();
    }
}

/// R16: the agent accepts its open offer.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct AcceptOffer {
    pub chat_id: ChatId,
}

impl Handler<AcceptOffer> for AgentActor {
    type Result = AtomicResponse<Self, Result<(), AppError>>;

    fn handle(&mut self, msg: AcceptOffer, _ctx: &mut Context<Self>) -> Self::Result {
        let offer = match &self.offer {
            Some(offer) if offer.chat_id == msg.chat_id => offer.clone(),
            _ => return AtomicResponse::new(Box::pin(fut::ready(Err(AppError::OfferNotFound)))),
        };
        let (engine, agent, agent_name) = (self.engine.clone(), self.id, self.display_name.clone());
        let handover = offer.is_handover();
        let accept = async move {
            if handover {
                // R43, R45: a transfer or invitation is the chat's own business.
                let chat = engine.chat(offer.chat_id).await?;
                return chat.send(ClaimHandover { agent, agent_name }).await?;
            }
            let queue = engine
                .queue(offer.queue_id)
                .ok_or(AppError::OfferNotFound)?;
            queue
                .send(ClaimOffer {
                    chat_id: offer.chat_id,
                    agent,
                })
                .await??;
            let requeue = EnqueueChat::from_offer(&offer, agent);
            assign_or_requeue(engine, queue, requeue, agent, agent_name).await
        };
        AtomicResponse::new(Box::pin(accept.into_actor(self).map(
            move |accepted, act, _ctx| {
                // Accepted or not, the offer is over: the queue no longer holds it for us.
                act.offer = None;
                match &accepted {
                    Err(error) => {
                        let reason = match error {
                            AppError::OfferNotFound => WithdrawReason::Expired,
                            AppError::Rule(RuleError::ChatEnded) => WithdrawReason::ChatEnded,
                            _ => WithdrawReason::AcceptFailed,
                        };
                        act.broadcast(
                            ServerFrame::OfferWithdrawn {
                                chat_id: msg.chat_id,
                                reason: reason.as_str(),
                            }
                            .to_text(),
                        );
                    }
                    Ok(()) => act.took_chat(msg.chat_id),
                }
                act.publish_availability();
                accepted
            },
        )))
    }
}

/// Gives a chat that left its queue for `agent` (a claimed offer or a pick) to the agent. The
/// chat is left and not given if the store failed, say: then it goes back to its place in the
/// queue, unless it is over.
async fn assign_or_requeue(
    engine: Engine,
    queue: Addr<QueueActor>,
    requeue: EnqueueChat,
    agent: UserId,
    agent_name: String,
) -> Result<(), AppError> {
    let assign = AssignAgent { agent, agent_name };
    let assigned = match engine.chat(requeue.chat_id).await {
        Ok(chat) => chat
            .send(assign)
            .await
            .map_err(AppError::from)
            .and_then(|r| r),
        Err(error) => Err(error),
    };
    if let Err(error) = &assigned {
        let over = matches!(
            error,
            AppError::Rule(RuleError::ChatEnded | RuleError::ChatAlreadyAssigned)
        );
        if !over {
            queue.do_send(requeue);
        }
    }
    assigned
}

/// R35: the agent takes a waiting chat of one of its queues straight from the preview.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct PickChat {
    pub chat_id: ChatId,
}

impl Handler<PickChat> for AgentActor {
    type Result = AtomicResponse<Self, Result<(), AppError>>;

    /// Only while Available and below capacity (R26); the queue lets the chat go atomically
    /// (withdrawing another agent's offer of it), then it is assigned like an accepted offer.
    fn handle(&mut self, msg: PickChat, ctx: &mut Context<Self>) -> Self::Result {
        // Picking the chat this agent is offered is accepting that offer.
        if self.offer.as_ref().map(|o| o.chat_id) == Some(msg.chat_id) {
            return self.handle(
                AcceptOffer {
                    chat_id: msg.chat_id,
                },
                ctx,
            );
        }
        if let Err(rule) = self.load().may_pick() {
            return AtomicResponse::new(Box::pin(fut::ready(Err(rule.into()))));
        }
        let (engine, agent, agent_name) = (self.engine.clone(), self.id, self.display_name.clone());
        let chat_id = msg.chat_id;
        let pick = async move {
            let (_, queue) = engine.waiting_chat(chat_id).await?;
            let requeue = queue.send(TakeWaiting { chat_id, agent }).await??;
            assign_or_requeue(engine, queue, requeue, agent, agent_name).await
        };
        AtomicResponse::new(Box::pin(pick.into_actor(self).map(
            move |picked, act, _ctx| {
                if picked.is_ok() {
                    act.took_chat(chat_id);
                }
                act.publish_availability();
                picked
            },
        )))
    }
}

/// R34: a queue's waiting list changed; the agent's tabs are told.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WaitingListChanged {
    pub list: Arc<WaitingList>,
    /// The `waiting_list` frame, serialised once by the queue for all its members.
    pub frame: ByteString,
}

impl Handler<WaitingListChanged> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: WaitingListChanged, _ctx: &mut Context<Self>) {
        self.waiting.insert(msg.list.queue_id, msg.list);
        self.broadcast(msg.frame);
    }
}

/// R21: the agent turns its open offer down.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct RejectOffer {
    pub chat_id: ChatId,
}

impl Handler<RejectOffer> for AgentActor {
    type Result = Result<(), AppError>;

    fn handle(&mut self, msg: RejectOffer, _ctx: &mut Context<Self>) -> Self::Result {
        let offer = match self.offer.take() {
            Some(offer) if offer.chat_id == msg.chat_id => offer,
            other => {
                self.offer = other;
                return Err(AppError::OfferNotFound);
            }
        };
        self.decline(offer);
        Ok(())
    }
}

impl AgentActor {
    /// R21: turns `offer` down: its queue (or the chat, for a handover) moves on at once.
    fn decline(&mut self, offer: OfferView) {
        if offer.is_handover() {
            if let Some(chat) = self.engine.live_chat(offer.chat_id) {
                chat.do_send(HandoverDeclined { agent: self.id });
            }
        } else if let Some(queue) = self.engine.queue(offer.queue_id) {
            queue.do_send(OfferRejected {
                chat_id: offer.chat_id,
                agent: self.id,
            });
        }
        self.broadcast(
            ServerFrame::OfferWithdrawn {
                chat_id: offer.chat_id,
                reason: "rejected",
            }
            .to_text(),
        );
        self.publish_availability();
    }
}

/// A chat the agent held has ended: the capacity is free again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ChatClosed {
    pub chat_id: ChatId,
}

impl Handler<ChatClosed> for AgentActor {
    type Result = ();

    /// R48, R51: with wrap-up on, the agent now owes one for the chat; the slot is reported
    /// free only once that is recorded (and then only if wrap-up does not hold it).
    fn handle(&mut self, msg: ChatClosed, ctx: &mut Context<Self>) {
        if !self.chats.remove(&msg.chat_id) {
            return;
        }
        if self.engine.settings().wrap_up.enabled {
            self.owe_wrap_up(msg.chat_id, ctx);
        } else {
            self.publish_availability();
        }
    }
}

/// R50, R51: the agent owes a wrap-up for `chat_id`: every tab gets `wrap_up_required`, and
/// the auto wrap-up countdown starts if one is set. The entry point for every way an agent
/// leaves a chat: its end (`ChatClosed` sends it to itself) and a transfer to someone else
/// (the transfer sends it to the agent who handed the chat on). Idempotent: a wrap-up already
/// owed or given for this chat is not asked for again. Ignored while wrap-up is off.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WrapUpOwed {
    pub chat_id: ChatId,
}

impl Handler<WrapUpOwed> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: WrapUpOwed, ctx: &mut Context<Self>) {
        if self.engine.settings().wrap_up.enabled && !self.owed.contains_key(&msg.chat_id) {
            self.owe_wrap_up(msg.chat_id, ctx);
        }
    }
}

impl AgentActor {
    /// Stores the owed wrap-up (or finds it, written with the chat's end) and takes it on.
    /// The actor handles nothing else meanwhile, so no offer slips into the slot.
    fn owe_wrap_up(&mut self, chat_id: ChatId, ctx: &mut Context<Self>) {
        let (agent, global) = (self.id, self.engine.settings().wrap_up.auto_after_ms);
        let owe = self.engine.db().run(move |conn| {
            let row = store::wrap_ups::owe(conn, chat_id, agent, now_ms(), global)?;
            Ok((row, store::wrap_ups::reasons(conn)?))
        });
        ctx.wait(owe.into_actor(self).map(move |owed, act, ctx| {
            match owed {
                Ok((row, _)) if row.done_at_ms.is_some() => {}
                Ok((row, reasons)) => {
                    let frame = wrap_up_required(&row, &reasons);
                    act.owed.insert(
                        chat_id,
                        OwedWrapUp {
                            frame: frame.clone(),
                            countdown: None,
                        },
                    );
                    act.arm_countdown(chat_id, row.auto_at_ms, ctx);
                    // The queues hear first, so whoever reads the frame finds them told.
                    act.publish_availability();
                    act.broadcast(frame);
                    return;
                }
                Err(e) => {
                    tracing::warn!(agent_id = %act.id, chat_id = %chat_id, error = %e, "could not store the owed wrap-up");
                }
            }
            act.publish_availability();
        }));
    }

    /// R51: the default reason is applied at `auto_at_ms` (at once if that has passed).
    fn arm_countdown(&mut self, chat_id: ChatId, auto_at_ms: Option<i64>, ctx: &mut Context<Self>) {
        let (Some(at), Some(owed)) = (auto_at_ms, self.owed.get_mut(&chat_id)) else {
            return;
        };
        let wait = std::time::Duration::from_millis((at - now_ms()).max(0) as u64);
        if let Some(old) = owed.countdown.take() {
            ctx.cancel_future(old);
        }
        // Through the mailbox, so it is one atomic handler like a submit.
        owed.countdown = Some(ctx.run_later(wait, move |act, ctx| {
            // Issue 10: not while the engine stops; the restart recovers (§4.33).
            if act.engine.is_draining() {
                return;
            }
            ctx.address().do_send(AutoWrapUp { chat_id });
        }));
    }

    /// Records a wrap-up the agent owes (its choice, or the default on its own), then tells
    /// every tab; after the last one the agent's next presence applies (A6).
    fn complete_wrap_up(
        &mut self,
        chat_id: ChatId,
        completion: Completion,
    ) -> ResponseActFuture<Self, Result<(), AppError>> {
        if !self.owed.contains_key(&chat_id) {
            return Box::pin(fut::ready(Err(RuleError::WrapUpNotOwed.into())));
        }
        let agent = self.id;
        let auto = matches!(completion, Completion::Auto);
        let write = self.engine.db().run(move |conn| {
            store::wrap_ups::complete(conn, chat_id, agent, &completion, now_ms())
        });
        Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                let row = match written {
                    Ok(Ok(row)) => row,
                    Ok(Err(RuleError::WrapUpNotOwed)) => {
                        // Given meanwhile (another engine's write, say): nothing is owed.
                        act.wrapped_up(chat_id, None, ctx);
                        return Err(RuleError::WrapUpNotOwed.into());
                    }
                    Ok(Err(rule)) => return Err(rule.into()),
                    Err(e) => {
                        if auto {
                            tracing::warn!(agent = %act.id, chat = %chat_id, error = %e, "auto wrap-up failed; retrying");
                            let retry = now_ms() + AUTO_WRAP_UP_RETRY.as_millis() as i64;
                            act.arm_countdown(chat_id, Some(retry), ctx);
                        }
                        return Err(e.into());
                    }
                };
                act.wrapped_up(chat_id, Some(row), ctx);
                Ok(())
            },
        ))
    }

    fn wrapped_up(&mut self, chat_id: ChatId, row: Option<WrapUpRow>, ctx: &mut Context<Self>) {
        if let Some(countdown) = self.owed.remove(&chat_id).and_then(|owed| owed.countdown) {
            ctx.cancel_future(countdown);
        }
        if let Some(row) = row {
            let view = row.view(Some(self.display_name.clone()));
            self.broadcast(ServerFrame::WrapUpDone(&view).to_text());
        }
        if self.owed.is_empty() {
            let next = self.engine.settings().wrap_up.next_presence;
            let away_with_reason = self.away_reason.is_some();
            let connected = !self.sockets.is_empty();
            if let Some(presence) =
                presence_after_wrap_up(next, self.presence, away_with_reason, connected)
            {
                self.set_presence(presence);
            }
        }
        self.publish_availability();
    }
}

/// R43–R45: the agent is no longer in a chat that goes on (transferred to another agent, left
/// a conference, removed by its owner): its capacity frees, every tab closes the chat.
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeftChat {
    pub chat_id: ChatId,
    /// `transferred`, `left` or `removed`.
    pub reason: &'static str,
}

impl Handler<LeftChat> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: LeftChat, ctx: &mut Context<Self>) {
        if !self.chats.remove(&msg.chat_id) {
            return;
        }
        // R50, R51: the agent's part in the chat is wrapped up like an ended chat.
        ctx.address().do_send(WrapUpOwed {
            chat_id: msg.chat_id,
        });
        self.broadcast(
            ServerFrame::ChatLeft {
                chat_id: msg.chat_id,
                reason: msg.reason,
            }
            .to_text(),
        );
        for socket in self.sockets.values() {
            socket.leave.do_send(LeaveChatFeed {
                chat_id: msg.chat_id,
            });
        }
        self.publish_availability();
    }
}

/// R50: the agent gives the wrap-up it owes for a chat: one active reason, an optional note.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct SubmitWrapUp {
    pub chat_id: ChatId,
    pub reason: WrapUpReasonId,
    pub note: Option<WrapUpNote>,
}

impl Handler<SubmitWrapUp> for AgentActor {
    type Result = AtomicResponse<Self, Result<(), AppError>>;

    fn handle(&mut self, msg: SubmitWrapUp, _ctx: &mut Context<Self>) -> Self::Result {
        let completion = Completion::Chosen {
            reason: msg.reason,
            note: msg.note,
        };
        AtomicResponse::new(self.complete_wrap_up(msg.chat_id, completion))
    }
}

/// R51: an owed wrap-up's countdown ran out: the default reason is applied.
#[derive(Message)]
#[rtype(result = "()")]
struct AutoWrapUp {
    chat_id: ChatId,
}

impl Handler<AutoWrapUp> for AgentActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: AutoWrapUp, _ctx: &mut Context<Self>) -> Self::Result {
        if !self.owed.contains_key(&msg.chat_id) {
            return AtomicResponse::new(Box::pin(fut::ready(())));
        }
        let done = self.complete_wrap_up(msg.chat_id, Completion::Auto);
        // A failure was logged and the countdown re-armed there.
        AtomicResponse::new(Box::pin(done.map(|_, _, _| ())))
    }
}

/// A frame for every tab of the agent: R78, a visitor left a message in a chat of one of the
/// agent's queues; R43, R45, a transfer failed or an invitation was declined.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AgentNotice {
    pub frame: ByteString,
}

impl Handler<AgentNotice> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: AgentNotice, _ctx: &mut Context<Self>) {
        self.broadcast(msg.frame);
    }
}

/// The agent logged out of one session: the sockets opened with it close; with its last
/// session gone the agent is offline at once (R24).
#[derive(Message)]
#[rtype(result = "()")]
pub struct LoggedOut {
    pub session: String,
    pub last_session: bool,
    /// Told to each closing socket: `logged_out`, or `ACCOUNT_DEACTIVATED` (R71, R73), which
    /// also turns down the agent's open offer.
    pub reason: &'static str,
}

/// The close reason of an agent an admin deactivated (R71, R73).
pub const ACCOUNT_DEACTIVATED: &str = "account_deactivated";

impl Handler<LoggedOut> for AgentActor {
    type Result = ();

    fn handle(&mut self, msg: LoggedOut, ctx: &mut Context<Self>) {
        if msg.last_session {
            // A clean logout is not a dropped connection: offline at once, no grace (R24),
            // and every tab is told before its socket closes.
            if let Some(grace) = self.reconnect_grace.take() {
                ctx.cancel_future(grace);
            }
            self.set_presence(Presence::Offline);
        }
        // R71, R73: a deactivated agent's open offer goes to the next agent at once.
        if msg.reason == ACCOUNT_DEACTIVATED {
            if let Some(offer) = self.offer.take() {
                self.decline(offer);
            }
        }
        self.sockets.retain(|_, socket| {
            let closing = msg.last_session || socket.session == msg.session;
            if closing {
                socket.disconnect.do_send(Disconnect { reason: msg.reason });
            }
            !closing
        });
        // Another session is still live but had no socket open here.
        self.start_grace_if_unconnected(ctx);
        self.publish_availability();
    }
}
