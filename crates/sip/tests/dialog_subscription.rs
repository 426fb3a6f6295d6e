//! Subscriptions (RFC 6665; REQ: FOC-8): a subscriber and a notifier for the conference event
//! package (RFC 4575) over a simulated network and clock (a base `Instant` plus offsets,
//! never sleeping): NOTIFY before the 200, refresh timing, expiry on both sides, termination
//! with a reason, Expires: 0, 423, 489, Timer N, and the checks on incoming NOTIFY requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::dialog::{
    Body, Notifier, NotifierConfig, NotifierEvent, NotifierState, NotifierTermination, SentBy,
    Subscriber, SubscriberConfig, SubscriberEvent, SubscriberState, SubscriberTermination,
    SubscriptionError,
};
use simpleim_sip::header::{
    CSeq, Event, Expires, MinExpires, RetryAfter, SubState, SubscriptionState, To,
};
use simpleim_sip::{HeaderName, Message, Method, NameAddr, Request, Response, SeededIds, Uri};

const CONF_INFO: &str = "application/conference-info+xml";

fn addr(uri: &'static str) -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::from_static(uri.as_bytes())).unwrap())
}

/// The base of the simulated clock: its one reading of a real clock.
fn epoch() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn doc(version: u32) -> Body {
    Body::new(
        CONF_INFO,
        format!(
            "<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"sip:chat-42@conf.example.com\" state=\"full\" version=\"{version}\"/>"
        ),
    )
}

/// Alice subscribes to the conference state of chat-42 for `expires` seconds.
fn alice_config(expires: u32) -> SubscriberConfig {
    let mut c = SubscriberConfig::new(
        addr("sip:alice@example.com"),
        addr("sip:chat-42@conf.example.com"),
        addr("sip:alice@192.0.2.1;transport=tcp"),
        SentBy::new("TCP", "192.0.2.1", Some(5060)),
        Event::new("conference"),
        Box::new(SeededIds::new(1)),
    );
    c.expires = expires;
    c.accept = vec![CONF_INFO.to_owned()];
    c
}

fn focus_config() -> NotifierConfig {
    NotifierConfig::new(
        addr("sip:chat-42@conf.example.com;transport=tcp").with_param("isfocus", None),
        SentBy::new("TCP", "conf.example.com", None),
        "conference",
        Box::new(SeededIds::new(2)),
    )
}

fn header(m: &Message, name: HeaderName) -> String {
    let f = m.headers().get(name).unwrap_or_else(|| panic!("no {name}"));
    String::from_utf8(f.value().to_vec()).unwrap()
}

fn sub_state(r: &Request) -> SubscriptionState {
    r.headers().typed().unwrap().unwrap()
}

fn request_of(m: Message) -> Request {
    match m {
        Message::Request(r) => r,
        Message::Response(r) => panic!("expected a request, got {}", r.code()),
    }
}

/// A subscriber, a notifier created by the first SUBSCRIBE, the messages in flight between
/// them, and a simulated clock.
struct Net {
    now: Instant,
    start: Instant,
    alice: Subscriber,
    room: Option<Notifier>,
    room_config: Option<NotifierConfig>,
    initial_body: Option<Body>,
    pending_accept: bool,
    to_room: VecDeque<Message>,
    to_alice: VecDeque<Message>,
    alice_events: Vec<SubscriberEvent>,
    room_events: Vec<NotifierEvent>,
    /// Every message each side sent, in order.
    alice_sent: Vec<Message>,
    room_sent: Vec<Message>,
}

impl Net {
    fn new(alice: SubscriberConfig, room: NotifierConfig) -> Self {
        let start = epoch();
        let mut net = Self {
            now: start,
            start,
            alice: Subscriber::new(start, alice).unwrap(),
            room: None,
            room_config: Some(room),
            initial_body: Some(doc(1)),
            pending_accept: false,
            to_room: VecDeque::new(),
            to_alice: VecDeque::new(),
            alice_events: Vec::new(),
            room_events: Vec::new(),
            alice_sent: Vec::new(),
            room_sent: Vec::new(),
        };
        net.drain();
        net
    }

    fn at(&self, offset: u64) -> Instant {
        self.start + secs(offset)
    }

