//! What reports are computed from (issue 9; R87, R91): the facts of the chat requests and the
//! offline messages of a period, read with one bounded query each; the numbers themselves are
//! `domain::report`'s, the same on both backends.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{chats, offline_messages, users, websites};
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::chat::Disposition;
use crate::domain::ids::{QueueId, UserId, WebsiteId};
use crate::domain::report::ChatFact;

/// The most chat requests one report reads; a longer period must be narrowed.
pub const MAX_ROWS: i64 = 500_000;

/// Which chats a report covers: requested in `[start_ms, end_ms)`, of one website and/or queue.
#[derive(Debug, Clone, Copy)]
pub struct ReportScope {
    pub start_ms: i64,
    pub end_ms: i64,
    pub website: Option<WebsiteId>,
    pub queue: Option<QueueId>,
}

pub struct ReportFacts {
    pub chats: Vec<ChatFact>,
    /// When each offline message of the scope was left (R75).
    pub offline_at_ms: Vec<i64>,
    /// The names of the agents who accepted those chats.
    pub agent_names: HashMap<UserId, String>,
}

type FactRow = (i64, Option<i64>, Option<i64>, Option<String>, Option<i64>);

/// The facts of the scope; `None` when it holds more than [`MAX_ROWS`] chat requests.
pub fn facts(conn: &mut AnyConnection, scope: ReportScope) -> StoreResult<Option<ReportFacts>> {
    let mut query = chats::table
        .filter(chats::created_at_ms.ge(scope.start_ms))
        .filter(chats::created_at_ms.lt(scope.end_ms))
        .select((
            chats::created_at_ms,
            chats::accepted_at_ms,
            chats::ended_at_ms,
            chats::disposition,
            chats::agent_id,
        ))
        .limit(MAX_ROWS + 1)
        .into_boxed();
    if let Some(website) = scope.website {
        query = query.filter(chats::website_id.eq(website.0));
    }
    if let Some(queue) = scope.queue {
        query = query.filter(chats::queue_id.eq(queue.0));
    }
    let rows: Vec<FactRow> = query.load(conn)?;
    if rows.len() as i64 > MAX_ROWS {
        return Ok(None);
    }
    let chats = rows
        .into_iter()
        .map(|(requested, accepted, ended, disposition, agent)| {
            let disposition = disposition
                .map(|d| {
                    Disposition::from_stored(&d)
                        .ok_or_else(|| StoreError::Corrupt(format!("chats.disposition {d:?}")))
                })
                .transpose()?;
            Ok(ChatFact {
                requested_at_ms: requested,
                accepted_at_ms: accepted,
                ended_at_ms: ended,
                disposition,
                agent: agent.map(UserId),
            })
        })
        .collect::<StoreResult<Vec<ChatFact>>>()?;
    // Offline messages belong to a website; with a queue chosen, to the websites routed to it.
    let mut offline = offline_messages::table
        .inner_join(websites::table)
        .filter(offline_messages::created_at_ms.ge(scope.start_ms))
        .filter(offline_messages::created_at_ms.lt(scope.end_ms))
        .select(offline_messages::created_at_ms)
        .limit(MAX_ROWS)
        .into_boxed();
    if let Some(website) = scope.website {
        offline = offline.filter(offline_messages::website_id.eq(website.0));
    }
    if let Some(queue) = scope.queue {
        offline = offline.filter(websites::queue_id.eq(queue.0));
    }
    let offline_at_ms: Vec<i64> = offline.load(conn)?;
    let mut ids: Vec<i64> = chats.iter().filter_map(|c| c.agent.map(|a| a.0)).collect();
    ids.sort_unstable();
    ids.dedup();
    let agent_names = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, name)| (UserId(id), name))
        .collect();
    Ok(Some(ReportFacts {
        chats,
        offline_at_ms,
        agent_names,
    }))
}
