//! Settings, in layers: the documented defaults in `config/default.toml` (built into the
//! binary), an optional file named on the command line, then `CHAT__SECTION__KEY` variables.

use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

use crate::domain::queue::Strategy;
use crate::domain::rate_limit::{Limit, LockoutPolicy};
use crate::domain::wrap_up::NextPresence;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub engine: EngineSettings,
    pub realtime: RealtimeSettings,
    pub routing: RoutingSettings,
    pub chats: ChatSettings,
    pub invitations: InvitationSettings,
    pub presence: PresenceSettings,
    pub wrap_up: WrapUpSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub uploads: UploadSettings,
    pub attachments: AttachmentSettings,
    pub demo: DemoSettings,
    pub log: LogSettings,
    pub monitor: MonitorSettings,
    pub limits: LimitSettings,
    pub metrics: MetricsSettings,
    pub retention: RetentionSettings,
    pub cluster: ClusterSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    /// Where visitors reach the engine, for links it hands out; empty: from each request.
    pub public_url: String,
    /// Issue 10: peers (reverse proxies) whose `X-Forwarded-For` names the client; from any
    /// other peer the header is ignored and the peer's address is the client's.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Issue 10: after SIGTERM or SIGINT, the engine keeps answering `/readyz` with 503
    /// `shutting_down` (and refusing new sockets and chats) at least this long, so a load
    /// balancer takes it out of rotation; it is also the `reconnect_after_ms` clients are told.
    pub drain_ms: u64,
    /// Issue 10: the most a graceful stop takes, from the signal to the exit; what is not done
    /// by then (a socket still waiting for an answer, a mail still being sent) is cut off.
    pub shutdown_timeout_ms: u64,
}

impl ServerSettings {
    /// Whether visitors and users reach the engine over TLS, as `public_url` says.
    pub fn served_over_tls(&self) -> bool {
        self.public_url
            .trim()
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }
}

/// Issue 10: abuse limits. Every limit is `{ max, window_ms }` (`max = 0`: no limit), counted
/// per key in memory by this engine process (`crate::limits`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// Requests from a loopback peer (127.0.0.1, ::1) are not limited: for the load generator
    /// and local tests, never for production behind a proxy (see `trusted_proxies`).
    pub exempt_loopback: bool,
    pub chat_starts_per_ip: Limit,
    pub chat_starts_per_visitor: Limit,
    pub messages_per_chat: Limit,
    pub uploads_per_chat: Limit,
    pub uploads_per_ip: Limit,
    pub offline_forms_per_ip: Limit,
    pub invitation_codes_per_ip: Limit,
    pub logins_per_ip: Limit,
    pub logins_per_username: Limit,
    /// Open visitor and website sockets one IP address may hold; 0 = no limit.
    pub sockets_per_ip: u32,
    pub login_lockout: LockoutPolicy,
}

/// `Debug` hides the password a PostgreSQL URL may hold (issue 10).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_ms: u64,
    /// The most writes the store's writer commits in one transaction (group commit).
    pub write_batch_max: usize,
    /// SQLite only: `synchronous = FULL` (a commit survives a power cut) instead of `NORMAL`
    /// (a commit survives a crash of the engine or the OS, not a power cut).
    pub sqlite_synchronous_full: bool,
    /// Issue 11: set by the cluster's leader, never read from the settings: the lease epoch
    /// its connections stamp their writes with, so that PostgreSQL refuses them once another
    /// node holds the lease (`cluster::lease`).
    #[serde(skip)]
    pub fence_epoch: Option<i64>,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redacted_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("write_batch_max", &self.write_batch_max)
            .field("sqlite_synchronous_full", &self.sqlite_synchronous_full)
            .finish()
    }
}

/// Issue 11: cluster mode (`crate::cluster`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    pub enabled: bool,
    pub name: String,
    pub node_id: String,
    pub nats_url: String,
    pub lease_ttl_ms: u64,
    pub lease_renew_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    pub arbiters: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealtimeSettings {
    pub heartbeat_interval_ms: u64,
    pub client_timeout_ms: u64,
    pub outbound_queue_len: usize,
    pub max_frame_bytes: usize,
    pub replay_batch: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    pub offer_timeout_ms: i64,
    pub hunt_timeout_ms: i64,
    pub strategy: Strategy,
    /// R34: how many waiting chats a `waiting_list` frame lists (the first in line); the
    /// frame's `total` counts them all.
    pub waiting_list_limit: usize,
    /// R34: the shortest time between two `waiting_list` frames of one queue. A quiet queue
    /// tells its members at once; a busy one sends its newest list at most this often.
    pub waiting_list_interval_ms: u64,
}

