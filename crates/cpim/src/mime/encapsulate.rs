//! Stored messages wrapped for deferred delivery (REQ: DEF-2; seed 004 App. H): a stored SIP
//! MESSAGE as `message/sip`, or a stored MSRP session as `multipart/mixed` of `message/sip`
//! and `message/msrp` parts, each with a `Date:` header telling when the server received it.
//!
//! Only the bytes are touched: the start line and the header section are found line by line,
//! the header inserted, and everything else copied as stored. The date text comes from the
//! caller; nothing here reads a clock.

use bytes::Bytes;
use memchr::memmem;

use super::BuildError;
use super::lex::{eq_ic, is_safe_value};
use super::multipart::MultipartBuilder;
use crate::chars::is_wsp;
use crate::{ErrorKind, ParseError};

/// One stored message of a deferred session, as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredMessage {
    /// A SIP request or response (the INVITE, its 200 OK, the BYE, or a MESSAGE).
    Sip(Bytes),
    /// An MSRP SEND request, end-line included.
    Msrp(Bytes),
}

/// Wraps a stored SIP MESSAGE as `message/sip` with `Date: date` inserted right after its start
/// line (a `Date` header it already has is replaced: the server's receipt time is what the
/// recipient needs). Returns the Content-Type value (`message/sip`) and the body.
///
/// # Errors
/// [`BuildError::HeaderValue`] if `date` is empty or holds CR, LF or NUL;
/// [`BuildError::Stored`] if the stored bytes have no CRLF-ended start line
/// ([`ErrorKind::LineEnding`]) or no end of their header section ([`ErrorKind::Truncated`]).
pub fn encapsulate_sip(stored: &Bytes, date: &str) -> Result<(Bytes, Bytes), BuildError> {
    let body = with_date(stored, date, Kind::Sip)?;
    Ok((Bytes::from_static(b"message/sip"), body))
}

/// Wraps a stored session as `multipart/mixed; boundary="..."`, one part per message in the
/// given order (`message/sip` for SIP, `message/msrp` for MSRP), each with `Date: date` added
/// as in seed 004 App. H: after the start line for SIP, before the `Content-*` headers for
/// MSRP (RFC 4975 §7.1 keeps To-Path and From-Path first and the content headers last).
/// Returns the Content-Type value and the body.
///
/// # Errors
/// As [`encapsulate_sip`], and as [`MultipartBuilder::build`] (an invalid boundary, no
/// messages, or the boundary occurring in a stored message).
pub fn encapsulate_session(
    boundary: &str,
    messages: &[StoredMessage],
    date: &str,
) -> Result<(Bytes, Bytes), BuildError> {
    let mut builder = MultipartBuilder::new(Bytes::copy_from_slice(boundary.as_bytes()));
    for m in messages {
        builder = match m {
            StoredMessage::Sip(raw) => {
                builder.typed_part(b"message/sip", with_date(raw, date, Kind::Sip)?)?
            }
            StoredMessage::Msrp(raw) => {
                builder.typed_part(b"message/msrp", with_date(raw, date, Kind::Msrp)?)?
            }
        };
    }
    Ok((builder.content_type()?, builder.build()?))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sip,
    Msrp,
}

/// Copies `stored` with `Date: date` inserted (after the start line for SIP, before the first
/// `Content-*` header or the end of the headers for MSRP) and any old `Date` field dropped.
fn with_date(stored: &Bytes, date: &str, kind: Kind) -> Result<Bytes, BuildError> {
    if date.is_empty() || !is_safe_value(date.as_bytes()) {
        return Err(BuildError::HeaderValue);
    }
    let stored_err = |kind, at| BuildError::Stored(ParseError::new(kind, at));
    let crlf = memmem::Finder::new(b"\r\n");
    let line_end = |from: usize| -> Result<usize, BuildError> {
        let rest = stored.get(from..).unwrap_or_default();
        let e = crlf
            .find(rest)
            .ok_or_else(|| stored_err(ErrorKind::Truncated, stored.len()))?;
        // A bare LF inside the line would make the receiver cut it elsewhere.
        if let Some(lf) = memchr::memchr(b'\n', rest.get(..e).unwrap_or_default()) {
            return Err(stored_err(ErrorKind::LineEnding, from + lf));
        }
        Ok(from + e)
    };

    let mut date_line = Vec::with_capacity(date.len() + 8);
    date_line.extend_from_slice(b"Date: ");
    date_line.extend_from_slice(date.as_bytes());
    date_line.extend_from_slice(b"\r\n");

    let start_end = line_end(0).map_err(|e| match e {
        BuildError::Stored(p) if p.kind == ErrorKind::Truncated => {
            stored_err(ErrorKind::LineEnding, stored.len())
        }
        e => e,
    })?;
    if start_end == 0 {
        return Err(stored_err(ErrorKind::LineEnding, 0));
    }
    let mut out = Vec::with_capacity(stored.len() + date_line.len());
    let mut pos = start_end + 2;
    out.extend_from_slice(stored.get(..pos).unwrap_or_default());
    let mut inserted = false;
    if kind == Kind::Sip {
        out.extend_from_slice(&date_line);
        inserted = true;
    }
    let mut skipping = false;
    loop {
        let e = line_end(pos)?;
        let line = stored.get(pos..e).unwrap_or_default();
        let next = e + 2;
        let end_of_headers =
            line.is_empty() || (kind == Kind::Msrp && line.starts_with(b"-------"));
        if end_of_headers {
            if !inserted {
                out.extend_from_slice(&date_line);
            }
            out.extend_from_slice(stored.get(pos..).unwrap_or_default());
            return Ok(Bytes::from(out));
        }
        if line.first().copied().is_some_and(is_wsp) {
            // A fold belongs to the field before it.
            if !skipping {
                out.extend_from_slice(stored.get(pos..next).unwrap_or_default());
            }
            pos = next;
            continue;
        }
        let name_end = memchr::memchr(b':', line).unwrap_or(line.len());
        let name = line.get(..name_end).unwrap_or_default().trim_ascii_end();
        skipping = eq_ic(name, b"Date");
        if !skipping {
            let content = name.get(..8).is_some_and(|p| eq_ic(p, b"Content-"));
            if !inserted && content {
                out.extend_from_slice(&date_line);
                inserted = true;
            }
            out.extend_from_slice(stored.get(pos..next).unwrap_or_default());
        }
        pos = next;
    }
}
