//! URIs (REQ: SIP-3): SIP and SIPS URIs (RFC 3261 §19.1, §25.1, IPv6 references per RFC 5118),
//! tel URIs (RFC 3966) and any other absolute URI kept opaque.
//!
//! A parsed URI holds [`Bytes`] slices of its input and re-emits exactly the bytes it came from.
//! Equality of SIP URIs follows RFC 3261 §19.1.4, not byte equality.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes};

use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::{Cursor, hex_val, is_unreserved, is_ws};
use crate::params::{Param, Params};

/// Where a URI sits, which decides where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UriContext {
    /// The whole input is the URI (a Request-URI).
    Whole,
    /// Inside `<...>` of a name-addr: the URI ends before the first `>`.
    Angle,
    /// An addr-spec outside `<>` in a header (RFC 3261 §20.10): the URI ends at `;`, `,` or
    /// white space, and what follows are header parameters. A `?` is rejected there, as such
    /// URIs MUST be enclosed in `<>` (RFC 3261 §20; RFC 4475 §3.3.4 regbadct).
    AddrSpec,
}

/// Parses a URI at the cursor, which walks `src`; see [`UriContext`] for where it ends. Errors
/// are located relative to the cursor's input. On success the cursor is just after the URI.
pub(crate) fn parse_at(cur: &mut Cursor<'_>, src: &Bytes, ctx: UriContext) -> Result<Uri> {
    let start = cur.pos();
    let rest = cur.rest();
    let len = match ctx {
        UriContext::Whole => rest.len(),
        UriContext::Angle => memchr::memchr(b'>', rest)
            .ok_or_else(|| ParseError::new(ErrorKind::Expected(b'>'), start + rest.len()))?,
        UriContext::AddrSpec => rest
            .iter()
            .position(|&b| b == b';' || b == b',' || is_ws(b))
            .unwrap_or(rest.len()),
    };
    let span = rest.get(..len).unwrap_or_default();
    if ctx == UriContext::AddrSpec {
        if let Some(q) = memchr::memchr(b'?', span) {
            return Err(ParseError::new(ErrorKind::NameAddr, start + q));
        }
    }
    let uri = parse_span(src, span).map_err(|e| e.shifted(start))?;
    cur.set_pos(start + len);
    Ok(uri)
}

/// Parses `span` (a slice of `src`) as a whole URI; offsets relative to `span`.
fn parse_span(src: &Bytes, span: &[u8]) -> Result<Uri> {
    let scheme_len = scheme_len(span)?;
    let scheme = span.get(..scheme_len).unwrap_or_default();
    if scheme.eq_ignore_ascii_case(b"sip") || scheme.eq_ignore_ascii_case(b"sips") {
        parse_sip(src, span, scheme_len).map(Uri::Sip)
    } else if scheme.eq_ignore_ascii_case(b"tel") {
        parse_tel(src, span, scheme_len).map(Uri::Tel)
    } else {
        parse_other(src, span, scheme_len).map(Uri::Other)
    }
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` followed by `:`; returns its length.
fn scheme_len(s: &[u8]) -> Result<usize> {
    if !s.first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(ParseError::new(ErrorKind::Scheme, 0));
    }
    let len = s
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(s.len());
    if s.get(len) == Some(&b':') {
        Ok(len)
    } else {
        Err(ParseError::new(ErrorKind::Scheme, len))
    }
}

// --- character classes of RFC 3261 §25.1 (escapes are checked separately) ------------------

/// `user = 1*( unreserved / escaped / user-unreserved )`, `user-unreserved = & = + $ , ; ? /`.
fn is_user_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/')
}

/// `password = *( unreserved / escaped / & = + $ , )`.
fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'&' | b'=' | b'+' | b'$' | b',')
}

/// `paramchar = param-unreserved / unreserved / escaped`, `param-unreserved = [ ] / : & + $`.
fn is_param_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$')
}

/// `hname`/`hvalue` characters: `hnv-unreserved = [ ] / ? : + $`, unreserved, escaped.
fn is_header_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$')
}

/// Checks that every byte of `s` is `allowed` or a valid `%HH` escape. `base` is the offset of
/// `s` for errors: `Escape` at a bad `%`, `kind` at a byte outside the class.
fn check_chars(s: &[u8], base: usize, allowed: fn(u8) -> bool, kind: ErrorKind) -> Result<()> {
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
fn escape(s: &[u8], allowed: fn(u8) -> bool) -> Bytes {
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

/// The raw bytes as text (a parsed URI is ASCII, so this borrows).
fn ascii(raw: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(raw)
}

// --- the URI enum -------------------------------------------------------------------------

/// Any URI a SIP message may carry (RFC 3261 §25.1 `Request-URI = SIP-URI / SIPS-URI /
/// absoluteURI`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "SIP URIs are the common case; boxing would allocate for every one"
)]
pub enum Uri {
    /// A `sip:` or `sips:` URI.
    Sip(SipUri),
    /// A `tel:` URI (RFC 3966).
    Tel(TelUri),
    /// Any other absolute URI (`http:`, `urn:`, `isbn:`, ...), kept opaque.
    Other(AbsoluteUri),
}

