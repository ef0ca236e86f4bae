//! Banning visitors (R55): who may ban, why, and what a ban holds on to.

use super::user::Role;
use super::{one_line, RuleError};

/// Why a visitor was banned: 1 to 300 characters on one line, shown in the blacklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanReason(String);

impl BanReason {
    pub const MAX_CHARS: usize = 300;

    pub fn parse(raw: &str) -> Result<BanReason, RuleError> {
        one_line(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyBanReason,
            RuleError::BanReasonTooLong {
                max: Self::MAX_CHARS,
            },
        )
        .map(|text| BanReason(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R55: supervisors and admins may always ban; agents only while an admin leaves the runtime
/// option `agents_may_ban` on (the caller has checked the agent is in the chat).
pub fn may_ban(role: Role, agents_may_ban: bool) -> Result<(), RuleError> {
    match role {
        Role::Supervisor | Role::Admin => Ok(()),
        Role::Agent if agents_may_ban => Ok(()),
        Role::Agent => Err(RuleError::BanNotAllowed),
    }
}

/// R55: what a ban holds on to: the browser's identity (the widget's visitor key) and, when
/// the website signed one, its own user id. A visitor with neither cannot be banned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanTarget {
    pub visitor_key: Option<String>,
    pub subject: Option<String>,
}

impl BanTarget {
    pub fn new(
        visitor_key: Option<String>,
        subject: Option<String>,
    ) -> Result<BanTarget, RuleError> {
        if visitor_key.is_none() && subject.is_none() {
            return Err(RuleError::VisitorNotIdentifiable);
        }
        Ok(BanTarget {
            visitor_key,
            subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_ban_only_while_the_option_is_on_r55() {
        assert_eq!(may_ban(Role::Agent, true), Ok(()));
        assert_eq!(may_ban(Role::Agent, false), Err(RuleError::BanNotAllowed));
        assert_eq!(may_ban(Role::Supervisor, false), Ok(()));
        assert_eq!(may_ban(Role::Admin, false), Ok(()));
    }

    #[test]
    fn a_ban_needs_a_reason_and_something_to_hold_on_to_r55() {
        assert_eq!(
            BanReason::parse(" ").unwrap_err().code(),
            "empty_ban_reason"
        );
        let long = "x".repeat(BanReason::MAX_CHARS + 1);
        assert_eq!(
            BanReason::parse(&long).unwrap_err().code(),
            "ban_reason_too_long"
        );
        assert_eq!(BanReason::parse(" spam ").unwrap().as_str(), "spam");
        assert_eq!(
            BanTarget::new(None, None),
            Err(RuleError::VisitorNotIdentifiable)
        );
        assert!(BanTarget::new(None, Some("user-1".into())).is_ok());
    }
}
