//! SDP offer/answer for MSRP sessions, on offers authored from the RFC examples
//! (`tests/data/sdp/oa-*.sdp`, see its README) and RFC 4975 §10.1 (REQ: SDP-3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails the test by panicking"
)]

mod common;

use bytes::Bytes;
use simpleim_sdp::attr::{AcceptTypes, AcceptWrappedTypes, Chatroom, Path, Setup};
use simpleim_sdp::negotiate::{
    MsrpCapabilities, NegotiationError, Offerer, SdpAnswer, SdpOffer, answer, answer_session,
    merge_accept_types,
};
use simpleim_sdp::{MediaDescription, Origin, SessionDescription};

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn types(s: &str) -> AcceptTypes {
    AcceptTypes::parse(&b(s)).unwrap()
}

fn path(s: &str) -> Path {
    Path::parse(&b(s)).unwrap()
}

fn offer(name: &str) -> SdpOffer {
    SdpOffer::parse(Bytes::from(common::fixture(name))).unwrap()
}

fn origin<'a>(user: &'a str, id: u64, version: u64, host: &'a str) -> Origin<'a> {
    Origin {
        username: user,
        session_id: id,
        session_version: version,
        net_type: "IN",
        addr_type: "IP4",
        unicast_address: host,
    }
}

fn bob(accept: &str) -> MsrpCapabilities {
    MsrpCapabilities::builder(
        path("msrp://bob.example.com:8888/9di4eae923wzd;tcp"),
        types(accept),
    )
    .build()
}

fn bob_origin() -> Origin<'static> {
    origin("bob", 2_890_844_612, 2_890_844_616, "bob.example.com")
}

fn attr<'a>(m: &'a MediaDescription, name: &str) -> Option<&'a str> {
    m.attribute(name).map(|a| a.value.unwrap_or(""))
}

/// Every answer this crate writes parses back strictly, byte for byte.
fn strict(sdp: &SessionDescription) {
    let again = SessionDescription::parse(sdp.to_bytes()).unwrap();
    assert_eq!(again.to_bytes(), sdp.to_bytes());
}

fn refused(r: Result<SdpAnswer, NegotiationError>) -> (u16, u16, String) {
    let e = r.unwrap_err();
    let (code, text) = e.warning().unwrap();
    (e.status(), code, text.to_owned())
}

// REQ: SDP-3
#[test]
fn rfc4975_example_answered_as_bob_did() {
    let (ans, session) = answer_session(
        &offer("rfc4975-l2224-alice-offer.sdp"),
        &bob("text/plain"),
        &bob_origin(),
    )
    .unwrap();
    let sdp = ans.as_sdp();
    strict(sdp);
    let o = sdp.origin().unwrap();
    assert_eq!(
        (
            o.username,
            o.session_id,
            o.session_version,
            o.unicast_address
        ),
        ("bob", 2_890_844_612, 2_890_844_616, "bob.example.com")
    );
    assert_eq!(
        sdp.connection().unwrap().unwrap().address,
        "bob.example.com"
    );
    // The media section is line for line Bob's answer in RFC 4975 §10.1.
    let expected =
        SessionDescription::parse(Bytes::from(common::fixture("rfc4975-l2245-bob-answer.sdp")))
            .unwrap();
    assert_eq!(sdp.media(), expected.media());
    let m = &sdp.media()[0];
    assert_eq!(attr(m, "setup"), None, "the offer had no a=setup");
    // RFC 4975 §5.4: the answerer connects.
    assert!(session.connects());
    assert_eq!(
        session.remote_path().target().unwrap(),
        &b"msrp://alicepc.example.com:7777/iau39soe2843z;tcp"[..]
    );
    assert_eq!(
        session.local_path().target().unwrap(),
        &b"msrp://bob.example.com:8888/9di4eae923wzd;tcp"[..]
    );
    assert_eq!(session.accept_types().len(), 1);
    assert_eq!(session.peer_max_size(), None);
    assert!(!session.cema());
}