impl Uri {
    /// Parses `src` as one URI; the whole input must be the URI. Error offsets count from the
    /// start of `src`. A Request-URI in angle brackets (`<sip:...>`, RFC 4475 §3.1.2.11) fails.
    pub fn parse(src: &Bytes) -> Result<Self> {
        parse_at(&mut Cursor::new(src), src, UriContext::Whole)
    }

    /// The scheme as written (`sip`, `SIPS`, `tel`, `http`, ...).
    #[must_use]
    pub fn scheme(&self) -> &[u8] {
        let raw = self.raw();
        let end = memchr::memchr(b':', raw).unwrap_or(0);
        raw.get(..end).unwrap_or_default()
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        match self {
            Self::Sip(u) => &u.raw,
            Self::Tel(u) => &u.raw,
            Self::Other(u) => &u.raw,
        }
    }

    /// The SIP URI, if this is one.
    #[must_use]
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Self::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// Appends the URI's bytes to `out`.
    pub fn write_to(&self, out: &mut impl BufMut) {
        out.put_slice(self.raw());
    }
}

impl core::fmt::Display for Uri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&ascii(self.raw()))
    }
}

impl core::convert::From<SipUri> for Uri {
    fn from(u: SipUri) -> Self {
        Self::Sip(u)
    }
}

// --- host -----------------------------------------------------------------------------------

/// The host of a SIP URI (RFC 3261 §25.1 `host = hostname / IPv4address / IPv6reference`).
#[derive(Debug, Clone)]
pub enum Host {
    /// A host name, as written.
    Domain(Bytes),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference `[...]`: the text between the brackets, and the address when it is a
    /// valid one. RFC 5118 §4.10 asks to tolerate the invalid form `[2001:db8:::192.0.2.1]`,
    /// which is kept with `addr == None`.
    Ipv6 {
        /// The text inside the brackets.
        raw: Bytes,
        /// The address, if `raw` is a valid IPv6 address.
        addr: Option<Ipv6Addr>,
    },
}

impl Host {
    /// A host name; fails with [`ErrorKind::Host`] unless `name` is a valid host name, IPv4
    /// address or bracketed IPv6 reference (which are then returned as such).
    pub fn parse(name: &str) -> Result<Self> {
        let src = Bytes::copy_from_slice(name.as_bytes());
        let mut c = Cursor::new(&src);
        let host = parse_host(&mut c, &src)?;
        if c.is_empty() {
            Ok(host)
        } else {
            Err(c.error(ErrorKind::Host))
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Domain(d) => out.extend_from_slice(d),
            Self::Ipv4(a) => out.extend_from_slice(a.to_string().as_bytes()),
            Self::Ipv6 { raw, .. } => {
                out.push(b'[');
                out.extend_from_slice(raw);
                out.push(b']');
            }
        }
    }
}

impl core::convert::From<IpAddr> for Host {
    fn from(a: IpAddr) -> Self {
        match a {
            IpAddr::V4(a) => Self::Ipv4(a),
            IpAddr::V6(a) => Self::Ipv6 {
                raw: Bytes::from(a.to_string()),
                addr: Some(a),
            },
        }
    }
}

/// Hosts compare case-insensitively (RFC 3261 §19.1.4); IPv6 references by address when both
/// are valid. A name never equals an address, even one it resolves to.
impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Domain(a), Self::Domain(b)) => a.eq_ignore_ascii_case(b),
            (Self::Ipv4(a), Self::Ipv4(b)) => a == b,
            (Self::Ipv6 { addr: Some(a), .. }, Self::Ipv6 { addr: Some(b), .. }) => a == b,
            (Self::Ipv6 { raw: a, .. }, Self::Ipv6 { raw: b, .. }) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

impl Eq for Host {}

/// `host` at the cursor: `[IPv6]`, IPv4, or a host name (tolerating `_`).
fn parse_host(c: &mut Cursor<'_>, src: &Bytes) -> Result<Host> {
    let start = c.pos();
    if c.eat(b'[') {
        let inner = c.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !c.eat(b']') {
            return Err(c.error(ErrorKind::Host));
        }
        if inner.iter().filter(|&&b| b == b':').count() < 2 {
            return Err(ParseError::new(ErrorKind::Host, start));
        }
        let addr = core::str::from_utf8(inner)
            .ok()
            .and_then(|t| t.parse::<Ipv6Addr>().ok());
        return Ok(Host::Ipv6 {
            raw: src.slice_ref(inner),
            addr,
        });
    }
    let name = c.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    let bad = || ParseError::new(ErrorKind::Host, start);
    if name.iter().all(|&b| b.is_ascii_digit() || b == b'.') {
        // All digits: only an IPv4 address fits (a top label starts with a letter). This also
        // rejects the first group of a bare IPv6 address (`sip:2001:db8::10`, RFC 5118 §4.2).
        let addr = core::str::from_utf8(name)
            .ok()
            .and_then(|t| t.parse::<Ipv4Addr>().ok())
            .ok_or_else(bad)?;
        return Ok(Host::Ipv4(addr));
    }
    let labels_ok = name.split(|&b| b == b'.').enumerate().all(|(i, l)| {
        // A trailing dot (`example.com.`) leaves one empty last label, which is allowed.
        (l.is_empty() && i > 0 && i == name.iter().filter(|&&b| b == b'.').count())
            || (!l.is_empty() && l.first() != Some(&b'-'))
    });
    if labels_ok {
        Ok(Host::Domain(src.slice_ref(name)))
    } else {
        Err(bad())
    }
}

