//! Runtime options: switches an admin turns on or off while the engine runs (R35, R36). They
//! are stored as key/value text pairs, so adding an option needs no migration.

use serde::{Deserialize, Serialize};

use super::RuleError;

/// Every runtime option with its current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuntimeOptions {
    /// R35: agents may preview waiting chats, and pick or redirect them from the preview.
    pub client_preview: bool,
    /// R36: the preview lists the agents a waiting chat was already routed to.
    pub show_routed_agents: bool,
    /// R55: agents may ban the visitor of a chat they hold (supervisors and admins always may).
    pub agents_may_ban: bool,
    /// R66: the global unattended timeout in ms (0: never); `None` follows the configuration's
    /// `chats.unattended_timeout_ms`.
    pub unattended_timeout_ms: Option<i64>,
}

impl Default for RuntimeOptions {
    /// The preview is on, as in the guide's default workspace; showing other agents' routing
    /// is an extra an admin opts into.
    fn default() -> RuntimeOptions {
        RuntimeOptions {
            client_preview: true,
            show_routed_agents: false,
            agents_may_ban: true,
            unattended_timeout_ms: None,
        }
    }
}

const CLIENT_PREVIEW: &str = "client_preview";
const SHOW_ROUTED_AGENTS: &str = "show_routed_agents";
const AGENTS_MAY_BAN: &str = "agents_may_ban";
const UNATTENDED_TIMEOUT_MS: &str = "unattended_timeout_ms";

/// R66: the longest unattended timeout an admin may set: a week.
pub const MAX_UNATTENDED_TIMEOUT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

fn timeout_in_range(ms: i64) -> bool {
    (0..=MAX_UNATTENDED_TIMEOUT_MS).contains(&ms)
}

impl RuntimeOptions {
    /// The options from stored pairs: a missing key, an unknown key or a value that is not of
    /// the option's kind leaves the default (an older or newer engine may have written them).
    pub fn from_stored<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> RuntimeOptions {
        let mut options = RuntimeOptions::default();
        for (key, value) in pairs {
            let flag = value.parse::<bool>().ok();
            match (key, flag) {
                (CLIENT_PREVIEW, Some(value)) => options.client_preview = value,
                (SHOW_ROUTED_AGENTS, Some(value)) => options.show_routed_agents = value,
                (AGENTS_MAY_BAN, Some(value)) => options.agents_may_ban = value,
                (UNATTENDED_TIMEOUT_MS, _) => {
                    options.unattended_timeout_ms =
                        value.parse::<i64>().ok().filter(|ms| timeout_in_range(*ms));
                }
                _ => {}
            }
        }
        options
    }

    /// The pairs to store (an unset timeout as an empty value).
    pub fn to_stored(self) -> [(&'static str, String); 4] {
        [
            (CLIENT_PREVIEW, self.client_preview.to_string()),
            (SHOW_ROUTED_AGENTS, self.show_routed_agents.to_string()),
            (AGENTS_MAY_BAN, self.agents_may_ban.to_string()),
            (
                UNATTENDED_TIMEOUT_MS,
                self.unattended_timeout_ms
                    .map(|ms| ms.to_string())
                    .unwrap_or_default(),
            ),
        ]
    }

    /// The options after an admin's change; options the change leaves out keep their value.
    pub fn changed_by(self, change: &OptionsChange) -> RuntimeOptions {
        RuntimeOptions {
            client_preview: change.client_preview.unwrap_or(self.client_preview),
            show_routed_agents: change.show_routed_agents.unwrap_or(self.show_routed_agents),
            agents_may_ban: change.agents_may_ban.unwrap_or(self.agents_may_ban),
            unattended_timeout_ms: change
                .unattended_timeout_ms
                .unwrap_or(self.unattended_timeout_ms),
        }
    }
}

/// What an admin sends to change options: any subset, nothing unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsChange {
    pub client_preview: Option<bool>,
    pub show_routed_agents: Option<bool>,
    pub agents_may_ban: Option<bool>,
    /// Left out: unchanged; `null`: back to the configuration's value; a number: ms, 0 never.
    #[serde(default, deserialize_with = "present")]
    pub unattended_timeout_ms: Option<Option<i64>>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

impl OptionsChange {
    /// R66: an unattended timeout is 0 (never) to a week.
    pub fn check(&self) -> Result<(), RuleError> {
        match self.unattended_timeout_ms {
            Some(Some(ms)) if !timeout_in_range(ms) => Err(RuleError::InvalidUnattendedTimeout {
                max: MAX_UNATTENDED_TIMEOUT_MS,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_pairs_round_trip_and_bad_values_keep_defaults_r35() {
        let options = RuntimeOptions {
            client_preview: false,
            show_routed_agents: true,
            agents_may_ban: false,
            unattended_timeout_ms: Some(0),
        };
        let stored = options.to_stored();
        let back = RuntimeOptions::from_stored(stored.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, options);
        let odd = RuntimeOptions::from_stored([("client_preview", "maybe"), ("colour", "blue")]);
        assert_eq!(odd, RuntimeOptions::default());
        assert!(RuntimeOptions::default().client_preview);
        assert!(!RuntimeOptions::default().show_routed_agents);
        assert!(RuntimeOptions::default().agents_may_ban);
    }

    #[test]
    fn a_change_touches_only_what_it_names_r35_r36() {
        let change: OptionsChange =
            serde_json::from_str(r#"{"show_routed_agents": true}"#).unwrap();
        let after = RuntimeOptions::default().changed_by(&change);
        assert!(after.client_preview);
        assert!(after.show_routed_agents);
        assert!(serde_json::from_str::<OptionsChange>(r#"{"preview": false}"#).is_err());
    }

    #[test]
    fn the_unattended_timeout_is_set_reset_and_checked_r66() {
        let set: OptionsChange =
            serde_json::from_str(r#"{"unattended_timeout_ms": 600000}"#).unwrap();
        let after = RuntimeOptions::default().changed_by(&set);
        assert_eq!(after.unattended_timeout_ms, Some(600_000));
        let untouched: OptionsChange = serde_json::from_str(r#"{"client_preview": true}"#).unwrap();
        assert_eq!(
            after.changed_by(&untouched).unattended_timeout_ms,
            Some(600_000)
        );
        let reset: OptionsChange =
            serde_json::from_str(r#"{"unattended_timeout_ms": null}"#).unwrap();
        assert_eq!(after.changed_by(&reset).unattended_timeout_ms, None);
        let stored = after.to_stored();
        let back = RuntimeOptions::from_stored(stored.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, after);
        let unset = RuntimeOptions::default().to_stored();
        let back = RuntimeOptions::from_stored(unset.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back.unattended_timeout_ms, None);
        for bad in ["-1", "604800001"] {
            let change: OptionsChange =
                serde_json::from_str(&format!(r#"{{"unattended_timeout_ms": {bad}}}"#)).unwrap();
            assert!(matches!(
                change.check(),
                Err(RuleError::InvalidUnattendedTimeout { .. })
            ));
        }
        assert!(set.check().is_ok());
        assert!(
            serde_json::from_str::<OptionsChange>(r#"{"unattended_timeout_ms": "5"}"#).is_err()
        );
    }
}
