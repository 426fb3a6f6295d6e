//! A MIME header block: ordered `Name: value` lines ended by CRLF, with folding
//! (RFC 5322 §2.2.3, RFC 2045 §3), looked up case-insensitively, its raw bytes kept.

use bytes::Bytes;
use smallvec::SmallVec;

use super::BuildError;
use super::content_type::ContentType;
use super::disposition::ContentDisposition;
use super::lex::{eq_ic, is_safe_value};
use crate::chars::{is_ftext, is_wsp};
use crate::{ErrorKind, ParseError, Result};

/// One header field, its parts slices of the block it came from.
#[derive(Debug, Clone)]
pub struct MimeHeader {
    name: Bytes,
    value: Bytes,
    value_offset: usize,
    raw: Bytes,
}

impl MimeHeader {
    /// The field name as written.
    #[must_use]
    pub const fn name(&self) -> &Bytes {
        &self.name
    }

    /// The value as written, folds included, without the white space around it.
    #[must_use]
    pub const fn value(&self) -> &Bytes {
        &self.value
    }

    /// The value unfolded (every CRLF of a fold removed, RFC 5322 §2.2.3). A slice of the input
    /// unless the value was folded.
    #[must_use]
    pub fn unfolded(&self) -> Bytes {
        if memchr::memchr(b'\r', &self.value).is_none() {
            return self.value.clone();
        }
        Bytes::from(
            self.value
                .iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect::<Vec<u8>>(),
        )
    }

    /// Where the value starts, in bytes from the start of the input the block was parsed from
    /// (the block itself for [`MimeHeaders::parse`]; the whole message for the MIME headers of
    /// a [`crate::CpimHead`]).
    #[must_use]
    pub const fn value_offset(&self) -> usize {
        self.value_offset
    }

    /// The whole field as it was in the input: name, colon, value, folds, and the final CRLF.
    #[must_use]
    pub const fn raw(&self) -> &Bytes {
        &self.raw
    }
}

/// An ordered MIME header block. Equality compares the raw bytes.
#[derive(Debug, Clone, Default)]
pub struct MimeHeaders {
    raw: Bytes,
    fields: SmallVec<[MimeHeader; 4]>,
}

impl PartialEq for MimeHeaders {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for MimeHeaders {}

impl MimeHeaders {
    /// An empty block.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses header fields from the start of `input` up to and including the empty line that
    /// ends them, or up to the end of the input if there is none (a part with headers only).
    /// Returns the block and the number of bytes consumed (the empty line included). Errors are
    /// located in `input`.
    ///
    /// # Errors
    /// [`ErrorKind::HeaderName`] for a bad or empty name (or a fold with no field before it),
    /// [`ErrorKind::HeaderColon`] when the name is not followed by `:`, and
    /// [`ErrorKind::LineEnding`] for a bare CR or LF.
    pub fn parse(input: &Bytes) -> Result<(Self, usize)> {
        Self::parse_at(input, 0)
    }

    /// As [`MimeHeaders::parse`], for a block that starts at `from` inside `input`: offsets
    /// (errors and [`MimeHeader::value_offset`]) stay located in `input`, and the count
    /// returned is the offset in `input` just after the block.
    pub(crate) fn parse_at(input: &Bytes, from: usize) -> Result<(Self, usize)> {
        let mut fields = SmallVec::new();
        let mut pos = from;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if rest.is_empty() {
                break;
            }
            if rest.starts_with(b"\r\n") {
                let raw = input.slice(from.min(pos)..pos);
                return Ok((Self { raw, fields }, pos + 2));
            }
            let (field, next) = parse_field(input, pos)?;
            fields.push(field);
            pos = next;
        }
        let raw = input.slice(from.min(pos)..pos);
        Ok((Self { raw, fields }, pos))
    }

    /// The block made of the single-line fields starting at `starts` inside `input`, in order
    /// (the lenient RFC 4975 §11.4 form of `message/cpim`, whose MIME headers sit among the
    /// CPIM ones). Offsets stay located in `input`. [`Self::raw`] is a slice of `input` when the
    /// fields are contiguous, else a copy of them.
    pub(crate) fn parse_lines(
        input: &Bytes,
        starts: impl IntoIterator<Item = usize>,
    ) -> Result<Self> {
        let mut fields: SmallVec<[MimeHeader; 4]> = SmallVec::new();
        let mut span: Option<(usize, usize)> = None;
        let mut contiguous = true;
        for start in starts {
            let (field, next) = parse_field(input, start)?;
            fields.push(field);
            span = match span {
                None => Some((start, next)),
                Some((first, end)) => {
                    contiguous &= end == start;
                    Some((first, next))
                }
            };
        }
        let raw = match span {
            None => Bytes::new(),
            Some((first, end)) if contiguous => input.slice(first..end),
            Some(_) => Bytes::from(
                fields
                    .iter()
                    .flat_map(|f| f.raw.iter().copied())
                    .collect::<Vec<u8>>(),
            ),
        };
        Ok(Self { raw, fields })
    }

