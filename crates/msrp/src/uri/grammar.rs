//! The MSRP-URI grammar (RFC 4975 §9, authority per RFC 3986 §3.2) as one byte loop that
//! yields the spans of the parts.
//!
//! ```text
//! MSRP-URI      = msrp-scheme "://" authority ["/" session-id] ";" transport
//!                 *( ";" URI-parameter )
//! msrp-scheme   = "msrp" / "msrps"                       ; case-insensitive
//! authority     = [ userinfo "@" ] host [ ":" port ]     ; RFC 3986
//! session-id    = 1*( unreserved / "+" / "=" / "/" )
//! transport     = "tcp" / 1*ALPHANUM
//! URI-parameter = token ["=" token]
//! ```
//!
//! Two choices the ABNF leaves open: a `reg-name` may not hold `;` (else `msrp://h;tcp`
//! would be a host `h;tcp` with no transport), and the host may not be empty (an MSRP URI
//! names a device).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Scheme;
use super::error::{UriError, UriErrorKind};
use super::host::HostSpan;

/// A byte range `start..end` of a URI's text. `u32` keeps a URI small; URIs are bounded far
/// below 4 GiB by their length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// The span `start..end`; callers have checked that the text fits in `u32`.
    fn new(start: usize, end: usize) -> Self {
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The bytes of `src` this span covers (empty if out of range, which a span of `src`
    /// never is).
    pub(super) fn of(self, src: &[u8]) -> &[u8] {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// The start offset.
    pub(super) fn start(self) -> usize {
        self.start as usize
    }

    /// The end offset.
    pub(super) fn end(self) -> usize {
        self.end as usize
    }
}

/// The parts of a parsed URI, as spans of its text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parts {
    pub(super) scheme: Scheme,
    /// The userinfo without its `@`.
    pub(super) userinfo: Option<Span>,
    pub(super) host: HostSpan,
    /// The authority: userinfo, host and port.
    pub(super) authority: Span,
    pub(super) port: Option<u16>,
    /// The session-id without its leading `/`.
    pub(super) session_id: Option<Span>,
    pub(super) transport: Span,
    /// Where the parameters start: the `;` of the first one, or the end of the text.
    pub(super) params: u32,
}

/// `unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"` (RFC 3986 §2.3).
pub(super) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `sub-delims`, without `;`, which starts an MSRP URI's transport.
fn is_sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b'='
    )
}

/// `reg-name = *( unreserved / pct-encoded / sub-delims )`, `;` excluded (see module doc).
pub(super) fn is_reg_name_char(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b)
}

/// `userinfo = *( unreserved / pct-encoded / sub-delims / ":" )`; `:` is left out here and
/// reported as a password (RFC 4975 §6).
fn is_userinfo_char(b: u8) -> bool {
    is_unreserved(b) || is_sub_delim(b) || b == b';'
}

/// `session-id = 1*( unreserved / "+" / "=" / "/" )`.
pub(super) fn is_session_id_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'+' | b'=' | b'/')
}

/// `token = 1*(%x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E)`
/// (RFC 4975 §9).
pub(super) fn is_token_char(b: u8) -> bool {
    matches!(
        b,
        0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E
    )
}

/// The value of a hexadecimal digit.
pub(super) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A position in the input being parsed.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// Advances over the bytes that satisfy `f`, returning them.
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let rest = self.s.get(self.pos..).unwrap_or_default();
        let n = rest.iter().position(|&b| !f(b)).unwrap_or(rest.len());
        self.pos += n;
        rest.get(..n).unwrap_or_default()
    }

    fn error(&self, kind: UriErrorKind) -> UriError {
        UriError::new(kind, self.pos)
    }

    /// Fails with `kind` at the current byte unless the input ends here or the byte is one
    /// of `next`.
    fn expect_end_or(&self, next: &[u8], kind: UriErrorKind) -> Result<(), UriError> {
        match self.peek() {
            Some(b) if !next.contains(&b) => Err(self.error(kind)),
            _ => Ok(()),
        }
    }
}

/// Checks that every byte of `s` is `allowed` or a `%HH` escape; `base` is the offset of `s`.
/// Fails with [`UriErrorKind::Escape`] at a bad `%`, with `kind` at a byte outside the class.
pub(super) fn check_escaped(
    s: &[u8],
    base: usize,
    allowed: fn(u8) -> bool,
    kind: UriErrorKind,
) -> Result<(), UriError> {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            let hex = |at: usize| s.get(at).copied().and_then(hex_val).is_some();
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(UriError::new(UriErrorKind::Escape, base + i));
            }
            i += 3;
        } else if allowed(b) {
            i += 1;
        } else {
            return Err(UriError::new(kind, base + i));
        }
    }
    Ok(())
}

