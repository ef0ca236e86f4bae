//! One queue's routing as a state machine: waiting chats, their hunts, open offers and
//! deadlines. Every method takes the current time and returns the effects for the caller to
//! carry out (send an offer, withdraw one, end a hunt, tell visitors their position), so the
//! whole timing of a hunt is tested without a runtime (R17–R21, R27, R28, R16, R79, A2, A3,
//! A18).

use std::collections::{HashMap, VecDeque};

use super::ids::{ChatId, UserId};
use super::routing::{hunt_sequence, Hunt, HuntMember};
use super::RuleError;

/// R28: how a queue picks whom to offer a waiting chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// R17: one member at a time, lowest hunt order first, every hunt from the top.
    #[default]
    Sequential,
    /// Every eligible member at once; the first to accept wins, the other offers are withdrawn.
    RingAll,
    /// One member at a time in hunt order, each hunt starting after the member who took the
    /// queue's last chat, so work is spread evenly.
    RoundRobin,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Sequential => "sequential",
            Strategy::RingAll => "ring_all",
            Strategy::RoundRobin => "round_robin",
        }
    }

    pub fn parse(text: &str) -> Option<Strategy> {
        match text {
            "sequential" => Some(Strategy::Sequential),
            "ring_all" => Some(Strategy::RingAll),
            "round_robin" => Some(Strategy::RoundRobin),
            _ => None,
        }
    }
}

/// A queue's routing rules (R18, R19, R20, R28, A3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueRules {
    /// How long one offer lasts.
    pub offer_timeout_ms: i64,
    /// How long the whole hunt lasts, counted from the request (A18).
    pub hunt_timeout_ms: i64,
    /// Whether an offer that expires unanswered puts its agent in RONA (A3).
    pub rona: bool,
    pub strategy: Strategy,
}

impl QueueRules {
    /// The longest offer a queue may have: an hour.
    pub const MAX_OFFER_TIMEOUT_MS: i64 = 3_600_000;
    /// The longest hunt a queue may have: a day.
    pub const MAX_HUNT_TIMEOUT_MS: i64 = 86_400_000;

    /// R20: a queue's rules as a supervisor sets them. An offer lasts at least a millisecond
    /// and at most an hour; the hunt at least as long as one offer and at most a day.
    pub fn new(
        offer_timeout_ms: i64,
        hunt_timeout_ms: i64,
        rona: bool,
        strategy: Strategy,
    ) -> Result<QueueRules, RuleError> {
        let offer_ok = (1..=Self::MAX_OFFER_TIMEOUT_MS).contains(&offer_timeout_ms);
        let hunt_ok = (offer_timeout_ms..=Self::MAX_HUNT_TIMEOUT_MS).contains(&hunt_timeout_ms);
        if !(offer_ok && hunt_ok) {
            return Err(RuleError::InvalidQueueTimeouts);
        }
        Ok(QueueRules {
            offer_timeout_ms,
            hunt_timeout_ms,
            rona,
            strategy,
        })
    }
}

/// What the queue knows of a member right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    /// Available, connected, below capacity, no offer pending: can be offered a chat now.
    Ready,
    /// Available but not free right now (at capacity, an offer pending elsewhere, or
    /// reconnecting within its grace period): may become ready before a hunt ends.
    Busy,
    /// Away, RONA or offline: will not take chats in this hunt unless it comes back.
    Unavailable,
}

/// Why an offer was taken back from an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// R18: the agent did not answer in time; `rona` says whether it goes to RONA (A3).
    Expired { rona: bool },
    /// R19: the hunt ended while the offer was open.
    HuntOver,
    /// The chat ended (the visitor left) while the offer was open.
    ChatLeft,
    /// R28 ring-all, or R35 a pick from the client preview: another agent got the chat first.
    TakenByAnother,
    /// R73: the agent was removed from the queue while the offer was open.
    MemberRemoved,
    /// R35, R46: an agent redirected the waiting chat to another queue.
    Redirected,
}

/// Why a hunt ended without an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuntEnd {
    /// R19: nobody accepted before the hunt timeout.
    Timeout,
    /// A2: every member rejected the chat or is unavailable: nobody is left to ask.
    NoEligibleAgent,
}

/// What the caller must do after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Offer {
        chat: ChatId,
        agent: UserId,
        offer_id: u64,
        expires_at_ms: i64,
    },
    Withdraw {
        chat: ChatId,
        agent: UserId,
        why: Withdrawal,
    },
    /// The chat left the queue without an agent: the no-agent flow follows (R76, R78).
    HuntEnded { chat: ChatId, why: HuntEnd },
    /// Waiting chats whose places changed: 1-based positions, first in line first. A place
    /// is reported once, when it changes.
    Positions(Vec<(ChatId, usize)>),
}

/// R87: where a member stands for one waiting chat, i.e. why it has or has not got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The chat is offered to this member right now.
    OfferedNow,
    /// Turned this chat down; not asked again in this hunt (R21).
    Rejected,
    /// Could take it, and will when its turn in the hunt comes.
    Ready,
    /// Available but at capacity, holding another offer, or reconnecting.
    Busy,
    /// Away, in RONA, or offline.
    Unavailable,
    /// Not signed in since the engine started.
    NotSignedIn,
}

/// R87: why a chat is still waiting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WaitExplained {
    /// 1 is next in line.
    pub position: usize,
    pub requested_at_ms: i64,
    /// When the hunt ends if nobody accepts (R19).
    pub hunt_ends_at_ms: i64,
    /// Every member in hunt order, with where it stands.
    pub members: Vec<(UserId, Standing)>,
}

/// The claim of an offer that is no longer open (expired, withdrawn, or someone else's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferGone;

#[derive(Debug, Clone)]
struct OpenOffer {
    id: u64,
    agent: UserId,
    expires_at_ms: i64,
}

#[derive(Debug, Clone)]
struct Waiting {
    chat: ChatId,
    requested_at_ms: i64,
    hunt: Hunt,
    /// At most one, except under ring-all (R28).
    offers: Vec<OpenOffer>,
    /// R16: a direct chat is offered to this agent alone, once (R79).
    target: Option<UserId>,
    /// The place its visitor was last told (0: not yet), so that only changed places are
    /// told: a chat joining the end of a long line tells one visitor, not all of them.
    told_position: usize,
}

impl Waiting {
    fn is_offered_to(&self, agent: UserId) -> bool {
        self.offers.iter().any(|o| o.agent == agent)
    }

    /// Whom this chat may be offered to, in order: its target alone, or the whole queue.
    fn candidates<'a>(&'a self, sequence: &'a [UserId]) -> &'a [UserId] {
        match &self.target {
            Some(agent) => std::slice::from_ref(agent),
            None => sequence,
        }
    }
}

/// The routing state of one queue.
#[derive(Debug, Clone)]
pub struct QueueRouter {
    rules: QueueRules,
    /// R17: members in the order they are offered chats.
    sequence: Vec<UserId>,
    status: HashMap<UserId, MemberStatus>,
    /// First in, first out by request time.
    waiting: VecDeque<Waiting>,
    next_offer_id: u64,
    /// Until this time no hunt ends for lack of agents: after a restart every agent is
    /// reconnecting, and absent is not yet gone. `None` once it has passed.
    settle_until_ms: Option<i64>,
    /// A smoothed wait (request to accept) of recently accepted chats, for estimates.
    average_wait_ms: Option<i64>,
    /// R28 round-robin: the member who took the last chat; the next hunt starts after it.
    last_taker: Option<UserId>,
}

impl QueueRouter {
    pub fn new(
        rules: QueueRules,
        members: &[HuntMember],
        now_ms: i64,
        settle_ms: i64,
    ) -> QueueRouter {
        QueueRouter {
            rules,
            sequence: hunt_sequence(members),
            status: HashMap::new(),
            waiting: VecDeque::new(),
            next_offer_id: 1,
            settle_until_ms: (settle_ms > 0).then_some(now_ms + settle_ms),
            average_wait_ms: None,
            last_taker: None,
        }
    }

    pub fn rules(&self) -> QueueRules {
        self.rules
    }

    /// A supervisor changed the queue's rules (R20, R28). Open offers keep the time they were
    /// given; new offers and hunts follow the new rules at once.
    pub fn set_rules(&mut self, rules: QueueRules, now_ms: i64) -> Vec<Effect> {
        self.rules = rules;
        let mut effects = Vec::new();
        self.advance(now_ms, &mut effects);
        effects
    }

    pub fn is_member(&self, agent: UserId) -> bool {
        self.sequence.contains(&agent)
    }

