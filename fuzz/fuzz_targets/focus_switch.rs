//! The MSRP switch of one room (`simpleim_focus::Switch`) with up to six participants, driven
//! by an arbitrary list of operations: participants joining (with max-size, accept-types,
//! alias and private-message capability) and leaving, connections blocking and unblocking,
//! SENDs built from templates (CPIM `From`/`To` chosen among the participants, aliases, the
//! room or fuzzed text; any body size, content type, chunking, order, flags, report modes),
//! fed through each participant's own MSRP `Decoder` in reads of fuzzed size, raw bytes on a
//! connection, responses and REPORTs from recipients to what they received, NICKNAMEs, system
//! messages, and time passing. The host's drain loop runs after every input.
//!
//! Never a panic. What the switch writes to a participant always decodes as MSRP. A
//! participant's queue never passes `max_queued_bytes + control_slack` after an input. A
//! timeout is never in the past. A SEND refused without ever being routed leaves no byte of
//! its payload at any recipient.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use simpleim_focus::switch::{ParticipantMsrp, Switch, SwitchConfig, SwitchEvent, SwitchLimits};
use simpleim_msrp::{
    ByteRange, Decoded, Decoder, Flag, FrameHead, Limits, Method, ReportMode, RequestBuilder,
    ResponseBuilder, SeededIds, Status,
};

const ROOM: &str = "sip:room@conf.example.com";
/// Keys 0..8, but the room holds at most six.
const KEYS: u8 = 8;
const MAX_PARTICIPANTS: usize = 6;
const MAX_QUEUED: usize = 12 * 1024;
const SLACK: usize = 2 * 1024;

fn local(p: u8) -> String {
    format!("msrp://focus.example.com:2855/s{p};tcp")
}
fn remote(p: u8) -> String {
    format!("msrp://p{p}.example.com:7777/r{p};tcp")
}
fn identity(p: u8) -> String {
    format!("sip:p{p}@example.com")
}
fn alias(p: u8) -> String {
    format!("nick{p}")
}

#[derive(Arbitrary, Debug)]
enum Who {
    /// The sender itself (its identity in `From`, itself in `To`).
    Own,
    Participant(u8),
    Alias(u8),
    /// The alias as formal name, the participant's own URI.
    Both(u8),
    Room,
    Text(String),
    Missing,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Add {
        who: u8,
        max_size: Option<u16>,
        text_only: bool,
        private_ok: bool,
        alias: bool,
        /// Whether its connection's decoder streams every body (`max_collect_bytes: 0`).
        stream: bool,
    },
    Remove {
        who: u8,
    },
    Writable {
        who: u8,
        on: bool,
    },
    Send {
        who: u8,
        /// A well-formed conference message (`From` = the sender, `To` = the room,
        /// text/plain) whatever `from`, `to` and `kind` say: half the sends.
        plain: bool,
        from: Who,
        to: Who,
        /// 0: text/plain, 1: IMDN, 2: is-composing, 3: not CPIM at all, 4: CPIM without a
        /// blank line, else fuzzed.
        kind: u8,
        len: u16,
        fill: u8,
        /// Cut points of the body, as fractions of 256.
        cuts: Vec<u8>,
        /// Swap the first two chunks.
        swap: bool,
        /// Leave the last chunk out (the message stays in progress).
        truncate: bool,
        /// End with `#` instead of `$`.
        abort: bool,
        total_known: bool,
        success: Option<bool>,
        failure: u8,
        /// Read size of the connection (1 + this).
        read: u16,
    },
    Raw {
        who: u8,
        bytes: Vec<u8>,
    },
    Respond {
        who: u8,
        which: u8,
        status: u16,
    },
    Report {
        who: u8,
        which: u8,
        status: u16,
    },
    Nickname {
        who: u8,
    },
    Advance {
        millis: u16,
    },
    System {
        to: Option<u8>,
        service: u8,
        len: u16,
    },
}

