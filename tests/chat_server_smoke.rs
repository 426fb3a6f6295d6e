//! A smoke test of `examples/chat_server` as a real process on loopback: two clients speak
//! SIP over TCP and MSRP over TCP with std sockets, written with the library's own client
//! helpers (`ImClient`, `simpleim_msrp::Session`, through `simpleim_test_support::loopback`).
//!
//! - Alice joins `sip:chat@127.0.0.1` and connects to the focus (`a=setup:active`); Bob joins
//!   with `a=setup:passive`, so the server connects to him (`poll_connect`).
//! - Alice's CPIM message reaches Bob byte for byte.
//! - A SIP MESSAGE (over UDP) for a user who is not registered is answered 202 and is in the
//!   SQLite file after the server exits.
//! - SIGINT: both clients get a BYE, and the server exits 0.
//! - A second test restarts the server on the same SQLite file: the stored message is still
//!   there, and it is pushed to Carol over MSRP when she registers (REQ: DEF-2).
//!
//! The server binary is the example built by `cargo test` (examples are built before tests
//! run), found beside this test's own executable: `<target>/<profile>/examples/chat_server`;
//! starting and stopping it is `simpleim_test_support::process`. When it is missing (a `cargo test --test chat_server_smoke` that did not build examples)
//! the test says so and passes without running.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock as the clients' host"
)]

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim::focus::client::{ClientConfig, ImClient, Registration};
use simpleim::msrp::Event;
use simpleim::sdp::attr::Setup;
use simpleim::sip::{HeaderName, Message, Method, Request, Response, SeededIds};
use simpleim_test_support::loopback::{
    Member, MsrpEndpoint, STEP, SipConn, accept_within, final_for, is_request, message_bodies, sent,
};
use simpleim_test_support::process::{self, ChatServer};

const ROOM: &str = "sip:chat@127.0.0.1";

/// The server's log filter: `info`, or what `CHAT_SERVER_SMOKE_LOG` says (`debug`, ...);
/// with that variable set the test also prints the server's log.
fn log_level() -> String {
    match std::env::var("CHAT_SERVER_SMOKE_LOG") {
        Ok(level) if !level.is_empty() && level != "1" => level,
        _ => "info".to_owned(),
    }
}

/// The server on free ports, its database and log in `dir`, serving the one default room.
fn start_server(bin: &Path, dir: &Path) -> ChatServer {
    let server = ChatServer::start(bin, dir, &log_level(), &[]);
    assert_eq!(server.rooms(), [ROOM]);
    server
}

/// Whether a message was received.
fn has_message(events: &[Event]) -> bool {
    events.iter().any(|e| matches!(e, Event::Message { .. }))
}

/// Joins the room as `name`, with `a=setup` `setup` and `a=path` on `msrp_port`.
fn join(server: &ChatServer, name: &str, setup: Setup, msrp_port: u16, seed: u64) -> Member {
    Member::join(server, ROOM, name, msrp_port, seed, |c| {
        c.msrp.setup = setup
    })
}

