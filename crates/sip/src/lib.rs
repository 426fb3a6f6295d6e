//! # simpleim-sip
//!
//! SIP messages for the simpleim family, without I/O: a zero-copy parser, typed header views,
//! SIP/SIPS/tel URIs, TCP stream framing, message builders, response building and validation
//! (REQ: SIP-1 to SIP-5). The host owns the sockets; this crate turns bytes into messages and
//! messages into bytes.
//!
//! ## Two tiers
//! - [`parse_message`] / [`parse_head`] borrow a `&[u8]` and return [`Status::Complete`] with a
//!   header index and the number of bytes used, or [`Status::Partial`]. Nothing is copied.
//! - [`Message`] ([`Request`], [`Response`]) owns a [`bytes::Bytes`] buffer and re-emits it
//!   byte for byte. Header values, bodies and typed values are slices of it.
//!
//! ## Receiving
//! A UDP datagram is one message ([`Message::parse_datagram`]). A TCP connection is a byte
//! stream: push what you read into a [`StreamDecoder`] and drain it after every read.
//!
//! ```
//! use simpleim_sip::header::{CSeq, From, Via};
//! use simpleim_sip::{Limits, Message, SeededIds, StreamDecoder, Response};
//!
//! let mut decoder = StreamDecoder::new(Limits::default());
//! let mut ids = SeededIds::new(7); // tags come from an injected generator
//! # let reads: [&[u8]; 2] = [
//! #     b"MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP pc.example.com;branch=z9hG4bK1\r\n",
//! #     b"f: <sip:alice@example.com>;tag=8\r\nt: <sip:bob@example.com>\r\ni: a1\r\nCSeq: 1 MESSAGE\r\nl: 2\r\n\r\nhi",
//! # ];
//! for read in reads {
//!     decoder.push(read);
//!     // The drain loop: take every complete message before reading again.
//!     loop {
//!         let msg = match decoder.decode() {
//!             Ok(Some(msg)) => msg,
//!             Ok(None) => break, // need more bytes
//!             // Framing is lost: answer e.status_hint() if you can, then close.
//!             Err(e) => return Err(e),
//!         };
//!         let Message::Request(req) = msg else { continue };
//!         if let Err(rejection) = req.validate() {
//!             let _answer = Response::for_request(&req, rejection.status, &mut ids).build();
//!             continue;
//!         }
//!         // Typed views are parsed on access; errors carry the byte offset in the message.
//!         let from: From = req.headers().typed().unwrap()?;
//!         let via: Via = req.headers().typed().unwrap()?;
//!         let cseq: CSeq = req.headers().typed().unwrap()?;
//!         assert_eq!(from.tag().unwrap(), b"8");
//!         assert_eq!(via.branch().unwrap(), b"z9hG4bK1");
//!         assert_eq!(cseq.seq(), 1);
//!         assert_eq!(req.body(), "hi");
//!         let ok = Response::for_request(&req, 200, &mut ids).build().unwrap();
//!         let mut wire = Vec::new();
//!         Message::from(ok).encode(&mut wire); // write `wire` to the connection
//!     }
//! }
//! # Ok::<(), simpleim_sip::ParseError>(())
//! ```
//!
//! ## Errors and limits
//! Malformed input is a [`ParseError`]: an [`ErrorKind`] and the byte offset where it was
//! found, with [`ParseError::status_hint`] giving the status to answer. Every buffer is
//! bounded by [`Limits`]. Semantic checks (RFC 3261 §8.2, RFC 4475) are in
//! [`Request::validate`], which returns a [`Rejection`] carrying the status code. Building a
//! message with bad values is a [`BuildError`].
//!
//! ## Determinism
//! Nothing here reads a clock or a random source: tags, branches and Call-IDs come from an
//! [`IdGenerator`] the caller passes in ([`SeededIds`] for tests and simulations).
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

// --- transactions (owner: transaction/) ---
pub mod transaction;
// --- end transactions ---

// --- dialogs (owner: dialog/) ---
pub mod dialog;
// --- end dialogs ---

pub use addr::NameAddr;
pub use builder::{RequestBuilder, ResponseBuilder};
pub use error::{BuildError, ErrorKind, ParseError, Result};
pub use ids::{IdGenerator, IdKind, SeededIds};
pub use message::{HeaderField, Headers, Message, Request, Response};
pub use method::Method;
pub use name::HeaderName;
pub use params::{ParamRef, Params};
pub use parse::{
    Framing, INLINE_HEADERS, Limits, RawHeader, RawMessage, Span, StartLine, Status, parse_head,
    parse_message,
};
pub use status::reason_phrase;
pub use stream::StreamDecoder;
pub use uri::{AbsoluteUri, Host, SipUri, TelUri, Uri};
pub use validate::{Policy, Rejection};
