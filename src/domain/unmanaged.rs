//! Chats nobody took (R76, R78, R79, A9, A13) and chats nobody attended (R80): what the visitor
//! is told, whether it may leave a message, and how supervisors review them (R81).

use serde::{Deserialize, Serialize};

use super::chat::{Disposition, MessageText, VisitorName};
use super::email::EmailAddress;
use super::texts::Texts;
use super::RuleError;

/// R76, R78: what a website does with the chats nobody took. Decided per website: the website
/// is what the visitor sees, it owns the texts and their language, and a direct chat (A13)
/// belongs to a website but may wait in any queue of its agent. Only leave-a-message is also a
/// queue's switch (R67, R78): see [`UnmanagedPolicy::in_queue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmanagedPolicy {
    /// R76: the website's own message to the visitor; `None`: the catalogue's, in the
    /// website's language.
    pub message: Option<String>,
    /// R78: the visitor may leave one message.
    pub leave_message: bool,
    /// R76: unmanaged chats close their review on their own after this long.
    pub autoclose: AutoClose,
    /// The website's language (a BCP 47 tag), for the catalogue's texts; English if unknown.
    pub language: Option<String>,
}

impl Default for UnmanagedPolicy {
    fn default() -> UnmanagedPolicy {
        UnmanagedPolicy {
            message: None,
            leave_message: true,
            autoclose: AutoClose::OFF,
            language: None,
        }
    }
}

impl UnmanagedPolicy {
    /// The longest message an admin may set for visitors nobody took.
    pub const MAX_MESSAGE_CHARS: usize = 1000;

    /// R76: the website's own message as an admin sets it: blank is none (the catalogue's
    /// text), else trimmed, at most 1000 characters, line breaks allowed.
    pub fn parse_message(raw: Option<&str>) -> Result<Option<String>, RuleError> {
        let text = raw.map(str::trim).unwrap_or("");
        if text.is_empty() {
            return Ok(None);
        }
        let bad = |c: char| c.is_control() && c != '\n';
        if text.chars().count() > Self::MAX_MESSAGE_CHARS || text.chars().any(bad) {
            return Err(RuleError::InvalidUnmanagedMessage {
                max: Self::MAX_MESSAGE_CHARS,
            });
        }
        Ok(Some(text.replace("\r\n", "\n")))
    }

    /// R67, R78: the policy for a chat in a queue: a visitor may leave a message only if both
    /// the website and the queue take messages (and is told so by the notice).
    pub fn in_queue(mut self, queue_takes_messages: bool) -> UnmanagedPolicy {
        self.leave_message &= queue_takes_messages;
        self
    }

    /// The website's catalogue of texts.
    pub fn texts(&self) -> &'static Texts {
        Texts::for_languages([self.language.as_deref()])
    }

    /// R76, A13: what a visitor whose chat nobody took is told: the website's message, or the
    /// catalogue's, which for a direct chat says that the agent is unavailable.
    pub fn notice(&self, direct: bool) -> String {
        if let Some(message) = self.message.as_deref().filter(|m| !m.trim().is_empty()) {
            return message.to_owned();
        }
        let texts = self.texts();
        match (direct, self.leave_message) {
            (false, true) => texts.unmanaged_leave_message,
            (false, false) => texts.unmanaged,
            (true, true) => texts.direct_unanswered_leave_message,
            (true, false) => texts.direct_unanswered,
        }
        .to_owned()
    }

    /// R78: until when the visitor of a chat that ended unmanaged at `ended_at_ms` may leave a
    /// message; `None` when it may not (the website takes none, or the chat was not
    /// unmanaged).
    pub fn leave_message_until(
        &self,
        disposition: Disposition,
        ended_at_ms: i64,
        window_ms: i64,
    ) -> Option<i64> {
        (self.leave_message && disposition == Disposition::Unmanaged)
            .then(|| ended_at_ms.saturating_add(window_ms.max(0)))
    }
}

/// R76: a website's unmanaged auto-close: off, or after a positive number of milliseconds
/// (operators set hours; tests shrink it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoClose(Option<i64>);

