//! Issue 10, abuse limits: how many requests of one kind one key (an IP address, a visitor,
//! a chat, a username) may make in a window, and the login lockout with backoff. Pure rules:
//! the time is an argument, so the tests drive a clock of their own.

use serde::Deserialize;

/// At most `max` requests per `window_ms`; `max = 0` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Limit {
    pub max: u32,
    pub window_ms: u64,
}

impl Limit {
    pub fn unlimited(&self) -> bool {
        self.max == 0 || self.window_ms == 0
    }
}

/// A refusal: how long until the request would be accepted, in milliseconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RetryAfter {
    /// For the `Retry-After` header, which counts whole seconds: rounded up, at least 1.
    pub fn seconds(&self) -> u64 {
        self.0.div_ceil(1000).max(1)
    }
}

/// A fixed window: the count of requests since `start_ms`; a new window starts with the first
/// request after the old one ended. One counter per key, so cheap to keep for many keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    start_ms: u64,
    count: u32,
}

impl Window {
    /// Counts a request made at `now_ms`, or refuses it (not counted) while the window is full.
    pub fn hit(&mut self, now_ms: u64, limit: Limit) -> Result<(), RetryAfter> {
        if limit.unlimited() {
            return Ok(());
        }
        if self.count == 0 || now_ms >= self.start_ms.saturating_add(limit.window_ms) {
            *self = Window {
                start_ms: now_ms,
                count: 0,
            };
        }
        if self.count >= limit.max {
            let ends = self.start_ms.saturating_add(limit.window_ms);
            return Err(RetryAfter(ends.saturating_sub(now_ms).max(1)));
        }
        self.count += 1;
        Ok(())
    }

    /// Whether the window no longer holds anything at `now_ms` (the key may be forgotten).
    pub fn expired(&self, now_ms: u64, limit: Limit) -> bool {
        self.count == 0 || now_ms >= self.start_ms.saturating_add(limit.window_ms)
    }
}

/// The login lockout: after `failures` wrong passwords in a row for one username, further
/// logins of that username are refused for `base_ms`; each further lockout (a failure right
/// after one ended) doubles that, up to `max_ms`. `failures = 0` switches it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct LockoutPolicy {
    pub failures: u32,
    pub base_ms: u64,
    pub max_ms: u64,
}

/// One username's failed logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lockout {
    /// Failures since the last lockout (or success).
    failures: u32,
    /// Lockouts in a row without a success in between: the backoff's exponent.
    lockouts: u32,
    locked_until_ms: u64,
}

impl Lockout {
    /// Refuses a login attempt at `now_ms` while locked.
    pub fn check(&self, now_ms: u64) -> Result<(), RetryAfter> {
        if now_ms < self.locked_until_ms {
            Err(RetryAfter(self.locked_until_ms - now_ms))
        } else {
            Ok(())
        }
    }

    /// A wrong password at `now_ms`; locks when the policy's count is reached.
    pub fn fail(&mut self, now_ms: u64, policy: LockoutPolicy) {
        if policy.failures == 0 {
            return;
        }
        self.failures += 1;
        // After a lockout, one more failure locks again, for twice as long.
        let threshold = if self.lockouts == 0 {
            policy.failures
        } else {
            1
        };
        if self.failures >= threshold {
            let factor = 1u64.checked_shl(self.lockouts.min(32)).unwrap_or(u64::MAX);
            let length = policy.base_ms.saturating_mul(factor).min(policy.max_ms);
            self.locked_until_ms = now_ms.saturating_add(length);
            self.lockouts = self.lockouts.saturating_add(1);
            self.failures = 0;
        }
    }

    /// Whether nothing is remembered that matters at `now_ms`: no failure counted and the
    /// last lockout ended at least `max_ms` ago (so the backoff starts afresh).
    pub fn forgettable(&self, now_ms: u64, policy: LockoutPolicy) -> bool {
        self.failures == 0 && now_ms >= self.locked_until_ms.saturating_add(policy.max_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_PER_SECOND: Limit = Limit {
        max: 10,
        window_ms: 1000,
    };

    #[test]
    fn the_eleventh_request_in_a_window_is_refused_until_it_ends() {
        let mut window = Window::default();
        for i in 0..10 {
            assert_eq!(window.hit(5_000 + i * 10, TEN_PER_SECOND), Ok(()));
        }
        assert_eq!(window.hit(5_400, TEN_PER_SECOND), Err(RetryAfter(600)));
        assert_eq!(window.hit(5_999, TEN_PER_SECOND), Err(RetryAfter(1)));
        // The window reopens.
        assert_eq!(window.hit(6_000, TEN_PER_SECOND), Ok(()));
        assert!(!window.expired(6_500, TEN_PER_SECOND));
        assert!(window.expired(7_000, TEN_PER_SECOND));
    }

    #[test]
    fn zero_means_no_limit() {
        let mut window = Window::default();
        let off = Limit {
            max: 0,
            window_ms: 1000,
        };
        for _ in 0..1000 {
            assert_eq!(window.hit(1, off), Ok(()));
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(RetryAfter(1).seconds(), 1);
        assert_eq!(RetryAfter(1000).seconds(), 1);
        assert_eq!(RetryAfter(1001).seconds(), 2);
    }

    const POLICY: LockoutPolicy = LockoutPolicy {
        failures: 3,
        base_ms: 1000,
        max_ms: 3500,
    };

    #[test]
    fn failures_lock_and_the_lock_doubles_up_to_the_maximum() {
        let mut lock = Lockout::default();
        lock.fail(0, POLICY);
        lock.fail(0, POLICY);
        assert_eq!(lock.check(0), Ok(()));
        lock.fail(10, POLICY);
        assert_eq!(lock.check(10), Err(RetryAfter(1000)));
        assert_eq!(lock.check(1010), Ok(()));
        // One more failure after the lock locks again, twice as long...
        lock.fail(1010, POLICY);
        assert_eq!(lock.check(1010), Err(RetryAfter(2000)));
        // ...then no longer than the maximum.
        lock.fail(3010, POLICY);
        assert_eq!(lock.check(3010), Err(RetryAfter(3500)));
        lock.fail(6510, POLICY);
        assert_eq!(lock.check(6510), Err(RetryAfter(3500)));
        assert!(!lock.forgettable(10_010, POLICY));
        assert!(lock.forgettable(13_510, POLICY));
    }

    #[test]
    fn a_zero_failure_count_never_locks() {
        let mut lock = Lockout::default();
        let off = LockoutPolicy {
            failures: 0,
            ..POLICY
        };
        for _ in 0..100 {
            lock.fail(0, off);
        }
        assert_eq!(lock.check(0), Ok(()));
    }
}
