//! What supervisors and admins read about chats (R71, R87).

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::{CurrentUser, SUPERVISORS};
use crate::actors::queue::ExplainChat;
use crate::actors::Engine;
use crate::domain::chat::ChatState;
use crate::domain::ids::{ChatId, QueueId, UserId};
use crate::domain::queue::Standing;
use crate::error::AppError;
use crate::store::{self, routing::Step};

#[derive(Debug, Serialize)]
struct RoutingView {
    chat_id: ChatId,
    queue_id: QueueId,
    state: String,
    disposition: Option<String>,
    /// Every routing step, oldest first.
    steps: Vec<Step>,
    /// While the chat waits: its place, the hunt's end, and where each member stands.
    waiting: Option<WaitingView>,
}

#[derive(Debug, Serialize)]
struct WaitingView {
    position: usize,
    requested_at_ms: i64,
    hunt_ends_at_ms: i64,
    members: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
struct MemberView {
    agent_id: UserId,
    display_name: String,
    /// The presence the agent last had (available, away, rona, offline).
    presence: String,
    standing: Standing,
}

/// `GET /api/v1/chats/{chat_id}/routing`: R87, the routing trail of a chat and, while it
/// waits, why: which members were skipped and for what reason. Supervisors and admins only.
pub async fn routing(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let chat_id = ChatId(chat_id.into_inner());
    let (row, steps) = engine
        .db()
        .run(move |conn| {
            let row = store::chats::by_id(conn, chat_id)?;
            let steps = store::routing::of_chat(conn, chat_id)?;
            Ok((row, steps))
        })
        .await?;
    let row = row.ok_or(AppError::ChatNotFound)?;
    let queue_id = QueueId(row.queue_id);
    let explained = match (row.chat_state()?, engine.queue(queue_id)) {
        (ChatState::Queued, Some(queue)) => queue.send(ExplainChat { chat_id }).await?,
        _ => None,
    };
    let waiting = match explained {
        None => None,
        Some(explained) => {
            let ids: Vec<UserId> = explained.members.iter().map(|(id, _)| *id).collect();
            let people = engine
                .db()
                .run(move |conn| store::users::by_ids(conn, &ids))
                .await?;
            let members = explained
                .members
                .iter()
                .map(|&(agent_id, standing)| {
                    let person = people.iter().find(|p| p.id == agent_id.0);
                    MemberView {
                        agent_id,
                        display_name: person.map(|p| p.display_name.clone()).unwrap_or_default(),
                        presence: person.map(|p| p.presence.clone()).unwrap_or_default(),
                        standing,
                    }
                })
                .collect();
            Some(WaitingView {
                position: explained.position,
                requested_at_ms: explained.requested_at_ms,
                hunt_ends_at_ms: explained.hunt_ends_at_ms,
                members,
            })
        }
    };
    Ok(HttpResponse::Ok().json(RoutingView {
        chat_id,
        queue_id,
        state: row.state,
        disposition: row.disposition,
        steps,
        waiting,
    }))
}
