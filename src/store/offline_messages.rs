//! Offline messages (R75, R81, A9) and the replies supervisors mail to their visitors.

use diesel::prelude::*;
use serde::Serialize;

use super::schema::{offline_messages, offline_replies, uploads, users, websites};
use super::{AnyConnection, StoreResult};
use crate::domain::ids::{UserId, WebsiteId};
use crate::domain::offline_message::ReviewState;

#[derive(Debug, Insertable)]
#[diesel(table_name = offline_messages)]
pub struct NewOfflineMessage<'a> {
    pub website_id: i64,
    pub reason: &'a str,
    pub disposition: &'a str,
    pub state: &'a str,
    pub visitor_name: Option<&'a str>,
    pub visitor_email: Option<&'a str>,
    pub form: String,
    pub fields: String,
    pub visitor_meta: String,
    pub visitor_key: Option<&'a str>,
    pub contact_id: Option<i64>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offline_messages)]
pub struct OfflineMessageRow {
    pub id: i64,
    pub website_id: i64,
    pub reason: String,
    pub disposition: String,
    pub state: String,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub form: String,
    pub fields: String,
    pub visitor_meta: String,
    pub visitor_key: Option<String>,
    pub contact_id: Option<i64>,
    pub created_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub closed_by: Option<i64>,
}

pub fn insert(conn: &mut AnyConnection, message: &NewOfflineMessage<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(offline_messages::table)
        .values(message)
        .returning(offline_messages::id)
        .get_result(conn)?)
}

/// What the review list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub website: Option<WebsiteId>,
    pub state: Option<ReviewState>,
    /// Only messages older than this one (ids grow with time): the next page.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// R81: offline messages, newest first, each with its website's key and its number of files.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
) -> StoreResult<Vec<(OfflineMessageRow, String, usize)>> {
    let mut query = offline_messages::table
        .inner_join(websites::table)
        .select((OfflineMessageRow::as_select(), websites::key))
        .into_boxed();
    if let Some(website) = filter.website {
        query = query.filter(offline_messages::website_id.eq(website.0));
    }
    if let Some(state) = filter.state {
        query = query.filter(offline_messages::state.eq(state.as_str()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(offline_messages::id.lt(before));
    }
    let rows: Vec<(OfflineMessageRow, String)> = query
        .order(offline_messages::id.desc())
        .limit(filter.limit)
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(row, _)| row.id).collect();
    let owners: Vec<Option<i64>> = uploads::table
        .filter(uploads::offline_message_id.eq_any(&ids))
        .select(uploads::offline_message_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, key)| {
            let files = owners.iter().filter(|o| **o == Some(row.id)).count();
            (row, key, files)
        })
        .collect())
}

pub fn by_id(
    conn: &mut AnyConnection,
    id: i64,
) -> StoreResult<Option<(OfflineMessageRow, String)>> {
    Ok(offline_messages::table
        .inner_join(websites::table)
        .filter(offline_messages::id.eq(id))
        .select((OfflineMessageRow::as_select(), websites::key))
        .first(conn)
        .optional()?)
}

/// R81: closes an open message; a closed one keeps who closed it first. False if there is no
/// such message.
pub fn close(conn: &mut AnyConnection, id: i64, by: UserId, now_ms: i64) -> StoreResult<bool> {
    let exists = offline_messages::table
        .find(id)
        .count()
        .get_result::<i64>(conn)?
        > 0;
    diesel::update(
        offline_messages::table
            .find(id)
            .filter(offline_messages::state.eq(ReviewState::Open.as_str())),
    )
    .set((
        offline_messages::state.eq(ReviewState::Closed.as_str()),
        offline_messages::closed_at_ms.eq(Some(now_ms)),
        offline_messages::closed_by.eq(Some(by.0)),
    ))
    .execute(conn)?;
    Ok(exists)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = offline_replies)]
pub struct NewReply<'a> {
    pub offline_message_id: i64,
    pub author_id: i64,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub outbox_id: i64,
    pub created_at_ms: i64,
}

pub fn insert_reply(conn: &mut AnyConnection, reply: &NewReply<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(offline_replies::table)
        .values(reply)
        .returning(offline_replies::id)
        .get_result(conn)?)
}

/// A reply as the review shows it, with its author's name and whether its mail went out.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ReplyView {
    pub reply_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at_ms: i64,
    /// When the SMTP server accepted it; `null` while it waits in the outbox.
    pub sent_at_ms: Option<i64>,
}

pub fn replies_of(conn: &mut AnyConnection, message_id: i64) -> StoreResult<Vec<ReplyView>> {
    use super::schema::mail_outbox;
    Ok(offline_replies::table
        .inner_join(users::table)
        .inner_join(mail_outbox::table.on(mail_outbox::id.eq(offline_replies::outbox_id)))
        .filter(offline_replies::offline_message_id.eq(message_id))
        .order(offline_replies::id)
        .select((
            offline_replies::id,
            offline_replies::author_id,
            users::display_name,
            offline_replies::to_address,
            offline_replies::subject,
            offline_replies::body,
            offline_replies::created_at_ms,
            mail_outbox::sent_at_ms,
        ))
        .load(conn)?)
}
