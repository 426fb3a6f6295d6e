//! Chat aliases: clash resolution, normalization, anonymous numbering, NICKNAME statuses and
//! the 200 OK body. REQ: ALIAS-2, ALIAS-3, CHAT-1.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    reason = "test helpers fail the test by panicking, and say why a check was skipped"
)]

use std::collections::HashSet;

use bytes::Bytes;
use proptest::prelude::*;
use simpleim_cpim::mime::{ContentType, Multipart};
use simpleim_cpim::{Address, CpimMessage};
use simpleim_focus::alias::{
    AliasError, AliasRegistry, ChatAlias, DefaultAliasPolicy, Malformation, NormalizedAlias,
    RequestedUri, alias_join_body,
};

fn names(reg: &AliasRegistry<u32>, keys: &[u32]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            reg.get(k)
                .and_then(ChatAlias::display_name)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn clash_sequence() {
    // REQ: ALIAS-2
    let mut reg = AliasRegistry::new(100);
    for (k, wanted) in [(1, "bob"), (2, "bob"), (3, "BOB"), (4, "bob-2"), (5, "Bob")] {
        reg.join(k, Some(wanted), RequestedUri::Anonymous).unwrap();
    }
    // "bob-2" was taken by the second bob, so the fourth participant becomes "bob-2-2".
    assert_eq!(
        names(&reg, &[1, 2, 3, 4, 5]),
        ["bob", "bob-2", "BOB-3", "bob-2-2", "Bob-4"]
    );
    // The gap left by a release is filled first.
    reg.release(&2);
    let a = reg.join(6, Some("bob"), RequestedUri::Anonymous).unwrap();
    assert_eq!(a.alias.display_name(), Some("bob-2"));
    assert!(a.changed);
}

#[test]
fn anonymous_numbering_follows_the_seeds() {
    // REQ: ALIAS-2 (seed 000/001 §7.2.3.2: <bob-X><sip:anonymousX@anonymous.invalid>)
    let mut reg = AliasRegistry::new(100);
    let uris: Vec<String> = (1..=4)
        .map(|k| {
            reg.join(k, None, RequestedUri::Anonymous)
                .unwrap()
                .alias
                .uri()
                .to_owned()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "sip:anonymous@anonymous.invalid",
            "sip:anonymous2@anonymous.invalid",
            "sip:anonymous3@anonymous.invalid",
            "sip:anonymous4@anonymous.invalid",
        ]
    );
    assert_eq!(reg.get(&1).map(ChatAlias::display_name), Some(None));
    // Reuse after release: the smallest free number.
    reg.release(&2);
    let a = reg.join(5, Some("eve"), RequestedUri::Anonymous).unwrap();
    assert_eq!(a.alias.uri(), "sip:anonymous2@anonymous.invalid");
    assert!(a.changed, "the URI is not the one the client sent");
    assert_eq!(
        reg.owner_by_uri("sip:anonymous2@anonymous.invalid"),
        Some(&5)
    );
    // A public participant keeps its identity and takes no anonymous number.
    let p = reg
        .join(
            6,
            Some("Carol"),
            RequestedUri::Given("sip:carol@example.com"),
        )
        .unwrap();
    assert_eq!(
        p.alias,
        ChatAlias::new(Some("Carol"), "sip:carol@example.com")
    );
    assert!(!p.changed);
    assert_eq!(reg.owner_by_uri("sip:carol@example.com"), None);
}

#[test]
fn public_and_anonymous_share_the_name_space() {
    // REQ: ALIAS-2: an anonymous joiner cannot pass for a present participant.
    let mut reg = AliasRegistry::new(10);
    reg.join(
        1,
        Some("Alice"),
        RequestedUri::Given("sip:alice@example.com"),
    )
    .unwrap();
    let a = reg.join(2, Some("alice"), RequestedUri::Anonymous).unwrap();
    assert_eq!(a.alias.display_name(), Some("alice-2"));
}

#[test]
fn normalization_what_is_and_is_not_unified() {
    // REQ: CHAT-1 (documented normalization: NFC, to_lowercase, NFC)
    let same = |a: &str, b: &str| NormalizedAlias::new(a) == NormalizedAlias::new(b);
    assert!(same("Bob", "bob"));
    assert!(same("BOB", "bOb"));
    assert!(same("Ren\u{e9}", "rene\u{301}")); // composed vs decomposed
    assert!(same("\u{212b}sa", "\u{e5}sa")); // ANGSTROM SIGN is å
    assert!(same("\u{212a}im", "kim")); // KELVIN SIGN is k
    assert!(same("ÉCOLE", "école"));
    // Not unified: compatibility forms, full case folding, look-alikes.
    assert!(!same("ｂｏｂ", "bob")); // fullwidth
    assert!(!same("\u{fb01}x", "fix")); // ligature fi
    assert!(!same("Straße", "STRASSE")); // ß is not ss
    assert!(!same("ΣΑΣ", "σασ")); // final sigma
    assert!(!same("ВОВ", "bob")); // Cyrillic

    let mut reg = AliasRegistry::new(10);
    reg.join(1, Some("ｂｏｂ"), RequestedUri::Anonymous)
        .unwrap();
    let a = reg.join(2, Some("bob"), RequestedUri::Anonymous).unwrap();
    // Fullwidth "ｂｏｂ" does not block "bob".
    assert_eq!(a.alias.display_name(), Some("bob"));
    // Changed all the same: the first anonymous participant holds the unnumbered URI.
    assert_eq!(a.alias.uri(), "sip:anonymous2@anonymous.invalid");
    assert!(a.changed);
    let b = reg
        .join(3, Some("RENE\u{301}"), RequestedUri::Anonymous)
        .unwrap();
    let c = reg.join(4, Some("René"), RequestedUri::Anonymous).unwrap();
    assert_eq!(b.alias.display_name(), Some("RENE\u{301}"));
    assert_eq!(c.alias.display_name(), Some("René-2"));
    assert_eq!(reg.owner_by_name("rené"), Some(&3));
}

#[test]
fn nickname_statuses() {
    // REQ: CHAT-1 (RFC 7701: 425 in use or reserved, 424 malformed)
    let mut reg = AliasRegistry::new(10);
    reg.join(1, Some("alice"), RequestedUri::Anonymous).unwrap();
    reg.join(2, None, RequestedUri::Anonymous).unwrap();
    let status =
        |r: Result<&ChatAlias, AliasError>| r.map(|_| 200).unwrap_or_else(|e| e.msrp_status());
    assert_eq!(status(reg.rename(&2, "ALICE")), 425);
    assert_eq!(status(reg.rename(&2, "Announcement")), 425);
    assert_eq!(status(reg.rename(&2, "")), 424);
    assert_eq!(status(reg.rename(&2, "a\u{0}b")), 424);
    assert_eq!(status(reg.rename(&2, "a\u{200b}lice")), 424);
    assert_eq!(status(reg.rename(&2, "alice ")), 424);
    assert_eq!(status(reg.rename(&2, &"x".repeat(65))), 424);
    assert_eq!(status(reg.rename(&2, &"x".repeat(64))), 200);
    assert_eq!(status(reg.rename(&9, "zed")), 403);
    // A failed rename changes nothing.
    assert_eq!(
        reg.get(&2).unwrap().display_name(),
        Some("x".repeat(64).as_str())
    );
    assert_eq!(
        reg.rename(&2, "").unwrap_err(),
        AliasError::Malformed(Malformation::Empty)
    );
    // Joining with a malformed display name is refused too (the control plane decides what
    // to answer).
    assert_eq!(
        reg.join(3, Some("\u{7}"), RequestedUri::Anonymous),
        Err(AliasError::Malformed(Malformation::Control))
    );
}

#[test]
fn configurable_limits() {
    // REQ: ALIAS-2
    let policy = DefaultAliasPolicy {
        max_chars: 4,
        reserved: Vec::new(),
    };
    let mut reg = AliasRegistry::with_policy(policy, 3);
    reg.join(1, Some("abcd"), RequestedUri::Anonymous).unwrap();
    let a = reg.join(2, Some("abcd"), RequestedUri::Anonymous).unwrap();
    assert_eq!(a.alias.display_name(), Some("ab-2"));
    assert_eq!(
        reg.join(3, Some("abcde"), RequestedUri::Anonymous),
        Err(AliasError::Malformed(Malformation::TooLong))
    );
    reg.join(3, Some("abc"), RequestedUri::Anonymous).unwrap();
    assert_eq!(
        reg.join(4, None, RequestedUri::Anonymous),
        Err(AliasError::Exhausted)
    );
    assert_eq!(reg.len(), 3);
}

#[test]
fn join_body_for_an_anonymous_joiner() {
    // REQ: ALIAS-3 (seed 001 §7.2.3.2)
    let mut reg = AliasRegistry::new(10);
    reg.join(1, Some("bob"), RequestedUri::Anonymous).unwrap();
    let assigned = reg.join(2, Some("bob"), RequestedUri::Anonymous).unwrap();
    assert!(assigned.changed);
    let sdp = Bytes::from_static(
        b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
          m=message 7394 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
          a=path:msrp://192.0.2.1:7394/s1;tcp\r\n",
    );
    let conference = Address::uri_only(Bytes::from_static(b"sip:chat@conf.example.com"));
    let out = alias_join_body(conference, &assigned.alias, sdp.clone(), "simpleim-b1").unwrap();
    assert_eq!(
        &out.content_type[..],
        b"multipart/mixed; boundary=\"simpleim-b1\""
    );
    let ct = ContentType::parse(&out.content_type).unwrap();
    let parts = Multipart::parse(&ct, &out.body).unwrap().parts;
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0]
            .headers
            .get("Content-Type")
            .map(|h| h.unfolded().to_vec()),
        Some(b"message/cpim".to_vec())
    );
    let wrapper = CpimMessage::parse(parts[0].body.clone()).unwrap();
    let to = wrapper.to().next().unwrap().unwrap();
    assert_eq!(to.formal_name(), Some(&b"bob-2"[..]));
    assert_eq!(to.uri().as_ref(), b"sip:anonymous2@anonymous.invalid");
    let from = wrapper.from().unwrap().unwrap();
    assert_eq!(from.uri().as_ref(), b"sip:chat@conf.example.com");
    assert!(
        !from.is_focus(),
        "written as given: seed 001 names no isfocus here"
    );
    assert_eq!(parts[1].body, sdp);

    // A boundary that occurs in a part is refused.
    let conference = Address::uri_only(Bytes::from_static(b"sip:chat@conf.example.com"));
    let bad = Bytes::from_static(b"x\r\n--b\r\n");
    assert!(alias_join_body(conference, &assigned.alias, bad, "b").is_err());
}