/// `*( ";" pname [ "=" pvalue ] )` of a SIP or tel URI, each checked against `paramchar`.
fn parse_uri_params(c: &mut Cursor<'_>, src: &Bytes) -> Result<Params> {
    let mut params = Params::new();
    let class = |b: u8| is_param_char(b) || b == b'%';
    while c.eat(b';') {
        let at = c.pos();
        let name = c.take_while(class);
        if name.is_empty() {
            return Err(c.error(ErrorKind::UriParam));
        }
        check_chars(name, at, is_param_char, ErrorKind::UriParam)?;
        let value = if c.eat(b'=') {
            let at = c.pos();
            let v = c.take_while(class);
            if v.is_empty() {
                return Err(c.error(ErrorKind::UriParam));
            }
            check_chars(v, at, is_param_char, ErrorKind::UriParam)?;
            Some(src.slice_ref(v))
        } else {
            None
        };
        params.push(Param {
            name: src.slice_ref(name),
            value,
        });
    }
    Ok(params)
}

// --- SIP URI --------------------------------------------------------------------------------

/// A SIP or SIPS URI (RFC 3261 §19.1): `sip:user:password@host:port;uri-parameters?headers`.
///
/// Parts are kept in their escaped wire form; comparisons unescape. Build new ones with
/// [`SipUri::new`] and the `with_*` methods, which escape what needs escaping.
#[derive(Debug, Clone)]
pub struct SipUri {
    secure: bool,
    user: Option<Bytes>,
    password: Option<Bytes>,
    host: Host,
    port: Option<u16>,
    params: Params,
    headers: Params,
    raw: Bytes,
}

/// Parameters whose presence in only one URI makes two URIs differ (RFC 3261 §19.1.4).
const SIGNIFICANT_PARAMS: [&[u8]; 5] = [b"user", b"ttl", b"method", b"maddr", b"transport"];

fn parse_sip(src: &Bytes, s: &[u8], scheme_len: usize) -> Result<SipUri> {
    let secure = scheme_len == 4;
    let mut c = Cursor::new(s);
    c.set_pos(scheme_len + 1);
    let (mut user, mut password) = (None, None);
    // The user part exists iff an `@` follows: `@` cannot appear unescaped anywhere else.
    if let Some(at) = memchr::memchr(b'@', c.rest()) {
        let base = c.pos();
        let info = c.rest().get(..at).unwrap_or_default();
        let (u, p) = match memchr::memchr(b':', info) {
            Some(i) => (info.get(..i), info.get(i + 1..)),
            None => (Some(info), None),
        };
        let u = u.unwrap_or_default();
        if u.is_empty() {
            return Err(ParseError::new(ErrorKind::UriUser, base));
        }
        check_chars(u, base, is_user_char, ErrorKind::UriUser)?;
        user = Some(src.slice_ref(u));
        if let Some(p) = p {
            check_chars(p, base + u.len() + 1, is_password_char, ErrorKind::UriUser)?;
            password = Some(src.slice_ref(p));
        }
        c.set_pos(base + at + 1);
    }
    let host_at = c.pos();
    let host = parse_host(&mut c, src)?;
    let mut port = None;
    if c.eat(b':') {
        let at = c.pos();
        let digits = c.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() && c.peek().is_some_and(|b| b == b':' || b.is_ascii_hexdigit()) {
            // `sip:2001:db8::10` — an unbracketed IPv6 host (RFC 5118 §4.2).
            return Err(ParseError::new(ErrorKind::Host, host_at));
        }
        let p = crate::lex::parse_u32(digits)
            .ok()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|_| c.peek().is_none_or(|b| b == b';' || b == b'?'))
            .ok_or_else(|| ParseError::new(ErrorKind::Port, at))?;
        port = Some(p);
    }
    let params = parse_uri_params(&mut c, src)?;
    let mut headers = Params::new();
    if c.eat(b'?') {
        let class = |b: u8| is_header_char(b) || b == b'%';
        loop {
            let at = c.pos();
            let name = c.take_while(class);
            if name.is_empty() {
                return Err(c.error(ErrorKind::UriHeader));
            }
            check_chars(name, at, is_header_char, ErrorKind::UriHeader)?;
            if !c.eat(b'=') {
                return Err(c.error(ErrorKind::UriHeader));
            }
            let at = c.pos();
            let value = c.take_while(class);
            check_chars(value, at, is_header_char, ErrorKind::UriHeader)?;
            headers.push(Param::new(src.slice_ref(name), Some(src.slice_ref(value))));
            if !c.eat(b'&') {
                break;
            }
        }
    }
    if !c.is_empty() {
        return Err(c.error(ErrorKind::TrailingBytes));
    }
    Ok(SipUri {
        secure,
        user,
        password,
        host,
        port,
        params,
        headers,
        raw: src.slice_ref(s),
    })
}

impl SipUri {
    /// A new `sip:` URI for `host`, with no user, port, parameters or headers.
    #[must_use]
    pub fn new(host: Host) -> Self {
        let mut u = Self {
            secure: false,
            user: None,
            password: None,
            host,
            port: None,
            params: Params::new(),
            headers: Params::new(),
            raw: Bytes::new(),
        };
        u.rebuild();
        u
    }

