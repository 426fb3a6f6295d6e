//! URI lists (RFC 4826 resource-lists documents with RFC 5364 copy control) and the RFC 5366
//! body that carries them to a conference factory. REQ: FOC-4 (and SEC-2 for the bounds).
//!
//! The fixtures under `tests/data/resource_lists/` were written for these tests from the
//! RFC text: `rfc4826_example.xml` (RFC 4826 §3.3), `rfc5366_list.xml` (the URI list of
//! RFC 5366 §4), `rfc5366_invite.sip` (the INVITE of RFC 5366 §6, CRLF line ends and its
//! Content-Length computed), `extensions.xml` (prefixes, extensions, entities, duplicates).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::path::Path;

use bytes::Bytes;
use proptest::prelude::*;
use simpleim_focus::resource_lists::{
    CopyControl, DisplayName, Entry, EntryRef, External, List, ListItem, ParseErrorKind,
    ParseLimits, Reference, ResourceLists, SplitError, Text, recipient_list_body, same_uri,
    split_recipient_list_body, split_recipient_list_body_with_limits, unique_uris,
};
use simpleim_sdp::SessionDescription;
use simpleim_sip::{Message, Policy};

fn fixture(name: &str) -> Bytes {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/resource_lists")
        .join(name);
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Whether `part` lies inside `whole` (a zero-copy slice of it).
fn inside(whole: &Bytes, part: &[u8]) -> bool {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    p >= w && p + part.len() <= w + whole.len()
}

fn uris(entries: &[&Entry]) -> Vec<String> {
    entries.iter().map(|e| e.uri.to_string()).collect()
}

// --- the RFC examples ---------------------------------------------------------------------

#[test]
fn rfc4826_example_reads_lists_entries_and_references() {
    // REQ: FOC-4 (RFC 4826 §3.3: nested lists, display names, entry-ref and external)
    let input = fixture("rfc4826_example.xml");
    let doc = ResourceLists::parse(&input).unwrap();
    assert_eq!(doc.lists.len(), 1);
    let friends = &doc.lists[0];
    assert_eq!(friends.name.as_deref(), Some("friends"));
    assert_eq!(friends.display_name, None);
    assert_eq!(friends.items.len(), 3);
    let ListItem::Entry(bill) = &friends.items[0] else {
        panic!("{:?}", friends.items[0])
    };
    assert_eq!(bill.uri, "sip:bill@example.com");
    assert_eq!(
        bill.display_name.as_ref().map(|d| d.text.as_str()),
        Some("Bill Doe")
    );
    assert_eq!(bill.copy_control, None);
    assert_eq!(bill.copy_control_or_default(), CopyControl::To);
    assert!(!bill.is_anonymized());
    let ListItem::List(close) = &friends.items[2] else {
        panic!()
    };
    assert_eq!(close.name.as_deref(), Some("close-friends"));
    assert_eq!(close.display_name, Some(DisplayName::new("Close Friends")));

    // Entries in document order, nested lists included.
    let entries: Vec<&Entry> = doc.entries().collect();
    assert_eq!(
        uris(&entries),
        [
            "sip:bill@example.com",
            "sip:joe@example.com",
            "sip:nancy@example.com"
        ]
    );
    // The references are reported as they are, never resolved.
    let refs: Vec<Reference<'_>> = doc.references().collect();
    assert_eq!(refs.len(), 2);
    let Reference::EntryRef(r) = refs[0] else {
        panic!()
    };
    assert!(
        r.reference
            .starts_with("resource-lists/users/sip:bill@example.com/index/~~/")
    );
    assert!(
        r.reference
            .ends_with("entry%5b@uri=%22sip:petri@example.com%22%5d")
    );
    let Reference::External(x) = refs[1] else {
        panic!()
    };
    assert!(
        x.anchor
            .as_deref()
            .unwrap()
            .starts_with("http://xcap.example.org/resource-lists/users/sip:a@example.org/")
    );
    assert_eq!(x.display_name, Some(DisplayName::new("Marketing")));
    // Every item, depth first: friends' three, then close-friends' three.
    assert_eq!(doc.items().count(), 6);

    // Zero-copy: values that needed no unescaping are slices of the input.
    assert!(inside(&input, bill.uri.as_bytes()));
    assert!(inside(&input, r.reference.as_bytes()));
    assert!(inside(
        &input,
        bill.display_name.as_ref().unwrap().text.as_bytes()
    ));
}

#[test]
fn rfc5366_list_reads_copy_control_and_anonymize() {
    // REQ: FOC-4 (RFC 5366 §4, RFC 5364 §4: cp:copyControl to/cc/bcc and cp:anonymize)
    let doc = ResourceLists::parse(&fixture("rfc5366_list.xml")).unwrap();
    let got: Vec<(String, Option<CopyControl>, bool)> = doc
        .entries()
        .map(|e| (e.uri.to_string(), e.copy_control, e.is_anonymized()))
        .collect();
    let want = [
        ("sip:bill@example.com", CopyControl::To, false),
        ("sip:randy@example.net", CopyControl::To, true),
        ("sip:eddy@example.com", CopyControl::To, true),
        ("sip:joe@example.org", CopyControl::Cc, false),
        ("sip:carol@example.net", CopyControl::Cc, true),
        ("sip:ted@example.net", CopyControl::Bcc, false),
        ("sip:andy@example.com", CopyControl::Bcc, false),
    ];
    assert_eq!(
        got,
        want.map(|(u, c, a)| (u.to_owned(), Some(c), a)).to_vec()
    );
    assert_eq!(doc.entries().nth(1).unwrap().anonymize, Some(true));
    assert_eq!(doc.entries().next().unwrap().anonymize, None);
}

#[test]
fn rfc5366_invite_splits_into_offer_and_invitees() {
    // REQ: FOC-4 (RFC 5366 §6: the INVITE to the conference factory)
    let raw = fixture("rfc5366_invite.sip");
    let Message::Request(invite) = Message::parse_datagram(raw).unwrap() else {
        panic!("not a request")
    };
    // A UAS that knows the extension accepts it (RFC 3261 §8.2.2.3); one that does not
    // answers 420, as RFC 5366 intends.
    let mut policy = Policy::default();
    assert_eq!(invite.validate_with(&policy).unwrap_err().status, 420);
    policy.extensions.push("recipient-list-invite");
    invite.validate_with(&policy).unwrap();

    let content_type = invite
        .headers()
        .get(simpleim_sip::HeaderName::ContentType)
        .unwrap()
        .value();
    let body = invite.body();
    let parts = split_recipient_list_body(&content_type, &body).unwrap();
    let sdp = SessionDescription::parse(parts.sdp.clone().unwrap()).unwrap();
    assert_eq!(sdp.media().len(), 2, "audio and video");
    assert_eq!(
        parts.list,
        ResourceLists::parse(&fixture("rfc5366_list.xml")).unwrap()
    );
    // The parts are slices of the body (zero-copy), and the list's values slices of those.
    assert!(inside(&body, &parts.list_bytes));
    assert!(inside(&body, parts.sdp.as_ref().unwrap()));
    assert!(inside(
        &body,
        parts.list.entries().next().unwrap().uri.as_bytes()
    ));
    assert_eq!(parts.list.unique_uris().len(), 7);
}

#[test]
fn extensions_are_skipped_and_prefixes_resolved() {
    // REQ: FOC-4 (RFC 4826 §3.2: ##other extensions; unknown attributes ignored)
    let doc = ResourceLists::parse(&fixture("extensions.xml")).unwrap();
    assert_eq!(doc.lists.len(), 2);
    let team = &doc.lists[0];
    assert_eq!(team.name.as_deref(), Some("team & friends"));
    let name = team.display_name.as_ref().unwrap();
    assert_eq!(name.text, "L'\u{e9}quipe");
    assert_eq!(name.lang.as_deref(), Some("fr"));

    let entries: Vec<&Entry> = doc.entries().collect();
    assert_eq!(entries.len(), 7);
    // The URI is trimmed of XML white space; `copy:count` (RFC 5364) is ignored.
    assert_eq!(entries[0].uri, "sip:alice@example.com");
    assert_eq!(entries[0].copy_control, Some(CopyControl::To));
    assert_eq!(entries[0].display_name.as_ref().unwrap().text, "Alice <A>");
    assert_eq!(entries[1].anonymize, Some(true), "xs:boolean 1");
    assert_eq!(entries[2].display_name, None, "an empty CDATA section");
    assert_eq!(entries[3].copy_control, Some(CopyControl::Bcc));

    let ListItem::List(nested) = &team.items[7] else {
        panic!("{:?}", team.items[7])
    };
    assert_eq!(nested.name, None);
    assert!(matches!(
        &nested.items[0],
        ListItem::EntryRef(EntryRef {
            display_name: None,
            ..
        })
    ));
    assert_eq!(
        nested.items[1],
        ListItem::External(External {
            anchor: None,
            display_name: None
        })
    );
    assert_eq!(team.items.len(), 8, "the unqualified extension is skipped");
    assert_eq!(doc.lists[1], List::default());

    // Each member once: alice in two spellings, bob in two, the tel number in two.
    assert_eq!(
        uris(&doc.unique_uris()),
        [
            "sip:alice@example.com",
            "sip:%62ob@example.com;transport=tcp",
            "tel:+1-201-555-0123",
            "mailto:carol@example.com"
        ]
    );
}

#[test]
fn fixtures_round_trip_through_the_writer() {
    // REQ: FOC-4
    for name in ["rfc4826_example.xml", "rfc5366_list.xml", "extensions.xml"] {
        let doc = ResourceLists::parse(&fixture(name)).unwrap();
        let xml = doc.to_xml();
        assert_eq!(ResourceLists::parse(&xml).as_ref(), Ok(&doc), "{name}");
        // Writing is deterministic.
        assert_eq!(doc.to_xml(), xml);
    }
}

#[test]
fn the_writer_uses_the_rfc_namespaces_and_escapes() {
    // REQ: FOC-4
    let doc = ResourceLists {
        lists: vec![List {
            name: Some(Text::new("a\"b")),
            display_name: Some(DisplayName {
                text: Text::new("x & y\r\n"),
                lang: Some(Text::new("en")),
            }),
            items: vec![
                ListItem::Entry(
                    Entry::new("sip:a@example.com?subject=a%20b&priority=urgent")
                        .with_copy_control(CopyControl::Cc)
                        .with_anonymize(false),
                ),
                ListItem::EntryRef(EntryRef {
                    reference: Text::new("resource-lists/users/x/index"),
                    display_name: Some(DisplayName::new("")),
                }),
            ],
        }],
    };
    let xml = doc.to_xml();
    let text = std::str::from_utf8(&xml).unwrap();
    assert_eq!(
        text,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\" \
xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\">\n  \
<list name=\"a&quot;b\">\n    \
<display-name xml:lang=\"en\">x &amp; y&#xD;\n</display-name>\n    \
<entry uri=\"sip:a@example.com?subject=a%20b&amp;priority=urgent\" cp:copyControl=\"cc\" \
cp:anonymize=\"false\"/>\n    \
<entry-ref ref=\"resource-lists/users/x/index\">\n      \
<display-name></display-name>\n    </entry-ref>\n  </list>\n</resource-lists>\n"
    );
    assert_eq!(ResourceLists::parse(&xml), Ok(doc));
    // Without copy-control attributes the namespace is not declared.
    let plain = ResourceLists::from_uris(["sip:a@example.com"]).to_xml();
    assert!(!std::str::from_utf8(&plain).unwrap().contains("copycontrol"));
    assert!(
        ResourceLists::default()
            .to_xml()
            .ends_with(b"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>\n")
    );
}

// --- errors, located ----------------------------------------------------------------------

const HEAD: &str = "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\" \
xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\">";

fn doc_with(inner: &str) -> Bytes {
    Bytes::from(format!("{HEAD}{inner}</resource-lists>"))
}

fn error_of(input: &Bytes) -> (ParseErrorKind, usize) {
    let e = ResourceLists::parse(input).unwrap_err();
    (e.kind, e.offset)
}

#[test]
fn malformed_documents_are_located() {
    // REQ: FOC-4, SEC-2
    let at = HEAD.len();
    let cases: [(&str, ParseErrorKind, usize); 9] = [
        (
            "<list><entry/></list>",
            ParseErrorKind::MissingAttribute,
            at + 6,
        ),
        (
            "<list><entry uri=\"  \"/></list>",
            ParseErrorKind::Value,
            at + 6,
        ),
        (
            "<list><entry-ref/></list>",
            ParseErrorKind::MissingAttribute,
            at + 6,
        ),
        (
            "<list><entry uri=\"sip:a@b\" cp:copyControl=\"from\"/></list>",
            ParseErrorKind::Value,
            at + 6,
        ),
        (
            "<list><entry uri=\"sip:a@b\" cp:anonymize=\"yes\"/></list>",
            ParseErrorKind::Value,
            at + 6,
        ),
        (
            "<list><display-name>a</display-name><display-name>b</display-name></list>",
            ParseErrorKind::Element,
            at + 36,
        ),
        ("<list>text</list>", ParseErrorKind::Element, at + 6),
        (
            "<list><display-name>a<b/></display-name></list>",
            ParseErrorKind::Element,
            at + 21,
        ),
        ("<list>&nbsp;</list>", ParseErrorKind::Xml, at + 6),
    ];
    for (inner, kind, offset) in cases {
        let e = ResourceLists::parse(&doc_with(inner)).unwrap_err();
        assert_eq!((e.kind, e.offset), (kind, offset), "{inner}");
        assert_eq!(e.status_hint(), 400);
    }

    // The root.
    let wrong_root = Bytes::from_static(
        b"<?xml version=\"1.0\"?>\n<lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>",
    );
    assert_eq!(error_of(&wrong_root), (ParseErrorKind::Root, 22));
    let wrong_ns = Bytes::from_static(b"<resource-lists xmlns=\"urn:example\"/>");
    assert_eq!(error_of(&wrong_ns).0, ParseErrorKind::Root);
    // Not well-formed, a DTD, another encoding, an undeclared prefix, trailing content.
    for bad in [
        &b"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list></resource-lists>"
            [..],
        b"<!DOCTYPE x [<!ENTITY e \"boom\">]><resource-lists/>",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><resource-lists/>",
        b"<x:resource-lists/>",
        b"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/><more/>",
        b"",
        b"\xff\xfe",
    ] {
        assert_eq!(
            error_of(&Bytes::copy_from_slice(bad)).0,
            ParseErrorKind::Xml,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn limits_bound_the_work() {
    // REQ: FOC-4 (a bound on the ad-hoc group), SEC-2
    let three = doc_with(
        "<list><entry uri=\"sip:a@x\"/><entry-ref ref=\"r\"/><external anchor=\"http://x/\"/></list>",
    );
    let limits = ParseLimits {
        max_entries: 2,
        ..ParseLimits::default()
    };
    let e = ResourceLists::parse_with_limits(&three, limits).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::TooManyEntries);
    assert_eq!(&three[e.offset..e.offset + 9], b"<external");
    assert_eq!(e.status_hint(), 413);
    assert!(
        ResourceLists::parse_with_limits(
            &three,
            ParseLimits {
                max_entries: 3,
                ..limits
            }
        )
        .is_ok()
    );

    let e = ResourceLists::parse_with_limits(
        &three,
        ParseLimits {
            max_size: 10,
            ..ParseLimits::default()
        },
    )
    .unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::TooLarge, 10));

    let deep = doc_with(&format!("{}{}", "<list>".repeat(20), "</list>".repeat(20)));
    let e = ResourceLists::parse(&deep).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::TooDeep);
    // Root is depth 1: the 16th <list> is the 17th element deep.
    assert_eq!(e.offset, HEAD.len() + 15 * 6);

    let many = doc_with(&"<x:skip xmlns:x=\"urn:x\"/>".repeat(11));
    let e = ResourceLists::parse_with_limits(
        &many,
        ParseLimits {
            max_elements: 10,
            ..ParseLimits::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::TooManyElements);
}

// --- unique URIs --------------------------------------------------------------------------

#[test]
fn unique_uris_follow_sip_uri_equivalence() {
    // REQ: FOC-4 (RFC 3261 §19.1.4; RFC 3966 §4)
    for (a, b) in [
        (
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp",
        ),
        ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
        (
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
        ),
        ("tel:+358-555-1234567", "tel:+358.555.1234567"),
        ("http://a.example/x", "http://a.example/x"),
    ] {
        assert!(same_uri(a, b), "{a} = {b}");
    }
    for (a, b) in [
        ("SIP:ALICE@AtLanTa.CoM", "sip:alice@atlanta.com"),
        ("sip:alice@atlanta.com", "sip:alice@atlanta.com:5060"),
        ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
        ("sips:alice@atlanta.com", "sip:alice@atlanta.com"),
        ("sip:alice@atlanta.com", "http://alice@atlanta.com"),
        ("http://a.example/x", "http://A.example/x"),
    ] {
        assert!(!same_uri(a, b), "{a} != {b}");
    }

    // Not transitive: the first spelling met decides, deterministically.
    let doc = ResourceLists::from_uris([
        "sip:c@h;x=1",
        "sip:c@h",
        "sip:c@h;x=2",
        "sip:c@h;transport=tcp",
        "sip:d@h",
        "not a uri",
        "not a uri",
    ]);
    assert_eq!(
        uris(&doc.unique_uris()),
        [
            "sip:c@h;x=1",
            "sip:c@h;x=2",
            "sip:c@h;transport=tcp",
            "sip:d@h",
            "not a uri"
        ]
    );
    // The free function takes any entries, in the order given.
    let reversed: Vec<&Entry> = doc
        .entries()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(unique_uris(reversed).len(), 5);
}

// --- the RFC 5366 body --------------------------------------------------------------------

#[test]
fn recipient_list_body_is_rfc5366_multipart() {
    // REQ: FOC-4 (RFC 5366 §4: the offer and the list marked recipient-list)
    let list = ResourceLists::from_uris(["sip:bill@example.com"]);
    let sdp = Bytes::from_static(b"v=0\r\n");
    let body = recipient_list_body(sdp.clone(), &list, "b1").unwrap();
    assert_eq!(&body.content_type[..], b"multipart/mixed; boundary=\"b1\"");
    let mut want = b"--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--b1\r\n\
Content-Type: application/resource-lists+xml\r\nContent-Disposition: recipient-list\r\n\r\n"
        .to_vec();
    want.extend_from_slice(&list.to_xml());
    want.extend_from_slice(b"\r\n--b1--\r\n");
    assert_eq!(body.body, want);

    let parts = split_recipient_list_body(&body.content_type, &body.body).unwrap();
    assert_eq!(parts.sdp, Some(sdp));
    assert_eq!(parts.list, list);
    assert_eq!(parts.list_bytes, list.to_xml());

    // A boundary that occurs in a part is refused: the caller draws another.
    let clash = recipient_list_body(Bytes::from_static(b"x\r\n--b1\r\n"), &list, "b1");
    assert!(clash.is_err());
}

#[test]
fn recipient_list_bodies_that_do_not_fit_are_refused() {
    // REQ: FOC-4
    let xml = ResourceLists::from_uris(["sip:a@example.com"]).to_xml();
    let ct = Bytes::from_static(b"multipart/mixed;boundary=zz");
    let multipart = |parts: &[(&str, &[u8])]| {
        let mut out = Vec::new();
        for (headers, body) in parts {
            out.extend_from_slice(b"--zz\r\n");
            out.extend_from_slice(headers.as_bytes());
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--zz--\r\n");
        Bytes::from(out)
    };
    let sdp_part = ("Content-Type: application/sdp\r\n", &b"v=0\r\n"[..]);
    let list_part = (
        "Content-Type: application/resource-lists+xml\r\nContent-Disposition: recipient-list\r\n",
        &xml[..],
    );

    let only_sdp = multipart(&[sdp_part]);
    assert_eq!(
        split_recipient_list_body(&ct, &only_sdp).unwrap_err(),
        SplitError::NoRecipientList
    );
    let twice = multipart(&[sdp_part, list_part, list_part]);
    assert_eq!(
        split_recipient_list_body(&ct, &twice).unwrap_err(),
        SplitError::SeveralRecipientLists
    );
    let plain = multipart(&[(
        "Content-Type: text/plain\r\nContent-Disposition: recipient-list\r\n",
        b"sip:a@example.com",
    )]);
    let e = split_recipient_list_body(&ct, &plain).unwrap_err();
    assert_eq!((e, e.status_hint()), (SplitError::UnsupportedListType, 415));
    assert_eq!(
        split_recipient_list_body(&Bytes::from_static(b"application/sdp"), &only_sdp).unwrap_err(),
        SplitError::NotARecipientList
    );
    assert!(matches!(
        split_recipient_list_body(&Bytes::from_static(b"multipart/mixed"), &only_sdp),
        Err(SplitError::Multipart(_))
    ));

    // A broken list is located in the whole body.
    let broken = multipart(&[
        sdp_part,
        (
            "Content-Type: application/resource-lists+xml\r\nContent-Disposition: recipient-list\r\n",
            format!("{HEAD}<list><entry/></list></resource-lists>").as_bytes(),
        ),
    ]);
    let SplitError::List(e) = split_recipient_list_body(&ct, &broken).unwrap_err() else {
        panic!()
    };
    assert_eq!(e.kind, ParseErrorKind::MissingAttribute);
    assert_eq!(&broken[e.offset..e.offset + 6], b"<entry");

    // The group-size bound while splitting (REQ: FOC-4).
    let limits = ParseLimits {
        max_entries: 0,
        ..ParseLimits::default()
    };
    let full = multipart(&[sdp_part, list_part]);
    let e = split_recipient_list_body_with_limits(&ct, &full, limits).unwrap_err();
    assert_eq!(e.status_hint(), 413);

    // A bare list (the request's own Content-Disposition says recipient-list).
    let bare =
        split_recipient_list_body(&Bytes::from_static(b"application/resource-lists+xml"), &xml)
            .unwrap();
    assert_eq!(bare.sdp, None);
    assert_eq!(bare.list.entries().count(), 1);
}

// --- properties ---------------------------------------------------------------------------

/// Text the writer must carry: any XML character, `&<>"'`, line ends, non-ASCII.
fn text() -> impl Strategy<Value = Text> {
    "[a-zA-Z0-9 &<>\"'\t\r\n\u{e9}\u{4e2d}\u{1f600}-]{0,12}".prop_map(Text::from)
}

/// A URI-like value: no white space at its ends (the reader trims it), not empty.
fn uri() -> impl Strategy<Value = Text> {
    "(sip|sips|tel|http):[a-zA-Z0-9@.;=%&<>\"'/?-]{1,16}".prop_map(Text::from)
}

fn display_name() -> impl Strategy<Value = Option<DisplayName>> {
    proptest::option::of(
        (
            text(),
            proptest::option::of("[a-z]{2}(-[A-Z]{2})?".prop_map(Text::from)),
        )
            .prop_map(|(text, lang)| DisplayName { text, lang }),
    )
}

fn copy_control() -> impl Strategy<Value = Option<CopyControl>> {
    proptest::option::of(prop_oneof![
        Just(CopyControl::To),
        Just(CopyControl::Cc),
        Just(CopyControl::Bcc)
    ])
}

fn leaf_item() -> impl Strategy<Value = ListItem> {
    prop_oneof![
        4 => (uri(), display_name(), copy_control(), proptest::option::of(any::<bool>()))
            .prop_map(|(uri, display_name, copy_control, anonymize)| ListItem::Entry(Entry {
                uri,
                display_name,
                copy_control,
                anonymize,
            })),
        1 => (uri(), display_name())
            .prop_map(|(reference, display_name)| ListItem::EntryRef(EntryRef {
                reference,
                display_name,
            })),
        1 => (proptest::option::of(uri()), display_name())
            .prop_map(|(anchor, display_name)| ListItem::External(External {
                anchor,
                display_name,
            })),
    ]
}

fn list() -> impl Strategy<Value = List> {
    let leaf = (
        proptest::option::of(text()),
        display_name(),
        proptest::collection::vec(leaf_item(), 0..5),
    )
        .prop_map(|(name, display_name, items)| List {
            name,
            display_name,
            items,
        });
    leaf.prop_recursive(3, 24, 4, |inner| {
        (
            proptest::option::of(text()),
            display_name(),
            proptest::collection::vec(
                prop_oneof![3 => leaf_item(), 1 => inner.prop_map(ListItem::List)],
                0..5,
            ),
        )
            .prop_map(|(name, display_name, items)| List {
                name,
                display_name,
                items,
            })
    })
}

proptest! {
    #[test]
    fn build_then_parse_is_identity(lists in proptest::collection::vec(list(), 0..3)) {
        // REQ: FOC-4
        let doc = ResourceLists { lists };
        let xml = doc.to_xml();
        prop_assert_eq!(ResourceLists::parse(&xml), Ok(doc.clone()));
        // And through the RFC 5366 body.
        let body = recipient_list_body(Bytes::from_static(b"v=0\r\n"), &doc, "prop-b").unwrap();
        let parts = split_recipient_list_body(&body.content_type, &body.body).unwrap();
        prop_assert_eq!(parts.list, doc);
    }

    #[test]
    fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        // REQ: SEC-2
        let _ = ResourceLists::parse(&Bytes::from(bytes));
    }

    #[test]
    fn mutated_documents_never_panic(
        at in 0usize..805,
        byte in any::<u8>(),
    ) {
        // REQ: SEC-2
        let mut doc = fixture("rfc5366_list.xml").to_vec();
        if let Some(b) = doc.get_mut(at) {
            *b = byte;
        }
        let doc = Bytes::from(doc);
        if let Ok(parsed) = ResourceLists::parse(&doc) {
            let _ = parsed.unique_uris();
            prop_assert_eq!(ResourceLists::parse(&parsed.to_xml()), Ok(parsed));
        }
    }
}
