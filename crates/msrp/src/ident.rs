//! The inline storage of an `ident` (RFC 4975 §9: `ALPHANUM 3*31ident-char`), which both
//! transaction identifiers ([`TransactionId`](crate::TransactionId)) and Message-IDs
//! ([`MessageId`](crate::MessageId)) are: `Copy`, no allocation.

use crate::header::ident_error;

/// A checked `ident`: its length and its bytes, zero-padded to [`Ident::MAX_LEN`]. The derived
/// comparisons see the length first, then the padded bytes; a type that wants byte-wise order
/// orders by [`Ident::as_bytes`] itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ident {
    len: u8,
    bytes: [u8; Ident::MAX_LEN],
}

impl Ident {
    /// The longest `ident` the grammar allows.
    pub(crate) const MAX_LEN: usize = 32;

    /// Checks and stores `id`; the error is the offset in `id` to blame (the bad byte, or the
    /// end when the length is wrong).
    #[inline]
    pub(crate) fn new(id: &[u8]) -> Result<Self, usize> {
        match ident_error(id) {
            Some(at) => Err(at),
            None => Ok(Self::from_checked(id)),
        }
    }

    /// Stores bytes already checked to be an `ident` (so at most [`Self::MAX_LEN`] of them).
    #[inline]
    pub(crate) fn from_checked(id: &[u8]) -> Self {
        let mut bytes = [0u8; Self::MAX_LEN];
        let len = id.len().min(Self::MAX_LEN);
        if let (Some(dst), Some(src)) = (bytes.get_mut(..len), id.get(..len)) {
            dst.copy_from_slice(src);
        }
        Self {
            // `len` is at most 32.
            len: u8::try_from(len).unwrap_or(32),
            bytes,
        }
    }

    /// Its bytes (ASCII).
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Its bytes as text (an `ident` is ASCII).
    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// Its length in bytes (4 to 32).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        usize::from(self.len)
    }
}

/// For a public newtype over [`Ident`] that has `new(&[u8]) -> Result<Self, ParseError>`:
/// the accessors `as_bytes` and `as_str`, `Debug` (as `Name("text")`), `Display` (the text)
/// and `FromStr` (through `new`). `$what` names the value in the docs.
macro_rules! ident_newtype {
    ($name:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("The ", $what, "'s bytes (ASCII).")]
            #[must_use]
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }

            #[doc = concat!("The ", $what, " as text.")]
            #[must_use]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.as_str())
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl core::str::FromStr for $name {
            type Err = crate::error::ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s.as_bytes())
            }
        }
    };
}
pub(crate) use ident_newtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_inline() {
        // The public types that wrap it are no larger than it.
        assert_eq!(size_of::<Ident>(), 33);
        assert_eq!(size_of::<crate::TransactionId>(), 33);
        assert_eq!(size_of::<crate::MessageId>(), 33);
        let id = Ident::new(b"a.b-c+d%e=f").unwrap();
        assert_eq!(
            (id.as_bytes(), id.as_str(), id.len()),
            (&b"a.b-c+d%e=f"[..], "a.b-c+d%e=f", 11)
        );
        assert_eq!(Ident::new(b"abc").err(), Some(3));
        assert_eq!(Ident::new(b"-abc").err(), Some(0));
        assert_eq!(Ident::new(&[b'a'; 33]).err(), Some(32));
        assert_eq!(Ident::new(&[b'a'; 32]).unwrap().as_bytes(), &[b'a'; 32]);
        // The derived order: the length first.
        assert!(Ident::new(b"zzzz").unwrap() < Ident::new(b"aaaaa").unwrap());
    }
}