    pub fn waiting_count(&self) -> usize {
        self.waiting.len()
    }

    /// An estimate of how long the chat at `position` will wait, once the queue has seen an
    /// accepted chat: the smoothed wait of recent chats for each place in line.
    pub fn estimated_wait_ms(&self, position: usize) -> Option<i64> {
        self.average_wait_ms.map(|wait| wait * position as i64)
    }

    /// R87: why `chat` is still waiting, if it is.
    pub fn explain(&self, chat: ChatId) -> Option<WaitExplained> {
        let index = self.index_of(chat)?;
        let waiting = &self.waiting[index];
        let members = waiting
            .candidates(&self.sequence)
            .iter()
            .map(|&agent| {
                let standing = if waiting.is_offered_to(agent) {
                    Standing::OfferedNow
                } else if waiting.hunt.was_rejected_by(agent) {
                    Standing::Rejected
                } else {
                    match self.status.get(&agent) {
                        Some(MemberStatus::Ready) => Standing::Ready,
                        Some(MemberStatus::Busy) => Standing::Busy,
                        Some(MemberStatus::Unavailable) => Standing::Unavailable,
                        None => Standing::NotSignedIn,
                    }
                };
                (agent, standing)
            })
            .collect();
        Some(WaitExplained {
            position: index + 1,
            requested_at_ms: waiting.requested_at_ms,
            hunt_ends_at_ms: waiting.requested_at_ms + self.rules.hunt_timeout_ms,
            members,
        })
    }

    fn index_of(&self, chat: ChatId) -> Option<usize> {
        self.waiting.iter().position(|w| w.chat == chat)
    }

    /// The places that changed since their visitors were last told, marked as told.
    fn positions(&mut self) -> Effect {
        let mut changed = Vec::new();
        for (index, waiting) in self.waiting.iter_mut().enumerate() {
            if waiting.told_position != index + 1 {
                waiting.told_position = index + 1;
                changed.push((waiting.chat, index + 1));
            }
        }
        Effect::Positions(changed)
    }

    /// A chat starts waiting (new, or back after a restart or a failed assignment). It takes
    /// its place by request time, so a returning chat keeps its place.
    pub fn chat_arrived(&mut self, chat: ChatId, requested_at_ms: i64, now_ms: i64) -> Vec<Effect> {
        self.arrive(chat, None, requested_at_ms, now_ms)
    }

    /// R16, R37: a direct chat for `agent` starts waiting. It is offered to that agent alone,
    /// once: rejected, unanswered, or the agent unavailable, and its hunt ends (R79, A13).
    pub fn direct_chat_arrived(
        &mut self,
        chat: ChatId,
        agent: UserId,
        requested_at_ms: i64,
        now_ms: i64,
    ) -> Vec<Effect> {
        self.arrive(chat, Some(agent), requested_at_ms, now_ms)
    }

    fn arrive(
        &mut self,
        chat: ChatId,
        target: Option<UserId>,
        requested_at_ms: i64,
        now_ms: i64,
    ) -> Vec<Effect> {
        if self.index_of(chat).is_some() {
            return Vec::new();
        }
        let index = self
            .waiting
            .iter()
            .position(|w| w.requested_at_ms > requested_at_ms)
            .unwrap_or(self.waiting.len());
        self.waiting.insert(
            index,
            Waiting {
                chat,
                requested_at_ms,
                hunt: Hunt::new(),
                offers: Vec::new(),
                target,
                told_position: 0,
            },
        );
        let mut effects = vec![self.positions()];
        self.advance(now_ms, &mut effects);
        effects
    }

    /// A member's status changed (presence, sockets, capacity, offers elsewhere). Only members
    /// are heard: a direct chat waits in a queue its target belongs to.
    pub fn member_status(
        &mut self,
        agent: UserId,
        status: MemberStatus,
        now_ms: i64,
    ) -> Vec<Effect> {
        if !self.is_member(agent) {
            return Vec::new();
        }
        self.status.insert(agent, status);
        let mut effects = Vec::new();
        self.advance(now_ms, &mut effects);
        effects
    }

    /// The agent could not take the offer after all (it became busy meanwhile).
    pub fn offer_refused(&mut self, chat: ChatId, offer_id: u64, now_ms: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(offer) = self.take_offer(chat, offer_id) {
            if self.status.get(&offer.agent) == Some(&MemberStatus::Ready) {
                self.status.insert(offer.agent, MemberStatus::Busy);
            }
        }
        self.advance(now_ms, &mut effects);
        effects
    }

    /// R16: the agent accepts its open offer; the chat leaves the queue, for that agent only.
    /// Under ring-all the other agents' offers of it are withdrawn (R28).
    pub fn claim(
        &mut self,
        chat: ChatId,
        agent: UserId,
        now_ms: i64,
    ) -> Result<Vec<Effect>, OfferGone> {
        let index = self.index_of(chat).ok_or(OfferGone)?;
        let open = self.waiting[index]
            .offers
            .iter()
            .any(|o| o.agent == agent && o.expires_at_ms > now_ms);
        if !open {
            return Err(OfferGone);
        }
        let mut effects = Vec::new();
        if let Some(waiting) = self.waiting.remove(index) {
            for other in waiting.offers.iter().filter(|o| o.agent != agent) {
                release(&mut self.status, other.agent, MemberStatus::Ready);
                effects.push(Effect::Withdraw {
                    chat,
                    agent: other.agent,
                    why: Withdrawal::TakenByAnother,
                });
            }
            self.learn_wait(now_ms - waiting.requested_at_ms);
        }
        self.last_taker = Some(agent);
        effects.push(self.positions());
        self.advance(now_ms, &mut effects);
        Ok(effects)
    }

    /// R21: the agent turned the offer down: the chat goes on to the next member and never
    /// comes back to this one during this hunt.
    pub fn rejected(&mut self, chat: ChatId, agent: UserId, now_ms: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(index) = self.index_of(chat) {
            let waiting = &mut self.waiting[index];
            waiting.hunt.rejected(agent);
            if waiting.is_offered_to(agent) {
                waiting.offers.retain(|o| o.agent != agent);
                release(&mut self.status, agent, MemberStatus::Ready);
            }
        }
        self.advance(now_ms, &mut effects);
        effects
    }

    /// The chat ended while waiting (the visitor left).
    pub fn chat_left(&mut self, chat: ChatId, now_ms: i64) -> Vec<Effect> {
        let Some(index) = self.index_of(chat) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        if let Some(waiting) = self.waiting.remove(index) {
            for offer in waiting.offers {
                release(&mut self.status, offer.agent, MemberStatus::Ready);
                effects.push(Effect::Withdraw {
                    chat,
                    agent: offer.agent,
                    why: Withdrawal::ChatLeft,
                });
            }
        }
        effects.push(self.positions());
        self.advance(now_ms, &mut effects);
        effects
    }

