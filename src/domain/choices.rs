//! R9, R42: an agent's *offer*, a structured set of options the visitor answers with one
//! click. The offer and the pick are chat events, so the pick is a structured value on the
//! conversation (option id and label), not text someone has to read back.
//!
//! Called "choices" in the code and the protocol, because an *offer* is already what a queue
//! makes to an agent (R18).

use serde::{Deserialize, Serialize};

use super::chat::MessageText;
use super::{one_line, RuleError};

/// One option of an offer, as the visitor sees it and as its pick is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable within its offer; what the pick refers to.
    pub id: String,
    /// What the button says.
    pub label: String,
}

/// An option as an agent's client sends it: the id may be left out (then it is the option's
/// position, "1", "2", …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceDraft {
    #[serde(default)]
    pub id: Option<String>,
    pub label: String,
}

/// A checked offer: an optional question and 1 to [`ChoiceMenu::MAX_OPTIONS`] options with
/// distinct ids and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceMenu {
    prompt: Option<MessageText>,
    options: Vec<Choice>,
}

impl ChoiceMenu {
    pub const MAX_OPTIONS: usize = 10;
    pub const MAX_LABEL_CHARS: usize = 100;
    pub const MAX_ID_CHARS: usize = 40;

    /// The prompt follows the rules of a message (R38); labels are one line each.
    pub fn parse(prompt: Option<&str>, drafts: &[ChoiceDraft]) -> Result<ChoiceMenu, RuleError> {
        let prompt = match prompt {
            Some(text) if !text.trim().is_empty() => Some(MessageText::parse(text)?),
            _ => None,
        };
        if drafts.is_empty() || drafts.len() > Self::MAX_OPTIONS {
            return Err(RuleError::InvalidChoiceCount {
                max: Self::MAX_OPTIONS,
            });
        }
        let mut options: Vec<Choice> = Vec::with_capacity(drafts.len());
        for (index, draft) in drafts.iter().enumerate() {
            let label = one_line(
                &draft.label,
                Self::MAX_LABEL_CHARS,
                RuleError::EmptyLabel,
                RuleError::LabelTooLong {
                    max: Self::MAX_LABEL_CHARS,
                },
            )?;
            let id = match &draft.id {
                Some(id) => parse_choice_id(id)?,
                None => (index + 1).to_string(),
            };
            let clash = options.iter().any(|earlier| {
                earlier.id == id || earlier.label.to_lowercase() == label.to_lowercase()
            });
            if clash {
                return Err(RuleError::DuplicateChoice);
            }
            options.push(Choice {
                id,
                label: label.to_owned(),
            });
        }
        Ok(ChoiceMenu { prompt, options })
    }

    pub fn prompt(&self) -> Option<&str> {
        self.prompt.as_ref().map(MessageText::as_str)
    }

    pub fn options(&self) -> &[Choice] {
        &self.options
    }

    pub fn into_parts(self) -> (Option<String>, Vec<Choice>) {
        (
            self.prompt.map(|text| text.as_str().to_owned()),
            self.options,
        )
    }
}

/// 1 to 40 letters, digits, `_`, `-` or `.`: safe to echo in any client and in a CSV export.
fn parse_choice_id(raw: &str) -> Result<String, RuleError> {
    let id = raw.trim();
    let valid = !id.is_empty()
        && id.chars().count() <= ChoiceMenu::MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(id.to_owned())
    } else {
        Err(RuleError::InvalidChoiceId {
            max: ChoiceMenu::MAX_ID_CHARS,
        })
    }
}

/// What the engine knows of the event a visitor's pick refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickTarget<'a> {
    /// No event with this sequence number in the chat, or one that is not an offer, or a
    /// private one (the visitor never saw it).
    NotAnOffer,
    /// An offer with these options; `answered` if the visitor already picked one of them.
    Offer {
        options: &'a [Choice],
        answered: bool,
    },
}

