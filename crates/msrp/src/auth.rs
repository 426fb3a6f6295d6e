//! HTTP Digest authentication as RFC 4976 §9.1 profiles RFC 2617 for MSRP AUTH (REQ: MSRP-6):
//! the `WWW-Authenticate` challenge, the `Authorization` credentials, the
//! `Authentication-Info` answer, and the digests. Only `qop=auth` (never `auth-int`), only
//! MD5 and SHA-256 (never the `-sess` variants, never Basic); the digest-uri is the right-most
//! URI of the AUTH request's To-Path; `cnonce` and `nc` are always sent.
//!
//! ```
//! use simpleim_msrp::{DigestAlgorithm, DigestChallenge, DigestCredentials};
//!
//! let challenge = DigestChallenge::parse(
//!     br#"Digest realm="intra.example.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093""#,
//! )?;
//! let uri = "msrps://alice@intra.example.com;tcp";
//! let creds = DigestCredentials::answer(&challenge, "Alice", "secret", uri, 1, "0a4f113b");
//! assert_eq!(creds.algorithm, DigestAlgorithm::Md5);
//! assert!(creds.verify("secret"));
//! assert!(!creds.verify("guess"));
//! # Ok::<(), simpleim_msrp::AuthError>(())
//! ```

use core::fmt::Write as _;

use md5::{Digest as _, Md5};
use sha2::Sha256;

/// What went wrong reading a Digest header (the peer's fault: answer 400, or treat a bad
/// challenge as a failed AUTH).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The value does not start with the `Digest` scheme (Basic is refused, RFC 4976 §9.1).
    #[error("not a Digest header")]
    NotDigest,
    /// A `name=value` parameter is malformed (unterminated quote, missing `=`, bad
    /// separator, non-UTF-8 text).
    #[error("malformed Digest parameter at byte {0}")]
    Malformed(usize),
    /// A parameter the profile requires is missing (named).
    #[error("Digest parameter {0} missing")]
    Missing(&'static str),
    /// The algorithm is neither MD5 nor SHA-256 (the `-sess` variants are refused).
    #[error("unsupported Digest algorithm")]
    UnsupportedAlgorithm,
    /// The qop is not `auth` (RFC 4976 §9.1: `auth-int` makes no sense for MSRP).
    #[error("unsupported Digest qop")]
    UnsupportedQop,
    /// The `nc` value is not eight hexadecimal digits.
    #[error("bad nonce count")]
    BadNonceCount,
}

/// A Digest hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// `MD5`, the RFC 2617 default (the only one RFC 4976 names).
    #[default]
    Md5,
    /// `SHA-256` (RFC 7616).
    Sha256,
}

impl DigestAlgorithm {
    /// The token written in the `algorithm` parameter.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha256 => "SHA-256",
        }
    }

    fn parse(token: &str) -> Result<Self, AuthError> {
        if token.eq_ignore_ascii_case("MD5") {
            Ok(Self::Md5)
        } else if token.eq_ignore_ascii_case("SHA-256") {
            Ok(Self::Sha256)
        } else {
            Err(AuthError::UnsupportedAlgorithm)
        }
    }

    /// The lower-case hexadecimal digest of the parts joined by `:`.
    #[must_use]
    pub fn hex(self, parts: &[&str]) -> String {
        fn feed<D: md5::Digest>(mut d: D, parts: &[&str]) -> String {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    d.update(b":");
                }
                d.update(p.as_bytes());
            }
            let mut s = String::with_capacity(64);
            for b in d.finalize().iter() {
                let _ = write!(s, "{b:02x}");
            }
            s
        }
        match self {
            Self::Md5 => feed(Md5::new(), parts),
            Self::Sha256 => feed(Sha256::new(), parts),
        }
    }
}

