//! `WebsiteSocket`: one per widget on a page, open before any chat (R5). It carries the
//! website's `website_mode` frames, which the `WebsiteActor` makes once per change and fans out;
//! the socket itself only answers `ping`. An idle one costs its heartbeat and nothing more.

use actix::prelude::*;

use super::socket::{socket_plumbing, SocketCore};
use crate::actors::website::{UnwatchMode, WatchMode, WebsiteActor};
use crate::protocol::{ServerFrame, WebsiteCommand};

pub struct WebsiteSocket {
    core: SocketCore,
    website: Addr<WebsiteActor>,
}

impl WebsiteSocket {
    pub fn new(core: SocketCore, website: Addr<WebsiteActor>) -> WebsiteSocket {
        WebsiteSocket { core, website }
    }

    fn core(&mut self) -> &mut SocketCore {
        &mut self.core
    }

    fn handle_command(&mut self, command: WebsiteCommand, ctx: &mut Context<Self>) {
        match command {
            WebsiteCommand::Ping => self.core.send(&ServerFrame::Pong, ctx),
        }
    }
}

impl Actor for WebsiteSocket {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.core.start(ctx, Self::core);
        // The website answers with the current mode through `Outbound`, then every change.
        self.website.do_send(WatchMode {
            socket_id: self.core.id,
            outbound: ctx.address().recipient(),
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.website.do_send(UnwatchMode {
            socket_id: self.core.id,
        });
    }
}

socket_plumbing!(WebsiteSocket, WebsiteCommand);
