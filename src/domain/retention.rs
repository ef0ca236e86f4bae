//! R92: what is left of a chat once it is anonymised. A chat whose end is older than the
//! configured age, or whose visitor asked to be forgotten, keeps what reports count (its times,
//! queue, agents and disposition, and that each message was sent, by whom and when) and loses
//! what is about the visitor or said in it: message texts and files, notes, the visitor's name.

use super::event::EventBody;

/// A day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// R92: chats that ended before this instant are due for anonymisation; `None` when the age is
/// 0 (never).
pub fn anonymise_before(now_ms: i64, after_days: u32) -> Option<i64> {
    (after_days > 0).then(|| now_ms.saturating_sub(i64::from(after_days) * DAY_MS))
}

/// R92: an event's body with the visitor's data and the conversation's words removed; what the
/// event was stays (a message stays a message, so counts and the timeline are kept).
pub fn anonymised(body: EventBody) -> EventBody {
    match body {
        EventBody::ChatRequested {
            website_key,
            queue_id,
            ..
        } => EventBody::ChatRequested {
            visitor_name: String::new(),
            website_key,
            queue_id,
        },
        EventBody::Message { .. } => EventBody::Message {
            text: String::new(),
            attachments: Vec::new(),
        },
        EventBody::TransferNote { to_agent_id, .. } => EventBody::TransferNote {
            text: String::new(),
            to_agent_id,
        },
        EventBody::ChatEnded {
            ended_by,
            disposition,
            leave_message_until_ms,
            ..
        } => EventBody::ChatEnded {
            ended_by,
            disposition,
            notice: None,
            leave_message_until_ms,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{QueueId, UserId};

    #[test]
    fn an_age_of_zero_days_never_anonymises() {
        assert_eq!(anonymise_before(1_000_000, 0), None);
        assert_eq!(anonymise_before(10 * DAY_MS, 3), Some(7 * DAY_MS));
        assert_eq!(anonymise_before(0, 36_500), Some(-36_500 * DAY_MS));
    }

    #[test]
    fn messages_lose_text_and_files_but_stay_messages() {
        let body = EventBody::Message {
            text: "my card is 4242".to_owned(),
            attachments: Vec::new(),
        };
        assert_eq!(
            anonymised(body),
            EventBody::Message {
                text: String::new(),
                attachments: Vec::new()
            }
        );
    }

    #[test]
    fn the_request_loses_the_visitor_name_and_keeps_where_it_went() {
        let body = EventBody::ChatRequested {
            visitor_name: "Ann".to_owned(),
            website_key: "demo".to_owned(),
            queue_id: QueueId(3),
        };
        let EventBody::ChatRequested {
            visitor_name,
            website_key,
            queue_id,
        } = anonymised(body)
        else {
            panic!("kind changed");
        };
        assert_eq!((visitor_name.as_str(), website_key.as_str()), ("", "demo"));
        assert_eq!(queue_id, QueueId(3));
    }

    #[test]
    fn notes_lose_their_text_and_joins_are_kept() {
        let note = EventBody::TransferNote {
            text: "she is angry".to_owned(),
            to_agent_id: UserId(2),
        };
        assert_eq!(
            anonymised(note),
            EventBody::TransferNote {
                text: String::new(),
                to_agent_id: UserId(2)
            }
        );
        let joined = EventBody::AgentJoined {
            agent_id: UserId(2),
            agent_name: "Bo".to_owned(),
            conference: false,
        };
        assert_eq!(anonymised(joined.clone()), joined);
    }
}
