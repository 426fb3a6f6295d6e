//! IMDN (`message/imdn+xml`) and is-composing documents from arbitrary bytes: parsing never
//! panics or runs away (size and depth are bounded), and a document that parses writes XML
//! that parses back to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simpleim_cpim::xml::{ImdnDocument, IsComposing};

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = ImdnDocument::parse(data) {
        let xml = doc.to_xml();
        let again = ImdnDocument::parse(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{doc:?} wrote {xml:?}, which fails: {e}"));
        assert_eq!(doc, again);
    }
    if let Ok(doc) = IsComposing::parse(data) {
        let xml = doc.to_xml();
        let again = IsComposing::parse(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{doc:?} wrote {xml:?}, which fails: {e}"));
        assert_eq!(doc, again);
    }
});
