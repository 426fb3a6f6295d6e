//! `Via` (RFC 3261 §20.42, §25.1; RFC 3581 `rport`; RFC 5118 §4.5 IPv6 `received`).
//!
//! ```text
//! via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//! sent-protocol = protocol-name SLASH protocol-version SLASH transport
//! sent-by       = host [ COLON port ]
//! ```
//! `SLASH` and `COLON` allow white space on both sides (RFC 4475 wsinv has
//! `SIP  /   2.0  / UDP`); any token is a transport (RFC 4475 transports).

use super::value::display_raw;
use core::fmt;
use std::net::{IpAddr, Ipv4Addr};

use bytes::Bytes;

use super::TypedHeader;
use super::value::{numeric_param, offset_in};
use crate::error::{ErrorKind, ParseError, Result};
use crate::lex::Cursor;
use crate::name::HeaderName;
use crate::params::{Params, parse_generic_params};
use crate::parse::Span;

/// The RFC 3261 branch magic cookie (§8.1.1.7).
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// One `Via` element (RFC 3261 §20.42): who sent the request, over what, and the branch that
/// keys its transaction.
///
/// The element holds its bytes once (shared with its parameter list, whose source is the whole
/// element) and the spans of its parts. Elements compare and hash by their parts' bytes.
#[derive(Clone)]
pub struct Via {
    /// The parameters; their source is the whole element, which is also its raw text.
    params: Params,
    protocol_name: Span,
    protocol_version: Span,
    transport: Span,
    host: Span,
    port: Option<u16>,
}

impl Via {
    /// A `SIP/2.0/<transport> <host>[:<port>];branch=<branch>` element.
    ///
    /// `transport` and `branch` must be tokens and `host` a hostname, IPv4 address or IPv6
    /// address (brackets are added when missing); the caller's values are written as given.
    #[must_use]
    pub fn new(transport: &str, host: &str, port: Option<u16>, branch: &str) -> Self {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let mut params = Params::new();
        params.push(b"branch", Some(branch.as_bytes()));
        Self::render(
            b"SIP",
            b"2.0",
            transport.as_bytes(),
            host.as_bytes(),
            port,
            &params,
        )
    }

    /// This element with an `rport` parameter without value, asking the server to add the
    /// source port (RFC 3581 §3).
    #[must_use]
    pub fn with_rport(self) -> Self {
        self.with_param("rport", None)
    }

    /// This element with `received` set to `addr` (RFC 3261 §18.2.1; IPv6 without brackets,
    /// RFC 5118 §4.5).
    #[must_use]
    pub fn with_received(self, addr: IpAddr) -> Self {
        self.with_param("received", Some(&addr.to_string()))
    }

    /// This element with parameter `name` set (replaced in place if present). `name` must be
    /// a token, `value` a token, host or quoted string.
    #[must_use]
    pub fn with_param(self, name: &str, value: Option<&str>) -> Self {
        let mut params = self.params.clone();
        params.set(name, value.map(str::as_bytes));
        Self::render(
            self.protocol_name(),
            self.protocol_version(),
            self.transport(),
            self.host(),
            self.port,
            &params,
        )
    }

    /// Writes `name/version/transport host[:port];params` and spans its parts.
    fn render(
        name: &[u8],
        version: &[u8],
        transport: &[u8],
        host: &[u8],
        port: Option<u16>,
        params: &Params,
    ) -> Self {
        let mut out = Vec::with_capacity(64);
        let put = |out: &mut Vec<u8>, part: &[u8], sep: Option<u8>| {
            let span = Span::new(out.len(), out.len() + part.len());
            out.extend_from_slice(part);
            out.extend(sep);
            span
        };
        let protocol_name = put(&mut out, name, Some(b'/'));
        let protocol_version = put(&mut out, version, Some(b'/'));
        let transport = put(&mut out, transport, Some(b' '));
        let host = put(&mut out, host, None);
        if let Some(port) = port {
            out.extend_from_slice(format!(":{port}").as_bytes());
        }
        let items = params.write_spans(&mut out);
        Self {
            params: Params::from_parts(Bytes::from(out), items),
            protocol_name,
            protocol_version,
            transport,
            host,
            port,
        }
    }

