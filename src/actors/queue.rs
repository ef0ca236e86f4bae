//! `QueueActor`: one per queue, the single writer of its routing decisions, so two agents can
//! never be handed the same chat. Waiting chats are served first in, first out; each is offered
//! to one member at a time in hunt order (R17, R18, R21, R27).

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use actix::prelude::*;

use super::agent::{OfferChat, WithdrawOffer, WithdrawReason};
use super::chat::ChatSeed;
use super::Engine;
use crate::clock::now_ms;
use crate::domain::ids::{ChatId, QueueId, UserId};
use crate::domain::routing::{hunt_sequence, Hunt, HuntMember};
use crate::error::AppError;
use crate::protocol::OfferView;
use crate::store::queues::QueueRow;

pub struct QueueActor {
    engine: Engine,
    id: QueueId,
    name: String,
    offer_timeout: Duration,
    rona_enabled: bool,
    /// R17: members in the order they are offered chats.
    sequence: Vec<UserId>,
    waiting: VecDeque<WaitingChat>,
    /// Members who said they can take an offer now (Available, connected, below capacity, no
    /// offer pending). The agent's actor has the last word: it refuses an offer it cannot take.
    ready: HashSet<UserId>,
    next_offer_id: u64,
}

struct WaitingChat {
    chat_id: ChatId,
    visitor_name: String,
    visitor_details: serde_json::Value,
    website_key: String,
    requested_at_ms: i64,
    hunt: Hunt,
    offer: Option<OpenOffer>,
}

struct OpenOffer {
    id: u64,
    agent: UserId,
    timer: SpawnHandle,
}

impl QueueActor {
    pub fn new(engine: Engine, row: QueueRow, members: Vec<HuntMember>) -> QueueActor {
        QueueActor {
            engine,
            id: QueueId(row.id),
            name: row.name,
            offer_timeout: Duration::from_millis(row.offer_timeout_ms.max(1) as u64),
            rona_enabled: row.rona_enabled,
            sequence: hunt_sequence(&members),
            waiting: VecDeque::new(),
            ready: HashSet::new(),
            next_offer_id: 1,
        }
    }

    fn position(&self, chat_id: ChatId) -> Option<usize> {
        self.waiting.iter().position(|w| w.chat_id == chat_id)
    }

    /// Offers every waiting chat that has no open offer to the next member who can take it,
    /// oldest chat first. Run on every change that could make an offer possible.
    fn dispatch(&mut self, ctx: &mut Context<Self>) {
        let mut offered: HashSet<UserId> = self
            .waiting
            .iter()
            .filter_map(|w| w.offer.as_ref().map(|o| o.agent))
            .collect();
        for index in 0..self.waiting.len() {
            if self.waiting[index].offer.is_some() {
                continue;
            }
            let ready = &self.ready;
            let next = self.waiting[index].hunt.next_offer(&self.sequence, |a| {
                ready.contains(&a) && !offered.contains(&a)
            });
            let Some(agent) = next else { continue };
            offered.insert(agent);
            self.ready.remove(&agent);
            self.offer(index, agent, ctx);
        }
    }

    fn offer(&mut self, index: usize, agent: UserId, ctx: &mut Context<Self>) {
        let Some(agent_addr) = self.engine.running_agent(agent) else {
            return;
        };
        let offer_id = self.next_offer_id;
        self.next_offer_id += 1;
        let waiting = &mut self.waiting[index];
        let chat_id = waiting.chat_id;
        let timer = ctx.run_later(self.offer_timeout, move |act, ctx| {
            act.offer_expired(chat_id, offer_id, ctx)
        });
        waiting.hunt.offered(agent);
        waiting.offer = Some(OpenOffer {
            id: offer_id,
            agent,
            timer,
        });
        let view = OfferView {
            chat_id,
            queue_id: self.id,
            queue_name: self.name.clone(),
            website_key: waiting.website_key.clone(),
            visitor_name: waiting.visitor_name.clone(),
            requested_at_ms: waiting.requested_at_ms,
            expires_at_ms: now_ms() + self.offer_timeout.as_millis() as i64,
            visitor_details: waiting.visitor_details.clone(),
        };
        tracing::debug!(queue = %self.id, chat = %chat_id, agent = %agent, "offering chat");
        agent_addr
            .send(OfferChat { offer: view })
            .into_actor(self)
            .map(move |answer, act, ctx| {
                if !matches!(answer, Ok(Ok(()))) {
                    act.offer_refused(chat_id, offer_id, ctx);
                }
            })
            .spawn(ctx);
    }

    /// The agent could not take the offer after all (it became busy meanwhile): try the next.
    fn offer_refused(&mut self, chat_id: ChatId, offer_id: u64, ctx: &mut Context<Self>) {
        if let Some(offer) = self.take_offer(chat_id, offer_id, ctx) {
            self.ready.remove(&offer.agent);
        }
        self.dispatch(ctx);
    }

