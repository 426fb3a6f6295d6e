//! `multipart/mixed` (RFC 2046 §5.1): split a body into its parts, and build one.
//!
//! ```text
//! multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
//!                   *encapsulation close-delimiter transport-padding [CRLF epilogue]
//! encapsulation  := delimiter transport-padding CRLF body-part
//! delimiter      := CRLF dash-boundary        dash-boundary := "--" boundary
//! close-delimiter := delimiter "--"
//! ```
//!
//! The CRLF before a delimiter belongs to the delimiter, not to the part before it, so a part
//! body is exactly the bytes that were put in. Splitting is one left-to-right `memmem` scan
//! (linear time); parts are `Bytes` slices of the input, binary-safe.

use bytes::Bytes;
use memchr::memmem;

use super::BuildError;
use super::content_type::ContentType;
use super::headers::MimeHeaders;
use super::lex::write_quoted;
use crate::chars::is_wsp;
use crate::{ErrorKind, ParseError, Result};

/// One body part: its MIME headers and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's header fields (possibly none).
    pub headers: MimeHeaders,
    /// The part's body, byte-exact.
    pub body: Bytes,
}

impl Part {
    /// A part of `headers` and `body`.
    #[must_use]
    pub const fn new(headers: MimeHeaders, body: Bytes) -> Self {
        Self { headers, body }
    }
}

/// A split multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    /// Bytes before the first delimiter (without the CRLF that belongs to it); empty if none.
    pub preamble: Bytes,
    /// The body parts in order.
    pub parts: Vec<Part>,
    /// Bytes after the CRLF that follows the close delimiter; empty if none.
    pub epilogue: Bytes,
}

impl Multipart {
    /// Splits `body` using the `boundary` parameter of `content_type`.
    ///
    /// # Errors
    /// [`ErrorKind::Boundary`] at offset 0 if the type is not `multipart/*` or has no
    /// `boundary`; otherwise as [`split`].
    pub fn parse(content_type: &ContentType, body: &Bytes) -> Result<Self> {
        match content_type.boundary() {
            Some(b) if content_type.is_multipart() => split(body, b),
            _ => Err(ParseError::new(ErrorKind::Boundary, 0)),
        }
    }
}

/// What follows `--boundary` at some offset.
enum Tail {
    /// `transport-padding CRLF`: a part starts at the offset.
    Open(usize),
    /// `--`: the close delimiter; the offset is just after it.
    Close(usize),
    /// Only padding until the end of the input.
    Incomplete,
    /// Anything else: these bytes only look like a delimiter.
    NotDelimiter,
}

fn tail(body: &[u8], at: usize) -> Tail {
    let rest = body.get(at..).unwrap_or_default();
    if rest.starts_with(b"--") {
        return Tail::Close(at + 2);
    }
    let pad = rest.iter().take_while(|&&b| is_wsp(b)).count();
    let after = rest.get(pad..).unwrap_or_default();
    if after.starts_with(b"\r\n") {
        Tail::Open(at + pad + 2)
    } else if after.is_empty() || after == b"\r" || after == b"-" {
        Tail::Incomplete
    } else {
        Tail::NotDelimiter
    }
}

