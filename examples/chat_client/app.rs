//! The client's state and its main loop: one thread owns every state machine (the SIP
//! transaction layer, the room's dialog and session timer, the conference subscription,
//! the MSRP sessions) and is fed by the reader threads over a channel. Time comes from
//! `recv_timeout`, computed from the machines' `poll_timeout`.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_cpim::Address;
use simpleim_focus::client::{ImClient, InviteOptions, JoinedSession, OutgoingInvite};
use simpleim_msrp::{MessageId, MsrpUri, TransactionId};
use simpleim_sip::dialog::{DialogState, SessionTimer, TimerRequest};
use simpleim_sip::header::Warning;
use simpleim_sip::transaction::cancel_request;
use simpleim_sip::{Method, Request, Response, SipUri, Uri};

use crate::args::Options;
use crate::file::FileTransfer;
use crate::io::{self, Input, LinkId};
use crate::msrp_link::Link;
use crate::output::Printer;
use crate::roster::Roster;
use crate::sip_ua::{Purpose, Sip};

/// The methods we answer (our Allow, as the `ImClient` writes it in the INVITE).
pub(crate) const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, MESSAGE, NOTIFY";

/// How long leaving may take before we exit anyway.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The link id of the room's MSRP session.
pub(crate) const CHAT_LINK: LinkId = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// REGISTER and INVITE are out.
    Joining,
    /// In the room.
    InRoom,
    /// BYE, unsubscribe and de-register are out; exit with `code` once they are answered.
    Leaving { deadline: Instant, code: i32 },
}

/// Everything the client knows.
pub(crate) struct App {
    pub(crate) opts: Options,
    pub(crate) out: Printer,
    pub(crate) tx: Sender<Input>,
    pub(crate) sip: Sip,
    pub(crate) client: ImClient,
    pub(crate) room: SipUri,
    pub(crate) phase: Phase,
    /// When we got into the room.
    pub(crate) joined_at: Option<Instant>,
    pub(crate) invite: Option<OutgoingInvite>,
    pub(crate) joined: Option<JoinedSession>,
    /// Our latest ACK, sent again for a retransmitted 2xx.
    pub(crate) ack: Option<Request>,
    /// The CPIM `From` of our messages (REQ: CLI-2): our address or the alias the focus
    /// gave; its display name follows our nickname.
    pub(crate) sender: Address,
    /// The CPIM `To` of public messages.
    pub(crate) conference: Bytes,
    /// The session timer of the room's dialog (RFC 4028).
    pub(crate) timer: SessionTimer,
    pub(crate) timer_request: TimerRequest,
    /// The version of our latest SDP (`o=`), for re-offers and answers.
    pub(crate) sdp_version: u64,
    pub(crate) subscriber: Option<simpleim_sip::dialog::Subscriber>,
    pub(crate) resubscribes: u32,
    pub(crate) roster: Roster,
    /// The room's MSRP session.
    pub(crate) chat: Option<Link>,
    /// A file transfer's own MSRP session (RFC 5547), when the focus takes one.
    pub(crate) file_link: Option<Link>,
    /// The dialog of the file being sent (RFC 5547), until its BYE.
    pub(crate) file_dialog: Option<simpleim_sip::dialog::Dialog>,
    /// Deferred messages being pushed to us (seed 004 App. H), one session each.
    pub(crate) pushes: Vec<crate::push::Push>,
    pub(crate) next_link: LinkId,
    /// Our MSRP URI in the room's session (the last URI of our `a=path`).
    pub(crate) local_msrp: MsrpUri,
    /// With `--relay`: the `a=path` we advertise (the relay's Use-Path, then us), once the
    /// relay has answered our AUTH.
    pub(crate) relay_path: Option<String>,
    pub(crate) listener: Option<TcpListener>,
    pub(crate) seed: u64,
    /// Lines typed and not yet acted on (they wait for the room, a pause, a file offer).
    pub(crate) queue: VecDeque<String>,
    pub(crate) pause_until: Option<Instant>,
    pub(crate) wait_for: Option<(String, Instant)>,
    pub(crate) input_ended: bool,
    pub(crate) exit_at: Option<Instant>,
    /// Our messages in flight, for the failure report.
    pub(crate) outgoing: HashMap<MessageId, String>,
    pub(crate) nicknames: HashMap<TransactionId, String>,
    pub(crate) file: Option<FileTransfer>,
    pub(crate) registered: bool,
    /// When the registration is refreshed, and whether with `Require: pref`.
    pub(crate) register_refresh: Option<Instant>,
    pub(crate) register_pref: bool,
    /// Why we are leaving.
    pub(crate) reason: Option<String>,
    /// Set when the client should exit with this code.
    pub(crate) exit_code: Option<i32>,
    /// Outputs may be waiting (a budgeted flush stopped early).
    pub(crate) more_output: bool,
}

