//! Wrap-up after a chat (R50, R51, R56, A6): the admin-defined list of reasons an agent picks
//! one from, the optional note, the auto wrap-up time and the agent's presence afterwards.
//!
//! Labels follow the away reasons' rule (`away::ReasonLabel`: 1 to 60 characters, one line,
//! unique among active reasons ignoring case).

use serde::{Deserialize, Serialize};

use super::ids::WrapUpReasonId;
use super::presence::Presence;
use super::{plain_text, RuleError};

/// A wrap-up reason as agents see it in the wrap-up dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrapUpReason {
    pub id: WrapUpReasonId,
    pub label: String,
    /// R51: applied by the auto wrap-up; exactly one reason has it.
    pub is_default: bool,
}

/// Every wrap-up reason: the active ones in menu order, and the deactivated ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WrapUpReasons {
    active: Vec<WrapUpReason>,
    inactive: Vec<WrapUpReason>,
}

impl WrapUpReasons {
    /// `reasons` in menu order, each with whether it is active.
    pub fn new(reasons: impl IntoIterator<Item = (WrapUpReason, bool)>) -> WrapUpReasons {
        let (active, inactive): (Vec<_>, Vec<_>) =
            reasons.into_iter().partition(|(_, active)| *active);
        WrapUpReasons {
            active: active.into_iter().map(|(reason, _)| reason).collect(),
            inactive: inactive.into_iter().map(|(reason, _)| reason).collect(),
        }
    }

    /// R50: the dialog's list: the reasons an agent may choose now.
    pub fn active(&self) -> &[WrapUpReason] {
        &self.active
    }

    /// R51: the reason the auto wrap-up applies (always active: see `check_reason_change`).
    pub fn default_reason(&self) -> Option<&WrapUpReason> {
        self.active.iter().find(|reason| reason.is_default)
    }

    /// R50: the agent picks exactly one reason, and only an active one.
    pub fn choose(&self, id: WrapUpReasonId) -> Result<&WrapUpReason, RuleError> {
        if let Some(reason) = self.active.iter().find(|reason| reason.id == id) {
            return Ok(reason);
        }
        if self.inactive.iter().any(|reason| reason.id == id) {
            Err(RuleError::WrapUpReasonInactive)
        } else {
            Err(RuleError::WrapUpReasonNotFound)
        }
    }
}

/// What of a reason the "exactly one default" rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonFlags {
    pub active: bool,
    pub is_default: bool,
}

/// R50, R51: there is always exactly one default reason, and it is active. The default stops
/// being one only when another reason becomes the default (the store then clears the old
/// one); it cannot be deactivated; an inactive reason cannot become the default.
pub fn check_reason_change(
    before: Option<ReasonFlags>,
    after: ReasonFlags,
) -> Result<(), RuleError> {
    if before.is_some_and(|before| before.is_default) && !(after.is_default && after.active) {
        return Err(RuleError::DefaultReasonRequired);
    }
    if after.is_default && !after.active {
        return Err(RuleError::DefaultReasonInactive);
    }
    Ok(())
}

/// R56: the agent's optional note with a wrap-up, up to 1000 characters; blank is no note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapUpNote(String);

