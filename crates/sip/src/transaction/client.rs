//! Client transactions: INVITE (RFC 3261 §17.1.1, Figure 5, with the Accepted state of RFC
//! 6026 §7.2) and non-INVITE (§17.1.2, Figure 6).
//!
//! A transaction reacts to responses and to its timers, writes what it sends and what the TU
//! should know to [`Outputs`], and tells the layer what the layer must do next (release a
//! held CANCEL, forget the transaction) through [`ClientStep`].

use std::time::Instant;

use bytes::Bytes;
use smallvec::SmallVec;

use super::config::TransactionConfig;
use super::event::{ClientState, TransactionEvent};
use super::key::{ClientKey, TransactionKey, response_to_tag};
use super::outputs::Outputs;
use super::requests::ack_for_non_2xx;
use super::timer::{Backoff, earliest, later};
use crate::message::{Request, Response};
use crate::method::Method;

/// Provisional responses remembered per transaction to deliver each once (a server
/// retransmits its latest provisional response on every request retransmission, §17.2.1).
const PROVISIONALS_REMEMBERED: usize = 8;
/// 2xx To tags remembered per INVITE (one per UAS that answered a forked INVITE).
const FORKS_REMEMBERED: usize = 16;

/// What the layer does after a transaction handled an input.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ClientStep {
    /// The transaction is over: forget it.
    pub(crate) terminated: bool,
    /// The INVITE left Calling for Proceeding: a held CANCEL may go (§9.1).
    pub(crate) proceeding: bool,
    /// The INVITE got its final response: a held CANCEL is dropped (§9.1).
    pub(crate) final_response: bool,
    /// A retransmission of a 2xx already delivered: the layer re-sends the TU's ACK or tells
    /// the TU.
    pub(crate) retransmitted_2xx: Option<Response>,
    /// A response the transaction discards as stray (a 2xx after a non-2xx, a non-2xx after a
    /// 2xx).
    pub(crate) stray: bool,
}

/// One client transaction.
#[derive(Debug)]
pub(crate) struct ClientTransaction<H> {
    pub(crate) key: ClientKey,
    pub(crate) state: ClientState,
    pub(crate) request: Request,
    pub(crate) method: Method,
    pub(crate) branch: Bytes,
    pub(crate) handle: H,
    reliable: bool,
    /// A CANCEL not sent yet: its INVITE has had no provisional response (§9.1).
    pub(crate) held: bool,
    /// For an INVITE: its CANCEL transaction, if the TU sent one.
    pub(crate) cancel: Option<ClientKey>,
    /// Timer A (INVITE) or E (non-INVITE).
    retransmit: Option<Backoff>,
    /// Timer B (INVITE) or F (non-INVITE).
    timeout: Option<Instant>,
    /// Timer D (INVITE Completed), K (non-INVITE Completed) or M (INVITE Accepted).
    linger: Option<Instant>,
    /// §9.1: no final response `64*T1` after the CANCEL went out ends the INVITE.
    cancel_expiry: Option<Instant>,
    /// The ACK sent for the non-2xx final response, re-sent for its retransmissions.
    ack: Option<Request>,
    /// Provisional responses delivered, byte for byte.
    delivered: SmallVec<[Bytes; 2]>,
    /// To tags of the 2xx responses delivered.
    ok_tags: SmallVec<[Option<Bytes>; 1]>,
    /// The instant this transaction is queued under in the layer's timer queue.
    pub(crate) scheduled: Option<Instant>,
}

impl<H: Clone> ClientTransaction<H> {
    /// A transaction for `request` (already checked by the layer), not yet sent.
    pub(crate) fn new(
        key: ClientKey,
        request: Request,
        branch: Bytes,
        handle: H,
        reliable: bool,
        held: bool,
    ) -> Self {
        let method = request.method().clone();
        let state = if method == Method::Invite {
            ClientState::Calling
        } else {
            ClientState::Trying
        };
        Self {
            key,
            state,
            request,
            method,
            branch,
            handle,
            reliable,
            held,
            cancel: None,
            retransmit: None,
            timeout: None,
            linger: None,
            cancel_expiry: None,
            ack: None,
            delivered: SmallVec::new(),
            ok_tags: SmallVec::new(),
            scheduled: None,
        }
    }

    fn is_invite(&self) -> bool {
        self.method == Method::Invite
    }