    /// Drains both sides in the documented order: transmit, events (the timeout is read by
    /// `next_timeout`).
    fn drain(&mut self) {
        while let Some(m) = self.alice.poll_transmit() {
            self.alice_sent.push(m.clone());
            self.to_room.push_back(m);
        }
        while let Some(e) = self.alice.poll_event() {
            self.alice_events.push(e);
        }
        if let Some(room) = &mut self.room {
            while let Some(m) = room.poll_transmit() {
                self.room_sent.push(m.clone());
                self.to_alice.push_back(m);
            }
            while let Some(e) = room.poll_event() {
                self.room_events.push(e);
            }
        }
    }

    /// Delivers the next message in flight to the room.
    fn deliver_to_room(&mut self) -> bool {
        let Some(m) = self.to_room.pop_front() else {
            return false;
        };
        let now = self.now;
        match (&mut self.room, m) {
            (Some(room), Message::Request(r)) => room.handle_request(now, &r),
            (Some(room), Message::Response(r)) => room.handle_response(now, &r),
            (None, Message::Request(r)) => {
                let config = self.room_config.take().expect("one notifier");
                let accepted = if self.pending_accept {
                    Notifier::accept_pending(now, config, &r)
                } else {
                    Notifier::accept(now, config, &r, self.initial_body.take())
                };
                match accepted {
                    Ok(n) => self.room = Some(n),
                    Err(rejection) => {
                        let answer = rejection.response.build().unwrap();
                        self.room_sent.push(Message::Response(answer.clone()));
                        self.to_alice.push_back(Message::Response(answer));
                        // A later SUBSCRIBE (a retry) gets a new notifier.
                        self.room_config = Some(focus_config_like(&rejection.status));
                    }
                }
            }
            (None, Message::Response(_)) => {}
        }
        self.drain();
        true
    }

    /// Delivers the next message in flight to Alice.
    fn deliver_to_alice(&mut self) -> bool {
        let Some(m) = self.to_alice.pop_front() else {
            return false;
        };
        match m {
            Message::Request(r) => self.alice.handle_request(self.now, &r),
            Message::Response(r) => self.alice.handle_response(self.now, &r),
        }
        self.drain();
        true
    }

    /// Delivers everything in flight, in order, until nothing moves.
    fn run(&mut self) {
        while self.deliver_to_room() || self.deliver_to_alice() {}
    }

    fn next_timeout(&self) -> Option<Instant> {
        let room = self.room.as_ref().and_then(Notifier::poll_timeout);
        [self.alice.poll_timeout(), room]
            .into_iter()
            .flatten()
            .min()
    }

    /// Moves the clock to `t` and lets both sides see it.
    fn advance(&mut self, t: Instant) {
        self.now = t;
        self.alice.handle_timeout(t);
        if let Some(room) = &mut self.room {
            room.handle_timeout(t);
        }
        self.drain();
    }

    fn room(&mut self) -> &mut Notifier {
        self.room.as_mut().expect("the notifier exists")
    }

    fn alice_terminated(&self) -> Option<&SubscriberTermination> {
        self.alice_events.iter().find_map(|e| match e {
            SubscriberEvent::Terminated { reason } => Some(reason),
            _ => None,
        })
    }

    fn notifications(&self) -> Vec<Request> {
        self.alice_events
            .iter()
            .filter_map(|e| match e {
                SubscriberEvent::Notification { request } => Some((**request).clone()),
                _ => None,
            })
            .collect()
    }
}

/// The notifier configuration after a rejection: the same as before, for a retried
/// SUBSCRIBE (the 423 test raises `min_expires`).
fn focus_config_like(status: &u16) -> NotifierConfig {
    let mut c = focus_config();
    if *status == 423 {
        c.min_expires = 900;
    }
    c
}

// --- the happy path ---------------------------------------------------------------------------

