//! The model of a session description (RFC 8866 §5): every line kept as a `Bytes` slice of the
//! parsed input (its exact bytes, line end included, so that an unmodified description encodes
//! byte-exact and unknown lines survive), grouped into the session-level part and the media
//! sections, and typed views of each line type, parsed on access by [`crate::parse`].

use bytes::Bytes;
use smallvec::SmallVec;

use crate::error::{ErrorKind, ParseError, Result};
use crate::parse::{self, FieldErr, Warning};

/// The line end written for new lines of a description.
pub(crate) const CRLF: &[u8] = b"\r\n";

/// One line of a description: its type letter, its exact bytes and the span of its value.
///
/// Equality compares the type, the exact bytes and the value span, not where the line was
/// found.
#[derive(Debug, Clone)]
pub struct Line {
    kind: u8,
    raw: Bytes,
    value_start: u32,
    value_end: u32,
    offset: usize,
    number: usize,
}

impl PartialEq for Line {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.raw == other.raw
            && self.value_start == other.value_start
            && self.value_end == other.value_end
    }
}

impl Eq for Line {}

impl Line {
    /// A line found by the parser: `raw` is the line with its end, the value is
    /// `raw[value_start..value_end]`.
    pub(crate) fn parsed(
        kind: u8,
        raw: Bytes,
        value: core::ops::Range<usize>,
        offset: usize,
        number: usize,
    ) -> Self {
        Self {
            kind,
            raw,
            value_start: u32::try_from(value.start).unwrap_or(0),
            value_end: u32::try_from(value.end).unwrap_or(0),
            offset,
            number,
        }
    }

    /// A new line `<kind>=<value><eol>`. The caller has checked that `value` holds no CR, LF
    /// or NUL.
    pub(crate) fn build(kind: u8, value: &[u8], eol: &[u8]) -> Self {
        let mut raw = Vec::with_capacity(2 + value.len() + eol.len());
        raw.push(kind);
        raw.push(b'=');
        raw.extend_from_slice(value);
        raw.extend_from_slice(eol);
        Self::parsed(kind, Bytes::from(raw), 2..2 + value.len(), 0, 0)
    }

    /// The type letter (`b'v'`, `b'o'`, …, `b'm'`, or any other lower-case letter for an
    /// unknown line type), or 0 for an empty line kept by lenient parsing.
    #[must_use]
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// The value: the bytes after `<type>=`, without the line end (and, in lenient mode,
    /// without trailing white space on structured lines).
    #[must_use]
    pub fn value(&self) -> &[u8] {
        self.raw
            .get(self.value_start as usize..self.value_end as usize)
            .unwrap_or_default()
    }

    /// The value as text, when it is UTF-8.
    #[must_use]
    pub fn value_str(&self) -> Option<&str> {
        core::str::from_utf8(self.value()).ok()
    }

    /// The exact bytes of the line, including its line end (CRLF, LF, or none for a last line
    /// without one).
    #[must_use]
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Byte offset of the line from the start of the parsed input (0 for built lines).
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// 1-based line number in the parsed input (0 for built lines).
    #[must_use]
    pub fn number(&self) -> usize {
        self.number
    }

    pub(crate) fn has_line_end(&self) -> bool {
        self.raw.last() == Some(&b'\n')
    }

    /// Locates a field error found `err.at` bytes into the value.
    pub(crate) fn locate(&self, err: FieldErr) -> ParseError {
        ParseError::new(
            err.kind,
            self.offset + self.value_start as usize + err.at,
            self.number,
        )
    }

    fn typed<'a, T>(&'a self, f: fn(&'a [u8]) -> Result<T, FieldErr>) -> Result<T> {
        f(self.value()).map_err(|e| self.locate(e))
    }
}

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

/// Lines of one type.
fn of_kind(lines: &[Line], kind: u8) -> impl Iterator<Item = &Line> {
    lines.iter().filter(move |l| l.kind == kind)
}

fn first_text(lines: &[Line], kind: u8) -> Option<&str> {
    of_kind(lines, kind).next().and_then(Line::value_str)
}

