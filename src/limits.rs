//! Issue 10: the engine's abuse-limit counters, in memory (one engine process): fixed windows
//! per (kind, key) in a sharded map, the login lockouts, and the open sockets per IP address.
//! The rules are `domain::rate_limit`; this is where their state lives. Entries that no
//! longer matter are swept as the maps are used, so a flood of distinct keys does not grow
//! them without bound.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::domain::rate_limit::{Limit, Lockout, Window};
use crate::error::AppError;
use crate::settings::LimitSettings;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ChatStartIp,
    ChatStartVisitor,
    UploadChat,
    UploadIp,
    OfflineFormIp,
    InvitationCodeIp,
    LoginIp,
    LoginUsername,
}

impl Kind {
    fn limit(self, settings: &LimitSettings) -> Limit {
        match self {
            Kind::ChatStartIp => settings.chat_starts_per_ip,
            Kind::ChatStartVisitor => settings.chat_starts_per_visitor,
            Kind::UploadChat => settings.uploads_per_chat,
            Kind::UploadIp => settings.uploads_per_ip,
            Kind::OfflineFormIp => settings.offline_forms_per_ip,
            Kind::InvitationCodeIp => settings.invitation_codes_per_ip,
            Kind::LoginIp => settings.logins_per_ip,
            Kind::LoginUsername => settings.logins_per_username,
        }
    }
}

const SHARDS: usize = 16;
/// A shard is swept of expired windows every this many new keys.
const SWEEP_EVERY: u32 = 1024;

#[derive(Default)]
struct Shard {
    windows: HashMap<(Kind, String), Window>,
    inserted: u32,
}

/// Open sockets per IP address, shared with the slots that give them back.
type SocketCounts = Arc<Mutex<HashMap<IpAddr, u32>>>;

pub struct Limits {
    settings: LimitSettings,
    started: Instant,
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Mutex<Shard>>,
    lockouts: Mutex<HashMap<String, Lockout>>,
    sockets: SocketCounts,
}

/// A lock that a panicking holder poisoned still guards plain counters: take it anyway.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Limits {
        Limits {
            settings,
            started: Instant::now(),
            hasher: std::collections::hash_map::RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            lockouts: Mutex::default(),
            sockets: Arc::default(),
        }
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// Milliseconds on a monotonic clock (a changed wall clock neither opens nor shuts windows).
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Whether requests from `ip` are not limited at all (`limits.exempt_loopback`).
    pub fn exempt(&self, ip: IpAddr) -> bool {
        self.settings.exempt_loopback && ip.is_loopback()
    }

    /// Counts one request of `kind` by `key`, or refuses it with `rate_limited`.
    pub fn hit(&self, kind: Kind, key: &str) -> Result<(), AppError> {
        let limit = kind.limit(&self.settings);
        if limit.unlimited() {
            return Ok(());
        }
        let now = self.now_ms();
        let index = (self.hasher.hash_one((kind, key)) % SHARDS as u64) as usize;
        let mut shard = lock(&self.shards[index]);
        let entry_key = (kind, key.to_owned());
        if !shard.windows.contains_key(&entry_key) {
            shard.inserted += 1;
            if shard.inserted >= SWEEP_EVERY {
                shard.inserted = 0;
                let settings = &self.settings;
                shard
                    .windows
                    .retain(|(kind, _), window| !window.expired(now, kind.limit(settings)));
            }
        }
        let window = shard.windows.entry(entry_key).or_default();
        window
            .hit(now, limit)
            .map_err(|retry| AppError::RateLimited {
                retry_after_ms: retry.0,
            })
    }

    /// The name a login lockout is kept under: as typed, case-folded, at most 64 characters.
    fn login_key(username: &str) -> String {
        username.trim().to_lowercase().chars().take(64).collect()
    }

    /// Refuses a login of `username` while it is locked (whether or not it exists).
    pub fn login_allowed(&self, username: &str) -> Result<(), AppError> {
        let lockouts = lock(&self.lockouts);
        match lockouts.get(&Self::login_key(username)) {
            Some(lockout) => lockout
                .check(self.now_ms())
                .map_err(|retry| AppError::LoginLocked {
                    retry_after_ms: retry.0,
                }),
            None => Ok(()),
        }
    }

    /// A wrong password (or unknown username): counts towards the lockout.
    pub fn login_failed(&self, username: &str) {
        let policy = self.settings.login_lockout;
        let now = self.now_ms();
        let mut lockouts = lock(&self.lockouts);
        if lockouts.len() >= SWEEP_EVERY as usize {
            lockouts.retain(|_, lockout| !lockout.forgettable(now, policy));
        }
        lockouts
            .entry(Self::login_key(username))
            .or_default()
            .fail(now, policy);
    }

    /// A successful login forgets the username's failures and lockouts.
    pub fn login_succeeded(&self, username: &str) {
        lock(&self.lockouts).remove(&Self::login_key(username));
    }

    /// A place for one more open socket of `ip`, given back when the slot is dropped; refused
    /// with `rate_limited` when `ip` holds `sockets_per_ip` already.
    pub fn socket_slot(&self, ip: IpAddr) -> Result<SocketSlot, AppError> {
        let max = self.settings.sockets_per_ip;
        if max == 0 || self.exempt(ip) {
            return Ok(SocketSlot { held: None });
        }
        let mut sockets = lock(&self.sockets);
        let open = sockets.entry(ip).or_insert(0);
        if *open >= max {
            return Err(AppError::TooManySockets);
        }
        *open += 1;
        Ok(SocketSlot {
            held: Some((self.sockets.clone(), ip)),
        })
    }

    /// Open sockets counted for `ip` (for tests and the monitor).
    pub fn open_sockets(&self, ip: IpAddr) -> u32 {
        lock(&self.sockets).get(&ip).copied().unwrap_or(0)
    }
}

