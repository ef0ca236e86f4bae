//! R45, R46: where an agent may transfer a chat, computed on each request from the running
//! actors, so the dashboard's refresh shows presence and load as they are now; and (R43–R46,
//! A14) the agent socket's transfer and invitation requests, checked and resolved here before
//! the chat's actor carries them out.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::auth::CurrentUser;
use crate::actors::agent::DescribePresence;
use crate::actors::chat::{ChatActor, Describe, RequestHandover};
use crate::actors::queue::CountWaiting;
use crate::actors::Engine;
use crate::domain::handover::{pick_random, HandoverKind, HandoverTarget, TransferNote};
use crate::domain::ids::{QueueId, UserId};
use crate::domain::routing::hunt_sequence;
use crate::domain::transfer::{QueueTargetCounts, TargetStanding};
use crate::domain::user::Role;
use crate::domain::RuleError;
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

/// R43–R46, A14: an agent's `transfer_chat` or `invite_agent`. The values are parsed, the
/// asking agent must be in the chat, and the target resolved from the store: a named agent
/// must be an active user who takes chats (its offer lasts the chat's queue's offer timeout);
/// a queue must exist (its members in hunt order, its offer timeout). An invitation to a
/// queue names one agent picked at random among its members who could take the chat now
/// (A14: Available, connected, with room, not in the chat), or fails `no_agent_available`.
/// The chat's actor then checks the rules and sends the offers.
pub async fn request_handover(
    engine: Engine,
    (from, from_name): (UserId, String),
    kind: HandoverKind,
    (agent, queue, note): (Option<UserId>, Option<QueueId>, Option<String>),
    chat: impl std::future::Future<Output = Result<actix::Addr<ChatActor>, AppError>>,
) -> Result<(), AppError> {
    let target = HandoverTarget::parse(agent, queue)?;
    let note = TransferNote::parse(note.as_deref())?;
    let chat = chat.await?;
    let summary = chat.send(Describe).await?;
    if !summary.agents.contains(&from) {
        return Err(RuleError::NotAParticipant.into());
    }
    let chat_queue = summary.seed.queue_id;
    let offer_queue = match target {
        HandoverTarget::Agent(_) => chat_queue,
        HandoverTarget::Queue(queue) => queue,
    };
    let (target_user, queue_row, members) = engine
        .db()
        .run(move |conn| {
            let user = match target {
                HandoverTarget::Agent(agent) => store::users::by_id(conn, agent)?,
                HandoverTarget::Queue(_) => None,
            };
            let queue = store::queues::by_id(conn, offer_queue)?;
            let members = match target {
                HandoverTarget::Queue(queue) => store::queues::members(conn, queue)?,
                HandoverTarget::Agent(_) => Vec::new(),
            };
            Ok((user, queue, members))
        })
        .await?;
    let queue_row = queue_row.ok_or(AppError::QueueNotFound)?;
    if let HandoverTarget::Agent(_) = target {
        let user = target_user.ok_or(AppError::UserNotFound)?;
        let takes_chats = Role::parse(&user.role).is_some_and(Role::takes_chats);
        if !(user.active && takes_chats) {
            return Err(RuleError::NotAnAgent.into());
        }
    }
    let sequence = hunt_sequence(&members);
    let (target, queue_members) = match (kind, target) {
        (HandoverKind::Invitation, HandoverTarget::Queue(_)) => {
            let mut eligible = Vec::new();
            for &member in &sequence {
                if summary.agents.contains(&member) {
                    continue;
                }
                if standing_of(&engine, member).await? == TargetStanding::Available {
                    eligible.push(member);
                }
            }
            let roll = rand::random::<u32>() as usize;
            (
                HandoverTarget::Agent(pick_random(&eligible, roll)?),
                Vec::new(),
            )
        }
        (_, target) => (target, sequence),
    };
    chat.send(RequestHandover {
        kind,
        from,
        from_name,
        target,
        note,
        queue_members,
        offer_timeout_ms: queue_row.offer_timeout_ms,
        offer_queue,
    })
    .await?
}

/// R46, A14: how an agent stands now; one with no running actor is offline.
async fn standing_of(engine: &Engine, agent: UserId) -> Result<TargetStanding, AppError> {
    Ok(match engine.running_agent(agent) {
        Some(actor) => TargetStanding::of(&actor.send(DescribePresence).await?.load),
        None => TargetStanding::Offline,
    })
}
