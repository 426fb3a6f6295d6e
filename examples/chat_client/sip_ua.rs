//! The SIP side of the client: one transport to the server and the transaction layer over
//! it (RFC 3261 §17: retransmissions over UDP, absorbing duplicates, the ACK of a non-2xx).
//! Client transactions are remembered with what they were for, so that their outcome can be
//! routed back ([`SipEvent`]).

use std::collections::HashMap;
use std::time::Instant;

use simpleim_sip::dialog::SentBy;
use simpleim_sip::transaction::{
    ClientKey, ServerKey, TransactionConfig, TransactionEvent, TransactionKey, TransactionLayer,
    TransportHandle,
};
use simpleim_sip::{Request, Response, SeededIds};

use crate::io::SipTransport;

/// The one transport handle: the connection (or socket) to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Server {
    reliable: bool,
}

impl TransportHandle for Server {
    fn is_reliable(&self) -> bool {
        self.reliable
    }
}

/// What a client transaction was started for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// REGISTER; `pref` is whether it carried `Require: pref`.
    Register { pref: bool },
    /// REGISTER with Expires: 0 on the way out.
    Deregister,
    /// The INVITE that joins the room.
    Join,
    /// The BYE that leaves it.
    Bye,
    /// A SUBSCRIBE of the conference event package.
    Subscribe,
    /// An UPDATE that refreshes the session (RFC 4028).
    Refresh,
    /// The CANCEL of the join, when leaving before its answer.
    Cancel,
    /// The INVITE offering a file to the room (RFC 5547).
    FileOffer,
    /// The BYE that ends the file's dialog after the transfer.
    FileClose,
}

/// What the transaction layer reported, in the client's terms.
pub(crate) enum SipEvent {
    /// A response to one of our requests (provisional ones included).
    Response {
        purpose: Purpose,
        request: Box<Request>,
        response: Box<Response>,
    },
    /// A 2xx to our INVITE came again before we ACKed it.
    Retransmitted2xx,
    /// One of our requests ended without a final response: `status` 408 (timeout) or 503
    /// (transport error), as RFC 3261 §8.1.3.1 says to treat them.
    Failed {
        purpose: Purpose,
        request: Box<Request>,
        status: u16,
    },
    /// A request from the server, to answer with [`Sip::respond`].
    Request {
        key: ServerKey,
        request: Box<Request>,
    },
    /// An ACK for a 2xx we sent (the focus's re-INVITE), or a stray one.
    Ack,
    /// A server transaction we had not answered failed.
    ServerFailed,
}

/// The transport, the transaction layer and what our client transactions are for.
pub(crate) struct Sip {
    transport: SipTransport,
    handle: Server,
    layer: TransactionLayer<Server>,
    pending: HashMap<ClientKey, (Purpose, Request)>,
    /// Where our requests say they come from (Via sent-by).
    pub(crate) sent_by: SentBy,
    /// Branches, tags and Call-IDs of the requests we build outside the `ImClient`.
    pub(crate) ids: SeededIds,
    /// Set once the transport failed.
    pub(crate) broken: Option<String>,
}

impl Sip {
    pub(crate) fn new(transport: SipTransport, sent_by: SentBy, seed: u64) -> Self {
        let handle = Server {
            reliable: transport.is_reliable(),
        };
        let layer = TransactionLayer::new(TransactionConfig::new(Box::new(SeededIds::new(
            seed ^ 0x5eed_0001,
        ))));
        Self {
            transport,
            handle,
            layer,
            pending: HashMap::new(),
            sent_by,
            ids: SeededIds::new(seed ^ 0x5eed_0002),
            broken: None,
        }
    }

    /// Starts a client transaction for `request`.
    pub(crate) fn send(
        &mut self,
        now: Instant,
        purpose: Purpose,
        request: Request,
    ) -> Result<(), String> {
        let key = self
            .layer
            .send_request(now, self.handle.clone(), request.clone())
            .map_err(|e| format!("cannot send {}: {e}", request.method()))?;
        self.pending.insert(key, (purpose, request));
        Ok(())
    }

