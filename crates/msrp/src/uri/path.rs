//! The value of To-Path, From-Path and Use-Path: one or more MSRP URIs (RFC 4975 §8.2-8.3,
//! §9; draft-ietf-simple-msrp-relays for Use-Path).

use core::fmt;

use bytes::Bytes;
use smallvec::SmallVec;

use super::error::{UriError, UriErrorKind};
use super::{MAX_URI_LEN, MsrpUri};

/// The most URIs [`Path::parse`] accepts in one path. RFC 4975 sets no limit; a path holds
/// one URI per relay plus the endpoint, and a chain of more than a few relays is unheard of.
pub const MAX_PATH_URIS: usize = 64;

/// Bounds on the work [`Path::parse_with`] does. The defaults are [`MAX_URI_LEN`] and
/// [`MAX_PATH_URIS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathLimits {
    /// The longest URI accepted, in bytes ([`UriErrorKind::TooLong`] beyond).
    pub max_uri_len: usize,
    /// The most URIs accepted in one path ([`UriErrorKind::TooManyUris`] beyond).
    pub max_uris: usize,
}

impl Default for PathLimits {
    fn default() -> Self {
        Self {
            max_uri_len: MAX_URI_LEN,
            max_uris: MAX_PATH_URIS,
        }
    }
}

/// A To-Path, From-Path or Use-Path value: `MSRP-URI *( SP MSRP-URI )`.
///
/// The first URI is the next hop, the last the far endpoint (RFC 4975 §8.2: "the target URI
/// is the rightmost, while the leftmost entry represents the adjacent hop"); a request's
/// To-Path names the receiver's session in its first URI when it arrives (§7.3).
///
/// The URIs are slices of the path's own buffer, which is kept whole so that `Display`
/// re-emits the exact bytes. A path is never empty, so [`first`](Self::first) and
/// [`last`](Self::last) need no `Option`.
///
/// # Separators
/// The RFC 4975 §9 grammar separates the URIs with one SP, and that is what
/// [`from_uris`](Self::from_uris) writes. Parsing accepts any run of SP and HTAB between
/// them, since nothing else can be meant by it; white space before the first or after the
/// last URI is an error ([`UriErrorKind::Empty`]), as the header's own `SP` and line end
/// are not part of the value.
///
/// # Equality
/// `PartialEq`, `Eq` and `Hash` compare the text byte for byte. Compare URIs with
/// [`MsrpUri::matches`] for RFC 4975 §6.1 equivalence.
#[derive(Clone)]
pub struct Path {
    raw: Bytes,
    /// The first URI, apart so that a path is never empty by construction.
    first: MsrpUri,
    /// The others, in order; inline for the common two-hop path.
    rest: SmallVec<[MsrpUri; 1]>,
}

impl Path {
    /// Parses `raw` as a path with the default [`PathLimits`], keeping `raw` (no copy).
    /// Error offsets count from the first byte of `raw`.
    pub fn parse(raw: Bytes) -> Result<Self, UriError> {
        Self::parse_with(raw, &PathLimits::default())
    }

    /// Parses `raw` as a path within `limits`.
    pub fn parse_with(raw: Bytes, limits: &PathLimits) -> Result<Self, UriError> {
        let mut uris: SmallVec<[MsrpUri; 2]> = SmallVec::new();
        let mut pos = 0;
        loop {
            if uris.len() >= limits.max_uris {
                return Err(UriError::new(UriErrorKind::TooManyUris, pos));
            }
            let rest = raw.get(pos..).unwrap_or_default();
            // Look no further than one byte past the limit for the end of this URI.
            let window = rest
                .get(..limits.max_uri_len.saturating_add(1))
                .unwrap_or(rest);
            let len = window
                .iter()
                .position(|&b| is_wsp(b))
                .unwrap_or(window.len());
            let text = window.get(..len).unwrap_or_default();
            if text.is_empty() {
                return Err(UriError::new(UriErrorKind::Empty, pos));
            }
            let uri = MsrpUri::parse_limited(raw.slice_ref(text), limits.max_uri_len)
                .map_err(|e| e.shifted(pos))?;
            uris.push(uri);
            pos += len;
            let gap = raw
                .get(pos..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| is_wsp(b))
                .count();
            if pos == raw.len() {
                break;
            }
            pos += gap;
        }
        let mut uris = uris.into_iter();
        let first = uris.next().ok_or(UriError::new(UriErrorKind::Empty, 0))?;
        Ok(Self {
            raw,
            first,
            rest: uris.collect(),
        })
    }

