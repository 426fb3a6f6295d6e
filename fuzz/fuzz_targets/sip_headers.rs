//! Every typed header parser on the same arbitrary value: each returns `Ok` or `Err`, never
//! panics.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_sip::header::*;

fn parse<H: TypedHeader>(value: &Bytes) {
    let _ = H::parse(value);
}

/// Runs every listed parser on `value`.
macro_rules! parse_all {
    ($value:expr; $($header:ty),* $(,)?) => {
        $(parse::<$header>($value);)*
    };
}

fuzz_target!(|data: &[u8]| {
    let value = Bytes::copy_from_slice(data);
    parse_all!(&value;
        Via, CSeq, From, To, Contact, CallId, MaxForwards, ContentLength, ContentType,
        Route, RecordRoute, Expires, MinExpires, RetryAfter, AcceptContact, RejectContact,
        AlertInfo, CallInfo, ErrorInfo, PAssertedIdentity, PPreferredIdentity, ReferTo,
        ReferredBy, ReplyTo, ContentDisposition, Event, SubscriptionState, Accept, Allow,
        AllowEvents, ProxyRequire, Require, Supported, Unsupported, Privacy, Server, UserAgent,
        MinSe, SessionExpires, Warning,
    );
});
