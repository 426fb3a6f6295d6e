//! RFC 4976 flows through [`Relay`]s (REQ: MSRP-6): AUTH with Digest (401, 200 with
//! Use-Path, 403, 423, stale nonces), SEND through one and two relays with REPORTs back,
//! the two-relay AUTH chain of §5.1, streaming with interruption, a slow downstream with
//! back-pressure, downstream timeouts as REPORT 408, 481/501/misaddressed requests, NICKNAME
//! end to end, URIs ending with their connection or their Expires.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    reason = "test helpers fail the test by panicking; the host's clock starts the simulation"
)]

mod relay_net;

use std::time::{Duration, Instant};

use bytes::Bytes;
use relay_net::{Net, client, one_relay, relay};
use simpleim_msrp::relay::{CloseReason, Direction, Event as RelayEvent, Relay};
use simpleim_msrp::{
    AuthenticationInfo, Decoded, Decoder, DigestChallenge, DigestCredentials, Event, Flag,
    FrameHead, Limits, SendOptions,
};

/// The frames in `wire` as (head, body, flag), bodies reassembled.
fn frames(wire: &[u8]) -> Vec<(FrameHead, Vec<u8>, Flag)> {
    let mut d = Decoder::new(Limits::default());
    d.push(wire);
    let mut out = Vec::new();
    let mut cur: Option<(FrameHead, Vec<u8>)> = None;
    while let Some(item) = d.poll().unwrap() {
        match item {
            Decoded::Frame(f) => out.push((f.head, f.body.to_vec(), f.flag)),
            Decoded::Head(h) => cur = Some((h, Vec::new())),
            Decoded::Body(p) => {
                if let Some((_, b)) = cur.as_mut() {
                    b.extend_from_slice(&p.data);
                }
                if let Some(flag) = p.flag {
                    let (h, b) = cur.take().unwrap();
                    out.push((h, b, flag));
                }
            }
        }
    }
    out
}

fn text(b: Option<&[u8]>) -> &str {
    std::str::from_utf8(b.unwrap_or_default()).unwrap()
}

/// What a relay wrote, per connection.
type Written = Vec<(u32, Vec<u8>)>;

/// Drains a lone relay: everything written, per connection, and the events.
fn drain(r: &mut Relay<u32>) -> (Written, Vec<RelayEvent<u32>>) {
    let mut out: Vec<(u32, Vec<u8>)> = Vec::new();
    while let Some((c, b)) = r.poll_transmit() {
        match out.iter_mut().find(|(cc, _)| *cc == c) {
            Some((_, v)) => v.extend_from_slice(&b),
            None => out.push((c, b.to_vec())),
        }
    }
    let mut events = Vec::new();
    while let Some(e) = r.poll_event() {
        events.push(e);
    }
    (out, events)
}

const ALICE: &str = "msrp://alice.example.com:9892/98cjs;tcp";
const RELAY: &str = "msrp://relay.example.com:2855;tcp";

fn auth(tid: &str, authz: Option<&str>, expires: Option<u32>) -> Vec<u8> {
    let mut s = format!("MSRP {tid} AUTH\r\nTo-Path: {RELAY}\r\nFrom-Path: {ALICE}\r\n");
    if let Some(a) = authz {
        s.push_str(&format!("Authorization: {a}\r\n"));
    }
    if let Some(e) = expires {
        s.push_str(&format!("Expires: {e}\r\n"));
    }
    s.push_str(&format!("-------{tid}$\r\n"));
    s.into_bytes()
}

/// AUTHs `conn` on a lone relay as alice; returns the Use-Path URI.
fn raw_auth(r: &mut Relay<u32>, now: Instant, conn: u32, from: &str) -> String {
    let req = auth("aaa1", None, None);
    let req = String::from_utf8(req).unwrap().replace(ALICE, from);
    r.handle_bytes(now, conn, req.as_bytes());
    let (out, _) = drain(r);
    let f = frames(&out[0].1);
    let ch = DigestChallenge::parse(f[0].0.www_authenticate().unwrap()).unwrap();
    let c = DigestCredentials::answer(&ch, "alice", "pw-a", RELAY, 1, "cn1");
    let req = String::from_utf8(auth("aaa2", Some(&c.to_value()), None))
        .unwrap()
        .replace(ALICE, from);
    r.handle_bytes(now, conn, req.as_bytes());
    let (out, _) = drain(r);
    let f = frames(&out[0].1);
    assert_eq!(f[0].0.status_code(), Some(200));
    text(f[0].0.use_path()).to_owned()
}

