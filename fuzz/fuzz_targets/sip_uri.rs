//! URIs: parsing arbitrary bytes never panics, and a parsed URI prints to text that parses back
//! to an equal URI.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sip::Uri;

fuzz_target!(|data: &[u8]| {
    let Ok(uri) = Uri::parse(&Bytes::copy_from_slice(data)) else {
        return;
    };
    let printed = uri.to_string();
    let reparsed = Uri::parse(&Bytes::from(printed.clone()))
        .unwrap_or_else(|e| panic!("{uri:?} printed as {printed:?}, which fails to parse: {e}"));
    assert_eq!(uri, reparsed, "printed as {printed:?}");
});
