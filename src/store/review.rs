//! R78, R81: messages visitors left when nobody took their chat, and the supervisors' review
//! of unmanaged and timed-out chats (open or closed, replies by mail).

use diesel::prelude::*;
use serde::Serialize;

use super::chats::ChatRow;
use super::schema::{chats, left_messages, queue_members, review_replies, routing_steps, users};
use super::{AnyConnection, StoreResult};
use crate::domain::chat::Disposition;
use crate::domain::ids::{ChatId, UserId, WebsiteId};
use crate::domain::unmanaged::{LeftMessageForm, ReviewStatus};

/// R78: the message a visitor left.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = left_messages)]
pub struct LeftMessageRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub chat_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub text: String,
    #[serde(rename = "left_at_ms")]
    pub created_at_ms: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = left_messages)]
struct NewLeftMessage<'a> {
    chat_id: i64,
    name: &'a str,
    email: Option<&'a str>,
    text: &'a str,
    created_at_ms: i64,
}

pub fn left_message_of(
    conn: &mut AnyConnection,
    chat: ChatId,
) -> StoreResult<Option<LeftMessageRow>> {
    Ok(left_messages::table
        .filter(left_messages::chat_id.eq(chat.0))
        .select(LeftMessageRow::as_select())
        .first(conn)
        .optional()?)
}

/// R78: stores the visitor's message (the unique index on `chat_id` keeps it to one).
pub fn insert_left_message(
    conn: &mut AnyConnection,
    chat: ChatId,
    form: &LeftMessageForm,
    at_ms: i64,
) -> StoreResult<LeftMessageRow> {
    diesel::insert_into(left_messages::table)
        .values(NewLeftMessage {
            chat_id: chat.0,
            name: form.name.as_str(),
            email: form.email.as_ref().map(|e| e.as_str()),
            text: form.text.as_str(),
            created_at_ms: at_ms,
        })
        .execute(conn)?;
    Ok(left_messages::table
        .filter(left_messages::chat_id.eq(chat.0))
        .select(LeftMessageRow::as_select())
        .first(conn)?)
}

/// R78: messages left in chats of `user`'s queues whose review is still open, newest first,
/// each with its chat.
pub fn open_left_messages_of_member(
    conn: &mut AnyConnection,
    user: UserId,
    limit: i64,
) -> StoreResult<Vec<(LeftMessageRow, ChatRow)>> {
    let queues = queue_members::table
        .filter(queue_members::user_id.eq(user.0))
        .select(queue_members::queue_id);
    Ok(left_messages::table
        .inner_join(chats::table)
        .filter(chats::queue_id.eq_any(queues))
        .filter(chats::review_closed_at_ms.is_null())
        .order((
            left_messages::created_at_ms.desc(),
            left_messages::id.desc(),
        ))
        .limit(limit)
        .select((LeftMessageRow::as_select(), ChatRow::as_select()))
        .load(conn)?)
}

/// Which reviewed chats to list.
#[derive(Debug, Clone)]
pub struct ReviewFilter {
    pub website: Option<WebsiteId>,
    /// The dispositions reviewed here (unmanaged, timeout): at least one.
    pub dispositions: Vec<Disposition>,
    pub status: ReviewStatus,
    /// Only chats that ended before this (the last `ended_at_ms` of the previous page).
    pub ended_before_ms: Option<i64>,
    pub limit: i64,
}

/// R81: reviewed chats, newest end first, each with the message its visitor left.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ReviewFilter,
) -> StoreResult<Vec<(ChatRow, Option<LeftMessageRow>)>> {
    let dispositions: Vec<&str> = filter.dispositions.iter().map(|d| d.as_str()).collect();
    let mut query = chats::table
        .filter(chats::disposition.eq_any(dispositions))
        .into_boxed();
    if let Some(website) = filter.website {
        query = query.filter(chats::website_id.eq(website.0));
    }
    query = match filter.status {
        ReviewStatus::Open => query.filter(chats::review_closed_at_ms.is_null()),
        ReviewStatus::Closed => query.filter(chats::review_closed_at_ms.is_not_null()),
    };
    if let Some(before) = filter.ended_before_ms {
        query = query.filter(chats::ended_at_ms.lt(before));
    }
    let rows: Vec<ChatRow> = query
        .order((chats::ended_at_ms.desc(), chats::id.desc()))
        .limit(filter.limit)
        .select(ChatRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut left: Vec<LeftMessageRow> = left_messages::table
        .filter(left_messages::chat_id.eq_any(ids))
        .select(LeftMessageRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let message = left
                .iter()
                .position(|m| m.chat_id == row.id)
                .map(|at| left.swap_remove(at));
            (row, message)
        })
        .collect())
}

