//! A TCP byte stream fed to the stream decoder in pieces: it must never panic, and the messages
//! (and the first error, if any) must be the same however the stream is cut.
//!
//! The cut points come from the data itself: each piece is as long as the byte it starts
//! with says (1 to 64 bytes), so a plain SIP message is a useful seed and the fuzzer steers the
//! cuts by mutating it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simpleim_sip::{Limits, Message, ParseError, StreamDecoder};

/// Everything the decoder produces from `pieces`, up to and including its first error.
fn decode_all<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Vec<Result<Message, ParseError>> {
    let mut decoder = StreamDecoder::new(Limits::default());
    let mut out = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        loop {
            match decoder.decode() {
                Ok(Some(msg)) => out.push(Ok(msg)),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let whole = decode_all([data]);

    let mut pieces = Vec::new();
    let mut rest = data;
    while let Some(&first) = rest.first() {
        let (piece, tail) = rest.split_at(rest.len().min(1 + usize::from(first % 64)));
        pieces.push(piece);
        rest = tail;
    }
    let split = decode_all(pieces);

    assert_eq!(whole, split, "cutting the stream changed what was decoded");
});
