//! # simpleim-cpim
//!
//! `message/cpim` (RFC 3862), IMDN (RFC 5438), is-composing (RFC 3994) and the MIME helpers
//! the IM procedures need (REQ: CPIM-1, CPIM-2, CPIM-3). No I/O, no clock: dates are given by
//! the caller. Bodies are `Bytes`, never text, and parsed values re-emit their exact bytes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

pub use error::{ErrorKind, ParseError, Result};
pub mod xml;
pub mod mime;

mod address;
mod builders;
mod datetime;
mod header;
mod imdn;
mod lex;
mod message;
mod ns;
mod scan;

pub use address::Address;
pub use builders::{
    BuildError, CpimBuilder, alias_wrapper, conference_send, system_message, with_isfocus,
};
pub use datetime::DateTime;
pub use header::{Header, MimeHeader};
pub use imdn::DispositionNotification;
pub use message::{CpimHead, CpimMessage, HeadParser, Status, Subject, parse_headers_prefix};
pub use ns::{CPIM_NS, IMDN_NS, Namespaces, NsDecl, NsRef};
pub use scan::ParseOptions;