/// One participant as the host sees it.
struct Conn {
    /// Its inbound connection.
    inbound: Decoder,
    stream: bool,
    /// What the switch wrote to it, decoded.
    outbound: Decoder,
    /// Heads of the relayed SENDs it got and has not answered.
    unanswered: Vec<FrameHead>,
    /// Relayed Message-IDs it got, and their byte counts.
    relayed: Vec<(String, u64)>,
    /// Every SEND body byte it got (for the payload-marker check).
    bodies: Vec<u8>,
}

fn inbound_decoder(stream: bool) -> Decoder {
    Decoder::new(Limits {
        max_collect_bytes: if stream { 0 } else { 64 * 1024 },
        ..Limits::default()
    })
}

fn outbound_decoder() -> Decoder {
    Decoder::new(Limits {
        max_collect_bytes: 1 << 20,
        ..Limits::default()
    })
}

struct Host {
    switch: Switch<u8>,
    conns: BTreeMap<u8, Conn>,
    now: Instant,
    /// Messages routed and refused, by (sender, Message-ID).
    routed: BTreeSet<(u8, String)>,
    refused: BTreeSet<(u8, String)>,
    /// Payload markers, by (sender, Message-ID).
    markers: BTreeMap<(u8, String), Vec<u8>>,
    /// Raw bytes could forge a marker: the marker check is then off.
    forged: bool,
}

impl Host {
    fn drain(&mut self) {
        while let Some((p, bytes)) = self.switch.poll_transmit() {
            let conn = self
                .conns
                .get_mut(&p)
                .expect("the switch writes only to participants in the room");
            conn.outbound.push(&bytes);
            loop {
                match conn.outbound.poll() {
                    Ok(Some(Decoded::Frame(frame))) => {
                        if frame.head.method() == Some(&Method::Send) {
                            let id = frame
                                .head
                                .message_id()
                                .ok()
                                .flatten()
                                .unwrap_or_default()
                                .to_owned();
                            match conn.relayed.iter_mut().find(|(m, _)| *m == id) {
                                Some((_, n)) => *n += frame.body.len() as u64,
                                None => conn.relayed.push((id, frame.body.len() as u64)),
                            }
                            if conn.relayed.len() > 32 {
                                conn.relayed.remove(0);
                            }
                            conn.bodies.extend_from_slice(&frame.body);
                            conn.unanswered.push(frame.head);
                            if conn.unanswered.len() > 32 {
                                conn.unanswered.remove(0);
                            }
                        }
                    }
                    Ok(Some(other)) => panic!("a whole frame was expected, got {other:?}"),
                    Ok(None) => break,
                    Err(e) => panic!(
                        "the switch wrote bytes to {p} that do not decode: {e:?} in {bytes:?}"
                    ),
                }
            }
        }
        let mut stalled = Vec::new();
        while let Some(event) = self.switch.poll_event() {
            match event {
                SwitchEvent::Routed {
                    from,
                    message_id,
                    recipients,
                    ..
                } => {
                    assert!(
                        !recipients.contains(&from) || recipients.len() == 1,
                        "a conference message goes back to its sender: {recipients:?}"
                    );
                    self.routed.insert((from, message_id.as_str().to_owned()));
                }
                SwitchEvent::Refused {
                    from,
                    message_id: Some(m),
                    ..
                } => {
                    self.refused.insert((from, m.as_str().to_owned()));
                }
                SwitchEvent::Stalled { participant } => stalled.push(participant),
                _ => {}
            }
        }
        if let Some(t) = self.switch.poll_timeout() {
            assert!(t >= self.now, "a timeout in the past");
        }
        let hard = MAX_QUEUED + SLACK;
        for p in self.conns.keys() {
            let q = self.switch.queued_bytes(*p);
            assert!(
                q <= hard,
                "participant {p} has {q} bytes queued, bound {hard}"
            );
        }
        // The host closes a stalled participant's connection and removes it.
        for p in stalled {
            self.remove(p);
        }
    }

    fn remove(&mut self, p: u8) {
        let was = self.switch.remove_participant(p);
        let had = self.conns.remove(&p);
        assert_eq!(
            was,
            had.is_some(),
            "the switch and the host agree on who is in"
        );
        if let Some(conn) = had {
            self.check_markers(&conn);
        }
        self.drain();
    }

