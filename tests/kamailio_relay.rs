//! Kamailio's `msrp` module as a real MSRP relay (RFC 4976) between two of our MSRP endpoints
//! (REQ: MSRP-6, MSRP-5, MSRP-4).
//!
//! Kamailio runs in the foreground (`-DD -E`) in a process group of its own, with the
//! configuration [`RELAY_CFG`] (grown from `../shared/tools/kamailio-msrp-relay.cfg`) written
//! to a scratch directory with a free port. Two `simpleim_msrp::Session`s speak through it
//! over real TCP sockets:
//!
//! 1. Alice connects to the relay and authenticates (RFC 4976 §5): an AUTH is answered 401
//!    with a Digest challenge, an AUTH with her credentials and `Expires: 600` is answered
//!    200 with a `Use-Path` on the relay and `Expires: 600`.
//! 2. Bob listens (his `a=path` names him only); the relay connects to him.
//! 3. Alice's To-Path is her Use-Path, then Bob (§6.1). A SEND with `Success-Report: yes` and
//!    Failure-Report `yes` (our encoder writes it by leaving the header out, which RFC 4975
//!    reads as `yes`) crosses the relay: Bob gets the body byte for byte, with To-Path
//!    his URI and From-Path the relay then Alice (the relay moved its URI across, §7.3);
//!    Alice gets a 200 from the relay (responses are hop by hop, §7.2: Bob's own 200 stops at
//!    the relay); Bob's success REPORT crosses back to Alice with From-Path the relay then
//!    Bob, and her session reports the message delivered.
//! 4. A 5000-byte message goes the same way in three chunks of 2048 bytes: each chunk gets
//!    its 200 from the relay, Bob reassembles it byte for byte, and success REPORTs cover it.
//! 5. A SEND through a relay URI nobody authenticated for is answered 481.
//!
//! The module only offers building blocks; the relay's behaviour is in the configuration: it
//! answers AUTH with Digest and a Use-Path, answers SENDs with 200 itself before relaying them,
//! lets the responses addressed to it stop there (`msrp_relay()` finds no next hop in a
//! one-URI To-Path), and sends frames for the authenticated client over the connection it
//! authenticated on (`msrp_set_dst`, the address kept in an `htable`): `msrp_relay()` alone
//! goes to the host and port of the next To-Path URI, which a client behind a relay need not
//! be reachable at. Kamailio relays whole frames only (at most about 14 KB), never a chunk
//! as it streams, and never interrupts one: the streaming half of MSRP-6 is not exercised by
//! this peer. It warns that RFC 4976 wants TLS; this test uses TCP on loopback.
//!
//! Two more tests use the same relay configuration:
//!
//! - `session_authenticate_is_accepted_by_kamailio`: the library's own client side
//!   (`Session::authenticate`, no hand-written Digest) gets 401 then 200 with a Use-Path on
//!   Kamailio and `Expires: 600`; the session's advertised path and To-Path put that Use-Path
//!   first; an Expires below the relay's bound is answered 423 with Min-Expires 60 and the
//!   session asks 60 next; a wrong password ends in a second 401 and
//!   `Event::RelayAuthFailed`.
//! - `chat_clients_talk_through_kamailio`: `examples/chat_server` and two
//!   `examples/chat_client` processes with `--relay`, each behind a Kamailio of its own (the
//!   focus binds an MSRP connection to one participant, and one relay would carry both
//!   sessions on one connection): both print `RELAY` with Kamailio's Use-Path and join; a
//!   message each way and a private message cross the relays, once each; the server's only
//!   MSRP connections are the two Kamailios'. Those tests skip, as the chat tests do, when
//!   the examples are not built (a failure under `CI=true`).
//!
//! Kamailio (Debian package kamailio, which carries `msrp.so`) is a peer: without it the test
//! says so and passes, except with `CI=true`, where `.ci/run` installs it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock as the endpoints' host"
)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use simpleim::msrp::{
    Event, Frame, Method, RelayAuth, ReportMode, RequestBuilder, SeededIds, SendOptions, Session,
    SessionConfig, TransactionId, UserPassword,
};
use simpleim_test_support::loopback::{
    Conn, MsrpEndpoint, STEP, accept_within, delivered, msrp_frames, received, sent,
};
use simpleim_test_support::process::{self, ChatClient, ChatServer, ProcessGroup};

