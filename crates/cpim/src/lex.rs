//! Lexical pieces of RFC 3862 §3.1–§3.2: value escapes (both ways) and `String` quoting (the
//! character classes are in [`crate::chars`]). Everything works on bytes; nothing here
//! allocates unless an escape has to be resolved or written.

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};

use crate::chars::is_ctl;
use crate::error::ErrorKind;

/// The value of an ASCII hex digit.
#[inline]
const fn hex_val(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'a'..=b'f' => Some((b - b'a' + 10) as u32),
        b'A'..=b'F' => Some((b - b'A' + 10) as u32),
        _ => None,
    }
}

/// Resolves the `\` escapes of RFC 3862 §3.2 (`\u` + 4 hex digits, `\b \t \n \r \" \' \\`).
/// Borrows when there is nothing to resolve. On a bad escape returns the kind and the offset
/// of the `\` inside `s`. A `\u` naming a surrogate code point is rejected: the result is
/// meant to be UTF-8.
pub(crate) fn unescape(s: &[u8]) -> Result<Cow<'_, [u8]>, (ErrorKind, usize)> {
    let Some(first) = memchr::memchr(b'\\', s) else {
        return Ok(Cow::Borrowed(s));
    };
    let mut out = Vec::with_capacity(s.len());
    out.extend_from_slice(s.get(..first).unwrap_or_default());
    let mut i = first;
    while let Some(&b) = s.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let bad = (ErrorKind::HeaderValue, i);
        let c = *s.get(i + 1).ok_or(bad)?;
        let simple = match c {
            b'b' => Some(0x08),
            b't' => Some(b'\t'),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b'"' | b'\'' | b'\\' => Some(c),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            i += 2;
            continue;
        }
        if c != b'u' {
            return Err(bad);
        }
        let mut cp = 0u32;
        for k in 0..4 {
            let h = s.get(i + 2 + k).copied().and_then(hex_val).ok_or(bad)?;
            cp = cp * 16 + h;
        }
        let ch = char::from_u32(cp).ok_or(bad)?;
        let mut tmp = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
        i += 6;
    }
    Ok(Cow::Owned(out))
}

/// Writes `text` as a header value: control characters and `\` escaped (RFC 3862 §3.2), and
/// `"` too when `in_string` (inside a `String`). Bytes ≥ 0x80 pass as they are (UTF-8).
pub(crate) fn escape_into(text: &[u8], in_string: bool, out: &mut BytesMut) {
    for &b in text {
        match b {
            b'\\' => out.put_slice(b"\\\\"),
            b'"' if in_string => out.put_slice(b"\\\""),
            b'\t' => out.put_slice(b"\\t"),
            b'\n' => out.put_slice(b"\\n"),
            b'\r' => out.put_slice(b"\\r"),
            0x08 => out.put_slice(b"\\b"),
            b if is_ctl(b) => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.put_slice(b"\\u00");
                out.put_u8(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'));
                out.put_u8(HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'));
            }
            b => out.put_u8(b),
        }
    }
}

/// Writes `text` as a `String` (RFC 3862 §3.1): in double quotes, escaped.
pub(crate) fn quote_into(text: &[u8], out: &mut BytesMut) {
    out.put_u8(b'"');
    escape_into(text, true, out);
    out.put_u8(b'"');
}

/// The length of the `String` starting at `s[0] == '"'`, quotes included; `None` when it is
/// not closed.
pub(crate) fn string_len(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while let Some(&b) = s.get(i) {
        match b {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let text = "tab\there \"q\" back\\slash\r\nbell\u{7} é".as_bytes();
        let mut out = BytesMut::new();
        escape_into(text, true, &mut out);
        assert!(!out.iter().any(|&b| is_ctl(b)));
        assert_eq!(&*unescape(&out).unwrap(), text);
    }

    #[test]
    fn unicode_escape() {
        assert_eq!(&*unescape(br"caf\u00E9").unwrap(), "café".as_bytes());
        assert_eq!(unescape(br"x\q"), Err((ErrorKind::HeaderValue, 1)));
        assert_eq!(unescape(br"x\u12"), Err((ErrorKind::HeaderValue, 1)));
        assert_eq!(unescape(br"\uD800"), Err((ErrorKind::HeaderValue, 0)));
        assert!(matches!(unescape(b"plain").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn strings() {
        assert_eq!(string_len(br#""a\"b" <x>"#), Some(6));
        assert_eq!(string_len(br#""abc"#), None);
    }
}