/// Parses all of `s` as an MSRP URI. The caller has bounded its length.
pub(super) fn parse(s: &[u8]) -> Result<Parts, UriError> {
    if s.is_empty() {
        return Err(UriError::new(UriErrorKind::Empty, 0));
    }
    let mut c = Cursor { s, pos: 0 };

    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1), then checked.
    let scheme = c.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    let scheme = if scheme.eq_ignore_ascii_case(b"msrp") {
        Scheme::Msrp
    } else if scheme.eq_ignore_ascii_case(b"msrps") {
        Scheme::Msrps
    } else {
        return Err(UriError::new(UriErrorKind::Scheme, 0));
    };
    if !(c.eat(b':') && c.eat(b'/') && c.eat(b'/')) {
        return Err(c.error(UriErrorKind::SchemeSeparator));
    }

    // userinfo "@": an `@` may only appear in the userinfo, and neither the userinfo nor the
    // host or port holds a `/`, so the userinfo is there iff an `@` comes before any `/`.
    let auth_start = c.pos;
    let rest = s.get(auth_start..).unwrap_or_default();
    let before_slash = rest
        .get(..memchr::memchr(b'/', rest).unwrap_or(rest.len()))
        .unwrap_or_default();
    let mut userinfo = None;
    if let Some(at) = memchr::memchr(b'@', before_slash) {
        let info = before_slash.get(..at).unwrap_or_default();
        if let Some(colon) = memchr::memchr(b':', info) {
            return Err(UriError::new(UriErrorKind::Password, auth_start + colon));
        }
        check_escaped(info, auth_start, is_userinfo_char, UriErrorKind::Userinfo)?;
        userinfo = Some(Span::new(auth_start, auth_start + at));
        c.pos = auth_start + at + 1;
    }

    let host = parse_host(&mut c)?;
    let mut port = None;
    if c.eat(b':') {
        port = Some(parse_port(&mut c)?);
    } else {
        c.expect_end_or(b"/;", UriErrorKind::Host)?;
    }
    let authority = Span::new(auth_start, c.pos);

    let mut session_id = None;
    if c.eat(b'/') {
        let start = c.pos;
        if c.take_while(is_session_id_char).is_empty() {
            return Err(c.error(UriErrorKind::SessionId));
        }
        c.expect_end_or(b";", UriErrorKind::SessionId)?;
        session_id = Some(Span::new(start, c.pos));
    }

    if !c.eat(b';') {
        return Err(c.error(UriErrorKind::MissingTransport));
    }
    let start = c.pos;
    if c.take_while(|b| b.is_ascii_alphanumeric()).is_empty() {
        return Err(c.error(UriErrorKind::Transport));
    }
    c.expect_end_or(b";", UriErrorKind::Transport)?;
    let transport = Span::new(start, c.pos);

    let params = u32::try_from(c.pos).unwrap_or(u32::MAX);
    while c.eat(b';') {
        if c.take_while(is_token_char).is_empty() {
            return Err(c.error(UriErrorKind::Param));
        }
        if c.eat(b'=') && c.take_while(is_token_char).is_empty() {
            return Err(c.error(UriErrorKind::Param));
        }
        c.expect_end_or(b";", UriErrorKind::Param)?;
    }

    Ok(Parts {
        scheme,
        userinfo,
        host,
        authority,
        port,
        session_id,
        transport,
        params,
    })
}

/// `host = IP-literal / IPv4address / reg-name` (RFC 3986 §3.2.2), first match wins: a name
/// that is a valid dotted-decimal IPv4 address is one.
fn parse_host(c: &mut Cursor<'_>) -> Result<HostSpan, UriError> {
    let start = c.pos;
    if c.eat(b'[') {
        let inner = c.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !c.eat(b']') {
            return Err(c.error(UriErrorKind::Ipv6));
        }
        return core::str::from_utf8(inner)
            .ok()
            .and_then(|t| t.parse::<Ipv6Addr>().ok())
            .map(HostSpan::V6)
            .ok_or(UriError::new(UriErrorKind::Ipv6, start + 1));
    }
    let name = c.take_while(|b| is_reg_name_char(b) || b == b'%');
    if name.is_empty() {
        return Err(c.error(UriErrorKind::Host));
    }
    check_escaped(name, start, is_reg_name_char, UriErrorKind::Host)?;
    let v4 = core::str::from_utf8(name)
        .ok()
        .and_then(|t| t.parse::<Ipv4Addr>().ok());
    Ok(match v4 {
        Some(a) => HostSpan::V4(a),
        None => HostSpan::Name(Span::new(start, c.pos)),
    })
}

