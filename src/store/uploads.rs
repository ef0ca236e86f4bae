//! Files visitors attach to forms (R11, R63), kept in the database: both backends store them
//! alike, a submission claims its files in the same transaction that stores it, and no file
//! name ever becomes a path. Reads that list files leave the content out.

use diesel::prelude::*;
use serde::Serialize;

use super::schema::uploads;
use super::{AnyConnection, StoreResult};
use crate::domain::ids::{ChatId, WebsiteId};
use crate::domain::upload::UploadId;

/// Which of a website's forms an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    Prechat,
    Offline,
}

impl FormKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Prechat => "prechat",
            FormKind::Offline => "offline",
        }
    }

    pub fn parse(value: &str) -> Option<FormKind> {
        match value {
            "prechat" => Some(FormKind::Prechat),
            "offline" => Some(FormKind::Offline),
            _ => None,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = uploads)]
pub struct NewUpload<'a> {
    pub id: &'a str,
    pub website_id: i64,
    pub form_kind: &'a str,
    pub field: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub content: &'a [u8],
    pub created_at_ms: i64,
}

/// An upload without its content: what lists, mails and the review show.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = uploads)]
pub struct UploadInfo {
    #[serde(rename = "upload_id")]
    pub id: String,
    #[serde(skip)]
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

pub fn insert(conn: &mut AnyConnection, upload: &NewUpload<'_>) -> StoreResult<()> {
    diesel::insert_into(uploads::table)
        .values(upload)
        .execute(conn)?;
    Ok(())
}

/// R11: the uploads among `ids` that a submission may still claim: of this website and form,
/// for this field, claimed by nothing yet, made at or after `fresh_since_ms`.
pub fn claimable(
    conn: &mut AnyConnection,
    website: WebsiteId,
    form: FormKind,
    field: &str,
    ids: &[UploadId],
    fresh_since_ms: i64,
) -> StoreResult<Vec<UploadInfo>> {
    let ids: Vec<&str> = ids.iter().map(UploadId::as_str).collect();
    Ok(uploads::table
        .filter(uploads::id.eq_any(ids))
        .filter(uploads::website_id.eq(website.0))
        .filter(uploads::form_kind.eq(form.as_str()))
        .filter(uploads::field.eq(field))
        .filter(uploads::offline_message_id.is_null())
        .filter(uploads::chat_id.is_null())
        .filter(uploads::created_at_ms.ge(fresh_since_ms))
        .order(uploads::id)
        .select(UploadInfo::as_select())
        .load(conn)?)
}

/// What a claimed upload belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Claimant {
    OfflineMessage(i64),
    Chat(ChatId),
}

/// Ties uploads to the offline message or chat that names them; returns how many it claimed
/// (fewer than asked means another submission took one meanwhile).
pub fn claim(conn: &mut AnyConnection, ids: &[String], by: Claimant) -> StoreResult<usize> {
    let unclaimed = uploads::table
        .filter(uploads::id.eq_any(ids))
        .filter(uploads::offline_message_id.is_null())
        .filter(uploads::chat_id.is_null());
    let claimed = match by {
        Claimant::OfflineMessage(id) => diesel::update(unclaimed)
            .set(uploads::offline_message_id.eq(Some(id)))
            .execute(conn)?,
        Claimant::Chat(chat) => diesel::update(unclaimed)
            .set(uploads::chat_id.eq(Some(chat.0)))
            .execute(conn)?,
    };
    Ok(claimed)
}

/// The files of an offline message, in upload id order.
pub fn of_offline_message(
    conn: &mut AnyConnection,
    message_id: i64,
) -> StoreResult<Vec<UploadInfo>> {
    Ok(uploads::table
        .filter(uploads::offline_message_id.eq(message_id))
        .order(uploads::id)
        .select(UploadInfo::as_select())
        .load(conn)?)
}

/// One file of an offline message, with its content.
pub fn content_of_offline_message(
    conn: &mut AnyConnection,
    message_id: i64,
    id: &UploadId,
) -> StoreResult<Option<(UploadInfo, Vec<u8>)>> {
    Ok(uploads::table
        .filter(uploads::id.eq(id.as_str()))
        .filter(uploads::offline_message_id.eq(message_id))
        .select((UploadInfo::as_select(), uploads::content))
        .first(conn)
        .optional()?)
}

/// Files with their content, for mail attachments; ids that are gone are skipped.
pub fn contents(
    conn: &mut AnyConnection,
    ids: &[String],
) -> StoreResult<Vec<(UploadInfo, Vec<u8>)>> {
    Ok(uploads::table
        .filter(uploads::id.eq_any(ids))
        .order(uploads::id)
        .select((UploadInfo::as_select(), uploads::content))
        .load(conn)?)
}

/// Deletes uploads no submission claimed that were made before `cutoff_ms`; returns how many.
pub fn delete_unclaimed_before(conn: &mut AnyConnection, cutoff_ms: i64) -> StoreResult<usize> {
    Ok(diesel::delete(
        uploads::table
            .filter(uploads::offline_message_id.is_null())
            .filter(uploads::chat_id.is_null())
            .filter(uploads::created_at_ms.lt(cutoff_ms)),
    )
    .execute(conn)?)
}
