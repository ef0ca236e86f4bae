//! Predefined messages (R41, R68, R53, A7): texts supervisors set up for agents, with
//! `<name>` placeholders expanded when an agent picks one for a chat.

use super::chat::MessageText;
use super::ids::{QueueId, UserId};
use super::{one_line, RuleError};

/// R68: a predefined message's title, shown in the agent's list: 1 to 100 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredefinedTitle(String);

impl PredefinedTitle {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<PredefinedTitle, RuleError> {
        let title = one_line(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyTitle,
            RuleError::TitleTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(PredefinedTitle(title.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R68: a predefined message's body is checked like any chat message (1 to 1000 characters,
/// line breaks allowed): it becomes one when the agent sends it.
pub type PredefinedBody = MessageText;

/// R68: whom a predefined message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredefinedScope {
    Everyone,
    Queue(QueueId),
    Agent(UserId),
}

impl PredefinedScope {
    /// At most one of the two may be given; neither means everyone.
    pub fn from_parts(
        queue_id: Option<QueueId>,
        agent_id: Option<UserId>,
    ) -> Result<PredefinedScope, RuleError> {
        match (queue_id, agent_id) {
            (None, None) => Ok(PredefinedScope::Everyone),
            (Some(queue), None) => Ok(PredefinedScope::Queue(queue)),
            (None, Some(agent)) => Ok(PredefinedScope::Agent(agent)),
            (Some(_), Some(_)) => Err(RuleError::PredefinedScopeConflict),
        }
    }

    pub fn queue_id(self) -> Option<QueueId> {
        match self {
            PredefinedScope::Queue(queue) => Some(queue),
            _ => None,
        }
    }

    pub fn agent_id(self) -> Option<UserId> {
        match self {
            PredefinedScope::Agent(agent) => Some(agent),
            _ => None,
        }
    }

    /// R41: whether an agent who is a member of `queues` sees the message.
    pub fn applies_to(self, agent: UserId, queues: &[QueueId]) -> bool {
        match self {
            PredefinedScope::Everyone => true,
            PredefinedScope::Queue(queue) => queues.contains(&queue),
            PredefinedScope::Agent(owner) => owner == agent,
        }
    }
}

/// The values placeholders stand for in one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderValues<'a> {
    pub visitor_name: &'a str,
    pub agent_name: &'a str,
    pub website_key: &'a str,
    pub queue_name: &'a str,
}

/// R53, A7: the text of `body` with `<visitor_name>`, `<agent_name>`, `<website_key>` and
/// `<queue_name>` replaced by the chat's values. Anything else between `<` and `>` (an unknown
/// placeholder, "price < 10 > 5") is left exactly as it is, and values are not expanded again.
pub fn expand(body: &str, values: &PlaceholderValues<'_>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('>').and_then(|close| {
            let value = match &after[..close] {
                "visitor_name" => values.visitor_name,
                "agent_name" => values.agent_name,
                "website_key" => values.website_key,
                "queue_name" => values.queue_name,
                _ => return None,
            };
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: PlaceholderValues<'static> = PlaceholderValues {
        visitor_name: "Jana",
        agent_name: "Petr",
        website_key: "shop",
        queue_name: "Sales",
    };

    #[test]
    fn every_known_placeholder_is_expanded_r53() {
        assert_eq!(
            expand(
                "Hello <visitor_name>, I am <agent_name> from <queue_name> (<website_key>).",
                &VALUES
            ),
            "Hello Jana, I am Petr from Sales (shop)."
        );
    }

    #[test]
    fn unknown_placeholders_and_lone_brackets_stay_a7() {
        assert_eq!(
            expand("<foo> price < 10 > 5 <visitor_name", &VALUES),
            "<foo> price < 10 > 5 <visitor_name"
        );
        assert_eq!(expand("<<agent_name>>", &VALUES), "<Petr>");
        assert_eq!(expand("", &VALUES), "");
    }

    #[test]
    fn values_are_not_expanded_again() {
        let values = PlaceholderValues {
            visitor_name: "<agent_name>",
            ..VALUES
        };
        assert_eq!(expand("Hi <visitor_name>", &values), "Hi <agent_name>");
    }

    #[test]
    fn title_and_body_limits_r68() {
        assert_eq!(
            PredefinedTitle::parse("  Greeting ").unwrap().as_str(),
            "Greeting"
        );
        assert_eq!(PredefinedTitle::parse(" "), Err(RuleError::EmptyTitle));
        assert_eq!(
            PredefinedTitle::parse(&"a".repeat(101)),
            Err(RuleError::TitleTooLong { max: 100 })
        );
        assert!(PredefinedBody::parse(&"b".repeat(1000)).is_ok());
        assert_eq!(
            PredefinedBody::parse(&"b".repeat(1001)),
            Err(RuleError::MessageTooLong { max: 1000 })
        );
        assert_eq!(PredefinedBody::parse(""), Err(RuleError::EmptyMessage));
    }

    #[test]
    fn scope_decides_who_sees_a_message_r41() {
        let (me, other) = (UserId(1), UserId(2));
        let queues = [QueueId(7)];
        assert!(PredefinedScope::Everyone.applies_to(me, &queues));
        assert!(PredefinedScope::Queue(QueueId(7)).applies_to(me, &queues));
        assert!(!PredefinedScope::Queue(QueueId(8)).applies_to(me, &queues));
        assert!(PredefinedScope::Agent(me).applies_to(me, &queues));
        assert!(!PredefinedScope::Agent(other).applies_to(me, &queues));
        assert_eq!(
            PredefinedScope::from_parts(Some(QueueId(1)), Some(me)),
            Err(RuleError::PredefinedScopeConflict)
        );
    }
}
