//! Predefined messages (R41, R68, R53, A7): supervisors and admins manage them; an agent lists
//! the ones meant for it and expands one for a chat it holds (the `expand_predefined` socket
//! command). Nothing is ever sent from here: the agent sends the text as a normal message.

use actix_web::{web, HttpResponse};
use diesel::Connection;
use serde::{Deserialize, Serialize};

use super::auth::{CurrentUser, SUPERVISORS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::ids::{ChatId, PredefinedMessageId, QueueId, UserId};
use crate::domain::predefined::{
    expand, PlaceholderValues, PredefinedBody, PredefinedScope, PredefinedTitle,
};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::store::predefined::{MissingTarget, PredefinedContent, PredefinedRow};
use crate::store::{self, StoreError};

#[derive(Debug, Serialize)]
struct PredefinedView {
    id: PredefinedMessageId,
    title: String,
    body: String,
    /// Set when the message is for one queue's members.
    queue_id: Option<QueueId>,
    /// Set when the message is for one agent.
    agent_id: Option<UserId>,
    updated_at_ms: i64,
}

impl From<PredefinedRow> for PredefinedView {
    fn from(row: PredefinedRow) -> PredefinedView {
        let scope = row.scope();
        PredefinedView {
            id: row.message_id(),
            title: row.title,
            body: row.body,
            queue_id: scope.queue_id(),
            agent_id: scope.agent_id(),
            updated_at_ms: row.updated_at_ms,
        }
    }
}

/// `GET /api/v1/predefined-messages`: supervisors and admins get every message; an agent
/// gets its own, its queues' and everyone's (R41).
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let all = user.require_role(SUPERVISORS).is_ok();
    let me = user.user.user_id();
    let rows = engine
        .db()
        .run(move |conn| {
            if all {
                store::predefined::all(conn)
            } else {
                store::predefined::for_agent(conn, me)
            }
        })
        .await?;
    let messages: Vec<PredefinedView> = rows.into_iter().map(PredefinedView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "predefined_messages": messages })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteMessage {
    title: String,
    body: String,
    /// For one queue's members; leave out both for everyone.
    queue_id: Option<QueueId>,
    /// For one agent.
    agent_id: Option<UserId>,
}

impl WriteMessage {
    fn parse(self) -> Result<PredefinedContent, RuleError> {
        Ok(PredefinedContent {
            title: PredefinedTitle::parse(&self.title)?,
            body: PredefinedBody::parse(&self.body)?,
            scope: PredefinedScope::from_parts(self.queue_id, self.agent_id)?,
        })
    }
}

/// Writes a message after checking that the queue or user its scope names exists.
async fn write(
    engine: &Engine,
    id: Option<PredefinedMessageId>,
    content: PredefinedContent,
) -> Result<PredefinedRow, AppError> {
    let now = now_ms();
    engine
        .db()
        .run(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                if let Err(missing) = store::predefined::check_scope(conn, content.scope)? {
                    return Ok(Err(match missing {
                        MissingTarget::Queue => AppError::QueueNotFound,
                        MissingTarget::User => AppError::UserNotFound,
                    }));
                }
                Ok(match id {
                    None => Ok(store::predefined::insert(conn, &content, now)?),
                    Some(id) => store::predefined::update(conn, id, &content, now)?
                        .ok_or(AppError::PredefinedMessageNotFound),
                })
            })
        })
        .await?
}

/// `POST /api/v1/predefined-messages` (R68)
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    body: web::Json<WriteMessage>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let content = body.into_inner().parse()?;
    let row = write(&engine, None, content).await?;
    Ok(HttpResponse::Created().json(PredefinedView::from(row)))
}

/// `PUT /api/v1/predefined-messages/{id}`: replaces title, body and scope (R68).
pub async fn update(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<WriteMessage>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let content = body.into_inner().parse()?;
    let id = PredefinedMessageId(id.into_inner());
    let row = write(&engine, Some(id), content).await?;
    Ok(HttpResponse::Ok().json(PredefinedView::from(row)))
}

/// `DELETE /api/v1/predefined-messages/{id}` (R68)
pub async fn delete(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let id = PredefinedMessageId(id.into_inner());
    if engine
        .db()
        .run(move |conn| store::predefined::delete(conn, id))
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::PredefinedMessageNotFound)
    }
}

/// R41, R53: the body of predefined message `id` with its placeholders filled in from chat
/// `chat_id`, which `agent` must hold; the message must be one meant for `agent`.
pub async fn expand_predefined(
    engine: Engine,
    agent: UserId,
    chat_id: ChatId,
    id: PredefinedMessageId,
) -> Result<String, AppError> {
    engine
        .db()
        .run(move |conn| {
            let queues = store::queues::queues_of(conn, agent)?;
            let Some(message) = store::predefined::by_id(conn, id)?
                .filter(|row| row.scope().applies_to(agent, &queues))
            else {
                return Ok(Err(AppError::PredefinedMessageNotFound));
            };
            let Some(chat) = store::chats::by_id(conn, chat_id)? else {
                return Ok(Err(AppError::ChatNotFound));
            };
            // R43: any agent in the chat, an invited one too.
            if !store::chats::is_participant(conn, chat_id, agent)? {
                return Ok(Err(AppError::Rule(RuleError::NotAParticipant)));
            }
            let (website_id, queue_id) = store::chats::website_and_queue(&chat);
            let website_key = store::websites::by_id(conn, website_id)?
                .map(|website| website.key.as_str().to_owned())
                .unwrap_or_default();
            let queue_name = store::queues::by_id(conn, queue_id)?
                .map(|queue| queue.name)
                .unwrap_or_default();
            let agent_name = store::users::by_id(conn, agent)?
                .map(|user| user.display_name)
                .unwrap_or_default();
            let values = PlaceholderValues {
                visitor_name: &chat.visitor_name,
                agent_name: &agent_name,
                website_key: &website_key,
                queue_name: &queue_name,
            };
            Ok(Ok(expand(&message.body, &values)))
        })
        .await?
}
