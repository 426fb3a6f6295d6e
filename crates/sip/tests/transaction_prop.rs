//! Random loss, duplication, reordering and delay on the link between two transaction layers
//! (RFC 3261 §17): the TU never gets the same request or response twice, and every
//! transaction ends once time has passed (64*T1 plus the TU's own give-up time and margin).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use simpleim_sip::header::{CallId, To};
use simpleim_sip::transaction::{TransactionEvent, TransactionKey};
use simpleim_sip::{Message, Method};
use simpleim_test_support::sip_sim::{Faults, Pair, Side};

/// How B's TU answers INVITEs.
fn invite_answers() -> impl Strategy<Value = Vec<u16>> {
    prop_oneof![
        Just(vec![200]),
        Just(vec![180, 200]),
        Just(vec![486]),
        Just(vec![180, 486]),
        Just(vec![183, 180, 200]),
    ]
}

fn faults() -> impl Strategy<Value = Faults> {
    (0u64..=200, 0u64..=1000, 0u32..=250, 0u32..=250).prop_map(
        |(latency, jitter, loss, duplicate)| Faults {
            latency: Duration::from_millis(latency),
            jitter: Duration::from_millis(jitter),
            loss,
            duplicate,
        },
    )
}

fn call_id(m: &Message) -> Vec<u8> {
    m.headers()
        .typed::<CallId>()
        .and_then(Result::ok)
        .map(|c| c.as_bytes().to_vec())
        .unwrap_or_default()
}

fn to_tag(m: &Message) -> Option<Vec<u8>> {
    m.headers()
        .typed::<To>()
        .and_then(Result::ok)
        .and_then(|t| t.tag().map(<[u8]>::to_vec))
}

proptest! {
    // 128 cases by default; PROPTEST_CASES=n for a longer run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128)
    ))]

    #[test]
    fn faults_never_duplicate_deliveries_and_everything_ends(
        seed in any::<u64>(),
        reliable in any::<bool>(),
        faults in faults(),
        answers in invite_answers(),
        answer_delay in 0u64..=1500,
        requests in prop::collection::vec((any::<bool>(), 0u64..=5000), 1..6),
    ) {
        // RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2, §13.3.1.4; RFC 6026.
        let mut pair = Pair::new(seed, reliable, faults);
        pair.b.tu.invite_responses = answers;
        pair.b.tu.non_invite_response = Some(200);
        pair.b.tu.answer_delay = Duration::from_millis(answer_delay);
        pair.a.tu.ack_2xx = true;
        // A's TU gives up on an INVITE unanswered for 10 s (CANCEL, §9.1).
        pair.a.tu.cancel_after = Some(Duration::from_secs(10));
        let mut requests = requests;
        requests.sort_by_key(|(_, at)| *at);
        let mut sent = Vec::new();
        for (invite, at) in requests {
            pair.run_until(pair.at(Duration::from_millis(at)));
            let method = if invite { Method::Invite } else { Method::Message };
            let request = pair.request(Side::A, method);
            sent.push(pair.send(Side::A, request));
        }
        pair.run_for(Duration::from_secs(120));

        // B's TU got each request at most once (each has its own Call-ID).
        let mut per_call: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        for e in pair.b.events() {
            if let TransactionEvent::NewRequest { request, .. } = e {
                *per_call.entry(call_id(&request.clone().into())).or_default() += 1;
            }
        }
        prop_assert!(per_call.values().all(|n| *n == 1), "{per_call:?}");
        // A's TU got each response at most once: one per (transaction, code, To tag).
        let mut per_response: BTreeMap<(String, u16, Option<Vec<u8>>), usize> = BTreeMap::new();
        for e in pair.a.events() {
            if let TransactionEvent::Response { key, response } = e {
                let m: Message = response.clone().into();
                *per_response
                    .entry((key.to_string(), response.code(), to_tag(&m)))
                    .or_default() += 1;
            }
        }
        prop_assert!(per_response.values().all(|n| *n == 1), "{per_response:?}");
        // Each ACK for a 2xx reached B's TU at most once per transaction.
        let mut acked: BTreeMap<String, usize> = BTreeMap::new();
        for e in pair.b.events() {
            if let TransactionEvent::Acked { key, .. } = e {
                *acked.entry(key.to_string()).or_default() += 1;
            }
        }
        prop_assert!(acked.values().all(|n| *n == 1), "{acked:?}");

        // Everything ended, each transaction with exactly one Terminated, and a client
        // transaction only after a final response or a failure.
        prop_assert!(pair.a.layer.is_empty() && pair.b.layer.is_empty(), "{pair:?}");
        prop_assert_eq!(pair.a.layer.poll_timeout(), None);
        prop_assert_eq!(pair.b.layer.poll_timeout(), None);
        let mut terminated: BTreeMap<TransactionKey, usize> = BTreeMap::new();
        for e in pair.a.events().chain(pair.b.events()) {
            if let TransactionEvent::Terminated { key } = e {
                *terminated.entry(*key).or_default() += 1;
            }
        }
        prop_assert!(terminated.values().all(|n| *n == 1));
        for key in &sent {
            prop_assert_eq!(terminated.get(&TransactionKey::Client(*key)), Some(&1));
            let settled = pair.a.events().any(|e| match e {
                TransactionEvent::Response { key: k, response } => k == key && response.code() >= 200,
                TransactionEvent::Timeout { key: TransactionKey::Client(k) } => k == key,
                _ => false,
            });
            prop_assert!(settled, "client transaction {key} ended without an outcome");
        }
        for e in pair.b.events() {
            if let TransactionEvent::NewRequest { key, .. } = e {
                prop_assert_eq!(terminated.get(&TransactionKey::Server(*key)), Some(&1));
            }
        }
    }
}