/// One counted open socket; the count goes down when the socket (which owns this) is gone.
pub struct SocketSlot {
    held: Option<(SocketCounts, IpAddr)>,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Some((sockets, ip)) = self.held.take() {
            let mut sockets = lock(&sockets);
            if let Some(open) = sockets.get_mut(&ip) {
                *open = open.saturating_sub(1);
                if *open == 0 {
                    sockets.remove(&ip);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn limits(tweak: impl FnOnce(&mut LimitSettings)) -> Limits {
        let mut settings = Settings::load_with(
            None,
            config::Environment::with_prefix("PARLEY_UNIT_NOTHING"),
        )
        .expect("defaults")
        .limits;
        tweak(&mut settings);
        Limits::new(settings)
    }

    #[test]
    fn keys_and_kinds_are_counted_apart() {
        let limits = limits(|s| {
            s.logins_per_ip = Limit {
                max: 2,
                window_ms: 60_000,
            }
        });
        assert!(limits.hit(Kind::LoginIp, "10.0.0.1").is_ok());
        assert!(limits.hit(Kind::LoginIp, "10.0.0.1").is_ok());
        let refused = limits.hit(Kind::LoginIp, "10.0.0.1").unwrap_err();
        assert_eq!(refused.code(), "rate_limited");
        assert!(refused.retry_after_ms().is_some_and(|ms| ms > 0));
        assert!(limits.hit(Kind::LoginIp, "10.0.0.2").is_ok());
        assert!(limits.hit(Kind::UploadIp, "10.0.0.1").is_ok());
    }

    #[test]
    fn socket_slots_are_given_back_when_dropped() {
        let limits = limits(|s| s.sockets_per_ip = 2);
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        let first = limits.socket_slot(ip).unwrap();
        let _second = limits.socket_slot(ip).unwrap();
        assert!(limits.socket_slot(ip).is_err());
        drop(first);
        assert_eq!(limits.open_sockets(ip), 1);
        assert!(limits.socket_slot(ip).is_ok());
    }

    #[test]
    fn loopback_is_exempt_only_when_configured() {
        let strict = limits(|s| s.sockets_per_ip = 1);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let _held = strict.socket_slot(local).unwrap();
        assert!(strict.socket_slot(local).is_err());
        let relaxed = limits(|s| {
            s.sockets_per_ip = 1;
            s.exempt_loopback = true;
        });
        let _a = relaxed.socket_slot(local).unwrap();
        assert!(relaxed.socket_slot(local).is_ok());
    }

    #[test]
    fn a_login_lockout_names_no_user_and_a_success_resets_it() {
        let limits = limits(|s| s.login_lockout.failures = 2);
        for _ in 0..2 {
            assert!(limits.login_allowed("Nobody").is_ok());
            limits.login_failed("Nobody");
        }
        let refused = limits.login_allowed("nobody").unwrap_err();
        assert_eq!(refused.code(), "login_locked");
        limits.login_succeeded("NOBODY");
        assert!(limits.login_allowed("nobody").is_ok());
    }
}
