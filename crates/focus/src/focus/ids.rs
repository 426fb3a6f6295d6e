//! SIP identifiers drawn from an MSRP identifier generator, so that one [`IdFactory`]
//! (super::IdFactory) feeds every part of the focus.

use bytes::{BufMut, Bytes, BytesMut};
use simpleim_sip::{IdGenerator, IdKind};

/// A SIP [`IdGenerator`] over an MSRP one: tags and Call-IDs are its Message-IDs (16
/// hexadecimal digits from [`simpleim_msrp::SeededIds`], tokens either way), branches get the
/// RFC 3261 magic cookie in front.
pub(crate) struct SipIds(pub(crate) Box<dyn simpleim_msrp::IdGenerator>);

impl IdGenerator for SipIds {
    fn next_id(&mut self, kind: IdKind) -> Bytes {
        let id = self.0.message_id();
        let mut out = BytesMut::with_capacity(7 + id.as_bytes().len());
        if kind == IdKind::Branch {
            out.put_slice(b"z9hG4bK");
        }
        // A Message-ID may hold characters a SIP token does not (RFC 4975 `ident`): keep the
        // token ones, so that any generator gives valid SIP.
        out.extend(
            id.as_bytes()
                .iter()
                .filter(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(b)),
        );
        if out.len() <= 7 {
            out.put_slice(b"0");
        }
        out.freeze()
    }
}
