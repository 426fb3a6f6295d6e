//! # simpleim-msrp
//!
//! MSRP (RFC 4975) for the simpleim family, sans-IO: frames decoded incrementally from a byte
//! stream and encoded byte-exact, MSRP URIs and session matching, chunking, reassembly, reports
//! and a `Session` state machine (REQ: MSRP-1 to MSRP-5, MSRP-7).
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

pub use decode::{BodyPart, Decoded, Decoder, Limits};
pub use encode::{
    ChunkWriter, MAX_NON_SEND_BODY, RequestBuilder, ResponseBuilder, default_comment, find_end_line,
};
pub use error::{EncodeError, ErrorKind, ParseError};
pub use frame::{Flag, Frame, FrameHead, Method, TransactionId};
pub use header::{ByteRange, HeaderField, HeaderName, ReportMode, Status};
// --- end frames ---

// --- session (owner: session.rs) ---
mod session;
pub use session::{
    AbortReason, CloseReason, Event, FailureSource, IdGenerator, MessageId, ReassemblyLimits,
    RespondError, SeededIds, SendError, SendOptions, Session, SessionConfig, UNINTERRUPTIBLE_CHUNK,
};
// --- end session ---
