//! What every WebSocket needs, visitor or agent: a writer task that owns the actix-ws session
//! behind a *bounded* queue, heartbeats, and the decoding of incoming frames.
//!
//! A client that reads too slowly fills its queue; it is then disconnected (close code 1008,
//! `slow_consumer`) and resumes with its last sequence number, instead of making the engine
//! buffer without limit.

use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::web::Bytes;
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use bytestring::ByteString;
use tokio::sync::{mpsc, oneshot};

use crate::actors::Outbound;
use crate::error::AppError;
use crate::metrics::{OpenSocket, SocketKind, METRICS};
use crate::protocol::{DecodeError, ServerFrame};
use crate::settings::RealtimeSettings;
use crate::shutdown::OpenSocketCount;

enum Wire {
    Frame(ByteString),
    Batch(Vec<ByteString>),
    Ping,
    Pong(Bytes),
    Close(CloseReason),
}

/// The sending half of a socket: frames go into a bounded queue that a task drains.
pub struct SocketWriter {
    queue: mpsc::Sender<Wire>,
    abort: Option<oneshot::Sender<CloseReason>>,
}

impl SocketWriter {
    pub fn spawn(mut session: Session, capacity: usize) -> SocketWriter {
        let (queue, mut frames) = mpsc::channel::<Wire>(capacity.max(1));
        let (abort, mut aborted) = oneshot::channel::<CloseReason>();
        actix_web::rt::spawn(async move {
            // When the socket actor stops, it drops both senders: what it queued is still
            // written, then the session closes. Only an explicit abort skips the queue.
            let mut abortable = true;
            loop {
                let wire = tokio::select! {
                    biased;
                    reason = &mut aborted, if abortable => match reason {
                        Ok(reason) => {
                            let _ = session.close(Some(reason)).await;
                            return;
                        }
                        Err(_) => {
                            abortable = false;
                            continue;
                        }
                    },
                    wire = frames.recv() => wire,
                };
                let written = match wire {
                    Some(Wire::Frame(text)) => session.text(text).await,
                    Some(Wire::Batch(texts)) => {
                        let mut written = Ok(());
                        for text in texts {
                            written = session.text(text).await;
                            if written.is_err() {
                                break;
                            }
                        }
                        written
                    }
                    Some(Wire::Ping) => session.ping(b"").await,
                    Some(Wire::Pong(bytes)) => session.pong(&bytes).await,
                    Some(Wire::Close(reason)) => {
                        let _ = session.close(Some(reason)).await;
                        return;
                    }
                    None => {
                        let _ = session.close(None).await;
                        return;
                    }
                };
                if written.is_err() {
                    return;
                }
            }
        });
        SocketWriter {
            queue,
            abort: Some(abort),
        }
    }

    fn enqueue(&self, wire: Wire) -> Result<(), SlowConsumer> {
        self.queue.try_send(wire).map_err(|_| SlowConsumer)
    }

    pub fn outbound(&self, outbound: Outbound) -> Result<(), SlowConsumer> {
        self.enqueue(match outbound {
            Outbound::Frame(text) => Wire::Frame(text),
            Outbound::Batch(texts) => Wire::Batch(texts),
        })
    }

    pub fn frame(&self, frame: &ServerFrame<'_>) -> Result<(), SlowConsumer> {
        self.enqueue(Wire::Frame(frame.to_text()))
    }

    /// Closes after everything already queued has been written.
    pub fn close(&mut self, code: CloseCode, description: &str) {
        let reason = CloseReason {
            code,
            description: Some(description.to_owned()),
        };
        if self.enqueue(Wire::Close(reason.clone())).is_err() {
            self.abort(reason);
        }
    }

    /// Closes now, dropping whatever is still queued.
    pub fn abort(&mut self, reason: CloseReason) {
        if let Some(abort) = self.abort.take() {
            let _ = abort.send(reason);
        }
    }
}

/// The socket's queue is full: its client does not read fast enough.
#[derive(Debug)]
pub struct SlowConsumer;

/// Shared state of a socket actor.
pub struct SocketCore {
    pub id: u64,
    pub writer: SocketWriter,
    last_heard: Instant,
    settings: RealtimeSettings,
    /// Issue 10: this socket's place in its IP address's count, given back when it closes.
    _slot: Option<crate::limits::SocketSlot>,
    /// Counts the socket in `parley_sockets_open` while it lives.
    _open: OpenSocket,
    /// Issue 10: counts the socket in its engine's drain, which waits for every socket to
    /// close before the engine stops serving (§4.33).
    drain: OpenSocketCount,
    /// Issue 10: `server_closing` was sent; commands are refused and the socket closes as
    /// soon as `in_flight` is 0.
    closing: bool,
    /// Commands handed to an actor whose answer (`ack` or `error`) is not sent yet.
    in_flight: usize,
    /// Issue 10: the socket's log lines belong to this span, which names the socket, its kind
    /// and, once known ([`SocketCore::tag`]), its chat, agent and website. Lines are logged
    /// *in* it (`in_scope`), not with `parent:`: the JSON log's span list follows the current
    /// span only, so a line with an explicit parent would carry none of these fields.
    pub span: tracing::Span,
}

