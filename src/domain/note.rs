//! Agents' notes about a visitor (R46, R90 "operator notes"): written during or after a
//! chat, shown to agents and supervisors only, never to the visitor.

use super::{plain_text, RuleError};

/// A note's text: 1 to 1000 characters, line breaks allowed, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteText(String);

impl NoteText {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: &str) -> Result<NoteText, RuleError> {
        plain_text(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyNote,
            RuleError::NoteTooLong {
                max: Self::MAX_CHARS,
            },
        )
        .map(|text| NoteText(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_has_1_to_1000_characters_r90() {
        assert_eq!(NoteText::parse("  ").unwrap_err().code(), "empty_note");
        let long = "n".repeat(NoteText::MAX_CHARS + 1);
        assert_eq!(NoteText::parse(&long).unwrap_err().code(), "note_too_long");
        assert_eq!(
            NoteText::parse("a\u{7}b").unwrap_err().code(),
            "control_characters"
        );
        let note = NoteText::parse("Prefers e-mail.\nVIP").unwrap();
        assert_eq!(note.as_str(), "Prefers e-mail.\nVIP");
    }
}