/// R66, R78, R80, R86: how long chats stay open, and how long their visitors may still act
/// after the end.
/// Issue 9: the supervisors' live monitor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSettings {
    /// The shortest time between two looks at the engine, so between two `monitor_changes`
    /// frames: a burst of events in between reaches supervisors as one frame.
    pub interval_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    /// R66, R80: an active chat nobody wrote in for this long ends with `timeout`; 0 = never.
    pub unattended_timeout_ms: i64,
    /// R78: how long after an unmanaged end the visitor may leave a message.
    pub leave_message_window_ms: i64,
    /// R86: how long after the end the visitor may ask for the transcript.
    pub transcript_window_ms: i64,
    /// R49: how long the visitor may be without a socket before the chat's agents are told
    /// it left (a reload or a network blip is not leaving).
    pub visitor_connection_grace_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationSettings {
    pub default_validity_minutes: i64,
    pub max_validity_minutes: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceSettings {
    pub grace_ms: i64,
}

/// R50, R51, R56, A6: the wrap-up an agent owes after a chat.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapUpSettings {
    /// Off: no wrap-up is asked for, and an ended chat frees its slot at once.
    pub enabled: bool,
    /// R51: the default reason is applied this long after the wrap-up was asked for; 0 = no
    /// countdown. A queue may set its own (R56).
    pub auto_after_ms: i64,
    /// An owed wrap-up counts against the agent's capacity, so no new chat fills the slot.
    pub holds_capacity: bool,
    /// A6: the agent's presence after its last owed wrap-up.
    pub next_presence: NextPresence,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_ttl_secs: i64,
    pub cookie_secure: bool,
}

/// `Debug` is written by hand so that the SMTP password never reaches a log (issue 10).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    /// How the connection to the SMTP server is secured.
    pub security: MailSecurity,
    /// SMTP AUTH; both empty: no authentication.
    pub username: String,
    pub password: String,
    pub from: String,
    pub timeout_ms: u64,
    pub poll_interval_ms: u64,
    pub retry_base_ms: i64,
    pub retry_max_ms: i64,
    pub max_attempts: i32,
    /// R64: files of an offline message are attached to its mails while their total stays
    /// within this; the others are named in a note.
    pub max_attachment_bytes: usize,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let password = redacted(&self.password);
        f.debug_struct("MailSettings")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &password)
            .field("from", &self.from)
            .field("timeout_ms", &self.timeout_ms)
            .field("poll_interval_ms", &self.poll_interval_ms)
            .field("retry_base_ms", &self.retry_base_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .field("max_attempts", &self.max_attempts)
            .field("max_attachment_bytes", &self.max_attachment_bytes)
            .finish()
    }
}

/// What `Debug` shows of a secret: whether it is set, never its value.
fn redacted(secret: &str) -> &'static str {
    if secret.is_empty() {
        ""
    } else {
        "[redacted]"
    }
}

/// A database URL with the password of its user part (`postgres://user:pass@host`) hidden.
fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(name, _)| name);
            format!("{scheme}://{user}:[redacted]@{host}")
        }
        None => url.to_owned(),
    }
}

/// How the engine talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// Plain SMTP, e.g. a relay on the same host or a test server.
    None,
    /// Plain SMTP upgraded with STARTTLS, which the server must offer (usually port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl MailSettings {
    /// Mail is delivered only when an SMTP host is set; until then it waits in the outbox.
    pub fn enabled(&self) -> bool {
        !self.smtp_host.trim().is_empty()
    }
}

/// R11, R63: files visitors attach to forms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadSettings {
    pub max_bytes: usize,
    pub unreferenced_ttl_ms: i64,
    pub sweep_interval_ms: u64,
}

/// R10, R40, A10: files sent with chat messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// At most this many files go with one message.
    pub max_files_per_message: usize,
    /// The largest file, in bytes; an upload is cut off the moment it passes this.
    pub max_bytes: u64,
    /// Where the files live; empty: `attachments` next to the SQLite file (or
    /// `data/attachments` with PostgreSQL). See `store::files::FileStore::for_settings`.
    pub dir: String,
    /// An upload no message carries within this long is deleted (row and file); swept every
    /// `uploads.sweep_interval_ms`.
    pub unclaimed_ttl_ms: i64,
}

