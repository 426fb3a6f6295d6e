//! [`TransactionLayer`]: every client and server transaction of an endpoint, the matching of
//! incoming messages to them, CANCEL handling, and the 2xx-to-INVITE duties RFC 3261 gives the
//! core (§13.3.1.4 on the UAS side, §13.2.2.4 on the UAC side).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use bytes::Bytes;
use smallvec::SmallVec;

use super::client::ClientTransaction;
use super::config::{TransactionConfig, TransportHandle};
use super::event::{ClientState, SendError, ServerState, Stats, TransactionEvent, Transmit};
use super::key::{
    BranchKey, ClientKey, DialogKey, LegacyKey, ServerKey, TransactionKey, cseq, dialog_parts,
    rfc3261_branch, top_via,
};
use super::outputs::Outputs;

mod bookkeeping;
mod incoming;
use super::server::{ServerKind, ServerTransaction};
use super::timer::{Slot, TimerQueue, later};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;

/// An ACK the TU sent for a 2xx, kept to answer that 2xx's retransmissions.
#[derive(Debug)]
struct AckEntry<H> {
    key: DialogKey,
    handle: H,
    ack: Request,
    /// Forgotten at this instant (`64*T1` after the latest `send_ack` for it).
    expires: Instant,
    /// The instant it is queued under (an earlier `expires`, when refreshed since).
    queued: Instant,
}

/// The SIP transaction layer of one endpoint (RFC 3261 §17), sans-IO: it matches incoming
/// messages to transactions, retransmits over unreliable transports, absorbs retransmissions,
/// answers CANCEL, and keeps the timers A to M. The [module documentation](super) is the guide,
/// with a full run loop; this is the reference.
///
/// `H` is the host's transport handle ([`TransportHandle`]): the layer receives every message
/// with the handle it came in on and names the handle of everything it sends.
///
/// # Methods
/// - getters: [`config`](Self::config), [`stats`](Self::stats), [`len`](Self::len),
///   [`is_empty`](Self::is_empty), [`client_state`](Self::client_state),
///   [`server_state`](Self::server_state), [`server_request`](Self::server_request);
/// - inputs (`now` first): [`handle_message`](Self::handle_message),
///   [`handle_timeout`](Self::handle_timeout),
///   [`handle_transport_error`](Self::handle_transport_error);
/// - commands: [`send_request`](Self::send_request), [`send_response`](Self::send_response),
///   [`send_ack`](Self::send_ack);
/// - outputs, drained after every input and command in this order:
///   [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout).
///
/// Nothing here reads a clock or a random source; the tags of the layer's own responses come
/// from [`TransactionConfig::ids`]. (The matching indexes are hash maps with the standard
/// library's randomly keyed hasher, against collision floods; nothing the layer puts out
/// depends on their order.)
#[derive(Debug)]
pub struct TransactionLayer<H> {
    config: TransactionConfig,
    next_id: u64,
    clients: BTreeMap<u64, ClientTransaction<H>>,
    /// §17.1.3: (branch, CSeq method) → client transaction.
    client_index: HashMap<(Bytes, Method), u64>,
    servers: BTreeMap<u64, ServerTransaction<H>>,
    /// §17.2.3: (branch, sent-by) → the transactions under it by method (an INVITE and its
    /// CANCEL share a branch).
    branch_index: HashMap<BranchKey, SmallVec<[(Method, u64); 2]>>,
    /// RFC 2543 matching, refined by Request-URI and To tag.
    legacy_index: HashMap<LegacyKey, SmallVec<[u64; 2]>>,
    /// INVITE server transactions in Accepted, by the dialog of their 2xx (§13.3.1.4).
    dialog_index: HashMap<DialogKey, u64>,
    acks: BTreeMap<u64, AckEntry<H>>,
    ack_index: HashMap<DialogKey, u64>,
    timers: TimerQueue,
    out: Outputs<H>,
}

impl<H: TransportHandle> TransactionLayer<H> {
    /// A layer with `config` (durations clamped as [`TransactionConfig`] says).
    #[must_use]
    pub fn new(config: TransactionConfig) -> Self {
        Self {
            config: config.clamped(),
            next_id: 0,
            clients: BTreeMap::new(),
            client_index: HashMap::new(),
            servers: BTreeMap::new(),
            branch_index: HashMap::new(),
            legacy_index: HashMap::new(),
            dialog_index: HashMap::new(),
            acks: BTreeMap::new(),
            ack_index: HashMap::new(),
            timers: TimerQueue::default(),
            out: Outputs::new(),
        }
    }

