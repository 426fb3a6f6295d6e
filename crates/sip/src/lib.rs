//! # simpleim-sip
//!
//! SIP messages for the simpleim family (REQ: SIP-1 … SIP-5): a zero-copy parser, typed header
//! views, SIP/SIPS/tel URIs, TCP stream framing, response building and validation. No I/O.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod lex;
mod name;
mod params;

pub mod header;

pub use error::{ErrorKind, ParseError, Result};
pub use name::HeaderName;
pub use params::{Param, Params};
