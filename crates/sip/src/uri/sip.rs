//! SIP and SIPS URIs (RFC 3261 §19.1): parsing, building and §19.1.4 comparison.

use std::borrow::Cow;

use bytes::Bytes;

use super::escape::{
    check_chars, escape, is_header_char, is_param_char, is_password_char, is_user_char,
};
use super::host::{Host, HostSpan, parse_host};
use super::params::{by_unescaped_name, find_unescaped, params_cover, parse_uri_params};
use super::{ascii, unescape};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::Cursor;
use crate::params::{ParamItems, ParamRef, Params, RawParam};
use crate::parse::{OptSpan, Span};

/// What [`SipUri::headers`] lends when the URI has none.
static NO_HEADERS: Params = Params::EMPTY;

/// A SIP or SIPS URI (RFC 3261 §19.1): `sip:user:password@host:port;uri-parameters?headers`.
///
/// Parts are kept in their escaped wire form; comparisons unescape. Build new ones with
/// [`SipUri::new`] and the `with_*` methods, which escape what needs escaping.
///
/// The URI holds one [`Bytes`] (its exact text, shared with its parameter list) and the spans
/// of its parts in it.
#[derive(Clone)]
pub struct SipUri {
    /// The URI parameters; their source is the whole URI, which [`SipUri::raw`] returns.
    params: Params,
    /// URI headers are rare: boxed so that every URI does not carry their inline storage.
    headers: Option<Box<Params>>,
    host: HostSpan,
    /// `user [ ":" password ]`, without the `@`.
    userinfo: OptSpan,
    port: Option<u16>,
    secure: bool,
}

/// `SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]` (RFC 3261 §25.1), `s`
/// being a slice of `src` that starts with the scheme.
pub(super) fn parse_sip(src: &Bytes, s: &[u8], scheme_len: usize) -> Result<SipUri> {
    let secure = scheme_len == 4;
    let mut c = Cursor::new(s);
    c.set_pos(scheme_len + 1);
    let mut userinfo = OptSpan::NONE;
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
        if let Some(p) = p {
            check_chars(p, base + u.len() + 1, is_password_char, ErrorKind::UriUser)?;
        }
        userinfo = OptSpan::new(base, base + at);
        c.set_pos(base + at + 1);
    }
    let host_at = c.pos();
    let host = parse_host(&mut c)?;
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
    let params = parse_uri_params(&mut c)?;
    let mut headers = ParamItems::new();
    if c.eat(b'?') {
        let class = |b: u8| is_header_char(b) || b == b'%';
        loop {
            let at = c.pos();
            let name = c.take_while(class);
            if name.is_empty() {
                return Err(c.error(ErrorKind::UriHeader));
            }
            check_chars(name, at, is_header_char, ErrorKind::UriHeader)?;
            let name = Span::new(at, at + name.len());
            if !c.eat(b'=') {
                return Err(c.error(ErrorKind::UriHeader));
            }
            let at = c.pos();
            let value = c.take_while(class);
            check_chars(value, at, is_header_char, ErrorKind::UriHeader)?;
            headers.push(RawParam::new(name, Some(Span::new(at, at + value.len()))));
            if !c.eat(b'&') {
                break;
            }
        }
    }
    if !c.is_empty() {
        return Err(c.error(ErrorKind::TrailingBytes));
    }
    let raw = src.slice_ref(s);
    Ok(SipUri {
        headers: (!headers.is_empty()).then(|| Box::new(Params::from_parts(raw.clone(), headers))),
        params: Params::from_parts(raw, params),
        host,
        userinfo,
        port,
        secure,
    })
}

/// The parts of a SIP URI, borrowed, from which [`SipUri::build`] writes a new one.
struct Parts<'a> {
    secure: bool,
    user: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
    host: Host<'a>,
    port: Option<u16>,
    params: &'a Params,
    headers: &'a Params,
}

impl SipUri {
    /// A new `sip:` URI for `host`, with no user, port, parameters or headers.
    #[must_use]
    pub fn new(host: Host<'_>) -> Self {
        Self::build(&Parts {
            secure: false,
            user: None,
            password: None,
            host,
            port: None,
            params: &Params::EMPTY,
            headers: &Params::EMPTY,
        })
    }

