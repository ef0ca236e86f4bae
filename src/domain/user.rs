//! People who log in: agents, supervisors and admins (R71).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Handles chats.
    Agent,
    /// Reviews offline and unmanaged chats and logs, manages predefined messages.
    Supervisor,
    /// Manages websites, queues, agents, opening hours and settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// R25, R71: who may be a queue member and be offered chats. Agents handle chats, and so
    /// may supervisors (who often help out on a busy queue); admins only configure.
    pub fn takes_chats(self) -> bool {
        matches!(self, Role::Agent | Role::Supervisor)
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A login name: 1 to 64 characters of letters, digits, `.`, `-`, `_` or `@`.
pub fn is_valid_username(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

/// The minimum password policy: at least 8 characters.
pub fn is_acceptable_password(password: &str) -> bool {
    password.chars().count() >= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in [Role::Agent, Role::Supervisor, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn agents_and_supervisors_take_chats_admins_do_not_r71() {
        assert!(Role::Agent.takes_chats());
        assert!(Role::Supervisor.takes_chats());
        assert!(!Role::Admin.takes_chats());
    }

    #[test]
    fn usernames_and_passwords_have_rules() {
        assert!(is_valid_username("alice.smith@shop"));
        assert!(!is_valid_username(""));
        assert!(!is_valid_username("alice smith"));
        assert!(!is_acceptable_password("short"));
        assert!(is_acceptable_password("long enough"));
    }
}
