//! The parser (RFC 8866 §5, §9): one pass that splits the input into lines, checks each line's
//! syntax and the order of line types, and keeps every line as a slice of the input; and one
//! parse function per line type, used on access by the typed views of [`crate::model`].
//!
//! Grammar (RFC 8866 §9):
//!
//! ```text
//! session-description = version-field origin-field session-name-field
//!                       [information-field] [uri-field] *email-field *phone-field
//!                       [connection-field] *bandwidth-field 1*time-description
//!                       [key-field] *attribute-field *media-description
//! time-description    = timing-field *repeat-field [zone-field]   ; zone once, after all
//! media-description   = media-field [information-field] *connection-field
//!                       *bandwidth-field [key-field] *attribute-field
//! ```

use bytes::Bytes;
use smallvec::SmallVec;

use crate::error::{ErrorKind, ParseError, Result};
use crate::model::{
    Bandwidth, CRLF, Connection, Key, Media, MediaDescription, Origin, Part, Repeat,
    SessionDescription, Span, TimeZone, Timing,
};

/// How to parse, and the bounds on what is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept, with a [`Warning`] each, LF-only line ends, a last line without line end,
    /// trailing white space, empty lines, a missing `t=`, lines out of the RFC 8866 order and
    /// malformed structured values. Off: the RFC grammar, CRLF only.
    pub lenient: bool,
    /// Largest input in bytes (default 64 KiB).
    pub max_bytes: usize,
    /// Most lines (default 2048).
    pub max_lines: usize,
    /// Most media sections (default 64).
    pub max_media: usize,
}

impl ParseOptions {
    /// Strict parsing with the default limits.
    #[must_use]
    pub const fn strict() -> Self {
        Self {
            lenient: false,
            max_bytes: 64 * 1024,
            max_lines: 2048,
            max_media: 64,
        }
    }

    /// Lenient parsing with the default limits.
    #[must_use]
    pub const fn lenient() -> Self {
        Self {
            lenient: true,
            ..Self::strict()
        }
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::strict()
    }
}

/// A deviation from RFC 8866 that parsing accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// The line ends in a bare LF instead of CRLF.
    LfLineEnd,
    /// The last line has no line end.
    NoFinalLineEnd,
    /// A structured line or a flag attribute (`a=<name>`) ends in white space (left out of
    /// the value; text values and attribute values keep theirs).
    TrailingWhitespace,
    /// An empty line.
    EmptyLine,
    /// No `t=` line in the session-level part.
    MissingTiming,
    /// The line type is not allowed here by the RFC 8866 §5 order (or repeats).
    OutOfOrder,
    /// A line type RFC 8866 does not define; the line is kept (strict parsing rejects it).
    UnknownType,
    /// The value of a structured line does not follow its grammar; the typed view of the line
    /// returns the error.
    MalformedValue(ErrorKind),
}

/// A deviation found at a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Warning {
    /// What deviates.
    pub kind: WarningKind,
    /// 1-based line number (0 when not tied to a line).
    pub line: usize,
    /// Byte offset from the start of the input.
    pub offset: usize,
}

/// An error inside a value: what, and how many bytes into the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldErr {
    pub(crate) kind: ErrorKind,
    pub(crate) at: usize,
}

const fn ferr(kind: ErrorKind, at: usize) -> FieldErr {
    FieldErr { kind, at }
}

/// `token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E`.
const fn is_token_char(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E)
}

/// [`is_token_char`] as a table: names are short, and a byte-at-a-time table lookup beats the
/// range tests, which the compiler vectorizes poorly for a few bytes.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
static TOKEN_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_token_char(b as u8);
        b += 1;
    }
    table
};

/// The first `needle` in a short field (a few bytes to a line): a plain loop, cheaper than a
/// `memchr` call at these lengths.
fn find(needle: u8, field: &[u8]) -> Option<usize> {
    field.iter().position(|&b| b == needle)
}

fn is_token_byte(b: u8) -> bool {
    TOKEN_CHARS.get(usize::from(b)).copied().unwrap_or(false)
}

/// `token = 1*(token-char)`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_token_byte(b))
}

