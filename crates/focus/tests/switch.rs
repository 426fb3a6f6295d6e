//! The MSRP switch driven with three or more participants (000 §7.2.3.1–7.2.3.5).
//! Frames in are built with the msrp builders and decoded with `Decoder`, as a host would
//! feed them; what comes out is decoded again and checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use simpleim_cpim::{Address, CpimMessage, conference_send};
use simpleim_focus::switch::{
    MessageKind, ParticipantMsrp, RefuseReason, SkipReason, Switch, SwitchConfig, SwitchEvent,
    SwitchLimits,
};
use simpleim_msrp::{
    ByteRange, Decoded, Decoder, Flag, Frame, Limits, Method, ReportMode, RequestBuilder,
    ResponseBuilder, SeededIds, Status,
};

const ROOM: &str = "sip:room@conf.example.com";
const NAMES: [&str; 4] = ["alice", "bob", "carol", "dave"];

fn local(p: u32) -> String {
    format!("msrp://focus.example.com:2855/{}-s;tcp", NAMES[p as usize])
}
fn remote(p: u32) -> String {
    format!("msrp://{}.example.com:7777/s;tcp", NAMES[p as usize])
}
fn identity(p: u32) -> String {
    format!("sip:{}@example.com", NAMES[p as usize])
}

struct Room {
    switch: Switch<u32>,
    now: Instant,
    /// Bytes written to each participant's connection.
    out: BTreeMap<u32, Vec<u8>>,
    /// The `Bytes` handed out, to check sharing.
    pieces: Vec<Bytes>,
    events: Vec<SwitchEvent<u32>>,
    tid: u32,
}

impl Room {
    fn with(
        n: u32,
        tweak: impl FnOnce(&mut SwitchConfig),
        each: impl Fn(u32, &mut ParticipantMsrp),
    ) -> Self {
        let mut config = SwitchConfig::new(ROOM, Box::new(SeededIds::new(42)));
        tweak(&mut config);
        let mut switch = Switch::new(config);
        for p in 0..n {
            let mut info = ParticipantMsrp::new(
                local(p).parse().unwrap(),
                remote(p).parse().unwrap(),
                identity(p),
            );
            info.private_messages_ok = true;
            each(p, &mut info);
            switch.add_participant(p, info).unwrap();
        }
        Self {
            switch,
            now: simpleim_test_support::msrp::epoch(),
            out: BTreeMap::new(),
            pieces: Vec::new(),
            events: Vec::new(),
            tid: 0,
        }
    }

    fn new(n: u32) -> Self {
        Self::with(n, |_| {}, |_, _| {})
    }

    /// Feeds `wire` as `from`'s connection delivered it, decoded with `limits`.
    fn feed_with(&mut self, from: u32, wire: &[u8], limits: Limits) -> Vec<Decoded> {
        let mut d = Decoder::new(limits);
        d.push(wire);
        let mut items = Vec::new();
        while let Some(item) = d.poll().unwrap() {
            items.push(item.clone());
            self.switch.handle_decoded(self.now, from, item);
        }
        self.drain();
        items
    }

    fn feed(&mut self, from: u32, wire: &[u8]) -> Vec<Decoded> {
        self.feed_with(from, wire, Limits::default())
    }

    fn drain(&mut self) {
        while let Some((p, b)) = self.switch.poll_transmit() {
            self.out.entry(p).or_default().extend_from_slice(&b);
            self.pieces.push(b);
        }
        while let Some(e) = self.switch.poll_event() {
            self.events.push(e);
        }
        let _ = self.switch.poll_timeout();
    }

    fn next_tid(&mut self) -> String {
        self.tid += 1;
        format!("tx{:04}", self.tid)
    }

    /// A SEND chunk from `from` (`Failure-Report`, `Success-Report` as given).
    #[allow(clippy::too_many_arguments)]
    fn send_chunk(
        &mut self,
        from: u32,
        message_id: &str,
        body: &[u8],
        range: ByteRange,
        flag: Flag,
        content_type: &str,
        reports: (Option<ReportMode>, Option<ReportMode>),
    ) -> Vec<u8> {
        let tid = self.next_tid();
        let (l, r) = (local(from), remote(from));
        let mut b = RequestBuilder::new(Method::Send, tid.parse().unwrap())
            .to_path(&l)
            .from_path(&r)
            .message_id(message_id)
            .byte_range(range);
        if let Some(s) = reports.0 {
            b = b.success_report(s);
        }
        if let Some(f) = reports.1 {
            b = b.failure_report(f);
        }
        let mut out = BytesMut::new();
        b.body(content_type, body)
            .flag(flag)
            .encode(&mut out)
            .unwrap();
        out.to_vec()
    }

    /// A whole message in one chunk.
    fn send(&mut self, from: u32, message_id: &str, body: &[u8]) -> Vec<u8> {
        let n = body.len() as u64;
        self.send_chunk(
            from,
            message_id,
            body,
            ByteRange {
                start: 1,
                end: Some(n),
                total: Some(n),
            },
            Flag::Complete,
            "message/cpim",
            (None, None),
        )
    }

    fn frames(&self, p: u32) -> Vec<Frame> {
        frames(self.out.get(&p).map(Vec::as_slice).unwrap_or_default())
    }

