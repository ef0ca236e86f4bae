//! R85, R87: the organisation's chat logs for supervisors and admins: search (`GET
//! /chat-logs`), the CSV export of a search (`GET /chat-logs.csv`), and one chat's full log
//! (`GET /chats/{id}/log`): transcript with private messages, form values, notes, wrap-ups and
//! the routing trail.

use actix_web::{web, HttpResponse};
use futures_util::stream;
use serde::{Deserialize, Serialize};

use super::auth::{CurrentUser, SUPERVISORS};
use crate::actors::Engine;
use crate::domain::chat_log::{
    csv_header, LogAgent, LogEntry, LogSearch, RawLogSearch, MAX_EXPORT_ROWS, MAX_LIMIT,
};
use crate::domain::event::ChatEvent;
use crate::domain::ids::{ChatId, QueueId, UserId, WebsiteId};
use crate::domain::unmanaged::visitor_address;
use crate::error::AppError;
use crate::protocol::{NoteView, VisitorDetails, WrapUpView};
use crate::store::chat_logs::{LogExtras, LogFilter};
use crate::store::chats::ChatRow;
use crate::store::review::LeftMessageRow;
use crate::store::routing::Step;
use crate::store::{self, StoreError};

/// The query parameters of both the list and the export (docs/protocol.md 4.43).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    from: Option<i64>,
    to: Option<i64>,
    website: Option<String>,
    queue: Option<i64>,
    agent: Option<i64>,
    disposition: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
    before: Option<i64>,
}

impl From<LogQuery> for RawLogSearch {
    fn from(q: LogQuery) -> RawLogSearch {
        RawLogSearch {
            from: q.from,
            to: q.to,
            website: q.website,
            queue: q.queue,
            agent: q.agent,
            disposition: q.disposition,
            q: q.q,
            limit: q.limit,
            before: q.before,
        }
    }
}

/// The checked search as the store takes it; an unknown website is `website_not_found`.
fn filter_of(engine: &Engine, query: LogQuery) -> Result<LogFilter, AppError> {
    let search = LogSearch::parse(query.into())?;
    let website = match &search.website {
        Some(key) => Some(engine.website_id_of(key).ok_or(AppError::WebsiteNotFound)?),
        None => None,
    };
    Ok(LogFilter {
        from_ms: search.from_ms,
        to_ms: search.to_ms,
        website,
        queue: search.queue,
        agent: search.agent,
        disposition: search.disposition,
        text: search.text,
        before: search.before,
        limit: search.limit,
    })
}

fn visitor_details(row: &ChatRow) -> Result<VisitorDetails, StoreError> {
    store::parse_json("chats.visitor_meta", &row.visitor_meta)
}

/// The visitor's address: as an agent set it (R89), verified (R52), else the form's.
fn visitor_email(details: &VisitorDetails) -> Option<String> {
    details
        .email
        .clone()
        .or_else(|| details.verified.as_ref().and_then(|v| v.email.clone()))
        .or_else(|| {
            let fields = details
                .fields
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)));
            visitor_address(None, fields).map(|a| a.as_str().to_owned())
        })
}

fn website_key(engine: &Engine, row: &ChatRow) -> String {
    engine
        .website_key_of(WebsiteId(row.website_id))
        .map(|k| k.to_string())
        .unwrap_or_default()
}

fn entry(engine: &Engine, row: ChatRow, extras: LogExtras) -> Result<LogEntry, AppError> {
    let details = visitor_details(&row)?;
    Ok(LogEntry {
        chat_id: row.chat_id(),
        website_key: website_key(engine, &row),
        queue_id: QueueId(row.queue_id),
        queue_name: engine.queue_name(QueueId(row.queue_id)),
        agents: extras.agents,
        visitor_email: visitor_email(&details),
        visitor_name: row.visitor_name,
        state: row.state,
        disposition: row.disposition,
        wrap_up_reasons: extras.wrap_up_reasons,
        requested_at_ms: row.created_at_ms,
        accepted_at_ms: row.accepted_at_ms,
        ended_at_ms: row.ended_at_ms,
        duration_ms: LogEntry::duration(row.created_at_ms, row.ended_at_ms),
        message_count: extras.message_count,
    })
}

/// One page of the search: its entries and the next page's `before` (`None` after the last).
async fn page(
    engine: &Engine,
    filter: LogFilter,
) -> Result<(Vec<LogEntry>, Option<ChatId>), AppError> {
    let limit = filter.limit;
    let (rows, mut extras) = engine
        .db()
        .run(move |conn| {
            let rows = store::chat_logs::search(conn, &filter)?;
            let extras = store::chat_logs::extras(conn, &rows)?;
            Ok((rows, extras))
        })
        .await?;
    let full = rows.len() as i64 == limit;
    let entries = rows
        .into_iter()
        .map(|row| {
            let more = extras.remove(&row.id).unwrap_or_default();
            entry(engine, row, more)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let next = if full {
        entries.last().map(|e| e.chat_id)
    } else {
        None
    };
    Ok((entries, next))
}

/// `GET /api/v1/chat-logs`: R85, R87, the chats a search finds, newest first, a page at a
/// time. Supervisors and admins only.
pub async fn list(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let filter = filter_of(&engine, query.into_inner())?;
    let (chats, next_before) = page(&engine, filter).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "chats": chats,
        "next_before": next_before,
    })))
}