/// Line types RFC 8866 defines.
const fn is_known(kind: u8) -> bool {
    matches!(
        kind,
        b'v' | b'o'
            | b's'
            | b'i'
            | b'u'
            | b'e'
            | b'p'
            | b'c'
            | b'b'
            | b't'
            | b'r'
            | b'z'
            | b'k'
            | b'a'
            | b'm'
    )
}

/// Text lines, whose trailing white space belongs to the value (`a=<name>:<value>` lines too;
/// only structured lines and flag attributes lose it in lenient mode).
const fn is_text(kind: u8) -> bool {
    matches!(kind, b's' | b'i' | b'u' | b'e' | b'p')
}

/// Parses a whole description.
pub(crate) fn description(input: Bytes, opts: &ParseOptions) -> Result<SessionDescription> {
    if input.len() > opts.max_bytes || u32::try_from(input.len()).is_err() {
        return Err(ParseError::new(ErrorKind::TooLarge, opts.max_bytes, 0));
    }
    let buf: &[u8] = &input;
    let mut p = Parser {
        opts,
        warnings: Vec::new(),
        order: Order::default(),
        seen_o: false,
        seen_s: false,
        seen_t: false,
        // One pass each over the whole input instead of one per line: where the first NUL is,
        // and whether every value is UTF-8 (then no attribute value needs checking again).
        first_nul: memchr::memchr(0, buf).unwrap_or(usize::MAX),
        all_utf8: core::str::from_utf8(buf).is_ok(),
    };
    let mut session: Option<Part> = None;
    let mut media: Vec<MediaDescription> = Vec::new();
    // The part being filled: where it starts in the input, and its lines.
    let mut base = 0;
    let mut spans: Vec<Span> = Vec::with_capacity(16);
    let mut eol: Option<&'static [u8]> = None;
    let mut pos = 0;
    let mut number = 0;
    while pos < buf.len() {
        number += 1;
        if number > opts.max_lines {
            return Err(ParseError::new(ErrorKind::TooLarge, pos, number));
        }
        let rest = buf.get(pos..).unwrap_or_default();
        let (content_end, next) = match memchr::memchr2(b'\r', b'\n', rest) {
            None => {
                p.deviate(
                    WarningKind::NoFinalLineEnd,
                    ErrorKind::LineEnding,
                    buf.len(),
                    number,
                )?;
                (buf.len(), buf.len())
            }
            Some(i) => {
                let at = pos + i;
                if buf.get(at) == Some(&b'\r') {
                    if buf.get(at + 1) != Some(&b'\n') {
                        return Err(ParseError::new(ErrorKind::LineEnding, at, number));
                    }
                    eol.get_or_insert(CRLF);
                    (at, at + 2)
                } else {
                    p.deviate(WarningKind::LfLineEnd, ErrorKind::LineEnding, at, number)?;
                    eol.get_or_insert(b"\n");
                    (at, at + 1)
                }
            }
        };
        if p.first_nul < content_end {
            return Err(ParseError::new(ErrorKind::LineEnding, p.first_nul, number));
        }
        let content = buf.get(pos..content_end).unwrap_or_default();
        let kind = content.first().copied().unwrap_or(0);
        if kind == b'm' {
            // Sections before this one: those pushed, and the one being filled.
            if media.len() + usize::from(session.is_some()) >= opts.max_media {
                return Err(ParseError::new(ErrorKind::TooLarge, pos, number));
            }
            // The part before this line is complete.
            let part = Part {
                buf: input.slice(base..pos),
                spans: core::mem::replace(&mut spans, Vec::with_capacity(16)),
            };
            match session {
                None => session = Some(part),
                Some(_) => media.push(MediaDescription { part, eol: CRLF }),
            }
            base = pos;
            p.order.enter_media();
        }
        let (start, end) = (pos - base, next - base);
        let span = if content.is_empty() {
            p.deviate(WarningKind::EmptyLine, ErrorKind::Line, pos, number)?;
            Span::parsed(0, start, end, start..start, pos, number)
        } else {
            if !kind.is_ascii_lowercase() || content.get(1) != Some(&b'=') {
                return Err(ParseError::new(ErrorKind::Line, pos, number));
            }
            let colon = if kind == b'a' {
                find(b':', content)
            } else {
                None
            };
            let mut value_end = content.len();
            if matches!(content.last(), Some(b' ' | b'\t')) && !is_text(kind) && colon.is_none() {
                while value_end > 2 && matches!(content.get(value_end - 1), Some(b' ' | b'\t')) {
                    value_end -= 1;
                }
                if opts.lenient {
                    p.warn(WarningKind::TrailingWhitespace, pos + value_end, number);
                } else {
                    value_end = content.len();
                }
            }
            let value = content.get(2..value_end).unwrap_or_default();
            let mut span =
                Span::parsed(kind, start, end, start + 2..start + value_end, pos, number);
            let session_level = session.is_none();
            if kind == b'a' {
                p.place(kind, pos, number, session_level)?;
                if p.attribute(value, colon.map(|c| c - 2), pos, number)? {
                    span.set_attribute(colon.map(|c| start + c));
                }
            } else {
                p.check(kind, value, pos, number, session_level)?;
            }
            span
        };
        spans.push(span);
        pos = next;
    }
    let end = buf.len();
    let last = Part {
        buf: input.slice(base..end),
        spans,
    };
    let session = match session {
        None => last,
        Some(session) => {
            media.push(MediaDescription {
                part: last,
                eol: CRLF,
            });
            session
        }
    };
    if !p.seen_o || !p.seen_s {
        return Err(ParseError::new(ErrorKind::Order, end, number.max(1)));
    }
    if !p.seen_t {
        let at = media.first().and_then(|m| m.part.lines().next());
        let (offset, line) = at.map_or((end, number.max(1)), |l| (l.offset(), l.number()));
        p.deviate(WarningKind::MissingTiming, ErrorKind::Order, offset, line)?;
    }
    let eol = eol.unwrap_or(CRLF);
    for section in &mut media {
        section.eol = eol;
    }
    Ok(SessionDescription {
        session,
        media,
        warnings: p.warnings,
        eol,
    })
}

