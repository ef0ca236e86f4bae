//! Queues and their members with hunt order (R17, R67).

use diesel::prelude::*;

use super::schema::{queue_members, queues, users};
use super::{parse_json, to_json, AnyConnection, StoreError, StoreResult};
use crate::domain::ids::{QueueId, UserId};
use crate::domain::queue::QueueRules;
use crate::domain::routing::{HuntMember, HuntOrder};
use crate::domain::schedule::{Schedule, ScheduleForm};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = queues)]
pub struct QueueRow {
    pub id: i64,
    pub name: String,
    pub offer_timeout_ms: i64,
    pub hunt_timeout_ms: i64,
    pub rona_enabled: bool,
    pub created_at_ms: i64,
    /// R28: `sequential`, `ring_all` or `round_robin`.
    pub strategy: String,
    /// R29: the JSON form of the queue's weekly schedule; read it with `opening_hours()`.
    pub opening_hours: String,
    /// R78: its visitors nobody took may leave a message (if their website allows it too).
    pub leave_message: bool,
}

impl QueueRow {
    /// R29: the queue's opening hours.
    pub fn opening_hours(&self) -> StoreResult<Schedule> {
        let form: ScheduleForm = parse_json("queues.opening_hours", &self.opening_hours)?;
        Schedule::parse(&form)
            .map_err(|e| StoreError::Corrupt(format!("queues.opening_hours of {}: {e}", self.id)))
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = queues)]
pub struct NewQueue<'a> {
    pub name: &'a str,
    pub offer_timeout_ms: i64,
    pub hunt_timeout_ms: i64,
    pub rona_enabled: bool,
    pub created_at_ms: i64,
    pub strategy: &'a str,
}

pub fn insert(conn: &mut AnyConnection, queue: &NewQueue<'_>) -> StoreResult<QueueId> {
    let id = diesel::insert_into(queues::table)
        .values(queue)
        .returning(queues::id)
        .get_result::<i64>(conn)?;
    Ok(QueueId(id))
}

pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<QueueRow>> {
    Ok(queues::table
        .order(queues::id)
        .select(QueueRow::as_select())
        .load(conn)?)
}

pub fn by_id(conn: &mut AnyConnection, id: QueueId) -> StoreResult<Option<QueueRow>> {
    Ok(queues::table
        .find(id.0)
        .select(QueueRow::as_select())
        .first(conn)
        .optional()?)
}

/// R29: replaces the queue's opening hours; `false` if there is no such queue.
pub fn set_opening_hours(
    conn: &mut AnyConnection,
    queue: QueueId,
    hours: &Schedule,
) -> StoreResult<bool> {
    let updated = diesel::update(queues::table.find(queue.0))
        .set(queues::opening_hours.eq(to_json(&hours.to_form())))
        .execute(conn)?;
    Ok(updated > 0)
}

/// R20, R28: a queue's routing rules; `false` if there is no such queue.
pub fn set_routing_rules(
    conn: &mut AnyConnection,
    queue: QueueId,
    rules: &QueueRules,
) -> StoreResult<bool> {
    let updated = diesel::update(queues::table.find(queue.0))
        .set((
            queues::offer_timeout_ms.eq(rules.offer_timeout_ms),
            queues::hunt_timeout_ms.eq(rules.hunt_timeout_ms),
            queues::rona_enabled.eq(rules.rona),
            queues::strategy.eq(rules.strategy.as_str()),
        ))
        .execute(conn)?;
    Ok(updated > 0)
}