    /// Parses `s` as a path with the default limits, copying it into a new buffer.
    pub fn parse_str(s: &str) -> Result<Self, UriError> {
        Self::parse(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// The path of `uris` in order, separated by single spaces. Fails with
    /// [`UriErrorKind::Empty`] if there are none, and beyond the default [`PathLimits`].
    pub fn from_uris<I: IntoIterator<Item = MsrpUri>>(uris: I) -> Result<Self, UriError> {
        let mut text = Vec::new();
        for (i, uri) in uris.into_iter().enumerate() {
            if i == MAX_PATH_URIS {
                return Err(UriError::new(UriErrorKind::TooManyUris, text.len()));
            }
            if i > 0 {
                text.push(b' ');
            }
            text.extend_from_slice(uri.as_bytes());
        }
        // One buffer for all, parsed again so that the URIs are slices of it.
        Self::parse(Bytes::from(text))
    }

    /// The first URI: the adjacent hop (the next relay, or the endpoint itself).
    #[must_use]
    pub fn first(&self) -> &MsrpUri {
        &self.first
    }

    /// The last URI: the far endpoint, whose session the path leads to.
    #[must_use]
    pub fn last(&self) -> &MsrpUri {
        self.rest.last().unwrap_or(&self.first)
    }

    /// The URIs, first to last.
    #[must_use]
    pub fn iter(&self) -> PathIter<'_> {
        PathIter {
            inner: core::iter::once(&self.first).chain(self.rest.iter()),
        }
    }

    /// How many URIs the path holds (at least one).
    #[must_use]
    #[allow(clippy::len_without_is_empty)] // a path is never empty
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }
}

/// `SP / HTAB`.
fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// A path of one URI.
impl From<MsrpUri> for Path {
    fn from(uri: MsrpUri) -> Self {
        Self {
            raw: uri.raw().clone(),
            first: uri,
            rest: SmallVec::new(),
        }
    }
}

super::exact_text_identity!(Path, "path");

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl core::str::FromStr for Path {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, UriError> {
        Self::parse_str(s)
    }
}

impl<'a> IntoIterator for &'a Path {
    type Item = &'a MsrpUri;
    type IntoIter = PathIter<'a>;

    fn into_iter(self) -> PathIter<'a> {
        self.iter()
    }
}

/// The URIs of a [`Path`], first to last; from [`Path::iter`].
#[derive(Debug, Clone)]
pub struct PathIter<'a> {
    inner: core::iter::Chain<core::iter::Once<&'a MsrpUri>, core::slice::Iter<'a, MsrpUri>>,
}

impl<'a> Iterator for PathIter<'a> {
    type Item = &'a MsrpUri;

    fn next(&mut self) -> Option<&'a MsrpUri> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for PathIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
    }
}