/// The reason phrase and Warning text of a failure response, for people.
pub(crate) fn describe_failure(r: &Response) -> String {
    let mut text = format!("{} {}", r.code(), String::from_utf8_lossy(r.reason()));
    for w in r.headers().typed_all::<Warning>().flatten() {
        text.push_str(&format!(
            " (Warning {}: {})",
            w.code(),
            String::from_utf8_lossy(&w.text())
        ));
    }
    text
}

impl App {
    /// Sends the REGISTER (when asked) and the INVITE that joins the room.
    pub(crate) fn start(&mut self, now: Instant) -> Result<(), String> {
        if let Some(listener) = self.listener.take() {
            io::spawn_msrp_listener(CHAT_LINK, listener, self.tx.clone())
                .map_err(|e| format!("MSRP listener: {e}"))?;
        }
        if self.opts.relay.is_some() {
            // The INVITE waits for the relay's Use-Path (RFC 4976 §5.1): see `relay.rs`.
            self.connect_relay(now)?;
        }
        if self.opts.register {
            self.send_register(now, true);
        }
        if self.opts.relay.is_some() {
            return Ok(());
        }
        self.send_join(now)
    }

    /// Sends the INVITE that joins the room, its MSRP offer from the client's configuration.
    pub(crate) fn send_join(&mut self, now: Instant) -> Result<(), String> {
        let options = self.invite_options();
        let invite = self
            .client
            .join_group(&self.room, &options)
            .map_err(|e| format!("cannot write the INVITE: {e}"))?;
        self.sip
            .send(now, Purpose::Join, invite.request().clone())?;
        self.invite = Some(invite);
        Ok(())
    }

    /// How our INVITEs ask to appear: under `--alias`, anonymously with `--anonymous`.
    pub(crate) fn invite_options(&self) -> InviteOptions {
        match (&self.opts.alias, self.opts.anonymous) {
            (Some(a), true) => InviteOptions::anonymous(a),
            (None, true) => InviteOptions::anonymous(&self.opts.name),
            (Some(a), false) => InviteOptions::with_alias(a),
            (None, false) => InviteOptions::new(),
        }
    }

    pub(crate) fn send_register(&mut self, now: Instant, pref: bool) {
        self.client.config_mut().register_require_pref = pref;
        let what = simpleim_focus::client::Registration::Im;
        match self.client.register(what) {
            Ok(r) => {
                if let Err(e) = self.sip.send(now, Purpose::Register { pref }, r) {
                    self.out.warn(&e);
                }
            }
            Err(e) => self.out.warn(&format!("cannot write the REGISTER: {e}")),
        }
    }

    // --- the MSRP sessions ------------------------------------------------------------------

    /// Every MSRP session: the room's, a file's, the pushes'.
    pub(crate) fn links(&self) -> impl Iterator<Item = &Link> {
        self.chat
            .iter()
            .chain(self.file_link.iter())
            .chain(self.pushes.iter().map(|p| &p.link))
    }

    pub(crate) fn links_mut(&mut self) -> impl Iterator<Item = &mut Link> {
        self.chat
            .iter_mut()
            .chain(self.file_link.iter_mut())
            .chain(self.pushes.iter_mut().map(|p| &mut p.link))
    }

    pub(crate) fn link_mut(&mut self, id: LinkId) -> Option<&mut Link> {
        self.links_mut().find(|l| l.id == id)
    }

    // --- the main loop ---------------------------------------------------------------------

