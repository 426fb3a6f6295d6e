//! The shared reader's own contract, apart from any document type: names and namespaces,
//! zero-copy values, error kinds and where they point.
// REQ: SEC-2

use std::borrow::Cow;

use super::*;

const NS: &str = "urn:example:a";
const KNOWN: &[&str] = &[NS, XML_NAMESPACE];

fn reader(input: &str) -> XmlReader<'_> {
    XmlReader::new(input.as_bytes(), KNOWN, &XmlLimits::default()).unwrap()
}

/// The error of reading `input` to the end: root, every child (skipped), finish.
fn error_of(input: &str, limits: &XmlLimits) -> XmlError {
    let read = || -> Result<(), XmlError> {
        let mut r = XmlReader::new(input.as_bytes(), KNOWN, limits)?;
        let root = r.root()?;
        while let Some(child) = r.child(&root)? {
            r.skip(&child)?;
        }
        r.finish()
    };
    read().unwrap_err()
}

#[test]
fn names_resolve_whatever_the_prefix() {
    let input = r#"<p:root xmlns:p="urn:example:a" xmlns:o="urn:other" plain="1" p:q="2"
        xml:lang="en" o:ext="3"><p:a/><a/><o:a/></p:root>"#;
    let mut r = reader(input);
    let root = r.root().unwrap();
    assert!(root.is(NS, "root"));
    assert_eq!(root.namespace(), XmlNamespace::Known(NS));
    assert_eq!(root.attribute("plain"), Some("1"));
    assert_eq!(root.attribute("q"), None, "q is qualified");
    assert_eq!(root.attribute_in(NS, "q"), Some("2"));
    assert_eq!(root.attribute_in(XML_NAMESPACE, "lang"), Some("en"));
    let ext = root.attributes().iter().find(|a| *a.local_name == *b"ext");
    assert_eq!(ext.map(|a| a.namespace), Some(XmlNamespace::Other));

    let names: Vec<_> = std::iter::from_fn(|| r.child(&root).unwrap())
        .map(|e| (e.namespace(), e.name_in(NS).map(<[u8]>::to_vec)))
        .collect();
    assert_eq!(
        names,
        [
            (XmlNamespace::Known(NS), Some(b"a".to_vec())),
            (XmlNamespace::None, None),
            (XmlNamespace::Other, None),
        ]
    );
    r.finish().unwrap();
}

#[test]
fn known_child_skips_extensions() {
    let input =
        r#"<root xmlns="urn:example:a"><x:e xmlns:x="urn:x"><x:f>t</x:f></x:e><a>v</a></root>"#;
    let mut r = reader(input);
    let root = r.root().unwrap();
    let a = r.known_child(&root).unwrap().unwrap();
    assert!(a.is(NS, "a"));
    assert_eq!(r.text(&a).unwrap(), "v");
    assert!(r.known_child(&root).unwrap().is_none());
    r.finish().unwrap();
}

#[test]
fn values_borrow_the_input_unless_resolved() {
    let input = r#"<root xmlns="urn:example:a" u="sip:a@b" e="a&amp;b"><a>plain</a><b>x&lt;y<!-- c -->z</b><c/></root>"#;
    let mut r = reader(input);
    let root = r.root().unwrap();
    let u = &root.attributes()[1];
    assert!(matches!(u.value, Cow::Borrowed("sip:a@b")));
    assert!(input.as_bytes().as_ptr_range().contains(&u.value.as_ptr()));
    assert!(matches!(&root.attributes()[2].value, Cow::Owned(v) if v == "a&b"));

    let a = r.child(&root).unwrap().unwrap();
    let text = r.text(&a).unwrap();
    assert!(matches!(text, Cow::Borrowed("plain")));
    assert!(input.as_bytes().as_ptr_range().contains(&text.as_ptr()));
    let b = r.child(&root).unwrap().unwrap();
    assert_eq!(r.text(&b).unwrap(), "x<yz");
    let c = r.child(&root).unwrap().unwrap();
    assert!(c.is_self_closing());
    assert_eq!(r.text(&c).unwrap(), "");
    assert!(r.child(&root).unwrap().is_none());
    r.finish().unwrap();
}

