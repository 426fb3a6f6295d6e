//! A session behind relays (RFC 4976 §5; REQ: MSRP-6): AUTH to each relay in turn with HTTP
//! Digest, the Use-Path learnt and put in front of the peer's path, Expires refreshed before
//! it runs out, 423 answered with the interval the relay asks for.

use core::fmt;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};

use crate::auth::{AuthenticationInfo, DigestChallenge, DigestCredentials};
use crate::encode::RequestBuilder;
use crate::frame::{FrameHead, Method};
use crate::uri::{MsrpUri, Path};

use super::Session;
use super::event::{Event, SendError};
use super::send::PendingKind;

/// Where a session finds the user name and password for a relay's realm.
pub trait CredentialSource: Send {
    /// `(username, password)` for `realm`, or `None` to give up (the AUTH then fails with
    /// [`Event::RelayAuthFailed`]).
    fn credentials(&mut self, realm: &str) -> Option<(String, String)>;
}

/// One user name and password for every realm.
#[derive(Clone)]
pub struct UserPassword {
    username: String,
    password: String,
}

impl UserPassword {
    /// The pair.
    #[must_use]
    pub fn new(username: &str, password: &str) -> Self {
        Self {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }
}

impl fmt::Debug for UserPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPassword")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl CredentialSource for UserPassword {
    fn credentials(&mut self, _realm: &str) -> Option<(String, String)> {
        Some((self.username.clone(), self.password.clone()))
    }
}

/// The relays a session goes through (RFC 4976 §5.1), for
/// [`SessionConfig::relays`](crate::SessionConfig::relays).
#[non_exhaustive]
pub struct RelayAuth {
    /// The relays acting for this endpoint, the one it connects to first. Each gets an AUTH,
    /// the later ones through the earlier ones.
    pub relays: Vec<MsrpUri>,
    /// The credentials for their realms.
    pub credentials: Box<dyn CredentialSource>,
    /// The Expires asked in AUTH (seconds), `None` to let the relay choose.
    pub expires: Option<u32>,
}

impl RelayAuth {
    /// AUTH to `relays` with `credentials`, no Expires asked.
    #[must_use]
    pub fn new(relays: Vec<MsrpUri>, credentials: Box<dyn CredentialSource>) -> Self {
        Self {
            relays,
            credentials,
            expires: None,
        }
    }
}

impl fmt::Debug for RelayAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayAuth")
            .field("relays", &self.relays)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Retries (401 answered, 423 corrected) allowed for one relay in one round.
const MAX_TRIES: u32 = 4;

/// The AUTH state of a session with relays.
#[derive(Debug, Default)]
pub(super) struct AuthState {
    /// The relay being authenticated (`relays.len()` when all are).
    step: usize,
    /// True once every relay has answered 200 once: messages may flow.
    pub(super) ready: bool,
    /// The AUTH in flight and what it answered with: the expected `rspauth` of the relay's
    /// 200 (RFC 2617 §3.2.3), when it carried credentials.
    pending: Option<(crate::frame::TransactionId, Option<String>)>,
    /// Use-Path returned by each relay so far.
    paths: Vec<Path>,
    /// Per relay: the challenge (or nextnonce) to answer, the nonce count used.
    challenges: Vec<Option<(DigestChallenge, u32)>>,
    /// The Expires asked (changed by 423).
    expires: Option<u32>,
    tries: u32,
    pub(super) refresh_at: Option<Instant>,
    failed: bool,
}

impl Session {
    /// Starts AUTH with the relays of [`SessionConfig::relays`](crate::SessionConfig::relays)
    /// (RFC 4976 §5.1). Messages queued meanwhile wait until every relay has answered 200:
    /// then [`Event::RelayAuthenticated`] carries the Use-Path, which is put in front of the
    /// peer's path in every To-Path. The session refreshes the AUTH by itself before Expires
    /// runs out (drive [`handle_timeout`](Self::handle_timeout)).
    ///
    /// # Errors
    /// [`SendError::Closed`], or [`SendError::NoRelays`] when the configuration has none.
    pub fn authenticate(&mut self, now: Instant) -> Result<(), SendError> {
        if self.closed {
            return Err(SendError::Closed);
        }
        self.tick(now);
        let Some(r) = self.config.relays.as_ref().filter(|r| !r.relays.is_empty()) else {
            return Err(SendError::NoRelays);
        };
        let n = r.relays.len();
        let expires = r.expires;
        let auth = self.auth.get_or_insert_with(AuthState::default);
        auth.challenges.resize_with(n, || None);
        auth.expires = auth.expires.or(expires);
        auth.failed = false;
        self.start_round(now);
        Ok(())
    }

