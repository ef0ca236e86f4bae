//! What agents do with the visitor of a chat (R89, R90, R46): edit its name, e-mail and
//! phone, find, link or create its contact, and keep notes about it. Agents reach only chats
//! they are in; supervisors and admins any chat. Nothing here is reachable with a visitor's
//! token: notes never reach the visitor.

use actix_web::{web, HttpResponse};
use diesel::Connection;
use serde::Deserialize;
use serde_json::json;

use super::auth::CurrentUser;
use crate::actors::chat::EditVisitor;
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::identity::{contact_from_chat, VisitorEdit};
use crate::domain::ids::{ChatId, WebsiteId};
use crate::domain::note::NoteText;
use crate::domain::user::Role;
use crate::domain::RuleError;
use crate::error::AppError;
use crate::protocol::VisitorDetails;
use crate::store::{self, chats::ChatRow, StoreError};

/// The chat `chat_id` if `user` may work on its visitor: an agent only while it is in the chat
/// (or was at its end) (`not_a_participant`, also for a chat that does not exist); supervisors
/// and admins always. Also returns the user's role.
pub(super) async fn chat_of_staff(
    engine: &Engine,
    user: &CurrentUser,
    chat_id: ChatId,
) -> Result<(ChatRow, Role), AppError> {
    let role = user.require_role(&[Role::Agent, Role::Supervisor, Role::Admin])?;
    let agent = user.id();
    let (found, participant) = engine
        .db()
        .run(move |conn| {
            let row = store::chats::by_id(conn, chat_id)?;
            Ok((row, store::chats::is_participant(conn, chat_id, agent)?))
        })
        .await?;
    match (role, found) {
        // R43: an invited agent works on the visitor as much as the chat's owner.
        (Role::Agent, Some(row)) if participant => Ok((row, role)),
        (Role::Agent, _) => Err(RuleError::NotAParticipant.into()),
        (_, Some(row)) => Ok((row, role)),
        (_, None) => Err(AppError::ChatNotFound),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorEditBody {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// `PATCH /api/v1/chats/{chat_id}/visitor`: R89. Each value given is checked (every bad one
/// reported as a field of `invalid_fields`), stored, and shown live to the chat's agents
/// (`visitor_updated`); a value changed away from the signed one is no longer verified (R52).
pub async fn edit_visitor(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
    body: web::Json<VisitorEditBody>,
) -> Result<HttpResponse, AppError> {
    let (row, _) = chat_of_staff(&engine, &user, ChatId(chat_id.into_inner())).await?;
    let body = body.into_inner();
    let edit = VisitorEdit::parse(
        body.name.as_deref(),
        body.email.as_deref(),
        body.phone.as_deref(),
    )?;
    if edit.is_empty() {
        return Err(AppError::InvalidInput(
            "give at least one of name, email and phone".to_owned(),
        ));
    }
    let view = engine
        .chat(row.chat_id())
        .await?
        .send(EditVisitor { edit })
        .await??;
    tracing::info!(chat_id = %view.chat_id, by = %user.id(), "visitor data edited");
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize)]
pub struct ContactQuery {
    #[serde(default)]
    q: String,
}

/// At most this many contacts answer a search.
const SEARCH_LIMIT: i64 = 20;

/// `GET /api/v1/contacts?q=`: R89, contacts whose name, e-mail or phone contains `q` (at
/// least 2 characters). Agents, supervisors and admins.
pub async fn search_contacts(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<ContactQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(&[Role::Agent, Role::Supervisor, Role::Admin])?;
    let q = query.into_inner().q.trim().to_owned();
    if q.chars().count() < 2 || q.chars().count() > 100 {
        return Err(AppError::InvalidInput(
            "q is 2 to 100 characters of a name, an e-mail address or a phone number".to_owned(),
        ));
    }
    let contacts = engine
        .db()
        .run(move |conn| store::contacts::search(conn, &q, SEARCH_LIMIT))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "contacts": contacts })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    contact_id: i64,
}

