//! Runtime options: switches an admin turns on or off while the engine runs (R35, R36). They
//! are stored as key/value text pairs, so adding an option needs no migration.

use serde::{Deserialize, Serialize};

/// Every runtime option with its current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuntimeOptions {
    /// R35: agents may preview waiting chats, and pick or redirect them from the preview.
    pub client_preview: bool,
    /// R36: the preview lists the agents a waiting chat was already routed to.
    pub show_routed_agents: bool,
    /// R55: agents may ban the visitor of a chat they hold (supervisors and admins always may).
    pub agents_may_ban: bool,
}

impl Default for RuntimeOptions {
    /// The preview is on, as in the guide's default workspace; showing other agents' routing
    /// is an extra an admin opts into.
    fn default() -> RuntimeOptions {
        RuntimeOptions {
            client_preview: true,
            show_routed_agents: false,
            agents_may_ban: true,
        }
    }
}

const CLIENT_PREVIEW: &str = "client_preview";
const SHOW_ROUTED_AGENTS: &str = "show_routed_agents";
const AGENTS_MAY_BAN: &str = "agents_may_ban";

impl RuntimeOptions {
    /// The options from stored pairs: a missing key, an unknown key or a value other than
    /// `true` / `false` leaves the default (an older or newer engine may have written them).
    pub fn from_stored<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> RuntimeOptions {
        let mut options = RuntimeOptions::default();
        for (key, value) in pairs {
            let Ok(value) = value.parse::<bool>() else {
                continue;
            };
            match key {
                CLIENT_PREVIEW => options.client_preview = value,
                SHOW_ROUTED_AGENTS => options.show_routed_agents = value,
                AGENTS_MAY_BAN => options.agents_may_ban = value,
                _ => {}
            }
        }
        options
    }

    /// The pairs to store.
    pub fn to_stored(self) -> [(&'static str, String); 3] {
        [
            (CLIENT_PREVIEW, self.client_preview.to_string()),
            (SHOW_ROUTED_AGENTS, self.show_routed_agents.to_string()),
            (AGENTS_MAY_BAN, self.agents_may_ban.to_string()),
        ]
    }

    /// The options after an admin's change; options the change leaves out keep their value.
    pub fn changed_by(self, change: &OptionsChange) -> RuntimeOptions {
        RuntimeOptions {
            client_preview: change.client_preview.unwrap_or(self.client_preview),
            show_routed_agents: change.show_routed_agents.unwrap_or(self.show_routed_agents),
            agents_may_ban: change.agents_may_ban.unwrap_or(self.agents_may_ban),
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
}
