//! IMDN (RFC 5438 §7) and is-composing (RFC 3994) XML documents: the RFC examples, error
//! cases located by byte offset, limits, and round trips.
//!
//! Fixtures are in `tests/data/cpim/` at the workspace root; their README names the RFC
//! section each one comes from.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use proptest::prelude::*;
use simpleim_cpim::xml::{
    ComposingState, DeliveryStatus, DisplayStatus, ImdnDocument, IsComposing, Notification,
    ProcessingStatus, XmlLimits,
};
use simpleim_cpim::{ErrorKind, ParseError};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/data/cpim/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn offset_of(doc: &str, needle: &str) -> usize {
    doc.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the document"))
}

fn err(kind: ErrorKind, offset: usize) -> ParseError {
    ParseError::new(kind, offset)
}

fn bob_imdn(notification: Notification) -> ImdnDocument {
    ImdnDocument {
        message_id: "34jk324j".into(),
        date_time: "2008-04-04T12:16:49-05:00".into(),
        recipient_uri: Some("im:bob@example.com".into()),
        original_recipient_uri: Some("im:bob@example.com".into()),
        subject: None,
        notification: Some(notification),
    }
}

fn assert_imdn_round_trip(doc: &ImdnDocument) {
    let xml = doc.to_xml();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()).as_ref(),
        Ok(doc),
        "{xml}"
    );
    let mut bytes = b"prefix".to_vec();
    doc.write_to(&mut bytes);
    assert_eq!(bytes.get(6..), Some(xml.as_bytes()));
}

fn assert_composing_round_trip(doc: &IsComposing) {
    let xml = doc.to_xml();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(
        IsComposing::parse(xml.as_bytes()).as_ref(),
        Ok(doc),
        "{xml}"
    );
    let mut bytes = Vec::new();
    doc.write_to(&mut bytes);
    assert_eq!(bytes, xml.as_bytes());
}

// ---- RFC examples -----------------------------------------------------------------------------

// REQ: CPIM-2 — RFC 5438 §7.2.1, delivery notification "delivered".
#[test]
fn rfc5438_delivery_notification() {
    let doc = ImdnDocument::parse(&fixture("imdn-delivered.xml")).expect("parses");
    assert_eq!(doc.message_id, "34jk324j");
    assert_eq!(doc.date_time, "2008-04-04T12:16:49-05:00");
    assert_eq!(doc.recipient_uri.as_deref(), Some("im:bob@example.com"));
    assert_eq!(
        doc.original_recipient_uri.as_deref(),
        Some("im:bob@example.com")
    );
    assert_eq!(doc.subject.as_deref(), Some("Project Tomorrow"));
    assert_eq!(
        doc.notification,
        Some(Notification::Delivery(DeliveryStatus::Delivered))
    );
    assert_eq!(
        doc,
        ImdnDocument {
            subject: Some("Project Tomorrow".into()),
            ..bob_imdn(Notification::Delivery(DeliveryStatus::Delivered))
        }
    );
    assert_imdn_round_trip(&doc);
}

// REQ: CPIM-2 — RFC 5438 §7.2, display notification "displayed".
#[test]
fn rfc5438_display_notification() {
    let doc = ImdnDocument::parse(&fixture("imdn-displayed.xml")).expect("parses");
    assert_eq!(
        doc,
        bob_imdn(Notification::Display(DisplayStatus::Displayed))
    );
    assert_imdn_round_trip(&doc);
}

// REQ: CPIM-2 — RFC 5438 §7.2, processing notification "processed".
#[test]
fn rfc5438_processing_notification() {
    let doc = ImdnDocument::parse(&fixture("imdn-processed.xml")).expect("parses");
    assert_eq!(
        doc,
        bob_imdn(Notification::Processing(ProcessingStatus::Processed))
    );
    assert_imdn_round_trip(&doc);
}

