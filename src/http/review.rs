//! R81: what supervisors and admins do after the fact: review unmanaged and timed-out chats
//! (list, open, close, reply by mail). The organisation's log of any chat is `chat_logs`.

use actix_web::{web, HttpResponse};
use diesel::Connection;
use serde::{Deserialize, Serialize};

use super::auth::{CurrentUser, SUPERVISORS};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::email::Reply;
use crate::domain::event::ChatEvent;
use crate::domain::ids::{ChatId, QueueId, UserId, WebsiteId};
use crate::domain::unmanaged::{visitor_address, ReviewKind, ReviewStatus};
use crate::domain::website::WebsiteKey;
use crate::error::AppError;
use crate::mail::templates::reply_mail;
use crate::mail::{insert_mail, website_language};
use crate::protocol::{VisitorDetails, WrapUpView};
use crate::store::chats::ChatRow;
use crate::store::review::{LeftMessageRow, NewReply, ReplyView, ReviewFilter};
use crate::store::{self, StoreError};

/// The most reviewed chats one list call returns, and the default.
const MAX_LIMIT: i64 = 200;
const DEFAULT_LIMIT: i64 = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    /// A website key; all websites when absent.
    website: Option<String>,
    /// `unmanaged` or `timeout`; both when absent.
    kind: Option<ReviewKind>,
    /// `open` (the default) or `closed`.
    status: Option<ReviewStatus>,
    /// Paging: only chats that ended before this (`next_before_ms` of the previous page).
    before_ms: Option<i64>,
    limit: Option<i64>,
}

/// R81: one reviewed chat as listed.
#[derive(Debug, Serialize)]
struct ReviewItem {
    chat_id: ChatId,
    website_key: String,
    queue_id: QueueId,
    queue_name: Option<String>,
    kind: ReviewKind,
    status: ReviewStatus,
    visitor_name: String,
    /// Where a reply goes: the address left with the message, else the form's e-mail field.
    visitor_email: Option<String>,
    /// R16, A13: a direct chat (an invitation code) whose agent did not take it.
    direct: bool,
    requested_at_ms: i64,
    accepted_at_ms: Option<i64>,
    ended_at_ms: Option<i64>,
    closed_at_ms: Option<i64>,
    /// Who closed the review; `null` with a `closed_at_ms`: the auto-close (R76).
    closed_by: Option<UserId>,
    left_message: Option<LeftMessageRow>,
}

/// R81: a chat under review is unmanaged or timed out; anything else is not reviewed here.
fn review_kind(row: &ChatRow) -> Result<ReviewKind, AppError> {
    row.chat_disposition()?
        .and_then(ReviewKind::of)
        .ok_or(AppError::NotReviewable)
}

fn visitor_details(row: &ChatRow) -> Result<VisitorDetails, AppError> {
    Ok(store::parse_json("chats.visitor_meta", &row.visitor_meta)?)
}

fn item(
    engine: &Engine,
    row: ChatRow,
    left: Option<LeftMessageRow>,
) -> Result<ReviewItem, AppError> {
    let kind = review_kind(&row)?;
    let details = visitor_details(&row)?;
    let fields = details
        .fields
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)));
    let visitor_email = visitor_address(left.as_ref().and_then(|l| l.email.as_deref()), fields)
        .map(|address| address.as_str().to_owned());
    Ok(ReviewItem {
        chat_id: row.chat_id(),
        website_key: engine
            .website_key_of(WebsiteId(row.website_id))
            .map(|k| k.to_string())
            .unwrap_or_default(),
        queue_id: QueueId(row.queue_id),
        queue_name: engine.queue_name(QueueId(row.queue_id)),
        kind,
        status: ReviewStatus::of(row.review_closed_at_ms),
        visitor_email,
        direct: row.target_agent_id.is_some(),
        requested_at_ms: row.created_at_ms,
        accepted_at_ms: row.accepted_at_ms,
        ended_at_ms: row.ended_at_ms,
        closed_at_ms: row.review_closed_at_ms,
        closed_by: row.review_closed_by.map(UserId),
        visitor_name: row.visitor_name,
        left_message: left,
    })
}

/// `GET /api/v1/review/chats?website=KEY&kind=unmanaged|timeout&status=open|closed`: R81,
/// reviewed chats newest end first. Supervisors and admins only.
pub async fn list(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<ReviewQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let query = query.into_inner();
    let website = match &query.website {
        Some(key) => {
            let key = WebsiteKey::parse(key).map_err(|_| AppError::WebsiteNotFound)?;
            Some(
                engine
                    .website_id_of(&key)
                    .ok_or(AppError::WebsiteNotFound)?,
            )
        }
        None => None,
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::InvalidInput(format!(
            "limit is from 1 to {MAX_LIMIT}"
        )));
    }
    let kinds = match query.kind {
        Some(kind) => vec![kind],
        None => ReviewKind::ALL.to_vec(),
    };
    let filter = ReviewFilter {
        website,
        dispositions: kinds.into_iter().map(ReviewKind::disposition).collect(),
        status: query.status.unwrap_or(ReviewStatus::Open),
        ended_before_ms: query.before_ms,
        limit,
    };
    let rows = engine
        .db()
        .run(move |conn| store::review::list(conn, &filter))
        .await?;
    let full = rows.len() as i64 == limit;
    let chats = rows
        .into_iter()
        .map(|(row, left)| item(&engine, row, left))
        .collect::<Result<Vec<_>, _>>()?;
    let next_before_ms = if full {
        chats.last().and_then(|c| c.ended_at_ms)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "chats": chats,
        "next_before_ms": next_before_ms,
    })))
}

