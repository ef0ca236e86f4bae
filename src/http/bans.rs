//! Bans (R55): an agent in a chat (while admins allow it) or a supervisor bans the chat's
//! visitor, which ends the chat; supervisors and admins keep the blacklist.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::{CurrentUser, SUPERVISORS};
use super::visitor_context::chat_of_staff;
use crate::actors::chat::EndBanned;
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::ban::{may_ban, BanReason, BanTarget};
use crate::domain::ids::{ChatId, WebsiteId};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::protocol::VisitorDetails;
use crate::store;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanBody {
    reason: String,
}

/// `POST /api/v1/chats/{chat_id}/ban`: R55. Bans the visitor's key and, if the website signed
/// one, its user id, on the chat's website; then the chat, waiting or active, ends with
/// disposition `banned`, ended by the user who banned (an ended chat stays as it was).
pub async fn ban(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
    body: web::Json<BanBody>,
) -> Result<HttpResponse, AppError> {
    let (row, role) = chat_of_staff(&engine, &user, ChatId(chat_id.into_inner())).await?;
    let reason = BanReason::parse(&body.reason)?;
    may_ban(role, engine.options().await?.agents_may_ban)?;
    let details: VisitorDetails = store::parse_json("chats.visitor_meta", &row.visitor_meta)?;
    let subject = details.verified.and_then(|v| v.sub);
    let target = BanTarget::new(row.visitor_key.clone(), subject)?;
    let (chat, website, by) = (row.chat_id(), WebsiteId(row.website_id), user.id());
    let ban = engine
        .db()
        .run(move |conn| store::bans::insert(conn, website, &target, &reason, chat, by, now_ms()))
        .await?;
    tracing::info!(chat_id = %chat, by = %by, ban = ban.ban_id, "visitor banned");
    let ended = engine.chat(chat).await?.send(EndBanned { by }).await?;
    match ended {
        Ok(_) | Err(AppError::Rule(RuleError::ChatEnded)) => {}
        Err(e) => return Err(e),
    }
    Ok(HttpResponse::Created().json(ban))
}

/// `GET /api/v1/bans`: R55, the blacklist, newest first. Supervisors and admins.
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let bans = engine.db().run(store::bans::all).await?;
    Ok(HttpResponse::Ok().json(json!({ "bans": bans })))
}

/// `DELETE /api/v1/bans/{ban_id}`: R55, lifts a ban: the visitor may start chats again.
pub async fn lift(
    engine: web::Data<Engine>,
    user: CurrentUser,
    ban_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let id = ban_id.into_inner();
    let found = engine
        .db()
        .run(move |conn| store::bans::delete(conn, id))
        .await?;
    if !found {
        return Err(AppError::BanNotFound);
    }
    tracing::info!(ban = id, by = %user.id(), "ban lifted");
    Ok(HttpResponse::NoContent().finish())
}
