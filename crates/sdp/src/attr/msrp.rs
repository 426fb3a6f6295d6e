//! `a=max-size`, `a=path` (RFC 4975 §8.2, §8.6) and `a=msrp-cema` (RFC 6714).

use core::fmt;

use bytes::Bytes;
use smallvec::SmallVec;

use super::scan::{check_line_safe, err, join_sp, parse_u64, split_items, write_bytes};
use crate::Result;

/// `a=max-size:<octets>` (RFC 4975 §8.6): the largest complete message, in octets, the sender
/// of the description wishes to receive. A hint: senders SHOULD NOT exceed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MaxSize {
    value: u64,
    raw: Bytes,
}

impl MaxSize {
    /// The attribute name.
    pub const NAME: &'static str = "max-size";

    /// A limit of `octets`.
    #[must_use]
    pub fn new(octets: u64) -> Self {
        Self {
            value: octets,
            raw: Bytes::from(octets.to_string()),
        }
    }

    /// Parses `1*DIGIT` (leading zeros are kept for writing back).
    pub fn parse(value: &Bytes) -> Result<Self> {
        Ok(Self {
            value: parse_u64(value, 0)?,
            raw: value.clone(),
        })
    }

    /// The limit in octets.
    #[must_use]
    pub const fn get(&self) -> u64 {
        self.value
    }
}

impl fmt::Display for MaxSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.raw)
    }
}

super::typed_attribute!(MaxSize);

/// `a=path:<MSRP-URI> *(SP <MSRP-URI>)` (RFC 4975 §8.2): the URIs through which the sender
/// of the description is reached. The leftmost is the adjacent hop, the rightmost the
/// endpoint itself (the target of requests).
///
/// The URIs are kept as text (`Bytes` slices); only their `msrp://` or `msrps://` scheme is
/// checked here, the msrp crate parses them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    raw: Bytes,
    uris: SmallVec<[Bytes; 2]>,
}

impl Path {
    /// The attribute name.
    pub const NAME: &'static str = "path";

    /// Parses an SP-separated list of one or more `msrp:`/`msrps:` URIs.
    pub fn parse(value: &Bytes) -> Result<Self> {
        check_line_safe(value)?;
        let spans = split_items(value, false)?;
        if spans.is_empty() {
            return Err(err(value.len()));
        }
        let mut uris = SmallVec::new();
        for span in spans {
            let uri = value.slice(span.clone());
            if !has_msrp_scheme(&uri) {
                return Err(err(span.start));
            }
            uris.push(uri);
        }
        Ok(Self {
            raw: value.clone(),
            uris,
        })
    }

    /// The value listing `uris` in order, separated by SP. Errors are located in that text.
    pub fn from_uris<I>(uris: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        Self::parse(&join_sp(uris, true)?)
    }

    /// The URIs, leftmost (adjacent hop) first.
    pub fn uris(&self) -> impl ExactSizeIterator<Item = &Bytes> + DoubleEndedIterator {
        self.uris.iter()
    }

    /// The rightmost URI: the peer endpoint, target of requests (RFC 4975 §8.2).
    #[must_use]
    pub fn target(&self) -> Option<&Bytes> {
        self.uris.last()
    }

    /// The leftmost URI: the adjacent hop to connect to (RFC 4975 §8.2).
    #[must_use]
    pub fn next_hop(&self) -> Option<&Bytes> {
        self.uris.first()
    }
}

/// `msrp://` or `msrps://`, case-insensitive, followed by something.
fn has_msrp_scheme(uri: &[u8]) -> bool {
    [&b"msrp://"[..], b"msrps://"].iter().any(|s| {
        uri.len() > s.len()
            && uri
                .get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
    })
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bytes(f, &self.raw)
    }
}

super::typed_attribute!(Path);

/// `a=msrp-cema` (RFC 6714): the endpoint supports the Connection Establishment for Media
/// Anchoring extension (MSRP through SBCs, with `a=path` for the adjacent hop only). A flag:
/// it has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MsrpCema;