    /// The same URI as `sips:` (`true`) or `sip:` (`false`).
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self.rebuild();
        self
    }

    /// Sets the user part; characters outside the `user` grammar are %-escaped.
    #[must_use]
    pub fn with_user(mut self, user: &str) -> Self {
        self.user = Some(escape(user.as_bytes(), is_user_char));
        self.rebuild();
        self
    }

    /// Sets the password (discouraged by RFC 3261 §19.1.1, but part of the grammar). Needs a
    /// user part to be emitted.
    #[must_use]
    pub fn with_password(mut self, password: &str) -> Self {
        self.password = Some(escape(password.as_bytes(), is_password_char));
        self.rebuild();
        self
    }

    /// Sets the port.
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self.rebuild();
        self
    }

    /// Sets (or replaces) a URI parameter, escaping name and value as needed (`lr` takes
    /// `None`).
    #[must_use]
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> Self {
        let name = escape(name.as_bytes(), is_param_char);
        let value = value.map(|v| escape(v.as_bytes(), is_param_char));
        self.params.set(&String::from_utf8_lossy(&name), value);
        self.rebuild();
        self
    }

    /// Appends a header (`?name=value`), escaping as needed.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push(Param::new(
            escape(name.as_bytes(), is_header_char),
            Some(escape(value.as_bytes(), is_header_char)),
        ));
        self.rebuild();
        self
    }

    /// Re-serializes `raw` from the parts.
    fn rebuild(&mut self) {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(if self.secure { b"sips:" } else { b"sip:" });
        if let Some(u) = &self.user {
            out.extend_from_slice(u);
            if let Some(p) = &self.password {
                out.push(b':');
                out.extend_from_slice(p);
            }
            out.push(b'@');
        }
        self.host.write(&mut out);
        if let Some(p) = self.port {
            out.push(b':');
            out.extend_from_slice(p.to_string().as_bytes());
        }
        self.params.write_to(&mut out);
        for (i, h) in self.headers.iter().enumerate() {
            out.push(if i == 0 { b'?' } else { b'&' });
            out.extend_from_slice(&h.name);
            out.push(b'=');
            out.extend_from_slice(h.value.as_deref().unwrap_or_default());
        }
        self.raw = Bytes::from(out);
    }

    /// True for `sips:`.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The user part in its escaped wire form (`user;par=u%40example.net`).
    #[must_use]
    pub fn user(&self) -> Option<&Bytes> {
        self.user.as_ref()
    }

    /// The user part with %-escapes resolved.
    #[must_use]
    pub fn user_unescaped(&self) -> Option<Cow<'_, [u8]>> {
        self.user.as_deref().map(unescape)
    }

    /// The password, escaped form.
    #[must_use]
    pub fn password(&self) -> Option<&Bytes> {
        self.password.as_ref()
    }

    /// The host.
    #[must_use]
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port, if written (no default is filled in: an absent port is not 5060).
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The URI parameters in order, escaped form.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The headers (`?name=value&...`) in order, escaped form; each value is `Some`.
    #[must_use]
    pub fn headers(&self) -> &Params {
        &self.headers
    }

    /// The URI parameter called `name` (compared case-insensitively after unescaping, so
    /// `%6C%72` finds `lr`).
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&Param> {
        find_unescaped(&self.params, name.as_bytes())
    }

    fn param_value(&self, name: &str) -> Option<&[u8]> {
        self.param(name)?.value.as_deref()
    }

    /// The `transport` parameter.
    #[must_use]
    pub fn transport(&self) -> Option<&[u8]> {
        self.param_value("transport")
    }

    /// The `user` parameter (`phone`, `ip`, ...).
    #[must_use]
    pub fn user_param(&self) -> Option<&[u8]> {
        self.param_value("user")
    }

    /// The `method` parameter (RFC 3261 §19.1.1; RFC 3515 Refer-To).
    #[must_use]
    pub fn method(&self) -> Option<&[u8]> {
        self.param_value("method")
    }

    /// The `maddr` parameter.
    #[must_use]
    pub fn maddr(&self) -> Option<&[u8]> {
        self.param_value("maddr")
    }

    /// The `ttl` parameter, if present and a number in 0..=255.
    #[must_use]
    pub fn ttl(&self) -> Option<u8> {
        let v = self.param_value("ttl")?;
        crate::lex::parse_u32(v).ok()?.try_into().ok()
    }

    /// True if the `lr` parameter is present (loose routing, RFC 3261 §19.1.1).
    #[must_use]
    pub fn lr(&self) -> bool {
        self.param("lr").is_some()
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

/// The parameter whose unescaped name equals `name` case-insensitively.
fn find_unescaped<'a>(params: &'a Params, name: &[u8]) -> Option<&'a Param> {
    params
        .iter()
        .find(|p| unescape(&p.name).eq_ignore_ascii_case(name))
}

fn opt_unescaped_eq(a: Option<&Bytes>, b: Option<&Bytes>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => unescape(a) == unescape(b),
        (None, None) => true,
        _ => false,
    }
}

fn opt_value_eq_ci(a: Option<&Bytes>, b: Option<&Bytes>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => unescape(a).eq_ignore_ascii_case(&unescape(b)),
        (None, None) => true,
        _ => false,
    }
}

