//! Unit tests of the helpers shared by the subscriber and the notifier.

use std::time::Duration;

use bytes::Bytes;

use super::*;
use crate::header::TypedHeader;

fn event(s: &'static str) -> Event {
    Event::parse(&Bytes::from_static(s.as_bytes())).unwrap()
}

// RFC 6665 §8.2.1: type and id byte for byte; other parameters do not count; an id never
// matches its absence.
#[test]
fn events_match_by_type_and_id() {
    assert!(same_event(&event("conference"), &event("conference")));
    assert!(same_event(
        &event("foo;id=1234"),
        &event("foo;param=abcd;id=1234")
    ));
    assert!(!same_event(&event("foo;id=1234"), &event("Foo;id=1234")));
    assert!(!same_event(&event("foo;id=1234"), &event("foo")));
    assert!(!same_event(&event("foo;id=1"), &event("foo;id=2")));
    assert!(!same_event(&event("presence"), &event("presence.winfo")));
}

#[test]
fn refresh_delays() {
    let m = Duration::from_secs(60);
    assert_eq!(
        refresh_delay(Duration::from_secs(3600), m),
        Duration::from_secs(3540)
    );
    assert_eq!(
        refresh_delay(Duration::from_secs(120), m),
        Duration::from_secs(60)
    );
    assert_eq!(
        refresh_delay(Duration::from_secs(100), m),
        Duration::from_secs(50)
    );
    assert_eq!(
        refresh_delay(Duration::from_secs(1), m),
        Duration::from_millis(500)
    );
    assert_eq!(refresh_delay(Duration::ZERO, m), Duration::ZERO);
}

#[test]
fn bodies() {
    let b = Body::new("application/conference-info+xml", "<conference-info/>");
    assert_eq!(b.content_type, "application/conference-info+xml");
    assert_eq!(b.bytes, "<conference-info/>");
}

// A host may move the machines across threads (a tokio task per connection).
#[test]
fn machines_are_send() {
    fn send<T: Send + 'static>() {}
    send::<Subscriber>();
    send::<Notifier>();
    send::<crate::dialog::Dialog>();
    send::<crate::dialog::SessionTimer>();
}