    /// This URI's parts, to build a changed copy.
    fn parts(&self) -> Parts<'_> {
        Parts {
            secure: self.secure,
            user: self.user(),
            password: self.password(),
            host: self.host(),
            port: self.port,
            params: &self.params,
            headers: self.headers(),
        }
    }

    /// The same URI as `sips:` (`true`) or `sip:` (`false`).
    #[must_use]
    pub fn with_secure(self, secure: bool) -> Self {
        Self::build(&Parts {
            secure,
            ..self.parts()
        })
    }

    /// Sets the user part; characters outside the `user` grammar are %-escaped.
    #[must_use]
    pub fn with_user(self, user: &str) -> Self {
        let user = escape(user.as_bytes(), is_user_char);
        Self::build(&Parts {
            user: Some(&user),
            ..self.parts()
        })
    }

    /// Sets the password (discouraged by RFC 3261 §19.1.1, but part of the grammar). Needs a
    /// user part to be emitted.
    #[must_use]
    pub fn with_password(self, password: &str) -> Self {
        let password = escape(password.as_bytes(), is_password_char);
        Self::build(&Parts {
            password: Some(&password),
            ..self.parts()
        })
    }

    /// Sets the port.
    #[must_use]
    pub fn with_port(self, port: u16) -> Self {
        Self::build(&Parts {
            port: Some(port),
            ..self.parts()
        })
    }

    /// Sets (or replaces) a URI parameter, escaping name and value as needed (`lr` takes
    /// `None`).
    #[must_use]
    pub fn with_param(self, name: &str, value: Option<&str>) -> Self {
        let name = escape(name.as_bytes(), is_param_char);
        let value = value.map(|v| escape(v.as_bytes(), is_param_char));
        let mut params = self.params.clone();
        params.set(&String::from_utf8_lossy(&name), value.as_deref());
        Self::build(&Parts {
            params: &params,
            ..self.parts()
        })
    }

    /// Appends a header (`?name=value`), escaping as needed.
    #[must_use]
    pub fn with_header(self, name: &str, value: &str) -> Self {
        let mut headers = self.headers().clone();
        headers.push(
            &escape(name.as_bytes(), is_header_char),
            Some(&escape(value.as_bytes(), is_header_char)),
        );
        Self::build(&Parts {
            headers: &headers,
            ..self.parts()
        })
    }

    /// Serializes `p` into a new URI.
    fn build(p: &Parts<'_>) -> Self {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(if p.secure { b"sips:" } else { b"sip:" });
        let mut userinfo = OptSpan::NONE;
        if let Some(u) = p.user {
            let start = out.len();
            out.extend_from_slice(u);
            if let Some(pw) = p.password {
                out.push(b':');
                out.extend_from_slice(pw);
            }
            userinfo = OptSpan::new(start, out.len());
            out.push(b'@');
        }
        let host_at = out.len();
        p.host.write(&mut out);
        let host = match &p.host {
            Host::Domain(_) => HostSpan::Domain(Span::new(host_at, out.len())),
            Host::Ipv4(a) => HostSpan::Ipv4(*a),
            Host::Ipv6 { .. } => HostSpan::Ipv6(Span::new(host_at + 1, out.len() - 1)),
        };
        if let Some(port) = p.port {
            out.push(b':');
            out.extend_from_slice(port.to_string().as_bytes());
        }
        let params = p.params.write_spans(&mut out);
        let mut headers = ParamItems::new();
        for (i, h) in p.headers.iter().enumerate() {
            out.push(if i == 0 { b'?' } else { b'&' });
            let name = Span::new(out.len(), out.len() + h.name.len());
            out.extend_from_slice(h.name);
            out.push(b'=');
            let v = h.value.unwrap_or_default();
            let value = Span::new(out.len(), out.len() + v.len());
            out.extend_from_slice(v);
            headers.push(RawParam::new(name, Some(value)));
        }
        let raw = Bytes::from(out);
        Self {
            headers: (!headers.is_empty())
                .then(|| Box::new(Params::from_parts(raw.clone(), headers))),
            params: Params::from_parts(raw, params),
            host,
            userinfo,
            port: p.port,
            secure: p.secure,
        }
    }

    /// True for `sips:`.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// `user [ ":" password ]` (neither holds an unescaped `:`).
    fn userinfo(&self) -> Option<&[u8]> {
        self.userinfo.of(self.raw())
    }

    /// The user part in its escaped wire form (`user;par=u%40example.net`).
    #[must_use]
    pub fn user(&self) -> Option<&[u8]> {
        let info = self.userinfo()?;
        Some(match memchr::memchr(b':', info) {
            Some(i) => info.get(..i).unwrap_or_default(),
            None => info,
        })
    }

    /// The user part with %-escapes resolved.
    #[must_use]
    pub fn user_unescaped(&self) -> Option<Cow<'_, [u8]>> {
        self.user().map(unescape)
    }

    /// The password, escaped form.
    #[must_use]
    pub fn password(&self) -> Option<&[u8]> {
        let info = self.userinfo()?;
        info.get(memchr::memchr(b':', info)? + 1..)
    }

    /// The host, borrowing its text from the URI.
    #[must_use]
    pub fn host(&self) -> Host<'_> {
        self.host.view(self.raw())
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
        self.headers.as_deref().unwrap_or(&NO_HEADERS)
    }

    /// The URI parameter called `name` (compared case-insensitively after unescaping, so
    /// `%6C%72` finds `lr`).
    #[must_use]
    pub fn param(&self, name: &str) -> Option<ParamRef<'_>> {
        find_unescaped(&self.params, name.as_bytes())
    }

    fn param_value(&self, name: &str) -> Option<&[u8]> {
        self.param(name)?.value
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
        self.params.src()
    }
}

