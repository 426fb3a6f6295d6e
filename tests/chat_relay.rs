//! End to end through MSRP relays (RFC 4976; REQ: MSRP-6): `examples/chat_server`,
//! `examples/msrp_relay` and two `examples/chat_client` processes with `--relay` on loopback,
//! each client fed its lines on a pipe and printing `--machine` lines.
//!
//! - A client with a wrong `--relay-password` gets a second 401, says why and exits 1
//!   without sending its INVITE.
//! - Each client connects to its relay and authenticates there (AUTH, 401, AUTH with
//!   `--relay-user`/`--relay-password`, 200 with a Use-Path) before its INVITE: it prints
//!   `RELAY <a=path>`, the relay's URI for it followed by its own, and the relay logs
//!   `authenticated ... username=chat uri=<that URI>`.
//! - Both join the room (`JOINED`; alice sees bob `ENTER`, REQ: SW-2), their SDP `a=path`
//!   naming the relay first; the relays dial the focus's MSRP address, and the server sees
//!   exactly one MSRP connection per relay: no client connects to it directly.
//! - A message each way and a private message each way cross the relays: each arrives once
//!   (`MSG` / `PRIV` with the sender's alias, REQ: SW-2), never back at its sender, and
//!   nothing fails (`FAIL`).
//! - `/quit`: both leave and exit 0; each relay ends the client's session when its
//!   connection closes; the relays and the server exit 0 on SIGINT.
//!
//! Each client has a relay of its own: the focus binds an MSRP connection to one participant
//! and answers 481 for another session on it, while a relay carries every session towards
//! the focus on one connection (RFC 4975 §5.4 allows it). The ignored test
//! [`two_clients_behind_one_relay`] runs the same scene with one relay for both.
//!
//! The binaries are the examples built beside this test (`cargo test` builds them; `cargo
//! test --test chat_relay` alone does not): when one is missing the test says so and passes,
//! except under `CI=true`, where it fails. Every wait is bounded, and a test that fails kills
//! every process it started.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a test: failures panic, and it reads the clock to bound its waits"
)]

use std::time::{Duration, Instant};

use simpleim_test_support::process::{self, ChatClient, ChatServer, MsrpRelay};

const ROOM: &str = "sip:chat@127.0.0.1";
/// The one user each relay knows.
const RELAY_USER: &str = "chat";
const RELAY_PASSWORD: &str = "relay-pw";
/// Each wait is bounded by this.
const STEP: Duration = Duration::from_secs(10);

/// The processes, and what a failure reports.
struct Scene {
    server: ChatServer,
    relays: Vec<MsrpRelay>,
    clients: Vec<ChatClient>,
}

impl Scene {
    fn get(&self, who: &str) -> &ChatClient {
        self.clients.iter().find(|c| c.who == who).unwrap()
    }

    fn client(&mut self, who: &str) -> &mut ChatClient {
        self.clients.iter_mut().find(|c| c.who == who).unwrap()
    }

    fn fail(&self, what: &str) -> ! {
        let mut report = format!("chat_relay: {what}\n");
        for c in &self.clients {
            report.push_str(&c.report());
        }
        for (i, r) in self.relays.iter().enumerate() {
            report.push_str(&format!("--- relay {i} log:\n{}\n", r.log()));
        }
        report.push_str("--- server log:\n");
        report.push_str(&process::strip_ansi(&self.server.log()));
        panic!("{report}")
    }

    fn check(&self, ok: bool, what: &str) {
        if !ok {
            self.fail(what);
        }
    }