#[test]
fn auth_401_then_200_with_use_path() {
    // REQ: MSRP-6 (RFC 4976 §5.1 flow, §6.3, §9.1)
    let now = Instant::now();
    let mut r = relay("relay.example.com", 2855, 1, |_| {});
    r.handle_connected(now, 1, Direction::Accepted);
    r.handle_bytes(now, 1, &auth("49fh", None, None));
    let (out, _) = drain(&mut r);
    let f = frames(&out[0].1);
    let (head, _, _) = &f[0];
    assert_eq!(head.status_code(), Some(401));
    assert_eq!(head.transaction_id().as_str(), "49fh");
    assert_eq!(text(head.to_path()), ALICE);
    assert_eq!(text(head.from_path()), RELAY);
    let ch = DigestChallenge::parse(head.www_authenticate().unwrap()).unwrap();
    assert_eq!(ch.realm, "relay.example.com");
    assert!(text(head.www_authenticate()).contains("qop=\"auth\""));

    let creds = DigestCredentials::answer(&ch, "alice", "pw-a", RELAY, 1, "0a4f113b");
    r.handle_bytes(now, 1, &auth("49fi", Some(&creds.to_value()), Some(900)));
    let (out, events) = drain(&mut r);
    let f = frames(&out[0].1);
    let (head, _, _) = &f[0];
    assert_eq!(head.status_code(), Some(200));
    assert_eq!(head.transaction_id().as_str(), "49fi");
    let use_path = text(head.use_path());
    assert!(
        use_path.starts_with("msrp://relay.example.com:2855/"),
        "{use_path}"
    );
    assert!(use_path.ends_with(";tcp"));
    assert_eq!(head.expires().unwrap(), Some(900));
    let info = AuthenticationInfo::parse(head.authentication_info().unwrap()).unwrap();
    assert_eq!(info.rspauth, Some(creds.rspauth("pw-a", RELAY)));
    assert_eq!(info.cnonce.as_deref(), Some("0a4f113b"));
    assert_eq!(info.nc, Some(1));
    assert!(info.nextnonce.is_some());
    assert!(
        matches!(&events[..], [RelayEvent::Authenticated { conn: 1, username, expires: 900, .. }] if username == "alice")
    );
    assert_eq!(r.sessions(), 1);

    // The nextnonce answers the next AUTH at once (a refresh keeps the URI).
    let ch2 = DigestChallenge::new("relay.example.com", &info.nextnonce.unwrap(), ch.algorithm);
    let creds = DigestCredentials::answer(&ch2, "alice", "pw-a", RELAY, 1, "x2");
    r.handle_bytes(now, 1, &auth("49fj", Some(&creds.to_value()), None));
    let (out, _) = drain(&mut r);
    let f = frames(&out[0].1);
    assert_eq!(f[0].0.status_code(), Some(200));
    assert_eq!(text(f[0].0.use_path()), use_path);
    assert_eq!(f[0].0.expires().unwrap(), Some(1800));
    assert_eq!(r.sessions(), 1);
}

#[test]
fn auth_refusals() {
    // REQ: MSRP-6 (RFC 4976 §6.3: 401, 403, 423 with Min-/Max-Expires, replays, failures)
    let now = Instant::now();
    let mut r = relay("relay.example.com", 2855, 2, |c| {
        c.min_expires = 100;
        c.max_expires = 1000;
        c.limits.max_auth_failures = 3;
    });
    r.handle_connected(now, 1, Direction::Accepted);
    let challenge = |r: &mut Relay<u32>| {
        r.handle_bytes(now, 1, &auth("ccc1", None, None));
        let (out, _) = drain(r);
        DigestChallenge::parse(frames(&out[0].1)[0].0.www_authenticate().unwrap()).unwrap()
    };
    let status = |r: &mut Relay<u32>, req: &[u8]| {
        r.handle_bytes(now, 1, req);
        let (out, _) = drain(r);
        frames(&out[0].1).remove(0).0
    };
    // 423 both ways.
    let ch = challenge(&mut r);
    let c = DigestCredentials::answer(&ch, "alice", "pw-a", RELAY, 1, "a");
    let h = status(&mut r, &auth("ttt1", Some(&c.to_value()), Some(10)));
    assert_eq!(h.status_code(), Some(423));
    assert_eq!(h.min_expires().unwrap(), Some(100));
    let c = DigestCredentials::answer(&ch, "alice", "pw-a", RELAY, 2, "a");
    let h = status(&mut r, &auth("ttt2", Some(&c.to_value()), Some(5000)));
    assert_eq!(h.status_code(), Some(423));
    assert_eq!(h.max_expires().unwrap(), Some(1000));
    // A replayed nonce count: 401 stale.
    let h = status(&mut r, &auth("ttt3", Some(&c.to_value()), Some(500)));
    assert_eq!(h.status_code(), Some(401));
    assert!(
        DigestChallenge::parse(h.www_authenticate().unwrap())
            .unwrap()
            .stale
    );
    // A malformed Authorization: 400.
    let h = status(&mut r, &auth("ttt4", Some("Digest username"), None));
    assert_eq!(h.status_code(), Some(400));
    // A wrong password: 401, not stale; the third failure closes the connection.
    for i in 0..2 {
        let ch = challenge(&mut r);
        let c = DigestCredentials::answer(&ch, "alice", "wrong", RELAY, 1, "a");
        let h = status(&mut r, &auth(&format!("www{i}"), Some(&c.to_value()), None));
        assert_eq!(h.status_code(), Some(401));
        assert!(
            !DigestChallenge::parse(h.www_authenticate().unwrap())
                .unwrap()
                .stale
        );
    }
    let ch = challenge(&mut r);
    let c = DigestCredentials::answer(&ch, "mallory", "x", RELAY, 1, "a");
    r.handle_bytes(now, 1, &auth("www9", Some(&c.to_value()), None));
    let (_, events) = drain(&mut r);
    assert!(events.contains(&RelayEvent::Close {
        conn: 1,
        reason: CloseReason::AuthFailures
    }));
    assert_eq!(r.connections(), 0);

    // Authenticated but not authorized: 403.
    struct NoBob;
    impl simpleim_msrp::relay::RelayCredentials for NoBob {
        fn password(&self, _: &str, _: &str) -> Option<String> {
            Some("pw".into())
        }
        fn authorized(&self, user: &str) -> bool {
            user != "bob"
        }
    }
    let mut r: Relay<u32> = Relay::new(simpleim_msrp::relay::RelayConfig::new(
        "relay.example.com",
        2855,
        Box::new(NoBob),
        Box::new(simpleim_msrp::SeededIds::new(3)),
    ));
    r.handle_connected(now, 1, Direction::Accepted);
    let ch = challenge(&mut r);
    let c = DigestCredentials::answer(&ch, "bob", "pw", RELAY, 1, "a");
    let h = status(&mut r, &auth("ttt5", Some(&c.to_value()), None));
    assert_eq!(h.status_code(), Some(403));
}

