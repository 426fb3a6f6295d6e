//! The transaction layer in two-endpoint scenarios on a simulated clock (RFC 3261 §17, §13.3.1.4,
//! RFC 6026): flows over UDP and TCP, retransmission schedules checked against Table 4, lost
//! messages, and the timers that end transactions. CANCEL, matching and bounds are in
//! `transaction_matching.rs`; the random-fault property in `transaction_prop.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Duration;

use simpleim_sip::Method;
use simpleim_sip::transaction::{
    ClientState, ServerKey, ServerState, TransactionEvent, TransactionKey,
};
use simpleim_test_support::sip_sim::{Faults, Pair, Side, is_request, is_response};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn new_request_keys(pair: &Pair) -> Vec<ServerKey> {
    pair.b.new_requests().into_iter().map(|(k, _)| k).collect()
}

/// A pair whose B answers INVITE 180 then 200 and MESSAGE 200, and whose A ACKs 2xx.
fn answering(seed: u64, reliable: bool, faults: Faults) -> Pair {
    let mut pair = Pair::new(seed, reliable, faults);
    pair.b.tu.invite_responses = vec![180, 200];
    pair.b.tu.non_invite_response = Some(200);
    pair.a.tu.ack_2xx = true;
    pair
}

fn invite_flow(reliable: bool) {
    let mut pair = answering(
        1,
        reliable,
        Faults {
            latency: ms(20),
            ..Faults::default()
        },
    );
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    assert_eq!(pair.a.layer.client_state(key), Some(ClientState::Calling));
    pair.run_for(ms(100));
    assert_eq!(pair.a.responses(), [180, 200]);
    assert_eq!(pair.a.layer.client_state(key), Some(ClientState::Accepted));
    let server = new_request_keys(&pair)[0];
    assert_eq!(
        pair.b.layer.server_state(server),
        Some(ServerState::Accepted)
    );
    assert_eq!(
        pair.b
            .count(|e| matches!(e, TransactionEvent::Acked { .. })),
        1
    );
    // The ACK arrived before T1: the 2xx went once, the INVITE once.
    assert_eq!(pair.b.sent_count(is_response(200)), 1);
    assert_eq!(pair.a.sent_count(is_request(Method::Invite)), 1);
    assert_eq!(pair.a.sent_count(is_request(Method::Ack)), 1);
    // RFC 6026: Timers L and M (64*T1) end both sides.
    pair.run_for(secs(32));
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(
            e,
            TransactionEvent::Terminated { .. }
        )),
        Some(32_040) // the 200 arrived at 40 ms
    );
    assert_eq!(
        pair.event_time(Side::B, |e| matches!(
            e,
            TransactionEvent::Terminated { .. }
        )),
        Some(32_020)
    );
}

#[test]
fn invite_180_200_ack_over_udp() {
    // RFC 3261 §17.1.1, §17.2.1, §13.3.1.4; RFC 6026 §7.1, §7.2
    invite_flow(false);
}

#[test]
fn invite_180_200_ack_over_tcp() {
    // RFC 3261 §17.1.1, §17.2.1 over a reliable transport
    invite_flow(true);
}

#[test]
fn timer_a_doubles_until_timer_b() {
    // RFC 3261 §17.1.1.2, Table 4: A = T1 doubling, B = 64*T1.
    let mut pair = Pair::new(2, false, Faults::default());
    pair.drop_next(Side::A, usize::MAX, is_request(Method::Invite));
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(secs(40));
    let sent = pair.a.sent_times(is_request(Method::Invite));
    assert_eq!(
        pair.offsets(&sent),
        [0, 500, 1500, 3500, 7500, 15_500, 31_500]
    );
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(
            e,
            TransactionEvent::Timeout { key: TransactionKey::Client(k) } if *k == key
        )),
        Some(32_000)
    );
    assert!(pair.a.layer.is_empty());
}