    /// Runs until the client exits; returns the exit code.
    pub(crate) fn run(mut self, rx: &Receiver<Input>) -> i32 {
        loop {
            let now = io::now();
            self.tick(now);
            self.pump(now);
            if let Some(code) = self.exit_code {
                self.sip.flush(now);
                self.sip.close();
                return code;
            }
            let wait = if self.more_output {
                Duration::ZERO
            } else {
                self.next_deadline().map_or(Duration::from_secs(3600), |d| {
                    d.saturating_duration_since(now)
                })
            };
            match rx.recv_timeout(wait) {
                Ok(input) => {
                    self.handle_input(io::now(), input);
                    // Take what else is already there before drawing breath.
                    while let Ok(input) = rx.try_recv() {
                        let now = io::now();
                        self.handle_input(now, input);
                        self.pump(now);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return 1,
            }
        }
    }

    /// The earliest instant something is due.
    fn next_deadline(&self) -> Option<Instant> {
        let mut all = vec![
            self.sip.poll_timeout(),
            self.timer.poll_timeout(),
            self.subscriber.as_ref().and_then(|s| s.poll_timeout()),
            self.links().filter_map(|l| l.session.poll_timeout()).min(),
            self.pause_until,
            self.register_refresh,
            self.wait_for.as_ref().map(|(_, t)| *t),
            self.exit_at,
        ];
        if let Phase::Leaving { deadline, .. } = self.phase {
            all.push(Some(deadline));
        }
        all.into_iter().flatten().min()
    }

    /// Fires what is due at `now`.
    fn tick(&mut self, now: Instant) {
        self.sip.handle_timeout(now);
        if self.timer.poll_timeout().is_some_and(|t| t <= now) {
            self.timer.handle_timeout(now);
        }
        if let Some(s) = self.subscriber.as_mut() {
            if s.poll_timeout().is_some_and(|t| t <= now) {
                s.handle_timeout(now);
            }
        }
        for link in self.links_mut() {
            if link.session.poll_timeout().is_some_and(|t| t <= now) {
                link.session.handle_timeout(now);
            }
        }
        if self.register_refresh.is_some_and(|t| t <= now) {
            self.register_refresh = None;
            if !matches!(self.phase, Phase::Leaving { .. }) {
                let pref = self.register_pref;
                self.send_register(now, pref);
            }
        }
        if self.exit_at.is_some_and(|t| t <= now) {
            self.exit_at = None;
            self.leave(now, "time is up (--exit-after)", 0);
        }
        if let Phase::Leaving { deadline, code } = self.phase {
            if deadline <= now {
                self.out
                    .warn("the server did not answer everything in time; leaving anyway");
                self.finish(code);
            }
        }
    }

    fn handle_input(&mut self, now: Instant, input: Input) {
        match input {
            Input::Line(line) => self.queue.push_back(line),
            Input::Eof => self.input_ended = true,
            Input::Sip(msg) => self.sip.handle_message(now, *msg),
            Input::SipFailed(why) => {
                if !matches!(self.phase, Phase::Leaving { .. }) {
                    self.out.error(&why);
                }
                self.sip.transport_failed(now, why);
                // Nothing can be said to the server any more.
                self.finish(1);
            }
            Input::MsrpAccepted { link, stream } => {
                if let Some(l) = self.chat.as_mut().filter(|l| l.id == link) {
                    l.attach(stream);
                } else {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                }
            }
            Input::MsrpBytes { link, data } => {
                if let Some(l) = self.link_mut(link) {
                    l.session.handle_bytes(now, &data);
                }
            }
            Input::MsrpClosed { link, error } => {
                if let (Some(e), CHAT_LINK, Phase::InRoom) = (&error, link, self.phase) {
                    self.out.warn(&format!("the room's MSRP connection: {e}"));
                }
                if let Some(l) = self.link_mut(link) {
                    l.session.handle_connection_lost(now);
                }
            }
        }
    }

    /// Drains every machine until nothing more happens.
    fn pump(&mut self, now: Instant) {
        for _ in 0..1000 {
            let mut progressed = false;
            self.sip.flush(now);
            while let Some(event) = self.sip.poll_event() {
                progressed = true;
                self.on_sip_event(now, event);
            }
            progressed |= self.drain_subscriber(now);
            while let Some(e) = self.timer.poll_event() {
                progressed = true;
                self.on_timer_event(now, e);
            }
            progressed |= self.drain_links(now);
            progressed |= self.process_queue(now);
            self.check_input_end(now);
            self.check_left();
            self.file_progress();
            self.sip.flush(now);
            if !progressed || self.exit_code.is_some() {
                return;
            }
        }
    }

    // --- leaving ---------------------------------------------------------------------------

    /// A request in the room's dialog (RFC 3261 §12.2.1.1), with our User-Agent.
    pub(crate) fn dialog_request(
        &mut self,
        method: Method,
    ) -> Result<simpleim_sip::RequestBuilder, String> {
        let sent_by = self.sip.sent_by.clone();
        let user_agent = self.client.config().user_agent.clone();
        let j = self.joined.as_mut().ok_or("not in a room")?;
        j.dialog_mut()
            .request(method, &sent_by, &mut self.sip.ids)
            .map(|b| b.typed(&user_agent))
            .map_err(|e| e.to_string())
    }

    pub(crate) fn send_bye(&mut self, now: Instant) {
        let live = self
            .joined
            .as_ref()
            .is_some_and(|j| j.dialog().state() != DialogState::Terminated);
        if !live {
            return;
        }
        match self
            .dialog_request(Method::Bye)
            .and_then(|b| b.build().map_err(|e| e.to_string()))
        {
            Ok(bye) => {
                if let Err(e) = self.sip.send(now, Purpose::Bye, bye) {
                    self.out.warn(&e);
                }
            }
            Err(e) => self.out.warn(&format!("cannot write the BYE: {e}")),
        }
    }

    /// Leaves the room: BYE (or CANCEL), unsubscribe, de-register; exits with `code` once
    /// they are answered.
    pub(crate) fn leave(&mut self, now: Instant, reason: &str, code: i32) {
        if matches!(self.phase, Phase::Leaving { .. }) || self.exit_code.is_some() {
            return;
        }
        self.reason = Some(reason.to_owned());
        self.phase = Phase::Leaving {
            deadline: now + LEAVE_TIMEOUT,
            code,
        };
        self.queue.clear();
        self.timer.stop();
        self.register_refresh = None;
        if self.joined.is_some() {
            self.send_bye(now);
        } else if let Some(invite) = &self.invite {
            if let Ok(cancel) = cancel_request(invite.request()) {
                let _ = self.sip.send(now, Purpose::Cancel, cancel);
            }
        }
        if let Some(s) = self.subscriber.as_mut() {
            let _ = s.unsubscribe(now);
        }
        if self.registered {
            match self
                .client
                .register(simpleim_focus::client::Registration::Deregister)
            {
                Ok(r) => {
                    let _ = self.sip.send(now, Purpose::Deregister, r);
                }
                Err(e) => self.out.warn(&format!("cannot de-register: {e}")),
            }
        }
    }

    /// Exits once what leaving sent is answered.
    fn check_left(&mut self) {
        let Phase::Leaving { code, .. } = self.phase else {
            return;
        };
        let waiting = [
            Purpose::Register { pref: true },
            Purpose::Register { pref: false },
            Purpose::Bye,
            Purpose::Deregister,
            Purpose::Subscribe,
            Purpose::Join,
        ]
        .into_iter()
        .any(|p| self.sip.waiting_for(p));
        if !waiting {
            self.finish(code);
        }
    }

    /// Ends everything and sets the exit code.
    pub(crate) fn finish(&mut self, code: i32) {
        if self.exit_code.is_some() {
            return;
        }
        for link in self.links_mut() {
            link.session.close();
            let _ = link.flush();
            link.shutdown();
        }
        let reason = self.reason.take().unwrap_or_else(|| "exit".to_owned());
        self.out.left(&reason);
        self.exit_code = Some(code);
    }
}

/// A SIP URI from text.
pub(crate) fn sip_uri(text: &str) -> Option<SipUri> {
    match Uri::parse(&Bytes::copy_from_slice(text.as_bytes())) {
        Ok(Uri::Sip(u)) => Some(u),
        _ => None,
    }
}
