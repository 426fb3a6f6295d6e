//! Session descriptions from arbitrary bytes, strict and lenient: parsing never panics; a
//! description that parses re-encodes byte for byte and its typed views never panic.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sdp::{ParseOptions, SessionDescription};

fuzz_target!(|data: &[u8]| {
    for opts in [ParseOptions::strict(), ParseOptions::lenient()] {
        let Ok(sd) = SessionDescription::parse_with(Bytes::copy_from_slice(data), &opts) else {
            continue;
        };
        assert_eq!(&sd.to_bytes()[..], data);
        let _ = sd.origin();
        let _ = sd.timings().count();
        for m in sd.media() {
            let _ = m.media();
            let _ = m.attributes().count();
            let _ = m.connection();
        }
    }
});
