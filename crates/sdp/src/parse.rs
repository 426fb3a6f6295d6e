//! The parser (RFC 8866 §5, §9): one pass that splits the input into lines, checks each line's
//! syntax and the order of line types, and keeps every line as a slice of the input; and one
//! parse function per line type, used on access by the typed views of [`crate::model`].
//!
//! The common lines take the fast paths of [`crate::shape`]: an `o=`, `c=`, `t=`, `m=` or `v=`
//! value of the usual shape is checked in the pass that finds the end of its line, and its
//! field ends are kept for the typed read. Everything else (and every malformed value) goes
//! through the general parsers below, which locate the error.
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
    Bandwidth, CRLF, Connection, Key, Media, MediaDescription, NO_COLON, Origin, Part, Repeat,
    SessionDescription, Span, TimeZone, Timing, kind_bit,
};
use crate::shape::{self, Ends, NO_ENDS, is_token, is_token_byte};

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

/// The first `needle` in a short field (a few bytes to a line): a plain loop, cheaper than a
/// `memchr` call at these lengths.
fn find(needle: u8, field: &[u8]) -> Option<usize> {
    field.iter().position(|&b| b == needle)
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

/// A position or line number in the input as a `u32`: the input is no larger (checked first).
#[allow(
    clippy::cast_possible_truncation,
    reason = "the input is at most u32::MAX bytes long, checked before parsing"
)]
const fn pos32(v: usize) -> u32 {
    v as u32
}

/// Text lines, whose trailing white space belongs to the value (`a=<name>:<value>` lines too;
/// only structured lines and flag attributes lose it in lenient mode).
const fn is_text(kind: u8) -> bool {
    matches!(kind, b's' | b'i' | b'u' | b'e' | b'p')
}

/// Parses a whole description.
pub(crate) fn description(input: Bytes, opts: &ParseOptions) -> Result<SessionDescription> {
    // One loop per mode: the strict one has no warning to record, and is leaner for it.
    if opts.lenient {
        parse::<true>(input, opts)
    } else {
        parse::<false>(input, opts)
    }
}

