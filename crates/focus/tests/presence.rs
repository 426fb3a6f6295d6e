//! IM presence publication (REQ: PRES-1): the focus as the IM server's Presence Source
//! (availability open on a third-party REGISTER, closed on de-registration and expiry) with
//! RFC 3903 PUBLISH flows — entity tags, refresh as a timer, 412 and 423 — under the
//! simulated clock of `simpleim_test_support::focus_sim`, and the client's willingness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    reason = "test helpers fail the test by panicking, and say why xmllint refused"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use simpleim_cpim::xml::{
    Basic, OMA_IM_SERVICE_ID, OMA_IM_VERSION, PIDF_CONTENT_TYPE, PIDF_NAMESPACE, Presence,
};
use simpleim_focus::PresenceSetup;
use simpleim_focus::client::WillingnessPublisher;
use simpleim_focus::presence::{PublishEvent, PublisherConfig};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::{Message, Method, Request, Response, SeededIds};
use simpleim_test_support::focus_sim::{PROXY, Sim, deferred_setup, third_party_register};

// --- helpers ---------------------------------------------------------------------------------

/// A focus with the deferred service (third-party REGISTER) and the presence source:
/// PUBLISH asks for `expires` seconds and refreshes 60 s before expiry.
fn presence_sim(expires: u32) -> Sim {
    Sim::with_config(|c| {
        c.deferred = Some(deferred_setup());
        let mut publisher = PublisherConfig::new(
            SentBy::new("TCP", "conf.example.com", None),
            Box::new(SeededIds::new(88)),
        );
        publisher.expires = expires;
        publisher.refresh_margin = Duration::from_secs(60);
        c.presence = Some(PresenceSetup::new(publisher));
    })
}

fn register(sim: &mut Sim, user: &str, n: u32, expires: u32) {
    sim.from_proxy(&third_party_register(user, n, expires));
}

/// The PUBLISH requests the focus sent (to the proxy), taken out.
fn take_publishes(sim: &mut Sim) -> Vec<Request> {
    let mut out = Vec::new();
    sim.proxy_in.retain(|m| match m.as_request() {
        Some(r) if *r.method() == Method::Publish => {
            out.push(r.clone());
            false
        }
        _ => true,
    });
    out
}

/// The presence server answers `publish` with `code` (and these header lines).
fn answer(sim: &mut Sim, publish: &Request, code: u16, headers: &[(&str, &str)]) {
    let mut b = Response::for_request(publish, code, &mut SeededIds::new(3));
    for (name, value) in headers {
        b = b.header_named(name, value);
    }
    let r = b.build().unwrap();
    let m = Message::parse_datagram(r.as_bytes().clone()).unwrap();
    sim.focus.handle_sip(sim.now, PROXY, m);
    sim.settle();
}

fn header(r: &Request, name: &str) -> Option<String> {
    r.headers()
        .get_named(name)
        .next()
        .map(|h| String::from_utf8_lossy(&h.value()).into_owned())
}

fn events(sim: &mut Sim) -> Vec<PublishEvent> {
    std::iter::from_fn(|| sim.focus.poll_presence_event()).collect()
}

/// The availability a PUBLISH carries, checked against the seed's shape (seed 004 §8.4.1).
fn availability(publish: &Request, entity: &str) -> Basic {
    assert_eq!(
        header(publish, "Content-Type").as_deref(),
        Some(PIDF_CONTENT_TYPE)
    );
    let doc = Presence::parse(&publish.body()).unwrap();
    assert_eq!(doc.entity, entity);
    assert_eq!(doc.tuples.len(), 1);
    let service = doc.tuples[0].service.as_ref().unwrap();
    assert_eq!(
        (service.service_id.as_str(), service.version.as_str()),
        (OMA_IM_SERVICE_ID, OMA_IM_VERSION)
    );
    doc.im_availability().unwrap()
}

// --- the server's availability ---------------------------------------------------------------