#[test]
fn errors_are_typed_and_located() {
    let limits = XmlLimits::default();
    let kind_at = |input: &str| {
        let e = error_of(input, &limits);
        (e.kind, e.offset)
    };
    // Text where only elements go: blamed on its first byte that is not white space.
    assert_eq!(
        kind_at("<root>\n  words</root>"),
        (XmlErrorKind::UnexpectedText, 9)
    );
    assert_eq!(
        kind_at("<?xml version=\"1.0\" encoding=\"latin1\"?><root/>"),
        (XmlErrorKind::Encoding, 0)
    );
    assert_eq!(kind_at("<root/>\n<second/>"), (XmlErrorKind::Malformed, 8));
    assert_eq!(kind_at("<root>&nbsp;</root>"), (XmlErrorKind::Malformed, 6));
    assert_eq!(kind_at("<p:root/>").0, XmlErrorKind::Malformed);
    assert_eq!(kind_at("<root p:a=\"1\"/>"), (XmlErrorKind::Malformed, 0));
    assert_eq!(kind_at("<root a=\"&#0;\"/>"), (XmlErrorKind::Malformed, 0));
    assert_eq!(kind_at("<!DOCTYPE r><root/>"), (XmlErrorKind::Malformed, 0));

    let mut r = reader("<root><a>t<b/></a></root>");
    let root = r.root().unwrap();
    let a = r.child(&root).unwrap().unwrap();
    assert_eq!(
        r.text(&a),
        Err(XmlError::new(XmlErrorKind::UnexpectedElement, 10))
    );
}

#[test]
fn limits_bound_the_work() {
    let limits = XmlLimits {
        max_size: 8,
        ..XmlLimits::default()
    };
    assert_eq!(
        XmlReader::new(b"<root></root>", KNOWN, &limits).map(|_| ()),
        Err(XmlError::new(XmlErrorKind::TooLarge, 8))
    );
    let limits = XmlLimits {
        max_depth: 2,
        ..XmlLimits::default()
    };
    let e = error_of("<root><a><b/></a></root>", &limits);
    assert_eq!((e.kind, e.offset), (XmlErrorKind::TooDeep, 9));
    let limits = XmlLimits {
        max_elements: 3,
        ..XmlLimits::default()
    };
    let e = error_of("<root><a/><a></a><a/></root>", &limits);
    assert_eq!((e.kind, e.offset), (XmlErrorKind::TooManyElements, 17));
}

#[test]
fn undeclared_attribute_prefixes_tolerated_only_on_request() {
    let input = b"<root p:a=\"1\"/>";
    let mut strict = XmlReader::new(input, KNOWN, &XmlLimits::default()).unwrap();
    assert_eq!(strict.root().map(|_| ()), Err(XmlError::malformed(0)));
    let mut tolerant = XmlReader::new(input, KNOWN, &XmlLimits::default())
        .unwrap()
        .tolerate_undeclared_attribute_prefixes();
    let root = tolerant.root().unwrap();
    assert_eq!(root.attributes()[0].namespace, XmlNamespace::Other);
    tolerant.finish().unwrap();
}

#[test]
fn character_classes() {
    assert!(is_xml_char('\t') && is_xml_char('\u{10FFFF}') && is_xml_char('\u{FFFD}'));
    assert!(!is_xml_char('\0') && !is_xml_char('\u{FFFE}') && !is_xml_char('\u{B}'));
    assert!(is_xml_whitespace(" \t\r\n") && is_xml_whitespace(""));
    assert!(!is_xml_whitespace("\u{A0}"));
    assert_eq!(trim_xml_whitespace("\n x y\t"), "x y");
    assert_eq!(trim_xml_whitespace("\u{A0}x"), "\u{A0}x");
}
