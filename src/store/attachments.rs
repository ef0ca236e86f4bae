//! R10, R39, R40: the rows of chat files. The content is in the attachments folder
//! ([`super::files`]); a row says whose file it is, what it is, and which message (if any)
//! carries it. A message claims its files in the transaction that stores it.

use diesel::prelude::*;

use super::schema::chat_attachments;
use super::{write_first, AnyConnection, StoreError, StoreResult};
use crate::domain::attachment::AttachmentRef;
use crate::domain::chat::Poster;
use crate::domain::ids::{ChatId, Seq, UserId};
use crate::domain::upload::{FileName, UploadId};
use crate::domain::RuleError;

#[derive(Debug, Insertable)]
#[diesel(table_name = chat_attachments)]
pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub chat_id: i64,
    pub uploader_kind: &'a str,
    pub uploader_id: Option<i64>,
    pub name: &'a str,
    pub mime_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub created_at_ms: i64,
}

/// How an uploader is stored: its kind, and its user id for agents.
pub fn uploader_columns(poster: Poster) -> (&'static str, Option<i64>) {
    match poster {
        Poster::Visitor => ("visitor", None),
        Poster::Agent(UserId(id)) => ("agent", Some(id)),
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub chat_id: i64,
    pub name: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub event_seq: Option<i64>,
    pub private: bool,
}

impl AttachmentRow {
    /// The file as a `message` event names it.
    pub fn to_ref(&self) -> StoreResult<AttachmentRef> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("chat_attachments.{what}"));
        Ok(AttachmentRef {
            id: UploadId::parse(&self.id).ok_or_else(|| corrupt("id"))?,
            name: FileName::parse(&self.name).map_err(|_| corrupt("name"))?,
            mime_type: self.mime_type.clone(),
            size: u64::try_from(self.size_bytes).map_err(|_| corrupt("size_bytes"))?,
        })
    }
}

pub fn insert(conn: &mut AnyConnection, attachment: &NewAttachment<'_>) -> StoreResult<()> {
    diesel::insert_into(chat_attachments::table)
        .values(attachment)
        .execute(conn)?;
    Ok(())
}

/// R40, A10: the message `seq` of `chat` by `poster` takes the files `ids`: each must be this
/// poster's own unsent upload to this chat, else `unknown_attachment` and nothing changes.
/// R39: the files become as private as the message. Returns them in the order of `ids`.
/// Runs inside the caller's transaction, which also stores the message.
pub fn claim_for_message(
    conn: &mut AnyConnection,
    chat: ChatId,
    poster: Poster,
    ids: &[UploadId],
    (seq, private): (Seq, bool),
) -> StoreResult<Result<Vec<AttachmentRef>, RuleError>> {
    if ids.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    write_first(conn)?;
    let (kind, uploader) = uploader_columns(poster);
    let keys: Vec<&str> = ids.iter().map(UploadId::as_str).collect();
    let mut query = chat_attachments::table
        .filter(chat_attachments::id.eq_any(&keys))
        .filter(chat_attachments::chat_id.eq(chat.0))
        .filter(chat_attachments::uploader_kind.eq(kind))
        .filter(chat_attachments::event_seq.is_null())
        .select(AttachmentRow::as_select())
        .into_boxed();
    query = match uploader {
        Some(id) => query.filter(chat_attachments::uploader_id.eq(id)),
        None => query.filter(chat_attachments::uploader_id.is_null()),
    };
    let rows = query.load(conn)?;
    if rows.len() != ids.len() {
        return Ok(Err(RuleError::UnknownAttachment));
    }
    let claimed = diesel::update(
        chat_attachments::table
            .filter(chat_attachments::id.eq_any(&keys))
            .filter(chat_attachments::event_seq.is_null()),
    )
    .set((
        chat_attachments::event_seq.eq(Some(seq.0)),
        chat_attachments::private.eq(private),
    ))
    .execute(conn)?;
    if claimed != ids.len() {
        return Ok(Err(RuleError::UnknownAttachment));
    }
    ids.iter()
        .filter_map(|id| rows.iter().find(|row| row.id == id.as_str()))
        .map(AttachmentRow::to_ref)
        .collect::<StoreResult<Vec<_>>>()
        .map(Ok)
}

/// One file of `chat`, sent or not.
pub fn of_chat(
    conn: &mut AnyConnection,
    chat: ChatId,
    id: &UploadId,
) -> StoreResult<Option<AttachmentRow>> {
    Ok(chat_attachments::table
        .filter(chat_attachments::id.eq(id.as_str()))
        .filter(chat_attachments::chat_id.eq(chat.0))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes the rows of uploads no message claimed that were made before `cutoff_ms`; returns
/// their storage keys, whose files the caller removes.
pub fn delete_unsent_before(conn: &mut AnyConnection, cutoff_ms: i64) -> StoreResult<Vec<String>> {
    conn.transaction(|conn| {
        write_first(conn)?;
        let stale: Vec<(String, String)> = chat_attachments::table
            .filter(chat_attachments::event_seq.is_null())
            .filter(chat_attachments::created_at_ms.lt(cutoff_ms))
            .select((chat_attachments::id, chat_attachments::storage_key))
            .load(conn)?;
        let ids: Vec<&str> = stale.iter().map(|(id, _)| id.as_str()).collect();
        diesel::delete(
            chat_attachments::table
                .filter(chat_attachments::id.eq_any(&ids))
                .filter(chat_attachments::event_seq.is_null()),
        )
        .execute(conn)?;
        Ok(stale.into_iter().map(|(_, key)| key).collect())
    })
}
