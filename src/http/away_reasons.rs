//! Away (idle) reasons (R24, R69): any signed-in user reads the list; admins (R71)
//! create, rename, reorder, deactivate and reactivate reasons.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{CurrentUser, ADMINS};
use crate::actors::Engine;
use crate::domain::away::ReasonLabel;
use crate::domain::ids::AwayReasonId;
use crate::error::AppError;
use crate::store::{self, away_reasons::AwayReasonRow, away_reasons::ReasonChange};

#[derive(Debug, Serialize)]
struct ReasonView {
    id: AwayReasonId,
    label: String,
    sort_order: i32,
    active: bool,
}

impl From<AwayReasonRow> for ReasonView {
    fn from(row: AwayReasonRow) -> ReasonView {
        ReasonView {
            id: AwayReasonId(row.id),
            label: row.label,
            sort_order: row.sort_order,
            active: row.active,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Also list deactivated reasons (to reactivate one).
    #[serde(default)]
    include_inactive: bool,
}

/// `GET /api/v1/away-reasons`: the menu order; active reasons only unless asked.
pub async fn list(
    engine: web::Data<Engine>,
    _user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let include_inactive = query.include_inactive;
    let rows = engine.db().run(store::away_reasons::all).await?;
    let away_reasons: Vec<ReasonView> = rows
        .into_iter()
        .filter(|row| include_inactive || row.active)
        .map(ReasonView::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "away_reasons": away_reasons })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateReason {
    label: String,
    /// Where it goes in the menu (lower first); after the others when left out.
    sort_order: Option<i32>,
}

/// `POST /api/v1/away-reasons`
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    body: web::Json<CreateReason>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let CreateReason { label, sort_order } = body.into_inner();
    let label = ReasonLabel::parse(&label)?;
    let row = engine.create_away_reason(label, sort_order).await?;
    Ok(HttpResponse::Created().json(ReasonView::from(row)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeReason {
    label: Option<String>,
    sort_order: Option<i32>,
    active: Option<bool>,
}

/// `PATCH /api/v1/away-reasons/{reason_id}`: rename, reorder, deactivate or reactivate.
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
    } = body.into_inner();
    let change = ReasonChange {
        label: label.as_deref().map(ReasonLabel::parse).transpose()?,
        sort_order,
        active,
    };
    let row = engine
        .change_away_reason(AwayReasonId(reason_id.into_inner()), change)
        .await?;
    Ok(HttpResponse::Ok().json(ReasonView::from(row)))
}
