//! An MSRP relay between two sessions that authenticated to it, plus a hostile third
//! connection, driven by an arbitrary list of operations (REQ: MSRP-6): sends of any size
//! either way, partial deliveries in any order on any link, the relay's output held back
//! (`set_writable`), time passing, arbitrary bytes from the hostile connection (raw AUTHs,
//! SENDs to made-up URIs, garbage), closes.
//!
//! Never a panic. And every message a session delivers is one the other sent, byte for
//! byte, delivered once.
#![no_main]

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_msrp::relay::{Direction, Event as RelayEvent, Relay, RelayConfig, StaticCredentials};
use simpleim_msrp::{
    Event, MessageId, RelayAuth, SeededIds, SendOptions, Session, SessionConfig, UserPassword,
};

const RELAY: &str = "msrp://relay.example.com:2855;tcp";
const HOSTILE: u32 = 3;

#[derive(Arbitrary, Debug)]
enum Op {
    Send {
        side: bool,
        len: u16,
        fill: u8,
        success: bool,
    },
    /// Up to `max` bytes from a session to the relay (`to_relay`) or back.
    Deliver {
        side: bool,
        to_relay: bool,
        max: u16,
    },
    Writable {
        side: bool,
        writable: bool,
    },
    Advance {
        millis: u16,
    },
    Inject {
        bytes: Vec<u8>,
    },
    InjectAuth {
        tid: u8,
        expires: Option<u32>,
        authorization: Option<String>,
    },
    Close {
        side: bool,
    },
}

struct Side {
    session: Session,
    conn: u32,
    to_relay: VecDeque<u8>,
    from_relay: VecDeque<u8>,
    sent: HashMap<MessageId, Bytes>,
    got: HashSet<MessageId>,
    open: bool,
}

fn side(local: &str, user: &str, seed: u64, conn: u32) -> Side {
    let mut config = SessionConfig::new(
        local.parse().expect("uri"),
        "msrp://placeholder.invalid:1/x;tcp".parse().expect("path"),
        Box::new(SeededIds::new(seed)),
    );
    config.chunk_size = 1500;
    config.piece_size = 700;
    config.relays = Some(RelayAuth::new(
        vec![RELAY.parse().expect("uri")],
        Box::new(UserPassword::new(user, "pw")),
    ));
    Side {
        session: Session::new(config),
        conn,
        to_relay: VecDeque::new(),
        from_relay: VecDeque::new(),
        sent: HashMap::new(),
        got: HashSet::new(),
        open: true,
    }
}

struct World {
    now: Instant,
    relay: Relay<u32>,
    sides: [Side; 2],
    paused: HashSet<u32>,
}

impl World {
    fn drain(&mut self) {
        while let Some((conn, bytes)) = self.relay.poll_transmit() {
            if let Some(s) = self.sides.iter_mut().find(|s| s.conn == conn && s.open) {
                s.from_relay.extend(bytes.iter());
            }
        }
        while let Some(e) = self.relay.poll_event() {
            match e {
                RelayEvent::PauseReading { conn } => {
                    self.paused.insert(conn);
                }
                RelayEvent::ResumeReading { conn } => {
                    self.paused.remove(&conn);
                }
                RelayEvent::Close { conn, .. } => self.lose(conn),
                _ => {}
            }
        }
        for i in 0..2 {
            let [a, b] = &mut self.sides;
            let (me, other) = if i == 0 { (a, b) } else { (b, a) };
            while let Some(bytes) = me.session.poll_transmit() {
                if me.open {
                    me.to_relay.extend(bytes.iter());
                }
            }
            while let Some(e) = me.session.poll_event() {
                if let Event::Message {
                    message_id, body, ..
                } = e
                {
                    let want = other
                        .sent
                        .get(&message_id)
                        .expect("a message that was sent");
                    assert_eq!(&body, want, "delivered byte for byte");
                    assert!(me.got.insert(message_id), "delivered once");
                }
            }
        }
    }

    fn lose(&mut self, conn: u32) {
        let now = self.now;
        for s in self.sides.iter_mut().filter(|s| s.conn == conn && s.open) {
            s.open = false;
            s.session.handle_connection_lost(now);
        }
    }