impl SocketCore {
    pub fn new(
        id: u64,
        kind: SocketKind,
        writer: SocketWriter,
        settings: RealtimeSettings,
        drain: OpenSocketCount,
    ) -> SocketCore {
        SocketCore {
            id,
            writer,
            last_heard: Instant::now(),
            settings,
            _slot: None,
            _open: OpenSocket::new(kind),
            drain,
            closing: false,
            in_flight: 0,
            span: tracing::info_span!(
                "socket",
                socket = id,
                kind = kind.as_str(),
                chat_id = tracing::field::Empty,
                agent_id = tracing::field::Empty,
                website = tracing::field::Empty,
            ),
        }
    }

    /// Keeps `slot` (an open socket counted for its IP address) as long as the socket lives.
    pub fn holding(mut self, slot: Option<crate::limits::SocketSlot>) -> SocketCore {
        self._slot = slot;
        self
    }

    /// Names what the socket serves in its span (`chat_id`, `agent_id` or `website`).
    pub fn tag(self, field: &'static str, value: &dyn std::fmt::Display) -> SocketCore {
        self.span.record(field, tracing::field::display(value));
        self
    }

    /// Sends a frame; a full queue disconnects the slow client.
    pub fn send<A>(&mut self, frame: &ServerFrame<'_>, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        if self.writer.frame(frame).is_err() {
            self.drop_slow_consumer(ctx);
        }
    }

    pub fn forward<A>(&mut self, outbound: Outbound, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        if self.writer.outbound(outbound).is_err() {
            self.drop_slow_consumer(ctx);
        }
    }

    pub fn send_error<A>(
        &mut self,
        error: &AppError,
        chat_id: Option<crate::domain::ids::ChatId>,
        client_key: Option<&str>,
        ctx: &mut Context<A>,
    ) where
        A: Actor<Context = Context<A>>,
    {
        let message = error.public_message();
        self.send(
            &ServerFrame::Error {
                error: error.code(),
                message: &message,
                chat_id,
                client_key,
                retry_after_ms: error.retry_after_ms(),
            },
            ctx,
        );
    }

    pub fn send_decode_error<A>(&mut self, error: &DecodeError, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        self.send(
            &ServerFrame::Error {
                error: error.code,
                message: &error.message,
                chat_id: None,
                client_key: None,
                retry_after_ms: None,
            },
            ctx,
        );
    }

    fn drop_slow_consumer<A>(&mut self, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        self.span
            .in_scope(|| tracing::info!("disconnecting a slow client"));
        METRICS.slow_consumers.inc();
        self.writer.abort(CloseReason {
            code: CloseCode::Policy,
            description: Some("slow_consumer".to_owned()),
        });
        ctx.stop();
    }

    /// What every socket actor starts with: heartbeats, and the close when the engine stops.
    pub fn start<A>(&self, ctx: &mut Context<A>, core: fn(&mut A) -> &mut SocketCore)
    where
        A: Actor<Context = Context<A>>,
    {
        self.start_heartbeat(ctx, core);
        let begun = self.drain.drain().begun();
        ctx.spawn(
            actix::fut::wrap_future::<_, A>(begun)
                .map(move |(), actor, ctx| core(actor).server_closing(ctx)),
        );
    }

    /// Issue 10: the engine is stopping. Tells the client, refuses its later commands, and
    /// closes (1012) once the commands it already sent are answered: an `ack` it gets is one
    /// it can trust, and anything not acknowledged it resends after reconnecting (§6.9).
    fn server_closing<A>(&mut self, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        self.closing = true;
        let pending = self.in_flight;
        self.span
            .in_scope(|| tracing::debug!(pending, "engine stopping: telling the client"));
        let reconnect_after_ms = self.drain.drain().reconnect_after_ms();
        self.send(&ServerFrame::ServerClosing { reconnect_after_ms }, ctx);
        self.close_if_done(ctx);
    }

    fn close_if_done<A>(&mut self, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        if self.closing && self.in_flight == 0 {
            self.writer.close(CloseCode::Restart, "server_closing");
            ctx.stop();
        }
    }

    /// A command's answer was sent; a closing socket closes after its last one.
    fn answered<A>(&mut self, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.close_if_done(ctx);
    }

    /// Whether the socket told its client that the engine stops; it takes no more commands.
    pub fn is_closing(&self) -> bool {
        self.closing
    }

    /// A command that came after `server_closing`: refused, with its `chat_id` and
    /// `client_key` when it has them, so that the client knows what to resend.
    pub fn refuse_while_closing<A>(&mut self, text: &str, ctx: &mut Context<A>)
    where
        A: Actor<Context = Context<A>>,
    {
        #[derive(serde::Deserialize)]
        struct Named {
            chat_id: Option<crate::domain::ids::ChatId>,
            client_key: Option<String>,
        }
        let named = serde_json::from_str::<Named>(text).unwrap_or(Named {
            chat_id: None,
            client_key: None,
        });
        let error = AppError::ServerClosing {
            retry_after_ms: self.drain.drain().reconnect_after_ms(),
        };
        self.send_error(&error, named.chat_id, named.client_key.as_deref(), ctx);
    }

    /// Pings the client every heartbeat interval and drops it after the client timeout of
    /// silence (a dead network path never says goodbye).
    fn start_heartbeat<A>(&self, ctx: &mut Context<A>, core: fn(&mut A) -> &mut SocketCore)
    where
        A: Actor<Context = Context<A>>,
    {
        let every = Duration::from_millis(self.settings.heartbeat_interval_ms.max(10));
        let timeout = Duration::from_millis(self.settings.client_timeout_ms);
        ctx.run_interval(every, move |actor, ctx| {
            let core = core(actor);
            if core.last_heard.elapsed() > timeout {
                core.span
                    .in_scope(|| tracing::info!("no heartbeat from the client; closing"));
                core.writer.abort(CloseReason {
                    code: CloseCode::Away,
                    description: Some("heartbeat_timeout".to_owned()),
                });
                ctx.stop();
            } else if core.writer.enqueue(Wire::Ping).is_err() {
                core.drop_slow_consumer(ctx);
            }
        });
    }

    /// Closes the socket (1008 `session_expired`) when the login session it was opened with
    /// ends: a socket lives no longer than its session.
    pub fn expire_with_session<A>(
        &self,
        expires_at_ms: i64,
        ctx: &mut Context<A>,
        core: fn(&mut A) -> &mut SocketCore,
    ) where
        A: Actor<Context = Context<A>>,
    {
        let remaining = (expires_at_ms - crate::clock::now_ms()).max(0) as u64;
        ctx.run_later(Duration::from_millis(remaining), move |actor, ctx| {
            core(actor)
                .writer
                .close(CloseCode::Policy, "session_expired");
            ctx.stop();
        });
    }

    /// Handles what every socket handles alike (pings, closes, protocol errors, oversize
    /// frames) and returns the text of a frame the actor must decode.
    pub fn receive<A>(
        &mut self,
        item: Result<AggregatedMessage, ProtocolError>,
        ctx: &mut Context<A>,
    ) -> Option<ByteString>
    where
        A: Actor<Context = Context<A>>,
    {
        self.last_heard = Instant::now();
        match item {
            Ok(AggregatedMessage::Text(text)) => return Some(text),
            Ok(AggregatedMessage::Binary(_)) => {
                let error = DecodeError {
                    code: "unsupported_frame",
                    message: "frames are JSON text; binary frames are not accepted".to_owned(),
                };
                self.send_decode_error(&error, ctx);
            }
            Ok(AggregatedMessage::Ping(bytes)) => {
                if self.writer.enqueue(Wire::Pong(bytes)).is_err() {
                    self.drop_slow_consumer(ctx);
                }
            }
            Ok(AggregatedMessage::Pong(_)) => {}
            Ok(AggregatedMessage::Close(_)) => {
                self.writer.close(CloseCode::Normal, "bye");
                ctx.stop();
            }
            Err(error) if is_too_large(&error) => {
                let message = format!(
                    "a frame may have at most {} bytes",
                    self.settings.max_frame_bytes
                );
                let error = DecodeError {
                    code: "frame_too_large",
                    message,
                };
                self.send_decode_error(&error, ctx);
                self.writer.close(CloseCode::Size, "frame_too_large");
                ctx.stop();
            }
            Err(error) => {
                self.span
                    .in_scope(|| tracing::info!(%error, "WebSocket protocol error; closing"));
                self.writer.abort(CloseReason {
                    code: CloseCode::Protocol,
                    description: Some("protocol_error".to_owned()),
                });
                ctx.stop();
            }
        }
        None
    }
}

