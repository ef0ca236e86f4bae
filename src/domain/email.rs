//! E-mail addresses a visitor gives (to leave a message, to get a transcript), and the texts of
//! a supervisor's reply by mail.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{one_line, plain_text, RuleError};

/// A plain ASCII `local@domain` address: what an SMTP server will take as a recipient. No
/// display name, no comments, no quoting: a visitor types an address, not a header. At most
/// 254 characters, a local part of 1 to 64, a domain of at least two labels of 1 to 63. Kept
/// as typed (trimmed); [`EmailAddress::key`] is the form contacts match on (R88).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<EmailAddress, RuleError> {
        let address = raw.trim();
        let (local, domain) = address.rsplit_once('@').ok_or(RuleError::InvalidEmail)?;
        // Letters, digits and the unquoted specials of RFC 5322, in ASCII: every SMTP server
        // takes these (non-ASCII addresses need SMTPUTF8, which many do not offer).
        let plain = |c: char| c.is_ascii_graphic() && !"<>()[]\\,;:\"@".contains(c);
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let valid = address.len() <= Self::MAX_CHARS
            && (1..=64).contains(&local.len())
            && local.chars().all(plain)
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(label_ok);
        if valid {
            Ok(EmailAddress(address.to_owned()))
        } else {
            Err(RuleError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What contacts are matched on: mail systems treat addresses without regard to case.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = RuleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> String {
        address.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// R81: the subject of a supervisor's reply to a visitor: one line, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplySubject(String);

impl ReplySubject {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<ReplySubject, RuleError> {
        let subject = one_line(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptySubject,
            RuleError::SubjectTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(ReplySubject(subject.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R81: the body of a supervisor's reply: plain text, 1 to 10 000 characters, line breaks and
/// tabs allowed, no other control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyBody(String);

impl ReplyBody {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: &str) -> Result<ReplyBody, RuleError> {
        let body = plain_text(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyReply,
            RuleError::ReplyTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(ReplyBody(body.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R81: a supervisor's reply by mail, to an offline message or to a reviewed chat: the one rule
/// for both desks. The subject as [`ReplySubject`], the body trimmed, then as [`ReplyBody`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub subject: ReplySubject,
    pub body: ReplyBody,
}

impl Reply {
    pub fn parse(subject: &str, body: &str) -> Result<Reply, RuleError> {
        Ok(Reply {
            subject: ReplySubject::parse(subject)?,
            body: ReplyBody::parse(body.trim())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_parse_and_headers_do_not() {
        for good in ["ann@example.org", " ann.smith+chat@mail.example.co.uk "] {
            assert_eq!(
                EmailAddress::parse(good).unwrap().as_str(),
                good.trim(),
                "{good}"
            );
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@localhost",
            "Ann <ann@example.org>",
            "ann@example.org\r\nBcc: x@y.z",
            "ann smith@example.org",
            "ann@exa mple.org",
            "ann@-example.org",
            "ann..b@example.org",
            "ann@example..org",
            "jürgen@bücher.de",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(RuleError::InvalidEmail),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.org", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long), Err(RuleError::InvalidEmail));
    }

    #[test]
    fn email_addresses_need_a_local_part_and_a_dotted_domain() {
        for good in [
            "ann@example.org",
            " Ann.Lee+chat@mail.example.co.uk ",
            "a_b-c@x-y.io",
        ] {
            assert!(EmailAddress::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@localhost",
            "ann@example..org",
            "ann lee@example.org",
            "ann@exa mple.org",
            "<ann@example.org>",
            "ann@-example.org",
            ".ann@example.org",
            "ann..lee@example.org",
            "ann@exämple.org",
            "a\r\nBcc: x@example.org",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(RuleError::InvalidEmail),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.org", "a".repeat(65));
        assert!(EmailAddress::parse(&long).is_err());
        assert_eq!(
            EmailAddress::parse("Ann@Example.ORG").unwrap().key(),
            "ann@example.org"
        );
    }

    #[test]
    fn a_reply_has_a_one_line_subject_and_a_bounded_body_r81() {
        assert_eq!(ReplySubject::parse(" Re: ").unwrap().as_str(), "Re:");
        assert_eq!(ReplySubject::parse("  "), Err(RuleError::EmptySubject));
        assert_eq!(
            ReplySubject::parse("a\nb"),
            Err(RuleError::ControlCharacters)
        );
        assert!(matches!(
            ReplySubject::parse(&"s".repeat(201)),
            Err(RuleError::SubjectTooLong { max: 200 })
        ));
        assert!(ReplyBody::parse("Dear Ann,\n\nthanks < more").is_ok());
        assert_eq!(ReplyBody::parse(" \n "), Err(RuleError::EmptyReply));
        assert!(matches!(
            ReplyBody::parse(&"b".repeat(10_001)),
            Err(RuleError::ReplyTooLong { max: 10_000 })
        ));
    }

    #[test]
    fn r81_a_reply_has_a_one_line_subject_and_a_trimmed_body() {
        let reply = Reply::parse(" Your question ", "Hello Ann,\n\nyes.\n").unwrap();
        assert_eq!(reply.subject.as_str(), "Your question");
        assert_eq!(reply.body.as_str(), "Hello Ann,\n\nyes.");
        assert_eq!(Reply::parse("", "x"), Err(RuleError::EmptySubject));
        assert_eq!(Reply::parse("a\nb", "x"), Err(RuleError::ControlCharacters));
        assert_eq!(Reply::parse("s", " \n "), Err(RuleError::EmptyReply));
        assert_eq!(
            Reply::parse("s", &"x".repeat(10_001)),
            Err(RuleError::ReplyTooLong { max: 10_000 })
        );
    }
}