/// `name=value` parameters of a Digest header, values unquoted.
fn params(value: &[u8]) -> Result<Vec<(String, String)>, AuthError> {
    let text = core::str::from_utf8(value).map_err(|e| AuthError::Malformed(e.valid_up_to()))?;
    let rest = text.trim_start();
    let scheme_len = rest.find([' ', '\t']).unwrap_or(rest.len());
    if !rest
        .get(..scheme_len)
        .is_some_and(|s| s.eq_ignore_ascii_case("Digest"))
    {
        return Err(AuthError::NotDigest);
    }
    let base = text.len() - rest.len() + scheme_len;
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = base;
    let skip_ws = |i: &mut usize| {
        while bytes
            .get(*i)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= bytes.len() {
            break;
        }
        let name_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            i += 1;
        }
        let name = text.get(name_start..i).unwrap_or_default();
        skip_ws(&mut i);
        if name.is_empty() || bytes.get(i) != Some(&b'=') {
            return Err(AuthError::Malformed(i));
        }
        i += 1;
        skip_ws(&mut i);
        let value = if bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut v = String::new();
            loop {
                match bytes.get(i) {
                    None => return Err(AuthError::Malformed(i)),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let c = bytes.get(i + 1).ok_or(AuthError::Malformed(i))?;
                        v.push(char::from(*c));
                        i += 2;
                    }
                    Some(_) => {
                        let ch = text.get(i..).and_then(|t| t.chars().next());
                        let ch = ch.ok_or(AuthError::Malformed(i))?;
                        v.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            v
        } else {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b' ' | b'\t' | b'\r' | b'\n'))
            {
                i += 1;
            }
            text.get(start..i).unwrap_or_default().to_owned()
        };
        out.push((name.to_ascii_lowercase(), value));
        skip_ws(&mut i);
        match bytes.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(_) => return Err(AuthError::Malformed(i)),
        }
    }
    Ok(out)
}

fn find<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn need<'a>(params: &'a [(String, String)], name: &'static str) -> Result<&'a str, AuthError> {
    find(params, name).ok_or(AuthError::Missing(name))
}

/// Writes `, name="value"` (escaping `"` and `\`).
fn put_quoted(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, ", {name}=\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Whether a qop-options list (`auth`, `auth,auth-int`, ...) offers `auth`.
fn offers_auth(qop: &str) -> bool {
    qop.split(',')
        .any(|q| q.trim().eq_ignore_ascii_case("auth"))
}

/// A `WWW-Authenticate: Digest ...` challenge (RFC 4976 §5.1, §9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DigestChallenge {
    /// The protection space (the relay's host name by default).
    pub realm: String,
    /// The server nonce.
    pub nonce: String,
    /// Opaque data to return unchanged.
    pub opaque: Option<String>,
    /// `stale=true`: the credentials were right, the nonce too old; retry without asking the
    /// user again.
    pub stale: bool,
    /// The hash algorithm.
    pub algorithm: DigestAlgorithm,
}

impl DigestChallenge {
    /// A challenge with `qop="auth"`.
    #[must_use]
    pub fn new(realm: &str, nonce: &str, algorithm: DigestAlgorithm) -> Self {
        Self {
            realm: realm.to_owned(),
            nonce: nonce.to_owned(),
            opaque: None,
            stale: false,
            algorithm,
        }
    }

    /// Parses a `WWW-Authenticate` value.
    ///
    /// # Errors
    /// [`AuthError`]: not Digest, malformed, no realm or nonce, a qop without `auth`, an
    /// algorithm other than MD5 or SHA-256.
    pub fn parse(value: &[u8]) -> Result<Self, AuthError> {
        let p = params(value)?;
        // RFC 4976 §9.1: challenges MUST carry a qop, and only `auth` makes sense.
        if !offers_auth(need(&p, "qop")?) {
            return Err(AuthError::UnsupportedQop);
        }
        Ok(Self {
            realm: need(&p, "realm")?.to_owned(),
            nonce: need(&p, "nonce")?.to_owned(),
            opaque: find(&p, "opaque").map(str::to_owned),
            stale: find(&p, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            algorithm: find(&p, "algorithm")
                .map_or(Ok(DigestAlgorithm::Md5), DigestAlgorithm::parse)?,
        })
    }

    /// The header value.
    #[must_use]
    pub fn to_value(&self) -> String {
        let mut s = String::new();
        put_quoted(&mut s, "realm", &self.realm);
        s.push_str(", qop=\"auth\"");
        put_quoted(&mut s, "nonce", &self.nonce);
        if let Some(o) = &self.opaque {
            put_quoted(&mut s, "opaque", o);
        }
        if self.stale {
            s.push_str(", stale=true");
        }
        if self.algorithm != DigestAlgorithm::Md5 {
            let _ = write!(s, ", algorithm={}", self.algorithm.as_str());
        }
        format!("Digest {}", s.trim_start_matches(", "))
    }
}

/// An `Authorization: Digest ...` header: the client's credentials for one AUTH request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DigestCredentials {
    /// The user name.
    pub username: String,
    /// The realm of the challenge answered.
    pub realm: String,
    /// The nonce of the challenge answered (or a `nextnonce`).
    pub nonce: String,
    /// The digest-uri: the right-most URI of the AUTH's To-Path (RFC 4976 §9.1). `None` when
    /// the header left it out (the RFC 4976 examples do); the verifier then uses the To-Path.
    pub uri: Option<String>,
    /// The request-digest, lower-case hexadecimal.
    pub response: String,
    /// The hash algorithm.
    pub algorithm: DigestAlgorithm,
    /// The client nonce.
    pub cnonce: String,
    /// The nonce count (how many requests used this nonce).
    pub nc: u32,
    /// The challenge's opaque value, returned.
    pub opaque: Option<String>,
}

