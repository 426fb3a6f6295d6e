//! Routing the requests of a connection to sessions (RFC 4975 §7.3, §6.1; RFC 6714).
//!
//! A request arriving at an endpoint carries exactly one URI in its To-Path, which "MUST map
//! to an existing session that is associated with the connection on which the request
//! arrived"; otherwise the receiver answers 481 (RFC 4975 §7.3). A [`Demux`] holds the local
//! URI of every session on a connection (or on a whole endpoint, if sessions are not tied to
//! one connection) and finds the session for the first URI of an incoming To-Path.
//!
//! Sessions are found by a hash of their session-id, so routing costs the same with one
//! session or ten thousand.
//!
//! ```
//! use simpleim_msrp::{Demux, MatchMode, MsrpUri, Path};
//!
//! // The host's own handle for a session: an index, a channel, an id.
//! #[derive(Debug, PartialEq)]
//! struct SessionId(u32);
//!
//! let mut demux = Demux::new();
//! let alice: MsrpUri = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp".parse()?;
//! demux.insert(alice.clone(), MatchMode::FullUri, SessionId(1))?;
//! // Behind a CEMA-aware SBC (RFC 6714) only the session-id is compared.
//! let carol: MsrpUri = "msrp://carol.example.com:7777/kjd82m1;tcp".parse()?;
//! demux.insert(carol, MatchMode::SessionId, SessionId(2))?;
//!
//! let to: Path = "msrp://ALICEPC.example.com:7777/iau39soe2843z;TCP".parse()?;
//! assert_eq!(demux.route(to.first()), Some(&SessionId(1)));
//! let to: Path = "msrps://sbc.example.net:2855/kjd82m1;tcp".parse()?;
//! assert_eq!(demux.route(to.first()), Some(&SessionId(2)));
//! let to: Path = "msrp://alicepc.example.com:7777/unknown;tcp".parse()?;
//! assert_eq!(demux.route(to.first()), None); // answer 481
//!
//! assert_eq!(demux.remove(&alice), Some(SessionId(1)));
//! assert_eq!(demux.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;

use bytes::Bytes;
use smallvec::SmallVec;

use crate::uri::{MsrpUri, Path};

/// How an incoming To-Path URI is matched against a session's local URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchMode {
    /// The whole URI, by the RFC 4975 §6.1 rules ([`MsrpUri::matches`]): scheme, host, port,
    /// session-id and transport.
    FullUri,
    /// The session-id only ([`MsrpUri::session_id_matches`]), for a session that negotiated
    /// CEMA (RFC 6714): an intermediary in between rewrites the authority, so the peer's
    /// To-Path names the intermediary's host and port, not ours.
    SessionId,
}

/// Why a registration was refused. Both are caller mistakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DemuxError {
    /// The local URI has no session-id. A URI without one names a device, not a session
    /// (RFC 4975 §6), and could not be told apart from other sessions at the same device.
    #[error("local URI has no session-id")]
    NoSessionId,
    /// A registered session would receive the same requests: its local URI matches the new
    /// one by §6.1, or either of the two matches by session-id only and the session-ids are
    /// equal. RFC 4975 §8.2: a session's URI "MUST NOT duplicate any URI in use for any other
    /// session".
    #[error("another session already has this local URI")]
    Duplicate,
}

/// One registered session.
#[derive(Debug, Clone)]
struct Entry<K> {
    local: MsrpUri,
    mode: MatchMode,
    key: K,
}

impl<K> Entry<K> {
    /// Whether a request whose To-Path starts with `to` belongs to this session. The caller
    /// has found the entry by `to`'s session-id already.
    fn accepts(&self, to: &MsrpUri) -> bool {
        match self.mode {
            MatchMode::FullUri => self.local.matches(to),
            MatchMode::SessionId => self.local.session_id_matches(to),
        }
    }
}

/// Routes incoming requests to sessions by the first URI of their To-Path (RFC 4975 §7.3).
///
/// `K` is the caller's handle for a session; the demultiplexer only stores it and hands back
/// a reference. Each registration holds a local URI and a [`MatchMode`]; two registrations
/// that some To-Path could match both are refused ([`DemuxError::Duplicate`]), so a route is
/// never ambiguous.
///
/// Lookups hash the session-id (the text after the authority's `/`) and compare the few
/// registrations that share it, so [`route`](Self::route) and [`remove`](Self::remove) take
/// expected constant time. The hasher is the standard library's, keyed per map: the
/// session-ids it hashes come from peers. Nothing observable depends on the map's order.
#[derive(Debug, Clone)]
pub struct Demux<K> {
    /// Registrations by session-id (a slice of the local URI's buffer). A bucket holds more
    /// than one entry only for full-URI sessions that share a session-id at different
    /// authorities.
    by_session_id: HashMap<Bytes, SmallVec<[Entry<K>; 1]>>,
    len: usize,
}

impl<K> Default for Demux<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> Demux<K> {
    /// An empty demultiplexer.
    #[must_use]
    pub fn new() -> Self {
        Self {
            by_session_id: HashMap::new(),
            len: 0,
        }
    }