#[test]
fn send_through_one_relay_with_sessions() {
    // REQ: MSRP-6 (RFC 4976 §3, §5.1, §6.4.1: AUTH, Use-Path, SEND, per-hop 200, REPORT)
    let (mut net, r, a, b) = one_relay(1, |_| {});
    let pa = net.clients[a].advertised_path().to_string();
    let pb = net.clients[b].advertised_path().to_string();
    // The advertised path is the Use-Path reversed, then the client (RFC 4976 §5.1).
    assert!(
        pa.starts_with("msrp://relay.example.com:2855/") && pa.ends_with(ALICE),
        "{pa}"
    );
    assert_ne!(pa.split(' ').next(), pb.split(' ').next());
    assert_eq!(
        std::str::from_utf8(net.clients[a].to_path()).unwrap(),
        format!("{} {pb}", pa.split(' ').next().unwrap())
    );
    let now = net.now;
    let id = net.clients[a]
        .send_message(
            now,
            "text/plain",
            Bytes::from_static(b"Hi Bob"),
            SendOptions::new().success_report(true),
        )
        .unwrap();
    net.run();
    assert_eq!(net.messages(b), vec![(id.to_string(), b"Hi Bob".to_vec())]);
    let ev = &net.client_events[a];
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Sent { message_id } if *message_id == id))
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Delivered { complete: true, .. }))
    );
    // What Bob saw: To-Path him, From-Path both relay URIs then Alice.
    let seen = &net.links[net.client_link(b)].seen[1];
    let send = frames(seen)
        .into_iter()
        .find(|(h, _, _)| h.method().is_some_and(|m| m.is_send()))
        .unwrap();
    let want_from = format!(
        "{} {} {ALICE}",
        pb.split(' ').next().unwrap(),
        pa.split(' ').next().unwrap()
    );
    assert_eq!(text(send.0.from_path()), want_from);
    assert_eq!(text(send.0.to_path()), relay_net::BOB);
    assert_eq!(send.0.byte_range().unwrap().unwrap().to_string(), "1-6/6");
    assert!(net.relays[r].is_idle());
}

#[test]
fn send_through_two_relays_rfc4976_example() {
    // REQ: MSRP-6 (RFC 4976 §3 example: Alice - a.example.org - b.example.net - Bob)
    let (ra, rb) = (
        "msrps://a.example.org:9000;tcp",
        "msrps://b.example.net:9000;tcp",
    );
    let alice = "msrps://alice.example.org:7965/bar;tcp";
    let bob = "msrps://bob.example.net:8145/foo;tcp";
    let mut net = Net::new(2);
    let secure =
        |c: &mut simpleim_msrp::relay::RelayConfig| c.scheme = simpleim_msrp::Scheme::Msrps;
    let a_relay = net.add_relay(relay("a.example.org", 9000, 20, secure));
    let b_relay = net.add_relay(relay("b.example.net", 9000, 21, secure));
    let a = net.add_client(client(alice, &[ra], "alice", 22));
    let b = net.add_client(client(bob, &[rb], "bob", 23));
    net.connect(a, a_relay);
    net.connect(b, b_relay);
    let pa = net.authenticate(a);
    let pb = net.authenticate(b);
    net.pair(a, b);
    let now = net.now;
    let body = Bytes::from_static(b"Hi Bob, I'm about to send you file.mpeg");
    let id = net.clients[a]
        .send_message(
            now,
            "text/plain",
            body.clone(),
            SendOptions::new().success_report(true),
        )
        .unwrap();
    net.run();
    assert_eq!(net.messages(b), vec![(id.to_string(), body.to_vec())]);
    assert!(net.relay_events[a_relay]
        .iter()
        .any(|e| matches!(e, RelayEvent::Connect { authority, secure: true } if authority == "b.example.net:9000")));
    let a_uri = pa.split(' ').next().unwrap();
    let b_uri = pb.split(' ').next().unwrap();
    // Bob's SEND (xght6 in the RFC): From-Path b, a, alice.
    let seen_b = frames(&net.links[net.client_link(b)].seen[1]);
    let send = seen_b
        .iter()
        .find(|(h, _, _)| h.method().is_some_and(|m| m.is_send()))
        .unwrap();
    assert_eq!(text(send.0.to_path()), bob);
    assert_eq!(text(send.0.from_path()), format!("{b_uri} {a_uri} {alice}"));
    // Alice's REPORT (the last yh67): To-Path alice, From-Path a, b, bob; Status 000 200.
    let seen_a = frames(&net.links[net.client_link(a)].seen[1]);
    let report = seen_a
        .iter()
        .find(|(h, _, _)| h.method() == Some(&simpleim_msrp::Method::Report))
        .unwrap();
    assert_eq!(text(report.0.to_path()), alice);
    assert_eq!(text(report.0.from_path()), format!("{a_uri} {b_uri} {bob}"));
    assert_eq!(report.0.status().unwrap().unwrap().code, 200);
    assert_eq!(
        report.0.byte_range().unwrap().unwrap().to_string(),
        "1-39/39"
    );
    // The 200 to Alice's SEND came from relay A, hop by hop.
    let ok = seen_a
        .iter()
        .find(|(h, _, _)| h.status_code() == Some(200) && h.use_path().is_none())
        .unwrap();
    assert_eq!(text(ok.0.from_path()), a_uri);
    // The other way too.
    let id2 = net.clients[b]
        .send_message(
            net.now,
            "text/plain",
            Bytes::from_static(b"Go ahead"),
            SendOptions::new(),
        )
        .unwrap();
    net.run();
    assert_eq!(
        net.messages(a),
        vec![(id2.to_string(), b"Go ahead".to_vec())]
    );
}