/// The chain's size hint is exact: both halves know their lengths.
impl ExactSizeIterator for PathIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &'static str) -> Path {
        Path::parse(Bytes::from_static(s.as_bytes())).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> (UriErrorKind, usize) {
        let e = Path::parse_str(s).expect_err(s);
        (e.kind, e.offset)
    }

    // REQ: MSRP-3 — the relay draft's To-Path values (backslash folding undone).
    #[test]
    fn relay_paths() {
        let p = path(
            "msrps://a.example.org:9000/kjfjan;tcp msrps://b.example.net:9000/aeiug;tcp \
             msrps://bob.example.net:8145/foo;tcp",
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p.first().as_str(), "msrps://a.example.org:9000/kjfjan;tcp");
        assert_eq!(p.last().session_id(), Some("foo"));
        let ids: Vec<_> = p.iter().filter_map(MsrpUri::session_id).collect();
        assert_eq!(ids, ["kjfjan", "aeiug", "foo"]);
        assert_eq!(p.iter().len(), 3);
        assert_eq!(p.iter().next_back().map(MsrpUri::port), Some(Some(8145)));
        assert_eq!((&p).into_iter().count(), 3);

        let p = path("msrps://intra.example.com:9000/jui787s2f;tcp msrps://extra.example.com;tcp");
        assert_eq!(p.last().session_id(), None);
        assert_eq!(p.last().port(), None);
        let p = path("msrps://alice@intra.example.com;tcp");
        assert_eq!(p.len(), 1);
        assert_eq!(p.first().userinfo(), Some("alice"));
        assert!(core::ptr::eq(p.first(), p.last()));
        let p = path("msrps://R1;tcp msrps://R2;tcp");
        assert_eq!(p.len(), 2);
    }

    // REQ: MSRP-3 — the URIs are slices of the path's buffer, and Display is exact.
    #[test]
    fn zero_copy_and_exact() {
        let text = "msrp://a.example.com:1/x;tcp \t msrp://b.example.com:2/y;tcp";
        let raw = Bytes::from(text);
        let p = Path::parse(raw.clone()).unwrap();
        assert_eq!(p.to_string(), text);
        assert_eq!(p.as_bytes().as_ptr(), raw.as_ptr());
        assert_eq!(p.last().as_bytes().as_ptr(), raw[31..].as_ptr());
        assert_eq!(p.as_str(), text);
        assert_eq!(
            format!("{p:?}"),
            format!("[{:?}, {:?}]", p.first(), p.last())
        );
        assert_eq!(text.parse::<Path>().unwrap(), p);
    }

    // REQ: MSRP-3 — malformed paths fail at the right byte.
    #[test]
    fn errors_are_located() {
        use UriErrorKind as K;
        assert_eq!(err(""), (K::Empty, 0));
        assert_eq!(err(" msrp://a;tcp"), (K::Empty, 0));
        assert_eq!(err("msrp://a;tcp "), (K::Empty, 13));
        assert_eq!(err("msrp://a;tcp\r\n"), (K::Transport, 12));
        assert_eq!(err("msrp://a;tcp,msrp://b;tcp"), (K::Transport, 12));
        assert_eq!(err("msrp://a;tcp  msrp://b:x;tcp"), (K::Port, 23));
        assert_eq!(err("msrp://a;tcp sip:b"), (K::Scheme, 13));
    }

    // REQ: MSRP-3 — limits bound the work: URI length and URI count.
    #[test]
    fn limits() {
        let mut limits = PathLimits::default();
        assert_eq!((limits.max_uri_len, limits.max_uris), (4096, 64));
        limits.max_uris = 2;
        let two = "msrp://a;tcp msrp://b;tcp";
        assert!(Path::parse_with(Bytes::from(two), &limits).is_ok());
        let three = "msrp://a;tcp msrp://b;tcp msrp://c;tcp";
        let e = Path::parse_with(Bytes::from(three), &limits).unwrap_err();
        assert_eq!((e.kind, e.offset), (UriErrorKind::TooManyUris, 26));

        limits.max_uri_len = 12;
        let e = Path::parse_with(Bytes::from("msrp://a;tcp msrp://bb;tcp"), &limits).unwrap_err();
        assert_eq!((e.kind, e.offset), (UriErrorKind::TooLong, 25));

        let many = vec!["msrp://a;tcp"; MAX_PATH_URIS + 1].join(" ");
        assert_eq!(err(&many), (UriErrorKind::TooManyUris, 64 * 13));
        let long = format!("msrp://{};tcp", "a".repeat(MAX_URI_LEN));
        assert_eq!(err(&long), (UriErrorKind::TooLong, MAX_URI_LEN));
        // A long run of white space is linear work, not an error by itself.
        let gap = format!("msrp://a;tcp{}msrp://b;tcp", " ".repeat(100_000));
        assert_eq!(Path::parse_str(&gap).unwrap().len(), 2);
    }

    // REQ: MSRP-3 — building a path writes single spaces and shares one buffer.
    #[test]
    fn from_uris() {
        let a: MsrpUri = "msrp://relay.example.com:2855/r1;tcp".parse().unwrap();
        let b: MsrpUri = "msrp://alice.example.com:7394/2s93i9ek2a;tcp"
            .parse()
            .unwrap();
        let p = Path::from_uris([a.clone(), b.clone()]).unwrap();
        assert_eq!(
            p.to_string(),
            "msrp://relay.example.com:2855/r1;tcp msrp://alice.example.com:7394/2s93i9ek2a;tcp"
        );
        assert_eq!((p.first(), p.last()), (&a, &b));
        assert_eq!(
            Path::from_uris([]).unwrap_err(),
            UriError::new(UriErrorKind::Empty, 0)
        );
        let e = Path::from_uris(vec![a.clone(); MAX_PATH_URIS + 1]).unwrap_err();
        assert_eq!(e.kind, UriErrorKind::TooManyUris);
        let one = Path::from(b.clone());
        assert_eq!((one.len(), one.as_str()), (1, b.as_str()));
        assert_eq!(one.raw().as_ptr(), b.raw().as_ptr());
    }
}
