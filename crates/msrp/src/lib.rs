//! # simpleim-msrp
//!
//! MSRP (RFC 4975) for the simpleim family, sans-IO: frames decoded incrementally from a byte
//! stream and encoded byte-exact, MSRP URIs and session matching, chunking, reassembly, reports
//! and a `Session` state machine (REQ: MSRP-1 to MSRP-5, MSRP-7).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// --- URIs and the connection demultiplexer (owner: uri.rs, demux.rs) ---
pub mod uri;
pub mod demux;
// --- end URIs ---

// --- frames, decoder, encoder (owner: error.rs, frame.rs, header.rs, decode.rs, encode.rs) ---
// --- end frames ---
