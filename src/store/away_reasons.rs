//! Away (idle) reasons (R24, R69): created, renamed, reordered and deactivated by supervisors
//! and admins; never deleted, so an agent's stored reason always resolves.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::away_reasons;
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::away::{AwayReason, AwayReasons, ReasonLabel};
use crate::domain::ids::AwayReasonId;
use crate::domain::RuleError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = away_reasons)]
pub struct AwayReasonRow {
    pub id: i64,
    pub label: String,
    pub sort_order: i32,
    pub active: bool,
}

impl AwayReasonRow {
    pub fn reason(&self) -> AwayReason {
        AwayReason {
            id: AwayReasonId(self.id),
            label: self.label.clone(),
        }
    }
}

/// What a change sets; `None` leaves a column as it is.
#[derive(Debug, Default)]
pub struct ReasonChange {
    pub label: Option<ReasonLabel>,
    pub sort_order: Option<i32>,
    pub active: Option<bool>,
}

/// Every reason, in menu order (sort order, then creation).
pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<AwayReasonRow>> {
    Ok(away_reasons::table
        .order((away_reasons::sort_order, away_reasons::id))
        .select(AwayReasonRow::as_select())
        .load(conn)?)
}

/// The list as the engine keeps it in memory.
pub fn menu(conn: &mut AnyConnection) -> StoreResult<AwayReasons> {
    Ok(AwayReasons::new(
        all(conn)?.iter().map(|row| (row.reason(), row.active)),
    ))
}

fn by_id(conn: &mut AnyConnection, id: AwayReasonId) -> StoreResult<Option<AwayReasonRow>> {
    Ok(away_reasons::table
        .find(id.0)
        .select(AwayReasonRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether an active reason other than `except` has this label (ignoring case).
fn label_taken(
    conn: &mut AnyConnection,
    label: &ReasonLabel,
    except: Option<AwayReasonId>,
) -> StoreResult<bool> {
    let others: i64 = away_reasons::table
        .filter(away_reasons::label_key.eq(label.key()))
        .filter(away_reasons::active.eq(true))
        // Ids start at 1, so 0 excludes nothing.
        .filter(away_reasons::id.ne(except.map_or(0, |id| id.0)))
        .count()
        .get_result(conn)?;
    Ok(others > 0)
}

/// A new active reason, placed after the others unless `sort_order` says where.
pub fn insert(
    conn: &mut AnyConnection,
    label: &ReasonLabel,
    sort_order: Option<i32>,
    now_ms: i64,
) -> StoreResult<Result<AwayReasonRow, RuleError>> {
    unique_label(conn.transaction(|conn| {
        super::write_first(conn)?;
        if label_taken(conn, label, None)? {
            return Ok(Err(RuleError::LabelTaken));
        }
        let sort_order = match sort_order {
            Some(order) => order,
            None => {
                let last: Option<i32> = away_reasons::table
                    .select(diesel::dsl::max(away_reasons::sort_order))
                    .first(conn)?;
                last.map_or(1, |last| last.saturating_add(1))
            }
        };
        let id: i64 = diesel::insert_into(away_reasons::table)
            .values((
                away_reasons::label.eq(label.as_str()),
                away_reasons::label_key.eq(label.key()),
                away_reasons::sort_order.eq(sort_order),
                away_reasons::active.eq(true),
                away_reasons::created_at_ms.eq(now_ms),
                away_reasons::updated_at_ms.eq(now_ms),
            ))
            .returning(away_reasons::id)
            .get_result(conn)?;
        Ok(Ok(AwayReasonRow {
            id,
            label: label.as_str().to_owned(),
            sort_order,
            active: true,
        }))
    }))
}

/// Renames, reorders, deactivates or reactivates a reason. The label of a reason that is (or
/// becomes) active must not be another active reason's.
pub fn update(
    conn: &mut AnyConnection,
    id: AwayReasonId,
    change: &ReasonChange,
    now_ms: i64,
) -> StoreResult<Result<AwayReasonRow, RuleError>> {
    unique_label(conn.transaction(|conn| {
        super::write_first(conn)?;
        let Some(mut row) = by_id(conn, id)? else {
            return Ok(Err(RuleError::AwayReasonNotFound));
        };
        if let Some(label) = &change.label {
            row.label = label.as_str().to_owned();
        }
        row.sort_order = change.sort_order.unwrap_or(row.sort_order);
        row.active = change.active.unwrap_or(row.active);
        // The stored label was parsed when it was written; parse again to get its key.
        let label = ReasonLabel::parse(&row.label)
            .map_err(|e| StoreError::Corrupt(format!("away_reasons.label: {e}")))?;
        if row.active && label_taken(conn, &label, Some(id))? {
            return Ok(Err(RuleError::LabelTaken));
        }
        diesel::update(away_reasons::table.find(id.0))
            .set((
                away_reasons::label.eq(label.as_str()),
                away_reasons::label_key.eq(label.key()),
                away_reasons::sort_order.eq(row.sort_order),
                away_reasons::active.eq(row.active),
                away_reasons::updated_at_ms.eq(now_ms),
            ))
            .execute(conn)?;
        Ok(Ok(row))
    }))
}

/// The unique index on active labels is the backstop for the check above: a write that
/// races past the check is refused the same way.
fn unique_label<T>(
    written: StoreResult<Result<T, RuleError>>,
) -> StoreResult<Result<T, RuleError>> {
    match written {
        Err(StoreError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(Err(RuleError::LabelTaken)),
        other => other,
    }
}