// RFC 6665 §4.1.2.1, §4.2.1.1, §4.2.2: SUBSCRIBE, 200 and the immediate NOTIFY, header by
// header; RFC 4575: Event: conference with a conference-info body.
#[test]
fn subscribe_200_and_immediate_notify() {
    let mut net = Net::new(alice_config(600), focus_config());
    let subscribe = net.to_room[0].clone();
    let s = subscribe.as_request().unwrap();
    assert_eq!(s.method(), &Method::Subscribe);
    assert_eq!(s.uri_bytes(), "sip:chat-42@conf.example.com");
    assert_eq!(s.validate(), Ok(()));
    assert!(
        header(&subscribe, HeaderName::Via)
            .starts_with("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK")
    );
    assert_eq!(header(&subscribe, HeaderName::MaxForwards), "70");
    assert!(header(&subscribe, HeaderName::From).starts_with("<sip:alice@example.com>;tag="));
    assert_eq!(
        header(&subscribe, HeaderName::To),
        "<sip:chat-42@conf.example.com>"
    );
    assert_eq!(header(&subscribe, HeaderName::CSeq), "1 SUBSCRIBE");
    assert_eq!(
        header(&subscribe, HeaderName::Contact),
        "<sip:alice@192.0.2.1;transport=tcp>"
    );
    assert_eq!(header(&subscribe, HeaderName::Event), "conference");
    assert_eq!(header(&subscribe, HeaderName::Expires), "600");
    assert_eq!(header(&subscribe, HeaderName::Accept), CONF_INFO);
    assert_eq!(
        header(&subscribe, HeaderName::CallId).as_bytes(),
        net.alice.call_id()
    );
    assert_eq!(net.alice.state(), SubscriberState::NotifyWait);
    // Timer N runs until a NOTIFY comes.
    assert_eq!(net.alice.poll_timeout(), Some(net.at(32)));

    net.run();
    let ok = net.room_sent[0].as_response().unwrap().clone();
    assert_eq!(ok.code(), 200);
    assert_eq!(header(&net.room_sent[0], HeaderName::Expires), "600");
    assert_eq!(
        header(&net.room_sent[0], HeaderName::Contact),
        "<sip:chat-42@conf.example.com;transport=tcp>;isfocus"
    );
    let to: To = ok.headers().typed().unwrap().unwrap();
    assert_eq!(to.tag_bytes().as_ref(), Some(&net.room().id().local_tag));

    let notify = net.room_sent[1].clone();
    let n = notify.as_request().unwrap();
    assert_eq!(n.method(), &Method::Notify);
    assert_eq!(n.uri_bytes(), "sip:alice@192.0.2.1;transport=tcp");
    assert_eq!(n.validate(), Ok(()));
    assert_eq!(header(&notify, HeaderName::Event), "conference");
    assert_eq!(
        header(&notify, HeaderName::SubscriptionState),
        "active;expires=600"
    );
    assert_eq!(header(&notify, HeaderName::ContentType), CONF_INFO);
    assert_eq!(header(&notify, HeaderName::CSeq), "1 NOTIFY");
    assert_eq!(
        header(&notify, HeaderName::Contact),
        "<sip:chat-42@conf.example.com;transport=tcp>;isfocus"
    );
    assert_eq!(n.body(), doc(1).bytes);

    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(
        net.alice_events[0],
        SubscriberEvent::StateChanged {
            state: SubscriberState::Active
        }
    );
    assert_eq!(net.notifications().len(), 1);
    assert_eq!(net.notifications()[0].body(), doc(1).bytes);
    // Alice's 200 to the NOTIFY reached the room, which stays active.
    assert_eq!(net.alice_sent.len(), 2);
    assert_eq!(net.alice_sent[1].as_response().unwrap().code(), 200);
    assert_eq!(net.room().state(), NotifierState::Active);
    assert!(net.room_events.is_empty());
    // Both sides share the dialog.
    let alice_dialog = net.alice.dialog().unwrap().id().clone();
    let room_dialog = net.room().id().clone();
    assert_eq!(alice_dialog.call_id, room_dialog.call_id);
    assert_eq!(alice_dialog.local_tag, room_dialog.remote_tag);
    assert_eq!(alice_dialog.remote_tag, room_dialog.local_tag);
}