#[test]
fn no_invite_retransmission_over_tcp() {
    // RFC 3261 §17.1.1.2: Timer A only for unreliable transports; B for all.
    let mut pair = Pair::new(3, true, Faults::default());
    pair.drop_next(Side::A, usize::MAX, is_request(Method::Invite));
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(secs(40));
    assert_eq!(pair.a.sent_count(is_request(Method::Invite)), 1);
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(e, TransactionEvent::Timeout { .. })),
        Some(32_000)
    );
}

#[test]
fn timer_e_doubles_to_t2_until_timer_f() {
    // RFC 3261 §17.1.2.2, Table 4: E = T1 doubling up to T2, F = 64*T1.
    let mut pair = Pair::new(4, false, Faults::default());
    pair.drop_next(Side::A, usize::MAX, is_request(Method::Message));
    let message = pair.request(Side::A, Method::Message);
    pair.send(Side::A, message);
    pair.run_for(secs(40));
    let sent = pair.a.sent_times(is_request(Method::Message));
    assert_eq!(
        pair.offsets(&sent),
        [
            0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500
        ]
    );
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(e, TransactionEvent::Timeout { .. })),
        Some(32_000)
    );
    assert!(pair.a.layer.is_empty());
}

#[test]
fn timer_e_is_t2_in_proceeding() {
    // RFC 3261 §17.1.2.2: in Proceeding, Timer E fires every T2.
    let mut pair = Pair::new(5, false, Faults::default());
    let message = pair.request(Side::A, Method::Message);
    pair.send(Side::A, message);
    pair.run_for(ms(1));
    let server = new_request_keys(&pair)[0];
    pair.respond(Side::B, server, 100);
    pair.run_for(secs(40));
    let sent = pair.a.sent_times(is_request(Method::Message));
    assert_eq!(
        pair.offsets(&sent),
        [0, 500, 4500, 8500, 12_500, 16_500, 20_500, 24_500, 28_500]
    );
    assert_eq!(pair.a.responses(), [100]);
    // Every retransmission was answered with the 100 again (§17.2.2), delivered once.
    assert_eq!(pair.b.sent_count(is_response(100)), 9);
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(e, TransactionEvent::Timeout { .. })),
        Some(32_000)
    );
    // The server transaction waits for its TU: RFC 3261 gives it no timer.
    assert_eq!(
        pair.b.layer.server_state(server),
        Some(ServerState::Proceeding)
    );
    pair.respond(Side::B, server, 200);
    pair.run_for(secs(33));
    assert!(pair.b.layer.is_empty());
}

#[test]
fn non_invite_over_tcp_has_zero_timers_j_and_k() {
    // RFC 3261 §17.1.2.2 (K = 0), §17.2.2 (J = 0) over a reliable transport.
    let mut pair = answering(6, true, Faults::default());
    let message = pair.request(Side::A, Method::Message);
    let key = pair.send(Side::A, message);
    pair.run_for(ms(1));
    assert_eq!(pair.a.responses(), [200]);
    assert_eq!(pair.a.layer.client_state(key), None);
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
    assert_eq!(pair.a.sent_count(is_request(Method::Message)), 1);
}

#[test]
fn lost_requests_are_retransmitted_and_delivered_once() {
    // RFC 3261 §17.1.2.2 (E), §17.2.2 (a new request is passed up once).
    let mut pair = answering(7, false, Faults::default());
    pair.drop_next(Side::A, 2, is_request(Method::Message));
    let message = pair.request(Side::A, Method::Message);
    pair.send(Side::A, message);
    pair.run_for(secs(2));
    assert_eq!(new_request_keys(&pair).len(), 1);
    assert_eq!(pair.a.responses(), [200]);
    let sent = pair.a.sent_times(is_request(Method::Message));
    assert_eq!(pair.offsets(&sent), [0, 500, 1500]);
}

