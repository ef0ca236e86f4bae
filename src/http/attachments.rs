//! Chat files (R10, R39, R40, A10): `POST /api/v1/chats/{chat_id}/attachments?name=…` (the
//! raw file as the body) and `GET /api/v1/chats/{chat_id}/attachments/{attachment_id}`.
//!
//! Both take the chat's visitor (its chat token, like every visitor chat endpoint) or a
//! signed-in user (session). An upload is streamed chunk by chunk into a `.part` file while
//! `domain::attachment::ContentCheck` checks it; the first broken rule stops it and the
//! partial file is removed, so nothing is ever held whole in memory or recorded half-way. A
//! download is streamed from the file with headers that keep browsers from running it.

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::auth::{CurrentUser, SUPERVISORS};
use super::limits::RequestLimits;
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::attachment::{
    attachment_name, check_upload_allowed, content_disposition, may_download, AttachmentType,
    ContentCheck, Downloader,
};
use crate::domain::chat::Poster;
use crate::domain::ids::{ChatId, UserId};
use crate::domain::upload::{FileName, UploadId};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::limits::Kind;
use crate::store::files::TempFile;
use crate::store::{self, attachments::NewAttachment, chats::ChatRow};

/// Bytes gathered from the request before each write to the file: few trips to the blocking
/// pool, little memory.
const WRITE_BYTES: usize = 256 * 1024;

/// Bytes read from the file per chunk of a download.
const READ_BYTES: usize = 64 * 1024;

/// Who calls a chat file endpoint.
enum Caller {
    /// The chat's visitor, by its chat token.
    Visitor,
    /// A signed-in agent, supervisor or admin.
    User(CurrentUser),
}

/// The chat named in the path and who calls: its visitor if the token (`Authorization:
/// Bearer` or `?token=`) is the chat's, else the user of the session (Bearer or cookie).
/// A token that is neither is `forbidden`, no credentials at all `unauthorized`; an unknown
/// chat is `forbidden` to visitors, as on every visitor endpoint, and `chat_not_found` to users.
async fn caller(
    engine: &Engine,
    req: &HttpRequest,
    chat_id: ChatId,
) -> Result<(Caller, Option<ChatRow>), AppError> {
    #[derive(Deserialize)]
    struct TokenQuery {
        token: Option<String>,
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .or_else(|| {
            web::Query::<TokenQuery>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.into_inner().token)
        });
    let chat = engine
        .db()
        .run(move |conn| store::chats::by_id(conn, chat_id))
        .await?;
    if let (Some(token), Some(row)) = (&token, &chat) {
        let hash = credentials::token_hash(token);
        if credentials::hashes_match(&hash, &row.visitor_token_hash) {
            return Ok((Caller::Visitor, chat));
        }
    }
    match CurrentUser::extract(req).await {
        Ok(user) => Ok((Caller::User(user), chat)),
        Err(AppError::Unauthorized) if token.is_some() => Err(AppError::Forbidden),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file's name, as the uploader's computer had it (folders are dropped).
    name: String,
}

#[derive(Debug, Serialize)]
struct Uploaded {
    attachment_id: UploadId,
    name: FileName,
    mime_type: &'static str,
    size: u64,
}

/// `POST /api/v1/chats/{chat_id}/attachments?name=FILE_NAME`: R40, A10. The body is the file
/// itself. The visitor uploads until the chat ends, the chat's agent while it is active; the
/// file waits for a `send_message` that names its id.
pub async fn upload(
    engine: web::Data<Engine>,
    req: HttpRequest,
    chat_id: web::Path<i64>,
    query: web::Query<UploadQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let chat_id = ChatId(chat_id.into_inner());
    let (caller, chat) = caller(&engine, &req, chat_id).await?;
    let poster = match &caller {
        Caller::Visitor => Poster::Visitor,
        Caller::User(user) => Poster::Agent(user.id()),
    };
    let chat = chat.ok_or(AppError::ChatNotFound)?;
    if poster == Poster::Visitor {
        // Issue 10: a visitor's uploads, per chat and per IP address.
        let limits = RequestLimits::of(&engine, &req);
        limits.per_key(Kind::UploadChat, &chat_id.0.to_string())?;
        limits.per_ip(Kind::UploadIp)?;
    }
    let agents = chat_agents(&engine, chat_id).await?;
    check_upload_allowed(poster, chat.chat_state()?, &agents)?;
    let name = FileName::parse(&query.name)?;
    let max = engine.settings().attachments.max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut check = ContentCheck::new(max);
    if declared.is_some_and(|length| length > max) {
        // Refused before a byte is read: the same answer the count would give.
        return Err(RuleError::FileTooLarge {
            max: usize::try_from(max).unwrap_or(usize::MAX),
        }
        .into());
    }

    let files = engine.files().clone();
    let mut file = blocking(move || files.create_temp()).await?;
    let mut hasher = Sha256::new();
    let mut pending: Vec<u8> = Vec::with_capacity(WRITE_BYTES);
    // Every early return drops `file`, which removes the partial upload.
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AppError::InvalidBody(e.to_string()))?;
        check.feed(&chunk)?;
        hasher.update(&chunk);
        pending.extend_from_slice(&chunk);
        if pending.len() >= WRITE_BYTES {
            file = write(file, std::mem::take(&mut pending)).await?;
        }
    }
    file = write(file, pending).await?;
    let (kind, size) = check.finish()?;
    let name = attachment_name(&name, kind)?;

    let id = credentials::new_token();
    let key = id.clone();
    blocking(move || file.keep(&key)).await?;
    let sha256: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (kind_column, uploader) = store::attachments::uploader_columns(poster);
    let (row_id, row_name) = (id.clone(), name.as_str().to_owned());
    let stored = engine
        .db()
        .run(move |conn| {
            store::attachments::insert(
                conn,
                &NewAttachment {
                    id: &row_id,
                    chat_id: chat_id.0,
                    uploader_kind: kind_column,
                    uploader_id: uploader,
                    name: &row_name,
                    mime_type: kind.mime(),
                    size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
                    sha256: &sha256,
                    storage_key: &row_id,
                    created_at_ms: now_ms(),
                },
            )
        })
        .await;
    if let Err(e) = stored {
        let (files, key) = (engine.files().clone(), id.clone());
        let _ = blocking(move || files.remove(&key)).await;
        return Err(e.into());
    }
    let attachment_id =
        UploadId::parse(&id).ok_or_else(|| AppError::Internal("attachment id".into()))?;
    Ok(HttpResponse::Created().json(Uploaded {
        attachment_id,
        name,
        mime_type: kind.mime(),
        size,
    }))
}

