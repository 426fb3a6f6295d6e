//! Server transactions: INVITE (RFC 3261 §17.2.1, Figure 7, with the Accepted state of RFC
//! 6026 §7.1 and the 2xx retransmissions §13.3.1.4 gives the UAS core) and non-INVITE
//! (§17.2.2, Figure 8). CANCEL transactions are non-INVITE transactions the layer answers
//! itself (§9.2).

use std::time::Instant;

use bytes::Bytes;

use super::config::TransactionConfig;
use super::event::{SendError, ServerState, TransactionEvent};
use super::key::{DialogKey, ServerKey, ServerMatch, TransactionKey, cseq, response_dialog_key};
use super::outputs::Outputs;
use super::requests::layer_response;
use super::timer::{Backoff, earliest, later};
use crate::message::{Request, Response};
use crate::method::Method;
use crate::name::HeaderName;

/// What a server transaction was created for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerKind {
    Invite,
    NonInvite,
    /// A CANCEL the layer answers itself: the TU never sees its key.
    Cancel,
}

/// What the layer does after a transaction handled an input.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ServerStep {
    /// The transaction is over: forget it.
    pub(crate) terminated: bool,
    /// The INVITE entered Accepted: ACKs for its 2xx are matched by this dialog key.
    pub(crate) accepted: Option<DialogKey>,
}

/// One server transaction.
#[derive(Debug)]
pub(crate) struct ServerTransaction<H> {
    pub(crate) key: ServerKey,
    pub(crate) kind: ServerKind,
    pub(crate) state: ServerState,
    pub(crate) request: Request,
    /// The method it is matched under (INVITE for an INVITE; its ACK matches it too).
    pub(crate) method: Method,
    pub(crate) matching: ServerMatch,
    /// For RFC 2543 matching: the Request-URI and the To tag of the request.
    pub(crate) uri: Bytes,
    pub(crate) to_tag: Option<Bytes>,
    /// The To tag of the final response sent (an RFC 2543 ACK carries it).
    pub(crate) response_to_tag: Option<Bytes>,
    pub(crate) handle: H,
    reliable: bool,
    /// The latest response sent, re-sent for request retransmissions and timers.
    last_response: Option<Response>,
    /// When the layer sends 100 (Trying) if the TU has not answered (§17.2.1).
    trying: Option<Instant>,
    /// Timer G (Completed) or the 2xx retransmissions (Accepted, §13.3.1.4).
    retransmit: Option<Backoff>,
    /// Timer H (Completed) or L (Accepted).
    timeout: Option<Instant>,
    /// Timer I (Confirmed) or J (non-INVITE Completed).
    linger: Option<Instant>,
    /// Accepted: the ACK for the 2xx arrived.
    acked: bool,
    /// Accepted: the key ACKs for the 2xx are matched by.
    pub(crate) dialog: Option<DialogKey>,
    pub(crate) scheduled: Option<Instant>,
}

/// The parts of a new server transaction the layer computed while matching.
#[derive(Debug)]
pub(crate) struct NewServer<H> {
    pub(crate) key: ServerKey,
    pub(crate) kind: ServerKind,
    pub(crate) request: Request,
    pub(crate) matching: ServerMatch,
    pub(crate) to_tag: Option<Bytes>,
    pub(crate) handle: H,
    pub(crate) reliable: bool,
}

impl<H: Clone> ServerTransaction<H> {
    /// A transaction for a request that matched none (§17.2.3), in Proceeding (INVITE,
    /// §17.2.1) or Trying (non-INVITE, §17.2.2). An INVITE arms the 100 (Trying) timer; with a
    /// zero delay the 100 goes at once.
    pub(crate) fn new(
        parts: NewServer<H>,
        now: Instant,
        cfg: &mut TransactionConfig,
        out: &mut Outputs<H>,
    ) -> Self {
        let NewServer {
            key,
            kind,
            request,
            matching,
            to_tag,
            handle,
            reliable,
        } = parts;
        let state = if kind == ServerKind::Invite {
            ServerState::Proceeding
        } else {
            ServerState::Trying
        };
        let mut t = Self {
            key,
            kind,
            state,
            method: request.method().clone(),
            uri: request.uri_bytes(),
            request,
            matching,
            to_tag,
            response_to_tag: None,
            handle,
            reliable,
            last_response: None,
            trying: None,
            retransmit: None,
            timeout: None,
            linger: None,
            acked: false,
            dialog: None,
            scheduled: None,
        };
        if kind == ServerKind::Invite {
            match cfg.trying_delay {
                Some(d) if d.is_zero() => t.send_trying(cfg, out),
                Some(d) => t.trying = Some(later(now, d)),
                None => {}
            }
        }
        t
    }