/// An oversize frame, or an oversize message split over continuation frames (actix-ws reports
/// the latter as an I/O error with this text).
fn is_too_large(error: &ProtocolError) -> bool {
    match error {
        ProtocolError::Overflow => true,
        ProtocolError::Io(io) => io.to_string().contains("maximum continuation size"),
        _ => false,
    }
}

/// Runs a command's `request` for a socket actor; its only answer is an `error` frame (about
/// `chat_id`) if it fails.
pub fn report_failure<A, F>(
    actor: &mut A,
    core: fn(&mut A) -> &mut SocketCore,
    chat_id: Option<crate::domain::ids::ChatId>,
    request: F,
    ctx: &mut Context<A>,
) where
    A: Actor<Context = Context<A>>,
    F: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    core(actor).in_flight += 1;
    request
        .into_actor(actor)
        .map(move |result, act, ctx| {
            let core = core(act);
            if let Err(error) = result {
                core.send_error(&error, chat_id, None, ctx);
            }
            core.answered(ctx);
        })
        .spawn(ctx);
}

/// Runs a command that stores an event in chat `chat_id` for a socket actor; its answer is an
/// `ack` with the event's sequence number (§6.4), or an `error`, both carrying the client's
/// `client_key`.
pub fn acknowledge<A, F>(
    actor: &mut A,
    core: fn(&mut A) -> &mut SocketCore,
    chat_id: crate::domain::ids::ChatId,
    client_key: Option<String>,
    request: F,
    ctx: &mut Context<A>,
) where
    A: Actor<Context = Context<A>>,
    F: std::future::Future<Output = Result<crate::domain::ids::Seq, AppError>> + 'static,
{
    core(actor).in_flight += 1;
    request
        .into_actor(actor)
        .map(move |result, act, ctx| {
            let core = core(act);
            match result {
                Ok(seq) => core.send(
                    &ServerFrame::Ack {
                        chat_id,
                        client_key: client_key.as_deref(),
                        seq,
                    },
                    ctx,
                ),
                Err(error) => core.send_error(&error, Some(chat_id), client_key.as_deref(), ctx),
            }
            core.answered(ctx);
        })
        .spawn(ctx);
}