impl MsrpCema {
    /// The attribute name.
    pub const NAME: &'static str = "msrp-cema";

    /// Accepts only the empty value (`a=msrp-cema`).
    pub fn parse(value: &Bytes) -> Result<Self> {
        if value.is_empty() {
            Ok(Self)
        } else {
            Err(err(0))
        }
    }

    /// Always true: written `a=msrp-cema`.
    #[must_use]
    pub const fn is_flag(&self) -> bool {
        true
    }
}

impl fmt::Display for MsrpCema {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

super::typed_attribute!(MsrpCema, |_s| true);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    // REQ: SDP-2
    #[test]
    fn max_size() {
        let m = MaxSize::parse(&Bytes::from_static(b"131072")).unwrap();
        assert_eq!(m.get(), 131_072);
        assert_eq!(m.to_string(), "131072");
        assert_eq!(
            MaxSize::parse(&Bytes::from_static(b"007"))
                .unwrap()
                .to_string(),
            "007"
        );
        assert_eq!(MaxSize::new(2048).to_string(), "2048");
        let again = MaxSize::parse(&Bytes::from(MaxSize::new(u64::MAX).to_string())).unwrap();
        assert_eq!(again.get(), u64::MAX);
        let e = MaxSize::parse(&Bytes::from_static(b"12k")).unwrap_err();
        assert_eq!((e.kind, e.offset), (ErrorKind::Attribute, 2));
        let e = MaxSize::parse(&Bytes::from_static(b"18446744073709551616")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Number);
        assert!(MaxSize::parse(&Bytes::new()).is_err());
    }

    // REQ: SDP-2
    #[test]
    fn path_rfc4975_examples() {
        let p = Path::parse(&Bytes::from_static(
            b"msrp://alice.example.com:7394/2s93i93idj;tcp",
        ))
        .unwrap();
        assert_eq!(p.uris().len(), 1);
        assert_eq!(p.target(), p.next_hop());
        // RFC 4976 style: relay first, endpoint last.
        let v =
            "msrps://relay.example.com:2855/hjdhfsu8;tcp msrps://bob.example.com:8888/9di4ea;tcp";
        let p = Path::parse(&Bytes::from_static(v.as_bytes())).unwrap();
        assert_eq!(
            p.next_hop().unwrap().as_ref(),
            b"msrps://relay.example.com:2855/hjdhfsu8;tcp"
        );
        assert_eq!(
            p.target().unwrap().as_ref(),
            b"msrps://bob.example.com:8888/9di4ea;tcp"
        );
        assert_eq!(p.to_string(), v);
        let built = Path::from_uris(p.uris()).unwrap();
        assert_eq!(built, p);
    }

    #[test]
    fn path_errors() {
        let e = Path::parse(&Bytes::from_static(b"msrp://a:1/x;tcp sip:bob@b")).unwrap_err();
        assert_eq!((e.kind, e.offset, e.line), (ErrorKind::Attribute, 17, 0));
        assert_eq!(Path::parse(&Bytes::from_static(b"")).unwrap_err().offset, 0);
        assert!(Path::parse(&Bytes::from_static(b"msrp://")).is_err());
        assert!(Path::from_uris(["msrp://a:1/x;tcp\r\na=evil"]).is_err());
        assert!(Path::from_uris(Vec::<&str>::new()).is_err());
        assert_eq!(
            Path::from_uris(["msrp://a:1/x;tcp", ""])
                .unwrap_err()
                .offset,
            17
        );
        assert_eq!(
            Path::from_uris(["msrp://a:1/x;tcp msrp://b:2/y;tcp"])
                .unwrap_err()
                .offset,
            0
        );
    }

    // REQ: SDP-2
    #[test]
    fn cema_is_a_flag() {
        let c = MsrpCema::parse(&Bytes::new()).unwrap();
        assert!(c.is_flag());
        assert_eq!(c.to_string(), "");
        assert_eq!(
            MsrpCema::parse(&Bytes::from_static(b"x"))
                .unwrap_err()
                .offset,
            0
        );
    }
}