impl AutoClose {
    pub const OFF: AutoClose = AutoClose(None);
    /// The longest auto-close delay an admin may set: 30 days.
    pub const MAX_MS: i64 = 30 * 24 * 3_600_000;

    /// R76: an auto-close delay an admin sets: 0 is off, else 1 ms to 30 days.
    pub fn parse(ms: i64) -> Result<AutoClose, RuleError> {
        if !(0..=Self::MAX_MS).contains(&ms) {
            return Err(RuleError::InvalidAutoClose {
                max_ms: Self::MAX_MS,
            });
        }
        Ok(AutoClose::from_ms(ms))
    }

    /// 0 (or less) means off.
    pub fn from_ms(ms: i64) -> AutoClose {
        AutoClose((ms > 0).then_some(ms))
    }

    pub fn as_ms(self) -> i64 {
        self.0.unwrap_or(0)
    }

    /// When the review of an unmanaged chat that ended at `ended_at_ms` closes itself.
    pub fn closes_at(self, ended_at_ms: i64) -> Option<i64> {
        self.0.map(|ms| ended_at_ms.saturating_add(ms))
    }

    /// At `now_ms`, open reviews of chats that ended at or before this close themselves.
    pub fn cutoff(self, now_ms: i64) -> Option<i64> {
        self.0.map(|ms| now_ms.saturating_sub(ms))
    }
}

/// R78: what a visitor leaves when nobody took its chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftMessageForm {
    pub name: VisitorName,
    pub email: Option<EmailAddress>,
    pub text: MessageText,
}

impl LeftMessageForm {
    /// A name (R3's rules), an optional e-mail address (blank means none), a text of at most
    /// 1000 characters (R38's rules).
    pub fn parse(
        name: &str,
        email: Option<&str>,
        text: &str,
    ) -> Result<LeftMessageForm, RuleError> {
        Ok(LeftMessageForm {
            name: VisitorName::parse(name)?,
            email: email
                .filter(|e| !e.trim().is_empty())
                .map(EmailAddress::parse)
                .transpose()?,
            text: MessageText::parse(text)?,
        })
    }
}

/// R78: may the visitor leave its message now? `until` is
/// [`UnmanagedPolicy::leave_message_until`] for the chat, `already_left` whether it left one.
pub fn check_leave_message(
    until: Option<i64>,
    already_left: bool,
    now_ms: i64,
) -> Result<(), RuleError> {
    match until {
        None => Err(RuleError::LeaveMessageUnavailable),
        Some(_) if already_left => Err(RuleError::MessageAlreadyLeft),
        Some(until) if now_ms > until => Err(RuleError::LeaveMessageExpired),
        Some(_) => Ok(()),
    }
}

/// R81, A9: the kinds of ended chat supervisors review here. (Offline messages are reviewed
/// apart.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// R76: nobody took the chat.
    Unmanaged,
    /// R80: nobody wrote in the active chat for the unattended timeout.
    Timeout,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 2] = [ReviewKind::Unmanaged, ReviewKind::Timeout];

    /// The review kind of a chat that ended with `disposition`, if it is reviewed at all.
    pub fn of(disposition: Disposition) -> Option<ReviewKind> {
        match disposition {
            Disposition::Unmanaged => Some(ReviewKind::Unmanaged),
            Disposition::Timeout => Some(ReviewKind::Timeout),
            _ => None,
        }
    }

    pub fn disposition(self) -> Disposition {
        match self {
            ReviewKind::Unmanaged => Disposition::Unmanaged,
            ReviewKind::Timeout => Disposition::Timeout,
        }
    }
}

/// R81: a review is open until a supervisor (or the auto-close, R76) closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Open,
    Closed,
}

impl ReviewStatus {
    pub fn of(closed_at_ms: Option<i64>) -> ReviewStatus {
        match closed_at_ms {
            Some(_) => ReviewStatus::Closed,
            None => ReviewStatus::Open,
        }
    }