    /// R18, A3: the offer's time ran out: withdraw it (RONA for the agent if the queue says
    /// so) and offer the chat to the next member.
    fn offer_expired(&mut self, chat_id: ChatId, offer_id: u64, ctx: &mut Context<Self>) {
        if let Some(offer) = self.take_offer(chat_id, offer_id, ctx) {
            tracing::info!(queue = %self.id, chat = %chat_id, agent = %offer.agent, "offer expired");
            if let Some(agent) = self.engine.running_agent(offer.agent) {
                agent.do_send(WithdrawOffer {
                    chat_id,
                    reason: WithdrawReason::Expired,
                    rona: self.rona_enabled,
                });
            }
        }
        self.dispatch(ctx);
    }

    /// Removes the open offer of a chat if it is the one named, cancelling its timer.
    fn take_offer(
        &mut self,
        chat_id: ChatId,
        offer_id: u64,
        ctx: &mut Context<Self>,
    ) -> Option<OpenOffer> {
        let index = self.position(chat_id)?;
        let waiting = &mut self.waiting[index];
        if waiting.offer.as_ref().map(|o| o.id) != Some(offer_id) {
            return None;
        }
        let offer = waiting.offer.take()?;
        ctx.cancel_future(offer.timer);
        Some(offer)
    }
}

impl Actor for QueueActor {
    type Context = Context<Self>;
}

impl Supervised for QueueActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(queue = %self.id, "queue actor restarting");
    }
}

/// A chat starts waiting in this queue (new, or rebuilt after a restart in its old order).
#[derive(Message)]
#[rtype(result = "()")]
pub struct EnqueueChat {
    pub chat_id: ChatId,
    pub visitor_name: String,
    pub visitor_details: serde_json::Value,
    pub website_key: String,
    pub requested_at_ms: i64,
}

impl EnqueueChat {
    pub fn from_offer(offer: &OfferView) -> EnqueueChat {
        EnqueueChat {
            chat_id: offer.chat_id,
            visitor_name: offer.visitor_name.clone(),
            visitor_details: offer.visitor_details.clone(),
            website_key: offer.website_key.clone(),
            requested_at_ms: offer.requested_at_ms,
        }
    }

    pub fn from_seed(seed: &ChatSeed) -> EnqueueChat {
        EnqueueChat {
            chat_id: seed.chat_id,
            visitor_name: seed.visitor_name.clone(),
            visitor_details: seed.visitor_details.clone(),
            website_key: seed.website_key.clone(),
            requested_at_ms: seed.requested_at_ms,
        }
    }
}

impl Handler<EnqueueChat> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: EnqueueChat, ctx: &mut Context<Self>) {
        if self.position(msg.chat_id).is_some() {
            return;
        }
        // First in, first out by request time, so a chat that comes back keeps its place.
        let index = self
            .waiting
            .iter()
            .position(|w| w.requested_at_ms > msg.requested_at_ms)
            .unwrap_or(self.waiting.len());
        self.waiting.insert(
            index,
            WaitingChat {
                chat_id: msg.chat_id,
                visitor_name: msg.visitor_name,
                visitor_details: msg.visitor_details,
                website_key: msg.website_key,
                requested_at_ms: msg.requested_at_ms,
                hunt: Hunt::new(),
                offer: None,
            },
        );
        self.dispatch(ctx);
    }
}

/// An agent's actor tells its queues whether it can take an offer now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AgentAvailability {
    pub agent: UserId,
    pub can_take_offer: bool,
}

impl Handler<AgentAvailability> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: AgentAvailability, ctx: &mut Context<Self>) {
        if !self.sequence.contains(&msg.agent) {
            return;
        }
        if msg.can_take_offer {
            self.ready.insert(msg.agent);
            self.dispatch(ctx);
        } else {
            self.ready.remove(&msg.agent);
        }
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
        let index = self.position(msg.chat_id).ok_or(AppError::OfferNotFound)?;
        match &self.waiting[index].offer {
            Some(offer) if offer.agent == msg.agent => {
                if let Some(waiting) = self.waiting.remove(index) {
                    if let Some(offer) = waiting.offer {
                        ctx.cancel_future(offer.timer);
                    }
                }
                Ok(())
            }
            _ => Err(AppError::OfferNotFound),
        }
    }
}

/// R21: the agent turned the offer down; it goes to the next member and never back to them
/// during this hunt.
#[derive(Message)]
#[rtype(result = "()")]
pub struct OfferRejected {
    pub chat_id: ChatId,
    pub agent: UserId,
}

impl Handler<OfferRejected> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: OfferRejected, ctx: &mut Context<Self>) {
        let Some(index) = self.position(msg.chat_id) else {
            return;
        };
        let waiting = &mut self.waiting[index];
        waiting.hunt.rejected(msg.agent);
        if waiting.offer.as_ref().map(|o| o.agent) == Some(msg.agent) {
            if let Some(offer) = waiting.offer.take() {
                ctx.cancel_future(offer.timer);
            }
        }
        self.dispatch(ctx);
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
        let Some(index) = self.position(msg.chat_id) else {
            return;
        };
        let Some(waiting) = self.waiting.remove(index) else {
            return;
        };
        if let Some(offer) = waiting.offer {
            ctx.cancel_future(offer.timer);
            if let Some(agent) = self.engine.running_agent(offer.agent) {
                agent.do_send(WithdrawOffer {
                    chat_id: msg.chat_id,
                    reason: WithdrawReason::ChatEnded,
                    rona: false,
                });
            }
        }
        self.dispatch(ctx);
    }
}
