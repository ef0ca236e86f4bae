//! The live monitor's model (issue 9, R71): what supervisors see of the contact center right
//! now — queues with their waiting count and longest wait, agents with presence and load, the
//! chats that wait or go on — and what changed between two looks at it.
//!
//! The engine takes a look (a [`Snapshot`]) only while someone watches, at most once per
//! `monitor.interval_ms`; [`Snapshot::changes_since`] turns two looks into the rows that
//! changed, so a morning rush costs each supervisor a frame per interval, not one per event.

use std::collections::HashMap;

use serde::Serialize;

use super::ids::{ChatId, QueueId, UserId};
use super::presence::{AgentLoad, Presence};

/// A queue as the engine knows it, before its waiting chats are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSeen {
    pub queue_id: QueueId,
    pub name: String,
    /// R29: inside its opening hours now.
    pub open: bool,
}

/// An agent (a user who takes chats, R25) and, if its actor runs, its presence and load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSeen {
    pub agent_id: UserId,
    pub name: String,
    /// `None`: the agent is not signed in to the engine.
    pub load: Option<AgentLoad>,
    /// R24: the reason given with Away.
    pub away_reason: Option<String>,
    /// R70: the stored capacity, shown for an agent who is not signed in.
    pub capacity: u32,
}

/// A queued or active chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSeen {
    pub chat_id: ChatId,
    pub website_key: String,
    pub queue_id: QueueId,
    pub visitor_name: String,
    pub agents: Vec<UserId>,
    /// Queued (waiting for an agent) or active.
    pub waiting: bool,
    pub requested_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueRow {
    pub queue_id: QueueId,
    pub name: String,
    pub open: bool,
    /// How many chats wait in the queue.
    pub waiting: u32,
    /// When the chat that has waited longest was requested; the client counts the time.
    pub longest_wait_since_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRow {
    pub agent_id: UserId,
    pub name: String,
    /// `available`, `away`, `rona` or `offline` (see [`shown_presence`]).
    pub presence: &'static str,
    pub away_reason: Option<String>,
    /// Chats the agent holds now.
    pub chats: u32,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatAgent {
    pub agent_id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatRow {
    pub chat_id: ChatId,
    pub website_key: String,
    pub queue_id: QueueId,
    pub queue_name: String,
    pub visitor_name: String,
    pub agents: Vec<ChatAgent>,
    /// `queued` or `active`.
    pub state: &'static str,
    pub started_at_ms: i64,
    /// While it waits for an agent: since when (the request); `None` once accepted.
    pub waiting_since_ms: Option<i64>,
}

/// Everything the monitor shows at one moment, each list in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub queues: Vec<QueueRow>,
    pub agents: Vec<AgentRow>,
    pub chats: Vec<ChatRow>,
}

/// The rows that are new or changed, and the ids of rows that are gone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    pub queues: Vec<QueueRow>,
    pub agents: Vec<AgentRow>,
    pub chats: Vec<ChatRow>,
    pub removed_queues: Vec<QueueId>,
    pub removed_agents: Vec<UserId>,
    pub removed_chats: Vec<ChatId>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
            && self.agents.is_empty()
            && self.chats.is_empty()
            && self.removed_queues.is_empty()
            && self.removed_agents.is_empty()
            && self.removed_chats.is_empty()
    }
}

/// R24, R22: the presence a supervisor sees: an agent with no dashboard open (and not just
/// reconnecting, within the grace period) is offline, whatever it chose last.
pub fn shown_presence(load: Option<&AgentLoad>) -> Presence {
    match load {
        Some(load) if load.connected || load.reconnecting => load.presence,
        _ => Presence::Offline,
    }
}

