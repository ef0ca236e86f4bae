//! Hunting: which queue member is offered a waiting chat next.

use super::ids::{QueueId, UserId};
use super::RuleError;

/// A queue member as routing sees it (R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HuntMember {
    pub agent: UserId,
    /// Lower numbers are offered first.
    pub hunt_order: i32,
    /// When the member was added; breaks ties between equal hunt orders (R17).
    pub added_seq: i64,
}

/// R17: a member's hunt order number as an administrator sets it: lower goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HuntOrder(i32);

impl HuntOrder {
    pub const MIN: i32 = 1;
    pub const MAX: i32 = 1000;

    pub fn parse(number: i64) -> Result<HuntOrder, RuleError> {
        match i32::try_from(number) {
            Ok(n) if (Self::MIN..=Self::MAX).contains(&n) => Ok(HuntOrder(n)),
            _ => Err(RuleError::InvalidHuntOrder {
                min: Self::MIN,
                max: Self::MAX,
            }),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// R17: the order in which members are offered chats: ascending hunt order, ties broken by the
/// order in which members were added.
pub fn hunt_sequence(members: &[HuntMember]) -> Vec<UserId> {
    let mut sorted = members.to_vec();
    sorted.sort_by_key(|m| (m.hunt_order, m.added_seq));
    sorted.into_iter().map(|m| m.agent).collect()
}

/// R16, R25: the queue a direct chat for an agent waits in, so that queue hears the agent's
/// availability: `home` (the website's, or the chat's current queue) if the agent is a member,
/// else the agent's first queue. An agent of no queue cannot be reached: `None`.
pub fn direct_chat_queue(home: QueueId, agent_queues: &[QueueId]) -> Option<QueueId> {
    if agent_queues.contains(&home) {
        Some(home)
    } else {
        agent_queues.first().copied()
    }
}

/// The hunt for one waiting chat: who was offered it last and who turned it down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hunt {
    last_offered: Option<UserId>,
    rejected_by: Vec<UserId>,
}

impl Hunt {
    pub fn new() -> Hunt {
        Hunt::default()
    }

    pub fn offered(&mut self, agent: UserId) {
        self.last_offered = Some(agent);
    }

    /// R21: an agent who rejects a chat is not offered it again during this hunt.
    pub fn rejected(&mut self, agent: UserId) {
        if !self.rejected_by.contains(&agent) {
            self.rejected_by.push(agent);
        }
    }

    pub fn was_rejected_by(&self, agent: UserId) -> bool {
        self.rejected_by.contains(&agent)
    }

    /// R17, R18, A2: the next member to offer the chat to, or `None` when nobody can take it.
    ///
    /// The search starts after the member offered last and wraps around, so an expired offer
    /// moves to the next member and, once everyone was tried, the hunt cycles again. Members
    /// who rejected the chat, and members `can_take` refuses (not Available, at capacity, an
    /// offer already pending), are skipped.
    ///
    /// A hunt that has offered nothing yet starts after `first_after` if it is given (R28:
    /// round-robin starts after the agent who took the last chat), else at the top.
    pub fn next_offer(
        &self,
        sequence: &[UserId],
        first_after: Option<UserId>,
        can_take: impl Fn(UserId) -> bool,
    ) -> Option<UserId> {
        if sequence.is_empty() {
            return None;
        }
        let start = self
            .last_offered
            .or(first_after)
            .and_then(|last| sequence.iter().position(|&a| a == last))
            .map_or(0, |i| i + 1);
        (0..sequence.len())
            .map(|step| sequence[(start + step) % sequence.len()])
            .find(|&agent| !self.was_rejected_by(agent) && can_take(agent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: UserId = UserId(1);
    const B: UserId = UserId(2);
    const C: UserId = UserId(3);

    fn member(agent: UserId, hunt_order: i32, added_seq: i64) -> HuntMember {
        HuntMember {
            agent,
            hunt_order,
            added_seq,
        }
    }

    #[test]
    fn hunt_orders_are_whole_numbers_from_1_to_1000_r17() {
        assert_eq!(HuntOrder::parse(1).unwrap().get(), 1);
        assert_eq!(HuntOrder::parse(1000).unwrap().get(), 1000);
        for bad in [0, -1, 1001, i64::from(i32::MAX) + 1] {
            assert_eq!(
                HuntOrder::parse(bad),
                Err(RuleError::InvalidHuntOrder { min: 1, max: 1000 }),
                "{bad}"
            );
        }
    }

    #[test]
    fn lowest_hunt_order_goes_first_ties_by_insertion_r17() {
        let members = [member(A, 2, 1), member(B, 1, 3), member(C, 1, 2)];
        assert_eq!(hunt_sequence(&members), vec![C, B, A]);
    }

    #[test]
    fn first_offer_goes_to_the_first_eligible_member_r17() {
        let hunt = Hunt::new();
        assert_eq!(hunt.next_offer(&[A, B, C], None, |_| true), Some(A));
        assert_eq!(hunt.next_offer(&[A, B, C], None, |a| a != A), Some(B));
    }

    #[test]
    fn an_expired_offer_moves_to_the_next_member_r18() {
        let mut hunt = Hunt::new();
        hunt.offered(A);
        assert_eq!(hunt.next_offer(&[A, B, C], None, |_| true), Some(B));
        hunt.offered(C);
        assert_eq!(
            hunt.next_offer(&[A, B, C], None, |_| true),
            Some(A),
            "cycles after the last member (A2)"
        );
    }

    #[test]
    fn a_rejecting_agent_is_not_offered_the_chat_again_r21() {
        let mut hunt = Hunt::new();
        hunt.offered(A);
        hunt.rejected(A);
        hunt.offered(B);
        hunt.rejected(B);
        assert_eq!(hunt.next_offer(&[A, B, C], None, |_| true), Some(C));
        hunt.offered(C);
        hunt.rejected(C);
        assert_eq!(hunt.next_offer(&[A, B, C], None, |_| true), None);
    }

    #[test]
    fn nobody_eligible_means_no_offer() {
        assert_eq!(Hunt::new().next_offer(&[A, B], None, |_| false), None);
        assert_eq!(Hunt::new().next_offer(&[], None, |_| true), None);
    }

    #[test]
    fn a_member_removed_since_the_last_offer_restarts_from_the_top() {
        let mut hunt = Hunt::new();
        hunt.offered(B);
        assert_eq!(hunt.next_offer(&[A, C], None, |_| true), Some(A));
    }

    #[test]
    fn a_direct_chat_waits_in_a_queue_of_its_agent_r16_r25() {
        let (home, other) = (QueueId(1), QueueId(2));
        assert_eq!(direct_chat_queue(home, &[other, home]), Some(home));
        assert_eq!(direct_chat_queue(home, &[other]), Some(other));
        assert_eq!(direct_chat_queue(home, &[]), None);
    }

    #[test]
    fn round_robin_starts_after_the_last_taker_until_the_hunt_has_offered_r28() {
        let mut hunt = Hunt::new();
        assert_eq!(hunt.next_offer(&[A, B, C], Some(B), |_| true), Some(C));
        assert_eq!(
            hunt.next_offer(&[A, B, C], Some(C), |_| true),
            Some(A),
            "wraps around"
        );
        hunt.offered(C);
        assert_eq!(
            hunt.next_offer(&[A, B, C], Some(B), |_| true),
            Some(A),
            "once offered, the hunt goes on from its own last offer"
        );
    }
}