#[test]
fn auth_chain_through_two_relays_of_one_client() {
    // REQ: MSRP-6 (RFC 4976 §5.1: intra and extra relays; the second AUTH goes through the
    // first; Use-Path "intra extra", advertised path "extra intra alice")
    let intra = "msrp://intra.example.com:2855;tcp";
    let extra = "msrp://extra.example.com:2855;tcp";
    let mut net = Net::new(3);
    let ri = net.add_relay(relay("intra.example.com", 2855, 30, |_| {}));
    let re = net.add_relay(relay("extra.example.com", 2855, 31, |_| {}));
    let a = net.add_client(client(ALICE, &[intra, extra], "alice", 32));
    let b = net.add_client(client(
        "msrp://bob.example.com:8888/b0b0;tcp",
        &[extra],
        "bob",
        33,
    ));
    net.connect(a, ri);
    net.connect(b, re);
    let pa = net.authenticate(a);
    net.authenticate(b);
    let use_path = net.clients[a].use_path().unwrap().to_string();
    let uris: Vec<&str> = use_path.split(' ').collect();
    assert_eq!(uris.len(), 2);
    assert!(uris[0].starts_with("msrp://intra.example.com:2855/"));
    assert!(uris[1].starts_with("msrp://extra.example.com:2855/"));
    assert_eq!(pa, format!("{} {} {ALICE}", uris[1], uris[0]));
    net.pair(a, b);
    let id = net.clients[a]
        .send_message(
            net.now,
            "text/plain",
            Bytes::from_static(b"via two"),
            SendOptions::new().success_report(true),
        )
        .unwrap();
    let id2 = net.clients[b]
        .send_message(
            net.now,
            "text/plain",
            Bytes::from_static(b"back"),
            SendOptions::new(),
        )
        .unwrap();
    net.run();
    assert_eq!(net.messages(b), vec![(id.to_string(), b"via two".to_vec())]);
    assert_eq!(net.messages(a), vec![(id2.to_string(), b"back".to_vec())]);
    assert!(
        net.client_events[a]
            .iter()
            .any(|e| matches!(e, Event::Delivered { complete: true, .. }))
    );
}

#[test]
fn streaming_interrupts_and_resumes_at_the_right_byte_range() {
    // REQ: MSRP-6 (RFC 4976 §6.4.1 re-chunking; RFC 4975 §7.1.1 interruption with `+`)
    let mut net = Net::new(4);
    net.max_piece = 3000;
    let r = net.add_relay(relay("relay.example.com", 2855, 40, |_| {}));
    let bob = "msrp://bob.example.com:8888/b0b;tcp";
    let a = net.add_client(client(ALICE, &[RELAY], "alice", 41));
    let b = net.add_client(client(bob, &[RELAY], "bob", 42));
    let c = net.add_client(client(
        "msrp://carol.example.com:7/c4r;tcp",
        &[RELAY],
        "carol",
        43,
    ));
    for x in [a, b, c] {
        net.connect(x, r);
        net.authenticate(x);
    }
    net.pair(a, b);
    let pb = net.clients[b].advertised_path();
    net.clients[c].set_remote(pb);
    let big = |n: usize, k: u8| {
        Bytes::from(
            (0..n)
                .map(|i| (i as u8).wrapping_mul(k))
                .collect::<Vec<u8>>(),
        )
    };
    let (m1, m2) = (big(300_000, 7), big(200_000, 13));
    let now = net.now;
    let opts = SendOptions::new;
    let i1 = net.clients[a]
        .send_message(now, "application/octet-stream", m1.clone(), opts())
        .unwrap();
    let i2 = net.clients[c]
        .send_message(now, "application/octet-stream", m2.clone(), opts())
        .unwrap();
    let i3 = net.clients[b]
        .send_message(now, "text/plain", Bytes::from_static(b"busy?"), opts())
        .unwrap();
    net.run();
    let mut got = net.messages(b);
    got.sort();
    let mut want = vec![(i1.to_string(), m1.to_vec()), (i2.to_string(), m2.to_vec())];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(net.messages(a), vec![(i3.to_string(), b"busy?".to_vec())]);
    // On the wire to Bob: interrupted chunks (`+`), resumed under new identifiers with the
    // Byte-Range of the first byte not yet sent.
    let seen = frames(&net.links[net.client_link(b)].seen[1]);
    let sends: Vec<_> = seen
        .iter()
        .filter(|(h, _, _)| h.method().is_some_and(|m| m.is_send()))
        .collect();
    assert!(
        sends.iter().any(|(_, _, f)| *f == Flag::Continued),
        "no interruption"
    );
    for id in [i1, i2] {
        let mut next = 1;
        let mut tids = std::collections::HashSet::new();
        for (h, body, _) in sends
            .iter()
            .filter(|(h, _, _)| h.message_id().unwrap() == Some(id.as_str()))
        {
            let range = h.byte_range().unwrap().unwrap();
            assert_eq!(range.start, next, "chunks resume where the last stopped");
            next += body.len() as u64;
            assert!(tids.insert(h.transaction_id()));
        }
        assert!(tids.len() > 1);
    }
}

