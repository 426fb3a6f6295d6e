//! `--relay`: the room's MSRP session through an MSRP relay (RFC 4976; REQ: MSRP-6).
//!
//! Before the INVITE, the client connects its room session's TCP connection to the relay and
//! authenticates there ([`Session::authenticate`]: an AUTH, a 401 with a Digest challenge
//! answered with `--relay-user` and `--relay-password`, a 200 with a `Use-Path`). Its
//! `a=path` in the INVITE's offer is then the relay's Use-Path followed by its own URI
//! ([`Session::advertised_path`]). Once the focus has answered, the session's To-Path is the
//! Use-Path followed by the focus's path ([`Session::set_remote`]), and the relay
//! connection stays the room's MSRP connection: the client never connects to the focus for
//! the room. The session refreshes the AUTH by itself before its Expires runs out (the main
//! loop drives every session's `handle_timeout`).

use std::time::Instant;

use bytes::Bytes;
use simpleim_focus::client::CPIM_CONTENT_TYPE;
use simpleim_msrp::{CredentialSource, MsrpUri, Path, RelayAuth, Session, SessionConfig};
use simpleim_sdp::attr::Path as SdpPath;

use crate::app::{App, CHAT_LINK, Phase};
use crate::io;
use crate::msrp_link::{Link, first_hop};

/// `--relay-user` and `--relay-password`, for whatever realm the relay names.
struct Credentials {
    user: String,
    password: Option<String>,
}

impl CredentialSource for Credentials {
    fn credentials(&mut self, _realm: &str) -> Option<(String, String)> {
        // Without a password there is nothing to answer a challenge with: the AUTH fails.
        self.password
            .as_ref()
            .map(|p| (self.user.clone(), p.clone()))
    }
}

impl App {
    /// The configuration of the room's MSRP session, towards `remote`.
    pub(crate) fn chat_config(&self, remote: Path) -> SessionConfig {
        let mut config = SessionConfig::new(
            self.local_msrp.clone(),
            remote,
            Box::new(simpleim_msrp::SeededIds::new(self.seed ^ 0x00c4_a700)),
        );
        config.accept_types = vec![CPIM_CONTENT_TYPE.to_owned()];
        config
    }

    /// Connects the room's MSRP session to the relay and sends its AUTH; the INVITE follows
    /// the relay's 200 ([`App::on_relay_authenticated`]).
    pub(crate) fn connect_relay(&mut self, now: Instant) -> Result<(), String> {
        let Some(relay) = self.opts.relay.clone() else {
            return Ok(());
        };
        let relay_path = Path::from(relay.uri.clone());
        let mut config = self.chat_config(relay_path.clone());
        let mut auth = RelayAuth::new(
            vec![relay.uri.clone()],
            Box::new(Credentials {
                user: relay.user.clone(),
                password: relay.password.clone(),
            }),
        );
        auth.expires = relay.expires;
        config.relays = Some(auth);
        let mut link = Link::new(CHAT_LINK, Session::new(config));
        let addr = first_hop(&relay_path)?;
        let stream = io::msrp_connect(addr)
            .map_err(|e| format!("cannot reach the MSRP relay at {addr}: {e}"))?;
        io::spawn_msrp_reader(CHAT_LINK, &stream, self.tx.clone()).map_err(|e| e.to_string())?;
        link.attach(stream);
        link.session
            .authenticate(now)
            .map_err(|e| format!("AUTH to the MSRP relay: {e}"))?;
        self.chat = Some(link);
        self.out.info(&format!(
            "* authenticating to the MSRP relay {} as {} ...",
            relay.uri, relay.user
        ));
        Ok(())
    }

    /// The relay answered our AUTH (the first time, or a refresh): the first time, our
    /// offer's `a=path` becomes the Use-Path then us, and the INVITE goes out.
    pub(crate) fn on_relay_authenticated(&mut self, now: Instant) {
        let Some(link) = self.chat.as_ref() else {
            return;
        };
        let path = link.session.advertised_path().to_string();
        match self.relay_path.as_deref() {
            Some(old) if old == path => return,
            Some(_) => {
                // The room keeps sending to the path of our offer; a relay that hands out
                // another URI on a refresh would need a re-INVITE, which this client does
                // not send.
                self.out.warn(&format!(
                    "the MSRP relay gave a new path on refresh ({path}); the room still \
                     knows the old one"
                ));
            }
            None => {}
        }
        self.out.relay(&path);
        let first = self.relay_path.is_none();
        self.relay_path = Some(path.clone());
        if !first || self.phase != Phase::Joining {
            return;
        }
        let joined = SdpPath::parse(&Bytes::from(path))
            .map_err(|e| format!("the relay's path: {e}"))
            .and_then(|p| {
                self.client.config_mut().msrp.path = p;
                self.send_join(now)
            });
        if let Err(e) = joined {
            self.out.error(&e);
            self.leave(now, "the room could not be joined through the relay", 1);
        }
    }

    /// The relay refused our AUTH (or its refresh): without it nothing reaches the room.
    pub(crate) fn on_relay_auth_failed(&mut self, now: Instant, relay: &MsrpUri, status: u16) {
        let hint = match (status, self.opts.relay.as_ref()) {
            (401, Some(r)) if r.password.is_none() => ": it wants credentials (--relay-password)",
            (401 | 403, _) => ": wrong --relay-user or --relay-password?",
            (408, _) => ": no answer",
            _ => "",
        };
        self.out.error(&format!(
            "the MSRP relay {relay} refused our AUTH ({status}){hint}"
        ));
        let reason = if self.relay_path.is_none() {
            "the MSRP relay refused us"
        } else {
            "the MSRP relay no longer accepts us"
        };
        self.leave(now, reason, 1);
    }
}