struct Parser<'o> {
    opts: &'o ParseOptions,
    warnings: Vec<Warning>,
    order: Order,
    seen_o: bool,
    seen_s: bool,
    seen_t: bool,
    first_nul: usize,
    all_utf8: bool,
}

impl Parser<'_> {
    fn warn(&mut self, kind: WarningKind, offset: usize, line: usize) {
        self.warnings.push(Warning { kind, line, offset });
    }

    /// A deviation: a warning when lenient, else the error.
    fn deviate(
        &mut self,
        warning: WarningKind,
        error: ErrorKind,
        offset: usize,
        line: usize,
    ) -> Result<()> {
        if self.opts.lenient {
            self.warn(warning, offset, line);
            Ok(())
        } else {
            Err(ParseError::new(error, offset, line))
        }
    }

    /// Checks a line's place in the order of line types.
    fn place(&mut self, kind: u8, offset: usize, number: usize, session_level: bool) -> Result<()> {
        if number == 1 && kind != b'v' {
            return Err(ParseError::new(ErrorKind::Order, offset, number));
        }
        if !is_known(kind) {
            // RFC 8866 §5: a parser "MUST completely ignore or reject" a description with a
            // type letter it does not understand; lenient parsing keeps the line instead.
            return self.deviate(WarningKind::UnknownType, ErrorKind::Line, offset, number);
        }
        if session_level {
            match kind {
                b'o' => self.seen_o = true,
                b's' => self.seen_s = true,
                b't' => self.seen_t = true,
                _ => {}
            }
        }
        if kind == b'v' && number != 1 {
            return self.deviate(WarningKind::OutOfOrder, ErrorKind::Order, offset, number);
        }
        if kind != b'm' && !self.order.accept(kind) {
            self.deviate(WarningKind::OutOfOrder, ErrorKind::Order, offset, number)?;
        }
        Ok(())
    }

    /// Checks a line's place in the order and its value's grammar.
    fn check(
        &mut self,
        kind: u8,
        value: &[u8],
        offset: usize,
        number: usize,
        session_level: bool,
    ) -> Result<()> {
        self.place(kind, offset, number, session_level)?;
        if !is_known(kind) {
            return Ok(());
        }
        let checked = match kind {
            b'v' => {
                return version(value)
                    .map(drop)
                    .map_err(|e| ParseError::new(e.kind, offset + 2 + e.at, number));
            }
            b'o' => origin(value).map(drop),
            b'c' => connection(value).map(drop),
            b'b' => bandwidth(value).map(drop),
            b't' => timing(value).map(drop),
            b'r' => repeat(value).map(drop),
            b'z' => zone(value).map(drop),
            b'k' => key(value).map(drop),
            b'm' => media(value).map(drop),
            _ => Ok(()),
        };
        self.field_result(checked, offset, number).map(drop)
    }

    /// Checks an `a=` value whose `:` (if any) is at `colon` in the value; returns whether the
    /// attribute is well formed (lenient parsing keeps a malformed one with a warning).
    ///
    /// `attribute-field = %s"a" "=" attribute CRLF`, `attribute = (attribute-name ":"
    /// attribute-value) / attribute-name`, `attribute-name = token`, `attribute-value =
    /// byte-string`, required to be UTF-8 here so that every attribute reads as text.
    fn attribute(
        &mut self,
        value: &[u8],
        colon: Option<usize>,
        offset: usize,
        number: usize,
    ) -> Result<bool> {
        let name = colon.map_or(value, |c| value.get(..c).unwrap_or_default());
        let checked = if !is_token(name) {
            Err(ferr(ErrorKind::Attribute, 0))
        } else if self.all_utf8 {
            Ok(())
        } else {
            let at = colon.map_or(value.len(), |c| c + 1);
            core::str::from_utf8(value.get(at..).unwrap_or_default())
                .map(drop)
                .map_err(|e| ferr(ErrorKind::Attribute, at + e.valid_up_to()))
        };
        self.field_result(checked, offset, number)
    }

    /// A value's check: an error located in the line (`offset` is the line's), or, when
    /// lenient, a warning; returns whether the value was well formed.
    fn field_result(
        &mut self,
        checked: Result<(), FieldErr>,
        offset: usize,
        number: usize,
    ) -> Result<bool> {
        match checked {
            Ok(()) => Ok(true),
            Err(e) => {
                let at = offset + 2 + e.at;
                if self.opts.lenient {
                    self.warn(WarningKind::MalformedValue(e.kind), at, number);
                    Ok(false)
                } else {
                    Err(ParseError::new(e.kind, at, number))
                }
            }
        }
    }
}