    fn raw(&self) -> &Bytes {
        self.params.src()
    }

    /// The protocol name, normally `SIP`.
    #[must_use]
    pub fn protocol_name(&self) -> &[u8] {
        self.protocol_name.of(self.raw())
    }

    /// The protocol version, normally `2.0`.
    #[must_use]
    pub fn protocol_version(&self) -> &[u8] {
        self.protocol_version.of(self.raw())
    }

    /// The transport as written (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or any token).
    #[must_use]
    pub fn transport(&self) -> &[u8] {
        self.transport.of(self.raw())
    }

    /// The sent-by host as written; an IPv6 reference keeps its brackets.
    #[must_use]
    pub fn host(&self) -> &[u8] {
        self.host.of(self.raw())
    }

    /// The sent-by port, if written.
    #[must_use]
    pub const fn port(&self) -> Option<u16> {
        self.port
    }

    /// All parameters, in order.
    #[must_use]
    pub const fn params(&self) -> &Params {
        &self.params
    }

    /// The `branch` parameter.
    #[must_use]
    pub fn branch(&self) -> Option<&[u8]> {
        self.params.get("branch").flatten()
    }

    /// The `branch` parameter as a [`Bytes`] sharing the element's buffer (to key a
    /// transaction without copying).
    #[must_use]
    pub fn branch_bytes(&self) -> Option<Bytes> {
        self.params.get_bytes("branch")
    }

    /// True when the branch starts with the magic cookie and has something after it (RFC
    /// 3261 §8.1.1.7), so that it can key a transaction (§17.2.3). A branch that is the bare
    /// cookie (RFC 4475 badbranch) cannot be unique and is not counted as one.
    #[must_use]
    pub fn is_rfc3261_branch(&self) -> bool {
        self.branch()
            .is_some_and(|b| b.len() > MAGIC_COOKIE.len() && b.starts_with(MAGIC_COOKIE.as_bytes()))
    }

    /// The `received` parameter as an address; an IPv6 address is accepted with or without
    /// brackets (RFC 5118 §4.5). `None` when absent or not an IP address (the raw value is
    /// still in [`Via::params`]).
    #[must_use]
    pub fn received(&self) -> Option<IpAddr> {
        let v = self.params.get("received").flatten()?;
        let v = match v {
            [b'[', inner @ .., b']'] => inner,
            other => other,
        };
        core::str::from_utf8(v).ok()?.parse().ok()
    }

    /// The `rport` parameter (RFC 3581): `None` if absent, `Some(None)` if present without a
    /// value (a request asking for it), `Some(Some(port))` when filled in.
    #[must_use]
    pub fn rport(&self) -> Option<Option<u16>> {
        let v = self.params.get("rport")?;
        // Validated at parse time; a hand-set bad value reads as "no value".
        Some(v.and_then(|v| core::str::from_utf8(v).ok()?.parse().ok()))
    }

    /// The `maddr` parameter (a host).
    #[must_use]
    pub fn maddr(&self) -> Option<&[u8]> {
        self.params.get("maddr").flatten()
    }

    /// The `ttl` parameter (0..=255, checked at parse time).
    #[must_use]
    pub fn ttl(&self) -> Option<u8> {
        let v = self.params.get("ttl").flatten()?;
        core::str::from_utf8(v).ok()?.parse().ok()
    }

    /// The parts compared and hashed: everything the element holds, as bytes.
    #[allow(
        clippy::type_complexity,
        reason = "a tuple to compare, named by its fields"
    )]
    fn key(&self) -> (&[u8], &[u8], &[u8], &[u8], Option<u16>, &Params, &[u8]) {
        (
            self.protocol_name(),
            self.protocol_version(),
            self.transport(),
            self.host(),
            self.port,
            &self.params,
            self.raw(),
        )
    }
}

eq_hash_by_key!(Via, key);