/// Two optional parts, equal after unescaping.
fn opt_unescaped_eq(a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => unescape(a) == unescape(b),
        (None, None) => true,
        _ => false,
    }
}

/// The same headers in any order: names case-insensitive, values exact, both unescaped.
fn headers_eq(a: &Params, b: &Params) -> bool {
    let keys = |h: &Params| {
        let mut k: Vec<(Vec<u8>, Vec<u8>)> = h
            .iter()
            .map(|p| {
                let value = p.value.unwrap_or_default();
                (
                    unescape(p.name).to_ascii_lowercase(),
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
            && opt_unescaped_eq(self.user(), o.user())
            && opt_unescaped_eq(self.password(), o.password())
            && self.host() == o.host()
            && self.port == o.port
            && {
                let (mine, theirs) = (
                    by_unescaped_name(&self.params),
                    by_unescaped_name(&o.params),
                );
                params_cover(&mine, &theirs) && params_cover(&theirs, &mine)
            }
            && headers_eq(self.headers(), o.headers())
    }
}

impl Eq for SipUri {}

impl core::fmt::Debug for SipUri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SipUri")
            .field("raw", self.raw())
            .field("secure", &self.secure)
            .field("user", &self.user().map(String::from_utf8_lossy))
            .field("password", &self.password().map(String::from_utf8_lossy))
            .field("host", &self.host())
            .field("port", &self.port)
            .field("params", &self.params)
            .field("headers", self.headers())
            .finish()
    }
}

impl core::fmt::Display for SipUri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&ascii(self.raw()))
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use proptest::prelude::*;

    use super::*;
    use crate::uri::Uri;
    use crate::uri::tests::{parse, sip};

    // REQ: SIP-3 — RFC 3261 §19.1.3 examples.
    #[test]
    fn rfc3261_examples() {
        let u = sip("sip:alice@atlanta.com");
        assert_eq!(u.user().unwrap(), b"alice");
        assert_eq!(u.host(), Host::Domain(b"atlanta.com"));
        let u = sip("sip:alice:secretword@atlanta.com;transport=tcp");
        assert_eq!(u.password().unwrap(), b"secretword");
        assert_eq!(u.transport(), Some(&b"tcp"[..]));
        let u = sip("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
        assert!(u.is_secure());
        assert_eq!(u.headers().len(), 2);
        assert_eq!(u.headers().get("priority"), Some(Some(&b"urgent"[..])));
        let u = sip("sip:+1-212-555-1212:1234@gateway.com;user=phone");
        assert_eq!(u.user().unwrap(), b"+1-212-555-1212");
        assert_eq!(u.password().unwrap(), b"1234");
        assert_eq!(u.user_param(), Some(&b"phone"[..]));
        let u = sip("sips:1212@gateway.com");
        assert_eq!(u.port(), None);
        let u = sip("sip:alice@192.0.2.4");
        assert_eq!(u.host(), Host::Ipv4(Ipv4Addr::new(192, 0, 2, 4)));
        let u = sip("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com");
        assert!(u.user().is_none());
        assert_eq!(u.method(), Some(&b"REGISTER"[..]));
        let u = sip("sip:alice;day=tuesday@atlanta.com");
        assert_eq!(u.user().unwrap(), b"alice;day=tuesday");
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
        assert_eq!(u.host(), Host::Domain(b"example.net"));
        assert_eq!(
            parse("sip:%75se%72@example.com"),
            parse("sip:user@example.com")
        );
        let u = sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        assert!(u.lr());
        assert_eq!(
            &*unescape(u.param("name").unwrap().value.unwrap()),
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
        assert_eq!(u.user().unwrap(), b"user;par=u%40example.net");
        assert!(u.params().is_empty());
        let u = sip("sip:user@example.com?Route=%3Csip:example.com%3E");
        assert_eq!(
            &*unescape(u.headers().get("route").unwrap().unwrap()),
            b"<sip:example.com>"
        );
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

    /// A host to build from: a name (borrowed by `Host::Domain`) or an address.
    #[derive(Debug, Clone)]
    enum HostGen {
        Domain(String),
        Ip(IpAddr),
    }

    impl HostGen {
        fn host(&self) -> Host<'_> {
            match self {
                Self::Domain(d) => Host::Domain(d.as_bytes()),
                Self::Ip(IpAddr::V4(a)) => Host::Ipv4(*a),
                Self::Ip(a) => Host::from(*a),
            }
        }
    }

    fn host_strategy() -> impl Strategy<Value = HostGen> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,5}){0,2}".prop_map(HostGen::Domain),
            any::<[u8; 4]>().prop_map(|o| HostGen::Ip(IpAddr::V4(Ipv4Addr::from(o)))),
            any::<[u16; 8]>().prop_map(|s| HostGen::Ip(IpAddr::V6(Ipv6Addr::from(s)))),
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
            let mut u = SipUri::new(host.host()).with_secure(secure);
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
    }
}
