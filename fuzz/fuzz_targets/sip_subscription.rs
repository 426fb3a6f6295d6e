//! A subscriber and a notifier (RFC 6665) and a session timer (RFC 4028) driven by an
//! arbitrary list of operations: messages between the two delivered, lost, duplicated or
//! delivered late, time passing, refreshes, unsubscribes, notifications, terminations, and
//! hostile SIP messages parsed from raw bytes fed to either side.
//!
//! Never a panic; a timeout is never before the time it was polled at; every message either
//! side emits encodes and parses back.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sip::dialog::{
    Body, Negotiated, Notifier, NotifierConfig, Role, SentBy, SessionTimer, Subscriber,
    SubscriberConfig,
};
use simpleim_sip::header::{Event, Refresher};
use simpleim_sip::{Message, NameAddr, SeededIds, Uri};

#[derive(Arbitrary, Debug)]
enum Op {
    /// Deliver the oldest message in flight toward `to_notifier`'s side.
    Deliver {
        to_notifier: bool,
    },
    /// Drop it.
    Lose {
        to_notifier: bool,
    },
    /// Deliver it and keep a copy for later.
    Duplicate {
        to_notifier: bool,
    },
    Advance {
        seconds: u16,
    },
    Refresh,
    Unsubscribe,
    Notify {
        body: bool,
    },
    Activate,
    Terminate {
        retry: Option<u16>,
    },
    Raw {
        to_notifier: bool,
        bytes: Vec<u8>,
    },
    Timer {
        interval: u16,
        min_se: u16,
        uac_refreshes: bool,
        uas: bool,
        stop: bool,
    },
}

fn addr(s: &str) -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::copy_from_slice(s.as_bytes())).expect("valid URI"))
}

fn check(m: &Message) {
    let mut wire = Vec::new();
    m.encode(&mut wire);
    Message::parse_datagram(Bytes::from(wire)).expect("what we emit parses back");
}

fuzz_target!(|input: (u16, bool, Vec<Op>)| {
    let (expires, pending, ops) = input;
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let mut config = SubscriberConfig::new(
        addr("sip:alice@example.com"),
        addr("sip:chat-42@conf.example.com"),
        addr("sip:alice@192.0.2.1"),
        SentBy::new("UDP", "192.0.2.1", None),
        Event::new("conference"),
        Box::new(SeededIds::new(1)),
    );
    config.expires = u32::from(expires);
    let Ok(mut alice) = Subscriber::new(now, config) else {
        return;
    };
    let mut notifier: Option<Notifier> = None;
    let mut to_notifier: Vec<Message> = Vec::new();
    let mut to_alice: Vec<Message> = Vec::new();
    let mut timer = SessionTimer::new();

    for op in ops.into_iter().take(200) {
        match op {
            Op::Deliver { to_notifier: n } | Op::Duplicate { to_notifier: n } => {
                let dup = matches!(op, Op::Duplicate { .. });
                let queue = if n { &mut to_notifier } else { &mut to_alice };
                if queue.is_empty() {
                    continue;
                }
                let m = if dup {
                    queue[0].clone()
                } else {
                    queue.remove(0)
                };
                if n {
                    match (&mut notifier, m) {
                        (Some(room), Message::Request(r)) => room.handle_request(now, &r),
                        (Some(room), Message::Response(r)) => room.handle_response(now, &r),
                        (None, Message::Request(r)) => {
                            let config = NotifierConfig::new(
                                addr("sip:chat-42@conf.example.com"),
                                SentBy::new("UDP", "conf.example.com", None),
                                "conference",
                                Box::new(SeededIds::new(2)),
                            );
                            let body = Body::new("application/conference-info+xml", "<c/>");
                            notifier = if pending {
                                Notifier::accept_pending(now, config, &r).ok()
                            } else {
                                Notifier::accept(now, config, &r, Some(body)).ok()
                            };
                        }
                        (None, Message::Response(_)) => {}
                    }
                } else {
                    match m {
                        Message::Request(r) => alice.handle_request(now, &r),
                        Message::Response(r) => alice.handle_response(now, &r),
                    }
                }
            }
            Op::Lose { to_notifier: n } => {
                let queue = if n { &mut to_notifier } else { &mut to_alice };
                if !queue.is_empty() {
                    queue.remove(0);
                }
            }
            Op::Advance { seconds } => {
                now += Duration::from_secs(u64::from(seconds));
                alice.handle_timeout(now);
                if let Some(room) = &mut notifier {
                    room.handle_timeout(now);
                }
                timer.handle_timeout(now);
            }
            Op::Refresh => {
                let _ = alice.refresh(now);
            }
            Op::Unsubscribe => {
                let _ = alice.unsubscribe(now);
            }
            Op::Notify { body } => {
                if let Some(room) = &mut notifier {
                    let b = body.then(|| Body::new("application/conference-info+xml", "<c/>"));
                    let _ = room.notify(now, b);
                }
            }
            Op::Activate => {
                if let Some(room) = &mut notifier {
                    let _ = room.activate(now, None);
                }
            }
            Op::Terminate { retry } => {
                if let Some(room) = &mut notifier {
                    let _ = room.terminate(now, Some("noresource"), retry.map(u32::from), None);
                }
            }
            Op::Raw {
                to_notifier: n,
                bytes,
            } => {
                if let Ok(m) = Message::parse_datagram(Bytes::from(bytes)) {
                    match (n, m) {
                        (true, Message::Request(r)) => {
                            if let Some(room) = &mut notifier {
                                room.handle_request(now, &r);
                            }
                        }
                        (true, Message::Response(r)) => {
                            if let Some(room) = &mut notifier {
                                room.handle_response(now, &r);
                            }
                        }
                        (false, Message::Request(r)) => alice.handle_request(now, &r),
                        (false, Message::Response(r)) => alice.handle_response(now, &r),
                    }
                }
            }
            Op::Timer {
                interval,
                min_se,
                uac_refreshes,
                uas,
                stop,
            } => {
                if stop {
                    timer.stop();
                } else {
                    let negotiated = Negotiated {
                        interval: u32::from(interval),
                        refresher: if uac_refreshes {
                            Refresher::Uac
                        } else {
                            Refresher::Uas
                        },
                        role: if uas { Role::Uas } else { Role::Uac },
                        min_se: u32::from(min_se),
                        uac_supports_timer: true,
                    };
                    timer.handle_negotiated(now, Some(negotiated));
                }
            }
        }
        // Drain both sides in the documented order.
        while let Some(m) = alice.poll_transmit() {
            check(&m);
            to_notifier.push(m);
        }
        while alice.poll_event().is_some() {}
        if let Some(t) = alice.poll_timeout() {
            assert!(t >= now, "subscriber timeout in the past");
        }
        if let Some(room) = &mut notifier {
            while let Some(m) = room.poll_transmit() {
                check(&m);
                to_alice.push(m);
            }
            while room.poll_event().is_some() {}
            if let Some(t) = room.poll_timeout() {
                assert!(t >= now, "notifier timeout in the past");
            }
        }
        while timer.poll_event().is_some() {}
        if let Some(t) = timer.poll_timeout() {
            assert!(t >= now, "session timer in the past");
        }
        to_notifier.truncate(64);
        to_alice.truncate(64);
    }
});
