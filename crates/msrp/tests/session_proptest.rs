//! Property test of two sessions over the simulated connection: random message sizes, chunk
//! and piece sizes, read splits, write budgets (which make chunks get interrupted by the
//! other side's traffic), report options and aborts. REQ: MSRP-4, MSRP-5
//!
//! Properties: every message not aborted is delivered exactly once, byte-exact, in the order
//! sent; an aborted message is never delivered; the sender hears `Sent` once per delivered
//! message and, when it asked, a complete success report; nothing fails on a clean link; and
//! once the clock has passed every timer nothing is left pending on either side.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::HashSet;

use bytes::Bytes;
use proptest::prelude::*;
use simpleim_msrp::{Event, Limits, MessageId, ReportMode, SendOptions};
use simpleim_test_support::msrp::{Pair, Side, epoch};

#[derive(Debug, Clone)]
struct Msg {
    len: usize,
    seed: u8,
    success: bool,
    failure: ReportMode,
    /// Abort it after this many steps, if given.
    abort_at: Option<usize>,
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        prop_oneof![0usize..64, 64usize..4096, 4096usize..12_000],
        any::<u8>(),
        any::<bool>(),
        prop_oneof![
            Just(ReportMode::Yes),
            Just(ReportMode::Partial),
            Just(ReportMode::No)
        ],
        prop::option::weighted(0.3, 0usize..40),
    )
        .prop_map(|(len, seed, success, failure, abort_at)| Msg {
            len,
            seed,
            success,
            failure,
            abort_at,
        })
}

#[derive(Debug, Clone)]
struct Setup {
    chunk_size: [u64; 2],
    piece_size: [usize; 2],
    reads: [Vec<usize>; 2],
    stream_bodies: [bool; 2],
    write_budget: usize,
    latency_ms: u64,
}

fn setup() -> impl Strategy<Value = Setup> {
    let chunk = prop_oneof![16u64..5000, Just(2048), Just(u64::MAX)];
    let piece = prop_oneof![1usize..64, 64usize..3000];
    let reads = prop::collection::vec(1usize..5000, 0..4);
    (
        [chunk.clone(), chunk],
        [piece.clone(), piece],
        [reads.clone(), reads],
        any::<[bool; 2]>(),
        prop_oneof![1 => Just(usize::MAX), 3 => 1usize..4],
        prop_oneof![Just(0u64), 1u64..50],
    )
        .prop_map(
            |(chunk_size, piece_size, reads, stream_bodies, write_budget, latency_ms)| Setup {
                chunk_size,
                piece_size,
                reads,
                stream_bodies,
                write_budget,
                latency_ms,
            },
        )
}

fn body(m: &Msg) -> Bytes {
    (0..m.len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(m.seed))
        .collect::<Vec<u8>>()
        .into()
}

/// Queues `msgs` on `side`, returning their Message-IDs.
fn queue(side: &mut Side, now: std::time::Instant, msgs: &[Msg]) -> Vec<MessageId> {
    msgs.iter()
        .map(|m| {
            side.session
                .send_message(
                    now,
                    "application/octet-stream",
                    body(m),
                    SendOptions::new()
                        .success_report(m.success)
                        .failure_report(m.failure),
                )
                .unwrap()
        })
        .collect()
}