    /// Registers the session `key` under its `local` URI (the last URI of the path it put in
    /// its SDP, RFC 4975 §8.2), matched by `mode`.
    ///
    /// Fails, leaving the demultiplexer unchanged, if `local` has no session-id or if a
    /// registered session would receive the same requests (see [`DemuxError`]).
    pub fn insert(&mut self, local: MsrpUri, mode: MatchMode, key: K) -> Result<(), DemuxError> {
        let id = local.session_id_bytes().ok_or(DemuxError::NoSessionId)?;
        let bucket = self.by_session_id.entry(id).or_default();
        let clash = bucket.iter().any(|e| {
            e.mode == MatchMode::SessionId
                || mode == MatchMode::SessionId
                || e.local.matches(&local)
        });
        if clash {
            return Err(DemuxError::Duplicate);
        }
        bucket.push(Entry { local, mode, key });
        self.len += 1;
        Ok(())
    }

    /// The session a request belongs to, given the first URI of its To-Path; `None` means
    /// the request names no session here and is answered with 481 (RFC 4975 §7.3). A URI
    /// without a session-id never routes.
    #[must_use]
    pub fn route(&self, to_first: &MsrpUri) -> Option<&K> {
        let id = to_first.session_id()?;
        self.by_session_id
            .get(id.as_bytes())?
            .iter()
            .find(|e| e.accepts(to_first))
            .map(|e| &e.key)
    }

    /// [`route`](Self::route) by the first URI of a whole To-Path.
    #[must_use]
    pub fn route_path(&self, to: &Path) -> Option<&K> {
        self.route(to.first())
    }

    /// Removes the session registered under a local URI that matches `local` by §6.1 (the
    /// URI it was inserted with, typically), returning its key.
    pub fn remove(&mut self, local: &MsrpUri) -> Option<K> {
        let id = local.session_id()?;
        let bucket = self.by_session_id.get_mut(id.as_bytes())?;
        let at = bucket.iter().position(|e| e.local.matches(local))?;
        let entry = bucket.remove(at);
        if bucket.is_empty() {
            self.by_session_id.remove(id.as_bytes());
        }
        self.len -= 1;
        Some(entry.key)
    }

    /// Removes the session whose key equals `key`, returning its local URI. This scans every
    /// registration; prefer [`remove`](Self::remove) when the local URI is at hand.
    pub fn remove_key(&mut self, key: &K) -> Option<MsrpUri>
    where
        K: PartialEq,
    {
        let (id, at) = self.by_session_id.iter().find_map(|(id, bucket)| {
            let at = bucket.iter().position(|e| e.key == *key)?;
            Some((id.clone(), at))
        })?;
        let bucket = self.by_session_id.get_mut(&id)?;
        let entry = bucket.remove(at);
        if bucket.is_empty() {
            self.by_session_id.remove(&id);
        }
        self.len -= 1;
        Some(entry.local)
    }

    /// How many sessions are registered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no session is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> MsrpUri {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    // REQ: MSRP-3 — full-URI routing follows §6.1.
    #[test]
    fn routes_by_full_uri() {
        let mut d = Demux::new();
        d.insert(
            uri("msrp://alice.example.com:7777/s1;tcp"),
            MatchMode::FullUri,
            1,
        )
        .unwrap();
        d.insert(
            uri("msrp://alice.example.com:7777/s2;tcp"),
            MatchMode::FullUri,
            2,
        )
        .unwrap();
        // The same session-id at another authority is another session.
        d.insert(
            uri("msrp://bob.example.com:7777/s1;tcp"),
            MatchMode::FullUri,
            3,
        )
        .unwrap();
        assert_eq!(d.len(), 3);
        assert!(!d.is_empty());

        let route = |s: &str| d.route(&uri(s)).copied();
        assert_eq!(route("MSRP://Alice.Example.com:7777/s1;TCP"), Some(1));
        assert_eq!(
            route("msrp://alice@alice.example.com:7777/s1;tcp;x=y"),
            Some(1)
        );
        assert_eq!(route("msrp://alice.example.com:7777/s2;tcp"), Some(2));
        assert_eq!(route("msrp://bob.example.com:7777/s1;tcp"), Some(3));
        // §6.1 rules 1, 3, 4 and 5, and an unknown host.
        assert_eq!(route("msrps://alice.example.com:7777/s1;tcp"), None);
        assert_eq!(route("msrp://alice.example.com/s1;tcp"), None);
        assert_eq!(route("msrp://alice.example.com:7777/S1;tcp"), None);
        assert_eq!(route("msrp://alice.example.com:7777/s1;ws"), None);
        assert_eq!(route("msrp://carol.example.com:7777/s1;tcp"), None);
        assert_eq!(route("msrp://alice.example.com:7777;tcp"), None);

        let to = Path::parse_str("msrp://bob.example.com:7777/s1;tcp msrp://x;tcp").unwrap();
        assert_eq!(d.route_path(&to), Some(&3));
    }