// REQ: SDP-3
#[test]
fn lines_in_order_non_msrp_and_disabled_get_port_zero_wildcards_narrowed() {
    let local = MsrpCapabilities::builder(
        path("msrp://bob.example.com:8888/s;tcp"),
        types("text/plain message/cpim image/*"),
    )
    .accept_wrapped_types(AcceptWrappedTypes::parse(&b("text/plain image/png")).unwrap())
    .max_size(1024)
    .setup(Setup::ActPass)
    .cema(true)
    .build();
    let (ans, session) =
        answer_session(&offer("oa-mixed-offer.sdp"), &local, &bob_origin()).unwrap();
    let sdp = ans.as_sdp();
    strict(sdp);
    let m = sdp.media();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].lines().next().unwrap().value(), b"audio 0 RTP/AVP 0 8");
    assert_eq!(m[0].lines().len(), 1);
    assert_eq!(
        m[1].lines().next().unwrap().value(),
        b"message 0 TCP/MSRP *"
    );
    assert_eq!(
        m[2].lines().next().unwrap().value(),
        b"message 8888 TCP/MSRP *"
    );
    // Offer order, `text/*` narrowed to ours.
    assert_eq!(attr(&m[2], "accept-types"), Some("message/cpim text/plain"));
    assert_eq!(
        attr(&m[2], "accept-wrapped-types"),
        Some("text/plain image/png")
    );
    assert_eq!(attr(&m[2], "max-size"), Some("1024"));
    assert_eq!(
        attr(&m[2], "path"),
        Some("msrp://bob.example.com:8888/s;tcp")
    );
    assert_eq!(attr(&m[2], "setup"), Some("passive"));
    assert_eq!(attr(&m[2], "msrp-cema"), Some(""));
    assert_eq!(session.media_index(), 2);
    assert!(!session.connects());
    assert!(session.cema());
    assert_eq!(session.peer_max_size(), Some(4096));
    assert_eq!(session.remote_path().uris().len(), 2);
    assert_eq!(
        session.remote_path().next_hop().unwrap(),
        &b"msrp://relay.example.net:2855/r1;tcp"[..]
    );
    assert_eq!(session.accept_wrapped_types().len(), 2);
}

// REQ: SDP-3
#[test]
fn cema_only_when_both_support_it() {
    let local = MsrpCapabilities::builder(path("msrp://b.example:1/s;tcp"), types("*"))
        .setup(Setup::Passive)
        .build();
    let ans = answer(&offer("oa-mixed-offer.sdp"), &local, &bob_origin()).unwrap();
    let m = &ans.as_sdp().media()[2];
    assert_eq!(attr(m, "msrp-cema"), None);
    // `*` keeps the offer's entries as written.
    assert_eq!(attr(m, "accept-types"), Some("message/cpim text/*"));
}

// REQ: SDP-3
#[test]
fn no_common_type_is_488() {
    let (status, warning, reason) = refused(answer(
        &offer("rfc4975-l2224-alice-offer.sdp"),
        &bob("image/png"),
        &bob_origin(),
    ));
    assert_eq!((status, warning), (488, 305));
    assert_eq!(reason, "no common accept-types");
}

// REQ: SDP-3
#[test]
fn no_msrp_line_is_488_304() {
    let sdp = SdpOffer::parse(b(
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n",
    ))
    .unwrap();
    let (status, warning, _) = refused(answer(&sdp, &bob("*"), &bob_origin()));
    assert_eq!((status, warning), (488, 304));
}

// REQ: SDP-3
#[test]
fn setup_per_rfc6135_and_conflict_rejects() {
    let actpass = offer("oa-rfc6135-actpass-offer.sdp");
    for (local, answered, connects) in [
        (Setup::Active, "active", true),
        (Setup::ActPass, "active", true),
        (Setup::Passive, "passive", false),
    ] {
        let caps = MsrpCapabilities::builder(path("msrp://b.example:9/s;tcp"), types("text/*"))
            .setup(local)
            .build();
        let (ans, session) = answer_session(&actpass, &caps, &bob_origin()).unwrap();
        assert_eq!(attr(&ans.as_sdp().media()[0], "setup"), Some(answered));
        assert_eq!(session.connects(), connects);
    }
    // The mixed offer's MSRP line is `active`: an active-only answerer cannot agree.
    let (status, _, reason) = refused(answer(
        &offer("oa-mixed-offer.sdp"),
        &bob("*"),
        &bob_origin(),
    ));
    assert_eq!(status, 488);
    assert_eq!(reason, "incompatible setup roles");
}