/// The RFC 8866 §5 order of line types, as ranks within the session-level part and within a
/// media section.
#[derive(Default)]
struct Order {
    in_media: bool,
    prev: Option<(u8, u8)>,
}

impl Order {
    fn enter_media(&mut self) {
        self.in_media = true;
        self.prev = Some((0, b'm'));
    }

    fn rank(&self, kind: u8) -> Option<u8> {
        let order: &[u8] = if self.in_media {
            b"micbka"
        } else {
            b"vosiuepcbtrzka"
        };
        order
            .iter()
            .position(|&k| k == kind)
            .and_then(|i| u8::try_from(i).ok())
    }

    fn repeatable(&self, kind: u8) -> bool {
        let set: &[u8] = if self.in_media { b"cba" } else { b"epbtra" };
        set.contains(&kind)
    }

    /// Whether `kind` may follow the previous line; records it either way.
    fn accept(&mut self, kind: u8) -> bool {
        let Some(rank) = self.rank(kind) else {
            return false;
        };
        let ok = match self.prev {
            None => true,
            Some((prev_rank, prev_kind)) => {
                if kind == b'r' {
                    matches!(prev_kind, b't' | b'r')
                } else if kind == b't' && prev_kind == b'r' {
                    true
                } else {
                    rank > prev_rank || (rank == prev_rank && self.repeatable(kind))
                }
            }
        };
        let keep = self.prev.map_or(rank, |(r, _)| r.max(rank));
        self.prev = Some((if ok { rank } else { keep }, kind));
        ok
    }
}

