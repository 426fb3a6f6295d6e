//! `message/cpim` bodies (RFC 3862 §3): the CPIM header block, an empty line, the
//! encapsulated MIME headers, an empty line, then the payload.
//!
//! Two entry points:
//! - [`CpimMessage::parse`] on a whole body (`Bytes`): headers and payload are slices of it,
//!   and [`CpimMessage::as_bytes`] gives back the exact input.
//! - [`HeadParser`] / [`parse_headers_prefix`] on a prefix of a body still arriving
//!   (REQ: SW-7): [`Status::Partial`] until both header blocks are complete, then the parsed
//!   [`CpimHead`] and the payload offset, so a focus can route before the payload is in.

use bytes::{BufMut, Bytes, BytesMut};
use smallvec::SmallVec;

use crate::address::Address;
use crate::chars::{is_namechar, trim_wsp};
use crate::datetime::DateTime;
use crate::error::{ErrorKind, ParseError, Result};
use crate::header::Header;
use crate::mime::{ContentDisposition, ContentType, MimeHeader, MimeHeaders, parse_u64};
use crate::ns::{CPIM_NS, Namespaces, NsDecl, NsRef};
use crate::scan::{Layout, ParseOptions, Scanner};

/// The outcome of parsing a prefix: done, or more bytes needed.
///
/// Unlike the SIP crate's `Status`, `Complete` carries no separate length: the payload
/// offset is part of the value where it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// Parsing is complete.
    Complete(T),
    /// The input ends before the head does; call again with more bytes.
    Partial,
}

/// The two header blocks of a `message/cpim` body, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpimHead {
    raw: Bytes,
    headers: SmallVec<[Header; 8]>,
    mime: MimeHeaders,
    ns: Namespaces,
    warnings: Vec<ParseError>,
}

/// A `Subject` header (RFC 3862 §4.5): text and its optional `;lang=` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    /// The language tag (`fr`), if given.
    pub lang: Option<Bytes>,
    /// The text, escapes resolved.
    pub text: Bytes,
}

impl CpimHead {
    /// Parses a complete head held in `raw` (which may be longer; only the head is kept).
    fn from_layout(raw: &Bytes, layout: Layout, opts: &ParseOptions) -> Result<Self> {
        let mut head = Self {
            raw: raw.slice(..layout.payload.min(raw.len())),
            headers: SmallVec::new(),
            mime: MimeHeaders::new(),
            ns: Namespaces::default(),
            warnings: Vec::new(),
        };
        let mut merged_mime: SmallVec<[usize; 4]> = SmallVec::new();
        for (start, end) in lines(&head.raw, 0, layout.cpim_end) {
            let line = head.raw.slice(start..end);
            let is_content = layout.merged
                && line
                    .get(..8)
                    .is_some_and(|n| n.eq_ignore_ascii_case(b"Content-"));
            if is_content {
                merged_mime.push(start);
                continue;
            }
            let h = Header::parse(line, start, !opts.strict)?;
            if h.prefix().is_none() && h.name() == b"NS" {
                let decl = parse_ns(&h, head.headers.len())?;
                head.ns.push(decl);
            }
            head.headers.push(h);
        }
        // The MIME block is parsed where it lies in the message, so that its offsets (and
        // those of errors in its values) count from the start of the message.
        head.mime = if layout.merged {
            head.warnings
                .push(ParseError::new(ErrorKind::LineEnding, layout.cpim_end));
            MimeHeaders::parse_lines(&head.raw, merged_mime)?
        } else {
            MimeHeaders::parse_at(&head.raw, layout.mime.0)?.0
        };
        // Resolve prefixes: strictly, a declaration must come before its use (RFC 3862 §3.3).
        for i in 0..head.headers.len() {
            let Some(h) = head.headers.get(i) else { break };
            let Some(prefix) = h.prefix() else { continue };
            let ns = match head.ns.resolve(prefix, i) {
                Some(d) => NsRef::Declared(d),
                None if opts.strict => {
                    return Err(ParseError::new(ErrorKind::UndeclaredPrefix, h.offset()));
                }
                None => {
                    head.warnings
                        .push(ParseError::new(ErrorKind::UndeclaredPrefix, h.offset()));
                    head.ns
                        .resolve(prefix, usize::MAX)
                        .map_or(NsRef::Undeclared, NsRef::Declared)
                }
            };
            if let Some(h) = head.headers.get_mut(i) {
                h.ns = ns;
            }
        }
        Ok(head)
    }

