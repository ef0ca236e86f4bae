//! Wrap-up (R50, R51, R56, A6): the admin-defined reasons, and one row per agent and chat the
//! agent owes or gave a wrap-up for. Reasons are never deleted, only deactivated.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::{chat_wrap_ups, chats, queues, users, wrap_up_reasons};
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::away::ReasonLabel;
use crate::domain::ids::{ChatId, UserId, WrapUpReasonId};
use crate::domain::wrap_up::{
    auto_wrap_up_at, check_reason_change, ReasonFlags, WrapUpNote, WrapUpReason, WrapUpReasons,
};
use crate::domain::RuleError;
use crate::protocol::WrapUpView;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wrap_up_reasons)]
pub struct ReasonRow {
    pub id: i64,
    pub label: String,
    pub sort_order: i32,
    pub active: bool,
    pub is_default: bool,
}

impl ReasonRow {
    fn reason(&self) -> WrapUpReason {
        WrapUpReason {
            id: WrapUpReasonId(self.id),
            label: self.label.clone(),
            is_default: self.is_default,
        }
    }

    fn flags(&self) -> ReasonFlags {
        ReasonFlags {
            active: self.active,
            is_default: self.is_default,
        }
    }
}

/// What a change sets; `None` leaves a column as it is.
#[derive(Debug, Default)]
pub struct ReasonChange {
    pub label: Option<ReasonLabel>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
    pub is_default: Option<bool>,
}

/// Every reason, in menu order (sort order, then creation).
pub fn all_reasons(conn: &mut AnyConnection) -> StoreResult<Vec<ReasonRow>> {
    Ok(wrap_up_reasons::table
        .order((wrap_up_reasons::sort_order, wrap_up_reasons::id))
        .select(ReasonRow::as_select())
        .load(conn)?)
}

/// The list as the rules see it.
pub fn reasons(conn: &mut AnyConnection) -> StoreResult<WrapUpReasons> {
    Ok(WrapUpReasons::new(
        all_reasons(conn)?
            .iter()
            .map(|row| (row.reason(), row.active)),
    ))
}

/// Whether an active reason other than `except` has this label (ignoring case).
fn label_taken(conn: &mut AnyConnection, label: &ReasonLabel, except: i64) -> StoreResult<bool> {
    let others: i64 = wrap_up_reasons::table
        .filter(wrap_up_reasons::label_key.eq(label.key()))
        .filter(wrap_up_reasons::active.eq(true))
        .filter(wrap_up_reasons::id.ne(except))
        .count()
        .get_result(conn)?;
    Ok(others > 0)
}

/// Writes one reason (a new one when `id` is `None`) after checking its label and the
/// one-default rule; a reason that becomes the default takes it from the old one.
pub fn save_reason(
    conn: &mut AnyConnection,
    id: Option<WrapUpReasonId>,
    change: &ReasonChange,
    now_ms: i64,
) -> StoreResult<Result<ReasonRow, RuleError>> {
    unique(conn.transaction(|conn| {
        super::write_first(conn)?;
        let before = match id {
            Some(id) => match wrap_up_reasons::table
                .find(id.0)
                .select(ReasonRow::as_select())
                .first(conn)
                .optional()?
            {
                Some(row) => Some(row),
                None => return Ok(Err(RuleError::WrapUpReasonNotFound)),
            },
            None => None,
        };
        let label = match (&change.label, &before) {
            (Some(label), _) => label.clone(),
            // The stored label was parsed when it was written.
            (None, Some(row)) => ReasonLabel::parse(&row.label)
                .map_err(|e| StoreError::Corrupt(format!("wrap_up_reasons.label: {e}")))?,
            (None, None) => return Ok(Err(RuleError::EmptyLabel)),
        };
        let after = ReasonFlags {
            active: change
                .active
                .unwrap_or(before.as_ref().is_none_or(|row| row.active)),
            is_default: change
                .is_default
                .unwrap_or(before.as_ref().is_some_and(|row| row.is_default)),
        };
        if let Err(rule) = check_reason_change(before.as_ref().map(ReasonRow::flags), after) {
            return Ok(Err(rule));
        }
        let row_id = before.as_ref().map_or(0, |row| row.id);
        if after.active && label_taken(conn, &label, row_id)? {
            return Ok(Err(RuleError::LabelTaken));
        }
        if after.is_default {
            diesel::update(wrap_up_reasons::table.filter(wrap_up_reasons::id.ne(row_id)))
                .set(wrap_up_reasons::is_default.eq(false))
                .execute(conn)?;
        }
        let sort_order = match (change.sort_order, &before) {
            (Some(order), _) => order,
            (None, Some(row)) => row.sort_order,
            (None, None) => {
                let last: Option<i32> = wrap_up_reasons::table
                    .select(diesel::dsl::max(wrap_up_reasons::sort_order))
                    .first(conn)?;
                last.map_or(1, |last| last.saturating_add(1))
            }
        };
        let values = (
            wrap_up_reasons::label.eq(label.as_str()),
            wrap_up_reasons::label_key.eq(label.key()),
            wrap_up_reasons::sort_order.eq(sort_order),
            wrap_up_reasons::active.eq(after.active),
            wrap_up_reasons::is_default.eq(after.is_default),
            wrap_up_reasons::updated_at_ms.eq(now_ms),
        );
        let id = match before {
            Some(row) => {
                diesel::update(wrap_up_reasons::table.find(row.id))
                    .set(values)
                    .execute(conn)?;
                row.id
            }
            None => diesel::insert_into(wrap_up_reasons::table)
                .values((values, wrap_up_reasons::created_at_ms.eq(now_ms)))
                .returning(wrap_up_reasons::id)
                .get_result(conn)?,
        };
        Ok(Ok(ReasonRow {
            id,
            label: label.as_str().to_owned(),
            sort_order,
            active: after.active,
            is_default: after.is_default,
        }))
    }))
}

