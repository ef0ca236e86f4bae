//! Invitation codes (R37, A12): an agent makes a six-digit code, and a link with it, that
//! routes a visitor straight to that agent; lists its active codes; revokes one.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::CurrentUser;
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::invitation::{CodeRequest, InvitationCode};
use crate::domain::website::WebsiteKey;
use crate::domain::RuleError;
use crate::error::AppError;
use crate::store::{self, invitations::CodeRow};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCode {
    /// Minutes the code stays valid; the configured default if absent.
    validity_minutes: Option<i64>,
    /// Any number of chats until it expires, instead of one (A12: single use by default).
    #[serde(default)]
    reusable: bool,
    /// The website whose chat page the link opens.
    website_key: Option<String>,
}

#[derive(Debug, Serialize)]
struct CodeView {
    code: String,
    /// A link that opens a chat with the code already entered, when a website is known.
    url: Option<String>,
    created_at_ms: i64,
    expires_at_ms: i64,
    reusable: bool,
    uses: i32,
}

impl CodeView {
    fn new(row: CodeRow, url: Option<String>) -> CodeView {
        CodeView {
            code: row.code,
            url,
            created_at_ms: row.created_at_ms,
            expires_at_ms: row.expires_at_ms,
            reusable: row.max_uses.is_none(),
            uses: row.uses,
        }
    }
}

/// Where visitors reach the engine: the configured public URL, else this request's host.
fn public_base(engine: &Engine, req: &HttpRequest) -> String {
    let configured = engine.settings().server.public_url.trim_end_matches('/');
    if configured.is_empty() {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    } else {
        configured.to_owned()
    }
}

/// `POST /api/v1/invitation-codes`: a new code for the signed-in agent.
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Json<CreateCode>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let website = match body.website_key.as_deref() {
        Some(key) => {
            let key = WebsiteKey::parse(key)?;
            engine.website(&key).ok_or(AppError::WebsiteNotFound)?;
            Some(key)
        }
        None => None,
    };
    let limits = &engine.settings().invitations;
    let now = now_ms();
    let terms = CodeRequest {
        validity_minutes: body.validity_minutes,
        reusable: body.reusable,
    }
    .terms(
        now,
        limits.default_validity_minutes,
        limits.max_validity_minutes,
    )?;
    let agent = user.id();
    let row = engine
        .db()
        .run(move |conn| store::invitations::create(conn, agent, terms, now, rand::random::<u32>))
        .await?
        .ok_or_else(|| AppError::Internal("no free invitation code".to_owned()))?;
    let url = website.map(|key| {
        format!(
            "{}/?website={}&invitation={}",
            public_base(&engine, &req),
            key.as_str(),
            row.code
        )
    });
    tracing::info!(agent_id = %agent, expires_at_ms = row.expires_at_ms, "invitation code created");
    Ok(HttpResponse::Created().json(CodeView::new(row, url)))
}

/// `GET /api/v1/invitation-codes`: the signed-in agent's codes that still route visitors.
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let agent = user.id();
    let rows = engine
        .db()
        .run(move |conn| store::invitations::active_of(conn, agent, now_ms()))
        .await?;
    let codes: Vec<CodeView> = rows
        .into_iter()
        .map(|row| CodeView::new(row, None))
        .collect();
    Ok(HttpResponse::Ok().json(codes))
}

/// `DELETE /api/v1/invitation-codes/{code}`: the agent ends one of its codes early.
pub async fn revoke(
    engine: web::Data<Engine>,
    user: CurrentUser,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = InvitationCode::parse(&code)?;
    let agent = user.id();
    let revoked = engine
        .db()
        .run(move |conn| store::invitations::revoke(conn, agent, &code, now_ms()))
        .await?;
    if revoked {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(RuleError::InvitationUnknown.into())
    }
}
