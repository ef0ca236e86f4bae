//! Handing an active chat to other agents (R43–R46, A5, A14): a transfer gives it to another
//! agent or a queue's agents; an invitation adds an agent to it (a conference). Pure rules:
//! who may ask, one request pending per chat, whom to offer it to next, how it ended.

use serde::Serialize;

use super::chat::ChatLifecycle;
use super::ids::{QueueId, UserId};
use super::routing::Hunt;
use super::{plain_text, RuleError};

/// What the agent asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverKind {
    /// R45: the chat goes to the agent who accepts; the asking agent leaves it.
    Transfer,
    /// R43, R44: the agent who accepts joins; the asking agent stays.
    Invitation,
}

/// R43, R45: to one named agent, or to the agents of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverTarget {
    Agent(UserId),
    Queue(QueueId),
}

impl HandoverTarget {
    /// Exactly one of the two must be named.
    pub fn parse(
        agent: Option<UserId>,
        queue: Option<QueueId>,
    ) -> Result<HandoverTarget, RuleError> {
        match (agent, queue) {
            (Some(agent), None) => Ok(HandoverTarget::Agent(agent)),
            (None, Some(queue)) => Ok(HandoverTarget::Queue(queue)),
            _ => Err(RuleError::InvalidHandoverTarget),
        }
    }
}

/// R46: the note a transferring agent leaves for the next one (agents only, never the
/// visitor). Blank means no note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TransferNote(String);

impl TransferNote {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: Option<&str>) -> Result<Option<TransferNote>, RuleError> {
        let Some(raw) = raw else { return Ok(None) };
        match plain_text(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyMessage,
            RuleError::NoteTooLong {
                max: Self::MAX_CHARS,
            },
        ) {
            Ok(text) => Ok(Some(TransferNote(text.to_owned()))),
            Err(RuleError::EmptyMessage) => Ok(None),
            Err(other) => Err(other),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R43, R45: may `from` ask for this handover now? Only an agent in the active chat (so only
/// after accepting), not to an agent already in it (itself included), and only while no other
/// transfer or invitation of the chat is pending.
pub fn may_request(
    chat: &ChatLifecycle,
    from: UserId,
    target: HandoverTarget,
    pending: Option<HandoverKind>,
) -> Result<(), RuleError> {
    chat.may_post(super::chat::Poster::Agent(from))?;
    if let HandoverTarget::Agent(agent) = target {
        if chat.has_agent(agent) {
            return Err(RuleError::AgentAlreadyInChat);
        }
    }
    match pending {
        None => Ok(()),
        Some(HandoverKind::Transfer) => Err(RuleError::TransferPending),
        Some(HandoverKind::Invitation) => Err(RuleError::InvitationPending),
    }
}

/// A14: the random agent of an invitation to a queue: uniformly among `eligible` (the
/// queue's Available agents with room, not in the chat), by a roll the caller draws.
pub fn pick_random(eligible: &[UserId], roll: usize) -> Result<UserId, RuleError> {
    if eligible.is_empty() {
        return Err(RuleError::NoAgentAvailable);
    }
    Ok(eligible[roll % eligible.len()])
}

/// Why an agent did not take the chat it was offered, and so (A5) why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverOutcome {
    /// The agent turned it down.
    Rejected,
    /// The offer timed out unanswered.
    Timeout,
    /// The agent could not take an offer (not signed in, not Available, at capacity, another
    /// offer open).
    Unavailable,
    /// R45, A5: the queue's hunt reached everyone without a taker.
    NoAgentAvailable,
}

impl HandoverOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverOutcome::Rejected => "rejected",
            HandoverOutcome::Timeout => "timeout",
            HandoverOutcome::Unavailable => "unavailable",
            HandoverOutcome::NoAgentAvailable => "no_agent_available",
        }
    }
}

/// One pending handover of a chat: who asked, for what, and whom it is being offered to.
///
/// A named agent is offered the chat once; its answer is the request's end (A5: dropped, not
/// re-offered). A queue's members are offered it one after another in hunt order (R17), each
/// once, skipping the agents already in the chat; when none is left the request fails (A5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub kind: HandoverKind,
    pub from: UserId,
    pub target: HandoverTarget,
    pub note: Option<TransferNote>,
    sequence: Vec<UserId>,
    hunt: Hunt,
    offered_to: Option<UserId>,
    last_outcome: Option<HandoverOutcome>,
}