// RFC 6665 §4.1.2.4: the NOTIFY overtakes the 200; the NOTIFY creates the dialog, the 200
// then joins it.
#[test]
fn notify_before_200() {
    let mut net = Net::new(alice_config(600), focus_config());
    assert!(net.deliver_to_room());
    assert_eq!(net.to_alice.len(), 2);
    net.to_alice.swap(0, 1);
    assert!(net.deliver_to_alice()); // the NOTIFY
    assert_eq!(net.alice.state(), SubscriberState::Active);
    let d = net.alice.dialog().expect("the NOTIFY made the dialog");
    assert_eq!(d.remote_seq(), Some(1));
    assert_eq!(d.local_seq(), Some(1));
    assert_eq!(
        d.remote_target().to_string(),
        "sip:chat-42@conf.example.com;transport=tcp"
    );
    // Answered 200 at once.
    assert_eq!(
        net.alice_sent.last().unwrap().as_response().unwrap().code(),
        200
    );
    net.run(); // the 200 to the SUBSCRIBE
    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(net.alice.expires_at(), Some(net.at(600)));
    assert_eq!(net.notifications().len(), 1);
    assert!(net.alice_terminated().is_none());
    // The refresh goes in the dialog the NOTIFY made.
    net.advance(net.at(540));
    let refresh = request_of(net.to_room[0].clone());
    let cseq: CSeq = refresh.headers().typed().unwrap().unwrap();
    assert_eq!(cseq.seq(), 2);
    net.run();
    assert_eq!(net.room_events, [NotifierEvent::Refreshed { expires: 600 }]);
}

// --- refreshes ------------------------------------------------------------------------------

#[test]
fn refresh_before_expiry() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    // 60 s before the 600 s run out.
    assert_eq!(net.alice.refresh_at(), Some(net.at(540)));
    assert_eq!(net.next_timeout(), Some(net.at(540)));
    // Early timeouts do nothing.
    net.advance(net.at(539));
    assert!(net.to_room.is_empty());

    net.advance(net.at(540));
    let refresh = request_of(net.to_room[0].clone());
    assert_eq!(refresh.method(), &Method::Subscribe);
    assert_eq!(refresh.validate(), Ok(()));
    let cseq: CSeq = refresh.headers().typed().unwrap().unwrap();
    assert_eq!(cseq.seq(), 2);
    let to: To = refresh.headers().typed().unwrap().unwrap();
    assert_eq!(to.tag_bytes().as_ref(), Some(&net.room().id().local_tag));
    assert_eq!(
        refresh.uri_bytes(),
        "sip:chat-42@conf.example.com;transport=tcp"
    );
    let expires: Expires = refresh.headers().typed().unwrap().unwrap();
    assert_eq!(expires.value(), 600);
    assert_eq!(
        header(&Message::Request(refresh), HeaderName::Event),
        "conference"
    );

    net.run();
    assert_eq!(net.room_events, [NotifierEvent::Refreshed { expires: 600 }]);
    // RFC 6665 §4.2.1.2: the refresh is followed by a NOTIFY with the current state.
    let now = net.now;
    net.room().notify(now, Some(doc(2))).unwrap();
    net.drain();
    net.run();
    let notes = net.notifications();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1].body(), doc(2).bytes);
    assert_eq!(sub_state(&notes[1]).expires(), Some(600));
    // The next round: expiry at 1140, refresh at 1080; the room expires at 1140 too.
    assert_eq!(net.alice.expires_at(), Some(net.at(1140)));
    assert_eq!(net.alice.refresh_at(), Some(net.at(1080)));
    assert_eq!(net.room().expires_at(), Some(net.at(1140)));
    net.advance(net.at(1080));
    assert_eq!(net.to_room.len(), 1);
}

#[test]
fn short_and_shortened_subscriptions() {
    // 100 s is refreshed half-way.
    let mut net = Net::new(alice_config(100), focus_config());
    net.run();
    assert_eq!(net.alice.refresh_at(), Some(net.at(50)));

    // The notifier grants at most 300 s; the NOTIFY's expires agrees.
    let mut room = focus_config();
    room.max_expires = 300;
    let mut net = Net::new(alice_config(600), room);
    net.run();
    assert_eq!(header(&net.room_sent[0], HeaderName::Expires), "300");
    assert_eq!(sub_state(&net.notifications()[0]).expires(), Some(300));
    assert_eq!(net.alice.expires_at(), Some(net.at(300)));
    assert_eq!(net.alice.refresh_at(), Some(net.at(240)));
}