// REQ: CPIM-2, CHAT-1 — RFC 3994 example: active, with contenttype and refresh.
#[test]
fn rfc3994_active_with_refresh() {
    let doc = IsComposing::parse(&fixture("iscomposing-active.xml")).expect("parses");
    assert_eq!(doc.state, ComposingState::Active);
    assert_eq!(doc.lastactive, None);
    assert_eq!(doc.contenttype.as_deref(), Some("text/plain"));
    assert_eq!(doc.refresh, Some(90));
    assert_composing_round_trip(&doc);
}

// REQ: CPIM-2, CHAT-1 — RFC 3994 example: idle, with lastactive.
#[test]
fn rfc3994_idle_with_lastactive() {
    let doc = IsComposing::parse(&fixture("iscomposing-idle.xml")).expect("parses");
    assert_eq!(doc.state, ComposingState::Idle);
    assert_eq!(doc.lastactive.as_deref(), Some("2003-01-27T10:43:00Z"));
    assert_eq!(doc.contenttype.as_deref(), Some("audio"));
    assert_eq!(doc.refresh, None);
    assert_composing_round_trip(&doc);
}

// ---- what the parsers accept ------------------------------------------------------------------

// REQ: CPIM-2 — every status the schema allows, per notification kind.
#[test]
fn every_status_round_trips() {
    let all = [
        Notification::Delivery(DeliveryStatus::Delivered),
        Notification::Delivery(DeliveryStatus::Failed),
        Notification::Delivery(DeliveryStatus::Forbidden),
        Notification::Delivery(DeliveryStatus::Error),
        Notification::Display(DisplayStatus::Displayed),
        Notification::Display(DisplayStatus::Forbidden),
        Notification::Display(DisplayStatus::Error),
        Notification::Processing(ProcessingStatus::Processed),
        Notification::Processing(ProcessingStatus::Stored),
        Notification::Processing(ProcessingStatus::Forbidden),
        Notification::Processing(ProcessingStatus::Error),
    ];
    for notification in all {
        let doc = bob_imdn(notification);
        assert!(
            doc.to_xml()
                .contains(&format!("<{}/>", notification.status_name()))
        );
        assert_imdn_round_trip(&doc);
    }
}

// REQ: CPIM-2 — the namespace may be bound to any prefix; extensions in other namespaces are
// skipped wherever the schema allows them; comments and CDATA are fine.
#[test]
fn imdn_prefixed_namespace_and_extensions() {
    let xml = r#"<?xml version="1.0"?>
<!-- a comment -->
<n:imdn xmlns:n="urn:ietf:params:xml:ns:imdn" xmlns:x="urn:example:ext">
  <n:message-id> abc&amp;123 </n:message-id>
  <x:route hop="1"><x:inner>text &lt; more</x:inner><x:empty/></x:route>
  <n:datetime><![CDATA[2008-04-04T12:16:49Z]]></n:datetime>
  <n:subject>  Hi &lt;there&gt; &#x263A; </n:subject>
  <n:processing-notification>
    <n:status><n:stored/><x:why>queued</x:why></n:status>
  </n:processing-notification>
  <x:trailer/>
</n:imdn>
<!-- done -->
"#;
    let doc = ImdnDocument::parse(xml.as_bytes()).expect("parses");
    assert_eq!(doc.message_id, "abc&123");
    assert_eq!(doc.date_time, "2008-04-04T12:16:49Z");
    assert_eq!(doc.recipient_uri, None);
    assert_eq!(doc.original_recipient_uri, None);
    assert_eq!(doc.subject.as_deref(), Some("  Hi <there> \u{263A} "));
    assert_eq!(
        doc.notification,
        Some(Notification::Processing(ProcessingStatus::Stored))
    );
    assert_imdn_round_trip(&doc);
}

// REQ: CPIM-2 — the schema's `<empty/>` choice: no notification element at all.
#[test]
fn imdn_without_notification() {
    let xml = br#"<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>a</message-id><datetime>d</datetime></imdn>"#;
    let doc = ImdnDocument::parse(xml).expect("parses");
    assert_eq!(doc.notification, None);
    assert_imdn_round_trip(&doc);
}