    fn take_events(&mut self) -> Vec<SwitchEvent<u32>> {
        std::mem::take(&mut self.events)
    }
}

fn frames(wire: &[u8]) -> Vec<Frame> {
    let limits = Limits {
        max_collect_bytes: 1 << 24,
        ..Limits::default()
    };
    let mut d = Decoder::new(limits);
    d.push(wire);
    let mut v = Vec::new();
    while let Some(item) = d.poll().unwrap() {
        match item {
            Decoded::Frame(f) => v.push(f),
            other => panic!("unexpected {other:?}"),
        }
    }
    v
}

/// The SEND frames of `frames` grouped by Message-ID: the body put together and the last
/// flag.
fn messages(frames: &[Frame]) -> Vec<(String, Vec<u8>, Flag)> {
    let mut out: Vec<(String, Vec<u8>, Flag)> = Vec::new();
    for f in frames
        .iter()
        .filter(|f| f.head.method() == Some(&Method::Send))
    {
        let id = f.head.message_id().unwrap().unwrap().to_owned();
        let start = f.head.byte_range().unwrap().unwrap().start as usize;
        let entry = match out.iter_mut().find(|(m, _, _)| *m == id) {
            Some(e) => e,
            None => {
                out.push((id, Vec::new(), Flag::Continued));
                out.last_mut().unwrap()
            }
        };
        assert_eq!(entry.1.len() + 1, start, "chunks in order, no gap");
        entry.1.extend_from_slice(&f.body);
        entry.2 = f.flag;
    }
    out
}

fn responses(frames: &[Frame]) -> Vec<u16> {
    frames.iter().filter_map(|f| f.head.status_code()).collect()
}

fn reports(frames: &[Frame]) -> Vec<(String, Status)> {
    frames
        .iter()
        .filter(|f| f.head.method() == Some(&Method::Report))
        .map(|f| {
            (
                f.head.message_id().unwrap().unwrap().to_owned(),
                f.head.status().unwrap().unwrap(),
            )
        })
        .collect()
}

fn cpim(from: &str, to: &str, payload: &str) -> Bytes {
    conference_send(
        Address::uri_only(from.to_owned()),
        Address::uri_only(to.to_owned()),
        "text/plain",
        payload.to_owned(),
    )
    .build()
    .unwrap()
    .as_bytes()
    .clone()
}

#[test]
fn broadcast_reaches_everyone_but_the_sender_byte_exact_without_copy() {
    // REQ: SW-4, SW-6, SW-1
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, "Hello all");
    let wire = room.send(0, "orig-1", &body);
    let items = room.feed(0, &wire);
    let Decoded::Frame(sent) = &items[0] else {
        panic!()
    };

    for p in [1, 2] {
        let fs = room.frames(p);
        let msgs = messages(&fs);
        assert_eq!(msgs.len(), 1, "participant {p}");
        assert_eq!(msgs[0].1, body.as_ref(), "byte for byte");
        assert_eq!(msgs[0].2, Flag::Complete);
        assert_ne!(msgs[0].0, "orig-1", "a fresh Message-ID per copy");
        let h = &fs[0].head;
        assert_eq!(h.to_path().unwrap(), remote(p).as_bytes());
        assert_eq!(h.from_path().unwrap(), local(p).as_bytes());
        let r = h.byte_range().unwrap().unwrap();
        assert_eq!((r.start, r.total), (1, Some(body.len() as u64)));
        assert!(CpimMessage::parse(fs[0].body.clone()).is_ok());
    }
    // The sender gets its 200, and nothing else.
    let fs = room.frames(0);
    assert_eq!(responses(&fs), [200]);
    assert!(messages(&fs).is_empty());
    // The relayed body is the sender's buffer, shared (no copy).
    assert!(
        room.pieces
            .iter()
            .filter(|b| b.as_ptr() == sent.body.as_ptr() && b.len() == sent.body.len())
            .count()
            == 2,
        "both copies share the received body"
    );
    let events = room.take_events();
    assert!(events.iter().any(|e| matches!(e, SwitchEvent::Routed { from: 0, kind: MessageKind::Conference, recipients, .. } if recipients == &[1, 2])));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SwitchEvent::Completed { from: 0, .. }))
    );
}

#[test]
fn spoofed_cpim_from_is_refused_with_403_and_nothing_relayed() {
    // REQ: SW-3 (000 §7.2.3.3 step 1)
    let mut room = Room::new(3);
    let body = cpim(&identity(1), ROOM, "I am Bob, honest");
    let wire = room.send(0, "spoof-1", &body);
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [403]);
    assert!(room.frames(1).is_empty() && room.frames(2).is_empty());
    assert!(room.take_events().iter().any(|e| matches!(
        e,
        SwitchEvent::Refused {
            from: 0,
            status: 403,
            reason: RefuseReason::SpoofedFrom,
            ..
        }
    )));
}

