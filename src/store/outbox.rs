//! The mail outbox: mail is stored first and delivered later, so no mail is lost when the SMTP
//! server is down or the engine restarts.

use diesel::prelude::*;

use super::schema::mail_outbox;
use super::{AnyConnection, StoreResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub to_address: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
    pub next_attempt_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    /// An HTML alternative to `body` (R86); `None`: plain text only.
    pub body_html: Option<String>,
    /// Upload ids to attach (JSON list).
    pub attachments: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct NewMail<'a> {
    pub to_address: &'a str,
    pub reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub body: &'a str,
    pub next_attempt_at_ms: i64,
    pub created_at_ms: i64,
    pub body_html: Option<&'a str>,
    pub attachments: String,
}

pub fn insert(conn: &mut AnyConnection, mail: &NewMail<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(mail_outbox::table)
        .values(mail)
        .returning(mail_outbox::id)
        .get_result(conn)?)
}

/// Unsent mail whose next attempt is due at `now_ms`, oldest first.
pub fn due(conn: &mut AnyConnection, now_ms: i64, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    Ok(mail_outbox::table
        .filter(mail_outbox::sent_at_ms.is_null())
        .filter(mail_outbox::next_attempt_at_ms.le(now_ms))
        .order(mail_outbox::id)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?)
}

pub fn mark_sent(conn: &mut AnyConnection, id: i64, attempts: i32, now_ms: i64) -> StoreResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::sent_at_ms.eq(Some(now_ms)),
            mail_outbox::attempts.eq(attempts),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(
    conn: &mut AnyConnection,
    id: i64,
    attempts: i32,
    next_attempt_at_ms: i64,
    error: &str,
) -> StoreResult<()> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::attempts.eq(attempts),
            mail_outbox::next_attempt_at_ms.eq(next_attempt_at_ms),
            mail_outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<OutboxRow>> {
    Ok(mail_outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}
