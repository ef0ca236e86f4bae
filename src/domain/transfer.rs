//! Transfer targets (R45, R46): how an agent and a queue look to an agent choosing where to
//! send a chat. Pure: the caller gathers each agent's `AgentLoad` from the running actors.

use serde::Serialize;

use super::presence::{AgentLoad, Presence};

/// How an agent stands for a transfer, from its live load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStanding {
    /// Available, signed in and below capacity: could take the chat now.
    Available,
    /// Available and signed in (or reconnecting), but at capacity or reconnecting.
    Busy,
    /// Signed in but Away or RONA.
    Away,
    /// No dashboard open: not logged in.
    Offline,
}

impl TargetStanding {
    /// R46: an agent whose dashboard is closed, or whose presence is Offline, is not logged
    /// in; a reconnecting one still counts (R24), as it does for routing.
    pub fn of(load: &AgentLoad) -> TargetStanding {
        let signed_in = load.connected || load.reconnecting;
        match load.presence {
            _ if !signed_in => TargetStanding::Offline,
            Presence::Offline => TargetStanding::Offline,
            Presence::Away | Presence::Rona => TargetStanding::Away,
            Presence::Available if load.has_room() => TargetStanding::Available,
            Presence::Available => TargetStanding::Busy,
        }
    }

    pub fn logged_in(self) -> bool {
        self != TargetStanding::Offline
    }
}

/// R46: a queue as the transfer dialog lists it: its members counted by standing, and the
/// visitors waiting in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueTargetCounts {
    pub available: u32,
    pub busy: u32,
    pub away: u32,
    pub waiting: u32,
}

impl QueueTargetCounts {
    pub fn count(members: impl IntoIterator<Item = TargetStanding>, waiting: usize) -> Self {
        let mut counts = QueueTargetCounts {
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            ..QueueTargetCounts::default()
        };
        for standing in members {
            match standing {
                TargetStanding::Available => counts.available += 1,
                TargetStanding::Busy => counts.busy += 1,
                TargetStanding::Away => counts.away += 1,
                TargetStanding::Offline => {}
            }
        }
        counts
    }

    /// R46: the dialog lists only queues with at least one logged-in agent.
    pub fn listed(&self) -> bool {
        self.available + self.busy + self.away > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::presence::Capacity;

    fn load(presence: Presence, connected: bool, open_chats: u32) -> AgentLoad {
        AgentLoad {
            presence,
            connected,
            reconnecting: false,
            open_chats,
            capacity: Capacity::parse(2).unwrap(),
            pending_offers: 0,
        }
    }

    #[test]
    fn standing_follows_presence_sockets_and_room() {
        use TargetStanding::*;
        assert_eq!(
            TargetStanding::of(&load(Presence::Available, true, 1)),
            Available
        );
        assert_eq!(
            TargetStanding::of(&load(Presence::Available, true, 2)),
            Busy
        );
        assert_eq!(TargetStanding::of(&load(Presence::Away, true, 0)), Away);
        assert_eq!(TargetStanding::of(&load(Presence::Rona, true, 0)), Away);
        assert_eq!(
            TargetStanding::of(&load(Presence::Offline, true, 0)),
            Offline
        );
        assert_eq!(
            TargetStanding::of(&load(Presence::Available, false, 0)),
            Offline
        );
        let reconnecting = AgentLoad {
            reconnecting: true,
            ..load(Presence::Available, false, 0)
        };
        assert_eq!(TargetStanding::of(&reconnecting), Busy);
    }

    #[test]
    fn queues_without_a_logged_in_member_are_not_listed() {
        use TargetStanding::*;
        let counts = QueueTargetCounts::count([Available, Busy, Busy, Away, Offline], 3);
        assert_eq!(
            counts,
            QueueTargetCounts {
                available: 1,
                busy: 2,
                away: 1,
                waiting: 3
            }
        );
        assert!(counts.listed());
        assert!(!QueueTargetCounts::count([Offline, Offline], 5).listed());
        assert!(!QueueTargetCounts::count([], 0).listed());
    }
}
