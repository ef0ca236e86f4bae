//! Transfer, invitation and conference (R43–R46, A5, A14), carried out by the chat's actor:
//! it is the single writer of who is in the chat, and it holds the chat's one pending
//! transfer or invitation. The rules are `domain::chat::ChatLifecycle`'s (join, transfer,
//! leave, end conference) and `domain::handover`'s (who may ask, whom to offer it to next);
//! this file sends the offers, keeps their timer, stores the changes and tells everyone.
//!
//! An offer of a handover goes to the agent's actor like a queue's offer (`OfferChat`, the
//! same capacity and one-offer-at-a-time rules); the agent's accept or reject comes back here
//! (`ClaimHandover`, `HandoverDeclined`) instead of to a queue. Offers are sent without
//! waiting in a handler, so an agent whose accept waits for this actor never waits on a chat
//! that waits on it.

use std::time::Duration;

use actix::prelude::*;

use super::{reply, ChatActor, Reply, Viewer};
use crate::actors::agent::{AgentNotice, LeftChat, OfferChat, WithdrawOffer, WithdrawReason};
use crate::clock::now_ms;
use crate::domain::event::{Author, ChatEvent, EventBody, LeftBecause};
use crate::domain::handover::{
    may_request, Handover, HandoverKind, HandoverOutcome, HandoverTarget, TransferNote,
};
use crate::domain::ids::{QueueId, Seq, UserId};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::protocol::{
    HandoverOffer, OfferView, ParticipantView, PendingHandoverView, ServerFrame,
};
use crate::store::{self, chats::ParticipantChange};

/// The chat's pending transfer or invitation.
pub(super) struct PendingHandover {
    handover: Handover,
    from_name: String,
    /// R18: how long each agent has to answer: the offering queue's offer timeout.
    offer_timeout_ms: i64,
    /// The queue the offer names: the target queue, else the chat's own.
    offer_queue: QueueId,
    timer: Option<SpawnHandle>,
}

/// R43, R45: an agent of the chat asks to transfer it or to invite another agent. The caller
/// has checked the target (an agent who takes chats; a queue with its members in hunt order).
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct RequestHandover {
    pub kind: HandoverKind,
    pub from: UserId,
    pub from_name: String,
    pub target: HandoverTarget,
    pub note: Option<TransferNote>,
    /// A queue target's members in hunt order (R17); empty for an agent.
    pub queue_members: Vec<UserId>,
    pub offer_timeout_ms: i64,
    pub offer_queue: QueueId,
}

impl Handler<RequestHandover> for ChatActor {
    type Result = Result<(), AppError>;

    /// Accepted at once if the rules allow it; the offers follow, and the asking agent hears
    /// how it ended (`chat_participants`, then an event or `transfer_failed` /
    /// `invitation_declined`).
    fn handle(&mut self, msg: RequestHandover, ctx: &mut Context<Self>) -> Self::Result {
        let pending = self.handover.as_ref().map(|p| p.handover.kind);
        may_request(&self.lifecycle, msg.from, msg.target, pending)?;
        self.agent_names.insert(msg.from, msg.from_name.clone());
        self.handover = Some(PendingHandover {
            handover: Handover::new(msg.kind, msg.from, msg.target, msg.note, msg.queue_members),
            from_name: msg.from_name,
            offer_timeout_ms: msg.offer_timeout_ms.max(1),
            offer_queue: msg.offer_queue,
            timer: None,
        });
        tracing::info!(chat_id = %self.seed.chat_id, kind = ?msg.kind, "handover requested");
        self.offer_handover(ctx);
        Ok(())
    }
}

/// R43, R45: the offered agent accepts: it joins (invitation) or takes the transferring
/// agent's place (transfer).
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct ClaimHandover {
    pub agent: UserId,
    pub agent_name: String,
}

