//! The model of a session description (RFC 8866 §5): the session-level part and each media
//! section keep their exact bytes (one `Bytes` slice of the parsed input per part, line ends
//! included, so that an unmodified description encodes byte-exact and unknown lines survive)
//! and an index of their lines; typed views of each line type are parsed on access by
//! [`crate::parse`].

use bytes::{BufMut, Bytes, BytesMut};
use smallvec::SmallVec;

use crate::error::{ErrorKind, ParseError, Result};
use crate::parse::{self, FieldErr, Warning};
use crate::shape;

/// The line end written for new lines of a description.
pub(crate) const CRLF: &[u8] = b"\r\n";

/// `Span::colon` of a line that is not a well-formed `a=<name>:<value>` attribute.
pub(crate) const NO_COLON: u32 = u32::MAX;

/// Where one line lies in its part's buffer, and what the parser learned about it. All
/// positions are byte indexes into [`Part::buf`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    /// The type letter, or 0 for an empty line kept by lenient parsing.
    pub(crate) kind: u8,
    /// For `a=` lines: whether the name is a token (the attribute is readable).
    pub(crate) attr_ok: bool,
    /// For `o=`, `c=`, `t=` and `m=` lines that parsing checked: the ends of the first fields,
    /// relative to the value, so that the typed read needs no second pass; or
    /// [`shape::NO_ENDS`].
    pub(crate) ends: shape::Ends,
    /// The line, line end included. The value starts after `<type>=` (at `start` for an
    /// empty line) and ends at `value_end`.
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) value_end: u32,
    /// The `:` of an `a=<name>:<value>` line, or [`NO_COLON`].
    pub(crate) colon: u32,
    /// Its 1-based line number (0 for built lines). A parsed line was at `Part::base + start`
    /// in the input.
    pub(crate) number: u32,
}

impl Span {
    /// A line: `start..end` is the line with its end, its value ends at `value_end`, `number`
    /// is its line number in the parsed input (0 for a built line). Positions past `u32::MAX`
    /// (only a built part that large has them) saturate.
    pub(crate) fn new(kind: u8, start: usize, end: usize, value_end: usize, number: usize) -> Self {
        let pos = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Self {
            kind,
            attr_ok: false,
            ends: shape::NO_ENDS,
            start: pos(start),
            end: pos(end),
            value_end: pos(value_end),
            colon: NO_COLON,
            number: pos(number),
        }
    }

    /// Where the value starts: after `<type>=`, or at the start of an empty line.
    pub(crate) fn value_start(&self) -> u32 {
        if self.kind == 0 {
            self.start
        } else {
            self.start.saturating_add(2)
        }
    }

    /// Records the attribute split of an `a=` line: the `:` at `colon` (absolute), if any.
    pub(crate) fn set_attribute(&mut self, colon: Option<usize>) {
        self.attr_ok = true;
        self.colon = colon.map_or(NO_COLON, |c| u32::try_from(c).unwrap_or(NO_COLON));
    }
}

/// A part of a description (the session-level lines, or one media section): its bytes and the
/// index of its lines, in order. Bytes no line refers to (lines removed by an edit) are never
/// encoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    pub(crate) buf: Bytes,
    /// Where `buf` was in the parsed input (0 for a built part).
    pub(crate) base: u32,
    pub(crate) spans: Vec<Span>,
    /// The line types present, as [`kind_bit`]s (a superset after lines are removed): a
    /// typed view of a type the part lacks returns without looking at the lines.
    pub(crate) kinds: u32,
}

/// The bit of line type `kind` (a lower-case letter, or 0) in [`Part::kinds`].
pub(crate) const fn kind_bit(kind: u8) -> u32 {
    1 << (kind & 31)
}