/// `Debug` hides the demo passwords (issue 10).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSettings {
    pub seed_on_empty: bool,
    pub agent_password: String,
    pub supervisor_password: String,
    /// R71: the demo admin, who manages websites, queues, users and settings.
    pub admin_password: String,
}

impl std::fmt::Debug for DemoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSettings")
            .field("seed_on_empty", &self.seed_on_empty)
            .field("agent_password", &redacted(&self.agent_password))
            .field("supervisor_password", &redacted(&self.supervisor_password))
            .field("admin_password", &redacted(&self.admin_password))
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
    /// Issue 10: human-readable lines, or one JSON object per line for log collectors.
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// Issue 10: the Prometheus metrics at `/metrics`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Off: `/metrics` answers 404.
    pub enabled: bool,
    /// Non-empty: scrapers must send `Authorization: Bearer <token>`.
    pub token: String,
}

/// R92: ended chats older than an age are anonymised by a scheduled job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Ended chats whose end is older than this many days are anonymised; 0 = never.
    pub anonymise_after_days: u32,
    /// How often the job looks for such chats.
    pub interval_ms: u64,
    /// The most chats anonymised in one transaction.
    pub batch: i64,
}

impl Settings {
    /// Reads the layers. `file` is the optional `--config` file, which must exist if named.
    pub fn load(file: Option<&Path>) -> Result<Settings, config::ConfigError> {
        Self::load_with(file, Environment::with_prefix("CHAT"))
    }

