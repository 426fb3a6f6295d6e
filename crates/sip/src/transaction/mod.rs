//! SIP transactions (RFC 3261 §17, amended by RFC 6026), sans-IO.
//!
//! A [`TransactionLayer`] holds every client and server transaction of an endpoint. The host
//! feeds it the messages it receives, each with the transport handle it came in on
//! ([`TransactionLayer::handle_message`]), and the passing of time
//! ([`TransactionLayer::handle_timeout`]); the TU (the UA core, a dialog layer, the focus)
//! sends requests and responses through it. After every input and command the host drains the
//! outputs in this order:
//!
//! 1. [`TransactionLayer::poll_transmit`] until `None`: messages to send, each naming its
//!    handle ([`Transmit`]);
//! 2. [`TransactionLayer::poll_event`] until `None`: what the TU should know
//!    ([`TransactionEvent`]);
//! 3. [`TransactionLayer::poll_timeout`]: when to call `handle_timeout` next.
//!
//! The layer never reads a clock and never draws a random number: time is the `now` of every
//! input, and the tags of the layer's own responses come from [`TransactionConfig::ids`].
//!
//! ## The state machines
//! | transaction | states | RFC |
//! |---|---|---|
//! | INVITE client | Calling → Proceeding → Completed (3xx–6xx, ACK sent by the layer) or Accepted (2xx) → Terminated | §17.1.1, Figure 5; RFC 6026 §7.2 |
//! | non-INVITE client | Trying → Proceeding → Completed → Terminated | §17.1.2, Figure 6 |
//! | INVITE server | Proceeding → Completed (3xx–6xx) → Confirmed (ACK) → Terminated, or Proceeding → Accepted (2xx) → Terminated | §17.2.1, Figure 7; RFC 6026 §7.1 |
//! | non-INVITE server | Trying → Proceeding → Completed → Terminated | §17.2.2, Figure 8 |
//!
//! Timers (RFC 3261 Table 4, RFC 6026), with T1, T2 and T4 from [`TransactionConfig`]:
//!
//! | timer | value | meaning |
//! |---|---|---|
//! | A | T1, doubling, unreliable only | INVITE retransmission (Calling) |
//! | B | 64*T1 | INVITE timeout (Calling) → [`TransactionEvent::Timeout`] |
//! | D | [`TransactionConfig::timer_d`] (32 s) unreliable, 0 reliable | absorb final response retransmissions |
//! | E | T1, doubling up to T2 (T2 in Proceeding), unreliable only | non-INVITE retransmission |
//! | F | 64*T1 | non-INVITE timeout → [`TransactionEvent::Timeout`] |
//! | G | T1, doubling up to T2, unreliable only | 3xx–6xx to INVITE retransmission |
//! | H | 64*T1 | no ACK for a 3xx–6xx → [`TransactionEvent::Timeout`] |
//! | I | T4 unreliable, 0 reliable | absorb ACK retransmissions |
//! | J | 64*T1 unreliable, 0 reliable | absorb non-INVITE request retransmissions |
//! | K | T4 unreliable, 0 reliable | absorb non-INVITE response retransmissions |
//! | L | 64*T1 | INVITE server Accepted: absorb INVITE retransmissions, retransmit the 2xx |
//! | M | 64*T1 | INVITE client Accepted: deliver 2xx from other forks |
//! | 2xx | T1, doubling up to T2 (§13.3.1.4) | 2xx to INVITE retransmission until its ACK |
//! | 100 | [`TransactionConfig::trying_delay`] (200 ms) | the layer sends 100 (Trying) if the TU has not answered |
//!
//! Reliability comes from the handle ([`TransportHandle::is_reliable`]): over TCP, TLS or
//! SCTP nothing but the 2xx to INVITE is retransmitted (see
//! [`TransactionConfig::retransmit_2xx_on_reliable`]) and D, I, J, K are zero.
//!
//! ## Matching
//! - A response goes to the client transaction whose request had the same top Via branch and
//!   the same CSeq method (§17.1.3). Responses that match none are discarded (RFC 6026 §8.9)
//!   and counted in [`Stats`]; a 2xx to INVITE may be passed up instead
//!   ([`TransactionConfig::pass_stray_2xx`], RFC 3261 §18.1.2).
//! - A request goes to the server transaction with the same top Via branch, sent-by and
//!   method, an ACK to the INVITE's (§17.2.3). A branch without the magic cookie `z9hG4bK`
//!   is matched the RFC 2543 way: Request-URI (compared by §19.1.4), To tag (for an ACK: the
//!   To tag of the response sent), From tag, Call-ID, CSeq number and top Via.
//! - An ACK that matches no transaction by those rules is matched to an INVITE server
//!   transaction in Accepted by dialog (Call-ID, From tag, To tag of the 2xx) and CSeq number:
//!   the ACK for its 2xx ([`TransactionEvent::Acked`]). Otherwise it is
//!   [`TransactionEvent::StrayAck`].
//! - Retransmitted requests are absorbed and answered with the latest response (nothing in
//!   Trying, Confirmed and Accepted); retransmitted responses are absorbed (the ACK goes again
//!   for a 3xx–6xx to INVITE). A provisional response identical to one delivered is not
//!   delivered again, and a 2xx from a To tag already delivered neither.
//!
//! ## CANCEL (§9)
//! The layer answers a CANCEL itself in a server transaction of its own: 200 when it matches
//! a server transaction (same rules as its original request, method aside), 481 otherwise.
//! When it matches an INVITE server transaction that has not sent its final response, the TU
//! gets [`TransactionEvent::Cancelled`] and, by default
//! ([`TransactionConfig::cancel_with_487`]), the layer answers the INVITE 487 (Request
//! Terminated) itself, with the To tag of the latest provisional response. A CANCEL for an
//! INVITE already answered changes nothing. On the client side, build the CANCEL with
//! [`cancel_request`] and send it with [`TransactionLayer::send_request`]: if the INVITE has
//! had no provisional response yet, the layer holds the CANCEL until one arrives and drops it
//! if a final response comes first; if the INVITE gets no final response `64*T1` after the
//! CANCEL went out, it ends with [`TransactionEvent::Timeout`] (§9.1).
//!
//! ## 2xx responses to INVITE (§13.3.1.4, §13.2.2.4, RFC 6026)
//! RFC 3261 gives the 2xx to the TU rather than the transaction; this layer does that work for
//! the TU:
//! - UAS: after [`TransactionLayer::send_response`] with a 2xx the INVITE server transaction
//!   is Accepted. The layer retransmits the 2xx (T1 doubling up to T2) until an ACK for it
//!   arrives ([`TransactionEvent::Acked`], once; duplicates are absorbed) and absorbs INVITE
//!   retransmissions. If no ACK comes within `64*T1` the TU gets
//!   [`TransactionEvent::AckTimeout`] and should send BYE.
//! - UAC: the first 2xx from each UAS is [`TransactionEvent::Response`]. The TU builds the ACK
//!   from the dialog and sends it with [`TransactionLayer::send_ack`]; the layer keeps it for
//!   `64*T1` and answers every retransmission of that 2xx with it. A retransmission that
//!   arrives before the TU sent its ACK is [`TransactionEvent::Retransmitted2xx`].
//!
//! ## What the TU does
//! - Builds every request with a fresh branch ([`IdKind::Branch`](crate::IdKind::Branch)) in
//!   its top Via, and sends it with [`TransactionLayer::send_request`] on the handle it chose.
//! - Answers every [`TransactionEvent::NewRequest`] with exactly one final response (and, for
//!   INVITE, provisional responses before it) through [`TransactionLayer::send_response`].
//!   The layer does not time out a request the TU leaves unanswered (RFC 3261 has no such
//!   timer); the transaction stays, counted against
//!   [`TransactionConfig::max_transactions`].
//! - ACKs each 2xx to INVITE ([`TransactionLayer::send_ack`]) and re-sends the ACK on
//!   [`TransactionEvent::Retransmitted2xx`]; sends BYE on [`TransactionEvent::AckTimeout`].
//! - Gives up on an INVITE that stays in Proceeding (provisional responses, no final one) by
//!   sending a CANCEL: RFC 3261 gives the INVITE client transaction no timer there (a UA's
//!   choice, like a proxy's Timer C); `64*T1` after the CANCEL the layer ends it (§9.1).
//! - Treats [`TransactionEvent::Timeout`] of a client transaction as a 408 and
//!   [`TransactionEvent::TransportError`] as a 503 (§8.1.3.1).
//! - Reports fatal transport errors with [`TransactionLayer::handle_transport_error`].
//!
//! ## Bounds
//! At most [`TransactionConfig::max_transactions`] transactions live at once: a new request
//! beyond that is answered 503 without a transaction, and `send_request` fails with
//! [`SendError::TooManyTransactions`]. Remembered ACKs are bounded by the same number. Every
//! transaction ends on a timer, except the two states RFC 3261 leaves to the TU: a server
//! transaction waiting for its final response, and an INVITE client transaction in Proceeding
//! that the TU has not cancelled.
//!
//! ## Example
//! Alice calls Bob over UDP: INVITE, 200, ACK. The drain loop is the same for every input.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use simpleim_sip::transaction::{
//!     TransactionConfig, TransactionEvent, TransactionLayer, Transmit, TransportHandle,
//! };
//! use simpleim_sip::{HeaderName, IdGenerator, IdKind, Method, Request, Response, SeededIds};
//!
//! /// The host's handle: here the peer's name; a real host uses a socket address.
//! #[derive(Debug, Clone, PartialEq, Eq, Hash)]
//! struct Udp(&'static str);
//!
//! impl TransportHandle for Udp {
//!     fn is_reliable(&self) -> bool {
//!         false
//!     }
//! }
//!
//! /// Drains a layer after an input: transmit, then events, then the next timeout.
//! fn drain(
//!     layer: &mut TransactionLayer<Udp>,
//!     wire: &mut Vec<Transmit<Udp>>,
//!     events: &mut Vec<TransactionEvent<Udp>>,
//! ) -> Option<Instant> {
//!     while let Some(t) = layer.poll_transmit() {
//!         wire.push(t); // the host sends t.bytes() to t.handle
//!     }
//!     while let Some(e) = layer.poll_event() {
//!         events.push(e); // the TU handles it
//!     }
//!     layer.poll_timeout() // the host calls handle_timeout then
//! }
//!
//! let layer = |seed| {
//!     // Seed from a real random source in production.
//!     TransactionLayer::<Udp>::new(TransactionConfig::new(Box::new(SeededIds::new(seed))))
//! };
//! let (mut alice, mut bob) = (layer(1), layer(2));
//! let mut ids = SeededIds::new(3); // Alice's TU draws branches from it
//! let (mut wire, mut alice_events, mut bob_events) = (Vec::new(), Vec::new(), Vec::new());
//! let now = Instant::now(); // time is an input: the host's clock
//!
//! let via = |ids: &mut SeededIds| {
//!     let branch = ids.next_id(IdKind::Branch);
//!     format!("SIP/2.0/UDP alice.example.com;branch={}", String::from_utf8_lossy(&branch))
//! };
//! let invite = Request::builder(Method::Invite, "sip:bob@example.com")
//!     .header(HeaderName::Via, via(&mut ids))
//!     .header(HeaderName::MaxForwards, 70)
//!     .header(HeaderName::From, "<sip:alice@example.com>;tag=a1")
//!     .header(HeaderName::To, "<sip:bob@example.com>")
//!     .header(HeaderName::CallId, "c1@alice.example.com")
//!     .header(HeaderName::CSeq, "1 INVITE")
//!     .header(HeaderName::Contact, "<sip:alice@alice.example.com>")
//!     .build()?;
//! let call = alice.send_request(now, Udp("bob"), invite)?;
//! let timer_a = drain(&mut alice, &mut wire, &mut alice_events);
//! assert_eq!(timer_a, Some(now + Duration::from_millis(500)));
//!
//! // The INVITE reaches Bob; his TU answers 200 at once.
//! for t in wire.drain(..) {
//!     bob.handle_message(now, Udp("alice"), t.message);
//! }
//! drain(&mut bob, &mut wire, &mut bob_events);
//! let Some(TransactionEvent::NewRequest { key, request, .. }) = bob_events.pop() else {
//!     panic!("no request");
//! };
//! let ok = Response::for_request(&request, 200, &mut SeededIds::new(4))
//!     .header(HeaderName::Contact, "<sip:bob@bob.example.com>")
//!     .build()?;
//! bob.send_response(now, key, ok)?;
//! drain(&mut bob, &mut wire, &mut bob_events);
//!
//! // The 200 reaches Alice; her TU ACKs it (§13.2.2.4: a new branch, the INVITE's CSeq number).
//! for t in wire.drain(..) {
//!     alice.handle_message(now, Udp("bob"), t.message);
//! }
//! drain(&mut alice, &mut wire, &mut alice_events);
//! let Some(TransactionEvent::Response { key, response }) = alice_events.pop() else {
//!     panic!("no response");
//! };
//! assert_eq!((key, response.code()), (call, 200));
//! let to = response.headers().get(HeaderName::To).map(|f| f.value()).unwrap_or_default();
//! let ack = Request::builder(Method::Ack, "sip:bob@bob.example.com")
//!     .header(HeaderName::Via, via(&mut ids))
//!     .header(HeaderName::MaxForwards, 70)
//!     .header(HeaderName::From, "<sip:alice@example.com>;tag=a1")
//!     .header_named("To", to)
//!     .header(HeaderName::CallId, "c1@alice.example.com")
//!     .header(HeaderName::CSeq, "1 ACK")
//!     .build()?;
//! alice.send_ack(now, Udp("bob"), ack)?;
//! drain(&mut alice, &mut wire, &mut alice_events);
//!
//! // The ACK stops Bob's 2xx retransmissions.
//! for t in wire.drain(..) {
//!     bob.handle_message(now, Udp("alice"), t.message);
//! }
//! drain(&mut bob, &mut wire, &mut bob_events);
//! assert!(matches!(bob_events.last(), Some(TransactionEvent::Acked { .. })));
//!
//! // 64*T1 later Timers L and M end both transactions.
//! let later = now + Duration::from_secs(32);
//! alice.handle_timeout(later);
//! bob.handle_timeout(later);
//! assert_eq!(drain(&mut alice, &mut wire, &mut alice_events), None);
//! assert_eq!(drain(&mut bob, &mut wire, &mut bob_events), None);
//! assert!(matches!(alice_events.last(), Some(TransactionEvent::Terminated { .. })));
//! assert!(alice.is_empty() && bob.is_empty() && wire.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod config;
mod event;
mod key;
mod layer;
mod outputs;
mod requests;
mod server;
mod timer;

pub use config::{TransactionConfig, TransportHandle};
pub use event::{ClientState, SendError, ServerState, Stats, TransactionEvent, Transmit};
pub use key::{ClientKey, ServerKey, TransactionKey};
pub use layer::TransactionLayer;
pub use requests::cancel_request;

#[cfg(test)]
mod tests;