    // --- getters -----------------------------------------------------------------------------

    /// The configuration in force (after clamping).
    #[must_use]
    pub fn config(&self) -> &TransactionConfig {
        &self.config
    }

    /// What the layer did without an event.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.out.stats
    }

    /// Live transactions, client and server (the layer's own CANCEL transactions included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.clients.len() + self.servers.len()
    }

    /// True when no transaction is alive and no ACK is remembered: the layer has nothing left
    /// to do but what new inputs bring.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty() && self.servers.is_empty() && self.acks.is_empty()
    }

    /// The state of a client transaction; `None` once it has terminated.
    #[must_use]
    pub fn client_state(&self, key: ClientKey) -> Option<ClientState> {
        self.clients.get(&key.0).map(|t| t.state)
    }

    /// The state of a server transaction; `None` once it has terminated.
    #[must_use]
    pub fn server_state(&self, key: ServerKey) -> Option<ServerState> {
        self.servers
            .get(&key.0)
            .filter(|t| t.kind != ServerKind::Cancel)
            .map(|t| t.state)
    }

    /// The request that created a server transaction, while it lives.
    #[must_use]
    pub fn server_request(&self, key: ServerKey) -> Option<&Request> {
        self.servers
            .get(&key.0)
            .filter(|t| t.kind != ServerKind::Cancel)
            .map(|t| &t.request)
    }

    // --- inputs ------------------------------------------------------------------------------

    /// A message received on `handle` (parsed by the host: [`Message::parse_datagram`] for
    /// UDP, a [`StreamDecoder`](crate::StreamDecoder) for a connection).
    ///
    /// Requests: a retransmission is absorbed (the latest response is sent again, §17.2.1,
    /// §17.2.2); an ACK goes to its INVITE transaction or, for a 2xx, is matched by dialog
    /// ([`TransactionEvent::Acked`]), else is [`TransactionEvent::StrayAck`]; a CANCEL is
    /// answered by the layer (§9.2); any other request creates a server transaction
    /// ([`TransactionEvent::NewRequest`]), or is answered 503 when
    /// [`TransactionConfig::max_transactions`] are alive. A request missing what matching
    /// needs (Via, CSeq with the request's method, Call-ID, From, To) is answered 400 without
    /// a transaction (nothing for an ACK, nothing without a Via).
    ///
    /// Responses go to the client transaction of their top Via branch and CSeq method
    /// (§17.1.3); the rest is discarded (RFC 6026 §8.9) and counted in [`Stats`].
    pub fn handle_message(&mut self, now: Instant, handle: H, message: Message) {
        match message {
            Message::Request(req) => self.on_request(now, handle, req),
            Message::Response(resp) => self.on_response(now, handle, resp),
        }
    }

    /// The passing of time: fires the timers due at `now` (retransmissions, timeouts, the
    /// end of transactions). Called before [`poll_timeout`](Self::poll_timeout)'s instant, it
    /// does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        for slot in self.timers.take_due(now) {
            match slot {
                Slot::Client(id) => {
                    let Some(t) = self.clients.get_mut(&id) else {
                        continue;
                    };
                    t.scheduled = None;
                    let step = t.on_timer(now, &self.config, &mut self.out);
                    self.after_client(now, id, step);
                }
                Slot::Server(id) => {
                    let Some(t) = self.servers.get_mut(&id) else {
                        continue;
                    };
                    t.scheduled = None;
                    let step = t.on_timer(now, &mut self.config, &mut self.out);
                    self.after_server(id, step);
                }
                Slot::Ack(id) => {
                    if let Some(mut entry) = self.acks.remove(&id) {
                        if entry.expires > now {
                            // Refreshed meanwhile: queue it again.
                            self.timers
                                .reschedule(Slot::Ack(id), None, Some(entry.expires));
                            entry.queued = entry.expires;
                            self.acks.insert(id, entry);
                        } else {
                            self.ack_index.remove(&entry.key);
                        }
                    }
                }
            }
        }
    }

    /// The host could not send on `handle`, or the connection behind it is gone (RFC 3261
    /// §17.1.1.2, §17.1.2.2, §17.2.4): every transaction using it fails with
    /// [`TransactionEvent::TransportError`] and terminates, and ACKs remembered for it are
    /// forgotten. Report only fatal errors: a host that can reach the peer again (a new
    /// connection to the same address, §18.2.2) keeps the handle instead.
    pub fn handle_transport_error(&mut self, _now: Instant, handle: &H) {
        let clients: Vec<u64> = self
            .clients
            .iter()
            .filter(|(_, t)| t.handle == *handle)
            .map(|(id, _)| *id)
            .collect();
        for id in clients {
            if self.clients.contains_key(&id) {
                self.out.event(TransactionEvent::TransportError {
                    key: TransactionKey::Client(ClientKey(id)),
                });
                self.remove_client(id);
            }
        }
        let servers: Vec<u64> = self
            .servers
            .iter()
            .filter(|(_, t)| t.handle == *handle)
            .map(|(id, _)| *id)
            .collect();
        for id in servers {
            if self
                .servers
                .get(&id)
                .is_some_and(|t| t.kind != ServerKind::Cancel)
            {
                self.out.event(TransactionEvent::TransportError {
                    key: TransactionKey::Server(ServerKey(id)),
                });
            }
            self.remove_server(id);
        }
        let acks: Vec<u64> = self
            .acks
            .iter()
            .filter(|(_, a)| a.handle == *handle)
            .map(|(id, _)| *id)
            .collect();
        for id in acks {
            self.forget_ack(id);
        }
    }

    // --- commands ----------------------------------------------------------------------------

    /// Starts a client transaction for `request` and sends it on `handle` (§17.1). The TU
    /// builds the request, including its top Via with a fresh branch from an
    /// [`IdGenerator`](crate::IdGenerator) ([`IdKind::Branch`](crate::IdKind::Branch)); the
    /// layer keys the transaction by that branch and the method and does not change the
    /// request. A CANCEL (build it with [`cancel_request`](super::cancel_request)) needs its
    /// INVITE's transaction, still without a final response; if the INVITE has had no
    /// provisional response yet, the CANCEL is held and sent when one arrives (§9.1).
    ///
    /// The host picks the handle (RFC 3263) and, for a request too large for UDP, a reliable
    /// one (§18.1.1).
    ///
    /// # Errors
    /// [`SendError::AckNotAllowed`], [`SendError::NoBranch`], [`SendError::Malformed`] (no
    /// Via or CSeq, or a CSeq method other than the request's),
    /// [`SendError::DuplicateBranch`], [`SendError::NothingToCancel`],
    /// [`SendError::TooManyTransactions`].
    pub fn send_request(
        &mut self,
        now: Instant,
        handle: H,
        request: Request,
    ) -> Result<ClientKey, SendError> {
        let method = request.method().clone();
        if method == Method::Ack {
            return Err(SendError::AckNotAllowed);
        }
        let h = request.headers();
        let via = top_via(h).map_err(|e| SendError::Malformed(e.0))?;
        let branch = rfc3261_branch(&via).ok_or(SendError::NoBranch)?;
        let c = cseq(h).map_err(|e| SendError::Malformed(e.0))?;
        if *c.method() != method {
            return Err(SendError::Malformed(HeaderName::CSeq));
        }
        if self
            .client_index
            .contains_key(&(branch.clone(), method.clone()))
        {
            return Err(SendError::DuplicateBranch);
        }
        let invite = if method == Method::Cancel {
            let id = self
                .client_index
                .get(&(branch.clone(), Method::Invite))
                .copied()
                .filter(|id| {
                    self.clients.get(id).is_some_and(|t| {
                        matches!(t.state, ClientState::Calling | ClientState::Proceeding)
                    })
                })
                .ok_or(SendError::NothingToCancel)?;
            Some(id)
        } else {
            None
        };
        if self.is_full() {
            return Err(SendError::TooManyTransactions {
                limit: self.config.max_transactions,
            });
        }
        let id = self.next_id();
        let held = invite
            .and_then(|i| self.clients.get(&i))
            .is_some_and(|t| t.state == ClientState::Calling);
        let reliable = handle.is_reliable();
        let mut t = ClientTransaction::new(
            ClientKey(id),
            request,
            branch.clone(),
            handle,
            reliable,
            held,
        );
        t.start(now, &self.config, &mut self.out);
        self.clients.insert(id, t);
        self.client_index.insert((branch, method), id);
        self.sync_client(id);
        if let Some(invite_id) = invite {
            if let Some(inv) = self.clients.get_mut(&invite_id) {
                inv.cancel = Some(ClientKey(id));
                if !held {
                    inv.cancel_sent(now, &self.config);
                }
            }
            self.sync_client(invite_id);
        }
        Ok(ClientKey(id))
    }

    /// Sends `response` on the server transaction `key` (§17.2.1, §17.2.2): provisional
    /// responses, then one final response. A 2xx to INVITE moves the transaction to Accepted
    /// (RFC 6026), where the layer retransmits it (T1 doubling up to T2, §13.3.1.4) until the
    /// ACK ([`TransactionEvent::Acked`]) or `64*T1` ([`TransactionEvent::AckTimeout`]); the TU
    /// may send a 2xx again there. A non-2xx final response to INVITE is retransmitted until
    /// its ACK (Timers G, H).
    ///
    /// # Errors
    /// [`SendError::UnknownTransaction`] (terminated, or never existed),
    /// [`SendError::AlreadyFinal`], [`SendError::ProvisionalToNonInvite`] (RFC 4320),
    /// [`SendError::Malformed`] when the response's CSeq is not the request's.
    pub fn send_response(
        &mut self,
        now: Instant,
        key: ServerKey,
        response: Response,
    ) -> Result<(), SendError> {
        let t = self
            .servers
            .get_mut(&key.0)
            .filter(|t| t.kind != ServerKind::Cancel)
            .ok_or(SendError::UnknownTransaction(key))?;
        let step = t.respond(now, response, &self.config, &mut self.out)?;
        self.after_server(key.0, step);
        Ok(())
    }

    /// Sends an ACK for a 2xx to INVITE on `handle` (§13.2.2.4; not a transaction, §17.1.1.3)
    /// and remembers it for `64*T1` under its dialog (Call-ID, From tag, To tag) and CSeq
    /// number: every retransmission of that 2xx is then answered with this ACK by the layer
    /// itself, without an event. Calling it again for the same 2xx replaces the ACK. The TU
    /// builds the ACK from the dialog (§13.2.2.4: the CSeq number of the INVITE, the route set,
    /// a new branch).
    ///
    /// # Errors
    /// [`SendError::NotAnAck`], [`SendError::Malformed`] when Call-ID, From, To or CSeq is
    /// missing or malformed. When [`TransactionConfig::max_transactions`] ACKs are
    /// remembered the ACK is still sent, but not remembered.
    pub fn send_ack(&mut self, now: Instant, handle: H, ack: Request) -> Result<(), SendError> {
        if *ack.method() != Method::Ack {
            return Err(SendError::NotAnAck);
        }
        let h = ack.headers();
        let (call_id, from_tag, to_tag) = dialog_parts(h).map_err(|e| SendError::Malformed(e.0))?;
        let seq = cseq(h).map_err(|e| SendError::Malformed(e.0))?.seq();
        let key = DialogKey {
            call_id,
            from_tag,
            to_tag,
            cseq: seq,
        };
        self.out.send(&handle, ack.clone());
        let expires = later(now, self.config.t1x64());
        if let Some(id) = self.ack_index.get(&key).copied() {
            if let Some(entry) = self.acks.get_mut(&id) {
                // The queued instant stays; the entry is re-queued when it fires early.
                entry.handle = handle;
                entry.ack = ack;
                entry.expires = expires;
            }
        } else if self.acks.len() < self.config.max_transactions {
            let id = self.next_id();
            self.timers.reschedule(Slot::Ack(id), None, Some(expires));
            self.ack_index.insert(key.clone(), id);
            self.acks.insert(
                id,
                AckEntry {
                    key,
                    handle,
                    ack,
                    expires,
                    queued: expires,
                },
            );
        }
        Ok(())
    }

    // --- outputs -----------------------------------------------------------------------------

    /// The next message to send, in order.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit<H>> {
        self.out.transmits.pop_front()
    }

    /// The next event for the TU, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<TransactionEvent<H>> {
        self.out.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should be called next, if ever. After
    /// `handle_timeout(now)` it is always later than `now`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }
}