    /// Like [`Settings::load`] but with the given environment source (tests pass their own).
    pub fn load_with(
        file: Option<&Path>,
        environment: Environment,
    ) -> Result<Settings, config::ConfigError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(File::from(file).required(true));
        }
        let settings = builder
            .add_source(
                environment
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize::<Settings>()?;
        let problems = settings.problems();
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(config::ConfigError::Message(problems.join("; ")))
        }
    }

    /// Issue 10: values that deserialise but cannot work, each named by its key. Unknown keys
    /// and values of the wrong type are refused before this, by serde.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, key: &str, what: &str| {
            if !ok {
                problems.push(format!("{key}: {what}"));
            }
        };
        check(
            self.database.pool_size >= 1,
            "database.pool_size",
            "must be at least 1",
        );
        check(
            self.database.write_batch_max >= 1,
            "database.write_batch_max",
            "must be at least 1",
        );
        let realtime = &self.realtime;
        check(
            realtime.heartbeat_interval_ms >= 1,
            "realtime.heartbeat_interval_ms",
            "must be at least 1",
        );
        check(
            realtime.client_timeout_ms > realtime.heartbeat_interval_ms,
            "realtime.client_timeout_ms",
            "must be longer than realtime.heartbeat_interval_ms",
        );
        check(
            realtime.outbound_queue_len >= 1,
            "realtime.outbound_queue_len",
            "must be at least 1",
        );
        check(
            realtime.max_frame_bytes >= 1024,
            "realtime.max_frame_bytes",
            "must be at least 1024",
        );
        check(
            realtime.replay_batch >= 1,
            "realtime.replay_batch",
            "must be at least 1",
        );
        check(
            self.server.shutdown_timeout_ms > self.server.drain_ms,
            "server.shutdown_timeout_ms",
            "must be longer than server.drain_ms",
        );
        check(
            self.routing.offer_timeout_ms > 0,
            "routing.offer_timeout_ms",
            "must be positive",
        );
        check(
            self.routing.hunt_timeout_ms > 0,
            "routing.hunt_timeout_ms",
            "must be positive",
        );
        check(
            self.routing.waiting_list_limit >= 1,
            "routing.waiting_list_limit",
            "must be at least 1",
        );
        for (key, value) in [
            (
                "chats.unattended_timeout_ms",
                self.chats.unattended_timeout_ms,
            ),
            (
                "chats.leave_message_window_ms",
                self.chats.leave_message_window_ms,
            ),
            (
                "chats.transcript_window_ms",
                self.chats.transcript_window_ms,
            ),
            ("presence.grace_ms", self.presence.grace_ms),
            ("wrap_up.auto_after_ms", self.wrap_up.auto_after_ms),
            (
                "uploads.unreferenced_ttl_ms",
                self.uploads.unreferenced_ttl_ms,
            ),
            (
                "attachments.unclaimed_ttl_ms",
                self.attachments.unclaimed_ttl_ms,
            ),
        ] {
            check(value >= 0, key, "must not be negative");
        }
        check(
            self.invitations.default_validity_minutes >= 1,
            "invitations.default_validity_minutes",
            "must be at least 1",
        );
        check(
            self.invitations.max_validity_minutes >= self.invitations.default_validity_minutes,
            "invitations.max_validity_minutes",
            "must not be shorter than invitations.default_validity_minutes",
        );
        check(
            self.auth.session_ttl_secs >= 60,
            "auth.session_ttl_secs",
            "must be at least 60",
        );
        let mail = &self.mail;
        check(
            mail.retry_base_ms >= 1,
            "mail.retry_base_ms",
            "must be at least 1",
        );
        check(
            mail.retry_max_ms >= mail.retry_base_ms,
            "mail.retry_max_ms",
            "must not be shorter than mail.retry_base_ms",
        );
        check(
            mail.max_attempts >= 1,
            "mail.max_attempts",
            "must be at least 1",
        );
        check(
            mail.poll_interval_ms >= 1,
            "mail.poll_interval_ms",
            "must be at least 1",
        );
        check(
            !mail.enabled() || mail.from.contains('@'),
            "mail.from",
            "must be an address (Name <user@host>) when mail.smtp_host is set",
        );
        check(
            self.uploads.max_bytes >= 1,
            "uploads.max_bytes",
            "must be at least 1",
        );
        check(
            self.uploads.sweep_interval_ms >= 1,
            "uploads.sweep_interval_ms",
            "must be at least 1",
        );
        check(
            (1..=20).contains(&self.attachments.max_files_per_message),
            "attachments.max_files_per_message",
            "must be from 1 to 20",
        );
        check(
            self.attachments.max_bytes >= 1,
            "attachments.max_bytes",
            "must be at least 1",
        );
        check(
            tracing_subscriber::EnvFilter::try_new(&self.log.filter).is_ok(),
            "log.filter",
            "is not a valid tracing filter (e.g. \"info\" or \"parley=debug,info\")",
        );
        check(
            self.monitor.interval_ms >= 1,
            "monitor.interval_ms",
            "must be at least 1",
        );
        let token = &self.metrics.token;
        check(
            token.is_empty() || (token.len() >= 16 && token.chars().all(|c| c.is_ascii_graphic())),
            "metrics.token",
            "must be empty or at least 16 printable characters without spaces",
        );
        check(
            self.retention.interval_ms >= 1,
            "retention.interval_ms",
            "must be at least 1",
        );
        check(
            (1..=10_000).contains(&self.retention.batch),
            "retention.batch",
            "must be from 1 to 10000",
        );
        check(
            self.retention.anonymise_after_days <= 36_500,
            "retention.anonymise_after_days",
            "must be at most 36500 (0 = never)",
        );
        let cluster = &self.cluster;
        if cluster.enabled {
            check(
                matches!(
                    crate::store::Backend::of_url(&self.database.url),
                    Ok(crate::store::Backend::Postgres)
                ),
                "database.url",
                "must name PostgreSQL (postgres://…) when cluster.enabled is true",
            );
            check(
                !cluster.name.is_empty()
                    && cluster
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "cluster.name",
                "must be letters, digits, '-' and '_'",
            );
            check(
                cluster
                    .node_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "cluster.node_id",
                "must be letters, digits, '-', '_' and '.' (empty: hostname-pid)",
            );
            check(
                !cluster.nats_url.trim().is_empty(),
                "cluster.nats_url",
                "must name a NATS server",
            );
            check(
                cluster.lease_renew_ms >= 10 && cluster.lease_ttl_ms >= 2 * cluster.lease_renew_ms,
                "cluster.lease_ttl_ms",
                "must be at least twice cluster.lease_renew_ms (itself at least 10)",
            );
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Environment::with_prefix("CHAT").source(Some(map))
    }

    #[test]
    fn defaults_come_from_the_documented_file() {
        let settings = Settings::load_with(None, env(&[])).unwrap();
        assert_eq!(settings.server.port, 8080);
        assert_eq!(settings.routing.offer_timeout_ms, 15_000);
        assert_eq!(settings.routing.hunt_timeout_ms, 60_000);
        assert_eq!(settings.database.url, "data/parley.db");
        // R66: 30 minutes.
        assert_eq!(settings.chats.unattended_timeout_ms, 30 * 60 * 1000);
        // A10: five files of 20 MiB at most per message.
        assert_eq!(settings.attachments.max_files_per_message, 5);
        assert_eq!(settings.attachments.max_bytes, 20 * 1024 * 1024);
    }

    #[test]
    fn environment_overrides_with_double_underscores() {
        let settings = Settings::load_with(
            None,
            env(&[
                ("CHAT__SERVER__PORT", "9123"),
                ("CHAT__DATABASE__URL", "postgres://x@localhost/y"),
                ("CHAT__DEMO__SEED_ON_EMPTY", "false"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.server.port, 9123);
        assert_eq!(settings.database.url, "postgres://x@localhost/y");
        assert!(!settings.demo.seed_on_empty);
    }

    #[test]
    fn a_named_file_overrides_defaults_and_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.toml");
        std::fs::write(&path, "[server]\nport = 7000\n").unwrap();
        let settings = Settings::load_with(Some(&path), env(&[])).unwrap();
        assert_eq!(settings.server.port, 7000);
        assert_eq!(settings.server.host, "127.0.0.1");
        assert!(Settings::load_with(Some(&dir.path().join("missing.toml")), env(&[])).is_err());
    }

    #[test]
    fn debug_output_hides_passwords() {
        let mut settings = Settings::load_with(None, env(&[])).unwrap();
        settings.mail.password = "hunter2-smtp-secret".to_owned();
        settings.demo.admin_password = "demo-admin-secret".to_owned();
        settings.database.url = "postgres://parley:db-secret@db.example/parley".to_owned();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2-smtp-secret"));
        assert!(!printed.contains("demo-admin-secret"));
        assert!(!printed.contains("db-secret"));
        assert!(printed.contains("postgres://parley:[redacted]@db.example/parley"));
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn limits_are_settings_with_generous_defaults() {
        let settings =
            Settings::load_with(None, env(&[("CHAT__LIMITS__LOGINS_PER_IP__MAX", "3")])).unwrap();
        assert_eq!(settings.limits.logins_per_ip.max, 3);
        assert!(settings.limits.chat_starts_per_ip.max >= 10);
        assert!(!settings.limits.exempt_loopback);
        assert!(settings.server.trusted_proxies.is_empty());
        assert!(!settings.server.served_over_tls());
    }

    fn refusal(file: &str, vars: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.toml");
        std::fs::write(&path, file).unwrap();
        match Settings::load_with(Some(&path), env(vars)) {
            Ok(_) => panic!("{file:?} {vars:?} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let problem = refusal("[server]\nprot = 7000\n", &[]);
        assert!(problem.contains("prot"), "{problem}");
        let problem = refusal("[sever]\nport = 7000\n", &[]);
        assert!(problem.contains("sever"), "{problem}");
        let problem = refusal("", &[("CHAT__MAIL__SMTP_HOTS", "x")]);
        assert!(problem.contains("smtp_hots"), "{problem}");
    }

    #[test]
    fn values_of_the_wrong_type_are_refused_by_name() {
        let problem = refusal("[server]\nport = \"eighty\"\n", &[]);
        assert!(problem.contains("port"), "{problem}");
        let problem = refusal("[log]\nformat = \"xml\"\n", &[]);
        assert!(
            problem.contains("xml") || problem.contains("format"),
            "{problem}"
        );
    }

    #[test]
    fn values_out_of_range_are_refused_each_by_its_key() {
        let problem = refusal(
            "[database]\npool_size = 0\n[realtime]\nclient_timeout_ms = 5\nheartbeat_interval_ms = 10\n\
             [metrics]\ntoken = \"short\"\n[retention]\nbatch = 0\n",
            &[],
        );
        for key in [
            "database.pool_size",
            "realtime.client_timeout_ms",
            "metrics.token",
            "retention.batch",
        ] {
            assert!(problem.contains(key), "{key} not in {problem}");
        }
        let problem = refusal("[log]\nfilter = \"parley=loud\"\n", &[]);
        assert!(problem.contains("log.filter"), "{problem}");
    }

    #[test]
    fn the_defaults_have_no_problems() {
        let settings = Settings::load_with(None, env(&[])).unwrap();
        assert!(settings.problems().is_empty());
        assert_eq!(settings.log.format, LogFormat::Text);
        assert!(settings.metrics.enabled);
        assert_eq!(settings.retention.anonymise_after_days, 0);
        assert_eq!(settings.server.drain_ms, 1_000);
        assert_eq!(settings.server.shutdown_timeout_ms, 10_000);
    }

    /// Issue 10: a stop that could end before its drain is a mistake in the settings.
    #[test]
    fn the_shutdown_timeout_must_outlast_the_drain() {
        let mut settings = Settings::load_with(None, env(&[])).unwrap();
        settings.server.drain_ms = 10_000;
        let problems = settings.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("server.shutdown_timeout_ms")),
            "{problems:?}"
        );
    }
}