impl Handover {
    /// `queue_members` in hunt order (`routing::hunt_sequence`); ignored for a named agent.
    pub fn new(
        kind: HandoverKind,
        from: UserId,
        target: HandoverTarget,
        note: Option<TransferNote>,
        queue_members: Vec<UserId>,
    ) -> Handover {
        let sequence = match target {
            HandoverTarget::Agent(agent) => vec![agent],
            HandoverTarget::Queue(_) => queue_members,
        };
        Handover {
            kind,
            from,
            target,
            note: note.filter(|_| kind == HandoverKind::Transfer),
            sequence,
            hunt: Hunt::new(),
            offered_to: None,
            last_outcome: None,
        }
    }

    /// The agent holding the offer now, if any.
    pub fn offered_to(&self) -> Option<UserId> {
        self.offered_to
    }

    /// The next agent to offer the chat to, now marked as offered; `None` when nobody is
    /// left: then `failure` says why.
    pub fn next_offer(&mut self, chat: &ChatLifecycle) -> Option<UserId> {
        let from = self.from;
        let next = self
            .hunt
            .next_offer(&self.sequence, None, |a| a != from && !chat.has_agent(a))?;
        self.hunt.offered(next);
        self.offered_to = Some(next);
        Some(next)
    }

    /// The agent offered the chat did not take it; it is not offered it again (R21).
    pub fn not_taken(&mut self, agent: UserId, outcome: HandoverOutcome) -> bool {
        if self.offered_to != Some(agent) {
            return false;
        }
        self.hunt.rejected(agent);
        self.offered_to = None;
        self.last_outcome = Some(outcome);
        true
    }