/// Opens a socket of `kind`: upgrades the request, wraps the incoming stream with the
/// frame-size limits, and starts its writer. A stopping engine (issue 10) refuses with 503
/// `server_closing` instead.
pub fn open(
    req: &actix_web::HttpRequest,
    body: actix_web::web::Payload,
    engine: &crate::actors::Engine,
    kind: SocketKind,
) -> Result<
    (
        actix_web::HttpResponse,
        SocketCore,
        actix_ws::AggregatedMessageStream,
    ),
    actix_web::Error,
> {
    engine.refuse_if_draining()?;
    let settings = engine.settings().realtime.clone();
    let (response, session, stream) = actix_ws::handle(req, body)?;
    let stream = stream
        .max_frame_size(settings.max_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(settings.max_frame_bytes);
    let writer = SocketWriter::spawn(session, settings.outbound_queue_len);
    let id = crate::actors::next_socket_id();
    let core = SocketCore::new(id, kind, writer, settings, engine.drain().open_socket());
    Ok((response, core, stream))
}

/// What every socket actor does alike with frames: incoming ones go through
/// [`SocketCore::receive`] and `protocol::decode` into the actor's `handle_command`; outbound
/// ones go into the bounded queue. The actor needs a `core: SocketCore` field and a
/// `handle_command(&mut self, $command, &mut Context<Self>)` method.
macro_rules! socket_plumbing {
    ($socket:ty, $command:ty) => {
        impl actix::StreamHandler<Result<actix_ws::AggregatedMessage, actix_ws::ProtocolError>>
            for $socket
        {
            fn handle(
                &mut self,
                item: Result<actix_ws::AggregatedMessage, actix_ws::ProtocolError>,
                ctx: &mut Self::Context,
            ) {
                let Some(text) = self.core.receive(item, ctx) else {
                    return;
                };
                if self.core.is_closing() {
                    return self.core.refuse_while_closing(&text, ctx);
                }
                match $crate::protocol::decode::<$command>(&text, <$command>::TYPES) {
                    Ok(command) => self.handle_command(command, ctx),
                    Err(error) => self.core.send_decode_error(&error, ctx),
                }
            }

            fn finished(&mut self, ctx: &mut Self::Context) {
                actix::ActorContext::stop(ctx);
            }
        }

        impl actix::Handler<$crate::actors::Outbound> for $socket {
            type Result = ();

            fn handle(&mut self, msg: $crate::actors::Outbound, ctx: &mut Self::Context) {
                self.core.forward(msg, ctx);
            }
        }
    };
}
pub(crate) use socket_plumbing;
