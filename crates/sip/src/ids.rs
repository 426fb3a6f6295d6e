//! Identifier generation (tags, branches, Call-IDs), injected so that the library stays
//! deterministic: the same generator state gives the same messages (DESIGN.md, "Sans-IO").

use bytes::Bytes;

/// What an identifier is for; a generator may format each differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// A From/To tag (RFC 3261 §19.3: at least 32 bits of randomness).
    Tag,
    /// A Via branch; must start with the magic cookie `z9hG4bK` (RFC 3261 §8.1.1.7).
    Branch,
    /// A Call-ID (RFC 3261 §8.1.1.4).
    CallId,
}

/// A source of identifiers. Hosts implement it over their own randomness; tests use
/// [`SeededIds`].
pub trait IdGenerator {
    /// A fresh identifier of the given kind. It must be a `token` (RFC 3261 §25.1) and, for
    /// [`IdKind::Branch`], start with `z9hG4bK`.
    fn next_id(&mut self, kind: IdKind) -> Bytes;
}

impl<G: IdGenerator + ?Sized> IdGenerator for &mut G {
    fn next_id(&mut self, kind: IdKind) -> Bytes {
        (**self).next_id(kind)
    }
}

/// A deterministic generator (SplitMix64 over a seed): same seed, same identifiers.
/// Not a source of unpredictability: a host facing the network seeds it from a real RNG or
/// implements [`IdGenerator`] itself.
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
    fn next_id(&mut self, kind: IdKind) -> Bytes {
        let a = self.next_u64();
        Bytes::from(match kind {
            IdKind::Tag => format!("{:08x}", a >> 32),
            IdKind::Branch => format!("z9hG4bK{a:016x}"),
            IdKind::CallId => format!("{a:016x}{:08x}", self.next_u64() >> 32),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let mut a = SeededIds::new(7);
        let mut b = SeededIds::new(7);
        for kind in [IdKind::Tag, IdKind::Branch, IdKind::CallId] {
            let x = a.next_id(kind);
            assert_eq!(x, b.next_id(kind));
            assert!(x.iter().all(|&c| crate::lex::is_token(c)));
        }
        assert!(a.next_id(IdKind::Branch).starts_with(b"z9hG4bK"));
        assert_ne!(a.next_id(IdKind::Tag), a.next_id(IdKind::Tag));
    }
}