// RFC 6665 §4.1.2.2: a refresh that fails with anything but 481 leaves the subscription
// until it expires.
#[test]
fn failed_refresh_lets_the_subscription_expire() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    net.advance(net.at(540));
    let refresh = request_of(net.to_room.pop_front().unwrap());
    let busy = Response::for_request(&refresh, 500, &mut SeededIds::new(3))
        .build()
        .unwrap();
    net.alice.handle_response(net.now, &busy);
    net.drain();
    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(net.next_timeout(), Some(net.at(600)));
    // The subscriber side expires by itself (the room's final NOTIFY then finds no one).
    net.alice.handle_timeout(net.at(600));
    net.drain();
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Expired)
    );
    assert_eq!(net.alice.state(), SubscriberState::Terminated);
    assert_eq!(net.alice.poll_timeout(), None);
}

#[test]
fn refresh_answered_481_ends_the_subscription() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    net.advance(net.at(540));
    let refresh = request_of(net.to_room.pop_front().unwrap());
    let gone = Response::for_request(&refresh, 481, &mut SeededIds::new(3))
        .build()
        .unwrap();
    net.alice.handle_response(net.now, &gone);
    net.drain();
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Rejected { status: 481 })
    );
}

// --- expiry and termination ----------------------------------------------------------------

// RFC 6665 §4.2.1.4: no refresh reaches the notifier; at the expiry it sends
// `terminated;reason=timeout`.
#[test]
fn notifier_expiry_sends_terminated_timeout() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    net.advance(net.at(540));
    net.to_room.clear(); // the refresh is lost
    // The room's clock runs first.
    let t = net.at(600);
    net.now = t;
    net.room().handle_timeout(t);
    net.drain();
    assert_eq!(
        net.room_events,
        [NotifierEvent::Terminated {
            reason: NotifierTermination::Expired
        }]
    );
    assert_eq!(net.room().state(), NotifierState::Terminated);
    net.run();
    let last = net.notifications().pop().unwrap();
    assert_eq!(
        header(&Message::Request(last), HeaderName::SubscriptionState),
        "terminated;reason=timeout"
    );
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Notified {
            reason: Some(Bytes::from_static(b"timeout")),
            retry_after: None
        })
    );
}

#[test]
fn termination_with_reason() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    let now = net.at(10);
    net.now = now;
    net.room()
        .terminate(now, Some("noresource"), Some(30), Some(doc(2)))
        .unwrap();
    net.drain();
    net.run();
    let last = net.notifications().pop().unwrap();
    assert_eq!(
        header(
            &Message::Request(last.clone()),
            HeaderName::SubscriptionState
        ),
        "terminated;reason=noresource;retry-after=30"
    );
    assert_eq!(last.body(), doc(2).bytes);
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Notified {
            reason: Some(Bytes::from_static(b"noresource")),
            retry_after: Some(30)
        })
    );
    // The notification comes before the termination.
    assert!(matches!(
        net.alice_events[net.alice_events.len() - 2],
        SubscriberEvent::Notification { .. }
    ));
    assert_eq!(
        net.room_events,
        [NotifierEvent::Terminated {
            reason: NotifierTermination::Local
        }]
    );
    assert_eq!(
        net.room().notify(now, None),
        Err(SubscriptionError::Terminated)
    );
    assert_eq!(net.alice.refresh(now), Err(SubscriptionError::Terminated));
    assert_eq!(net.next_timeout(), None);
}

// RFC 6665 §4.1.2.3: unsubscribing is a SUBSCRIBE with Expires: 0, answered by a final
// NOTIFY.
#[test]
fn unsubscribe_with_expires_0() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    let now = net.at(100);
    net.now = now;
    net.alice.unsubscribe(now).unwrap();
    net.drain();
    let unsub = net.to_room[0].clone();
    assert_eq!(header(&unsub, HeaderName::Expires), "0");
    assert_eq!(header(&unsub, HeaderName::CSeq), "2 SUBSCRIBE");
    assert_eq!(net.alice.refresh_at(), None);
    net.run();
    let ok = net
        .room_sent
        .iter()
        .rev()
        .find_map(Message::as_response)
        .unwrap();
    assert_eq!(
        header(&Message::Response(ok.clone()), HeaderName::Expires),
        "0"
    );
    let last = net.notifications().pop().unwrap();
    assert_eq!(sub_state(&last).state(), &SubState::Terminated);
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Notified {
            reason: None,
            retry_after: None
        })
    );
    assert_eq!(
        net.room_events,
        [NotifierEvent::Terminated {
            reason: NotifierTermination::Unsubscribed
        }]
    );

    // Without a final NOTIFY, Timer N ends it.
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    net.alice.unsubscribe(net.at(100)).unwrap();
    net.drain();
    net.deliver_to_room(); // 200 and the final NOTIFY ...
    net.to_alice.retain(|m| m.as_request().is_none()); // ... which is lost
    net.run();
    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(net.alice.poll_timeout(), Some(net.at(132)));
    net.advance(net.at(132));
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Unsubscribed)
    );
}