/// `PUT /api/v1/chats/{chat_id}/contact`: R89, links the chat to an existing contact; the
/// chat's notes go with it, and its past sessions now include the contact's chats (R90).
pub async fn link_contact(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
    body: web::Json<LinkBody>,
) -> Result<HttpResponse, AppError> {
    let (row, _) = chat_of_staff(&engine, &user, ChatId(chat_id.into_inner())).await?;
    let (chat, contact_id) = (row.chat_id(), body.contact_id);
    let contact = engine
        .db()
        .run(move |conn| {
            Ok(conn.transaction(|conn| -> Result<_, AppError> {
                store::write_first(conn)?;
                let contact =
                    store::contacts::by_id(conn, contact_id)?.ok_or(AppError::ContactNotFound)?;
                store::chats::set_contact(conn, chat, contact_id)?;
                store::notes::attach_to_contact(conn, chat, contact_id)?;
                Ok(contact)
            }))
        })
        .await??;
    Ok(HttpResponse::Ok().json(json!({ "chat_id": chat, "contact": contact })))
}

/// `POST /api/v1/chats/{chat_id}/contact`: R89, creates a contact from the chat's visitor
/// data (name; e-mail and phone as an agent set them, else verified, else from the form by
/// the website's mapping) in the website's contact list, and links the chat to it.
pub async fn create_contact(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (row, _) = chat_of_staff(&engine, &user, ChatId(chat_id.into_inner())).await?;
    let chat = row.chat_id();
    let contact = engine
        .db()
        .run(move |conn| {
            Ok(conn.transaction(|conn| -> Result<_, AppError> {
                store::write_first(conn)?;
                let row = store::chats::by_id(conn, chat)?.ok_or(AppError::ChatNotFound)?;
                let website = store::websites::by_id(conn, WebsiteId(row.website_id))?
                    .ok_or(AppError::WebsiteNotFound)?;
                let details: VisitorDetails =
                    store::parse_json("chats.visitor_meta", &row.visitor_meta)?;
                let mapping = &website.contact_mapping;
                let draft = contact_from_chat(
                    mapping.draft(&details.fields, None),
                    &row.visitor_name,
                    details.verified.as_ref(),
                    details.email.as_deref(),
                    details.phone.as_deref(),
                );
                let id = store::contacts::create(conn, &mapping.list, &draft, now_ms())?;
                store::chats::set_contact(conn, chat, id)?;
                store::notes::attach_to_contact(conn, chat, id)?;
                store::contacts::by_id(conn, id)?.ok_or(AppError::ContactNotFound)
            }))
        })
        .await??;
    Ok(HttpResponse::Created().json(json!({ "chat_id": chat, "contact": contact })))
}

/// `GET /api/v1/chats/{chat_id}/notes`: R46, R90, the notes on this chat and on its contact
/// (from the visitor's other chats), oldest first.
pub async fn notes(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (row, _) = chat_of_staff(&engine, &user, ChatId(chat_id.into_inner())).await?;
    let (chat, contact) = (row.chat_id(), row.contact_id);
    let notes = engine
        .db()
        .run(move |conn| store::notes::of_chat(conn, chat, contact))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "chat_id": chat, "notes": notes })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    text: String,
}

/// `POST /api/v1/chats/{chat_id}/notes`: R46, R90, a note (1 to 1000 characters) on the
/// chat, kept with its contact if it has one.
pub async fn add_note(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, AppError> {
    let (row, _) = chat_of_staff(&engine, &user, ChatId(chat_id.into_inner())).await?;
    let text = NoteText::parse(&body.text)?;
    let (chat, author) = (row.chat_id(), user.id());
    let note = engine
        .db()
        .run(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                store::write_first(conn)?;
                // The contact as it is now, not as the extractor read it.
                let contact = store::chats::by_id(conn, chat)?.and_then(|row| row.contact_id);
                store::notes::insert(conn, chat, contact, author, &text, now_ms())
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(note))
}