/// The agents in the chat (R43: an invited agent as much as its owner).
async fn chat_agents(engine: &Engine, chat_id: ChatId) -> Result<Vec<UserId>, AppError> {
    let agents = engine
        .db()
        .run(move |conn| store::chats::participants(conn, chat_id))
        .await?;
    Ok(agents.into_iter().map(|(agent, _)| agent).collect())
}

/// `GET /api/v1/chats/{chat_id}/attachments/{attachment_id}`: R10, R39, R40, R85. A sent file
/// of the chat, to its visitor (not a private message's), its agent, supervisors and admins.
/// Anyone else signed in, and every id that is unknown, unsent or not the caller's to see,
/// gets `attachment_not_found`: whether a file exists is not told.
pub async fn download(
    engine: web::Data<Engine>,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (chat_id, raw_id) = path.into_inner();
    let chat_id = ChatId(chat_id);
    let (caller, chat) = caller(&engine, &req, chat_id).await?;
    chat.ok_or(AppError::AttachmentNotFound)?;
    let agents = chat_agents(&engine, chat_id).await?;
    let who = match &caller {
        Caller::Visitor => Downloader::Visitor,
        Caller::User(user) if user.require_role(SUPERVISORS).is_ok() => Downloader::Supervisor,
        Caller::User(user) if agents.contains(&user.id()) => Downloader::ChatAgent,
        Caller::User(_) => Downloader::Stranger,
    };
    let id = UploadId::parse(&raw_id).ok_or(AppError::AttachmentNotFound)?;
    let row = engine
        .db()
        .run(move |conn| store::attachments::of_chat(conn, chat_id, &id))
        .await?
        .filter(|row| may_download(who, row.event_seq.is_some(), row.private))
        .ok_or(AppError::AttachmentNotFound)?;
    let kind = AttachmentType::from_mime(&row.mime_type).ok_or_else(|| {
        AppError::Internal(format!("attachment {} has type {}", row.id, row.mime_type))
    })?;
    let name = row.to_ref()?.name;
    let (files, key) = (engine.files().clone(), row.storage_key.clone());
    let (file, size) = blocking(move || {
        let file = files.open(&key)?;
        let size = file.metadata()?.len();
        Ok((file, size))
    })
    .await?;
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = web::block(move || {
            use std::io::Read;
            let mut buf = vec![0; READ_BYTES];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => None,
            Ok(Ok((file, buf))) => Some((Ok(Bytes::from(buf)), Some(file))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(_) => Some((Err(std::io::Error::other("read cancelled")), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, kind.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(&name)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(SizedStream::new(size, chunks)))
}

/// Runs file work on the blocking pool; a failure is the engine's, not the client's.
async fn blocking<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce() -> std::io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    web::block(work)
        .await
        .map_err(|_| AppError::Unavailable)?
        .map_err(|e| AppError::Internal(format!("attachments folder: {e}")))
}

/// Appends `bytes` to the upload's file and hands the file back.
async fn write(mut file: TempFile, bytes: Vec<u8>) -> Result<TempFile, AppError> {
    if bytes.is_empty() {
        return Ok(file);
    }
    blocking(move || file.write(&bytes).map(|()| file)).await
}
