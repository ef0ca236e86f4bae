//! R92 (GDPR): `POST /api/v1/chats/{chat_id}/erase-visitor`: an admin erases one visitor's
//! data on request: the chat and every other chat of its website with the same browser
//! identity are anonymised at once, as the scheduled job does with old chats (see
//! `domain::retention`). Reports still count them. The audit log records who did it.

use actix_web::{web, HttpResponse};

use super::auth::{CurrentUser, ADMINS};
use crate::actors::retention::anonymise_chats;
use crate::actors::Engine;
use crate::domain::ids::ChatId;
use crate::error::AppError;
use crate::store::retention::chats_of_visitor_of;

pub async fn erase_visitor(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let chat = ChatId(chat_id.into_inner());
    let chats = engine
        .db()
        .run(move |conn| chats_of_visitor_of(conn, chat))
        .await?
        .ok_or(AppError::ChatNotFound)?
        .map_err(|open| AppError::ChatStillOpen(open.0))?;
    let ids: Vec<i64> = chats.iter().map(|c| c.0).collect();
    let erased = anonymise_chats(engine.db(), engine.files(), chats).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "chat_ids": ids,
        "anonymised": erased.chats,
        "files_removed": erased.file_keys.len(),
    })))
}
