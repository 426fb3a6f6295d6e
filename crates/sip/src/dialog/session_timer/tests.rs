//! Unit tests of the session-timer negotiation helpers (RFC 4028).

use std::time::Duration;

use bytes::Bytes;

use super::machine::expiry_margin;
use super::*;
use crate::message::Message;

fn request(extra: &str) -> Request {
    let text = format!(
        "UPDATE sip:a@example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK1\r\n\
From: <sip:b@example.com>;tag=b\r\n\
To: <sip:a@example.com>;tag=a\r\n\
Call-ID: st\r\n\
CSeq: 2 UPDATE\r\n\
{extra}Content-Length: 0\r\n\r\n"
    );
    match Message::parse_datagram(Bytes::from(text)) {
        Ok(Message::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

// RFC 4028 §10: min(32 s, interval / 3).
#[test]
fn expiry_margins() {
    assert_eq!(
        expiry_margin(Duration::from_secs(90)),
        Duration::from_secs(30)
    );
    assert_eq!(
        expiry_margin(Duration::from_secs(96)),
        Duration::from_secs(32)
    );
    assert_eq!(
        expiry_margin(Duration::from_secs(1800)),
        Duration::from_secs(32)
    );
    assert_eq!(expiry_margin(Duration::ZERO), Duration::ZERO);
}

// RFC 4028 §4, §5: nothing below 90 s; the interval is at least the Min-SE.
#[test]
fn config_is_normalized() {
    let mut c = SessionTimerConfig {
        min_se: 30,
        session_expires: 60,
        ..SessionTimerConfig::default()
    };
    assert_eq!(c.local_min_se(), MIN_SE_FLOOR);
    assert_eq!(c.local_session_expires(), MIN_SE_FLOOR);
    c.min_se = 600;
    assert_eq!(c.local_session_expires(), 600);
    assert_eq!(c.request().min_se, 600);
}

#[test]
fn timer_support_is_an_option_tag_in_any_case() {
    assert!(supports_timer(
        request("Supported: 100rel, Timer\r\n").headers()
    ));
    assert!(supports_timer(request("Require: timer\r\n").headers()));
    assert!(!supports_timer(request("Supported: 100rel\r\n").headers()));
    assert!(!supports_timer(request("").headers()));
}

#[test]
fn request_headers_without_refresher() {
    let t = TimerRequest {
        session_expires: 600,
        min_se: 120,
        refresher: None,
    };
    let r = t
        .apply(crate::Request::builder(crate::Method::Update, "sip:a@b"))
        .build()
        .unwrap();
    let h = r.headers();
    assert_eq!(
        h.get(crate::HeaderName::SessionExpires).unwrap().value(),
        "600"
    );
    assert_eq!(h.get(crate::HeaderName::MinSe).unwrap().value(), "120");
}

// RFC 4028 §7.3: only a 422 with a usable Min-SE is retried.
#[test]
fn after_422_needs_a_422_with_min_se() {
    let t = SessionTimerConfig::default().request();
    let req = request("");
    let mut ids = crate::SeededIds::new(1);
    let not_422 = Response::for_request(&req, 500, &mut ids)
        .typed(&MinSe::new(1000))
        .build()
        .unwrap();
    assert_eq!(t.after_422(&not_422), None);
    let bare = Response::for_request(&req, 422, &mut ids).build().unwrap();
    assert_eq!(t.after_422(&bare), None);
    let higher = Response::for_request(&req, 422, &mut ids)
        .typed(&MinSe::new(3600))
        .build()
        .unwrap();
    let retry = t.after_422(&higher).unwrap();
    assert_eq!((retry.session_expires, retry.min_se), (3600, 3600));
}

// RFC 4028 §7.4: a UA that does not refresh, sending a refresh, keeps the peer refresher.
#[test]
fn refresh_request_keeps_the_refresher() {
    let n = Negotiated {
        interval: 1200,
        refresher: Refresher::Uac,
        role: Role::Uas,
        min_se: 300,
        uac_supports_timer: true,
    };
    assert!(!n.local_refresher());
    assert_eq!(
        n.refresh_request(),
        TimerRequest {
            session_expires: 1200,
            min_se: 300,
            refresher: Some(Refresher::Uas)
        }
    );
}
