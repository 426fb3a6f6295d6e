//! Session timers (RFC 4028; REQ: FOC-9, CLI-1, CLI-3): 422 and Min-SE, the refresher table
//! of §9, the UAC's reading of a 2xx, and refresh and expiry times under a simulated clock (a
//! base `Instant` plus offsets, never sleeping), alone and over a dialog.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::dialog::{
    Dialog, DialogError, Negotiated, Role, SentBy, SessionTimer, SessionTimerConfig,
    SessionTimerEvent, TimerRequest, UasDecision,
};
use simpleim_sip::header::{MinSe, Refresher, SessionExpires};
use simpleim_sip::{
    HeaderName, Message, Method, NameAddr, Request, RequestBuilder, Response, SeededIds, Uri,
};

fn epoch() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn addr(uri: &'static str) -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::from_static(uri.as_bytes())).unwrap())
}

/// An INVITE from the client to the conference, with the given extra headers.
fn invite_with(extra: &[(&str, &str)]) -> Request {
    let mut b = Request::builder(Method::Invite, "sip:chat-42@conf.example.com")
        .header(HeaderName::Via, "SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKst1")
        .header(HeaderName::MaxForwards, 70)
        .header(HeaderName::From, "<sip:alice@example.com>;tag=a1")
        .header(HeaderName::To, "<sip:chat-42@conf.example.com>")
        .header(HeaderName::CallId, "st-1")
        .header(HeaderName::CSeq, "1 INVITE")
        .header(HeaderName::Contact, "<sip:alice@192.0.2.1;transport=tcp>");
    for (name, value) in extra {
        b = b.header_named(name, value);
    }
    b.build().unwrap()
}

fn header(m: &Message, name: HeaderName) -> Option<String> {
    m.headers()
        .get(name)
        .map(|f| String::from_utf8(f.value().to_vec()).unwrap())
}

fn accepted(d: UasDecision) -> Negotiated {
    match d {
        UasDecision::Accept(n) => n,
        UasDecision::TooSmall { min_se } => panic!("422 with Min-SE {min_se}"),
    }
}

/// The 2xx of a UAS that accepted with `n`.
fn ok_with(req: &Request, n: &Negotiated) -> Response {
    n.apply_to_response(Response::for_request(req, 200, &mut SeededIds::new(1)))
        .build()
        .unwrap()
}

// --- RFC 4028 §9 --------------------------------------------------------------------------

// The refresher table of §9, row by row, with the Require: timer rule.
#[test]
fn refresher_table_of_section_9() {
    let config = SessionTimerConfig::default();
    // (UAC supports?, refresher in the request) -> refresher in the response, Require: timer.
    let rows: [(bool, Option<&str>, Refresher, bool); 4] = [
        (false, None, Refresher::Uas, false),
        (true, None, Refresher::Uas, true),
        (true, Some("uac"), Refresher::Uac, true),
        (true, Some("uas"), Refresher::Uas, true),
    ];
    for (supports, asked, refresher, require) in rows {
        let se = asked.map_or_else(|| "1800".to_owned(), |r| format!("1800;refresher={r}"));
        let mut extra = vec![("Session-Expires", se.as_str())];
        if supports {
            extra.push(("Supported", "timer"));
        }
        let req = invite_with(&extra);
        let n = accepted(config.negotiate_uas(&req).unwrap());
        assert_eq!(n.refresher, refresher, "{supports} {asked:?}");
        assert_eq!(n.role, Role::Uas);
        assert_eq!(n.interval, 1800);
        let ok = Message::from(ok_with(&req, &n));
        assert_eq!(
            header(&ok, HeaderName::SessionExpires).unwrap(),
            format!("1800;refresher={}", refresher.as_str())
        );
        assert_eq!(
            header(&ok, HeaderName::Require).is_some(),
            require,
            "{supports} {asked:?}"
        );
        assert_eq!(n.local_refresher(), refresher == Refresher::Uas);
    }
    // Row 2 leaves the choice to the UAS: this one prefers the UAC to refresh.
    let mut config = SessionTimerConfig::default();
    config.answer_refresher = Refresher::Uac;
    let req = invite_with(&[("Supported", "timer")]);
    let n = accepted(config.negotiate_uas(&req).unwrap());
    assert_eq!(n.refresher, Refresher::Uac);
    assert!(!n.local_refresher());
    let ok = Message::from(ok_with(&req, &n));
    assert_eq!(header(&ok, HeaderName::Require).as_deref(), Some("timer"));
}

