//! The blacklist (R55): bans of a visitor's browser identity and, when the website signed one,
//! of its own user id, on one website.

use diesel::prelude::*;
use serde::Serialize;

use super::schema::{users, visitor_bans, websites};
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::ban::{BanReason, BanTarget};
use crate::domain::ids::{ChatId, UserId, WebsiteId};

#[derive(Debug, Insertable)]
#[diesel(table_name = visitor_bans)]
struct NewBan<'a> {
    website_id: i64,
    visitor_key: Option<&'a str>,
    subject: Option<&'a str>,
    reason: &'a str,
    chat_id: Option<i64>,
    banned_by: i64,
    created_at_ms: i64,
}

/// A ban as supervisors list it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct BanView {
    pub ban_id: i64,
    pub website_key: String,
    pub visitor_key: Option<String>,
    /// The website's user id from a signed identity (R52).
    pub subject: Option<String>,
    pub reason: String,
    pub chat_id: Option<i64>,
    pub banned_by: i64,
    pub banned_by_name: String,
    pub at_ms: i64,
}

/// R55: bans `target` on `website`, for the reason given, by `by`, from chat `chat`.
pub fn insert(
    conn: &mut AnyConnection,
    website: WebsiteId,
    target: &BanTarget,
    reason: &BanReason,
    chat: ChatId,
    by: UserId,
    now_ms: i64,
) -> StoreResult<BanView> {
    let id: i64 = diesel::insert_into(visitor_bans::table)
        .values(NewBan {
            website_id: website.0,
            visitor_key: target.visitor_key.as_deref(),
            subject: target.subject.as_deref(),
            reason: reason.as_str(),
            chat_id: Some(chat.0),
            banned_by: by.0,
            created_at_ms: now_ms,
        })
        .returning(visitor_bans::id)
        .get_result(conn)?;
    load(conn, Some(id))?
        .pop()
        .ok_or(StoreError::Query(diesel::result::Error::NotFound))
}

type ViewColumns = (
    visitor_bans::id,
    websites::key,
    visitor_bans::visitor_key,
    visitor_bans::subject,
    visitor_bans::reason,
    visitor_bans::chat_id,
    visitor_bans::banned_by,
    users::display_name,
    visitor_bans::created_at_ms,
);

const VIEW_COLUMNS: ViewColumns = (
    visitor_bans::id,
    websites::key,
    visitor_bans::visitor_key,
    visitor_bans::subject,
    visitor_bans::reason,
    visitor_bans::chat_id,
    visitor_bans::banned_by,
    users::display_name,
    visitor_bans::created_at_ms,
);

/// Bans with their website's key and the banning user's name, newest first; one if `id`.
fn load(conn: &mut AnyConnection, id: Option<i64>) -> StoreResult<Vec<BanView>> {
    let mut query = visitor_bans::table
        .inner_join(websites::table)
        .inner_join(users::table)
        .select(VIEW_COLUMNS)
        .order(visitor_bans::id.desc())
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(visitor_bans::id.eq(id));
    }
    Ok(query.load(conn)?)
}

/// R55: the blacklist, newest first.
pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<BanView>> {
    load(conn, None)
}

/// R55: lifts a ban; false if there was none with this id.
pub fn delete(conn: &mut AnyConnection, id: i64) -> StoreResult<bool> {
    Ok(diesel::delete(visitor_bans::table.find(id)).execute(conn)? > 0)
}

/// R55: whether a visitor with this key (and, if signed, this user id) is banned on `website`.
pub fn is_banned(
    conn: &mut AnyConnection,
    website: WebsiteId,
    visitor_key: Option<&str>,
    subject: Option<&str>,
) -> StoreResult<bool> {
    if visitor_key.is_none() && subject.is_none() {
        return Ok(false);
    }
    let on_website = visitor_bans::table.filter(visitor_bans::website_id.eq(website.0));
    let matching = match (visitor_key, subject) {
        (Some(key), Some(sub)) => on_website
            .filter(
                visitor_bans::visitor_key
                    .eq(key)
                    .or(visitor_bans::subject.eq(sub)),
            )
            .into_boxed(),
        (Some(key), None) => on_website
            .filter(visitor_bans::visitor_key.eq(key))
            .into_boxed(),
        (None, Some(sub)) => on_website
            .filter(visitor_bans::subject.eq(sub))
            .into_boxed(),
        (None, None) => return Ok(false),
    };
    let count: i64 = matching.count().get_result(conn)?;
    Ok(count > 0)
}