/// Splits a multipart body at `boundary` (the parameter's value, without the leading `--`).
/// Errors are located in `body`.
///
/// # Errors
/// - [`ErrorKind::Boundary`]: the boundary is empty, longer than 70 bytes or holds CR/LF
///   (offset 0), or no delimiter line occurs at all (offset `body.len()`).
/// - [`ErrorKind::Unclosed`] at `body.len()`: the close delimiter `--boundary--` never comes.
/// - A part's header errors ([`ErrorKind::HeaderName`], [`ErrorKind::HeaderColon`],
///   [`ErrorKind::LineEnding`]) at their offset in `body`.
pub fn split(body: &Bytes, boundary: &[u8]) -> Result<Multipart> {
    if boundary.is_empty()
        || boundary.len() > 70
        || boundary.iter().any(|&b| b == b'\r' || b == b'\n')
    {
        return Err(ParseError::new(ErrorKind::Boundary, 0));
    }
    let mut needle = Vec::with_capacity(boundary.len() + 4);
    needle.extend_from_slice(b"\r\n--");
    needle.extend_from_slice(boundary);
    let finder = memmem::Finder::new(&needle);
    let dash_boundary = needle.get(2..).unwrap_or_default();
    let unclosed = ParseError::new(ErrorKind::Unclosed, body.len());

    // The first delimiter: `--boundary` at the very start, or after a preamble and its CRLF.
    let mut from = 0;
    let mut first = None;
    if body.starts_with(dash_boundary) {
        first = Some((0, tail(body, dash_boundary.len())));
    }
    let (preamble_end, mut state) = loop {
        if let Some((at, t)) = first.take() {
            match t {
                Tail::Open(_) | Tail::Close(_) => break (at, t),
                Tail::Incomplete => return Err(unclosed),
                Tail::NotDelimiter => {}
            }
            continue;
        }
        let Some(c) = body
            .get(from..)
            .and_then(|r| finder.find(r))
            .map(|i| from + i)
        else {
            return Err(ParseError::new(ErrorKind::Boundary, body.len()));
        };
        first = Some((c, tail(body, c + needle.len())));
        from = c + 1;
    };
    let preamble = body.slice(..preamble_end);

    let mut parts = Vec::new();
    loop {
        let start = match state {
            Tail::Close(after) => {
                let epilogue = epilogue(body, after);
                return Ok(Multipart {
                    preamble,
                    parts,
                    epilogue,
                });
            }
            Tail::Open(start) => start,
            Tail::Incomplete | Tail::NotDelimiter => return Err(unclosed),
        };
        // Search from the CRLF that ended the delimiter line, so that a delimiter right after
        // it (an empty part written without its own CRLF) is found too.
        let mut from = start.saturating_sub(2);
        let (end, next) = loop {
            let Some(c) = body
                .get(from..)
                .and_then(|r| finder.find(r))
                .map(|i| from + i)
            else {
                return Err(unclosed);
            };
            match tail(body, c + needle.len()) {
                Tail::NotDelimiter => from = c + 1,
                Tail::Incomplete => return Err(unclosed),
                t => break (c.max(start), t),
            }
        };
        let content = body.slice(start..end);
        let (headers, consumed) = MimeHeaders::parse(&content).map_err(|e| e.shifted(start))?;
        parts.push(Part {
            headers,
            body: content.slice(consumed..),
        });
        state = next;
    }
}

/// The epilogue after the close delimiter ending at `after`: past the transport padding and
/// the CRLF. Bytes that break the grammar there are kept as the epilogue rather than refused.
fn epilogue(body: &Bytes, after: usize) -> Bytes {
    let rest = body.get(after..).unwrap_or_default();
    let pad = rest.iter().take_while(|&&b| is_wsp(b)).count();
    let mut at = after + pad;
    if body.get(at..).is_some_and(|r| r.starts_with(b"\r\n")) {
        at += 2;
    }
    body.slice(at.min(body.len())..)
}

/// Builds a multipart body with a boundary the caller chose (deterministic output).
///
/// ```
/// use bytes::Bytes;
/// use simpleim_cpim::mime::{MimeHeaders, MultipartBuilder, split};
///
/// let headers = MimeHeaders::new().with("Content-Type", b"text/plain")?;
/// let body = MultipartBuilder::new("b42")
///     .part(headers, Bytes::from_static(b"hi"))
///     .build()?;
/// assert_eq!(&body[..], b"--b42\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b42--\r\n");
/// assert_eq!(&split(&body, b"b42")?.parts[0].body[..], b"hi");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MultipartBuilder {
    boundary: Bytes,
    subtype: &'static str,
    preamble: Bytes,
    parts: Vec<Part>,
    epilogue: Bytes,
}

impl MultipartBuilder {
    /// A `multipart/mixed` builder with this boundary (checked by [`Self::build`]).
    #[must_use]
    pub fn new(boundary: impl Into<Bytes>) -> Self {
        Self {
            boundary: boundary.into(),
            subtype: "mixed",
            preamble: Bytes::new(),
            parts: Vec::new(),
            epilogue: Bytes::new(),
        }
    }

    /// Sets the preamble (ignored by receivers, RFC 2046 §5.1.1).
    #[must_use]
    pub fn preamble(mut self, preamble: Bytes) -> Self {
        self.preamble = preamble;
        self
    }

    /// Sets the epilogue (ignored by receivers).
    #[must_use]
    pub fn epilogue(mut self, epilogue: Bytes) -> Self {
        self.epilogue = epilogue;
        self
    }