    /// The head's exact bytes (both blocks and both empty lines).
    #[must_use]
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// The offset of the payload: the length of the head.
    #[must_use]
    pub fn payload_offset(&self) -> usize {
        self.raw.len()
    }

    /// The CPIM headers, in message order.
    #[must_use]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The `NS` declarations.
    #[must_use]
    pub fn ns(&self) -> &Namespaces {
        &self.ns
    }

    /// What lenient parsing let through (empty after strict parsing): each an error kind and
    /// where it was.
    #[must_use]
    pub fn warnings(&self) -> &[ParseError] {
        &self.warnings
    }

    /// The headers named `name` in namespace `uri`, whatever prefix the message chose for it
    /// (names compare ASCII case-insensitively; URIs exactly).
    pub fn headers_ns<'a>(
        &'a self,
        uri: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Header> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.is(name) && self.ns.uri_of(h.ns()) == Some(uri.as_bytes()))
    }

    /// The first header named `name` in namespace `uri`.
    #[must_use]
    pub fn header_ns(&self, uri: &str, name: &str) -> Option<&Header> {
        self.headers
            .iter()
            .find(|h| h.is(name) && self.ns.uri_of(h.ns()) == Some(uri.as_bytes()))
    }

    /// The first CPIM header (no prefix) named `name`.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&Header> {
        self.header_ns(CPIM_NS, name)
    }

    fn addresses<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Result<Address>> + 'a {
        self.headers_ns(CPIM_NS, name)
            .map(|h| Address::parse(&h.raw_value_bytes(), h.value_offset()))
    }

    /// `From` (RFC 3862 §4.1): `None` when absent.
    #[must_use]
    pub fn from(&self) -> Option<Result<Address>> {
        self.addresses("From").next()
    }

    /// Every `To` (RFC 3862 §4.2), in order.
    pub fn to(&self) -> impl Iterator<Item = Result<Address>> + '_ {
        self.addresses("To")
    }

    /// Every `cc` (RFC 3862 §4.3), in order.
    pub fn cc(&self) -> impl Iterator<Item = Result<Address>> + '_ {
        self.addresses("cc")
    }

    /// `DateTime` (RFC 3862 §4.4).
    #[must_use]
    pub fn date_time(&self) -> Option<Result<DateTime>> {
        self.header("DateTime")
            .map(|h| DateTime::parse(h.raw_value_bytes(), h.value_offset()))
    }

    /// Every `Subject` (RFC 3862 §4.5), each with its language.
    pub fn subject(&self) -> impl Iterator<Item = Result<Subject>> + '_ {
        self.headers_ns(CPIM_NS, "Subject").map(|h| {
            let text = Bytes::copy_from_slice(&h.value()?);
            let lang = h.param("lang").map(|l| Bytes::copy_from_slice(&l));
            Ok(Subject { lang, text })
        })
    }

    /// The header names listed by every `Require` (RFC 3862 §4.6), as written
    /// (`MyFeatures.VitalMessageOption`).
    pub fn require(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.headers_ns(CPIM_NS, "Require").flat_map(|h| {
            h.raw_value()
                .split(|&b| b == b',')
                .map(trim_wsp)
                .filter(|n| !n.is_empty())
        })
    }

    /// The encapsulated MIME header block (RFC 3862 §3.2), in order, with its raw bytes. Its
    /// offsets ([`MimeHeader::value_offset`], errors of [`MimeHeaders::content_type`] and
    /// [`MimeHeaders::content_disposition`]) count from the start of the message.
    #[must_use]
    pub fn mime_headers(&self) -> &MimeHeaders {
        &self.mime
    }

    /// The first MIME header named `name` (case-insensitive).
    #[must_use]
    pub fn mime_header(&self, name: &str) -> Option<&MimeHeader> {
        self.mime.get(name)
    }

    /// The value of the first MIME header named `name`, trimmed, as written.
    fn mime_value(&self, name: &str) -> Option<&[u8]> {
        self.mime.get(name).map(|m| m.value().as_ref())
    }

    /// The encapsulated `Content-Type` value as written; [`CpimHead::content_type_parsed`]
    /// for the parsed form.
    #[must_use]
    pub fn content_type(&self) -> Option<&[u8]> {
        self.mime_value("Content-Type")
    }

    /// The encapsulated `Content-Type`, parsed (RFC 2045 §5.1); errors are located in the
    /// message.
    #[must_use]
    pub fn content_type_parsed(&self) -> Option<Result<ContentType>> {
        self.mime.content_type()
    }

    /// The encapsulated `Content-ID` value.
    #[must_use]
    pub fn content_id(&self) -> Option<&[u8]> {
        self.mime_value("Content-ID")
    }

    /// The encapsulated `Content-Disposition` value as written;
    /// [`CpimHead::content_disposition_parsed`] for the parsed form.
    #[must_use]
    pub fn content_disposition(&self) -> Option<&[u8]> {
        self.mime_value("Content-Disposition")
    }

    /// The encapsulated `Content-Disposition`, parsed (RFC 2183); errors are located in the
    /// message.
    #[must_use]
    pub fn content_disposition_parsed(&self) -> Option<Result<ContentDisposition>> {
        self.mime.content_disposition()
    }

    /// The encapsulated `Content-Length`, as a number. Informational: the payload is
    /// whatever follows the head, whatever this says. An error is located at the value.
    #[must_use]
    pub fn content_length(&self) -> Option<Result<u64>> {
        self.mime_header("Content-Length")
            .map(|m| parse_u64(m.value()).ok_or(ParseError::new(ErrorKind::Mime, m.value_offset())))
    }
}