#[test]
fn slow_downstream_back_pressure() {
    // REQ: MSRP-6 (back-pressure watermarks: the sender is paused, nothing is lost)
    let (mut net, r, a, b) = one_relay(5, |c| {
        c.limits.high_watermark = 16 * 1024;
        c.limits.low_watermark = 4 * 1024;
    });
    let bl = net.client_link(b);
    net.links[bl].rate[1] = 1000; // relay -> Bob: slow
    let bconn = net.client_conn(b);
    net.max_queued.insert(bconn, 0);
    let body = Bytes::from(vec![b'x'; 512 * 1024]);
    let id = net.clients[a]
        .send_message(net.now, "text/plain", body.clone(), SendOptions::new())
        .unwrap();
    net.run();
    assert_eq!(net.messages(b), vec![(id.to_string(), body.to_vec())]);
    let aconn = net.client_conn(a).1;
    let ev = &net.relay_events[r];
    assert!(ev.contains(&RelayEvent::PauseReading { conn: aconn }));
    assert!(ev.contains(&RelayEvent::ResumeReading { conn: aconn }));
    // The queue toward Bob stays near the high watermark (plus what one read brings).
    let max = net.max_queued[&bconn];
    assert!(max < 16 * 1024 + 70 * 1024, "{max}");
}

#[test]
fn downstream_timeout_becomes_report_408() {
    // REQ: MSRP-6 (RFC 4976 §6.4.1: no response within 32 s of the last byte: REPORT 408)
    let (mut net, r, a, b) = one_relay(6, |_| {});
    let bl = net.client_link(b);
    net.links[bl].rate[1] = 0; // relay -> Bob: a black hole
    let id = net.clients[a]
        .send_message(
            net.now,
            "text/plain",
            Bytes::from_static(b"lost"),
            SendOptions::new(),
        )
        .unwrap();
    net.run();
    assert!(
        net.client_events[a]
            .iter()
            .any(|e| matches!(e, Event::Sent { .. }))
    );
    assert_eq!(net.relays[r].pending_transactions(), 1);
    net.advance(Duration::from_secs(31));
    assert_eq!(net.relays[r].pending_transactions(), 1);
    net.advance(Duration::from_secs(2));
    assert_eq!(net.relays[r].pending_transactions(), 0);
    let seen = frames(&net.links[net.client_link(a)].seen[1]);
    let report = seen
        .iter()
        .find(|(h, _, _)| h.method() == Some(&simpleim_msrp::Method::Report))
        .expect("a REPORT");
    assert_eq!(report.0.status().unwrap().unwrap().code, 408);
    assert_eq!(report.0.message_id().unwrap(), Some(id.as_str()));
    assert_eq!(text(report.0.to_path()), ALICE);
}

#[test]
fn unknown_sessions_methods_and_misaddressed_requests() {
    // REQ: MSRP-6 (481 unknown URI, 501 unknown method, RFC 4976 §6.2 misaddressed: close)
    let now = Instant::now();
    let mut r = relay("relay.example.com", 2855, 7, |c| {
        c.forward_unknown_methods = false
    });
    r.handle_connected(now, 1, Direction::Accepted);
    let send = |to: &str, method: &str| {
        format!(
            "MSRP sss1 {method}\r\nTo-Path: {to}\r\nFrom-Path: {ALICE}\r\nMessage-ID: mmm1\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------sss1$\r\n"
        )
    };
    r.handle_bytes(
        now,
        1,
        send(
            "msrp://relay.example.com:2855/nosuch;tcp msrp://b.example.com:1/x;tcp",
            "SEND",
        )
        .as_bytes(),
    );
    let (out, _) = drain(&mut r);
    assert_eq!(frames(&out[0].1)[0].0.status_code(), Some(481));
    r.handle_bytes(now, 1, send(RELAY, "FOO").as_bytes());
    let (out, _) = drain(&mut r);
    assert_eq!(frames(&out[0].1)[0].0.status_code(), Some(501));
    // A known URI, but an unknown method the relay is told not to forward.
    let uri = raw_auth(&mut r, now, 1, ALICE);
    r.handle_bytes(
        now,
        1,
        send(&format!("{uri} msrp://b.example.com:1/x;tcp"), "FOO").as_bytes(),
    );
    let (out, _) = drain(&mut r);
    assert_eq!(frames(&out[0].1)[0].0.status_code(), Some(501));
    // Not addressed to this relay: the connection is dropped.
    r.handle_bytes(
        now,
        1,
        send("msrp://elsewhere.example.com:2855/x;tcp", "SEND").as_bytes(),
    );
    let (_, events) = drain(&mut r);
    assert_eq!(
        events,
        vec![
            RelayEvent::SessionEnded { uri },
            RelayEvent::Close {
                conn: 1,
                reason: CloseReason::Misaddressed
            }
        ]
    );
    // Framing errors close too.
    r.handle_connected(now, 2, Direction::Accepted);
    r.handle_bytes(now, 2, b"HTTP/1.1 GET /\r\n\r\n");
    let (_, events) = drain(&mut r);
    assert!(matches!(
        &events[..],
        [RelayEvent::Close {
            conn: 2,
            reason: CloseReason::Framing(_)
        }]
    ));
}

