//! message/cpim from arbitrary bytes, strict and lenient: parsing never panics; a message
//! that parses re-encodes byte for byte; and cut-through on a prefix agrees with the whole
//! parse (the same head and payload offset once the head is complete).
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use simpleim_cpim::{CpimMessage, HeadParser, ParseOptions, Status};

fuzz_target!(|data: &[u8]| {
    let bytes = Bytes::copy_from_slice(data);
    for opts in [ParseOptions::default(), ParseOptions::lenient()] {
        let Ok(m) = CpimMessage::parse_with(bytes.clone(), &opts) else {
            continue;
        };
        let mut out = BytesMut::new();
        m.encode(&mut out);
        assert_eq!(&out[..], data);
        // Feed the message in two pieces; the incremental parser must end where the whole
        // parse did.
        let cut = data.len() / 2;
        let mut p = HeadParser::new(opts.clone());
        let head = match p.parse(&data[..cut]) {
            Ok(Status::Complete(h)) => h,
            _ => match p.parse(data) {
                Ok(Status::Complete(h)) => h,
                other => panic!("whole message parsed but cut-through gave {other:?}"),
            },
        };
        assert_eq!(head.1, m.head().payload_offset());
    }
});
