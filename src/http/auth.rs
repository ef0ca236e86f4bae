//! Agent, supervisor and admin login: argon2-checked passwords, sessions as random tokens
//! (stored hashed), sent back both as an HttpOnly cookie (dashboards) and in the body (API
//! clients, which send it as `Authorization: Bearer`).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::audit::{self, Actor};
use super::limits::RequestLimits;
use crate::actors::agent::LoggedOut;
use crate::actors::monitor::{EndedSessions, SessionClosed};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::ids::UserId;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::limits::Kind;
use crate::store::{self, audit::NewAuditEntry, sessions::NewSession, users::UserRow};

pub const SESSION_COOKIE: &str = "parley_session";

/// R71: the roles that manage the contact center's day-to-day configuration and review it.
pub const SUPERVISORS: &[Role] = &[Role::Supervisor, Role::Admin];

/// R71: the role that manages websites, queues, agents, opening hours and settings. Every
/// configuration write is for admins; supervisors may read the configuration.
pub const ADMINS: &[Role] = &[Role::Admin];

/// The signed-in user of a request.
pub struct CurrentUser {
    pub user: UserRow,
    token_hash: String,
    pub session_expires_at_ms: i64,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        self.user.user_id()
    }

    /// R71: refuses users whose role is not one of `allowed`.
    pub fn require_role(&self, allowed: &[Role]) -> Result<Role, AppError> {
        Role::parse(&self.user.role)
            .filter(|role| allowed.contains(role))
            .ok_or(AppError::Forbidden)
    }

    /// Identifies the login session (the stored hash of its token, never the token).
    pub fn session(&self) -> &str {
        &self.token_hash
    }
}

/// The session token of a request: `Authorization: Bearer …` first, then the cookie.
fn session_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()))
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CurrentUser, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let engine = req.app_data::<web::Data<Engine>>().cloned();
        let token = session_token(req);
        let req = req.clone();
        Box::pin(async move {
            let engine = engine.ok_or_else(|| AppError::Internal("engine missing".into()))?;
            let token = token.ok_or(AppError::Unauthorized)?;
            let token_hash = credentials::token_hash(&token);
            let lookup = token_hash.clone();
            let found = engine
                .db()
                .run(move |conn| store::sessions::find(conn, &lookup))
                .await?;
            let (user, expires_at_ms) = found.ok_or(AppError::Unauthorized)?;
            if expires_at_ms <= now_ms() {
                return Err(AppError::SessionExpired);
            }
            if !user.active {
                return Err(AppError::AccountDeactivated);
            }
            // For the audit log (R71), which records what this user changes.
            req.extensions_mut().insert(Actor {
                id: user.id,
                username: user.username.clone(),
            });
            Ok(CurrentUser {
                user,
                token_hash,
                session_expires_at_ms: expires_at_ms,
            })
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Debug, Serialize)]
pub struct UserView {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    capacity: i32,
}

impl From<&UserRow> for UserView {
    fn from(user: &UserRow) -> UserView {
        UserView {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role.clone(),
            capacity: user.capacity,
        }
    }
}

#[derive(Debug, Serialize)]
struct LoginResponse {
    token: String,
    expires_at_ms: i64,
    user: UserView,
}