/// RFC 3261 §19.1.4 parameter rules, checked from `a`'s side: a parameter in both must match;
/// a significant one must be in both.
fn params_cover(a: &Params, b: &Params) -> bool {
    a.iter().all(|p| {
        let name = unescape(&p.name);
        match find_unescaped(b, &name) {
            Some(q) => opt_value_eq_ci(p.value.as_ref(), q.value.as_ref()),
            None => !SIGNIFICANT_PARAMS
                .iter()
                .any(|s| name.eq_ignore_ascii_case(s)),
        }
    })
}

/// The same headers in any order: names case-insensitive, values exact, both unescaped.
fn headers_eq(a: &Params, b: &Params) -> bool {
    let keys = |h: &Params| {
        let mut k: Vec<(Vec<u8>, Vec<u8>)> = h
            .iter()
            .map(|p| {
                let value = p.value.as_deref().unwrap_or_default();
                (
                    unescape(&p.name).to_ascii_lowercase(),
                    unescape(value).into_owned(),
                )
            })
            .collect();
        k.sort_unstable();
        k
    };
    a.len() == b.len() && (a.is_empty() || keys(a) == keys(b))
}

/// RFC 3261 §19.1.4: scheme, user and password exact after unescaping, host
/// case-insensitive, port as written, significant parameters, headers all.
impl PartialEq for SipUri {
    fn eq(&self, o: &Self) -> bool {
        self.secure == o.secure
            && opt_unescaped_eq(self.user.as_ref(), o.user.as_ref())
            && opt_unescaped_eq(self.password.as_ref(), o.password.as_ref())
            && self.host == o.host
            && self.port == o.port
            && params_cover(&self.params, &o.params)
            && params_cover(&o.params, &self.params)
            && headers_eq(&self.headers, &o.headers)
    }
}

impl Eq for SipUri {}

impl core::fmt::Display for SipUri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&ascii(&self.raw))
    }
}

// --- tel URI --------------------------------------------------------------------------------

/// A tel URI (RFC 3966): `tel:+1-201-555-0123;ext=1234` or a local number with a
/// `phone-context` parameter.
#[derive(Debug, Clone)]
pub struct TelUri {
    number: Bytes,
    params: Params,
    raw: Bytes,
}

fn is_visual_separator(b: u8) -> bool {
    matches!(b, b'-' | b'.' | b'(' | b')')
}

fn parse_tel(src: &Bytes, s: &[u8], scheme_len: usize) -> Result<TelUri> {
    let mut c = Cursor::new(s);
    c.set_pos(scheme_len + 1);
    let at = c.pos();
    let global = c.eat(b'+');
    let number = c.take_while(|b| {
        is_visual_separator(b) || b.is_ascii_digit() || (!global && is_local_digit(b))
    });
    let full = s.get(at..c.pos()).unwrap_or_default();
    let has_digit = number
        .iter()
        .any(|&b| b.is_ascii_digit() || (!global && is_local_digit(b)));
    if !has_digit {
        return Err(ParseError::new(ErrorKind::UriUser, at));
    }
    let params = parse_uri_params(&mut c, src)?;
    if !c.is_empty() {
        return Err(c.error(ErrorKind::TrailingBytes));
    }
    // RFC 3966 §5.1.5: a local number needs a phone-context.
    if !global && !params.contains("phone-context") {
        return Err(ParseError::new(ErrorKind::UriParam, s.len()));
    }
    Ok(TelUri {
        number: src.slice_ref(full),
        params,
        raw: src.slice_ref(s),
    })
}

fn is_local_digit(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b'*' || b == b'#'
}

impl TelUri {
    /// The number as written, with its `+` and visual separators.
    #[must_use]
    pub fn number(&self) -> &Bytes {
        &self.number
    }

    /// True for a global number (`+` followed by digits).
    #[must_use]
    pub fn is_global(&self) -> bool {
        self.number.first() == Some(&b'+')
    }

    /// The `phone-context` parameter of a local number.
    #[must_use]
    pub fn phone_context(&self) -> Option<&Bytes> {
        self.params.get("phone-context").flatten()
    }

    /// The parameters in order.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.number
            .iter()
            .filter(|&&b| !is_visual_separator(b))
            .map(u8::to_ascii_lowercase)
    }
}

/// RFC 3966 §4: numbers compare without visual separators; parameters compare as a set,
/// case-insensitively.
impl PartialEq for TelUri {
    fn eq(&self, o: &Self) -> bool {
        self.digits().eq(o.digits())
            && self.params.len() == o.params.len()
            && params_cover(&self.params, &o.params)
            && self
                .params
                .iter()
                .all(|p| find_unescaped(&o.params, &unescape(&p.name)).is_some())
    }
}

impl Eq for TelUri {}

// --- other absolute URIs --------------------------------------------------------------------

/// Any other absolute URI (`scheme ":" rest`), kept opaque: `http://www.example.com`,
/// `urn:service:sos`, `isbn:2983792873`, `soap.beep://192.0.2.103:3002`.
#[derive(Debug, Clone)]
pub struct AbsoluteUri {
    scheme: Bytes,
    rest: Bytes,
    raw: Bytes,
}