#[derive(Debug, Clone)]
enum Op {
    Join(u8, Option<String>, bool),
    Rename(u8, String),
    Release(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let name = prop_oneof![
        Just("bob".to_owned()),
        Just("Bob".to_owned()),
        Just("BOB-2".to_owned()),
        Just("bob-2".to_owned()),
        Just("ｂｏｂ".to_owned()),
        Just("rene\u{301}".to_owned()),
        Just("RENÉ".to_owned()),
        "[a-cA-C\u{301}-]{1,5}",
    ];
    prop_oneof![
        (0u8..12, proptest::option::of(name.clone()), any::<bool>())
            .prop_map(|(k, n, anon)| Op::Join(k, n, anon)),
        (0u8..12, name).prop_map(|(k, n)| Op::Rename(k, n)),
        (0u8..12).prop_map(Op::Release),
    ]
}

proptest! {
    #[test]
    fn aliases_stay_unique(ops in proptest::collection::vec(op(), 1..80)) {
        // REQ: ALIAS-2, CHAT-1: unique display-name keys and anonymous URIs, whatever happens.
        let mut reg: AliasRegistry<u8> = AliasRegistry::new(8);
        for op in ops {
            match op {
                Op::Join(k, name, anon) => {
                    let own = format!("sip:user{k}@example.com");
                    let uri = if anon { RequestedUri::Anonymous } else { RequestedUri::Given(&own) };
                    let _ = reg.join(k, name.as_deref(), uri);
                }
                Op::Rename(k, name) => { let _ = reg.rename(&k, &name); }
                Op::Release(k) => { let _ = reg.release(&k); }
            }
            let mut keys = HashSet::new();
            let mut uris = HashSet::new();
            for (k, alias) in reg.iter() {
                if let Some(key) = alias.key() {
                    prop_assert!(keys.insert(key.clone()), "duplicate {:?}", key);
                    prop_assert_eq!(reg.owner_by_name(alias.display_name().unwrap()), Some(k));
                }
                prop_assert!(uris.insert(alias.uri().to_owned()));
            }
            prop_assert!(reg.len() <= 8);
        }
    }
}
