//! The widget's endpoints for forms: uploading a file for an attachment field (R11, R63) and
//! leaving a message through the offline form (R75, R77). Like starting a chat, both need an
//! `Origin` that the website allows (R2).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::limits::RequestLimits;
use super::visitor::{origin, visitor_context, website, ContextInput};
use crate::actors::offline_messages::{SubmitOfflineMessage, UploadFile};
use crate::actors::Engine;
use crate::domain::upload::FileName;
use crate::domain::website::WebsiteKey;
use crate::domain::RuleError;
use crate::error::AppError;
use crate::limits::Kind;
use crate::store::uploads::FormKind;

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// `prechat` or `offline`.
    form: String,
    /// The attachment field's name.
    field: String,
    filename: String,
}

/// Refuses a foreign page before its body is read (the website's actor checks again).
fn require_origin(engine: &Engine, req: &HttpRequest, key: &str) -> Result<(), AppError> {
    let key = WebsiteKey::parse(key).map_err(|_| AppError::WebsiteNotFound)?;
    match origin(req) {
        None => Err(AppError::OriginRequired),
        Some(origin) if engine.origin_allowed(Some(&key), &origin) => Ok(()),
        Some(_) => Err(AppError::OriginNotAllowed),
    }
}

/// `POST /api/v1/websites/{key}/uploads?form=…&field=…&filename=…`: R11, R63. The body is the
/// file itself; it is read only up to `uploads.max_bytes`.
pub async fn upload(
    engine: web::Data<Engine>,
    req: HttpRequest,
    key: web::Path<String>,
    query: web::Query<UploadQuery>,
    mut body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let website = website(&engine, &key)?;
    require_origin(&engine, &req, &key)?;
    RequestLimits::of(&engine, &req).per_ip(Kind::UploadIp)?;
    let query = query.into_inner();
    let form = FormKind::parse(&query.form)
        .ok_or_else(|| AppError::InvalidInput("form is prechat or offline".to_owned()))?;
    let file_name = FileName::parse(&query.filename)?;
    let max = engine.settings().uploads.max_bytes;
    let too_large = || AppError::Rule(RuleError::FileTooLarge { max });
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(too_large());
    }
    let mut content = Vec::with_capacity(declared.unwrap_or_default().min(max));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AppError::InvalidBody(e.to_string()))?;
        if content.len() + chunk.len() > max {
            return Err(too_large());
        }
        content.extend_from_slice(&chunk);
    }
    let stored = website
        .send(UploadFile {
            origin: origin(&req),
            form,
            field: query.field,
            file_name,
            content,
        })
        .await??;
    Ok(HttpResponse::Created().json(stored))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineMessageRequest {
    /// The offline form's values.
    #[serde(default)]
    fields: Map<String, Value>,
    page_url: Option<String>,
    page_title: Option<String>,
    language: Option<String>,
    visitor_key: Option<String>,
}

/// `POST /api/v1/websites/{key}/offline-messages`: R75, R77, A9.
pub async fn submit(
    engine: web::Data<Engine>,
    req: HttpRequest,
    key: web::Path<String>,
    body: web::Json<OfflineMessageRequest>,
) -> Result<HttpResponse, AppError> {
    RequestLimits::of(&engine, &req).per_ip(Kind::OfflineFormIp)?;
    let body = body.into_inner();
    let (visitor, _first_page, visitor_key) = visitor_context(
        &req,
        ContextInput {
            fields: &Map::new(),
            page_url: body.page_url.as_deref(),
            page_title: body.page_title.as_deref(),
            language: body.language.as_deref(),
            visitor_key: body.visitor_key.as_deref(),
        },
    )?;
    let stored = website(&engine, &key)?
        .send(SubmitOfflineMessage {
            origin: origin(&req),
            values: body.fields,
            visitor,
            visitor_key,
        })
        .await??;
    Ok(HttpResponse::Created().json(stored))
}
