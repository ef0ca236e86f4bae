//! Queues: admins create and delete them (R67) and change their routing rules (R20, R28),
//! opening hours (R29) and leave-a-message switch (R78); supervisors may read them (R71).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::{CurrentUser, ADMINS, SUPERVISORS};
use super::website_settings::body_as;
use crate::actors::queue::{SetOpeningHours, SetRoutingRules};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::ids::QueueId;
use crate::domain::queue::{QueueRules, Strategy};
use crate::domain::schedule::{Schedule, ScheduleForm};
use crate::error::AppError;
use crate::store;
use diesel::Connection;

#[derive(Debug, Serialize)]
struct OpeningHoursView {
    queue_id: QueueId,
    opening_hours: ScheduleForm,
    /// Whether the queue is inside its opening hours now.
    open_now: bool,
    /// When it next opens or closes; `null` if never (always open).
    next_change_at_ms: Option<i64>,
}

impl OpeningHoursView {
    fn of(queue_id: QueueId, hours: &Schedule) -> OpeningHoursView {
        let now = now_ms();
        OpeningHoursView {
            queue_id,
            opening_hours: hours.to_form(),
            open_now: hours.is_open_at(now),
            next_change_at_ms: hours.next_change_after(now),
        }
    }
}

/// `GET /api/v1/queues/{queue_id}/opening-hours`: R29.
pub async fn opening_hours(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let queue_id = QueueId(queue_id.into_inner());
    let row = stored_queue(&engine, queue_id).await?;
    let hours = row.opening_hours()?;
    Ok(HttpResponse::Ok().json(OpeningHoursView::of(queue_id, &hours)))
}

/// `PUT /api/v1/queues/{queue_id}/opening-hours`: R29. Checks the schedule, stores it, and
/// tells the queue's actor before answering, so the next chat request already sees it.
pub async fn set_opening_hours(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    // Read as any JSON first, so that the role is checked before the body's shape.
    let form: ScheduleForm = body_as(body)?;
    let hours = Schedule::parse(&form)?;
    let queue_id = QueueId(queue_id.into_inner());
    let stored = hours.clone();
    let found = engine
        .db()
        .run(move |conn| store::queues::set_opening_hours(conn, queue_id, &stored))
        .await?;
    if !found {
        return Err(AppError::QueueNotFound);
    }
    if let Some(queue) = engine.queue(queue_id) {
        queue
            .send(SetOpeningHours {
                hours: hours.clone(),
            })
            .await?;
    }
    tracing::info!(queue = %queue_id, by = %user.id(), "opening hours changed");
    Ok(HttpResponse::Ok().json(OpeningHoursView::of(queue_id, &hours)))
}

/// A queue's routing rules as admins write them and supervisors read them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRulesView {
    strategy: Strategy,
    offer_timeout_ms: i64,
    hunt_timeout_ms: i64,
    rona_enabled: bool,
}

impl RoutingRulesView {
    fn of(rules: QueueRules) -> RoutingRulesView {
        RoutingRulesView {
            strategy: rules.strategy,
            offer_timeout_ms: rules.offer_timeout_ms,
            hunt_timeout_ms: rules.hunt_timeout_ms,
            rona_enabled: rules.rona,
        }
    }
}

/// `GET /api/v1/queues/{queue_id}/routing-rules`: R20, R28.
pub async fn routing_rules(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let queue_id = QueueId(queue_id.into_inner());
    let row = stored_queue(&engine, queue_id).await?;
    let strategy = Strategy::parse(&row.strategy)
        .ok_or_else(|| AppError::Internal(format!("queues.strategy {:?}", row.strategy)))?;
    Ok(HttpResponse::Ok().json(RoutingRulesView {
        strategy,
        offer_timeout_ms: row.offer_timeout_ms,
        hunt_timeout_ms: row.hunt_timeout_ms,
        rona_enabled: row.rona_enabled,
    }))
}

/// `PUT /api/v1/queues/{queue_id}/routing-rules`: R20, R28. Checks, stores, and hands the rules
/// to the running queue before answering: the next offer follows them.
pub async fn set_routing_rules(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let view: RoutingRulesView = body_as(body)?;
    let rules = QueueRules::new(
        view.offer_timeout_ms,
        view.hunt_timeout_ms,
        view.rona_enabled,
        view.strategy,
    )?;
    let queue_id = QueueId(queue_id.into_inner());
    let found = engine
        .db()
        .run(move |conn| store::queues::set_routing_rules(conn, queue_id, &rules))
        .await?;
    if !found {
        return Err(AppError::QueueNotFound);
    }
    if let Some(queue) = engine.queue(queue_id) {
        queue.send(SetRoutingRules { rules }).await?;
    }
    tracing::info!(queue = %queue_id, by = %user.id(), ?rules, "routing rules changed");
    Ok(HttpResponse::Ok().json(RoutingRulesView::of(rules)))
}

/// A queue as the console lists it.
fn queue_view(queue: &store::queues::QueueRow) -> Value {
    serde_json::json!({
        "queue_id": queue.id,
        "name": queue.name,
        "strategy": queue.strategy,
        "offer_timeout_ms": queue.offer_timeout_ms,
        "hunt_timeout_ms": queue.hunt_timeout_ms,
        "rona_enabled": queue.rona_enabled,
        "leave_message": queue.leave_message,
    })
}

/// `GET /api/v1/queues`: every queue with its routing timeouts, oldest first, for the
/// console's pickers and queue pages (R67).
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let queues = engine.db().run(store::queues::all).await?;
    let shown: Vec<Value> = queues.into_iter().map(|queue| queue_view(&queue)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "queues": shown })))
}

