//! `examples/chat_server` against sipp, a SIP user agent nobody here wrote (REQ: FOC-1, FOC-2,
//! ALIAS-1).
//!
//! The server runs as a process on free loopback ports with two rooms, `sip:chat@127.0.0.1`
//! (anonymity allowed) and `sip:strict@127.0.0.1` (`anonymity=no`). Over UDP (`-t u1`) and
//! over TCP (`-t t1`), sipp plays every scenario of `tests/sipp/` once:
//!
//! | scenario | room (`-s`) | sipp checks |
//! |---|---|---|
//! | `oma_join.xml` | chat | 200 with `isfocus` Contact, Allow, Server, the SDP answer; ACK; BYE 200 (FOC-2) |
//! | `reject_no_feature_tag.xml` | chat | 403 without `+g.oma.sip-im` (FOC-1 step 1) |
//! | `reject_unknown_room.xml` | nosuchroom | 404 + Warning (FOC-1 step 2) |
//! | `reject_isfocus.xml` | chat | 403 + Warning (FOC-1 step 3) |
//! | `reject_anonymous.xml` | strict | 403 + Warning 119 (FOC-1 step 6, ALIAS-1) |
//! | `reject_media.xml` | chat | 488 (FOC-1 step 7) |
//! | `reject_file_not_participant.xml` | chat | 403 + Warning for an RFC 5547 file push from who has not joined (SDP-2) |
//!
//! then 50 joins at once (`oma_join.xml -m 50 -l 50 -r 100`, one socket per call over TCP).
//! sipp must exit 0 each time; on failure the test prints sipp's error file, its message
//! trace and the server's log. At the end the server is stopped with SIGINT and must exit 0,
//! its log showing 51 joins, 51 departures and 6 refusals: every sipp call reached the focus
//! and nothing was left behind.
//!
//! sipp (Debian package sip-tester) is a peer: without it the tests say so and pass, except
//! with `CI=true`, where `.ci/run` installs it and its absence fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock to bound its waits"
)]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use simpleim_test_support::process::{self, ChatServer};

/// Each scenario and the room sipp addresses (`-s`).
const SCENARIOS: [(&str, &str); 7] = [
    ("oma_join.xml", "chat"),
    ("reject_no_feature_tag.xml", "chat"),
    ("reject_unknown_room.xml", "nosuchroom"),
    ("reject_isfocus.xml", "chat"),
    ("reject_anonymous.xml", "strict"),
    ("reject_media.xml", "chat"),
    ("reject_file_not_participant.xml", "chat"),
];

/// Joins at once in the load run.
const CONCURRENT: u32 = 50;

/// The bound on one sipp run: its own `-timeout`, and the test's kill deadline a little later.
const SIPP_TIMEOUT: Duration = Duration::from_secs(20);

/// One sipp run at a time in this binary: each binds its media and control ports too, and
/// the ports of `free_port` are only free until someone takes them.
static SIPP: Mutex<()> = Mutex::new(());

#[derive(Debug, Clone, Copy)]
enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    /// sipp's `-t` for one call, and for many calls at once.
    const fn modes(self) -> (&'static str, &'static str) {
        match self {
            // `un` (a socket per call) binds them all at `-p`: one socket for UDP.
            Self::Udp => ("u1", "u1"),
            Self::Tcp => ("t1", "tn"),
        }
    }

    const fn server_addr(self) -> &'static str {
        match self {
            Self::Udp => "sip-udp",
            Self::Tcp => "sip-tcp",
        }
    }
}

/// The directory of the scenarios.
fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sipp")
}

/// What one sipp run was asked and left behind.
struct Run<'a> {
    sipp: &'a Path,
    dir: &'a Path,
    target: SocketAddr,
    scenario: &'a str,
    service: &'a str,
    mode: &'a str,
    calls: u32,
}

