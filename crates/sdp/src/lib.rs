//! # simpleim-sdp
//!
//! Session descriptions for the simpleim family (REQ: SDP-1, SDP-2): a lossless RFC 8866 model
//! on `Bytes` (unknown lines and attributes round-trip byte-exact), typed MSRP and file-transfer
//! attributes with builders. No I/O.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

pub use error::{ErrorKind, ParseError, Result};

mod encode;
mod model;
mod parse;
mod shape;

pub use encode::{MediaBuilder, SessionBuilder};
pub use model::{
    Attribute, Bandwidth, Connection, Key, Line, Lines, Media, MediaDescription, Origin, Repeat,
    SessionDescription, TimeZone, Timing,
};
pub use parse::{ParseOptions, Warning, WarningKind};

pub mod attr;

pub mod negotiate;