/// Checks what `sender` heard about `msgs` and what `receiver` got.
fn check(
    sender: &Side,
    receiver: &Side,
    msgs: &[Msg],
    ids: &[MessageId],
    aborted: &HashSet<MessageId>,
) -> Result<(), TestCaseError> {
    let want: Vec<(MessageId, Vec<u8>)> = msgs
        .iter()
        .zip(ids)
        .filter(|(_, id)| !aborted.contains(id))
        .map(|(m, id)| (*id, body(m).to_vec()))
        .collect();
    let got = receiver.messages();
    prop_assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        prop_assert_eq!(g.0, w.0);
        prop_assert!(g.1 == w.1, "message {} differs", g.0);
    }
    for (m, id) in msgs.iter().zip(ids) {
        let about: Vec<&Event> = sender
            .events
            .iter()
            .filter(|e| match e {
                Event::Sent { message_id }
                | Event::Delivered { message_id, .. }
                | Event::SendFailed { message_id, .. }
                | Event::DeliveryUnconfirmed { message_id } => message_id == id,
                _ => false,
            })
            .collect();
        if aborted.contains(id) {
            prop_assert!(about.is_empty(), "{:?}", about);
            continue;
        }
        // With `Failure-Report: partial`, `Sent` waits for the transaction timeout and may
        // follow the success report.
        let sent = about
            .iter()
            .filter(|e| matches!(e, Event::Sent { .. }))
            .count();
        prop_assert_eq!(sent, 1, "{:?}", about);
        let delivered: Vec<bool> = about
            .iter()
            .filter_map(|e| match e {
                Event::Delivered { complete, .. } => Some(*complete),
                _ => None,
            })
            .collect();
        if m.success {
            prop_assert_eq!(delivered, [true]);
        } else {
            prop_assert!(delivered.is_empty());
        }
        prop_assert_eq!(about.len(), 1 + usize::from(m.success));
    }
    prop_assert!(
        !receiver.events.iter().any(|e| matches!(
            e,
            Event::MessageAborted { message_id, .. } if !aborted.contains(message_id)
        )),
        "{:?}",
        receiver.events
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn messages_arrive_once_in_order_byte_exact(
        setup in setup(),
        from_alice in prop::collection::vec(msg(), 1..5),
        from_bob in prop::collection::vec(msg(), 0..3),
        seed in any::<u64>(),
    ) {
        let (mut a, mut b) = Pair::rfc_configs(seed);
        for (i, c) in [&mut a, &mut b].into_iter().enumerate() {
            c.chunk_size = setup.chunk_size[i];
            c.piece_size = setup.piece_size[i];
            if setup.stream_bodies[i] {
                c.decoder_limits = Limits { max_collect_bytes: 0, ..Limits::default() };
            }
        }
        let mut pair = Pair::new(a, b);
        pair.write_budget = setup.write_budget;
        pair.to_bob.reads = setup.reads[0].clone();
        pair.to_alice.reads = setup.reads[1].clone();
        pair.to_bob.latency = std::time::Duration::from_millis(setup.latency_ms);
        pair.to_alice.latency = std::time::Duration::from_millis(setup.latency_ms / 2);
        let now = pair.now;
        let alice_ids = queue(&mut pair.alice, now, &from_alice);
        let bob_ids = queue(&mut pair.bob, now, &from_bob);

        // Step by step, aborting where asked; an abort that finds the message fully sent
        // does nothing and the message must arrive.
        let mut aborted = HashSet::new();
        for step in 0..1_000_000usize {
            for (m, id) in from_alice.iter().zip(&alice_ids) {
                if m.abort_at == Some(step) && pair.alice.session.abort(*id) {
                    aborted.insert(*id);
                }
            }
            for (m, id) in from_bob.iter().zip(&bob_ids) {
                if m.abort_at == Some(step) && pair.bob.session.abort(*id) {
                    aborted.insert(*id);
                }
            }
            if !pair.step() {
                match pair.next_arrival() {
                    Some(at) => pair.now = at,
                    None if step > 40 => break,
                    None => {}
                }
            }
        }
        pair.settle();

        check(&pair.alice, &pair.bob, &from_alice, &alice_ids, &aborted)?;
        check(&pair.bob, &pair.alice, &from_bob, &bob_ids, &aborted)?;
        for side in [&pair.alice, &pair.bob] {
            prop_assert!(side.session.is_idle(), "{:?}", side.session);
            prop_assert_eq!(side.session.pending_transactions(), 0);
            prop_assert_eq!(side.session.incomplete_messages(), 0);
            prop_assert_eq!(side.session.buffered_bytes(), 0);
            prop_assert_eq!(side.session.poll_timeout(), None);
        }
    }
}

// --- a receiver fed arbitrary requests -------------------------------------------------------

/// A number for a Byte-Range field: small, near the limits, or absurd.
fn position() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..120).prop_map(|n| n.to_string()),
        1 => (4990u64..5010).prop_map(|n| n.to_string()),
        1 => Just(u64::MAX.to_string()),
        1 => Just("*".to_owned()),
    ]
}