    /// Feeds `wire` on `who`'s connection in reads of `read` bytes, draining after each.
    fn feed(&mut self, who: u8, wire: &[u8], read: usize) {
        for piece in wire.chunks(read.max(1)) {
            let Some(conn) = self.conns.get_mut(&who) else {
                return;
            };
            conn.inbound.push(piece);
            let mut items = Vec::new();
            loop {
                match conn.inbound.poll() {
                    Ok(Some(item)) => items.push(item),
                    Ok(None) => break,
                    Err(_) => {
                        // A host answers a framing error by closing the connection; here it
                        // opens a fresh one.
                        conn.inbound = inbound_decoder(conn.stream);
                        break;
                    }
                }
            }
            for item in items {
                self.switch.handle_decoded(self.now, who, item);
            }
            self.drain();
        }
    }

    fn check_markers(&self, conn: &Conn) {
        if self.forged {
            return;
        }
        for key in &self.refused {
            if self.routed.contains(key) {
                continue;
            }
            if let Some(marker) = self.markers.get(key) {
                assert!(
                    !conn
                        .bodies
                        .windows(marker.len())
                        .any(|w| w == marker.as_slice()),
                    "the payload of refused message {key:?} reached a recipient"
                );
            }
        }
    }
}

fn address(who: &Who, sender: u8) -> Option<String> {
    Some(match who {
        Who::Own => format!("<{}>", identity(sender)),
        Who::Participant(p) => format!("<{}>", identity(p % KEYS)),
        Who::Alias(p) => format!("{} <sip:anonymous@anonymous.invalid>", alias(p % KEYS)),
        Who::Both(p) => format!("{} <{}>", alias(p % KEYS), identity(p % KEYS)),
        Who::Room => format!("<{ROOM}>"),
        Who::Text(t) => t.chars().take(64).collect(),
        Who::Missing => return None,
    })
}

fn report_mode(n: u8) -> Option<ReportMode> {
    match n % 4 {
        0 => None,
        1 => Some(ReportMode::Yes),
        2 => Some(ReportMode::No),
        _ => Some(ReportMode::Partial),
    }
}