#[test]
fn identity_compares_by_the_address_rule() {
    // REQ: SW-3 — scheme and host case-insensitive, parameters ignored, display name free.
    let mut room = Room::new(3);
    let body = conference_send(
        Address::new(Some("Alice A."), "SIP:alice@EXAMPLE.com;transport=tcp"),
        Address::uri_only(format!("{ROOM};conf=isfocus")),
        "text/plain",
        "hi",
    )
    .build()
    .unwrap();
    let wire = room.send(0, "id-1", body.as_bytes());
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [200]);
    assert_eq!(messages(&room.frames(1)).len(), 1);
}

#[test]
fn non_cpim_content_is_415() {
    // REQ: SW-1
    let mut room = Room::new(3);
    let wire = room.send_chunk(
        0,
        "plain-1",
        b"hello",
        ByteRange {
            start: 1,
            end: Some(5),
            total: Some(5),
        },
        Flag::Complete,
        "text/plain",
        (None, None),
    );
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [415]);
    assert!(room.frames(1).is_empty());
}

#[test]
fn private_message_allowed_goes_to_the_named_participant_only() {
    // REQ: SW-8 (000 §7.2.3.4 c)
    let mut room = Room::new(3);
    let body = cpim(&identity(0), &identity(2), "psst");
    let wire = room.send(0, "priv-1", &body);
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [200]);
    assert!(room.frames(1).is_empty());
    assert_eq!(messages(&room.frames(2))[0].1, body.as_ref());
    assert!(room.take_events().iter().any(|e| matches!(
        e,
        SwitchEvent::Routed { kind: MessageKind::Private, recipients, .. } if recipients == &[2]
    )));
}

#[test]
fn private_message_by_alias() {
    // REQ: SW-8 — an anonymous participant is reached by its alias.
    let mut room = Room::with(
        3,
        |_| {},
        |p, info| {
            if p == 2 {
                info.identity = Bytes::from_static(b"sip:anonymous1@anonymous.invalid");
                info.alias = Some("carrot".to_owned());
            }
        },
    );
    let body = conference_send(
        Address::uri_only(identity(0)),
        Address::new(Some("carrot"), "sip:unknown@anonymous.invalid"),
        "text/plain",
        "psst",
    )
    .build()
    .unwrap();
    let wire = room.send(0, "alias-1", body.as_bytes());
    room.feed(0, &wire);
    assert_eq!(messages(&room.frames(2)).len(), 1);
    // And by its alias URI.
    let body = cpim(&identity(0), "sip:anonymous1@anonymous.invalid", "again");
    let wire = room.send(0, "alias-2", &body);
    room.feed(0, &wire);
    assert_eq!(messages(&room.frames(2)).len(), 2);
    assert!(room.frames(1).is_empty());
}

/// A one-chunk private message from `from` to the formal name `name` with a URI of nobody.
fn by_nickname(room: &mut Room, from: u32, id: &str, name: &str, text: &str) {
    let body = conference_send(
        Address::uri_only(identity(from)),
        Address::new(Some(name), "sip:unknown@anonymous.invalid"),
        "text/plain",
        text.to_owned(),
    )
    .build()
    .unwrap();
    let wire = room.send(from, id, body.as_bytes());
    room.feed(from, &wire);
}

#[test]
fn private_message_by_nickname_compares_under_the_alias_normalization() {
    // REQ: SW-8, CHAT-1 — nicknames are unique under NFC + lowercase, and a nickname in
    // CPIM `To` is looked up under the same key.
    let mut room = Room::with(
        4,
        |_| {},
        |p, info| match p {
            2 => info.alias = Some("Ren\u{e9}e".to_owned()),
            3 => info.alias = Some("Bob".to_owned()),
            _ => {}
        },
    );
    // Case, and the decomposed accent: both reach Renée.
    by_nickname(&mut room, 0, "nick-1", "RENE\u{301}E", "one");
    by_nickname(&mut room, 0, "nick-2", "ren\u{e9}e", "two");
    by_nickname(&mut room, 1, "nick-3", "bOB", "three");
    assert_eq!(responses(&room.frames(0)), [200, 200]);
    assert_eq!(responses(&room.frames(1)), [200]);
    assert_eq!(messages(&room.frames(2)).len(), 2);
    assert_eq!(messages(&room.frames(3)).len(), 1);
    let routed: Vec<Vec<u32>> = room
        .take_events()
        .into_iter()
        .filter_map(|e| match e {
            SwitchEvent::Routed {
                kind: MessageKind::Private,
                recipients,
                ..
            } => Some(recipients),
            _ => None,
        })
        .collect();
    assert_eq!(routed, [vec![2], vec![2], vec![3]]);

    // What the normalization does not unify names no one: fullwidth letters (403).
    by_nickname(&mut room, 0, "nick-4", "\u{ff42}\u{ff4f}\u{ff42}", "four");
    assert_eq!(responses(&room.frames(0)), [200, 200, 403]);
    assert!(room.take_events().iter().any(|e| matches!(
        e,
        SwitchEvent::Refused {
            reason: RefuseReason::NoSuchParticipant,
            ..
        }
    )));

    // After a NICKNAME the new name is looked up the same way, and the old one is gone.
    room.switch.set_alias(3, Some("Kim".to_owned())).unwrap();
    by_nickname(&mut room, 0, "nick-5", "\u{212a}IM", "five");
    by_nickname(&mut room, 0, "nick-6", "bob", "six");
    assert_eq!(responses(&room.frames(0)), [200, 200, 403, 200, 403]);
    assert_eq!(messages(&room.frames(3)).len(), 2);
    // Naming one's own nickname is naming no one else.
    by_nickname(&mut room, 2, "nick-7", "RENEE\u{301}", "self");
    assert_eq!(responses(&room.frames(2)), [403]);
    assert!(room.frames(1).iter().all(|f| f.head.is_response()));
}

