//! The supervisors' live monitor socket (issue 9, R71): `GET /api/v1/monitor/ws`.
//!
//! A socket of its own rather than a subscription on the agent socket: supervisors and admins
//! who take no chats have no agent actor, and opening an agent socket would sign them in as an
//! agent (presence, offers). This socket only listens: it forwards the monitor's
//! `monitor_snapshot` and `monitor_changes` frames and answers `ping` with `pong`.

use actix::prelude::*;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::CloseCode;
use serde::{Deserialize, Serialize};

use super::agent::is_same_origin;
use super::auth::{CurrentUser, SUPERVISORS};
use super::socket::{self, socket_plumbing, SocketCore};
use crate::actors::agent::Disconnect;
use crate::actors::monitor::{MonitorActor, Unwatch, Watch};
use crate::actors::Engine;
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::protocol::ServerFrame;

/// `GET /api/v1/monitor/ws`: supervisors and admins only.
pub async fn socket(
    engine: web::Data<Engine>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    user.require_role(SUPERVISORS)?;
    // Served by the engine itself: a page elsewhere may not open it with the user's cookie.
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let host = req.connection_info().host().to_owned();
        if !is_same_origin(origin.to_str().unwrap_or_default(), &host) {
            return Err(AppError::OriginNotAllowed.into());
        }
    }
    let (response, core, stream) =
        socket::open(&req, body, &engine, crate::metrics::SocketKind::Monitor)?;
    let core = core.tag("agent_id", &user.id());
    let monitor = engine.monitor();
    let (user_id, session, expires_at_ms) = (
        user.id(),
        user.session().to_owned(),
        user.session_expires_at_ms,
    );
    MonitorSocket::create(move |ctx| {
        ctx.add_stream(stream);
        MonitorSocket {
            core,
            monitor,
            user: user_id,
            session,
            expires_at_ms,
        }
    });
    Ok(response)
}

pub struct MonitorSocket {
    core: SocketCore,
    monitor: Addr<MonitorActor>,
    user: UserId,
    session: String,
    expires_at_ms: i64,
}

impl MonitorSocket {
    fn core(&mut self) -> &mut SocketCore {
        &mut self.core
    }
}

impl Actor for MonitorSocket {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.core.start(ctx, Self::core);
        self.core
            .expire_with_session(self.expires_at_ms, ctx, Self::core);
        self.monitor.do_send(Watch {
            socket_id: self.core.id,
            outbound: ctx.address().recipient(),
            user: self.user,
            session: self.session.clone(),
            disconnect: ctx.address().recipient(),
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.monitor.do_send(Unwatch {
            socket_id: self.core.id,
        });
    }
}

/// Frames a supervisor's monitor sends: only `ping` (answered with `pong`).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MonitorCommand {
    Ping,
}

impl MonitorCommand {
    pub const TYPES: &'static [&'static str] = &["ping"];
}

impl MonitorSocket {
    fn handle_command(&mut self, command: MonitorCommand, ctx: &mut Context<Self>) {
        match command {
            MonitorCommand::Ping => self.core.send(&ServerFrame::Pong, ctx),
        }
    }
}

socket_plumbing!(MonitorSocket, MonitorCommand);

impl Handler<Disconnect> for MonitorSocket {
    type Result = ();

    /// The login session ended (`logged_out`).
    fn handle(&mut self, msg: Disconnect, ctx: &mut Self::Context) {
        self.core.writer.close(CloseCode::Normal, msg.reason);
        ctx.stop();
    }
}