impl Snapshot {
    /// Builds the rows from what the engine reported: each queue's waiting count and longest
    /// wait come from its queued chats, each chat names its queue and agents.
    pub fn build(queues: Vec<QueueSeen>, agents: Vec<AgentSeen>, chats: Vec<ChatSeen>) -> Self {
        let mut waiting: HashMap<QueueId, (u32, Option<i64>)> = HashMap::new();
        for chat in chats.iter().filter(|c| c.waiting) {
            let entry = waiting.entry(chat.queue_id).or_default();
            entry.0 += 1;
            entry.1 = Some(
                entry
                    .1
                    .map_or(chat.requested_at_ms, |t| t.min(chat.requested_at_ms)),
            );
        }
        let queue_names: HashMap<QueueId, String> = queues
            .iter()
            .map(|q| (q.queue_id, q.name.clone()))
            .collect();
        let agent_names: HashMap<UserId, String> = agents
            .iter()
            .map(|a| (a.agent_id, a.name.clone()))
            .collect();
        let mut queue_rows: Vec<QueueRow> = queues
            .into_iter()
            .map(|q| {
                let (count, since) = waiting.get(&q.queue_id).copied().unwrap_or_default();
                QueueRow {
                    queue_id: q.queue_id,
                    name: q.name,
                    open: q.open,
                    waiting: count,
                    longest_wait_since_ms: since,
                }
            })
            .collect();
        queue_rows.sort_by_key(|q| q.queue_id);
        let mut agent_rows: Vec<AgentRow> = agents
            .into_iter()
            .map(|a| {
                let presence = shown_presence(a.load.as_ref());
                AgentRow {
                    agent_id: a.agent_id,
                    name: a.name,
                    presence: presence.as_str(),
                    away_reason: match presence {
                        Presence::Away => a.away_reason,
                        _ => None,
                    },
                    chats: a.load.as_ref().map_or(0, |l| l.open_chats),
                    capacity: a.load.as_ref().map_or(a.capacity, |l| l.capacity.get()),
                }
            })
            .collect();
        agent_rows.sort_by_key(|a| a.agent_id);
        let mut chat_rows: Vec<ChatRow> = chats
            .into_iter()
            .map(|c| ChatRow {
                chat_id: c.chat_id,
                website_key: c.website_key,
                queue_id: c.queue_id,
                queue_name: queue_names.get(&c.queue_id).cloned().unwrap_or_default(),
                visitor_name: c.visitor_name,
                agents: c
                    .agents
                    .iter()
                    .map(|id| ChatAgent {
                        agent_id: *id,
                        name: agent_names.get(id).cloned().unwrap_or_default(),
                    })
                    .collect(),
                state: if c.waiting { "queued" } else { "active" },
                started_at_ms: c.requested_at_ms,
                waiting_since_ms: c.waiting.then_some(c.requested_at_ms),
            })
            .collect();
        chat_rows.sort_by_key(|c| (c.started_at_ms, c.chat_id));
        Snapshot {
            queues: queue_rows,
            agents: agent_rows,
            chats: chat_rows,
        }
    }

    /// The rows of `self` that `before` did not have or had otherwise, and the ids of the rows
    /// `before` had that `self` has not.
    pub fn changes_since(&self, before: &Snapshot) -> Changes {
        let (queues, removed_queues) = diff(&before.queues, &self.queues, |q| q.queue_id);
        let (agents, removed_agents) = diff(&before.agents, &self.agents, |a| a.agent_id);
        let (chats, removed_chats) = diff(&before.chats, &self.chats, |c| c.chat_id);
        Changes {
            queues,
            agents,
            chats,
            removed_queues,
            removed_agents,
            removed_chats,
        }
    }
}

