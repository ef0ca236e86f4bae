//! What the nodes say to each other over NATS (issue 11): the opening of a tunnel, and the
//! pieces that travel through it. docs/architecture.md §4.35 has the subjects and the flow.
//!
//! A *tunnel* carries one client request (HTTP) or one client socket (WebSocket) from the node
//! the client reached to the leader. Its pieces are numbered per direction: core NATS may drop
//! a message (a slow consumer, a broker restart), and a tunnel that lost one must not go on as
//! if nothing happened. A gap closes the tunnel; the client reconnects and resumes, which the
//! chat protocol makes lossless (replay after a sequence number, resend by `client_key`).

use serde::{Deserialize, Serialize};

/// One WebSocket frame, or one part of an HTTP body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The socket closes with this code and reason (`None`: no code).
    Close(Option<(u16, String)>),
    /// The head of an HTTP answer (JSON of [`AnswerHead`]).
    Head(Vec<u8>),
    /// A part of an HTTP body.
    Data(Vec<u8>),
    /// The HTTP body is complete.
    End,
}

const TAG_TEXT: u8 = 1;
const TAG_BINARY: u8 = 2;
const TAG_PING: u8 = 3;
const TAG_PONG: u8 = 4;
const TAG_CLOSE: u8 = 5;
const TAG_HEAD: u8 = 6;
const TAG_DATA: u8 = 7;
const TAG_END: u8 = 8;

/// A message that is not a piece: the peer runs another version, or the broker garbled it.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

impl Piece {
    /// `[tag][sequence number, 8 bytes big-endian][body]`; a close's body is its code (2 bytes)
    /// and reason.
    pub fn encode(&self, seq: u64) -> Vec<u8> {
        let (tag, body): (u8, &[u8]) = match self {
            Piece::Text(body) => (TAG_TEXT, body),
            Piece::Binary(body) => (TAG_BINARY, body),
            Piece::Ping(body) => (TAG_PING, body),
            Piece::Pong(body) => (TAG_PONG, body),
            Piece::Head(body) => (TAG_HEAD, body),
            Piece::Data(body) => (TAG_DATA, body),
            Piece::End => (TAG_END, &[]),
            Piece::Close(reason) => {
                let mut out = Vec::with_capacity(11 + reason.as_ref().map_or(0, |r| r.1.len()));
                out.push(TAG_CLOSE);
                out.extend_from_slice(&seq.to_be_bytes());
                if let Some((code, text)) = reason {
                    out.extend_from_slice(&code.to_be_bytes());
                    out.extend_from_slice(text.as_bytes());
                }
                return out;
            }
        };
        let mut out = Vec::with_capacity(9 + body.len());
        out.push(tag);
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    /// The piece and its sequence number.
    pub fn decode(message: &[u8]) -> Result<(u64, Piece), Malformed> {
        let (&tag, rest) = message.split_first().ok_or(Malformed)?;
        let (seq, body) = rest.split_first_chunk::<8>().ok_or(Malformed)?;
        let seq = u64::from_be_bytes(*seq);
        let body = body.to_vec();
        let piece = match tag {
            TAG_TEXT => Piece::Text(body),
            TAG_BINARY => Piece::Binary(body),
            TAG_PING => Piece::Ping(body),
            TAG_PONG => Piece::Pong(body),
            TAG_HEAD => Piece::Head(body),
            TAG_DATA => Piece::Data(body),
            TAG_END if body.is_empty() => Piece::End,
            TAG_CLOSE if body.is_empty() => Piece::Close(None),
            TAG_CLOSE => {
                let (code, reason) = body.split_first_chunk::<2>().ok_or(Malformed)?;
                let reason = String::from_utf8(reason.to_vec()).map_err(|_| Malformed)?;
                Piece::Close(Some((u16::from_be_bytes(*code), reason)))
            }
            _ => return Err(Malformed),
        };
        Ok((seq, piece))
    }
}

/// Checks that pieces arrive one after another, none lost, none twice.
#[derive(Debug, Default)]
pub struct InOrder {
    next: u64,
}

/// A piece came out of order: the tunnel lost something and must close.
#[derive(Debug, PartialEq, Eq)]
pub struct Gap {
    pub expected: u64,
    pub got: u64,
}

impl InOrder {
    pub fn accept(&mut self, seq: u64) -> Result<(), Gap> {
        if seq == self.next {
            self.next += 1;
            Ok(())
        } else {
            Err(Gap {
                expected: self.next,
                got: seq,
            })
        }
    }
}

/// Numbers the pieces one direction sends.
#[derive(Debug, Default)]
pub struct Numbering {
    next: u64,
}

impl Numbering {
    pub fn take(&mut self) -> u64 {
        let seq = self.next;
        self.next += 1;
        seq
    }
}

/// What kind of traffic a tunnel carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TunnelKind {
    Http,
    WebSocket,
}