/// The relay's Digest realm and the one password it knows (RFC 4976 §5.1).
const REALM: &str = "simpleim-relay";
const PASSWORD: &str = "relay-secret";

/// The relay's configuration; `@PORT@` is its TCP port.
///
/// From `kamailio-msrp-relay.cfg`: the same core settings (`tcp_accept_no_cl` lets MSRP in
/// through the SIP TCP reader) and `event_route[msrp:frame-in]`. Added: AUTH with Digest
/// (`auth`), a Use-Path per authenticated client kept with its connection in an `htable`,
/// 200 responses hop by hop, and routing back to the client over its own connection.
const RELAY_CFG: &str = r#"#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
tcp_accept_no_cl=yes
listen=tcp:127.0.0.1:@PORT@

loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "cfgutils.so"
loadmodule "auth.so"
loadmodule "htable.so"
loadmodule "msrp.so"
modparam("auth", "qop", "auth")
modparam("htable", "htable", "msrp=>size=8;autoexpire=3600;")

request_route {
    sl_send_reply("403", "No SIP Here");
    exit;
}

event_route[msrp:frame-in] {
    xlog("L_INFO", "MSRP in: method=[$msrp(method)] code=[$msrp(code)] tid=[$msrp(transid)] nexthops=[$msrp(nexthops)] sessid=[$msrp(sessid)] from=[$msrp(srcaddr)]\n");
    msrp_reply_flags("1");
    if (msrp_is_reply()) {
        # Responses are hop by hop (RFC 4975 section 7.2): one addressed to this relay
        # (a single To-Path URI) stops here; msrp_relay() finds nowhere to send it.
        msrp_relay();
        exit;
    }
    if ($msrp(method) == "AUTH") {
        # RFC 4976 section 5: Digest, then a Use-Path naming this relay and a session.
        if (!pv_www_authenticate("@REALM@", "@PASSWORD@", "0", "$msrp(method)")) {
            if (auth_get_www_authenticate("@REALM@", "1", "$var(wauth)")) {
                msrp_reply("401", "Unauthorized", "$var(wauth)");
            } else {
                msrp_reply("500", "Server Error");
            }
            exit;
        }
        $var(expires) = 3600;
        if ($hdr(Expires) != $null) {
            $var(expires) = (int)$hdr(Expires);
            if ($var(expires) < 60 || $var(expires) > 3600) {
                msrp_reply("423", "Interval Out-of-Bounds", "Min-Expires: 60\r\nMax-Expires: 3600\r\n");
                exit;
            }
        }
        $var(sessid) = "s" + $RANDOM;
        $sht(msrp=>$var(sessid)::srcaddr) = $msrp(srcaddr);
        $sht(msrp=>$var(sessid)::srcsock) = $msrp(srcsock);
        $var(hdrs) = "Use-Path: msrp://127.0.0.1:@PORT@/" + $var(sessid) + ";tcp\r\nExpires: " + $var(expires) + "\r\n";
        msrp_reply("200", "OK", "$var(hdrs)");
        exit;
    }
    $var(sessid) = $msrp(sessid);
    if ($msrp(nexthops) == 0 || $sht(msrp=>$var(sessid)::srcaddr) == $null) {
        # Not through a Use-Path this relay granted (REPORTs are never answered).
        msrp_reply("481", "Session does not exist");
        exit;
    }
    if ($msrp(method) == "SEND") {
        msrp_reply("200", "OK");
    }
    if ($msrp(srcaddr) != $sht(msrp=>$var(sessid)::srcaddr)) {
        # Towards the authenticated client: over the connection it authenticated on.
        msrp_relay_flags("1");
        msrp_set_dst("$sht(msrp=>$var(sessid)::srcaddr)", "$sht(msrp=>$var(sessid)::srcsock)");
    }
    if (!msrp_relay()) {
        xlog("L_ERR", "MSRP relay failed: tid=[$msrp(transid)]\n");
    }
}
"#;