/// `NS: [ Name-prefix SP ] "<" URI ">"` (RFC 3862 §4.7).
fn parse_ns(h: &Header, header_index: usize) -> Result<NsDecl> {
    let v = h.raw_value_bytes();
    let err = |i: usize| ParseError::new(ErrorKind::Namespace, h.value_offset() + i);
    let lt = memchr::memchr(b'<', &v).ok_or(err(0))?;
    let prefix = trim_wsp(v.get(..lt).unwrap_or_default());
    if !prefix.iter().all(|&b| is_namechar(b)) {
        return Err(err(0));
    }
    let plen = prefix.len();
    let gt = v
        .len()
        .checked_sub(1)
        .filter(|&g| g > lt && v.get(g) == Some(&b'>'));
    let gt = gt.ok_or(err(v.len()))?;
    Ok(NsDecl {
        prefix: v.slice(..plen),
        uri: v.slice(lt + 1..gt),
        header_index,
    })
}

/// The CRLF-ended lines in `raw[from..to]`, as (start, end-without-CRLF).
fn lines(raw: &[u8], from: usize, to: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = from;
    core::iter::from_fn(move || {
        if pos >= to {
            return None;
        }
        let nl = memchr::memchr(b'\n', raw.get(pos..to).unwrap_or_default())?;
        let start = pos;
        pos += nl + 1;
        Some((start, pos.saturating_sub(2).max(start)))
    })
}

/// A whole `message/cpim` body: head and payload, re-emitted byte-exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpimMessage {
    raw: Bytes,
    head: CpimHead,
}

impl CpimMessage {
    /// Parses a whole body, strictly, with the default limits.
    pub fn parse(body: Bytes) -> Result<Self> {
        Self::parse_with(body, &ParseOptions::default())
    }

    /// Parses a whole body with the given options.
    pub fn parse_with(body: Bytes, opts: &ParseOptions) -> Result<Self> {
        let mut scanner = Scanner::default();
        let layout = scanner
            .scan(&body, opts)?
            .ok_or(ParseError::new(ErrorKind::Truncated, body.len()))?;
        let head = CpimHead::from_layout(&body, layout, opts)?;
        Ok(Self { raw: body, head })
    }

    /// The head.
    #[must_use]
    pub fn head(&self) -> &CpimHead {
        &self.head
    }

    /// The payload: every byte after the head, never decoded.
    #[must_use]
    pub fn payload(&self) -> Bytes {
        self.raw
            .slice(self.head.payload_offset().min(self.raw.len())..)
    }

    /// The exact body it was parsed from (or that a builder wrote).
    #[must_use]
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// Appends the exact body to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_slice(&self.raw);
    }
}

/// The head's accessors ([`CpimHead::from`], [`CpimHead::header_ns`], ...) on the message.
impl core::ops::Deref for CpimMessage {
    type Target = CpimHead;
    fn deref(&self) -> &CpimHead {
        &self.head
    }
}

/// Incremental head parser for cut-through (REQ: SW-7).
///
/// Give [`HeadParser::parse`] the body received so far, every time a little longer (the
/// earlier bytes unchanged). It keeps its scan position, so each byte is examined once for
/// line ends however often it is called; the header lines are parsed once, when the head is
/// complete.
///
/// Preconditions: each call's `buf` starts with the bytes of the previous call. After
/// `Complete` or an error, the parser is spent: start a new one for the next body.
#[derive(Debug, Clone, Default)]
pub struct HeadParser {
    opts: ParseOptions,
    scanner: Scanner,
}

