//! An MSRP byte stream fed to the decoder in pieces (REQ: MSRP-2): it must never panic, every
//! typed accessor must return rather than panic, a whole frame must re-encode to exactly the
//! bytes it came from, and the frames (heads, body bytes, flags) and the first error must be
//! the same however the stream is cut.
//!
//! The cut points come from the data itself: each piece is as long as the byte it starts with
//! says (1 to 64 bytes). Bodies longer than 16 bytes stream, so both delivery modes are
//! exercised.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use simpleim_msrp::{Decoded, Decoder, Flag, FrameHead, Limits, ParseError, Path};

/// A frame as delivered, whatever the delivery mode: head bytes, body bytes, flag.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    head: Vec<u8>,
    body: Vec<u8>,
    flag: Option<Flag>,
}

fn touch(head: &FrameHead) {
    let _ = head
        .to_path()
        .map(|p| Path::parse(bytes::Bytes::copy_from_slice(p)));
    let _ = head
        .from_path()
        .map(|p| Path::parse(bytes::Bytes::copy_from_slice(p)));
    let _ = head.message_id();
    let _ = head.byte_range();
    let _ = head.status();
    let _ = head.success_report();
    let _ = head.failure_report();
    let _ = head.use_nickname();
    let _ = head.expires();
    let _ = head.min_expires();
    let _ = head.max_expires();
    let _ = head.validate(Flag::Complete);
    let _ = head.headers().count();
}

fn decode_all<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> (Vec<Seen>, Option<ParseError>) {
    let mut decoder = Decoder::new(Limits {
        max_collect_bytes: 16,
        ..Limits::default()
    });
    let mut seen: Vec<Seen> = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        loop {
            match decoder.poll() {
                Ok(Some(Decoded::Frame(frame))) => {
                    touch(&frame.head);
                    let mut out = BytesMut::new();
                    frame.encode(&mut out);
                    assert_eq!(out.len(), frame.encoded_len());
                    seen.push(Seen {
                        head: frame.head.as_bytes().to_vec(),
                        body: frame.body.to_vec(),
                        flag: Some(frame.flag),
                    });
                }
                Ok(Some(Decoded::Head(head))) => {
                    touch(&head);
                    seen.push(Seen {
                        head: head.as_bytes().to_vec(),
                        body: Vec::new(),
                        flag: None,
                    });
                }
                Ok(Some(Decoded::Body(part))) => {
                    let last = seen.last_mut().expect("a body part follows a head");
                    assert!(last.flag.is_none(), "a body part after the last one");
                    last.body.extend_from_slice(&part.data);
                    if part.last {
                        last.flag = Some(part.flag.expect("the last part has the flag"));
                    }
                }
                Ok(None) => break,
                Err(e) => return (seen, Some(e)),
            }
        }
    }
    (seen, None)
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
