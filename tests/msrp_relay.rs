//! `examples/msrp_relay` as a real process on loopback between two library `Session`s over
//! TCP (REQ: MSRP-6), as `tests/kamailio_relay.rs` does with Kamailio:
//!
//! 1. Alice and Bob connect to the relay and authenticate with the session's own AUTH
//!    (RFC 4976 §5.1): 401 with a Digest challenge, AUTH with credentials, 200 with a
//!    Use-Path on the relay. Each advertises the Use-Path then itself.
//! 2. Alice sends a short text and a 300 KB binary message (one chunk, streamed through the
//!    relay as it arrives) with success reports; Bob sends a text back. Every body arrives
//!    byte for byte; every success REPORT crosses back; the relay's per-hop 200s settle the
//!    SENDs.
//! 3. SIGINT: the relay exits 0.
//!
//! A second test runs two relay processes: Alice behind one, Bob behind the other; the
//! first relay dials the second when Alice's To-Path leads there (RFC 4976 §3).
//!
//! The binary is the example built beside this test (`cargo test` builds it); without it the
//! test says so and passes, except with `CI=true`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock as the endpoints' host"
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim::msrp::{Event, RelayAuth, SendOptions, Session, SessionConfig, UserPassword};
use simpleim_test_support::loopback::{Conn, MsrpEndpoint, received};
use simpleim_test_support::process::{self, Reaped};

/// A session for `user` at `local`, through the relay at `port`.
fn endpoint(port: u16, local: &str, user: &str, password: &str, seed: u64) -> MsrpEndpoint {
    let relay = format!("msrp://127.0.0.1:{port};tcp");
    let conn = Conn::connect(("127.0.0.1", port));
    let mut e = MsrpEndpoint::new(conn, local, &relay, seed);
    let mut config = SessionConfig::new(
        local.parse().unwrap(),
        relay.parse().unwrap(),
        Box::new(simpleim::msrp::SeededIds::new(seed)),
    );
    config.chunk_size = u64::MAX; // one chunk per message, interrupted as needed
    config.relays = Some(RelayAuth::new(
        vec![relay.parse().unwrap()],
        Box::new(UserPassword::new(user, password)),
    ));
    e.session = Session::new(config);
    e
}

/// Pumps both endpoints until `done` holds, within 10 s.
fn pump_both(
    a: &mut MsrpEndpoint,
    b: &mut MsrpEndpoint,
    what: &str,
    done: impl Fn(&MsrpEndpoint, &MsrpEndpoint) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(a, b) {
        assert!(
            Instant::now() < deadline,
            "{what} not in time: alice {:?}; bob {:?}",
            a.events,
            b.events
        );
        a.pump(Duration::from_millis(5));
        b.pump(Duration::from_millis(5));
    }
}

fn authenticated(e: &MsrpEndpoint) -> bool {
    e.events
        .iter()
        .any(|e| matches!(e, Event::RelayAuthenticated { .. }))
}

fn delivered_all(e: &MsrpEndpoint, n: usize) -> bool {
    e.events
        .iter()
        .filter(|e| matches!(e, Event::Delivered { complete: true, .. }))
        .count()
        >= n
}

/// The example binary, or `None` (with a note) when it is not built; under `CI=true` a
/// missing example is a failure.
fn example() -> Option<std::path::PathBuf> {
    let bin = process::example("msrp_relay");
    if bin.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the msrp_relay example is not built beside this test"
        );
        eprintln!("msrp_relay: SKIPPED: the example is not built (run `cargo test`)");
    }
    bin
}

/// Starts the relay on a free port, waits for its `ready`; (process, port).
fn start(bin: &std::path::Path) -> (Reaped, u16) {
    let port = process::free_port();
    let mut relay = Reaped(
        Command::new(bin)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--user", "alice:alice-pw", "--user", "bob:bob-pw"])
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start msrp_relay"),
    );
    let stdout = relay.0.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines
        .by_ref()
        .take(4)
        .map_while(Result::ok)
        .any(|l| l == "ready");
    assert!(ready, "msrp_relay did not say ready");
    (relay, port)
}

/// SIGINT, and the relay exits 0.
fn stop(mut relay: Reaped) {
    process::interrupt(&relay.0);
    let status = process::wait_bounded(&mut relay.0, Duration::from_secs(5))
        .expect("msrp_relay exits on SIGINT");
    assert!(status.success(), "{status:?}");
}

