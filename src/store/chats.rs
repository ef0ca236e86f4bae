//! Chats and their numbered events. Every state change of a chat is written together with the
//! event that announces it, in one transaction, so the log and the chat row never disagree.

use diesel::prelude::*;

use super::schema::{chat_agents, chat_events, chats, users};
use super::{parse_json, to_json, AnyConnection, StoreError, StoreResult};
use crate::domain::chat::{ChatState, Disposition};
use crate::domain::event::{Author, ChatEvent, EventBody};
use crate::domain::ids::{ChatId, QueueId, Seq, UserId, WebsiteId};
use crate::domain::visitor::PageView;
use crate::protocol::PastSession;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chats)]
pub struct ChatRow {
    pub id: i64,
    pub website_id: i64,
    pub queue_id: i64,
    pub state: String,
    pub disposition: Option<String>,
    pub agent_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub visitor_name: String,
    pub visitor_token_hash: String,
    pub visitor_meta: String,
    pub created_at_ms: i64,
    pub accepted_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    /// R16: the one agent a direct chat is offered to.
    pub target_agent_id: Option<i64>,
    /// R90: the identity the visitor's widget keeps, if it sent one.
    pub visitor_key: Option<String>,
    /// R81: when the review of an unmanaged or timed-out chat was closed.
    pub review_closed_at_ms: Option<i64>,
    /// R81: who closed it; `None` with a time: the auto-close (R76).
    pub review_closed_by: Option<i64>,
}

impl ChatRow {
    pub fn chat_id(&self) -> ChatId {
        ChatId(self.id)
    }

    pub fn chat_state(&self) -> StoreResult<ChatState> {
        ChatState::from_stored(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("chats.state {:?}", self.state)))
    }

    /// R91: how the chat ended; `None` while it goes on.
    pub fn chat_disposition(&self) -> StoreResult<Option<Disposition>> {
        self.disposition
            .as_deref()
            .map(|d| {
                Disposition::from_stored(d)
                    .ok_or_else(|| StoreError::Corrupt(format!("chats.disposition {d:?}")))
            })
            .transpose()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = chats)]
pub struct NewChat<'a> {
    pub website_id: i64,
    pub queue_id: i64,
    pub state: &'a str,
    pub visitor_name: &'a str,
    pub visitor_token_hash: &'a str,
    pub visitor_meta: String,
    pub created_at_ms: i64,
    pub target_agent_id: Option<i64>,
    pub visitor_key: Option<&'a str>,
    /// R88: the contact the visitor's form values matched or created.
    pub contact_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = chat_events)]
struct EventRow {
    chat_id: i64,
    seq: i64,
    at_ms: i64,
    kind: String,
    author_kind: String,
    author_id: Option<i64>,
    author_name: String,
    private: bool,
    client_key: Option<String>,
    payload: String,
}

impl EventRow {
    fn from_event(event: &ChatEvent, client_key: Option<&str>) -> EventRow {
        let (author_id, author_name) = match &event.author {
            Author::Visitor { name } => (None, name.clone()),
            Author::Agent { id, name } => (Some(id.0), name.clone()),
            Author::System => (None, String::new()),
        };
        EventRow {
            chat_id: event.chat_id.0,
            seq: event.seq.0,
            at_ms: event.at_ms,
            kind: event.body.kind().to_owned(),
            author_kind: event.author.kind().to_owned(),
            author_id,
            author_name,
            private: event.private,
            client_key: client_key.map(str::to_owned),
            payload: to_json(&event.body),
        }
    }

    fn into_event(self) -> StoreResult<ChatEvent> {
        let author = match (self.author_kind.as_str(), self.author_id) {
            ("visitor", _) => Author::Visitor {
                name: self.author_name,
            },
            ("agent", Some(id)) => Author::Agent {
                id: UserId(id),
                name: self.author_name,
            },
            ("system", _) => Author::System,
            (other, _) => {
                return Err(StoreError::Corrupt(format!(
                    "chat_events.author_kind {other:?}"
                )))
            }
        };
        let body: EventBody = parse_json("chat_events.payload", &self.payload)?;
        Ok(ChatEvent {
            chat_id: ChatId(self.chat_id),
            seq: Seq(self.seq),
            at_ms: self.at_ms,
            author,
            private: self.private,
            body,
        })
    }
}

