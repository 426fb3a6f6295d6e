//! Character classes of the two header syntaxes the crate reads: CPIM (RFC 3862 §3.1) and
//! MIME (RFC 2045 §5.1, RFC 5322 §3.2, with RFC 5234 core rules). One place, so that both
//! parsers agree on what white space or a control character is.

/// SP or HTAB (RFC 5234 `WSP`).
#[inline]
pub(crate) const fn is_wsp(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// A control character (RFC 5234 `CTL`): what a CPIM header value may only carry escaped.
#[inline]
pub(crate) const fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// A visible US-ASCII character (RFC 5234 `VCHAR`): neither SP, CTL nor 8-bit.
#[inline]
const fn is_vchar(b: u8) -> bool {
    b > b' ' && b < 0x7f
}

/// The slice without leading and trailing SP/HTAB.
pub(crate) fn trim_wsp(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_wsp(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_wsp(b)).map_or(start, |p| p + 1);
    s.get(start..end).unwrap_or_default()
}

// --- CPIM (RFC 3862 §3.1) --------------------------------------------------------------------

/// `NAMECHAR = %x21 / %x23-27 / %x2a-2b / %x2d / %x5e-60 / %x7c / %x7e / ALPHA / DIGIT`
/// (RFC 3862 §3.1). Note that `.` is not a NAMECHAR: it separates prefix and name.
#[inline]
pub(crate) const fn is_namechar(b: u8) -> bool {
    matches!(b,
        0x21 | 0x23..=0x27 | 0x2a..=0x2b | 0x2d | 0x5e..=0x60 | 0x7c | 0x7e
        | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9')
}

/// `TOKENCHAR = NAMECHAR / "."` (RFC 3862 §3.1).
#[inline]
pub(crate) const fn is_tokenchar(b: u8) -> bool {
    is_namechar(b) || b == b'.'
}

// --- MIME (RFC 2045 §5.1, RFC 5322) ----------------------------------------------------------

/// `tspecials` of RFC 2045 §5.1: `( ) < > @ , ; : \ " / [ ] ? =`.
#[inline]
pub(crate) const fn is_tspecial(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')'
            | b'<'
            | b'>'
            | b'@'
            | b','
            | b';'
            | b':'
            | b'\\'
            | b'"'
            | b'/'
            | b'['
            | b']'
            | b'?'
            | b'='
    )
}

/// `token` bytes of RFC 2045 §5.1: US-ASCII except SPACE, CTLs and tspecials.
#[inline]
pub(crate) const fn is_token(b: u8) -> bool {
    is_vchar(b) && !is_tspecial(b)
}

/// A header field name byte (RFC 5322 §3.6.8 `ftext`): printable US-ASCII except `:`.
#[inline]
pub(crate) const fn is_ftext(b: u8) -> bool {
    is_vchar(b) && b != b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_wsp(b'\t') && !is_wsp(b'\r'));
        assert!(is_ctl(0x7f) && is_ctl(b'\n') && !is_ctl(b' '));
        assert_eq!(trim_wsp(b" \ta b\t "), b"a b");
        assert_eq!(trim_wsp(b"  "), b"");
        assert!(is_namechar(b'-') && !is_namechar(b'.') && is_tokenchar(b'.'));
        assert!(is_token(b'.') && !is_token(b'/') && !is_token(b' ') && !is_token(0x80));
        assert!(is_ftext(b'/') && !is_ftext(b':') && !is_ftext(0x7f));
    }
}
