//! What the host rewrites on the wire because the focus cannot be told otherwise; each is a
//! library gap, described where it is handled.

use bytes::{Bytes, BytesMut};
use simpleim::sip::{HeaderName, Message, Method};

/// The message's bytes, with the top Via of the focus's own requests naming the transport
/// they really go over (RFC 3261 §18.1.1: the Via transport is the one the request is sent
/// on). The focus writes one Via transport for all its requests (`ControlConfig::sent_by`,
/// `DeferredConfig::sent_by`) whatever the handle; a host serving UDP and TCP swaps it. The
/// swap keeps every length, so Content-Length stays right.
pub(crate) fn with_via_transport(message: &Message, written: &[u8], transport: &[u8; 3]) -> Bytes {
    let bytes = message.as_bytes().clone();
    if message.as_request().is_none() || written == transport {
        return bytes;
    }
    let from = [b"SIP/2.0/".as_slice(), written, b" "].concat();
    let head_end = memchr::memmem::find(&bytes, b"\r\n\r\n").unwrap_or(bytes.len());
    let Some(at) = memchr::memmem::find(bytes.get(..head_end).unwrap_or_default(), &from) else {
        return bytes;
    };
    let mut out = BytesMut::from(bytes.as_ref());
    if let Some(slot) = out.get_mut(at + 8..at + 11) {
        slot.copy_from_slice(transport);
    }
    out.freeze()
}

/// A REGISTER whose only required extension is `pref` (RFC 3840 §9, which an OMA IM client
/// sends, seed 004 §6.1.1.1 step 3) without its `Require` header: the focus's control plane
/// validates every request against an extension list the host cannot extend, and would answer
/// 420. The deferred-messaging service that takes the REGISTER needs nothing of RFC 3840 (it
/// ignores feature tags), so accepting the request is honest here. Other messages pass as
/// they are.
pub(crate) fn accept_require_pref(message: Message) -> Message {
    let only_pref = match &message {
        Message::Request(r) if *r.method() == Method::Register => {
            let mut requires = r.headers().get_all(HeaderName::Require).peekable();
            requires.peek().is_some()
                && requires.all(|h| {
                    h.value()
                        .split(|&b| b == b',')
                        .all(|t| t.trim_ascii().eq_ignore_ascii_case(b"pref"))
                })
        }
        _ => false,
    };
    if !only_pref {
        return message;
    }
    let raw = message.as_bytes();
    let Some(head_end) = memchr::memmem::find(raw, b"\r\n\r\n") else {
        return message;
    };
    let mut out = BytesMut::with_capacity(raw.len());
    let mut lines = raw
        .get(..head_end + 2)
        .unwrap_or_default()
        .split_inclusive(|&b| b == b'\n');
    let mut dropping = false;
    for line in lines.by_ref() {
        // A folded continuation line belongs to the header before it (RFC 3261 §7.3.1).
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            dropping = name.trim_ascii().eq_ignore_ascii_case(b"Require");
        }
        if !dropping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(raw.get(head_end + 2..).unwrap_or_default());
    Message::parse_datagram(out.freeze()).unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Message {
        Message::parse_datagram(Bytes::copy_from_slice(text.as_bytes())).unwrap()
    }

    const REGISTER: &str = "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\
        Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n\
        Call-ID: c\r\nCSeq: 1 REGISTER\r\nRequire: pref\r\nContact: <sip:a@h>\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn require_pref_is_dropped_from_register_only() {
        let m = accept_require_pref(parse(REGISTER));
        assert_eq!(m.as_bytes(), &REGISTER.replace("Require: pref\r\n", ""));
        let other = REGISTER.replace("Require: pref", "Require: pref, 100rel");
        assert_eq!(accept_require_pref(parse(&other)).as_bytes(), &other);
        let options = REGISTER.replace("REGISTER", "OPTIONS");
        assert_eq!(accept_require_pref(parse(&options)).as_bytes(), &options);
    }

    #[test]
    fn via_transport_follows_the_handle() {
        let m = parse(REGISTER);
        let udp = with_via_transport(&m, b"TCP", b"UDP");
        assert!(udp.starts_with(b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;"));
        assert_eq!(with_via_transport(&m, b"TCP", b"TCP"), m.as_bytes());
    }
}