/// A pager-mode MESSAGE to Carol, who is not registered, over UDP: 202 (REQ: DEF-1).
fn message_offline_user(server: &ChatServer) {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    let message = Request::builder(Method::Message, "sip:carol@127.0.0.1")
        .header(
            HeaderName::Via,
            format!("SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKsmoke1;rport"),
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named("From", "\"alice\" <sip:alice@127.0.0.1>;tag=smoke1")
        .header_named("To", "<sip:carol@127.0.0.1>")
        .header(HeaderName::CallId, "smoke-message-1")
        .header(HeaderName::CSeq, "1 MESSAGE")
        .body("text/plain", CAROL_TEXT)
        .build()
        .unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let deadline = Instant::now() + STEP;
    let mut buf = [0u8; 65_535];
    // Sent again every 500 ms, as a UDP client's Timer E would.
    loop {
        assert!(Instant::now() < deadline, "no answer to the MESSAGE");
        udp.send_to(message.as_bytes(), server.addr("sip-udp"))
            .unwrap();
        let Ok((n, _)) = udp.recv_from(&mut buf) else {
            continue;
        };
        let m = Message::parse_datagram(Bytes::copy_from_slice(&buf[..n])).unwrap();
        if final_for("MESSAGE")(&m) {
            assert_eq!(m.as_response().unwrap().code(), 202, "{m:?}");
            return;
        }
    }
}

const CAROL_TEXT: &str = "Carol, call me when you are back.";

/// Stops the server with SIGINT and checks it exits 0 with `expected` in its log.
fn stop(server: &mut ChatServer, expected: &[&str]) -> String {
    server.interrupt();
    let status = server.wait(Duration::from_secs(10));
    let log = server.log();
    if std::env::var_os("CHAT_SERVER_SMOKE_LOG").is_some() {
        eprintln!("{log}");
    }
    assert!(status.success(), "exit status {status:?}:\n{log}");
    for e in expected {
        assert!(log.contains(e), "no `{e}` in the log:\n{log}");
    }
    log
}

/// The messages stored in the server's file, as (recipient, body).
fn stored(server: &ChatServer) -> Vec<(String, Vec<u8>)> {
    let db = rusqlite::Connection::open(server.db()).unwrap();
    let mut s = db
        .prepare("SELECT recipient, body FROM messages ORDER BY id")
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn two_clients_chat_a_message_is_stored_and_ctrl_c_ends_the_rooms() {
    let Some(bin) = process::example("chat_server") else {
        return process::skip_without_server("chat_server_smoke");
    };
    let dir = process::scratch_dir("chat_server_smoke");
    let mut server = start_server(&bin, &dir);

    // Alice connects to the focus herself (a=setup:active).
    let mut alice = join(&server, "alice", Setup::Active, 9, 10);
    let mut alice_msrp = alice.connect_msrp(100);

    // Bob waits for the focus to connect to him (a=setup:passive).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let bob_port = listener.local_addr().unwrap().port();
    let mut bob = join(&server, "bob", Setup::Passive, bob_port, 20);
    let conn = accept_within(&listener, STEP)
        .unwrap_or_else(|| panic!("the server did not connect to Bob:\n{}", server.log()));
    let focus_path = bob.joined.focus_path().to_string();
    let mut bob_msrp = MsrpEndpoint::new(conn, &bob.path, &focus_path, 200);
    bob_msrp.pump(Duration::from_millis(100)); // the focus's bodiless SEND, answered 200

    // Alice writes to the room; Bob gets the very bytes she sent.
    let (id, body) = alice_msrp.send_cpim(
        &alice.joined,
        "Hello Bob, from Alice over a real socket",
        false,
    );
    alice_msrp.pump_until("Alice's message sent", sent(&[id]));
    bob_msrp.pump_until("Alice's message at Bob", has_message);
    assert_eq!(message_bodies(&bob_msrp.events), [body], "byte for byte");
    assert!(
        message_bodies(&alice_msrp.events).is_empty(),
        "the sender does not get its own message back"
    );

    // A MESSAGE for Carol, who never registered: stored, 202.
    message_offline_user(&server);

    // Ctrl-C: a BYE to each participant, then exit 0.
    server.interrupt();
    alice.sip.answer_bye();
    bob.sip.answer_bye();
    stop(
        &mut server,
        &[
            "joined",
            "message relayed",
            "message stored for an offline user",
            "shutting down",
            "deferred-message store flushed",
        ],
    );

    // Nothing stored is lost: Carol's message is in the file.
    assert_eq!(
        stored(&server),
        [(
            "sip:carol@127.0.0.1".to_owned(),
            CAROL_TEXT.as_bytes().to_vec()
        )]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stored_message_survives_a_restart_and_is_pushed_when_the_user_registers() {
    let Some(bin) = process::example("chat_server") else {
        return process::skip_without_server("chat_server_smoke");
    };
    let dir = process::scratch_dir("chat_server_smoke");

    // A MESSAGE for Carol is stored; the server stops.
    let mut server = start_server(&bin, &dir);
    message_offline_user(&server);
    stop(&mut server, &["message stored for an offline user"]);

    // A new server on the same file: Carol registers, and the message is pushed to her (REQ:
    // DEF-2): an INVITE, one MSRP SEND, a BYE.
    let mut server = start_server(&bin, &dir);
    let mut sip = SipConn::connect(server.addr("sip-tcp"), 30);
    let path = "msrp://127.0.0.1:9/carol-s1;tcp";
    let config = ClientConfig::new("sip:carol@127.0.0.1", sip.sent_by.clone(), path).unwrap();
    let mut carol = ImClient::new(config, Box::new(SeededIds::new(31)));
    sip.send(carol.register(Registration::Im).unwrap().as_bytes());
    let ok = sip.wait_for("200 to the REGISTER", final_for("REGISTER"));
    assert_eq!(
        ok.as_response().unwrap().code(),
        200,
        "{ok:?}\n{}",
        server.log()
    );

    let Message::Request(invite) = sip.wait_for("the push INVITE", is_request(Method::Invite))
    else {
        unreachable!()
    };
    let push_path = String::from_utf8_lossy(&invite.body())
        .lines()
        .find_map(|l| l.strip_prefix("a=path:"))
        .unwrap()
        .trim()
        .to_owned();
    let answer = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message 9 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
         a=accept-wrapped-types:*\r\na=path:{path}\r\na=setup:active\r\n"
    );
    let ok = Response::for_request(&invite, 200, &mut sip.ids)
        .header(HeaderName::Contact, "<sip:carol@127.0.0.1;transport=tcp>")
        .body("application/sdp", answer)
        .build()
        .unwrap();
    sip.send(ok.as_bytes());
    sip.wait_for("the ACK", is_request(Method::Ack));

    // Carol connects to the service's own MSRP port (it offered a=setup:passive).
    let mut push = MsrpEndpoint::connect(path, &push_path, 300);
    push.pump_until("the stored message", has_message);
    let got = message_bodies(&push.events);
    let cpim = simpleim::cpim::CpimMessage::parse(got[0].clone()).unwrap();
    assert_eq!(cpim.payload().as_ref(), CAROL_TEXT.as_bytes());
    assert_eq!(
        cpim.head().from().unwrap().unwrap().uri(),
        "sip:alice@127.0.0.1"
    );
    sip.answer_bye();

    stop(
        &mut server,
        &["registered", "stored message delivered", "push ended"],
    );
    assert!(
        stored(&server).is_empty(),
        "delivered messages leave the store"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