    /// Time passed: expire offers (R18, A3) and end hunts (R19) whose time has come.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.advance(now_ms, &mut effects);
        effects
    }

    /// The next time at which `tick` has something to do, if any.
    pub fn next_deadline(&self) -> Option<i64> {
        let offers = self
            .waiting
            .iter()
            .flat_map(|w| w.offers.iter().map(|o| o.expires_at_ms));
        let hunts = self
            .waiting
            .iter()
            .map(|w| w.requested_at_ms + self.rules.hunt_timeout_ms);
        let settle = self.settle_until_ms.filter(|_| !self.waiting.is_empty());
        offers.chain(hunts).chain(settle).min()
    }

    fn take_offer(&mut self, chat: ChatId, offer_id: u64) -> Option<OpenOffer> {
        let index = self.index_of(chat)?;
        let offers = &mut self.waiting[index].offers;
        let at = offers.iter().position(|o| o.id == offer_id)?;
        Some(offers.remove(at))
    }

    /// Whether anyone could still take `waiting` in this hunt: a candidate who did not reject
    /// it and is not unavailable (A2).
    fn anyone_left(&self, waiting: &Waiting) -> bool {
        waiting.candidates(&self.sequence).iter().any(|agent| {
            !waiting.hunt.was_rejected_by(*agent)
                && matches!(
                    self.status.get(agent),
                    Some(MemberStatus::Ready | MemberStatus::Busy)
                )
        })
    }

    /// Brings the queue up to date at `now_ms`: expired offers, finished hunts, new offers.
    fn advance(&mut self, now_ms: i64, effects: &mut Vec<Effect>) {
        self.expire_offers(now_ms, effects);
        self.end_hunts(now_ms, effects);
        self.make_offers(now_ms, effects);
    }

    /// R18, A3: offers whose time is up are withdrawn; the agent goes to RONA if the queue says
    /// so, and is no longer ready. A direct chat is offered once (R79): its hunt is then over.
    fn expire_offers(&mut self, now_ms: i64, effects: &mut Vec<Effect>) {
        let after = if self.rules.rona {
            MemberStatus::Unavailable
        } else {
            MemberStatus::Ready
        };
        for waiting in &mut self.waiting {
            let (expired, open): (Vec<OpenOffer>, Vec<OpenOffer>) =
                std::mem::take(&mut waiting.offers)
                    .into_iter()
                    .partition(|o| o.expires_at_ms <= now_ms);
            waiting.offers = open;
            for offer in expired {
                if waiting.target.is_some() {
                    waiting.hunt.rejected(offer.agent);
                }
                release(&mut self.status, offer.agent, after);
                effects.push(Effect::Withdraw {
                    chat: waiting.chat,
                    agent: offer.agent,
                    why: Withdrawal::Expired {
                        rona: self.rules.rona,
                    },
                });
            }
        }
    }

    /// R19 (A18: counted from the request) and A2: hunts that are over end now.
    fn end_hunts(&mut self, now_ms: i64, effects: &mut Vec<Effect>) {
        if self.settle_until_ms.is_some_and(|until| now_ms >= until) {
            self.settle_until_ms = None;
        }
        let settled = self.settle_until_ms.is_none();
        let mut ended = Vec::new();
        for waiting in &self.waiting {
            let timed_out = now_ms >= waiting.requested_at_ms + self.rules.hunt_timeout_ms;
            let nobody_left = settled && waiting.offers.is_empty() && !self.anyone_left(waiting);
            if timed_out {
                ended.push((waiting.chat, HuntEnd::Timeout));
            } else if nobody_left {
                ended.push((waiting.chat, HuntEnd::NoEligibleAgent));
            }
        }
        for (chat, why) in &ended {
            if let Some(index) = self.index_of(*chat) {
                if let Some(waiting) = self.waiting.remove(index) {
                    for offer in waiting.offers {
                        release(&mut self.status, offer.agent, MemberStatus::Ready);
                        effects.push(Effect::Withdraw {
                            chat: *chat,
                            agent: offer.agent,
                            why: Withdrawal::HuntOver,
                        });
                    }
                }
            }
            effects.push(Effect::HuntEnded {
                chat: *chat,
                why: *why,
            });
        }
        if !ended.is_empty() {
            effects.push(self.positions());
        }
    }

    /// R17, R27, R28: oldest chat first; one offer at a time per agent. A sequential or
    /// round-robin chat goes to the next ready candidate while it has no open offer; a ring-all
    /// chat rings every ready candidate, including those who become ready while it rings.
    fn make_offers(&mut self, now_ms: i64, effects: &mut Vec<Effect>) {
        let mut offered: Vec<UserId> = self
            .waiting
            .iter()
            .flat_map(|w| w.offers.iter().map(|o| o.agent))
            .collect();
        for index in 0..self.waiting.len() {
            let waiting = &self.waiting[index];
            let status = &self.status;
            let can_take = |agent: UserId| {
                status.get(&agent) == Some(&MemberStatus::Ready) && !offered.contains(&agent)
            };
            let chosen: Vec<UserId> = match (self.rules.strategy, waiting.target) {
                (Strategy::RingAll, None) => waiting
                    .candidates(&self.sequence)
                    .iter()
                    .copied()
                    .filter(|&agent| !waiting.hunt.was_rejected_by(agent) && can_take(agent))
                    .collect(),
                _ if !waiting.offers.is_empty() => Vec::new(),
                (strategy, _) => {
                    let first_after = (strategy == Strategy::RoundRobin
                        && waiting.target.is_none())
                    .then_some(self.last_taker)
                    .flatten();
                    waiting
                        .hunt
                        .next_offer(waiting.candidates(&self.sequence), first_after, can_take)
                        .into_iter()
                        .collect()
                }
            };
            for agent in chosen {
                offered.push(agent);
                self.status.insert(agent, MemberStatus::Busy);
                let offer = OpenOffer {
                    id: self.next_offer_id,
                    agent,
                    expires_at_ms: now_ms + self.rules.offer_timeout_ms,
                };
                self.next_offer_id += 1;
                let waiting = &mut self.waiting[index];
                waiting.hunt.offered(agent);
                effects.push(Effect::Offer {
                    chat: waiting.chat,
                    agent,
                    offer_id: offer.id,
                    expires_at_ms: offer.expires_at_ms,
                });
                waiting.offers.push(offer);
            }
        }
    }
}

/// Read-only views for callers outside routing (R30: the widget's mode). Kept apart from the
/// routing machine above.
impl QueueRouter {
    /// Every member in hunt order with what the queue last heard of it; `None` if it has not
    /// reported since the engine started.
    pub fn member_statuses(&self) -> impl Iterator<Item = (UserId, Option<MemberStatus>)> + '_ {
        self.sequence
            .iter()
            .map(|agent| (*agent, self.status.get(agent).copied()))
    }
}

/// Changes to the queue's membership at run time (R25, R73).
impl QueueRouter {
    /// R73: the members changed (added, removed, hunt order changed); the change takes effect
    /// at once. The hunt sequence is recomputed (R17), an open offer to a removed member is
    /// withdrawn and a removed member's status forgotten, and the queue is brought up to date,
    /// so a waiting chat goes straight to a ready member who was just added (once it reports).
    pub fn set_members(&mut self, members: &[HuntMember], now_ms: i64) -> Vec<Effect> {
        self.sequence = hunt_sequence(members);
        let sequence = &self.sequence;
        self.status.retain(|agent, _| sequence.contains(agent));
        let orphaned: Vec<(ChatId, UserId, u64)> = self
            .waiting
            .iter()
            .flat_map(|w| w.offers.iter().map(|o| (w.chat, o.agent, o.id)))
            .filter(|(_, agent, _)| !self.is_member(*agent))
            .collect();
        let mut effects = Vec::new();
        for (chat, agent, offer_id) in orphaned {
            if self.take_offer(chat, offer_id).is_some() {
                effects.push(Effect::Withdraw {
                    chat,
                    agent,
                    why: Withdrawal::MemberRemoved,
                });
            }
        }
        self.advance(now_ms, &mut effects);
        effects
    }
}

/// R34: one waiting chat as agents see it in their waiting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingEntry {
    pub chat: ChatId,
    /// 1 is next in line.
    pub position: usize,
    pub requested_at_ms: i64,
}

/// Why an agent may not act on a chat of this queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeRefused {
    /// R25: only members of the queue see and take its waiting chats.
    NotAMember,
    /// The chat is not waiting here: taken, ended, redirected, or never here.
    NotWaiting,
}

// R34, R35: the waiting list, and what an agent does from the client preview: take a chat
// straight out of the queue, or send it to another queue. Apart from the hunt above: both take
// a chat out of the queue without an accepted offer.
impl QueueRouter {
    /// R34: the first `limit` waiting chats, first in line first, and how many wait in all.
    /// Direct chats are left out: they are for their one agent, who is offered them (R16).
    pub fn waiting_list(&self, limit: usize) -> (Vec<WaitingEntry>, usize) {
        let listed = self
            .waiting
            .iter()
            .enumerate()
            .filter(|(_, w)| w.target.is_none());
        let total = listed.clone().count();
        let entries = listed
            .take(limit)
            .map(|(i, w)| WaitingEntry {
                chat: w.chat,
                position: i + 1,
                requested_at_ms: w.requested_at_ms,
            })
            .collect();
        (entries, total)
    }

    /// The members in hunt order: who sees this queue's waiting list.
    pub fn members(&self) -> &[UserId] {
        &self.sequence
    }

    /// R35: `agent` may preview `chat` if it is a member and the chat waits here (a direct
    /// chat only for its own agent, R16).
    pub fn previewable(&self, chat: ChatId, agent: UserId) -> Result<WaitingEntry, TakeRefused> {
        if !self.is_member(agent) {
            return Err(TakeRefused::NotAMember);
        }
        let index = self.index_of(chat).ok_or(TakeRefused::NotWaiting)?;
        let waiting = &self.waiting[index];
        if waiting.target.is_some_and(|target| target != agent) {
            return Err(TakeRefused::NotAMember);
        }
        Ok(WaitingEntry {
            chat,
            position: index + 1,
            requested_at_ms: waiting.requested_at_ms,
        })
    }