/// Kamailio running as the relay.
struct Relay {
    process: ProcessGroup,
    log: PathBuf,
    port: u16,
}

impl Relay {
    /// Writes the configuration with a free port, checks it (`-c`), starts Kamailio in the
    /// foreground and waits until it accepts connections.
    fn start(kamailio: &Path, dir: &Path) -> Self {
        let port = process::free_port();
        let cfg = dir.join("msrp-relay.cfg");
        let text = RELAY_CFG
            .replace("@PORT@", &port.to_string())
            .replace("@REALM@", REALM)
            .replace("@PASSWORD@", PASSWORD);
        std::fs::write(&cfg, text).unwrap();
        let check = Command::new(kamailio)
            .arg("-c")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .output()
            .expect("run kamailio -c");
        assert!(
            check.status.success(),
            "kamailio rejects the configuration:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let log = dir.join("kamailio.log");
        // -DD: no daemon, but the workers TCP needs; -E: log to stderr; -Y, -w: its runtime
        // and working directories in the scratch directory.
        let process = ProcessGroup::spawn(
            Command::new(kamailio)
                .args(["-DD", "-E", "-f"])
                .arg(&cfg)
                .arg("-Y")
                .arg(dir)
                .arg("-w")
                .arg(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap()),
        )
        .expect("start kamailio");
        let mut relay = Self { process, log, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                relay.process.is_running() && Instant::now() < deadline,
                "kamailio is not listening on {port}:\n{}",
                relay.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        relay
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it (SIGTERM) and checks that it stopped and logged no error; its log.
    fn stop_cleanly(&mut self) -> String {
        let status = self.process.stop(STEP);
        let log = self.log();
        assert!(status.is_some(), "kamailio did not stop on SIGTERM:\n{log}");
        assert!(
            !log.contains("ERROR") && !log.contains("relay failed"),
            "kamailio logged an error:\n{log}"
        );
        log
    }

    /// Its URI, without a session: where an AUTH goes (RFC 4976 §5.1).
    fn uri(&self) -> String {
        format!("msrp://127.0.0.1:{};tcp", self.port)
    }
}

/// The frames in a recorded byte stream (whole frames, streamed bodies put together).
fn frames(wire: &[u8]) -> Vec<Frame> {
    msrp_frames(wire).into_iter().map(|(_, f)| f).collect()
}

/// Writes `request` and reads frames until the response to it.
fn transact(conn: &mut Conn, request: &[u8], relay: &Relay) -> Frame {
    let start = conn.received.len();
    conn.write(request);
    let tid = Frame::parse(Bytes::copy_from_slice(request))
        .unwrap()
        .head
        .transaction_id();
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(f) = frames(&conn.received[start..])
            .into_iter()
            .find(|f| f.head.is_response() && f.head.transaction_id() == tid)
        {
            return f;
        }
        conn.read(Duration::from_millis(50));
        assert!(
            Instant::now() < deadline && !conn.is_closed(),
            "no response to {tid} (read {:?}):\n{}",
            String::from_utf8_lossy(&conn.received[start..]),
            relay.log()
        );
    }
}

/// An AUTH to the relay (RFC 4976 §5.1), with credentials and Expires when given.
fn auth(tid: &str, relay: &str, from: &str, authorization: Option<&str>) -> Vec<u8> {
    let mut b = RequestBuilder::new(Method::Auth, TransactionId::new(tid.as_bytes()).unwrap())
        .to_path(relay)
        .from_path(from);
    if let Some(a) = authorization {
        b = b.header("Authorization", a).expires(600);
    }
    let mut out = BytesMut::new();
    b.encode(&mut out).unwrap();
    out.to_vec()
}

/// The MD5 of `text` in hex, by `md5sum` (coreutils): no hashing crate is a dependency.
fn md5_hex(text: &str) -> String {
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run md5sum");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..32].to_owned()
}

/// The `Authorization` answering a `WWW-Authenticate: Digest ...` challenge for an AUTH to
/// `uri` (RFC 2617 §3.2.2, with `qop=auth` when offered; RFC 4976 §5.1).
fn digest_authorization(challenge: &str, user: &str, password: &str, uri: &str) -> String {
    let params = challenge
        .trim()
        .strip_prefix("Digest")
        .unwrap_or_else(|| panic!("not a Digest challenge: {challenge}"));
    let param = |name: &str| {
        params.split(',').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
        })
    };
    let realm = param("realm").expect("realm");
    let nonce = param("nonce").expect("nonce");
    let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
    let ha2 = md5_hex(&format!("AUTH:{uri}"));
    let (cnonce, nc) = ("0a4f113b", "00000001");
    let qop = param("qop").filter(|q| q.split(',').any(|q| q.trim() == "auth"));
    let mut value =
        format!("Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\"");
    let response = if qop.is_some() {
        value.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
        md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
    } else {
        md5_hex(&format!("{ha1}:{nonce}:{ha2}"))
    };
    value.push_str(&format!(", response=\"{response}\""));
    if let Some(opaque) = param("opaque") {
        value.push_str(&format!(", opaque=\"{opaque}\""));
    }
    value
}

