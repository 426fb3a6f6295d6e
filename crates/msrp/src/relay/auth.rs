//! AUTH at a relay (RFC 4976 §5.1, §6.3, §9.1; REQ: MSRP-6): the Digest challenge, the
//! check of the credentials and of Expires, and the URI handed out in Use-Path.

use std::hash::Hash;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use crate::auth::{AuthenticationInfo, DigestChallenge, DigestCredentials};
use crate::encode::ResponseBuilder;
use crate::frame::FrameHead;
use crate::header::ReportMode;
use crate::uri::{MsrpUri, Path};

use super::out::Target;
use super::{CloseReason, Event, Nonce, Relay, Session};

impl<C: Copy + Eq + Hash + core::fmt::Debug> Relay<C> {
    /// An AUTH addressed to this relay, on `conn`, with To-Path `to`.
    pub(super) fn on_auth(&mut self, now: Instant, conn: C, head: &FrameHead, to: &Path) {
        // RFC 4976 §9.1: "The request-URI to be used in calculating H(A2) is the right-most
        // URL in the To-Path header."
        let digest_uri = to.last().as_str().to_owned();
        let Some(authz) = head.authorization() else {
            self.challenge(now, conn, head, false);
            return;
        };
        let Ok(creds) = DigestCredentials::parse(authz) else {
            self.answer(conn, head, ReportMode::Yes, 400);
            return;
        };
        let password = (creds.realm == self.config.realm)
            .then(|| {
                self.config
                    .credentials
                    .password(&creds.realm, &creds.username)
            })
            .flatten();
        let Some(password) = password.filter(|p| creds.verify_uri(p, &digest_uri)) else {
            if !self.count_auth_failure(conn) {
                self.challenge(now, conn, head, false);
            }
            return;
        };
        // The credentials are right; the nonce must be ours, fresh, and not replayed.
        let fresh = match self.nonces.get_mut(&creds.nonce) {
            Some(n) if n.expires_at > now && creds.nc > n.nc => {
                n.nc = creds.nc;
                true
            }
            _ => false,
        };
        if !fresh {
            self.challenge(now, conn, head, true);
            return;
        }
        if !self.config.credentials.authorized(&creds.username) {
            self.answer(conn, head, ReportMode::Yes, 403);
            return;
        }
        let Ok(asked) = head.expires() else {
            self.answer(conn, head, ReportMode::Yes, 400);
            return;
        };
        let expires = asked.unwrap_or(self.config.default_expires);
        if expires < self.config.min_expires || expires > self.config.max_expires {
            let mut b = BytesMut::new();
            let r = ResponseBuilder::for_request(head, 423);
            let r = if expires < self.config.min_expires {
                r.min_expires(self.config.min_expires)
            } else {
                r.max_expires(self.config.max_expires)
            };
            if r.encode(&mut b).is_ok() {
                self.send_frame(Target::Conn(conn), b.freeze());
            }
            return;
        }
        let Some(uri) = self.grant(now, conn, head, expires) else {
            self.answer(conn, head, ReportMode::Yes, 403);
            return;
        };
        if let Some(c) = self.conns.get_mut(&conn) {
            c.probation = None;
            c.auth_failures = 0;
        }
        let info = AuthenticationInfo {
            nextnonce: Some(self.new_nonce(now)),
            rspauth: Some(creds.rspauth(&password, &digest_uri)),
            cnonce: Some(creds.cnonce.clone()),
            nc: Some(creds.nc),
        }
        .to_value();
        // The Use-Path lists the relays between the client and this one (the From-Path but its
        // last URI, RFC 4976 §5.1 example), then this relay's URI.
        let mut use_path = String::new();
        if let Some(from) = head.from_path().and_then(|f| core::str::from_utf8(f).ok()) {
            let uris: Vec<&str> = from.split(' ').filter(|u| !u.is_empty()).collect();
            for u in uris.iter().take(uris.len().saturating_sub(1)) {
                use_path.push_str(u);
                use_path.push(' ');
            }
        }
        use_path.push_str(&uri);
        let mut b = BytesMut::new();
        let ok = ResponseBuilder::for_request(head, 200)
            .header("Use-Path", use_path.as_str())
            .expires(expires)
            .header("Authentication-Info", info.as_str())
            .encode(&mut b);
        if ok.is_ok() {
            self.send_frame(Target::Conn(conn), b.freeze());
        }
        self.events.push_back(Event::Authenticated {
            conn,
            username: creds.username,
            uri,
            expires,
        });
    }