impl Part {
    /// The lines, as views.
    pub(crate) fn lines(&self) -> Lines<'_> {
        Lines {
            part: self,
            spans: self.spans.iter(),
        }
    }

    /// The spans of the lines of `kind`, and maybe others (none when the part has none).
    #[inline]
    fn spans_of(&self, kind: u8) -> &[Span] {
        if self.kinds & kind_bit(kind) == 0 {
            &[]
        } else {
            &self.spans
        }
    }

    /// Lines of one type.
    #[inline]
    fn of_kind(&self, kind: u8) -> impl Iterator<Item = Line<'_>> {
        self.spans_of(kind)
            .iter()
            .filter(move |s| s.kind == kind)
            .map(|span| Line { part: self, span })
    }

    fn first_text(&self, kind: u8) -> Option<&str> {
        self.of_kind(kind).next().and_then(|l| l.value_str())
    }

    /// The well-formed attributes with UTF-8 text, with the index of their line.
    #[inline]
    fn attributes(&self) -> impl Iterator<Item = (usize, Attribute<'_>)> {
        // One UTF-8 check of the part from its first attribute on (attributes come last)
        // instead of two per attribute; a part that is not UTF-8 throughout is checked
        // attribute by attribute.
        let spans = self.spans_of(b'a');
        let first = spans
            .iter()
            .filter(|s| s.kind == b'a' && s.attr_ok)
            .map(|s| s.value_start() as usize)
            .min();
        // No attribute, no text to check.
        let text = first.and_then(|first| text(&self.buf, first..self.buf.len()));
        let first = first.unwrap_or_default();
        let slice = move |from: u32, to: u32| -> Option<&str> {
            let range = from as usize..to as usize;
            match text {
                Some(t) => t.get(range.start.checked_sub(first)?..range.end.checked_sub(first)?),
                None => core::str::from_utf8(self.buf.get(range)?).ok(),
            }
        };
        spans.iter().enumerate().filter_map(move |(i, s)| {
            if s.kind != b'a' || !s.attr_ok {
                return None;
            }
            let attribute = if s.colon == NO_COLON {
                Attribute {
                    name: slice(s.value_start(), s.value_end)?,
                    value: None,
                }
            } else {
                Attribute {
                    name: slice(s.value_start(), s.colon)?,
                    value: Some(slice(s.colon.saturating_add(1), s.value_end)?),
                }
            };
            Some((i, attribute))
        })
    }

    /// Appends `<kind>=<value><eol>` to the buffer (a copy of this part's bytes plus the new
    /// line) and returns its span.
    fn append(&mut self, kind: u8, value: &[u8], eol: &[u8]) -> Span {
        let mut buf = BytesMut::with_capacity(self.buf.len() + value.len() + 2 + eol.len());
        buf.put_slice(&self.buf);
        let start = buf.len();
        buf.put_u8(kind);
        buf.put_u8(b'=');
        buf.put_slice(value);
        let value_end = buf.len();
        buf.put_slice(eol);
        let mut span = Span::new(kind, start, buf.len(), value_end, 0);
        if kind == b'a' {
            span.set_attribute(memchr::memchr(b':', value).map(|c| start + 2 + c));
        }
        self.buf = buf.freeze();
        self.kinds |= kind_bit(kind);
        span
    }

    /// Replaces the first line of `kind` by `<kind>=<value>` (appends it when there is none).
    fn replace_first(&mut self, kind: u8, value: &[u8], eol: &[u8]) {
        let new = self.append(kind, value, eol);
        match self.spans.iter_mut().find(|s| s.kind == kind) {
            Some(slot) => *slot = new,
            None => self.push_line(new),
        }
    }

    /// Inserts a line after the last line of the part (before trailing empty lines).
    fn push_line(&mut self, span: Span) {
        let at = self
            .spans
            .iter()
            .rposition(|s| s.kind != 0)
            .map_or(self.spans.len(), |i| i + 1);
        self.spans.insert(at, span);
    }

    /// Replaces the first `a=<name>` line by `a=<name>[:<value>]` and removes the others with
    /// that name; appends the line when there is none.
    fn set_attribute(&mut self, eol: &[u8], name: &str, value: Option<&str>) -> Result<()> {
        let text = attribute_value(name, value)?;
        let new = self.append(b'a', &text, eol);
        let named: SmallVec<[usize; 4]> = self
            .attributes()
            .filter(|(_, a)| a.name == name)
            .map(|(i, _)| i)
            .collect();
        let Some((&first, rest)) = named.split_first() else {
            self.push_line(new);
            return Ok(());
        };
        if let Some(slot) = self.spans.get_mut(first) {
            *slot = new;
        }
        for &i in rest.iter().rev() {
            if i < self.spans.len() {
                self.spans.remove(i);
            }
        }
        Ok(())
    }

    fn add_attribute(&mut self, eol: &[u8], name: &str, value: Option<&str>) -> Result<()> {
        let text = attribute_value(name, value)?;
        let new = self.append(b'a', &text, eol);
        self.push_line(new);
        Ok(())
    }

    fn remove_attributes(&mut self, name: &str) -> usize {
        let named: SmallVec<[usize; 4]> = self
            .attributes()
            .filter(|(_, a)| a.name == name)
            .map(|(i, _)| i)
            .collect();
        for &i in named.iter().rev() {
            if i < self.spans.len() {
                self.spans.remove(i);
            }
        }
        named.len()
    }
}

