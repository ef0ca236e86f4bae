//! Persistence: diesel over SQLite (embedded, the default) or PostgreSQL, picked by the URL.
//!
//! Every query is a plain function taking `&mut AnyConnection`; [`Db::run`] runs such a function
//! on the blocking thread pool with a pooled connection, so no actor or HTTP worker thread ever
//! waits on the database.

pub mod attachments;
pub mod audit;
pub mod away_reasons;
pub mod bans;
pub mod chat_logs;
pub mod chats;
pub mod contacts;
pub mod files;
pub mod gauges;
pub mod invitations;
pub mod notes;
pub mod offline_messages;
pub mod options;
pub mod outbox;
pub mod predefined;
pub mod queues;
pub mod receipts;
pub mod reports;
pub mod retention;
pub mod review;
pub mod routing;
pub mod schema;
pub mod sessions;
pub mod transcripts;
pub mod uploads;
pub mod users;
pub mod visitors;
pub mod websites;
pub mod wrap_ups;
mod writer;

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use thiserror::Error;

use crate::metrics::{StoreOp, METRICS};
use crate::settings::DatabaseSettings;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to whichever backend the engine runs on.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The errors of this layer; `error::AppError` maps them once at the boundary.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("database setup: {0}")]
    Setup(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("the database task was cancelled")]
    Cancelled,
    #[error("the write's batch was not committed: {0}")]
    NotCommitted(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; `sqlite://…`, `sqlite:…` and
    /// plain paths are SQLite files. Any other scheme is a mistake, not a file name.
    pub fn of_url(url: &str) -> StoreResult<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") || !url.contains("://") {
            Ok(Backend::Sqlite)
        } else {
            Err(StoreError::Setup(format!(
                "database.url {url:?}: use a postgres:// URL or a SQLite file path"
            )))
        }
    }
}

/// Opens connections of the backend the URL names, never falling back to another one (a
/// PostgreSQL URL that fails must not silently become a SQLite file).
#[derive(Debug)]
struct Connector {
    url: String,
    backend: Backend,
    /// SQLite's `synchronous` pragma: `NORMAL` or `FULL` (database.sqlite_synchronous).
    sqlite_synchronous: &'static str,
    /// Issue 11: the cluster leader's lease epoch, stamped on every PostgreSQL connection so
    /// that the fencing trigger (`cluster::lease`) refuses its writes once the lease moved on.
    fence_epoch: Option<i64>,
}

impl ManageConnection for Connector {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn =
                    PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                if let Some(epoch) = self.fence_epoch {
                    conn.batch_execute(&format!("SET parley.fence_epoch = '{epoch}'"))
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(AnyConnection::Postgres(conn))
            }
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers work while one connection writes; the busy timeout makes
                // writers queue instead of failing when another connection holds the lock.
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = {};",
                    self.sqlite_synchronous
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

pub(crate) fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// The handle the rest of the engine uses to reach the database.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Connector>,
    backend: Backend,
    /// SQLite's one writer (group commit); PostgreSQL writes from the pool in parallel.
    writer: Option<writer::Writer>,
}

