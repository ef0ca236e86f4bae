//! Users and their presence.

use diesel::prelude::*;

use super::schema::users;
use super::{AnyConnection, StoreResult};
use crate::domain::ids::{AwayReasonId, UserId};
use crate::domain::presence::{Capacity, Presence};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub capacity: i32,
    pub presence: String,
    pub created_at_ms: i64,
    /// R24: the reason the agent gave with `away`, if any.
    pub away_reason_id: Option<i64>,
}

impl UserRow {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub active: bool,
    pub capacity: i32,
    pub presence: &'a str,
    pub created_at_ms: i64,
}

pub fn insert(conn: &mut AnyConnection, user: &NewUser<'_>) -> StoreResult<UserId> {
    let id = diesel::insert_into(users::table)
        .values(user)
        .returning(users::id)
        .get_result::<i64>(conn)?;
    Ok(UserId(id))
}

pub fn by_username(conn: &mut AnyConnection, username: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut AnyConnection, id: UserId) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .find(id.0)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn count(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// R24: the agent's presence and, with `away`, the reason it gave.
pub fn set_presence(
    conn: &mut AnyConnection,
    id: UserId,
    presence: Presence,
    away_reason: Option<AwayReasonId>,
) -> StoreResult<()> {
    diesel::update(users::table.find(id.0))
        .set((
            users::presence.eq(presence.as_str()),
            users::away_reason_id.eq(away_reason.map(|reason| reason.0)),
        ))
        .execute(conn)?;
    Ok(())
}

/// R26, R70: how many chats the user may hold at once.
pub fn set_capacity(conn: &mut AnyConnection, id: UserId, capacity: Capacity) -> StoreResult<()> {
    diesel::update(users::table.find(id.0))
        .set(users::capacity.eq(capacity.get() as i32))
        .execute(conn)?;
    Ok(())
}

pub fn set_password_hash(conn: &mut AnyConnection, id: UserId, hash: &str) -> StoreResult<()> {
    diesel::update(users::table.find(id.0))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn by_ids(conn: &mut AnyConnection, ids: &[UserId]) -> StoreResult<Vec<UserRow>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)?)
}

/// R45: active users whose role takes chats (R25), in the order they were added.
pub fn chat_takers(conn: &mut AnyConnection) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["agent", "supervisor"]))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// R71: every account, in the order they were added.
pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// R71: what an admin changes of an account; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub capacity: Option<i32>,
    pub active: Option<bool>,
}

pub fn update(conn: &mut AnyConnection, id: UserId, change: &UserChange) -> StoreResult<()> {
    if change.display_name.is_none()
        && change.role.is_none()
        && change.capacity.is_none()
        && change.active.is_none()
    {
        return Ok(());
    }
    diesel::update(users::table.find(id.0))
        .set(change)
        .execute(conn)?;
    Ok(())
}

/// R71: how many active admins there are besides `except`.
pub fn other_active_admins(conn: &mut AnyConnection, except: UserId) -> StoreResult<i64> {
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq("admin"))
        .filter(users::id.ne(except.0))
        .count()
        .get_result(conn)?)
}
