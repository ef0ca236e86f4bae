//! Agent presence and capacity: who may be offered a chat right now.

use serde::{Deserialize, Serialize};

use super::queue::MemberStatus;
use super::RuleError;

/// R24: an agent's state. RONA and Offline are set by the engine, never chosen by the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
    /// R22, R23: an offer expired unanswered; no offers until the agent is Available again.
    Rona,
    Offline,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Away => "away",
            Presence::Rona => "rona",
            Presence::Offline => "offline",
        }
    }

    pub fn from_stored(value: &str) -> Option<Presence> {
        match value {
            "available" => Some(Presence::Available),
            "away" => Some(Presence::Away),
            "rona" => Some(Presence::Rona),
            "offline" => Some(Presence::Offline),
            _ => None,
        }
    }
}

/// The states an agent may pick by hand (R23: never RONA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChosenPresence {
    Available,
    Away,
}

impl From<ChosenPresence> for Presence {
    fn from(chosen: ChosenPresence) -> Presence {
        match chosen {
            ChosenPresence::Available => Presence::Available,
            ChosenPresence::Away => Presence::Away,
        }
    }
}

/// R26, A4: how many chats an agent may hold at once, 1 to 20 (default 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Capacity(u32);

impl Capacity {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 20;
    pub const DEFAULT: Capacity = Capacity(3);

    pub fn parse(chats: u32) -> Result<Capacity, RuleError> {
        if (Self::MIN..=Self::MAX).contains(&chats) {
            Ok(Capacity(chats))
        } else {
            Err(RuleError::InvalidCapacity {
                min: Self::MIN,
                max: Self::MAX,
            })
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Capacity {
    type Error = RuleError;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Capacity::parse(value)
    }
}

impl From<Capacity> for u32 {
    fn from(capacity: Capacity) -> u32 {
        capacity.0
    }
}

/// Everything that decides whether an agent can be offered one more chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentLoad {
    pub presence: Presence,
    /// At least one dashboard socket is open.
    pub connected: bool,
    /// No socket is open, but the last one dropped less than the grace period ago (R24): the
    /// agent is probably reconnecting and is not counted as gone yet.
    pub reconnecting: bool,
    pub open_chats: u32,
    pub capacity: Capacity,
    pub pending_offers: u32,
}

impl AgentLoad {
    /// R22, R26, R27: only a connected, Available agent below capacity with no offer pending
    /// gets an offer, so the first agent of the morning is not flooded with the backlog.
    pub fn can_take_offer(&self) -> bool {
        self.presence == Presence::Available
            && self.connected
            && self.open_chats < self.capacity.get()
            && self.pending_offers == 0
    }

    /// R30: counts toward its queues being available: Available, connected and below
    /// capacity. Unlike `can_take_offer`, an offer it holds does not matter.
    pub fn has_room(&self) -> bool {
        self.presence == Presence::Available
            && self.connected
            && self.open_chats < self.capacity.get()
    }

    /// R35: may the agent take a waiting chat straight from the client preview? Only while
    /// Available and below capacity; an offer the agent holds counts as a chat it may still
    /// accept, so picking never lets an agent exceed its capacity later (R26).
    pub fn may_pick(&self) -> Result<(), RuleError> {
        if self.presence != Presence::Available {
            return Err(RuleError::NotAvailable);
        }
        if self.open_chats + self.pending_offers >= self.capacity.get() {
            return Err(RuleError::AtCapacity);
        }
        Ok(())
    }