impl fmt::Debug for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Via")
            .field("raw", self.raw())
            .field("port", &self.port)
            .field("params", &self.params)
            .finish()
    }
}

/// Parses `host` (hostname, IPv4address or IPv6reference) at the cursor.
fn host<'a>(cur: &mut Cursor<'a>) -> Result<&'a [u8]> {
    let start = cur.pos();
    if cur.eat(b'[') {
        let inner = cur.take_while(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        let ok = core::str::from_utf8(inner)
            .ok()
            .is_some_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok());
        if !ok {
            return Err(ParseError::new(ErrorKind::Host, start));
        }
        cur.expect(b']')?;
    } else {
        let name = cur.take_while(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        let numeric = name.iter().all(|b| b.is_ascii_digit() || *b == b'.');
        let valid = if numeric {
            core::str::from_utf8(name)
                .ok()
                .is_some_and(|s| s.parse::<Ipv4Addr>().is_ok())
        } else {
            // hostname = *( domainlabel "." ) toplabel [ "." ]: labels are non-empty and
            // neither start nor end with '-'.
            let trimmed = name.strip_suffix(b".").unwrap_or(name);
            !trimmed.is_empty()
                && trimmed
                    .split(|&b| b == b'.')
                    .all(|l| !l.is_empty() && !l.starts_with(b"-") && !l.ends_with(b"-"))
        };
        if !valid {
            return Err(ParseError::new(ErrorKind::Host, start));
        }
    }
    Ok(cur.input().get(start..cur.pos()).unwrap_or_default())
}

impl TypedHeader for Via {
    const NAME: HeaderName = HeaderName::Via;
    const LIST: bool = true;
    fn parse(value: &Bytes) -> Result<Self> {
        Self::parse_owned(value.clone())
    }

    fn parse_owned(value: Bytes) -> Result<Self> {
        let mut cur = Cursor::new(&value);
        let protocol_name = cur.token()?;
        let slash = |cur: &mut Cursor<'_>| {
            if cur.eat_sep(b'/') {
                Ok(())
            } else {
                Err(cur.error(ErrorKind::Expected(b'/')))
            }
        };
        slash(&mut cur)?;
        let protocol_version = cur.token()?;
        slash(&mut cur)?;
        let transport = cur.token()?;
        if !cur.skip_ws() {
            return Err(cur.error(ErrorKind::Expected(b' ')));
        }
        let host = host(&mut cur)?;
        let port = if cur.eat_sep(b':') {
            let start = cur.pos();
            let digits = cur.take_while(|b| b.is_ascii_digit());
            let port = core::str::from_utf8(digits)
                .ok()
                .and_then(|s| s.parse::<u16>().ok())
                .filter(|_| digits.len() <= 5)
                .ok_or(ParseError::new(ErrorKind::Port, start))?;
            Some(port)
        } else {
            None
        };
        let items = parse_generic_params(&mut cur)?;
        cur.finish()?;
        let span = |part: &[u8]| {
            let at = offset_in(&value, part);
            Span::new(at, at + part.len())
        };
        let (protocol_name, protocol_version, transport, host) = (
            span(protocol_name),
            span(protocol_version),
            span(transport),
            span(host),
        );
        let params = Params::from_parts(value, items);
        validate_params(params.src(), &params)?;
        Ok(Self {
            params,
            protocol_name,
            protocol_version,
            transport,
            host,
            port,
        })
    }
}

/// The value rules of the well-known Via parameters (RFC 3261 §25.1 `via-params`, RFC 3581).
fn validate_params(src: &[u8], params: &Params) -> Result<()> {
    for name in ["branch", "received", "maddr", "ttl"] {
        if let Some(p) = params.find(name) {
            if p.value.is_none() {
                let at = offset_in(src, p.name).saturating_add(p.name.len());
                return Err(ParseError::new(ErrorKind::Expected(b'='), at));
            }
        }
    }
    numeric_param::<u8>(src, params, "ttl")?;
    if let Some(Some(_)) = params.get("rport") {
        numeric_param::<u16>(src, params, "rport")
            .map_err(|e| ParseError::new(ErrorKind::Port, e.offset))?;
    }
    Ok(())
}