    /// The earliest armed timer.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        earliest([
            self.trying,
            self.retransmit.map(|b| b.at),
            self.timeout,
            self.linger,
        ])
    }

    /// Sends 100 (Trying) for an INVITE the TU has not answered yet (§17.2.1).
    fn send_trying(&mut self, cfg: &mut TransactionConfig, out: &mut Outputs<H>) {
        self.trying = None;
        if self.state != ServerState::Proceeding || self.last_response.is_some() {
            return;
        }
        if let Some(trying) = layer_response(&self.request, 100, None, cfg.ids.as_mut()) {
            out.send(&self.handle, trying.clone());
            self.last_response = Some(trying);
        }
    }

    /// A retransmission of the request (§17.2.1, §17.2.2): the latest response goes again,
    /// except in Trying (nothing sent yet), Confirmed and Accepted (RFC 6026 §7.1: absorbed).
    pub(crate) fn on_retransmission(&mut self, handle: H, out: &mut Outputs<H>) {
        // The response goes where the request last came from (§18.2.2).
        self.handle = handle;
        out.stats.retransmissions_absorbed += 1;
        if matches!(self.state, ServerState::Proceeding | ServerState::Completed) {
            if let Some(r) = &self.last_response {
                out.send(&self.handle, r.clone());
            }
        }
    }

    /// An ACK matched to this INVITE transaction: by branch or RFC 2543 rules, or (Accepted)
    /// by dialog.
    pub(crate) fn on_ack(
        &mut self,
        now: Instant,
        ack: Request,
        cfg: &TransactionConfig,
        out: &mut Outputs<H>,
    ) -> ServerStep {
        let mut step = ServerStep::default();
        match self.state {
            ServerState::Completed => {
                // §17.2.1: Confirmed, G and H stop, Timer I (zero when reliable).
                self.state = ServerState::Confirmed;
                self.retransmit = None;
                self.timeout = None;
                if self.reliable {
                    step.terminated = true;
                } else {
                    self.linger = Some(later(now, cfg.t4));
                }
            }
            ServerState::Accepted if !self.acked => {
                // §13.3.1.4: the ACK stops the 2xx retransmissions; RFC 6026: to the TU.
                self.acked = true;
                self.retransmit = None;
                out.event(TransactionEvent::Acked { key: self.key, ack });
            }
            _ => out.stats.retransmissions_absorbed += 1,
        }
        step
    }

    /// A response from the TU (or the layer's 487 / CANCEL answer).
    pub(crate) fn respond(
        &mut self,
        now: Instant,
        response: Response,
        cfg: &TransactionConfig,
        out: &mut Outputs<H>,
    ) -> Result<ServerStep, SendError> {
        let code = response.code();
        let mut step = ServerStep::default();
        let same_cseq = cseq(response.headers()).ok().is_some_and(|c| {
            c.method() == self.request.method()
                && cseq(self.request.headers()).is_ok_and(|r| r.seq() == c.seq())
        });
        if !same_cseq {
            return Err(SendError::Malformed(HeaderName::CSeq));
        }
        match (self.kind, self.state, code) {
            (ServerKind::Invite, ServerState::Proceeding, 100..=199) => {
                self.trying = None;
                self.send(response, out);
            }
            (ServerKind::Invite, ServerState::Proceeding, 200..=299) => {
                // RFC 6026 §7.1: Accepted, Timer L; §13.3.1.4: retransmit until the ACK.
                self.state = ServerState::Accepted;
                self.trying = None;
                self.timeout = Some(later(now, cfg.t1x64()));
                if !self.reliable || cfg.retransmit_2xx_on_reliable {
                    self.retransmit = Some(Backoff::start(now, cfg.t1));
                }
                self.dialog = response_dialog_key(&response);
                step.accepted.clone_from(&self.dialog);
                self.send(response, out);
            }
            (ServerKind::Invite, ServerState::Accepted, 200..=299) => {
                // RFC 6026 §7.1: a 2xx from the TU in Accepted is sent; it replaces the one
                // retransmitted.
                self.send(response, out);
            }
            (ServerKind::Invite, ServerState::Proceeding, _) => {
                // §17.2.1: Completed, Timer G (unreliable) and H.
                self.state = ServerState::Completed;
                self.trying = None;
                if !self.reliable {
                    self.retransmit = Some(Backoff::start(now, cfg.t1));
                }
                self.timeout = Some(later(now, cfg.t1x64()));
                self.send(response, out);
            }
            (_, ServerState::Trying | ServerState::Proceeding, 100) => {
                self.state = ServerState::Proceeding;
                self.send(response, out);
            }
            (_, ServerState::Trying | ServerState::Proceeding, 101..=199) => {
                return Err(SendError::ProvisionalToNonInvite);
            }
            (_, ServerState::Trying | ServerState::Proceeding, _) => {
                // §17.2.2: Completed, Timer J (zero when reliable).
                self.state = ServerState::Completed;
                self.send(response, out);
                if self.reliable {
                    step.terminated = true;
                } else {
                    self.linger = Some(later(now, cfg.t1x64()));
                }
            }
            _ => return Err(SendError::AlreadyFinal),
        }
        Ok(step)
    }

    /// The To value of the latest provisional response, so that the layer's 487 keeps the
    /// tag the TU gave the early dialog.
    pub(crate) fn provisional_to(&self) -> Option<Bytes> {
        let r = self.last_response.as_ref()?;
        let to = r.headers().get(HeaderName::To)?;
        let tagged = super::key::response_to_tag(r).is_some();
        tagged.then(|| to.value())
    }

    fn send(&mut self, response: Response, out: &mut Outputs<H>) {
        if response.code() >= 200 {
            self.response_to_tag = super::key::response_to_tag(&response);
        }
        out.send(&self.handle, response.clone());
        self.last_response = Some(response);
    }

    /// Fires the timers due at `now`, earliest first.
    pub(crate) fn on_timer(
        &mut self,
        now: Instant,
        cfg: &mut TransactionConfig,
        out: &mut Outputs<H>,
    ) -> ServerStep {
        let mut step = ServerStep::default();
        for _ in 0..5 {
            let Some(due) = self.next_deadline().filter(|at| *at <= now) else {
                break;
            };
            // At one instant the end of the transaction wins over a retransmission.
            if self.timeout == Some(due) {
                if self.state == ServerState::Accepted {
                    // Timer L. Without an ACK the 2xx went unacknowledged for 64*T1
                    // (§13.3.1.4): the TU should send BYE.
                    if !self.acked {
                        out.event(TransactionEvent::AckTimeout { key: self.key });
                    }
                } else {
                    // Timer H: no ACK for the non-2xx (§17.2.1).
                    out.event(TransactionEvent::Timeout {
                        key: TransactionKey::Server(self.key),
                    });
                }
                step.terminated = true;
                return step;
            } else if self.linger == Some(due) {
                // Timer I or J.
                step.terminated = true;
                return step;
            } else if self.trying == Some(due) {
                self.send_trying(cfg, out);
            } else {
                self.fire_retransmit(now, cfg, out);
            }
        }
        step
    }

    /// Timer G (§17.2.1) or the 2xx retransmission (§13.3.1.4): both double up to T2.
    fn fire_retransmit(&mut self, now: Instant, cfg: &TransactionConfig, out: &mut Outputs<H>) {
        let Some(timer) = self.retransmit else {
            return;
        };
        self.retransmit = None;
        if matches!(self.state, ServerState::Completed | ServerState::Accepted) {
            if let Some(r) = &self.last_response {
                self.retransmit = Some(timer.doubled(now, Some(cfg.t2)));
                out.stats.retransmissions_sent += 1;
                out.send(&self.handle, r.clone());
            }
        }
    }
}