// REQ: CPIM-2 — text that needs escaping survives a round trip, `\r` included.
#[test]
fn imdn_escaping_round_trip() {
    let doc = ImdnDocument {
        message_id: "<&>\"'".into(),
        date_time: "2008-04-04T12:16:49Z".into(),
        recipient_uri: Some("sip:a@b.com;x=\"<\"".into()),
        original_recipient_uri: None,
        subject: Some("\r\n line\r two\t]]> &amp; ".into()),
        notification: Some(Notification::Delivery(DeliveryStatus::Failed)),
    };
    assert_imdn_round_trip(&doc);
}

// REQ: CHAT-1 — is-composing with a prefix, an extension and whitespace around values.
#[test]
fn iscomposing_prefixed_and_extension() {
    let xml = br#"<c:isComposing xmlns:c="urn:ietf:params:xml:ns:im-iscomposing" xmlns:e="urn:x">
  <c:state> active </c:state><e:mood>busy</e:mood><c:refresh>+120</c:refresh>
</c:isComposing>"#;
    let doc = IsComposing::parse(xml).expect("parses");
    assert_eq!(
        doc,
        IsComposing {
            state: ComposingState::Active,
            lastactive: None,
            contenttype: None,
            refresh: Some(120),
        }
    );
    assert_composing_round_trip(&doc);
}

// ---- errors, located --------------------------------------------------------------------------

const DELIVERED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<imdn xmlns="urn:ietf:params:xml:ns:imdn">
  <message-id>34jk324j</message-id>
  <datetime>2008-04-04T12:16:49-05:00</datetime>
  <delivery-notification><status><delivered/></status></delivery-notification>
</imdn>
"#;

// REQ: CPIM-2 — the right names in the wrong namespace are not an IMDN.
#[test]
fn imdn_wrong_namespace() {
    let xml = DELIVERED.replace(
        "urn:ietf:params:xml:ns:imdn",
        "urn:ietf:params:xml:ns:imdnx",
    );
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlElement, offset_of(&xml, "<imdn")))
    );
    let xml = DELIVERED.replace(" xmlns=\"urn:ietf:params:xml:ns:imdn\"", "");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlElement, offset_of(&xml, "<imdn")))
    );
    // A child in no namespace (`xmlns=""`) is neither ours nor an extension.
    let xml = DELIVERED.replace("<datetime>", "<datetime xmlns=\"\">");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlElement, offset_of(&xml, "<datetime")))
    );
}

// REQ: CPIM-2 — a missing required element is blamed on its parent's start tag.
#[test]
fn imdn_missing_message_id() {
    let xml = DELIVERED.replace("<message-id>34jk324j</message-id>", "");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlElement, offset_of(&xml, "<imdn")))
    );
    let xml = DELIVERED.replace(
        "<message-id>34jk324j</message-id>",
        "<message-id> </message-id>",
    );
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlValue, offset_of(&xml, "<imdn")))
    );
    let xml = DELIVERED.replace("<status><delivered/></status>", "");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(
            ErrorKind::XmlElement,
            offset_of(&xml, "<delivery-notification")
        ))
    );
}

// REQ: CPIM-2 — a status the notification kind does not allow (RFC 5438 §7.1 schema).
#[test]
fn imdn_status_not_allowed_for_kind() {
    for (status, allowed) in [
        ("displayed", false),
        ("processed", false),
        ("stored", false),
        ("bogus", false),
        ("failed", true),
    ] {
        let xml = DELIVERED.replace("<delivered/>", &format!("<{status}/>"));
        let result = ImdnDocument::parse(xml.as_bytes());
        if allowed {
            assert!(result.is_ok(), "{status}");
        } else {
            let at = offset_of(&xml, &format!("<{status}"));
            assert_eq!(result, Err(err(ErrorKind::XmlValue, at)), "{status}");
        }
    }
    let xml = DELIVERED
        .replace("delivery-notification", "display-notification")
        .replace("<delivered/>", "<failed/>");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlValue, offset_of(&xml, "<failed")))
    );
    // Two statuses, two notifications, two message-ids: each is one too many.
    let xml = DELIVERED.replace("<delivered/>", "<delivered/><failed/>");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlElement, offset_of(&xml, "<failed")))
    );
    let xml = DELIVERED.replace(
        "</imdn>",
        "<display-notification><status><displayed/></status></display-notification></imdn>",
    );
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(
            ErrorKind::XmlElement,
            offset_of(&xml, "<display-notification")
        ))
    );
    // A status element has no content.
    let xml = DELIVERED.replace("<delivered/>", "<delivered>yes</delivered>");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlValue, offset_of(&xml, "<delivered")))
    );
}

