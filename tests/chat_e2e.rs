//! End to end: `examples/chat_server` and three `examples/chat_client` processes on loopback,
//! each client fed its lines on a pipe (a script, typed one phase at a time) and printing
//! `--machine` lines, plus a raw fourth participant from `simpleim_test_support::loopback`.
//!
//! - Join: alice over SIP/TCP; bob over SIP/UDP asking for the alias `alice`, which the focus
//!   changes (ALIAS-2); carol anonymously. Each prints `JOINED`, and `ENTER` for whoever
//!   comes after it; `/who` lists all three (FOC-2, SW-2).
//! - Broadcast: 20 numbered messages from each; every one reaches both others exactly once
//!   and never its sender, and carries the sender's (assigned) alias (SW-4, SW-2).
//! - Private: alice's `/msg` to carol reaches carol only (SW-8, CHAT-1).
//! - Spoofed From: dave, a raw participant, sends a good message (relayed) and then one whose
//!   CPIM `From` is alice's URI: MSRP 403, and nobody receives it (SW-3).
//! - File: bob's `/send` is an RFC 5547 push to the room in an INVITE of its own; the focus
//!   takes it and offers it to alice and carol in INVITEs of its own (the anonymous carol
//!   too), who save it (`--save-dir`) byte for byte; bob gets no copy (SDP-2).
//! - Leave: `/quit`; the others print `EXIT`, and each client exits 0 (FOC-6).
//! - SIGINT: the server exits 0.
//!
//! The binaries are the examples built beside this test (`cargo test` builds them; `cargo
//! test --test chat_e2e` alone does not): when one is missing the test says so and passes,
//! except under `CI=true`, where it fails. Every wait is bounded, and a test that fails kills
//! every process it started (their drop guards).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock to bound its waits"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim::msrp::{Event, SendOptions};
use simpleim::sdp::attr::Setup;
use simpleim_test_support::loopback::Member;
use simpleim_test_support::process::{self, ChatServer, Reaped};

const ROOM: &str = "sip:chat@127.0.0.1";
/// Messages each client broadcasts.
const BROADCASTS: usize = 20;
/// Each wait is bounded by this...
const STEP: Duration = Duration::from_secs(10);
/// ... and the whole test by this.
const WHOLE: Duration = Duration::from_secs(45);

/// The example `name`, or `None` (with a note) when it is not built; under `CI=true` a
/// missing example is a failure.
fn example_or_skip(name: &str) -> Option<PathBuf> {
    let bin = process::example(name);
    if bin.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the {name} example is not built beside this test"
        );
        eprintln!(
            "chat_e2e: SKIPPED: the {name} example is not built beside this test (run `cargo \
             test`, which builds examples first, or `cargo build --example chat_server \
             --example chat_client`)"
        );
    }
    bin
}

/// A `chat_client` process: its stdin (the lines it is typed), its `--machine` stdout lines
/// as they come, its stderr in a file.
struct Client {
    who: &'static str,
    process: Reaped,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: PathBuf,
}

impl Client {
    fn spawn(bin: &Path, dir: &Path, who: &'static str, args: &[&str]) -> Self {
        let stderr = dir.join(format!("{who}.stderr"));
        let mut child = Command::new(bin)
            .args(["--name", who, "--room", ROOM, "--machine"])
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start chat_client");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            who,
            process: Reaped(child),
            stdin,
            lines,
            stderr,
        }
    }

    /// Types `line`.
    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").expect("write to the client's stdin");
        stdin.flush().unwrap();
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Its output lines with the `tag` (`MSG`, `FILE`, ...), without the tag.
    fn tagged(&self, tag: &str) -> Vec<String> {
        self.lines()
            .iter()
            .filter_map(|l| l.strip_prefix(tag)?.strip_prefix(' ').map(str::to_owned))
            .collect()
    }

    fn report(&self) -> String {
        format!(
            "--- {} stdout:\n{}\n--- {} stderr:\n{}\n",
            self.who,
            self.lines().join("\n"),
            self.who,
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }
}

/// The clients, the server, and the test's deadline: what a failure reports.
struct Scene {
    server: ChatServer,
    clients: Vec<Client>,
    deadline: Instant,
}

impl Scene {
    fn client(&mut self, who: &str) -> &mut Client {
        self.clients.iter_mut().find(|c| c.who == who).unwrap()
    }

    fn get(&self, who: &str) -> &Client {
        self.clients.iter().find(|c| c.who == who).unwrap()
    }

    fn fail(&self, what: &str) -> ! {
        let mut report = format!("chat_e2e: {what}\n");
        for c in &self.clients {
            report.push_str(&c.report());
        }
        report.push_str("--- server log:\n");
        report.push_str(&self.server.log());
        panic!("{report}")
    }

