//! Resource-lists documents (`application/resource-lists+xml`, RFC 4826 with RFC 5364 copy
//! control) and the RFC 5366 recipient-list body, from arbitrary bytes (REQ: FOC-4, SEC-2).
//!
//! - The whole input as a document: parsing never panics or runs away (size, depth, entries
//!   and elements are bounded), errors are located inside the input, and a document that
//!   parses writes XML that parses back to the same model, also through the multipart body.
//! - The first line as a Content-Type and the rest as a body: splitting never panics, its
//!   parts are slices of the body, and a list found there round-trips too.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_focus::resource_lists::{
    ParseErrorKind, ResourceLists, SplitError, recipient_list_body, split_recipient_list_body,
};

fn inside(whole: &Bytes, part: &[u8]) -> bool {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    part.is_empty() || (p >= w && p + part.len() <= w + whole.len())
}

fn round_trip(doc: &ResourceLists) {
    let xml = doc.to_xml();
    let again = ResourceLists::parse(&xml)
        .unwrap_or_else(|e| panic!("{doc:?} wrote {xml:?}, which fails: {e}"));
    assert_eq!(doc, &again, "re-serialized document differs; wrote {xml:?}");
    assert_eq!(again.to_xml(), xml, "writing is deterministic");
    let unique = doc.unique_uris();
    assert!(unique.len() <= doc.entries().count());
    if let Ok(body) = recipient_list_body(Bytes::from_static(b"v=0\r\n"), doc, "fuzz-b0undary") {
        let parts = split_recipient_list_body(&body.content_type, &body.body)
            .unwrap_or_else(|e| panic!("{doc:?}: the body it wrote does not split: {e}"));
        assert_eq!(&parts.list, doc);
    }
}

fuzz_target!(|data: &[u8]| {
    let input = Bytes::copy_from_slice(data);
    match ResourceLists::parse(&input) {
        Ok(doc) => round_trip(&doc),
        Err(e) => assert!(
            e.kind == ParseErrorKind::TooLarge || e.offset <= input.len(),
            "{e} outside the {} bytes",
            input.len()
        ),
    }

    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"multipart/mixed;boundary=b"[..], data),
    };
    let content_type = Bytes::copy_from_slice(content_type);
    let body = Bytes::copy_from_slice(body);
    match split_recipient_list_body(&content_type, &body) {
        Ok(parts) => {
            assert!(inside(&body, &parts.list_bytes));
            if let Some(sdp) = &parts.sdp {
                assert!(inside(&body, sdp));
            }
            round_trip(&parts.list);
        }
        Err(SplitError::List(e)) => assert!(
            e.kind == ParseErrorKind::TooLarge || e.offset <= body.len(),
            "{e} outside the {} bytes",
            body.len()
        ),
        Err(_) => {}
    }
});
