//! R92: `RetentionJob` anonymises ended chats older than `retention.anonymise_after_days`,
//! every `retention.interval_ms`, a batch of chats per transaction until none is left; the
//! erase-visitor endpoint uses [`anonymise_chats`] for one visitor's chats on request.

use std::time::Duration;

use actix::prelude::*;

use crate::clock::now_ms;
use crate::domain::ids::ChatId;
use crate::domain::retention::anonymise_before;
use crate::settings::RetentionSettings;
use crate::store::files::FileStore;
use crate::store::retention::{self, Erased};
use crate::store::{Db, StoreError};

/// Anonymises the chats (each once; already anonymised ones are skipped) in one transaction,
/// then deletes their files from disk.
pub async fn anonymise_chats(
    db: &Db,
    files: &FileStore,
    chats: Vec<ChatId>,
) -> Result<Erased, StoreError> {
    let now = now_ms();
    let erased = db
        .run(move |conn| {
            use diesel::Connection;
            conn.transaction(|conn| {
                let mut all = Erased::default();
                for chat in chats {
                    let one = retention::anonymise(conn, chat, now)?;
                    all.chats += one.chats;
                    all.file_keys.extend(one.file_keys);
                }
                Ok(all)
            })
        })
        .await?;
    // The rows are gone (committed): a file whose row is gone can no longer be served.
    let (files, keys) = (files.clone(), erased.file_keys.clone());
    tokio::task::spawn_blocking(move || {
        for key in &keys {
            if let Err(e) = files.remove(key) {
                tracing::warn!(error = %e, "file of an anonymised chat not removed");
            }
        }
    })
    .await
    .map_err(|_| StoreError::Cancelled)?;
    Ok(erased)
}

pub struct RetentionJob {
    db: Db,
    settings: RetentionSettings,
    files: FileStore,
    running: bool,
}

impl RetentionJob {
    pub fn new(db: Db, settings: RetentionSettings, files: FileStore) -> RetentionJob {
        RetentionJob {
            db,
            settings,
            files,
            running: false,
        }
    }

    fn run(&mut self, ctx: &mut Context<Self>) {
        let Some(before) = anonymise_before(now_ms(), self.settings.anonymise_after_days) else {
            return;
        };
        if self.running {
            return;
        }
        self.running = true;
        let (db, files, batch) = (self.db.clone(), self.files.clone(), self.settings.batch);
        async move {
            let mut total = 0;
            loop {
                let due = db
                    .run(move |conn| retention::due(conn, before, batch))
                    .await?;
                let last = (due.len() as i64) < batch;
                total += anonymise_chats(&db, &files, due).await?.chats;
                if last {
                    return Ok::<_, StoreError>(total);
                }
            }
        }
        .into_actor(self)
        .map(|done, act, _ctx| {
            act.running = false;
            match done {
                Ok(0) => {}
                Ok(chats) => tracing::info!(chats, "old chats anonymised (R92)"),
                Err(e) => tracing::warn!(error = %e, "old chats not anonymised (R92)"),
            }
        })
        .spawn(ctx);
    }
}

impl Actor for RetentionJob {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.run(ctx);
        let every = Duration::from_millis(self.settings.interval_ms.max(10));
        ctx.run_interval(every, |act, ctx| act.run(ctx));
    }
}

impl Supervised for RetentionJob {}