/// R9: the visitor picks one option of an offer it was shown, once. Returns the option, whose
/// id and label are stored with the pick.
pub fn check_pick<'a>(target: PickTarget<'a>, option_id: &str) -> Result<&'a Choice, RuleError> {
    match target {
        PickTarget::NotAnOffer => Err(RuleError::UnknownChoiceOffer),
        PickTarget::Offer { answered: true, .. } => Err(RuleError::ChoiceAlreadyPicked),
        PickTarget::Offer { options, .. } => options
            .iter()
            .find(|choice| choice.id == option_id)
            .ok_or(RuleError::UnknownChoice),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(id: Option<&str>, label: &str) -> ChoiceDraft {
        ChoiceDraft {
            id: id.map(str::to_owned),
            label: label.to_owned(),
        }
    }

    #[test]
    fn options_get_their_position_as_id_unless_given_r9() {
        let menu = ChoiceMenu::parse(
            Some("Which plan?"),
            &[draft(None, " Basic "), draft(Some("pro-2"), "Pro")],
        )
        .unwrap();
        assert_eq!(menu.prompt(), Some("Which plan?"));
        assert_eq!(
            menu.options(),
            &[
                Choice {
                    id: "1".into(),
                    label: "Basic".into()
                },
                Choice {
                    id: "pro-2".into(),
                    label: "Pro".into()
                },
            ]
        );
    }

    #[test]
    fn a_blank_prompt_is_no_prompt_and_a_long_one_is_refused_r38() {
        let menu = ChoiceMenu::parse(Some("  "), &[draft(None, "Yes")]).unwrap();
        assert_eq!(menu.prompt(), None);
        let long = "x".repeat(MessageText::MAX_CHARS + 1);
        assert_eq!(
            ChoiceMenu::parse(Some(&long), &[draft(None, "Yes")]),
            Err(RuleError::MessageTooLong {
                max: MessageText::MAX_CHARS
            })
        );
    }

    #[test]
    fn an_offer_has_one_to_ten_options() {
        assert_eq!(
            ChoiceMenu::parse(None, &[]),
            Err(RuleError::InvalidChoiceCount { max: 10 })
        );
        let eleven: Vec<_> = (0..11).map(|i| draft(None, &format!("o{i}"))).collect();
        assert_eq!(
            ChoiceMenu::parse(None, &eleven),
            Err(RuleError::InvalidChoiceCount { max: 10 })
        );
        assert!(ChoiceMenu::parse(None, &eleven[..10]).is_ok());
    }

    #[test]
    fn labels_are_one_line_and_ids_are_plain() {
        assert_eq!(
            ChoiceMenu::parse(None, &[draft(None, " ")]),
            Err(RuleError::EmptyLabel)
        );
        assert_eq!(
            ChoiceMenu::parse(None, &[draft(None, "a\nb")]),
            Err(RuleError::ControlCharacters)
        );
        assert_eq!(
            ChoiceMenu::parse(None, &[draft(None, &"y".repeat(101))]),
            Err(RuleError::LabelTooLong { max: 100 })
        );
        for bad in ["", "a b", "<b>", &"i".repeat(41)] {
            assert_eq!(
                ChoiceMenu::parse(None, &[draft(Some(bad), "Yes")]),
                Err(RuleError::InvalidChoiceId { max: 40 }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ids_and_labels_are_distinct() {
        assert_eq!(
            ChoiceMenu::parse(None, &[draft(Some("a"), "Yes"), draft(Some("a"), "No")]),
            Err(RuleError::DuplicateChoice)
        );
        assert_eq!(
            ChoiceMenu::parse(None, &[draft(None, "Yes"), draft(None, "YES")]),
            Err(RuleError::DuplicateChoice)
        );
        // A given id may not collide with a position given to another option either.
        assert_eq!(
            ChoiceMenu::parse(None, &[draft(None, "Yes"), draft(Some("1"), "No")]),
            Err(RuleError::DuplicateChoice)
        );
    }

    #[test]
    fn a_pick_names_an_option_of_an_unanswered_offer_r42() {
        let menu = ChoiceMenu::parse(None, &[draft(None, "Yes"), draft(None, "No")]).unwrap();
        let open = PickTarget::Offer {
            options: menu.options(),
            answered: false,
        };
        assert_eq!(check_pick(open, "2").map(|c| c.label.as_str()), Ok("No"));
        assert_eq!(check_pick(open, "3"), Err(RuleError::UnknownChoice));
        let answered = PickTarget::Offer {
            options: menu.options(),
            answered: true,
        };
        assert_eq!(
            check_pick(answered, "1"),
            Err(RuleError::ChoiceAlreadyPicked)
        );
        assert_eq!(
            check_pick(PickTarget::NotAnOffer, "1"),
            Err(RuleError::UnknownChoiceOffer)
        );
    }
}