/// The unique index on active labels is the backstop for the label check above: a write that
/// races past it is refused the same way. (The one-default index cannot be hit by two writes
/// that each clear the others first; it guards the rule against a bug, not a race.)
fn unique<T>(written: StoreResult<Result<T, RuleError>>) -> StoreResult<Result<T, RuleError>> {
    match written {
        Err(StoreError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(Err(RuleError::LabelTaken)),
        other => other,
    }
}

/// R56: a queue's own auto wrap-up time (`None`: the global setting); false if no such queue.
pub fn set_queue_auto_after(
    conn: &mut AnyConnection,
    queue: crate::domain::ids::QueueId,
    auto_after_ms: Option<i64>,
) -> StoreResult<bool> {
    let changed = diesel::update(queues::table.find(queue.0))
        .set(queues::wrap_up_auto_after_ms.eq(auto_after_ms))
        .execute(conn)?;
    Ok(changed == 1)
}

/// R56: a queue's own auto wrap-up time, or `None` for no such queue.
pub fn queue_auto_after(
    conn: &mut AnyConnection,
    queue: crate::domain::ids::QueueId,
) -> StoreResult<Option<Option<i64>>> {
    Ok(queues::table
        .find(queue.0)
        .select(queues::wrap_up_auto_after_ms)
        .first(conn)
        .optional()?)
}

/// One owed or given wrap-up.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_wrap_ups)]
pub struct WrapUpRow {
    pub chat_id: i64,
    pub agent_id: i64,
    pub owed_at_ms: i64,
    pub auto_at_ms: Option<i64>,
    pub reason_id: Option<i64>,
    pub reason_label: Option<String>,
    pub note: Option<String>,
    pub auto: bool,
    pub done_at_ms: Option<i64>,
}

impl WrapUpRow {
    pub fn chat(&self) -> ChatId {
        ChatId(self.chat_id)
    }

    pub fn view(self, agent_name: Option<String>) -> WrapUpView {
        WrapUpView {
            chat_id: ChatId(self.chat_id),
            agent_id: UserId(self.agent_id),
            agent_name,
            reason_id: self.reason_id.map(WrapUpReasonId),
            reason_label: self.reason_label,
            note: self.note,
            auto: self.auto,
            owed_at_ms: self.owed_at_ms,
            done_at_ms: self.done_at_ms,
        }
    }
}

fn find(conn: &mut AnyConnection, chat: ChatId, agent: UserId) -> StoreResult<Option<WrapUpRow>> {
    Ok(chat_wrap_ups::table
        .filter(chat_wrap_ups::chat_id.eq(chat.0))
        .filter(chat_wrap_ups::agent_id.eq(agent.0))
        .select(WrapUpRow::as_select())
        .first(conn)
        .optional()?)
}

/// R50, R51: `agent` owes a wrap-up for `chat` from `now_ms`, with its auto wrap-up time from
/// the chat's queue or `global_after_ms`. Idempotent: an existing row (owed or given) is
/// returned as it is, so a chat is wrapped up once per agent.
pub fn owe(
    conn: &mut AnyConnection,
    chat: ChatId,
    agent: UserId,
    now_ms: i64,
    global_after_ms: i64,
) -> StoreResult<WrapUpRow> {
    conn.transaction(|conn| {
        super::write_first(conn)?;
        if let Some(row) = find(conn, chat, agent)? {
            return Ok(row);
        }
        let queue_after: Option<Option<i64>> = chats::table
            .inner_join(queues::table.on(queues::id.eq(chats::queue_id)))
            .filter(chats::id.eq(chat.0))
            .select(queues::wrap_up_auto_after_ms)
            .first(conn)
            .optional()?;
        let auto_at_ms = auto_wrap_up_at(now_ms, global_after_ms, queue_after.flatten());
        diesel::insert_into(chat_wrap_ups::table)
            .values((
                chat_wrap_ups::chat_id.eq(chat.0),
                chat_wrap_ups::agent_id.eq(agent.0),
                chat_wrap_ups::owed_at_ms.eq(now_ms),
                chat_wrap_ups::auto_at_ms.eq(auto_at_ms),
                chat_wrap_ups::auto.eq(false),
            ))
            .execute(conn)?;
        find(conn, chat, agent)?
            .ok_or_else(|| StoreError::Corrupt(format!("wrap-up of chat {chat} vanished")))
    })
}

/// The wrap-ups `agent` still owes, oldest first.
pub fn owed_of(conn: &mut AnyConnection, agent: UserId) -> StoreResult<Vec<WrapUpRow>> {
    Ok(chat_wrap_ups::table
        .filter(chat_wrap_ups::agent_id.eq(agent.0))
        .filter(chat_wrap_ups::done_at_ms.is_null())
        .order(chat_wrap_ups::owed_at_ms)
        .select(WrapUpRow::as_select())
        .load(conn)?)
}

/// R51: agents who owe a wrap-up with a countdown; a restart starts their actors so the
/// countdowns run again.
pub fn agents_with_countdowns(conn: &mut AnyConnection) -> StoreResult<Vec<UserId>> {
    let ids: Vec<i64> = chat_wrap_ups::table
        .filter(chat_wrap_ups::done_at_ms.is_null())
        .filter(chat_wrap_ups::auto_at_ms.is_not_null())
        .select(chat_wrap_ups::agent_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// How a wrap-up is given: the agent's choice, or the default reason applied on its own.
#[derive(Debug, Clone)]
pub enum Completion {
    Chosen {
        reason: WrapUpReasonId,
        note: Option<WrapUpNote>,
    },
    Auto,
}

/// R50, R51: records the wrap-up `agent` owes for `chat`, with the reason's label as it is
/// now. Refused if the reason is not an active one, or if nothing is owed (never asked for, or
/// already given: exactly once).
pub fn complete(
    conn: &mut AnyConnection,
    chat: ChatId,
    agent: UserId,
    completion: &Completion,
    now_ms: i64,
) -> StoreResult<Result<WrapUpRow, RuleError>> {
    conn.transaction(|conn| {
        super::write_first(conn)?;
        let reasons = reasons(conn)?;
        let (reason, note, auto) = match completion {
            Completion::Chosen { reason, note } => match reasons.choose(*reason) {
                Ok(reason) => (reason, note.as_ref().map(WrapUpNote::as_str), false),
                Err(rule) => return Ok(Err(rule)),
            },
            Completion::Auto => match reasons.default_reason() {
                Some(reason) => (reason, None, true),
                None => return Err(StoreError::Corrupt("no default wrap-up reason".into())),
            },
        };
        let done = diesel::update(
            chat_wrap_ups::table
                .filter(chat_wrap_ups::chat_id.eq(chat.0))
                .filter(chat_wrap_ups::agent_id.eq(agent.0))
                .filter(chat_wrap_ups::done_at_ms.is_null()),
        )
        .set((
            chat_wrap_ups::reason_id.eq(reason.id.0),
            chat_wrap_ups::reason_label.eq(&reason.label),
            chat_wrap_ups::note.eq(note),
            chat_wrap_ups::auto.eq(auto),
            chat_wrap_ups::done_at_ms.eq(now_ms),
        ))
        .execute(conn)?;
        if done == 0 {
            return Ok(Err(RuleError::WrapUpNotOwed));
        }
        Ok(find(conn, chat, agent)?.ok_or(RuleError::WrapUpNotOwed))
    })
}

/// R87: a chat's wrap-ups (owed and given), with each agent's name, by the time owed.
pub fn of_chat(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Vec<WrapUpView>> {
    let rows: Vec<(WrapUpRow, String)> = chat_wrap_ups::table
        .inner_join(users::table)
        .filter(chat_wrap_ups::chat_id.eq(chat.0))
        .order((chat_wrap_ups::owed_at_ms, chat_wrap_ups::id))
        .select((WrapUpRow::as_select(), users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, name)| row.view(Some(name)))
        .collect())
}
