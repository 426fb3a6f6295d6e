//! Typed views of header values (REQ: SIP-2), parsed on access.
//!
//! Each type implements [`TypedHeader`]: it names its header and parses **one** value from the
//! unfolded bytes of a header field (for list headers such as Via or Contact, one element of the
//! comma-separated list). A parsed value holds one [`bytes::Bytes`] (the value it came from,
//! shared with the message buffer) and compact spans into it, so it is cheap, owned and
//! `'static`, and parsing it costs one reference count (two for an address, whose URI holds
//! its own): accessors return `&[u8]` borrowed from it. Errors carry offsets relative to the
//! value; through [`crate::Headers::typed`] they are made absolute within the message.

use bytes::Bytes;

use crate::error::Result;
use crate::name::HeaderName;

/// A header with a typed form.
pub trait TypedHeader: Sized {
    /// The header this type parses.
    const NAME: HeaderName;
    /// True when the header is a comma-separated list (`Via: a, b`), so that one header field
    /// can carry several values; [`TypedHeader::parse`] then parses one element.
    const LIST: bool;
    /// True when the grammar lets the header's value be empty, meaning an empty list
    /// (`Supported:`, `Allow:`, `Accept:`, RFC 3261 §20.1, §20.5, §20.37); the message layer
    /// then yields no value instead of an error.
    const ALLOW_EMPTY: bool = false;
    /// Parses one value. `value` is unfolded (folds replaced by spaces) and trimmed.
    fn parse(value: &Bytes) -> Result<Self>;
    /// [`TypedHeader::parse`], taking the value's bytes: a parsed value keeps them without
    /// another reference count. The message layer parses through this.
    fn parse_owned(value: Bytes) -> Result<Self> {
        Self::parse(&value)
    }
}

/// Implements `PartialEq`, `Eq` and `Hash` for `$ty` through `$key`, a method returning the
/// tuple of what the value holds as bytes and numbers (spans would compare offsets, not
/// content).
macro_rules! eq_hash_by_key {
    ($ty:ty, $key:ident) => {
        impl PartialEq for $ty {
            fn eq(&self, o: &Self) -> bool {
                self.$key() == o.$key()
            }
        }

        impl Eq for $ty {}

        impl core::hash::Hash for $ty {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.$key().hash(state);
            }
        }
    };
}

mod accept_contact;
mod address;
mod cseq;
mod disposition;
mod event;
mod media;
mod option_tags;
mod privacy;
mod product;
mod scalar;
mod session_timer;
mod value;
mod via;
mod warning;

pub use accept_contact::{AcceptContact, OMA_SIP_IM, RejectContact};
pub use address::{
    AlertInfo, CallInfo, Contact, ErrorInfo, From, PAssertedIdentity, PPreferredIdentity,
    RecordRoute, ReferTo, ReferredBy, ReplyTo, Route, To,
};
pub use cseq::CSeq;
pub use disposition::{ContentDisposition, DispositionType, Handling};
pub use event::{Event, SubState, SubscriptionState};
pub use media::{Accept, ContentType, MediaType};
pub use option_tags::{Allow, AllowEvents, ProxyRequire, Require, Supported, Unsupported};
pub use privacy::{PrivValue, Privacy};
pub use product::{Product, Server, ServerVal, UserAgent};
pub use scalar::{CallId, ContentLength, Expires, MaxForwards, MinExpires, RetryAfter};
pub use session_timer::{MinSe, Refresher, SessionExpires};
pub(crate) use value::write_quoted;
pub use via::{MAGIC_COOKIE, Via};
pub use warning::Warning;