// §9: a request asking less than the UAS's Min-SE gets 422 with Min-SE; the UAC retries
// with the 422's value (§7.3).
#[test]
fn too_small_gets_422_and_the_retry_succeeds() {
    let mut uas = SessionTimerConfig::default();
    uas.min_se = 1800;
    let mut uac = SessionTimerConfig::default();
    uac.session_expires = 900;
    let asked = uac.request();
    assert_eq!(
        asked,
        TimerRequest {
            session_expires: 900,
            min_se: 90,
            refresher: Some(Refresher::Uac)
        }
    );
    let mut ids = SeededIds::new(3);
    let build = |t: &TimerRequest, seq: &str| {
        let b: RequestBuilder = Request::builder(Method::Invite, "sip:chat-42@conf.example.com")
            .header(HeaderName::Via, "SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKst2")
            .header(HeaderName::From, "<sip:alice@example.com>;tag=a1")
            .header(HeaderName::To, "<sip:chat-42@conf.example.com>")
            .header(HeaderName::CallId, "st-2")
            .header(HeaderName::CSeq, seq)
            .header(HeaderName::Contact, "<sip:alice@192.0.2.1>")
            .header(HeaderName::Supported, "timer");
        t.apply(b).build().unwrap()
    };
    let first = build(&asked, "1 INVITE");
    let decision = uas.negotiate_uas(&first).unwrap();
    assert_eq!(decision, UasDecision::TooSmall { min_se: 1800 });
    let too_small = decision
        .reject_response(&first, &mut ids)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(too_small.code(), 422);
    let min: MinSe = too_small.headers().typed().unwrap().unwrap();
    assert_eq!(min.delta(), 1800);

    let retry = asked.after_422(&too_small).unwrap();
    assert_eq!(
        retry,
        TimerRequest {
            session_expires: 1800,
            min_se: 1800,
            refresher: Some(Refresher::Uac)
        }
    );
    // Asking again for what was refused would fail the same way.
    assert_eq!(retry.after_422(&too_small), None);
    let second = build(&retry, "2 INVITE");
    assert_eq!(
        Message::from(second.clone())
            .headers()
            .get(HeaderName::MinSe)
            .unwrap()
            .value(),
        "1800"
    );
    let n = accepted(uas.negotiate_uas(&second).unwrap());
    assert_eq!(
        (n.interval, n.refresher, n.min_se),
        (1800, Refresher::Uac, 1800)
    );
    assert_eq!(
        decision.reject_response(&second, &mut ids).map(|_| ()),
        Some(())
    );
    assert!(
        UasDecision::Accept(n)
            .reject_response(&second, &mut ids)
            .is_none()
    );
}

// §9 and erratum 1687: without `timer` support a 422 would fail the call; the interval is
// raised to the Min-SE instead.
#[test]
fn no_422_without_timer_support() {
    let mut uas = SessionTimerConfig::default();
    uas.min_se = 1800;
    let req = invite_with(&[("Session-Expires", "900")]);
    let n = accepted(uas.negotiate_uas(&req).unwrap());
    assert_eq!((n.interval, n.refresher), (1800, Refresher::Uas));
    assert!(!n.uac_supports_timer);
}