/// Pumps `endpoint` until `done` holds for its events; the relay's log when it does not.
fn pump_until(
    endpoint: &mut MsrpEndpoint,
    what: &str,
    relay: &Relay,
    done: impl Fn(&[Event]) -> bool,
) {
    if let Err(e) = endpoint.try_pump_until(what, done) {
        panic!("{e}\n--- kamailio log:\n{}", relay.log());
    }
}

fn header<'f>(f: &'f Frame, name: &str) -> &'f str {
    std::str::from_utf8(f.head.header(name).unwrap_or_default()).unwrap()
}

/// Sends `body` from Alice and checks how it, its responses and its reports crossed.
fn send_through(
    alice: &mut MsrpEndpoint,
    bob: &mut MsrpEndpoint,
    relay: &Relay,
    body: &Bytes,
    paths: &Paths,
) {
    let id = alice
        .session
        .send_message(
            Instant::now(),
            "text/plain",
            body.clone(),
            SendOptions::new()
                .success_report(true)
                .failure_report(ReportMode::Yes),
        )
        .unwrap();
    pump_until(alice, "Alice's 200s from the relay", relay, sent(&[id]));
    pump_until(bob, "the message at Bob", relay, |e| {
        received(e, id).is_some()
    });
    assert_eq!(received(&bob.events, id).unwrap(), body, "byte for byte");
    pump_until(alice, "Bob's success REPORT at Alice", relay, delivered(id));

    // Each chunk as Bob read it: addressed to him, from the relay then Alice (RFC 4976 §7.3).
    let chunks: Vec<Frame> = frames(&bob.conn.received)
        .into_iter()
        .filter(|f| f.head.method() == Some(&Method::Send))
        .filter(|f| f.head.message_id().ok().flatten() == Some(id.as_str()))
        .collect();
    assert_eq!(chunks.len(), body.len().div_ceil(2048), "chunks at Bob");
    let mut reassembled = Vec::new();
    for c in &chunks {
        assert_eq!(header(c, "To-Path"), paths.bob);
        assert_eq!(
            header(c, "From-Path"),
            format!("{} {}", paths.use_path, paths.alice)
        );
        assert_eq!(header(c, "Success-Report"), "yes");
        // Our encoder leaves out `Failure-Report: yes`, what no header means in RFC 4975:
        // the relay's 200s the session waited for show it was meant.
        assert!(matches!(header(c, "Failure-Report"), "" | "yes"));
        reassembled.extend_from_slice(&c.body);
    }
    assert_eq!(reassembled, body.as_ref(), "the chunks' bodies, as relayed");

    // At Alice: one 200 per chunk, from the relay (hop by hop), and Bob's REPORT.
    let at_alice = frames(&alice.conn.received);
    for c in &chunks {
        let tid = c.head.transaction_id();
        let responses: Vec<&Frame> = at_alice
            .iter()
            .filter(|f| f.head.is_response() && f.head.transaction_id() == tid)
            .collect();
        assert_eq!(
            responses.len(),
            1,
            "responses to {tid} at Alice: {responses:?}"
        );
        assert_eq!(responses[0].head.status_code(), Some(200));
        assert_eq!(header(responses[0], "From-Path"), paths.use_path);
        assert_eq!(header(responses[0], "To-Path"), paths.alice);
    }
    let reports: Vec<&Frame> = at_alice
        .iter()
        .filter(|f| f.head.method() == Some(&Method::Report))
        .filter(|f| f.head.message_id().ok().flatten() == Some(id.as_str()))
        .collect();
    assert!(!reports.is_empty(), "no REPORT at Alice");
    for r in reports {
        assert_eq!(header(r, "To-Path"), paths.alice);
        assert_eq!(
            header(r, "From-Path"),
            format!("{} {}", paths.use_path, paths.bob)
        );
        assert_eq!(r.head.status().unwrap().map(|s| s.code), Some(200));
    }
}