/// R81: closes the review of a chat (by a supervisor, or by the auto-close with `None`) if
/// it is still open; returns whether it was.
pub fn close(
    conn: &mut AnyConnection,
    chat: ChatId,
    by: Option<UserId>,
    at_ms: i64,
) -> StoreResult<bool> {
    let closed = diesel::update(
        chats::table
            .find(chat.0)
            .filter(chats::review_closed_at_ms.is_null()),
    )
    .set((
        chats::review_closed_at_ms.eq(Some(at_ms)),
        chats::review_closed_by.eq(by.map(|u| u.0)),
    ))
    .execute(conn)?;
    Ok(closed > 0)
}

/// R76: closes the open reviews of the website's unmanaged chats that ended at or before
/// `ended_by_ms`; returns how many.
pub fn auto_close(
    conn: &mut AnyConnection,
    website: WebsiteId,
    ended_by_ms: i64,
    at_ms: i64,
) -> StoreResult<usize> {
    Ok(diesel::update(
        chats::table
            .filter(chats::website_id.eq(website.0))
            .filter(chats::disposition.eq(Disposition::Unmanaged.as_str()))
            .filter(chats::review_closed_at_ms.is_null())
            .filter(chats::ended_at_ms.le(ended_by_ms)),
    )
    .set((
        chats::review_closed_at_ms.eq(Some(at_ms)),
        chats::review_closed_by.eq(None::<i64>),
    ))
    .execute(conn)?)
}

/// R76: when the oldest unmanaged chat of the website whose review is open ended.
pub fn oldest_open_unmanaged(
    conn: &mut AnyConnection,
    website: WebsiteId,
) -> StoreResult<Option<i64>> {
    Ok(chats::table
        .filter(chats::website_id.eq(website.0))
        .filter(chats::disposition.eq(Disposition::Unmanaged.as_str()))
        .filter(chats::review_closed_at_ms.is_null())
        .select(diesel::dsl::min(chats::ended_at_ms))
        .first::<Option<i64>>(conn)?)
}

/// R81, R87: why the hunt for a chat ended (`timeout`, `no_eligible_agent`), from its
/// routing trail.
pub fn hunt_end_reason(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Option<String>> {
    Ok(routing_steps::table
        .filter(routing_steps::chat_id.eq(chat.0))
        .filter(routing_steps::step.eq("hunt_ended"))
        .order((routing_steps::at_ms.desc(), routing_steps::id.desc()))
        .select(routing_steps::detail)
        .first(conn)
        .optional()?)
}

/// R81: a reply a supervisor sent to the visitor.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyView {
    pub user_id: UserId,
    pub user_name: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at_ms: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = review_replies)]
pub struct NewReply<'a> {
    pub chat_id: i64,
    pub user_id: i64,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub outbox_id: i64,
    pub sent_at_ms: i64,
}

pub fn insert_reply(conn: &mut AnyConnection, reply: &NewReply<'_>) -> StoreResult<()> {
    diesel::insert_into(review_replies::table)
        .values(reply)
        .execute(conn)?;
    Ok(())
}

/// R81: the replies sent about a chat, oldest first, with the sender's display name.
pub fn replies_of(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Vec<ReplyView>> {
    let rows: Vec<(i64, String, String, String, String, i64)> = review_replies::table
        .inner_join(users::table.on(users::id.eq(review_replies::user_id)))
        .filter(review_replies::chat_id.eq(chat.0))
        .order((review_replies::sent_at_ms, review_replies::id))
        .select((
            review_replies::user_id,
            users::display_name,
            review_replies::to_address,
            review_replies::subject,
            review_replies::body,
            review_replies::sent_at_ms,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, name, to, subject, body, at)| ReplyView {
            user_id: UserId(user),
            user_name: name,
            to,
            subject,
            body,
            sent_at_ms: at,
        })
        .collect())
}
