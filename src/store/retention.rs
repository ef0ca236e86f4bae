//! R92: anonymising chats in the store (see `domain::retention` for what is kept). Each chat
//! is anonymised in one transaction, marked with `anonymised_at_ms` so it is done once; the
//! files' storage keys are returned so the caller deletes them from disk after the commit.

use diesel::prelude::*;

use super::schema::{
    agent_notes, chat_attachments, chat_events, chat_wrap_ups, chats, left_messages, page_views,
    review_replies, transcript_requests, uploads,
};
use super::{parse_json, to_json, AnyConnection, StoreResult};
use crate::domain::chat::ChatState;
use crate::domain::event::EventBody;
use crate::domain::ids::{ChatId, WebsiteId};
use crate::domain::retention::anonymised;

/// Up to `limit` ended chats, not yet anonymised, that ended before `before_ms`.
pub fn due(conn: &mut AnyConnection, before_ms: i64, limit: i64) -> StoreResult<Vec<ChatId>> {
    Ok(chats::table
        .filter(chats::anonymised_at_ms.is_null())
        .filter(chats::ended_at_ms.lt(before_ms))
        .filter(chats::state.eq(ChatState::Ended.as_str()))
        .order(chats::id)
        .select(chats::id)
        .limit(limit)
        .load::<i64>(conn)?
        .into_iter()
        .map(ChatId)
        .collect())
}

/// What anonymising removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Erased {
    pub chats: usize,
    /// Storage keys of the chat files whose rows were deleted: delete the files next.
    pub file_keys: Vec<String>,
}

/// Anonymises one chat (call inside a transaction); a chat already anonymised is left alone.
pub fn anonymise(conn: &mut AnyConnection, chat: ChatId, now_ms: i64) -> StoreResult<Erased> {
    let marked = diesel::update(
        chats::table
            .find(chat.0)
            .filter(chats::anonymised_at_ms.is_null()),
    )
    .set((
        chats::anonymised_at_ms.eq(Some(now_ms)),
        chats::visitor_name.eq(""),
        chats::visitor_meta.eq("{}"),
        chats::visitor_token_hash.eq(""),
        chats::visitor_key.eq(None::<String>),
        chats::contact_id.eq(None::<i64>),
    ))
    .execute(conn)?;
    if marked == 0 {
        return Ok(Erased::default());
    }
    let events: Vec<(i64, String, String)> = chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .select((
            chat_events::seq,
            chat_events::author_kind,
            chat_events::payload,
        ))
        .load(conn)?;
    for (seq, author_kind, payload) in events {
        let body: EventBody = parse_json("chat_events.payload", &payload)?;
        let payload = to_json(&anonymised(body));
        let row = chat_events::table.find((chat.0, seq));
        if author_kind == "visitor" {
            diesel::update(row)
                .set((
                    chat_events::payload.eq(payload),
                    chat_events::author_name.eq(""),
                ))
                .execute(conn)?;
        } else {
            diesel::update(row)
                .set(chat_events::payload.eq(payload))
                .execute(conn)?;
        }
    }
    let file_keys =
        diesel::delete(chat_attachments::table.filter(chat_attachments::chat_id.eq(chat.0)))
            .returning(chat_attachments::storage_key)
            .get_results::<String>(conn)?;
    diesel::delete(uploads::table.filter(uploads::chat_id.eq(Some(chat.0)))).execute(conn)?;
    diesel::delete(page_views::table.filter(page_views::chat_id.eq(chat.0))).execute(conn)?;
    diesel::delete(left_messages::table.filter(left_messages::chat_id.eq(chat.0))).execute(conn)?;
    diesel::delete(transcript_requests::table.filter(transcript_requests::chat_id.eq(chat.0)))
        .execute(conn)?;
    diesel::delete(agent_notes::table.filter(agent_notes::chat_id.eq(chat.0))).execute(conn)?;
    diesel::delete(review_replies::table.filter(review_replies::chat_id.eq(chat.0)))
        .execute(conn)?;
    // The wrap-up's reason is a disposition reports count; its free-text note goes.
    diesel::update(chat_wrap_ups::table.filter(chat_wrap_ups::chat_id.eq(chat.0)))
        .set(chat_wrap_ups::note.eq(None::<String>))
        .execute(conn)?;
    Ok(Erased {
        chats: 1,
        file_keys,
    })
}

/// R92: the chats of one visitor: the given chat and every other chat of its website with
/// the same browser identity (`visitor_key`). With any of them still open, `Err` with its id.
pub fn chats_of_visitor_of(
    conn: &mut AnyConnection,
    chat: ChatId,
) -> StoreResult<Option<Result<Vec<ChatId>, ChatId>>> {
    let Some((website, key)) = chats::table
        .find(chat.0)
        .select((chats::website_id, chats::visitor_key))
        .first::<(i64, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut rows: Vec<(i64, String)> = match key {
        Some(key) => chats::table
            .filter(chats::website_id.eq(WebsiteId(website).0))
            .filter(chats::visitor_key.eq(key))
            .select((chats::id, chats::state))
            .load(conn)?,
        None => Vec::new(),
    };
    if !rows.iter().any(|(id, _)| *id == chat.0) {
        let state: String = chats::table.find(chat.0).select(chats::state).first(conn)?;
        rows.push((chat.0, state));
    }
    rows.sort_unstable();
    if let Some((open, _)) = rows
        .iter()
        .find(|(_, state)| state != ChatState::Ended.as_str())
    {
        return Ok(Some(Err(ChatId(*open))));
    }
    Ok(Some(Ok(rows
        .into_iter()
        .map(|(id, _)| ChatId(id))
        .collect())))
}
