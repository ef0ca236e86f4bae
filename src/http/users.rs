//! User accounts (R70, R71, R73): admins create agents, supervisors and admins, change their
//! display name, role, capacity and active flag, and set their passwords; supervisors may
//! read the list. A change takes effect at once (see `Engine::update_user`).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::{CurrentUser, ADMINS, SUPERVISORS};
// Bodies are read as any JSON first, so the role is checked before the body's shape.
use super::website_settings::body_as;
use crate::actors::admin::UserUpdate;
use crate::actors::agent::DescribePresence;
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::ids::UserId;
use crate::domain::presence::Presence;
use crate::domain::user::{check_password, parse_capacity, parse_role, DisplayName, Username};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::store::users::{NewUser, UserRow};
use crate::store::{self, StoreError};

/// One queue a user is a member of.
#[derive(Debug, Serialize)]
struct MembershipView {
    queue_id: i64,
    name: String,
    hunt_order: i32,
}

/// An account as the console shows it; never its password hash.
#[derive(Debug, Serialize)]
struct AccountView {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    capacity: i32,
    active: bool,
    /// Live for a signed-in agent, else as last stored.
    presence: String,
    created_at_ms: i64,
    queues: Vec<MembershipView>,
}

impl AccountView {
    async fn of(engine: &Engine, row: UserRow, queues: Vec<MembershipView>) -> AccountView {
        let presence = match engine.running_agent(row.user_id()) {
            Some(agent) => match agent.send(DescribePresence).await {
                Ok(now) => now.presence.as_str().to_owned(),
                Err(_) => row.presence.clone(),
            },
            None => row.presence.clone(),
        };
        // A deactivated account is offline whatever was stored last.
        let presence = if row.active {
            presence
        } else {
            Presence::Offline.as_str().to_owned()
        };
        AccountView {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: row.role,
            capacity: row.capacity,
            active: row.active,
            presence,
            created_at_ms: row.created_at_ms,
            queues,
        }
    }
}

/// Every membership, by user.
async fn memberships(engine: &Engine) -> Result<HashMap<i64, Vec<MembershipView>>, AppError> {
    let rows = engine.db().run(store::queues::all_memberships).await?;
    let mut by_user: HashMap<i64, Vec<MembershipView>> = HashMap::new();
    for (user_id, queue_id, name, hunt_order) in rows {
        by_user.entry(user_id).or_default().push(MembershipView {
            queue_id,
            name,
            hunt_order,
        });
    }
    Ok(by_user)
}

/// One account as the answer of a change.
async fn account(engine: &Engine, row: UserRow) -> Result<AccountView, AppError> {
    let queues = memberships(engine)
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(AccountView::of(engine, row, queues).await)
}

/// `GET /api/v1/users`: every account in the order they were added. Admins and supervisors.
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let rows = engine.db().run(store::users::all).await?;
    let mut queues = memberships(&engine).await?;
    let mut users = Vec::with_capacity(rows.len());
    for row in rows {
        let of_user = queues.remove(&row.id).unwrap_or_default();
        users.push(AccountView::of(&engine, row, of_user).await);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "users": users })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateUser {
    username: String,
    display_name: Option<String>,
    role: String,
    #[serde(default = "default_capacity")]
    capacity: i64,
    password: String,
    #[serde(default = "active_by_default")]
    active: bool,
}

fn default_capacity() -> i64 {
    i64::from(crate::domain::presence::Capacity::DEFAULT.get())
}

fn active_by_default() -> bool {
    true
}

/// `POST /api/v1/users`: a new account (201). Admins only.
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let form: CreateUser = body_as(body)?;
    let username = Username::parse(form.username.trim())?;
    let display_name =
        DisplayName::parse(form.display_name.as_deref().unwrap_or(username.as_str()))?;
    let role = parse_role(&form.role)?;
    let capacity = parse_capacity(form.capacity)?;
    check_password(&form.password, username.as_str())?;
    let password = form.password;
    let active = form.active;
    let row = engine
        .db()
        .run(move |conn| {
            if store::users::by_username(conn, username.as_str())?.is_some() {
                return Ok(Err(RuleError::UsernameTaken));
            }
            let hash = credentials::hash_password(&password)
                .map_err(|e| StoreError::Setup(format!("cannot hash a password: {e}")))?;
            let inserted = store::users::insert(
                conn,
                &NewUser {
                    username: username.as_str(),
                    display_name: display_name.as_str(),
                    role: role.as_str(),
                    password_hash: &hash,
                    active,
                    capacity: capacity.get() as i32,
                    presence: Presence::Offline.as_str(),
                    created_at_ms: now_ms(),
                },
            );
            let id = match inserted {
                // The unique index backs the check above against a racing create.
                Err(StoreError::Query(DieselError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    _,
                ))) => return Ok(Err(RuleError::UsernameTaken)),
                other => other?,
            };
            store::users::by_id(conn, id)?
                .ok_or_else(|| StoreError::Corrupt(format!("user {} vanished", id.0)))
                .map(Ok)
        })
        .await??;
    tracing::info!(admin = %user.user.username, created = %row.username, "user created");
    Ok(HttpResponse::Created().json(account(&engine, row).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChangeUser {
    display_name: Option<String>,
    role: Option<String>,
    capacity: Option<i64>,
    active: Option<bool>,
}

/// `PATCH /api/v1/users/{id}`: changes the fields given. Admins only; refused with
/// `last_admin` or `self_lockout` when it would leave nobody to administer (R71).
pub async fn change(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let form: ChangeUser = body_as(body)?;
    let update = UserUpdate {
        display_name: form
            .display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose()?,
        role: form.role.as_deref().map(parse_role).transpose()?,
        capacity: form.capacity.map(parse_capacity).transpose()?,
        active: form.active,
    };
    let target = UserId(id.into_inner());
    let row = engine.update_user(user.id(), target, update).await?;
    tracing::info!(admin = %user.user.username, changed = %row.username, "user changed");
    Ok(HttpResponse::Ok().json(account(&engine, row).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SetPassword {
    password: String,
}

/// `POST /api/v1/users/{id}/password`: an admin gives a user a new password (204). The
/// user's sessions stay signed in.
pub async fn set_password(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let SetPassword { password } = body_as(body)?;
    let target = UserId(id.into_inner());
    engine
        .db()
        .run(move |conn| {
            let Some(row) = store::users::by_id(conn, target)? else {
                return Ok(Err(AppError::UserNotFound));
            };
            if let Err(weak) = check_password(&password, &row.username) {
                return Ok(Err(weak.into()));
            }
            let hash = credentials::hash_password(&password)
                .map_err(|e| StoreError::Setup(format!("cannot hash a password: {e}")))?;
            store::users::set_password_hash(conn, target, &hash)?;
            Ok(Ok(()))
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}
