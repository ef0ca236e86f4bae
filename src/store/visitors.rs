//! What the engine keeps of a visitor besides the chat itself (R35, R54): the pages viewed.

use diesel::prelude::*;

use super::schema::{chats, page_views};
use super::{AnyConnection, StoreResult};
use crate::domain::ids::ChatId;
use crate::domain::visitor::PageView;
use crate::protocol::PageVisit;

/// Stores a page view and the chat's visitor details that now name that page, unless the chat
/// already has `max` page views (then nothing is written and the answer is `false`).
pub fn add_page_view(
    conn: &mut AnyConnection,
    chat: ChatId,
    view: &PageView,
    at_ms: i64,
    visitor_meta: &str,
    max: i64,
) -> StoreResult<bool> {
    conn.transaction(|conn| {
        super::write_first(conn)?;
        let stored: i64 = page_views::table
            .filter(page_views::chat_id.eq(chat.0))
            .count()
            .get_result(conn)?;
        if stored >= max {
            return Ok(false);
        }
        insert_page_view(conn, chat, view, at_ms)?;
        diesel::update(chats::table.find(chat.0))
            .set(chats::visitor_meta.eq(visitor_meta))
            .execute(conn)?;
        Ok(true)
    })
}

/// Stores one page view, without checks (the first page of a new chat).
pub fn insert_page_view(
    conn: &mut AnyConnection,
    chat: ChatId,
    view: &PageView,
    at_ms: i64,
) -> StoreResult<()> {
    diesel::insert_into(page_views::table)
        .values((
            page_views::chat_id.eq(chat.0),
            page_views::url.eq(view.url.as_str()),
            page_views::title.eq(view.title.as_ref().map(|t| t.as_str())),
            page_views::at_ms.eq(at_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// R35: the chat's browsing history, oldest first.
pub fn page_views_of(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Vec<PageVisit>> {
    let rows: Vec<(String, Option<String>, i64)> = page_views::table
        .filter(page_views::chat_id.eq(chat.0))
        .order((page_views::at_ms, page_views::id))
        .select((page_views::url, page_views::title, page_views::at_ms))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(url, title, at_ms)| PageVisit { url, title, at_ms })
        .collect())
}
