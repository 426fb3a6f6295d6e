//! The composed [`Focus`](simpleim_focus::Focus) against a reference model of one room
//! (issue 7): random sequences of joins (named, anonymous, with names that clash under the
//! alias normalization, reserved or malformed), leaves, lost connections, NICKNAMEs, public
//! and private messages (by identity, alias URI, nickname, to nobody), spoofed `From`s,
//! messages too large for a member's `a=max-size`, members that stop reading, joins left
//! without ACK, CANCELs of answered INVITEs and time passing, driven through the many-party
//! harness (`simpleim_test_support::focus_sim`).
//!
//! The model tracks who is in under which alias (REQ: ALIAS-2, CHAT-1, SEC-1), and for every
//! message who must receive it (REQ: SW-4, SW-5, SW-8) and what its sender must learn
//! (REQ: SW-3 403, SW-8 403, SW-5 413 REPORT, else success). After every step the focus's
//! members and aliases are compared with the model, and every client's received messages with
//! what the model delivered to it, in order and byte for byte (REQ: SW-6); at the end (every
//! member reading again) the senders' outcomes and the NICKNAME answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use simpleim_cpim::Address;
use simpleim_msrp::{Event, MessageId};
use simpleim_sip::HeaderName;
use simpleim_test_support::focus_sim::{ROOM, Sim};
use unicode_normalization::UnicodeNormalization;

const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// Display names asked for at join: clashes under case and canonical equivalence, a reserved
/// name, one that looks like a renamed alias, a malformed one (REQ: ALIAS-2).
const DISPLAYS: [Option<&str>; 10] = [
    None,
    Some("Alice"),
    Some("alice"),
    Some("ALICE"),
    Some("Bob"),
    Some("Ren\u{e9}e"),
    Some("Rene\u{301}e"),
    Some("SysAdmin"),
    Some("Alice-2"),
    Some("\u{200b}zw"),
];

/// Nicknames asked for by NICKNAME (REQ: CHAT-1): free, clashing, reserved, malformed.
const NICKS: [&str; 9] = [
    "Wonder",
    "WONDER",
    "alice",
    "Bob",
    "announcement",
    " pad",
    "a\u{200b}b",
    "Ren\u{e9}e",
    "Rene\u{301}e",
];

/// Text lengths of messages: one small chunk, over the small max-size, several chunks.
const LENS: [usize; 3] = [5, 300, 3000];

/// The `a=max-size` of a member with a small one (REQ: SW-5).
const SMALL_MAX: u64 = 400;

const RESERVED: [&str; 3] = ["sysadmin", "announcement", "advertisement"];
const MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Copy)]
enum JoinMode {
    /// INVITE, ACK, connect.
    Normal,
    /// INVITE, CANCEL (after the 200: no effect, RFC 3261 §9.2), ACK, connect.
    CancelAfterOk,
    /// INVITE only: the member is in (its alias held, its messages queued) until
    /// [`Op::Complete`] or the end.
    Pending,
    /// INVITE, then no ACK for 40 s: removed (REQ: FOC-6, missing ACK).
    Abandon,
}

#[derive(Debug, Clone, Copy)]
enum To {
    Room,
    /// `sip:<user>@example.com` (SEC-1: never reaches an anonymous member).
    Identity(usize),
    /// A member's URI in the switch (its alias URI when anonymous).
    AliasUri(usize),
    /// A member's nickname, spelt as given, as the CPIM formal name, with a URI of nobody
    /// (REQ: SW-8, CHAT-1: looked up under the alias normalization).
    Nickname(usize, Spelling),
    Nobody,
    Own,
}

/// How a nickname is spelt in a CPIM `To` (REQ: CHAT-1).
#[derive(Debug, Clone, Copy)]
enum Spelling {
    /// As the member's alias is written.
    AsIs,
    /// Upper case: the same key.
    Upper,
    /// Lower case and canonically decomposed (NFD): the same key.
    Decomposed,
    /// ASCII letters as fullwidth forms: a compatibility form the key does not unify.
    Fullwidth,
}

