//! MSRP URIs and paths from arbitrary bytes (REQ: MSRP-3): never a panic; a parsed URI or path
//! displays as exactly its input, matches itself by the RFC 4975 §6.1 rules, and routes to
//! itself through a demultiplexer.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_msrp::{Demux, MatchMode, MsrpUri, Path};

fuzz_target!(|data: &[u8]| {
    let input = Bytes::copy_from_slice(data);
    if let Ok(uri) = MsrpUri::parse(input.clone()) {
        assert_eq!(uri.to_string().as_bytes(), data);
        assert!(uri.matches(&uri));
        let _ = (uri.host(), uri.port(), uri.userinfo(), uri.params().count());
        let mut demux = Demux::new();
        if demux.insert(uri.clone(), MatchMode::FullUri, 1u8).is_ok() {
            assert_eq!(demux.route(&uri), Some(&1));
        }
    }
    if let Ok(path) = Path::parse(input) {
        assert_eq!(path.to_string().as_bytes(), data);
        assert!(path.len() >= 1);
        assert!(path.first().matches(path.first()));
    }
});
