//! The open-loop schedule both the engine runs and the echo baseline follow: message `g` of a
//! run is meant to go at start + g / rate, whatever happened to the ones before.

use std::time::{Duration, Instant};

use actix_web::rt;

pub struct Schedule {
    start: Instant,
    period: Duration,
}

impl Schedule {
    /// `rate` messages per second, the first shortly from now.
    pub fn new(rate: u32) -> Schedule {
        Schedule {
            start: Instant::now() + Duration::from_millis(20),
            period: Duration::from_secs_f64(1.0 / f64::from(rate.max(1))),
        }
    }

    /// Time since the schedule's first message was due.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Waits until message `g` is due and returns when it was meant to go, and whether the
    /// sender is more than 1 ms late for it (then it goes at once: latency still counts from
    /// the intended time).
    pub async fn due(&self, g: u64) -> (Instant, bool) {
        let intended = self.start + self.period.mul_f64(g as f64);
        let now = Instant::now();
        if intended > now + Duration::from_micros(500) {
            rt::time::sleep_until(intended.into()).await;
        }
        (intended, now > intended + Duration::from_millis(1))
    }
}