/// Splits a value into single-space-separated fields, tracking positions.
struct Fields<'a> {
    v: &'a [u8],
    /// The value as text, when it is UTF-8: one check for the whole value, not one per field.
    text: Option<&'a str>,
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(v: &'a [u8]) -> Self {
        Self {
            v,
            text: core::str::from_utf8(v).ok(),
            pos: 0,
        }
    }

    /// `len` bytes at `at` as text (the error locates the first byte that is not UTF-8).
    fn str_at(&self, at: usize, len: usize) -> Result<&'a str, FieldErr> {
        match self.text.and_then(|t| t.get(at..at + len)) {
            Some(s) => Ok(s),
            None => utf8(self.v.get(at..at + len).unwrap_or_default(), at),
        }
    }

    /// The next non-empty field and where it starts.
    fn next(&mut self) -> Result<(&'a [u8], usize), FieldErr> {
        self.next_of(|b| b != b' ', |at, _| ferr(ErrorKind::Field, at))
    }

    /// The next non-empty field, whose bytes must all be `ok` (one pass finds the field's end
    /// and checks it): `bad(field start, bad byte)` is the error for a byte that is not.
    fn next_of(
        &mut self,
        ok: impl Fn(u8) -> bool,
        bad: impl Fn(usize, usize) -> FieldErr,
    ) -> Result<(&'a [u8], usize), FieldErr> {
        let at = self.pos;
        let rest = self.v.get(at..).unwrap_or_default();
        let len = rest.iter().position(|&b| !ok(b)).unwrap_or(rest.len());
        if !matches!(rest.get(len), None | Some(b' ')) {
            return Err(bad(at, at + len));
        }
        if len == 0 {
            return Err(ferr(ErrorKind::Field, at));
        }
        let field = rest.get(..len).unwrap_or_default();
        self.pos = at + len + usize::from(len < rest.len());
        if len < rest.len() && self.pos >= self.v.len() {
            // A trailing space: an empty last field.
            return Err(ferr(ErrorKind::Field, self.pos));
        }
        Ok((field, at))
    }

    fn token(&mut self) -> Result<&'a str, FieldErr> {
        let (f, at) = self.next_of(is_token_byte, |at, _| ferr(ErrorKind::Field, at))?;
        self.str_at(at, f.len())
    }

    /// `non-ws-string = 1*(VCHAR/%x80-FF)`, as UTF-8 text.
    fn non_ws(&mut self) -> Result<&'a str, FieldErr> {
        let (f, at) = self.next_of(
            |b| b > 0x20 && b != 0x7F,
            |_, bad| ferr(ErrorKind::Field, bad),
        )?;
        self.str_at(at, f.len())
    }

    fn number(&mut self) -> Result<u64, FieldErr> {
        let (f, at) = self.next()?;
        number(f, at)
    }

    /// The rest of the value, from the current field on.
    fn rest(&self) -> (&'a [u8], usize) {
        (self.v.get(self.pos..).unwrap_or_default(), self.pos)
    }

    fn is_done(&self) -> bool {
        self.pos >= self.v.len()
    }

    fn end(&self) -> Result<(), FieldErr> {
        if self.is_done() {
            Ok(())
        } else {
            Err(ferr(ErrorKind::Field, self.pos))
        }
    }
}

fn utf8(f: &[u8], at: usize) -> Result<&str, FieldErr> {
    core::str::from_utf8(f).map_err(|e| ferr(ErrorKind::Field, at + e.valid_up_to()))
}

/// `1*DIGIT` as a `u64`.
fn number(f: &[u8], at: usize) -> Result<u64, FieldErr> {
    if f.is_empty() {
        return Err(ferr(ErrorKind::Number, at));
    }
    f.iter().enumerate().try_fold(0u64, |n, (i, &b)| {
        if !b.is_ascii_digit() {
            return Err(ferr(ErrorKind::Number, at + i));
        }
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(ferr(ErrorKind::Number, at))
    })
}

fn number_u32(f: &[u8], at: usize) -> Result<u32, FieldErr> {
    u32::try_from(number(f, at)?).map_err(|_| ferr(ErrorKind::Number, at))
}

