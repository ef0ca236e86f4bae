//! R38: delivery and read receipts. Each reader of a chat (its visitor, each of its agents)
//! has two marks: the highest sequence number its client has received (*delivered*) and the
//! highest it has shown to the person (*read*). Marks only move forward, so receipts that
//! arrive late or from a second tab change nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ids::{Seq, UserId};
use super::RuleError;

/// Who a receipt is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reader {
    Visitor,
    Agent { id: UserId },
}

impl Reader {
    /// How a reader is stored: its kind and its user id (0 for the visitor, who has none).
    pub fn to_stored(self) -> (&'static str, i64) {
        match self {
            Reader::Visitor => ("visitor", 0),
            Reader::Agent { id } => ("agent", id.0),
        }
    }

    pub fn from_stored(kind: &str, id: i64) -> Option<Reader> {
        match kind {
            "visitor" => Some(Reader::Visitor),
            "agent" => Some(Reader::Agent { id: UserId(id) }),
            _ => None,
        }
    }
}

/// One reader's marks. `read` never passes `delivered`: what was read was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Marks {
    pub delivered_seq: Seq,
    pub read_seq: Seq,
}

impl Default for Marks {
    fn default() -> Marks {
        Marks {
            delivered_seq: Seq::NONE,
            read_seq: Seq::NONE,
        }
    }
}

/// Every reader's marks in one chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipts {
    marks: BTreeMap<Reader, Marks>,
}

impl Receipts {
    pub fn from_marks(marks: impl IntoIterator<Item = (Reader, Marks)>) -> Receipts {
        Receipts {
            marks: marks.into_iter().collect(),
        }
    }

    pub fn of(&self, reader: Reader) -> Marks {
        self.marks.get(&reader).copied().unwrap_or_default()
    }

    /// Every reader's marks but `reader`'s own: what a client is told when it subscribes.
    pub fn others(&self, reader: Reader) -> impl Iterator<Item = (Reader, Marks)> + '_ {
        self.marks
            .iter()
            .filter(move |(r, _)| **r != reader)
            .map(|(r, m)| (*r, *m))
    }

    /// A reader's client reports what it received and what it showed, up to the chat's
    /// `last_seq`. Returns the reader's new marks if they moved, `None` if the receipt told
    /// nothing new.
    pub fn advance(
        &mut self,
        reader: Reader,
        delivered: Option<Seq>,
        read: Option<Seq>,
        last_seq: Seq,
    ) -> Result<Option<Marks>, RuleError> {
        if delivered.is_none() && read.is_none() {
            return Err(RuleError::EmptyReceipt);
        }
        let beyond = |seq: Option<Seq>| seq.is_some_and(|s| s > last_seq || s < Seq::NONE);
        if beyond(delivered) || beyond(read) {
            return Err(RuleError::ReceiptOutOfRange);
        }
        let before = self.of(reader);
        let read_seq = before.read_seq.max(read.unwrap_or(Seq::NONE));
        let delivered_seq = before
            .delivered_seq
            .max(delivered.unwrap_or(Seq::NONE))
            .max(read_seq);
        let after = Marks {
            delivered_seq,
            read_seq,
        };
        if after == before {
            return Ok(None);
        }
        self.marks.insert(reader, after);
        Ok(Some(after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAST: Seq = Seq(10);
    const AGENT: Reader = Reader::Agent { id: UserId(7) };

    #[test]
    fn marks_move_forward_only_r38() {
        let mut receipts = Receipts::default();
        let moved = receipts
            .advance(Reader::Visitor, Some(Seq(5)), None, LAST)
            .unwrap();
        assert_eq!(
            moved,
            Some(Marks {
                delivered_seq: Seq(5),
                read_seq: Seq::NONE
            })
        );
        // A late receipt from another tab tells nothing new.
        assert_eq!(
            receipts.advance(Reader::Visitor, Some(Seq(3)), None, LAST),
            Ok(None)
        );
        assert_eq!(receipts.of(Reader::Visitor).delivered_seq, Seq(5));
    }

    #[test]
    fn what_was_read_was_delivered() {
        let mut receipts = Receipts::default();
        let moved = receipts.advance(AGENT, None, Some(Seq(8)), LAST).unwrap();
        assert_eq!(
            moved,
            Some(Marks {
                delivered_seq: Seq(8),
                read_seq: Seq(8)
            })
        );
    }

    #[test]
    fn a_receipt_names_something_within_the_chat() {
        let mut receipts = Receipts::default();
        assert_eq!(
            receipts.advance(AGENT, None, None, LAST),
            Err(RuleError::EmptyReceipt)
        );
        assert_eq!(
            receipts.advance(AGENT, Some(Seq(11)), None, LAST),
            Err(RuleError::ReceiptOutOfRange)
        );
        assert_eq!(
            receipts.advance(AGENT, None, Some(Seq(-1)), LAST),
            Err(RuleError::ReceiptOutOfRange)
        );
        assert_eq!(
            receipts,
            Receipts::default(),
            "a refused receipt changes nothing"
        );
    }

    #[test]
    fn a_reader_is_told_the_others_marks() {
        let mut receipts = Receipts::default();
        receipts
            .advance(Reader::Visitor, None, Some(Seq(4)), LAST)
            .unwrap();
        receipts.advance(AGENT, None, Some(Seq(6)), LAST).unwrap();
        let others: Vec<_> = receipts.others(AGENT).map(|(r, _)| r).collect();
        assert_eq!(others, vec![Reader::Visitor]);
    }

    #[test]
    fn readers_are_stored_as_kind_and_id() {
        for reader in [Reader::Visitor, AGENT] {
            let (kind, id) = reader.to_stored();
            assert_eq!(Reader::from_stored(kind, id), Some(reader));
        }
        assert_eq!(Reader::from_stored("robot", 1), None);
    }
}