/// Equality of the lines (type, exact bytes and value), not of where they were found.
impl PartialEq for Part {
    fn eq(&self, other: &Self) -> bool {
        self.lines().eq(other.lines())
    }
}

impl Eq for Part {}

/// One line of a description: its type letter, its exact bytes and its value, borrowed from
/// the description.
///
/// Equality compares the type, the exact bytes and where the value lies in the line, not where
/// the line was found.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    part: &'a Part,
    span: &'a Span,
}

impl PartialEq for Line<'_> {
    fn eq(&self, other: &Self) -> bool {
        let rel = |l: &Self| {
            (
                l.span.value_start().saturating_sub(l.span.start),
                l.span.value_end.saturating_sub(l.span.start),
            )
        };
        self.kind() == other.kind() && self.raw() == other.raw() && rel(self) == rel(other)
    }
}

impl Eq for Line<'_> {}

impl<'a> Line<'a> {
    /// The type letter (`b'v'`, `b'o'`, …, `b'm'`, or any other lower-case letter for an
    /// unknown line type), or 0 for an empty line kept by lenient parsing.
    #[must_use]
    pub fn kind(&self) -> u8 {
        self.span.kind
    }

    /// The value: the bytes after `<type>=`, without the line end (and, in lenient mode,
    /// without trailing white space on structured lines).
    #[must_use]
    pub fn value(&self) -> &'a [u8] {
        self.part
            .buf
            .get(self.span.value_start() as usize..self.span.value_end as usize)
            .unwrap_or_default()
    }

    /// The value as text, when it is UTF-8.
    #[must_use]
    pub fn value_str(&self) -> Option<&'a str> {
        text(
            &self.part.buf,
            self.span.value_start() as usize..self.span.value_end as usize,
        )
    }

    /// The exact bytes of the line, including its line end (CRLF, LF, or none for a last line
    /// without one).
    #[must_use]
    pub fn raw(&self) -> &'a [u8] {
        self.part
            .buf
            .get(self.span.start as usize..self.span.end as usize)
            .unwrap_or_default()
    }

    /// The exact bytes of the line as a `Bytes` sharing the description's buffer (no copy).
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        let (start, end) = (self.span.start as usize, self.span.end as usize);
        if start <= end && end <= self.part.buf.len() {
            self.part.buf.slice(start..end)
        } else {
            Bytes::new()
        }
    }

    /// Byte offset of the line from the start of the parsed input (0 for built lines).
    #[must_use]
    pub fn offset(&self) -> usize {
        if self.span.number == 0 {
            0
        } else {
            (self.part.base as usize) + (self.span.start as usize)
        }
    }

    /// 1-based line number in the parsed input (0 for built lines).
    #[must_use]
    pub fn number(&self) -> usize {
        self.span.number as usize
    }

    pub(crate) fn has_line_end(&self) -> bool {
        self.raw().last() == Some(&b'\n')
    }

    /// Locates a field error found `err.at` bytes into the value.
    pub(crate) fn locate(&self, err: FieldErr) -> ParseError {
        let into = self.span.value_start().saturating_sub(self.span.start) as usize;
        ParseError::new(err.kind, self.offset() + into + err.at, self.number())
    }

    fn typed<T>(&self, f: fn(&'a [u8]) -> Result<T, FieldErr>) -> Result<T> {
        f(self.value()).map_err(|e| self.locate(e))
    }

    /// [`typed`](Self::typed), from the field ends parsing kept when it did. Inlined: the
    /// readers are then direct calls.
    #[inline]
    fn typed_at<T>(
        &self,
        at: fn(&'a [u8], shape::Ends) -> Option<T>,
        f: fn(&'a [u8]) -> Result<T, FieldErr>,
    ) -> Result<T> {
        if self.span.ends != shape::NO_ENDS {
            if let Some(t) = at(self.value(), self.span.ends) {
                return Ok(t);
            }
        }
        self.typed(f)
    }
}

/// `buf[range]` as text, when it is UTF-8.
pub(crate) fn text(buf: &[u8], range: core::ops::Range<usize>) -> Option<&str> {
    core::str::from_utf8(buf.get(range)?).ok()
}

/// The lines of a part, in order: see [`SessionDescription::lines`] and
/// [`MediaDescription::lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    part: &'a Part,
    spans: core::slice::Iter<'a, Span>,
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        self.spans.next().map(|span| Line {
            part: self.part,
            span,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }

    fn nth(&mut self, n: usize) -> Option<Line<'a>> {
        self.spans.nth(n).map(|span| Line {
            part: self.part,
            span,
        })
    }
}

impl DoubleEndedIterator for Lines<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.spans.next_back().map(|span| Line {
            part: self.part,
            span,
        })
    }
}

