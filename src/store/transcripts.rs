//! R86: the transcripts visitors asked for. A request made during the chat waits here until
//! the chat ends; the mail is put in the outbox in the same transaction that marks it mailed.

use diesel::prelude::*;

use super::schema::transcript_requests;
use super::{AnyConnection, StoreResult};
use crate::domain::email::EmailAddress;
use crate::domain::ids::ChatId;

#[derive(Debug, Insertable)]
#[diesel(table_name = transcript_requests)]
struct NewRequest<'a> {
    chat_id: i64,
    email: &'a str,
    requested_at_ms: i64,
}

/// How many times the chat's visitor asked for the transcript.
pub fn count_of(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<usize> {
    let count: i64 = transcript_requests::table
        .filter(transcript_requests::chat_id.eq(chat.0))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

pub fn insert(
    conn: &mut AnyConnection,
    chat: ChatId,
    email: &EmailAddress,
    at_ms: i64,
) -> StoreResult<()> {
    diesel::insert_into(transcript_requests::table)
        .values(NewRequest {
            chat_id: chat.0,
            email: email.as_str(),
            requested_at_ms: at_ms,
        })
        .execute(conn)?;
    Ok(())
}

/// Requests not mailed yet: (id, address), oldest first.
pub fn pending(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Vec<(i64, String)>> {
    Ok(transcript_requests::table
        .filter(transcript_requests::chat_id.eq(chat.0))
        .filter(transcript_requests::mailed_at_ms.is_null())
        .order(transcript_requests::id)
        .select((transcript_requests::id, transcript_requests::email))
        .load(conn)?)
}

pub fn mark_mailed(conn: &mut AnyConnection, id: i64, at_ms: i64) -> StoreResult<()> {
    diesel::update(transcript_requests::table.find(id))
        .set(transcript_requests::mailed_at_ms.eq(Some(at_ms)))
        .execute(conn)?;
    Ok(())
}
