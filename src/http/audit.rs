//! The audit log (R71): who changed what, and when.
//!
//! One middleware wraps `/api/v1`. For each state-changing request (POST, PUT, PATCH, DELETE)
//! made by a signed-in user and answered 2xx, it writes one row: the action named after the
//! matched route (`PUT /websites/{key}` → `website.update`, named by its entry in the route
//! table, `http/endpoints.rs`; a route without a name there gets one made from its path and
//! method, so a new endpoint is recorded too), the target
//! from the path's parameters, and the JSON body as details, with secrets redacted and bounded
//! in size. Logins, failed logins and logouts are written by their handlers (`auth`).
//!
//! Not recorded, because it is chat traffic and not administration: anything a visitor does
//! (no staff session), and an agent's work in a chat under `/chats/{chat_id}/…` (attachments,
//! notes, visitor details, contact links, ending, transcripts); banning a visitor from a chat
//! is recorded. Chat messages travel over the sockets and never pass here.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::{CurrentUser, ADMINS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::error::AppError;
use crate::store::{self, audit::AuditFilter, audit::NewAuditEntry};

/// Who made a request, put in the request's extensions by the `CurrentUser` extractor.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: i64,
    pub username: String,
}

const API: &str = "/api/v1";

/// Details larger than this (as JSON text) keep only the names of the body's fields.
const MAX_DETAILS_CHARS: usize = 2_000;

/// Bodies larger than this are not read for details.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub(super) fn is_state_changing(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

/// Chat traffic and logins, which this middleware leaves alone (see the module's doc).
pub(super) fn is_excluded(path: &str) -> bool {
    let Some(rest) = path.strip_prefix(API) else {
        return true;
    };
    if rest.starts_with("/auth/") {
        return true;
    }
    let chat_work =
        rest.starts_with("/chats/") && !rest.ends_with("/ban") && !rest.ends_with("/erase-visitor");
    chat_work || super::cors::is_visitor_path(path)
}

/// The action's name: the one its entry in the route table gives (`Endpoint::audited`), else
/// the path's fixed segments and the method (`PUT /things/{id}/colour` → `things.colour.put`).
pub fn action_name(method: &str, pattern: &str) -> String {
    if let Some(name) = super::endpoints::audit_action(method, pattern) {
        return name.to_owned();
    }
    let route = pattern.strip_prefix(API).unwrap_or(pattern);
    let mut parts: Vec<String> = route
        .split('/')
        .filter(|part| !part.is_empty() && !part.starts_with('{'))
        .map(|part| part.replace('-', "_"))
        .collect();
    parts.push(method.to_ascii_lowercase());
    parts.join(".")
}

