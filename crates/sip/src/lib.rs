//! # simpleim-sip
//!
//! SIP messages for the simpleim family (REQ: SIP-1 … SIP-5): a zero-copy parser, typed header
//! views, SIP/SIPS/tel URIs, TCP stream framing, response building and validation. No I/O.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod addr;
mod builder;
mod error;
mod ids;
mod lex;
mod message;
mod method;
mod name;
mod params;
mod parse;
mod status;
mod stream;
mod uri;
mod validate;

pub mod header;

pub use addr::NameAddr;
pub use builder::{RequestBuilder, ResponseBuilder};
pub use error::{BuildError, ErrorKind, ParseError, Result};
pub use ids::{IdGenerator, IdKind, SeededIds};
pub use message::{HeaderField, Headers, Message, Request, Response};
pub use method::Method;
pub use name::HeaderName;
pub use params::{Param, Params};
pub use parse::{
    Framing, INLINE_HEADERS, Limits, RawHeader, RawMessage, Span, StartLine, Status, parse_head,
    parse_message,
};
pub use status::reason_phrase;
pub use stream::StreamDecoder;
pub use uri::{AbsoluteUri, Host, SipUri, TelUri, Uri};
pub use validate::{Policy, Rejection};
