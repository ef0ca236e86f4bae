//! Wrap-up (R50, R51, R56): any signed-in user reads the reasons; admins (R71)
//! create, rename, reorder, deactivate them and choose the default, and set a queue's own auto
//! wrap-up time. Agents give their wrap-ups over the socket (`submit_wrap_up`).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{CurrentUser, ADMINS, SUPERVISORS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::away::ReasonLabel;
use crate::domain::ids::{QueueId, WrapUpReasonId};
use crate::domain::wrap_up::check_auto_after;
use crate::error::AppError;
use crate::store::{self, wrap_ups::ReasonChange, wrap_ups::ReasonRow};

#[derive(Debug, Serialize)]
struct ReasonView {
    id: WrapUpReasonId,
    label: String,
    sort_order: i32,
    active: bool,
    is_default: bool,
}

impl From<ReasonRow> for ReasonView {
    fn from(row: ReasonRow) -> ReasonView {
        ReasonView {
            id: WrapUpReasonId(row.id),
            label: row.label,
            sort_order: row.sort_order,
            active: row.active,
            is_default: row.is_default,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Also list deactivated reasons (to reactivate one).
    #[serde(default)]
    include_inactive: bool,
}

/// `GET /api/v1/wrap-up-reasons`: menu order; active reasons only unless asked.
pub async fn list(
    engine: web::Data<Engine>,
    _user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let include_inactive = query.include_inactive;
    let rows = engine.db().run(store::wrap_ups::all_reasons).await?;
    let reasons: Vec<ReasonView> = rows
        .into_iter()
        .filter(|row| include_inactive || row.active)
        .map(ReasonView::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "wrap_up_reasons": reasons })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateReason {
    label: String,
    /// Where it goes in the list (lower first); after the others when left out.
    sort_order: Option<i32>,
    /// Makes it the default (the old default stops being one).
    #[serde(default)]
    is_default: bool,
}

/// `POST /api/v1/wrap-up-reasons`
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    body: web::Json<CreateReason>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let CreateReason {
        label,
        sort_order,
        is_default,
    } = body.into_inner();
    let change = ReasonChange {
        label: Some(ReasonLabel::parse(&label)?),
        sort_order,
        active: Some(true),
        is_default: Some(is_default),
    };
    let row = save(&engine, None, change).await?;
    Ok(HttpResponse::Created().json(ReasonView::from(row)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeReason {
    label: Option<String>,
    sort_order: Option<i32>,
    active: Option<bool>,
    is_default: Option<bool>,
}

/// `PATCH /api/v1/wrap-up-reasons/{reason_id}`: rename, reorder, deactivate, reactivate, or
/// make it the default.
pub async fn change(
    engine: web::Data<Engine>,
    user: CurrentUser,
    reason_id: web::Path<i64>,
    body: web::Json<ChangeReason>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let ChangeReason {
        label,
        sort_order,
        active,
        is_default,
    } = body.into_inner();
    let change = ReasonChange {
        label: label.as_deref().map(ReasonLabel::parse).transpose()?,
        sort_order,
        active,
        is_default,
    };
    let id = WrapUpReasonId(reason_id.into_inner());
    let row = save(&engine, Some(id), change).await?;
    Ok(HttpResponse::Ok().json(ReasonView::from(row)))
}

async fn save(
    engine: &Engine,
    id: Option<WrapUpReasonId>,
    change: ReasonChange,
) -> Result<ReasonRow, AppError> {
    let row = engine
        .db()
        .run(move |conn| store::wrap_ups::save_reason(conn, id, &change, now_ms()))
        .await??;
    Ok(row)
}

/// R56: a queue's own auto wrap-up time.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueWrapUp {
    /// `null`: the global `wrap_up.auto_after_ms`; 0: no countdown; else milliseconds.
    auto_after_ms: Option<i64>,
}

/// `GET /api/v1/queues/{queue_id}/wrap-up`
pub async fn queue_settings(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let queue = QueueId(queue_id.into_inner());
    let auto_after_ms = engine
        .db()
        .run(move |conn| store::wrap_ups::queue_auto_after(conn, queue))
        .await?
        .ok_or(AppError::QueueNotFound)?;
    Ok(HttpResponse::Ok().json(QueueWrapUp { auto_after_ms }))
}

/// `PUT /api/v1/queues/{queue_id}/wrap-up`: applies to wrap-ups owed from now on.
pub async fn set_queue_settings(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
    body: web::Json<QueueWrapUp>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let queue = QueueId(queue_id.into_inner());
    let auto_after_ms = check_auto_after(body.into_inner().auto_after_ms)?;
    let found = engine
        .db()
        .run(move |conn| store::wrap_ups::set_queue_auto_after(conn, queue, auto_after_ms))
        .await?;
    if !found {
        return Err(AppError::QueueNotFound);
    }
    tracing::info!(%queue, by = %user.id(), ?auto_after_ms, "queue auto wrap-up changed");
    Ok(HttpResponse::Ok().json(QueueWrapUp { auto_after_ms }))
}