impl ExactSizeIterator for Lines<'_> {}

impl core::iter::FusedIterator for Lines<'_> {}

/// The `o=` line (RFC 8866 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    /// The user's login on the originating host, or `-`.
    pub username: &'a str,
    /// `sess-id`.
    pub session_id: u64,
    /// `sess-version`, increased on every modification.
    pub session_version: u64,
    /// Network type, `IN` for the Internet.
    pub net_type: &'a str,
    /// Address type, `IP4` or `IP6` (others are kept as text).
    pub addr_type: &'a str,
    /// The address of the originating host: a domain name or IPv4/IPv6 text.
    pub unicast_address: &'a str,
}

/// The `c=` line (RFC 8866 §5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Connection<'a> {
    /// Network type, `IN` for the Internet.
    pub net_type: &'a str,
    /// Address type, `IP4` or `IP6` (others are kept as text).
    pub addr_type: &'a str,
    /// The address without its `/ttl/count` suffix: a domain name or IPv4/IPv6 text.
    pub address: &'a str,
    /// The multicast TTL (`IP4` only: the first `/` suffix).
    pub ttl: Option<u32>,
    /// The number of addresses (the second `/` suffix for `IP4`, the first for `IP6`).
    pub count: Option<u32>,
}

/// A `b=` line (RFC 8866 §5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bandwidth<'a> {
    /// `CT`, `AS` or another token.
    pub bw_type: &'a str,
    /// The bandwidth, in kilobits per second for `CT` and `AS`.
    pub bandwidth: u64,
}

/// A `t=` line (RFC 8866 §5.9): NTP times in seconds, 0 for unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timing {
    /// Start time.
    pub start: u64,
    /// Stop time.
    pub stop: u64,
}

/// An `r=` line (RFC 8866 §5.10), all times in seconds (`d`/`h`/`m`/`s` units resolved).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repeat {
    /// Repeat interval.
    pub interval: u64,
    /// Active duration.
    pub duration: u64,
    /// Offsets from the start time.
    pub offsets: SmallVec<[u64; 4]>,
}

