//! # simpleim-cpim
//!
//! `message/cpim` (RFC 3862), IMDN (RFC 5438), is-composing (RFC 3994) and the MIME helpers
//! the IM procedures need (REQ: CPIM-1, CPIM-2, CPIM-3). No I/O, no clock: dates are given by
//! the caller. Bodies are `Bytes`, never text, and parsed values re-emit their exact bytes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

pub use error::{ErrorKind, ParseError, Result};