impl Run<'_> {
    /// Runs sipp and returns its exit code (`None`: killed at the deadline) and a report of
    /// what it left: its error file, its message trace and its screen.
    fn go(&self) -> (Option<i32>, String) {
        let _one_at_a_time = SIPP.lock().unwrap_or_else(PoisonError::into_inner);
        let name = format!("{}-{}-{}", self.scenario, self.mode, self.calls);
        let errors = self.dir.join(format!("{name}.errors"));
        let messages = self.dir.join(format!("{name}.messages"));
        let screen = self.dir.join(format!("{name}.screen"));
        let (local, media, control) = (
            process::free_port(),
            media_port(),
            process::free_port().to_string(),
        );
        let mut cmd = Command::new(self.sipp);
        cmd.arg(self.target.to_string())
            .arg("-sf")
            .arg(scenarios_dir().join(self.scenario))
            .args(["-s", self.service, "-t", self.mode, "-i", "127.0.0.1"])
            .args(["-p", &local.to_string(), "-mp", &media.to_string()])
            .args(["-cp", &control, "-m", &self.calls.to_string()])
            .args(["-nostdin", "-trace_err", "-error_file"])
            .arg(&errors)
            .args(["-trace_msg", "-message_file"])
            .arg(&messages)
            .args(["-timeout", &format!("{}s", SIPP_TIMEOUT.as_secs())])
            .args(["-timeout_error", "-recv_timeout", "5000"]);
        if self.calls > 1 {
            let calls = self.calls.to_string();
            cmd.args(["-l", &calls, "-r", "100", "-max_socket", "200"]);
        }
        // sipp writes its statistics files into the working directory: not the repository.
        let child = cmd
            .current_dir(self.dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&screen).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sipp");
        let mut child = process::Reaped(child);
        let status = process::wait_bounded(&mut child.0, SIPP_TIMEOUT + Duration::from_secs(5));
        let mut stderr = String::new();
        if let Some(mut e) = child.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        let mut report = String::new();
        let _ = writeln!(report, "--- sipp stderr:\n{stderr}");
        for (what, file, keep) in [
            ("error file", &errors, 20_000),
            ("message trace (end)", &messages, 12_000),
            ("screen (end)", &screen, 4_000),
        ] {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let _ = writeln!(report, "--- sipp {what}:\n{}", tail(&text, keep));
        }
        (status.and_then(|s| s.code()), report)
    }
}

/// The last `n` bytes of `text` (at a character boundary).
fn tail(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// A free UDP port for sipp's media (`-mp`), which also binds the port two above it.
fn media_port() -> u16 {
    loop {
        let p = process::free_port();
        if p < u16::MAX - 2 && std::net::UdpSocket::bind(("127.0.0.1", p + 2)).is_ok() {
            return p;
        }
    }
}

/// Every scenario once over `transport`, then 50 joins at once; the server's account checked.
fn every_scenario_then_fifty_joins(transport: Transport) {
    let started = Instant::now();
    let Some(bin) = process::example("chat_server") else {
        return process::skip_without_server("sipp_interop");
    };
    let Some(sipp) = process::peer("sipp", "sip-tester") else {
        return;
    };
    let dir = process::scratch_dir("sipp-interop");
    let mut server = ChatServer::start(
        &bin,
        &dir,
        "info",
        &[
            "--room",
            "sip:chat@127.0.0.1",
            "--room",
            "sip:strict@127.0.0.1,anonymity=no",
        ],
    );
    assert_eq!(
        server.rooms(),
        ["sip:chat@127.0.0.1", "sip:strict@127.0.0.1"]
    );
    let target = server.addr(transport.server_addr());
    let (one, many) = transport.modes();
    let run = |scenario, service, mode, calls| {
        let t = Instant::now();
        let (code, report) = Run {
            sipp: &sipp,
            dir: &dir,
            target,
            scenario,
            service,
            mode,
            calls,
        }
        .go();
        assert!(
            code == Some(0),
            "sipp {scenario} -s {service} -t {mode} -m {calls}: exit {code:?} (0 is every call \
             passed; None: killed after {SIPP_TIMEOUT:?})\n{report}\n--- server log:\n{}",
            server.log()
        );
        eprintln!(
            "sipp {scenario} -s {service} -t {mode} -m {calls}: ok in {:?}",
            t.elapsed()
        );
    };
    for (scenario, service) in SCENARIOS {
        run(scenario, service, one, 1);
    }
    run("oma_join.xml", "chat", many, CONCURRENT);

    // The server's own account: every sipp call reached the focus, nothing is left behind.
    let (status, log) = server.stop(Duration::from_secs(10));
    assert!(status.success(), "exit status {status:?}:\n{log}");
    let count = |what: &str| log.lines().filter(|l| l.contains(what)).count();
    let joins = 1 + CONCURRENT as usize;
    assert_eq!(count(" joined room="), joins, "joins:\n{log}");
    assert_eq!(count(" left room="), joins, "departures (BYE):\n{log}");
    assert_eq!(
        count("join rejected"),
        SCENARIOS.len() - 1,
        "refusals:\n{log}"
    );
    for (status, why) in [
        ("status=403", "why=NotIm"),
        ("status=404", "why=UnknownConference"),
        ("status=403", "why=IsFocusAssigned"),
        ("status=403", "why=AnonymityNotAllowed"),
        ("status=488", "why=Media"),
        ("status=403", "why=NotAuthorized"),
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains("join rejected") && l.contains(status) && l.contains(why)),
            "no `join rejected ... {status} ... {why}` in the log:\n{log}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("sipp_interop {transport:?}: {:?}", started.elapsed());
}

#[test]
fn sipp_scenarios_and_fifty_concurrent_joins_over_udp() {
    // REQ: FOC-1, FOC-2, ALIAS-1
    every_scenario_then_fifty_joins(Transport::Udp);
}

#[test]
fn sipp_scenarios_and_fifty_concurrent_joins_over_tcp() {
    // REQ: FOC-1, FOC-2, ALIAS-1
    every_scenario_then_fifty_joins(Transport::Tcp);
}
