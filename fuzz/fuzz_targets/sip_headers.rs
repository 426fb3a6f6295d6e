//! Every typed header parser on the same arbitrary value: each returns `Ok` or `Err`, never
//! panics.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sip::header::{
    CSeq, CallId, Contact, ContentLength, ContentType, Expires, From, MaxForwards, RecordRoute,
    Route, To, TypedHeader, Via,
};

fn parse<H: TypedHeader>(value: &Bytes) {
    let _ = H::parse(value);
}

fuzz_target!(|data: &[u8]| {
    let value = Bytes::copy_from_slice(data);
    parse::<Via>(&value);
    parse::<CSeq>(&value);
    parse::<From>(&value);
    parse::<To>(&value);
    parse::<Contact>(&value);
    parse::<CallId>(&value);
    parse::<MaxForwards>(&value);
    parse::<ContentLength>(&value);
    parse::<ContentType>(&value);
    parse::<Route>(&value);
    parse::<RecordRoute>(&value);
    parse::<Expires>(&value);
});
