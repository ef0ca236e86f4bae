//! The store's group-commit writer: one thread that takes the hot-path writes (chat events,
//! receipts) from every actor, runs as many as are waiting in one transaction, and answers each
//! only after that transaction committed.
//!
//! Why: a transaction per message costs a WAL append and a commit per message, plus two thread
//! hand-offs through the blocking pool; at thousands of messages a second that, not the work,
//! is the engine's cost. Under load the writer's queue fills while a batch commits, so the next
//! batch is larger and each message's share of the commit shrinks; when the engine is quiet a
//! batch holds one write and nothing waits for company.
//!
//! Each write runs in a savepoint of the batch's transaction: one that fails (a broken rule, a
//! duplicate key) is rolled back alone and answered with its error; the others still commit.
//! The durability guarantee is the store's own: an answer means committed (see
//! `database.sqlite_synchronous` for what committed means on SQLite).

use std::sync::mpsc;
use std::thread;

use diesel::r2d2::Pool;
use diesel::Connection;
use tokio::sync::oneshot;

use super::{write_first, AnyConnection, Connector, StoreError, StoreResult};
use crate::metrics::METRICS;

/// Gives a write's outcome to whoever waits for it, once the batch's fate is known.
type Delivery = Box<dyn FnOnce(StoreResult<()>) + Send>;
/// One write: runs inside the batch's transaction and says how to deliver its result.
type Job = Box<dyn FnOnce(&mut AnyConnection) -> Delivery + Send>;

/// The handle actors write through; cloning it is cheap. The thread ends with the last handle.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread over `pool`, committing at most `batch_max` writes at a time.
    pub(crate) fn start(pool: Pool<Connector>, batch_max: usize) -> StoreResult<Writer> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("store-writer".to_owned())
            .spawn(move || write_batches(&pool, &queue, batch_max.max(1)))
            .map_err(|e| StoreError::Setup(format!("cannot start the store writer: {e}")))?;
        Ok(Writer { jobs })
    }

    /// Queues `work`; the future resolves once the batch it ran in has committed (or failed).
    pub(crate) fn write<T, F>(
        &self,
        work: F,
    ) -> impl std::future::Future<Output = StoreResult<T>> + 'static
    where
        F: FnOnce(&mut AnyConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |conn| {
            // Nested in the batch's transaction, this is a savepoint.
            let result = conn.transaction(work);
            Box::new(move |committed: StoreResult<()>| {
                let _ = answer.send(committed.and(result));
            })
        });
        let queued = self.jobs.send(job);
        if queued.is_ok() {
            METRICS.writer_queue.inc();
        }
        async move {
            queued.map_err(|_| StoreError::Cancelled)?;
            answered.await.map_err(|_| StoreError::Cancelled)?
        }
    }
}

/// The writer thread: waits for a write, takes every write queued behind it (up to
/// `batch_max`), runs them in one transaction and answers them all.
fn write_batches(pool: &Pool<Connector>, queue: &mpsc::Receiver<Job>, batch_max: usize) {
    let mut batch: Vec<Job> = Vec::with_capacity(batch_max);
    let mut deliveries: Vec<Delivery> = Vec::with_capacity(batch_max);
    while let Ok(first) = queue.recv() {
        batch.push(first);
        while batch.len() < batch_max {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        for _ in 0..batch.len() {
            METRICS.writer_queue.dec();
        }
        let committed = pool.get().map_err(StoreError::from).and_then(|mut conn| {
            conn.transaction::<_, StoreError, _>(|conn| {
                write_first(conn)?;
                deliveries.extend(batch.drain(..).map(|job| job(conn)));
                Ok(())
            })
        });
        if let Err(e) = &committed {
            tracing::error!(error = %e, writes = deliveries.len().max(batch.len()), "a batch of writes failed");
        }
        // Writes that never ran (no connection) are dropped: their callers see `Cancelled`.
        batch.clear();
        for deliver in deliveries.drain(..) {
            deliver(match &committed {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::NotCommitted(e.to_string())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use crate::settings::DatabaseSettings;
    use crate::store::schema::options;
    use crate::store::{Db, StoreError};

    fn sqlite(dir: &tempfile::TempDir) -> Db {
        let db = Db::connect(&DatabaseSettings {
            url: dir.path().join("writer.db").display().to_string(),
            pool_size: 2,
            connect_timeout_ms: 5_000,
            write_batch_max: 16,
            sqlite_synchronous_full: false,
            fence_epoch: None,
        })
        .expect("database");
        db.migrate().expect("migrations");
        db
    }

    /// Issue 10: a stopping engine flushes the writer: every write queued before the flush is
    /// committed when it returns, though nobody awaited them.
    #[actix_web::test]
    async fn a_flush_returns_after_every_write_queued_before_it_committed() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = sqlite(&dir);
        let queued: Vec<_> = (0..20)
            .map(|i| {
                db.write(move |conn| {
                    diesel::insert_into(options::table)
                        .values((
                            options::key.eq(format!("flush_test_{i}")),
                            options::value.eq(i.to_string()),
                            options::updated_at_ms.eq(0),
                        ))
                        .execute(conn)?;
                    Ok(())
                })
            })
            .collect();
        db.flush().await.expect("flushed");
        let stored: i64 = db
            .run(|conn| {
                Ok(options::table
                    .filter(options::key.like("flush_test_%"))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .expect("count");
        assert_eq!(stored, 20);
        drop(queued);
    }

    /// Writes queued together commit together, and one that fails is rolled back alone: the
    /// others in its batch still commit and are answered.
    #[actix_web::test]
    async fn a_failed_write_spoils_nothing_else_in_its_batch() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = sqlite(&dir);
        let writes: Vec<_> = (0..10)
            .map(|i| {
                db.write(move |conn| {
                    if i == 4 {
                        diesel::sql_query("INSERT INTO no_such_table VALUES (1)").execute(conn)?;
                    }
                    diesel::insert_into(options::table)
                        .values((
                            options::key.eq(format!("writer_test_{i}")),
                            options::value.eq(i.to_string()),
                            options::updated_at_ms.eq(0),
                        ))
                        .execute(conn)?;
                    Ok(i)
                })
            })
            .collect();
        let answers = futures_util::future::join_all(writes).await;
        for (i, answer) in answers.into_iter().enumerate() {
            match answer {
                Ok(n) => assert_eq!(n, i),
                Err(StoreError::Query(_)) => assert_eq!(i, 4, "only the bad write fails"),
                Err(other) => panic!("write {i}: {other}"),
            }
        }
        let stored = db
            .run(|conn| {
                let mut values = Vec::new();
                for i in 0..10 {
                    let value: Option<String> = options::table
                        .find(format!("writer_test_{i}"))
                        .select(options::value)
                        .first(conn)
                        .optional()?;
                    values.push(value);
                }
                Ok(values)
            })
            .await
            .expect("read back");
        for (i, value) in stored.iter().enumerate() {
            match i {
                4 => assert_eq!(value, &None, "the failed write left nothing"),
                _ => assert_eq!(value.as_deref(), Some(i.to_string().as_str())),
            }
        }
    }
}