/// R81: a reviewed chat opened: the list entry, why it ended, the form data and visitor
/// details, the whole log (private events included, R85) and the replies sent.
#[derive(Debug, Serialize)]
struct ReviewDetail {
    #[serde(flatten)]
    item: ReviewItem,
    /// `hunt_timeout` or `no_eligible_agent` (unmanaged, from the routing trail; `null` if
    /// unknown), `unattended` (timeout).
    reason: Option<String>,
    visitor_details: VisitorDetails,
    events: Vec<ChatEvent>,
    replies: Vec<ReplyView>,
    /// R87: the agents' wrap-ups (owed or given).
    wrap_ups: Vec<WrapUpView>,
}

/// `GET /api/v1/review/chats/{chat_id}`
pub async fn detail(
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
            let left = store::review::left_message_of(conn, chat)?;
            let replies = store::review::replies_of(conn, chat)?;
            let hunt_end = store::review::hunt_end_reason(conn, chat)?;
            let wrap_ups = store::wrap_ups::of_chat(conn, chat)?;
            Ok(Some((row, left, events, replies, (hunt_end, wrap_ups))))
        })
        .await?;
    let (row, left, events, replies, (hunt_end, wrap_ups)) = found.ok_or(AppError::ChatNotFound)?;
    let visitor_details = visitor_details(&row)?;
    let item = item(&engine, row, left)?;
    let reason = match item.kind {
        ReviewKind::Timeout => Some("unattended".to_owned()),
        ReviewKind::Unmanaged => hunt_end.map(|detail| match detail.as_str() {
            "timeout" => "hunt_timeout".to_owned(),
            _ => detail,
        }),
    };
    Ok(HttpResponse::Ok().json(ReviewDetail {
        item,
        reason,
        visitor_details,
        events,
        replies,
        wrap_ups,
    }))
}

/// `POST /api/v1/review/chats/{chat_id}/close`: R81, the supervisor is done with the chat.
pub async fn close(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let (chat, me) = (ChatId(chat_id.into_inner()), user.id());
    let closed = engine
        .db()
        .run(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                crate::store::write_first(conn)?;
                let Some(row) = store::chats::by_id(conn, chat)? else {
                    return Ok(Err(AppError::ChatNotFound));
                };
                if let Err(refused) = review_kind(&row) {
                    return Ok(Err(refused));
                }
                if let Err(rule) = ReviewStatus::of(row.review_closed_at_ms).close() {
                    return Ok(Err(rule.into()));
                }
                // Closed only if nobody closed it meanwhile.
                if !store::review::close(conn, chat, Some(me), now_ms())? {
                    return Ok(Err(crate::domain::RuleError::ReviewClosed.into()));
                }
                let row = store::chats::by_id(conn, chat)?;
                let left = store::review::left_message_of(conn, chat)?;
                Ok(Ok((row, left)))
            })
        })
        .await??;
    let (row, left) = closed;
    let row = row.ok_or(AppError::ChatNotFound)?;
    Ok(HttpResponse::Ok().json(item(&engine, row, left)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    subject: String,
    body: String,
}

/// `POST /api/v1/review/chats/{chat_id}/reply`: R81, a mail to the visitor's address (left
/// with the message, or the form's e-mail field), plain text with an escaped HTML part. The
/// mail and the record of the reply are stored together.
pub async fn reply(
    engine: web::Data<Engine>,
    user: CurrentUser,
    chat_id: web::Path<i64>,
    body: web::Json<ReplyRequest>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let letter = Reply::parse(&body.subject, &body.body)?;
    let (chat, me) = (ChatId(chat_id.into_inner()), user.id());
    let sent = engine
        .db()
        .run(move |conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                crate::store::write_first(conn)?;
                let Some(row) = store::chats::by_id(conn, chat)? else {
                    return Ok(Err(AppError::ChatNotFound));
                };
                if let Err(refused) = review_kind(&row) {
                    return Ok(Err(refused));
                }
                let left = store::review::left_message_of(conn, chat)?;
                let details: VisitorDetails =
                    store::parse_json("chats.visitor_meta", &row.visitor_meta)?;
                let fields = details
                    .fields
                    .iter()
                    .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)));
                let Some(to) =
                    visitor_address(left.as_ref().and_then(|l| l.email.as_deref()), fields)
                else {
                    return Ok(Err(AppError::NoVisitorAddress));
                };
                let language = website_language(conn, WebsiteId(row.website_id))?;
                let now = now_ms();
                let outbox_id = insert_mail(conn, &reply_mail(&to, &letter, language), now)?;
                store::review::insert_reply(
                    conn,
                    &NewReply {
                        chat_id: chat.0,
                        user_id: me.0,
                        to_address: to.as_str(),
                        subject: letter.subject.as_str(),
                        body: letter.body.as_str(),
                        outbox_id,
                        sent_at_ms: now,
                    },
                )?;
                Ok(Ok((to, now)))
            })
        })
        .await??;
    engine.wake_mailer();
    let (to, sent_at_ms) = sent;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "chat_id": chat,
        "to": to,
        "sent_at_ms": sent_at_ms,
    })))
}