impl Handler<ClaimHandover> for ChatActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: ClaimHandover, ctx: &mut Context<Self>) -> Self::Result {
        let Some(pending) = self.handover.as_mut() else {
            return reply(Err(AppError::OfferNotFound));
        };
        if pending.handover.offered_to() != Some(msg.agent) {
            return reply(Err(AppError::OfferNotFound));
        }
        if let Some(timer) = pending.timer.take() {
            ctx.cancel_future(timer);
        }
        let (kind, from) = (pending.handover.kind, pending.handover.from);
        let note = pending.handover.note.clone();
        let from_name = pending.from_name.clone();
        let mut next = self.lifecycle.clone();
        let changed = match kind {
            HandoverKind::Transfer => next.transfer(from, msg.agent),
            HandoverKind::Invitation => next.join(msg.agent),
        };
        if let Err(rule) = changed {
            self.handover_failed(HandoverOutcome::Unavailable);
            return reply(Err(rule.into()));
        }
        let Some(owner) = next.owner() else {
            return reply(Err(AppError::Internal("a chat without agents".to_owned())));
        };
        let first = match kind {
            HandoverKind::Transfer => EventBody::Transferred {
                from_agent_id: from,
                from_agent_name: from_name.clone(),
                to_agent_id: msg.agent,
                to_agent_name: msg.agent_name.clone(),
            },
            HandoverKind::Invitation => EventBody::AgentJoined {
                agent_id: msg.agent,
                agent_name: msg.agent_name.clone(),
                conference: true,
            },
        };
        let mut events = vec![self.event(Author::System, first)];
        if let Some(note) = note {
            // R46: the note is a private event, so it reaches agents only (the next agent
            // finds it in the replay among the chat's notes), never the visitor.
            let mut event = self.event(
                Author::Agent {
                    id: from,
                    name: from_name,
                },
                EventBody::TransferNote {
                    text: note.as_str().to_owned(),
                    to_agent_id: msg.agent,
                },
            );
            event.seq = Seq(events[0].seq.0 + 1);
            event.private = true;
            events.push(event);
        }
        let change = ParticipantChange {
            chat: self.seed.chat_id,
            at_ms: events[0].at_ms,
            joined: Some(msg.agent),
            left: match kind {
                HandoverKind::Transfer => vec![from],
                HandoverKind::Invitation => vec![],
            },
            owner,
        };
        let left = change.left.clone();
        self.store_participants(events, change, next, true, move |act, _ctx| {
            act.handover = None;
            act.agent_names.insert(msg.agent, msg.agent_name);
            for agent in left {
                act.agent_left(agent, "transferred");
            }
            act.publish_participants();
        })
    }
}

/// R43, R45, A5: the offered agent turned the transfer or invitation down.
#[derive(Message)]
#[rtype(result = "()")]
pub struct HandoverDeclined {
    pub agent: UserId,
}

impl Handler<HandoverDeclined> for ChatActor {
    type Result = ();

    fn handle(&mut self, msg: HandoverDeclined, ctx: &mut Context<Self>) {
        self.handover_not_taken(msg.agent, HandoverOutcome::Rejected, ctx);
    }
}

/// R45: the agent who asked withdraws its pending transfer or invitation.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct CancelHandover {
    pub by: UserId,
}

impl Handler<CancelHandover> for ChatActor {
    type Result = Result<(), AppError>;

    fn handle(&mut self, msg: CancelHandover, ctx: &mut Context<Self>) -> Self::Result {
        match &self.handover {
            Some(pending) if pending.handover.from == msg.by => {}
            _ => return Err(RuleError::NoTransferPending.into()),
        }
        self.drop_handover(WithdrawReason::Cancelled, ctx);
        self.publish_participants();
        Ok(())
    }
}

/// R43: an agent leaves a chat that has other agents.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct LeaveChat {
    pub agent: UserId,
}

impl Handler<LeaveChat> for ChatActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: LeaveChat, _ctx: &mut Context<Self>) -> Self::Result {
        let mut next = self.lifecycle.clone();
        if let Err(rule) = next.leave(msg.agent) {
            return reply(Err(rule.into()));
        }
        self.remove_agents(next, vec![msg.agent], LeftBecause::Left)
    }
}