impl WrapUpNote {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: Option<&str>) -> Result<Option<WrapUpNote>, RuleError> {
        let Some(raw) = raw.filter(|raw| !raw.trim().is_empty()) else {
            return Ok(None);
        };
        let too_long = RuleError::NoteTooLong {
            max: Self::MAX_CHARS,
        };
        let note = plain_text(raw, Self::MAX_CHARS, too_long.clone(), too_long)?;
        Ok(Some(WrapUpNote(note.trim().to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R56: the longest auto wrap-up time a queue may set: one day.
pub const MAX_AUTO_AFTER_MS: i64 = 86_400_000;

/// R56: a queue's own auto wrap-up time: `None` follows the global setting, `0` means no
/// countdown in this queue, else 1 ms to one day.
pub fn check_auto_after(ms: Option<i64>) -> Result<Option<i64>, RuleError> {
    match ms {
        Some(ms) if !(0..=MAX_AUTO_AFTER_MS).contains(&ms) => Err(RuleError::InvalidAutoWrapUp {
            max: MAX_AUTO_AFTER_MS,
        }),
        other => Ok(other),
    }
}

/// R51, R56: when the default reason is applied to a wrap-up owed since `owed_at_ms`: the
/// queue's own time if it has one, else the global one; 0 (or less) means no countdown.
pub fn auto_wrap_up_at(
    owed_at_ms: i64,
    global_after_ms: i64,
    queue_after_ms: Option<i64>,
) -> Option<i64> {
    let after = queue_after_ms.unwrap_or(global_after_ms);
    (after > 0).then(|| owed_at_ms.saturating_add(after))
}

/// After-chat work (R56): the slots of an agent's capacity (R26) that are taken: the chats it
/// holds, plus, while wrap-up holds capacity, each ended (or handed-on) chat it still owes a
/// wrap-up for, so no new chat is offered into that slot before the wrap-up is given.
pub fn slots_taken(held_chats: usize, owed_not_held: usize, holds_capacity: bool) -> u32 {
    let wrapping_up = if holds_capacity { owed_not_held } else { 0 };
    u32::try_from(held_chats + wrapping_up).unwrap_or(u32::MAX)
}

/// A6: the agent's presence once it has given its last owed wrap-up (a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextPresence {
    /// Ready for the next chat (the default, A6).
    Available,
    /// Whatever the agent chose.
    Unchanged,
    /// Away (without a reason), so the agent chooses Available when ready.
    Away,
}

/// A6: the presence to switch to after the last owed wrap-up, if any. States the engine set
/// (Offline, RONA: R23 wants the agent's own `available`) are never changed, and neither is an
/// Away the agent gave a reason for (its own plan, R24), except by `Away` itself. An agent
/// with no dashboard open (an auto wrap-up while signed out) keeps its presence: it comes back
/// Away and chooses Available itself (A11).
pub fn presence_after_wrap_up(
    next: NextPresence,
    current: Presence,
    away_with_reason: bool,
    connected: bool,
) -> Option<Presence> {
    if !connected || matches!(current, Presence::Offline | Presence::Rona) {
        return None;
    }
    let target = match next {
        NextPresence::Unchanged => return None,
        NextPresence::Available if current == Presence::Away && away_with_reason => return None,
        NextPresence::Available => Presence::Available,
        NextPresence::Away => Presence::Away,
    };
    (target != current).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(id: i64, label: &str, is_default: bool) -> WrapUpReason {
        WrapUpReason {
            id: WrapUpReasonId(id),
            label: label.to_owned(),
            is_default,
        }
    }

    fn list() -> WrapUpReasons {
        WrapUpReasons::new([
            (reason(1, "Resolved", true), true),
            (reason(2, "Old", false), false),
            (reason(3, "Follow-up", false), true),
        ])
    }

    #[test]
    fn only_active_reasons_can_be_chosen_r50() {
        let reasons = list();
        assert_eq!(
            reasons.choose(WrapUpReasonId(3)).unwrap().label,
            "Follow-up"
        );
        assert_eq!(
            reasons.choose(WrapUpReasonId(2)),
            Err(RuleError::WrapUpReasonInactive)
        );
        assert_eq!(
            reasons.choose(WrapUpReasonId(9)),
            Err(RuleError::WrapUpReasonNotFound)
        );
        let labels: Vec<&str> = reasons.active().iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Resolved", "Follow-up"]);
    }

    #[test]
    fn the_default_reason_is_the_one_marked_r51() {
        assert_eq!(list().default_reason().unwrap().id, WrapUpReasonId(1));
        assert_eq!(WrapUpReasons::default().default_reason(), None);
    }

    #[test]
    fn the_default_stays_active_and_is_only_replaced_r51() {
        let default = ReasonFlags {
            active: true,
            is_default: true,
        };
        let plain = ReasonFlags {
            active: true,
            is_default: false,
        };
        let inactive = ReasonFlags {
            active: false,
            is_default: false,
        };
        assert_eq!(check_reason_change(Some(default), default), Ok(()));
        assert_eq!(check_reason_change(Some(plain), default), Ok(()));
        assert_eq!(check_reason_change(None, default), Ok(()));
        assert_eq!(check_reason_change(Some(plain), inactive), Ok(()));
        assert_eq!(
            check_reason_change(Some(default), plain),
            Err(RuleError::DefaultReasonRequired)
        );
        assert_eq!(
            check_reason_change(
                Some(default),
                ReasonFlags {
                    active: false,
                    is_default: true
                }
            ),
            Err(RuleError::DefaultReasonRequired)
        );
        assert_eq!(
            check_reason_change(
                Some(inactive),
                ReasonFlags {
                    active: false,
                    is_default: true
                }
            ),
            Err(RuleError::DefaultReasonInactive)
        );
    }

    #[test]
    fn a_note_is_optional_and_at_most_1000_characters_r56() {
        assert_eq!(WrapUpNote::parse(None), Ok(None));
        assert_eq!(WrapUpNote::parse(Some("  \n ")), Ok(None));
        assert_eq!(
            WrapUpNote::parse(Some(" call back Monday "))
                .unwrap()
                .unwrap()
                .as_str(),
            "call back Monday"
        );
        let longest = "é".repeat(1000);
        assert!(WrapUpNote::parse(Some(&longest)).is_ok());
        assert_eq!(
            WrapUpNote::parse(Some(&"x".repeat(1001))),
            Err(RuleError::NoteTooLong { max: 1000 })
        );
        assert_eq!(
            WrapUpNote::parse(Some("bell\u{7}")),
            Err(RuleError::ControlCharacters)
        );
        assert!(WrapUpNote::parse(Some("line one\nline two")).is_ok());
    }

    #[test]
    fn a_queue_time_wins_over_the_global_one_r56() {
        assert_eq!(auto_wrap_up_at(1_000, 0, None), None);
        assert_eq!(auto_wrap_up_at(1_000, 500, None), Some(1_500));
        assert_eq!(auto_wrap_up_at(1_000, 500, Some(0)), None);
        assert_eq!(auto_wrap_up_at(1_000, 0, Some(200)), Some(1_200));
        assert_eq!(check_auto_after(None), Ok(None));
        assert_eq!(check_auto_after(Some(0)), Ok(Some(0)));
        assert!(check_auto_after(Some(-1)).is_err());
        assert!(check_auto_after(Some(MAX_AUTO_AFTER_MS + 1)).is_err());
    }

    #[test]
    fn an_owed_wrap_up_holds_its_slot_unless_told_not_to_r56() {
        assert_eq!(slots_taken(1, 2, true), 3);
        assert_eq!(slots_taken(1, 2, false), 1);
        assert_eq!(slots_taken(0, 0, true), 0);
    }

    #[test]
    fn the_next_presence_follows_the_setting_a6() {
        use NextPresence::*;
        use Presence as P;
        let after = |next, current, reason| presence_after_wrap_up(next, current, reason, true);
        assert_eq!(after(Available, P::Away, false), Some(P::Available));
        assert_eq!(after(Available, P::Available, false), None);
        assert_eq!(after(Available, P::Away, true), None);
        assert_eq!(after(Unchanged, P::Away, false), None);
        assert_eq!(after(Away, P::Available, false), Some(P::Away));
        for engine_set in [P::Offline, P::Rona] {
            for next in [Available, Unchanged, Away] {
                assert_eq!(after(next, engine_set, false), None);
            }
        }
        // A11: signed out, the agent keeps its presence.
        assert_eq!(
            presence_after_wrap_up(Available, P::Away, false, false),
            None
        );
    }
}