fn attributes(lines: &[Line]) -> impl Iterator<Item = Attribute<'_>> {
    of_kind(lines, b'a').filter_map(|l| parse::attribute(l.value()).ok())
}

/// Checks that `name` is a token and `value` holds no CR, LF or NUL, and builds the value of
/// an `a=` line.
fn attribute_value(name: &str, value: Option<&str>) -> Result<Vec<u8>> {
    if !parse::is_token(name.as_bytes()) {
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

/// Replaces the first `a=<name>` line by `a=<name>[:<value>]` and removes the others with that
/// name; appends the line when there is none.
fn set_attribute(lines: &mut Vec<Line>, eol: &[u8], name: &str, value: Option<&str>) -> Result<()> {
    let new = Line::build(b'a', &attribute_value(name, value)?, eol);
    let mut placed = false;
    let mut out = Vec::with_capacity(lines.len() + 1);
    for line in lines.drain(..) {
        if line.kind == b'a' && parse::attribute(line.value()).is_ok_and(|a| a.name == name) {
            if !placed {
                out.push(new.clone());
                placed = true;
            }
        } else {
            out.push(line);
        }
    }
    *lines = out;
    if !placed {
        push_attribute_line(lines, new);
    }
    Ok(())
}

/// Appends an `a=` line after the last line of the part (before trailing empty lines).
fn push_attribute_line(lines: &mut Vec<Line>, line: Line) {
    let at = lines
        .iter()
        .rposition(|l| l.kind != 0)
        .map_or(lines.len(), |i| i + 1);
    lines.insert(at, line);
}

fn remove_attributes(lines: &mut Vec<Line>, name: &str) -> usize {
    let before = lines.len();
    lines
        .retain(|l| !(l.kind == b'a' && parse::attribute(l.value()).is_ok_and(|a| a.name == name)));
    before - lines.len()
}

/// A session description (RFC 8866): the session-level lines and the media sections, each line
/// kept byte-exact.
///
/// Parse with [`SessionDescription::parse`] (strict) or [`SessionDescription::parse_with`];
/// write a new one with [`SessionDescription::builder`]; encode with
/// [`SessionDescription::encode`].
#[derive(Debug, Clone)]
pub struct SessionDescription {
    pub(crate) session: Vec<Line>,
    pub(crate) media: Vec<MediaDescription>,
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
    pub(crate) lines: Vec<Line>,
    pub(crate) eol: &'static [u8],
}

impl PartialEq for MediaDescription {
    fn eq(&self, other: &Self) -> bool {
        self.lines == other.lines
    }
}

impl Eq for MediaDescription {}

/// The typed accessors shared by the session-level part and media sections.
macro_rules! common_accessors {
    () => {
        /// The lines of this part, in order, exactly as parsed or built.
        #[must_use]
        pub fn lines(&self) -> &[Line] {
            self.part()
        }

        /// The `i=` line (session information or media title), when present and UTF-8.
        #[must_use]
        pub fn information(&self) -> Option<&str> {
            first_text(self.part(), b'i')
        }

        /// The first `c=` line, parsed.
        #[must_use]
        pub fn connection(&self) -> Option<Result<Connection<'_>>> {
            self.connections().next()
        }

        /// Every `c=` line, parsed.
        pub fn connections(&self) -> impl Iterator<Item = Result<Connection<'_>>> {
            of_kind(self.part(), b'c').map(|l| l.typed(parse::connection))
        }

        /// Every `b=` line, parsed.
        pub fn bandwidths(&self) -> impl Iterator<Item = Result<Bandwidth<'_>>> {
            of_kind(self.part(), b'b').map(|l| l.typed(parse::bandwidth))
        }

        /// The `k=` line, parsed.
        #[must_use]
        pub fn key(&self) -> Option<Result<Key<'_>>> {
            of_kind(self.part(), b'k')
                .next()
                .map(|l| l.typed(parse::key))
        }

        /// Every well-formed `a=` line, in order (lines that do not parse, which only lenient
        /// parsing lets through, with a warning, are skipped here but kept in
        /// [`lines`](Self::lines)).
        pub fn attributes(&self) -> impl Iterator<Item = Attribute<'_>> {
            attributes(self.part())
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
            set_attribute(self.part_mut(), eol, name, value)
        }

        /// Appends `a=<name>[:<value>]` at the end of this part.
        ///
        /// # Errors
        /// [`ErrorKind::Attribute`] when `name` is not a token or `value` holds CR, LF or NUL.
        pub fn add_attribute(&mut self, name: &str, value: Option<&str>) -> Result<()> {
            let line = Line::build(b'a', &attribute_value(name, value)?, self.eol);
            push_attribute_line(self.part_mut(), line);
            Ok(())
        }

        /// Removes every attribute named `name`; returns how many were removed.
        pub fn remove_attributes(&mut self, name: &str) -> usize {
            remove_attributes(self.part_mut(), name)
        }
    };
}