fn parse_other(src: &Bytes, s: &[u8], scheme_len: usize) -> Result<AbsoluteUri> {
    let at = scheme_len + 1;
    let rest = s.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return Err(ParseError::new(ErrorKind::Empty, at));
    }
    // uric = reserved / unreserved / escaped, with `#` and `[ ]` tolerated.
    let allowed = |b: u8| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'%');
    check_chars(rest, at, allowed, ErrorKind::UnexpectedByte)?;
    Ok(AbsoluteUri {
        scheme: src.slice_ref(s.get(..scheme_len).unwrap_or_default()),
        rest: src.slice_ref(rest),
        raw: src.slice_ref(s),
    })
}

impl AbsoluteUri {
    /// The scheme as written.
    #[must_use]
    pub fn scheme(&self) -> &Bytes {
        &self.scheme
    }

    /// Everything after the scheme's `:`.
    #[must_use]
    pub fn rest(&self) -> &Bytes {
        &self.rest
    }

    /// The exact bytes of the URI.
    #[must_use]
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

/// Schemes compare case-insensitively, the rest byte for byte.
impl PartialEq for AbsoluteUri {
    fn eq(&self, o: &Self) -> bool {
        self.scheme.eq_ignore_ascii_case(&o.scheme) && self.rest == o.rest
    }
}

impl Eq for AbsoluteUri {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &'static str) -> Result<Uri> {
        Uri::parse(&Bytes::from_static(s.as_bytes()))
    }

