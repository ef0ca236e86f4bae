//! A high-dynamic-range histogram of microseconds: log-linear buckets (128 per power of two),
//! so every recorded value is kept within 1 % from 1 µs to hours, in a few kilobytes, and
//! percentiles are read without sorting samples.

use serde_json::{json, Value};

/// Sub-buckets per power of two: 2^7, a relative error below 1/128.
const SUB_BITS: u32 = 7;
const SUB_COUNT: u64 = 1 << SUB_BITS;

#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            // Values below SUB_COUNT get a bucket each; then SUB_COUNT per power of two up to 2^64.
            counts: vec![0; (SUB_COUNT as usize) * (64 - SUB_BITS as usize + 1)],
            total: 0,
            max: 0,
        }
    }
}

impl Histogram {
    pub fn record(&mut self, micros: u64) {
        self.counts[index_of(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    pub fn len(&self) -> u64 {
        self.total
    }

    /// The smallest recorded value (to the bucket's upper bound) at or below which `quantile`
    /// of the values lie; 0 when nothing was recorded.
    pub fn percentile(&self, quantile: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((quantile * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return upper_bound_of(index).min(self.max);
            }
        }
        self.max
    }

    /// The report's summary, in milliseconds with microsecond precision.
    pub fn summary(&self) -> Value {
        let ms = |micros: u64| micros as f64 / 1000.0;
        json!({
            "count": self.total,
            "p50_ms": ms(self.percentile(0.50)),
            "p90_ms": ms(self.percentile(0.90)),
            "p99_ms": ms(self.percentile(0.99)),
            "p999_ms": ms(self.percentile(0.999)),
            "max_ms": ms(self.max),
        })
    }
}

fn index_of(value: u64) -> usize {
    if value < SUB_COUNT {
        return value as usize;
    }
    let magnitude = 63 - value.leading_zeros(); // ≥ SUB_BITS
    let shift = magnitude - SUB_BITS;
    let sub = (value >> shift) - SUB_COUNT; // 0..SUB_COUNT
    (SUB_COUNT as usize) * (shift as usize + 1) + sub as usize
}

/// The largest value that falls into bucket `index`.
fn upper_bound_of(index: usize) -> u64 {
    let sub_count = SUB_COUNT as usize;
    if index < sub_count {
        return index as u64;
    }
    let shift = (index / sub_count - 1) as u32;
    let sub = (index % sub_count) as u64 + SUB_COUNT;
    ((sub + 1) << shift).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_and_large_ones_within_one_percent() {
        for value in [
            0,
            1,
            127,
            128,
            129,
            1_000,
            15_000,
            123_456_789,
            u64::MAX / 3,
        ] {
            let bound = upper_bound_of(index_of(value));
            assert!(bound >= value, "{value}: {bound}");
            assert!(
                (bound - value) as f64 <= value as f64 / 128.0,
                "{value}: {bound}"
            );
        }
    }

    #[test]
    fn percentiles_follow_the_ranks() {
        let mut histogram = Histogram::default();
        for micros in 1..=1000 {
            histogram.record(micros);
        }
        let p50 = histogram.percentile(0.5);
        assert!((500..=504).contains(&p50), "{p50}");
        let p99 = histogram.percentile(0.99);
        assert!((990..=998).contains(&p99), "{p99}");
        assert_eq!(histogram.percentile(1.0), 1000);
        assert_eq!(Histogram::default().percentile(0.99), 0);
    }
}
