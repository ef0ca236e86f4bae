//! Issue 10: the engine's metrics in the Prometheus text format, served at `/metrics`.
//!
//! What moves on the hot path (sockets, messages, offers, latencies) lives in one static
//! registry of atomics updated with relaxed ordering: no lock, no allocation per message. What
//! is cheap to look up when scraped (chats by state, queue depth and longest wait, the mail
//! outbox) is read from the store at scrape time and handed to [`render`] as a [`Snapshot`].
//!
//! The registry is process-wide, like the process it describes: several engines in one process
//! (the tests) add to the same counters.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// A number that only goes up.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// A number that goes up and down.
#[derive(Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub const fn new() -> Gauge {
        Gauge(AtomicI64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

/// The upper bounds of the latency buckets, in microseconds (0.25 ms to 5 s).
const BOUNDS_US: [u64; 14] = [
    250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000,
];

/// A latency histogram with fixed buckets; each observation adds to one bucket (the text
/// format's cumulative counts are summed when rendered).
pub struct Histogram {
    buckets: [AtomicU64; BOUNDS_US.len()],
    /// Observations above the last bound (only in `+Inf`).
    over: AtomicU64,
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: AtomicU64 = AtomicU64::new(0);

    pub const fn new() -> Histogram {
        Histogram {
            buckets: [Self::ZERO; BOUNDS_US.len()],
            over: AtomicU64::new(0),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, elapsed: Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        match BOUNDS_US.iter().position(|bound| us <= *bound) {
            Some(i) => self.buckets[i].fetch_add(1, Relaxed),
            None => self.over.fetch_add(1, Relaxed),
        };
        self.sum_us.fetch_add(us, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Relaxed)
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, bucket) in BOUNDS_US.iter().zip(&self.buckets) {
            cumulative += bucket.load(Relaxed);
            let le = *bound as f64 / 1_000_000.0;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        cumulative += self.over.load(Relaxed);
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.sum_us.load(Relaxed) as f64 / 1_000_000.0;
        let braces = |s: &str| match s {
            "" => String::new(),
            s => format!("{{{s}}}"),
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count());
    }
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

/// The kinds of WebSocket the engine serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// A visitor in a chat.
    Visitor,
    /// A widget watching its website before a chat (R5).
    Website,
    /// An agent's dashboard.
    Agent,
    /// A supervisor's live monitor.
    Monitor,
}

impl SocketKind {
    const ALL: [SocketKind; 4] = [
        SocketKind::Visitor,
        SocketKind::Website,
        SocketKind::Agent,
        SocketKind::Monitor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SocketKind::Visitor => "visitor",
            SocketKind::Website => "website",
            SocketKind::Agent => "agent",
            SocketKind::Monitor => "monitor",
        }
    }
}

/// Counts a socket as open for as long as it lives (kept in the socket's actor).
pub struct OpenSocket(SocketKind);

impl OpenSocket {
    pub fn new(kind: SocketKind) -> OpenSocket {
        METRICS.sockets[kind as usize].inc();
        OpenSocket(kind)
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        METRICS.sockets[self.0 as usize].dec();
    }
}

/// The routing steps counted as offer outcomes, as the queue records them (R18–R21).
const OFFER_STEPS: [&str; 6] = [
    "offered",
    "accepted",
    "rejected",
    "expired",
    "withdrawn",
    "refused",
];

/// Which store call a latency was measured on.
#[derive(Debug, Clone, Copy)]
pub enum StoreOp {
    /// A query on the pool (`Db::run`).
    Run,
    /// A hot-path write (`Db::write`: the SQLite writer's group commit, or a pool transaction).
    Write,
}

/// Everything counted as it happens.
pub struct Metrics {
    sockets: [Gauge; 4],
    /// Chat messages stored and published.
    pub messages: Counter,
    offers: [Counter; OFFER_STEPS.len()],
    /// From a message reaching its chat to its publication after the commit.
    pub message_latency: Histogram,
    store_latency: [Histogram; 2],
    /// Sockets closed because their outbound queue was full (a client too slow to read).
    pub slow_consumers: Counter,
    /// Writes waiting in the SQLite writer's queue (its mailbox) for the next batch.
    pub writer_queue: Gauge,
}

impl Metrics {
    #[allow(clippy::declare_interior_mutable_const)]
    const GAUGE: Gauge = Gauge::new();
    #[allow(clippy::declare_interior_mutable_const)]
    const COUNTER: Counter = Counter::new();
    #[allow(clippy::declare_interior_mutable_const)]
    const HISTOGRAM: Histogram = Histogram::new();

    pub const fn new() -> Metrics {
        Metrics {
            sockets: [Self::GAUGE; 4],
            messages: Counter::new(),
            offers: [Self::COUNTER; OFFER_STEPS.len()],
            message_latency: Histogram::new(),
            store_latency: [Self::HISTOGRAM; 2],
            slow_consumers: Counter::new(),
            writer_queue: Gauge::new(),
        }
    }

    /// Counts a routing step if it is an offer outcome; other steps are ignored.
    pub fn offer_step(&self, step: &str) {
        if let Some(i) = OFFER_STEPS.iter().position(|s| *s == step) {
            self.offers[i].inc();
        }
    }

    pub fn store_latency(&self, op: StoreOp, elapsed: Duration) {
        self.store_latency[op as usize].observe(elapsed);
    }

    pub fn open_sockets(&self, kind: SocketKind) -> i64 {
        self.sockets[kind as usize].get()
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// The one registry of the process.
pub static METRICS: Metrics = Metrics::new();

/// One queue's waiting chats, read at scrape time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDepth {
    pub queue_id: i64,
    pub name: String,
    pub waiting: i64,
    /// How long the chat waiting longest has waited; 0 when none waits.
    pub longest_wait_ms: i64,
}

/// What is read from the engine and the store when `/metrics` is scraped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Open chats by state (`queued`, `active`).
    pub chats_by_state: Vec<(&'static str, i64)>,
    pub queues: Vec<QueueDepth>,
    /// Mail not yet sent (waiting or being retried).
    pub outbox_unsent: i64,
    /// Chat actors in memory (open chats, and ended ones loaded for their history).
    pub live_chat_actors: usize,
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn label_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The whole exposition, in the Prometheus text format (version 0.0.4).
pub fn render(metrics: &Metrics, snapshot: &Snapshot) -> String {
    let mut out = String::with_capacity(8 * 1024);
    header(
        &mut out,
        "parley_sockets_open",
        "gauge",
        "Open WebSockets by kind.",
    );
    for kind in SocketKind::ALL {
        let _ = writeln!(
            out,
            "parley_sockets_open{{kind=\"{}\"}} {}",
            kind.as_str(),
            metrics.open_sockets(kind)
        );
    }
    header(&mut out, "parley_chats", "gauge", "Open chats by state.");
    for (state, count) in &snapshot.chats_by_state {
        let _ = writeln!(out, "parley_chats{{state=\"{state}\"}} {count}");
    }
    header(
        &mut out,
        "parley_live_chat_actors",
        "gauge",
        "Chat actors in memory.",
    );
    let _ = writeln!(out, "parley_live_chat_actors {}", snapshot.live_chat_actors);
    header(
        &mut out,
        "parley_queue_waiting",
        "gauge",
        "Chats waiting in each queue.",
    );
    for q in &snapshot.queues {
        let _ = writeln!(
            out,
            "parley_queue_waiting{{queue_id=\"{}\",queue=\"{}\"}} {}",
            q.queue_id,
            label_value(&q.name),
            q.waiting
        );
    }
    header(
        &mut out,
        "parley_queue_longest_wait_seconds",
        "gauge",
        "How long the chat waiting longest in each queue has waited.",
    );
    for q in &snapshot.queues {
        let _ = writeln!(
            out,
            "parley_queue_longest_wait_seconds{{queue_id=\"{}\",queue=\"{}\"}} {}",
            q.queue_id,
            label_value(&q.name),
            q.longest_wait_ms as f64 / 1000.0
        );
    }
    header(
        &mut out,
        "parley_messages_total",
        "counter",
        "Chat messages stored and published.",
    );
    let _ = writeln!(out, "parley_messages_total {}", metrics.messages.get());
    header(
        &mut out,
        "parley_offers_total",
        "counter",
        "Offers made to agents, and how they ended.",
    );
    for (step, counter) in OFFER_STEPS.iter().zip(&metrics.offers) {
        let _ = writeln!(
            out,
            "parley_offers_total{{outcome=\"{step}\"}} {}",
            counter.get()
        );
    }
    header(
        &mut out,
        "parley_message_latency_seconds",
        "histogram",
        "From a message reaching its chat to its publication after the commit.",
    );
    metrics
        .message_latency
        .render(&mut out, "parley_message_latency_seconds", "");
    header(
        &mut out,
        "parley_store_latency_seconds",
        "histogram",
        "Store calls: queries on the pool (run) and hot-path writes (write).",
    );
    for (op, histogram) in ["run", "write"].iter().zip(&metrics.store_latency) {
        histogram.render(
            &mut out,
            "parley_store_latency_seconds",
            &format!("op=\"{op}\""),
        );
    }
    header(
        &mut out,
        "parley_mail_outbox_unsent",
        "gauge",
        "Mails in the outbox not yet sent.",
    );
    let _ = writeln!(out, "parley_mail_outbox_unsent {}", snapshot.outbox_unsent);
    header(
        &mut out,
        "parley_slow_consumers_total",
        "counter",
        "Sockets closed because their bounded outbound queue was full.",
    );
    let _ = writeln!(
        out,
        "parley_slow_consumers_total {}",
        metrics.slow_consumers.get()
    );
    header(
        &mut out,
        "parley_store_writer_queue",
        "gauge",
        "Writes waiting for the SQLite writer's next group commit (always 0 on PostgreSQL).",
    );
    let _ = writeln!(
        out,
        "parley_store_writer_queue {}",
        metrics.writer_queue.get()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_renders_cumulative_buckets_sum_and_count() {
        let h = Histogram::new();
        h.observe(Duration::from_micros(100));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(10));
        let mut out = String::new();
        h.render(&mut out, "x_seconds", "op=\"w\"");
        assert!(out.contains("x_seconds_bucket{op=\"w\",le=\"0.00025\"} 1\n"));
        assert!(out.contains("x_seconds_bucket{op=\"w\",le=\"0.0025\"} 1\n"));
        assert!(out.contains("x_seconds_bucket{op=\"w\",le=\"0.005\"} 2\n"));
        assert!(out.contains("x_seconds_bucket{op=\"w\",le=\"5\"} 2\n"));
        assert!(out.contains("x_seconds_bucket{op=\"w\",le=\"+Inf\"} 3\n"));
        assert!(out.contains("x_seconds_sum{op=\"w\"} 10.0031\n"));
        assert!(out.contains("x_seconds_count{op=\"w\"} 3\n"));
    }

    #[test]
    fn a_histogram_without_labels_has_bare_sum_and_count() {
        let h = Histogram::new();
        h.observe(Duration::from_millis(1));
        let mut out = String::new();
        h.render(&mut out, "y", "");
        assert!(out.contains("y_bucket{le=\"0.001\"} 1\n"));
        assert!(out.contains("y_sum 0.001\n"));
        assert!(out.contains("y_count 1\n"));
    }

    #[test]
    fn the_exposition_names_every_family_and_escapes_labels() {
        let metrics = Metrics::new();
        metrics.messages.inc();
        metrics.offer_step("accepted");
        metrics.offer_step("picked");
        let _socket = OpenSocket::new(SocketKind::Agent);
        let snapshot = Snapshot {
            chats_by_state: vec![("queued", 2), ("active", 1)],
            queues: vec![QueueDepth {
                queue_id: 7,
                name: "Sales \"EU\"\\x\n".to_owned(),
                waiting: 2,
                longest_wait_ms: 1500,
            }],
            outbox_unsent: 4,
            live_chat_actors: 3,
        };
        let text = render(&metrics, &snapshot);
        assert!(text.contains("# TYPE parley_sockets_open gauge\n"));
        assert!(text.contains("parley_chats{state=\"queued\"} 2\n"));
        assert!(text.contains(
            "parley_queue_waiting{queue_id=\"7\",queue=\"Sales \\\"EU\\\"\\\\x\\n\"} 2\n"
        ));
        assert!(text.contains("parley_queue_longest_wait_seconds{queue_id=\"7\""));
        assert!(text.contains("} 1.5\n"));
        assert!(text.contains("parley_messages_total 1\n"));
        assert!(text.contains("parley_offers_total{outcome=\"accepted\"} 1\n"));
        assert!(text.contains("parley_offers_total{outcome=\"offered\"} 0\n"));
        assert!(text.contains("parley_mail_outbox_unsent 4\n"));
        assert!(text.contains("# TYPE parley_store_writer_queue gauge\n"));
        assert!(text.contains("# TYPE parley_message_latency_seconds histogram\n"));
        assert!(text.contains("parley_store_latency_seconds_count{op=\"write\"} 0\n"));
        // Every line is a comment or `name{labels} value`.
        for line in text.lines() {
            assert!(
                line.starts_with('#') || line.split(' ').count() >= 2,
                "{line}"
            );
        }
    }

    #[test]
    fn an_open_socket_counts_until_dropped() {
        let before = METRICS.open_sockets(SocketKind::Monitor);
        let socket = OpenSocket::new(SocketKind::Monitor);
        assert_eq!(METRICS.open_sockets(SocketKind::Monitor), before + 1);
        drop(socket);
        assert_eq!(METRICS.open_sockets(SocketKind::Monitor), before);
    }
}
