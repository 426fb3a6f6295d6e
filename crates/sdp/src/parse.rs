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
    // The parts get their bytes after the loop, each split off the input (see below).
    let mut session: Option<Part> = None;
    let mut media: SmallVec<[MediaDescription; 1]> = SmallVec::new();
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
                buf: Bytes::new(),
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
                span.ends = p.check(kind, value, pos, number, session_level)?;
            }
            span
        };
        spans.push(span);
        pos = next;
    }
    let end = buf.len();
    let last = Part {
        buf: Bytes::new(),
        spans,
    };
    let mut session = match session {
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
    // Each part's bytes: the lines of a part are contiguous from its start, so its length is
    // the end of its last line. Splitting the input part by part and keeping the rest for the
    // last part takes one reference count per part but the last, and none for the input.
    let mut rest = input;
    let mut take = |part: &mut Part, last: bool| {
        part.buf = if last {
            core::mem::take(&mut rest)
        } else {
            let len = part.spans.last().map_or(0, |s| s.end as usize);
            rest.split_to(len.min(rest.len()))
        };
    };
    let sections = media.len();
    take(&mut session, sections == 0);
    let eol = eol.unwrap_or(CRLF);
    for (i, section) in media.iter_mut().enumerate() {
        take(&mut section.part, i + 1 == sections);
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
    ) -> Result<Ends> {
        self.place(kind, offset, number, session_level)?;
        if !is_known(kind) {
            return Ok(NO_ENDS);
        }
        // A value of the common shape is well formed once it is UTF-8 (known when the whole
        // input is), and its field ends are kept for the typed read; the general parser
        // checks the others and locates their error.
        let utf8 = |v: &[u8]| self.all_utf8 || core::str::from_utf8(v).is_ok();
        let shape = match kind {
            b'o' => origin_shape(value).map(|f| ends(&f)),
            b'c' => connection_shape(value).map(|f| ends(&f)),
            b't' => fields::<2>(value, false)
                .filter(|f| f.iter().all(|f| f.is_number()))
                .map(|f| ends(&f)),
            b'm' => media_shape(value).map(|(_, f)| ends(&f)),
            _ => None,
        };
        if let Some(ends) = shape.filter(|_| utf8(value)) {
            return Ok(ends);
        }
        let checked = match kind {
            b'v' => {
                return version(value)
                    .map(|_| NO_ENDS)
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
        self.field_result(checked, offset, number).map(|_| NO_ENDS)
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

const NO_RANK: u8 = u8::MAX;

/// The rank of each line type in `order` (its index), as a table.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const fn ranks(order: &[u8]) -> [u8; 256] {
    let mut table = [NO_RANK; 256];
    let mut i = 0;
    while i < order.len() {
        table[order[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// Line types in their RFC 8866 §5 order, session level and media level.
static SESSION_RANKS: [u8; 256] = ranks(b"vosiuepcbtrzka");
static MEDIA_RANKS: [u8; 256] = ranks(b"micbka");

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
        let table = if self.in_media {
            &MEDIA_RANKS
        } else {
            &SESSION_RANKS
        };
        table
            .get(usize::from(kind))
            .copied()
            .filter(|&r| r != NO_RANK)
    }

    fn repeatable(&self, kind: u8) -> bool {
        if self.in_media {
            matches!(kind, b'c' | b'b' | b'a')
        } else {
            matches!(kind, b'e' | b'p' | b'b' | b't' | b'r' | b'a')
        }
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
fn origin_slow(v: &[u8]) -> Result<Origin<'_>, FieldErr> {
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
fn connection_slow(v: &[u8]) -> Result<Connection<'_>, FieldErr> {
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
fn timing_slow(v: &[u8]) -> Result<Timing, FieldErr> {
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
fn media_slow(v: &[u8]) -> Result<Media<'_>, FieldErr> {
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

// Fast paths. Each structured line read on access (and checked while parsing) goes through a
// shape check first: a single pass over the value that validates the common, well-formed case
// and yields the field positions, without building text or error positions. Anything it does
// not accept (including every malformed value) goes to the general parser above, which
// produces the same values for valid input and the located error otherwise, so the fast path
// only has to be sound: whatever it accepts, the general parser accepts with the same result.

/// The ends of the first fields of a structured value that parsing checked (relative to the
/// value; see [`Span::ends`]), or [`NO_ENDS`].
pub(crate) type Ends = [u8; 6];

/// No field ends kept (a first field is never empty, so its end is never 0).
pub(crate) const NO_ENDS: Ends = [0; 6];

/// The ends of all fields but the last, when they fit in [`Ends`].
fn ends(fields: &[Field]) -> Ends {
    let mut out = NO_ENDS;
    let init = fields.split_last().map_or(&[][..], |(_, init)| init);
    for (slot, f) in out.iter_mut().zip(init) {
        match u8::try_from(f.to) {
            Ok(end) => *slot = end,
            Err(_) => return NO_ENDS,
        }
    }
    out
}

/// The field `from..to` of `v` (`to` `None`: to the end) as text.
fn text_at(t: &str, from: u8, to: Option<u8>) -> Option<&str> {
    let from = usize::from(from);
    match to {
        Some(to) => t.get(from..usize::from(to)),
        None => t.get(from..),
    }
}

fn digits_at(v: &[u8], from: u8, to: u8) -> Option<u64> {
    digits(v.get(usize::from(from)..usize::from(to))?)
}

/// The `o=` line from the field ends parsing kept.
pub(crate) fn origin_at(v: &[u8], e: Ends) -> Option<Origin<'_>> {
    let t = core::str::from_utf8(v).ok()?;
    let [a, b, c, d, e, _] = e;
    let next = |end: u8| end.checked_add(1);
    Some(Origin {
        username: text_at(t, 0, Some(a))?,
        session_id: digits_at(v, next(a)?, b)?,
        session_version: digits_at(v, next(b)?, c)?,
        net_type: text_at(t, next(c)?, Some(d))?,
        addr_type: text_at(t, next(d)?, Some(e))?,
        unicast_address: text_at(t, next(e)?, None)?,
    })
}

/// The `c=` line from the field ends parsing kept.
pub(crate) fn connection_at(v: &[u8], e: Ends) -> Option<Connection<'_>> {
    let t = core::str::from_utf8(v).ok()?;
    let [a, b, ..] = e;
    Some(Connection {
        net_type: text_at(t, 0, Some(a))?,
        addr_type: text_at(t, a.checked_add(1)?, Some(b))?,
        address: text_at(t, b.checked_add(1)?, None)?,
        ttl: None,
        count: None,
    })
}

/// The `t=` line from the field ends parsing kept.
pub(crate) fn timing_at(v: &[u8], e: Ends) -> Option<Timing> {
    let [a, ..] = e;
    Some(Timing {
        start: digits_at(v, 0, a)?,
        stop: digits(v.get(usize::from(a) + 1..)?)?,
    })
}

/// The `m=` line from the field ends parsing kept.
pub(crate) fn media_at(v: &[u8], e: Ends) -> Option<Media<'_>> {
    let t = core::str::from_utf8(v).ok()?;
    let [a, b, c, ..] = e;
    Some(Media {
        media: text_at(t, 0, Some(a))?,
        port: u16::try_from(digits_at(v, a.checked_add(1)?, b)?).ok()?,
        port_count: None,
        proto: text_at(t, b.checked_add(1)?, Some(c))?,
        formats: text_at(t, c.checked_add(1)?, None)?,
    })
}

/// Byte classes, for checking a field in the pass that splits the value: a field's class is
/// the intersection of its bytes' classes.
const C_TOKEN: u8 = 1;
/// `VCHAR / %x80-FF`: a `non-ws-string` byte.
const C_NON_WS: u8 = 2;
const C_DIGIT: u8 = 4;
/// A token byte or `/` (`proto = token *("/" token)`).
const C_PROTO: u8 = 8;

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
static CLASSES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let mut class = 0;
        if is_token_char(byte) {
            class |= C_TOKEN | C_PROTO;
        }
        if byte == b'/' {
            class |= C_PROTO;
        }
        if byte > 0x20 && byte != 0x7F {
            class |= C_NON_WS;
        }
        if byte.is_ascii_digit() {
            class |= C_DIGIT;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// A field of a value: its byte range and its class.
#[derive(Debug, Clone, Copy)]
struct Field {
    from: usize,
    to: usize,
    class: u8,
}

impl Field {
    const EMPTY: Self = Self {
        from: 0,
        to: 0,
        class: 0,
    };

    fn is(self, class: u8) -> bool {
        self.class & class == class
    }

    /// Digits that [`digits`] reads.
    fn is_number(self) -> bool {
        self.is(C_DIGIT) && self.to - self.from <= 19
    }

    fn bytes(self, v: &[u8]) -> &[u8] {
        v.get(self.from..self.to).unwrap_or_default()
    }

    fn text(self, t: &str) -> Option<&str> {
        t.get(self.from..self.to)
    }
}

/// `v` split at single spaces into exactly `N` non-empty fields, each with its class, in one
/// pass. With `rest`, the last field is the rest of the value after `N - 1` fields, spaces
/// included, and its class is not computed (0).
fn fields<const N: usize>(v: &[u8], rest: bool) -> Option<[Field; N]> {
    let mut out = [Field::EMPTY; N];
    let mut n = 0;
    let mut from = 0;
    let mut class = u8::MAX;
    for (i, &b) in v.iter().enumerate() {
        if b == b' ' {
            if i == from {
                return None;
            }
            *out.get_mut(n)? = Field { from, to: i, class };
            n += 1;
            from = i + 1;
            class = u8::MAX;
            if rest && n + 1 == N {
                class = 0;
                break;
            }
        } else {
            class &= CLASSES.get(usize::from(b)).copied().unwrap_or(0);
        }
    }
    if from >= v.len() || n + 1 != N {
        return None;
    }
    *out.get_mut(n)? = Field {
        from,
        to: v.len(),
        class,
    };
    Some(out)
}

/// `1*DIGIT` of at most 19 digits (which cannot overflow a `u64`).
fn digits(f: &[u8]) -> Option<u64> {
    if f.is_empty() || f.len() > 19 {
        return None;
    }
    f.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n * 10 + u64::from(b.wrapping_sub(b'0')))
    })
}

/// The fields of a well-formed `o=` value.
fn origin_shape(v: &[u8]) -> Option<[Field; 6]> {
    let f = fields::<6>(v, false)?;
    let [user, id, version, net, addr_type, addr] = f;
    let ok = user.is(C_NON_WS)
        && net.is(C_TOKEN)
        && addr_type.is(C_TOKEN)
        && addr.is(C_NON_WS)
        && id.is_number()
        && version.is_number();
    ok.then_some(f)
}

/// See [`origin_slow`].
pub(crate) fn origin(v: &[u8]) -> Result<Origin<'_>, FieldErr> {
    let fast = || {
        let [user, id, version, net, addr_type, addr] = origin_shape(v)?;
        let t = core::str::from_utf8(v).ok()?;
        Some(Origin {
            username: user.text(t)?,
            session_id: digits(id.bytes(v))?,
            session_version: digits(version.bytes(v))?,
            net_type: net.text(t)?,
            addr_type: addr_type.text(t)?,
            unicast_address: addr.text(t)?,
        })
    };
    fast().map_or_else(|| origin_slow(v), Ok)
}

/// The shape of a well-formed `c=` value without a `/` suffix.
fn connection_shape(v: &[u8]) -> Option<[Field; 3]> {
    let f = fields::<3>(v, false)?;
    let [net, addr_type, addr] = f;
    let ok = net.is(C_TOKEN)
        && addr_type.is(C_TOKEN)
        && addr.is(C_NON_WS)
        && find(b'/', addr.bytes(v)).is_none();
    ok.then_some(f)
}

/// See [`connection_slow`].
pub(crate) fn connection(v: &[u8]) -> Result<Connection<'_>, FieldErr> {
    let fast = || {
        let [net, addr_type, addr] = connection_shape(v)?;
        let t = core::str::from_utf8(v).ok()?;
        Some(Connection {
            net_type: net.text(t)?,
            addr_type: addr_type.text(t)?,
            address: addr.text(t)?,
            ttl: None,
            count: None,
        })
    };
    fast().map_or_else(|| connection_slow(v), Ok)
}

/// See [`timing_slow`].
pub(crate) fn timing(v: &[u8]) -> Result<Timing, FieldErr> {
    let fast = || {
        let [start, stop] = fields::<2>(v, false)?;
        Some(Timing {
            start: digits(start.bytes(v))?,
            stop: digits(stop.bytes(v))?,
        })
    };
    fast().map_or_else(|| timing_slow(v), Ok)
}

/// `token *(sep token)`: tokens separated by single `sep` bytes.
fn is_token_list(f: &[u8], sep: u8) -> bool {
    // A leading separator fails like a doubled one.
    let mut prev = sep;
    for &b in f {
        if b == sep {
            if prev == sep {
                return false;
            }
        } else if !is_token_byte(b) {
            return false;
        }
        prev = b;
    }
    prev != sep
}

/// The shape of a well-formed `m=` value without a port count: the port and the fields
/// media, proto and formats.
fn media_shape(v: &[u8]) -> Option<(u16, [Field; 4])> {
    let f = fields::<4>(v, true)?;
    let [media, port, proto, formats] = f;
    let ok = media.is(C_TOKEN)
        && port.is(C_DIGIT)
        && proto.is(C_PROTO)
        && is_token_list(proto.bytes(v), b'/')
        && is_token_list(formats.bytes(v), b' ');
    if !ok {
        return None;
    }
    let port = u16::try_from(digits(port.bytes(v))?).ok()?;
    Some((port, f))
}

/// See [`media_slow`].
pub(crate) fn media(v: &[u8]) -> Result<Media<'_>, FieldErr> {
    let fast = || {
        let (port, [media, _, proto, formats]) = media_shape(v)?;
        let t = core::str::from_utf8(v).ok()?;
        Some(Media {
            media: media.text(t)?,
            port,
            port_count: None,
            proto: proto.text(t)?,
            formats: formats.text(t)?,
        })
    };
    fast().map_or_else(|| media_slow(v), Ok)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Values made of the bytes that matter to the grammars: separators, digits, token and
    /// non-token characters, controls and non-ASCII.
    fn value() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop::sample::select(vec![
            " ",
            "/",
            "0",
            "7",
            "99999",
            "65536",
            "18446744073709551616",
            "IN",
            "IP4",
            "IP6",
            "ip6",
            "a",
            "-",
            "*",
            "TCP",
            "MSRP",
            "\t",
            "\u{e9}",
            "\u{7f}",
            ":",
            "\"",
            "@",
            "x.y",
        ]);
        prop::collection::vec(pieces, 0..12).prop_map(|p| p.concat().into_bytes())
    }

    /// Values of a few words made of those pieces, separated by single spaces: mostly the
    /// shapes of the fast paths.
    fn words() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            "0",
            "7",
            "99999",
            "65536",
            "18446744073709551615",
            "18446744073709551616",
            "IN",
            "IP4",
            "IP6",
            "a",
            "-",
            "*",
            "TCP/MSRP",
            "RTP//AVP",
            "/x",
            "\u{e9}",
            "\u{7f}",
            "x.y",
            "224.2.1.1/127",
            "a/1/2/3",
            "\"",
        ]);
        let word = prop::collection::vec(piece, 1..3).prop_map(|p| p.concat());
        prop::collection::vec(word, 1..9).prop_map(|w| w.join(" ").into_bytes())
    }

    fn agree(v: &[u8]) -> Result<(), TestCaseError> {
        prop_assert_eq!(origin(v), origin_slow(v));
        prop_assert_eq!(connection(v), connection_slow(v));
        prop_assert_eq!(timing(v), timing_slow(v));
        prop_assert_eq!(media(v), media_slow(v));
        if core::str::from_utf8(v).is_ok() {
            if let Some(f) = origin_shape(v) {
                prop_assert_eq!(origin_at(v, ends(&f)), origin_slow(v).ok());
            }
            if let Some(f) = connection_shape(v) {
                prop_assert_eq!(connection_at(v, ends(&f)), connection_slow(v).ok());
            }
            if let Some(f) = fields::<2>(v, false).filter(|f| f.iter().all(|f| f.is_number())) {
                prop_assert_eq!(timing_at(v, ends(&f)), timing_slow(v).ok());
            }
            if let Some((_, f)) = media_shape(v) {
                prop_assert_eq!(media_at(v, ends(&f)), media_slow(v).ok());
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Whatever a fast path accepts, the general parser accepts with the same value.
        #[test]
        fn fast_paths_agree_with_the_general_parsers(v in value(), w in words()) {
            agree(&v)?;
            agree(&w)?;
        }
    }

    #[test]
    fn fast_paths_take_the_common_values() {
        assert!(origin_shape(b"alice 2890844557 2890844559 IN IP4 alicepc.example.com").is_some());
        assert!(connection_shape(b"IN IP4 alicepc.example.com").is_some());
        assert!(media_shape(b"message 7777 TCP/MSRP *").is_some());
        assert!(media_shape(b"audio 9 UDP/TLS/RTP/SAVPF 111 0 8").is_some());
    }
}