/// R44: the owner ends the conference: the added agents leave.
#[derive(Message)]
#[rtype(result = "Result<(), AppError>")]
pub struct EndConference {
    pub by: UserId,
}

impl Handler<EndConference> for ChatActor {
    type Result = Reply<()>;

    fn handle(&mut self, msg: EndConference, _ctx: &mut Context<Self>) -> Self::Result {
        let mut next = self.lifecycle.clone();
        match next.end_conference(msg.by) {
            Ok(removed) => self.remove_agents(next, removed, LeftBecause::Removed),
            Err(rule) => reply(Err(rule.into())),
        }
    }
}

impl ChatActor {
    /// A conference, or a pending request: what the chat's agents are shown.
    pub(super) fn in_conference(&self) -> bool {
        self.lifecycle.agents().len() > 1 || self.handover.is_some()
    }

    /// R43, R44: the `chat_participants` frame: agents (owner first) and the pending request.
    pub(super) fn participants_frame(&self) -> bytestring::ByteString {
        let agents: Vec<ParticipantView> = self
            .lifecycle
            .agents()
            .iter()
            .map(|&agent_id| ParticipantView {
                agent_id,
                agent_name: self.agent_names.get(&agent_id).cloned().unwrap_or_default(),
            })
            .collect();
        let pending = self.handover.as_ref().map(|p| {
            let (agent_id, queue_id) = match p.handover.target {
                HandoverTarget::Agent(agent) => (Some(agent), None),
                HandoverTarget::Queue(queue) => (None, Some(queue)),
            };
            PendingHandoverView {
                kind: p.handover.kind,
                from_agent_id: p.handover.from,
                agent_id,
                queue_id,
                offered_to: p.handover.offered_to(),
            }
        });
        ServerFrame::ChatParticipants {
            chat_id: self.seed.chat_id,
            owner_id: self.lifecycle.owner(),
            agents: &agents,
            pending: pending.as_ref(),
        }
        .to_text()
    }

    /// Tells the chat's agents who is in it now and what is pending.
    fn publish_participants(&mut self) {
        let frame = self.participants_frame();
        for sub in self.subscribers.values() {
            if matches!(sub.viewer, Viewer::Agent(_)) {
                sub.outbound
                    .do_send(crate::actors::Outbound::Frame(frame.clone()));
            }
        }
    }

    /// Offers the chat to the next agent of the pending request, or ends the request (A5)
    /// when nobody is left. An agent with no running actor is not signed in: the next one.
    fn offer_handover(&mut self, ctx: &mut Context<Self>) {
        loop {
            let Some(pending) = self.handover.as_mut() else {
                return;
            };
            let Some(agent) = pending.handover.next_offer(&self.lifecycle) else {
                let failure = pending.handover.failure();
                self.handover_failed(failure);
                return;
            };
            let Some(addr) = self.engine.running_agent(agent) else {
                pending
                    .handover
                    .not_taken(agent, HandoverOutcome::Unavailable);
                continue;
            };
            self.handover_round += 1;
            let round = self.handover_round;
            let Some(view) = self
                .handover
                .as_ref()
                .map(|p| self.handover_offer(p, agent))
            else {
                return;
            };
            self.publish_participants();
            addr.send(OfferChat { offer: view })
                .into_actor(self)
                .map(move |answer, act, ctx| {
                    if act.handover_round != round {
                        return;
                    }
                    if matches!(answer, Ok(Ok(()))) {
                        act.arm_handover_timer(round, agent, ctx);
                    } else {
                        act.handover_not_taken(agent, HandoverOutcome::Unavailable, ctx);
                    }
                })
                .spawn(ctx);
            return;
        }
    }