    /// Waits (at most [`STEP`]) until `done` holds.
    fn wait(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let until = Instant::now() + STEP;
        while !done(self) {
            if Instant::now() >= until {
                self.fail(&format!("{what}: not in time"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until `who` printed a line `tag rest` for which `pick` says `Some`.
    fn wait_line<T>(&self, who: &str, tag: &str, pick: impl Fn(&str) -> Option<T>) -> T {
        self.get(who)
            .wait_line(tag, STEP, pick)
            .unwrap_or_else(|| self.fail(&format!("{who}: a {tag} line: not in time")))
    }
}

/// `from text` lines of `who` with the tag (`MSG`, `PRIV`) whose text is `text`: the senders.
fn senders(client: &ChatClient, tag: &str, text: &str) -> Vec<String> {
    client
        .tagged(tag)
        .iter()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, t)| *t == text)
        .map(|(from, _)| from.to_owned())
        .collect()
}

/// The scene: the server, one relay per client (or one for both with `shared`), alice and
/// bob through them.
fn run(test: &str, shared: bool) {
    // REQ: MSRP-6, SW-2
    let (Some(server_bin), Some(client_bin), Some(relay_bin)) = (
        process::example_or_skip(test, "chat_server"),
        process::example_or_skip(test, "chat_client"),
        process::example_or_skip(test, "msrp_relay"),
    ) else {
        return;
    };
    let started = Instant::now();
    let dir = process::scratch_dir(test);
    let server = ChatServer::start(&server_bin, &dir, "info", &[]);
    assert_eq!(server.rooms(), [ROOM]);
    let focus_msrp = server.addr("msrp");
    let sip = server.addr("sip-tcp").to_string();
    let credentials = format!("{RELAY_USER}:{RELAY_PASSWORD}");
    let relays: Vec<MsrpRelay> = (0..if shared { 1 } else { 2 })
        .map(|i| {
            MsrpRelay::start(
                &relay_bin,
                &dir.join(format!("relay-{i}.log")),
                &[&credentials],
            )
        })
        .collect();
    let relay_of = |who: usize| if shared { 0 } else { who };
    let mut scene = Scene {
        server,
        relays,
        clients: Vec::new(),
    };

    // --- A wrong password: the relay refuses the AUTH, the client never joins -------------
    scene.clients.push(ChatClient::spawn_through_relay(
        &client_bin,
        &dir,
        "mallory",
        &sip,
        &scene.relays[0].uri(),
        (RELAY_USER, "not-the-password"),
    ));
    let status = process::wait_bounded(&mut scene.client("mallory").process.0, STEP);
    scene.check(
        status.is_some_and(|s| s.code() == Some(1)),
        &format!("mallory, with a wrong relay password, exited with {status:?}, not 1"),
    );
    let mallory = scene.get("mallory");
    scene.check(
        mallory.tagged("JOINED").is_empty()
            && mallory.tagged("RELAY").is_empty()
            && mallory.tagged("LEFT") == ["the MSRP relay refused us"],
        "mallory joined, or did not say why she left",
    );
    scene.check(
        !process::strip_ansi(&scene.server.log())
            .lines()
            .any(|l| l.contains("joined") && l.contains("sip:mallory@")),
        "mallory joined the room",
    );

    // --- AUTH at the relay, then the join (REQ: MSRP-6, SW-2) ----------------------------
    let mut relay_uris = Vec::new();
    for (i, who) in ["alice", "bob"].into_iter().enumerate() {
        let relay = scene.relays[relay_of(i)].uri();
        scene.clients.push(ChatClient::spawn_through_relay(
            &client_bin,
            &dir,
            who,
            &sip,
            &relay,
            (RELAY_USER, RELAY_PASSWORD),
        ));
        // RELAY <relay's URI for us> <our URI>
        let path = scene.wait_line(who, "RELAY", |l| Some(l.to_owned()));
        let uris: Vec<&str> = path.split(' ').collect();
        let prefix = format!("msrp://127.0.0.1:{}/", scene.relays[relay_of(i)].port());
        scene.check(
            uris.len() == 2 && uris[0].starts_with(&prefix) && uris[1].ends_with(";tcp"),
            &format!("{who}'s a=path {path:?}: not the relay's Use-Path then itself"),
        );
        let alias = scene.wait_line(who, "JOINED", |l| l.split(' ').next().map(str::to_owned));
        scene.check(alias == who, &format!("{who} joined as {alias:?}"));
        relay_uris.push(uris[0].to_owned());
    }
    scene.wait_line("alice", "ENTER", |l| (l == "bob").then_some(()));
    for (i, uri) in relay_uris.iter().enumerate() {
        let relay = relay_of(i);
        let granted = format!("username={RELAY_USER} uri={uri}");
        scene.wait(&format!("relay {relay} logs the AUTH of {uri}"), |s| {
            s.relays[relay]
                .log()
                .lines()
                .any(|l| l.contains("authenticated") && l.contains(&granted))
        });
    }

    // --- Messages both ways, private both ways, through the relays (REQ: SW-2) ------------
    let to_bob = "hello bob, through the relays";
    let to_alice = "hello alice, back through them";
    let private_to_alice = "psst alice, a private one";
    let private_to_bob = "psst bob, private too";
    scene.client("bob").type_line("/wait alice");
    scene.client("alice").type_line(to_bob);
    scene.client("bob").type_line(to_alice);
    scene
        .client("bob")
        .type_line(&format!("/msg alice {private_to_alice}"));
    scene
        .client("alice")
        .type_line(&format!("/msg bob {private_to_bob}"));
    for (who, tag, text, from) in [
        ("bob", "MSG", to_bob, "alice"),
        ("alice", "MSG", to_alice, "bob"),
        ("alice", "PRIV", private_to_alice, "bob"),
        ("bob", "PRIV", private_to_bob, "alice"),
    ] {
        scene.wait(&format!("{who}: {tag} {from} {text}"), |s| {
            senders(s.get(who), tag, text).iter().any(|f| f == from)
        });
    }

    // The relays dialed the focus, and its only MSRP connections are theirs.
    let focus = format!("dialing authority={focus_msrp}");
    let dialed: usize = scene
        .relays
        .iter()
        .map(|r| r.log().lines().filter(|l| l.contains(&focus)).count())
        .sum();
    let opened = process::strip_ansi(&scene.server.log())
        .lines()
        .filter(|l| l.contains("MSRP connection opened"))
        .count();
    scene.check(
        dialed == scene.relays.len() && opened == dialed,
        &format!(
            "{dialed} relay connections to the focus at {focus_msrp}, {opened} MSRP \
             connections at the server: a client connected to the focus directly?"
        ),
    );

    // --- Leave ----------------------------------------------------------------------------
    for who in ["alice", "bob"] {
        scene.client(who).type_line("/quit");
    }
    for who in ["alice", "bob"] {
        let status = process::wait_bounded(&mut scene.client(who).process.0, STEP);
        scene.check(
            status.is_some_and(|s| s.success()),
            &format!("{who} exited with {status:?}"),
        );
    }
    for (i, uri) in relay_uris.iter().enumerate() {
        let relay = relay_of(i);
        let ended = format!("session ended uri={uri}");
        scene.wait(&format!("relay {relay} ends {uri}"), |s| {
            s.relays[relay].log().contains(&ended)
        });
    }

    // --- The whole outputs ----------------------------------------------------------------
    for (who, other) in [("alice", "bob"), ("bob", "alice")] {
        let c = scene.get(who);
        let (public_in, private_in, public_out, private_out) = if who == "alice" {
            (to_alice, private_to_alice, to_bob, private_to_bob)
        } else {
            (to_bob, private_to_bob, to_alice, private_to_alice)
        };
        scene.check(
            senders(c, "MSG", public_in) == [other] && senders(c, "PRIV", private_in) == [other],
            &format!("{who} did not get {other}'s two messages exactly once"),
        );
        scene.check(
            senders(c, "MSG", public_out).is_empty() && senders(c, "PRIV", private_out).is_empty(),
            &format!("{who} got its own message back"),
        );
        scene.check(
            c.tagged("FAIL").is_empty(),
            &format!("{who}: a message failed"),
        );
        scene.check(c.tagged("LEFT").len() == 1, &format!("{who}: no LEFT line"));
    }

    for i in 0..scene.relays.len() {
        let status = scene.relays[i].stop(STEP);
        scene.check(
            status.is_some_and(|s| s.success()),
            &format!("relay {i} exited with {status:?} on SIGINT"),
        );
    }
    let (status, log) = scene.server.stop(STEP);
    assert!(status.success(), "the server exited with {status}:\n{log}");
    eprintln!(
        "{test}: done in {:?} ({} relays)",
        started.elapsed(),
        scene.relays.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_clients_talk_through_their_relays() {
    // REQ: MSRP-6, SW-2
    run("chat-relay", false);
}

#[test]
#[ignore = "the focus binds an MSRP connection to one participant (481 for bob's session \
            on alice's connection), and a relay carries both on one connection"]
fn two_clients_behind_one_relay() {
    // REQ: MSRP-6, SW-2
    run("chat-relay-shared", true);
}