#[test]
fn nickname_goes_end_to_end_with_its_transaction_id() {
    // REQ: MSRP-6 (RFC 4976 §6.4.2, §6.4.3: non-SEND requests and their responses)
    let (mut net, r, a, b) = one_relay(8, |_| {});
    let tid = net.clients[a].send_nickname(net.now, "Alice").unwrap();
    net.run();
    let req = net.client_events[b]
        .iter()
        .find_map(|e| match e {
            Event::NicknameRequest { tid, nickname, .. } => Some((*tid, nickname.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(req.1, "Alice");
    net.clients[b].respond(req.0, 425, None).unwrap();
    net.run();
    assert!(
        net.client_events[a]
            .iter()
            .any(|e| matches!(e, Event::NicknameResult { tid: t, status: 425, .. } if *t == tid))
    );
    assert_eq!(net.relays[r].pending_transactions(), 0);
}

#[test]
fn uris_end_with_their_connection_or_expiry() {
    // REQ: MSRP-6 (RFC 4976 §6.3: URIs invalid once the connection closes or Expires passes)
    let (mut net, r, a, b) = one_relay(9, |_| {});
    assert_eq!(net.relays[r].sessions(), 2);
    // Bob's connection closes: his URI is gone, Alice's SEND gets 481.
    let bl = net.client_link(b);
    net.close(relay_net::End::Client(b));
    assert!(!net.links[bl].open);
    assert_eq!(net.relays[r].sessions(), 1);
    net.clients[a]
        .send_message(
            net.now,
            "text/plain",
            Bytes::from_static(b"anyone?"),
            SendOptions::new(),
        )
        .unwrap();
    net.run();
    assert!(
        net.client_events[a]
            .iter()
            .any(|e| matches!(e, Event::SendFailed { status, .. } if status.code == 481))
    );
    // Alice refreshes before Expires (four fifths of 1800 s), and keeps her URI.
    let before = net.clients[a].use_path().unwrap().to_string();
    let auths = |net: &Net| {
        net.client_events[a]
            .iter()
            .filter(|e| matches!(e, Event::RelayAuthenticated { .. }))
            .count()
    };
    assert_eq!(auths(&net), 1);
    net.advance(Duration::from_secs(1441));
    assert_eq!(auths(&net), 2);
    assert_eq!(net.clients[a].use_path().unwrap().to_string(), before);
    assert_eq!(net.relays[r].sessions(), 1);
    // A relay URI that is not refreshed expires.
    let now = net.now;
    let mut lone = relay("relay.example.com", 2855, 93, |_| {});
    lone.handle_connected(now, 1, Direction::Accepted);
    let uri = raw_auth(&mut lone, now, 1, ALICE);
    lone.handle_timeout(now + Duration::from_secs(1799));
    assert_eq!(lone.sessions(), 1);
    assert_eq!(lone.poll_timeout(), Some(now + Duration::from_secs(1800)));
    lone.handle_timeout(now + Duration::from_secs(1800));
    assert_eq!(lone.sessions(), 0);
    let (_, events) = drain(&mut lone);
    assert_eq!(events, vec![RelayEvent::SessionEnded { uri }]);
}

#[test]
fn session_follows_423_and_reports_failures() {
    // REQ: MSRP-6 (client side: 423 Min-Expires retried; wrong password: RelayAuthFailed)
    let mut net = Net::new(10);
    let r = net.add_relay(relay("relay.example.com", 2855, 100, |c| {
        c.min_expires = 600
    }));
    // Ask for 60 s through the configuration.
    let mut cfg = simpleim_msrp::SessionConfig::new(
        ALICE.parse().unwrap(),
        "msrp://x.invalid:1/y;tcp".parse().unwrap(),
        Box::new(simpleim_msrp::SeededIds::new(5)),
    );
    let mut ra = simpleim_msrp::RelayAuth::new(
        vec![RELAY.parse().unwrap()],
        Box::new(simpleim_msrp::UserPassword::new("alice", "pw-a")),
    );
    ra.expires = Some(60);
    cfg.relays = Some(ra);
    let a = net.add_client(simpleim_msrp::Session::new(cfg));
    net.connect(a, r);
    net.authenticate(a);
    assert!(
        net.client_events[a]
            .iter()
            .any(|e| matches!(e, Event::RelayAuthenticated { expires: 600, .. }))
    );
    // Wrong password.
    let c = net.add_client(client(
        "msrp://carol.example.com:7/c4r;tcp",
        &[RELAY],
        "mallory",
        102,
    ));
    net.connect(c, r);
    net.clients[c].authenticate(net.now).unwrap();
    net.run();
    assert!(
        net.client_events[c]
            .iter()
            .any(|e| matches!(e, Event::RelayAuthFailed { status: 401, .. }))
    );
    assert!(net.clients[c].use_path().is_none());
}

const INTRA: &str = "msrps://alice@intra.example.com;tcp";
const INTRA_ALICE: &str = "msrps://alice.example.com:9892/98cjs;tcp";

/// The first fold of the RFC 4976 §5.1 example: a session's AUTH to intra.example.com, its
/// 401 as the RFC writes it, the AUTH with credentials; (session, that AUTH, its Digest).
fn auth_to_intra(now: Instant) -> (simpleim_msrp::Session, FrameHead, DigestCredentials) {
    let (relay_uri, alice) = (INTRA, INTRA_ALICE);
    let mut cfg = simpleim_msrp::SessionConfig::new(
        alice.parse().unwrap(),
        "msrps://bob.example.net:8145/foo;tcp".parse().unwrap(),
        Box::new(simpleim_msrp::SeededIds::new(1)),
    );
    cfg.relays = Some(simpleim_msrp::RelayAuth::new(
        vec![relay_uri.parse().unwrap()],
        Box::new(simpleim_msrp::UserPassword::new("Alice", "secret")),
    ));
    let mut s = simpleim_msrp::Session::new(cfg);
    let mut wire = Vec::new();
    // Nothing flows before AUTH.
    s.send_message(
        now,
        "text/plain",
        Bytes::from_static(b"queued"),
        SendOptions::new(),
    )
    .unwrap();
    s.authenticate(now).unwrap();
    let first = flush(&mut s, &mut wire);
    assert_eq!(first.method(), Some(&simpleim_msrp::Method::Auth));
    assert_eq!(text(first.to_path()), relay_uri);
    assert_eq!(text(first.from_path()), alice);
    assert!(first.authorization().is_none());
    let tid = first.transaction_id();
    let challenge = format!(
        "MSRP {tid} 401 Unauthorized\r\nTo-Path: {alice}\r\nFrom-Path: {relay_uri}\r\n\
WWW-Authenticate: Digest realm=\"intra.example.com\", qop=\"auth\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"\r\n\
-------{tid}$\r\n"
    );
    s.handle_bytes(now, challenge.as_bytes());
    let second = flush(&mut s, &mut wire);
    assert_ne!(second.transaction_id(), tid);
    let creds = DigestCredentials::parse(second.authorization().unwrap()).unwrap();
    assert_eq!(creds.username, "Alice");
    assert_eq!(creds.realm, "intra.example.com");
    assert_eq!(creds.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
    assert_eq!(creds.nc, 1);
    assert_eq!(creds.uri.as_deref(), Some(relay_uri));
    assert!(creds.verify("secret"));
    (s, second, creds)
}

/// The first frame `s` writes now (`wire` gets all it writes).
fn flush(s: &mut simpleim_msrp::Session, wire: &mut Vec<u8>) -> FrameHead {
    wire.clear();
    while let Some(b) = s.poll_transmit() {
        wire.extend_from_slice(&b);
    }
    frames(wire).remove(0).0
}

#[test]
fn session_auth_on_the_wire_follows_rfc4976_example() {
    // REQ: MSRP-6 (RFC 4976 §5.1 example: Alice and intra.example.com, the relay's 401 and
    // 200 as the RFC writes them)
    let now = Instant::now();
    let (mut s, second, creds) = auth_to_intra(now);
    let (relay_uri, alice) = (INTRA, INTRA_ALICE);
    let mut wire = Vec::new();
    let tid = second.transaction_id();
    let ok = format!(
        "MSRP {tid} 200 OK\r\nTo-Path: {alice}\r\nFrom-Path: {relay_uri}\r\n\
Use-Path: msrps://intra.example.com:9000/jui787s2f;tcp\r\n\
Authentication-Info: nextnonce=\"40f2e879449675f288476d772627370a\", rspauth=\"{}\", cnonce=\"{}\", nc=00000001, qop=\"auth\"\r\n\
Expires: 900\r\n-------{tid}$\r\n",
        creds.rspauth("secret", relay_uri),
        creds.cnonce
    );
    s.handle_bytes(now, ok.as_bytes());
    let send = flush(&mut s, &mut wire);
    // The queued message now goes out through the relay.
    assert_eq!(send.method(), Some(&simpleim_msrp::Method::Send));
    assert_eq!(
        text(send.to_path()),
        "msrps://intra.example.com:9000/jui787s2f;tcp msrps://bob.example.net:8145/foo;tcp"
    );
    let mut events = Vec::new();
    while let Some(e) = s.poll_event() {
        events.push(e);
    }
    assert!(matches!(
        &events[..],
        [Event::RelayAuthenticated { expires: 900, .. }]
    ));
    assert_eq!(
        s.advertised_path().to_string(),
        format!("msrps://intra.example.com:9000/jui787s2f;tcp {alice}")
    );
    // The refresh is due at four fifths of 900 s and answers the nextnonce at once.
    s.handle_timeout(now + Duration::from_secs(719));
    assert!(s.poll_transmit().is_none());
    s.handle_timeout(now + Duration::from_secs(720));
    let refresh = flush(&mut s, &mut wire);
    let creds = DigestCredentials::parse(refresh.authorization().unwrap()).unwrap();
    assert_eq!(creds.nonce, "40f2e879449675f288476d772627370a");
    assert_eq!(creds.nc, 1);
}

#[test]
fn session_refuses_a_relay_without_the_right_proof() {
    // REQ: MSRP-6 (RFC 2617 §3.2.3 rspauth, which RFC 4976 §9.1 makes mandatory in the 200)
    let now = Instant::now();
    let (mut s, second, creds) = auth_to_intra(now);
    let tid = second.transaction_id();
    let forged = format!(
        "MSRP {tid} 200 OK\r\nTo-Path: {INTRA_ALICE}\r\nFrom-Path: {INTRA}\r\n\
Use-Path: msrps://intra.example.com:9000/jui787s2f;tcp\r\n\
Authentication-Info: rspauth=\"7327570c586207eca2afae94fc20903d\", cnonce=\"{}\", nc=00000001, qop=\"auth\"\r\n\
Expires: 900\r\n-------{tid}$\r\n",
        creds.cnonce
    );
    s.handle_bytes(now, forged.as_bytes());
    assert!(s.poll_transmit().is_none(), "the queued message stays");
    let events: Vec<Event> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        matches!(&events[..], [Event::RelayAuthFailed { status: 200, .. }]),
        "{events:?}"
    );
    assert!(s.use_path().is_none());
}

#[test]
fn failed_auths_forwarded_to_another_relay_count_too() {
    // REQ: MSRP-6 (RFC 4976 §6.3: a relay forwarding failed AUTHs of a directly connected
    // client terminates its connection)
    struct WrongForExtra;
    impl simpleim_msrp::CredentialSource for WrongForExtra {
        fn credentials(&mut self, realm: &str) -> Option<(String, String)> {
            let password = if realm == "extra.example.com" {
                "nope"
            } else {
                "pw-a"
            };
            Some(("alice".into(), password.into()))
        }
    }
    let intra = "msrp://intra.example.com:2855;tcp";
    let extra = "msrp://extra.example.com:2855;tcp";
    let mut net = Net::new(11);
    let ri = net.add_relay(relay("intra.example.com", 2855, 110, |c| {
        c.limits.max_auth_failures = 1;
    }));
    net.add_relay(relay("extra.example.com", 2855, 111, |_| {}));
    let mut cfg = simpleim_msrp::SessionConfig::new(
        ALICE.parse().unwrap(),
        "msrp://x.invalid:1/y;tcp".parse().unwrap(),
        Box::new(simpleim_msrp::SeededIds::new(112)),
    );
    cfg.relays = Some(simpleim_msrp::RelayAuth::new(
        vec![intra.parse().unwrap(), extra.parse().unwrap()],
        Box::new(WrongForExtra),
    ));
    let a = net.add_client(simpleim_msrp::Session::new(cfg));
    net.connect(a, ri);
    net.clients[a].authenticate(net.now).unwrap();
    net.run();
    let conn = net.client_conn(a).1;
    assert!(net.relay_events[ri].contains(&RelayEvent::Close {
        conn,
        reason: CloseReason::AuthFailures
    }));
    assert!(
        net.client_events[a]
            .iter()
            .any(|e| matches!(e, Event::Closed { .. }))
    );
}

#[test]
fn a_bodiless_send_crosses_the_relay_as_a_bodiless_send() {
    // REQ: MSRP-6 (RFC 4975 §5.4: the SEND that opens a session's connection has no body;
    // forwarded, it keeps `Byte-Range: 1-0/0` and no blank line before its end-line)
    let (mut net, _r, a, b) = one_relay(9, |_| {});
    let to = String::from_utf8_lossy(net.clients[a].to_path()).into_owned();
    let from = net.clients[a].local().to_string();
    let bodiless = format!(
        "MSRP open1 SEND\r\nTo-Path: {to}\r\nFrom-Path: {from}\r\nMessage-ID: open1\r\n\
         Byte-Range: 1-0/0\r\n-------open1$\r\n"
    );
    let la = net.client_link(a);
    net.links[la].pipe[0].extend(bodiless.as_bytes());
    net.run();
    let lb = net.client_link(b);
    let wire = net.links[lb].seen[1].clone();
    let got = frames(&wire);
    let (head, body, flag) = got
        .iter()
        .find(|(h, _, _)| h.method().is_some_and(|m| m.as_bytes() == b"SEND"))
        .expect("the SEND reached bob");
    assert!(body.is_empty());
    assert_eq!(*flag, Flag::Complete);
    assert!(!head.has_body());
    let text = String::from_utf8_lossy(&wire);
    assert!(text.contains("Byte-Range: 1-0/0\r\n-------"), "{text}");
    // Bob's session took it as a bodiless SEND: no message, no error, and alice got its 200.
    assert!(net.messages(b).is_empty());
    let back = frames(&net.links[la].seen[1]);
    assert!(
        back.iter()
            .any(|(h, _, _)| h.status_code() == Some(200)
                && h.transaction_id().as_bytes() == b"open1"),
        "{back:?}"
    );
}

/// A credential source that has nothing for any realm.
struct NoCredentials;

impl simpleim_msrp::CredentialSource for NoCredentials {
    fn credentials(&mut self, _realm: &str) -> Option<(String, String)> {
        None
    }
}

#[test]
fn a_source_without_credentials_fails_the_auth_at_the_first_challenge() {
    // REQ: MSRP-6 (RFC 4976 §5.1: the client answers the 401 or gives up)
    let mut net = Net::new(11);
    let r = net.add_relay(relay("relay.example.com", 2855, 12, |_| {}));
    let c = net.add_client(relay_net::client_with(
        "msrp://alice.example.com:9892/98cjs;tcp",
        &[],
        "alice",
        13,
        |config| {
            config.relays = Some(simpleim_msrp::RelayAuth::new(
                vec!["msrp://relay.example.com:2855;tcp".parse().unwrap()],
                Box::new(NoCredentials),
            ));
        },
    ));
    let l = net.connect(c, r);
    let now = net.now;
    net.clients[c].authenticate(now).unwrap();
    net.run();
    assert!(
        net.client_events[c]
            .iter()
            .any(|e| matches!(e, Event::RelayAuthFailed { status: 401, .. })),
        "{:?}",
        net.client_events[c]
    );
    // One AUTH (without credentials) went out, and no second one.
    let auths = frames(&net.links[l].seen[0])
        .iter()
        .filter(|(h, _, _)| h.method().is_some_and(|m| m.as_bytes() == b"AUTH"))
        .count();
    assert_eq!(auths, 1);
}