pub fn add_member(
    conn: &mut AnyConnection,
    queue: QueueId,
    agent: UserId,
    hunt_order: i32,
) -> StoreResult<()> {
    diesel::insert_into(queue_members::table)
        .values((
            queue_members::queue_id.eq(queue.0),
            queue_members::user_id.eq(agent.0),
            queue_members::hunt_order.eq(hunt_order),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn members(conn: &mut AnyConnection, queue: QueueId) -> StoreResult<Vec<HuntMember>> {
    let rows: Vec<(i64, i64, i32)> = queue_members::table
        .filter(queue_members::queue_id.eq(queue.0))
        .select((
            queue_members::id,
            queue_members::user_id,
            queue_members::hunt_order,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, user, hunt_order)| HuntMember {
            agent: UserId(user),
            hunt_order,
            added_seq: id,
        })
        .collect())
}

/// R25: the queues an agent receives chats from.
pub fn queues_of(conn: &mut AnyConnection, agent: UserId) -> StoreResult<Vec<QueueId>> {
    let ids: Vec<i64> = queue_members::table
        .filter(queue_members::user_id.eq(agent.0))
        .select(queue_members::queue_id)
        .load(conn)?;
    Ok(ids.into_iter().map(QueueId).collect())
}

/// R67, R73: adds the user to the queue with this hunt order, or gives a member a new hunt
/// order (keeping its place among equal hunt orders). True when the user was added.
pub fn set_member(
    conn: &mut AnyConnection,
    queue: QueueId,
    agent: UserId,
    hunt_order: HuntOrder,
) -> StoreResult<bool> {
    let updated = diesel::update(
        queue_members::table
            .filter(queue_members::queue_id.eq(queue.0))
            .filter(queue_members::user_id.eq(agent.0)),
    )
    .set(queue_members::hunt_order.eq(hunt_order.get()))
    .execute(conn)?;
    if updated > 0 {
        return Ok(false);
    }
    add_member(conn, queue, agent, hunt_order.get())?;
    Ok(true)
}

/// R67: removes the user from the queue (the user stays). True when it was a member.
pub fn remove_member(conn: &mut AnyConnection, queue: QueueId, agent: UserId) -> StoreResult<bool> {
    let removed = diesel::delete(
        queue_members::table
            .filter(queue_members::queue_id.eq(queue.0))
            .filter(queue_members::user_id.eq(agent.0)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// A member as a supervisor sees it.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: i64,
    pub hunt_order: i32,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub capacity: i32,
    pub presence: String,
    pub away_reason_id: Option<i64>,
}

/// R67: the queue's members in hunt order (R17: ties in the order they were added).
pub fn member_list(conn: &mut AnyConnection, queue: QueueId) -> StoreResult<Vec<MemberRow>> {
    Ok(queue_members::table
        .inner_join(users::table)
        .filter(queue_members::queue_id.eq(queue.0))
        .order((queue_members::hunt_order, queue_members::id))
        .select((
            queue_members::user_id,
            queue_members::hunt_order,
            users::username,
            users::display_name,
            users::role,
            users::capacity,
            users::presence,
            users::away_reason_id,
        ))
        .load(conn)?)
}

/// R25, R73: every queue membership as (user, queue, queue name, hunt order), by user then
/// queue, for the console's agent list.
pub fn all_memberships(conn: &mut AnyConnection) -> StoreResult<Vec<(i64, i64, String, i32)>> {
    Ok(queue_members::table
        .inner_join(queues::table)
        .order((queue_members::user_id, queue_members::queue_id))
        .select((
            queue_members::user_id,
            queue_members::queue_id,
            queues::name,
            queue_members::hunt_order,
        ))
        .load(conn)?)
}

/// R78: sets whether the queue's visitors nobody took may leave a message; false if there is
/// no such queue.
pub fn set_leave_message(
    conn: &mut AnyConnection,
    queue: QueueId,
    leave_message: bool,
) -> StoreResult<bool> {
    Ok(diesel::update(queues::table.find(queue.0))
        .set(queues::leave_message.eq(leave_message))
        .execute(conn)?
        > 0)
}

/// R67: what uses the queue: the websites that target it, its chats not ended, and its history
/// (ended chats and routing steps).
pub fn usage(
    conn: &mut AnyConnection,
    queue: QueueId,
) -> StoreResult<crate::domain::retirement::QueueUsage> {
    use super::schema::{chats, routing_steps, websites};
    let websites = websites::table
        .filter(websites::queue_id.eq(queue.0))
        .order(websites::key)
        .select(websites::key)
        .load::<String>(conn)?;
    let open_chats: i64 = chats::table
        .filter(chats::queue_id.eq(queue.0))
        .filter(chats::state.ne("ended"))
        .count()
        .get_result(conn)?;
    let ended: i64 = chats::table
        .filter(chats::queue_id.eq(queue.0))
        .filter(chats::state.eq("ended"))
        .count()
        .get_result(conn)?;
    let steps: i64 = routing_steps::table
        .filter(routing_steps::queue_id.eq(queue.0))
        .count()
        .get_result(conn)?;
    Ok(crate::domain::retirement::QueueUsage {
        websites,
        open_chats,
        history: ended + steps,
    })
}

/// R67: deletes the queue with its memberships (and its predefined messages, by the schema);
/// false if there was none.
pub fn delete(conn: &mut AnyConnection, queue: QueueId) -> StoreResult<bool> {
    diesel::delete(queue_members::table.filter(queue_members::queue_id.eq(queue.0)))
        .execute(conn)?;
    Ok(diesel::delete(queues::table.find(queue.0)).execute(conn)? > 0)
}