display_raw!(Via, |this| this.raw());

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    use crate::header::value::test_bytes as b;

    // REQ: SIP-2 (RFC 4475 wsinv, after unfolding)
    #[test]
    fn whitespace_around_separators() {
        let v = Via::parse(&b("SIP  /   2.0  /UDP     192.0.2.2;branch=390skdjuw")).unwrap();
        assert_eq!(v.protocol_name(), b"SIP");
        assert_eq!(v.protocol_version(), b"2.0");
        assert_eq!(v.transport(), b"UDP");
        assert_eq!(v.host(), b"192.0.2.2");
        assert_eq!(v.branch(), Some(&b"390skdjuw"[..]));
        assert!(!v.is_rfc3261_branch());
        let v = Via::parse(&b(
            "SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8",
        ))
        .unwrap();
        assert_eq!(v.host(), b"spindle.example.com");
        assert_eq!(v.branch(), Some(&b"z9hG4bK9ikj8"[..]));
        assert!(v.is_rfc3261_branch());
        let v = Via::parse(&b(
            "SIP  /    2.0   / UDP  192.168.255.111   ; branch=  z9hG4bK30239",
        ))
        .unwrap();
        assert_eq!(v.branch(), Some(&b"z9hG4bK30239"[..]));
        // Display is the exact input.
        assert_eq!(
            v.to_string(),
            "SIP  /    2.0   / UDP  192.168.255.111   ; branch=  z9hG4bK30239"
        );
    }

    // REQ: SIP-2 (RFC 4475 transports)
    #[test]
    fn any_token_transport() {
        for (t, h) in [
            ("UDP", "t1"),
            ("SCTP", "t2"),
            ("TLS", "t3"),
            ("UNKNOWN", "t4"),
            ("TCP", "t5"),
        ] {
            let s = format!("SIP/2.0/{t} {h}.example.com;branch=z9hG4bKkdjuw");
            let v = Via::parse(&Bytes::from(s)).unwrap();
            assert_eq!(v.transport(), t.as_bytes());
        }
    }

    // REQ: SIP-2 (RFC 5118 §4.5 via-received-param-with-delim / -no-delim)
    #[test]
    fn ipv6_received_with_and_without_brackets() {
        let want: IpAddr = "2001:db8::9:255".parse().unwrap();
        for s in [
            "SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3",
            "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111",
        ] {
            let v = Via::parse(&Bytes::from_static(s.as_bytes())).unwrap();
            assert_eq!(v.host(), b"[2001:db8::9:1]");
            assert_eq!(v.received(), Some(want));
        }
        let v = Via::parse(&b(
            "SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129",
        ))
        .unwrap();
        assert_eq!(v.received(), Some("192.0.2.129".parse().unwrap()));
    }

    // REQ: SIP-2 (RFC 3581; RFC 4475 mpart01 Via)
    #[test]
    fn rport_maddr_ttl_port() {
        let v = Via::parse(&b(
            "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport",
        ))
        .unwrap();
        assert_eq!(v.port(), Some(5070));
        assert_eq!(v.rport(), Some(None));
        let v = Via::parse(&b(
            "SIP/2.0/UDP h.example.com : 5060 ;rport=4242;maddr=224.2.0.1;ttl=16;branch=z9hG4bKx",
        ))
        .unwrap();
        assert_eq!(v.port(), Some(5060));
        assert_eq!(v.rport(), Some(Some(4242)));
        assert_eq!(v.maddr(), Some(&b"224.2.0.1"[..]));
        assert_eq!(v.ttl(), Some(16));
        assert_eq!(v.received(), None);
    }

    // REQ: SIP-2 (RFC 4475 badbranch: the bare magic cookie)
    #[test]
    fn bare_magic_cookie_is_not_a_3261_branch() {
        let v = Via::parse(&b("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK")).unwrap();
        assert_eq!(v.branch(), Some(&b"z9hG4bK"[..]));
        assert!(!v.is_rfc3261_branch());
        let v = Via::parse(&b(
            "SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
        ))
        .unwrap();
        assert!(v.is_rfc3261_branch());
    }

    // REQ: SIP-2 (RFC 4475 badinv01: `192.0.2.15;;,;,,`)
    #[test]
    fn errors_are_located() {
        let e = |s: &'static str| Via::parse(&b(s)).unwrap_err();
        assert_eq!(
            e("SIP/2.0/UDP 192.0.2.15;;"),
            ParseError::new(ErrorKind::Token, 23)
        );
        assert_eq!(e(";"), ParseError::new(ErrorKind::Token, 0));
        assert_eq!(
            e("SIP/2.0 UDP h"),
            ParseError::new(ErrorKind::Expected(b'/'), 7)
        );
        assert_eq!(
            e("SIP/2.0/UDPh"),
            ParseError::new(ErrorKind::Expected(b' '), 12)
        );
        assert_eq!(
            e("SIP/2.0/UDP h:99999"),
            ParseError::new(ErrorKind::Port, 14)
        );
        assert_eq!(e("SIP/2.0/UDP h:"), ParseError::new(ErrorKind::Port, 14));
        assert_eq!(
            e("SIP/2.0/UDP [::1"),
            ParseError::new(ErrorKind::Expected(b']'), 16)
        );
        assert_eq!(e("SIP/2.0/UDP [zz]"), ParseError::new(ErrorKind::Host, 12));
        assert_eq!(
            e("SIP/2.0/UDP 1.2.3.456"),
            ParseError::new(ErrorKind::Host, 12)
        );
        assert_eq!(
            e("SIP/2.0/UDP -bad.com"),
            ParseError::new(ErrorKind::Host, 12)
        );
        assert_eq!(
            e("SIP/2.0/UDP h;branch"),
            ParseError::new(ErrorKind::Expected(b'='), 20)
        );
        assert_eq!(
            e("SIP/2.0/UDP h;ttl=256"),
            ParseError::new(ErrorKind::NumberOverflow, 18)
        );
        assert_eq!(
            e("SIP/2.0/UDP h;rport=70000"),
            ParseError::new(ErrorKind::Port, 20)
        );
        assert_eq!(
            e("SIP/2.0/UDP h x"),
            ParseError::new(ErrorKind::TrailingBytes, 14)
        );
    }

    // REQ: SIP-2
    #[test]
    fn builder() {
        let v = Via::new("TCP", "2001:db8::1", Some(5061), "z9hG4bK776asdhds")
            .with_rport()
            .with_received("192.0.2.4".parse().unwrap());
        assert_eq!(
            v.to_string(),
            "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bK776asdhds;rport;received=192.0.2.4"
        );
        assert_eq!(Via::parse(&Bytes::from(v.to_string())).unwrap(), v);
    }

    fn host_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,8}[a-z0-9](\\.[a-z][a-z0-9]{0,5}){0,3}",
            any::<Ipv4Addr>().prop_map(|a| a.to_string()),
            any::<std::net::Ipv6Addr>().prop_map(|a| a.to_string()),
        ]
    }

    proptest! {
        // REQ: SIP-2
        #[test]
        fn round_trip(
            transport in prop_oneof![Just("UDP"), Just("TCP"), Just("TLS"), Just("WS"), Just("SCTP")],
            host in host_strategy(),
            port in proptest::option::of(any::<u16>()),
            branch in "z9hG4bK[A-Za-z0-9.!%*_+`'~-]{1,20}",
            rport in any::<bool>(),
        ) {
            let mut built = Via::new(transport, &host, port, &branch);
            if rport {
                built = built.with_rport();
            }
            let parsed = Via::parse(&Bytes::from(built.to_string())).unwrap();
            prop_assert_eq!(&parsed, &built);
            prop_assert_eq!(parsed.branch().map(|b| b.to_vec()), Some(branch.into_bytes()));
            prop_assert!(parsed.is_rfc3261_branch());
        }
    }
}