/// Replaces the value of every field whose name suggests a secret, at any depth.
fn redact(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                let name = name.to_ascii_lowercase();
                if ["password", "secret", "token"]
                    .iter()
                    .any(|secret| name.contains(secret))
                {
                    *field = Value::String("[redacted]".to_owned());
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The details of an action: its JSON body, secrets redacted; when too long, only the names
/// of its fields.
pub fn details_of(body: Option<&[u8]>) -> String {
    let Some(mut value) = body.and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok()) else {
        return "{}".to_owned();
    };
    redact(&mut value);
    let text = value.to_string();
    if text.chars().count() <= MAX_DETAILS_CHARS {
        return text;
    }
    let fields: Vec<&String> = match &value {
        Value::Object(fields) => fields.keys().collect(),
        _ => Vec::new(),
    };
    let fields = serde_json::to_value(fields).unwrap_or_default();
    serde_json::json!({ "fields": fields, "truncated": true }).to_string()
}

/// Writes one row; a failure is logged and does not fail the request it records.
pub async fn write(engine: &Engine, entry: NewAuditEntry) {
    let action = entry.action.clone();
    let written = engine
        .db()
        .write(move |conn| store::audit::insert(conn, &entry))
        .await;
    if let Err(error) = written {
        tracing::warn!(%error, %action, "cannot write the audit log");
    }
}

/// The middleware: see the module's doc.
pub async fn record(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !is_state_changing(req.method()) || is_excluded(req.path()) {
        return next.call(req).await;
    }
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let small = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length <= MAX_BODY_BYTES);
    let body = if is_json && small {
        let bytes = req.extract::<web::Bytes>().await?;
        req.set_payload(actix_web::dev::Payload::from(bytes.clone()));
        Some(bytes)
    } else {
        None
    };
    let engine = req.app_data::<web::Data<Engine>>().cloned();
    let res = next.call(req).await?;
    let actor = res.request().extensions().get::<Actor>().cloned();
    if let (Some(engine), Some(actor), true) = (engine, actor, res.status().is_success()) {
        let request = res.request();
        let pattern = request
            .match_pattern()
            .unwrap_or_else(|| request.path().to_owned());
        let target: Vec<String> = request
            .match_info()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let entry = NewAuditEntry {
            at_ms: now_ms(),
            user_id: Some(actor.id),
            username: actor.username,
            action: action_name(request.method().as_str(), &pattern),
            target: target.join(" "),
            details: details_of(body.as_deref()),
        };
        write(&engine, entry).await;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    from: Option<i64>,
    to: Option<i64>,
    user: Option<String>,
    action: Option<String>,
    limit: Option<i64>,
    before: Option<i64>,
}

#[derive(Debug, Serialize)]
struct EntryView {
    id: i64,
    at_ms: i64,
    user_id: Option<i64>,
    username: String,
    action: String,
    target: String,
    details: Value,
}

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 200;

/// `GET /api/v1/audit-log?from&to&user&action&limit&before`: newest first. Admins only.
pub async fn list(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::InvalidInput(format!("limit is 1 to {MAX_PAGE}")));
    }
    let action = query.action.filter(|action| !action.is_empty());
    if let Some(action) = &action {
        let plain = action.len() <= 64
            && action
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !plain {
            return Err(AppError::InvalidInput(
                "action holds only letters, digits, '_' and '.'".to_owned(),
            ));
        }
    }
    let filter = AuditFilter {
        from_ms: query.from,
        to_ms: query.to,
        username: query.user.filter(|user| !user.is_empty()),
        action,
        before: query.before,
        // One more than asked, to know whether another page follows.
        limit: limit + 1,
    };
    let mut rows = engine
        .db()
        .run(move |conn| store::audit::list(conn, &filter))
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before = if more {
        rows.last().map(|row| row.id)
    } else {
        None
    };
    let entries: Vec<EntryView> = rows
        .into_iter()
        .map(|row| EntryView {
            id: row.id,
            at_ms: row.at_ms,
            user_id: row.user_id,
            username: row.username,
            action: row.action,
            target: row.target,
            details: serde_json::from_str(&row.details).unwrap_or(Value::Null),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "entries": entries,
        "next_before": next_before,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_named_from_the_route_r71() {
        assert_eq!(
            action_name("PUT", "/api/v1/websites/{key}"),
            "website.update"
        );
        assert_eq!(
            action_name("PATCH", "/api/v1/users/{user_id}"),
            "user.update"
        );
        assert_eq!(
            action_name("DELETE", "/api/v1/queues/{queue_id}/members/{user_id}"),
            "queue.member.remove"
        );
        // A route nobody named yet is recorded all the same.
        assert_eq!(
            action_name("PUT", "/api/v1/new-things/{id}/colour"),
            "new_things.colour.put"
        );
    }

    #[test]
    fn chat_work_and_logins_are_not_recorded_r71() {
        assert!(is_excluded("/api/v1/chats/5/notes"));
        assert!(is_excluded("/api/v1/chats/5/attachments"));
        assert!(is_excluded("/api/v1/websites/demo/chats"));
        assert!(is_excluded("/api/v1/auth/login"));
        assert!(!is_excluded("/api/v1/chats/5/ban"));
        // R92: erasing a visitor's data is recorded.
        assert!(!is_excluded("/api/v1/chats/5/erase-visitor"));
        assert!(!is_excluded("/api/v1/websites/demo"));
        assert!(!is_excluded("/api/v1/users/3"));
    }

    #[test]
    fn secrets_are_redacted_and_details_bounded_r71() {
        let body = br#"{"username":"ann","password":"hunter22!","nested":{"identity_secret":"x"}}"#;
        let details: Value = serde_json::from_str(&details_of(Some(body))).unwrap();
        assert_eq!(details["username"], "ann");
        assert_eq!(details["password"], "[redacted]");
        assert_eq!(details["nested"]["identity_secret"], "[redacted]");
        let long = serde_json::json!({ "text": "x".repeat(5_000), "name": "n" }).to_string();
        let details: Value = serde_json::from_str(&details_of(Some(long.as_bytes()))).unwrap();
        assert_eq!(details["truncated"], true);
        assert_eq!(details["fields"], serde_json::json!(["name", "text"]));
        assert_eq!(details_of(None), "{}");
        assert_eq!(details_of(Some(b"not json")), "{}");
    }
}
