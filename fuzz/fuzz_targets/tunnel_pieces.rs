//! Issue 11: any bytes as a message on a cluster tunnel's NATS subject, through
//! `cluster::wire::Piece::decode` as both ends of a tunnel call it.
//!
//! Properties: decoding never panics; whatever decodes encodes back to exactly the same bytes
//! (the encoding is canonical, so a piece cannot be read two ways); and a sequence checker fed
//! the decoded number accepts it only if it is the one expected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley::cluster::wire::{InOrder, Piece};

fuzz_target!(|data: &[u8]| {
    let Ok((seq, piece)) = Piece::decode(data) else {
        return;
    };
    assert_eq!(piece.encode(seq), data, "{piece:?} at {seq}");
    let mut order = InOrder::default();
    assert_eq!(order.accept(seq).is_ok(), seq == 0);
});
