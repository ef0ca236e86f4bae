//! R86: transcript mails. Called on a connection inside a transaction (the chat's end, or a
//! request for an ended chat), so a transcript is in the outbox exactly when its chat is over.

use super::{insert_mail, OutgoingMail};
use crate::domain::ids::{ChatId, Seq, WebsiteId};
use crate::domain::texts::Texts;
use crate::domain::transcript::{render, TranscriptSource};
use crate::protocol::VisitorDetails;
use crate::store::{self, AnyConnection, StoreError, StoreResult};

/// Puts a transcript mail in the outbox for each request of the chat not mailed yet and marks
/// them mailed; returns how many. Only public events go in (R86): private ones are neither read
/// nor rendered. The text is in the website's language, else the visitor's, else English.
pub fn mail_pending(conn: &mut AnyConnection, chat: ChatId, now_ms: i64) -> StoreResult<usize> {
    let pending = store::transcripts::pending(conn, chat)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let row = store::chats::by_id(conn, chat)?
        .ok_or_else(|| StoreError::Corrupt(format!("transcript of a missing chat {chat}")))?;
    let website = store::websites::by_id(conn, WebsiteId(row.website_id))?
        .ok_or_else(|| StoreError::Corrupt(format!("chat {chat} of a missing website")))?;
    let details: VisitorDetails = store::parse_json("chats.visitor_meta", &row.visitor_meta)?;
    let events = store::chats::events_after(conn, chat, Seq::NONE, false, i64::MAX)?;
    let mail = render(&TranscriptSource {
        website_name: &website.name,
        time_zone: &website.time_zone,
        texts: Texts::for_languages([
            website.unmanaged.language.as_deref(),
            details.language.as_deref(),
        ]),
        events: &events,
    });
    for (id, address) in &pending {
        insert_mail(
            conn,
            &OutgoingMail {
                to: address.clone(),
                reply_to: None,
                subject: mail.subject.clone(),
                body: mail.text.clone(),
                html: Some(mail.html.clone()),
                attachments: Vec::new(),
            },
            now_ms,
        )?;
        store::transcripts::mark_mailed(conn, *id, now_ms)?;
    }
    Ok(pending.len())
}
