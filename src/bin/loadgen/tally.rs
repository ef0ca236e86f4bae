//! What a run sent, what arrived where, and the check that nothing was lost, duplicated,
//! reordered or given to two agents. Plain data, no sockets: the scenarios feed it.

use std::collections::{HashMap, HashSet};

use crate::histogram::Histogram;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    VisitorToAgent,
    AgentToVisitor,
}

impl Direction {
    fn tag(self) -> char {
        match self {
            Direction::VisitorToAgent => 'v',
            Direction::AgentToVisitor => 'a',
        }
    }
}

/// The text of the `k`th message of a chat: its direction, its number and the time it was
/// meant to be sent (µs since the run's epoch), from which the receiver measures latency.
pub fn message_text(direction: Direction, k: u64, intended_micros: u64) -> String {
    format!("lg {} {k} {intended_micros}", direction.tag())
}

/// The inverse of [`message_text`]; `None` for any other text.
pub fn parse_message(text: &str) -> Option<(Direction, u64, u64)> {
    let mut words = text.strip_prefix("lg ")?.split(' ');
    let direction = match words.next()? {
        "v" => Direction::VisitorToAgent,
        "a" => Direction::AgentToVisitor,
        _ => return None,
    };
    let k = words.next()?.parse().ok()?;
    let intended = words.next()?.parse().ok()?;
    Some((direction, k, intended))
}

#[derive(Debug, Default)]
struct Arrivals {
    last: Option<u64>,
    seen: HashSet<u64>,
}

#[derive(Debug, Default)]
pub struct Tally {
    pub visitor_to_agent: Histogram,
    pub agent_to_visitor: Histogram,
    sent: HashMap<(i64, Direction), u64>,
    arrivals: HashMap<(i64, Direction), Arrivals>,
    duplicates: u64,
    out_of_order: u64,
    pub errors: Vec<String>,
    assignments: HashMap<i64, Vec<usize>>,
    held: HashMap<usize, usize>,
    most_held: HashMap<usize, usize>,
}

impl Tally {
    pub fn sent(&mut self, chat: i64, direction: Direction) {
        *self.sent.entry((chat, direction)).or_default() += 1;
    }

    /// A message arrived on the other side `latency_micros` after it was meant to be sent.
    pub fn received(&mut self, chat: i64, direction: Direction, k: u64, latency_micros: u64) {
        let arrivals = self.arrivals.entry((chat, direction)).or_default();
        if !arrivals.seen.insert(k) {
            self.duplicates += 1;
            return;
        }
        if arrivals.last.is_some_and(|last| k <= last) {
            self.out_of_order += 1;
        }
        arrivals.last = Some(k);
        match direction {
            Direction::VisitorToAgent => self.visitor_to_agent.record(latency_micros),
            Direction::AgentToVisitor => self.agent_to_visitor.record(latency_micros),
        }
    }

    pub fn total_sent(&self) -> u64 {
        self.sent.values().sum()
    }

    pub fn total_delivered(&self) -> u64 {
        self.arrivals.values().map(|a| a.seen.len() as u64).sum()
    }

    /// An agent was given a chat (`chat_assigned`).
    pub fn assigned(&mut self, chat: i64, agent: usize) {
        self.assignments.entry(chat).or_default().push(agent);
        let held = self.held.entry(agent).or_default();
        *held += 1;
        let most = self.most_held.entry(agent).or_default();
        *most = (*most).max(*held);
    }

    /// A chat of an agent ended.
    pub fn released(&mut self, agent: usize) {
        if let Some(held) = self.held.get_mut(&agent) {
            *held = held.saturating_sub(1);
        }
    }

    pub fn assigned_chats(&self) -> usize {
        self.assignments.len()
    }