    /// Sets the peer's path (its SDP `a=path`), once known: the To-Path of what the session
    /// sends becomes the Use-Path learnt from the relays followed by it (RFC 4976 §5.1).
    pub fn set_remote(&mut self, remote: Path) {
        self.config.remote = remote;
        self.update_route();
    }

    /// The Use-Path learnt from the relays (RFC 4976 §4.2), once authenticated.
    #[must_use]
    pub fn use_path(&self) -> Option<&Path> {
        self.auth.as_ref().and_then(|a| a.paths.last())
    }

    /// The path to advertise to the peer (SDP `a=path`): the Use-Path reversed, then this
    /// endpoint's URI (RFC 4976 §5.1), or the URI alone without relays.
    #[must_use]
    pub fn advertised_path(&self) -> Path {
        let mut uris: Vec<MsrpUri> = self
            .use_path()
            .map(|p| p.iter().rev().cloned().collect())
            .unwrap_or_default();
        uris.push(self.config.local.clone());
        Path::from_uris(uris).unwrap_or_else(|_| Path::from(self.config.local.clone()))
    }

    /// The To-Path of what the session sends.
    #[must_use]
    pub fn to_path(&self) -> &[u8] {
        &self.route
    }

    /// Whether messages may flow: no relays configured, or all of them authenticated.
    pub(super) fn auth_ready(&self) -> bool {
        self.config.relays.is_none() || self.auth.as_ref().is_some_and(|a| a.ready)
    }

    /// Recomputes the To-Path: Use-Path, then the peer's path.
    pub(super) fn update_route(&mut self) {
        let mut b = BytesMut::new();
        if let Some(p) = self.use_path() {
            b.put_slice(p.as_bytes());
            b.put_u8(b' ');
        }
        b.put_slice(self.config.remote.as_bytes());
        self.route = b.freeze();
    }

    /// Begins a round of AUTHs from the first relay.
    fn start_round(&mut self, now: Instant) {
        if let Some(a) = self.auth.as_mut() {
            a.step = 0;
            a.tries = 0;
            a.refresh_at = None;
        }
        self.send_auth(now);
    }

    /// Sends the AUTH of the current step, answering the challenge known for that relay.
    fn send_auth(&mut self, now: Instant) {
        let tid = self.new_tid();
        let cnonce = self.config.ids.message_id();
        let (Some(auth), Some(relays)) = (self.auth.as_mut(), self.config.relays.as_mut()) else {
            return;
        };
        let Some(relay) = relays.relays.get(auth.step) else {
            return;
        };
        // RFC 4976 §5.1: the AUTH to a later relay goes through the earlier ones.
        let mut to = BytesMut::new();
        if let Some(p) = auth.step.checked_sub(1).and_then(|i| auth.paths.get(i)) {
            to.put_slice(p.as_bytes());
            to.put_u8(b' ');
        }
        to.put_slice(relay.as_bytes());
        let mut authz = None;
        let mut given_up = false;
        if let Some(Some((challenge, nc))) = auth.challenges.get_mut(auth.step) {
            let credentials = relays.credentials.credentials(&challenge.realm);
            given_up = credentials.is_none();
            if let Some((user, password)) = credentials {
                *nc += 1;
                let c = DigestCredentials::answer(
                    challenge,
                    &user,
                    &password,
                    relay.as_str(),
                    *nc,
                    cnonce.as_str(),
                );
                authz = Some((c.to_value(), c.rspauth(&password, relay.as_str())));
            }
        }
        if given_up {
            // The source has no credentials for this realm: the AUTH fails now, not after
            // more unanswerable challenges.
            self.auth_failed(401);
            return;
        }
        let mut b = RequestBuilder::new(Method::Auth, tid)
            .to_path(&to[..])
            .from_path(self.config.local.as_bytes());
        if let Some((v, _)) = &authz {
            b = b.header("Authorization", v.as_str());
        }
        if let Some(e) = auth.expires {
            b = b.expires(e);
        }
        let mut frame = BytesMut::new();
        let encoded = b.encode(&mut frame);
        drop(b);
        if encoded.is_err() {
            return;
        }
        auth.pending = Some((tid, authz.map(|(_, rspauth)| rspauth)));
        self.queue_urgent(&frame);
        let deadline = now.checked_add(self.config.transaction_timeout);
        self.send.track(tid, PendingKind::Auth, deadline);
    }