#[test]
fn private_messages_refused_to_a_sender_the_policy_does_not_allow() {
    // REQ: SW-8 a — the group's <allow-private-message> per sender; CHAT-1 — IMDN and
    // is-composing are never refused by it.
    let mut room = Room::with(
        3,
        |_| {},
        |p, info| {
            info.may_send_private = p != 0;
            if p == 2 {
                info.alias = Some("carrot".to_owned());
            }
        },
    );
    // By URI and by nickname: 403, nothing relayed.
    let body = cpim(&identity(0), &identity(2), "psst");
    let wire = room.send(0, "deny-1", &body);
    room.feed(0, &wire);
    by_nickname(&mut room, 0, "deny-2", "Carrot", "psst");
    assert_eq!(responses(&room.frames(0)), [403, 403]);
    assert!(room.frames(1).is_empty() && room.frames(2).is_empty());
    let refused = room
        .take_events()
        .iter()
        .filter(|e| {
            matches!(
                e,
                SwitchEvent::Refused {
                    reason: RefuseReason::PrivateNotAllowed,
                    ..
                }
            )
        })
        .count();
    assert_eq!(refused, 2);

    // To the room: relayed to everyone.
    let body = cpim(&identity(0), ROOM, "hello all");
    let wire = room.send(0, "deny-3", &body);
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [403, 403, 200]);
    assert_eq!(messages(&room.frames(1)).len(), 1);
    assert_eq!(messages(&room.frames(2)).len(), 1);

    // IMDN and is-composing to one participant: relayed all the same.
    for (id, ct) in [
        ("deny-4", "message/imdn+xml"),
        ("deny-5", "application/im-iscomposing+xml"),
    ] {
        let body = conference_send(
            Address::uri_only(identity(0)),
            Address::uri_only(identity(2)),
            ct,
            "<x/>",
        )
        .build()
        .unwrap();
        let wire = room.send(0, id, body.as_bytes());
        room.feed(0, &wire);
    }
    assert_eq!(responses(&room.frames(0)), [403, 403, 200, 200, 200]);
    assert_eq!(messages(&room.frames(2)).len(), 3);
    assert_eq!(messages(&room.frames(1)).len(), 1);

    // The permission is the sender's: a participant that may not send still receives.
    let body = cpim(&identity(1), &identity(0), "to the quiet one");
    let wire = room.send(1, "allow-1", &body);
    room.feed(1, &wire);
    assert_eq!(responses(&room.frames(1)), [200]);
    let to_alice = messages(&room.frames(0));
    assert_eq!(to_alice.len(), 1);
    assert_eq!(to_alice[0].1, body.as_ref());
}

#[test]
fn private_message_refused_by_policy_or_recipient_or_absence() {
    // REQ: SW-8 (000 §7.2.3.4 a, b, and the 403 of a focus without private messages)
    let mut room = Room::with(3, |c| c.allow_private_messages = false, |_, _| {});
    let body = cpim(&identity(0), &identity(2), "psst");
    let wire = room.send(0, "priv-no", &body);
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [403]);
    assert!(room.frames(2).is_empty());

    let mut room = Room::with(3, |_| {}, |p, i| i.private_messages_ok = p != 2);
    let wire = room.send(0, "priv-old", &body);
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [403]);
    assert!(room.take_events().iter().any(|e| matches!(
        e,
        SwitchEvent::Refused {
            reason: RefuseReason::RecipientCannotTakePrivate,
            ..
        }
    )));

    let mut room = Room::new(3);
    let body = cpim(&identity(0), "sip:nobody@example.com", "hello?");
    let wire = room.send(0, "priv-absent", &body);
    room.feed(0, &wire);
    assert_eq!(responses(&room.frames(0)), [403]);
    assert!(room.frames(1).is_empty() && room.frames(2).is_empty());
    assert!(room.take_events().iter().any(|e| matches!(
        e,
        SwitchEvent::Refused {
            reason: RefuseReason::NoSuchParticipant,
            ..
        }
    )));
}