// REQ: CPIM-2 — unknown elements in the IMDN namespace are not extensions.
#[test]
fn imdn_unknown_element_in_own_namespace() {
    let xml = DELIVERED.replace("<datetime>", "<priority/><datetime>");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlElement, offset_of(&xml, "<priority")))
    );
}

// REQ: CPIM-2, SEC-2 — every truncation of a document is an error (never a panic, never a
// partial document).
#[test]
fn truncated_documents() {
    let end = offset_of(DELIVERED, "</imdn>") + "</imdn>".len();
    for cut in 0..end {
        let result = ImdnDocument::parse(DELIVERED.as_bytes().get(..cut).unwrap_or_default());
        assert!(result.is_err(), "cut at {cut}: {result:?}");
    }
    assert_eq!(
        ImdnDocument::parse(DELIVERED.as_bytes().get(..end - 3).unwrap_or_default())
            .map_err(|e| e.kind),
        Err(ErrorKind::Xml)
    );
    let composing = fixture("iscomposing-idle.xml");
    let text = String::from_utf8(composing.clone()).expect("utf-8");
    let end = offset_of(&text, "</isComposing>") + "</isComposing>".len();
    for cut in 0..end {
        let result = IsComposing::parse(composing.get(..cut).unwrap_or_default());
        assert!(result.is_err(), "cut at {cut}: {result:?}");
    }
}

// REQ: CPIM-2, SEC-2 — no DTD, no entities other than the predefined ones.
#[test]
fn doctype_and_entities_refused() {
    let xml = DELIVERED.replace(
        "<imdn ",
        "<!DOCTYPE imdn [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<imdn ",
    );
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::Xml, offset_of(&xml, "<!DOCTYPE")))
    );
    let xml = DELIVERED.replace("34jk324j", "&x;");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::Xml, offset_of(&xml, "&x;")))
    );
    let xml = DELIVERED.replace("34jk324j", "a&#0;b");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()).map_err(|e| e.kind),
        Err(ErrorKind::Xml)
    );
    let xml = DELIVERED.replace("<status>", "<status a=\"&x;\">");
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::Xml, offset_of(&xml, "<status")))
    );
}

// REQ: CPIM-2 — other ill-formed documents.
#[test]
fn ill_formed_documents() {
    let cases: [(&str, String, &str); 6] = [
        (
            "undeclared prefix",
            DELIVERED.replace("<datetime>", "<p:x/><datetime>"),
            "<p:x/>",
        ),
        (
            "mismatched end",
            DELIVERED.replace("</datetime>", "</date>"),
            "</date>",
        ),
        ("text after root", format!("{DELIVERED}junk"), "junk"),
        ("second root", format!("{DELIVERED}<imdn/>"), "<imdn/>"),
        (
            "encoding",
            DELIVERED.replace("UTF-8", "ISO-8859-1"),
            "<?xml",
        ),
        (
            "mixed content",
            DELIVERED.replace("<datetime>", "words<datetime>"),
            "words",
        ),
    ];
    for (what, xml, at) in cases {
        let result = ImdnDocument::parse(xml.as_bytes());
        let Err(error) = result else {
            panic!("{what}: accepted");
        };
        assert!(
            matches!(error.kind, ErrorKind::Xml | ErrorKind::XmlValue),
            "{what}: {error:?}"
        );
        // quick-xml reports some errors at the end of the construct: allow that much slack.
        let expected = offset_of(&xml, at);
        assert!(
            (expected..=expected + at.len()).contains(&error.offset),
            "{what}: {error:?}, expected near {expected}"
        );
    }
    assert!(ImdnDocument::parse(b"").is_err());
    assert!(ImdnDocument::parse(b"\xff\xfe<imdn/>").is_err());
}

