//! The character classes of RFC 3261 §25.1 and `%HH` escaping: checking, resolving and
//! producing escapes.

use std::borrow::Cow;

use bytes::Bytes;

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{hex_val, is_unreserved};

/// `user = 1*( unreserved / escaped / user-unreserved )`, `user-unreserved = & = + $ , ; ? /`.
pub(super) fn is_user_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

/// `password = *( unreserved / escaped / & = + $ , )`.
pub(super) fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

/// `paramchar = param-unreserved / unreserved / escaped`, `param-unreserved = [ ] / : & + $`.
pub(super) fn is_param_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

/// `hname`/`hvalue` characters: `hnv-unreserved = [ ] / ? : + $`, unreserved, escaped.
pub(super) fn is_header_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$')
}

/// Checks that every byte of `s` is `allowed` or a valid `%HH` escape. `base` is the offset of
/// `s` for errors: `Escape` at a bad `%`, `kind` at a byte outside the class.
pub(super) fn check_chars(
    s: &[u8],
    base: usize,
    allowed: fn(u8) -> bool,
    kind: ErrorKind,
) -> Result<()> {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            let ok = s.get(i + 1).copied().and_then(hex_val).is_some()
                && s.get(i + 2).copied().and_then(hex_val).is_some();
            if !ok {
                return Err(ParseError::new(ErrorKind::Escape, base + i));
            }
            i += 3;
        } else if allowed(b) {
            i += 1;
        } else {
            return Err(ParseError::new(kind, base + i));
        }
    }
    Ok(())
}

/// Resolves `%HH` escapes. Borrows when there are none.
#[must_use]
pub(crate) fn unescape(s: &[u8]) -> Cow<'_, [u8]> {
    if !s.contains(&b'%') {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let hex = s
            .get(i + 1)
            .copied()
            .and_then(hex_val)
            .zip(s.get(i + 2).copied().and_then(hex_val));
        match (b, hex) {
            (b'%', Some((h, l))) => {
                out.push((h << 4) | l);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// %-escapes every byte of `s` outside `allowed` (and every `%`).
pub(super) fn escape(s: &[u8], allowed: fn(u8) -> bool) -> Bytes {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        if allowed(b) {
            out.push(b);
        } else {
            out.push(b'%');
            out.extend(HEX.get(usize::from(b >> 4)));
            out.extend(HEX.get(usize::from(b & 0xf)));
        }
    }
    Bytes::from(out)
}
