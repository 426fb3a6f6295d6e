//! multipart/mixed from arbitrary bytes: the first line of the input is the boundary, the rest
//! the body. Splitting never panics, and each part's body lies inside the input.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_cpim::mime;

fuzz_target!(|data: &[u8]| {
    let (boundary, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"b"[..], data),
    };
    let body = Bytes::copy_from_slice(body);
    if let Ok(m) = mime::split(&body, boundary) {
        let total: usize = m.parts.iter().map(|p| p.body.len()).sum();
        assert!(total <= body.len());
    }
});