/// The URIs of the session.
struct Paths {
    alice: String,
    bob: String,
    use_path: String,
}

#[test]
fn a_message_and_its_reports_cross_kamailio_as_an_msrp_relay() {
    // REQ: MSRP-6, MSRP-5, MSRP-4
    let Some(kamailio) = process::peer("kamailio", "kamailio") else {
        return;
    };
    let started = Instant::now();
    let dir = process::scratch_dir("kamailio-relay");
    let mut relay = Relay::start(&kamailio, &dir);

    // Bob listens; the relay connects to him when it has something for him.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let bob_uri = format!(
        "msrp://127.0.0.1:{}/bob-s1;tcp",
        listener.local_addr().unwrap().port()
    );

    // Alice authenticates to her relay (RFC 4976 §5): 401 with a challenge, then 200.
    let mut conn = Conn::connect(("127.0.0.1", relay.port));
    let alice_uri = format!("msrp://127.0.0.1:{}/alice-s1;tcp", conn.ports().0);
    let challenge = transact(
        &mut conn,
        &auth("auth1", &relay.uri(), &alice_uri, None),
        &relay,
    );
    assert_eq!(challenge.head.status_code(), Some(401), "{challenge:?}");
    assert_eq!(header(&challenge, "To-Path"), alice_uri);
    let www = std::str::from_utf8(challenge.head.www_authenticate().unwrap()).unwrap();
    let credentials = digest_authorization(www, "alice", PASSWORD, &relay.uri());
    let granted = transact(
        &mut conn,
        &auth("auth2", &relay.uri(), &alice_uri, Some(&credentials)),
        &relay,
    );
    assert_eq!(
        granted.head.status_code(),
        Some(200),
        "{granted:?}\n{}",
        relay.log()
    );
    assert_eq!(granted.head.expires().unwrap(), Some(600));
    let use_path = header(&granted, "Use-Path").to_owned();
    assert!(
        use_path.starts_with(&format!("msrp://127.0.0.1:{}/", relay.port))
            && !use_path.contains(' '),
        "one URI on the relay: {use_path}"
    );
    let paths = Paths {
        alice: alice_uri.clone(),
        bob: bob_uri.clone(),
        use_path: use_path.clone(),
    };

    // Alice's To-Path: her relay, then Bob (§6.1). Bob's: what Alice's a=path would say.
    let mut alice = MsrpEndpoint::new(conn, &alice_uri, &format!("{use_path} {bob_uri}"), 1);
    let first = Bytes::from_static(b"Hello Bob, through Kamailio: \xc3\xa9t\xc3\xa9 \r\n-------x$");
    let id = alice
        .session
        .send_message(
            Instant::now(),
            "text/plain",
            Bytes::from_static(b"warm-up"),
            SendOptions::new(),
        )
        .unwrap();
    pump_until(
        &mut alice,
        "Alice's first 200 from the relay",
        &relay,
        sent(&[id]),
    );
    let bob_conn = accept_within(&listener, STEP)
        .unwrap_or_else(|| panic!("the relay did not connect to Bob:\n{}", relay.log()));
    let mut bob = MsrpEndpoint::new(bob_conn, &bob_uri, &format!("{use_path} {alice_uri}"), 2);
    pump_until(&mut bob, "the warm-up at Bob", &relay, |e| {
        received(e, id).is_some()
    });

    send_through(&mut alice, &mut bob, &relay, &first, &paths);
    let large: Bytes = (0..5000u32)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789\r\n"[(i % 38) as usize])
        .collect::<Vec<u8>>()
        .into();
    send_through(&mut alice, &mut bob, &relay, &large, &paths);

    // Through a relay URI nobody authenticated for: 481 from the relay.
    let mut stranger = Conn::connect(("127.0.0.1", relay.port));
    let mut send = BytesMut::new();
    RequestBuilder::new(Method::Send, TransactionId::new(b"stranger1").unwrap())
        .to_path(&format!(
            "msrp://127.0.0.1:{}/nosuchsession;tcp {bob_uri}",
            relay.port
        ))
        .from_path("msrp://127.0.0.1:9/stranger;tcp")
        .message_id("stranger-1")
        .body("text/plain", b"let me in")
        .encode(&mut send)
        .unwrap();
    let refused = transact(&mut stranger, &send, &relay);
    assert_eq!(refused.head.status_code(), Some(481), "{refused:?}");

    relay.stop_cleanly();
    eprintln!("kamailio_relay: {:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A session for `local` authenticating to `relay` as `alice` with `password`, asking
/// `expires`.
fn relay_session(relay: &Relay, local: &str, password: &str, expires: u32) -> MsrpEndpoint {
    let conn = Conn::connect(("127.0.0.1", relay.port));
    let mut e = MsrpEndpoint::new(conn, local, &relay.uri(), 3);
    let mut config = SessionConfig::new(
        local.parse().unwrap(),
        relay.uri().parse().unwrap(),
        Box::new(SeededIds::new(3)),
    );
    let mut auth = RelayAuth::new(
        vec![relay.uri().parse().unwrap()],
        Box::new(UserPassword::new("alice", password)),
    );
    auth.expires = Some(expires);
    config.relays = Some(auth);
    e.session = Session::new(config);
    e
}

/// Runs `Session::authenticate` until the session says how it ended; the AUTH requests and
/// the responses as they crossed the connection, in order.
fn authenticate(e: &mut MsrpEndpoint, relay: &Relay) -> (Vec<Frame>, Vec<Frame>) {
    e.session.authenticate(Instant::now()).unwrap();
    pump_until(e, "the end of the AUTH", relay, |events| {
        events.iter().any(|e| {
            matches!(
                e,
                Event::RelayAuthenticated { .. } | Event::RelayAuthFailed { .. }
            )
        })
    });
    let requests = frames(&e.conn.sent)
        .into_iter()
        .filter(|f| f.head.method() == Some(&Method::Auth))
        .collect();
    let responses = frames(&e.conn.received)
        .into_iter()
        .filter(|f| f.head.is_response())
        .collect();
    (requests, responses)
}

/// The status codes of `responses`.
fn codes(responses: &[Frame]) -> Vec<Option<u16>> {
    responses.iter().map(|f| f.head.status_code()).collect()
}

#[test]
fn session_authenticate_is_accepted_by_kamailio() {
    // REQ: MSRP-6 (RFC 4976 §5.1: AUTH, 401 with a Digest challenge answered by the session,
    // 200 with Use-Path and Expires; 423 answered with the Min-Expires asked)
    let Some(kamailio) = process::peer("kamailio", "kamailio") else {
        return;
    };
    let dir = process::scratch_dir("kamailio-auth");
    let mut relay = Relay::start(&kamailio, &dir);
    let prefix = format!("msrp://127.0.0.1:{}/", relay.port);

    // The session's own AUTH, Digest and all: 401, then 200 with Use-Path.
    let local = "msrp://127.0.0.1:9/alice-auth1;tcp";
    let mut alice = relay_session(&relay, local, PASSWORD, 600);
    let (requests, responses) = authenticate(&mut alice, &relay);
    assert_eq!(codes(&responses), [Some(401), Some(200)], "{responses:?}");
    assert_eq!(requests.len(), 2);
    assert!(requests[0].head.authorization().is_none());
    let credentials = header(&requests[1], "Authorization");
    assert!(
        credentials.starts_with("Digest ") && credentials.contains("username=\"alice\""),
        "{credentials}"
    );
    assert!(
        credentials.contains(&format!("realm=\"{REALM}\"")),
        "{credentials}"
    );
    assert_eq!(header(&requests[1], "Expires"), "600");
    let use_path = header(&responses[1], "Use-Path").to_owned();
    assert!(use_path.starts_with(&prefix), "{use_path}");
    let (event_path, expires) = alice
        .events
        .iter()
        .find_map(|e| match e {
            Event::RelayAuthenticated { use_path, expires } => {
                Some((use_path.to_string(), *expires))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!((event_path.as_str(), expires), (use_path.as_str(), 600));
    assert_eq!(
        alice.session.use_path().map(ToString::to_string),
        Some(use_path.clone())
    );
    assert_eq!(
        alice.session.advertised_path().to_string(),
        format!("{use_path} {local}")
    );
    alice
        .session
        .set_remote("msrp://127.0.0.1:9/bob-auth1;tcp".parse().unwrap());
    assert_eq!(
        alice.session.to_path(),
        format!("{use_path} msrp://127.0.0.1:9/bob-auth1;tcp").as_bytes()
    );

    // Expires below the relay's bound: 423 with Min-Expires, then the session asks that.
    let mut brief = relay_session(&relay, "msrp://127.0.0.1:9/alice-auth2;tcp", PASSWORD, 10);
    let (requests, responses) = authenticate(&mut brief, &relay);
    assert_eq!(
        codes(&responses),
        [Some(401), Some(423), Some(200)],
        "{responses:?}"
    );
    assert_eq!(header(&requests[1], "Expires"), "10");
    assert_eq!(header(&requests[2], "Expires"), "60");
    assert_eq!(brief.session.advertised_path().iter().count(), 2);

    // A wrong password: a second 401, and the session gives up.
    let mut wrong = relay_session(&relay, "msrp://127.0.0.1:9/alice-auth3;tcp", "nope", 600);
    let (_, responses) = authenticate(&mut wrong, &relay);
    assert_eq!(codes(&responses), [Some(401), Some(401)], "{responses:?}");
    assert!(
        wrong
            .events
            .iter()
            .any(|e| matches!(e, Event::RelayAuthFailed { status: 401, .. }))
    );
    assert!(wrong.session.use_path().is_none());

    relay.stop_cleanly();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chat_clients_talk_through_kamailio() {
    // REQ: MSRP-6 (examples/chat_client --relay: AUTH to Kamailio, its Use-Path in a=path,
    // the room's messages through it), SW-2
    kamailio_chat("kamailio-chat", false);
}

#[test]
fn chat_clients_talk_through_one_kamailio() {
    // REQ: MSRP-6, SW-2: both clients behind one Kamailio, which may carry both sessions
    // towards the focus on one connection (RFC 4975 §5.4; the focus writes one frame at a
    // time there)
    kamailio_chat("kamailio-chat-shared", true);
}

/// chat_server and two `chat_client --relay` processes, behind a Kamailio each, or both
/// behind one (`shared`): joins, a message each way and a private message.
fn kamailio_chat(test: &str, shared: bool) {
    let Some(kamailio) = process::peer("kamailio", "kamailio") else {
        return;
    };
    let (Some(server_bin), Some(client_bin)) = (
        process::example_or_skip(test, "chat_server"),
        process::example_or_skip(test, "chat_client"),
    ) else {
        return;
    };
    let dir = process::scratch_dir(test);
    let mut server = ChatServer::start(&server_bin, &dir, "info", &[]);
    let sip = server.addr("sip-tcp").to_string();
    let names: &[&str] = if shared { &["both"] } else { &["alice", "bob"] };
    let mut relays: Vec<Relay> = names
        .iter()
        .map(|who| {
            let d = dir.join(format!("kamailio-{who}"));
            std::fs::create_dir_all(&d).unwrap();
            Relay::start(&kamailio, &d)
        })
        .collect();
    let mut clients: Vec<ChatClient> = Vec::new();
    let report = |clients: &[ChatClient], relays: &[Relay], server: &ChatServer| {
        let mut r = String::new();
        for c in clients {
            r.push_str(&c.report());
        }
        for k in relays {
            r.push_str(&format!("--- kamailio log:\n{}\n", k.log()));
        }
        r.push_str(&format!(
            "--- server log:\n{}",
            process::strip_ansi(&server.log())
        ));
        r
    };

    for (i, who) in ["alice", "bob"].into_iter().enumerate() {
        let r = if shared { 0 } else { i };
        clients.push(ChatClient::spawn_through_relay(
            &client_bin,
            &dir,
            (who, &sip),
            &relays[r].uri(),
            (who, PASSWORD),
            &[],
        ));
        let prefix = format!("msrp://127.0.0.1:{}/", relays[r].port);
        let path = clients[i].wait_line("RELAY", STEP, |l| Some(l.to_owned()));
        let joined =
            clients[i].wait_line("JOINED", STEP, |l| l.split(' ').next().map(str::to_owned));
        assert!(
            path.as_deref()
                .is_some_and(|p| p.starts_with(&prefix) && p.split(' ').count() == 2)
                && joined.as_deref() == Some(who),
            "{who}: a=path {path:?}, joined as {joined:?}\n{}",
            report(&clients, &relays, &server)
        );
    }
    let entered = clients[0].wait_line("ENTER", STEP, |l| (l == "bob").then_some(()));
    assert!(entered.is_some(), "{}", report(&clients, &relays, &server));

    let to_bob = "hello bob, through Kamailio";
    let to_alice = "hello alice, back through Kamailio";
    let private = "psst alice, privately through Kamailio";
    clients[1].type_line("/wait alice");
    clients[0].type_line(to_bob);
    clients[1].type_line(to_alice);
    clients[1].type_line(&format!("/msg alice {private}"));
    for (i, tag, from, text) in [
        (1, "MSG", "alice", to_bob),
        (0, "MSG", "bob", to_alice),
        (0, "PRIV", "bob", private),
    ] {
        let got = clients[i].wait_line(tag, STEP, |l| {
            (l.split_once(' ') == Some((from, text))).then_some(())
        });
        assert!(
            got.is_some(),
            "{}: no {tag} {from} {text}\n{}",
            clients[i].who,
            report(&clients, &relays, &server)
        );
    }

    // The focus's only MSRP peers are the Kamailios: no client connected to it (one
    // Kamailio may open one connection for both sessions, or one each).
    let opened = process::strip_ansi(&server.log())
        .lines()
        .filter(|l| l.contains("MSRP connection opened"))
        .count();
    let expected = if shared { 1..=2 } else { 2..=2 };
    assert!(
        expected.contains(&opened),
        "{opened} connections\n{}",
        report(&clients, &relays, &server)
    );
    if std::env::var_os("KAMAILIO_CHAT_LOG").is_some() {
        eprintln!("{}", report(&clients, &relays, &server));
    }

    for c in &mut clients {
        c.type_line("/quit");
    }
    for c in &mut clients {
        let status = process::wait_bounded(&mut c.process.0, STEP);
        assert!(
            status.is_some_and(|s| s.success()) && c.tagged("FAIL").is_empty(),
            "{} exited with {status:?}\n{}",
            c.who,
            c.report()
        );
    }
    for (c, text) in clients.iter().zip([to_alice, to_bob]) {
        let copies = c.tagged("MSG").iter().filter(|l| l.ends_with(text)).count();
        assert_eq!(copies, 1, "{}: {text:?} {copies} times", c.who);
    }
    for k in &mut relays {
        let log = k.stop_cleanly();
        assert!(log.contains("method=[AUTH]"), "no AUTH at kamailio:\n{log}");
    }
    let (status, log) = server.stop(STEP);
    assert!(status.success(), "the server exited with {status}:\n{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