    /// One more failed AUTH from `conn`; true when that closed it (RFC 4976 §6.3: "If a relay
    /// receives several unsuccessful AUTH requests from a client ... the relay SHOULD
    /// terminate the corresponding connection").
    pub(super) fn count_auth_failure(&mut self, conn: C) -> bool {
        let failures = self.conns.get_mut(&conn).map_or(0, |c| {
            c.auth_failures += 1;
            c.auth_failures
        });
        let close = failures >= self.config.limits.max_auth_failures;
        if close {
            self.close(conn, CloseReason::AuthFailures);
        }
        close
    }

    /// The URI for the client behind `conn`: the one it already has for the same From-Path
    /// (a refresh), else a new one, valid `expires` seconds. `None` when too many exist.
    fn grant(&mut self, now: Instant, conn: C, head: &FrameHead, expires: u32) -> Option<String> {
        let expires_at = now.checked_add(std::time::Duration::from_secs(u64::from(expires)))?;
        let from = head.from_path().unwrap_or_default();
        if let Some(s) = self
            .sessions
            .values_mut()
            .find(|s| s.conn == conn && s.from_path == from)
        {
            s.expires_at = expires_at;
            return Some(s.uri.clone());
        }
        if self.sessions.len() >= self.config.limits.max_sessions {
            return None;
        }
        let mut sid = self.config.ids.transaction_id().as_str().to_owned();
        for _ in 0..4 {
            if !self.sessions.contains_key(&sid) {
                break;
            }
            sid = self.config.ids.transaction_id().as_str().to_owned();
        }
        let uri = MsrpUri::new(
            self.config.scheme,
            self.own_host(),
            Some(self.config.port),
            Some(&sid),
            "tcp",
        )
        .ok()?
        .as_str()
        .to_owned();
        self.sessions.insert(
            sid,
            Session {
                conn,
                uri: uri.clone(),
                from_path: Bytes::copy_from_slice(from),
                expires_at,
            },
        );
        Some(uri)
    }

    /// Answers 401 with a fresh nonce (RFC 4976 §5.1: "a relay MUST respond with a 401
    /// Unauthorized response containing a WWW-Authenticate header").
    fn challenge(&mut self, now: Instant, conn: C, head: &FrameHead, stale: bool) {
        let nonce = self.new_nonce(now);
        let mut challenge = DigestChallenge::new(&self.config.realm, &nonce, self.config.algorithm);
        challenge.stale = stale;
        let value = challenge.to_value();
        let mut b = BytesMut::new();
        let ok = ResponseBuilder::for_request(head, 401)
            .header("WWW-Authenticate", value.as_str())
            .encode(&mut b);
        if ok.is_ok() {
            self.send_frame(Target::Conn(conn), b.freeze());
        }
    }

    /// A nonce from the generator, remembered until it expires (the oldest is forgotten
    /// beyond the limit).
    fn new_nonce(&mut self, now: Instant) -> String {
        let nonce = self.config.ids.transaction_id().as_str().to_owned();
        let expires_at = now.checked_add(self.config.nonce_lifetime).unwrap_or(now);
        let max = self.config.limits.max_nonces;
        let state = Nonce { expires_at, nc: 0 };
        super::bounded_insert(
            &mut self.nonces,
            &mut self.nonce_order,
            max,
            nonce.clone(),
            state,
        );
        nonce
    }
}