/// `typed-time = 1*DIGIT [fixed-len-time-unit]`, `fixed-len-time-unit = "d" / "h" / "m" /
/// "s"`, in seconds.
fn typed_time(f: &[u8], at: usize) -> Result<u64, FieldErr> {
    let (digits, scale) = match f.split_last() {
        Some((b'd', d)) => (d, 86_400),
        Some((b'h', d)) => (d, 3_600),
        Some((b'm', d)) => (d, 60),
        Some((b's', d)) => (d, 1),
        _ => (f, 1),
    };
    number(digits, at)?
        .checked_mul(scale)
        .ok_or(ferr(ErrorKind::Number, at))
}

/// `version-field = %s"v" "=" 1*DIGIT CRLF`; RFC 8866 defines version 0 only.
pub(crate) fn version(v: &[u8]) -> Result<u32, FieldErr> {
    if v == b"0" {
        Ok(0)
    } else {
        Err(ferr(ErrorKind::Version, 0))
    }
}

/// `origin-field = %s"o" "=" username SP sess-id SP sess-version SP nettype SP addrtype SP
/// unicast-address CRLF`, with `username = non-ws-string`, `sess-id = 1*DIGIT`,
/// `sess-version = 1*DIGIT`, `nettype = token`, `addrtype = token` and `unicast-address`
/// an IPv4 or IPv6 address, a FQDN or an `extn-addr` (a non-ws-string).
pub(crate) fn origin(v: &[u8]) -> Result<Origin<'_>, FieldErr> {
    let mut f = Fields::new(v);
    let origin = Origin {
        username: f.non_ws()?,
        session_id: f.number()?,
        session_version: f.number()?,
        net_type: f.token()?,
        addr_type: f.token()?,
        unicast_address: f.non_ws()?,
    };
    f.end()?;
    Ok(origin)
}

/// `connection-field = %s"c" "=" nettype SP addrtype SP connection-address CRLF`, with
/// `connection-address = multicast-address / unicast-address`; an IPv4 multicast address
/// carries `/ttl [/numaddr]`, an IPv6 one `[/numaddr]`.
pub(crate) fn connection(v: &[u8]) -> Result<Connection<'_>, FieldErr> {
    let mut f = Fields::new(v);
    let net_type = f.token()?;
    let addr_type = f.token()?;
    let address = f.non_ws()?;
    f.end()?;
    let base = v.len() - address.len();
    let mut parts = address.split('/');
    let host = parts.next().unwrap_or_default();
    if host.is_empty() {
        return Err(ferr(ErrorKind::Field, base));
    }
    let mut at = base + host.len() + 1;
    let mut suffix = SmallVec::<[u32; 2]>::new();
    for part in parts {
        if suffix.len() == 2 {
            return Err(ferr(ErrorKind::Field, at));
        }
        suffix.push(number_u32(part.as_bytes(), at)?);
        at += part.len() + 1;
    }
    let (ttl, count) = if addr_type.eq_ignore_ascii_case("IP6") {
        if suffix.len() > 1 {
            return Err(ferr(ErrorKind::Field, base));
        }
        (None, suffix.first().copied())
    } else {
        (suffix.first().copied(), suffix.get(1).copied())
    };
    Ok(Connection {
        net_type,
        addr_type,
        address: host,
        ttl,
        count,
    })
}

/// `bandwidth-field = %s"b" "=" bwtype ":" bandwidth CRLF`, `bwtype = token`,
/// `bandwidth = 1*DIGIT`.
pub(crate) fn bandwidth(v: &[u8]) -> Result<Bandwidth<'_>, FieldErr> {
    let colon = memchr::memchr(b':', v).ok_or(ferr(ErrorKind::Field, v.len()))?;
    let (t, n) = (
        v.get(..colon).unwrap_or_default(),
        v.get(colon + 1..).unwrap_or_default(),
    );
    if !is_token(t) {
        return Err(ferr(ErrorKind::Field, 0));
    }
    Ok(Bandwidth {
        bw_type: utf8(t, 0)?,
        bandwidth: number(n, colon + 1)?,
    })
}

/// `timing-field = %s"t" "=" start-time SP stop-time CRLF`, `start-time = time / "0"`,
/// `stop-time = time / "0"`, `time = POS-DIGIT 9*DIGIT` (read as `1*DIGIT`).
pub(crate) fn timing(v: &[u8]) -> Result<Timing, FieldErr> {
    let mut f = Fields::new(v);
    let t = Timing {
        start: f.number()?,
        stop: f.number()?,
    };
    f.end()?;
    Ok(t)
}

