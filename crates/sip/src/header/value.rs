//! Small pieces shared by the typed headers: locating a slice in its value, delta-seconds,
//! comments, quoting, and writing raw bytes through `Display`.

use core::fmt;

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::Cursor;
use crate::params::Params;

/// The offset of `sub` within `src`, for a `sub` that is a slice of `src`; 0 otherwise.
pub(crate) fn offset_in(src: &[u8], sub: &[u8]) -> usize {
    let (s, b) = (src.as_ptr() as usize, sub.as_ptr() as usize);
    b.checked_sub(s).filter(|&o| o <= src.len()).unwrap_or(0)
}

/// Writes header-value bytes through a formatter. Header values are text; bytes that are
/// not UTF-8 (which a parsed value can carry) come out as U+FFFD.
pub(crate) fn fmt_raw(f: &mut fmt::Formatter<'_>, raw: &[u8]) -> fmt::Result {
    f.write_str(&String::from_utf8_lossy(raw))
}

/// `impl Display` for a typed header value that writes its raw bytes: `display_raw!(Type,
/// |this| &this.raw)`. Parsed values re-emit exactly what was parsed; built ones their
/// rendered text.
macro_rules! display_raw {
    ($ty:ty, |$this:ident| $raw:expr) => {
        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let $this = self;
                $crate::header::value::fmt_raw(f, $raw)
            }
        }
    };
}
pub(crate) use display_raw;

/// A `Bytes` from a static string, for tests.
#[cfg(test)]
pub(crate) fn test_bytes(s: &'static str) -> bytes::Bytes {
    bytes::Bytes::from_static(s.as_bytes())
}

/// Parses a whole value that is one number (`delta-seconds`, `1*DIGIT`) into `T`. A number
/// that does not fit `T` is [`ErrorKind::NumberOverflow`] at its first digit.
pub(crate) fn parse_whole_number<T: TryFrom<u32>>(value: &[u8]) -> Result<T> {
    let mut cur = Cursor::new(value);
    let n = number_as(&mut cur)?;
    cur.finish()?;
    Ok(n)
}

/// A decimal number at the cursor, converted to `T` (overflow located at its first digit).
pub(crate) fn number_as<T: TryFrom<u32>>(cur: &mut Cursor<'_>) -> Result<T> {
    let start = cur.pos();
    let n = cur.number()?;
    T::try_from(n).map_err(|_| ParseError::new(ErrorKind::NumberOverflow, start))
}

/// Checks that the parameter `name`, if present with a value, is a number fitting `T`, and
/// returns it. `src` is the value the parameters were parsed from, for the error offset.
/// A parameter present without a value is [`ErrorKind::Expected`]`(b'=')` after its name.
pub(crate) fn numeric_param<T: TryFrom<u32>>(
    src: &[u8],
    params: &Params,
    name: &str,
) -> Result<Option<T>> {
    let Some(p) = params.find(name) else {
        return Ok(None);
    };
    let Some(v) = p.value else {
        let at = offset_in(src, p.name).saturating_add(p.name.len());
        return Err(ParseError::new(ErrorKind::Expected(b'='), at));
    };
    parse_whole_number(v)
        .map(Some)
        .map_err(|e| e.shifted(offset_in(src, v)))
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths
/// (Accept, Contact).
pub(crate) fn qvalue(v: &[u8]) -> Option<u16> {
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(dot) => (v.get(..dot)?, v.get(dot + 1..)?),
        None => (v, &b""[..]),
    };
    if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let thousandths = frac
        .iter()
        .chain(core::iter::repeat(&b'0'))
        .take(3)
        .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    match int {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// A `comment` (RFC 3261 §25.1): `"(" *(ctext / quoted-pair / comment) ")"`, nested. The
/// cursor must be on `(`; returns the comment with its parentheses.
pub(crate) fn comment<'a>(cur: &mut Cursor<'a>) -> Result<&'a [u8]> {
    let start = cur.pos();
    cur.expect(b'(')?;
    let mut depth = 1usize;
    while depth > 0 {
        match cur.bump() {
            None => return Err(ParseError::new(ErrorKind::Expected(b')'), cur.pos())),
            Some(b'(') => depth += 1,
            Some(b')') => depth -= 1,
            Some(b'\\') => {
                if cur.bump().is_none() {
                    return Err(ParseError::new(ErrorKind::Expected(b')'), cur.pos()));
                }
            }
            Some(_) => {}
        }
    }
    Ok(cur.input().get(start..cur.pos()).unwrap_or_default())
}

/// Appends `text` as a `quoted-string`: `"` and `\` become quoted-pairs; CR and LF, which no
/// quoted-pair may carry (RFC 3261 §25.1), become spaces.
pub(crate) fn write_quoted(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for &b in text.as_bytes() {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' | b'\n' => out.push(b' '),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ: SIP-2
    #[test]
    fn comments_nest_and_escape() {
        let mut c = Cursor::new(b"(a (b) \\) c) rest");
        assert_eq!(comment(&mut c).unwrap(), b"(a (b) \\) c)");
        assert_eq!(c.rest(), b" rest");
        let mut c = Cursor::new(b"(open");
        assert_eq!(
            comment(&mut c).unwrap_err(),
            ParseError::new(ErrorKind::Expected(b')'), 5)
        );
    }

    // REQ: SIP-2
    #[test]
    fn quoting() {
        let mut out = Vec::new();
        write_quoted(&mut out, "a \"b\" \\ c\r\n");
        assert_eq!(out, b"\"a \\\"b\\\" \\\\ c  \"");
    }

    // REQ: SIP-2
    #[test]
    fn numbers_fit_their_type() {
        assert_eq!(parse_whole_number::<u8>(b"255"), Ok(255));
        assert_eq!(
            parse_whole_number::<u8>(b"300"),
            Err(ParseError::new(ErrorKind::NumberOverflow, 0))
        );
        assert_eq!(
            parse_whole_number::<u32>(b"12 x"),
            Err(ParseError::new(ErrorKind::TrailingBytes, 3))
        );
    }
}