/// One adjustment of a `z=` line (RFC 8866 §5.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone {
    /// NTP time at which the adjustment happens.
    pub adjustment: u64,
    /// The offset applied from then, in seconds (may be negative).
    pub offset: i64,
}

/// A `k=` line (RFC 8866 §5.12, obsolete but kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key<'a> {
    /// `clear`, `base64`, `uri`, `prompt` or another token.
    pub method: &'a str,
    /// The text after the first `:`.
    pub key: Option<&'a str>,
}

/// An `a=` line (RFC 8866 §5.13): `a=<name>` (a flag) or `a=<name>:<value>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attribute<'a> {
    /// The attribute name (a token).
    pub name: &'a str,
    /// The text after the first `:`, as written (it may be empty or start with a space).
    pub value: Option<&'a str>,
}

/// An `m=` line (RFC 8866 §5.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Media<'a> {
    /// `audio`, `video`, `text`, `application`, `message` or another token.
    pub media: &'a str,
    /// The transport port; 0 rejects or disables the stream.
    pub port: u16,
    /// The number of ports (`<port>/<count>`).
    pub port_count: Option<u32>,
    /// The transport protocol: `RTP/AVP`, `UDP/TLS/RTP/SAVPF`, `TCP/MSRP`, `TCP/TLS/MSRP`, ….
    pub proto: &'a str,
    /// The format list as written, formats separated by single spaces (`*` for MSRP).
    pub formats: &'a str,
}

impl<'a> Media<'a> {
    /// The formats, one by one.
    pub fn fmts(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.formats.split(' ')
    }
}

/// Checks that `name` is a token and `value` holds no CR, LF or NUL, and builds the value of
/// an `a=` line.
fn attribute_value(name: &str, value: Option<&str>) -> Result<Vec<u8>> {
    if !shape::is_token(name.as_bytes()) {
        return Err(ParseError::new(ErrorKind::Attribute, 0, 0));
    }
    let mut v = name.as_bytes().to_vec();
    if let Some(value) = value {
        if let Some(at) = value.bytes().position(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(ParseError::new(
                ErrorKind::Attribute,
                name.len() + 1 + at,
                0,
            ));
        }
        v.push(b':');
        v.extend_from_slice(value.as_bytes());
    }
    Ok(v)
}

/// A session description (RFC 8866): the session-level lines and the media sections, each line
/// kept byte-exact.
///
/// Parse with [`SessionDescription::parse`] (strict) or [`SessionDescription::parse_with`];
/// write a new one with [`SessionDescription::builder`]; encode with
/// [`SessionDescription::encode`].
#[derive(Debug, Clone)]
pub struct SessionDescription {
    pub(crate) session: Part,
    /// Inline for the common single section (an MSRP offer).
    pub(crate) media: SmallVec<[MediaDescription; 1]>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) eol: &'static [u8],
}

/// Equality of the lines (exact bytes), not of the warnings.
impl PartialEq for SessionDescription {
    fn eq(&self, other: &Self) -> bool {
        self.session == other.session && self.media == other.media
    }
}

impl Eq for SessionDescription {}

/// A media section: its `m=` line and the lines up to the next `m=` line.
#[derive(Debug, Clone)]
pub struct MediaDescription {
    /// The lines, the `m=` line first.
    pub(crate) part: Part,
    pub(crate) eol: &'static [u8],
}

impl PartialEq for MediaDescription {
    fn eq(&self, other: &Self) -> bool {
        self.part == other.part
    }
}

impl Eq for MediaDescription {}