#[test]
fn lost_final_response_to_non_invite_is_resent() {
    // RFC 3261 §17.2.2: in Completed a retransmitted request gets the final response again.
    let mut pair = answering(8, false, Faults::default());
    pair.drop_next(Side::B, 1, is_response(200));
    let message = pair.request(Side::A, Method::Message);
    pair.send(Side::A, message);
    pair.run_for(secs(1));
    assert_eq!(new_request_keys(&pair).len(), 1);
    assert_eq!(pair.b.sent_count(is_response(200)), 2);
    assert_eq!(pair.a.responses(), [200]);
    assert_eq!(pair.b.layer.stats().retransmissions_absorbed, 1);
    // Timer J (64*T1) then ends B's transaction; K (T4) ended A's.
    pair.run_for(secs(32));
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
}

#[test]
fn lost_200_to_invite_is_retransmitted_until_the_ack() {
    // RFC 3261 §13.3.1.4: the 2xx goes again at T1, 2*T1, ... until the ACK.
    let mut pair = answering(9, false, Faults::default());
    pair.b.tu.invite_responses = vec![200];
    pair.drop_next(Side::B, 2, is_response(200));
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(secs(10));
    let sent = pair.b.sent_times(is_response(200));
    assert_eq!(pair.offsets(&sent), [0, 500, 1500]);
    assert_eq!(pair.a.responses(), [200]);
    assert_eq!(
        pair.b
            .count(|e| matches!(e, TransactionEvent::Acked { .. })),
        1
    );
    // The INVITE got no response until 1.5 s: Timer A retransmitted it meanwhile, and B
    // absorbed the retransmissions in Accepted (RFC 6026 §7.1).
    let invites = pair.a.sent_times(is_request(Method::Invite));
    assert_eq!(pair.offsets(&invites), [0, 500, 1500]);
    assert_eq!(new_request_keys(&pair).len(), 1);
}

#[test]
fn lost_ack_keeps_the_2xx_going_and_the_layer_resends_the_ack() {
    // RFC 3261 §13.3.1.4 (UAS), §13.2.2.4 (UAC re-sends its ACK for each retransmitted 2xx).
    let mut pair = answering(10, false, Faults::default());
    pair.b.tu.invite_responses = vec![200];
    pair.drop_next(Side::A, 2, is_request(Method::Ack));
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(secs(10));
    let sent = pair.b.sent_times(is_response(200));
    assert_eq!(pair.offsets(&sent), [0, 500, 1500]);
    let acks = pair.a.sent_times(is_request(Method::Ack));
    assert_eq!(pair.offsets(&acks), [0, 500, 1500]);
    assert_eq!(pair.a.layer.stats().acks_resent, 2);
    assert_eq!(pair.a.responses(), [200]);
    assert_eq!(
        pair.a
            .count(|e| matches!(e, TransactionEvent::Retransmitted2xx { .. })),
        0
    );
    assert_eq!(
        pair.event_time(Side::B, |e| matches!(e, TransactionEvent::Acked { .. })),
        Some(1500)
    );
}

#[test]
fn unacknowledged_2xx_ends_with_ack_timeout() {
    // RFC 3261 §13.3.1.4: 2xx retransmitted T1 doubling up to T2 for 64*T1, then the TU is
    // told (it should BYE). The UAC's TU here never ACKs: it gets every retransmission.
    let mut pair = answering(11, false, Faults::default());
    pair.b.tu.invite_responses = vec![200];
    pair.a.tu.ack_2xx = false;
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(secs(40));
    let sent = pair.b.sent_times(is_response(200));
    assert_eq!(
        pair.offsets(&sent),
        [
            0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500
        ]
    );
    assert_eq!(
        pair.event_time(Side::B, |e| matches!(
            e,
            TransactionEvent::AckTimeout { .. }
        )),
        Some(32_000)
    );
    assert_eq!(pair.a.responses(), [200]);
    assert_eq!(
        pair.a
            .count(|e| matches!(e, TransactionEvent::Retransmitted2xx { .. })),
        10
    );
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
}

