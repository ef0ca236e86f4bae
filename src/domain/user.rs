//! People who log in: agents, supervisors and admins (R71).

use serde::{Deserialize, Serialize};

use super::ids::UserId;
use super::presence::Capacity;
use super::{one_line, RuleError};

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

/// R71: a login name: 1 to 64 characters of letters, digits, `.`, `-`, `_` or `@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Username, RuleError> {
        let valid = (1..=Self::MAX_CHARS).contains(&raw.chars().count())
            && raw
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if valid {
            Ok(Username(raw.to_owned()))
        } else {
            Err(RuleError::InvalidUsername {
                max: Self::MAX_CHARS,
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to colleagues and visitors: one line, 1 to 80 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<DisplayName, RuleError> {
        let name = one_line(
            raw,
            Self::MAX_CHARS,
            RuleError::EmptyName,
            RuleError::NameTooLong {
                max: Self::MAX_CHARS,
            },
        )?;
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The minimum password policy: 8 to 128 characters, not only spaces, and not the username.
pub fn check_password(password: &str, username: &str) -> Result<(), RuleError> {
    const MIN: usize = 8;
    const MAX: usize = 128;
    let chars = password.chars().count();
    let weak = !(MIN..=MAX).contains(&chars)
        || password.trim().is_empty()
        || password.eq_ignore_ascii_case(username);
    if weak {
        Err(RuleError::WeakPassword { min: MIN, max: MAX })
    } else {
        Ok(())
    }
}

/// R71: a role from its name, or `invalid_role`.
pub fn parse_role(raw: &str) -> Result<Role, RuleError> {
    Role::parse(raw).ok_or(RuleError::InvalidRole)
}

/// R70, A4: a user's capacity as an admin sets it, or `capacity_out_of_range`.
pub fn parse_capacity(raw: i64) -> Result<Capacity, RuleError> {
    u32::try_from(raw)
        .ok()
        .and_then(|chats| Capacity::parse(chats).ok())
        .ok_or(RuleError::CapacityOutOfRange {
            min: Capacity::MIN,
            max: Capacity::MAX,
        })
}

/// Whether an account counts as an admin who can still sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub active: bool,
}

impl Standing {
    fn is_active_admin(self) -> bool {
        self.active && self.role == Role::Admin
    }
}

/// R71: may `actor` change `target`'s account from `before` to `after`? An admin never takes
/// away their own admin role or deactivates themselves (`self_lockout`), and nobody removes
/// the last active admin (`last_admin`): `other_active_admins` counts the active admins
/// besides `target`.
pub fn check_standing_change(
    actor: UserId,
    target: UserId,
    before: Standing,
    after: Standing,
    other_active_admins: i64,
) -> Result<(), RuleError> {
    if !before.is_active_admin() || after.is_active_admin() {
        return Ok(());
    }
    if actor == target {
        return Err(RuleError::SelfLockout);
    }
    if other_active_admins == 0 {
        return Err(RuleError::LastAdmin);
    }
    Ok(())
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
    fn usernames_and_passwords_have_rules_r71() {
        assert!(Username::parse("alice.smith@shop").is_ok());
        assert_eq!(
            Username::parse(""),
            Err(RuleError::InvalidUsername { max: 64 })
        );
        assert!(Username::parse("alice smith").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
        assert!(check_password("short", "alice").is_err());
        assert!(check_password("        ", "alice").is_err());
        assert!(check_password("alice.smith", "Alice.Smith").is_err());
        assert!(check_password(&"x".repeat(129), "alice").is_err());
        assert_eq!(check_password("long enough", "alice"), Ok(()));
        assert_eq!(
            check_password("short", "alice").unwrap_err().code(),
            "weak_password"
        );
    }

    #[test]
    fn display_names_roles_and_capacities_are_parsed_r70_r71() {
        assert_eq!(DisplayName::parse("  Alice  ").unwrap().as_str(), "Alice");
        assert_eq!(DisplayName::parse(" "), Err(RuleError::EmptyName));
        assert!(DisplayName::parse(&"a".repeat(81)).is_err());
        assert_eq!(parse_role("supervisor"), Ok(Role::Supervisor));
        assert_eq!(parse_role("root"), Err(RuleError::InvalidRole));
        assert_eq!(parse_capacity(1).unwrap().get(), 1);
        assert_eq!(parse_capacity(5).unwrap().get(), 5);
        for bad in [0, -1, 21, 5_000_000_000] {
            assert_eq!(
                parse_capacity(bad).unwrap_err().code(),
                "capacity_out_of_range"
            );
        }
    }

    const ADMIN: Standing = Standing {
        role: Role::Admin,
        active: true,
    };
    const AGENT: Standing = Standing {
        role: Role::Agent,
        active: true,
    };
    const INACTIVE_ADMIN: Standing = Standing {
        role: Role::Admin,
        active: false,
    };

    #[test]
    fn the_last_active_admin_stays_r71() {
        let (me, other) = (UserId(1), UserId(2));
        assert_eq!(
            check_standing_change(me, other, ADMIN, AGENT, 0),
            Err(RuleError::LastAdmin)
        );
        assert_eq!(
            check_standing_change(me, other, ADMIN, INACTIVE_ADMIN, 0),
            Err(RuleError::LastAdmin)
        );
        assert_eq!(check_standing_change(me, other, ADMIN, AGENT, 1), Ok(()));
        // Renaming or re-capacitating an admin, or promoting someone, is never refused.
        assert_eq!(check_standing_change(me, other, ADMIN, ADMIN, 0), Ok(()));
        assert_eq!(check_standing_change(me, other, AGENT, ADMIN, 0), Ok(()));
        // An inactive admin is no admin to keep.
        assert_eq!(
            check_standing_change(me, other, INACTIVE_ADMIN, AGENT, 0),
            Ok(())
        );
    }

    #[test]
    fn an_admin_does_not_lock_themselves_out_r71() {
        let me = UserId(1);
        assert_eq!(
            check_standing_change(me, me, ADMIN, AGENT, 3),
            Err(RuleError::SelfLockout)
        );
        assert_eq!(
            check_standing_change(me, me, ADMIN, INACTIVE_ADMIN, 3),
            Err(RuleError::SelfLockout)
        );
        assert_eq!(check_standing_change(me, me, ADMIN, ADMIN, 0), Ok(()));
    }
}
