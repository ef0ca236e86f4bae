//! Away (idle) reasons: the admin-managed list an agent picks from when it goes Away (R24, R69).

use serde::Serialize;

use super::ids::AwayReasonId;
use super::presence::{ChosenPresence, Presence};
use super::{one_line, RuleError};

/// R69: the label of an away reason ("Lunch", "Meeting"): 1 to 60 characters after trimming,
/// on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonLabel(String);

impl ReasonLabel {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(raw: &str) -> Result<ReasonLabel, RuleError> {
        let label = one_line(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyLabel,
            RuleError::LabelTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(ReasonLabel(label.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What must be unique among active reasons: two labels that differ only in case would
    /// look like one entry twice in the status menu.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An away reason as agents see it: in their status menu and next to their presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwayReason {
    pub id: AwayReasonId,
    pub label: String,
}

/// Every away reason the engine knows: the active ones in menu order, and the deactivated ones
/// (an agent may still be away for one of those, chosen before it was deactivated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwayReasons {
    active: Vec<AwayReason>,
    inactive: Vec<AwayReason>,
}

impl AwayReasons {
    /// `reasons` in menu order, each with whether it is active.
    pub fn new(reasons: impl IntoIterator<Item = (AwayReason, bool)>) -> AwayReasons {
        let (active, inactive): (Vec<_>, Vec<_>) =
            reasons.into_iter().partition(|(_, active)| *active);
        AwayReasons {
            active: active.into_iter().map(|(reason, _)| reason).collect(),
            inactive: inactive.into_iter().map(|(reason, _)| reason).collect(),
        }
    }

    /// The status menu: the reasons an agent may choose now.
    pub fn active(&self) -> &[AwayReason] {
        &self.active
    }

    /// Any known reason, active or not.
    pub fn get(&self, id: AwayReasonId) -> Option<&AwayReason> {
        self.active
            .iter()
            .chain(&self.inactive)
            .find(|reason| reason.id == id)
    }

    /// R23, R24: the presence an agent asks for, with the reason it gave. A reason goes only
    /// with Away, and must be one of the active reasons.
    pub fn choose(
        &self,
        chosen: ChosenPresence,
        reason: Option<AwayReasonId>,
    ) -> Result<(Presence, Option<AwayReason>), RuleError> {
        let presence = Presence::from(chosen);
        let Some(id) = reason else {
            return Ok((presence, None));
        };
        if chosen != ChosenPresence::Away {
            return Err(RuleError::AwayReasonNeedsAway);
        }
        if let Some(reason) = self.active.iter().find(|reason| reason.id == id) {
            return Ok((presence, Some(reason.clone())));
        }
        if self.inactive.iter().any(|reason| reason.id == id) {
            Err(RuleError::AwayReasonInactive)
        } else {
            Err(RuleError::AwayReasonNotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(id: i64, label: &str) -> AwayReason {
        AwayReason {
            id: AwayReasonId(id),
            label: label.to_owned(),
        }
    }

    fn reasons() -> AwayReasons {
        AwayReasons::new([
            (reason(2, "Meeting"), true),
            (reason(1, "Lunch"), true),
            (reason(3, "Training"), false),
        ])
    }

    #[test]
    fn labels_are_trimmed_one_line_and_at_most_60_characters_r69() {
        assert_eq!(ReasonLabel::parse("  Lunch ").unwrap().as_str(), "Lunch");
        assert_eq!(ReasonLabel::parse(" \t"), Err(RuleError::EmptyLabel));
        assert!(ReasonLabel::parse(&"é".repeat(60)).is_ok());
        assert_eq!(
            ReasonLabel::parse(&"é".repeat(61)),
            Err(RuleError::LabelTooLong { max: 60 })
        );
        assert_eq!(
            ReasonLabel::parse("Lunch\nbreak"),
            Err(RuleError::ControlCharacters)
        );
        assert_eq!(ReasonLabel::parse("LUNCH").unwrap().key(), "lunch");
    }

    #[test]
    fn the_menu_keeps_its_order_and_lists_only_active_reasons() {
        let reasons = reasons();
        assert_eq!(
            reasons.active(),
            &[reason(2, "Meeting"), reason(1, "Lunch")]
        );
        assert_eq!(reasons.get(AwayReasonId(3)), Some(&reason(3, "Training")));
        assert_eq!(reasons.get(AwayReasonId(9)), None);
    }

    #[test]
    fn away_may_come_with_an_active_reason_r24() {
        let reasons = reasons();
        assert_eq!(
            reasons.choose(ChosenPresence::Away, Some(AwayReasonId(1))),
            Ok((Presence::Away, Some(reason(1, "Lunch"))))
        );
        assert_eq!(
            reasons.choose(ChosenPresence::Away, None),
            Ok((Presence::Away, None))
        );
        assert_eq!(
            reasons.choose(ChosenPresence::Available, None),
            Ok((Presence::Available, None))
        );
    }

    #[test]
    fn unknown_inactive_or_misplaced_reasons_are_refused_r24() {
        let reasons = reasons();
        assert_eq!(
            reasons.choose(ChosenPresence::Away, Some(AwayReasonId(9))),
            Err(RuleError::AwayReasonNotFound)
        );
        assert_eq!(
            reasons.choose(ChosenPresence::Away, Some(AwayReasonId(3))),
            Err(RuleError::AwayReasonInactive)
        );
        assert_eq!(
            reasons.choose(ChosenPresence::Available, Some(AwayReasonId(1))),
            Err(RuleError::AwayReasonNeedsAway)
        );
    }
}
