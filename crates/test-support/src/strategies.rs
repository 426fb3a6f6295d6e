//! proptest strategies for SIP messages.

use proptest::prelude::*;

/// A header value made of visible ASCII and inner spaces (no CR/LF, no leading or trailing
/// white space).
pub fn header_value() -> impl Strategy<Value = String> {
    "[!-~]([ !-~]{0,30}[!-~])?"
}

/// A header name that is not one of the headers with special framing meaning.
pub fn extension_header_name() -> impl Strategy<Value = String> {
    "X-[A-Za-z0-9-]{1,12}"
}

/// A token (RFC 3261 §25.1).
pub fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.!%*_+`'~-]{1,16}"
}

/// A generated SIP message in wire form: requests and responses with a handful of standard
/// headers, extension headers (some folded, some compact), and a body with a correct
/// Content-Length.
pub fn sip_message() -> impl Strategy<Value = Vec<u8>> {
    let start = prop_oneof![
        ("[A-Z]{3,9}", "[a-z]{1,8}", "[a-z]{1,10}")
            .prop_map(|(m, u, h)| format!("{m} sip:{u}@{h}.example.com SIP/2.0")),
        (100u16..700, "[A-Za-z ]{0,12}").prop_map(|(c, r)| format!("SIP/2.0 {c} {r}")),
    ];
    let headers = prop::collection::vec(
        (extension_header_name(), header_value(), any::<bool>()),
        0..8,
    );
    let body = prop::collection::vec(any::<u8>(), 0..64);
    (start, token(), headers, body, any::<bool>()).prop_map(
        |(start, branch, headers, body, compact)| {
            let mut out = format!("{start}\r\n");
            out.push_str(&format!(
                "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK{branch}\r\n"
            ));
            out.push_str("From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n");
            for (name, value, fold) in headers {
                if fold {
                    out.push_str(&format!("{name}: {value}\r\n  {value}\r\n"));
                } else {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
            }
            let cl = if compact { "l" } else { "Content-Length" };
            out.push_str(&format!("{cl}: {}\r\n\r\n", body.len()));
            let mut bytes = out.into_bytes();
            bytes.extend_from_slice(&body);
            bytes
        },
    )
}
