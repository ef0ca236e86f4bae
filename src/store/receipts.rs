//! R38: each reader's delivery and read marks in a chat.

use diesel::prelude::*;

use super::schema::chat_receipts;
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::ids::{ChatId, Seq};
use crate::domain::receipt::{Marks, Reader, Receipts};

/// Every reader's marks in `chat`.
pub fn of_chat(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Receipts> {
    let rows: Vec<(String, i64, i64, i64)> = chat_receipts::table
        .filter(chat_receipts::chat_id.eq(chat.0))
        .select((
            chat_receipts::reader_kind,
            chat_receipts::reader_id,
            chat_receipts::delivered_seq,
            chat_receipts::read_seq,
        ))
        .load(conn)?;
    let marks = rows
        .into_iter()
        .map(|(kind, id, delivered, read)| {
            let reader = Reader::from_stored(&kind, id).ok_or_else(|| {
                StoreError::Corrupt(format!("chat_receipts.reader_kind {kind:?}"))
            })?;
            let marks = Marks {
                delivered_seq: Seq(delivered),
                read_seq: Seq(read),
            };
            Ok((reader, marks))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Receipts::from_marks(marks))
}

/// Stores a reader's new marks (the chat's actor, the one writer, has already checked that
/// they only grow).
pub fn save(
    conn: &mut AnyConnection,
    chat: ChatId,
    reader: Reader,
    marks: Marks,
    at_ms: i64,
) -> StoreResult<()> {
    let (kind, id) = reader.to_stored();
    let mine = chat_receipts::table
        .filter(chat_receipts::chat_id.eq(chat.0))
        .filter(chat_receipts::reader_kind.eq(kind))
        .filter(chat_receipts::reader_id.eq(id));
    let updated = diesel::update(mine)
        .set((
            chat_receipts::delivered_seq.eq(marks.delivered_seq.0),
            chat_receipts::read_seq.eq(marks.read_seq.0),
            chat_receipts::updated_at_ms.eq(at_ms),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(chat_receipts::table)
            .values((
                chat_receipts::chat_id.eq(chat.0),
                chat_receipts::reader_kind.eq(kind),
                chat_receipts::reader_id.eq(id),
                chat_receipts::delivered_seq.eq(marks.delivered_seq.0),
                chat_receipts::read_seq.eq(marks.read_seq.0),
                chat_receipts::updated_at_ms.eq(at_ms),
            ))
            .execute(conn)?;
    }
    Ok(())
}