/// The typed accessors shared by the session-level part and media sections.
macro_rules! common_accessors {
    () => {
        /// The lines of this part, in order, exactly as parsed or built.
        #[inline]
        pub fn lines(&self) -> Lines<'_> {
            self.part().lines()
        }

        /// The `i=` line (session information or media title), when present and UTF-8.
        #[must_use]
        pub fn information(&self) -> Option<&str> {
            self.part().first_text(b'i')
        }

        /// The first `c=` line, parsed.
        #[must_use]
        pub fn connection(&self) -> Option<Result<Connection<'_>>> {
            self.connections().next()
        }

        /// Every `c=` line, parsed.
        #[inline]
        pub fn connections(&self) -> impl Iterator<Item = Result<Connection<'_>>> {
            self.part()
                .of_kind(b'c')
                .map(|l| l.typed_at(shape::connection_at, parse::connection))
        }

        /// Every `b=` line, parsed.
        #[inline]
        pub fn bandwidths(&self) -> impl Iterator<Item = Result<Bandwidth<'_>>> {
            self.part().of_kind(b'b').map(|l| l.typed(parse::bandwidth))
        }

        /// The `k=` line, parsed.
        #[must_use]
        pub fn key(&self) -> Option<Result<Key<'_>>> {
            self.part()
                .of_kind(b'k')
                .next()
                .map(|l| l.typed(parse::key))
        }

        /// Every well-formed `a=` line with a UTF-8 value, in order (lines that do not parse,
        /// which only lenient parsing lets through, with a warning, are skipped here but kept
        /// in [`lines`](Self::lines)).
        #[inline]
        pub fn attributes(&self) -> impl Iterator<Item = Attribute<'_>> {
            self.part().attributes().map(|(_, a)| a)
        }

        /// The first attribute named `name` (names compare exactly).
        #[must_use]
        pub fn attribute(&self, name: &str) -> Option<Attribute<'_>> {
            self.attributes().find(|a| a.name == name)
        }

        /// Every attribute named `name`, in order.
        pub fn attributes_named<'s>(
            &'s self,
            name: &'s str,
        ) -> impl Iterator<Item = Attribute<'s>> + 's {
            self.attributes().filter(move |a| a.name == name)
        }

        /// Replaces the first `a=<name>` line by `a=<name>[:<value>]` (in place, other lines
        /// untouched) and removes later ones with that name; appends it when there is none.
        ///
        /// # Errors
        /// [`ErrorKind::Attribute`] when `name` is not a token or `value` holds CR, LF or NUL.
        pub fn set_attribute(&mut self, name: &str, value: Option<&str>) -> Result<()> {
            let eol = self.eol;
            self.part_mut().set_attribute(eol, name, value)
        }

        /// Appends `a=<name>[:<value>]` at the end of this part.
        ///
        /// # Errors
        /// [`ErrorKind::Attribute`] when `name` is not a token or `value` holds CR, LF or NUL.
        pub fn add_attribute(&mut self, name: &str, value: Option<&str>) -> Result<()> {
            let eol = self.eol;
            self.part_mut().add_attribute(eol, name, value)
        }

        /// Removes every attribute named `name`; returns how many were removed.
        pub fn remove_attributes(&mut self, name: &str) -> usize {
            self.part_mut().remove_attributes(name)
        }
    };
}

impl SessionDescription {
    fn part(&self) -> &Part {
        &self.session
    }

    fn part_mut(&mut self) -> &mut Part {
        &mut self.session
    }

    common_accessors!();

    /// The deviations lenient parsing accepted (always empty after strict parsing).
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The media sections, in order.
    #[must_use]
    #[inline]
    pub fn media(&self) -> &[MediaDescription] {
        &self.media
    }

    /// The media sections, to modify.
    pub fn media_mut(&mut self) -> &mut [MediaDescription] {
        &mut self.media
    }

    /// `v=`, parsed.
    ///
    /// # Errors
    /// When the line is missing ([`ErrorKind::Order`]) or not `0` ([`ErrorKind::Version`]).
    #[inline]
    pub fn version(&self) -> Result<u32> {
        self.required(b'v')?.typed(parse::version)
    }