/// The first event of every chat is written with it: a chat never exists without its request.
/// The page the visitor asked from, if known, starts its browsing history (R35).
pub fn insert_with_request(
    conn: &mut AnyConnection,
    chat: &NewChat<'_>,
    website_key: &str,
    first_page: Option<&PageView>,
    at_ms: i64,
) -> StoreResult<ChatEvent> {
    conn.transaction(|conn| {
        let id = diesel::insert_into(chats::table)
            .values(chat)
            .returning(chats::id)
            .get_result::<i64>(conn)?;
        let event = ChatEvent {
            chat_id: ChatId(id),
            seq: Seq(1),
            at_ms,
            author: Author::Visitor {
                name: chat.visitor_name.to_owned(),
            },
            private: false,
            body: EventBody::ChatRequested {
                visitor_name: chat.visitor_name.to_owned(),
                website_key: website_key.to_owned(),
                queue_id: QueueId(chat.queue_id),
            },
        };
        diesel::insert_into(chat_events::table)
            .values(EventRow::from_event(&event, None))
            .execute(conn)?;
        if let Some(page) = first_page {
            super::visitors::insert_page_view(conn, event.chat_id, page, at_ms)?;
        }
        Ok(event)
    })
}

pub fn by_id(conn: &mut AnyConnection, id: ChatId) -> StoreResult<Option<ChatRow>> {
    Ok(chats::table
        .find(id.0)
        .select(ChatRow::as_select())
        .first(conn)
        .optional()?)
}

/// Chats that are queued or active, oldest first: what a restart must rebuild.
pub fn open(conn: &mut AnyConnection) -> StoreResult<Vec<ChatRow>> {
    Ok(chats::table
        .filter(chats::state.ne(ChatState::Ended.as_str()))
        .order(chats::id)
        .select(ChatRow::as_select())
        .load(conn)?)
}

/// The active chats an agent is in (as owner or invited, A4: each counts for its load).
pub fn active_of_agent(conn: &mut AnyConnection, agent: UserId) -> StoreResult<Vec<ChatRow>> {
    Ok(chats::table
        .inner_join(chat_agents::table)
        .filter(chat_agents::agent_id.eq(agent.0))
        .filter(chat_agents::left_at_ms.is_null())
        .filter(chats::state.eq(ChatState::Active.as_str()))
        .order(chats::id)
        .select(ChatRow::as_select())
        .load(conn)?)
}

/// R43–R45: whether `agent` is in the chat now (for an ended chat: was in it at its end).
pub fn is_participant(conn: &mut AnyConnection, chat: ChatId, agent: UserId) -> StoreResult<bool> {
    let open: i64 = chat_agents::table
        .filter(chat_agents::chat_id.eq(chat.0))
        .filter(chat_agents::agent_id.eq(agent.0))
        .filter(chat_agents::left_at_ms.is_null())
        .count()
        .get_result(conn)?;
    Ok(open > 0)
}

/// R43–R45: the agents in the chat now (for an ended chat: at its end) with their display
/// names, the owner first, then in the order they joined.
pub fn participants(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Vec<(UserId, String)>> {
    let rows: Vec<(i64, String, String)> = chat_agents::table
        .inner_join(users::table)
        .filter(chat_agents::chat_id.eq(chat.0))
        .filter(chat_agents::left_at_ms.is_null())
        .order((chat_agents::joined_at_ms, chat_agents::id))
        .select((
            chat_agents::agent_id,
            chat_agents::role,
            users::display_name,
        ))
        .load(conn)?;
    let (mut owners, others): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|(_, role, _)| role == OWNER);
    owners.extend(others);
    Ok(owners
        .into_iter()
        .map(|(agent, _, name)| (UserId(agent), name))
        .collect())
}