/// A client's request as the node it reached forwards it: sent as a NATS request to the
/// leader's opening subject for its epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Opening {
    pub kind: TunnelKind,
    /// The node that forwards it (the leader drops its tunnels when that node falls silent).
    pub node: String,
    pub method: String,
    /// Path and query, as the client sent them.
    pub uri: String,
    /// Every end-to-end header, in order (hop-by-hop ones are left out); the client's address
    /// is the last of `X-Forwarded-For`.
    pub headers: Vec<(String, String)>,
    /// Where the leader sends its pieces; the forwarding node sends its own to `<down>.up`.
    pub down: String,
    /// An HTTP body small enough to travel with the opening (base64); a larger one follows as
    /// pieces, and this is `None` with `body_follows`.
    pub body: Option<String>,
    pub body_follows: bool,
}

impl Opening {
    /// Where the forwarding node sends its pieces.
    pub fn up(&self) -> String {
        format!("{}.up", self.down)
    }
}

/// The leader's answer to an [`Opening`]: for HTTP an acknowledgement (the answer follows as
/// pieces); for a WebSocket the engine's handshake: 101, or the refusal the client gets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Opened {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

/// The head of an HTTP answer, the first piece the leader sends back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// The subjects of cluster `name`.
#[derive(Debug, Clone)]
pub struct Subjects {
    prefix: String,
}

impl Subjects {
    pub fn new(name: &str) -> Subjects {
        Subjects {
            prefix: format!("parley.{name}"),
        }
    }

    /// Where the leader of `epoch` takes openings. The epoch is in the subject so that a node
    /// that still thinks an old leader leads gets "no responders" instead of a stale answer.
    pub fn openings(&self, epoch: i64) -> String {
        format!("{}.open.{epoch}", self.prefix)
    }

    /// A new tunnel's subject for the leader's pieces.
    pub fn tunnel(&self, id: u128) -> String {
        format!("{}.tunnel.{id:032x}", self.prefix)
    }

    /// Where every node says, often, that it is alive.
    pub fn heartbeats(&self) -> String {
        format!("{}.alive", self.prefix)
    }

    /// Where a node that takes the lease says so, so others need not wait for their next look.
    pub fn leader_changes(&self) -> String {
        format!("{}.leader", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_survives_the_round_trip_with_its_number() {
        let pieces = [
            Piece::Text(br#"{"type":"ping"}"#.to_vec()),
            Piece::Binary(vec![0, 1, 2, 255]),
            Piece::Ping(vec![]),
            Piece::Pong(b"x".to_vec()),
            Piece::Close(None),
            Piece::Close(Some((1012, "server_closing".to_owned()))),
            Piece::Head(br#"{"status":200,"headers":[]}"#.to_vec()),
            Piece::Data(vec![7; 1000]),
            Piece::End,
        ];
        for (seq, piece) in pieces.into_iter().enumerate() {
            let seq = seq as u64 * 1_000_003;
            assert_eq!(Piece::decode(&piece.encode(seq)), Ok((seq, piece)));
        }
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for message in [
            &b""[..],
            &[1][..],
            &[1, 0, 0, 0][..],
            &[99, 0, 0, 0, 0, 0, 0, 0, 0][..],
            &[5, 0, 0, 0, 0, 0, 0, 0, 0, 3][..],
            &[5, 0, 0, 0, 0, 0, 0, 0, 0, 3, 232, 0xff][..],
            &[8, 0, 0, 0, 0, 0, 0, 0, 0, 1][..],
        ] {
            assert_eq!(Piece::decode(message), Err(Malformed), "{message:?}");
        }
    }

    #[test]
    fn a_lost_or_repeated_piece_is_a_gap() {
        let mut order = InOrder::default();
        assert_eq!(order.accept(0), Ok(()));
        assert_eq!(order.accept(1), Ok(()));
        assert_eq!(
            order.accept(3),
            Err(Gap {
                expected: 2,
                got: 3
            })
        );
        let mut order = InOrder::default();
        order.accept(0).unwrap();
        assert_eq!(
            order.accept(0),
            Err(Gap {
                expected: 1,
                got: 0
            })
        );
    }

    #[test]
    fn numbering_counts_from_zero() {
        let mut numbers = Numbering::default();
        assert_eq!((numbers.take(), numbers.take(), numbers.take()), (0, 1, 2));
    }

    #[test]
    fn subjects_name_the_cluster_and_the_epoch() {
        let subjects = Subjects::new("blue");
        assert_eq!(subjects.openings(7), "parley.blue.open.7");
        assert_eq!(
            subjects.tunnel(0xab),
            "parley.blue.tunnel.000000000000000000000000000000ab"
        );
    }
}