    /// What the offered agent sees: the chat as a queue's offer shows it, with who hands it
    /// over (and, for a transfer, the note).
    fn handover_offer(&self, pending: &PendingHandover, agent: UserId) -> OfferView {
        let part = HandoverOffer {
            from_agent_id: pending.handover.from,
            from_agent_name: pending.from_name.clone(),
            note: pending
                .handover
                .note
                .as_ref()
                .map(|n| n.as_str().to_owned()),
            to_queue_id: match pending.handover.target {
                HandoverTarget::Queue(queue) => Some(queue),
                HandoverTarget::Agent(_) => None,
            },
        };
        let (transfer, invitation) = match pending.handover.kind {
            HandoverKind::Transfer => (Some(part), None),
            HandoverKind::Invitation => (None, Some(part)),
        };
        OfferView {
            chat_id: self.seed.chat_id,
            queue_id: pending.offer_queue,
            queue_name: self
                .engine
                .queue_name(pending.offer_queue)
                .unwrap_or_default(),
            website_key: self.seed.website_key.clone(),
            visitor_name: self.seed.visitor_name.clone(),
            requested_at_ms: self.seed.requested_at_ms,
            expires_at_ms: now_ms() + pending.offer_timeout_ms,
            visitor_details: self.seed.visitor_details.clone(),
            direct: pending.handover.target == HandoverTarget::Agent(agent),
            transfer,
            invitation,
        }
    }

    /// R18, A5: the offer lasts the queue's offer timeout; unanswered, it is withdrawn (no
    /// RONA: the agent was not hunted by its queue) and the request goes on or fails.
    fn arm_handover_timer(&mut self, round: u64, agent: UserId, ctx: &mut Context<Self>) {
        let Some(pending) = self.handover.as_mut() else {
            return;
        };
        let wait = Duration::from_millis(pending.offer_timeout_ms as u64);
        pending.timer = Some(ctx.run_later(wait, move |act, ctx| {
            // Issue 10: not while the engine stops; the restart recovers (§4.33).
            if act.handover_round != round || act.engine.is_draining() {
                return;
            }
            if let Some(pending) = act.handover.as_mut() {
                pending.timer = None;
            }
            if let Some(addr) = act.engine.running_agent(agent) {
                addr.do_send(WithdrawOffer {
                    chat_id: act.seed.chat_id,
                    reason: WithdrawReason::Expired,
                    rona: false,
                });
            }
            act.handover_not_taken(agent, HandoverOutcome::Timeout, ctx);
        }));
    }

    /// The offered agent did not take the chat: the next one, or the end of the request.
    fn handover_not_taken(
        &mut self,
        agent: UserId,
        outcome: HandoverOutcome,
        ctx: &mut Context<Self>,
    ) {
        let Some(pending) = self.handover.as_mut() else {
            return;
        };
        if !pending.handover.not_taken(agent, outcome) {
            return;
        }
        if let Some(timer) = pending.timer.take() {
            ctx.cancel_future(timer);
        }
        self.handover_round += 1;
        self.offer_handover(ctx);
    }

    /// A5: the request is dropped, not re-offered; the chat stays as it is and the asking
    /// agent is told why.
    fn handover_failed(&mut self, outcome: HandoverOutcome) {
        let Some(pending) = self.handover.take() else {
            return;
        };
        self.handover_round += 1;
        let chat_id = self.seed.chat_id;
        let frame = match pending.handover.kind {
            HandoverKind::Transfer => ServerFrame::TransferFailed {
                chat_id,
                reason: outcome.as_str(),
            },
            HandoverKind::Invitation => ServerFrame::InvitationDeclined {
                chat_id,
                agent_id: match pending.handover.target {
                    HandoverTarget::Agent(agent) => Some(agent),
                    HandoverTarget::Queue(_) => None,
                },
                reason: outcome.as_str(),
            },
        };
        tracing::info!(chat_id = %chat_id, reason = outcome.as_str(), "handover dropped");
        if let Some(addr) = self.engine.running_agent(pending.handover.from) {
            addr.do_send(AgentNotice {
                frame: frame.to_text(),
            });
        }
        self.publish_participants();
    }