#[test]
fn max_size_skips_the_recipient_and_reports_to_the_sender() {
    // REQ: SW-5 (000 §7.2.3.3 step 2a)
    let mut room = Room::with(
        3,
        |_| {},
        |p, i| {
            if p == 1 {
                i.max_size = Some(50);
            }
        },
    );
    let body = cpim(&identity(0), ROOM, &"x".repeat(200));
    let wire = room.send(0, "big-1", &body);
    room.feed(0, &wire);
    assert!(room.frames(1).is_empty(), "bob declared max-size 50");
    assert_eq!(messages(&room.frames(2))[0].1, body.as_ref());
    let fs = room.frames(0);
    assert_eq!(responses(&fs), [200]);
    let reps = reports(&fs);
    assert_eq!(reps.len(), 1);
    assert_eq!(reps[0].0, "big-1", "the sender's own Message-ID");
    assert_eq!(reps[0].1.code, 413);

    // RFC 4975 §7.1.2: Failure-Report: no asks for no failure report.
    let mut room = Room::with(
        3,
        |_| {},
        |p, i| {
            if p == 1 {
                i.max_size = Some(50);
            }
        },
    );
    let n = body.len() as u64;
    let wire = room.send_chunk(
        0,
        "big-2",
        &body,
        ByteRange {
            start: 1,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (None, Some(ReportMode::No)),
    );
    room.feed(0, &wire);
    assert!(room.frames(0).is_empty());
    assert!(room.take_events().iter().any(|e| matches!(
        e,
        SwitchEvent::RecipientFailed {
            recipient: 1,
            status: 413,
            reason: SkipReason::MaxSize,
            ..
        }
    )));
}

#[test]
fn cut_through_relays_before_the_last_chunk_arrives() {
    // REQ: SW-7 (000 §7.2.3.1 "SHOULD start relaying ... once the message/cpim wrapper
    // information is received")
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, &"y".repeat(3000));
    let n = body.len() as u64;
    let (a, b) = body.split_at(1000);
    let first = room.send_chunk(
        0,
        "ct-1",
        a,
        ByteRange {
            start: 1,
            end: Some(1000),
            total: Some(n),
        },
        Flag::Continued,
        "message/cpim",
        (None, None),
    );
    let second = room.send_chunk(
        0,
        "ct-1",
        b,
        ByteRange {
            start: 1001,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    // The first chunk, streamed in small pieces: the CPIM head itself spans pieces.
    let streaming = Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    };
    let mut d = Decoder::new(streaming);
    for piece in first.chunks(20) {
        d.push(piece);
        while let Some(item) = d.poll().unwrap() {
            room.switch.handle_decoded(room.now, 0, item);
        }
        room.drain();
    }
    let early = room.out.get(&1).cloned().unwrap_or_default();
    assert!(!early.is_empty(), "Bob has bytes before Alice's last chunk");
    assert!(
        early.windows(a.len()).any(|w| w == a),
        "the whole first chunk"
    );
    room.feed(0, &second);
    for p in [1, 2] {
        let msgs = messages(&room.frames(p));
        assert_eq!(msgs[0].1, body.as_ref());
        assert_eq!(msgs[0].2, Flag::Complete);
    }
    assert_eq!(responses(&room.frames(0)), [200, 200]);
}

#[test]
fn held_chunks_answered_after_the_decision() {
    // REQ: SW-3, SW-7 — a first chunk too short for the CPIM head is answered only once the
    // head is complete: here the From is spoofed, so both chunks get 403.
    let mut room = Room::new(3);
    let body = cpim(&identity(2), ROOM, "spoof in two chunks");
    let n = body.len() as u64;
    let (a, b) = body.split_at(10);
    let w1 = room.send_chunk(
        0,
        "held-1",
        a,
        ByteRange {
            start: 1,
            end: Some(10),
            total: Some(n),
        },
        Flag::Continued,
        "message/cpim",
        (None, None),
    );
    let w2 = room.send_chunk(
        0,
        "held-1",
        b,
        ByteRange {
            start: 11,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    room.feed(0, &w1);
    assert!(room.frames(0).is_empty(), "no answer before the decision");
    room.feed(0, &w2);
    assert_eq!(responses(&room.frames(0)), [403, 403]);
    assert!(room.frames(1).is_empty());
}

#[test]
fn slow_recipient_is_bounded_aborted_and_reported_while_others_get_everything() {
    // REQ: SEC-2, SW-6 — fairness: Bob stops reading; Carol and Dave are not held back.
    let mut room = Room::with(
        4,
        |c| {
            c.limits = SwitchLimits {
                max_queued_bytes: 8 * 1024,
                ..SwitchLimits::default()
            };
        },
        |_, _| {},
    );
    room.switch.set_writable(1, false);
    let body = cpim(&identity(0), ROOM, &"z".repeat(40_000));
    let n = body.len() as u64;
    let wire = room.send_chunk(
        0,
        "slow-1",
        &body,
        ByteRange {
            start: 1,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    let streaming = Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    };
    let mut d = Decoder::new(streaming);
    for piece in wire.chunks(1000) {
        d.push(piece);
        while let Some(item) = d.poll().unwrap() {
            room.switch.handle_decoded(room.now, 0, item);
        }
        room.drain();
        assert!(room.switch.queued_bytes(1) <= 8 * 1024 + 1024, "bounded");
    }
    for p in [2, 3] {
        assert_eq!(messages(&room.frames(p))[0].1, body.as_ref());
    }
    let reps = reports(&room.frames(0));
    assert_eq!(reps.len(), 1);
    assert_eq!((reps[0].0.as_str(), reps[0].1.code), ("slow-1", 408));
    // Bob reads again: his copy ends with `#`.
    room.switch.set_writable(1, true);
    room.drain();
    let msgs = messages(&room.frames(1));
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].2, Flag::Aborted);
    assert!(body.starts_with(&msgs[0].1));
}

#[test]
fn imdn_and_reports_find_their_way_back() {
    // REQ: SW-11, CHAT-1 — even where private messages are not allowed.
    let mut room = Room::with(3, |c| c.allow_private_messages = false, |_, _| {});
    let n_body = cpim(&identity(0), ROOM, "ask for reports");
    let n = n_body.len() as u64;
    let wire = room.send_chunk(
        0,
        "rep-1",
        &n_body,
        ByteRange {
            start: 1,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (Some(ReportMode::Yes), None),
    );
    room.feed(0, &wire);
    let bob_copy = room.frames(1).remove(0);
    let relayed_id = bob_copy.head.message_id().unwrap().unwrap().to_owned();
    assert_eq!(
        bob_copy.head.success_report().unwrap(),
        Some(ReportMode::Yes)
    );

    // Bob answers 200 (absorbed) and sends a success REPORT for the copy.
    let mut w = BytesMut::new();
    ResponseBuilder::for_request(&bob_copy.head, 200)
        .encode(&mut w)
        .unwrap();
    let ok = Status::new(200);
    let (l, r) = (local(1), remote(1));
    RequestBuilder::new(Method::Report, "rp000001".parse().unwrap())
        .to_path(&l)
        .from_path(&r)
        .message_id(&relayed_id)
        .byte_range(ByteRange {
            start: 1,
            end: Some(n),
            total: Some(n),
        })
        .status(&ok)
        .encode(&mut w)
        .unwrap();
    room.feed(1, &w);
    let reps = reports(&room.frames(0));
    assert_eq!(reps.len(), 1);
    assert_eq!((reps[0].0.as_str(), reps[0].1.code), ("rep-1", 200));

    // Bob's IMDN to Alice is relayed to her alone.
    let imdn = conference_send(
        Address::uri_only(identity(1)),
        Address::uri_only(identity(0)),
        "message/imdn+xml",
        "<imdn/>",
    )
    .build()
    .unwrap();
    let wire = room.send(1, "imdn-1", imdn.as_bytes());
    room.feed(1, &wire);
    let to_alice = messages(&room.frames(0));
    assert_eq!(to_alice.len(), 1);
    assert_eq!(to_alice[0].1, imdn.as_bytes().as_ref());
    assert!(
        messages(&room.frames(2)).len() == 1,
        "Carol only has Alice's message"
    );
}

#[test]
fn recipient_error_response_becomes_a_failure_report() {
    // REQ: SW-11, RFC 4975 §7.1.2
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, "hi");
    let wire = room.send(0, "err-1", &body);
    room.feed(0, &wire);
    let bob_copy = room.frames(1).remove(0);
    let mut w = BytesMut::new();
    ResponseBuilder::for_request(&bob_copy.head, 415)
        .encode(&mut w)
        .unwrap();
    room.feed(1, &w);
    let reps = reports(&room.frames(0));
    assert_eq!(reps.len(), 1);
    assert_eq!((reps[0].0.as_str(), reps[0].1.code), ("err-1", 415));
}

#[test]
fn partial_failure_reports_an_error_response_but_no_timeout() {
    // REQ: SW-11, RFC 4975 §7.1.2 (`Failure-Report: partial`: errors only, no timeout)
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, "hi");
    let n = body.len() as u64;
    let wire = room.send_chunk(
        0,
        "part-1",
        &body,
        ByteRange {
            start: 1,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (None, Some(ReportMode::Partial)),
    );
    room.feed(0, &wire);
    // Bob answers the copy with an error; Carol says nothing, as `partial` allows.
    let bob_copy = room.frames(1).remove(0);
    let mut w = BytesMut::new();
    ResponseBuilder::for_request(&bob_copy.head, 415)
        .encode(&mut w)
        .unwrap();
    room.feed(1, &w);
    let reps = reports(&room.frames(0));
    assert_eq!(reps.len(), 1);
    assert_eq!((reps[0].0.as_str(), reps[0].1.code), ("part-1", 415));
    // Carol's silence is no failure: no 408 when the remembered transaction expires.
    if let Some(deadline) = room.switch.poll_timeout() {
        room.switch
            .handle_timeout(deadline + Duration::from_secs(1));
        room.drain();
    }
    assert_eq!(
        reports(&room.frames(0)).len(),
        1,
        "no 408 for a partial copy"
    );
}

#[test]
fn no_response_in_time_is_a_408_report() {
    // REQ: SW-11, RFC 4975 §7.1.1 (transaction timeout)
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, "hi");
    let wire = room.send(0, "to-1", &body);
    room.feed(0, &wire);
    let deadline = room.switch.poll_timeout().unwrap();
    room.switch
        .handle_timeout(deadline - Duration::from_millis(1));
    room.drain();
    assert!(reports(&room.frames(0)).is_empty(), "early: nothing");
    room.switch.handle_timeout(deadline);
    room.drain();
    let reps = reports(&room.frames(0));
    assert_eq!(reps.len(), 2, "neither Bob nor Carol answered");
    assert!(reps.iter().all(|(id, s)| id == "to-1" && s.code == 408));
}

#[test]
fn system_message_names_the_focus() {
    // REQ: SW-9, SW-10 (000 §7.2.3.5)
    let mut room = Room::new(3);
    let body = Bytes::from_static(b"The room closes at noon");
    let sent = room
        .switch
        .send_system_message(room.now, None, "Announcement", "text/plain", body.clone())
        .unwrap();
    assert_eq!(sent.len(), 3);
    room.drain();
    for p in 0..3 {
        let msgs = messages(&room.frames(p));
        let m = CpimMessage::parse(Bytes::from(msgs[0].1.clone())).unwrap();
        let from = m.head().from().unwrap().unwrap();
        assert_eq!(from.formal_name(), Some(&b"Announcement"[..]));
        assert!(from.is_focus());
        assert!(from.uri().starts_with(ROOM.as_bytes()));
        let to = m.head().to().next().unwrap().unwrap();
        assert_eq!(to.uri().as_ref(), identity(p).as_bytes());
        assert_eq!(m.payload(), body);
    }
    // The payload is shared, not copied.
    assert_eq!(
        room.pieces
            .iter()
            .filter(|b| b.as_ptr() == body.as_ptr())
            .count(),
        3
    );
}

#[test]
fn removing_a_recipient_mid_message_reports_and_others_continue() {
    // REQ: SW-2, SW-11
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, &"w".repeat(2000));
    let n = body.len() as u64;
    let (a, b) = body.split_at(500);
    let w1 = room.send_chunk(
        0,
        "rm-1",
        a,
        ByteRange {
            start: 1,
            end: Some(500),
            total: Some(n),
        },
        Flag::Continued,
        "message/cpim",
        (None, None),
    );
    let w2 = room.send_chunk(
        0,
        "rm-1",
        b,
        ByteRange {
            start: 501,
            end: Some(n),
            total: Some(n),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    room.feed(0, &w1);
    assert!(room.switch.remove_participant(1));
    room.feed(0, &w2);
    assert_eq!(messages(&room.frames(2))[0].1, body.as_ref());
    let reps = reports(&room.frames(0));
    assert_eq!(reps.len(), 1);
    assert_eq!(reps[0].1.code, 481);
}

#[test]
fn removing_the_sender_mid_message_aborts_the_copies() {
    // REQ: SW-2
    let mut room = Room::new(3);
    let body = cpim(&identity(0), ROOM, &"v".repeat(2000));
    let n = body.len() as u64;
    let w1 = room.send_chunk(
        0,
        "rm-2",
        &body[..500],
        ByteRange {
            start: 1,
            end: Some(500),
            total: Some(n),
        },
        Flag::Continued,
        "message/cpim",
        (None, None),
    );
    room.feed(0, &w1);
    room.switch.remove_participant(0);
    room.drain();
    for p in [1, 2] {
        let msgs = messages(&room.frames(p));
        assert_eq!(msgs[0].2, Flag::Aborted);
        assert_eq!(msgs[0].1, &body[..500]);
    }
}

#[test]
fn interleaved_senders_never_mix_frames() {
    // REQ: SW-1 ("relays ... without mixing"), SW-7
    let mut room = Room::new(3);
    let a = cpim(&identity(0), ROOM, &"A".repeat(1500));
    let b = cpim(&identity(1), ROOM, &"B".repeat(1500));
    let (na, nb) = (a.len() as u64, b.len() as u64);
    let a1 = room.send_chunk(
        0,
        "inter-a",
        &a[..700],
        ByteRange {
            start: 1,
            end: Some(700),
            total: Some(na),
        },
        Flag::Continued,
        "message/cpim",
        (None, None),
    );
    let b1 = room.send_chunk(
        1,
        "inter-b",
        &b[..700],
        ByteRange {
            start: 1,
            end: Some(700),
            total: Some(nb),
        },
        Flag::Continued,
        "message/cpim",
        (None, None),
    );
    let a2 = room.send_chunk(
        0,
        "inter-a",
        &a[700..],
        ByteRange {
            start: 701,
            end: Some(na),
            total: Some(na),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    let b2 = room.send_chunk(
        1,
        "inter-b",
        &b[700..],
        ByteRange {
            start: 701,
            end: Some(nb),
            total: Some(nb),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    let streaming = Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    };
    room.feed_with(0, &a1, streaming);
    room.feed_with(1, &b1, streaming);
    room.feed_with(0, &a2, streaming);
    room.feed_with(1, &b2, streaming);
    let msgs = messages(&room.frames(2));
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].1, a.as_ref());
    assert_eq!(msgs[1].1, b.as_ref());
}

#[test]
fn malformed_input_is_answered_never_a_panic() {
    // REQ: SEC-2
    let mut room = Room::new(3);
    // No Message-ID.
    let mut w = BytesMut::new();
    let (l, r) = (local(0), remote(0));
    RequestBuilder::new(Method::Send, "bad00001".parse().unwrap())
        .to_path(&l)
        .from_path(&r)
        .body("message/cpim", b"junk")
        .encode(&mut w)
        .unwrap();
    room.feed(0, &w);
    // CPIM that is not CPIM.
    let wire = room.send(0, "junk-1", b"\x00\x01 not a header\r\n\r\n");
    room.feed(0, &wire);
    // A message that ends before its CPIM headers do.
    let wire = room.send(0, "junk-2", b"From: <sip:alice@example.com>\r\n");
    room.feed(0, &wire);
    // A chunk that does not start at byte 1 of an unknown message.
    let wire = room.send_chunk(
        0,
        "junk-3",
        b"xx",
        ByteRange {
            start: 5,
            end: Some(6),
            total: Some(6),
        },
        Flag::Complete,
        "message/cpim",
        (None, None),
    );
    room.feed(0, &wire);
    // An unknown method.
    let mut w = BytesMut::new();
    RequestBuilder::new(
        Method::Other(Bytes::from_static(b"FOO")),
        "bad00002".parse().unwrap(),
    )
    .to_path(&l)
    .from_path(&r)
    .encode(&mut w)
    .unwrap();
    room.feed(0, &w);
    assert_eq!(responses(&room.frames(0)), [400, 400, 400, 400, 501]);
    assert!(room.frames(1).is_empty());
}

mod model {
    //! The switch against a tiny reference model: who must receive what, and which SENDs
    //! are refused with which code (REQ: SW-3, SW-4, SW-8, SW-6).
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone, Copy)]
    enum Target {
        Room,
        Participant(u32),
        Nobody,
        Spoof(u32),
    }

    #[derive(Debug, Clone)]
    struct Op {
        from: u32,
        target: Target,
        chunks: usize,
        failure_no: bool,
        payload: usize,
    }

    fn op() -> impl Strategy<Value = Op> {
        let target = prop_oneof![
            Just(Target::Room),
            (0..4u32).prop_map(Target::Participant),
            Just(Target::Nobody),
            (0..4u32).prop_map(Target::Spoof),
        ];
        (0..4u32, target, 1..4usize, any::<bool>(), 0..300usize).prop_map(
            |(from, target, chunks, failure_no, payload)| Op {
                from,
                target,
                chunks,
                failure_no,
                payload,
            },
        )
    }

    /// The model: the status every chunk gets, and who receives the message.
    fn expect(op: &Op, allow: bool, ok: &[bool; 4]) -> (u16, Vec<u32>) {
        match op.target {
            Target::Spoof(x) if x != op.from => (403, vec![]),
            Target::Spoof(_) | Target::Room => (200, (0..4).filter(|p| *p != op.from).collect()),
            Target::Nobody => (403, vec![]),
            Target::Participant(_) if !allow => (403, vec![]),
            Target::Participant(x) if x == op.from => (200, vec![]),
            Target::Participant(x) if !ok[x as usize] => (403, vec![]),
            Target::Participant(x) => (200, vec![x]),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn switch_matches_the_model(
            allow in any::<bool>(),
            ok in proptest::array::uniform4(any::<bool>()),
            ops in proptest::collection::vec(op(), 1..12),
        ) {
            let mut room = Room::with(4, |c| c.allow_private_messages = allow, |p, i| {
                i.private_messages_ok = ok[p as usize];
            });
            let mut want: BTreeMap<u32, Vec<Vec<u8>>> = BTreeMap::new();
            for (i, op) in ops.iter().enumerate() {
                let from = match op.target {
                    Target::Spoof(x) => identity(x),
                    _ => identity(op.from),
                };
                let to = match op.target {
                    Target::Room | Target::Spoof(_) => ROOM.to_owned(),
                    Target::Participant(x) => identity(x),
                    Target::Nobody => "sip:nobody@example.com".to_owned(),
                };
                let body = cpim(&from, &to, &"p".repeat(op.payload));
                let n = body.len() as u64;
                let id = format!("m{i:04}");
                let size = body.len().div_ceil(op.chunks);
                let parts: Vec<&[u8]> = body.chunks(size).collect();
                let mut start = 1u64;
                let before = room.out.get(&op.from).map_or(0, Vec::len);
                for (k, part) in parts.iter().enumerate() {
                    let last = k + 1 == parts.len();
                    let end = start + part.len() as u64 - 1;
                    let wire = room.send_chunk(
                        op.from,
                        &id,
                        part,
                        ByteRange { start, end: Some(end), total: Some(n) },
                        if last { Flag::Complete } else { Flag::Continued },
                        "message/cpim",
                        (None, op.failure_no.then_some(ReportMode::No)),
                    );
                    room.feed(op.from, &wire);
                    start = end + 1;
                }
                let (code, to) = expect(op, allow, &ok);
                let got = room.out.get(&op.from).map(Vec::as_slice).unwrap_or_default();
                let answers = responses(&frames(&got[before..]));
                if op.failure_no {
                    prop_assert!(answers.is_empty());
                } else {
                    prop_assert_eq!(answers, vec![code; parts.len()], "{:?}", op);
                }
                for p in to {
                    want.entry(p).or_default().push(body.to_vec());
                }
            }
            for p in 0..4 {
                let got: Vec<Vec<u8>> = messages(&room.frames(p))
                    .into_iter()
                    .map(|(_, body, flag)| {
                        assert_eq!(flag, Flag::Complete);
                        body
                    })
                    .collect();
                let expected = want.remove(&p).unwrap_or_default();
                prop_assert_eq!(got, expected, "participant {}", p);
            }
        }
    }
}