// §9: the UAS may lower the interval (not below the request's Min-SE, or 90) but never
// raises it; without Session-Expires it names its own, at least the request's Min-SE.
#[test]
fn the_uas_lowers_but_never_raises() {
    let uas = SessionTimerConfig::default(); // 1800
    let case = |extra: &[(&str, &str)]| accepted(uas.negotiate_uas(&invite_with(extra)).unwrap());
    assert_eq!(
        case(&[("Session-Expires", "7200"), ("Supported", "timer")]).interval,
        1800
    );
    assert_eq!(
        case(&[
            ("Session-Expires", "7200"),
            ("Min-SE", "3600"),
            ("Supported", "timer")
        ])
        .interval,
        3600
    );
    assert_eq!(
        case(&[("Session-Expires", "600"), ("Supported", "timer")]).interval,
        600
    );
    assert_eq!(case(&[("Supported", "timer")]).interval, 1800);
    assert_eq!(
        case(&[("Supported", "timer"), ("Min-SE", "2000")]).interval,
        2000
    );
    assert_eq!(
        case(&[("Supported", "timer"), ("Min-SE", "2000")]).min_se,
        2000
    );
    // Require: timer counts as support.
    assert!(case(&[("Require", "timer")]).uac_supports_timer);
    // Malformed values are the peer's fault: 400.
    let bad = invite_with(&[("Session-Expires", "soon")]);
    assert!(matches!(
        uas.negotiate_uas(&bad),
        Err(DialogError::MalformedHeader {
            name: HeaderName::SessionExpires,
            ..
        })
    ));
}