    /// Forgets the pending request (the chat ended, or its agent withdrew it), taking back
    /// an open offer.
    pub(super) fn drop_handover(&mut self, reason: WithdrawReason, ctx: &mut Context<Self>) {
        let Some(mut pending) = self.handover.take() else {
            return;
        };
        self.handover_round += 1;
        if let Some(timer) = pending.timer.take() {
            ctx.cancel_future(timer);
        }
        if let Some(agent) = pending.handover.offered_to() {
            if let Some(addr) = self.engine.running_agent(agent) {
                addr.do_send(WithdrawOffer {
                    chat_id: self.seed.chat_id,
                    reason,
                    rona: false,
                });
            }
        }
    }

    /// R43, R44: `removed` leave the chat, each with an `agent_left` event the visitor sees.
    fn remove_agents(
        &mut self,
        next: crate::domain::chat::ChatLifecycle,
        removed: Vec<UserId>,
        why: LeftBecause,
    ) -> Reply<()> {
        let Some(owner) = next.owner() else {
            return reply(Err(AppError::Internal("a chat without agents".to_owned())));
        };
        let mut events: Vec<ChatEvent> = Vec::new();
        for &agent in &removed {
            let mut event = self.event(
                Author::System,
                EventBody::AgentLeft {
                    agent_id: agent,
                    agent_name: self.agent_names.get(&agent).cloned().unwrap_or_default(),
                    reason: why,
                },
            );
            event.seq = Seq(self.last_seq.0 + 1 + events.len() as i64);
            events.push(event);
        }
        let change = ParticipantChange {
            chat: self.seed.chat_id,
            at_ms: now_ms(),
            joined: None,
            left: removed.clone(),
            owner,
        };
        let reason = match why {
            LeftBecause::Left => "left",
            LeftBecause::Removed => "removed",
        };
        self.store_participants(events, change, next, false, move |act, ctx| {
            for agent in removed {
                // A request of an agent who left goes with it.
                if act.handover.as_ref().map(|p| p.handover.from) == Some(agent) {
                    act.drop_handover(WithdrawReason::Cancelled, ctx);
                }
                act.agent_left(agent, reason);
            }
            act.publish_participants();
        })
    }

    /// Stores a change of the chat's agents with its events, then (only then) makes it the
    /// chat's state, publishes the events and runs `then`. A failed `claim` drops the request.
    fn store_participants(
        &mut self,
        events: Vec<ChatEvent>,
        change: ParticipantChange,
        next: crate::domain::chat::ChatLifecycle,
        claim: bool,
        then: impl FnOnce(&mut ChatActor, &mut Context<ChatActor>) + 'static,
    ) -> Reply<()> {
        let stored = events.clone();
        let write = self
            .engine
            .db()
            .run(move |conn| store::chats::change_participants(conn, &stored, &change));
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                if let Err(error) = written {
                    if claim {
                        // The accepting agent could not be added: the request is over (A5).
                        act.handover_failed(HandoverOutcome::Unavailable);
                    }
                    return Err(error.into());
                }
                act.lifecycle = next;
                for event in &events {
                    act.publish(event);
                }
                if let Some(last) = events.last() {
                    act.last_activity_ms = last.at_ms;
                }
                act.watch_unattended(ctx);
                then(act, ctx);
                Ok(())
            },
        )))
    }

    /// The agent is out of the chat: its sockets stop getting the chat's events and its
    /// actor frees the capacity and closes the tab.
    fn agent_left(&mut self, agent: UserId, reason: &'static str) {
        self.subscribers
            .retain(|_, sub| sub.viewer != Viewer::Agent(agent));
        if let Some(addr) = self.engine.running_agent(agent) {
            addr.do_send(LeftChat {
                chat_id: self.seed.chat_id,
                reason,
            });
        }
    }
}