    fn deliver(&mut self, i: usize, to_relay: bool, max: usize) {
        let now = self.now;
        let s = &mut self.sides[i];
        if !s.open {
            return;
        }
        if to_relay {
            if self.paused.contains(&s.conn) {
                return;
            }
            let n = max.min(s.to_relay.len());
            let bytes: Vec<u8> = s.to_relay.drain(..n).collect();
            self.relay.handle_bytes(now, s.conn, &bytes);
        } else {
            let n = max.min(s.from_relay.len());
            let bytes: Vec<u8> = s.from_relay.drain(..n).collect();
            s.session.handle_bytes(now, &bytes);
        }
    }

    /// Everything in flight, both ways, until quiet.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            self.drain();
            let busy = self.sides.iter().any(|s| {
                s.open
                    && ((!s.to_relay.is_empty() && !self.paused.contains(&s.conn))
                        || !s.from_relay.is_empty())
            });
            if !busy {
                return;
            }
            for i in 0..2 {
                self.deliver(i, true, usize::MAX);
                self.deliver(i, false, usize::MAX);
            }
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let now = Instant::now();
    let creds = StaticCredentials::new()
        .with_user("alice", "pw")
        .with_user("bob", "pw");
    let mut config = RelayConfig::new(
        "relay.example.com",
        2855,
        Box::new(creds),
        Box::new(SeededIds::new(9)),
    );
    config.limits.high_watermark = 4096;
    config.limits.low_watermark = 1024;
    config.limits.decoder.max_collect_bytes = 512;
    let mut w = World {
        now,
        relay: Relay::new(config),
        sides: [
            side("msrp://alice.example.com:1/aaaa;tcp", "alice", 1, 1),
            side("msrp://bob.example.com:2/bbbb;tcp", "bob", 2, 2),
        ],
        paused: HashSet::new(),
    };
    for c in [1, 2, HOSTILE] {
        w.relay.handle_connected(now, c, Direction::Accepted);
    }
    for s in &mut w.sides {
        s.session.authenticate(now).expect("relays configured");
    }
    w.settle();
    let pa = w.sides[0].session.advertised_path();
    let pb = w.sides[1].session.advertised_path();
    w.sides[0].session.set_remote(pb);
    w.sides[1].session.set_remote(pa);
    for op in ops.into_iter().take(200) {
        match op {
            Op::Send {
                side,
                len,
                fill,
                success,
            } => {
                let s = &mut w.sides[usize::from(side)];
                let body = Bytes::from(vec![fill; usize::from(len) % 20_000]);
                let opts = SendOptions::new().success_report(success);
                if let Ok(id) = s
                    .session
                    .send_message(w.now, "text/plain", body.clone(), opts)
                {
                    s.sent.insert(id, body);
                }
            }
            Op::Deliver {
                side,
                to_relay,
                max,
            } => w.deliver(usize::from(side), to_relay, usize::from(max)),
            Op::Writable { side, writable } => {
                let conn = w.sides[usize::from(side)].conn;
                w.relay.set_writable(conn, writable);
            }
            Op::Advance { millis } => {
                w.now += Duration::from_millis(u64::from(millis) * 50);
                w.relay.handle_timeout(w.now);
                for s in &mut w.sides {
                    s.session.handle_timeout(w.now);
                }
            }
            Op::Inject { bytes } => w.relay.handle_bytes(w.now, HOSTILE, &bytes),
            Op::InjectAuth {
                tid,
                expires,
                authorization,
            } => {
                let mut req = format!(
                    "MSRP auth{tid} AUTH\r\nTo-Path: {RELAY}\r\nFrom-Path: msrp://evil.example.com:6/e;tcp\r\n"
                );
                if let Some(e) = expires {
                    req.push_str(&format!("Expires: {e}\r\n"));
                }
                if let Some(a) = authorization.filter(|a| !a.contains(['\r', '\n'])) {
                    req.push_str(&format!("Authorization: {a}\r\n"));
                }
                req.push_str(&format!("-------auth{tid}$\r\n"));
                w.relay.handle_bytes(w.now, HOSTILE, req.as_bytes());
            }
            Op::Close { side } => {
                let conn = w.sides[usize::from(side)].conn;
                w.lose(conn);
                w.relay.handle_closed(w.now, conn);
            }
        }
        w.drain();
    }
    for c in [1, 2] {
        w.relay.set_writable(c, true);
    }
    w.settle();
});