/// `POST /api/v1/auth/login`
pub async fn login(
    engine: web::Data<Engine>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let LoginRequest { username, password } = body.into_inner();
    let typed: String = username.chars().take(64).collect();
    // Issue 10: attempts per IP address and per username, then the username's lockout. A
    // locked or limited attempt checks no password; unknown usernames are counted and locked
    // alike, so none of these answers tells whether a username exists.
    let limits = RequestLimits::of(&engine, &req);
    limits.per_ip(Kind::LoginIp)?;
    limits.per_key(Kind::LoginUsername, &typed.to_lowercase())?;
    engine.limits().login_allowed(&typed)?;
    let ttl_ms = engine.settings().auth.session_ttl_secs.max(1) * 1000;
    let token = credentials::new_token();
    let token_hash = credentials::token_hash(&token);
    let user = engine
        .db()
        .run(move |conn| {
            let Some(user) = store::users::by_username(conn, &username)? else {
                // Verify anyway, so a wrong name takes as long as a wrong password.
                let _ = credentials::verify_password(&password, dummy_hash());
                return Ok(Err((None, AppError::InvalidCredentials)));
            };
            if !credentials::verify_password(&password, &user.password_hash) {
                return Ok(Err((Some(user.id), AppError::InvalidCredentials)));
            }
            if !user.active {
                return Ok(Err((Some(user.id), AppError::AccountDeactivated)));
            }
            let now = now_ms();
            store::sessions::insert(
                conn,
                &NewSession {
                    token_hash: &token_hash,
                    user_id: user.id,
                    created_at_ms: now,
                    expires_at_ms: now + ttl_ms,
                },
            )?;
            store::sessions::delete_expired(conn, now)?;
            Ok(Ok((user, now + ttl_ms)))
        })
        .await?;
    let (user, expires_at_ms) = match user {
        Ok(user) => user,
        Err((user_id, refusal)) => {
            if matches!(refusal, AppError::InvalidCredentials) {
                engine.limits().login_failed(&typed);
            }
            let details = serde_json::json!({ "reason": refusal.code() }).to_string();
            audit::write(
                &engine,
                login_entry(user_id, typed, "auth.login_failed", details),
            )
            .await;
            return Err(refusal);
        }
    };
    let entry = login_entry(
        Some(user.id),
        user.username.clone(),
        "auth.login",
        "{}".into(),
    );
    audit::write(&engine, entry).await;
    engine.limits().login_succeeded(&typed);
    tracing::info!(user = %user.username, "logged in");
    let cookie = session_cookie(&engine, token.clone())
        .max_age(CookieDuration::milliseconds(ttl_ms))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(LoginResponse {
        token,
        expires_at_ms,
        user: UserView::from(&user),
    }))
}

/// The session cookie (issue 10): HttpOnly (no script reads it), SameSite=Strict (no other
/// site's page or link sends it: the dashboards are reached by typing or bookmarking their
/// address, so Strict costs nothing), Secure with `auth.cookie_secure` or an https public URL.
fn session_cookie(engine: &Engine, value: String) -> actix_web::cookie::CookieBuilder<'static> {
    let settings = engine.settings();
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(settings.auth.cookie_secure || settings.server.served_over_tls())
}

/// R71: an audit row of a login, failed login or logout.
fn login_entry(
    user_id: Option<i64>,
    username: String,
    action: &str,
    details: String,
) -> NewAuditEntry {
    NewAuditEntry {
        at_ms: now_ms(),
        user_id,
        username,
        action: action.to_owned(),
        target: String::new(),
        details,
    }
}

/// An argon2 hash of a random string, checked against when the username is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| credentials::hash_password(&credentials::new_token()).unwrap_or_default())
}

/// `POST /api/v1/auth/logout`: ends this session and closes the sockets opened with it; the
/// agent goes offline at once if it has no other session left.
pub async fn logout(
    engine: web::Data<Engine>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let token_hash = user.token_hash.clone();
    let id = user.id();
    let others = engine
        .db()
        .run(move |conn| {
            store::sessions::delete(conn, &token_hash)?;
            store::sessions::live_count(conn, id, now_ms())
        })
        .await?;
    if let Some(agent) = engine.running_agent(id) {
        agent.do_send(LoggedOut {
            session: user.token_hash.clone(),
            last_session: others == 0,
            reason: "logged_out",
        });
    }
    let entry = login_entry(
        Some(id.0),
        user.user.username.clone(),
        "auth.logout",
        "{}".into(),
    );
    audit::write(&engine, entry).await;
    if let Some(monitor) = engine.running_monitor() {
        monitor.do_send(SessionClosed {
            ended: EndedSessions::One(user.token_hash.clone()),
            reason: "logged_out",
        });
    }
    let mut expired = session_cookie(&engine, String::new()).finish();
    expired.make_removal();
    Ok(HttpResponse::NoContent().cookie(expired).finish())
}

/// `GET /api/v1/auth/me`
pub async fn me(user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(&user.user))
}