impl DigestCredentials {
    /// The credentials answering `challenge` for an AUTH whose To-Path ends with `uri`, the
    /// `nc`-th use of its nonce, with client nonce `cnonce`.
    #[must_use]
    pub fn answer(
        challenge: &DigestChallenge,
        username: &str,
        password: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> Self {
        let mut c = Self {
            username: username.to_owned(),
            realm: challenge.realm.clone(),
            nonce: challenge.nonce.clone(),
            uri: Some(uri.to_owned()),
            response: String::new(),
            algorithm: challenge.algorithm,
            cnonce: cnonce.to_owned(),
            nc,
            opaque: challenge.opaque.clone(),
        };
        c.response = c.expected(password, uri);
        c
    }

    /// The request-digest these parameters call for with `password` and digest-uri `uri`
    /// (RFC 2617 §3.2.2.1, qop=auth, method AUTH).
    #[must_use]
    pub fn expected(&self, password: &str, uri: &str) -> String {
        self.digest(password, "AUTH", uri)
    }

    /// KD(H(A1), nonce:nc:cnonce:auth:H(method:uri)) (RFC 2617 §3.2.2.1, qop=auth).
    fn digest(&self, password: &str, method: &str, uri: &str) -> String {
        let alg = self.algorithm;
        let ha1 = alg.hex(&[&self.username, &self.realm, password]);
        let ha2 = alg.hex(&[method, uri]);
        let nc = format!("{:08x}", self.nc);
        alg.hex(&[&ha1, &self.nonce, &nc, &self.cnonce, "auth", &ha2])
    }

    /// Whether the response is right for `password` (against the `uri` parameter; a header
    /// without one cannot be verified here: see [`DigestCredentials::verify_uri`]).
    #[must_use]
    pub fn verify(&self, password: &str) -> bool {
        self.uri
            .as_deref()
            .is_some_and(|u| self.verify_uri(password, u))
    }

    /// Whether the response is right for `password` and digest-uri `uri`.
    #[must_use]
    pub fn verify_uri(&self, password: &str, uri: &str) -> bool {
        let want = self.expected(password, uri);
        // Constant-time over the length of the expected digest.
        let got = self.response.as_bytes();
        let diff = want
            .bytes()
            .enumerate()
            .fold(u8::from(got.len() != want.len()), |acc, (i, b)| {
                acc | (b ^ got.get(i).copied().unwrap_or(0))
            });
        diff == 0
    }

    /// The `rspauth` a server sends back in `Authentication-Info` (RFC 2617 §3.2.3: A2 has an
    /// empty method).
    #[must_use]
    pub fn rspauth(&self, password: &str, uri: &str) -> String {
        self.digest(password, "", uri)
    }

    /// Parses an `Authorization` value.
    ///
    /// # Errors
    /// [`AuthError`]: not Digest, malformed, a required parameter missing (username, realm,
    /// nonce, response, cnonce, nc, qop), qop other than `auth`, a bad `nc`, an unsupported
    /// algorithm.
    pub fn parse(value: &[u8]) -> Result<Self, AuthError> {
        let p = params(value)?;
        if !need(&p, "qop")?.eq_ignore_ascii_case("auth") {
            return Err(AuthError::UnsupportedQop);
        }
        let nc = need(&p, "nc")?;
        if nc.len() != 8 {
            return Err(AuthError::BadNonceCount);
        }
        let nc = u32::from_str_radix(nc, 16).map_err(|_| AuthError::BadNonceCount)?;
        Ok(Self {
            username: need(&p, "username")?.to_owned(),
            realm: need(&p, "realm")?.to_owned(),
            nonce: need(&p, "nonce")?.to_owned(),
            uri: find(&p, "uri").map(str::to_owned),
            response: need(&p, "response")?.to_ascii_lowercase(),
            algorithm: find(&p, "algorithm")
                .map_or(Ok(DigestAlgorithm::Md5), DigestAlgorithm::parse)?,
            cnonce: need(&p, "cnonce")?.to_owned(),
            nc,
            opaque: find(&p, "opaque").map(str::to_owned),
        })
    }

    /// The header value (RFC 4976 §9.1: the uri in quotes, parameters separated by commas).
    #[must_use]
    pub fn to_value(&self) -> String {
        let mut s = String::new();
        put_quoted(&mut s, "username", &self.username);
        put_quoted(&mut s, "realm", &self.realm);
        put_quoted(&mut s, "nonce", &self.nonce);
        if let Some(u) = &self.uri {
            put_quoted(&mut s, "uri", u);
        }
        put_quoted(&mut s, "response", &self.response);
        if self.algorithm != DigestAlgorithm::Md5 {
            let _ = write!(s, ", algorithm={}", self.algorithm.as_str());
        }
        let _ = write!(s, ", qop=auth, nc={:08x}", self.nc);
        put_quoted(&mut s, "cnonce", &self.cnonce);
        if let Some(o) = &self.opaque {
            put_quoted(&mut s, "opaque", o);
        }
        format!("Digest {}", s.trim_start_matches(", "))
    }
}

/// An `Authentication-Info` header (RFC 2617 §3.2.3), which RFC 4976 §9.1 makes mandatory in
/// the 200 to an AUTH.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthenticationInfo {
    /// A nonce for the next AUTH (a refresh), saving a 401 round trip.
    pub nextnonce: Option<String>,
    /// The server's proof that it knows the password too.
    pub rspauth: Option<String>,
    /// The client nonce echoed.
    pub cnonce: Option<String>,
    /// The nonce count echoed.
    pub nc: Option<u32>,
}