/// `GET /api/v1/chat-logs.csv`: R87, the same search as CSV (every page, up to
/// `MAX_EXPORT_ROWS` chats), written page by page as the store answers. `limit` and `before`
/// are ignored: the export starts at the newest chat.
pub async fn export_csv(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let mut filter = filter_of(&engine, query.into_inner())?;
    filter.limit = MAX_LIMIT;
    filter.before = None;
    // Errors are found before the first byte: the first page is read here.
    let (first, next) = page(&engine, filter.clone()).await?;
    let head = stream::iter([Ok::<_, AppError>(web::Bytes::from(csv_lines(&first, true)))]);
    let rest = stream::unfold(
        (engine, filter, next, first.len() as i64),
        |(engine, mut filter, next, sent)| async move {
            let before = next?;
            if sent >= MAX_EXPORT_ROWS {
                return None;
            }
            filter.before = Some(before);
            filter.limit = MAX_LIMIT.min(MAX_EXPORT_ROWS - sent);
            match page(&engine, filter.clone()).await {
                Ok((entries, next)) => {
                    let sent = sent + entries.len() as i64;
                    let bytes = web::Bytes::from(csv_lines(&entries, false));
                    Some((Ok(bytes), (engine, filter, next, sent)))
                }
                Err(err) => {
                    tracing::warn!(error = %err, "chat log export stopped");
                    Some((Err(err), (engine, filter, None, sent)))
                }
            }
        },
    );
    use futures_util::StreamExt;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"chat-logs.csv\"",
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .streaming(head.chain(rest)))
}

fn csv_lines(entries: &[LogEntry], with_header: bool) -> String {
    let mut text = if with_header {
        csv_header()
    } else {
        String::new()
    };
    for entry in entries {
        text.push_str(&entry.csv_line());
    }
    text
}

/// R85, R87: the organisation's log of a chat.
#[derive(Debug, Serialize)]
struct ChatLog {
    chat_id: ChatId,
    website_key: String,
    queue_id: QueueId,
    queue_name: Option<String>,
    state: String,
    disposition: Option<String>,
    visitor_name: String,
    visitor_email: Option<String>,
    /// The owner at the end (or now).
    agent_id: Option<UserId>,
    /// Every agent who was in the chat, in the order they joined.
    agents: Vec<LogAgent>,
    requested_at_ms: i64,
    accepted_at_ms: Option<i64>,
    ended_at_ms: Option<i64>,
    duration_ms: Option<i64>,
    /// The pre-chat form values (`fields`) and what the browser told.
    visitor_details: VisitorDetails,
    /// Every event, private ones included, in order; files are in their `message` events.
    events: Vec<ChatEvent>,
    /// R87: the agents' wrap-ups (owed or given): reason, note, auto.
    wrap_ups: Vec<WrapUpView>,
    /// R46, R90: the agents' notes of this chat.
    notes: Vec<NoteView>,
    /// R87: every routing step, oldest first (each offer with its agent, time and outcome).
    routing: Vec<Step>,
    /// R78: the message the visitor left when nobody took the chat.
    left_message: Option<LeftMessageRow>,
}

/// `GET /api/v1/chats/{chat_id}/log`: R85, R87, the full log of any chat, private events
/// included. Supervisors and admins only.
pub async fn log(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let chat = ChatId(chat_id.into_inner());
    let found = engine
        .db()
        .run(move |conn| {
            let Some((row, events)) = store::chats::with_log(conn, chat)? else {
                return Ok(None);
            };
            let mut extras = store::chat_logs::extras(conn, std::slice::from_ref(&row))?;
            let wrap_ups = store::wrap_ups::of_chat(conn, chat)?;
            let notes = store::notes::of_chat(conn, chat, None)?;
            let routing = store::routing::of_chat(conn, chat)?;
            let left = store::review::left_message_of(conn, chat)?;
            let agents = extras.remove(&row.id).unwrap_or_default().agents;
            Ok(Some((
                row,
                events,
                agents,
                (wrap_ups, notes, routing, left),
            )))
        })
        .await?;
    let (row, events, agents, (wrap_ups, notes, routing, left_message)) =
        found.ok_or(AppError::ChatNotFound)?;
    let details = visitor_details(&row)?;
    Ok(HttpResponse::Ok().json(ChatLog {
        chat_id: row.chat_id(),
        website_key: website_key(&engine, &row),
        queue_id: QueueId(row.queue_id),
        queue_name: engine.queue_name(QueueId(row.queue_id)),
        state: row.state,
        disposition: row.disposition,
        visitor_email: visitor_email(&details),
        visitor_name: row.visitor_name,
        agent_id: row.agent_id.map(UserId),
        agents,
        requested_at_ms: row.created_at_ms,
        accepted_at_ms: row.accepted_at_ms,
        ended_at_ms: row.ended_at_ms,
        duration_ms: LogEntry::duration(row.created_at_ms, row.ended_at_ms),
        visitor_details: details,
        events,
        wrap_ups,
        notes,
        routing,
        left_message,
    }))
}
