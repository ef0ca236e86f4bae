//! Login sessions. Only a hash of each token is stored, so a leaked database opens no session.

use diesel::prelude::*;

use super::schema::{sessions, users};
use super::users::UserRow;
use super::{AnyConnection, StoreResult};
use crate::domain::ids::UserId;

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

pub fn insert(conn: &mut AnyConnection, session: &NewSession<'_>) -> StoreResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// The user of a session and when it expires, if the token is known.
pub fn find(conn: &mut AnyConnection, token_hash: &str) -> StoreResult<Option<(UserRow, i64)>> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((UserRow::as_select(), sessions::expires_at_ms))
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut AnyConnection, token_hash: &str) -> StoreResult<()> {
    diesel::delete(sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// How many sessions the user still has that have not expired at `now_ms`.
pub fn live_count(conn: &mut AnyConnection, user: UserId, now_ms: i64) -> StoreResult<i64> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user.0))
        .filter(sessions::expires_at_ms.gt(now_ms))
        .count()
        .get_result(conn)?)
}

pub fn delete_expired(conn: &mut AnyConnection, now_ms: i64) -> StoreResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at_ms.le(now_ms))).execute(conn)?)
}

/// R71, R73: ends every session of a user (deactivated, or given a new password).
pub fn delete_of_user(conn: &mut AnyConnection, user: UserId) -> StoreResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0))).execute(conn)?)
}
