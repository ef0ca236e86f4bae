//! What admins change while the engine runs: the runtime options (R35, R36).

use actix_web::{web, HttpResponse};

use super::auth::{CurrentUser, ADMINS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::options::OptionsChange;
use crate::error::AppError;
use crate::store;

/// `GET /api/v1/options`: every runtime option with its value. Admins only.
pub async fn options(
    engine: web::Data<Engine>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    Ok(HttpResponse::Ok().json(engine.options().await?))
}

/// `PUT /api/v1/options`: changes the options named in the body; the answer is all of them.
/// The change applies at once: every preview, pick and redirect reads the stored options.
pub async fn set_options(
    engine: web::Data<Engine>,
    user: CurrentUser,
    change: web::Json<OptionsChange>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let change = change.into_inner();
    let options = engine
        .db()
        .run(move |conn| store::options::change(conn, &change, now_ms()))
        .await?;
    tracing::info!(admin = %user.user.username, ?options, "runtime options changed");
    Ok(HttpResponse::Ok().json(options))
}