// RFC 6665 §4.4.3: a SUBSCRIBE with Expires: 0 is a fetch: one NOTIFY with the state, and
// the subscription ends.
#[test]
fn fetch_with_expires_0() {
    let mut net = Net::new(alice_config(0), focus_config());
    net.run();
    let notes = net.notifications();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body(), doc(1).bytes);
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Notified {
            reason: Some(Bytes::from_static(b"timeout")),
            retry_after: None
        })
    );
    assert_eq!(
        net.room_events,
        [NotifierEvent::Terminated {
            reason: NotifierTermination::Unsubscribed
        }]
    );
}

#[test]
fn pending_then_active() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.pending_accept = true;
    net.run();
    assert_eq!(net.alice.state(), SubscriberState::Pending);
    let first = net.notifications().pop().unwrap();
    assert_eq!(
        header(
            &Message::Request(first.clone()),
            HeaderName::SubscriptionState
        ),
        "pending;expires=600"
    );
    assert!(first.body().is_empty());
    let now = net.at(5);
    net.now = now;
    net.room().activate(now, Some(doc(1))).unwrap();
    net.drain();
    net.run();
    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(
        header(
            &Message::Request(net.notifications().pop().unwrap()),
            HeaderName::SubscriptionState
        ),
        "active;expires=595"
    );
    let changes: Vec<_> = net
        .alice_events
        .iter()
        .filter_map(|e| match e {
            SubscriberEvent::StateChanged { state } => Some(*state),
            _ => None,
        })
        .collect();
    assert_eq!(changes, [SubscriberState::Pending, SubscriberState::Active]);
}

// --- refusals -------------------------------------------------------------------------------

// RFC 6665 §4.2.1.1: a duration below the minimum gets 423 with Min-Expires; the subscriber
// asks again for that much, in the same Call-ID with the next CSeq.
#[test]
fn interval_too_brief_is_retried() {
    let mut room = focus_config();
    room.min_expires = 900;
    let mut net = Net::new(alice_config(600), room);
    net.run();
    let refused = net.room_sent[0].as_response().unwrap();
    assert_eq!(refused.code(), 423);
    let min: MinExpires = refused.headers().typed().unwrap().unwrap();
    assert_eq!(min.value(), 900);
    let retry = net.alice_sent[1].clone();
    assert_eq!(header(&retry, HeaderName::Expires), "900");
    assert_eq!(header(&retry, HeaderName::CSeq), "2 SUBSCRIBE");
    assert_eq!(
        header(&retry, HeaderName::CallId),
        header(&net.alice_sent[0], HeaderName::CallId)
    );
    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(net.alice.expires_at(), Some(net.at(900)));
    // Refreshes ask for the notifier's minimum from then on.
    net.advance(net.at(840));
    assert_eq!(header(&net.to_room[0], HeaderName::Expires), "900");
    net.run();
    assert_eq!(net.room_events, [NotifierEvent::Refreshed { expires: 900 }]);
}

#[test]
fn unknown_event_package_gets_489() {
    let mut room = focus_config();
    room.package = "presence".to_owned();
    let mut net = Net::new(alice_config(600), room);
    net.run();
    let refused = &net.room_sent[0];
    assert_eq!(refused.as_response().unwrap().code(), 489);
    assert_eq!(header(refused, HeaderName::AllowEvents), "presence");
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Rejected { status: 489 })
    );
}

// RFC 6665 §4.1.2.4: no NOTIFY within Timer N of the SUBSCRIBE: the subscription failed.
#[test]
fn timer_n_without_notify() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.deliver_to_room();
    net.to_alice.retain(|m| m.as_response().is_some()); // the NOTIFY is lost
    net.run();
    assert_eq!(net.alice.state(), SubscriberState::NotifyWait);
    assert_eq!(net.next_timeout(), Some(net.at(32)));
    net.advance(net.at(32));
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::NoNotify)
    );
}

