//! `UploadSweeper`: deletes uploads that no submitted form claimed in time (R11, R63), so a
//! visitor who uploads and then leaves does not fill the database.

use std::time::Duration;

use actix::prelude::*;

use crate::clock::now_ms;
use crate::settings::UploadSettings;
use crate::store::{uploads, Db};

pub struct UploadSweeper {
    db: Db,
    settings: UploadSettings,
}

impl UploadSweeper {
    pub fn new(db: Db, settings: UploadSettings) -> UploadSweeper {
        UploadSweeper { db, settings }
    }

    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let cutoff = now_ms() - self.settings.unreferenced_ttl_ms;
        self.db
            .run(move |conn| uploads::delete_unclaimed_before(conn, cutoff))
            .into_actor(self)
            .map(|deleted, _act, _ctx| match deleted {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "unclaimed uploads deleted"),
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