    /// A5: why the request ended without a taker: a named agent's own answer; for a queue,
    /// that its hunt found nobody.
    pub fn failure(&self) -> HandoverOutcome {
        match self.target {
            HandoverTarget::Agent(_) => self.last_outcome.unwrap_or(HandoverOutcome::Unavailable),
            HandoverTarget::Queue(_) => HandoverOutcome::NoAgentAvailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const CAROL: UserId = UserId(3);
    const DAN: UserId = UserId(4);

    fn active_with(agents: &[UserId]) -> ChatLifecycle {
        let mut chat = ChatLifecycle::new();
        chat.accept(agents[0]).unwrap();
        for &a in &agents[1..] {
            chat.join(a).unwrap();
        }
        chat
    }

    #[test]
    fn exactly_one_target_r43_r45() {
        assert_eq!(
            HandoverTarget::parse(Some(BOB), None),
            Ok(HandoverTarget::Agent(BOB))
        );
        assert_eq!(
            HandoverTarget::parse(None, Some(QueueId(2))),
            Ok(HandoverTarget::Queue(QueueId(2)))
        );
        assert_eq!(
            HandoverTarget::parse(Some(BOB), Some(QueueId(2))),
            Err(RuleError::InvalidHandoverTarget)
        );
        assert_eq!(
            HandoverTarget::parse(None, None),
            Err(RuleError::InvalidHandoverTarget)
        );
    }

    #[test]
    fn a_note_is_optional_plain_text_r46() {
        assert_eq!(TransferNote::parse(None), Ok(None));
        assert_eq!(TransferNote::parse(Some("  ")), Ok(None));
        assert_eq!(
            TransferNote::parse(Some("wants a refund <3"))
                .unwrap()
                .unwrap()
                .as_str(),
            "wants a refund <3"
        );
        assert_eq!(
            TransferNote::parse(Some(&"x".repeat(1001))),
            Err(RuleError::NoteTooLong { max: 1000 })
        );
        assert_eq!(
            TransferNote::parse(Some("a\u{0}b")),
            Err(RuleError::ControlCharacters)
        );
    }

    #[test]
    fn only_an_agent_of_the_active_chat_may_ask_r44_r45() {
        let waiting = ChatLifecycle::new();
        assert_eq!(
            may_request(&waiting, ALICE, HandoverTarget::Agent(BOB), None),
            Err(RuleError::NotAParticipant)
        );
        let chat = active_with(&[ALICE]);
        assert_eq!(
            may_request(&chat, BOB, HandoverTarget::Agent(CAROL), None),
            Err(RuleError::NotAParticipant)
        );
        assert_eq!(
            may_request(&chat, ALICE, HandoverTarget::Agent(ALICE), None),
            Err(RuleError::AgentAlreadyInChat),
            "not to itself"
        );
        assert_eq!(
            may_request(&chat, ALICE, HandoverTarget::Queue(QueueId(1)), None),
            Ok(())
        );
        let mut ended = active_with(&[ALICE]);
        ended.end(crate::domain::chat::EndedBy::Visitor).unwrap();
        assert_eq!(
            may_request(&ended, ALICE, HandoverTarget::Agent(BOB), None),
            Err(RuleError::ChatEnded)
        );
    }

    #[test]
    fn one_request_pending_at_a_time_r43() {
        let chat = active_with(&[ALICE]);
        let to_bob = HandoverTarget::Agent(BOB);
        assert_eq!(
            may_request(&chat, ALICE, to_bob, Some(HandoverKind::Transfer)),
            Err(RuleError::TransferPending)
        );
        assert_eq!(
            may_request(&chat, ALICE, to_bob, Some(HandoverKind::Invitation)),
            Err(RuleError::InvitationPending)
        );
    }

    #[test]
    fn a_random_agent_is_picked_uniformly_among_the_eligible_a14() {
        assert_eq!(pick_random(&[], 7), Err(RuleError::NoAgentAvailable));
        let eligible = [BOB, CAROL, DAN];
        let picks: Vec<UserId> = (0..6)
            .map(|roll| pick_random(&eligible, roll).unwrap())
            .collect();
        assert_eq!(picks, [BOB, CAROL, DAN, BOB, CAROL, DAN]);
    }

    #[test]
    fn a_named_agent_is_offered_once_and_its_answer_ends_the_request_a5() {
        let chat = active_with(&[ALICE]);
        let note = TransferNote::parse(Some("VIP")).unwrap();
        let mut handover = Handover::new(
            HandoverKind::Transfer,
            ALICE,
            HandoverTarget::Agent(BOB),
            note,
            vec![],
        );
        assert_eq!(handover.next_offer(&chat), Some(BOB));
        assert_eq!(handover.offered_to(), Some(BOB));
        assert!(
            !handover.not_taken(CAROL, HandoverOutcome::Rejected),
            "not CAROL's"
        );
        assert!(handover.not_taken(BOB, HandoverOutcome::Timeout));
        assert_eq!(handover.next_offer(&chat), None, "never re-offered");
        assert_eq!(handover.failure(), HandoverOutcome::Timeout);
    }

    #[test]
    fn a_queue_is_hunted_in_order_skipping_the_chats_agents_r45_a5() {
        let chat = active_with(&[ALICE, CAROL]);
        let mut handover = Handover::new(
            HandoverKind::Transfer,
            ALICE,
            HandoverTarget::Queue(QueueId(1)),
            None,
            vec![ALICE, BOB, CAROL, DAN],
        );
        assert_eq!(handover.next_offer(&chat), Some(BOB));
        handover.not_taken(BOB, HandoverOutcome::Rejected);
        assert_eq!(handover.next_offer(&chat), Some(DAN));
        handover.not_taken(DAN, HandoverOutcome::Unavailable);
        assert_eq!(handover.next_offer(&chat), None);
        assert_eq!(handover.failure(), HandoverOutcome::NoAgentAvailable);
    }

    #[test]
    fn an_invitation_carries_no_note_r43() {
        let note = TransferNote::parse(Some("hi")).unwrap();
        let invitation = Handover::new(
            HandoverKind::Invitation,
            ALICE,
            HandoverTarget::Agent(BOB),
            note,
            vec![],
        );
        assert_eq!(invitation.note, None);
    }
}