fuzz_target!(|input: (u8, Vec<Op>)| {
    let (config_byte, ops) = input;
    let mut config = SwitchConfig::new(ROOM, Box::new(SeededIds::new(u64::from(config_byte))));
    config.allow_private_messages = config_byte & 1 == 0;
    config.limits = SwitchLimits {
        max_participants: MAX_PARTICIPANTS,
        max_queued_bytes: MAX_QUEUED,
        control_slack: SLACK,
        max_message_bytes: 48 * 1024,
        max_held_bytes: if config_byte & 2 == 0 { 16 * 1024 } else { 256 },
        max_held_chunks: 4,
        max_inbound_per_sender: 3,
        max_tracked: 16,
        max_outstanding: 16,
        transaction_timeout: Duration::from_secs(2),
        inbound_idle_timeout: Duration::from_secs(5),
    };
    let mut host = Host {
        switch: Switch::new(config),
        conns: BTreeMap::new(),
        #[allow(clippy::disallowed_methods)]
        now: Instant::now(),
        routed: BTreeSet::new(),
        refused: BTreeSet::new(),
        markers: BTreeMap::new(),
        forged: false,
    };
    let mut seq = 0u32;
    for op in ops.into_iter().take(64) {
        seq += 1;
        match op {
            Op::Add {
                who,
                max_size,
                text_only,
                private_ok,
                alias: with_alias,
                stream,
            } => {
                let who = who % KEYS;
                let mut info = ParticipantMsrp::new(
                    local(who).parse().expect("valid URI"),
                    remote(who).parse().expect("valid path"),
                    identity(who),
                );
                info.max_size = max_size.map(u64::from);
                if text_only {
                    info.accept_types = vec!["message/cpim".to_owned()];
                    info.accept_wrapped_types = vec!["text/plain".to_owned()];
                }
                info.private_messages_ok = private_ok;
                if with_alias {
                    info.alias = Some(alias(who));
                    info.display_name = Some(format!("Name {who}"));
                }
                let added = host.switch.add_participant(who, info).is_ok();
                if added {
                    assert!(!host.conns.contains_key(&who));
                    host.conns.insert(
                        who,
                        Conn {
                            inbound: inbound_decoder(stream),
                            stream,
                            outbound: outbound_decoder(),
                            unanswered: Vec::new(),
                            relayed: Vec::new(),
                            bodies: Vec::new(),
                        },
                    );
                }
                assert!(host.switch.participant_count() <= MAX_PARTICIPANTS);
                host.drain();
            }
            Op::Remove { who } => host.remove(who % KEYS),
            Op::Writable { who, on } => {
                host.switch.set_writable(who % KEYS, on);
                host.drain();
            }
            Op::Send {
                who,
                plain,
                from,
                to,
                kind,
                len,
                fill,
                cuts,
                swap,
                truncate,
                abort,
                total_known,
                success,
                failure,
                read,
            } => {
                let who = who % KEYS;
                let (from, to, kind) = if plain {
                    (Who::Own, Who::Room, 0)
                } else {
                    (from, to, kind)
                };
                let message_id = format!("msg{seq:06}");
                let marker = format!("<<M{seq}>>").into_bytes();
                let fill = b'a' + fill % 26;
                let mut payload = marker.clone();
                payload.resize(marker.len() + usize::from(len % 20_000), fill);
                let inner = match kind % 6 {
                    0 | 3 | 4 => "text/plain",
                    1 => "message/imdn+xml",
                    2 => "application/im-iscomposing+xml",
                    _ => "application/octet-stream",
                };
                let mut body = Vec::new();
                if kind % 6 != 3 {
                    if let Some(f) = address(&from, who) {
                        body.extend_from_slice(format!("From: {f}\r\n").as_bytes());
                    }
                    if let Some(t) = address(&to, who) {
                        body.extend_from_slice(format!("To: {t}\r\n").as_bytes());
                    }
                    body.extend_from_slice(b"DateTime: 2026-11-21T09:00:00Z\r\n");
                    if kind % 6 != 4 {
                        body.extend_from_slice(b"\r\n");
                    }
                    body.extend_from_slice(format!("Content-Type: {inner}\r\n\r\n").as_bytes());
                }
                body.extend_from_slice(&payload);
                let content_type = if kind % 6 == 3 {
                    "text/plain"
                } else {
                    "message/cpim"
                };
                host.markers.insert((who, message_id.clone()), marker);

                // Chunks: cut points in order, at most four chunks.
                let n = body.len();
                let mut points: Vec<usize> = cuts
                    .iter()
                    .take(3)
                    .map(|c| n * usize::from(*c) / 256)
                    .filter(|p| *p > 0 && *p < n)
                    .collect();
                points.sort_unstable();
                points.dedup();
                let mut bounds = vec![0];
                bounds.extend(points);
                bounds.push(n);
                let mut chunks: Vec<(usize, usize)> =
                    bounds.windows(2).map(|w| (w[0], w[1])).collect();
                let last = chunks.len() - 1;
                let mut frames: Vec<(usize, Bytes)> = Vec::new();
                for (i, (a, b)) in chunks.drain(..).enumerate() {
                    let flag = if i < last {
                        Flag::Continued
                    } else if abort {
                        Flag::Aborted
                    } else {
                        Flag::Complete
                    };
                    let tid = format!("tx{seq:06}c{i}");
                    let (l, r) = (local(who), remote(who));
                    let mut builder =
                        RequestBuilder::new(Method::Send, tid.parse().expect("valid tid"))
                            .to_path(&l)
                            .from_path(&r)
                            .message_id(&message_id)
                            .byte_range(ByteRange {
                                start: a as u64 + 1,
                                end: Some(b as u64),
                                total: total_known.then_some(n as u64),
                            });
                    if let Some(s) = success {
                        builder = builder.success_report(if s {
                            ReportMode::Yes
                        } else {
                            ReportMode::No
                        });
                    }
                    if let Some(f) = report_mode(failure) {
                        builder = builder.failure_report(f);
                    }
                    let chunk = body.get(a..b).unwrap_or_default();
                    let mut out = BytesMut::new();
                    if builder
                        .body(content_type, chunk)
                        .flag(flag)
                        .encode(&mut out)
                        .is_ok()
                    {
                        frames.push((i, out.freeze()));
                    }
                }
                if truncate && frames.len() > 1 {
                    frames.pop();
                }
                if swap && frames.len() > 1 {
                    frames.swap(0, 1);
                }
                let wire: Vec<u8> = frames.iter().flat_map(|(_, f)| f.iter().copied()).collect();
                host.feed(who, &wire, 1 + usize::from(read));
            }
            Op::Raw { who, bytes } => {
                if bytes.windows(3).any(|w| w == b"<<M") {
                    host.forged = true;
                }
                host.feed(who % KEYS, &bytes, bytes.len());
            }
            Op::Respond { who, which, status } => {
                let who = who % KEYS;
                let Some(conn) = host.conns.get_mut(&who) else {
                    continue;
                };
                if conn.unanswered.is_empty() {
                    continue;
                }
                let head = conn
                    .unanswered
                    .remove(usize::from(which) % conn.unanswered.len());
                let code = match status % 8 {
                    0..=3 => 200,
                    4 => 415,
                    5 => 481,
                    6 => 413,
                    _ => 100 + status % 600,
                };
                let mut out = BytesMut::new();
                if ResponseBuilder::for_request(&head, code)
                    .encode(&mut out)
                    .is_ok()
                {
                    host.feed(who, &out, out.len());
                }
            }
            Op::Report { who, which, status } => {
                let who = who % KEYS;
                let Some(conn) = host.conns.get(&who) else {
                    continue;
                };
                if conn.relayed.is_empty() {
                    continue;
                }
                let (id, got) = conn.relayed[usize::from(which) % conn.relayed.len()].clone();
                let status = Status::new(if status % 2 == 0 {
                    200
                } else {
                    400 + status % 200
                });
                let (l, r) = (local(who), remote(who));
                let mut out = BytesMut::new();
                let ok = RequestBuilder::new(
                    Method::Report,
                    format!("rp{seq:06}").parse().expect("valid tid"),
                )
                .to_path(&l)
                .from_path(&r)
                .message_id(&id)
                .byte_range(ByteRange {
                    start: 1,
                    end: Some(got.max(1)),
                    total: Some(got.max(1)),
                })
                .status(&status)
                .encode(&mut out)
                .is_ok();
                if ok {
                    host.feed(who, &out, out.len());
                }
            }
            Op::Nickname { who } => {
                let who = who % KEYS;
                let (l, r) = (local(who), remote(who));
                let mut out = BytesMut::new();
                if RequestBuilder::new(
                    Method::Nickname,
                    format!("nk{seq:06}").parse().expect("valid tid"),
                )
                .to_path(&l)
                .from_path(&r)
                .use_nickname("fuzzy")
                .encode(&mut out)
                .is_ok()
                {
                    host.feed(who, &out, out.len());
                }
            }
            Op::Advance { millis } => {
                host.now += Duration::from_millis(u64::from(millis));
                host.switch.handle_timeout(host.now);
                host.drain();
            }
            Op::System { to, service, len } => {
                let service = match service % 4 {
                    0 => "SysAdmin",
                    1 => "Announcement",
                    2 => "Advertisement",
                    _ => "bad service\r\n",
                };
                let body = Bytes::from(vec![b's'; usize::from(len % 20_000)]);
                let _ = host.switch.send_system_message(
                    host.now,
                    to.map(|t| t % KEYS),
                    service,
                    "text/plain",
                    body,
                );
                host.drain();
            }
        }
    }
    // Everyone reads what is queued for them, then the payload check.
    for p in host.conns.keys().copied().collect::<Vec<_>>() {
        host.switch.set_writable(p, true);
    }
    host.drain();
    for conn in host.conns.values() {
        host.check_markers(conn);
    }
});