// REQ: CHAT-1 — is-composing errors.
#[test]
fn iscomposing_errors() {
    let ok = fixture("iscomposing-active.xml");
    let ok = String::from_utf8(ok).expect("utf-8");
    for (what, xml, kind, at) in [
        (
            "bad state",
            ok.replace(">active<", ">typing<"),
            ErrorKind::XmlValue,
            "<state",
        ),
        (
            "refresh 0",
            ok.replace(">90<", ">0<"),
            ErrorKind::XmlValue,
            "<refresh",
        ),
        (
            "refresh -1",
            ok.replace(">90<", ">-1<"),
            ErrorKind::XmlValue,
            "<refresh",
        ),
        (
            "refresh huge",
            ok.replace(">90<", ">99999999999<"),
            ErrorKind::XmlValue,
            "<refresh",
        ),
        (
            "no state",
            ok.replace("<state>active</state>", ""),
            ErrorKind::XmlElement,
            "<isComposing",
        ),
        (
            "two states",
            ok.replace("</state>", "</state><state>idle</state>"),
            ErrorKind::XmlElement,
            "<state>idle",
        ),
        (
            "wrong ns",
            ok.replace("im-iscomposing\"", "imdn\""),
            ErrorKind::XmlElement,
            "<isComposing",
        ),
        (
            "unknown",
            ok.replace("<refresh>", "<mood/><refresh>"),
            ErrorKind::XmlElement,
            "<mood",
        ),
        (
            "child in value",
            ok.replace(">90<", "><b/><"),
            ErrorKind::XmlElement,
            "<b/>",
        ),
    ] {
        assert_eq!(
            IsComposing::parse(xml.as_bytes()),
            Err(err(kind, offset_of(&xml, at))),
            "{what}"
        );
    }
}

// REQ: SEC-2 — size and depth caps, with documented defaults.
#[test]
fn limits() {
    assert_eq!(XmlLimits::default().max_size, 64 * 1024);
    assert_eq!(XmlLimits::default().max_depth, 16);

    let mut limits = XmlLimits::default();
    limits.max_size = 100;
    assert_eq!(
        ImdnDocument::parse_with_limits(DELIVERED.as_bytes(), &limits),
        Err(err(ErrorKind::XmlLimit, 100))
    );
    let big = format!("{DELIVERED}<!--{}-->", "x".repeat(64 * 1024));
    assert_eq!(
        ImdnDocument::parse(big.as_bytes()),
        Err(err(ErrorKind::XmlLimit, 64 * 1024))
    );

    // Depth 16 (root = 1) is fine, 17 is not, also for skipped extensions.
    let nest = |levels: usize| {
        let open = "<x:a>".repeat(levels);
        let close = "</x:a>".repeat(levels);
        DELIVERED.replace(
            "<message-id>",
            &format!("<x:e xmlns:x=\"urn:x\">{open}{close}</x:e><message-id>"),
        )
    };
    assert!(ImdnDocument::parse(nest(14).as_bytes()).is_ok());
    let xml = nest(15);
    let sixteenth = offset_of(&xml, "<x:e") + "<x:e xmlns:x=\"urn:x\">".len() + 14 * "<x:a>".len();
    assert_eq!(
        ImdnDocument::parse(xml.as_bytes()),
        Err(err(ErrorKind::XmlLimit, sixteenth))
    );
    let deep = format!(
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">{}",
        "<a:b xmlns:a=\"urn:a\">".repeat(10_000)
    );
    assert_eq!(
        IsComposing::parse(deep.as_bytes()).map_err(|e| e.kind),
        Err(ErrorKind::XmlLimit)
    );
}

