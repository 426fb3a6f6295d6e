//! Message-IDs and the injected generator of transaction identifiers and Message-IDs
//! (RFC 4975 §7.1, §7.1.1). No randomness lives in this crate: the host supplies it through
//! [`IdGenerator`], and tests use [`SeededIds`] (DESIGN.md, "Sans-IO").

use crate::error::{ErrorKind, ParseError};
use crate::frame::TransactionId;
use crate::ident::{Ident, ident_newtype};

/// A Message-ID (RFC 4975 §7.1.1, §9 `ident`): 4 to 32 characters, the first a letter or
/// digit, the others letters, digits, `.`, `-`, `+`, `%` or `=`. It names a whole message,
/// whatever its chunks. Stored inline: `Copy`, no allocation, compared byte for byte
/// (Message-IDs are case-sensitive).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(Ident);

impl MessageId {
    /// Checks and stores a Message-ID.
    ///
    /// # Errors
    /// [`ErrorKind::MessageId`] with the offset in `id` of the offending byte (or of the end,
    /// when the length is wrong).
    pub fn new(id: &[u8]) -> Result<Self, ParseError> {
        Ident::new(id)
            .map(Self)
            .map_err(|at| ParseError::new(ErrorKind::MessageId, at as u64))
    }

    /// A Message-ID made of 16 lower-case hexadecimal digits of `n` (64 bits, the amount of
    /// randomness RFC 4975 §7.1.1 suggests for an endpoint without a clock).
    #[must_use]
    pub fn from_u64(n: u64) -> Self {
        Self(Ident::from_checked(&hex16(n)))
    }
}

ident_newtype!(MessageId, "Message-ID");

/// `n` as 16 lower-case hexadecimal digits.
pub(crate) fn hex16(n: u64) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 60 - 4 * i;
        // The mask keeps the index below 16.
        let d = ((n >> shift) & 0xf) as usize;
        *slot = DIGITS.get(d).copied().unwrap_or(b'0');
    }
    out
}

/// A source of transaction identifiers and Message-IDs.
///
/// RFC 4975 §7.1 asks for transaction identifiers with at least 64 bits of randomness that do
/// not collide with other transactions in progress; §7.1.1 asks for Message-IDs "highly
/// unlikely to be repeated by another endpoint instance, or by the same instance in the
/// future". A host facing the network implements this over its own random source (or seeds
/// [`SeededIds`] from one); tests use [`SeededIds`] with a fixed seed so that every byte a
/// session writes is reproducible.
///
/// A session asks again when an identifier collides with one of its transactions in
/// progress, a few times at most.
pub trait IdGenerator: Send {
    /// A fresh transaction identifier.
    fn transaction_id(&mut self) -> TransactionId;
    /// A fresh Message-ID.
    fn message_id(&mut self) -> MessageId;
}

/// A deterministic generator (SplitMix64 over a seed): the same seed gives the same
/// identifiers. Each identifier is 16 hexadecimal digits of one 64-bit output.
///
/// It is not a source of unpredictability: seed it from a real random source when the
/// identifiers face the network, or implement [`IdGenerator`] directly.
///
/// ```
/// use simpleim_msrp::{IdGenerator, SeededIds};
///
/// let mut a = SeededIds::new(7);
/// let mut b = SeededIds::new(7);
/// assert_eq!(a.transaction_id(), b.transaction_id());
/// assert_eq!(a.message_id().as_str().len(), 16);
/// ```
#[derive(Debug, Clone)]
pub struct SeededIds {
    state: u64,
}

impl SeededIds {
    /// A generator starting from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl IdGenerator for SeededIds {
    fn transaction_id(&mut self) -> TransactionId {
        loop {
            // Sixteen hexadecimal digits are always an `ident`: this returns the first time.
            if let Ok(t) = TransactionId::new(&hex16(self.next_u64())) {
                return t;
            }
        }
    }

    fn message_id(&mut self) -> MessageId {
        MessageId::from_u64(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids() {
        // REQ: MSRP-4
        let m: MessageId = "12339sdqwer".parse().unwrap();
        assert_eq!(m.as_str(), "12339sdqwer");
        assert_eq!(m.to_string(), "12339sdqwer");
        assert_eq!(format!("{m:?}"), "MessageId(\"12339sdqwer\")");
        assert_eq!(
            MessageId::new(b"ab"),
            Err(ParseError::new(ErrorKind::MessageId, 2))
        );
        assert_eq!(
            MessageId::new(b"-abc"),
            Err(ParseError::new(ErrorKind::MessageId, 0))
        );
        assert!(MessageId::new(&[b'a'; 33]).is_err());
        assert_eq!(MessageId::new(&[b'a'; 32]).unwrap().as_bytes(), &[b'a'; 32]);
        assert_eq!(MessageId::from_u64(0xab).as_str(), "00000000000000ab");
        assert_eq!(MessageId::from_u64(u64::MAX).as_str(), "ffffffffffffffff");
    }

    #[test]
    fn seeded_ids_are_deterministic_idents() {
        let mut a = SeededIds::new(1);
        let mut b = SeededIds::new(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let t = a.transaction_id();
            assert_eq!(t, b.transaction_id());
            assert_eq!(t.len(), 16);
            assert!(seen.insert(t));
            let m = a.message_id();
            assert_eq!(m, b.message_id());
            assert!(MessageId::new(m.as_bytes()).is_ok());
        }
        assert_ne!(
            SeededIds::new(1).transaction_id(),
            SeededIds::new(2).transaction_id()
        );
    }
}
