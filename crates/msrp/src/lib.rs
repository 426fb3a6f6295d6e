//! # simpleim-msrp
//!
//! MSRP (RFC 4975) for the simpleim family, sans-IO: frames decoded incrementally from a byte
//! stream and encoded byte-exact, MSRP URIs and session matching, chunking, reassembly, reports
//! and a [`Session`] state machine (REQ: MSRP-1 to MSRP-5, MSRP-7), and relays (RFC 4976,
//! REQ: MSRP-6): a session's AUTH to its relays and the [`relay::Relay`] state machine. No
//! sockets, no clock, no randomness: the host feeds bytes and time in and takes bytes, events
//! and timers out.
//!
//! ## The pieces
//! - **Frames** ([`Frame`], [`FrameHead`]): a start line, headers in order (typed accessors for
//!   To-Path, From-Path, Message-ID, Byte-Range, Status, Success-/Failure-Report, Use-Nickname,
//!   Expires, the MIME headers, ...), a body and the end-line flag (`$`, `+`, `#`). A decoded
//!   frame holds slices of the bytes it came from and re-encodes to exactly them.
//! - **[`Decoder`]**: frames out of a TCP byte stream, found by their end-line (there is no
//!   length header). It never rescans, holds back at most a possible split end-line, and
//!   either collects a body whole (up to [`Limits::max_collect_bytes`]) or streams it out as
//!   [`BodyPart`]s so a message of any size passes in bounded memory. A framing error ends the
//!   stream; its [`ParseError::status_hint`] is the status to answer before closing.
//! - **Encoders**: [`RequestBuilder`], [`ResponseBuilder`], and [`ChunkWriter`] for a SEND
//!   written piece by piece that can stop at any byte with `+` or `#`.
//! - **URIs** ([`MsrpUri`], [`Path`]) with the RFC 4975 §6.1 comparison, and [`Demux`], which
//!   routes the frames of a shared connection to sessions by the first To-Path URI (full
//!   comparison, or session-id only for CEMA, RFC 6714).
//! - **[`Session`]**: one MSRP session: chunking, interruption, reports, reassembly,
//!   responses, timeouts, NICKNAME. Its documentation has the full run loop. With
//!   [`SessionConfig::relays`] it authenticates to its relays first ([`Session::authenticate`]:
//!   HTTP Digest, Use-Path, Expires refreshed, 423 followed) and sends through them.
//! - **Relays** ([`relay::Relay`], RFC 4976): AUTH with Digest ([`DigestChallenge`],
//!   [`DigestCredentials`]), URIs handed out in Use-Path, SEND bodies streamed through and
//!   interrupted so other frames pass, per-hop 200s, REPORT 408 on downstream timeouts,
//!   back-pressure. The [`relay`] module documentation has the drain loop.
//!
//! ## A connection shared by sessions
//! A relay or a conference focus receives several sessions on one connection. Push what the
//! connection reads into one [`Decoder`], drain it, route each frame (or each streamed head,
//! and the body parts after it) to a session with a [`Demux`], then drain that session in the
//! documented order: `poll_transmit`, `poll_event`, `poll_timeout`.
//!
//! ```
//! use std::time::Instant;
//!
//! use bytes::Bytes;
//! use simpleim_msrp::{
//!     Decoded, Decoder, Demux, Event, Limits, MatchMode, SeededIds, SendOptions, Session,
//!     SessionConfig,
//! };
//!
//! let focus = "msrp://focus.example.com:2855/room1-alice;tcp";
//! let alice = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";
//! let config = |local: &str, remote: &str, seed| {
//!     Ok::<_, Box<dyn std::error::Error>>(SessionConfig::new(
//!         local.parse()?,
//!         remote.parse()?,
//!         Box::new(SeededIds::new(seed)), // seed from a real random source in production
//!     ))
//! };
//! let now = Instant::now(); // time is an input: the host's clock
//!
//! // Alice's side writes a message to the connection.
//! let mut client = Session::new(config(alice, focus, 1)?);
//! client.send_message(now, "message/cpim", Bytes::from_static(b"..."), SendOptions::new())?;
//! let mut wire = Vec::new();
//! while let Some(bytes) = client.poll_transmit() {
//!     wire.extend_from_slice(&bytes);
//! }
//!
//! // The focus side: one decoder for the connection, one session per participant.
//! let mut sessions = vec![Session::new(config(focus, alice, 2)?)];
//! let mut demux = Demux::new();
//! demux.insert(focus.parse()?, MatchMode::FullUri, 0usize)?;
//! let mut decoder = Decoder::new(Limits::default());
//! let mut current = None; // the session the body parts being streamed belong to
//! decoder.push(&wire);
//! while let Some(item) = decoder.poll()? {
//!     let to = match &item {
//!         Decoded::Frame(f) => f.head.to_path(),
//!         Decoded::Head(h) => h.to_path(),
//!         Decoded::Body(_) => None,
//!     };
//!     if let Some(to) = to {
//!         let path: simpleim_msrp::Path = std::str::from_utf8(to)?.parse()?;
//!         current = demux.route(path.first()).copied();
//!         // No session: answer 481 with a ResponseBuilder (not shown).
//!     }
//!     if let Some(i) = current {
//!         sessions[i].handle_decoded(now, item);
//!     }
//! }
//! let session = &mut sessions[0];
//! let mut answers = Vec::new();
//! while let Some(bytes) = session.poll_transmit() {
//!     answers.extend_from_slice(&bytes); // the 200 response, written to the connection
//! }
//! let mut received = Vec::new();
//! while let Some(event) = session.poll_event() {
//!     if let Event::Message { body, .. } = event {
//!         received.push(body);
//!     }
//! }
//! let _next_timer = session.poll_timeout();
//! assert_eq!(received, [Bytes::from_static(b"...")]);
//! assert!(answers.starts_with(b"MSRP "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// --- URIs and the connection demultiplexer (owner: uri.rs, demux.rs) ---
mod demux;
mod uri;

pub use demux::{Demux, DemuxError, MatchMode};
pub use uri::{
    Host, MAX_PATH_URIS, MAX_URI_LEN, MsrpUri, Path, PathIter, PathLimits, Scheme, UriError,
    UriErrorKind, UriParams,
};
// --- end URIs ---

// --- frames, decoder, encoder (owner: error.rs, frame.rs, header.rs, decode.rs, encode.rs) ---
mod decode;
mod encode;
mod error;
mod frame;
mod header;
mod ident;

pub use decode::{BodyPart, Decoded, Decoder, Limits};
pub use encode::{
    ChunkWriter, MAX_NON_SEND_BODY, RequestBuilder, ResponseBuilder, default_comment, find_end_line,
};
pub use error::{EncodeError, ErrorKind, ParseError};
pub use frame::{Flag, Frame, FrameHead, Method, TransactionId};
pub use header::{ByteRange, HeaderField, HeaderName, ReportMode, Status};
// --- end frames ---

// --- relays (RFC 4976): Digest, the relay state machine ---
mod auth;
pub mod relay;

pub use auth::{
    AuthError, AuthenticationInfo, DigestAlgorithm, DigestChallenge, DigestCredentials,
};
// --- end relays ---

// --- session (owner: session.rs) ---
mod session;
pub use session::{
    AbortReason, CloseReason, CredentialSource, Event, FailureSource, IdGenerator, MessageId,
    ReassemblyLimits, RelayAuth, RespondError, SeededIds, SendError, SendOptions, Session,
    SessionConfig, UNINTERRUPTIBLE_CHUNK, UserPassword,
};
// --- end session ---