// ---- properties -------------------------------------------------------------------------------

/// Values without leading or trailing whitespace (the parser trims those fields), with the
/// characters that need escaping.
fn trimmed() -> impl Strategy<Value = String> {
    "[!-~\u{a0}-\u{2fff}]([ -~\t\n\u{a0}-\u{2fff}]{0,20}[!-~\u{a0}-\u{2fff}])?"
}

fn notification() -> impl Strategy<Value = Notification> {
    prop_oneof![
        prop_oneof![
            Just(DeliveryStatus::Delivered),
            Just(DeliveryStatus::Failed),
            Just(DeliveryStatus::Forbidden),
            Just(DeliveryStatus::Error),
        ]
        .prop_map(Notification::Delivery),
        prop_oneof![
            Just(DisplayStatus::Displayed),
            Just(DisplayStatus::Forbidden),
            Just(DisplayStatus::Error),
        ]
        .prop_map(Notification::Display),
        prop_oneof![
            Just(ProcessingStatus::Processed),
            Just(ProcessingStatus::Stored),
            Just(ProcessingStatus::Forbidden),
            Just(ProcessingStatus::Error),
        ]
        .prop_map(Notification::Processing),
    ]
}

prop_compose! {
    fn imdn_document()(
        message_id in "[!-~]{1,24}",
        date_time in trimmed(),
        recipient_uri in proptest::option::of(trimmed()),
        original_recipient_uri in proptest::option::of(trimmed()),
        subject in proptest::option::of("[ -~\t\r\n\u{a0}-\u{10ffff}]{0,30}"),
        notification in proptest::option::of(notification()),
    ) -> ImdnDocument {
        ImdnDocument {
            message_id,
            date_time,
            recipient_uri,
            original_recipient_uri,
            subject,
            notification,
        }
    }
}

prop_compose! {
    fn is_composing()(
        state in prop_oneof![Just(ComposingState::Active), Just(ComposingState::Idle)],
        lastactive in proptest::option::of(trimmed()),
        contenttype in proptest::option::of(trimmed()),
        refresh in proptest::option::of(1u32..),
    ) -> IsComposing {
        IsComposing { state, lastactive, contenttype, refresh }
    }
}

proptest! {
    // REQ: CPIM-2 — parse(to_xml(d)) == d for IMDN documents.
    #[test]
    fn imdn_round_trip(doc in imdn_document()) {
        let xml = doc.to_xml();
        prop_assert_eq!(ImdnDocument::parse(xml.as_bytes()), Ok(doc));
    }

    // REQ: CPIM-2, CHAT-1 — parse(to_xml(d)) == d for is-composing documents.
    #[test]
    fn iscomposing_round_trip(doc in is_composing()) {
        let xml = doc.to_xml();
        prop_assert_eq!(IsComposing::parse(xml.as_bytes()), Ok(doc));
    }

    // REQ: SEC-2 — arbitrary bytes never panic, and errors point inside the input.
    #[test]
    fn arbitrary_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = ImdnDocument::parse(&input) {
            prop_assert!(e.offset <= input.len());
        }
        if let Err(e) = IsComposing::parse(&input) {
            prop_assert!(e.offset <= input.len());
        }
    }

    // REQ: SEC-2 — damaged real documents never panic.
    #[test]
    fn mutated_documents_never_panic(
        at in 0usize..400,
        byte in prop_oneof![Just(b'<'), Just(b'>'), Just(b'&'), Just(b'/'), Just(b'"'), any::<u8>()],
    ) {
        for name in ["imdn-delivered.xml", "iscomposing-active.xml"] {
            let mut input = fixture(name);
            if let Some(slot) = input.get_mut(at) {
                *slot = byte;
            }
            let _ = ImdnDocument::parse(&input);
            let _ = IsComposing::parse(&input);
        }
    }
}
