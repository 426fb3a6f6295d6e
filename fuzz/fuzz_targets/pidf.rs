//! PIDF (`application/pidf+xml`, RFC 3863) documents with the OMA IM tuples from arbitrary
//! bytes (REQ: PRES-1): parsing never panics or runs away (size and depth are bounded), and a
//! document that parses writes XML that parses back to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simpleim_cpim::xml::Presence;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = Presence::parse(data) {
        let xml = doc.to_xml();
        let again = Presence::parse(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{doc:?} wrote {xml:?}, which fails: {e}"));
        assert_eq!(doc, again);
    }
});
