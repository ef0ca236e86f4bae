//! R66, R80, A8: an active chat in which nobody has written for the unattended timeout is
//! closed by the engine with disposition `timeout`.

use super::chat::ChatState;

/// The global unattended timeout (R66): `never`, or a positive number of milliseconds.
/// Operators think of it in minutes (default 30); it is kept in milliseconds so tests can
/// shrink it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnattendedTimeout(Option<i64>);

impl UnattendedTimeout {
    pub const NEVER: UnattendedTimeout = UnattendedTimeout(None);

    /// R66: 0 (or less) means never.
    pub fn from_ms(ms: i64) -> UnattendedTimeout {
        UnattendedTimeout((ms > 0).then_some(ms))
    }

    /// A8: when a chat in `state` whose last message (or join) was at `last_activity_ms` is
    /// closed as unattended: only active chats are; waiting ones fall under the hunt timeout
    /// (R19, R76).
    pub fn deadline(self, state: ChatState, last_activity_ms: i64) -> Option<i64> {
        match (state, self.0) {
            (ChatState::Active, Some(ms)) => Some(last_activity_ms.saturating_add(ms)),
            _ => None,
        }
    }

    /// R80: is the chat unattended at `now_ms`?
    pub fn is_due(self, state: ChatState, last_activity_ms: i64, now_ms: i64) -> bool {
        self.deadline(state, last_activity_ms)
            .is_some_and(|deadline| now_ms >= deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn an_active_chat_times_out_the_timeout_after_its_last_message_a8_r80() {
        let timeout = UnattendedTimeout::from_ms(30 * MINUTE);
        let last = 1_000;
        assert_eq!(
            timeout.deadline(ChatState::Active, last),
            Some(last + 30 * MINUTE)
        );
        assert!(!timeout.is_due(ChatState::Active, last, last + 30 * MINUTE - 1));
        assert!(timeout.is_due(ChatState::Active, last, last + 30 * MINUTE));
        // A new message moves the deadline.
        let later = last + 29 * MINUTE;
        assert!(!timeout.is_due(ChatState::Active, later, last + 30 * MINUTE));
    }

    #[test]
    fn waiting_and_ended_chats_are_never_unattended_a8() {
        let timeout = UnattendedTimeout::from_ms(MINUTE);
        for state in [ChatState::Queued, ChatState::Ended] {
            assert_eq!(timeout.deadline(state, 0), None);
            assert!(!timeout.is_due(state, 0, 100 * MINUTE));
        }
    }

    #[test]
    fn zero_means_never_r66() {
        for ms in [0, -5] {
            let timeout = UnattendedTimeout::from_ms(ms);
            assert_eq!(timeout, UnattendedTimeout::NEVER);
            assert_eq!(timeout.deadline(ChatState::Active, 0), None);
            assert!(!timeout.is_due(ChatState::Active, 0, i64::MAX));
        }
    }
}