    /// The response to an AUTH (or 408 for its timeout).
    pub(super) fn on_auth_response(&mut self, head: Option<&FrameHead>, code: u16) {
        let now = self.now;
        let Some(auth) = self.auth.as_mut() else {
            return;
        };
        let Some((_, rspauth)) = auth.pending.take() else {
            return;
        };
        let answered = rspauth.is_some();
        auth.tries += 1;
        let retry = auth.tries <= MAX_TRIES;
        let step = auth.step;
        match (code, head) {
            (401, Some(h)) if retry => {
                let Some(ch) = h
                    .www_authenticate()
                    .and_then(|v| DigestChallenge::parse(v).ok())
                else {
                    return self.auth_failed(code);
                };
                // A second 401 without `stale` means the credentials were wrong.
                if answered && !ch.stale {
                    return self.auth_failed(code);
                }
                if let Some(slot) = auth.challenges.get_mut(step) {
                    *slot = Some((ch, 0));
                }
            }
            (423, Some(h)) if retry => {
                let min = h.min_expires().ok().flatten();
                let max = h.max_expires().ok().flatten();
                match (min, max) {
                    (Some(m), _) | (None, Some(m)) => auth.expires = Some(m),
                    (None, None) => return self.auth_failed(code),
                }
            }
            (200..=299, Some(h)) => {
                let Some(path) = h
                    .use_path()
                    .and_then(|p| Path::parse(Bytes::copy_from_slice(p)).ok())
                else {
                    return self.auth_failed(code);
                };
                let info = h
                    .authentication_info()
                    .and_then(|v| AuthenticationInfo::parse(v).ok());
                // The relay proves it knows the password too (RFC 2617 §3.2.3); one that
                // sends a wrong proof is not the relay the credentials are for.
                let proof = info.as_ref().and_then(|i| i.rspauth.as_deref());
                if let (Some(got), Some(want)) = (proof, rspauth.as_deref()) {
                    if !got.eq_ignore_ascii_case(want) {
                        return self.auth_failed(code);
                    }
                }
                if let (Some(n), Some(Some((ch, nc)))) = (
                    info.as_ref().and_then(|i| i.nextnonce.clone()),
                    auth.challenges.get_mut(step),
                ) {
                    ch.nonce = n;
                    ch.stale = false;
                    *nc = 0;
                }
                auth.paths.truncate(step);
                auth.paths.push(path);
                auth.step += 1;
                auth.tries = 0;
                let expires = h.expires().ok().flatten();
                if auth.step >= auth.challenges.len() {
                    auth.ready = true;
                    // Refresh at four fifths of the interval (the shortest relay's).
                    let secs = u64::from(expires.unwrap_or(1800));
                    auth.refresh_at =
                        now.and_then(|n| n.checked_add(Duration::from_secs((secs * 4 / 5).max(1))));
                    let use_path = auth.paths.last().cloned();
                    self.update_route();
                    if let Some(use_path) = use_path {
                        self.events.push_back(Event::RelayAuthenticated {
                            use_path,
                            expires: expires.unwrap_or(0),
                        });
                    }
                    return;
                }
            }
            _ => return self.auth_failed(code),
        }
        if let Some(now) = now {
            self.send_auth(now);
        }
    }

    fn auth_failed(&mut self, code: u16) {
        let relay = self.auth.as_ref().and_then(|a| {
            self.config
                .relays
                .as_ref()
                .and_then(|r| r.relays.get(a.step).cloned())
        });
        if let Some(a) = self.auth.as_mut() {
            a.failed = true;
            a.refresh_at = None;
        }
        if let Some(relay) = relay {
            self.events.push_back(Event::RelayAuthFailed {
                relay,
                status: code,
            });
        }
    }

    /// Refreshes the AUTHs when their time has come.
    pub(super) fn refresh_auth(&mut self, now: Instant) {
        let due = self.auth.as_ref().is_some_and(|a| {
            !a.failed && a.pending.is_none() && a.refresh_at.is_some_and(|t| t <= now)
        });
        if due {
            self.start_round(now);
        }
    }
}