    /// Appends a part.
    #[must_use]
    pub fn part(mut self, headers: MimeHeaders, body: Bytes) -> Self {
        self.parts.push(Part { headers, body });
        self
    }

    /// Appends a part whose only header is `Content-Type: content_type`.
    ///
    /// # Errors
    /// [`BuildError::HeaderValue`] if `content_type` holds CR, LF or NUL.
    pub fn typed_part(
        self,
        content_type: &[u8],
        body: Bytes,
    ) -> core::result::Result<Self, BuildError> {
        let headers = MimeHeaders::new().with("Content-Type", content_type)?;
        Ok(self.part(headers, body))
    }

    /// The Content-Type header value: `multipart/mixed; boundary="..."`.
    ///
    /// # Errors
    /// [`BuildError::InvalidBoundary`] as in [`Self::build`].
    pub fn content_type(&self) -> core::result::Result<Bytes, BuildError> {
        check_boundary(&self.boundary)?;
        let mut out = Vec::with_capacity(self.boundary.len() + 32);
        out.extend_from_slice(b"multipart/");
        out.extend_from_slice(self.subtype.as_bytes());
        out.extend_from_slice(b"; boundary=");
        write_quoted(&mut out, &self.boundary);
        Ok(Bytes::from(out))
    }

    /// The body: `[preamble CRLF] --b CRLF part (CRLF --b CRLF part)* CRLF --b-- CRLF
    /// [epilogue]`, each part being its raw headers, an empty line and its body.
    ///
    /// # Errors
    /// [`BuildError::InvalidBoundary`] unless the boundary is 1–70 `bchars` not ending in a
    /// space; [`BuildError::NoParts`] without parts; [`BuildError::BoundaryInPart`] if the
    /// delimiter occurs in a part or the preamble.
    pub fn build(&self) -> core::result::Result<Bytes, BuildError> {
        check_boundary(&self.boundary)?;
        if self.parts.is_empty() {
            return Err(BuildError::NoParts);
        }
        let mut needle = Vec::with_capacity(self.boundary.len() + 4);
        needle.extend_from_slice(b"\r\n--");
        needle.extend_from_slice(&self.boundary);
        let finder = memmem::Finder::new(&needle);
        let dash_boundary = needle.get(2..).unwrap_or_default();
        // A piece breaks the split if it holds `CRLF--boundary`, or starts with `--boundary`
        // right after a CRLF the builder writes.
        let unsafe_piece = |p: &[u8]| p.starts_with(dash_boundary) || finder.find(p).is_some();
        if !self.preamble.is_empty() && unsafe_piece(&self.preamble) {
            return Err(BuildError::BoundaryInPart { part: None });
        }
        let mut len = self.preamble.len() + self.epilogue.len() + needle.len() + 8;
        for (i, p) in self.parts.iter().enumerate() {
            if unsafe_piece(p.headers.raw()) || unsafe_piece(&p.body) {
                return Err(BuildError::BoundaryInPart { part: Some(i) });
            }
            len += needle.len() + p.headers.raw().len() + p.body.len() + 6;
        }

        let mut out = Vec::with_capacity(len);
        if !self.preamble.is_empty() {
            out.extend_from_slice(&self.preamble);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(dash_boundary);
        for (i, p) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&needle);
            }
            out.extend_from_slice(b"\r\n");
            let raw = p.headers.raw();
            out.extend_from_slice(raw);
            if !raw.is_empty() && !raw.ends_with(b"\r\n") {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&p.body);
        }
        out.extend_from_slice(&needle);
        out.extend_from_slice(b"--\r\n");
        out.extend_from_slice(&self.epilogue);
        Ok(Bytes::from(out))
    }
}

/// `boundary := 0*69<bchars> bcharsnospace` (RFC 2046 §5.1.1).
fn check_boundary(b: &[u8]) -> core::result::Result<(), BuildError> {
    let bchar = |c: u8| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'\''
                    | b'('
                    | b')'
                    | b'+'
                    | b'_'
                    | b','
                    | b'-'
                    | b'.'
                    | b'/'
                    | b':'
                    | b'='
                    | b'?'
                    | b' '
            )
    };
    if b.is_empty() || b.len() > 70 || b.ends_with(b" ") || !b.iter().all(|&c| bchar(c)) {
        return Err(BuildError::InvalidBoundary);
    }
    Ok(())
}