    /// Everything that went wrong, given what the store holds: for each chat and direction
    /// the message numbers in stored order. Empty when the run is correct.
    pub fn problems(
        &self,
        stored: &HashMap<(i64, Direction), Vec<u64>>,
        capacity: usize,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for ((chat, direction), sent) in &self.sent {
            let kept = stored.get(&(*chat, *direction)).map_or(0, Vec::len) as u64;
            let arrived = self
                .arrivals
                .get(&(*chat, *direction))
                .map_or(0, |a| a.seen.len()) as u64;
            if kept != *sent || arrived != *sent {
                problems.push(format!(
                    "chat {chat} {direction:?}: sent {sent}, stored {kept}, delivered {arrived}"
                ));
            }
        }
        for ((chat, direction), numbers) in stored {
            if numbers.windows(2).any(|pair| pair[0] >= pair[1]) {
                problems.push(format!("chat {chat} {direction:?}: stored out of order"));
            }
            if !self.sent.contains_key(&(*chat, *direction)) {
                problems.push(format!("chat {chat} {direction:?}: stored but never sent"));
            }
        }
        if self.duplicates > 0 {
            problems.push(format!("{} messages delivered twice", self.duplicates));
        }
        if self.out_of_order > 0 {
            problems.push(format!(
                "{} messages delivered out of order",
                self.out_of_order
            ));
        }
        for (chat, agents) in &self.assignments {
            if agents.len() > 1 {
                problems.push(format!("chat {chat} assigned to agents {agents:?}"));
            }
        }
        for (agent, most) in &self.most_held {
            if *most > capacity {
                problems.push(format!(
                    "agent {agent} held {most} chats at once, over its capacity {capacity}"
                ));
            }
        }
        problems.sort();
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Direction = Direction::VisitorToAgent;
    const A: Direction = Direction::AgentToVisitor;

    #[test]
    fn message_texts_round_trip() {
        let text = message_text(A, 7, 123_456);
        assert_eq!(parse_message(&text), Some((A, 7, 123_456)));
        assert_eq!(parse_message("hello"), None);
        assert_eq!(parse_message("lg x 1 2"), None);
    }

    fn stored(entries: &[(i64, Direction, &[u64])]) -> HashMap<(i64, Direction), Vec<u64>> {
        entries
            .iter()
            .map(|(chat, dir, ks)| ((*chat, *dir), ks.to_vec()))
            .collect()
    }

    #[test]
    fn a_clean_run_has_no_problems() {
        let mut tally = Tally::default();
        tally.assigned(1, 0);
        for k in [0, 2] {
            tally.sent(1, V);
            tally.received(1, V, k, 500);
        }
        tally.sent(1, A);
        tally.received(1, A, 1, 700);
        let kept = stored(&[(1, V, &[0, 2]), (1, A, &[1])]);
        assert_eq!(tally.problems(&kept, 1), Vec::<String>::new());
        assert_eq!(tally.total_sent(), 3);
        assert_eq!(tally.total_delivered(), 3);
        assert_eq!(tally.visitor_to_agent.len(), 2);
    }

    #[test]
    fn loss_duplicates_disorder_and_double_assignment_are_reported() {
        let mut tally = Tally::default();
        for _ in 0..3 {
            tally.sent(1, V);
        }
        tally.received(1, V, 2, 1);
        tally.received(1, V, 0, 1); // out of order
        tally.received(1, V, 0, 1); // twice
        tally.assigned(1, 0);
        tally.assigned(1, 1);
        tally.assigned(2, 1);
        let kept = stored(&[(1, V, &[2, 0]), (3, A, &[5])]);
        let problems = tally.problems(&kept, 1);
        let all = problems.join("\n");
        assert!(
            all.contains("chat 1 VisitorToAgent: sent 3, stored 2, delivered 2"),
            "{all}"
        );
        assert!(all.contains("stored out of order"), "{all}");
        assert!(all.contains("stored but never sent"), "{all}");
        assert!(all.contains("1 messages delivered twice"), "{all}");
        assert!(all.contains("1 messages delivered out of order"), "{all}");
        assert!(all.contains("chat 1 assigned to agents [0, 1]"), "{all}");
        assert!(all.contains("agent 1 held 2 chats at once"), "{all}");
    }

    #[test]
    fn released_chats_free_the_agent() {
        let mut tally = Tally::default();
        tally.assigned(1, 0);
        tally.released(0);
        tally.assigned(2, 0);
        assert_eq!(tally.problems(&HashMap::new(), 1), Vec::<String>::new());
    }
}