#[test]
fn timer_g_until_the_ack_then_timer_i() {
    // RFC 3261 §17.2.1: G = T1 doubling up to T2 while Completed; ACK → Confirmed, I = T4.
    // §17.1.1.2: the client re-sends its ACK for each retransmitted final response, and
    // Timer D (32 s) ends it.
    let mut pair = answering(12, false, Faults::default());
    pair.b.tu.invite_responses = vec![486];
    pair.drop_next(Side::A, 2, is_request(Method::Ack));
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(secs(2));
    let sent = pair.b.sent_times(is_response(486));
    assert_eq!(pair.offsets(&sent), [0, 500, 1500]);
    assert_eq!(pair.a.sent_count(is_request(Method::Ack)), 3);
    assert_eq!(pair.a.responses(), [486]);
    assert_eq!(pair.a.layer.client_state(key), Some(ClientState::Completed));
    let server = new_request_keys(&pair)[0];
    assert_eq!(
        pair.b.layer.server_state(server),
        Some(ServerState::Confirmed)
    );
    pair.run_for(secs(40));
    assert_eq!(
        pair.event_time(Side::B, |e| matches!(
            e,
            TransactionEvent::Terminated { .. }
        )),
        Some(6500)
    );
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(
            e,
            TransactionEvent::Terminated { .. }
        )),
        Some(32_000)
    );
}

#[test]
fn timer_h_without_ack() {
    // RFC 3261 §17.2.1: without an ACK, G retransmits until H (64*T1) fails the transaction.
    let mut pair = answering(13, false, Faults::default());
    pair.b.tu.invite_responses = vec![603];
    pair.drop_next(Side::A, usize::MAX, is_request(Method::Ack));
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(secs(40));
    let sent = pair.b.sent_times(is_response(603));
    assert_eq!(
        pair.offsets(&sent),
        [
            0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500
        ]
    );
    assert_eq!(
        pair.event_time(Side::B, |e| matches!(
            e,
            TransactionEvent::Timeout {
                key: TransactionKey::Server(_)
            }
        )),
        Some(32_000)
    );
    // Timer D absorbed every retransmission: one delivery, ten ACKs re-sent.
    assert_eq!(pair.a.responses(), [603]);
    assert_eq!(pair.a.layer.stats().acks_resent, 10);
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
}

#[test]
fn no_timer_g_over_tcp() {
    // RFC 3261 §17.2.1: G only for unreliable transports; H for all; D = 0 for reliable.
    let mut pair = answering(14, true, Faults::default());
    pair.b.tu.invite_responses = vec![486];
    pair.drop_next(Side::A, usize::MAX, is_request(Method::Ack));
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(1));
    assert_eq!(pair.a.layer.client_state(key), None);
    pair.run_for(secs(40));
    assert_eq!(pair.b.sent_count(is_response(486)), 1);
    assert_eq!(
        pair.event_time(Side::B, |e| matches!(e, TransactionEvent::Timeout { .. })),
        Some(32_000)
    );
}

#[test]
fn timer_k_absorbs_duplicated_responses() {
    // RFC 3261 §17.1.2.2: in Completed, response retransmissions are absorbed for T4.
    let mut pair = answering(
        15,
        false,
        Faults {
            duplicate: 1000,
            latency: ms(10),
            ..Faults::default()
        },
    );
    let message = pair.request(Side::A, Method::Message);
    let key = pair.send(Side::A, message);
    pair.run_for(ms(100));
    assert_eq!(new_request_keys(&pair).len(), 1);
    assert_eq!(pair.a.responses(), [200]);
    assert_eq!(pair.a.layer.client_state(key), Some(ClientState::Completed));
    assert!(pair.a.layer.stats().retransmissions_absorbed >= 1);
    pair.run_for(secs(5));
    assert_eq!(pair.a.layer.client_state(key), None);
}

#[test]
fn duplicated_provisional_responses_are_delivered_once() {
    // RFC 3261 §17.2.1: the latest provisional goes again on every INVITE retransmission;
    // this layer delivers each distinct provisional once.
    let mut pair = answering(
        16,
        false,
        Faults {
            duplicate: 1000,
            ..Faults::default()
        },
    );
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    pair.run_for(secs(1));
    assert_eq!(pair.a.responses(), [180, 200]);
    assert_eq!(new_request_keys(&pair).len(), 1);
}

