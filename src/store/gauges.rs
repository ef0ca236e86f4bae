//! Issue 10: the numbers `/metrics` reads from the store when it is scraped; each is one
//! indexed, grouped query (chats by state, waiting chats per queue, unsent mail).

use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::schema::{chats, mail_outbox};
use super::{AnyConnection, StoreResult};
use crate::domain::chat::ChatState;

/// Open chats (not ended) by state.
pub fn open_chats_by_state(conn: &mut AnyConnection) -> StoreResult<Vec<(String, i64)>> {
    Ok(chats::table
        .filter(chats::state.ne(ChatState::Ended.as_str()))
        .group_by(chats::state)
        .select((chats::state, count_star()))
        .load(conn)?)
}

/// Per queue with waiting chats: how many wait, and since when the first has waited.
pub fn waiting_per_queue(conn: &mut AnyConnection) -> StoreResult<Vec<(i64, i64, Option<i64>)>> {
    Ok(chats::table
        .filter(chats::state.eq(ChatState::Queued.as_str()))
        .group_by(chats::queue_id)
        .select((chats::queue_id, count_star(), min(chats::created_at_ms)))
        .load(conn)?)
}

/// Mail waiting to be sent (not sent, not given up).
pub fn unsent_mail(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(mail_outbox::table
        .filter(mail_outbox::sent_at_ms.is_null())
        .filter(mail_outbox::next_attempt_at_ms.lt(i64::MAX))
        .count()
        .get_result(conn)?)
}
