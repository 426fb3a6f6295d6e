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
mod parse;
mod uri;
mod addr;
mod method;
mod message;
mod stream;
mod builder;
mod ids;
mod status;

pub mod header;

pub use error::{BuildError, ErrorKind, ParseError, Result};
pub use name::HeaderName;
pub use params::{Param, Params};
pub use parse::{
    Framing, INLINE_HEADERS, Limits, RawHeader, RawMessage, Span, StartLine, Status, parse_head,
    parse_message,
};
pub use uri::{AbsoluteUri, Host, SipUri, TelUri, Uri};
pub use addr::NameAddr;
pub use method::Method;
pub use message::{HeaderField, Headers, Message, Request, Response};
pub use stream::StreamDecoder;
pub use builder::{RequestBuilder, ResponseBuilder};
pub use ids::{IdGenerator, IdKind, SeededIds};
pub use status::reason_phrase;
