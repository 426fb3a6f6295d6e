//! One MSRP connection carrying several participants' sessions, as an MSRP relay's does
//! (RFC 4975 §5.4, RFC 4976 §6): the focus binds each session by the To-Path of its first
//! request, answers and relays per session, and writes one frame at a time on the shared
//! connection, so that chunks relayed to two participants never interleave.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::HashMap;

use simpleim_msrp::{Decoded, Decoder, Flag, Limits, Path};
use simpleim_test_support::focus_sim::{MsrpConn, RAW_CONN, Sim};

/// The frames written on `conn`, decoded: (first To-Path URI, Message-ID, body, flag, is a
/// request). Panics on a framing error: interleaved frames would make one.
fn frames(sim: &Sim, conn: MsrpConn) -> Vec<(String, String, Vec<u8>, Flag, bool)> {
    let mut d = Decoder::new(Limits::default());
    for (c, b) in &sim.raw {
        if *c == conn {
            d.push(b);
        }
    }
    let mut out = Vec::new();
    while let Some(item) = d
        .poll()
        .expect("well-formed frames on the shared connection")
    {
        let Decoded::Frame(f) = item else {
            panic!("collected frames only")
        };
        let to = Path::parse(f.head.header_bytes("To-Path").unwrap())
            .unwrap()
            .first()
            .to_string();
        let mid = f.head.message_id().ok().flatten().unwrap_or("").to_owned();
        out.push((to, mid, f.body.to_vec(), f.flag, !f.head.is_response()));
    }
    out
}

/// Clients `xs` joined, their sessions bound on one raw connection by bodiless SENDs.
fn behind_one_connection(sim: &mut Sim, xs: &[usize]) -> MsrpConn {
    let conn = MsrpConn(RAW_CONN);
    let now = sim.now;
    sim.focus.handle_msrp_connected(now, conn, None);
    for &i in xs {
        let ok = sim.invite(i);
        assert_eq!(ok.code(), 200);
        sim.ack(i);
        let fp = sim.focus_path(i);
        let path = sim.clients[i].msrp_uri();
        let bind = format!(
            "MSRP rbnd{i} SEND\r\nTo-Path: {fp}\r\nFrom-Path: {path}\r\nMessage-ID: rbnd{i}\r\n\
             Byte-Range: 1-0/0\r\n-------rbnd{i}$\r\n"
        );
        sim.focus.handle_msrp(now, conn, bind.as_bytes());
        sim.settle();
    }
    conn
}

/// Alice and Bob on one connection, Carol on her own.
fn alice_and_bob_behind_one_connection() -> (Sim, [usize; 3], MsrpConn) {
    let mut sim = Sim::new();
    let a = sim.add_client("alice", Some("Alice"), false);
    let b = sim.add_client("bob", Some("Bob"), false);
    let c = sim.add_client("carol", Some("Carol"), false);
    let conn = behind_one_connection(&mut sim, &[a, b]);
    sim.join(c);
    (sim, [a, b, c], conn)
}

// REQ: SW-2, SW-4, MSRP-6: two participants behind one relay connection each get a large
// message relayed cut-through from a third, whole and in well-formed frames; the bodiless
// SENDs that bound them got their 200s on that connection.
#[test]
fn two_sessions_on_one_connection_get_whole_frames_one_at_a_time() {
    let (mut sim, [a, b, c], conn) = alice_and_bob_behind_one_connection();
    let ids = [a, b].map(|i| {
        sim.focus
            .participant_connection(sim.clients[i].participant.unwrap())
            .cloned()
    });
    assert_eq!(
        ids,
        [Some(conn), Some(conn)],
        "both sessions bound to the one connection"
    );

    // Carol's message goes out in many chunks and pieces to both at once.
    let text = "0123456789abcdef".repeat(8 * 1024);
    let sent = sim.send_cpim(c, "sip:carol@example.com", &text);
    let got = frames(&sim, conn);
    let mut bodies: HashMap<String, Vec<u8>> = HashMap::new();
    let mut oks = 0;
    for (to, mid, body, _, request) in &got {
        if !request {
            oks += 1;
            continue;
        }
        if mid.starts_with("rbnd") {
            continue;
        }
        bodies
            .entry(to.clone())
            .or_default()
            .extend_from_slice(body);
    }
    assert_eq!(oks, 2, "the two bodiless SENDs answered 200");
    for i in [a, b] {
        let uri = sim.clients[i].msrp_uri();
        let body = bodies.get(&uri).cloned().unwrap_or_default();
        // The relayed copy is the sender's CPIM message, byte for byte.
        assert!(
            body[..] == sent[..],
            "{}'s copy: {} bytes of {}",
            sim.clients[i].name,
            body.len(),
            sent.len()
        );
    }
}

// REQ: FOC-6, MSRP-6: one session leaving a shared connection leaves the connection to the
// others; the last one leaving closes it.
#[test]
fn a_session_leaving_a_shared_connection_leaves_it_to_the_others() {
    let (mut sim, [a, b, c], conn) = alice_and_bob_behind_one_connection();
    sim.leave(a);
    let bob = sim.clients[b].participant.unwrap();
    assert_eq!(sim.focus.participant_connection(bob), Some(&conn));
    assert!(!sim.events.iter().any(|e| matches!(e,
        simpleim_focus::FocusEvent::CloseConnection { conn: x, .. } if *x == conn)));
    let before = sim.raw.len();
    sim.send_cpim(c, "sip:carol@example.com", "still there?");
    assert!(
        sim.raw.len() > before,
        "bob still gets messages on the connection"
    );
    sim.leave(b);
    assert!(sim.events.iter().any(|e| matches!(e,
        simpleim_focus::FocusEvent::CloseConnection { conn: x, .. } if *x == conn)));
}
