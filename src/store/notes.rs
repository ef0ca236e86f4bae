//! Agents' notes about a visitor (R46, R90): kept with the chat and, when the chat has a
//! contact, with the contact, so they show again in that visitor's later chats. No visitor
//! path reads this table.

use diesel::prelude::*;

use super::schema::{agent_notes, users};
use super::{AnyConnection, StoreResult};
use crate::domain::ids::{ChatId, UserId};
use crate::domain::note::NoteText;
use crate::protocol::NoteView;

#[derive(Debug, Insertable)]
#[diesel(table_name = agent_notes)]
struct NewNote<'a> {
    chat_id: i64,
    contact_id: Option<i64>,
    author_id: i64,
    text: &'a str,
    created_at_ms: i64,
}

#[derive(Debug, Clone, Queryable)]
struct NoteRow {
    id: i64,
    chat_id: i64,
    contact_id: Option<i64>,
    author_id: i64,
    author_name: String,
    text: String,
    at_ms: i64,
}

impl From<NoteRow> for NoteView {
    fn from(row: NoteRow) -> NoteView {
        NoteView {
            note_id: row.id,
            chat_id: ChatId(row.chat_id),
            contact_id: row.contact_id,
            author_id: UserId(row.author_id),
            author_name: row.author_name,
            text: row.text,
            at_ms: row.at_ms,
        }
    }
}

type ViewColumns = (
    agent_notes::id,
    agent_notes::chat_id,
    agent_notes::contact_id,
    agent_notes::author_id,
    users::display_name,
    agent_notes::text,
    agent_notes::created_at_ms,
);

const VIEW_COLUMNS: ViewColumns = (
    agent_notes::id,
    agent_notes::chat_id,
    agent_notes::contact_id,
    agent_notes::author_id,
    users::display_name,
    agent_notes::text,
    agent_notes::created_at_ms,
);

/// Writes a note on `chat`, attached to its contact if it has one.
pub fn insert(
    conn: &mut AnyConnection,
    chat: ChatId,
    contact: Option<i64>,
    author: UserId,
    text: &NoteText,
    now_ms: i64,
) -> StoreResult<NoteView> {
    let id: i64 = diesel::insert_into(agent_notes::table)
        .values(NewNote {
            chat_id: chat.0,
            contact_id: contact,
            author_id: author.0,
            text: text.as_str(),
            created_at_ms: now_ms,
        })
        .returning(agent_notes::id)
        .get_result(conn)?;
    let row: NoteRow = agent_notes::table
        .inner_join(users::table)
        .filter(agent_notes::id.eq(id))
        .select(VIEW_COLUMNS)
        .first(conn)?;
    Ok(row.into())
}

/// R90: the notes of `chat` and of its contact (written in its other chats), oldest first.
pub fn of_chat(
    conn: &mut AnyConnection,
    chat: ChatId,
    contact: Option<i64>,
) -> StoreResult<Vec<NoteView>> {
    let query = agent_notes::table.inner_join(users::table);
    let found = match contact {
        Some(contact) => query
            .filter(
                agent_notes::chat_id
                    .eq(chat.0)
                    .or(agent_notes::contact_id.eq(contact)),
            )
            .into_boxed(),
        None => query.filter(agent_notes::chat_id.eq(chat.0)).into_boxed(),
    };
    let rows: Vec<NoteRow> = found
        .order(agent_notes::id)
        .select(VIEW_COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(NoteView::from).collect())
}

/// R89, R90: the chat was linked to a contact: its notes go with it.
pub fn attach_to_contact(conn: &mut AnyConnection, chat: ChatId, contact: i64) -> StoreResult<()> {
    diesel::update(agent_notes::table.filter(agent_notes::chat_id.eq(chat.0)))
        .set(agent_notes::contact_id.eq(contact))
        .execute(conn)?;
    Ok(())
}