    /// R35: `agent` takes the waiting `chat` from the preview. The chat leaves the queue at
    /// once; an offer of it to another agent is withdrawn (`TakenByAnother`), one to `agent`
    /// itself is simply used up. Whether the agent may take a chat (Available, capacity) is
    /// its own actor's rule; here it only counts as busy until it reports again.
    pub fn take_waiting(
        &mut self,
        chat: ChatId,
        agent: UserId,
        now_ms: i64,
    ) -> Result<Vec<Effect>, TakeRefused> {
        let entry = self.previewable(chat, agent)?;
        self.learn_wait(now_ms - entry.requested_at_ms);
        self.last_taker = Some(agent);
        if self.status.get(&agent) == Some(&MemberStatus::Ready) {
            self.status.insert(agent, MemberStatus::Busy);
        }
        Ok(self.leave(
            entry.position - 1,
            Withdrawal::TakenByAnother,
            Some(agent),
            now_ms,
        ))
    }

    /// R35, R46: a member sends the waiting `chat` to another queue. The chat leaves this one
    /// and its open offer is withdrawn (`Redirected`); returns the request time, which the chat
    /// keeps in the other queue (its place in line and its hunt timeout, A18).
    pub fn redirect(
        &mut self,
        chat: ChatId,
        agent: UserId,
        now_ms: i64,
    ) -> Result<(i64, Vec<Effect>), TakeRefused> {
        let entry = self.previewable(chat, agent)?;
        let effects = self.leave(entry.position - 1, Withdrawal::Redirected, None, now_ms);
        Ok((entry.requested_at_ms, effects))
    }

    /// Takes the chat at `index` out of the queue, withdrawing its open offer unless `keeper`
    /// holds it, and moves the line up.
    fn leave(
        &mut self,
        index: usize,
        why: Withdrawal,
        keeper: Option<UserId>,
        now_ms: i64,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(waiting) = self.waiting.remove(index) {
            for offer in waiting.offers.iter().filter(|o| Some(o.agent) != keeper) {
                release(&mut self.status, offer.agent, MemberStatus::Ready);
                effects.push(Effect::Withdraw {
                    chat: waiting.chat,
                    agent: offer.agent,
                    why,
                });
            }
        }
        effects.push(self.positions());
        self.advance(now_ms, &mut effects);
        effects
    }

    /// Folds one more wait (request to an agent taking the chat) into the estimate: an
    /// exponential moving average, so recent chats count most.
    fn learn_wait(&mut self, waited_ms: i64) {
        let waited = waited_ms.max(0);
        self.average_wait_ms = Some(match self.average_wait_ms {
            Some(average) => (average * 3 + waited) / 4,
            None => waited,
        });
    }
}