    /// `o=`, parsed.
    ///
    /// # Errors
    /// When the line is missing ([`ErrorKind::Order`]) or malformed.
    #[inline]
    pub fn origin(&self) -> Result<Origin<'_>> {
        self.required(b'o')?
            .typed_at(shape::origin_at, parse::origin)
    }

    /// `s=`, when UTF-8.
    #[must_use]
    pub fn session_name(&self) -> Option<&str> {
        self.session.first_text(b's')
    }

    /// `u=`, when present and UTF-8.
    #[must_use]
    pub fn uri(&self) -> Option<&str> {
        self.session.first_text(b'u')
    }

    /// Every `e=` line (UTF-8 ones).
    #[inline]
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.session.of_kind(b'e').filter_map(|l| l.value_str())
    }

    /// Every `p=` line (UTF-8 ones).
    #[inline]
    pub fn phones(&self) -> impl Iterator<Item = &str> {
        self.session.of_kind(b'p').filter_map(|l| l.value_str())
    }

    /// Every `t=` line, parsed.
    #[inline]
    pub fn timings(&self) -> impl Iterator<Item = Result<Timing>> {
        self.session
            .of_kind(b't')
            .map(|l| l.typed_at(shape::timing_at, parse::timing))
    }

    /// Every `r=` line, parsed.
    #[inline]
    pub fn repeats(&self) -> impl Iterator<Item = Result<Repeat>> {
        self.session.of_kind(b'r').map(|l| l.typed(parse::repeat))
    }

    /// The `z=` line, parsed.
    #[must_use]
    pub fn time_zones(&self) -> Option<Result<SmallVec<[TimeZone; 2]>>> {
        self.session
            .of_kind(b'z')
            .next()
            .map(|l| l.typed(parse::zone))
    }

    #[inline]
    fn required(&self, kind: u8) -> Result<Line<'_>> {
        self.session
            .of_kind(kind)
            .next()
            .ok_or(ParseError::new(ErrorKind::Order, 0, 0))
    }

    /// Increases the `o=` sess-version by one (RFC 3264 §8: every new offer of a session
    /// carries a higher version) and returns the new version. Only the `o=` line changes.
    ///
    /// # Errors
    /// When `o=` is missing or malformed, or the version would overflow
    /// ([`ErrorKind::Number`]).
    pub fn bump_version(&mut self) -> Result<u64> {
        let line = self.required(b'o')?;
        let mut origin = line.typed_at(shape::origin_at, parse::origin)?;
        origin.session_version = origin
            .session_version
            .checked_add(1)
            .ok_or(ParseError::new(
                ErrorKind::Number,
                line.offset(),
                line.number(),
            ))?;
        let version = origin.session_version;
        let text = origin.to_string();
        let eol = self.eol;
        self.session.replace_first(b'o', text.as_bytes(), eol);
        Ok(version)
    }

    /// Appends a media section.
    pub fn push_media(&mut self, media: MediaDescription) {
        self.media.push(media);
    }

    /// Removes and returns the media section at `index`, if there is one.
    pub fn remove_media(&mut self, index: usize) -> Option<MediaDescription> {
        (index < self.media.len()).then(|| self.media.remove(index))
    }
}

impl MediaDescription {
    fn part(&self) -> &Part {
        &self.part
    }

    fn part_mut(&mut self) -> &mut Part {
        &mut self.part
    }

    common_accessors!();

    /// The `m=` line, parsed.
    ///
    /// # Errors
    /// When the line is malformed (only lenient parsing lets such a line through).
    #[inline]
    pub fn media(&self) -> Result<Media<'_>> {
        self.m_line()?.typed_at(shape::media_at, parse::media)
    }

    #[inline]
    fn m_line(&self) -> Result<Line<'_>> {
        self.part
            .lines()
            .next()
            .ok_or(ParseError::new(ErrorKind::Order, 0, 0))
    }

    /// Sets the port of the `m=` line (0 rejects or disables the stream, RFC 3264 §6), keeping
    /// its port count, proto and formats. Only the `m=` line changes.
    ///
    /// # Errors
    /// When the `m=` line is malformed.
    pub fn set_port(&mut self, port: u16) -> Result<()> {
        let mut media = self.media()?;
        media.port = port;
        let text = media.to_string();
        let eol = self.eol;
        self.part.replace_first(b'm', text.as_bytes(), eol);
        Ok(())
    }
}