    /// Waits (at most [`STEP`], and never past the test's deadline) until `done` holds for
    /// `who`'s output.
    fn wait(&self, who: &str, what: &str, done: impl Fn(&Client) -> bool) {
        let client = self.get(who);
        let until = (Instant::now() + STEP).min(self.deadline);
        while !done(client) {
            if Instant::now() >= until {
                self.fail(&format!("{who}: {what}: not in time"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until `who`'s output has a line `tag rest` for which `pick` says `Some`.
    fn wait_line<T>(&self, who: &str, tag: &str, pick: impl Fn(&str) -> Option<T>) -> T {
        self.wait(who, &format!("a {tag} line"), |c| {
            c.tagged(tag).iter().any(|l| pick(l).is_some())
        });
        let client = self.get(who);
        client.tagged(tag).iter().find_map(|l| pick(l)).unwrap()
    }

    fn check(&self, ok: bool, what: &str) {
        if !ok {
            self.fail(what);
        }
    }
}

/// The alias in a `JOINED <alias> <conference-uri>` line.
fn joined_alias(rest: &str) -> Option<String> {
    rest.split(' ').next().map(str::to_owned)
}

/// How many `MSG` lines of `client` have the text `text` (and from whom).
fn msg_count(client: &Client, text: &str) -> (usize, Vec<String>) {
    let mut froms = Vec::new();
    for l in client.tagged("MSG") {
        if let Some((from, t)) = l.split_once(' ') {
            if t == text {
                froms.push(from.to_owned());
            }
        }
    }
    (froms.len(), froms)
}

fn broadcast_text(who: &str, n: usize) -> String {
    format!("bcast {who} #{n:02} of {BROADCASTS}")
}

/// A file with every byte value, CR LF and MSRP-looking lines in it.
fn file_bytes() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..4096u32 {
        data.push((i.wrapping_mul(2_654_435_761) >> 13) as u8);
    }
    data.extend(0..=255u8);
    data.extend_from_slice(b"\r\n-------abcd$\r\nFrom: <sip:x@y>\r\n\r\n");
    data
}

#[test]
fn three_clients_and_a_spoofer() {
    let started = Instant::now();
    let (Some(server_bin), Some(client_bin)) = (
        example_or_skip("chat_server"),
        example_or_skip("chat_client"),
    ) else {
        return;
    };
    let dir = process::scratch_dir("chat-e2e");
    let server = ChatServer::start(&server_bin, &dir, "info", &[]);
    assert_eq!(server.rooms(), [ROOM]);
    let tcp = server.addr("sip-tcp").to_string();
    let udp = server.addr("sip-udp").to_string();
    let save = |who: &str| {
        let d = dir.join(format!("files-{who}"));
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let (alice_dir, bob_dir, carol_dir) = (save("alice"), save("bob"), save("carol"));
    let mut scene = Scene {
        server,
        clients: Vec::new(),
        deadline: started + WHOLE,
    };

    // --- Join (REQ: FOC-2, ALIAS-2, SW-2) -----------------------------------------------
    scene.clients.push(Client::spawn(
        &client_bin,
        &dir,
        "alice",
        &["--server", &tcp, "--save-dir", alice_dir.to_str().unwrap()],
    ));
    let alice = scene.wait_line("alice", "JOINED", joined_alias);
    scene.check(alice == "alice", &format!("alice joined as {alice:?}"));
    // Bob asks for alice's alias: the focus gives him another one.
    scene.clients.push(Client::spawn(
        &client_bin,
        &dir,
        "bob",
        &[
            "--server",
            &udp,
            "--udp",
            "--alias",
            "alice",
            "--save-dir",
            bob_dir.to_str().unwrap(),
        ],
    ));
    let bob = scene.wait_line("bob", "JOINED", joined_alias);
    scene.check(
        bob != "alice" && !bob.is_empty() && bob != "-",
        &format!("bob asked for `alice` and got {bob:?}: the clash is not resolved (ALIAS-2)"),
    );
    scene.clients.push(Client::spawn(
        &client_bin,
        &dir,
        "carol",
        &[
            "--server",
            &tcp,
            "--anonymous",
            "--save-dir",
            carol_dir.to_str().unwrap(),
        ],
    ));
    let carol = scene.wait_line("carol", "JOINED", joined_alias);
    scene.check(
        !carol.is_empty() && carol != "-" && carol != alice && carol != bob,
        &format!("anonymous carol joined as {carol:?}"),
    );
    // Each sees those who came after it (the first conference-info document lists those
    // already there: no ENTER for them).
    for (who, later) in [("alice", vec![&bob, &carol]), ("bob", vec![&carol])] {
        for alias in later {
            scene.wait_line(who, "ENTER", |l| (l == alias).then_some(()));
        }
    }
    // Everyone's roster has all three (waiting for the last NOTIFY first).
    for who in ["alice", "bob", "carol"] {
        scene.client(who).type_line("/who");
        let all = [&alice, &bob, &carol];
        scene.wait_line(who, "WHO", |l| {
            let mut words = l.split(' ');
            (words.next() == Some("3")
                && words.collect::<Vec<_>>().len() == 3
                && all.iter().all(|a| l.split(' ').any(|w| w == a.as_str())))
            .then_some(())
        });
    }

    // --- Broadcast: nothing lost, nothing duplicated (REQ: SW-4, SW-2) -------------------
    for n in 0..BROADCASTS {
        for who in ["alice", "bob", "carol"] {
            scene.client(who).type_line(&broadcast_text(who, n));
        }
    }
    let aliases: HashMap<&str, &str> = [("alice", &alice), ("bob", &bob), ("carol", &carol)]
        .into_iter()
        .map(|(w, a)| (w, a.as_str()))
        .collect();
    let expected_from = |sender: &str| aliases[sender].to_owned();
    for receiver in ["alice", "bob", "carol"] {
        scene.wait(receiver, "every broadcast of the two others", |c| {
            ["alice", "bob", "carol"]
                .iter()
                .filter(|s| **s != receiver)
                .all(|s| (0..BROADCASTS).all(|n| msg_count(c, &broadcast_text(s, n)).0 >= 1))
        });
    }
    // A duplicate would come right behind the original.
    std::thread::sleep(Duration::from_millis(300));
    let check_broadcasts = |scene: &Scene| {
        for receiver in ["alice", "bob", "carol"] {
            let c = scene.get(receiver);
            for sender in ["alice", "bob", "carol"] {
                for n in 0..BROADCASTS {
                    let text = broadcast_text(sender, n);
                    let (count, froms) = msg_count(c, &text);
                    if sender == receiver {
                        scene.check(count == 0, &format!("{receiver} got its own {text:?} back"));
                    } else {
                        scene.check(
                            count == 1,
                            &format!("{receiver} got {text:?} {count} times"),
                        );
                        scene.check(
                            froms[0] == expected_from(sender),
                            &format!(
                                "{receiver} got {text:?} from {:?}, not {:?}",
                                froms[0],
                                expected_from(sender)
                            ),
                        );
                    }
                }
            }
        }
    };
    check_broadcasts(&scene);

    // --- Private (REQ: SW-8, CHAT-1) -----------------------------------------------------
    let private = "psst carol, alice here";
    scene
        .client("alice")
        .type_line(&format!("/msg {carol} {private}"));
    scene.wait_line("carol", "PRIV", |l| {
        (l.split_once(' ') == Some((alice.as_str(), private))).then_some(())
    });

    // --- A spoofed CPIM From: 403, nothing relayed (REQ: SW-3) ----------------------------
    let mut dave = Member::join(
        &scene.server,
        ROOM,
        "dave",
        process::free_port(),
        4711,
        |c| {
            c.msrp.setup = Setup::Active;
        },
    );
    let mut dave_msrp = dave.connect_msrp(4713);
    for who in ["alice", "bob", "carol"] {
        scene.wait_line(who, "ENTER", |l| (l == "dave").then_some(()));
    }
    // A message with his own From first: relayed, so that the refusal below is the From's.
    let honest = "dave says hello, honestly";
    let (honest_id, _) = dave_msrp.send_cpim(&dave.joined, honest, false);
    if let Err(e) = dave_msrp.try_pump_until("the honest message sent", |events| {
        events
            .iter()
            .any(|e| matches!(e, Event::Sent { message_id } if *message_id == honest_id))
    }) {
        scene.fail(&e);
    }
    for who in ["alice", "bob", "carol"] {
        scene.wait(who, "dave's honest message", |c| {
            msg_count(c, honest).0 >= 1
        });
    }
    let spoofed_text = "I am alice, trust me (dave)";
    let body = dave
        .joined
        .message("text/plain", spoofed_text.to_owned())
        .unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    let spoofed: String = body
        .split_inclusive("\r\n")
        .map(|line| {
            if line.starts_with("From:") {
                "From: alice <sip:alice@127.0.0.1>\r\n".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect();
    scene.check(
        spoofed != body && spoofed.contains("sip:alice@127.0.0.1"),
        &format!("no CPIM From to change in {body:?}"),
    );
    let spoof_id = dave_msrp
        .session
        .send_message(
            Instant::now(),
            "message/cpim",
            Bytes::from(spoofed),
            SendOptions::new(),
        )
        .unwrap();
    if let Err(e) = dave_msrp.try_pump_until("a 403 to the spoofed message", |events| {
        events
            .iter()
            .any(|e| matches!(e, Event::SendFailed { message_id, .. } if *message_id == spoof_id))
    }) {
        scene.fail(&e);
    }
    let status = dave_msrp.events.iter().find_map(|e| match e {
        Event::SendFailed {
            message_id, status, ..
        } if *message_id == spoof_id => Some(status.code),
        _ => None,
    });
    scene.check(
        status == Some(403),
        &format!("the spoofed message failed with {status:?}, not 403 (SW-3)"),
    );
    scene.check(
        !dave_msrp
            .events
            .iter()
            .any(|e| matches!(e, Event::Sent { message_id } if *message_id == spoof_id)),
        "the spoofed message was accepted",
    );
    dave.leave();
    for who in ["alice", "bob", "carol"] {
        scene.wait_line(who, "EXIT", |l| (l == "dave").then_some(()));
    }

    // --- A file through the room, RFC 5547 (REQ: SDP-2) ---------------------------------
    let data = file_bytes();
    let file = dir.join("payload.bin");
    std::fs::write(&file, &data).unwrap();
    scene
        .client("bob")
        .type_line(&format!("/send {}", file.display()));
    for (who, save_dir) in [("alice", &alice_dir), ("carol", &carol_dir)] {
        // FILE <from> <name> <size> <type> <saved-as>
        let line = scene.wait_line(who, "FILE", |l| Some(l.to_owned()));
        let fields: Vec<&str> = line.split(' ').collect();
        scene.check(
            fields.len() == 5
                && fields[0] == bob
                && fields[1] == "payload.bin"
                && fields[2] == data.len().to_string(),
            &format!("{who}: FILE {line}"),
        );
        let saved = PathBuf::from(fields[4]);
        scene.check(
            saved.starts_with(save_dir),
            &format!("{who} saved the file outside its --save-dir: {line}"),
        );
        let got = std::fs::read(&saved).unwrap_or_default();
        scene.check(
            got == data,
            &format!(
                "{who}'s copy differs ({} bytes, {} sent)",
                got.len(),
                data.len()
            ),
        );
    }

    // --- Leave (REQ: FOC-6) --------------------------------------------------------------
    scene.client("carol").type_line("/quit");
    for who in ["alice", "bob"] {
        scene.wait_line(who, "EXIT", |l| (l == carol).then_some(()));
    }
    scene.client("bob").type_line("/quit");
    scene.wait_line("alice", "EXIT", |l| (l == bob).then_some(()));
    // Alice's input ends: she leaves by herself.
    scene.client("alice").stdin = None;
    for who in ["carol", "bob", "alice"] {
        let until = STEP.min(scene.deadline.saturating_duration_since(Instant::now()));
        let status = process::wait_bounded(&mut scene.client(who).process.0, until);
        scene.check(
            status.is_some_and(|s| s.success()),
            &format!("{who} exited with {status:?}"),
        );
        scene.check(
            scene
                .clients
                .iter()
                .find(|c| c.who == who)
                .unwrap()
                .tagged("LEFT")
                .len()
                == 1,
            &format!("{who} printed no LEFT line"),
        );
    }

    // --- The whole outputs, once every client is gone ----------------------------------------
    check_broadcasts(&scene);
    for c in &scene.clients {
        let lines = c.lines();
        scene.check(
            !lines.iter().any(|l| l.contains(spoofed_text)),
            &format!("{} received the spoofed message (SW-3)", c.who),
        );
        scene.check(
            c.who == "carol" || !lines.iter().any(|l| l.contains(private)),
            &format!("{} saw alice's private message to carol (SW-8)", c.who),
        );
        scene.check(
            msg_count(c, honest).0 == 1,
            &format!("{} did not get dave's honest message exactly once", c.who),
        );
        scene.check(
            c.tagged("FAIL").is_empty(),
            &format!("{}: a message failed", c.who),
        );
        let files = c.tagged("FILE").len();
        let expected = usize::from(c.who != "bob");
        scene.check(
            files == expected,
            &format!("{} printed {files} FILE lines, not {expected}", c.who),
        );
    }
    scene.check(
        scene.get("carol").tagged("PRIV").len() == 1,
        "carol did not get the private message exactly once",
    );
    scene.check(
        std::fs::read_dir(&bob_dir).unwrap().next().is_none(),
        "bob saved a copy of his own file",
    );

    // --- SIGINT: the server exits 0 -----------------------------------------------------
    let (status, log) = scene.server.stop(STEP);
    assert!(status.success(), "the server exited with {status}:\n{log}");
    let took = started.elapsed();
    eprintln!("chat_e2e: done in {took:?}");
    assert!(took < WHOLE, "took {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
