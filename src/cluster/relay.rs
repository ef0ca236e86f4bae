//! Sockets joined end to end (issue 11): a client's WebSocket, the engine's WebSocket on the
//! leader's loopback, and a NATS tunnel between nodes are each turned into a [`Link`] (pieces
//! in, pieces out), and two links are [`splice`]d. A close on either end closes the other.

use actix_web::web::Bytes;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use awc::ws;
use futures_util::{SinkExt, Stream, StreamExt};
use tokio::sync::{mpsc, watch};

use super::wire::{InOrder, Numbering, Piece};

/// Pieces waiting in one direction of a link before its writer slows the reader down.
const LINK_BUFFER: usize = 64;

/// One end of a relayed socket: `to` takes what should reach this end's peer socket, `from`
/// gives what that socket said.
pub struct Link {
    pub to: mpsc::Sender<Piece>,
    pub from: mpsc::Receiver<Piece>,
}

/// Forwards both ways until either end closes.
pub fn splice(a: Link, b: Link) {
    let (mut a_said, mut b_said) = (a.from, b.from);
    let a_said = futures_util::stream::poll_fn(move |cx| a_said.poll_recv(cx));
    let b_said = futures_util::stream::poll_fn(move |cx| b_said.poll_recv(cx));
    actix_web::rt::spawn(pass_on(a_said, b.to, |piece| piece));
    actix_web::rt::spawn(pass_on(b_said, a.to, |piece| piece));
}

/// Passes on what one side said, as pieces, until it closes: the close is the last piece
/// passed on, and a side that just stops is passed on as a close.
async fn pass_on<S: Stream + Unpin>(
    mut said: S,
    to: mpsc::Sender<Piece>,
    piece_of: impl Fn(S::Item) -> Piece,
) {
    while let Some(item) = said.next().await {
        let piece = piece_of(item);
        let closes = matches!(piece, Piece::Close(_));
        if to.send(piece).await.is_err() || closes {
            return;
        }
    }
    let _ = to.send(Piece::Close(None)).await;
}

fn client_piece(message: Result<AggregatedMessage, actix_ws::ProtocolError>) -> Piece {
    match message {
        Ok(AggregatedMessage::Text(text)) => Piece::Text(text.as_bytes().to_vec()),
        Ok(AggregatedMessage::Binary(bytes)) => Piece::Binary(bytes.to_vec()),
        Ok(AggregatedMessage::Ping(bytes)) => Piece::Ping(bytes.to_vec()),
        Ok(AggregatedMessage::Pong(bytes)) => Piece::Pong(bytes.to_vec()),
        Ok(AggregatedMessage::Close(reason)) => Piece::Close(close_reason(reason)),
        // An oversize frame or a broken stream: the engine would close it the same way.
        Err(_) => Piece::Close(Some((u16::from(CloseCode::Protocol), String::new()))),
    }
}

fn engine_piece(frame: Result<ws::Frame, actix_ws::ProtocolError>) -> Piece {
    match frame {
        Ok(ws::Frame::Text(text)) => Piece::Text(text.to_vec()),
        Ok(ws::Frame::Binary(bytes)) => Piece::Binary(bytes.to_vec()),
        Ok(ws::Frame::Ping(bytes)) => Piece::Ping(bytes.to_vec()),
        Ok(ws::Frame::Pong(bytes)) => Piece::Pong(bytes.to_vec()),
        Ok(ws::Frame::Close(reason)) => Piece::Close(close_reason(reason)),
        // The engine never fragments its frames.
        Ok(ws::Frame::Continuation(_)) | Err(_) => Piece::Close(None),
    }
}

fn close_reason(reason: Option<CloseReason>) -> Option<(u16, String)> {
    reason.map(|r| (u16::from(r.code), r.description.unwrap_or_default()))
}

fn close_of(reason: Option<(u16, String)>) -> Option<CloseReason> {
    reason.map(|(code, description)| CloseReason {
        code: CloseCode::from(code),
        description: (!description.is_empty()).then_some(description),
    })
}