impl AuthenticationInfo {
    /// Parses an `Authentication-Info` value (no scheme word).
    ///
    /// # Errors
    /// [`AuthError::Malformed`] or [`AuthError::BadNonceCount`].
    pub fn parse(value: &[u8]) -> Result<Self, AuthError> {
        let mut v = b"Digest ".to_vec();
        v.extend_from_slice(value);
        let p = params(&v)?;
        let nc = match find(&p, "nc") {
            Some(n) => Some(u32::from_str_radix(n, 16).map_err(|_| AuthError::BadNonceCount)?),
            None => None,
        };
        Ok(Self {
            nextnonce: find(&p, "nextnonce").map(str::to_owned),
            rspauth: find(&p, "rspauth").map(str::to_owned),
            cnonce: find(&p, "cnonce").map(str::to_owned),
            nc,
        })
    }

    /// The header value.
    #[must_use]
    pub fn to_value(&self) -> String {
        let mut s = String::new();
        if let Some(n) = &self.nextnonce {
            put_quoted(&mut s, "nextnonce", n);
        }
        if let Some(r) = &self.rspauth {
            put_quoted(&mut s, "rspauth", r);
        }
        if let Some(c) = &self.cnonce {
            put_quoted(&mut s, "cnonce", c);
        }
        if let Some(n) = self.nc {
            let _ = write!(s, ", nc={n:08x}");
        }
        s.push_str(", qop=auth");
        s.trim_start_matches(", ").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_rfc1321_vectors() {
        // REQ: MSRP-6 (RFC 1321 appendix A.5)
        let md5 = |s: &str| DigestAlgorithm::Md5.hex(&[s]);
        assert_eq!(md5(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
        assert_eq!(
            DigestAlgorithm::Sha256.hex(&["abc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rfc2617_example_digest() {
        // REQ: MSRP-6: the RFC 2617 §3.5 example, with method GET swapped for the check.
        let c = DigestCredentials {
            username: "Mufasa".into(),
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            uri: Some("/dir/index.html".into()),
            response: String::new(),
            algorithm: DigestAlgorithm::Md5,
            cnonce: "0a4f113b".into(),
            nc: 1,
            opaque: None,
        };
        let alg = DigestAlgorithm::Md5;
        let ha1 = alg.hex(&["Mufasa", "testrealm@host.com", "Circle Of Life"]);
        let ha2 = alg.hex(&["GET", "/dir/index.html"]);
        let r = alg.hex(&[&ha1, &c.nonce, "00000001", "0a4f113b", "auth", &ha2]);
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn challenge_round_trip() {
        // REQ: MSRP-6 (RFC 4976 §5.1 example)
        let c = DigestChallenge::parse(
            br#"Digest realm="intra.example.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093""#,
        )
        .unwrap();
        assert_eq!(c.realm, "intra.example.com");
        assert_eq!(c.algorithm, DigestAlgorithm::Md5);
        assert_eq!(DigestChallenge::parse(c.to_value().as_bytes()).unwrap(), c);
        let mut s = c.clone();
        s.stale = true;
        s.opaque = Some("o\"q".into());
        s.algorithm = DigestAlgorithm::Sha256;
        assert_eq!(DigestChallenge::parse(s.to_value().as_bytes()).unwrap(), s);
        assert_eq!(
            DigestChallenge::parse(b"Basic realm=\"x\""),
            Err(AuthError::NotDigest)
        );
        assert_eq!(
            DigestChallenge::parse(b"Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\""),
            Err(AuthError::UnsupportedQop)
        );
        assert_eq!(
            DigestChallenge::parse(b"Digest realm=\"x\", nonce=\"n\""),
            Err(AuthError::Missing("qop"))
        );
        assert!(matches!(
            DigestChallenge::parse(b"Digest realm=\"x"),
            Err(AuthError::Malformed(_))
        ));
        assert!(
            DigestChallenge::parse(
                b"Digest realm=\"x\", nonce=\"n\", qop=\"auth\", algorithm=MD5-sess"
            )
            .is_err()
        );
    }

    #[test]
    fn credentials_round_trip_and_verify() {
        // REQ: MSRP-6 (RFC 4976 §9.1)
        let ch = DigestChallenge::new("relay.example.com", "abc123", DigestAlgorithm::Sha256);
        let uri = "msrp://relay.example.com:2855;tcp";
        let c = DigestCredentials::answer(&ch, "alice", "pw", uri, 1, "c1");
        let parsed = DigestCredentials::parse(c.to_value().as_bytes()).unwrap();
        assert_eq!(parsed, c);
        assert!(parsed.verify("pw"));
        assert!(!parsed.verify("px"));
        assert!(!parsed.verify_uri("pw", "msrp://other.example.com:2855;tcp"));
        assert_ne!(c.rspauth("pw", uri), c.response);
        // The RFC 4976 example header (no uri parameter, nc unquoted).
        let ex = DigestCredentials::parse(
            br#"Digest username="Alice", realm="intra.example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", qop="auth", nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1""#,
        )
        .unwrap();
        assert_eq!(ex.nc, 1);
        assert_eq!(ex.uri, None);
        assert!(!ex.verify("anything"));
        assert_eq!(
            DigestCredentials::parse(b"Digest username=\"a\", qop=auth, nc=1"),
            Err(AuthError::BadNonceCount)
        );
    }

    #[test]
    fn authentication_info_round_trip() {
        // REQ: MSRP-6 (RFC 4976 §5.1 example)
        let i = AuthenticationInfo::parse(
            br#"nextnonce="40f2e879449675f288476d772627370a", rspauth="7327570c586207eca2afae94fc20903d", cnonce="0a4f113b", nc=00000001, qop="auth""#,
        )
        .unwrap();
        assert_eq!(
            i.nextnonce.as_deref(),
            Some("40f2e879449675f288476d772627370a")
        );
        assert_eq!(i.nc, Some(1));
        assert_eq!(
            AuthenticationInfo::parse(i.to_value().as_bytes()).unwrap(),
            i
        );
    }
}
