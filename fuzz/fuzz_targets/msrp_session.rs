//! Two MSRP sessions joined by a simulated connection, driven by an arbitrary list of
//! operations (REQ: MSRP-4, MSRP-5, MSRP-7): sends of any size with any report modes, aborts,
//! nicknames and answers, partial deliveries of the bytes in flight, time passing, hostile
//! bytes injected into either side, connection loss and close.
//!
//! Never a panic. A closed session writes nothing more. A timeout is never in the past of
//! the time it was polled at. And when no hostile bytes were injected, every message the
//! receiver delivers is one that was sent, byte for byte, and is delivered once.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use simpleim_msrp::{
    Event, MessageId, MsrpUri, Path, ReportMode, SeededIds, SendOptions, Session, SessionConfig,
};

const ALICE: &str = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";
const BOB: &str = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";

#[derive(Arbitrary, Debug)]
enum Op {
    Send {
        side: bool,
        len: u16,
        fill: u8,
        text: bool,
        success: bool,
        failure: u8,
    },
    Abort {
        side: bool,
        which: u8,
    },
    Nickname {
        side: bool,
        name: String,
    },
    Respond {
        side: bool,
        status: u16,
    },
    /// Move up to `max` bytes from `side`'s output to the other side, in one read.
    Deliver {
        side: bool,
        max: u16,
    },
    Advance {
        millis: u16,
    },
    Inject {
        side: bool,
        bytes: Vec<u8>,
    },
    Lose {
        side: bool,
    },
    Close {
        side: bool,
    },
}

struct Side {
    session: Session,
    /// Written by this side, not yet read by the other.
    wire: BytesMut,
    sent: HashMap<MessageId, Bytes>,
    received: HashSet<MessageId>,
    nickname_requests: Vec<simpleim_msrp::TransactionId>,
}

fn side(local: &str, remote: &str, seed: u64, chunk: usize) -> Side {
    let mut config = SessionConfig::new(
        MsrpUri::parse_str(local).expect("valid URI"),
        Path::parse_str(remote).expect("valid path"),
        Box::new(SeededIds::new(seed)),
    );
    config.piece_size = chunk.max(1);
    config.max_message_size = 64 * 1024;
    Side {
        session: Session::new(config),
        wire: BytesMut::new(),
        sent: HashMap::new(),
        received: HashSet::new(),
        nickname_requests: Vec::new(),
    }
}

/// Drains one side in the documented order and checks what comes out.
fn drain(s: &mut Side, other_sent: &HashMap<MessageId, Bytes>, clean: bool, now: Instant) {
    while let Some(bytes) = s.session.poll_transmit() {
        s.wire.extend_from_slice(&bytes);
    }
    while let Some(event) = s.session.poll_event() {
        match event {
            Event::Message {
                message_id, body, ..
            } if clean => {
                let sent = other_sent
                    .get(&message_id)
                    .expect("a delivered message was sent");
                assert_eq!(&body, sent, "a delivered message differs from the one sent");
                assert!(s.received.insert(message_id), "a message delivered twice");
            }
            Event::NicknameRequest { tid, .. } => s.nickname_requests.push(tid),
            _ => {}
        }
    }
    if let Some(t) = s.session.poll_timeout() {
        assert!(t >= now || s.session.is_closed(), "a timeout in the past");
    }
    if s.session.is_closed() {
        assert!(
            s.session.poll_transmit().is_none(),
            "a closed session writes"
        );
    }
}

fuzz_target!(|input: (u8, Vec<Op>)| {
    let (chunk, ops) = input;
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let chunk = 1 + usize::from(chunk) * 16;
    let mut sides = [side(ALICE, BOB, 1, chunk), side(BOB, ALICE, 2, chunk)];
    let mut clean = true;
    for op in ops.into_iter().take(256) {
        let i = |side: bool| usize::from(side);
        match op {
            Op::Send {
                side,
                len,
                fill,
                text,
                success,
                failure,
            } => {
                let body = Bytes::from(vec![fill; usize::from(len)]);
                let mode = match failure % 3 {
                    0 => ReportMode::Yes,
                    1 => ReportMode::No,
                    _ => ReportMode::Partial,
                };
                let options = SendOptions::new()
                    .success_report(success)
                    .failure_report(mode);
                let ct = if text { "text/plain" } else { "message/cpim" };
                let s = &mut sides[i(side)];
                if let Ok(id) = s.session.send_message(now, ct, body.clone(), options) {
                    s.sent.insert(id, body);
                }
            }
            Op::Abort { side, which } => {
                let s = &mut sides[i(side)];
                let ids: Vec<MessageId> = s.sent.keys().copied().collect();
                if !ids.is_empty() {
                    let id = ids[usize::from(which) % ids.len()];
                    if s.session.abort(id) {
                        // An aborted message may still arrive whole if its last byte was out.
                    }
                }
            }
            Op::Nickname { side, name } => {
                let _ = sides[i(side)].session.send_nickname(now, &name);
            }
            Op::Respond { side, status } => {
                let s = &mut sides[i(side)];
                if let Some(tid) = s.nickname_requests.pop() {
                    let _ = s.session.respond(tid, status, None);
                }
            }
            Op::Deliver { side, max } => {
                let from = i(side);
                let n = usize::from(max).min(sides[from].wire.len());
                let bytes = sides[from].wire.split_to(n);
                sides[1 - from].session.handle_bytes(now, &bytes);
            }
            Op::Advance { millis } => {
                now += Duration::from_millis(u64::from(millis) * 50);
                for s in &mut sides {
                    s.session.handle_timeout(now);
                }
            }
            Op::Inject { side, bytes } => {
                clean = false;
                sides[i(side)].session.handle_bytes(now, &bytes);
            }
            Op::Lose { side } => sides[i(side)].session.handle_connection_lost(now),
            Op::Close { side } => sides[i(side)].session.close(),
        }
        let [a, b] = &mut sides;
        drain(a, &b.sent, clean, now);
        drain(b, &a.sent, clean, now);
    }
});