    /// R81: closing is done once.
    pub fn close(self) -> Result<ReviewStatus, RuleError> {
        match self {
            ReviewStatus::Open => Ok(ReviewStatus::Closed),
            ReviewStatus::Closed => Err(RuleError::ReviewClosed),
        }
    }
}

/// Names of pre-chat form fields that hold the visitor's e-mail address.
const EMAIL_FIELDS: &[&str] = &["email", "e-mail", "e_mail", "mail", "email_address"];

/// R81: where a reply to the visitor goes: the address given with the left message, else an
/// e-mail field of the pre-chat form (by name, ignoring case) that holds a valid address.
/// `form_fields` are the form's (name, text value) pairs.
pub fn visitor_address<'a>(
    left_message_email: Option<&str>,
    form_fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<EmailAddress> {
    if let Some(address) = left_message_email.and_then(|e| EmailAddress::parse(e).ok()) {
        return Some(address);
    }
    form_fields
        .into_iter()
        .filter(|(name, _)| EMAIL_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name)))
        .find_map(|(_, value)| EmailAddress::parse(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_queue_without_messages_turns_leave_a_message_off() {
        assert!(policy(true).in_queue(true).leave_message);
        assert!(!policy(true).in_queue(false).leave_message);
        assert!(!policy(false).in_queue(true).leave_message);
        let off = policy(true).in_queue(false);
        assert_eq!(off.notice(false), policy(false).notice(false));
        assert_eq!(off.leave_message_until(Disposition::Unmanaged, 0, 10), None);
    }

    #[test]
    fn an_admins_message_is_trimmed_and_a_blank_one_is_none() {
        assert_eq!(UnmanagedPolicy::parse_message(Some("  ")), Ok(None));
        assert_eq!(UnmanagedPolicy::parse_message(None), Ok(None));
        assert_eq!(
            UnmanagedPolicy::parse_message(Some(" Call us.\nOr write. ")),
            Ok(Some("Call us.\nOr write.".to_owned()))
        );
        assert!(UnmanagedPolicy::parse_message(Some("a\u{7}b")).is_err());
        assert!(UnmanagedPolicy::parse_message(Some(&"x".repeat(1001))).is_err());
    }

    #[test]
    fn an_auto_close_delay_is_off_or_up_to_thirty_days() {
        assert_eq!(AutoClose::parse(0), Ok(AutoClose::OFF));
        assert_eq!(AutoClose::parse(HOUR).map(AutoClose::as_ms), Ok(HOUR));
        assert!(AutoClose::parse(-1).is_err());
        assert!(AutoClose::parse(AutoClose::MAX_MS + 1).is_err());
    }

    fn policy(leave_message: bool) -> UnmanagedPolicy {
        UnmanagedPolicy {
            leave_message,
            ..UnmanagedPolicy::default()
        }
    }

    #[test]
    fn the_visitor_is_told_what_to_do_in_the_websites_language_r76_a13() {
        assert!(policy(true).notice(false).contains("Leave us a message"));
        assert!(!policy(false).notice(false).contains("message"));
        assert!(policy(true).notice(true).contains("agent you asked for"));
        let german = UnmanagedPolicy {
            language: Some("de-CH".into()),
            ..policy(true)
        };
        assert!(german.notice(false).starts_with("Leider"));
        let own = UnmanagedPolicy {
            message: Some("Write to help@example.org".into()),
            ..german
        };
        assert_eq!(own.notice(true), "Write to help@example.org");
        let blank = UnmanagedPolicy {
            message: Some("  ".into()),
            ..policy(true)
        };
        assert!(blank.notice(false).contains("Leave us a message"));
    }

    #[test]
    fn only_unmanaged_chats_of_websites_that_take_messages_may_leave_one_r78() {
        let on = policy(true);
        assert_eq!(
            on.leave_message_until(Disposition::Unmanaged, 1_000, 24 * HOUR),
            Some(1_000 + 24 * HOUR)
        );
        for other in [
            Disposition::Timeout,
            Disposition::VisitorEnded,
            Disposition::AgentEnded,
            Disposition::Offline,
        ] {
            assert_eq!(on.leave_message_until(other, 1_000, HOUR), None);
        }
        assert_eq!(
            policy(false).leave_message_until(Disposition::Unmanaged, 1_000, HOUR),
            None
        );
    }

    #[test]
    fn one_message_within_the_window_r78() {
        let until = Some(10 * HOUR);
        assert_eq!(check_leave_message(until, false, 10 * HOUR), Ok(()));
        assert_eq!(
            check_leave_message(until, false, 10 * HOUR + 1),
            Err(RuleError::LeaveMessageExpired)
        );
        assert_eq!(
            check_leave_message(until, true, 0),
            Err(RuleError::MessageAlreadyLeft)
        );
        assert_eq!(
            check_leave_message(None, false, 0),
            Err(RuleError::LeaveMessageUnavailable)
        );
    }

    #[test]
    fn a_left_message_has_a_name_an_optional_address_and_a_bounded_text_r78() {
        let form = LeftMessageForm::parse(" Ann ", Some(" "), "Call me < 5 pm").unwrap();
        assert_eq!(form.name.as_str(), "Ann");
        assert_eq!(form.email, None);
        let form = LeftMessageForm::parse("Ann", Some("ann@example.org"), "Hi").unwrap();
        assert_eq!(form.email.unwrap().as_str(), "ann@example.org");
        assert_eq!(
            LeftMessageForm::parse("", None, "Hi"),
            Err(RuleError::EmptyName)
        );
        assert_eq!(
            LeftMessageForm::parse("Ann", Some("nope"), "Hi"),
            Err(RuleError::InvalidEmail)
        );
        assert!(matches!(
            LeftMessageForm::parse("Ann", None, &"x".repeat(1001)),
            Err(RuleError::MessageTooLong { max: 1000 })
        ));
    }

    #[test]
    fn auto_close_closes_reviews_after_its_delay_r76() {
        let off = AutoClose::from_ms(0);
        assert_eq!(off, AutoClose::OFF);
        assert_eq!(off.closes_at(5), None);
        assert_eq!(off.cutoff(5), None);
        let after = AutoClose::from_ms(2 * HOUR);
        assert_eq!(after.closes_at(HOUR), Some(3 * HOUR));
        // At 3 h, chats that ended at 1 h or before close.
        assert_eq!(after.cutoff(3 * HOUR), Some(HOUR));
        assert_eq!(after.as_ms(), 2 * HOUR);
    }

    #[test]
    fn unmanaged_and_timed_out_chats_are_reviewed_and_closed_once_r81_a9() {
        assert_eq!(
            ReviewKind::of(Disposition::Unmanaged),
            Some(ReviewKind::Unmanaged)
        );
        assert_eq!(
            ReviewKind::of(Disposition::Timeout),
            Some(ReviewKind::Timeout)
        );
        assert_eq!(ReviewKind::of(Disposition::Offline), None);
        assert_eq!(ReviewKind::of(Disposition::AgentEnded), None);
        for kind in ReviewKind::ALL {
            assert_eq!(ReviewKind::of(kind.disposition()), Some(kind));
        }
        let open = ReviewStatus::of(None);
        assert_eq!(open, ReviewStatus::Open);
        assert_eq!(open.close(), Ok(ReviewStatus::Closed));
        assert_eq!(
            ReviewStatus::of(Some(1)).close(),
            Err(RuleError::ReviewClosed)
        );
    }

    #[test]
    fn a_reply_goes_to_the_left_address_else_to_a_form_email_field_r81() {
        let fields = [("Name", "Ann"), ("E-Mail", "ann@example.org")];
        assert_eq!(
            visitor_address(Some("bob@example.org"), fields)
                .unwrap()
                .as_str(),
            "bob@example.org"
        );
        assert_eq!(
            visitor_address(None, fields).unwrap().as_str(),
            "ann@example.org"
        );
        assert_eq!(visitor_address(Some("bad"), [("email", "also bad")]), None);
        assert_eq!(visitor_address(None, [("phone", "ann@example.org")]), None);
    }
}
