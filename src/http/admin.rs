//! What admins change while the engine runs: the runtime options (R35, R36, R55, R66).

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{CurrentUser, ADMINS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::options::{OptionsChange, RuntimeOptions};
use crate::error::AppError;
use crate::store;

/// The options as admins read them, with what an unset unattended timeout follows.
#[derive(Debug, Serialize)]
struct OptionsView {
    #[serde(flatten)]
    options: RuntimeOptions,
    /// R66: the configuration's `chats.unattended_timeout_ms`, used while
    /// `unattended_timeout_ms` is `null`.
    configured_unattended_timeout_ms: i64,
}

fn view(engine: &Engine, options: RuntimeOptions) -> OptionsView {
    OptionsView {
        options,
        configured_unattended_timeout_ms: engine.settings().chats.unattended_timeout_ms,
    }
}

/// `GET /api/v1/options`: every runtime option with its value. Admins only.
pub async fn options(
    engine: web::Data<Engine>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    Ok(HttpResponse::Ok().json(view(&engine, engine.options().await?)))
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
    change.check()?;
    let options = engine
        .db()
        .run(move |conn| store::options::change(conn, &change, now_ms()))
        .await?;
    engine.options_changed(&options);
    tracing::info!(admin = %user.user.username, ?options, "runtime options changed");
    Ok(HttpResponse::Ok().json(view(&engine, options)))
}