/// [`description`], lenient or not.
fn parse<const LENIENT: bool>(input: Bytes, opts: &ParseOptions) -> Result<SessionDescription> {
    if input.len() > opts.max_bytes || u32::try_from(input.len()).is_err() {
        return Err(ParseError::new(ErrorKind::TooLarge, opts.max_bytes, 0));
    }
    let buf: &[u8] = &input;
    // One pass over the whole input instead of one per line: its smallest and largest bytes,
    // which tell whether it holds a NUL and whether it is ASCII (then every value is UTF-8 and
    // no value needs checking again). A plain loop of min and max, which the compiler turns
    // into vector instructions, 16 bytes at a time.
    let (least, most) = buf.iter().fold((u8::MAX, 0u8), |(least, most), &b| {
        (least.min(b), most.max(b))
    });
    let mut p = Parser::<LENIENT> {
        warnings: Vec::new(),
        order: Order::default(),
        seen_o: false,
        seen_s: false,
        seen_t: false,
        first_nul: if least == 0 {
            memchr::memchr(0, buf).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        },
        all_utf8: most < 0x80 || core::str::from_utf8(buf).is_ok(),
    };
    // The parts get their bytes after the loop, each split off the input (see below).
    let mut session: Option<Part> = None;
    let mut media: SmallVec<[MediaDescription; 1]> = SmallVec::new();
    // The part being filled: where it starts in the input, and its lines.
    let mut base = 0;
    let mut spans: Vec<Span> = Vec::with_capacity(16);
    let mut kinds = 0;
    // The line end of the first line: whether it is a bare LF.
    let mut lf: Option<bool> = None;
    let mut pos = 0;
    let mut number = 0;
    while pos < buf.len() {
        number += 1;
        if number > opts.max_lines {
            return Err(ParseError::new(ErrorKind::TooLarge, pos, number));
        }
        let rest = buf.get(pos..).unwrap_or_default();
        // A structured line of the common shape is checked in the pass that finds its end
        // (`shape`: the length of its value and its field ends), and an attribute's name in
        // the pass that finds its `:` (`name`: how many token characters the value starts
        // with). Any other line end is searched for.
        let (shape, name) = match rest {
            [b'a', b'=', value @ ..] => (None, Some(shape::token_len(value))),
            [kind, b'=', value @ ..] => (shape::line(*kind, value), None),
            _ => (None, None),
        };
        let line_end = match (shape, name) {
            (Some((len, _)), _) => Some(2 + len).filter(|&at| at < rest.len()),
            (None, Some(len)) => rest
                .get(2 + len..)
                .and_then(|r| memchr::memchr2(b'\r', b'\n', r))
                .map(|i| 2 + len + i),
            (None, None) => memchr::memchr2(b'\r', b'\n', rest),
        };
        let (content_end, next) = match line_end {
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
                    lf.get_or_insert(false);
                    (at, at + 2)
                } else {
                    p.deviate(WarningKind::LfLineEnd, ErrorKind::LineEnding, at, number)?;
                    lf.get_or_insert(true);
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
                base: pos32(base),
                spans: core::mem::replace(&mut spans, Vec::with_capacity(16)),
                kinds: core::mem::take(&mut kinds),
            };
            match session {
                None => session = Some(part),
                Some(_) => media.push(MediaDescription { part, eol: CRLF }),
            }
            base = pos;
            p.order.enter_media();
        }
        let (start, end) = (pos - base, next - base);
        if content.is_empty() {
            p.deviate(WarningKind::EmptyLine, ErrorKind::Line, pos, number)?;
            kinds |= kind_bit(0);
            spans.push(Span::new(0, start, end, start, number));
        } else {
            if !kind.is_ascii_lowercase() || content.get(1) != Some(&b'=') {
                return Err(ParseError::new(ErrorKind::Line, pos, number));
            }
            let colon = match name {
                // The first `:` follows the name's token characters, or is further on.
                Some(len) if content.get(2 + len) == Some(&b':') => Some(2 + len),
                Some(_) => find(b':', content),
                None => None,
            };
            let mut value_end = content.len();
            // Strict parsing keeps trailing white space in the value (whose check rejects it
            // where the grammar does not allow it).
            if LENIENT
                && matches!(content.last(), Some(b' ' | b'\t'))
                && !is_text(kind)
                && colon.is_none()
            {
                while value_end > 2 && matches!(content.get(value_end - 1), Some(b' ' | b'\t')) {
                    value_end -= 1;
                }
                p.warn(WarningKind::TrailingWhitespace, pos + value_end, number);
            }
            let value = content.get(2..value_end).unwrap_or_default();
            let session_level = session.is_none();
            // What the line's span keeps beyond its place: for a readable `a=` line, where its
            // `:` is (`NO_COLON` for a flag); for a structured line, its field ends.
            let mut attribute = None;
            let mut ends = NO_ENDS;
            if kind == b'a' {
                p.place(kind, pos, number, session_level)?;
                let colon = colon.map(|c| c - 2);
                // The name is all token characters when they reach the `:` (or the end).
                let token = name.is_some_and(|len| len > 0 && len == colon.unwrap_or(value.len()));
                if p.attribute(value, colon, token, pos, number)? {
                    attribute = Some(colon.map_or(NO_COLON, |c| pos32(start + 2 + c)));
                }
            } else {
                // A value without the trailing white space lenient parsing left out has the
                // shape found above, if any; a shorter one is checked on its own.
                let shape = match shape {
                    Some((_, ends)) => Some(ends),
                    None if value_end < content.len() => shape::value(kind, value),
                    None => None,
                };
                ends = p.check(kind, value, shape, pos, number, session_level)?;
            }
            // Built in one piece, as the vector's element: no copy of a span on the stack.
            kinds |= kind_bit(kind);
            spans.push(Span {
                kind,
                attr_ok: attribute.is_some(),
                ends,
                start: pos32(start),
                end: pos32(end),
                value_end: pos32(start + value_end),
                colon: attribute.unwrap_or(NO_COLON),
                number: pos32(number),
            });
        }
        pos = next;
    }
    let end = buf.len();
    let last = Part {
        buf: Bytes::new(),
        base: pos32(base),
        spans,
        kinds,
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
    let eol: &'static [u8] = if lf == Some(true) { b"\n" } else { CRLF };
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

struct Parser<const LENIENT: bool> {
    warnings: Vec<Warning>,
    order: Order,
    seen_o: bool,
    seen_s: bool,
    seen_t: bool,
    first_nul: usize,
    all_utf8: bool,
}

impl<const LENIENT: bool> Parser<LENIENT> {
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
        if LENIENT {
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

    /// Checks a line's place in the order and its value's grammar; `shape` is what
    /// [`shape::value`] found for the value.
    fn check(
        &mut self,
        kind: u8,
        value: &[u8],
        shape: Option<Ends>,
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

    /// Checks an `a=` value whose `:` (if any) is at `colon` in the value (`token`: its name is
    /// known to be a token); returns whether the attribute is well formed (lenient parsing
    /// keeps a malformed one with a warning).
    ///
    /// `attribute-field = %s"a" "=" attribute CRLF`, `attribute = (attribute-name ":"
    /// attribute-value) / attribute-name`, `attribute-name = token`, `attribute-value =
    /// byte-string`, required to be UTF-8 here so that every attribute reads as text.
    fn attribute(
        &mut self,
        value: &[u8],
        colon: Option<usize>,
        token: bool,
        offset: usize,
        number: usize,
    ) -> Result<bool> {
        let name = colon.map_or(value, |c| value.get(..c).unwrap_or_default());
        let checked = if !token && !is_token(name) {
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
                if LENIENT {
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

// The typed reads: the fast path of `crate::shape` for a value of the common shape, else the
// general parser.

/// See [`origin_slow`].
pub(crate) fn origin(v: &[u8]) -> Result<Origin<'_>, FieldErr> {
    shape::origin(v).map_or_else(|| origin_slow(v), Ok)
}

/// See [`connection_slow`].
pub(crate) fn connection(v: &[u8]) -> Result<Connection<'_>, FieldErr> {
    shape::connection(v).map_or_else(|| connection_slow(v), Ok)
}

/// See [`timing_slow`].
pub(crate) fn timing(v: &[u8]) -> Result<Timing, FieldErr> {
    shape::timing(v).map_or_else(|| timing_slow(v), Ok)
}

/// See [`media_slow`].
pub(crate) fn media(v: &[u8]) -> Result<Media<'_>, FieldErr> {
    shape::media(v).map_or_else(|| media_slow(v), Ok)
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
            // What parsing keeps for a value of the shape, read back.
            if let Some(e) = shape::value(b'o', v) {
                prop_assert_eq!(shape::origin_at(v, e), origin_slow(v).ok());
            }
            if let Some(e) = shape::value(b'c', v) {
                prop_assert_eq!(shape::connection_at(v, e), connection_slow(v).ok());
            }
            if let Some(e) = shape::value(b't', v) {
                prop_assert_eq!(shape::timing_at(v, e), timing_slow(v).ok());
            }
            if let Some(e) = shape::value(b'm', v) {
                prop_assert_eq!(shape::media_at(v, e), media_slow(v).ok());
            }
        }
        // Found in the rest of an input, a line of the shape ends where its value does.
        for kind in [b'v', b'o', b'c', b't', b'm'] {
            for end in [&b"\r\n"[..], b"\n", b"\rx=y", b" \r\n"] {
                let rest = [v, end].concat();
                let in_line = shape::line(kind, &rest);
                let alone = shape::value(kind, v);
                if end.starts_with(b" ") {
                    prop_assert_eq!(in_line, None);
                } else {
                    prop_assert_eq!(in_line, alone.map(|e| (v.len(), e)));
                }
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
}