const OWNER: &str = "owner";
const INVITED: &str = "invited";

/// R43–R45: who joins and who leaves the chat in one change, and who owns it afterwards.
#[derive(Debug, Clone)]
pub struct ParticipantChange {
    pub chat: ChatId,
    pub at_ms: i64,
    pub joined: Option<UserId>,
    pub left: Vec<UserId>,
    /// The owner after the change (`chats.agent_id`).
    pub owner: UserId,
}

/// Applies `change` and appends its events, in one transaction.
pub fn change_participants(
    conn: &mut AnyConnection,
    events: &[ChatEvent],
    change: &ParticipantChange,
) -> StoreResult<()> {
    conn.transaction(|conn| {
        for agent in &change.left {
            diesel::update(
                chat_agents::table
                    .filter(chat_agents::chat_id.eq(change.chat.0))
                    .filter(chat_agents::agent_id.eq(agent.0))
                    .filter(chat_agents::left_at_ms.is_null()),
            )
            .set(chat_agents::left_at_ms.eq(Some(change.at_ms)))
            .execute(conn)?;
        }
        diesel::update(
            chat_agents::table
                .filter(chat_agents::chat_id.eq(change.chat.0))
                .filter(chat_agents::left_at_ms.is_null()),
        )
        .set(chat_agents::role.eq(INVITED))
        .execute(conn)?;
        if let Some(agent) = change.joined {
            insert_participant(conn, change.chat, agent, INVITED, change.at_ms)?;
        }
        diesel::update(
            chat_agents::table
                .filter(chat_agents::chat_id.eq(change.chat.0))
                .filter(chat_agents::agent_id.eq(change.owner.0))
                .filter(chat_agents::left_at_ms.is_null()),
        )
        .set(chat_agents::role.eq(OWNER))
        .execute(conn)?;
        diesel::update(chats::table.find(change.chat.0))
            .set(chats::agent_id.eq(Some(change.owner.0)))
            .execute(conn)?;
        for event in events {
            append(conn, event, None)?;
        }
        Ok(())
    })
}

