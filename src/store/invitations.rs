//! Invitation codes (R37, A12). The rules are `domain::invitation`'s; this module keeps codes
//! unique among the active ones and counts each use in the transaction that starts its chat.

use diesel::prelude::*;

use super::schema::invitation_codes;
use super::{AnyConnection, StoreResult};
use crate::domain::ids::UserId;
use crate::domain::invitation::{CodeStatus, CodeTerms, InvitationCode};
use crate::domain::RuleError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitation_codes)]
pub struct CodeRow {
    pub id: i64,
    pub code: String,
    pub agent_id: i64,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub revoked: bool,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

impl CodeRow {
    pub fn status(&self) -> CodeStatus {
        CodeStatus {
            expires_at_ms: self.expires_at_ms,
            max_uses: self.max_uses,
            uses: self.uses,
            revoked: self.revoked,
        }
    }
}

/// Rows with this code that have not expired or been revoked, newest first (usually none or
/// one; used-up ones are among them).
fn unexpired(conn: &mut AnyConnection, code: &str, now_ms: i64) -> StoreResult<Vec<CodeRow>> {
    Ok(invitation_codes::table
        .filter(invitation_codes::code.eq(code))
        .filter(invitation_codes::revoked.eq(false))
        .filter(invitation_codes::expires_at_ms.gt(now_ms))
        .order(invitation_codes::id.desc())
        .select(CodeRow::as_select())
        .load(conn)?)
}

/// A new code for `agent`, different from every active code. `None` if `random` found no free
/// code in a few tries (only when about a million codes are active).
pub fn create(
    conn: &mut AnyConnection,
    agent: UserId,
    terms: CodeTerms,
    now_ms: i64,
    mut random: impl FnMut() -> u32,
) -> StoreResult<Option<CodeRow>> {
    conn.transaction(|conn| {
        super::write_first(conn)?;
        for _ in 0..32 {
            let code = InvitationCode::from_random(random());
            let taken = unexpired(conn, code.as_str(), now_ms)?
                .iter()
                .any(|row| row.status().is_active(now_ms));
            if taken {
                continue;
            }
            let row = diesel::insert_into(invitation_codes::table)
                .values((
                    invitation_codes::code.eq(code.as_str()),
                    invitation_codes::agent_id.eq(agent.0),
                    invitation_codes::max_uses.eq(terms.max_uses),
                    invitation_codes::uses.eq(0),
                    invitation_codes::revoked.eq(false),
                    invitation_codes::created_at_ms.eq(now_ms),
                    invitation_codes::expires_at_ms.eq(terms.expires_at_ms),
                ))
                .returning(invitation_codes::id)
                .get_result::<i64>(conn)?;
            let row = invitation_codes::table
                .find(row)
                .select(CodeRow::as_select())
                .first(conn)?;
            return Ok(Some(row));
        }
        Ok(None)
    })
}

/// The agent's codes that still route visitors, newest first.
pub fn active_of(
    conn: &mut AnyConnection,
    agent: UserId,
    now_ms: i64,
) -> StoreResult<Vec<CodeRow>> {
    let rows: Vec<CodeRow> = invitation_codes::table
        .filter(invitation_codes::agent_id.eq(agent.0))
        .filter(invitation_codes::revoked.eq(false))
        .filter(invitation_codes::expires_at_ms.gt(now_ms))
        .order(invitation_codes::id.desc())
        .select(CodeRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|row| row.status().is_active(now_ms))
        .collect())
}

/// The agent ends its own active code early; `false` if it has no such active code.
pub fn revoke(
    conn: &mut AnyConnection,
    agent: UserId,
    code: &InvitationCode,
    now_ms: i64,
) -> StoreResult<bool> {
    let changed = diesel::update(
        invitation_codes::table
            .filter(invitation_codes::agent_id.eq(agent.0))
            .filter(invitation_codes::code.eq(code.as_str()))
            .filter(invitation_codes::revoked.eq(false))
            .filter(invitation_codes::expires_at_ms.gt(now_ms)),
    )
    .set(invitation_codes::revoked.eq(true))
    .execute(conn)?;
    Ok(changed > 0)
}

/// R37: a visitor uses `code`: the agent it routes to, with the use counted, or why it is
/// refused. Call it inside the transaction that creates the chat, so a failed start uses
/// nothing.
pub fn redeem(
    conn: &mut AnyConnection,
    code: &InvitationCode,
    now_ms: i64,
) -> StoreResult<Result<UserId, RuleError>> {
    let rows = unexpired(conn, code.as_str(), now_ms)?;
    let Some(row) = rows.iter().find(|row| row.status().is_active(now_ms)) else {
        let why = match rows.first() {
            Some(row) => row.status().check(now_ms).err(),
            None => None,
        };
        let known = invitation_codes::table
            .filter(invitation_codes::code.eq(code.as_str()))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        return Ok(Err(why.unwrap_or(if known {
            RuleError::InvitationExpired
        } else {
            RuleError::InvitationUnknown
        })));
    };
    // Counted only if nobody used it meanwhile: two visitors racing for a single-use code
    // cannot both get it.
    let counted = diesel::update(
        invitation_codes::table
            .filter(invitation_codes::id.eq(row.id))
            .filter(invitation_codes::uses.eq(row.uses)),
    )
    .set(invitation_codes::uses.eq(row.uses + 1))
    .execute(conn)?;
    Ok(if counted == 1 {
        Ok(UserId(row.agent_id))
    } else {
        Err(RuleError::InvitationUsedUp)
    })
}