#[test]
fn a_subscribe_that_times_out_is_a_408() {
    let mut net = Net::new(alice_config(600), focus_config());
    let subscribe = request_of(net.to_room.pop_front().unwrap());
    net.alice.handle_request_failed(net.at(32), &subscribe);
    net.drain();
    assert_eq!(
        net.alice_terminated(),
        Some(&SubscriberTermination::Rejected { status: 408 })
    );
}

// --- checks on incoming NOTIFY requests --------------------------------------------------

/// `notify` with `from` replaced by `to` in its text.
fn edited(notify: &Request, from: &str, to: &str) -> Request {
    let text = String::from_utf8_lossy(notify.as_bytes()).replace(from, to);
    request_of(Message::parse_datagram(Bytes::from(text)).unwrap())
}

#[test]
fn incoming_notify_checks() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    let notify = request_of(net.room_sent[1].clone());
    let now = net.now;
    let answer = |net: &mut Net, r: &Request| -> u16 {
        net.alice.handle_request(now, r);
        net.alice
            .poll_transmit()
            .unwrap()
            .as_response()
            .unwrap()
            .code()
    };
    // Same CSeq again is in order; then a newer one; then the older one is out of order.
    let n2 = edited(&notify, "1 NOTIFY", "2 NOTIFY");
    assert_eq!(answer(&mut net, &n2), 200);
    assert_eq!(answer(&mut net, &notify), 500);
    let n3 = edited(&notify, "1 NOTIFY", "3 NOTIFY");
    assert_eq!(
        answer(
            &mut net,
            &edited(&n3, "Event: conference", "Event: presence")
        ),
        489
    );
    assert_eq!(
        answer(
            &mut net,
            &edited(&n3, "Event: conference", "Event: conference;id=7")
        ),
        489
    );
    assert_eq!(
        answer(
            &mut net,
            &edited(&n3, "Subscription-State: active;expires=600\r\n", "")
        ),
        400
    );
    let tag = String::from_utf8(net.alice.local_tag().to_vec()).unwrap();
    assert_eq!(
        answer(
            &mut net,
            &edited(&n3, &format!("tag={tag}"), "tag=someone-else")
        ),
        481
    );
    assert_eq!(
        answer(&mut net, &edited(&n3, "NOTIFY sip", "MESSAGE sip").clone()),
        405
    );
    // None of these changed the subscription.
    assert_eq!(net.alice.state(), SubscriberState::Active);
    assert_eq!(net.alice.dialog().unwrap().remote_seq(), Some(2));
}

// RFC 6665 §4.2.2: a NOTIFY answered 481, or failing without Retry-After, ends the
// subscription at the notifier; a failure with Retry-After does not.
#[test]
fn failed_notify_ends_the_subscription() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    let now = net.now;
    net.room().notify(now, Some(doc(2))).unwrap();
    let notify = request_of(net.room().poll_transmit().unwrap());
    let mut ids = SeededIds::new(4);
    let later = Response::for_request(&notify, 503, &mut ids)
        .typed(&RetryAfter::new(5))
        .build()
        .unwrap();
    net.room().handle_response(now, &later);
    assert_eq!(net.room().state(), NotifierState::Active);
    let gone = Response::for_request(&notify, 481, &mut ids)
        .build()
        .unwrap();
    net.room().handle_response(now, &gone);
    assert_eq!(net.room().state(), NotifierState::Terminated);
    assert_eq!(
        net.room().poll_event(),
        Some(NotifierEvent::Terminated {
            reason: NotifierTermination::NotifyFailed { status: 481 }
        })
    );

    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    let now = net.now;
    net.room().notify(now, None).unwrap();
    let notify = request_of(net.room().poll_transmit().unwrap());
    net.room().handle_request_failed(now, &notify);
    assert_eq!(
        net.room().poll_event(),
        Some(NotifierEvent::Terminated {
            reason: NotifierTermination::NotifyFailed { status: 408 }
        })
    );
}