fn insert_participant(
    conn: &mut AnyConnection,
    chat: ChatId,
    agent: UserId,
    role: &str,
    at_ms: i64,
) -> StoreResult<()> {
    diesel::insert_into(chat_agents::table)
        .values((
            chat_agents::chat_id.eq(chat.0),
            chat_agents::agent_id.eq(agent.0),
            chat_agents::role.eq(role),
            chat_agents::joined_at_ms.eq(at_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends one event, with the idempotency key it was sent with, if any.
pub fn append(
    conn: &mut AnyConnection,
    event: &ChatEvent,
    client_key: Option<&str>,
) -> StoreResult<()> {
    diesel::insert_into(chat_events::table)
        .values(EventRow::from_event(event, client_key))
        .execute(conn)?;
    Ok(())
}

/// R16: the chat becomes active with `agent`, and the join event is logged.
pub fn accept(conn: &mut AnyConnection, event: &ChatEvent, agent: UserId) -> StoreResult<()> {
    conn.transaction(|conn| {
        diesel::update(chats::table.find(event.chat_id.0))
            .set((
                chats::state.eq(ChatState::Active.as_str()),
                chats::agent_id.eq(Some(agent.0)),
                chats::accepted_at_ms.eq(Some(event.at_ms)),
            ))
            .execute(conn)?;
        insert_participant(conn, event.chat_id, agent, OWNER, event.at_ms)?;
        append(conn, event, None)
    })
}

/// R7, R8, R91: the chat ends with its disposition, and the end event is logged.
pub fn end(
    conn: &mut AnyConnection,
    event: &ChatEvent,
    disposition: Disposition,
) -> StoreResult<()> {
    conn.transaction(|conn| {
        diesel::update(chats::table.find(event.chat_id.0))
            .set((
                chats::state.eq(ChatState::Ended.as_str()),
                chats::disposition.eq(Some(disposition.as_str())),
                chats::ended_at_ms.eq(Some(event.at_ms)),
            ))
            .execute(conn)?;
        append(conn, event, None)
    })
}

/// R35, R46: the waiting chat now waits in `queue`, and the redirect event is logged.
pub fn move_to_queue(
    conn: &mut AnyConnection,
    event: &ChatEvent,
    queue: QueueId,
    target_agent: Option<UserId>,
) -> StoreResult<()> {
    conn.transaction(|conn| {
        diesel::update(chats::table.find(event.chat_id.0))
            .set((
                chats::queue_id.eq(queue.0),
                chats::target_agent_id.eq(target_agent.map(|agent| agent.0)),
            ))
            .execute(conn)?;
        append(conn, event, None)
    })
}

/// One earlier session, as the store reads it.
#[derive(Debug, Queryable)]
struct PastSessionRow {
    id: i64,
    created_at_ms: i64,
    ended_at_ms: Option<i64>,
    state: String,
    disposition: Option<String>,
    agent_id: Option<i64>,
    agent_name: Option<String>,
}

/// Who a visitor is, as far as earlier chats go (R90): the key its widget keeps (on one
/// website) and the contact its chat is linked to (on any website).
#[derive(Debug, Clone, Default)]
pub struct VisitorTrail {
    pub website: Option<WebsiteId>,
    pub visitor_key: Option<String>,
    pub contact_id: Option<i64>,
}

impl VisitorTrail {
    pub fn of(row: &ChatRow) -> VisitorTrail {
        VisitorTrail {
            website: Some(WebsiteId(row.website_id)),
            visitor_key: row.visitor_key.clone(),
            contact_id: row.contact_id,
        }
    }
}

/// R35, R89, R90: earlier chats of the same visitor, newest first, with the name of the agent
/// who held each: those with the same visitor key on the same website, and those linked to
/// the same contact.
pub fn past_sessions(
    conn: &mut AnyConnection,
    trail: &VisitorTrail,
    except: ChatId,
    limit: i64,
) -> StoreResult<Vec<PastSession>> {
    let same_key = match (trail.website, trail.visitor_key.as_deref()) {
        (Some(website), Some(key)) => Some((website, key)),
        _ => None,
    };
    let query = chats::table
        .left_join(users::table.on(chats::agent_id.eq(users::id.nullable())))
        .filter(chats::id.ne(except.0));
    let query = match (same_key, trail.contact_id) {
        (Some((website, key)), Some(contact)) => query
            .filter(
                chats::website_id
                    .eq(website.0)
                    .and(chats::visitor_key.eq(key))
                    .or(chats::contact_id.eq(contact)),
            )
            .into_boxed(),
        (Some((website, key)), None) => query
            .filter(chats::website_id.eq(website.0))
            .filter(chats::visitor_key.eq(key))
            .into_boxed(),
        (None, Some(contact)) => query.filter(chats::contact_id.eq(contact)).into_boxed(),
        (None, None) => return Ok(Vec::new()),
    };
    let rows: Vec<PastSessionRow> = query
        .order((chats::created_at_ms.desc(), chats::id.desc()))
        .limit(limit)
        .select((
            chats::id,
            chats::created_at_ms,
            chats::ended_at_ms,
            chats::state,
            chats::disposition,
            chats::agent_id,
            users::display_name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| PastSession {
            chat_id: ChatId(row.id),
            requested_at_ms: row.created_at_ms,
            ended_at_ms: row.ended_at_ms,
            state: row.state,
            disposition: row.disposition,
            agent_id: row.agent_id.map(UserId),
            agent_name: row.agent_name,
        })
        .collect())
}

/// R89: an agent changed the visitor's name or details (`visitor_meta`, JSON).
pub fn set_visitor(
    conn: &mut AnyConnection,
    chat: ChatId,
    name: &str,
    visitor_meta: &str,
) -> StoreResult<()> {
    diesel::update(chats::table.find(chat.0))
        .set((
            chats::visitor_name.eq(name),
            chats::visitor_meta.eq(visitor_meta),
        ))
        .execute(conn)?;
    Ok(())
}

/// R89: links the chat to a contact.
pub fn set_contact(conn: &mut AnyConnection, chat: ChatId, contact: i64) -> StoreResult<()> {
    diesel::update(chats::table.find(chat.0))
        .set(chats::contact_id.eq(contact))
        .execute(conn)?;
    Ok(())
}

/// Events with a sequence number above `after`, in order; private ones only if asked for.
pub fn events_after(
    conn: &mut AnyConnection,
    chat: ChatId,
    after: Seq,
    include_private: bool,
    limit: i64,
) -> StoreResult<Vec<ChatEvent>> {
    let mut query = chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .filter(chat_events::seq.gt(after.0))
        .order(chat_events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if !include_private {
        query = query.filter(chat_events::private.eq(false));
    }
    query
        .load(conn)?
        .into_iter()
        .map(EventRow::into_event)
        .collect()
}

/// R81, R85: a chat with its whole log, private events included; `None` if there is no such
/// chat.
pub fn with_log(
    conn: &mut AnyConnection,
    chat: ChatId,
) -> StoreResult<Option<(ChatRow, Vec<ChatEvent>)>> {
    let Some(row) = by_id(conn, chat)? else {
        return Ok(None);
    };
    let events = events_after(conn, chat, Seq::NONE, true, i64::MAX)?;
    Ok(Some((row, events)))
}

/// R80: when the chat's last event was stored (its request, a message, a join): what the
/// unattended timeout counts from after a restart.
pub fn last_event_at(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Option<i64>> {
    Ok(chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .select(diesel::dsl::max(chat_events::at_ms))
        .first(conn)?)
}

/// The highest sequence number of a chat and every idempotency key it has seen, so that the
/// chat's actor can go on numbering and recognise retries after a restart.
pub fn sequence_state(
    conn: &mut AnyConnection,
    chat: ChatId,
) -> StoreResult<(Seq, Vec<(String, Seq)>)> {
    let last: Option<i64> = chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .select(diesel::dsl::max(chat_events::seq))
        .first(conn)?;
    let keys: Vec<(Option<String>, i64)> = chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .filter(chat_events::client_key.is_not_null())
        .select((chat_events::client_key, chat_events::seq))
        .load(conn)?;
    Ok((
        Seq(last.unwrap_or(0)),
        keys.into_iter()
            .filter_map(|(key, seq)| key.map(|k| (k, Seq(seq))))
            .collect(),
    ))
}

/// Ids kept typed at the edge of this module.
pub fn website_and_queue(row: &ChatRow) -> (WebsiteId, QueueId) {
    (WebsiteId(row.website_id), QueueId(row.queue_id))
}

/// One event of a chat, private or not; `None` if the chat has no event `seq`.
pub fn event_at(
    conn: &mut AnyConnection,
    chat: ChatId,
    seq: Seq,
) -> StoreResult<Option<ChatEvent>> {
    chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .filter(chat_events::seq.eq(seq.0))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?
        .map(EventRow::into_event)
        .transpose()
}

/// Every event of one kind in a chat, in order (`kind` as `EventBody::kind` names it).
pub fn events_of_kind(
    conn: &mut AnyConnection,
    chat: ChatId,
    kind: &str,
) -> StoreResult<Vec<ChatEvent>> {
    chat_events::table
        .filter(chat_events::chat_id.eq(chat.0))
        .filter(chat_events::kind.eq(kind))
        .order(chat_events::seq)
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(EventRow::into_event)
        .collect()
}