    /// Sends the ACK of a 2xx to our INVITE (not a transaction, RFC 3261 §17.1.1.3).
    pub(crate) fn send_ack(&mut self, now: Instant, ack: Request) -> Result<(), String> {
        self.layer
            .send_ack(now, self.handle.clone(), ack)
            .map_err(|e| format!("cannot send ACK: {e}"))
    }

    /// Answers a request from the server.
    pub(crate) fn respond(&mut self, now: Instant, key: ServerKey, response: Response) {
        if let Err(e) = self.layer.send_response(now, key, response) {
            // Only our own bug (answering twice) gets here; the server times out.
            self.broken
                .get_or_insert(format!("cannot answer a request: {e}"));
        }
    }

    /// A message from the server.
    pub(crate) fn handle_message(&mut self, now: Instant, message: simpleim_sip::Message) {
        self.layer.handle_message(now, self.handle.clone(), message);
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.layer.poll_timeout().is_some_and(|t| t <= now) {
            self.layer.handle_timeout(now);
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.layer.poll_timeout()
    }

    /// The transport failed: every transaction on it fails (RFC 3261 §17.1.1.2).
    pub(crate) fn transport_failed(&mut self, now: Instant, why: String) {
        self.broken.get_or_insert(why);
        let handle = self.handle.clone();
        self.layer.handle_transport_error(now, &handle);
    }

    /// Writes what the layer has to send.
    pub(crate) fn flush(&mut self, now: Instant) {
        while let Some(t) = self.layer.poll_transmit() {
            if self.broken.is_some() {
                continue;
            }
            if let Err(e) = self.transport.send(t.bytes()) {
                self.transport_failed(now, format!("cannot send SIP: {e}"));
            }
        }
    }

    /// The next event, translated.
    pub(crate) fn poll_event(&mut self) -> Option<SipEvent> {
        loop {
            let event = self.layer.poll_event()?;
            let translated = match event {
                TransactionEvent::NewRequest { key, request, .. } => Some(SipEvent::Request {
                    key,
                    request: Box::new(request),
                }),
                TransactionEvent::Response { key, response } => {
                    let final_response = response.code() >= 200;
                    let entry = if final_response {
                        self.pending.remove(&key)
                    } else {
                        self.pending.get(&key).cloned()
                    };
                    entry.map(|(purpose, request)| SipEvent::Response {
                        purpose,
                        request: Box::new(request),
                        response: Box::new(response),
                    })
                }
                TransactionEvent::Retransmitted2xx { .. } => Some(SipEvent::Retransmitted2xx),
                TransactionEvent::Timeout {
                    key: TransactionKey::Client(key),
                } => self
                    .pending
                    .remove(&key)
                    .map(|(purpose, request)| SipEvent::Failed {
                        purpose,
                        request: Box::new(request),
                        status: 408,
                    }),
                TransactionEvent::TransportError {
                    key: TransactionKey::Client(key),
                } => self
                    .pending
                    .remove(&key)
                    .map(|(purpose, request)| SipEvent::Failed {
                        purpose,
                        request: Box::new(request),
                        status: 503,
                    }),
                TransactionEvent::Timeout { .. }
                | TransactionEvent::TransportError { .. }
                | TransactionEvent::AckTimeout { .. } => Some(SipEvent::ServerFailed),
                TransactionEvent::Acked { .. } | TransactionEvent::StrayAck { .. } => {
                    Some(SipEvent::Ack)
                }
                TransactionEvent::Terminated {
                    key: TransactionKey::Client(key),
                } => {
                    // A transaction that ended without telling us (a held CANCEL).
                    self.pending.remove(&key);
                    None
                }
                _ => None,
            };
            if translated.is_some() {
                return translated;
            }
        }
    }

    /// Whether any of our requests of `purpose` is still waiting.
    pub(crate) fn waiting_for(&self, purpose: Purpose) -> bool {
        self.pending.values().any(|(p, _)| *p == purpose)
    }

    /// Closes the transport.
    pub(crate) fn close(&self) {
        self.transport.close();
    }
}