#[test]
fn two_sessions_talk_through_the_example_relay() {
    // REQ: MSRP-6
    let Some(bin) = example() else {
        return;
    };
    let (relay, port) = start(&bin);
    let mut alice = endpoint(
        port,
        "msrp://127.0.0.1:7001/alice0001;tcp",
        "alice",
        "alice-pw",
        1,
    );
    let mut bob = endpoint(
        port,
        "msrp://127.0.0.1:7002/bob00001;tcp",
        "bob",
        "bob-pw",
        2,
    );
    let now = Instant::now();
    alice.session.authenticate(now).unwrap();
    bob.session.authenticate(now).unwrap();
    pump_both(&mut alice, &mut bob, "AUTH", |a, b| {
        authenticated(a) && authenticated(b)
    });
    let pa = alice.session.advertised_path();
    let pb = bob.session.advertised_path();
    assert!(
        pa.to_string()
            .starts_with(&format!("msrp://127.0.0.1:{port}/")),
        "{pa}"
    );
    alice.session.set_remote(pb);
    bob.session.set_remote(pa);

    let text = Bytes::from_static(b"Hi Bob, through the relay");
    let blob = Bytes::from(
        (0..300_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let opts = || SendOptions::new().success_report(true);
    let t = alice
        .session
        .send_message(now, "text/plain", text.clone(), opts())
        .unwrap();
    let f = alice
        .session
        .send_message(now, "application/octet-stream", blob.clone(), opts())
        .unwrap();
    let back = bob
        .session
        .send_message(now, "text/plain", Bytes::from_static(b"Hi Alice"), opts())
        .unwrap();
    pump_both(&mut alice, &mut bob, "messages and reports", |a, b| {
        received(&b.events, t).is_some()
            && received(&b.events, f).is_some()
            && received(&a.events, back).is_some()
            && delivered_all(a, 2)
            && delivered_all(b, 1)
    });
    assert_eq!(received(&bob.events, t).unwrap(), text);
    assert_eq!(received(&bob.events, f).unwrap(), blob);
    assert_eq!(&received(&alice.events, back).unwrap()[..], b"Hi Alice");
    assert!(
        alice
            .events
            .iter()
            .any(|e| matches!(e, Event::Sent { message_id } if *message_id == f))
    );

    stop(relay);
}

#[test]
fn two_sessions_talk_through_two_example_relays() {
    // REQ: MSRP-6 (RFC 4976 §3: Alice - relay A - relay B - Bob; relay A dials relay B)
    let Some(bin) = example() else {
        return;
    };
    let (relay_a, port_a) = start(&bin);
    let (relay_b, port_b) = start(&bin);
    let mut alice = endpoint(
        port_a,
        "msrp://127.0.0.1:7003/alice0002;tcp",
        "alice",
        "alice-pw",
        3,
    );
    let mut bob = endpoint(
        port_b,
        "msrp://127.0.0.1:7004/bob00002;tcp",
        "bob",
        "bob-pw",
        4,
    );
    let now = Instant::now();
    alice.session.authenticate(now).unwrap();
    bob.session.authenticate(now).unwrap();
    pump_both(&mut alice, &mut bob, "AUTH", |a, b| {
        authenticated(a) && authenticated(b)
    });
    let pa = alice.session.advertised_path();
    let pb = bob.session.advertised_path();
    alice.session.set_remote(pb);
    bob.session.set_remote(pa);
    let blob = Bytes::from(
        (0..100_000u32)
            .map(|i| (i % 253) as u8)
            .collect::<Vec<u8>>(),
    );
    let opts = || SendOptions::new().success_report(true);
    let f = alice
        .session
        .send_message(now, "application/octet-stream", blob.clone(), opts())
        .unwrap();
    let back = bob
        .session
        .send_message(now, "text/plain", Bytes::from_static(b"got it?"), opts())
        .unwrap();
    pump_both(&mut alice, &mut bob, "both ways", |a, b| {
        received(&b.events, f).is_some()
            && received(&a.events, back).is_some()
            && delivered_all(a, 1)
            && delivered_all(b, 1)
    });
    assert_eq!(received(&bob.events, f).unwrap(), blob);
    stop(relay_a);
    stop(relay_b);
}
