//! Queue membership and agent capacity, changed while the engine runs (R25, R26, R67, R70,
//! R73). Admins change them; supervisors read them (R71). Each change is stored, then takes
//! effect at once.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::{CurrentUser, ADMINS, SUPERVISORS};
use crate::actors::agent::DescribePresence;
use crate::actors::Engine;
use crate::domain::away::AwayReason;
use crate::domain::ids::{AwayReasonId, QueueId, UserId};
use crate::domain::presence::{Capacity, Presence};
use crate::domain::routing::HuntOrder;
use crate::error::AppError;
use crate::store;

#[derive(Debug, Serialize)]
struct MemberView {
    user_id: UserId,
    username: String,
    display_name: String,
    role: String,
    hunt_order: i32,
    capacity: i32,
    /// Available, away, rona or offline: live for a signed-in agent, else as last stored.
    presence: String,
    away_reason: Option<AwayReason>,
}

/// `GET /api/v1/queues/{queue_id}/members`: in hunt order (R17).
pub async fn list(
    engine: web::Data<Engine>,
    user: CurrentUser,
    queue_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let queue_id = QueueId(queue_id.into_inner());
    let rows = engine
        .db()
        .run(move |conn| {
            if store::queues::by_id(conn, queue_id)?.is_none() {
                return Ok(None);
            }
            store::queues::member_list(conn, queue_id).map(Some)
        })
        .await?
        .ok_or(AppError::QueueNotFound)?;
    let reasons = engine.away_reasons();
    let mut members = Vec::with_capacity(rows.len());
    for row in rows {
        let user_id = UserId(row.user_id);
        // Live from the agent's actor if it runs; else as last stored.
        let (presence, away_reason) = match engine.running_agent(user_id) {
            Some(agent) => {
                let now = agent.send(DescribePresence).await?;
                (now.presence.as_str().to_owned(), now.away_reason)
            }
            None => {
                let reason = row
                    .away_reason_id
                    .filter(|_| row.presence == Presence::Away.as_str())
                    .and_then(|id| reasons.get(AwayReasonId(id)).cloned());
                (row.presence, reason)
            }
        };
        members.push(MemberView {
            user_id,
            username: row.username,
            display_name: row.display_name,
            role: row.role,
            hunt_order: row.hunt_order,
            capacity: row.capacity,
            presence,
            away_reason,
        });
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "queue_id": queue_id, "members": members })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetMember {
    hunt_order: i64,
}

/// `PUT /api/v1/queues/{queue_id}/members/{user_id}`: adds the user (201) or gives the member
/// a new hunt order (200).
pub async fn put(
    engine: web::Data<Engine>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    body: web::Json<SetMember>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let (queue_id, user_id) = (QueueId(path.0), UserId(path.1));
    let hunt_order = HuntOrder::parse(body.hunt_order)?;
    let added = engine
        .set_queue_member(queue_id, user_id, hunt_order)
        .await?;
    let view = serde_json::json!({
        "queue_id": queue_id,
        "user_id": user_id,
        "hunt_order": hunt_order.get(),
    });
    Ok(if added {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// `DELETE /api/v1/queues/{queue_id}/members/{user_id}`: the user stays; only its membership
/// goes.
pub async fn delete(
    engine: web::Data<Engine>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    engine
        .remove_queue_member(QueueId(path.0), UserId(path.1))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetCapacity {
    capacity: i64,
}

/// `PUT /api/v1/agents/{user_id}/capacity`
pub async fn put_capacity(
    engine: web::Data<Engine>,
    user: CurrentUser,
    user_id: web::Path<i64>,
    body: web::Json<SetCapacity>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let user_id = UserId(user_id.into_inner());
    // A number outside u32 becomes 0, which `parse` refuses like any other out-of-range one.
    let capacity = Capacity::parse(u32::try_from(body.capacity).unwrap_or(0))?;
    engine.set_capacity(user_id, capacity).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "user_id": user_id,
        "capacity": capacity.get(),
    })))
}

/// `GET /api/v1/agents`: the active users who take chats (agents and supervisors, R25), in the
/// order they were added, for the console's member picker (R67, R73).
pub async fn chat_takers(
    engine: web::Data<Engine>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let rows = engine.db().run(store::users::chat_takers).await?;
    let agents: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            serde_json::json!({
                "user_id": row.id,
                "username": row.username,
                "display_name": row.display_name,
                "role": row.role,
                "capacity": row.capacity,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "agents": agents })))
}