impl Spelling {
    fn spell(self, name: &str) -> String {
        match self {
            Self::AsIs => name.to_owned(),
            Self::Upper => name.to_uppercase(),
            Self::Decomposed => name.to_lowercase().nfd().collect(),
            Self::Fullwidth => name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        char::from_u32(u32::from(c) + 0xfee0).unwrap()
                    } else {
                        c
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Join {
        user: usize,
        display: usize,
        anonymous: bool,
        small_max: bool,
        release: bool,
        mode: JoinMode,
    },
    Leave(usize),
    LoseConnection(usize),
    Nickname(usize, usize),
    Send {
        from: usize,
        /// `Some(user)`: CPIM From = that user's identity (a spoof unless it is the sender's).
        spoof: Option<usize>,
        to: To,
        len: usize,
    },
    StopReading(usize),
    Resume(usize),
    /// CANCEL a pending join (already answered: no effect).
    Cancel(usize),
    /// ACK and connect a pending join.
    Complete(usize),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let mode = prop_oneof![
        6 => Just(JoinMode::Normal),
        1 => Just(JoinMode::CancelAfterOk),
        2 => Just(JoinMode::Pending),
        1 => Just(JoinMode::Abandon),
    ];
    let join = (
        0..USERS.len(),
        0..DISPLAYS.len(),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.8),
        mode,
    )
        .prop_map(
            |(user, display, anonymous, small_max, release, mode)| Op::Join {
                user,
                display,
                anonymous,
                small_max,
                release,
                mode,
            },
        );
    let to = prop_oneof![
        4 => Just(To::Room),
        1 => (0..USERS.len()).prop_map(To::Identity),
        1 => (0..8usize).prop_map(To::AliasUri),
        1 => (
            0..8usize,
            prop_oneof![
                2 => Just(Spelling::AsIs),
                1 => Just(Spelling::Upper),
                1 => Just(Spelling::Decomposed),
                1 => Just(Spelling::Fullwidth),
            ]
        )
            .prop_map(|(k, s)| To::Nickname(k, s)),
        1 => Just(To::Nobody),
        1 => Just(To::Own),
    ];
    let send = (
        0..8usize,
        prop::option::weighted(0.15, 0..USERS.len()),
        to,
        0..LENS.len(),
    )
        .prop_map(|(from, spoof, to, len)| Op::Send {
            from,
            spoof,
            to,
            len,
        });
    prop_oneof![
        5 => join,
        8 => send,
        1 => (0..8usize).prop_map(Op::Leave),
        1 => (0..8usize).prop_map(Op::LoseConnection),
        2 => (0..8usize, 0..NICKS.len()).prop_map(|(k, n)| Op::Nickname(k, n)),
        1 => (0..8usize).prop_map(Op::StopReading),
        1 => (0..8usize).prop_map(Op::Resume),
        1 => (0..8usize).prop_map(Op::Cancel),
        1 => (0..8usize).prop_map(Op::Complete),
        1 => prop_oneof![Just(1u64), Just(10), Just(40)].prop_map(Op::Advance),
    ]
}

// --- the reference model -------------------------------------------------------------------

/// `NFC(lowercase(NFC(s)))`, the documented comparison key of an alias (REQ: ALIAS-2).
fn key(s: &str) -> String {
    s.nfc().collect::<String>().to_lowercase().nfc().collect()
}

/// The documented well-formedness rules (424), for the strings the test uses.
fn well_formed(s: &str) -> bool {
    let invisible = |c: char| {
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    !s.trim().is_empty()
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && !s.chars().any(|c| c.is_control() || invisible(c))
        && s.nfc().count() <= MAX_CHARS
}

#[derive(Debug, Clone)]
struct Member {
    client: usize,
    /// The URI the switch knows it by: the identity, or the alias URI when anonymous.
    uri: String,
    display: Option<String>,
    max_size: Option<u64>,
    release: bool,
    /// ACKed and connected.
    connected: bool,
    reading: bool,
    /// Messages relayed to it that it cannot have read yet (not connected or not reading).
    queued: Vec<(usize, Bytes)>,
}

impl Member {
    fn reads(&self) -> bool {
        self.connected && self.reading
    }
}

/// What a sender must learn of one message.
#[derive(Debug, Clone)]
struct Sent {
    client: usize,
    id: MessageId,
    /// The SendFailed status, or `None` for success.
    failure: Option<u16>,
    /// A recipient left before reading it, or the sender left before reading its answers:
    /// its outcome is not checked.
    uncertain: bool,
}

#[derive(Debug, Default)]
struct Model {
    /// In join order.
    members: Vec<Member>,
    /// What each client must have received, in order.
    delivered: BTreeMap<usize, Vec<Bytes>>,
    sent: Vec<Sent>,
    nick_results: BTreeMap<usize, Vec<u16>>,
    /// Clients whose answers were lost with their connection (not checked).
    unchecked: Vec<usize>,
}

impl Model {
    fn name_taken(&self, k: &str, except: Option<usize>) -> bool {
        RESERVED.contains(&k)
            || self.members.iter().any(|m| {
                Some(m.client) != except && m.display.as_deref().map(key).as_deref() == Some(k)
            })
    }

    /// The alias policy at join: `name`, else `name-N` with the smallest free N ≥ 2
    /// (REQ: ALIAS-2); `None` when malformed (the join is refused).
    fn join_name(&self, wanted: Option<&str>) -> Option<Option<String>> {
        let Some(wanted) = wanted else {
            return Some(None);
        };
        if !well_formed(wanted) {
            return None;
        }
        if !self.name_taken(&key(wanted), None) {
            return Some(Some(wanted.to_owned()));
        }
        let composed: String = wanted.nfc().collect();
        (2..)
            .map(|n| format!("{composed}-{n}"))
            .find(|c| !self.name_taken(&key(c), None))
            .map(Some)
    }

    fn anonymous_uri(&self) -> String {
        (1..)
            .map(|n| {
                if n == 1 {
                    "sip:anonymous@anonymous.invalid".to_owned()
                } else {
                    format!("sip:anonymous{n}@anonymous.invalid")
                }
            })
            .find(|u| !self.members.iter().any(|m| &m.uri == u))
            .unwrap()
    }

    fn member(&self, client: usize) -> Option<&Member> {
        self.members.iter().find(|m| m.client == client)
    }

    fn member_mut(&mut self, client: usize) -> &mut Member {
        self.members
            .iter_mut()
            .find(|m| m.client == client)
            .unwrap()
    }

    /// A message from member `from` of `total` bytes, routed to `to` (or refused with 403):
    /// who gets it, and the sender's outcome (REQ: SW-3, SW-4, SW-5, SW-8).
    fn route(
        &self,
        from: usize,
        cpim_from: &str,
        to: &Address,
        total: u64,
    ) -> (Vec<usize>, Option<u16>) {
        let sender = self.member(from).unwrap();
        if cpim_from != sender.uri {
            return (vec![], Some(403));
        }
        let others = || self.members.iter().filter(|m| m.client != from);
        let to_uri = String::from_utf8_lossy(to.uri()).into_owned();
        let targets: Vec<&Member> = if to_uri == ROOM {
            others().collect()
        } else {
            let by_uri: Vec<&Member> = others().filter(|m| m.uri == to_uri).collect();
            let found: Vec<&Member> = if by_uri.is_empty() {
                // REQ: CHAT-1 — a nickname names the member whose alias has the same key
                // (nicknames are unique under it); a formal name that is not UTF-8 names no one.
                let name = to
                    .formal_name()
                    .and_then(|n| std::str::from_utf8(n).ok())
                    .map(key);
                others()
                    .filter(|m| name.is_some() && m.display.as_deref().map(key) == name)
                    .collect()
            } else {
                by_uri
            };
            if found.is_empty() && to_uri != sender.uri {
                return (vec![], Some(403));
            }
            if found.iter().any(|m| !m.release) {
                return (vec![], Some(403));
            }
            found
        };
        let mut failure = None;
        let mut recipients = Vec::new();
        for m in targets {
            if m.max_size.is_some_and(|max| total > max) {
                failure = Some(413);
            } else {
                recipients.push(m.client);
            }
        }
        (recipients, failure)
    }

    /// Member `client` is gone: what it had not read is lost, and so are the outcomes of the
    /// messages it held (and, when it was not reading, of its own).
    fn remove(&mut self, client: usize) {
        let i = self
            .members
            .iter()
            .position(|m| m.client == client)
            .unwrap();
        let m = self.members.remove(i);
        for (s, _) in m.queued {
            self.sent[s].uncertain = true;
        }
        if !m.reading {
            for s in self.sent.iter_mut().filter(|s| s.client == client) {
                s.uncertain = true;
            }
            self.unchecked.push(client);
        }
    }

    /// Member `client` reads again (or is connected): it gets what was queued for it.
    fn flush(&mut self, client: usize) {
        let m = self.member_mut(client);
        if !m.reads() {
            return;
        }
        let q = std::mem::take(&mut m.queued);
        self.delivered
            .entry(client)
            .or_default()
            .extend(q.into_iter().map(|(_, b)| b));
    }
}

// --- driving the harness ------------------------------------------------------------------

struct Run {
    sim: Sim,
    model: Model,
}

impl Run {
    fn new() -> Self {
        Self {
            sim: Sim::new(),
            model: Model::default(),
        }
    }

    fn pick(&self, k: usize, filter: impl Fn(&Member) -> bool) -> Option<usize> {
        let c: Vec<usize> = self
            .model
            .members
            .iter()
            .filter(|m| filter(m))
            .map(|m| m.client)
            .collect();
        (!c.is_empty()).then(|| c[k % c.len()])
    }

    /// ACKs and connects every pending member, and resumes every member that stopped
    /// reading, so that time may pass without a transaction timing out.
    fn wake_all(&mut self) {
        let pending: Vec<usize> = self
            .model
            .members
            .iter()
            .filter(|m| !m.connected)
            .map(|m| m.client)
            .collect();
        for c in pending {
            self.complete(c);
        }
        let stopped: Vec<usize> = self
            .model
            .members
            .iter()
            .filter(|m| !m.reading)
            .map(|m| m.client)
            .collect();
        for c in stopped {
            self.sim.set_reading(c, true);
            self.model.member_mut(c).reading = true;
            self.model.flush(c);
        }
    }

    fn complete(&mut self, c: usize) {
        self.sim.ack(c);
        self.sim.open_msrp(c);
        self.model.member_mut(c).connected = true;
        self.model.flush(c);
    }

    fn join(
        &mut self,
        user: usize,
        display: usize,
        anonymous: bool,
        small_max: bool,
        release: bool,
        mode: JoinMode,
    ) {
        let n = self.sim.clients.len();
        let name = format!("{}{n}", USERS[user]);
        let c = self.sim.add_client(&name, DISPLAYS[display], anonymous);
        let identity = format!("sip:{}@example.com", USERS[user]);
        self.sim.clients[c].identity.clone_from(&identity);
        self.sim.clients[c].max_size = small_max.then_some(SMALL_MAX);
        if !release {
            self.sim.clients[c].user_agent = Some("generic-ua/2.0".to_owned());
        }
        // REQ: ALIAS-2 (the model's policy), ALIAS-1 (anonymity allowed in this room).
        let expected = self.model.join_name(DISPLAYS[display]);
        let uri = if anonymous {
            self.model.anonymous_uri()
        } else {
            identity.clone()
        };
        if matches!(mode, JoinMode::Abandon) {
            self.wake_all();
        }
        let ok = self.sim.invite(c);
        let Some(display_name) = expected else {
            assert_eq!(ok.code(), 403, "a malformed alias is refused");
            return;
        };
        assert_eq!(ok.code(), 200, "join of {name}");
        // REQ: ALIAS-3 — an anonymous joiner, or one whose alias changed, learns it in a
        // multipart/mixed 200.
        let changed = display_name.as_deref() != DISPLAYS[display]
            || (anonymous && uri != "sip:anonymous@anonymous.invalid");
        let ct = ok.headers().get(HeaderName::ContentType).unwrap().value();
        assert_eq!(
            ct.starts_with(b"multipart/mixed"),
            anonymous || changed,
            "{ct:?}"
        );
        if anonymous {
            // SEC-1: the joiner's identity is not in its 200 either way, its alias URI is.
            let body = String::from_utf8_lossy(&ok.body()).into_owned();
            assert!(body.contains(&uri), "{body}");
        }
        self.model.members.push(Member {
            client: c,
            uri,
            display: display_name,
            max_size: small_max.then_some(SMALL_MAX),
            release,
            connected: false,
            reading: true,
            queued: Vec::new(),
        });
        match mode {
            JoinMode::Normal => self.complete(c),
            JoinMode::CancelAfterOk => {
                self.cancel(c);
                self.complete(c);
            }
            JoinMode::Pending => {}
            JoinMode::Abandon => {
                self.sim.advance(Duration::from_secs(40));
                self.model.remove(c);
            }
        }
    }

    fn cancel(&mut self, c: usize) {
        let before = self.sim.clients[c].sip_in.len();
        self.sim.cancel(c);
        // REQ: FOC-7 — the INVITE was answered: the CANCEL gets its own answer, the INVITE
        // no 487, and the join stands.
        let answers: Vec<(u16, Vec<u8>)> = self.sim.clients[c].sip_in[before..]
            .iter()
            .filter_map(|m| m.as_response())
            .map(|r| {
                (
                    r.code(),
                    r.headers().get(HeaderName::CSeq).unwrap().value().to_vec(),
                )
            })
            .collect();
        assert!(
            answers.iter().any(|(_, cseq)| cseq.ends_with(b"CANCEL")),
            "no answer to the CANCEL: {answers:?}"
        );
        assert!(!answers.iter().any(|(code, _)| *code == 487), "{answers:?}");
    }

    fn send(&mut self, from: usize, spoof: Option<usize>, to: To, len: usize) {
        let sender = self.model.member(from).unwrap().clone();
        let cpim_from = match spoof {
            Some(u) => format!("sip:{}@example.com", USERS[u]),
            None => sender.uri.clone(),
        };
        let member_at = |k: usize| {
            let ms = &self.model.members;
            ms.get(k % ms.len().max(1))
        };
        let to = match to {
            To::Room => Address::uri_only(ROOM),
            To::Identity(u) => Address::uri_only(format!("sip:{}@example.com", USERS[u])),
            To::AliasUri(k) => Address::uri_only(member_at(k).unwrap().uri.clone()),
            To::Nickname(k, spelling) => match member_at(k).and_then(|m| m.display.clone()) {
                Some(d) => Address::new(Some(&spelling.spell(&d)), "sip:nobody@example.com"),
                None => Address::uri_only("sip:nobody@example.com"),
            },
            To::Nobody => Address::uri_only("sip:nobody@example.com"),
            To::Own => Address::uri_only(sender.uri.clone()),
        };
        let text = "m".repeat(LENS[len]);
        let (id, body) = self.sim.send_cpim_to(
            from,
            Address::uri_only(cpim_from.clone()),
            to.clone(),
            &text,
        );
        let (recipients, failure) = self.model.route(from, &cpim_from, &to, body.len() as u64);
        let s = self.model.sent.len();
        self.model.sent.push(Sent {
            client: from,
            id,
            failure,
            uncertain: false,
        });
        for r in recipients {
            let m = self.model.member_mut(r);
            m.queued.push((s, body.clone()));
            self.model.flush(r);
        }
    }

    fn nickname(&mut self, c: usize, n: usize) {
        let nick = NICKS[n];
        // REQ: CHAT-1 — 424 malformed, 425 in use or reserved (own name again is fine).
        let status = if !well_formed(nick) {
            424
        } else if self.model.name_taken(&key(nick), Some(c)) {
            425
        } else {
            200
        };
        self.sim.nickname(c, nick);
        if status == 200 {
            self.model.member_mut(c).display = Some(nick.to_owned());
        }
        self.model.nick_results.entry(c).or_default().push(status);
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Join {
                user,
                display,
                anonymous,
                small_max,
                release,
                mode,
            } => self.join(user, display, anonymous, small_max, release, mode),
            Op::Leave(k) => {
                // REQ: FOC-6 — BYE.
                if let Some(c) = self.pick(k, |m| m.connected) {
                    self.sim.leave(c);
                    self.model.remove(c);
                }
            }
            Op::LoseConnection(k) => {
                // REQ: FOC-6 — a lost MSRP connection removes the member (with a BYE).
                if let Some(c) = self.pick(k, |m| m.connected) {
                    self.sim.lose_connection(c);
                    self.model.remove(c);
                }
            }
            Op::Nickname(k, n) => {
                if let Some(c) = self.pick(k, |m| m.connected) {
                    self.nickname(c, n);
                }
            }
            Op::Send {
                from,
                spoof,
                to,
                len,
            } => {
                if let Some(c) = self.pick(from, |m| m.connected) {
                    self.send(c, spoof, to, len);
                }
            }
            Op::StopReading(k) => {
                if let Some(c) = self.pick(k, |m| m.connected && m.reading) {
                    self.sim.set_reading(c, false);
                    self.model.member_mut(c).reading = false;
                }
            }
            Op::Resume(k) => {
                if let Some(c) = self.pick(k, |m| !m.reading) {
                    self.sim.set_reading(c, true);
                    self.model.member_mut(c).reading = true;
                    self.model.flush(c);
                }
            }
            Op::Cancel(k) => {
                if let Some(c) = self.pick(k, |m| !m.connected) {
                    self.cancel(c);
                }
            }
            Op::Complete(k) => {
                if let Some(c) = self.pick(k, |m| !m.connected) {
                    self.complete(c);
                }
            }
            Op::Advance(s) => {
                self.wake_all();
                self.sim.advance(Duration::from_secs(s));
            }
        }
    }

    /// The focus's room against the model (REQ: SW-2, ALIAS-2, SEC-1, FOC-2, FOC-6), and
    /// every client's messages against what the model delivered (REQ: SW-4, SW-6).
    fn check(&self) -> Result<(), TestCaseError> {
        let room = self.sim.room;
        let switch = self.sim.focus.switch(room).unwrap();
        let state = self.sim.focus.conference_state(room).unwrap();
        prop_assert_eq!(switch.participant_count(), self.model.members.len());
        // RFC 4575: one `<user>` per entity, however many sessions it has.
        let mut entities: Vec<&str> = self.model.members.iter().map(|m| m.uri.as_str()).collect();
        entities.sort_unstable();
        entities.dedup();
        prop_assert_eq!(state.user_count(), entities.len());
        for m in &self.model.members {
            let pid = self.sim.clients[m.client].participant.unwrap();
            let info = switch.participant(pid);
            prop_assert!(info.is_some(), "member {} not in the switch", m.client);
            let info = info.unwrap();
            prop_assert_eq!(&info.identity[..], m.uri.as_bytes());
            prop_assert_eq!(&info.alias, &m.display);
            let alias = self.sim.focus.alias(pid).unwrap();
            prop_assert_eq!(alias.display_name(), m.display.as_deref());
            prop_assert_eq!(alias.uri(), m.uri.as_str());
            prop_assert_eq!(state.member(&pid).map(|x| x.entity()), Some(m.uri.as_str()));
        }
        for (i, c) in self.sim.clients.iter().enumerate() {
            let want = self.model.delivered.get(&i).cloned().unwrap_or_default();
            let got = c.messages();
            prop_assert_eq!(got.len(), want.len(), "client {} messages", i);
            prop_assert!(got == want, "client {} got other bytes", i);
        }
        Ok(())
    }

    /// Once everyone reads again: what every sender learnt, and the NICKNAME answers
    /// (REQ: SW-3, SW-5, SW-8, CHAT-1).
    fn check_outcomes(&self) -> Result<(), TestCaseError> {
        for s in self.model.sent.iter().filter(|s| !s.uncertain) {
            let events = &self.sim.clients[s.client].received;
            let failures: Vec<u16> = events
                .iter()
                .filter_map(|e| match e {
                    Event::SendFailed {
                        message_id, status, ..
                    } if *message_id == s.id => Some(status.code),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(
                &failures,
                &s.failure.into_iter().collect::<Vec<_>>(),
                "{:?}",
                s
            );
            if s.failure.is_none() {
                let sent = events
                    .iter()
                    .any(|e| matches!(e, Event::Sent { message_id } if *message_id == s.id));
                prop_assert!(sent, "no Sent for {:?}", s);
            }
        }
        for (c, want) in &self.model.nick_results {
            if !self.model.unchecked.contains(c) {
                prop_assert_eq!(
                    &self.sim.clients[*c].nickname_results(),
                    want,
                    "client {}",
                    c
                );
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn focus_matches_the_room_model(ops in proptest::collection::vec(op(), 1..30)) {
        let mut run = Run::new();
        for op in &ops {
            run.step(op);
            run.check()?;
        }
        run.wake_all();
        run.check()?;
        run.check_outcomes()?;
    }
}