// §7.2: the UAC reads the interval and the refresher from the 2xx; no Session-Expires, no
// timer.
#[test]
fn uac_reads_the_2xx() {
    let asked = SessionTimerConfig::default().request();
    let req = invite_with(&[]);
    let plain = Response::for_request(&req, 200, &mut SeededIds::new(1))
        .build()
        .unwrap();
    assert_eq!(asked.negotiate_uac(&plain), Ok(None));
    let with = |se: &str| {
        Response::for_request(&req, 200, &mut SeededIds::new(1))
            .header(HeaderName::SessionExpires, se)
            .build()
            .unwrap()
    };
    let n = asked
        .negotiate_uac(&with("1200;refresher=uas"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (n.interval, n.refresher, n.role),
        (1200, Refresher::Uas, Role::Uac)
    );
    assert!(!n.local_refresher());
    // A Session-Expires without refresher (which §9 forbids): this UA refreshes.
    let n = asked.negotiate_uac(&with("1200")).unwrap().unwrap();
    assert!(n.local_refresher());
    assert!(asked.negotiate_uac(&with("x")).is_err());
}

// REQ: CLI-1 — the client's INVITE asks for refresher=uac.
#[test]
fn client_request_headers() {
    let req = SessionTimerConfig::default()
        .request()
        .apply(Request::builder(Method::Invite, "sip:chat@example.com"))
        .build()
        .unwrap();
    let m = Message::from(req);
    assert_eq!(
        header(&m, HeaderName::SessionExpires).as_deref(),
        Some("1800;refresher=uac")
    );
    assert_eq!(header(&m, HeaderName::MinSe).as_deref(), Some("90"));
    let se: SessionExpires = m.headers().typed().unwrap().unwrap();
    assert_eq!(se.refresher(), Some(Refresher::Uac));
}

// --- the timer, under a simulated clock -------------------------------------------------------

fn negotiated(interval: u32, refresher: Refresher, role: Role) -> Negotiated {
    Negotiated {
        interval,
        refresher,
        role,
        min_se: 90,
        uac_supports_timer: true,
    }
}

// §10: the refresher refreshes at half the interval; the session expires at the interval
// minus the smaller of 32 s and a third of it.
#[test]
fn refresh_and_expiry_times() {
    // (interval, refresh after, expiry after): a third of 90 s is under 32 s; a third of 95 s
    // is 31.67 s, so its deadline falls between whole seconds; from 96 s on it is 32 s.
    let cases = [
        (90, secs(45), secs(60)),
        (
            95,
            Duration::from_millis(47_500),
            Duration::from_nanos(63_333_333_334),
        ),
        (100, secs(50), secs(68)),
        (1800, secs(900), secs(1768)),
        (96, secs(48), secs(64)),
    ];
    for (interval, refresh, expiry) in cases {
        let start = epoch();
        let mut t = SessionTimer::new();
        t.handle_negotiated(start, Some(negotiated(interval, Refresher::Uac, Role::Uac)));
        assert_eq!(t.refresh_at(), Some(start + refresh), "{interval}");
        let deadline = start + expiry;
        assert_eq!(t.expires_at(), Some(deadline), "{interval}");
        // The side that does not refresh only expires.
        let mut other = SessionTimer::new();
        other.handle_negotiated(start, Some(negotiated(interval, Refresher::Uac, Role::Uas)));
        assert_eq!(other.refresh_at(), None);
        assert_eq!(other.poll_timeout(), Some(deadline));
    }
}

#[test]
fn refresh_due_then_restart_then_expiry() {
    let start = epoch();
    let n = negotiated(1800, Refresher::Uas, Role::Uas);
    let mut t = SessionTimer::new();
    assert_eq!(t.poll_timeout(), None);
    t.handle_negotiated(start, Some(n));
    assert!(t.is_running());
    // Early: nothing.
    t.handle_timeout(start + secs(899));
    assert_eq!(t.poll_event(), None);
    t.handle_timeout(start + secs(900));
    assert_eq!(t.poll_event(), Some(SessionTimerEvent::RefreshDue));
    assert_eq!(t.poll_event(), None);
    // What the refresh carries (§7.4): this UA refreshes, so refresher=uac in its request.
    assert_eq!(
        t.refresh_request(),
        Some(TimerRequest {
            session_expires: 1800,
            min_se: 90,
            refresher: Some(Refresher::Uac)
        })
    );
    // The refresh succeeds at 905 s: everything counts from there.
    let t1 = start + secs(905);
    t.handle_negotiated(t1, Some(negotiated(1800, Refresher::Uac, Role::Uac)));
    assert_eq!(t.poll_timeout(), Some(t1 + secs(900)));
    // This time the refresh never succeeds: RefreshDue, then Expired at 905 + 1768.
    t.handle_timeout(t1 + secs(900));
    assert_eq!(t.poll_event(), Some(SessionTimerEvent::RefreshDue));
    assert_eq!(t.poll_timeout(), Some(t1 + secs(1768)));
    t.handle_timeout(t1 + secs(1768));
    assert_eq!(t.poll_event(), Some(SessionTimerEvent::Expired));
    assert!(!t.is_running());
    assert_eq!(t.poll_timeout(), None);
    // A late call does nothing more.
    t.handle_timeout(t1 + secs(5000));
    assert_eq!(t.poll_event(), None);
}

#[test]
fn a_refresh_without_session_expires_stops_the_timer() {
    let start = epoch();
    let mut t = SessionTimer::new();
    t.handle_negotiated(start, Some(negotiated(90, Refresher::Uas, Role::Uac)));
    assert!(t.is_running());
    t.handle_negotiated(start + secs(10), None);
    assert!(!t.is_running());
    assert_eq!(t.poll_timeout(), None);
    t.handle_timeout(start + secs(1000));
    assert_eq!(t.poll_event(), None);
}

// --- over a dialog: the client refreshes, the focus watches (REQ: FOC-9, CLI-1) ------------

#[test]
fn session_refreshed_with_update_then_expired() {
    let start = epoch();
    let mut ids = SeededIds::new(11);
    let client_cfg = SessionTimerConfig::default();
    let focus_cfg = SessionTimerConfig::default();
    let client_via = SentBy::new("TCP", "192.0.2.1", None);

    // The client's INVITE: Supported: timer, Session-Expires: 1800;refresher=uac.
    let asked = client_cfg.request();
    let invite = asked
        .apply(
            Request::builder(Method::Invite, "sip:chat-42@conf.example.com")
                .typed(&client_via.via(&mut ids))
                .header(HeaderName::MaxForwards, 70)
                .header(HeaderName::From, "<sip:alice@example.com>;tag=a1")
                .header(HeaderName::To, "<sip:chat-42@conf.example.com>")
                .header(HeaderName::CallId, "st-3")
                .header(HeaderName::CSeq, "1 INVITE")
                .header(HeaderName::Contact, "<sip:alice@192.0.2.1;transport=tcp>")
                .header(HeaderName::Supported, "timer"),
        )
        .build()
        .unwrap();
    // The focus accepts: refresher=uac, Require: timer.
    let mut focus = Dialog::new_uas(
        &invite,
        addr("sip:chat-42@conf.example.com").with_param("isfocus", None),
        &mut ids,
    )
    .unwrap();
    let n = accepted(focus_cfg.negotiate_uas(&invite).unwrap());
    let ok = n
        .apply_to_response(focus.respond(&invite, 200).unwrap())
        .build()
        .unwrap();
    let mut focus_timer = SessionTimer::new();
    focus_timer.handle_negotiated(start, Some(n));
    assert_eq!(focus_timer.refresh_at(), None);

    let mut client = Dialog::new_uac(&invite, &ok).unwrap();
    let mut client_timer = SessionTimer::new();
    client_timer.handle_negotiated(start, asked.negotiate_uac(&ok).unwrap());
    assert_eq!(client_timer.poll_timeout(), Some(start + secs(900)));

    // 900 s: the client refreshes with an UPDATE.
    let t = start + secs(900);
    client_timer.handle_timeout(t);
    assert_eq!(
        client_timer.poll_event(),
        Some(SessionTimerEvent::RefreshDue)
    );
    let refresh = client_timer.refresh_request().unwrap();
    let update = refresh
        .apply(
            client
                .request(Method::Update, &client_via, &mut ids)
                .unwrap()
                .header(HeaderName::Supported, "timer"),
        )
        .build()
        .unwrap();
    assert_eq!(
        header(&Message::from(update.clone()), HeaderName::SessionExpires).as_deref(),
        Some("1800;refresher=uac")
    );
    focus.handle_request(&update).unwrap();
    let n = accepted(focus_cfg.negotiate_uas(&update).unwrap());
    let ok = n
        .apply_to_response(focus.respond(&update, 200).unwrap())
        .build()
        .unwrap();
    focus_timer.handle_negotiated(t, Some(n));
    client.handle_response(&ok).unwrap();
    client_timer.handle_negotiated(t, refresh.negotiate_uac(&ok).unwrap());

    // The client goes silent: at 900 + 1768 s the focus's session expires and it sends BYE.
    assert_eq!(focus_timer.poll_timeout(), Some(t + secs(1768)));
    focus_timer.handle_timeout(t + secs(1767));
    assert_eq!(focus_timer.poll_event(), None);
    focus_timer.handle_timeout(t + secs(1768));
    assert_eq!(focus_timer.poll_event(), Some(SessionTimerEvent::Expired));
    let bye = focus
        .request(
            Method::Bye,
            &SentBy::new("TCP", "conf.example.com", None),
            &mut ids,
        )
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(bye.uri_bytes(), "sip:alice@192.0.2.1;transport=tcp");
}

// REQ: CLI-3 — the client answers the focus's UPDATE with refresher=uas and Require: timer
// when the focus leaves the choice open, and then refreshes itself.
#[test]
fn client_answers_update_as_refresher() {
    let update = Request::builder(Method::Update, "sip:alice@192.0.2.1")
        .header(
            HeaderName::Via,
            "SIP/2.0/TCP conf.example.com;branch=z9hG4bKup",
        )
        .header(HeaderName::From, "<sip:chat-42@conf.example.com>;tag=f1")
        .header(HeaderName::To, "<sip:alice@example.com>;tag=a1")
        .header(HeaderName::CallId, "st-4")
        .header(HeaderName::CSeq, "5 UPDATE")
        .header(
            HeaderName::Contact,
            "<sip:chat-42@conf.example.com>;isfocus",
        )
        .header(HeaderName::Supported, "timer")
        .header(HeaderName::SessionExpires, "1800")
        .build()
        .unwrap();
    let n = accepted(
        SessionTimerConfig::default()
            .negotiate_uas(&update)
            .unwrap(),
    );
    assert!(n.local_refresher());
    let ok = Message::from(ok_with(&update, &n));
    assert_eq!(
        header(&ok, HeaderName::SessionExpires).as_deref(),
        Some("1800;refresher=uas")
    );
    assert_eq!(header(&ok, HeaderName::Require).as_deref(), Some("timer"));
    let start = epoch();
    let mut t = SessionTimer::new();
    t.handle_negotiated(start, Some(n));
    assert_eq!(t.refresh_at(), Some(start + secs(900)));
}
