//! What a `relay::Relay` and sessions behind it put on the wire, read by an independent
//! dissector (REQ: MSRP-6): three sessions authenticate to one relay (AUTH, 401 with
//! WWW-Authenticate, AUTH with Authorization, 200 with Use-Path, Expires and
//! Authentication-Info) and send through it, two of them large messages at once to the
//! third, so that the relay interrupts chunks (`+`) and resumes them under new transaction
//! identifiers. Every frame of every direction is dissected alone by tshark: its fields must
//! be our decoder's, with no expert warning or error.
//!
//! tshark is a peer: without it the test says so and passes, except with `CI=true`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock as the endpoints' host"
)]

use std::time::Instant;

use bytes::Bytes;
use simpleim::msrp::relay::{Direction, Relay, RelayConfig, StaticCredentials};
use simpleim::msrp::{
    Event, Flag, Method, RelayAuth, SeededIds, SendOptions, Session, SessionConfig, UserPassword,
};
use simpleim_test_support::process;
use simpleim_test_support::tshark::{check_msrp_direction, tools_present};

const RELAY: &str = "msrp://relay.example.com:2855;tcp";
const PORT: u16 = 2855;

fn client(local: &str, user: &str, seed: u64) -> Session {
    let mut config = SessionConfig::new(
        local.parse().unwrap(),
        "msrp://placeholder.invalid:1/none;tcp".parse().unwrap(),
        Box::new(SeededIds::new(seed)),
    );
    config.chunk_size = u64::MAX;
    config.piece_size = 4096;
    config.relays = Some(RelayAuth::new(
        vec![RELAY.parse().unwrap()],
        Box::new(UserPassword::new(user, "pw")),
    ));
    Session::new(config)
}

/// The bytes each way of one session's connection, and the messages it received.
#[derive(Default, Clone)]
struct Seen {
    up: Vec<u8>,
    down: Vec<u8>,
    messages: Vec<Bytes>,
}

/// Moves bytes until nothing moves: each session is on relay connection `index + 1`, writes
/// one piece per turn, read by the relay in reads of at most 1000 bytes.
fn run(now: Instant, relay: &mut Relay<u32>, sessions: &mut [Session], wire: &mut [Seen]) {
    loop {
        let mut moved = false;
        for (i, s) in sessions.iter_mut().enumerate() {
            // One piece per session and turn: the senders' chunks arrive interleaved.
            if let Some(b) = s.poll_transmit() {
                wire[i].up.extend_from_slice(&b);
                for piece in b.chunks(1000) {
                    relay.handle_bytes(now, i as u32 + 1, piece);
                }
                moved = true;
            }
            while let Some(e) = s.poll_event() {
                if let Event::Message { body, .. } = e {
                    wire[i].messages.push(body);
                }
            }
        }
        while let Some((conn, b)) = relay.poll_transmit() {
            let i = conn as usize - 1;
            wire[i].down.extend_from_slice(&b);
            sessions[i].handle_bytes(now, &b);
            moved = true;
        }
        while relay.poll_event().is_some() {}
        if !moved {
            return;
        }
    }
}

#[test]
fn relay_traffic_dissects_as_written() {
    // REQ: MSRP-6
    if !tools_present() {
        return;
    }
    let now = Instant::now();
    let creds = StaticCredentials::new()
        .with_user("alice", "pw")
        .with_user("bob", "pw")
        .with_user("carol", "pw");
    let mut relay: Relay<u32> = Relay::new(RelayConfig::new(
        "relay.example.com",
        PORT,
        Box::new(creds),
        Box::new(SeededIds::new(7)),
    ));
    let mut sessions = vec![
        client("msrp://alice.example.com:7001/alice01;tcp", "alice", 1),
        client("msrp://bob.example.com:7002/bob0001;tcp", "bob", 2),
        client("msrp://carol.example.com:7003/carol01;tcp", "carol", 3),
    ];
    let mut wire = vec![Seen::default(); 3];
    for (i, s) in sessions.iter_mut().enumerate() {
        relay.handle_connected(now, i as u32 + 1, Direction::Accepted);
        s.authenticate(now).unwrap();
    }
    run(now, &mut relay, &mut sessions, &mut wire);
    let bob_path = sessions[1].advertised_path();
    let alice_path = sessions[0].advertised_path();
    sessions[0].set_remote(bob_path.clone());
    sessions[2].set_remote(bob_path);
    sessions[1].set_remote(alice_path);
    let big = |n: usize, k: u8| Bytes::from((0..n).map(|i| (i as u8) ^ k).collect::<Vec<u8>>());
    let opts = || SendOptions::new().success_report(true);
    let (m1, m2) = (big(60_000, 3), big(50_000, 9));
    sessions[0]
        .send_message(now, "application/octet-stream", m1.clone(), opts())
        .unwrap();
    sessions[2]
        .send_message(now, "application/octet-stream", m2.clone(), opts())
        .unwrap();
    sessions[1]
        .send_message(now, "text/plain", Bytes::from_static(b"Hi Alice"), opts())
        .unwrap();
    run(now, &mut relay, &mut sessions, &mut wire);

    let dir = process::scratch_dir("msrp-relay-tshark");
    let mut seen = Vec::new();
    for (i, w) in wire.iter().enumerate() {
        let port = 40_000 + i as u16;
        seen.extend(check_msrp_direction(&dir, &w.up, (port, PORT), PORT));
        seen.extend(check_msrp_direction(&dir, &w.down, (PORT, port), PORT));
    }
    let heads: Vec<_> = seen.iter().map(|(_, f)| &f.head).collect();
    assert!(
        heads
            .iter()
            .any(|h| h.method() == Some(&Method::Auth) && h.authorization().is_some())
    );
    assert!(
        heads
            .iter()
            .any(|h| h.status_code() == Some(401) && h.www_authenticate().is_some())
    );
    assert!(
        heads
            .iter()
            .any(|h| h.use_path().is_some() && h.authentication_info().is_some())
    );
    assert!(heads.iter().any(|h| h.method() == Some(&Method::Report)));
    assert!(
        seen.iter().any(|(_, f)| f.flag == Flag::Continued),
        "the relay interrupted a chunk"
    );
    let mut got = wire[1].messages.clone();
    got.sort();
    let mut want = vec![m1, m2];
    want.sort();
    assert_eq!(got, want, "Bob got both large messages whole");
    assert_eq!(wire[0].messages, [Bytes::from_static(b"Hi Alice")]);
    let _ = std::fs::remove_dir_all(&dir);
}
