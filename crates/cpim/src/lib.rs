//! # simpleim-cpim
//!
//! `message/cpim` (RFC 3862), IMDN (RFC 5438), is-composing (RFC 3994) and the MIME helpers
//! the IM procedures need (REQ: CPIM-1, CPIM-2, CPIM-3). No I/O, no clock: dates are given by
//! the caller. Bodies are `Bytes`, never text; parsed values re-emit their exact bytes.
//!
//! - [`CpimMessage`]: the CPIM header block (order kept, namespace-aware lookup with
//!   [`CpimHead::header_ns`], undeclared prefixes reported), the encapsulated MIME headers (a
//!   [`mime::MimeHeaders`] block, the same type as a multipart part's) and the payload. IMDN headers are found by namespace whatever prefix the sender chose.
//! - [`HeadParser`] / [`parse_headers_prefix`]: cut-through (REQ: SW-7). They read a *prefix* of
//!   a body and answer [`Status::Complete`] with the head and the payload offset as soon as the
//!   headers are in, so a focus can route before the rest of the message arrives.
//! - [`CpimBuilder`] and the seeds' wrappers: [`conference_send`] (CLI-2), [`system_message`]
//!   (SW-10), [`alias_wrapper`] (ALIAS-3). NS lines are written before the headers that use
//!   them.
//! - [`xml`]: `message/imdn+xml`, `application/im-iscomposing+xml` and `application/pidf+xml`
//!   documents.
//! - [`mime`]: multipart/mixed split and build, Content-Type, Content-Disposition,
//!   message/external-body, and the `message/sip` / `message/msrp` encapsulations of deferred
//!   delivery (DEF-2).
//!
//! ```
//! use bytes::Bytes;
//! use simpleim_cpim::{Address, CpimMessage, DispositionNotification, HeadParser, ParseOptions,
//!     Status, conference_send};
//!
//! // A participant's message to a chat room, asking for delivery and display reports.
//! let msg = conference_send(
//!     Address::new(Some("Alice"), Bytes::from_static(b"sip:alice@example.com")),
//!     Address::uri_only(Bytes::from_static(b"sip:chat@conf.example.com")),
//!     "text/plain",
//!     Bytes::from_static(b"hello"),
//! )
//! .imdn(
//!     "34jk324j",
//!     DispositionNotification { positive_delivery: true, display: true, ..Default::default() },
//! )
//! .build()?;
//!
//! // The focus routes on the head as soon as it has arrived (cut-through): here the first
//! // chunk holds the headers and only part of the payload.
//! let wire = msg.as_bytes().clone();
//! let first_chunk = &wire[..wire.len() - 2];
//! let mut parser = HeadParser::new(ParseOptions::default());
//! let Status::Complete((head, payload_at)) = parser.parse(first_chunk)? else {
//!     panic!("the headers are complete");
//! };
//! assert_eq!(head.from().unwrap()?.uri().as_ref(), b"sip:alice@example.com");
//! assert_eq!(head.imdn_message_id(), Some(&b"34jk324j"[..]));
//! assert_eq!(&wire[payload_at..], b"hello");
//!
//! // A whole message parses back to what was built, byte for byte.
//! let again = CpimMessage::parse(wire.clone())?;
//! assert_eq!(again.as_bytes(), &wire);
//! assert_eq!(again.payload().as_ref(), b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

pub use error::{ErrorKind, ParseError, Result};
pub mod mime;
pub mod xml;

mod address;
mod builders;
mod chars;
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
pub use header::Header;
pub use imdn::DispositionNotification;
pub use message::{CpimHead, CpimMessage, HeadParser, Status, Subject, parse_headers_prefix};
pub use ns::{CPIM_NS, IMDN_NS, Namespaces, NsDecl, NsRef};
pub use scan::ParseOptions;