/// An agent's offer from this queue ended: it is `after` again, unless the queue has heard
/// meanwhile that it is unavailable. (The agent's actor reports its real status right after;
/// an offer it cannot take is refused and goes on to the next member.)
fn release(status: &mut HashMap<UserId, MemberStatus>, agent: UserId, after: MemberStatus) {
    if status.get(&agent) != Some(&MemberStatus::Unavailable) {
        status.insert(agent, after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: UserId = UserId(1);
    const B: UserId = UserId(2);
    const C: UserId = UserId(3);
    const D: UserId = UserId(4);
    const E: UserId = UserId(5);
    const CHAT: ChatId = ChatId(100);
    const S: i64 = 1000;

    fn rules() -> QueueRules {
        QueueRules {
            offer_timeout_ms: 15 * S,
            hunt_timeout_ms: 60 * S,
            rona: false,
            strategy: Strategy::Sequential,
        }
    }

    fn router(rules: QueueRules, agents: &[UserId]) -> QueueRouter {
        let members: Vec<HuntMember> = agents
            .iter()
            .enumerate()
            .map(|(i, &agent)| HuntMember {
                agent,
                hunt_order: i as i32 + 1,
                added_seq: i as i64,
            })
            .collect();
        let mut router = QueueRouter::new(rules, &members, 0, 0);
        for &agent in agents {
            router.member_status(agent, MemberStatus::Ready, 0);
        }
        router
    }

    fn offers(effects: &[Effect]) -> Vec<(ChatId, UserId, i64)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Offer {
                    chat,
                    agent,
                    expires_at_ms,
                    ..
                } => Some((*chat, *agent, *expires_at_ms)),
                _ => None,
            })
            .collect()
    }

    fn offer_id(effects: &[Effect]) -> u64 {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::Offer { offer_id, .. } => Some(*offer_id),
                _ => None,
            })
            .expect("an offer")
    }

    fn ended(effects: &[Effect]) -> Option<HuntEnd> {
        effects.iter().find_map(|e| match e {
            Effect::HuntEnded { why, .. } => Some(*why),
            _ => None,
        })
    }

    fn withdrawals(effects: &[Effect]) -> Vec<(UserId, Withdrawal)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Withdraw { agent, why, .. } => Some((*agent, *why)),
                _ => None,
            })
            .collect()
    }

    fn with_strategy(strategy: Strategy) -> QueueRules {
        QueueRules {
            strategy,
            ..rules()
        }
    }

    #[test]
    fn ring_all_offers_everyone_ready_and_the_first_accept_withdraws_the_rest_r28() {
        let mut q = router(with_strategy(Strategy::RingAll), &[A, B, C]);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(
            offers(&effects),
            vec![(CHAT, A, 15 * S), (CHAT, B, 15 * S), (CHAT, C, 15 * S)]
        );
        let effects = q.claim(CHAT, B, 2 * S).expect("B's offer is open");
        assert_eq!(
            withdrawals(&effects),
            vec![
                (A, Withdrawal::TakenByAnother),
                (C, Withdrawal::TakenByAnother)
            ]
        );
        assert_eq!(q.claim(CHAT, A, 2 * S), Err(OfferGone), "the chat is gone");
        assert_eq!(q.waiting_count(), 0);
    }

    #[test]
    fn ring_all_rings_on_while_someone_is_left_and_ends_when_all_reject_r28_r21() {
        let mut q = router(with_strategy(Strategy::RingAll), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.rejected(CHAT, A, S);
        assert!(ended(&effects).is_none(), "B's offer still rings");
        assert!(offers(&effects).is_empty(), "A is not rung again");
        let effects = q.rejected(CHAT, B, 2 * S);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
    }

    #[test]
    fn ring_all_rings_an_agent_who_becomes_ready_while_it_rings_r28() {
        let mut q = router(with_strategy(Strategy::RingAll), &[A, B]);
        q.member_status(B, MemberStatus::Unavailable, 0);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&effects), vec![(CHAT, A, 15 * S)]);
        let effects = q.member_status(B, MemberStatus::Ready, 5 * S);
        assert_eq!(offers(&effects), vec![(CHAT, B, 20 * S)]);
    }

    #[test]
    fn ring_all_keeps_first_in_first_out_and_one_offer_per_agent_r27_r28() {
        let mut q = router(with_strategy(Strategy::RingAll), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let second = ChatId(101);
        let effects = q.chat_arrived(second, S, S);
        assert!(
            offers(&effects).is_empty(),
            "both agents ring for the first"
        );
        let effects = q.claim(CHAT, A, 2 * S).expect("open");
        assert_eq!(withdrawals(&effects), vec![(B, Withdrawal::TakenByAnother)]);
        assert_eq!(
            offers(&effects),
            vec![(second, B, 17 * S)],
            "B, released, rings for the next chat; A is busy until it says otherwise"
        );
    }

    #[test]
    fn ring_all_expiry_puts_every_silent_agent_in_rona_and_the_hunt_ends_r28_a3() {
        let rules = QueueRules {
            rona: true,
            ..with_strategy(Strategy::RingAll)
        };
        let mut q = router(rules, &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.tick(15 * S);
        assert_eq!(
            withdrawals(&effects),
            vec![
                (A, Withdrawal::Expired { rona: true }),
                (B, Withdrawal::Expired { rona: true })
            ]
        );
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
    }

    #[test]
    fn round_robin_starts_each_hunt_after_the_last_taker_r28() {
        let mut q = router(with_strategy(Strategy::RoundRobin), &[A, B, C]);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&effects), vec![(CHAT, A, 15 * S)]);
        q.claim(CHAT, A, S).expect("open");
        q.member_status(A, MemberStatus::Ready, S);

        let second = ChatId(101);
        let effects = q.chat_arrived(second, 2 * S, 2 * S);
        assert_eq!(offers(&effects), vec![(second, B, 17 * S)], "after A");
        q.claim(second, B, 3 * S).expect("open");
        q.member_status(B, MemberStatus::Ready, 3 * S);

        let third = ChatId(102);
        let effects = q.chat_arrived(third, 4 * S, 4 * S);
        assert_eq!(offers(&effects), vec![(third, C, 19 * S)], "after B");
        q.claim(third, C, 5 * S).expect("open");
        q.member_status(C, MemberStatus::Ready, 5 * S);

        let fourth = ChatId(103);
        let effects = q.chat_arrived(fourth, 6 * S, 6 * S);
        assert_eq!(offers(&effects), vec![(fourth, A, 21 * S)], "wraps to A");
    }

    #[test]
    fn sequential_starts_every_hunt_from_the_top_r17() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        q.claim(CHAT, A, S).expect("open");
        q.member_status(A, MemberStatus::Ready, S);
        let second = ChatId(101);
        let effects = q.chat_arrived(second, 2 * S, 2 * S);
        assert_eq!(offers(&effects), vec![(second, A, 17 * S)]);
    }

    #[test]
    fn a_direct_chat_is_offered_to_its_agent_alone_r16() {
        for strategy in [
            Strategy::Sequential,
            Strategy::RingAll,
            Strategy::RoundRobin,
        ] {
            let mut q = router(with_strategy(strategy), &[A, B, C]);
            let effects = q.direct_chat_arrived(CHAT, B, 0, 0);
            assert_eq!(offers(&effects), vec![(CHAT, B, 15 * S)], "{strategy:?}");
            let why = q.explain(CHAT).expect("waiting");
            assert_eq!(why.members, vec![(B, Standing::OfferedNow)]);
            q.claim(CHAT, B, S).expect("open");
        }
    }

    #[test]
    fn a_direct_chat_is_not_in_the_waiting_list_nor_for_other_agents_to_take_r16_r35() {
        let mut q = router(rules(), &[A, B]);
        q.member_status(B, MemberStatus::Busy, 0);
        q.chat_arrived(CHAT, 0, 0);
        let direct = ChatId(101);
        q.direct_chat_arrived(direct, B, S, S);
        let (entries, total) = q.waiting_list(10);
        let listed: Vec<ChatId> = entries.iter().map(|e| e.chat).collect();
        assert_eq!(listed, vec![CHAT]);
        assert_eq!(total, 1, "the direct chat is not counted either");
        assert_eq!(q.previewable(direct, A), Err(TakeRefused::NotAMember));
        assert_eq!(
            q.take_waiting(direct, A, 2 * S),
            Err(TakeRefused::NotAMember)
        );
        assert_eq!(q.previewable(direct, B).map(|e| e.position), Ok(2));
    }

    #[test]
    fn a_rejected_direct_chat_ends_at_once_r79() {
        let mut q = router(rules(), &[A, B]);
        q.direct_chat_arrived(CHAT, B, 0, 0);
        let effects = q.rejected(CHAT, B, S);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
        assert!(offers(&effects).is_empty(), "never offered to A");
    }

    #[test]
    fn an_unanswered_direct_chat_ends_when_its_offer_does_r79_a13() {
        let mut q = router(rules(), &[A, B]);
        q.direct_chat_arrived(CHAT, B, 0, 0);
        let effects = q.tick(15 * S);
        assert_eq!(
            withdrawals(&effects),
            vec![(B, Withdrawal::Expired { rona: false })]
        );
        assert_eq!(
            ended(&effects),
            Some(HuntEnd::NoEligibleAgent),
            "offered once, not again though B is ready"
        );
    }

    #[test]
    fn a_direct_chat_for_an_away_agent_ends_at_once_and_one_for_a_busy_agent_waits_r79() {
        let mut q = router(rules(), &[A, B]);
        q.member_status(B, MemberStatus::Unavailable, 0);
        let effects = q.direct_chat_arrived(CHAT, B, 0, 0);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));

        q.member_status(B, MemberStatus::Busy, 0);
        let second = ChatId(101);
        let effects = q.direct_chat_arrived(second, B, S, S);
        assert!(ended(&effects).is_none() && offers(&effects).is_empty());
        let effects = q.member_status(B, MemberStatus::Ready, 5 * S);
        assert_eq!(offers(&effects), vec![(second, B, 20 * S)]);
    }

    #[test]
    fn queue_rules_are_checked_r20() {
        let ok = QueueRules::new(15 * S, 60 * S, true, Strategy::RingAll).unwrap();
        assert_eq!(ok.strategy, Strategy::RingAll);
        for (offer, hunt) in [
            (0, 60 * S),
            (15 * S, 10 * S),
            (2 * 3_600 * S, 3 * 3_600 * S),
        ] {
            assert_eq!(
                QueueRules::new(offer, hunt, true, Strategy::Sequential),
                Err(RuleError::InvalidQueueTimeouts),
                "{offer} {hunt}"
            );
        }
    }

    #[test]
    fn new_rules_apply_to_the_next_offers_and_hunts_r20_r28() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.set_rules(with_strategy(Strategy::RingAll), S);
        assert_eq!(
            offers(&effects),
            vec![(CHAT, B, 16 * S)],
            "B joins the ring; A's offer keeps its time"
        );
        let shorter = QueueRules {
            hunt_timeout_ms: 5 * S,
            ..with_strategy(Strategy::RingAll)
        };
        let effects = q.set_rules(shorter, 6 * S);
        assert_eq!(ended(&effects), Some(HuntEnd::Timeout));
    }

    #[test]
    fn a_hunt_offers_at_0_15_30_45_and_ends_at_60_r18_r19() {
        let mut q = router(rules(), &[A, B, C, D, E]);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&effects), vec![(CHAT, A, 15 * S)]);
        assert_eq!(q.next_deadline(), Some(15 * S));

        assert!(
            q.tick(15 * S - 1).is_empty(),
            "nothing happens before the offer ends"
        );
        for (t, agent) in [(15, B), (30, C), (45, D)] {
            let effects = q.tick(t * S);
            assert_eq!(
                offers(&effects),
                vec![(CHAT, agent, (t + 15) * S)],
                "at {t} s"
            );
            // The agent whose offer ended is ready again (no RONA in these rules).
        }
        let effects = q.tick(60 * S);
        assert_eq!(ended(&effects), Some(HuntEnd::Timeout));
        assert!(
            offers(&effects).is_empty(),
            "nobody is offered the chat at 60 s"
        );
        assert_eq!(q.waiting_count(), 0);
        assert_eq!(q.next_deadline(), None);
    }

    #[test]
    fn the_hunt_time_counts_from_the_request_a18() {
        let mut q = router(rules(), &[A]);
        q.member_status(A, MemberStatus::Busy, 0);
        q.chat_arrived(CHAT, 0, 0);
        // The agent frees up late: the offer is made, but the hunt still ends at 60 s.
        let effects = q.member_status(A, MemberStatus::Ready, 50 * S);
        assert_eq!(offers(&effects), vec![(CHAT, A, 65 * S)]);
        let effects = q.tick(60 * S);
        assert!(effects.contains(&Effect::Withdraw {
            chat: CHAT,
            agent: A,
            why: Withdrawal::HuntOver
        }));
        assert_eq!(ended(&effects), Some(HuntEnd::Timeout));
    }

    #[test]
    fn with_fewer_agents_the_hunt_cycles_a2() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&q.tick(15 * S))[0].1, B);
        assert_eq!(offers(&q.tick(30 * S))[0].1, A);
        assert_eq!(offers(&q.tick(45 * S))[0].1, B);
    }

    #[test]
    fn an_expired_offer_puts_the_agent_in_rona_and_it_is_skipped_a3() {
        let mut q = router(
            QueueRules {
                rona: true,
                ..rules()
            },
            &[A, B],
        );
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.tick(15 * S);
        assert!(effects.contains(&Effect::Withdraw {
            chat: CHAT,
            agent: A,
            why: Withdrawal::Expired { rona: true }
        }));
        assert_eq!(offers(&effects), vec![(CHAT, B, 30 * S)]);
        // B lets it expire too: nobody is left, so the hunt ends at once (A2).
        let effects = q.tick(30 * S);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
    }

    #[test]
    fn when_everyone_rejects_the_hunt_ends_at_once_r21_a2() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.rejected(CHAT, A, 2 * S);
        assert_eq!(offers(&effects), vec![(CHAT, B, 17 * S)]);
        let effects = q.rejected(CHAT, B, 3 * S);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
        assert!(offers(&effects).is_empty());
    }

    #[test]
    fn a_rejecting_agent_is_never_offered_the_chat_again_r21() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        q.rejected(CHAT, A, S);
        // B's offer expires; the cycle skips A and comes back to B.
        let effects = q.tick(16 * S);
        assert_eq!(offers(&effects), vec![(CHAT, B, 31 * S)]);
    }

    #[test]
    fn one_agent_alone_gets_the_chat_again_after_its_offer_expires() {
        let mut q = router(rules(), &[A]);
        q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&q.tick(15 * S)), vec![(CHAT, A, 30 * S)]);
    }

    #[test]
    fn an_agent_who_goes_away_during_an_offer_keeps_it_until_it_ends() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.member_status(A, MemberStatus::Unavailable, 5 * S);
        assert!(offers(&effects).is_empty(), "A's offer is still open");
        assert_eq!(offers(&q.tick(15 * S)), vec![(CHAT, B, 30 * S)]);
    }

    #[test]
    fn busy_agents_keep_a_hunt_alive_and_get_the_chat_when_they_free_up_r26() {
        let mut q = router(rules(), &[A]);
        q.member_status(A, MemberStatus::Busy, 0);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert!(offers(&effects).is_empty());
        assert_eq!(ended(&effects), None, "a busy agent may still take it");
        let effects = q.member_status(A, MemberStatus::Ready, 20 * S);
        assert_eq!(offers(&effects), vec![(CHAT, A, 35 * S)]);
    }

    #[test]
    fn agents_busy_past_the_hunt_timeout_leave_the_chat_unmanaged_r76() {
        let mut q = router(rules(), &[A, B]);
        q.member_status(A, MemberStatus::Busy, 0);
        q.member_status(B, MemberStatus::Busy, 0);
        assert_eq!(ended(&q.chat_arrived(CHAT, 0, 0)), None);
        assert_eq!(q.next_deadline(), Some(60 * S));
        assert_eq!(ended(&q.tick(60 * S - 1)), None);
        assert_eq!(ended(&q.tick(60 * S)), Some(HuntEnd::Timeout));
        assert_eq!(q.waiting_list(10), (vec![], 0));
    }

    #[test]
    fn with_nobody_available_the_hunt_ends_at_once_a2() {
        let mut q = router(rules(), &[A, B]);
        q.member_status(A, MemberStatus::Unavailable, 0);
        q.member_status(B, MemberStatus::Unavailable, 0);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
    }

    #[test]
    fn after_a_restart_absent_agents_get_time_to_come_back() {
        let members = [HuntMember {
            agent: A,
            hunt_order: 1,
            added_seq: 1,
        }];
        let mut q = QueueRouter::new(rules(), &members, 0, 30 * S);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(
            ended(&effects),
            None,
            "nobody is connected yet, but it is early"
        );
        assert_eq!(q.next_deadline(), Some(30 * S));
        assert_eq!(
            offers(&q.member_status(A, MemberStatus::Ready, 10 * S)).len(),
            1
        );

        let mut lonely = QueueRouter::new(rules(), &members, 0, 30 * S);
        lonely.chat_arrived(CHAT, 0, 0);
        assert_eq!(ended(&lonely.tick(30 * S)), Some(HuntEnd::NoEligibleAgent));
    }

    #[test]
    fn two_chats_racing_for_one_agent_are_offered_one_at_a_time_r27() {
        let mut q = router(rules(), &[A]);
        let first = q.chat_arrived(ChatId(1), 0, 0);
        let second = q.chat_arrived(ChatId(2), 1, 1);
        assert_eq!(offers(&first), vec![(ChatId(1), A, 15 * S)]);
        assert!(offers(&second).is_empty());
        let claimed = q.claim(ChatId(1), A, 2 * S).unwrap();
        assert!(
            offers(&claimed).is_empty(),
            "A must say it is ready again first"
        );
        let effects = q.member_status(A, MemberStatus::Ready, 3 * S);
        assert_eq!(offers(&effects), vec![(ChatId(2), A, 18 * S)]);
    }

    #[test]
    fn the_queue_is_first_in_first_out_by_request_time() {
        let mut q = router(rules(), &[A]);
        q.member_status(A, MemberStatus::Busy, 0);
        q.chat_arrived(ChatId(2), 20, 20);
        let effects = q.chat_arrived(ChatId(1), 10, 30);
        assert!(effects.contains(&Effect::Positions(vec![(ChatId(1), 1), (ChatId(2), 2)])));
        let effects = q.member_status(A, MemberStatus::Ready, 40);
        assert_eq!(offers(&effects)[0].0, ChatId(1));
    }

    #[test]
    fn only_the_open_offers_agent_can_claim_it_and_only_in_time() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        assert_eq!(q.claim(CHAT, B, S), Err(OfferGone));
        assert_eq!(q.claim(CHAT, A, 15 * S), Err(OfferGone), "expired at 15 s");
        let mut q = router(rules(), &[A]);
        q.chat_arrived(CHAT, 0, 0);
        assert!(q.claim(CHAT, A, 14 * S).is_ok());
        assert_eq!(q.claim(CHAT, A, 14 * S), Err(OfferGone), "claimed once");
    }

    #[test]
    fn a_refused_offer_moves_on_and_the_agent_waits_to_be_ready_again() {
        let mut q = router(rules(), &[A, B]);
        let effects = q.chat_arrived(CHAT, 0, 0);
        let effects = q.offer_refused(CHAT, offer_id(&effects), S);
        assert_eq!(offers(&effects), vec![(CHAT, B, 16 * S)]);
    }

    #[test]
    fn a_visitor_who_leaves_takes_the_offer_back() {
        let mut q = router(rules(), &[A]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.chat_left(CHAT, S);
        assert!(effects.contains(&Effect::Withdraw {
            chat: CHAT,
            agent: A,
            why: Withdrawal::ChatLeft
        }));
        assert_eq!(q.waiting_count(), 0);
    }

    #[test]
    fn positions_move_up_and_waits_are_estimated_from_accepted_chats() {
        let mut q = router(rules(), &[A]);
        q.chat_arrived(ChatId(1), 0, 0);
        q.chat_arrived(ChatId(2), 0, 0);
        let effects = q.chat_arrived(ChatId(3), 0, 0);
        assert!(
            effects.contains(&Effect::Positions(vec![(ChatId(3), 3)])),
            "only the newcomer's place is new"
        );
        assert_eq!(
            q.estimated_wait_ms(1),
            None,
            "no accepted chat to learn from yet"
        );
        let effects = q.claim(ChatId(1), A, 8 * S).unwrap();
        assert!(effects.contains(&Effect::Positions(vec![(ChatId(2), 1), (ChatId(3), 2)])));
        assert_eq!(q.estimated_wait_ms(1), Some(8 * S));
        assert_eq!(q.estimated_wait_ms(2), Some(16 * S));
    }

    #[test]
    fn a_supervisor_can_see_why_a_chat_waits_r87() {
        let mut q = router(rules(), &[A, B, C, D]);
        q.member_status(C, MemberStatus::Unavailable, 0);
        q.member_status(B, MemberStatus::Busy, 0);
        q.chat_arrived(CHAT, 0, 0);
        q.rejected(CHAT, A, S);
        // A rejected; B is busy and C away, so nobody holds the offer... but D does.
        let why = q.explain(CHAT).unwrap();
        assert_eq!(why.position, 1);
        assert_eq!(why.hunt_ends_at_ms, 60 * S);
        assert_eq!(
            why.members,
            vec![
                (A, Standing::Rejected),
                (B, Standing::Busy),
                (C, Standing::Unavailable),
                (D, Standing::OfferedNow),
            ]
        );
        let mut fresh = QueueRouter::new(
            rules(),
            &[HuntMember {
                agent: E,
                hunt_order: 1,
                added_seq: 1,
            }],
            0,
            10 * S,
        );
        fresh.chat_arrived(CHAT, 0, 0);
        assert_eq!(
            fresh.explain(CHAT).unwrap().members,
            vec![(E, Standing::NotSignedIn)]
        );
        assert_eq!(fresh.explain(ChatId(999)), None);
    }

    #[test]
    fn the_waiting_list_is_the_line_in_order_r34() {
        let mut q = router(rules(), &[A]);
        q.member_status(A, MemberStatus::Busy, 0);
        q.chat_arrived(ChatId(2), 20, 20);
        q.chat_arrived(ChatId(1), 10, 30);
        assert_eq!(
            q.waiting_list(10).0,
            vec![
                WaitingEntry {
                    chat: ChatId(1),
                    position: 1,
                    requested_at_ms: 10
                },
                WaitingEntry {
                    chat: ChatId(2),
                    position: 2,
                    requested_at_ms: 20
                },
            ]
        );
        assert_eq!(q.members(), &[A]);
    }

    #[test]
    fn a_long_line_lists_its_head_and_counts_the_rest_r34() {
        let mut q = router(rules(), &[A]);
        q.member_status(A, MemberStatus::Busy, 0);
        for chat in 1..=5 {
            q.chat_arrived(ChatId(chat), chat, chat);
        }
        let (entries, total) = q.waiting_list(2);
        let listed: Vec<(ChatId, usize)> = entries.iter().map(|e| (e.chat, e.position)).collect();
        assert_eq!(listed, vec![(ChatId(1), 1), (ChatId(2), 2)]);
        assert_eq!(total, 5);
    }

    #[test]
    fn a_member_picks_a_waiting_chat_and_anothers_offer_is_withdrawn_r35() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.take_waiting(CHAT, B, 4 * S).unwrap();
        assert!(effects.contains(&Effect::Withdraw {
            chat: CHAT,
            agent: A,
            why: Withdrawal::TakenByAnother
        }));
        assert!(effects.contains(&Effect::Positions(vec![])));
        assert_eq!(q.waiting_count(), 0);
        assert_eq!(q.estimated_wait_ms(1), Some(4 * S), "a pick is a wait too");
        // A is free again; B counts as busy until its actor reports.
        let effects = q.chat_arrived(ChatId(2), 5 * S, 5 * S);
        assert_eq!(offers(&effects), vec![(ChatId(2), A, 20 * S)]);
        assert_eq!(
            q.claim(CHAT, A, 5 * S),
            Err(OfferGone),
            "the old offer is gone"
        );
    }

    #[test]
    fn picking_the_chat_one_is_offered_uses_the_offer_up_r35() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.take_waiting(CHAT, A, S).unwrap();
        assert!(!effects.iter().any(|e| matches!(e, Effect::Withdraw { .. })));
        assert_eq!(q.waiting_count(), 0);
    }

    #[test]
    fn only_members_act_on_chats_that_still_wait_r25_r35() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        assert_eq!(q.previewable(CHAT, C), Err(TakeRefused::NotAMember));
        assert_eq!(q.take_waiting(CHAT, C, S), Err(TakeRefused::NotAMember));
        assert_eq!(
            q.redirect(CHAT, C, S).map(|_| ()),
            Err(TakeRefused::NotAMember)
        );
        assert_eq!(q.previewable(CHAT, B).map(|e| e.position), Ok(1));
        assert!(q.take_waiting(CHAT, B, S).is_ok());
        assert_eq!(q.take_waiting(CHAT, A, S), Err(TakeRefused::NotWaiting));
        assert_eq!(q.previewable(CHAT, A), Err(TakeRefused::NotWaiting));
        assert_eq!(q.waiting_count(), 0);
    }

    #[test]
    fn a_redirected_chat_leaves_with_its_request_time_r35_r46() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(ChatId(1), 5 * S, 5 * S);
        q.chat_arrived(ChatId(2), 6 * S, 6 * S);
        let (requested_at_ms, effects) = q.redirect(ChatId(1), B, 10 * S).unwrap();
        assert_eq!(requested_at_ms, 5 * S);
        assert!(effects.contains(&Effect::Withdraw {
            chat: ChatId(1),
            agent: A,
            why: Withdrawal::Redirected
        }));
        assert!(effects.contains(&Effect::Positions(vec![(ChatId(2), 1)])));
        assert_eq!(q.estimated_wait_ms(1), None, "a redirect is not a wait");
        // The other queue takes it at its old place in line, with the hunt time left (A18).
        let mut other = router(rules(), &[C]);
        other.member_status(C, MemberStatus::Busy, 0);
        other.chat_arrived(ChatId(3), 8 * S, 8 * S);
        let effects = other.chat_arrived(ChatId(1), requested_at_ms, 10 * S);
        assert!(effects.contains(&Effect::Positions(vec![(ChatId(1), 1), (ChatId(3), 2)])));
        assert_eq!(other.explain(ChatId(1)).unwrap().hunt_ends_at_ms, 65 * S);
    }

    #[test]
    fn non_members_are_ignored_r25() {
        let mut q = router(rules(), &[A]);
        assert!(q.member_status(B, MemberStatus::Ready, 0).is_empty());
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&effects), vec![(CHAT, A, 15 * S)]);
    }

    fn members(order: &[(UserId, i32)]) -> Vec<HuntMember> {
        order
            .iter()
            .enumerate()
            .map(|(i, &(agent, hunt_order))| HuntMember {
                agent,
                hunt_order,
                added_seq: i as i64,
            })
            .collect()
    }

    #[test]
    fn an_added_member_gets_a_waiting_chat_as_soon_as_it_reports_ready_r73() {
        let mut q = router(rules(), &[A]);
        q.member_status(A, MemberStatus::Busy, 0);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.set_members(&members(&[(A, 1), (B, 2)]), S);
        assert!(offers(&effects).is_empty(), "B has not reported yet");
        let effects = q.member_status(B, MemberStatus::Ready, S);
        assert_eq!(offers(&effects), vec![(CHAT, B, 16 * S)]);
    }

    #[test]
    fn a_new_hunt_order_decides_who_is_offered_next_r17_r73() {
        let mut q = router(rules(), &[A, B]);
        q.set_members(&members(&[(A, 5), (B, 1)]), 0);
        let effects = q.chat_arrived(CHAT, 0, 0);
        assert_eq!(offers(&effects), vec![(CHAT, B, 15 * S)]);
    }

    #[test]
    fn a_removed_members_open_offer_is_withdrawn_and_goes_to_the_next_r73() {
        let mut q = router(rules(), &[A, B]);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.set_members(&members(&[(B, 1)]), S);
        assert!(effects.contains(&Effect::Withdraw {
            chat: CHAT,
            agent: A,
            why: Withdrawal::MemberRemoved
        }));
        assert_eq!(offers(&effects), vec![(CHAT, B, 16 * S)]);
        assert!(!q.is_member(A));
        assert!(
            q.member_status(A, MemberStatus::Ready, S).is_empty(),
            "a removed member is ignored (R25)"
        );
    }

    #[test]
    fn a_removed_member_comes_back_unknown_until_it_reports_r73() {
        let mut q = router(rules(), &[A, B]);
        q.set_members(&members(&[(B, 1)]), 0);
        q.set_members(&members(&[(B, 1), (A, 2)]), 0);
        q.member_status(B, MemberStatus::Busy, 0);
        q.chat_arrived(CHAT, 0, 0);
        assert_eq!(
            q.explain(CHAT).unwrap().members,
            vec![(B, Standing::Busy), (A, Standing::NotSignedIn)]
        );
    }

    #[test]
    fn removing_the_last_member_who_could_take_a_chat_ends_its_hunt_a2_r73() {
        let mut q = router(rules(), &[A, B]);
        q.member_status(B, MemberStatus::Unavailable, 0);
        q.member_status(A, MemberStatus::Busy, 0);
        q.chat_arrived(CHAT, 0, 0);
        let effects = q.set_members(&members(&[(B, 1)]), S);
        assert_eq!(ended(&effects), Some(HuntEnd::NoEligibleAgent));
    }
}