/// The client's socket, as the node it reached accepted it.
pub fn client(mut session: Session, stream: AggregatedMessageStream) -> Link {
    let (to, mut towards_client) = mpsc::channel::<Piece>(LINK_BUFFER);
    let (said, from) = mpsc::channel::<Piece>(LINK_BUFFER);
    actix_web::rt::spawn(pass_on(stream, said, client_piece));
    actix_web::rt::spawn(async move {
        while let Some(piece) = towards_client.recv().await {
            let written = match piece {
                Piece::Text(text) => match bytestring::ByteString::try_from(text) {
                    Ok(text) => session.text(text).await,
                    Err(_) => session.binary(Bytes::new()).await,
                },
                Piece::Binary(bytes) => session.binary(bytes).await,
                Piece::Ping(bytes) => session.ping(&bytes).await,
                Piece::Pong(bytes) => session.pong(&bytes).await,
                Piece::Close(reason) => {
                    let _ = session.close(close_of(reason)).await;
                    return;
                }
                Piece::Head(_) | Piece::Data(_) | Piece::End => Ok(()),
            };
            if written.is_err() {
                return;
            }
        }
        let _ = session.close(None).await;
    });
    Link { to, from }
}

type EngineSocket = actix_codec::Framed<awc::BoxedSocket, ws::Codec>;

/// The engine's socket on the leader's loopback, as the leader opened it for a client.
pub fn engine(socket: EngineSocket) -> Link {
    let (mut sink, stream) = socket.split();
    let (to, mut towards_engine) = mpsc::channel::<Piece>(LINK_BUFFER);
    let (said, from) = mpsc::channel::<Piece>(LINK_BUFFER);
    actix_web::rt::spawn(pass_on(stream, said, engine_piece));
    actix_web::rt::spawn(async move {
        while let Some(piece) = towards_engine.recv().await {
            let message = match piece {
                Piece::Text(text) => match bytestring::ByteString::try_from(text) {
                    Ok(text) => ws::Message::Text(text),
                    Err(_) => ws::Message::Binary(Bytes::new()),
                },
                Piece::Binary(bytes) => ws::Message::Binary(bytes.into()),
                Piece::Ping(bytes) => ws::Message::Ping(bytes.into()),
                Piece::Pong(bytes) => ws::Message::Pong(bytes.into()),
                Piece::Close(reason) => {
                    let _ = sink.send(ws::Message::Close(close_of(reason))).await;
                    let _ = sink.close().await;
                    return;
                }
                Piece::Head(_) | Piece::Data(_) | Piece::End => continue,
            };
            if sink.send(message).await.is_err() {
                return;
            }
        }
        let _ = sink.send(ws::Message::Close(None)).await;
        let _ = sink.close().await;
    });
    Link { to, from }
}

/// Why a tunnel ends without either socket closing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// NATS lost a piece (or the broker restarted under it).
    Gap,
    /// The node must drop its tunnels: the broker connection dropped, or the leader changed.
    Teardown,
}

/// One end of a NATS tunnel: pieces for the other node go to `subject`; the other node's come
/// from `incoming`. When `teardown` changes, or a piece is missing, the tunnel ends and this
/// end's socket is told `on_cut` (for a client: `server_closing`, then 1012).
pub fn tunnel(
    nats: async_nats::Client,
    subject: String,
    mut incoming: async_nats::Subscriber,
    mut teardown: watch::Receiver<u64>,
    on_cut: fn(Cut) -> Vec<Piece>,
) -> Link {
    let (to, mut towards_peer) = mpsc::channel::<Piece>(LINK_BUFFER);
    let (said, from) = mpsc::channel::<Piece>(LINK_BUFFER);
    actix_web::rt::spawn(async move {
        let mut order = InOrder::default();
        teardown.mark_unchanged();
        let cut = loop {
            let message = tokio::select! {
                message = incoming.next() => message,
                _ = teardown.changed() => break Cut::Teardown,
            };
            let Some(message) = message else {
                break Cut::Teardown;
            };
            let Ok((seq, piece)) = Piece::decode(&message.payload) else {
                break Cut::Gap;
            };
            if let Err(gap) = order.accept(seq) {
                tracing::warn!(
                    expected = gap.expected,
                    got = gap.got,
                    "a tunnel lost a piece; closing it"
                );
                break Cut::Gap;
            }
            let closes = matches!(piece, Piece::Close(_));
            if said.send(piece).await.is_err() || closes {
                let _ = incoming.unsubscribe().await;
                return;
            }
        };
        let _ = incoming.unsubscribe().await;
        for piece in on_cut(cut) {
            if said.send(piece).await.is_err() {
                return;
            }
        }
    });
    actix_web::rt::spawn(async move {
        let mut numbers = Numbering::default();
        while let Some(piece) = towards_peer.recv().await {
            let closes = matches!(piece, Piece::Close(_));
            let message = piece.encode(numbers.take());
            if nats.publish(subject.clone(), message.into()).await.is_err() || closes {
                return;
            }
        }
        let message = Piece::Close(None).encode(numbers.take());
        let _ = nats.publish(subject, message.into()).await;
    });
    Link { to, from }
}
