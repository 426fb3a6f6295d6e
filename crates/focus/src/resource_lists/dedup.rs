//! Each invitee once (REQ: FOC-4): an ad-hoc group's list may name a member twice, in two
//! spellings of one URI.
//!
//! SIP and SIPS URIs are compared by RFC 3261 §19.1.4 (the [`Uri`] equality of simpleim-sip:
//! user and password exact after unescaping, host case-insensitive, port as written, the
//! significant parameters, all headers), `tel:` URIs by RFC 3966 §4 (visual separators
//! ignored, parameters as a set), and any other URI, or one that does not parse, byte for
//! byte. That equality is not transitive (`sip:a@h;x=1` equals `sip:a@h`, which equals
//! `sip:a@h;x=2`, yet the first and last differ), so the first spelling met wins and a later
//! URI is dropped when it equals one kept: the result is deterministic for a given order.
//!
//! Candidates are bucketed by what equality cannot ignore (scheme security, user, host, port;
//! a tel number's digits), so the cost is linear in the list for distinct members.

use std::collections::HashMap;

use simpleim_sip::{Host, Uri};

use super::model::{Entry, ResourceLists, Text};

/// The part of a URI that equal URIs share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Bucket {
    Sip {
        secure: bool,
        user: Option<Vec<u8>>,
        host: Vec<u8>,
        port: Option<u16>,
    },
    Tel(Vec<u8>),
    Raw(Vec<u8>),
}

fn bucket(uri: Option<&Uri>, raw: &[u8]) -> Bucket {
    match uri {
        Some(Uri::Sip(u)) => Bucket::Sip {
            secure: u.is_secure(),
            user: u.user_unescaped().map(|c| c.into_owned()),
            host: match u.host() {
                Host::Domain(name) => name.to_ascii_lowercase(),
                Host::Ipv4(a) => a.to_string().into_bytes(),
                Host::Ipv6 { addr: Some(a), .. } => a.to_string().into_bytes(),
                Host::Ipv6 { raw, addr: None } => raw.to_ascii_lowercase(),
            },
            port: u.port(),
        },
        Some(Uri::Tel(t)) => Bucket::Tel(
            t.number()
                .iter()
                .filter(|b| !matches!(b, b'-' | b'.' | b'(' | b')'))
                .map(u8::to_ascii_lowercase)
                .collect(),
        ),
        _ => Bucket::Raw(raw.to_vec()),
    }
}

/// Whether two URIs name the same resource under the rules of this module.
///
/// ```
/// use simpleim_focus::resource_lists::same_uri;
/// assert!(same_uri("sip:%61lice@AtLanTa.CoM;transport=TCP", "sip:alice@atlanta.com;transport=tcp"));
/// assert!(!same_uri("sip:alice@atlanta.com", "sip:Alice@atlanta.com"));
/// assert!(same_uri("tel:+1-201-555-0123", "tel:+12015550123"));
/// ```
#[must_use]
pub fn same_uri(a: &str, b: &str) -> bool {
    let parse = |s: &str| Uri::parse(&bytes::Bytes::copy_from_slice(s.as_bytes())).ok();
    let (ua, ub) = (parse(a), parse(b));
    match (&ua, &ub) {
        (Some(x @ (Uri::Sip(_) | Uri::Tel(_))), Some(y)) => x == y,
        (Some(Uri::Sip(_) | Uri::Tel(_)), None) | (None, Some(Uri::Sip(_) | Uri::Tel(_))) => false,
        _ => a == b,
    }
}

/// `entries` with each URI once, in order: an entry is dropped when its URI equals the URI of
/// an entry kept before it (see the module documentation for the equality). The URIs are
/// parsed from their `Bytes` without copying.
///
/// ```
/// use simpleim_focus::resource_lists::{ResourceLists, unique_uris};
///
/// let doc = ResourceLists::from_uris([
///     "sip:bill@example.com",
///     "sip:joe@example.org",
///     "sip:bill@EXAMPLE.COM",
///     "sip:b%69ll@example.com",
/// ]);
/// let unique: Vec<&str> = unique_uris(doc.entries()).iter().map(|e| e.uri.as_str()).collect();
/// assert_eq!(unique, ["sip:bill@example.com", "sip:joe@example.org"]);
/// ```
pub fn unique_uris<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<&'a Entry> {
    let mut kept: Vec<&'a Entry> = Vec::new();
    let mut buckets: HashMap<Bucket, Vec<(Option<Uri>, usize)>> = HashMap::new();
    for entry in entries {
        let uri = parse(&entry.uri);
        let key = bucket(uri.as_ref(), entry.uri.as_bytes());
        let slot = buckets.entry(key).or_default();
        let seen = slot.iter().any(|(other, i)| match (&uri, other) {
            (Some(a), Some(b)) => a == b,
            _ => kept
                .get(*i)
                .is_some_and(|k| k.uri.as_bytes() == entry.uri.as_bytes()),
        });
        if !seen {
            slot.push((uri, kept.len()));
            kept.push(entry);
        }
    }
    kept
}

/// A SIP, SIPS or tel URI parsed from the entry's bytes (shared, not copied); `None` for
/// another scheme or one that does not parse, which then compares byte for byte.
fn parse(uri: &Text) -> Option<Uri> {
    match Uri::parse(uri.as_bytes()) {
        Ok(u @ (Uri::Sip(_) | Uri::Tel(_))) => Some(u),
        _ => None,
    }
}

impl ResourceLists {
    /// Every entry of the document, nested lists included, with each URI once: see
    /// [`unique_uris`].
    #[must_use]
    pub fn unique_uris(&self) -> Vec<&Entry> {
        unique_uris(self.entries())
    }
}
