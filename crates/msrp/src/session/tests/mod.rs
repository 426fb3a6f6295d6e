//! Session-level unit tests: one session fed hand-written frames, its output decoded and
//! checked against the RFC 4975 and RFC 7701 rules each test cites. Shared helpers here;
//! the tests by topic in the submodules.

use std::collections::VecDeque;

use super::*;
use crate::decode::Limits;
use crate::error::EncodeError;
use crate::frame::{Flag, Frame};
use crate::header::ByteRange;

const ALICE: &str = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";
const BOB: &str = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";

#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

/// Identifiers from a script, then from a seeded generator.
struct Script {
    tids: VecDeque<&'static str>,
    mids: VecDeque<&'static str>,
    rest: SeededIds,
}

impl IdGenerator for Script {
    fn transaction_id(&mut self) -> TransactionId {
        match self.tids.pop_front() {
            Some(t) => t.parse().unwrap(),
            None => self.rest.transaction_id(),
        }
    }

    fn message_id(&mut self) -> MessageId {
        match self.mids.pop_front() {
            Some(m) => m.parse().unwrap(),
            None => self.rest.message_id(),
        }
    }
}

fn script(tids: &[&'static str], mids: &[&'static str]) -> Box<Script> {
    Box::new(Script {
        tids: tids.iter().copied().collect(),
        mids: mids.iter().copied().collect(),
        rest: SeededIds::new(9),
    })
}

/// A session at `local` talking to `remote`, configured by `tweak`.
fn session_with(
    local: &str,
    remote: &str,
    ids: Box<dyn IdGenerator>,
    tweak: impl FnOnce(&mut SessionConfig),
) -> Session {
    let mut c = SessionConfig::new(local.parse().unwrap(), remote.parse().unwrap(), ids);
    tweak(&mut c);
    Session::new(c)
}

fn alice(tweak: impl FnOnce(&mut SessionConfig)) -> Session {
    session_with(ALICE, BOB, Box::new(SeededIds::new(1)), tweak)
}

fn bob(tweak: impl FnOnce(&mut SessionConfig)) -> Session {
    session_with(BOB, ALICE, Box::new(SeededIds::new(2)), tweak)
}

/// Alice writing chunks of any size in pieces of `piece` bytes.
fn alice_pieces(piece: usize) -> Session {
    alice(|c| {
        c.chunk_size = u64::MAX;
        c.piece_size = piece;
    })
}

/// Queues `len` bytes of `x` as `text/plain`.
fn send_x(s: &mut Session, now: Instant, len: usize, options: SendOptions) -> MessageId {
    s.send_message(now, "text/plain", Bytes::from(vec![b'x'; len]), options)
        .unwrap()
}

/// Queues `text` as `text/plain`.
fn send_text(
    s: &mut Session,
    now: Instant,
    text: &'static [u8],
    options: SendOptions,
) -> MessageId {
    s.send_message(now, "text/plain", Bytes::from_static(text), options)
        .unwrap()
}

/// The only event, which must be [`Event::SendFailed`]: its message, code and source.
fn failure(events: &[Event]) -> (MessageId, u16, FailureSource) {
    match events {
        [
            Event::SendFailed {
                message_id,
                status,
                source,
                ..
            },
        ] => (*message_id, status.code, *source),
        other => panic!("{other:?}"),
    }
}

/// Everything the session has to transmit.
fn drain(s: &mut Session) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = s.poll_transmit() {
        out.extend_from_slice(&b);
    }
    out
}

fn events(s: &mut Session) -> Vec<Event> {
    core::iter::from_fn(|| s.poll_event()).collect()
}

/// Decodes a byte stream into whole frames.
fn frames(wire: &[u8]) -> Vec<Frame> {
    let mut d = Decoder::new(Limits {
        max_collect_bytes: usize::MAX,
        ..Limits::default()
    });
    d.push(wire);
    let mut out = Vec::new();
    while let Some(item) = d.poll().unwrap() {
        match item {
            Decoded::Frame(f) => out.push(f),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(d.buffered(), 0, "trailing bytes");
    out
}

/// A request from Alice to `to`, with a body of `content_type` when given.
fn request_to(
    to: &str,
    tid: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
    flag: char,
) -> Vec<u8> {
    // Requests to Alice come from Bob; all others from Alice.
    let from = if to == ALICE { BOB } else { ALICE };
    let mut v =
        format!("MSRP {tid} {method}\r\nTo-Path: {to}\r\nFrom-Path: {from}\r\n").into_bytes();
    for (n, value) in headers {
        v.extend_from_slice(format!("{n}: {value}\r\n").as_bytes());
    }
    if let Some((ct, b)) = body {
        v.extend_from_slice(format!("Content-Type: {ct}\r\n\r\n").as_bytes());
        v.extend_from_slice(b);
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(format!("-------{tid}{flag}\r\n").as_bytes());
    v
}

/// A SEND chunk from Alice to Bob.
fn chunk(tid: &str, mid: &str, range: &str, body: &[u8], flag: char) -> Vec<u8> {
    request_to(
        BOB,
        tid,
        "SEND",
        &[("Message-ID", mid), ("Byte-Range", range)],
        Some(("text/plain", body)),
        flag,
    )
}

/// The transaction identifier on the start line of `wire`.
fn start_tid(wire: &[u8]) -> String {
    let line =
        std::str::from_utf8(&wire[..wire.iter().position(|&b| b == b'\r').unwrap()]).unwrap();
    line.split(' ').nth(1).unwrap().to_owned()
}

fn range(f: &Frame) -> ByteRange {
    f.head.byte_range().unwrap().unwrap()
}

fn status_codes(frames: &[Frame]) -> Vec<u16> {
    frames.iter().filter_map(|f| f.head.status_code()).collect()
}

mod lifecycle;
mod receive;
mod send;
