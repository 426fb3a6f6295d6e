//! # simpleim
//!
//! SIP/SIMPLE instant messaging for Rust, sans-IO. This facade re-exports the member crates as
//! modules; depend on a member crate directly if you need only one protocol.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// SIP messages: parse, encode, typed headers, URIs, stream framing (`simpleim-sip`).
pub use simpleim_sip as sip;

/// message/cpim, IMDN, is-composing and MIME helpers (`simpleim-cpim`).
pub use simpleim_cpim as cpim;

/// SDP: lossless parse/encode, MSRP and file-transfer attributes (`simpleim-sdp`).
pub use simpleim_sdp as sdp;

/// MSRP: incremental framing, URIs, chunking, reassembly, reports, Session (`simpleim-msrp`).
pub use simpleim_msrp as msrp;

/// The IM conference focus and its MSRP switch (`simpleim-focus`).
pub use simpleim_focus as focus;