// REQ: SDP-3
#[test]
fn rfc5547_push_and_pull_reverse_direction_and_echo_selector() {
    let local = MsrpCapabilities::builder(
        path("msrp://bobpc.example.com:8888/9di4ea;tcp"),
        types("message/cpim"),
    )
    .accept_wrapped_types(AcceptWrappedTypes::parse(&b("*")).unwrap())
    .file_transfer(true)
    .build();
    for (name, direction) in [
        ("oa-rfc5547-push-offer.sdp", "recvonly"),
        ("oa-rfc5547-pull-offer.sdp", "sendonly"),
    ] {
        let o = offer(name);
        let ans = answer(&o, &local, &bob_origin()).unwrap();
        strict(ans.as_sdp());
        let m = &ans.as_sdp().media()[0];
        let om = &o.as_sdp().media()[0];
        assert!(m.attribute(direction).is_some(), "{name}");
        for a in ["file-selector", "file-transfer-id"] {
            assert_eq!(attr(m, a), attr(om, a), "{name} {a}");
        }
        assert_eq!(attr(m, "accept-wrapped-types"), Some("*"));
        assert_eq!(attr(m, "file-disposition"), None);
    }
    let (status, _, reason) = refused(answer(
        &offer("oa-rfc5547-push-offer.sdp"),
        &bob("*"),
        &bob_origin(),
    ));
    assert_eq!(
        (status, reason.as_str()),
        (488, "file transfer not supported")
    );
}

// REQ: SDP-3
#[test]
fn rfc7701_chatroom_over_tls() {
    let o = offer("oa-rfc7701-chatroom-offer.sdp");
    let focus = MsrpCapabilities::builder(
        path("msrps://focus.example.com:5555/92kjs;tcp"),
        types("message/cpim text/plain"),
    )
    .chatroom(Chatroom::parse(&b("nickname")).unwrap())
    .build();
    let ans = answer(&o, &focus, &bob_origin()).unwrap();
    let m = &ans.as_sdp().media()[0];
    assert_eq!(
        m.lines().next().unwrap().value(),
        b"message 5555 TCP/TLS/MSRP *"
    );
    assert_eq!(attr(m, "chatroom"), Some("nickname"));
    assert_eq!(attr(m, "accept-types"), Some("message/cpim text/plain"));
    // No wrapped types of ours: none answered.
    assert_eq!(attr(m, "accept-wrapped-types"), None);
    // An `msrp:` path cannot answer TCP/TLS/MSRP.
    let (status, _, reason) = refused(answer(&o, &bob("*"), &bob_origin()));
    assert_eq!(
        (status, reason.as_str()),
        (488, "TCP/TLS/MSRP not supported")
    );
}

fn alice() -> MsrpCapabilities {
    MsrpCapabilities::builder(
        path("msrp://alicepc.example.com:7777/iau39soe2843z;tcp"),
        types("text/plain message/cpim"),
    )
    .max_size(2048)
    .build()
}

// REQ: SDP-3
#[test]
fn offer_answer_accept_round_trip() {
    let alice_origin = origin("alice", 2_890_844_557, 1, "alicepc.example.com");
    let (pending, sent) = Offerer::new(alice()).create_offer(&alice_origin).unwrap();
    strict(sent.as_sdp());
    let m = &sent.as_sdp().media()[0];
    assert_eq!(
        m.lines().next().unwrap().value(),
        b"message 7777 TCP/MSRP *"
    );
    assert_eq!(attr(m, "setup"), Some("active"));
    // Bob, RFC 6135 style: his preference `actpass` answers `passive` to an active offer.
    let bob = MsrpCapabilities::builder(
        path("msrp://bob.example.com:8888/9di4eae923wzd;tcp"),
        types("text/*"),
    )
    .setup(Setup::ActPass)
    .build();
    let received = SdpOffer::parse(sent.to_bytes()).unwrap();
    let (ans, bob_session) = answer_session(&received, &bob, &bob_origin()).unwrap();
    assert!(!bob_session.connects());
    assert_eq!(bob_session.peer_max_size(), Some(2048));
    let alice_session = pending
        .accept_answer(SdpAnswer::parse(ans.to_bytes()).unwrap())
        .unwrap();
    assert!(alice_session.connects());
    assert_eq!(alice_session.accept_types().len(), 1);
    assert_eq!(alice_session.accept_types()[0].as_bytes(), b"text/plain");
    assert_eq!(
        alice_session.remote_path(),
        &path("msrp://bob.example.com:8888/9di4eae923wzd;tcp")
    );
    assert_eq!(alice_session.local_path(), &alice().path);
}

