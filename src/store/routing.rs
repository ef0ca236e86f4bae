//! R87: the routing trail of each chat.

use diesel::prelude::*;
use serde::Serialize;

use super::schema::{routing_steps, users};
use super::{AnyConnection, StoreResult};
use crate::domain::ids::{ChatId, QueueId, UserId};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = routing_steps)]
pub struct NewStep {
    pub chat_id: i64,
    pub queue_id: i64,
    pub agent_id: Option<i64>,
    pub step: &'static str,
    pub detail: String,
    pub at_ms: i64,
}

impl NewStep {
    pub fn new(
        chat: ChatId,
        queue: QueueId,
        agent: Option<UserId>,
        step: &'static str,
        detail: impl Into<String>,
        at_ms: i64,
    ) -> NewStep {
        NewStep {
            chat_id: chat.0,
            queue_id: queue.0,
            agent_id: agent.map(|a| a.0),
            step,
            detail: detail.into(),
            at_ms,
        }
    }
}

/// One step as supervisors see it.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Step {
    pub at_ms: i64,
    pub step: String,
    pub detail: String,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
}

pub fn insert_all(conn: &mut AnyConnection, steps: &[NewStep]) -> StoreResult<()> {
    // One row at a time: SQLite's multi-row insert through diesel needs per-backend code, and
    // a hunt writes a handful of rows at most.
    for step in steps {
        diesel::insert_into(routing_steps::table)
            .values(step)
            .execute(conn)?;
    }
    Ok(())
}

/// The trail of a chat in the order it happened.
pub fn of_chat(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Vec<Step>> {
    Ok(routing_steps::table
        .left_join(users::table.on(routing_steps::agent_id.eq(users::id.nullable())))
        .filter(routing_steps::chat_id.eq(chat.0))
        .order((routing_steps::at_ms, routing_steps::id))
        .select((
            routing_steps::at_ms,
            routing_steps::step,
            routing_steps::detail,
            routing_steps::agent_id,
            users::display_name.nullable(),
        ))
        .load(conn)?)
}