    fn sip(s: &'static str) -> SipUri {
        match parse(s) {
            Ok(Uri::Sip(u)) => u,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn err(s: &'static str) -> ParseError {
        parse(s).expect_err(s)
    }

    // REQ: SIP-3 — RFC 3261 §19.1.3 examples.
    #[test]
    fn rfc3261_examples() {
        let u = sip("sip:alice@atlanta.com");
        assert_eq!(u.user().unwrap().as_ref(), b"alice");
        assert_eq!(u.host(), &Host::Domain(Bytes::from_static(b"atlanta.com")));
        let u = sip("sip:alice:secretword@atlanta.com;transport=tcp");
        assert_eq!(u.password().unwrap().as_ref(), b"secretword");
        assert_eq!(u.transport(), Some(&b"tcp"[..]));
        let u = sip("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
        assert!(u.is_secure());
        assert_eq!(u.headers().len(), 2);
        assert_eq!(
            u.headers().get("priority"),
            Some(Some(&Bytes::from_static(b"urgent")))
        );
        let u = sip("sip:+1-212-555-1212:1234@gateway.com;user=phone");
        assert_eq!(u.user().unwrap().as_ref(), b"+1-212-555-1212");
        assert_eq!(u.password().unwrap().as_ref(), b"1234");
        assert_eq!(u.user_param(), Some(&b"phone"[..]));
        let u = sip("sips:1212@gateway.com");
        assert_eq!(u.port(), None);
        let u = sip("sip:alice@192.0.2.4");
        assert_eq!(u.host(), &Host::Ipv4(Ipv4Addr::new(192, 0, 2, 4)));
        let u = sip("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
        assert!(u.user().is_none());
        assert_eq!(u.method(), Some(&b"REGISTER"[..]));
        let u = sip("sip:alice;day=tuesday@atlanta.com");
        assert_eq!(u.user().unwrap().as_ref(), b"alice;day=tuesday");
        assert!(u.params().is_empty());
        let u = sip("sip:p1.example.com;lr;maddr=239.255.255.1;ttl=15");
        assert!(u.lr());
        assert_eq!(u.maddr(), Some(&b"239.255.255.1"[..]));
        assert_eq!(u.ttl(), Some(15));
        let u = sip("sip:host.example.com.:5070");
        assert_eq!(u.port(), Some(5070));
    }

    // REQ: SIP-3 — RFC 3261 §19.1.4: equal pairs.
    #[test]
    fn rfc3261_equal() {
        let pairs = [
            (
                "sip:%61lice@atlanta.com;transport=TCP",
                "sip:alice@AtLanTa.CoM;Transport=tcp",
            ),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
            ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
            (
                "sip:carol@chicago.com;newparam=5",
                "sip:carol@chicago.com;security=on",
            ),
            (
                "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
            ),
            (
                "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
            ),
            ("sip:[2001:db8::10]", "sip:[2001:DB8:0::10]"),
            ("sip:host;%6C%72", "sip:host;lr"),
        ];
        for (a, b) in pairs {
            assert_eq!(parse(a).unwrap(), parse(b).unwrap(), "{a} == {b}");
            assert_eq!(parse(b).unwrap(), parse(a).unwrap(), "{b} == {a}");
        }
    }

    // REQ: SIP-3 — RFC 3261 §19.1.4: not-equal pairs.
    #[test]
    fn rfc3261_not_equal() {
        let pairs = [
            (
                "SIP:ALICE@AtLanTa.CoM;Transport=udp",
                "sip:alice@AtLanTa.CoM;Transport=UDP",
            ),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
            ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
            (
                "sip:bob@biloxi.com",
                "sip:bob@biloxi.com:6000;transport=tcp",
            ),
            (
                "sip:carol@chicago.com",
                "sip:carol@chicago.com?Subject=next%20meeting",
            ),
            ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
            ("sip:bob@biloxi.com", "sips:bob@biloxi.com"),
            ("sip:a@h;x=1", "sip:a@h;x=2"),
        ];
        for (a, b) in pairs {
            assert_ne!(parse(a).unwrap(), parse(b).unwrap(), "{a} != {b}");
            assert_ne!(parse(b).unwrap(), parse(a).unwrap(), "{b} != {a}");
        }
    }

    // REQ: SIP-3 — RFC 4475 §3.1.1.{1,9,10} esc01, escnull, semiuri.
    #[test]
    fn rfc4475_escapes_and_semicolons() {
        let u = sip("sip:sips%3Auser%40example.com@example.net");
        assert!(!u.is_secure());
        assert_eq!(&*u.user_unescaped().unwrap(), b"sips:user@example.com");
        assert_eq!(u.host(), &Host::Domain(Bytes::from_static(b"example.net")));
        assert_eq!(
            parse("sip:%75se%72@example.com"),
            parse("sip:user@example.com")
        );
        let u = sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        assert!(u.lr());
        assert_eq!(
            &*unescape(u.param("name").unwrap().value.as_ref().unwrap()),
            b"value%41"
        );
        let u = sip("sip:null-%00-null@example.com");
        assert_eq!(&*u.user_unescaped().unwrap(), b"null-\0-null");
        assert_eq!(
            &*sip("sip:%00%00@host5.example.com")
                .user_unescaped()
                .unwrap(),
            b"\0\0"
        );
        let u = sip("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user().unwrap().as_ref(), b"user;par=u%40example.net");
        assert!(u.params().is_empty());
        let u = sip("sip:user@example.com?Route=%3Csip:example.com%3E");
        assert_eq!(
            &*unescape(u.headers().get("route").unwrap().unwrap()),
            b"<sip:example.com>"
        );
    }

    // REQ: SIP-3 — errors are located.
    #[test]
    fn errors_are_located() {
        // RFC 4475 §3.1.2.11 ltgtruri: a bracketed Request-URI is not a URI.
        assert_eq!(
            err("<sip:user@example.com>"),
            ParseError::new(ErrorKind::Scheme, 0)
        );
        assert_eq!(err("sip:us%4g@h"), ParseError::new(ErrorKind::Escape, 6));
        assert_eq!(
            err("sip:user@h;p=%G1"),
            ParseError::new(ErrorKind::Escape, 13)
        );
        assert_eq!(err("sip:u ser@h"), ParseError::new(ErrorKind::UriUser, 5));
        assert_eq!(err("sip:@h"), ParseError::new(ErrorKind::UriUser, 4));
        assert_eq!(
            err("sip:user@h:99999"),
            ParseError::new(ErrorKind::Port, 11)
        );
        assert_eq!(err("sip:user@h:50a"), ParseError::new(ErrorKind::Port, 11));
        assert_eq!(err("sip:user@-h.com"), ParseError::new(ErrorKind::Host, 9));
        assert_eq!(
            err("sip:user@256.1.1.1"),
            ParseError::new(ErrorKind::Host, 9)
        );
        assert_eq!(
            err("sip:user@h;=x"),
            ParseError::new(ErrorKind::UriParam, 11)
        );
        assert_eq!(
            err("sip:user@h?x"),
            ParseError::new(ErrorKind::UriHeader, 12)
        );
        assert_eq!(
            err("sip:user@h x"),
            ParseError::new(ErrorKind::TrailingBytes, 10)
        );
        assert_eq!(err("sip"), ParseError::new(ErrorKind::Scheme, 3));
        assert_eq!(err("1sip:x"), ParseError::new(ErrorKind::Scheme, 0));
        assert_eq!(err("http:"), ParseError::new(ErrorKind::Empty, 5));
    }

    // REQ: SIP-3 — RFC 5118 IPv6 references.
    #[test]
    fn rfc5118_ipv6() {
        let u = sip("sip:[2001:db8::10]");
        assert!(matches!(u.host(), Host::Ipv6 { addr: Some(a), .. } if a.segments()[0] == 0x2001));
        // §4.2: an unbracketed IPv6 host fails.
        assert_eq!(err("sip:2001:db8::10"), ParseError::new(ErrorKind::Host, 4));
        assert_eq!(err("sip:user@fe80::1"), ParseError::new(ErrorKind::Host, 9));
        // §4.3: the last group inside the brackets is not a port.
        let u = sip("sip:[2001:db8::10:5070]");
        assert_eq!(u.port(), None);
        assert_eq!(sip("sip:[2001:db8::10]:5070").port(), Some(5070));
        // §4.10: the invalid 3-colon form is tolerated, kept raw.
        let u = sip("sip:user@[2001:db8:::192.0.2.1]");
        assert!(
            matches!(u.host(), Host::Ipv6 { raw, addr: None } if raw.as_ref() == b"2001:db8:::192.0.2.1")
        );
        let u = sip("sip:user@[2001:db8::192.0.2.1]");
        assert!(matches!(u.host(), Host::Ipv6 { addr: Some(_), .. }));
        assert!(matches!(
            sip("sip:ted@[::ffff:192.0.2.2]").host(),
            Host::Ipv6 { addr: Some(_), .. }
        ));
        assert_eq!(
            err("sip:[2001:db8::10"),
            ParseError::new(ErrorKind::Host, 17)
        );
        assert_eq!(err("sip:[1:2]"), ParseError::new(ErrorKind::Host, 4));
    }

    // REQ: SIP-3 — RFC 3966 tel URIs and other schemes.
    #[test]
    fn tel_and_other_schemes() {
        let Ok(Uri::Tel(t)) = parse("tel:+1-201-555-0123;ext=1234") else {
            panic!("tel")
        };
        assert!(t.is_global());
        assert_eq!(t.number().as_ref(), b"+1-201-555-0123");
        assert_eq!(
            t.params().get("ext"),
            Some(Some(&Bytes::from_static(b"1234")))
        );
        assert_eq!(
            parse("tel:+12015550123;ext=1234"),
            parse("tel:+1-201-555-0123;EXT=1234")
        );
        assert_ne!(parse("tel:+12015550123"), parse("tel:+12015550124"));
        let Ok(Uri::Tel(t)) = parse("tel:7042;phone-context=example.com") else {
            panic!("local tel")
        };
        assert!(!t.is_global());
        assert_eq!(t.phone_context().unwrap().as_ref(), b"example.com");
        assert_eq!(err("tel:7042"), ParseError::new(ErrorKind::UriParam, 8));
        assert_eq!(err("tel:+"), ParseError::new(ErrorKind::UriUser, 4));
        for s in [
            "soap.beep://192.0.2.103:3002",
            "isbn:2983792873",
            "http://www.example.com",
            "urn:service:sos",
            "nobodyKnowsThisScheme:totallyopaquecontent",
            "name:John_Smith",
        ] {
            let u = parse(s).unwrap();
            assert!(matches!(u, Uri::Other(_)), "{s}");
            assert_eq!(u.to_string(), s);
        }
        assert_eq!(parse("soap.beep://x").unwrap().scheme(), b"soap.beep");
        assert_eq!(parse("HTTP://x"), parse("http://x"));
    }

    // REQ: SIP-3 — display is byte-exact.
    #[test]
    fn display_is_byte_exact() {
        for s in [
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
            "sips:[2001:db8::10]:5061;transport=tcp?x=%20",
        ] {
            let u = parse(s).unwrap();
            assert_eq!(u.to_string(), s);
            let mut out = Vec::new();
            u.write_to(&mut out);
            assert_eq!(out, s.as_bytes());
        }
    }

    // REQ: SIP-3 — the builder escapes what needs escaping.
    #[test]
    fn builder() {
        let u = SipUri::new(Host::parse("example.com").unwrap())
            .with_user("al ice@x")
            .with_port(5070)
            .with_param("transport", Some("tcp"))
            .with_param("lr", None)
            .with_header("Subject", "hi there");
        assert_eq!(
            u.to_string(),
            "sip:al%20ice%40x@example.com:5070;transport=tcp;lr?Subject=hi%20there"
        );
        assert_eq!(&*u.user_unescaped().unwrap(), b"al ice@x");
        let u = SipUri::new(Host::from(IpAddr::V6(Ipv6Addr::LOCALHOST))).with_secure(true);
        assert_eq!(u.to_string(), "sips:[::1]");
        assert_eq!(
            Host::parse("a b").unwrap_err(),
            ParseError::new(ErrorKind::Host, 1)
        );
    }

    fn host_strategy() -> impl Strategy<Value = Host> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,5}){0,2}"
                .prop_map(|d| Host::Domain(Bytes::from(d))),
            any::<[u8; 4]>().prop_map(|o| Host::Ipv4(Ipv4Addr::from(o))),
            any::<[u16; 8]>().prop_map(|s| Host::from(IpAddr::V6(Ipv6Addr::from(s)))),
        ]
    }

    proptest! {
        // REQ: SIP-3 — built → Display → parse → equal, and byte-equal on re-emit.
        #[test]
        fn round_trip(
            secure in any::<bool>(),
            user in proptest::option::of("[a-zA-Z0-9 %;?@/:&=+$,#-]{1,10}"),
            host in host_strategy(),
            port in proptest::option::of(any::<u16>()),
            params in proptest::collection::vec(
                ("[a-z]{1,6}", proptest::option::of("[a-zA-Z0-9 ;=%/@]{1,6}")), 0..4),
            headers in proptest::collection::vec(("[a-z]{1,5}", "[a-zA-Z0-9 &=@]{0,6}"), 0..3),
        ) {
            let mut u = SipUri::new(host).with_secure(secure);
            if let Some(user) = &user {
                u = u.with_user(user);
            }
            if let Some(p) = port {
                u = u.with_port(p);
            }
            for (n, v) in &params {
                u = u.with_param(n, v.as_deref());
            }
            for (n, v) in &headers {
                u = u.with_header(n, v);
            }
            let text = u.to_string();
            let parsed = Uri::parse(&Bytes::from(text.clone())).unwrap();
            prop_assert_eq!(parsed.to_string(), text);
            prop_assert_eq!(&parsed, &Uri::Sip(u.clone()));
            let Uri::Sip(p) = parsed else { panic!("not sip") };
            prop_assert_eq!(
                p.user_unescaped().map(|c| c.into_owned()),
                user.map(String::into_bytes)
            );
        }

        // REQ: SIP-3 — arbitrary input never panics.
        #[test]
        fn never_panics(s in "[ -~]{0,40}") {
            let _ = Uri::parse(&Bytes::from(s));
        }
    }
}