/// `port = *DIGIT` after the `:`, here at least one digit and at most 65535.
fn parse_port(c: &mut Cursor<'_>) -> Result<u16, UriError> {
    let start = c.pos;
    let digits = c.take_while(|b| b.is_ascii_digit());
    let value = digits.iter().try_fold(0u16, |n, &d| {
        n.checked_mul(10)?.checked_add(u16::from(d - b'0'))
    });
    match value {
        Some(p) if !digits.is_empty() => {
            c.expect_end_or(b"/;", UriErrorKind::Port)?;
            Ok(p)
        }
        _ => Err(UriError::new(UriErrorKind::Port, start)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::MsrpUri;
    use super::*;

    fn err(s: &str) -> (UriErrorKind, usize) {
        let e = MsrpUri::parse_str(s).expect_err(s);
        (e.kind, e.offset)
    }

    // REQ: MSRP-3 — malformed URIs fail with the kind and the byte offset of the problem.
    #[test]
    fn errors_are_located() {
        use UriErrorKind as K;
        let cases: &[(&str, K, usize)] = &[
            ("", K::Empty, 0),
            ("http://h:1/s;tcp", K::Scheme, 0),
            ("msrpx://h:1/s;tcp", K::Scheme, 0),
            ("sip:alice@example.com", K::Scheme, 0),
            ("msrp:h:1/s;tcp", K::SchemeSeparator, 5),
            ("msrp", K::SchemeSeparator, 4),
            ("msrp:/h;tcp", K::SchemeSeparator, 6),
            ("msrp://a:pw@h:1/s;tcp", K::Password, 8),
            ("msrp://a b@h:1/s;tcp", K::Userinfo, 8),
            ("msrp://a%2@h:1/s;tcp", K::Escape, 8),
            ("msrp://h%zz.com:1/s;tcp", K::Escape, 8),
            ("msrp://:1/s;tcp", K::Host, 7),
            ("msrp://;tcp", K::Host, 7),
            ("msrp://a@;tcp", K::Host, 9),
            ("msrp://ho st:1/s;tcp", K::Host, 9),
            ("msrp://host?x;tcp", K::Host, 11),
            ("msrp://[::1:1/s;tcp", K::Ipv6, 13),
            ("msrp://[1:2]:1/s;tcp", K::Ipv6, 8),
            ("msrp://[v1.x]:1/s;tcp", K::Ipv6, 8),
            ("msrp://[::1]x;tcp", K::Host, 12),
            ("msrp://h:/s;tcp", K::Port, 9),
            ("msrp://h:65536/s;tcp", K::Port, 9),
            ("msrp://h:99999999999999999999/s;tcp", K::Port, 9),
            ("msrp://h:80a/s;tcp", K::Port, 11),
            ("msrp://h:-1/s;tcp", K::Port, 9),
            ("msrp://h:1/;tcp", K::SessionId, 11),
            ("msrp://h:1/a%20b;tcp", K::SessionId, 12),
            ("msrp://h:1/a@b;tcp", K::SessionId, 12),
            ("msrp://h:1/s", K::MissingTransport, 12),
            ("msrp://h:1", K::MissingTransport, 10),
            ("msrp://h", K::MissingTransport, 8),
            ("msrp://h:1/s;", K::Transport, 13),
            ("msrp://h:1/s;t-cp", K::Transport, 14),
            ("msrp://h:1/s;tcp ", K::Transport, 16),
            ("msrp://h:1/s;tcp;", K::Param, 17),
            ("msrp://h:1/s;tcp;=x", K::Param, 17),
            ("msrp://h:1/s;tcp;a=", K::Param, 19),
            ("msrp://h:1/s;tcp;a=b=c", K::Param, 20),
            ("msrp://h:1/s;tcp;a b", K::Param, 18),
            ("msrp://h:1/s;tcp;a:b", K::Param, 18),
        ];
        for &(input, kind, offset) in cases {
            assert_eq!(err(input), (kind, offset), "{input:?}");
        }
    }

    // REQ: MSRP-3 — the character classes follow RFC 3986 and RFC 4975 §9.
    #[test]
    fn character_classes() {
        for b in 0..=255u8 {
            // RFC 4975 token: visible ASCII but the separators.
            let token = b.is_ascii_graphic() && !b"\"(),/:;<=>?@[\\]".contains(&b);
            assert_eq!(is_token_char(b), token, "{b:#x}");
        }
        assert!(is_session_id_char(b'/') && is_session_id_char(b'~'));
        assert!(!is_session_id_char(b'%') && !is_session_id_char(b';'));
        assert!(is_reg_name_char(b'!') && !is_reg_name_char(b';') && !is_reg_name_char(b':'));
        assert_eq!(hex_val(b'f'), Some(15));
        assert_eq!(hex_val(b'G'), None);
    }
}