#[test]
fn notifier_refuses_what_is_not_its_subscription() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.run();
    // A refresh for another event id: 489; one that is too short: 423 with Min-Expires.
    let now = net.now;
    net.alice.refresh(now).unwrap();
    net.drain();
    let refresh = request_of(net.to_room.pop_front().unwrap());
    let wrong = edited(&refresh, "Event: conference", "Event: conference;id=2");
    net.room().handle_request(now, &wrong);
    let r = net.room().poll_transmit().unwrap();
    assert_eq!(r.as_response().unwrap().code(), 489);
    let brief = edited(&refresh, "Expires: 600", "Expires: 5");
    let brief = edited(&brief, "2 SUBSCRIBE", "3 SUBSCRIBE");
    net.room().handle_request(now, &brief);
    let r = net.room().poll_transmit().unwrap();
    assert_eq!(r.as_response().unwrap().code(), 423);
    // The first refresh, now older than the one the dialog saw: 500.
    net.room().handle_request(now, &refresh);
    let r = net.room().poll_transmit().unwrap();
    assert_eq!(r.as_response().unwrap().code(), 500);
    assert!(net.room().poll_event().is_none());
}

// RFC 6665 §4.1.4: a forked SUBSCRIBE; the first dialog (here made by a NOTIFY) wins, the
// other fork's 2xx is ignored and its NOTIFY gets 481.
#[test]
fn forked_subscribe_keeps_the_first_dialog() {
    let mut net = Net::new(alice_config(600), focus_config());
    net.deliver_to_room();
    let ok = net.to_alice.pop_front().unwrap();
    let notify = net.to_alice.pop_front().unwrap();
    let tag = String::from_utf8(net.room().id().local_tag.to_vec()).unwrap();
    let fork = |m: &Message| {
        let text = String::from_utf8_lossy(m.as_bytes()).replace(&tag, "fork-a");
        Message::parse_datagram(Bytes::from(text)).unwrap()
    };
    let now = net.now;
    net.alice.handle_request(now, notify.as_request().unwrap());
    net.alice
        .handle_response(now, fork(&ok).as_response().unwrap());
    net.alice
        .handle_request(now, fork(&notify).as_request().unwrap());
    net.drain();
    let answers: Vec<u16> = net
        .alice_sent
        .iter()
        .filter_map(Message::as_response)
        .map(Response::code)
        .collect();
    assert_eq!(answers, [200, 481]);
    assert_eq!(net.alice.expires_at(), Some(net.at(600)), "from the NOTIFY");
    // The awaited 2xx (of the NOTIFY's fork) still counts.
    net.alice.handle_response(now, ok.as_response().unwrap());
    assert_eq!(net.alice.state(), SubscriberState::Active);
    let room_tag = net.room().id().local_tag.clone();
    assert_eq!(net.alice.dialog().unwrap().id().remote_tag, room_tag);
    net.drain();
    assert!(net.alice_terminated().is_none());
}

proptest::proptest! {
    // Whatever the duration and the margin, a subscriber whose messages get through
    // refreshes before the notifier's expiry: the subscription never ends, each refresh is
    // followed by a NOTIFY, and time only moves forward.
    #[test]
    fn refreshes_keep_the_subscription_alive(
        expires in 60u32..7200,
        margin in 1u64..600,
        rounds in 1usize..12,
    ) {
        let mut config = alice_config(expires);
        config.refresh_margin = secs(margin);
        let mut net = Net::new(config, focus_config());
        net.run();
        let mut last = net.now;
        for _ in 0..rounds {
            let t = net.next_timeout().unwrap();
            proptest::prop_assert!(t >= last);
            last = t;
            net.advance(t);
            net.run();
            if let Some(NotifierEvent::Refreshed { expires: granted }) = net.room_events.pop() {
                proptest::prop_assert_eq!(granted, expires.min(3600));
                let now = net.now;
                net.room().notify(now, Some(doc(2))).unwrap();
                net.drain();
                net.run();
            }
            proptest::prop_assert!(net.alice_terminated().is_none());
            proptest::prop_assert!(net.room_events.is_empty(), "{:?}", net.room_events);
            proptest::prop_assert_eq!(net.alice.state(), SubscriberState::Active);
            proptest::prop_assert!(net.alice.expires_at() > net.alice.refresh_at());
        }
    }
}