/// The longest queue name.
const MAX_QUEUE_NAME_CHARS: usize = 100;

/// A new queue as `POST /queues` takes it; everything but the name has the R20 defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewQueueBody {
    name: String,
    #[serde(default = "default_strategy")]
    strategy: Strategy,
    #[serde(default = "default_offer_ms")]
    offer_timeout_ms: i64,
    #[serde(default = "default_hunt_ms")]
    hunt_timeout_ms: i64,
    #[serde(default)]
    rona_enabled: bool,
    #[serde(default)]
    opening_hours: Option<ScheduleForm>,
    /// R78: on by default, as a website's switch is.
    #[serde(default = "default_leave_message")]
    leave_message: bool,
}

fn default_leave_message() -> bool {
    true
}

fn default_strategy() -> Strategy {
    Strategy::Sequential
}

/// R20: 15 s per offer.
fn default_offer_ms() -> i64 {
    15_000
}

/// R19, R20: 60 s per hunt.
fn default_hunt_ms() -> i64 {
    60_000
}

/// `POST /api/v1/queues`: R67, admins only. The queue is stored and its actor started before
/// the answer, so websites can target it and agents join it at once.
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: NewQueueBody = body_as(body)?;
    let name = super::websites::checked_text(&body.name, MAX_QUEUE_NAME_CHARS)?;
    if name.is_empty() {
        return Err(crate::domain::RuleError::EmptyName.into());
    }
    let rules = QueueRules::new(
        body.offer_timeout_ms,
        body.hunt_timeout_ms,
        body.rona_enabled,
        body.strategy,
    )?;
    let hours = match &body.opening_hours {
        None => Schedule::always_open(),
        Some(form) => Schedule::parse(form)?,
    };
    let stored_hours = hours.clone();
    let leave_message = body.leave_message;
    let row = engine
        .db()
        .run(move |conn| {
            Ok(
                conn.transaction(|conn| -> Result<store::queues::QueueRow, AppError> {
                    let id = store::queues::insert(
                        conn,
                        &store::queues::NewQueue {
                            name: &name,
                            offer_timeout_ms: rules.offer_timeout_ms,
                            hunt_timeout_ms: rules.hunt_timeout_ms,
                            rona_enabled: rules.rona,
                            created_at_ms: now_ms(),
                            strategy: rules.strategy.as_str(),
                        },
                    )?;
                    store::queues::set_opening_hours(conn, id, &stored_hours)?;
                    store::queues::set_leave_message(conn, id, leave_message)?;
                    store::queues::by_id(conn, id)?.ok_or(AppError::QueueNotFound)
                }),
            )
        })
        .await??;
    let queue_id = QueueId(row.id);
    let view = queue_view(&row);
    engine.start_queue(row, Vec::new(), hours).await?;
    tracing::info!(queue = %queue_id, by = %user.id(), "queue created");
    Ok(HttpResponse::Created().json(view))
}

/// `DELETE /api/v1/queues/{queue_id}`: R67, admins only. Refused with `queue_in_use` while a
/// website targets the queue, a chat waits in it or is active from it, or chats of its history
/// name it (kept for the chat logs). Its members are agents still: only the memberships go.
pub async fn delete(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let queue_id = QueueId(queue_id.into_inner());
    engine
        .db()
        .run(move |conn| {
            Ok(conn.transaction(|conn| -> Result<(), AppError> {
                store::write_first(conn)?;
                if store::queues::by_id(conn, queue_id)?.is_none() {
                    return Err(AppError::QueueNotFound);
                }
                let usage = store::queues::usage(conn, queue_id)?;
                if let Some(why) = usage.refusal() {
                    return Err(AppError::QueueInUse(why));
                }
                store::queues::delete(conn, queue_id)?;
                Ok(())
            }))
        })
        .await??;
    engine.forget_queue(queue_id);
    tracing::info!(queue = %queue_id, by = %user.id(), "queue deleted");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LeaveMessageBody {
    leave_message: bool,
}

/// `GET /api/v1/queues/{queue_id}/leave-message`: R67, R78.
pub async fn leave_message(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let queue_id = QueueId(queue_id.into_inner());
    let row = stored_queue(&engine, queue_id).await?;
    Ok(HttpResponse::Ok().json(LeaveMessageBody {
        leave_message: row.leave_message,
    }))
}

/// `PUT /api/v1/queues/{queue_id}/leave-message`: R67, R78, admins only. Whether the queue's
/// visitors nobody took may leave a message (when their website allows it too); stored, then
/// used by the queue's chats that end from now on.
pub async fn set_leave_message(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: LeaveMessageBody = body_as(body)?;
    let queue_id = QueueId(queue_id.into_inner());
    let on = body.leave_message;
    let found = engine
        .db()
        .run(move |conn| store::queues::set_leave_message(conn, queue_id, on))
        .await?;
    if !found {
        return Err(AppError::QueueNotFound);
    }
    engine.set_queue_leave_message(queue_id, on);
    tracing::info!(queue = %queue_id, by = %user.id(), leave_message = on, "leave-a-message changed");
    Ok(HttpResponse::Ok().json(body))
}

/// The stored queue, or `queue_not_found`.
async fn stored_queue(
    engine: &Engine,
    queue_id: QueueId,
) -> Result<store::queues::QueueRow, AppError> {
    engine
        .db()
        .run(move |conn| store::queues::by_id(conn, queue_id))
        .await?
        .ok_or(AppError::QueueNotFound)
}
