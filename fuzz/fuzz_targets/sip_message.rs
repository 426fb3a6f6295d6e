//! A datagram of arbitrary bytes: parsing must return `Ok` or `Err`, never panic, loop or
//! read out of bounds.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sip::Message;

fuzz_target!(|data: &[u8]| {
    let _ = Message::parse_datagram(Bytes::copy_from_slice(data));
});