    /// What the agent's queues need to know (R22, R24, R26, R27): ready for an offer now,
    /// busy (Available but not free now, or reconnecting), or unavailable for this hunt.
    pub fn member_status(&self) -> MemberStatus {
        if self.presence != Presence::Available || !(self.connected || self.reconnecting) {
            MemberStatus::Unavailable
        } else if self.can_take_offer() {
            MemberStatus::Ready
        } else {
            MemberStatus::Busy
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn available() -> AgentLoad {
        AgentLoad {
            presence: Presence::Available,
            connected: true,
            reconnecting: false,
            open_chats: 0,
            capacity: Capacity::DEFAULT,
            pending_offers: 0,
        }
    }

    #[test]
    fn an_available_connected_agent_with_room_takes_offers_r22_r26() {
        assert!(available().can_take_offer());
    }

    #[test]
    fn only_available_agents_take_offers_r22() {
        for presence in [Presence::Away, Presence::Rona, Presence::Offline] {
            let load = AgentLoad {
                presence,
                ..available()
            };
            assert!(!load.can_take_offer(), "{presence:?}");
        }
    }

    #[test]
    fn an_agent_at_capacity_takes_no_offer_r26() {
        let load = AgentLoad {
            open_chats: 3,
            ..available()
        };
        assert!(!load.can_take_offer());
        let load = AgentLoad {
            open_chats: 2,
            ..available()
        };
        assert!(load.can_take_offer());
    }

    #[test]
    fn one_offer_at_a_time_r27() {
        let load = AgentLoad {
            pending_offers: 1,
            ..available()
        };
        assert!(!load.can_take_offer());
    }

    #[test]
    fn a_disconnected_agent_takes_no_offer() {
        let load = AgentLoad {
            connected: false,
            ..available()
        };
        assert!(!load.can_take_offer());
    }

    #[test]
    fn queues_see_ready_busy_or_unavailable_r24_r26() {
        assert_eq!(available().member_status(), MemberStatus::Ready);
        let full = AgentLoad {
            open_chats: 3,
            ..available()
        };
        assert_eq!(full.member_status(), MemberStatus::Busy);
        let offered = AgentLoad {
            pending_offers: 1,
            ..available()
        };
        assert_eq!(offered.member_status(), MemberStatus::Busy);
        let reconnecting = AgentLoad {
            connected: false,
            reconnecting: true,
            ..available()
        };
        assert_eq!(reconnecting.member_status(), MemberStatus::Busy);
        let gone = AgentLoad {
            connected: false,
            ..available()
        };
        assert_eq!(gone.member_status(), MemberStatus::Unavailable);
        for presence in [Presence::Away, Presence::Rona, Presence::Offline] {
            let load = AgentLoad {
                presence,
                ..available()
            };
            assert_eq!(load.member_status(), MemberStatus::Unavailable);
        }
    }

    #[test]
    fn room_counts_capacity_and_connection_but_not_a_pending_offer_r30() {
        let with_offer = AgentLoad {
            pending_offers: 1,
            ..available()
        };
        assert!(with_offer.has_room() && !with_offer.can_take_offer());
        let full = AgentLoad {
            open_chats: Capacity::DEFAULT.get(),
            ..available()
        };
        assert!(!full.has_room());
        let reconnecting = AgentLoad {
            connected: false,
            reconnecting: true,
            ..available()
        };
        assert!(!reconnecting.has_room());
        let away = AgentLoad {
            presence: Presence::Away,
            ..available()
        };
        assert!(!away.has_room());
    }

    #[test]
    fn only_an_available_agent_below_capacity_may_pick_r35_r26() {
        assert_eq!(available().may_pick(), Ok(()));
        let away = AgentLoad {
            presence: Presence::Away,
            ..available()
        };
        assert_eq!(away.may_pick(), Err(RuleError::NotAvailable));
        let full = AgentLoad {
            open_chats: 3,
            ..available()
        };
        assert_eq!(full.may_pick(), Err(RuleError::AtCapacity));
        let offered = AgentLoad {
            open_chats: 2,
            pending_offers: 1,
            ..available()
        };
        assert_eq!(offered.may_pick(), Err(RuleError::AtCapacity));
    }

    #[test]
    fn capacity_is_between_1_and_20_a4() {
        assert!(Capacity::parse(0).is_err());
        assert_eq!(Capacity::parse(1).unwrap().get(), 1);
        assert_eq!(Capacity::parse(20).unwrap().get(), 20);
        assert!(Capacity::parse(21).is_err());
        assert_eq!(Capacity::DEFAULT.get(), 3);
    }

    #[test]
    fn agents_cannot_choose_rona_r23() {
        assert!(serde_json::from_str::<ChosenPresence>("\"rona\"").is_err());
        assert_eq!(
            Presence::from(serde_json::from_str::<ChosenPresence>("\"away\"").unwrap()),
            Presence::Away
        );
    }
}