fn established() -> simpleim_sdp::negotiate::NegotiatedSession {
    let (pending, _) = Offerer::new(alice())
        .create_offer(&origin("alice", 77, 3, "alicepc.example.com"))
        .unwrap();
    let ans =
        SessionDescription::parse(Bytes::from(common::fixture("rfc4975-l2245-bob-answer.sdp")))
            .unwrap();
    // Bob's RFC 4975 answer has no a=setup: he connects, so our `active` offer is contradicted.
    assert!(pending.clone().accept_answer(ans.clone().into()).is_err());
    let mut ans_text = String::from_utf8(ans.to_bytes().to_vec()).unwrap();
    ans_text.push_str("a=setup:passive\r\n");
    pending
        .accept_answer(SdpAnswer::parse(b(&ans_text)).unwrap())
        .unwrap()
}

// REQ: SDP-3
#[test]
fn reoffer_keeps_session_id_and_bumps_version() {
    let session = established();
    let (pending, reoffer) = session.reoffer().unwrap();
    let o = reoffer.as_sdp().origin().unwrap();
    assert_eq!((o.session_id, o.session_version), (77, 4));
    let ans = answer(&reoffer, &bob("text/plain"), &bob_origin());
    // Our re-offer is `active` again; Bob (active-only) cannot agree → 488, session kept.
    assert_eq!(ans.unwrap_err().status(), 488);
    drop(pending);
    assert_eq!(session.local_sdp().origin().unwrap().session_version, 3);
    // Accepting an answer to the re-offer makes the new session.
    let passive_bob = MsrpCapabilities::builder(
        path("msrp://bob.example.com:8888/9di4eae923wzd;tcp"),
        types("*"),
    )
    .setup(Setup::Passive)
    .build();
    let (pending, reoffer) = session
        .reoffer_with(MsrpCapabilities::builder(alice().path, types("message/cpim")).build())
        .unwrap();
    let ans = answer(&reoffer, &passive_bob, &bob_origin()).unwrap();
    let next = pending.accept_answer(ans).unwrap();
    assert_eq!(next.local_sdp().origin().unwrap().session_version, 4);
    assert_eq!(next.accept_types()[0].as_bytes(), b"message/cpim");
    let (_, again) = next.reoffer().unwrap();
    assert_eq!(again.as_sdp().origin().unwrap().session_version, 5);
}

// REQ: SDP-3
#[test]
fn dropped_pending_offer_leaves_nothing() {
    let session = established();
    let before = session.local_sdp().to_bytes();
    let (first_pending, first) = session.reoffer().unwrap();
    drop(first_pending);
    assert_eq!(session.local_sdp().to_bytes(), before);
    let (_, second) = session.reoffer().unwrap();
    assert_eq!(first, second, "a dropped offer is as if never made");
}

// REQ: SDP-3
#[test]
fn answer_not_matching_the_offer_is_refused() {
    let (pending, sent) = Offerer::new(alice())
        .create_offer(&origin("alice", 1, 1, "a.example"))
        .unwrap();
    let passive = MsrpCapabilities::builder(path("msrp://b.example:9/s;tcp"), types("*"))
        .setup(Setup::Passive)
        .build();
    let good = answer(&sent, &passive, &bob_origin()).unwrap();
    let text = String::from_utf8(good.to_bytes().to_vec()).unwrap();
    for (bad, why) in [
        (
            text.replace(
                "accept-types:text/plain message/cpim",
                "accept-types:image/png",
            ),
            "type image/png was not offered",
        ),
        (
            text.replace("setup:passive", "setup:active"),
            "setup active answered to active",
        ),
        (
            format!("{text}m=audio 0 RTP/AVP 0\r\n"),
            "1 media lines offered, 2 answered",
        ),
        (
            text.replace("m=message 9 ", "m=message 0 "),
            "no MSRP media line accepted",
        ),
    ] {
        let e = pending
            .clone()
            .accept_answer(SdpAnswer::parse(b(&bad)).unwrap())
            .unwrap_err();
        assert_eq!(e.status(), 488);
        assert!(e.to_string().contains(why), "{e} / {why}");
    }
}