impl SessionDescription {
    fn part(&self) -> &[Line] {
        &self.session
    }

    fn part_mut(&mut self) -> &mut Vec<Line> {
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
    pub fn version(&self) -> Result<u32> {
        self.required(b'v')?.typed(parse::version)
    }

    /// `o=`, parsed.
    ///
    /// # Errors
    /// When the line is missing ([`ErrorKind::Order`]) or malformed.
    pub fn origin(&self) -> Result<Origin<'_>> {
        self.required(b'o')?.typed(parse::origin)
    }

    /// `s=`, when UTF-8.
    #[must_use]
    pub fn session_name(&self) -> Option<&str> {
        first_text(&self.session, b's')
    }

    /// `u=`, when present and UTF-8.
    #[must_use]
    pub fn uri(&self) -> Option<&str> {
        first_text(&self.session, b'u')
    }

    /// Every `e=` line (UTF-8 ones).
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        of_kind(&self.session, b'e').filter_map(Line::value_str)
    }

    /// Every `p=` line (UTF-8 ones).
    pub fn phones(&self) -> impl Iterator<Item = &str> {
        of_kind(&self.session, b'p').filter_map(Line::value_str)
    }

    /// Every `t=` line, parsed.
    pub fn timings(&self) -> impl Iterator<Item = Result<Timing>> {
        of_kind(&self.session, b't').map(|l| l.typed(parse::timing))
    }

    /// Every `r=` line, parsed.
    pub fn repeats(&self) -> impl Iterator<Item = Result<Repeat>> {
        of_kind(&self.session, b'r').map(|l| l.typed(parse::repeat))
    }

    /// The `z=` line, parsed.
    #[must_use]
    pub fn time_zones(&self) -> Option<Result<SmallVec<[TimeZone; 2]>>> {
        of_kind(&self.session, b'z')
            .next()
            .map(|l| l.typed(parse::zone))
    }

    fn required(&self, kind: u8) -> Result<&Line> {
        of_kind(&self.session, kind)
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
        let mut origin = line.typed(parse::origin)?;
        origin.session_version = origin
            .session_version
            .checked_add(1)
            .ok_or(ParseError::new(
                ErrorKind::Number,
                line.offset(),
                line.number(),
            ))?;
        let version = origin.session_version;
        let new = Line::build(b'o', origin.to_string().as_bytes(), self.eol);
        if let Some(slot) = self.session.iter_mut().find(|l| l.kind == b'o') {
            *slot = new;
        }
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
    fn part(&self) -> &[Line] {
        &self.lines
    }

    fn part_mut(&mut self) -> &mut Vec<Line> {
        &mut self.lines
    }

    common_accessors!();

    /// The `m=` line, parsed.
    ///
    /// # Errors
    /// When the line is malformed (only lenient parsing lets such a line through).
    pub fn media(&self) -> Result<Media<'_>> {
        self.m_line()?.typed(parse::media)
    }

    fn m_line(&self) -> Result<&Line> {
        self.lines
            .first()
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
        let new = Line::build(b'm', media.to_string().as_bytes(), self.eol);
        if let Some(slot) = self.lines.first_mut() {
            *slot = new;
        }
        Ok(())
    }
}
