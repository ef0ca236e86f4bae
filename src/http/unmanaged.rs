//! What a visitor may still do with its chat token when the chat ends: leave a message when
//! nobody took the chat (R78, R79), ask for the transcript by mail (R86); and the left
//! messages the members of a queue read (R78).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth::CurrentUser;
use super::visitor::VisitorOfChat;
use crate::actors::chat::{LeaveMessage, RequestTranscript};
use crate::actors::Engine;
use crate::domain::email::EmailAddress;
use crate::domain::ids::{ChatId, QueueId, WebsiteId};
use crate::domain::transcript::Delivery;
use crate::domain::unmanaged::LeftMessageForm;
use crate::error::AppError;
use crate::protocol::LeftMessageView;
use crate::store;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaveMessageBody {
    name: String,
    email: Option<String>,
    text: String,
}

/// `POST /api/v1/chats/{chat_id}/left-message`: R78, R79, A13: the visitor of a chat that
/// ended unmanaged leaves one message, with the chat's token, within the window.
pub async fn leave_message(
    engine: web::Data<Engine>,
    visitor: VisitorOfChat,
    body: web::Json<LeaveMessageBody>,
) -> Result<HttpResponse, AppError> {
    let form = LeftMessageForm::parse(&body.name, body.email.as_deref(), &body.text)?;
    let left = engine
        .chat(visitor.chat_id())
        .await?
        .send(LeaveMessage { form })
        .await??;
    Ok(HttpResponse::Created().json(left))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptBody {
    email: String,
}

#[derive(Debug, Serialize)]
struct TranscriptAnswer {
    email: String,
    /// `when_chat_ends` or `now`.
    delivery: &'static str,
}

/// `POST /api/v1/chats/{chat_id}/transcript`: R86, the visitor asks for the transcript by
/// mail: sent when the chat ends, or at once if it has ended (within the window).
pub async fn request_transcript(
    engine: web::Data<Engine>,
    visitor: VisitorOfChat,
    body: web::Json<TranscriptBody>,
) -> Result<HttpResponse, AppError> {
    let email = EmailAddress::parse(&body.email)?;
    let delivery = engine
        .chat(visitor.chat_id())
        .await?
        .send(RequestTranscript {
            email: email.clone(),
        })
        .await??;
    Ok(HttpResponse::Accepted().json(TranscriptAnswer {
        email: email.as_str().to_owned(),
        delivery: match delivery {
            Delivery::WhenChatEnds => "when_chat_ends",
            Delivery::Now => "now",
        },
    }))
}

/// How many left messages `GET /left-messages` returns at most.
const LEFT_MESSAGES_LIMIT: i64 = 100;

/// `GET /api/v1/left-messages`: R78, the messages left in chats of the signed-in user's
/// queues whose review is still open, newest first: how a member who was not online when a
/// message was left gets it.
pub async fn left_messages(
    engine: web::Data<Engine>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let me = user.id();
    let rows = engine
        .db()
        .run(move |conn| store::review::open_left_messages_of_member(conn, me, LEFT_MESSAGES_LIMIT))
        .await?;
    let messages: Vec<LeftMessageView> = rows
        .into_iter()
        .map(|(left, chat)| LeftMessageView {
            chat_id: ChatId(chat.id),
            queue_id: QueueId(chat.queue_id),
            website_key: engine
                .website_key_of(WebsiteId(chat.website_id))
                .map(|k| k.to_string())
                .unwrap_or_default(),
            visitor_name: chat.visitor_name,
            name: left.name,
            email: left.email,
            text: left.text,
            left_at_ms: left.created_at_ms,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "left_messages": messages })))
}