    /// The earliest armed timer.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        earliest([
            self.retransmit.map(|b| b.at),
            self.timeout,
            self.linger,
            self.cancel_expiry,
        ])
    }

    /// Sends the request and arms Timer A/E (unreliable only) and B/F (§17.1.1.2,
    /// §17.1.2.2). A held CANCEL waits for [`ClientTransaction::release`].
    pub(crate) fn start(&mut self, now: Instant, cfg: &TransactionConfig, out: &mut Outputs<H>) {
        if self.held {
            return;
        }
        out.send(&self.handle, self.request.clone());
        if !self.reliable {
            self.retransmit = Some(Backoff::start(now, cfg.t1));
        }
        self.timeout = Some(later(now, cfg.t1x64()));
    }

    /// Sends a held CANCEL: its INVITE has had a provisional response.
    pub(crate) fn release(&mut self, now: Instant, cfg: &TransactionConfig, out: &mut Outputs<H>) {
        if self.held {
            self.held = false;
            self.start(now, cfg, out);
        }
    }

    /// The INVITE's CANCEL went out: without a final response `64*T1` later the INVITE is
    /// considered cancelled and destroyed (§9.1).
    pub(crate) fn cancel_sent(&mut self, now: Instant, cfg: &TransactionConfig) {
        if self.state == ClientState::Proceeding && self.cancel_expiry.is_none() {
            self.cancel_expiry = Some(later(now, cfg.t1x64()));
        }
    }

    /// A response matched to this transaction (§17.1.3).
    pub(crate) fn on_response(
        &mut self,
        now: Instant,
        response: Response,
        cfg: &TransactionConfig,
        out: &mut Outputs<H>,
    ) -> ClientStep {
        let mut step = ClientStep::default();
        if self.held {
            // Nothing was sent: a response cannot be ours.
            step.stray = true;
            return step;
        }
        let code = response.code();
        if self.is_invite() {
            self.on_invite_response(now, code, response, cfg, out, &mut step);
        } else {
            self.on_non_invite_response(now, code, response, cfg, out, &mut step);
        }
        step
    }

    /// Figure 5 with RFC 6026's Accepted state.
    fn on_invite_response(
        &mut self,
        now: Instant,
        code: u16,
        response: Response,
        cfg: &TransactionConfig,
        out: &mut Outputs<H>,
        step: &mut ClientStep,
    ) {
        match (self.state, code) {
            (ClientState::Calling | ClientState::Proceeding, 100..=199) => {
                if self.state == ClientState::Calling {
                    // §17.1.1.2: Timer A stops; Timer B only guards Calling.
                    self.state = ClientState::Proceeding;
                    self.retransmit = None;
                    self.timeout = None;
                    step.proceeding = true;
                }
                self.deliver_provisional(response, out);
            }
            (ClientState::Calling | ClientState::Proceeding, 200..=299) => {
                // RFC 6026 §7.2: Accepted, Timer M; the TU ACKs the 2xx itself.
                self.state = ClientState::Accepted;
                self.clear_timers();
                self.linger = Some(later(now, cfg.t1x64()));
                self.ok_tags.push(response_to_tag(&response));
                step.final_response = true;
                self.deliver(response, out);
            }
            (ClientState::Calling | ClientState::Proceeding, _) => {
                // §17.1.1.2: 300-699 → Completed, ACK, Timer D (zero when reliable).
                self.state = ClientState::Completed;
                self.clear_timers();
                self.ack = ack_for_non_2xx(&self.request, &response);
                if let Some(ack) = &self.ack {
                    out.send(&self.handle, ack.clone());
                }
                step.final_response = true;
                self.deliver(response, out);
                if self.reliable {
                    step.terminated = true;
                } else {
                    self.linger = Some(later(now, cfg.timer_d));
                }
            }
            (ClientState::Completed, 300..=699) => {
                // §17.1.1.2: a retransmitted final response gets the ACK again.
                out.stats.retransmissions_absorbed += 1;
                if let Some(ack) = &self.ack {
                    out.stats.acks_resent += 1;
                    out.send(&self.handle, ack.clone());
                }
            }
            (ClientState::Accepted, 200..=299) => {
                let tag = response_to_tag(&response);
                if self.ok_tags.contains(&tag) {
                    step.retransmitted_2xx = Some(response);
                } else {
                    // Another UAS answered the forked INVITE: a new dialog (§13.2.2.4).
                    if self.ok_tags.len() < FORKS_REMEMBERED {
                        self.ok_tags.push(tag);
                    }
                    out.event(TransactionEvent::Response {
                        key: self.key,
                        response,
                    });
                }
            }
            (ClientState::Completed | ClientState::Accepted, 100..=199) => {
                // A provisional response after the final one: late, nothing to do.
                out.stats.retransmissions_absorbed += 1;
            }
            _ => step.stray = true,
        }
    }

    /// Figure 6.
    fn on_non_invite_response(
        &mut self,
        now: Instant,
        code: u16,
        response: Response,
        cfg: &TransactionConfig,
        out: &mut Outputs<H>,
        step: &mut ClientStep,
    ) {
        match (self.state, code) {
            (ClientState::Trying | ClientState::Proceeding, 100..=199) => {
                // §17.1.2.2: Timer E keeps running (reset to T2 from now on), F too.
                self.state = ClientState::Proceeding;
                self.deliver_provisional(response, out);
            }
            (ClientState::Trying | ClientState::Proceeding, _) => {
                // Completed, Timer K (zero when reliable).
                self.state = ClientState::Completed;
                self.clear_timers();
                step.final_response = true;
                self.deliver(response, out);
                if self.reliable {
                    step.terminated = true;
                } else {
                    self.linger = Some(later(now, cfg.t4));
                }
            }
            _ => out.stats.retransmissions_absorbed += 1,
        }
    }

    /// Delivers a provisional response unless the same bytes were delivered already.
    fn deliver_provisional(&mut self, response: Response, out: &mut Outputs<H>) {
        let bytes = response.as_bytes();
        if self.delivered.iter().any(|b| b == bytes) {
            out.stats.retransmissions_absorbed += 1;
            return;
        }
        if self.delivered.len() >= PROVISIONALS_REMEMBERED {
            self.delivered.remove(0);
        }
        self.delivered.push(bytes.clone());
        self.deliver(response, out);
    }

    /// Hands a response to the TU.
    fn deliver(&self, response: Response, out: &mut Outputs<H>) {
        out.event(TransactionEvent::Response {
            key: self.key,
            response,
        });
    }

    fn clear_timers(&mut self) {
        self.retransmit = None;
        self.timeout = None;
        self.linger = None;
        self.cancel_expiry = None;
    }

    /// Fires the timers due at `now`, earliest first.
    pub(crate) fn on_timer(
        &mut self,
        now: Instant,
        cfg: &TransactionConfig,
        out: &mut Outputs<H>,
    ) -> ClientStep {
        let mut step = ClientStep::default();
        // Each timer either stops or moves past `now` when it fires, so four rounds suffice;
        // the bound only guards against an instant that cannot move (see `later`).
        for _ in 0..4 {
            let Some(due) = self.next_deadline().filter(|at| *at <= now) else {
                break;
            };
            // At one instant the end of the transaction wins over a retransmission.
            if self.timeout == Some(due) {
                // Timer B (§17.1.1.2) or F (§17.1.2.2).
                out.event(self.timeout_event());
                step.terminated = true;
                return step;
            } else if self.linger == Some(due) {
                // Timer D, K or M.
                step.terminated = true;
                return step;
            } else if self.cancel_expiry == Some(due) {
                self.cancel_expiry = None;
                if self.state == ClientState::Proceeding {
                    // §9.1: consider the INVITE cancelled and destroy it.
                    out.event(self.timeout_event());
                    step.terminated = true;
                    return step;
                }
            } else {
                self.fire_retransmit(now, cfg, out);
            }
        }
        step
    }

    fn timeout_event(&self) -> TransactionEvent<H> {
        TransactionEvent::Timeout {
            key: TransactionKey::Client(self.key),
        }
    }

    /// Timer A (§17.1.1.2: doubles without a cap) or E (§17.1.2.2: doubles up to T2 in
    /// Trying, T2 in Proceeding).
    fn fire_retransmit(&mut self, now: Instant, cfg: &TransactionConfig, out: &mut Outputs<H>) {
        let Some(timer) = self.retransmit else {
            return;
        };
        self.retransmit = match self.state {
            ClientState::Calling => Some(timer.doubled(now, None)),
            ClientState::Trying => Some(timer.doubled(now, Some(cfg.t2))),
            ClientState::Proceeding if !self.is_invite() => Some(Backoff::start(now, cfg.t2)),
            _ => None,
        };
        if self.retransmit.is_some() {
            out.stats.retransmissions_sent += 1;
            out.send(&self.handle, self.request.clone());
        }
    }
}