impl HeadParser {
    /// A parser with the given options.
    #[must_use]
    pub fn new(opts: ParseOptions) -> Self {
        Self {
            opts,
            scanner: Scanner::default(),
        }
    }

    /// Parses the prefix `buf`; on completion the head (its bytes copied out of `buf`, never
    /// the payload's) and the payload offset.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Status<(CpimHead, usize)>> {
        match self.scanner.scan(buf, &self.opts)? {
            None => Ok(Status::Partial),
            Some(layout) => {
                let raw = Bytes::copy_from_slice(buf.get(..layout.payload).unwrap_or_default());
                let head = CpimHead::from_layout(&raw, layout, &self.opts)?;
                Ok(Status::Complete((head, layout.payload)))
            }
        }
    }

    /// As [`HeadParser::parse`], without copying: the head is a slice of `buf`.
    pub fn parse_bytes(&mut self, buf: &Bytes) -> Result<Status<(CpimHead, usize)>> {
        match self.scanner.scan(buf, &self.opts)? {
            None => Ok(Status::Partial),
            Some(layout) => {
                let head = CpimHead::from_layout(buf, layout, &self.opts)?;
                Ok(Status::Complete((head, layout.payload)))
            }
        }
    }
}

/// Parses the head of a body of which `buf` is a prefix (REQ: SW-7), strictly, with the
/// default limits. Stateless: a caller that polls a growing buffer should keep a
/// [`HeadParser`] instead, which does not rescan from byte 0 on every call.
pub fn parse_headers_prefix(buf: &[u8]) -> Result<Status<(CpimHead, usize)>> {
    HeadParser::default().parse(buf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const HEAD: &[u8] = b"From: <im:a@b>\r\n\r\nContent-Type: text/plain;;\r\n\
        Content-Disposition: inline\r\n\r\nhi";

    #[test]
    fn mime_block_offsets_count_from_the_message() {
        let m = CpimMessage::parse(Bytes::from_static(HEAD)).unwrap();
        let block_at = 18;
        assert!(m.mime_headers().raw().starts_with(b"Content-Type:"));
        assert_eq!(m.mime_headers().len(), 2);
        let ct = m.mime_header("content-type").unwrap();
        assert_eq!(ct.value_offset(), block_at + 14);
        let err = m.content_type_parsed().unwrap().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Mime);
        assert!(err.offset > block_at + 14 && err.offset < block_at + 28);
        let disp = m.content_disposition_parsed().unwrap().unwrap();
        assert_eq!(disp.to_bytes().as_ref(), b"inline");
        assert_eq!(m.as_bytes().as_ref(), HEAD);
    }

    #[test]
    fn mime_block_errors_count_from_the_message() {
        let body = b"From: <im:a@b>\r\n\r\nContent-Type: a/b\r\nBad\r\n\r\n";
        assert_eq!(
            CpimMessage::parse(Bytes::from_static(body)).unwrap_err(),
            ParseError::new(ErrorKind::HeaderColon, 40)
        );
        let fold_first = b"From: <im:a@b>\r\n\r\n x\r\n\r\n";
        assert_eq!(
            CpimMessage::parse(Bytes::from_static(fold_first)).unwrap_err(),
            ParseError::new(ErrorKind::HeaderName, 18)
        );
    }

    #[test]
    fn max_headers_bounds_the_mime_block() {
        let body = b"From: <im:a@b>\r\n\r\nContent-Type: a/b\r\nContent-ID: <x>\r\n\r\n";
        let opts = ParseOptions {
            max_headers: 2,
            ..ParseOptions::default()
        };
        let err = CpimMessage::parse_with(Bytes::from_static(body), &opts).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooLarge);
    }

    // RFC 4975 §11.4 form, leniently: Content-* lines among the CPIM ones.
    #[test]
    fn merged_mime_lines_anywhere_in_the_cpim_block() {
        let body = b"Content-Type: text/plain\r\nFrom: <im:a@b>\r\nContent-ID: <x>\r\n\r\nhi";
        let m =
            CpimMessage::parse_with(Bytes::from_static(body), &ParseOptions::lenient()).unwrap();
        assert_eq!(m.headers().len(), 1);
        assert_eq!(m.content_type(), Some(&b"text/plain"[..]));
        assert_eq!(m.content_id(), Some(&b"<x>"[..]));
        assert_eq!(
            m.mime_headers().raw().as_ref(),
            b"Content-Type: text/plain\r\nContent-ID: <x>\r\n"
        );
        assert_eq!(m.mime_header("Content-ID").unwrap().value_offset(), 54);
        assert_eq!(m.as_bytes().as_ref(), body);
    }
}