/// `repeat-field = %s"r" "=" repeat-interval SP typed-time 1*(SP typed-time) CRLF`,
/// `repeat-interval = POS-DIGIT *DIGIT [fixed-len-time-unit]`.
pub(crate) fn repeat(v: &[u8]) -> Result<Repeat, FieldErr> {
    let mut f = Fields::new(v);
    let (i, at) = f.next()?;
    let interval = typed_time(i, at)?;
    let (d, at) = f.next()?;
    let duration = typed_time(d, at)?;
    let mut offsets = SmallVec::new();
    loop {
        let (o, at) = f.next()?;
        offsets.push(typed_time(o, at)?);
        if f.is_done() {
            break;
        }
    }
    Ok(Repeat {
        interval,
        duration,
        offsets,
    })
}

/// `zone-field = %s"z" "=" time SP ["-"] typed-time *(SP time SP ["-"] typed-time) CRLF`.
pub(crate) fn zone(v: &[u8]) -> Result<SmallVec<[TimeZone; 2]>, FieldErr> {
    let mut f = Fields::new(v);
    let mut zones = SmallVec::new();
    loop {
        let adjustment = f.number()?;
        let (o, at) = f.next()?;
        let (neg, o, oat) = match o.split_first() {
            Some((b'-', rest)) => (true, rest, at + 1),
            _ => (false, o, at),
        };
        let secs = i64::try_from(typed_time(o, oat)?).map_err(|_| ferr(ErrorKind::Number, at))?;
        zones.push(TimeZone {
            adjustment,
            offset: if neg { -secs } else { secs },
        });
        if f.is_done() {
            return Ok(zones);
        }
    }
}

/// `key-field = %s"k" "=" key-type CRLF`, `key-type = %s"prompt" / %s"clear:" text /
/// %s"base64:" base64 / %s"uri:" uri / key-method [":" text]`.
pub(crate) fn key(v: &[u8]) -> Result<Key<'_>, FieldErr> {
    let (m, k) = match memchr::memchr(b':', v) {
        Some(i) => (
            v.get(..i).unwrap_or_default(),
            Some((v.get(i + 1..).unwrap_or_default(), i + 1)),
        ),
        None => (v, None),
    };
    if !is_token(m) {
        return Err(ferr(ErrorKind::Field, 0));
    }
    Ok(Key {
        method: utf8(m, 0)?,
        key: k.map(|(k, at)| utf8(k, at)).transpose()?,
    })
}

/// `media-field = %s"m" "=" media SP port ["/" integer] SP proto 1*(SP fmt) CRLF`,
/// `media = token`, `port = 1*DIGIT`, `proto = token *("/" token)`, `fmt = token`.
pub(crate) fn media(v: &[u8]) -> Result<Media<'_>, FieldErr> {
    let mut f = Fields::new(v);
    let media = f.token()?;
    let (p, at) = f.next()?;
    let (port, port_count) = match find(b'/', p) {
        Some(i) => (
            p.get(..i).unwrap_or_default(),
            Some(number_u32(p.get(i + 1..).unwrap_or_default(), at + i + 1)?),
        ),
        None => (p, None),
    };
    let port = u16::try_from(number(port, at)?).map_err(|_| ferr(ErrorKind::Number, at))?;
    let (proto, pat) = f.next()?;
    if proto.split(|&b| b == b'/').any(|t| !is_token(t)) {
        return Err(ferr(ErrorKind::Field, pat));
    }
    let proto = f.str_at(pat, proto.len())?;
    let (formats, fat) = f.rest();
    let mut fmts = Fields::new(formats);
    loop {
        let (fmt, at) = fmts.next().map_err(|e| ferr(e.kind, fat + e.at))?;
        if !is_token(fmt) {
            return Err(ferr(ErrorKind::Field, fat + at));
        }
        if fmts.is_done() {
            break;
        }
    }
    Ok(Media {
        media,
        port,
        port_count,
        proto,
        formats: f.str_at(fat, formats.len())?,
    })
}
