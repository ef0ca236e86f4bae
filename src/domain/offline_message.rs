//! Offline messages (R64, R75, R77, R81, A9): why a visitor's message is offline, what a
//! website does with it (forward it, open a mail interaction), and a supervisor's reply.

use serde::{Deserialize, Serialize};

use super::availability::{ModeReason, WidgetMode, WidgetState};
use super::email::EmailAddress;
use super::form::{FieldName, Form};
use super::RuleError;

/// R75, A9: why live chat was not there when the visitor left a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    /// Outside the website's working intervals or its queue's opening hours (R58, R29).
    OutsideWorkingHours,
    /// The website's cap of concurrent chats is reached (R59).
    WebsiteFull,
    /// Inside working hours, but no agent can take a chat (R31, R77).
    NoAgent,
}

impl OfflineReason {
    pub fn as_str(self) -> &'static str {
        match self {
            OfflineReason::OutsideWorkingHours => "outside_working_hours",
            OfflineReason::WebsiteFull => "website_full",
            OfflineReason::NoAgent => "no_agent",
        }
    }

    pub fn from_stored(value: &str) -> Option<OfflineReason> {
        [
            OfflineReason::OutsideWorkingHours,
            OfflineReason::WebsiteFull,
            OfflineReason::NoAgent,
        ]
        .into_iter()
        .find(|r| r.as_str() == value)
    }

    /// A9, R75: why a message left now is offline, from the widget's mode and whether the
    /// website is at its session cap; `None` while an agent could take a live chat, when the
    /// visitor should chat instead.
    pub fn now(mode: WidgetState, website_full: bool) -> Option<OfflineReason> {
        match mode.reason {
            ModeReason::OutsideWorkingHours | ModeReason::QueueClosed => {
                Some(OfflineReason::OutsideWorkingHours)
            }
            _ if website_full => Some(OfflineReason::WebsiteFull),
            _ if mode.mode == WidgetMode::Online => None,
            _ => Some(OfflineReason::NoAgent),
        }
    }
}

/// R64: open a new mail interaction for each offline message: a mail to `mailbox`, answered
/// to the visitor (Reply-To), its subject taken from the form field `subject_field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenInteraction {
    pub mailbox: EmailAddress,
    #[serde(default)]
    pub subject_field: Option<FieldName>,
}

/// R64: what a website does with each offline message besides storing it for review (one,
/// both or neither). The default is neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineOptions {
    /// Forward Offline: every offline message is mailed to this address.
    #[serde(default)]
    pub forward_to: Option<EmailAddress>,
    #[serde(default)]
    pub open_interaction: Option<OpenInteraction>,
}

impl OfflineOptions {
    /// Whether any option sends mail (and so needs an SMTP server, R64).
    pub fn sends_mail(&self) -> bool {
        self.forward_to.is_some() || self.open_interaction.is_some()
    }

    /// R64: the subject field must be one of the offline form's fields with a one-line value.
    pub fn check(&self, offline_form: &Form) -> Result<(), RuleError> {
        let subject = self
            .open_interaction
            .as_ref()
            .and_then(|o| o.subject_field.as_ref());
        match subject {
            Some(name) if !offline_form.field(name).is_some_and(|f| f.gives_text()) => {
                Err(RuleError::UnknownFormField {
                    field: name.as_str().to_owned(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// R81: an offline message waits for a supervisor until one closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Open,
    Closed,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Closed => "closed",
        }
    }

    pub fn from_stored(value: &str) -> Option<ReviewState> {
        match value {
            "open" => Some(ReviewState::Open),
            "closed" => Some(ReviewState::Closed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn state(mode: WidgetMode, reason: ModeReason) -> WidgetState {
        WidgetState { mode, reason }
    }

    #[test]
    fn a9_r75_the_reason_follows_the_widget_mode_and_the_session_cap() {
        use ModeReason::*;
        use WidgetMode::*;
        let reason = OfflineReason::now;
        assert_eq!(
            reason(state(Offline, OutsideWorkingHours), true),
            Some(OfflineReason::OutsideWorkingHours)
        );
        assert_eq!(
            reason(state(Offline, QueueClosed), false),
            Some(OfflineReason::OutsideWorkingHours)
        );
        assert_eq!(
            reason(state(Online, AgentAvailable), true),
            Some(OfflineReason::WebsiteFull)
        );
        assert_eq!(
            reason(state(Offline, NoAgentAvailable), false),
            Some(OfflineReason::NoAgent)
        );
        assert_eq!(
            reason(state(Busy, AllAgentsBusy), false),
            Some(OfflineReason::NoAgent)
        );
        assert_eq!(reason(state(Online, AgentAvailable), false), None);
        for r in [
            OfflineReason::OutsideWorkingHours,
            OfflineReason::WebsiteFull,
            OfflineReason::NoAgent,
        ] {
            assert_eq!(OfflineReason::from_stored(r.as_str()), Some(r));
        }
    }

    #[test]
    fn r64_the_subject_field_must_be_a_one_line_field_of_the_offline_form() {
        let options = |subject: &str| -> OfflineOptions {
            serde_json::from_value(json!({
                "open_interaction": {"mailbox": "desk@example.com", "subject_field": subject}
            }))
            .unwrap()
        };
        let form = Form::default_offline();
        assert!(options("message").check(&form).is_ok());
        assert_eq!(
            options("topic").check(&form),
            Err(RuleError::UnknownFormField {
                field: "topic".into()
            })
        );
        let with_files = Form::parse_json(&json!({"elements": [
            {"type": "attachment", "name": "files", "label": "Files"}
        ]}))
        .unwrap()
        .unwrap();
        assert!(options("files").check(&with_files).is_err());
        assert!(OfflineOptions::default().check(&form).is_ok());
        assert!(!OfflineOptions::default().sends_mail());
        let bad: Result<OfflineOptions, _> =
            serde_json::from_value(json!({"forward_to": "not an address"}));
        assert!(bad.is_err());
    }
}
