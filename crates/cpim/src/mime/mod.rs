//! MIME helpers the IM procedures need (REQ: CPIM-3, DEF-2, SW-10).
//!
//! - [`MimeHeaders`]: an ordered block of `Name: value` lines (RFC 5322 §2.2, RFC 2045 §3) with
//!   folding, case-insensitive lookup and the raw bytes kept.
//! - [`ContentType`] (RFC 2045 §5.1) and [`ContentDisposition`] (RFC 2183, RFC 3261 §20.11).
//! - [`split`] and [`MultipartBuilder`]: `multipart/mixed` (RFC 2046 §5.1), binary-safe.
//! - [`ExternalBody`]: `message/external-body` with `access-type=URL` (RFC 4483, RFC 2046
//!   §5.2.3), for system messages that point at external content (REQ: SW-10).
//! - [`encapsulate_sip`] and [`encapsulate_session`]: stored messages wrapped as `message/sip`
//!   and `message/msrp` for deferred delivery (REQ: DEF-2, seed 004 App. H).
//!
//! Parsed values are `Bytes` slices of the input (zero-copy); builders return `Bytes` and never
//! read a clock: dates are text given by the caller.

mod build_error;
mod content_type;
mod disposition;
mod encapsulate;
mod external;
mod headers;
mod lex;
mod multipart;
mod params;

#[cfg(test)]
mod tests;

pub use build_error::BuildError;
pub use content_type::ContentType;
pub use disposition::{ContentDisposition, DispositionType, Handling};
pub use encapsulate::{StoredMessage, encapsulate_session, encapsulate_sip};
pub use external::ExternalBody;
pub use headers::{MimeHeader, MimeHeaders};
pub use multipart::{Multipart, MultipartBuilder, Part, split};
pub(crate) use params::parse_u64;
pub use params::{Param, Params};
