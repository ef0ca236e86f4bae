//! R85, R87: searching the organisation's chat logs: chats by time, website, queue, agent,
//! disposition and text (the visitor's name and e-mail address, every message and transfer
//! note, private ones included), newest first, with what each list row shows.

use std::collections::{HashMap, HashSet};

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::chats::ChatRow;
use super::schema::{
    chat_agents, chat_events, chat_wrap_ups, chats, contacts, left_messages, users,
};
use super::{lower, parse_json, AnyConnection, StoreResult};
use crate::domain::chat::Disposition;
use crate::domain::chat_log::{LogAgent, SearchText};
use crate::domain::event::EventBody;
use crate::domain::ids::{ChatId, QueueId, UserId, WebsiteId};

/// A search with its website resolved to an id.
#[derive(Debug, Clone)]
pub struct LogFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub website: Option<WebsiteId>,
    pub queue: Option<QueueId>,
    pub agent: Option<UserId>,
    pub disposition: Option<Disposition>,
    pub text: Option<SearchText>,
    /// Only chats with a smaller id.
    pub before: Option<ChatId>,
    pub limit: i64,
}

/// What the list shows of a chat beyond its row.
#[derive(Debug, Clone, Default)]
pub struct LogExtras {
    pub agents: Vec<LogAgent>,
    pub wrap_up_reasons: Vec<String>,
    pub message_count: i64,
}

/// The chats the filter finds, newest (highest id) first, at most `limit`. With a text, the
/// SQL `LIKE`s find candidates (a message's JSON may match after its text, in a file's name or
/// a key), and `confirmed` keeps those whose name, address or decoded text holds the text;
/// further pages are read until `limit` chats are confirmed or none are left.
pub fn search(conn: &mut AnyConnection, filter: &LogFilter) -> StoreResult<Vec<ChatRow>> {
    let Some(text) = &filter.text else {
        return candidates(conn, filter, filter.before);
    };
    let mut found = Vec::new();
    let mut before = filter.before;
    loop {
        let batch = candidates(conn, filter, before)?;
        let last_page = (batch.len() as i64) < filter.limit;
        before = batch.last().map(ChatRow::chat_id);
        let confirmed = confirmed(conn, &batch, text)?;
        found.extend(batch.into_iter().filter(|row| confirmed.contains(&row.id)));
        if found.len() as i64 >= filter.limit || last_page {
            break;
        }
    }
    found.truncate(usize::try_from(filter.limit).unwrap_or(0));
    Ok(found)
}

/// The kinds of event whose text is searched.
const TEXT_KINDS: [&str; 2] = ["message", "transfer_note"];

fn candidates(
    conn: &mut AnyConnection,
    filter: &LogFilter,
    before: Option<ChatId>,
) -> StoreResult<Vec<ChatRow>> {
    let mut query = chats::table.into_boxed();
    if let Some(from) = filter.from_ms {
        query = query.filter(chats::created_at_ms.ge(from));
    }
    if let Some(to) = filter.to_ms {
        query = query.filter(chats::created_at_ms.lt(to));
    }
    if let Some(website) = filter.website {
        query = query.filter(chats::website_id.eq(website.0));
    }
    if let Some(queue) = filter.queue {
        query = query.filter(chats::queue_id.eq(queue.0));
    }
    if let Some(agent) = filter.agent {
        let joined = chat_agents::table
            .filter(chat_agents::agent_id.eq(agent.0))
            .select(chat_agents::chat_id);
        query = query.filter(chats::agent_id.eq(agent.0).or(chats::id.eq_any(joined)));
    }
    if let Some(disposition) = filter.disposition {
        query = query.filter(chats::disposition.eq(disposition.as_str()));
    }
    if let Some(text) = &filter.text {
        let pattern = text.pattern();
        let [message, note] = TEXT_KINDS;
        let in_events = chat_events::table
            .filter(
                chat_events::kind
                    .eq(message)
                    .and(
                        lower(chat_events::payload)
                            .like(text.payload_pattern(message))
                            .escape('\\'),
                    )
                    .or(chat_events::kind.eq(note).and(
                        lower(chat_events::payload)
                            .like(text.payload_pattern(note))
                            .escape('\\'),
                    )),
            )
            .select(chat_events::chat_id);
        let by_contact = contacts::table
            .filter(
                lower(contacts::email.assume_not_null())
                    .like(pattern.clone())
                    .escape('\\'),
            )
            .select(contacts::id.nullable());
        let by_left_message = left_messages::table
            .filter(
                lower(left_messages::email.assume_not_null())
                    .like(pattern.clone())
                    .escape('\\'),
            )
            .select(left_messages::chat_id);
        query = query.filter(
            lower(chats::visitor_name)
                .like(pattern)
                .escape('\\')
                .or(chats::id.eq_any(in_events))
                .or(chats::contact_id.eq_any(by_contact))
                .or(chats::id.eq_any(by_left_message)),
        );
    }
    if let Some(before) = before {
        query = query.filter(chats::id.lt(before.0));
    }
    Ok(query
        .order(chats::id.desc())
        .limit(filter.limit)
        .select(ChatRow::as_select())
        .load(conn)?)
}