#[test]
fn registration_publishes_open_refreshes_it_and_deregistration_publishes_closed() {
    // REQ: PRES-1 (registration: open; refresh with SIP-If-Match and no body as a timer;
    // de-registration: closed as a modification of the same state)
    let mut sim = presence_sim(600);
    register(&mut sim, "bob", 1, 3600);
    let p = take_publishes(&mut sim);
    assert_eq!(p.len(), 1);
    let first = &p[0];
    assert_eq!(&first.uri_bytes()[..], b"sip:bob@example.com");
    assert_eq!(header(first, "Event").as_deref(), Some("presence"));
    assert_eq!(header(first, "Expires").as_deref(), Some("600"));
    assert_eq!(header(first, "SIP-If-Match"), None);
    assert_eq!(availability(first, "sip:bob@example.com"), Basic::Open);
    answer(
        &mut sim,
        first,
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    assert!(matches!(
        &events(&mut sim)[..],
        [PublishEvent::Published {
            expires: 600,
            refresh: false,
            ..
        }]
    ));

    // A registration refresh publishes nothing.
    register(&mut sim, "bob", 2, 3600);
    assert!(take_publishes(&mut sim).is_empty());

    // 540 s later (60 s before expiry) the publication is refreshed.
    sim.advance(Duration::from_secs(539));
    assert!(take_publishes(&mut sim).is_empty(), "not yet");
    sim.advance(Duration::from_secs(1));
    let p = take_publishes(&mut sim);
    assert_eq!(p.len(), 1);
    assert_eq!(header(&p[0], "SIP-If-Match").as_deref(), Some("e1"));
    assert!(
        p[0].body().is_empty(),
        "a refresh has no body (RFC 3903 §4.3)"
    );
    answer(
        &mut sim,
        &p[0],
        200,
        &[("SIP-ETag", "e2"), ("Expires", "600")],
    );
    assert!(matches!(
        &events(&mut sim)[..],
        [PublishEvent::Published { refresh: true, .. }]
    ));

    // De-registration: closed, modifying the state under e2; then forgotten.
    register(&mut sim, "bob", 3, 0);
    let p = take_publishes(&mut sim);
    assert_eq!(p.len(), 1);
    assert_eq!(header(&p[0], "SIP-If-Match").as_deref(), Some("e2"));
    assert_eq!(availability(&p[0], "sip:bob@example.com"), Basic::Closed);
    answer(&mut sim, &p[0], 200, &[("SIP-ETag", "e3")]);
    assert_eq!(sim.focus.presence_publisher().unwrap().len(), 0);
    sim.advance(Duration::from_secs(3600));
    assert!(
        take_publishes(&mut sim).is_empty(),
        "closed is not refreshed"
    );
}

#[test]
fn an_expired_registration_publishes_closed() {
    // REQ: PRES-1 (expiry of the registration, under the simulated clock), DEF-2
    let mut sim = presence_sim(3600);
    register(&mut sim, "carol", 1, 300);
    let p = take_publishes(&mut sim);
    answer(
        &mut sim,
        &p[0],
        200,
        &[("SIP-ETag", "c1"), ("Expires", "3600")],
    );
    sim.advance(Duration::from_secs(299));
    assert!(take_publishes(&mut sim).is_empty());
    sim.advance(Duration::from_secs(1));
    let p = take_publishes(&mut sim);
    assert_eq!(p.len(), 1);
    assert_eq!(availability(&p[0], "sip:carol@example.com"), Basic::Closed);
    assert_eq!(header(&p[0], "SIP-If-Match").as_deref(), Some("c1"));
}

#[test]
fn a_412_on_refresh_publishes_the_whole_document_again() {
    // REQ: PRES-1 (RFC 3903 §4.1 step 3: the entity tag is unknown, start over)
    let mut sim = presence_sim(600);
    register(&mut sim, "bob", 1, 3600);
    let p = take_publishes(&mut sim);
    answer(
        &mut sim,
        &p[0],
        200,
        &[("SIP-ETag", "e1"), ("Expires", "600")],
    );
    sim.advance(Duration::from_secs(540));
    let p = take_publishes(&mut sim);
    assert_eq!(header(&p[0], "SIP-If-Match").as_deref(), Some("e1"));
    let _ = events(&mut sim);
    answer(&mut sim, &p[0], 412, &[]);
    assert!(matches!(
        &events(&mut sim)[..],
        [PublishEvent::Restarted { presentity }] if presentity == "sip:bob@example.com"
    ));
    let p = take_publishes(&mut sim);
    assert_eq!(p.len(), 1);
    assert_eq!(header(&p[0], "SIP-If-Match"), None, "from scratch");
    assert_eq!(availability(&p[0], "sip:bob@example.com"), Basic::Open);
    answer(&mut sim, &p[0], 200, &[("SIP-ETag", "e9")]);
    assert_eq!(
        sim.focus
            .presence_publisher()
            .unwrap()
            .etag("sip:bob@example.com"),
        Some(&Bytes::from_static(b"e9"))
    );
}

#[test]
fn a_423_is_retried_with_the_min_expires_and_other_failures_are_reported() {
    // REQ: PRES-1 (RFC 3903 §4.1 step 4: 423 Interval Too Brief)
    let mut sim = presence_sim(60);
    register(&mut sim, "bob", 1, 3600);
    let p = take_publishes(&mut sim);
    answer(&mut sim, &p[0], 423, &[("Min-Expires", "1800")]);
    let p = take_publishes(&mut sim);
    assert_eq!(p.len(), 1);
    assert_eq!(header(&p[0], "Expires").as_deref(), Some("1800"));
    assert_eq!(header(&p[0], "SIP-If-Match"), None);
    answer(&mut sim, &p[0], 403, &[]);
    assert!(matches!(
        &events(&mut sim)[..],
        [PublishEvent::Failed { status: 403, .. }]
    ));
    // The next registration refresh publishes again: the state was lost.
    register(&mut sim, "bob", 2, 3600);
    assert_eq!(take_publishes(&mut sim).len(), 1);
}

#[test]
fn an_unanswered_publish_fails_at_the_transaction_timeout() {
    // REQ: PRES-1 (no response: the publication fails, reported)
    let mut sim = presence_sim(600);
    register(&mut sim, "bob", 1, 3600);
    assert_eq!(take_publishes(&mut sim).len(), 1);
    sim.advance(Duration::from_secs(33));
    assert!(matches!(
        &events(&mut sim)[..],
        [PublishEvent::Failed { status: 408, .. }]
    ));
    assert_eq!(sim.focus.presence_publisher().unwrap().len(), 0);
}

// --- the client's willingness ----------------------------------------------------------------

#[test]
fn the_client_publishes_willingness_and_changes_it_with_sip_if_match() {
    // REQ: PRES-1 (seed 004 §8.6.1.1: willing open / not willing closed)
    let config = PublisherConfig::new(
        SentBy::new("TCP", "pc.example.com", None),
        Box::new(SeededIds::new(5)),
    );
    let mut me = WillingnessPublisher::new("sip:alice@example.com", config);
    let now = simpleim_test_support::msrp::epoch();
    me.set_willing(now, true).unwrap();
    let p = me.poll_request().unwrap();
    assert_eq!(&p.uri_bytes()[..], b"sip:alice@example.com");
    let doc = Presence::parse(&p.body()).unwrap();
    assert_eq!(doc.im_willingness(), Some(Basic::Open));
    assert_eq!(doc.im_availability(), None);
    assert!(doc.tuples[0].is_oma_im());
    // The seed's shape: <status><op:willingness><op:basic> in the PIDF namespace document.
    let text = String::from_utf8_lossy(&p.body()).into_owned();
    assert!(text.contains(PIDF_NAMESPACE));
    assert!(
        text.contains("<op:willingness>\n        <op:basic>open</op:basic>"),
        "{text}"
    );
    // Not willing while the first is in flight: sent after its answer, as a modification.
    me.set_willing(now, false).unwrap();
    assert!(me.poll_request().is_none(), "one request at a time");
    let ok = Response::for_request(&p, 200, &mut SeededIds::new(1))
        .header_named("SIP-ETag", "w1")
        .build()
        .unwrap();
    assert!(me.handle_response(now, &ok));
    let p = me.poll_request().unwrap();
    assert_eq!(header(&p, "SIP-If-Match").as_deref(), Some("w1"));
    let doc = Presence::parse(&p.body()).unwrap();
    assert_eq!(doc.im_willingness(), Some(Basic::Closed));
    let ok = Response::for_request(&p, 200, &mut SeededIds::new(1))
        .header_named("SIP-ETag", "w2")
        .build()
        .unwrap();
    assert!(me.handle_response(now, &ok));
    // Removal: Expires 0 with SIP-If-Match.
    assert!(me.remove(now));
    let p = me.poll_request().unwrap();
    assert_eq!(header(&p, "Expires").as_deref(), Some("0"));
    assert_eq!(header(&p, "SIP-If-Match").as_deref(), Some("w2"));
    let ok = Response::for_request(&p, 200, &mut SeededIds::new(1))
        .build()
        .unwrap();
    assert!(me.handle_response(now, &ok));
    let events: Vec<PublishEvent> = std::iter::from_fn(|| me.poll_event()).collect();
    assert!(matches!(events.last(), Some(PublishEvent::Removed { .. })));
    assert_eq!(me.poll_timeout(), None);
}

// --- the documents against the RFC 3863 schema -----------------------------------------------

/// `tests/data/pidf/pidf.xsd` (RFC 3863 §4.4) and a local `xml.xsd` in a temporary
/// directory; `None` without `xmllint`.
fn pidf_schema() -> Option<PathBuf> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        // `.ci/run` installs it (libxml2-utils): under CI a missing xmllint is a failure.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but xmllint is missing (.ci/run installs libxml2-utils)"
        );
        eprintln!("note: xmllint not installed; schema validation skipped");
        return None;
    }
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pidf/pidf.xsd");
    let dir = std::env::temp_dir().join(format!("simpleim-pidf-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&xsd, dir.join("pidf.xsd")).unwrap();
    std::fs::write(
        dir.join("xml.xsd"),
        "<?xml version=\"1.0\"?>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" \
         targetNamespace=\"http://www.w3.org/XML/1998/namespace\">\n  \
         <xs:attribute name=\"lang\" type=\"xs:language\"/>\n</xs:schema>\n",
    )
    .unwrap();
    Some(dir.join("pidf.xsd"))
}

/// Whether `xmllint` says `xml` is valid against `schema`.
fn validates(schema: &Path, name: &str, xml: &[u8]) -> bool {
    let file = schema.with_file_name(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

#[test]
fn the_published_documents_validate_against_the_rfc_3863_schema() {
    // REQ: PRES-1 (PIDF documents of the seed's shapes, valid PIDF)
    let Some(schema) = pidf_schema() else {
        return;
    };
    let entity = "sip:alice@example.com";
    for basic in [Basic::Open, Basic::Closed] {
        let a = Presence::availability(entity, "im-availability", basic).to_xml();
        assert!(validates(&schema, "availability", a.as_bytes()), "{a}");
        let w = Presence::willingness(entity, "im-willingness", basic).to_xml();
        assert!(validates(&schema, "willingness", w.as_bytes()), "{w}");
    }
    // A document with every PIDF element, written by the builder.
    let mut doc = Presence::availability(entity, "t1", Basic::Open);
    doc.tuples[0].contact = Some("sip:alice@pc.example.com".to_owned());
    doc.tuples[0].notes.push("at <work> & busy".to_owned());
    doc.tuples[0].timestamp = Some("2026-11-21T13:00:00Z".to_owned());
    doc.notes.push("hello".to_owned());
    assert!(validates(&schema, "full", doc.to_xml().as_bytes()));
    // What the focus put on the wire.
    let mut sim = presence_sim(600);
    register(&mut sim, "bob", 1, 3600);
    let p = take_publishes(&mut sim);
    assert!(validates(&schema, "publish", &p[0].body()));
    // The schema does check: a value outside open/closed is refused.
    let bad = doc.to_xml().replace(">open<", ">maybe<");
    assert!(!validates(&schema, "bad", bad.as_bytes()));
}
