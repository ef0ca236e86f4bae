//! Supervisors' review of offline messages (R81, offline half; R71: supervisors and admins
//! only): list them per website, open one, download its files, close it, and reply to the
//! visitor by mail.

use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::auth::{CurrentUser, SUPERVISORS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::email::Reply;
use crate::domain::offline_message::ReviewState;
use crate::domain::upload::UploadId;
use crate::domain::website::WebsiteKey;
use crate::error::AppError;
use crate::protocol::VisitorDetails;
use crate::store::contacts::ContactView;
use crate::store::offline_messages::{ListFilter, OfflineMessageRow, ReplyView};
use crate::store::uploads::UploadInfo;
use crate::store::{self, parse_json, StoreResult};

/// The most messages one list call returns.
const MAX_PAGE: i64 = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    website: Option<String>,
    state: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Summary {
    offline_message_id: i64,
    website_key: String,
    state: String,
    reason: String,
    disposition: String,
    visitor_name: Option<String>,
    visitor_email: Option<String>,
    created_at_ms: i64,
    closed_at_ms: Option<i64>,
    attachment_count: usize,
}

impl Summary {
    fn of(row: &OfflineMessageRow, website_key: String, attachment_count: usize) -> Summary {
        Summary {
            offline_message_id: row.id,
            website_key,
            state: row.state.clone(),
            reason: row.reason.clone(),
            disposition: row.disposition.clone(),
            visitor_name: row.visitor_name.clone(),
            visitor_email: row.visitor_email.clone(),
            created_at_ms: row.created_at_ms,
            closed_at_ms: row.closed_at_ms,
            attachment_count,
        }
    }
}

/// `GET /api/v1/review/offline-messages?website=&state=&before_id=&limit=`: newest first.
pub async fn list(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let query = query.into_inner();
    let website = match query.website {
        Some(key) => {
            let key = WebsiteKey::parse(&key).map_err(|_| AppError::WebsiteNotFound)?;
            Some(engine.website_id(&key).ok_or(AppError::WebsiteNotFound)?)
        }
        None => None,
    };
    let state = match query.state.as_deref() {
        None => None,
        Some(state) => Some(
            ReviewState::from_stored(state)
                .ok_or_else(|| AppError::InvalidInput("state is open or closed".to_owned()))?,
        ),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::InvalidInput(format!(
            "limit is from 1 to {MAX_PAGE}"
        )));
    }
    let filter = ListFilter {
        website,
        state,
        before_id: query.before_id,
        limit,
    };
    let rows = engine
        .db()
        .run(move |conn| store::offline_messages::list(conn, &filter))
        .await?;
    let messages: Vec<Summary> = rows
        .into_iter()
        .map(|(row, key, files)| Summary::of(&row, key, files))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "offline_messages": messages })))
}

#[derive(Debug, Serialize)]
struct Detail {
    #[serde(flatten)]
    summary: Summary,
    closed_by: Option<i64>,
    /// The offline form as it was when the message was left.
    form: Value,
    /// The cleaned values; attachment fields list their files.
    fields: Map<String, Value>,
    attachments: Vec<UploadInfo>,
    /// Language, browser, OS, page and user agent, as with chats (`fields` left out).
    visitor: Map<String, Value>,
    contact: Option<ContactView>,
    replies: Vec<ReplyView>,
}

fn detail(
    engine: &Engine,
    id: i64,
) -> impl std::future::Future<Output = StoreResult<Option<Detail>>> {
    engine.db().run(move |conn| {
        let Some((row, key)) = store::offline_messages::by_id(conn, id)? else {
            return Ok(None);
        };
        let attachments = store::uploads::of_offline_message(conn, id)?;
        let contact = match row.contact_id {
            Some(contact) => store::contacts::by_id(conn, contact)?,
            None => None,
        };
        let replies = store::offline_messages::replies_of(conn, id)?;
        let visitor: VisitorDetails =
            parse_json("offline_messages.visitor_meta", &row.visitor_meta)?;
        let mut visitor = match serde_json::to_value(visitor) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        visitor.remove("fields");
        Ok(Some(Detail {
            closed_by: row.closed_by,
            form: parse_json("offline_messages.form", &row.form)?,
            fields: parse_json("offline_messages.fields", &row.fields)?,
            summary: Summary::of(&row, key, attachments.len()),
            attachments,
            visitor,
            contact,
            replies,
        }))
    })
}

/// `GET /api/v1/review/offline-messages/{id}`
pub async fn get(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let found = detail(&engine, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::OfflineMessageNotFound)?))
}

/// `GET /api/v1/review/offline-messages/{id}/attachments/{upload_id}`: the file as it was
/// uploaded, always as a download (never shown inline in the engine's origin).
pub async fn attachment(
    engine: web::Data<Engine>,
    user: CurrentUser,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let (id, upload) = path.into_inner();
    let upload = UploadId::parse(&upload).ok_or(AppError::AttachmentNotFound)?;
    let (info, content) = engine
        .db()
        .run(move |conn| store::uploads::content_of_offline_message(conn, id, &upload))
        .await?
        .ok_or(AppError::AttachmentNotFound)?;
    let ascii_name: String = info
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: info.file_name.clone().into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(info.content_type.as_str())
        .insert_header(disposition)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(content))
}

/// `POST /api/v1/review/offline-messages/{id}/close`: closing a closed message changes
/// nothing (it keeps who closed it first). Answers the message.
pub async fn close(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let id = id.into_inner();
    let by = user.id();
    let found = engine
        .db()
        .run(move |conn| store::offline_messages::close(conn, id, by, now_ms()))
        .await?;
    if !found {
        return Err(AppError::OfflineMessageNotFound);
    }
    tracing::info!(offline_message = id, by = %by, "offline message closed");
    let found = detail(&engine, id).await?;
    Ok(HttpResponse::Ok().json(found.ok_or(AppError::OfflineMessageNotFound)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    subject: String,
    body: String,
}

/// `POST /api/v1/review/offline-messages/{id}/reply`: R81, a mail to the visitor through the
/// outbox. Answers the reply as it is recorded.
pub async fn reply(
    engine: web::Data<Engine>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let request: ReplyRequest = serde_json::from_value(body.into_inner())
        .map_err(|e| AppError::InvalidBody(e.to_string()))?;
    let reply = Reply::parse(&request.subject, &request.body)?;
    let id = id.into_inner();
    let reply_id = engine
        .reply_to_offline_message(id, user.id(), reply)
        .await?;
    let replies = engine
        .db()
        .run(move |conn| store::offline_messages::replies_of(conn, id))
        .await?;
    let recorded = replies
        .into_iter()
        .find(|r| r.reply_id == reply_id)
        .ok_or_else(|| AppError::Internal("a stored reply is missing".to_owned()))?;
    Ok(HttpResponse::Created().json(recorded))
}