/// The ids of `rows` that really hold `text`: in the visitor's name, the contact's or the left
/// message's address (plain columns: their `LIKE` is exact), or the decoded text of a message
/// or transfer note.
fn confirmed(
    conn: &mut AnyConnection,
    rows: &[ChatRow],
    text: &SearchText,
) -> StoreResult<HashSet<i64>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut found: HashSet<i64> = rows
        .iter()
        .filter(|row| text.found_in(&row.visitor_name))
        .map(|row| row.id)
        .collect();
    let pattern = text.pattern();
    let by_contact: Vec<i64> = chats::table
        .inner_join(contacts::table.on(chats::contact_id.eq(contacts::id.nullable())))
        .filter(chats::id.eq_any(&ids))
        .filter(
            lower(contacts::email.assume_not_null())
                .like(pattern.clone())
                .escape('\\'),
        )
        .select(chats::id)
        .load(conn)?;
    let by_left_message: Vec<i64> = left_messages::table
        .filter(left_messages::chat_id.eq_any(&ids))
        .filter(
            lower(left_messages::email.assume_not_null())
                .like(pattern)
                .escape('\\'),
        )
        .select(left_messages::chat_id)
        .load(conn)?;
    found.extend(by_contact);
    found.extend(by_left_message);
    let events: Vec<(i64, String)> = chat_events::table
        .filter(chat_events::chat_id.eq_any(&ids))
        .filter(chat_events::kind.eq_any(TEXT_KINDS))
        .select((chat_events::chat_id, chat_events::payload))
        .load(conn)?;
    for (chat, payload) in events {
        if found.contains(&chat) {
            continue;
        }
        let body: EventBody = parse_json("chat_events.payload", &payload)?;
        let said = match &body {
            EventBody::Message { text, .. } | EventBody::TransferNote { text, .. } => text,
            _ => continue,
        };
        if text.found_in(said) {
            found.insert(chat);
        }
    }
    Ok(found)
}

/// The agents, wrap-up reasons and message counts of `rows`, by chat id.
pub fn extras(conn: &mut AnyConnection, rows: &[ChatRow]) -> StoreResult<HashMap<i64, LogExtras>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut found: HashMap<i64, LogExtras> =
        ids.iter().map(|id| (*id, LogExtras::default())).collect();
    let joined: Vec<(i64, i64, String)> = chat_agents::table
        .inner_join(users::table)
        .filter(chat_agents::chat_id.eq_any(&ids))
        .order((chat_agents::joined_at_ms, chat_agents::id))
        .select((
            chat_agents::chat_id,
            chat_agents::agent_id,
            users::display_name,
        ))
        .load(conn)?;
    for (chat, agent, name) in joined {
        let agents = &mut found.entry(chat).or_default().agents;
        if !agents.iter().any(|a| a.agent_id.0 == agent) {
            agents.push(LogAgent {
                agent_id: UserId(agent),
                display_name: name,
            });
        }
    }
    // A chat's owner is always listed, even where no participant row was written for it.
    let owners: Vec<(i64, i64, String)> = chats::table
        .inner_join(users::table.on(chats::agent_id.eq(users::id.nullable())))
        .filter(chats::id.eq_any(&ids))
        .select((chats::id, users::id, users::display_name))
        .load(conn)?;
    for (chat, agent, name) in owners {
        let agents = &mut found.entry(chat).or_default().agents;
        if !agents.iter().any(|a| a.agent_id.0 == agent) {
            agents.insert(
                0,
                LogAgent {
                    agent_id: UserId(agent),
                    display_name: name,
                },
            );
        }
    }
    let reasons: Vec<(i64, Option<String>)> = chat_wrap_ups::table
        .filter(chat_wrap_ups::chat_id.eq_any(&ids))
        .filter(chat_wrap_ups::reason_label.is_not_null())
        .order(chat_wrap_ups::id)
        .select((chat_wrap_ups::chat_id, chat_wrap_ups::reason_label))
        .load(conn)?;
    for (chat, label) in reasons {
        if let Some(label) = label {
            found.entry(chat).or_default().wrap_up_reasons.push(label);
        }
    }
    let counts: Vec<(i64, i64)> = chat_events::table
        .filter(chat_events::chat_id.eq_any(&ids))
        .filter(chat_events::kind.eq("message"))
        .group_by(chat_events::chat_id)
        .select((chat_events::chat_id, count_star()))
        .load(conn)?;
    for (chat, count) in counts {
        found.entry(chat).or_default().message_count = count;
    }
    Ok(found)
}
