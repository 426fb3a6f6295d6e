//! Property: whatever the message sizes, chunk and piece sizes, the way bytes are split on
//! every link and the order links take turns in, every byte sent through a relay arrives
//! exactly once and in order (REQ: MSRP-6).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    reason = "test helpers fail the test by panicking; the host's clock starts the simulation"
)]

mod relay_net;

use bytes::Bytes;
use proptest::prelude::*;
use relay_net::{Net, client_with, relay};
use simpleim_msrp::{Event, SendOptions};

const RELAY: &str = "msrp://relay.example.com:2855;tcp";

fn body(n: usize, k: u8) -> Bytes {
    // Bodies full of end-line look-alikes, so that cutting at the relay's identifiers is
    // exercised too.
    let pattern = b"\r\n-------";
    Bytes::from(
        (0..n)
            .map(|i| {
                if i % 97 < pattern.len() {
                    pattern[i % 97]
                } else {
                    (i as u8).wrapping_mul(k)
                }
            })
            .collect::<Vec<u8>>(),
    )
}

/// One run: the messages of each size, sent at once, through one relay.
#[allow(clippy::too_many_arguments)]
fn check(
    sizes_a: &[usize],
    sizes_c: &[usize],
    sizes_b: &[usize],
    chunk: u64,
    piece: usize,
    collect: usize,
    max_piece: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let mut net = Net::new(seed);
    net.max_piece = max_piece;
    let r = net.add_relay(relay("relay.example.com", 2855, seed ^ 1, |c| {
        c.limits.decoder.max_collect_bytes = collect;
        c.limits.high_watermark = 8 * 1024;
        c.limits.low_watermark = 2 * 1024;
    }));
    let mk = |local: &str, user: &str, s: u64| {
        client_with(local, &[RELAY], user, s, |c| {
            c.chunk_size = chunk;
            c.piece_size = piece;
        })
    };
    let a = net.add_client(mk("msrp://alice.example.com:1/aaaa;tcp", "alice", seed ^ 2));
    let b = net.add_client(mk("msrp://bob.example.com:2/bbbb;tcp", "bob", seed ^ 3));
    let c = net.add_client(mk("msrp://carol.example.com:3/cccc;tcp", "carol", seed ^ 4));
    for x in [a, b, c] {
        net.connect(x, r);
        net.authenticate(x);
    }
    net.pair(a, b);
    let pb = net.clients[b].advertised_path();
    net.clients[c].set_remote(pb);
    let now = net.now;
    let mut want_b_from_a = Vec::new();
    let mut want_b_from_c = Vec::new();
    let mut want_a = Vec::new();
    for (i, n) in sizes_a.iter().enumerate() {
        let m = body(*n, i as u8 + 1);
        let id = net.clients[a]
            .send_message(
                now,
                "application/octet-stream",
                m.clone(),
                SendOptions::new().success_report(true),
            )
            .unwrap();
        want_b_from_a.push((id.to_string(), m.to_vec()));
    }
    for (i, n) in sizes_c.iter().enumerate() {
        let m = body(*n, i as u8 + 50);
        let id = net.clients[c]
            .send_message(
                now,
                "application/octet-stream",
                m.clone(),
                SendOptions::new(),
            )
            .unwrap();
        want_b_from_c.push((id.to_string(), m.to_vec()));
    }
    for (i, n) in sizes_b.iter().enumerate() {
        let m = body(*n, i as u8 + 100);
        let id = net.clients[b]
            .send_message(now, "text/plain", m.clone(), SendOptions::new())
            .unwrap();
        want_a.push((id.to_string(), m.to_vec()));
    }
    net.run();
    let got_b = net.messages(b);
    let from_a: Vec<_> = got_b
        .iter()
        .filter(|(id, _)| want_b_from_a.iter().any(|(w, _)| w == id))
        .cloned()
        .collect();
    let from_c: Vec<_> = got_b
        .iter()
        .filter(|(id, _)| want_b_from_c.iter().any(|(w, _)| w == id))
        .cloned()
        .collect();
    prop_assert_eq!(got_b.len(), want_b_from_a.len() + want_b_from_c.len());
    prop_assert_eq!(from_a, want_b_from_a.clone());
    prop_assert_eq!(from_c, want_b_from_c);
    prop_assert_eq!(net.messages(a), want_a);
    // Every message Alice asked a success report for is confirmed end to end.
    let delivered = net.client_events[a]
        .iter()
        .filter(|e| matches!(e, Event::Delivered { complete: true, .. }))
        .count();
    prop_assert_eq!(delivered, want_b_from_a.len());
    prop_assert!(net.relays[r].is_idle());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_byte_once_and_in_order(
        sizes_a in prop::collection::vec(0usize..20_000, 1..4),
        sizes_c in prop::collection::vec(0usize..20_000, 0..3),
        sizes_b in prop::collection::vec(0usize..3_000, 0..3),
        chunk in prop::sample::select(vec![2048u64, 5000, u64::MAX]),
        piece in prop::sample::select(vec![700usize, 2048, 9000]),
        collect in 0usize..4096,
        max_piece in 1usize..6000,
        seed in any::<u64>(),
    ) {
        // REQ: MSRP-6
        check(&sizes_a, &sizes_c, &sizes_b, chunk, piece, collect, max_piece, seed)?;
    }
}

#[test]
fn one_byte_reads_with_two_senders() {
    // REQ: MSRP-6 (a case proptest found: every link delivering one byte at a time)
    check(&[6360], &[16385], &[], 5000, 700, 0, 1, 0).unwrap();
}