/// One request from Alice, as bytes: mostly well-formed SEND chunks of a few messages,
/// sometimes REPORT, NICKNAME, other methods, wrong To-Paths or odd header values.
fn request() -> impl Strategy<Value = Vec<u8>> {
    let method = prop_oneof![8 => Just("SEND"), 1 => Just("REPORT"), 1 => Just("NICKNAME"), 1 => Just("PING")];
    let mid = prop_oneof![
        Just("msg00001"),
        Just("msg00002"),
        Just("msg00003"),
        Just("msg00004"),
        Just("-x")
    ];
    let report = prop_oneof![
        Just(""),
        Just("yes"),
        Just("no"),
        Just("partial"),
        Just("maybe")
    ];
    (
        method,
        "[a-z0-9]{8}",
        prop::bool::weighted(0.95),
        prop::option::weighted(0.9, mid),
        prop::option::weighted(0.9, (position(), position(), position())),
        (report.clone(), report),
        prop::option::weighted(
            0.9,
            (
                prop_oneof![Just("text/plain"), Just("image/png")],
                0usize..300,
            ),
        ),
        prop_oneof![6 => Just('$'), 3 => Just('+'), 1 => Just('#')],
    )
        .prop_map(
            |(method, tid, to_me, mid, range, (success, failure), body, flag)| {
                let to = if to_me {
                    simpleim_test_support::msrp::BOB
                } else {
                    "msrp://bob.example.com:8888/other;tcp"
                };
                let from = simpleim_test_support::msrp::ALICE;
                let mut v =
                    format!("MSRP {tid} {method}\r\nTo-Path: {to}\r\nFrom-Path: {from}\r\n");
                if let Some(mid) = mid {
                    v.push_str(&format!("Message-ID: {mid}\r\n"));
                }
                if let Some((s, e, t)) = range {
                    v.push_str(&format!("Byte-Range: {s}-{e}/{t}\r\n"));
                }
                if !success.is_empty() {
                    v.push_str(&format!("Success-Report: {success}\r\n"));
                }
                if !failure.is_empty() {
                    v.push_str(&format!("Failure-Report: {failure}\r\n"));
                }
                match method {
                    "REPORT" => v.push_str("Status: 000 200 OK\r\n"),
                    "NICKNAME" => v.push_str("Use-Nickname: \"nick\"\r\n"),
                    _ => {}
                }
                let flag = if method == "SEND" { flag } else { '$' };
                let mut v = v.into_bytes();
                if let Some((ct, len)) = body {
                    v.extend_from_slice(format!("Content-Type: {ct}\r\n\r\n").as_bytes());
                    v.extend((0..len).map(|i| b'a' + (i % 26) as u8));
                    v.extend_from_slice(b"\r\n");
                }
                v.extend_from_slice(format!("-------{tid}{flag}\r\n").as_bytes());
                v
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_receiver_stays_within_its_bounds(
        requests in prop::collection::vec(request(), 1..40),
        split in 1usize..700,
        stream in any::<bool>(),
        ticks in prop::collection::vec(0u64..200, 0..5),
    ) {
        let (_, mut b) = Pair::rfc_configs(1);
        b.max_message_size = 5000;
        b.accept_types = vec!["text/*".into()];
        b.reassembly = {
            let mut r = simpleim_msrp::ReassemblyLimits::default();
            r.max_messages = 3;
            r.max_buffered_bytes = 2000;
            r
        };
        if stream {
            b.decoder_limits = Limits { max_collect_bytes: 0, ..Limits::default() };
        }
        let mut bob = simpleim_msrp::Session::new(b);
        let mut now = epoch();
        let wire: Vec<u8> = requests.concat();
        let mut out = Vec::new();
        let mut delivered = HashSet::new();
        let mut ticks = ticks.into_iter();
        for read in wire.chunks(split) {
            bob.handle_bytes(now, read);
            if let Some(t) = ticks.next() {
                now += std::time::Duration::from_secs(t);
                bob.handle_timeout(now);
            }
            while let Some(b) = bob.poll_transmit() {
                out.extend_from_slice(&b);
            }
            while let Some(e) = bob.poll_event() {
                if let Event::Message { message_id, body, .. } = e {
                    prop_assert!(delivered.insert(message_id), "{} delivered twice", message_id);
                    prop_assert!(body.len() <= 5000);
                }
            }
            prop_assert!(bob.incomplete_messages() <= 3);
            prop_assert!(bob.buffered_bytes() <= 2000);
            prop_assert!(!bob.is_closed());
        }
        // Whatever came in, what goes out is well-formed MSRP.
        let mut d = simpleim_msrp::Decoder::new(Limits::default());
        d.push(&out);
        while let Some(item) = d.poll().unwrap() {
            if let simpleim_msrp::Decoded::Frame(f) = item {
                prop_assert!(f.head.validate(f.flag).is_ok());
            }
        }
        prop_assert!(d.at_boundary());
    }
}