#[test]
fn trying_after_200_ms_stops_timer_a() {
    // RFC 3261 §17.2.1: 100 (Trying) when the TU has not answered within 200 ms.
    let mut pair = Pair::new(17, false, Faults::default());
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(secs(5));
    let trying = pair.b.sent_times(is_response(100));
    assert_eq!(pair.offsets(&trying), [200]);
    assert_eq!(pair.a.sent_count(is_request(Method::Invite)), 1);
    assert_eq!(
        pair.a.layer.client_state(key),
        Some(ClientState::Proceeding)
    );
    // Proceeding has no timer: the INVITE waits for the TU.
    assert_eq!(pair.a.layer.poll_timeout(), None);
    let server = new_request_keys(&pair)[0];
    pair.respond(Side::B, server, 480);
    pair.run_for(secs(40));
    assert_eq!(pair.a.responses(), [100, 480]);
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
}

#[test]
fn early_handle_timeout_does_nothing() {
    // DESIGN.md: handle_timeout before poll_timeout's instant is a no-op.
    let mut pair = Pair::new(18, false, Faults::default());
    let invite = pair.request(Side::A, Method::Invite);
    pair.send(Side::A, invite);
    let next = pair.a.layer.poll_timeout();
    assert_eq!(next, Some(pair.at(ms(500))));
    pair.a.layer.handle_timeout(pair.at(ms(499)));
    assert!(pair.a.layer.poll_transmit().is_none());
    assert!(pair.a.layer.poll_event().is_none());
    assert_eq!(pair.a.layer.poll_timeout(), next);
}

#[test]
fn transport_error_fails_the_transactions_on_the_handle() {
    // RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.4: a transport error is reported to the TU and
    // the transaction terminates.
    let mut pair = Pair::new(19, true, Faults::default());
    let invite = pair.request(Side::A, Method::Invite);
    let key = pair.send(Side::A, invite);
    pair.run_for(ms(1));
    let server = new_request_keys(&pair)[0];
    let (now, a, b) = (pair.now, pair.handle(Side::A), pair.handle(Side::B));
    pair.a.layer.handle_transport_error(now, &a);
    pair.b.layer.handle_transport_error(now, &b);
    let a_events: Vec<_> = std::iter::from_fn(|| pair.a.layer.poll_event()).collect();
    assert_eq!(
        a_events,
        [
            TransactionEvent::TransportError {
                key: TransactionKey::Client(key)
            },
            TransactionEvent::Terminated {
                key: TransactionKey::Client(key)
            },
        ]
    );
    let b_events: Vec<_> = std::iter::from_fn(|| pair.b.layer.poll_event()).collect();
    assert_eq!(
        b_events,
        [
            TransactionEvent::TransportError {
                key: TransactionKey::Server(server)
            },
            TransactionEvent::Terminated {
                key: TransactionKey::Server(server)
            },
        ]
    );
    assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty());
    assert_eq!(pair.a.layer.poll_timeout(), None);
}

#[test]
fn timers_follow_a_configured_t1_and_t2() {
    // RFC 3261 §17.1.1.1: T1 and T2 are configurable; every timer scales with them.
    let mut pair = Pair::with_config(20, false, Faults::default(), |c| {
        c.t1 = ms(100);
        c.t2 = ms(400);
    });
    pair.drop_next(Side::A, usize::MAX, is_request(Method::Message));
    let message = pair.request(Side::A, Method::Message);
    pair.send(Side::A, message);
    pair.run_for(secs(10));
    let sent = pair.a.sent_times(is_request(Method::Message));
    let got = pair.offsets(&sent);
    assert_eq!(&got[..5], [0, 100, 300, 700, 1100]);
    assert_eq!(*got.last().unwrap(), 6300);
    assert_eq!(
        pair.event_time(Side::A, |e| matches!(e, TransactionEvent::Timeout { .. })),
        Some(6400)
    );
}
