//! The audit log (R71): one row per admin action, login, logout and failed login. Rows are
//! only ever added.

use diesel::prelude::*;

use super::schema::audit_log;
use super::{AnyConnection, StoreResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub target: String,
    /// JSON, bounded in size by whoever writes it.
    pub details: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry {
    pub at_ms: i64,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

pub fn insert(conn: &mut AnyConnection, entry: &NewAuditEntry) -> StoreResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// Which rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub username: Option<String>,
    /// An action's name, or the start of one before a `.`: `user` matches `user.create`.
    pub action: Option<String>,
    /// Only rows older than this id (the page before).
    pub before: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut AnyConnection, filter: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(filter.limit)
        .into_boxed();
    if let Some(from) = filter.from_ms {
        query = query.filter(audit_log::at_ms.ge(from));
    }
    if let Some(to) = filter.to_ms {
        query = query.filter(audit_log::at_ms.lt(to));
    }
    if let Some(username) = &filter.username {
        query = query.filter(audit_log::username.eq(username.clone()));
    }
    if let Some(action) = &filter.action {
        // The name is checked to hold only letters, digits, `_` and `.`: no LIKE wildcard.
        query = query.filter(
            audit_log::action
                .eq(action.clone())
                .or(audit_log::action.like(format!("{action}.%"))),
        );
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::id.lt(before));
    }
    Ok(query.load(conn)?)
}
