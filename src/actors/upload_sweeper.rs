//! `UploadSweeper`: deletes uploads that nothing claimed in time, so a visitor who uploads and
//! then leaves does not fill the database or the disk: form uploads no submitted form named
//! (R11, R63) and chat files no message carried (R40, A10), rows and files, and the `.part`
//! files of uploads cut off by a crash.

use std::time::{Duration, SystemTime};

use actix::prelude::*;

use crate::clock::now_ms;
use crate::settings::{AttachmentSettings, Settings, UploadSettings};
use crate::store::files::FileStore;
use crate::store::{attachments, uploads, Db, StoreError};

pub struct UploadSweeper {
    db: Db,
    settings: UploadSettings,
    attachments: AttachmentSettings,
    files: FileStore,
}

impl UploadSweeper {
    pub fn new(db: Db, settings: &Settings, files: FileStore) -> UploadSweeper {
        UploadSweeper {
            db,
            settings: settings.uploads.clone(),
            attachments: settings.attachments.clone(),
            files,
        }
    }

    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let cutoff = now_ms() - self.settings.unreferenced_ttl_ms;
        let attachment_cutoff = now_ms() - self.attachments.unclaimed_ttl_ms;
        let ttl = Duration::from_millis(self.attachments.unclaimed_ttl_ms.max(0) as u64);
        let files = self.files.clone();
        let db = self.db.clone();
        async move {
            let uploads = db
                .run(move |conn| uploads::delete_unclaimed_before(conn, cutoff))
                .await?;
            // The rows go first: a file whose row is gone can no longer be claimed or served.
            let keys = db
                .run(move |conn| attachments::delete_unsent_before(conn, attachment_cutoff))
                .await?;
            let removed = keys.len();
            tokio::task::spawn_blocking(move || {
                for key in &keys {
                    if let Err(e) = files.remove(key) {
                        tracing::warn!(error = %e, "unsent attachment file not removed");
                    }
                }
                let parts_cutoff = SystemTime::now().checked_sub(ttl);
                if let Some(cutoff) = parts_cutoff {
                    let _ = files.remove_stale_parts(cutoff);
                }
            })
            .await
            .map_err(|_| StoreError::Cancelled)?;
            Ok::<_, StoreError>((uploads, removed))
        }
        .into_actor(self)
        .map(|deleted, _act, _ctx| match deleted {
            Ok((0, 0)) => {}
            Ok((uploads, attachments)) => {
                tracing::info!(uploads, attachments, "unclaimed uploads deleted")
            }
            Err(e) => tracing::warn!(error = %e, "unclaimed uploads not swept"),
        })
        .wait(ctx);
    }
}

impl Actor for UploadSweeper {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let every = Duration::from_millis(self.settings.sweep_interval_ms.max(10));
        ctx.run_interval(every, |act, ctx| act.sweep(ctx));
    }
}

impl Supervised for UploadSweeper {}
