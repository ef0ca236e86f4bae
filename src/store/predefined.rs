//! Predefined messages (R41, R68): written by supervisors and admins, read by agents.

use diesel::prelude::*;

use super::schema::{predefined_messages, queues, users};
use super::{AnyConnection, StoreResult};
use crate::domain::ids::{PredefinedMessageId, QueueId, UserId};
use crate::domain::predefined::{PredefinedBody, PredefinedScope, PredefinedTitle};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = predefined_messages)]
pub struct PredefinedRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub queue_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl PredefinedRow {
    pub fn message_id(&self) -> PredefinedMessageId {
        PredefinedMessageId(self.id)
    }

    /// The check constraint keeps at most one of the two set; read both as written.
    pub fn scope(&self) -> PredefinedScope {
        match (self.queue_id, self.agent_id) {
            (_, Some(agent)) => PredefinedScope::Agent(UserId(agent)),
            (Some(queue), None) => PredefinedScope::Queue(QueueId(queue)),
            (None, None) => PredefinedScope::Everyone,
        }
    }
}

/// What a supervisor writes: every column but the id and times.
#[derive(Debug, Clone)]
pub struct PredefinedContent {
    pub title: PredefinedTitle,
    pub body: PredefinedBody,
    pub scope: PredefinedScope,
}

/// Every predefined message, by title (then creation).
pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<PredefinedRow>> {
    Ok(predefined_messages::table
        .order((predefined_messages::title, predefined_messages::id))
        .select(PredefinedRow::as_select())
        .load(conn)?)
}

/// R41: the messages an agent sees: its own, its queues' and everyone's.
pub fn for_agent(conn: &mut AnyConnection, agent: UserId) -> StoreResult<Vec<PredefinedRow>> {
    let queues = super::queues::queues_of(conn, agent)?;
    Ok(all(conn)?
        .into_iter()
        .filter(|row| row.scope().applies_to(agent, &queues))
        .collect())
}

pub fn by_id(
    conn: &mut AnyConnection,
    id: PredefinedMessageId,
) -> StoreResult<Option<PredefinedRow>> {
    Ok(predefined_messages::table
        .find(id.0)
        .select(PredefinedRow::as_select())
        .first(conn)
        .optional()?)
}

/// Why a scope cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingTarget {
    Queue,
    User,
}

/// The queue or user a scope names must exist (SQLite may not enforce foreign keys).
pub fn check_scope(
    conn: &mut AnyConnection,
    scope: PredefinedScope,
) -> StoreResult<Result<(), MissingTarget>> {
    let found = match scope {
        PredefinedScope::Everyone => return Ok(Ok(())),
        PredefinedScope::Queue(queue) => queues::table
            .find(queue.0)
            .count()
            .get_result::<i64>(conn)
            .map(|n| n > 0)
            .map(|found| (found, MissingTarget::Queue))?,
        PredefinedScope::Agent(agent) => users::table
            .find(agent.0)
            .count()
            .get_result::<i64>(conn)
            .map(|n| n > 0)
            .map(|found| (found, MissingTarget::User))?,
    };
    Ok(if found.0 { Ok(()) } else { Err(found.1) })
}

pub fn insert(
    conn: &mut AnyConnection,
    content: &PredefinedContent,
    now_ms: i64,
) -> StoreResult<PredefinedRow> {
    let id: i64 = diesel::insert_into(predefined_messages::table)
        .values((
            predefined_messages::title.eq(content.title.as_str()),
            predefined_messages::body.eq(content.body.as_str()),
            predefined_messages::queue_id.eq(content.scope.queue_id().map(|q| q.0)),
            predefined_messages::agent_id.eq(content.scope.agent_id().map(|a| a.0)),
            predefined_messages::created_at_ms.eq(now_ms),
            predefined_messages::updated_at_ms.eq(now_ms),
        ))
        .returning(predefined_messages::id)
        .get_result(conn)?;
    Ok(PredefinedRow {
        id,
        title: content.title.as_str().to_owned(),
        body: content.body.as_str().to_owned(),
        queue_id: content.scope.queue_id().map(|q| q.0),
        agent_id: content.scope.agent_id().map(|a| a.0),
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
    })
}

/// Rewrites a message; `None` if there is none with this id.
pub fn update(
    conn: &mut AnyConnection,
    id: PredefinedMessageId,
    content: &PredefinedContent,
    now_ms: i64,
) -> StoreResult<Option<PredefinedRow>> {
    let changed = diesel::update(predefined_messages::table.find(id.0))
        .set((
            predefined_messages::title.eq(content.title.as_str()),
            predefined_messages::body.eq(content.body.as_str()),
            predefined_messages::queue_id.eq(content.scope.queue_id().map(|q| q.0)),
            predefined_messages::agent_id.eq(content.scope.agent_id().map(|a| a.0)),
            predefined_messages::updated_at_ms.eq(now_ms),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    by_id(conn, id)
}

/// True when a message was deleted.
pub fn delete(conn: &mut AnyConnection, id: PredefinedMessageId) -> StoreResult<bool> {
    Ok(diesel::delete(predefined_messages::table.find(id.0)).execute(conn)? > 0)
}