// REQ: SDP-3
#[test]
fn focus_merges_accept_types_of_both_legs() {
    // Seed 002 §7.2.1.2 / §7.2.1.3: the types of the originating offer and of the
    // terminating answer that the focus selects (here: all three handle them).
    let merged = merge_accept_types(
        &types("message/cpim text/* image/jpeg"),
        &types("text/plain image/* message/cpim"),
        &types("message/cpim text/plain image/jpeg"),
    );
    let got: Vec<&[u8]> = merged.iter().map(|r| r.as_bytes()).collect();
    assert_eq!(got, [&b"message/cpim"[..], b"text/plain", b"image/jpeg"]);
    assert!(merge_accept_types(&types("text/plain"), &types("image/png"), &types("*")).is_empty());
}

// REQ: SDP-2, SDP-3: an RFC 5547 push offer made by the offerer, answered `recvonly` with
// the selector and transfer id echoed, and the answer accepted.
#[test]
fn file_offer_push_answered_and_accepted() {
    use simpleim_sdp::attr::{FileSelector, FileTransferId, MediaRange};
    use simpleim_sdp::negotiate::FileOffer;
    let selector = FileSelector::builder()
        .name("My cool picture.jpg")
        .media_type(MediaRange::parse(&b("image/jpeg")).unwrap())
        .size(32349)
        .build()
        .unwrap();
    let file = FileOffer {
        selector: selector.clone(),
        transfer_id: FileTransferId::new("vBnG916bdberum2fFEABR1FR3ExZMUrd").unwrap(),
        push: true,
    };
    let caps = MsrpCapabilities::builder(
        path("msrp://alicepc.example.com:7777/iau39soe2843z;tcp"),
        types("image/jpeg"),
    )
    .setup(Setup::ActPass)
    .build();
    let alice_origin = origin("alice", 2_890_844_526, 2_890_844_526, "alicepc.example.com");
    let (pending, sent) = Offerer::new(caps)
        .create_file_offer(&alice_origin, &file)
        .unwrap();
    strict(sent.as_sdp());
    let m = &sent.as_sdp().media()[0];
    assert!(m.attribute("sendonly").is_some());
    assert_eq!(
        attr(m, "file-selector"),
        Some("name:\"My cool picture.jpg\" type:image/jpeg size:32349")
    );
    assert_eq!(
        attr(m, "file-transfer-id"),
        Some("vBnG916bdberum2fFEABR1FR3ExZMUrd")
    );
    // Bob takes files of any type.
    let bob = MsrpCapabilities::builder(
        path("msrp://bob.example.com:8888/9di4eae923wzd;tcp"),
        types("*"),
    )
    .setup(Setup::Active)
    .file_transfer(true)
    .build();
    let received = SdpOffer::parse(sent.to_bytes()).unwrap();
    let (ans, bob_session) = answer_session(&received, &bob, &bob_origin()).unwrap();
    assert!(bob_session.connects());
    let a = &ans.as_sdp().media()[0];
    assert!(a.attribute("recvonly").is_some());
    assert_eq!(attr(a, "file-selector"), attr(m, "file-selector"));
    assert_eq!(attr(a, "file-transfer-id"), attr(m, "file-transfer-id"));
    let alice_session = pending
        .accept_answer(SdpAnswer::parse(ans.to_bytes()).unwrap())
        .unwrap();
    assert!(!alice_session.connects());
    assert_eq!(alice_session.accept_types()[0].as_bytes(), b"image/jpeg");
    // A plain offer has neither attribute.
    let (_, plain) = Offerer::new(alice()).create_offer(&alice_origin).unwrap();
    assert!(
        plain.as_sdp().media()[0]
            .attribute("file-selector")
            .is_none()
    );
    assert!(plain.as_sdp().media()[0].attribute("sendonly").is_none());
}
