//! The RFC 3903 `Publisher` (REQ: PRES-1) driven by an arbitrary list of operations:
//! publications (refreshed or once) for a few presentities, removals, the server's answers
//! to the requests in flight (2xx with or without SIP-ETag and Expires, 412, 423 with or
//! without Min-Expires, other failures, built from templates with fuzzed fields, and raw
//! bytes), transaction failures and time passing.
//!
//! Never a panic; every request it sends parses again and is a PUBLISH; a timeout is never
//! left in the past after `handle_timeout`; at most one request per presentity is in flight.
#![no_main]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_focus::presence::{Keep, Publisher, PublisherConfig};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::{HeaderName, Message, Method, Request, Response, SeededIds};

const PRESENTITIES: [&str; 3] = ["sip:alice@example.com", "sip:bob@example.com", "not a uri"];

#[derive(Arbitrary, Debug)]
enum Op {
    Publish { who: u8, once: bool, body: Vec<u8> },
    Remove { who: u8 },
    Answer(Answer),
    Raw { index: u8, bytes: Vec<u8> },
    Failed { index: u8, status: u16 },
    Advance { millis: u32 },
}

#[derive(Arbitrary, Debug)]
struct Answer {
    index: u8,
    code: u16,
    etag: Option<String>,
    expires: Option<u32>,
    min_expires: Option<u32>,
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-._~".contains(*c))
        .take(32)
        .collect()
}

fuzz_target!(|ops: Vec<Op>| {
    let mut config = PublisherConfig::new(
        SentBy::new("TCP", "focus.example.com", None),
        Box::new(SeededIds::new(3)),
    );
    config.expires = 600;
    config.max_publications = 2;
    let mut p = Publisher::new(config);
    let mut now = Instant::now();
    let mut sent: Vec<Request> = Vec::new();
    for op in ops.iter().take(128) {
        match op {
            Op::Publish { who, once, body } => {
                let who = PRESENTITIES[usize::from(*who) % PRESENTITIES.len()];
                let keep = if *once { Keep::Once } else { Keep::Refresh };
                let _ = p.publish(
                    now,
                    who,
                    "application/pidf+xml",
                    Bytes::copy_from_slice(body),
                    keep,
                );
            }
            Op::Remove { who } => {
                let _ = p.remove(now, PRESENTITIES[usize::from(*who) % PRESENTITIES.len()]);
            }
            Op::Answer(a) => {
                if sent.is_empty() {
                    continue;
                }
                let request = sent[usize::from(a.index) % sent.len()].clone();
                let code = 100 + a.code % 600;
                let mut b = Response::for_request(&request, code, &mut SeededIds::new(9));
                if let Some(tag) = &a.etag {
                    b = b.header_named("SIP-ETag", clean(tag));
                }
                if let Some(e) = a.expires {
                    b = b.header(HeaderName::Expires, e);
                }
                if let Some(m) = a.min_expires {
                    b = b.header_named("Min-Expires", m.to_string());
                }
                if let Ok(r) = b.build() {
                    if let Ok(Message::Response(r)) = Message::parse_datagram(r.as_bytes().clone())
                    {
                        p.handle_response(now, &r);
                    }
                }
            }
            Op::Raw { index, bytes } => {
                if let Ok(Message::Response(r)) =
                    Message::parse_datagram(Bytes::copy_from_slice(bytes))
                {
                    let _ = index;
                    p.handle_response(now, &r);
                }
            }
            Op::Failed { index, status } => {
                if !sent.is_empty() {
                    let request = sent[usize::from(*index) % sent.len()].clone();
                    p.handle_request_failed(now, &request, *status);
                }
            }
            Op::Advance { millis } => {
                now += Duration::from_millis(u64::from(*millis % 4_000_000));
                p.handle_timeout(now);
                if let Some(t) = p.poll_timeout() {
                    assert!(t > now, "a timeout stays in the past");
                }
            }
        }
        let mut in_flight: HashMap<Vec<u8>, usize> = HashMap::new();
        while let Some(r) = p.poll_request() {
            assert_eq!(*r.method(), Method::Publish);
            let again = Message::parse_datagram(r.as_bytes().clone());
            assert!(
                again.is_ok(),
                "a PUBLISH that does not parse: {:?}",
                r.as_bytes()
            );
            *in_flight.entry(r.uri_bytes().to_vec()).or_default() += 1;
            if sent.len() >= 8 {
                sent.remove(0);
            }
            sent.push(r);
        }
        assert!(
            in_flight.values().all(|n| *n <= 1),
            "two PUBLISHes at once for one presentity"
        );
        while p.poll_event().is_some() {}
    }
});
