//! Typed views of the MSRP and file-transfer attributes (REQ: SDP-2).
//!
//! Each type reads an attribute VALUE, the bytes after `a=<name>:`, independent of the session
//! model: the model finds the `a=` line, these types give it meaning. Parsing is zero-copy (the
//! types hold the value's `Bytes` and slices of it), errors are [`ParseError`]s of kind
//! [`ErrorKind::Attribute`] (or `Number` for an oversized number)
//! whose `offset` counts from the start of the value and whose `line` is 0, for the model to
//! rebase and fill in. `Display` writes the value: a parsed value writes back its exact bytes,
//! a built one its canonical text (the one exception: [`Setup`] and [`Connection`] are plain
//! enums, read case-insensitively and always written in lower case).
//!
//! | attribute | type | RFC |
//! |---|---|---|
//! | `accept-types` | [`AcceptTypes`] | 4975 §8.6 |
//! | `accept-wrapped-types` | [`AcceptWrappedTypes`] | 4975 §8.6 |
//! | `max-size` | [`MaxSize`] | 4975 §8.6 |
//! | `path` | [`Path`] | 4975 §8.2 |
//! | `setup` | [`Setup`] | 4145 §4, 6135 |
//! | `connection` | [`Connection`] | 4145 §5 |
//! | `msrp-cema` | [`MsrpCema`] | 6714 |
//! | `chatroom` | [`Chatroom`] | 7701 |
//! | `file-selector` | [`FileSelector`] | 5547 |
//! | `file-transfer-id` | [`FileTransferId`] | 5547 |
//! | `file-disposition` | [`FileDisposition`] | 5547 |
//! | `file-date` | [`FileDate`] | 5547 |
//! | `file-icon` | [`FileIcon`] | 5547 |
//! | `file-range` | [`FileRange`] | 5547 |

use core::fmt;

use bytes::Bytes;

use crate::Result;
#[cfg(doc)]
use crate::{ErrorKind, ParseError};

/// An attribute with a known grammar: its name and how to read its value.
///
/// Implemented by every type of this module; each also has the same `NAME` and `parse` as
/// inherent items, so the trait is only needed for generic code (`model.get::<AcceptTypes>()`).
pub trait TypedAttribute: Sized + fmt::Display {
    /// The attribute name, as in `a=<NAME>:<value>`.
    const NAME: &'static str;

    /// Reads the value, the bytes after `a=<NAME>:` (empty for a flag attribute written
    /// `a=<NAME>`). Error offsets count from the start of `value`; the error's `line` is 0.
    fn parse(value: &Bytes) -> Result<Self>;

    /// Whether this value is written as a property attribute, `a=<NAME>` with no `:` (its
    /// `Display` is then empty).
    fn is_flag(&self) -> bool {
        false
    }
}

/// Implements [`TypedAttribute`] by forwarding to the inherent `NAME` and `parse`; an optional
/// second argument is an `is_flag` body taking `self`.
macro_rules! typed_attribute {
    ($ty:ty) => {
        impl $crate::attr::TypedAttribute for $ty {
            const NAME: &'static str = <$ty>::NAME;
            fn parse(value: &::bytes::Bytes) -> $crate::Result<Self> {
                <$ty>::parse(value)
            }
        }
    };
    ($ty:ty, |$s:ident| $flag:expr) => {
        impl $crate::attr::TypedAttribute for $ty {
            const NAME: &'static str = <$ty>::NAME;
            fn parse(value: &::bytes::Bytes) -> $crate::Result<Self> {
                <$ty>::parse(value)
            }
            fn is_flag(&self) -> bool {
                let $s = self;
                $flag
            }
        }
    };
}
pub(crate) use typed_attribute;

mod accept_types;
mod chatroom;
mod file_date;
mod file_selector;
mod file_transfer;
mod media_range;
mod msrp;
mod scan;
mod setup;

pub use accept_types::{AcceptTypes, AcceptWrappedTypes};
pub use chatroom::Chatroom;
pub use file_date::{FileDate, FileDateBuilder};
pub use file_selector::{FileSelector, FileSelectorBuilder};
pub use file_transfer::{FileDisposition, FileIcon, FileRange, FileTransferId};
pub use media_range::MediaRange;
pub use msrp::{MaxSize, MsrpCema, Path};
pub use setup::{Connection, Setup};

#[cfg(test)]
mod tests {
    use super::*;

    /// Generic use through the trait, as the model will do it.
    fn read<T: TypedAttribute>(value: &'static [u8]) -> Result<T> {
        T::parse(&Bytes::from_static(value))
    }

    #[test]
    fn trait_is_usable_generically() {
        let a: AcceptTypes = read(b"text/plain").unwrap();
        assert_eq!(<AcceptTypes as TypedAttribute>::NAME, "accept-types");
        assert!(!a.is_flag());
        let c: MsrpCema = read(b"").unwrap();
        assert!(c.is_flag());
        let s: Setup = read(b"actpass").unwrap();
        assert_eq!(s.to_string(), "actpass");
    }
}