    /// Appends `Name: value` CRLF.
    ///
    /// # Errors
    /// [`BuildError::HeaderName`] if `name` is empty or not printable ASCII without `:`;
    /// [`BuildError::HeaderValue`] if `value` holds CR, LF or NUL.
    pub fn push(&mut self, name: &str, value: &[u8]) -> core::result::Result<(), BuildError> {
        if name.is_empty() || !name.bytes().all(is_ftext) {
            return Err(BuildError::HeaderName);
        }
        if !is_safe_value(value) {
            return Err(BuildError::HeaderValue);
        }
        let mut raw = Vec::with_capacity(self.raw.len() + name.len() + value.len() + 4);
        raw.extend_from_slice(&self.raw);
        raw.extend_from_slice(name.as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value);
        raw.extend_from_slice(b"\r\n");
        let (parsed, _) = Self::parse(&Bytes::from(raw)).map_err(BuildError::Stored)?;
        *self = parsed;
        Ok(())
    }

    /// The block with `Name: value` appended; see [`MimeHeaders::push`].
    ///
    /// # Errors
    /// As [`MimeHeaders::push`].
    pub fn with(mut self, name: &str, value: &[u8]) -> core::result::Result<Self, BuildError> {
        self.push(name, value)?;
        Ok(self)
    }

    /// The first field called `name` (ASCII case-insensitive).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&MimeHeader> {
        self.fields.iter().find(|f| eq_ic(&f.name, name.as_bytes()))
    }

    /// Every field called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a MimeHeader> + 'a {
        self.fields
            .iter()
            .filter(move |f| eq_ic(&f.name, name.as_bytes()))
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &MimeHeader> {
        self.fields.iter()
    }

    /// How many fields there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True if there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The raw bytes of the fields (each with its CRLF), without the empty line after them.
    #[must_use]
    pub const fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The `Content-Type` field parsed, if present; errors are located like
    /// [`MimeHeader::value_offset`].
    #[must_use]
    pub fn content_type(&self) -> Option<Result<ContentType>> {
        let f = self.get("Content-Type")?;
        Some(ContentType::parse(&f.value).map_err(|e| e.shifted(f.value_offset)))
    }

    /// The `Content-Disposition` field parsed, if present; errors are located like
    /// [`MimeHeader::value_offset`].
    #[must_use]
    pub fn content_disposition(&self) -> Option<Result<ContentDisposition>> {
        let f = self.get("Content-Disposition")?;
        Some(ContentDisposition::parse(&f.value).map_err(|e| e.shifted(f.value_offset)))
    }
}

/// Parses one field (with its folds) starting at `start`; returns it and where the next line
/// starts.
fn parse_field(input: &Bytes, start: usize) -> Result<(MimeHeader, usize)> {
    let rest = input.get(start..).unwrap_or_default();
    let name_len = rest
        .iter()
        .position(|&b| !is_ftext(b))
        .unwrap_or(rest.len());
    if name_len == 0 {
        return Err(ParseError::new(ErrorKind::HeaderName, start));
    }
    let mut pos = start + name_len;
    // obs-optional: white space between the name and the colon (RFC 5322 §4.5).
    while input.get(pos).copied().is_some_and(is_wsp) {
        pos += 1;
    }
    if input.get(pos) != Some(&b':') {
        return Err(ParseError::new(ErrorKind::HeaderColon, pos));
    }
    pos += 1;
    let value_start = pos;
    // Find the CRLF that ends the field: the first one not followed by SP/HTAB.
    let end = loop {
        let rest = input.get(pos..).unwrap_or_default();
        match memchr::memchr2(b'\r', b'\n', rest) {
            None => break input.len(),
            Some(i) => {
                let at = pos + i;
                if input.get(at) != Some(&b'\r') || input.get(at + 1) != Some(&b'\n') {
                    return Err(ParseError::new(ErrorKind::LineEnding, at));
                }
                if input.get(at + 2).copied().is_some_and(is_wsp) {
                    pos = at + 2;
                } else {
                    break at;
                }
            }
        }
    };
    let next = (end + 2).min(input.len());
    let value = trim_range(input, value_start, end);
    let field = MimeHeader {
        name: input.slice(start..start + name_len),
        value: input.slice(value.0..value.1),
        value_offset: value.0,
        raw: input.slice(start..next),
    };
    Ok((field, next))
}

/// The range without leading and trailing SP, HTAB, CR and LF.
fn trim_range(input: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    let ws = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\r' | b'\n'));
    while start < end && ws(input.get(start)) {
        start += 1;
    }
    while end > start && ws(input.get(end - 1)) {
        end -= 1;
    }
    (start, end)
}