    // REQ: MSRP-3 — CEMA sessions (RFC 6714) match by session-id alone.
    #[test]
    fn routes_by_session_id() {
        let mut d = Demux::new();
        d.insert(
            uri("msrp://10.0.0.2:7777/cema1;tcp"),
            MatchMode::SessionId,
            "a",
        )
        .unwrap();
        assert_eq!(
            d.route(&uri("msrps://sbc.example.net:2855/cema1;tcp")),
            Some(&"a")
        );
        assert_eq!(d.route(&uri("msrp://10.0.0.2:7777/CEMA1;tcp")), None);
        assert_eq!(d.route(&uri("msrp://10.0.0.2:7777;tcp")), None);
    }

    // REQ: MSRP-3 — registrations a To-Path could not tell apart are refused.
    #[test]
    fn duplicates_are_refused() {
        use DemuxError::{Duplicate, NoSessionId};
        use MatchMode::{FullUri, SessionId};
        /// A registration and what `insert` answers to it.
        type Insert = (&'static str, MatchMode, Result<(), DemuxError>);
        // The first registration, then each of the others in turn.
        let cases: &[((&str, MatchMode), &[Insert])] = &[
            (
                ("msrp://alice.example.com:7777/s1;tcp", FullUri),
                &[
                    (
                        "msrp://alice.example.com:7777/s1;tcp",
                        FullUri,
                        Err(Duplicate),
                    ),
                    (
                        "msrp://ALICE.example.com:7777/s1;TCP",
                        FullUri,
                        Err(Duplicate),
                    ),
                    (
                        "msrp://other.example.com:1/s1;tcp",
                        SessionId,
                        Err(Duplicate),
                    ),
                    ("msrp://h:1;tcp", FullUri, Err(NoSessionId)),
                ],
            ),
            (
                ("msrp://a.example.com:1/c;tcp", SessionId),
                &[
                    ("msrp://b.example.com:2/c;tcp", FullUri, Err(Duplicate)),
                    ("msrp://a.example.com:1/c;tcp", SessionId, Err(Duplicate)),
                    // A session-id differing only in case is another session-id.
                    ("msrp://a.example.com:1/C;tcp", FullUri, Ok(())),
                ],
            ),
        ];
        for ((first, mode), then) in cases {
            let mut d = Demux::new();
            d.insert(uri(first), *mode, 0).unwrap();
            for (i, (s, mode, want)) in then.iter().enumerate() {
                assert_eq!(d.insert(uri(s), *mode, i), *want, "{first} then {s}");
            }
            let added = then.iter().filter(|c| c.2.is_ok()).count();
            assert_eq!(d.len(), 1 + added, "a refused insert changes nothing");
        }
    }

    // REQ: MSRP-3 — removal by URI and by key.
    #[test]
    fn removal() {
        let mut d = Demux::new();
        let a = uri("msrp://alice.example.com:7777/s1;tcp");
        let b = uri("msrp://bob.example.com:7777/s1;tcp");
        let c = uri("msrp://carol.example.com:7777/s3;tcp");
        d.insert(a.clone(), MatchMode::FullUri, 'a').unwrap();
        d.insert(b.clone(), MatchMode::FullUri, 'b').unwrap();
        d.insert(c.clone(), MatchMode::SessionId, 'c').unwrap();

        assert_eq!(d.remove(&uri("msrp://other.example.com:7777/s1;tcp")), None);
        assert_eq!(d.remove(&uri("msrp://x;tcp")), None);
        assert_eq!(
            d.remove(&uri("msrp://ALICE.example.com:7777/s1;tcp")),
            Some('a')
        );
        assert_eq!(d.route(&a), None);
        assert_eq!(d.route(&b), Some(&'b'));
        assert_eq!(d.remove(&a), None);

        assert_eq!(d.remove_key(&'c'), Some(c.clone()));
        assert_eq!(d.remove_key(&'c'), None);
        assert_eq!(d.route(&c), None);
        assert_eq!(d.len(), 1);
        assert_eq!(d.remove_key(&'b'), Some(b.clone()));
        assert!(d.is_empty());
        assert!(d.by_session_id.is_empty(), "empty buckets are dropped");
        // The id is free again.
        d.insert(c, MatchMode::FullUri, 'd').unwrap();
    }

    // REQ: MSRP-3 — many sessions: every one routes to itself (the map, not a scan).
    #[test]
    fn many_sessions() {
        let mut d = Demux::default();
        for i in 0..2000u32 {
            let u = uri(&format!("msrp://h.example.com:2855/s{i};tcp"));
            d.insert(u, MatchMode::FullUri, i).unwrap();
        }
        assert_eq!(d.by_session_id.len(), 2000);
        for i in (0..2000u32).step_by(97) {
            let u = uri(&format!("msrp://H.EXAMPLE.COM:2855/s{i};tcp"));
            assert_eq!(d.route(&u), Some(&i));
        }
    }
}