impl Db {
    /// Opens the pool (creating the SQLite file's folder if needed) and checks one connection.
    pub fn connect(settings: &DatabaseSettings) -> StoreResult<Db> {
        let backend = Backend::of_url(&settings.url)?;
        if backend == Backend::Sqlite {
            let path = sqlite_path(&settings.url);
            if let Some(parent) = Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Setup(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
            }
        }
        let pool = Pool::builder()
            .max_size(settings.pool_size.max(1))
            .connection_timeout(Duration::from_millis(settings.connect_timeout_ms))
            .build(Connector {
                url: settings.url.clone(),
                backend,
                sqlite_synchronous: if settings.sqlite_synchronous_full {
                    "FULL"
                } else {
                    "NORMAL"
                },
                fence_epoch: settings.fence_epoch,
            })?;
        let writer = match backend {
            Backend::Sqlite => Some(writer::Writer::start(
                pool.clone(),
                settings.write_batch_max,
            )?),
            Backend::Postgres => None,
        };
        Ok(Db {
            pool,
            backend,
            writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `work` with a pooled connection on the blocking thread pool. The future owns
    /// what it needs, so actors can hold it across their own state changes.
    pub fn run<T, F>(&self, work: F) -> impl std::future::Future<Output = StoreResult<T>> + 'static
    where
        F: FnOnce(&mut AnyConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        async move {
            let started = Instant::now();
            let result = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                work(&mut conn)
            })
            .await
            .map_err(|_| StoreError::Cancelled)?;
            METRICS.store_latency(StoreOp::Run, started.elapsed());
            result
        }
    }

    /// Runs `work` as one transaction of the hot path's small writes (chat events, receipts,
    /// chat starts);
    /// the future resolves once it committed. On SQLite it goes to the store's writer thread
    /// and commits with whatever other writes are queued (group commit, see `writer`), in its
    /// own savepoint: SQLite has one writer at a time anyway, and a commit per message was
    /// most of a message's cost. On PostgreSQL it runs on the pool like any other query:
    /// the server takes concurrent writers, and a single writer there would queue every
    /// message behind the network round trips of the others (measured: p99 14 ms → 186 ms at
    /// 1,000 messages a second).
    pub fn write<T, F>(
        &self,
        work: F,
    ) -> impl std::future::Future<Output = StoreResult<T>> + 'static
    where
        F: FnOnce(&mut AnyConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        use futures_util::future::Either;
        let started = Instant::now();
        let write = match &self.writer {
            Some(writer) => Either::Left(writer.write(work)),
            None => Either::Right(self.run(move |conn| conn.transaction(work))),
        };
        async move {
            let result = write.await;
            METRICS.store_latency(StoreOp::Write, started.elapsed());
            result
        }
    }

    /// Issue 10: resolves once every write queued before this call has committed (or failed),
    /// so a stopping engine exits with nothing in flight. The writer takes its queue in order
    /// and answers a write only after its batch committed, so an empty write queued behind
    /// the others is answered last. PostgreSQL writes are ordinary pool transactions, each
    /// awaited by its caller: nothing is queued there.
    pub async fn flush(&self) -> StoreResult<()> {
        match &self.writer {
            Some(writer) => writer.write(|_| Ok(())).await,
            None => Ok(()),
        }
    }

    /// Runs `work` on the calling thread: for start-up and the command line only.
    pub fn run_now<T>(
        &self,
        work: impl FnOnce(&mut AnyConnection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn: PooledConnection<Connector> = self.pool.get()?;
        work(&mut conn)
    }

    /// Applies the embedded migrations of the backend that is in use; returns how many ran.
    pub fn migrate(&self) -> StoreResult<usize> {
        self.run_now(|conn| {
            let applied = match conn {
                AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
                AnyConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
            }
            .map_err(|e| StoreError::Migration(e.to_string()))?;
            Ok(applied.len())
        })
    }

    /// Issue 10: how many of the embedded migrations are not applied to the store (for
    /// `/readyz`: an engine whose store is behind its code is not ready).
    pub async fn pending_migrations(&self) -> StoreResult<usize> {
        self.run(|conn| {
            match conn {
                AnyConnection::Sqlite(c) => {
                    c.pending_migrations(SQLITE_MIGRATIONS).map(|p| p.len())
                }
                AnyConnection::Postgres(c) => {
                    c.pending_migrations(POSTGRES_MIGRATIONS).map(|p| p.len())
                }
            }
            .map_err(|e| StoreError::Migration(e.to_string()))
        })
        .await
    }

    /// True when the store answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.run(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?))
            .await
            .is_ok()
    }
}

/// Makes a transaction that reads before it writes take the write lock first. On SQLite (WAL)
/// such a transaction fails at once with "database is locked" when another connection commits
/// between its first read and its first write: the busy timeout cannot help it then. A
/// transaction whose first statement writes waits for the lock (the busy timeout) instead.
/// This statement writes nothing. PostgreSQL has no such failure; nothing is done there.
pub fn write_first(conn: &mut AnyConnection) -> StoreResult<()> {
    if matches!(conn, AnyConnection::Sqlite(_)) {
        diesel::sql_query("UPDATE options SET value = value WHERE 1 = 0").execute(conn)?;
    }
    Ok(())
}

diesel::define_sql_function!(
    /// SQL `lower(text)`: on SQLite for ASCII letters only, on PostgreSQL for all.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// Reads a JSON column, naming the column when it is not valid.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    column: &str,
    raw: &str,
) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types cannot fail (no maps with non-string keys).
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_picks_the_backend_and_unknown_schemes_are_refused() {
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(Backend::of_url("data/parley.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert!(Backend::of_url("mysql://u@h/db").is_err());
        assert!(Backend::of_url("postgre://typo/db").is_err());
    }
}
