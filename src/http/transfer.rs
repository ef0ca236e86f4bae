//! R45, R46: where an agent may transfer a chat, computed on each request from the running
//! actors, so the dashboard's refresh shows presence and load as they are now.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::CurrentUser;
use crate::actors::agent::DescribePresence;
use crate::actors::queue::CountWaiting;
use crate::actors::Engine;
use crate::domain::ids::{QueueId, UserId};
use crate::domain::transfer::{QueueTargetCounts, TargetStanding};
use crate::domain::user::Role;
use crate::error::AppError;
use crate::store;

#[derive(Debug, Serialize)]
struct AgentTarget {
    user_id: UserId,
    display_name: String,
    presence: String,
    standing: TargetStanding,
    open_chats: u32,
    capacity: u32,
}

#[derive(Debug, Serialize)]
struct QueueTarget {
    queue_id: QueueId,
    name: String,
    #[serde(flatten)]
    counts: QueueTargetCounts,
}

/// `GET /api/v1/transfer-targets`: every other agent who takes chats, and the queues with at
/// least one logged-in member (R46), with their members' counts and waiting visitors.
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_role(&[Role::Agent, Role::Supervisor])?;
    let (takers, queues) = engine
        .db()
        .run(|conn| {
            let takers = store::users::chat_takers(conn)?;
            let mut queues = Vec::new();
            for queue in store::queues::all(conn)? {
                let members = store::queues::members(conn, QueueId(queue.id))?;
                queues.push((queue, members));
            }
            Ok((takers, queues))
        })
        .await?;

    let mut standings: HashMap<UserId, TargetStanding> = HashMap::new();
    let mut agents = Vec::with_capacity(takers.len());
    for row in takers {
        let user_id = row.user_id();
        // An agent without a running actor has had no dashboard open since the start.
        let target = match engine.running_agent(user_id) {
            Some(agent) => {
                let now = agent.send(DescribePresence).await?;
                AgentTarget {
                    user_id,
                    display_name: row.display_name,
                    presence: now.presence.as_str().to_owned(),
                    standing: TargetStanding::of(&now.load),
                    open_chats: now.load.open_chats,
                    capacity: now.load.capacity.get(),
                }
            }
            None => AgentTarget {
                user_id,
                display_name: row.display_name,
                presence: "offline".to_owned(),
                standing: TargetStanding::Offline,
                open_chats: 0,
                capacity: u32::try_from(row.capacity).unwrap_or(0),
            },
        };
        standings.insert(user_id, target.standing);
        // The agent's own row is no target, but it counts in its queues.
        if user_id != user.id() {
            agents.push(target);
        }
    }

    let mut queue_targets = Vec::new();
    for (queue, members) in queues {
        let queue_id = QueueId(queue.id);
        let waiting = match engine.queue(queue_id) {
            Some(actor) => actor.send(CountWaiting).await?,
            None => 0,
        };
        let member_standings = members.iter().map(|member| {
            standings
                .get(&member.agent)
                .copied()
                .unwrap_or(TargetStanding::Offline)
        });
        let counts = QueueTargetCounts::count(member_standings, waiting);
        if counts.listed() {
            queue_targets.push(QueueTarget {
                queue_id,
                name: queue.name,
                counts,
            });
        }
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "agents": agents,
        "queues": queue_targets,
    })))
}