/// A randomized model of a queue with agents who behave like the engine's agent actors
/// (refusing offers they cannot take, accepting, rejecting, going away, finishing chats) and
/// visitors who arrive and leave, checking the routing invariants after every step.
#[cfg(test)]
mod model {
    use std::collections::{BTreeSet, HashMap};

    use super::*;
    use crate::domain::presence::{AgentLoad, Capacity, Presence};

    /// A small deterministic generator (xorshift64*): reproducible runs, no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[derive(Debug)]
    struct Agent {
        presence: Presence,
        capacity: Capacity,
        chats: BTreeSet<ChatId>,
        offer: Option<(ChatId, u64)>,
    }

    impl Agent {
        fn load(&self) -> AgentLoad {
            AgentLoad {
                presence: self.presence,
                connected: true,
                reconnecting: false,
                open_chats: self.chats.len() as u32,
                capacity: self.capacity,
                pending_offers: u32::from(self.offer.is_some()),
            }
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Fate {
        Waiting,
        Taken(UserId),
        Left,
        Unmanaged,
    }

    struct World {
        router: QueueRouter,
        agents: HashMap<UserId, Agent>,
        chats: HashMap<ChatId, Fate>,
        /// Direct chats and their one agent (R16).
        targets: HashMap<ChatId, UserId>,
        /// Every agent's membership; those in `removed` are out of the queue for now (R73).
        members: Vec<HuntMember>,
        removed: BTreeSet<UserId>,
        /// The place each waiting chat's visitor was last told.
        told: HashMap<ChatId, usize>,
        now: i64,
    }

    impl World {
        /// Carries out effects the way the queue and agent actors do, checking each one.
        fn apply(&mut self, effects: Vec<Effect>) {
            let mut work: Vec<Effect> = effects;
            let mut rounds = 0;
            while !work.is_empty() {
                rounds += 1;
                assert!(rounds < 100, "effects never settle: {work:?}");
                let mut next = Vec::new();
                for effect in work {
                    match effect {
                        Effect::Offer {
                            chat,
                            agent,
                            offer_id,
                            ..
                        } => {
                            assert_eq!(self.chats[&chat], Fate::Waiting, "offered a settled chat");
                            assert!(!self.removed.contains(&agent), "offered to a non-member");
                            if let Some(target) = self.targets.get(&chat) {
                                assert_eq!(*target, agent, "a direct chat offered to another");
                            }
                            let offered_elsewhere = self
                                .agents
                                .values()
                                .any(|a| a.offer.map(|(c, _)| c) == Some(chat));
                            if self.router.rules().strategy != Strategy::RingAll {
                                assert!(
                                    !offered_elsewhere,
                                    "{chat:?} offered to two agents at once"
                                );
                            }
                            let holder = self.agents.get_mut(&agent).expect("a member");
                            // R27: never a second offer while the agent holds one.
                            assert!(
                                holder.offer.is_none(),
                                "{agent:?} offered two chats at once"
                            );
                            if holder.load().can_take_offer() {
                                holder.offer = Some((chat, offer_id));
                                next.extend(self.status_of(agent));
                            } else {
                                next.extend(self.router.offer_refused(chat, offer_id, self.now));
                                next.extend(self.status_of(agent));
                            }
                        }
                        Effect::Withdraw { chat, agent, why } => {
                            let holder = self.agents.get_mut(&agent).expect("a member");
                            assert_eq!(
                                holder.offer.map(|(c, _)| c),
                                Some(chat),
                                "withdrew a stranger's offer"
                            );
                            holder.offer = None;
                            if why == (Withdrawal::Expired { rona: true }) {
                                holder.presence = Presence::Rona;
                            }
                            next.extend(self.status_of(agent));
                        }
                        Effect::HuntEnded { chat, .. } => {
                            assert_eq!(self.chats[&chat], Fate::Waiting);
                            self.chats.insert(chat, Fate::Unmanaged);
                        }
                        Effect::Positions(positions) => {
                            for (chat, position) in positions {
                                assert_eq!(self.chats[&chat], Fate::Waiting, "a settled place");
                                assert_ne!(self.told.get(&chat), Some(&position), "told twice");
                                self.told.insert(chat, position);
                            }
                        }
                    }
                }
                work = next;
            }
            self.check();
        }

        fn status_of(&mut self, agent: UserId) -> Vec<Effect> {
            let status = self.agents[&agent].load().member_status();
            self.router.member_status(agent, status, self.now)
        }

        fn check(&self) {
            for agent in self.agents.values() {
                assert!(
                    agent.chats.len() as u32 <= agent.capacity.get(),
                    "over capacity"
                );
            }
            let waiting = self.chats.values().filter(|f| **f == Fate::Waiting).count();
            assert_eq!(
                self.router.waiting_count(),
                waiting,
                "a chat was lost or kept"
            );
            if waiting > 0 {
                assert!(
                    self.router.next_deadline().is_some(),
                    "waiting with no timer running"
                );
            }
            for (index, waiting) in self.router.waiting.iter().enumerate() {
                assert_eq!(
                    self.told.get(&waiting.chat),
                    Some(&(index + 1)),
                    "every visitor knows its place"
                );
            }
        }
    }

    fn run(seed: u64, rona: bool, strategy: Strategy) {
        let mut rng = Rng(seed);
        let ids: Vec<UserId> = (1..=5).map(UserId).collect();
        let members: Vec<HuntMember> = ids
            .iter()
            .map(|&agent| HuntMember {
                agent,
                hunt_order: rng.below(3) as i32,
                added_seq: agent.0,
            })
            .collect();
        let rules = QueueRules {
            offer_timeout_ms: 15_000,
            hunt_timeout_ms: 60_000,
            rona,
            strategy,
        };
        let mut world = World {
            router: QueueRouter::new(rules, &members, 0, 0),
            agents: ids
                .iter()
                .map(|&id| {
                    let capacity = Capacity::parse(1 + rng.below(3) as u32).unwrap();
                    let agent = Agent {
                        presence: Presence::Away,
                        capacity,
                        chats: BTreeSet::new(),
                        offer: None,
                    };
                    (id, agent)
                })
                .collect(),
            chats: HashMap::new(),
            targets: HashMap::new(),
            members: members.clone(),
            removed: BTreeSet::new(),
            told: HashMap::new(),
            now: 0,
        };
        let mut next_chat = 1;
        for _ in 0..3_000 {
            world.now += rng.below(4_000) as i64;
            let agent = ids[rng.below(ids.len() as u64) as usize];
            let effects = match rng.below(10) {
                9 => {
                    // R73: a supervisor takes the agent out of the queue, or puts it back.
                    if !world.removed.remove(&agent) {
                        world.removed.insert(agent);
                    }
                    let current: Vec<HuntMember> = world
                        .members
                        .iter()
                        .filter(|m| !world.removed.contains(&m.agent))
                        .copied()
                        .collect();
                    let mut effects = world.router.set_members(&current, world.now);
                    effects.extend(world.status_of(agent));
                    effects
                }
                0 | 1 => {
                    let chat = ChatId(next_chat);
                    next_chat += 1;
                    world.chats.insert(chat, Fate::Waiting);
                    world.router.chat_arrived(chat, world.now, world.now)
                }
                8 => {
                    let chat = ChatId(next_chat);
                    next_chat += 1;
                    world.chats.insert(chat, Fate::Waiting);
                    world.targets.insert(chat, agent);
                    world
                        .router
                        .direct_chat_arrived(chat, agent, world.now, world.now)
                }
                2 => {
                    let holder = world.agents.get_mut(&agent).unwrap();
                    holder.presence = match holder.presence {
                        Presence::Available => Presence::Away,
                        _ => Presence::Available,
                    };
                    world.status_of(agent)
                }
                3 => match world.agents[&agent].offer {
                    Some((chat, _)) => match world.router.claim(chat, agent, world.now) {
                        Ok(mut effects) => {
                            let holder = world.agents.get_mut(&agent).unwrap();
                            holder.offer = None;
                            holder.chats.insert(chat);
                            world.chats.insert(chat, Fate::Taken(agent));
                            effects.extend(world.status_of(agent));
                            effects
                        }
                        Err(OfferGone) => Vec::new(),
                    },
                    None => Vec::new(),
                },
                4 => match world.agents[&agent].offer {
                    Some((chat, _)) => {
                        world.agents.get_mut(&agent).unwrap().offer = None;
                        let mut effects = world.router.rejected(chat, agent, world.now);
                        effects.extend(world.status_of(agent));
                        effects
                    }
                    None => Vec::new(),
                },
                5 => {
                    let holder = world.agents.get_mut(&agent).unwrap();
                    match holder.chats.iter().next().copied() {
                        Some(chat) => {
                            holder.chats.remove(&chat);
                            world.status_of(agent)
                        }
                        None => Vec::new(),
                    }
                }
                6 => {
                    let leaving = world
                        .chats
                        .iter()
                        .find(|(_, fate)| **fate == Fate::Waiting)
                        .map(|(chat, _)| *chat);
                    match leaving {
                        Some(chat) => {
                            world.chats.insert(chat, Fate::Left);
                            world.router.chat_left(chat, world.now)
                        }
                        None => Vec::new(),
                    }
                }
                _ => world.router.tick(world.now),
            };
            world.apply(effects);
        }
        // Long after the last event every hunt is over: nothing waits forever.
        world.now += 61_000;
        let effects = world.router.tick(world.now);
        world.apply(effects);
        assert!(world.chats.values().all(|f| *f != Fate::Waiting));
        assert!(
            world.chats.values().any(|f| matches!(f, Fate::Taken(_))),
            "some chats were taken"
        );
    }

    #[test]
    fn random_events_keep_the_routing_invariants() {
        let strategies = [
            Strategy::Sequential,
            Strategy::RingAll,
            Strategy::RoundRobin,
        ];
        for seed in 1..=60 {
            run(seed * 7919, seed % 2 == 0, strategies[seed as usize % 3]);
        }
    }
}