fn diff<T, K>(before: &[T], now: &[T], key: impl Fn(&T) -> K) -> (Vec<T>, Vec<K>)
where
    T: Clone + PartialEq,
    K: std::hash::Hash + Eq + Copy,
{
    let old: HashMap<K, &T> = before.iter().map(|row| (key(row), row)).collect();
    let changed = now
        .iter()
        .filter(|row| old.get(&key(row)) != Some(row))
        .cloned()
        .collect();
    let kept: std::collections::HashSet<K> = now.iter().map(&key).collect();
    let removed = before
        .iter()
        .map(&key)
        .filter(|k| !kept.contains(k))
        .collect();
    (changed, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::presence::Capacity;

    fn queue(id: i64, open: bool) -> QueueSeen {
        QueueSeen {
            queue_id: QueueId(id),
            name: format!("Queue {id}"),
            open,
        }
    }

    fn load(presence: Presence, connected: bool, open_chats: u32) -> AgentLoad {
        AgentLoad {
            presence,
            connected,
            reconnecting: false,
            open_chats,
            capacity: Capacity::DEFAULT,
            pending_offers: 0,
        }
    }

    fn agent(id: i64, load: Option<AgentLoad>) -> AgentSeen {
        AgentSeen {
            agent_id: UserId(id),
            name: format!("Agent {id}"),
            load,
            away_reason: Some("Lunch".to_owned()),
            capacity: 2,
        }
    }

    fn chat(id: i64, queue: i64, waiting: bool, at: i64, agents: &[i64]) -> ChatSeen {
        ChatSeen {
            chat_id: ChatId(id),
            website_key: "demo".to_owned(),
            queue_id: QueueId(queue),
            visitor_name: format!("Visitor {id}"),
            agents: agents.iter().map(|a| UserId(*a)).collect(),
            waiting,
            requested_at_ms: at,
        }
    }

    #[test]
    fn queues_count_their_waiting_chats_and_keep_the_oldest_request() {
        let snapshot = Snapshot::build(
            vec![queue(2, false), queue(1, true)],
            vec![],
            vec![
                chat(10, 1, true, 5_000, &[]),
                chat(11, 1, true, 3_000, &[]),
                chat(12, 1, false, 1_000, &[7]),
                chat(13, 2, true, 9_000, &[]),
            ],
        );
        let rows: Vec<(i64, u32, Option<i64>, bool)> = snapshot
            .queues
            .iter()
            .map(|q| (q.queue_id.0, q.waiting, q.longest_wait_since_ms, q.open))
            .collect();
        assert_eq!(
            rows,
            vec![(1, 2, Some(3_000), true), (2, 1, Some(9_000), false)]
        );
        let empty = Snapshot::build(vec![queue(1, true)], vec![], vec![]);
        assert_eq!(empty.queues[0].waiting, 0);
        assert_eq!(empty.queues[0].longest_wait_since_ms, None);
    }

    #[test]
    fn agents_without_a_dashboard_are_offline_and_away_shows_its_reason_r24() {
        let snapshot = Snapshot::build(
            vec![],
            vec![
                agent(1, Some(load(Presence::Available, true, 1))),
                agent(2, Some(load(Presence::Away, true, 0))),
                agent(3, Some(load(Presence::Available, false, 0))),
                agent(4, None),
                agent(5, Some(load(Presence::Rona, true, 0))),
            ],
            vec![],
        );
        let rows: Vec<(&str, Option<&str>, u32, u32)> = snapshot
            .agents
            .iter()
            .map(|a| (a.presence, a.away_reason.as_deref(), a.chats, a.capacity))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("available", None, 1, Capacity::DEFAULT.get()),
                ("away", Some("Lunch"), 0, Capacity::DEFAULT.get()),
                ("offline", None, 0, Capacity::DEFAULT.get()),
                ("offline", None, 0, 2),
                ("rona", None, 0, Capacity::DEFAULT.get()),
            ]
        );
        let mut reconnecting = load(Presence::Available, false, 0);
        reconnecting.reconnecting = true;
        assert_eq!(shown_presence(Some(&reconnecting)), Presence::Available);
    }

    #[test]
    fn chats_name_their_queue_and_agents_and_wait_only_while_queued() {
        let snapshot = Snapshot::build(
            vec![queue(1, true)],
            vec![agent(7, None)],
            vec![
                chat(12, 1, false, 1_000, &[7]),
                chat(10, 1, true, 5_000, &[]),
            ],
        );
        let active = &snapshot.chats[0];
        assert_eq!(
            (active.chat_id.0, active.state, active.waiting_since_ms),
            (12, "active", None)
        );
        assert_eq!(active.queue_name, "Queue 1");
        assert_eq!(active.agents[0].name, "Agent 7");
        let queued = &snapshot.chats[1];
        assert_eq!(
            (queued.state, queued.waiting_since_ms),
            ("queued", Some(5_000))
        );
    }

    #[test]
    fn changes_list_only_new_changed_and_removed_rows() {
        let before = Snapshot::build(
            vec![queue(1, true)],
            vec![agent(7, Some(load(Presence::Available, true, 0)))],
            vec![chat(10, 1, true, 5_000, &[])],
        );
        assert!(before.changes_since(&before).is_empty());
        // Chat 10 is accepted by agent 7, chat 11 arrives.
        let after = Snapshot::build(
            vec![queue(1, true)],
            vec![agent(7, Some(load(Presence::Available, true, 1)))],
            vec![
                chat(10, 1, false, 5_000, &[7]),
                chat(11, 1, true, 6_000, &[]),
            ],
        );
        let changes = after.changes_since(&before);
        assert_eq!(changes.queues[0].longest_wait_since_ms, Some(6_000));
        assert_eq!(changes.agents[0].chats, 1);
        let chats: Vec<(i64, &str)> = changes
            .chats
            .iter()
            .map(|c| (c.chat_id.0, c.state))
            .collect();
        assert_eq!(chats, vec![(10, "active"), (11, "queued")]);
        assert!(changes.removed_chats.is_empty());
        // Both end; the queue stays as it is.
        let quiet = Snapshot::build(
            vec![queue(1, true)],
            vec![agent(7, Some(load(Presence::Available, true, 0)))],
            vec![],
        );
        let changes = quiet.changes_since(&after);
        assert_eq!(changes.removed_chats, vec![ChatId(10), ChatId(11)]);
        assert_eq!(changes.queues[0].waiting, 0);
        assert!(changes.removed_queues.is_empty() && changes.removed_agents.is_empty());
    }

    #[test]
    fn a_burst_between_two_looks_is_one_change_per_row() {
        let before = Snapshot::build(vec![queue(1, true)], vec![], vec![]);
        let burst: Vec<ChatSeen> = (0..20)
            .map(|i| chat(100 + i, 1, true, 1_000 + i, &[]))
            .collect();
        let after = Snapshot::build(vec![queue(1, true)], vec![], burst);
        let changes = after.changes_since(&before);
        assert_eq!(changes.queues.len(), 1);
        assert_eq!(changes.queues[0].waiting, 20);
        assert_eq!(changes.chats.len(), 20);
    }
}
