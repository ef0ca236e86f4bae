//! Invitation codes (R37, A12): six digits an agent hands a visitor, by voice or by link, that
//! route the visitor's chat straight to that agent. Unique among the active codes, single-use
//! by default, valid for a set time.

use super::RuleError;

/// A well-formed code: exactly six ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InvitationCode(String);

impl InvitationCode {
    pub const DIGITS: usize = 6;

    /// Reads a code as a person types it: spaces and dashes between the digits are ignored
    /// ("123 456", "123-456").
    pub fn parse(text: &str) -> Result<InvitationCode, RuleError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() == Self::DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(InvitationCode(digits))
        } else {
            Err(RuleError::InvalidInvitationCode)
        }
    }

    /// A code from a random number (taken modulo one million, so any `u32` will do).
    pub fn from_random(random: u32) -> InvitationCode {
        InvitationCode(format!("{:06}", random % 1_000_000))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How an agent asks for a code; `None` takes the defaults (single use, default validity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRequest {
    pub validity_minutes: Option<i64>,
    pub reusable: bool,
}

/// The code's terms, once checked against the engine's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeTerms {
    pub expires_at_ms: i64,
    /// `None`: any number of chats until it expires.
    pub max_uses: Option<i32>,
}

impl CodeRequest {
    /// A12: single use unless asked otherwise; the validity is the default unless asked, and
    /// never more than `max_minutes`.
    pub fn terms(
        self,
        now_ms: i64,
        default_minutes: i64,
        max_minutes: i64,
    ) -> Result<CodeTerms, RuleError> {
        let minutes = self.validity_minutes.unwrap_or(default_minutes);
        if !(1..=max_minutes).contains(&minutes) {
            return Err(RuleError::InvalidValidity { max: max_minutes });
        }
        Ok(CodeTerms {
            expires_at_ms: now_ms + minutes * 60_000,
            max_uses: (!self.reusable).then_some(1),
        })
    }
}

/// A stored code as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeStatus {
    pub expires_at_ms: i64,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub revoked: bool,
}

impl CodeStatus {
    /// Whether the code still routes a visitor now, and if not, why not (R37: unknown, expired
    /// or used up is refused). A revoked code counts as expired: its agent ended it early.
    pub fn check(&self, now_ms: i64) -> Result<(), RuleError> {
        if self.revoked || now_ms >= self.expires_at_ms {
            Err(RuleError::InvitationExpired)
        } else if self.max_uses.is_some_and(|max| self.uses >= max) {
            Err(RuleError::InvitationUsedUp)
        } else {
            Ok(())
        }
    }

    /// Active codes are the ones a new code must not collide with.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.check(now_ms).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn a_code_is_six_digits_typed_with_or_without_separators_r37() {
        assert_eq!(InvitationCode::parse("123456").unwrap().as_str(), "123456");
        assert_eq!(
            InvitationCode::parse(" 123 456 ").unwrap().as_str(),
            "123456"
        );
        assert_eq!(InvitationCode::parse("123-456").unwrap().as_str(), "123456");
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "12 34 5"] {
            assert_eq!(
                InvitationCode::parse(bad),
                Err(RuleError::InvalidInvitationCode),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn random_codes_keep_leading_zeros() {
        assert_eq!(InvitationCode::from_random(42).as_str(), "000042");
        assert_eq!(InvitationCode::from_random(u32::MAX).as_str(), "967295");
    }

    #[test]
    fn codes_are_single_use_for_a_day_by_default_a12() {
        let request = CodeRequest {
            validity_minutes: None,
            reusable: false,
        };
        let terms = request.terms(0, 24 * 60, 7 * 24 * 60).unwrap();
        assert_eq!(terms.expires_at_ms, 24 * 60 * MINUTE);
        assert_eq!(terms.max_uses, Some(1));
    }

    #[test]
    fn an_agent_may_ask_for_a_reusable_code_and_another_validity_within_limits_r37() {
        let request = CodeRequest {
            validity_minutes: Some(30),
            reusable: true,
        };
        let terms = request.terms(1_000, 24 * 60, 60).unwrap();
        assert_eq!(terms.expires_at_ms, 1_000 + 30 * MINUTE);
        assert_eq!(terms.max_uses, None);
        for minutes in [0, -5, 61] {
            let request = CodeRequest {
                validity_minutes: Some(minutes),
                reusable: false,
            };
            assert_eq!(
                request.terms(0, 24 * 60, 60),
                Err(RuleError::InvalidValidity { max: 60 })
            );
        }
    }

    #[test]
    fn expired_used_up_and_revoked_codes_are_refused_r37() {
        let fresh = CodeStatus {
            expires_at_ms: 10 * MINUTE,
            max_uses: Some(1),
            uses: 0,
            revoked: false,
        };
        assert_eq!(fresh.check(0), Ok(()));
        assert_eq!(fresh.check(10 * MINUTE), Err(RuleError::InvitationExpired));
        let used = CodeStatus { uses: 1, ..fresh };
        assert_eq!(used.check(0), Err(RuleError::InvitationUsedUp));
        assert!(!used.is_active(0));
        let reusable = CodeStatus {
            max_uses: None,
            uses: 40,
            ..fresh
        };
        assert_eq!(reusable.check(0), Ok(()));
        let revoked = CodeStatus {
            revoked: true,
            ..fresh
        };
        assert_eq!(revoked.check(0), Err(RuleError::InvitationExpired));
    }
}
