//! The IMDN headers of a CPIM header block (RFC 5438 §6, grammar §7), found by the namespace
//! `urn:ietf:params:imdn` whatever prefix the message declared for it (REQ: CPIM-2). The IMDN
//! XML documents live elsewhere in this crate.

use bytes::{BufMut, BytesMut};

use crate::address::Address;
use crate::chars::{is_tokenchar, trim_wsp};
use crate::error::{ErrorKind, ParseError, Result};
use crate::message::CpimHead;
use crate::ns::IMDN_NS;

/// `Disposition-Notification` (RFC 5438 §6.3): which notifications the sender asks for.
/// Extension tokens and parameters are accepted and ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DispositionNotification {
    /// `positive-delivery`.
    pub positive_delivery: bool,
    /// `negative-delivery`.
    pub negative_delivery: bool,
    /// `display`.
    pub display: bool,
    /// `processing`.
    pub processing: bool,
}

impl DispositionNotification {
    /// Parses a header value starting at `offset` in the message.
    pub fn parse(value: &[u8], offset: usize) -> Result<Self> {
        let mut d = Self::default();
        let mut at = 0;
        for item in value.split(|&b| b == b',') {
            let token = item.split(|&b| b == b';').next().unwrap_or_default();
            let lead = token
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            let token = trim_wsp(token);
            if token.is_empty() || !token.iter().all(|&b| is_tokenchar(b)) {
                return Err(ParseError::new(ErrorKind::HeaderValue, offset + at + lead));
            }
            let t = token.to_ascii_lowercase();
            match &t[..] {
                b"positive-delivery" => d.positive_delivery = true,
                b"negative-delivery" => d.negative_delivery = true,
                b"display" => d.display = true,
                b"processing" => d.processing = true,
                _ => {}
            }
            at += item.len() + 1;
        }
        Ok(d)
    }

    /// True when nothing is asked for.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        !(self.positive_delivery || self.negative_delivery || self.display || self.processing)
    }

    /// Writes the value (`positive-delivery, display`), in RFC 5438 order.
    pub fn encode(&self, out: &mut BytesMut) {
        let all = [
            (self.positive_delivery, &b"positive-delivery"[..]),
            (self.negative_delivery, b"negative-delivery"),
            (self.display, b"display"),
            (self.processing, b"processing"),
        ];
        let mut first = true;
        for (on, name) in all {
            if on {
                if !first {
                    out.put_slice(b", ");
                }
                out.put_slice(name);
                first = false;
            }
        }
    }
}

impl CpimHead {
    /// `imdn.Message-ID` (RFC 5438 §6.3): the token, as written.
    #[must_use]
    pub fn imdn_message_id(&self) -> Option<&[u8]> {
        self.header_ns(IMDN_NS, "Message-ID")
            .map(|h| trim_wsp(h.raw_value()))
    }

    /// `imdn.Disposition-Notification` (RFC 5438 §6.3).
    #[must_use]
    pub fn disposition_notification(&self) -> Option<Result<DispositionNotification>> {
        self.header_ns(IMDN_NS, "Disposition-Notification")
            .map(|h| DispositionNotification::parse(h.raw_value(), h.value_offset()))
    }

    /// `imdn.Original-To` (RFC 5438 §6.4): the recipient before any exploder rewrote `To`.
    #[must_use]
    pub fn original_to(&self) -> Option<Result<Address>> {
        self.imdn_addresses("Original-To").next()
    }

    /// Every `imdn.IMDN-Record-Route` (RFC 5438 §6.5), in order.
    pub fn imdn_record_routes(&self) -> impl Iterator<Item = Result<Address>> + '_ {
        self.imdn_addresses("IMDN-Record-Route")
    }

    /// Every `imdn.IMDN-Route` (RFC 5438 §6.6), in order.
    pub fn imdn_routes(&self) -> impl Iterator<Item = Result<Address>> + '_ {
        self.imdn_addresses("IMDN-Route")
    }

    fn imdn_addresses<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Result<Address>> + 'a {
        self.headers_ns(IMDN_NS, name)
            .map(|h| Address::parse(&h.raw_value_bytes(), h.value_offset()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn disposition_subsets_round_trip() {
        for bits in 0u8..16 {
            let d = DispositionNotification {
                positive_delivery: bits & 1 != 0,
                negative_delivery: bits & 2 != 0,
                display: bits & 4 != 0,
                processing: bits & 8 != 0,
            };
            let mut out = BytesMut::new();
            d.encode(&mut out);
            if d.is_empty() {
                continue;
            }
            assert_eq!(DispositionNotification::parse(&out, 0).unwrap(), d);
        }
        let x = DispositionNotification::parse(b"display;x=1 , future-thing", 0).unwrap();
        assert!(x.display && !x.processing);
        assert_eq!(
            DispositionNotification::parse(b"display,,x", 40).unwrap_err(),
            ParseError::new(ErrorKind::HeaderValue, 48)
        );
    }
}
