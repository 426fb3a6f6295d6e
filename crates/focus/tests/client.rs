//! The OMA IM client's requests and its reading of the focus's answers, driven against the
//! focus's own control plane and composed focus. REQ: CLI-1 (the requests), CLI-2 (the CPIM
//! body of its SENDs), with FOC-1/FOC-2 (the focus accepts them), ALIAS-3 (the alias in the
//! 200) and FOC-4 (the ad-hoc INVITE's resource list).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use std::time::Instant;

use bytes::Bytes;
use simpleim_cpim::{Address, CpimMessage, DispositionNotification};
use simpleim_focus::alias::{AliasRegistry, RequestedUri, alias_join_body};
use simpleim_focus::client::{
    ANONYMOUS_URI, CPIM_CONTENT_TYPE, ClientConfig, ClientError, ImClient, InviteOptions,
    JoinAnswer, JoinError, OutgoingInvite, Registration, SendTarget, SessionKind,
};
use simpleim_focus::control::{
    Control, ControlConfig, ControlEvent, GroupPolicy, Members, MsrpEndpoint, RoomConfig,
};
use simpleim_focus::resource_lists::{
    CopyControl, Entry, ResourceLists, split_recipient_list_body,
};
use simpleim_focus::{Focus, FocusConfig, FocusTransmit};
use simpleim_sdp::attr::{AcceptTypes, Path};
use simpleim_sdp::negotiate::{MsrpCapabilities, SdpOffer, answer};
use simpleim_sdp::{Origin, SessionDescription};
use simpleim_sip::dialog::{DialogState, SentBy};
use simpleim_sip::header::{
    AcceptContact, Contact, Expires, OMA_SIP_IM, PPreferredIdentity, PrivValue, Privacy, Refresher,
    SessionExpires, UserAgent,
};
use simpleim_sip::transaction::{TransactionConfig, TransportHandle};
use simpleim_sip::{
    HeaderName, Message, Method, NameAddr, Policy, Request, Response, SeededIds, SipUri, Uri,
};

const ROOM: &str = "sip:chat-42@conf.example.net";
const FACTORY: &str = "sip:conf-factory@conf.example.net";
const ALICE_PATH: &str = "msrp://192.0.2.7:7777/alice-s1;tcp";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Peer(u32);

impl TransportHandle for Peer {
    fn is_reliable(&self) -> bool {
        true
    }
}

fn sip_uri(s: &str) -> SipUri {
    match Uri::parse(&Bytes::copy_from_slice(s.as_bytes())) {
        Ok(Uri::Sip(u)) => u,
        other => panic!("not a SIP URI: {other:?}"),
    }
}

fn alice_config() -> ClientConfig {
    ClientConfig::new(
        "sip:alice@example.net",
        SentBy::new("TCP", "192.0.2.7", Some(5060)),
        ALICE_PATH,
    )
    .unwrap()
    .with_display_name("Alice")
}

fn client(config: ClientConfig, seed: u64) -> ImClient {
    ImClient::new(config, Box::new(SeededIds::new(seed)))
}

fn header(r: &Request, name: HeaderName) -> Vec<String> {
    r.headers()
        .get_all(name)
        .map(|f| String::from_utf8_lossy(&f.value()).into_owned())
        .collect()
}

/// As a host would: the request is parsed again from its bytes.
fn reparse(r: &Request) -> Request {
    match Message::parse_datagram(r.as_bytes().clone()).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("not a request"),
    }
}

/// The SIP/IP core between the client and the focus: it asserts the user's identity
/// (RFC 3325: P-Asserted-Identity from the authenticated P-Preferred-Identity).
fn through_core(r: &Request) -> Message {
    let raw = r.as_bytes();
    let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let ppi: PPreferredIdentity = r.headers().typed().unwrap().unwrap();
    let mut out = raw[..line_end].to_vec();
    out.extend_from_slice(format!("P-Asserted-Identity: <{}>\r\n", ppi.0.uri()).as_bytes());
    out.extend_from_slice(&raw[line_end..]);
    Message::parse_datagram(Bytes::from(out)).unwrap()
}

fn control_config(confirm_joins: bool) -> ControlConfig {
    let mut c = ControlConfig::new(
        SentBy::new("TCP", "conf.example.net", None),
        MsrpEndpoint::tcp("msrp.conf.example.net", 2855),
        Box::new(SeededIds::new(11)),
        TransactionConfig::new(Box::new(SeededIds::new(12))),
    );
    c.confirm_joins = confirm_joins;
    c
}

/// A focus's control plane with one room, and the simulated clock.
struct Harness {
    control: Control<Peer>,
    now: Instant,
    events: Vec<ControlEvent>,
    /// The requests the focus sent (to invitees).
    requests: Vec<Request>,
}

impl Harness {
    fn new(config: ControlConfig, room: RoomConfig) -> Self {
        let mut control = Control::new(config);
        control.add_room(room).unwrap();
        Self {
            control,
            #[allow(
                clippy::disallowed_methods,
                reason = "a base instant for the simulated clock"
            )]
            now: Instant::now(),
            events: Vec::new(),
            requests: Vec::new(),
        }
    }

    /// Delivers `invite` from the client and returns the responses the focus sent.
    fn deliver(&mut self, invite: &Request) -> Vec<Response> {
        self.control
            .handle_sip(self.now, Peer(1), through_core(invite));
        self.drain()
    }

    fn drain(&mut self) -> Vec<Response> {
        let mut out = Vec::new();
        while let Some(t) = self.control.poll_transmit() {
            // As the peers would: the bytes are parsed again on arrival.
            match Message::parse_datagram(t.bytes().clone()).unwrap() {
                Message::Response(r) => out.push(r),
                Message::Request(r) => self.requests.push(r),
            }
        }
        while let Some(e) = self.control.poll_event() {
            self.events.push(e);
        }
        out
    }
}

fn anonymous_room() -> RoomConfig {
    RoomConfig::new(sip_uri(ROOM)).with_policy(GroupPolicy {
        allow_anonymity: Members::Everyone,
        ..GroupPolicy::default()
    })
}

// --- CLI-1: REGISTER -----------------------------------------------------------------------

#[test]
fn register_carries_the_feature_tag_the_release_and_expires() {
    // REQ: CLI-1 (seed 004 §6.1.1.1 steps 2-4)
    let mut alice = client(alice_config(), 1);
    let first = reparse(&alice.register(Registration::Im).unwrap());
    // A registrar that knows RFC 3840 takes it (others answer 420 to `Require: pref`).
    assert_eq!(first.validate().unwrap_err().status, 420);
    let mut policy = Policy::default();
    policy.extensions.push("pref");
    first.validate_with(&policy).unwrap();
    assert_eq!(*first.method(), Method::Register);
    assert_eq!(
        &first.uri_bytes()[..],
        b"sip:example.net",
        "RFC 3261 §10.2: the domain"
    );
    let contact: Contact = first.headers().typed().unwrap().unwrap();
    assert!(contact.has_feature(OMA_SIP_IM));
    assert_eq!(
        contact.address().unwrap().uri().to_string(),
        "sip:alice@192.0.2.7:5060;transport=tcp"
    );
    let expires: Expires = first.headers().typed().unwrap().unwrap();
    assert_eq!(expires.value(), 3600);
    assert_eq!(header(&first, HeaderName::Require), ["pref"]);
    let ua: UserAgent = first.headers().typed().unwrap().unwrap();
    assert_eq!(ua.product_version("IM-client"), Some(&b"OMA1.0"[..]));
    let from: simpleim_sip::header::From = first.headers().typed().unwrap().unwrap();
    let to: simpleim_sip::header::To = first.headers().typed().unwrap().unwrap();
    assert_eq!(from.uri().to_string(), "sip:alice@example.net");
    assert_eq!(to.uri().to_string(), "sip:alice@example.net");
    assert!(from.tag().is_some() && to.tag().is_none());

    // A refresh: the same Call-ID, the next CSeq, a new branch (RFC 3261 §10.2.4).
    let again = reparse(&alice.register(Registration::Im).unwrap());
    assert_eq!(
        header(&again, HeaderName::CallId),
        header(&first, HeaderName::CallId)
    );
    assert_eq!(header(&again, HeaderName::CSeq), ["2 REGISTER"]);
    assert_ne!(
        header(&again, HeaderName::Via),
        header(&first, HeaderName::Via)
    );

    // Leaving IM but staying registered: no feature tag (§6.1.1.3 step 2).
    let without = reparse(&alice.register(Registration::WithoutIm).unwrap());
    let contact: Contact = without.headers().typed().unwrap().unwrap();
    assert!(!contact.has_feature(OMA_SIP_IM));
    assert_eq!(header(&without, HeaderName::Expires), ["3600"]);
    // De-registering: Expires 0 (step 3).
    let gone = reparse(&alice.register(Registration::Deregister).unwrap());
    assert_eq!(header(&gone, HeaderName::Expires), ["0"]);
    assert_eq!(header(&gone, HeaderName::CSeq), ["4 REGISTER"]);

    // Deterministic: the same seed writes the same bytes.
    let mut twin = client(alice_config(), 1);
    assert_eq!(
        twin.register(Registration::Im).unwrap().as_bytes(),
        first.as_bytes()
    );
}

// --- CLI-1: INVITE headers ----------------------------------------------------------------

/// The headers of seed 004 §6.1.3.1, common to every IM INVITE.
fn assert_im_invite(invite: &Request) {
    invite.validate().unwrap();
    let ac: AcceptContact = invite.headers().typed().unwrap().unwrap();
    assert!(ac.has_feature(OMA_SIP_IM) && ac.require() && ac.explicit());
    assert_eq!(
        header(invite, HeaderName::AcceptContact),
        ["*;+g.oma.sip-im;require;explicit"]
    );
    let ua: UserAgent = invite.headers().typed().unwrap().unwrap();
    assert_eq!(ua.product_version("IM-client"), Some(&b"OMA1.0"[..]));
    assert_eq!(
        header(invite, HeaderName::Allow),
        ["INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, MESSAGE, NOTIFY"]
    );
    let contact: Contact = invite.headers().typed().unwrap().unwrap();
    assert!(contact.has_feature(OMA_SIP_IM));
    assert!(!contact.is_focus(), "FOC-1 step 3 would refuse it");
    assert_eq!(header(invite, HeaderName::Supported), ["timer"]);
    let se: SessionExpires = invite.headers().typed().unwrap().unwrap();
    assert_eq!((se.delta(), se.refresher()), (1800, Some(Refresher::Uac)));
    let ppi: PPreferredIdentity = invite.headers().typed().unwrap().unwrap();
    assert_eq!(ppi.0.uri().to_string(), "sip:alice@example.net");
    assert_eq!(header(invite, HeaderName::MaxForwards), ["70"]);
}

/// The SDP offer's bytes, from the body or from its multipart part.
fn offer_bytes(invite: &Request) -> Bytes {
    let ct = invite
        .headers()
        .get(HeaderName::ContentType)
        .unwrap()
        .value();
    if ct.starts_with(b"multipart/") {
        split_recipient_list_body(&ct, &invite.body())
            .unwrap()
            .sdp
            .unwrap()
    } else {
        assert_eq!(&ct[..], b"application/sdp");
        invite.body()
    }
}

/// The SDP offer, parsed.
fn offer_of(invite: &Request) -> SessionDescription {
    SessionDescription::parse(offer_bytes(invite)).unwrap()
}

#[test]
fn join_invite_has_the_oma_headers_and_an_msrp_offer() {
    // REQ: CLI-1 (seed 004 §6.1.3.1, §6.1.3.2.5), SDP-2
    let mut alice = client(alice_config(), 2);
    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::new())
        .unwrap();
    let r = reparse(invite.request());
    assert_im_invite(&r);
    assert_eq!(&r.uri_bytes()[..], ROOM.as_bytes());
    assert_eq!(header(&r, HeaderName::To), [format!("<{ROOM}>")]);
    let from: simpleim_sip::header::From = r.headers().typed().unwrap().unwrap();
    assert_eq!(from.0.display_name_text().as_deref(), Some("Alice"));
    assert_eq!(from.uri().to_string(), "sip:alice@example.net");
    assert!(header(&r, HeaderName::Privacy).is_empty());
    assert!(header(&r, HeaderName::Require).is_empty());
    assert_eq!(
        invite.kind(),
        &SessionKind::PreDefined {
            group: sip_uri(ROOM)
        }
    );
    assert_eq!(
        invite.requested_alias(),
        &Address::new(Some("Alice"), "sip:alice@example.net")
    );

    let sdp = offer_of(&r);
    assert_eq!(&sdp, invite.offer());
    let text = String::from_utf8(sdp.to_bytes().to_vec()).unwrap();
    let m = &sdp.media()[0];
    assert_eq!(m.media().unwrap().to_string(), "message 7777 TCP/MSRP *");
    assert_eq!(
        m.attribute("accept-types").unwrap().value,
        Some("message/cpim")
    );
    assert_eq!(
        m.attribute("accept-wrapped-types").unwrap().value,
        Some("*")
    );
    assert_eq!(m.attribute("path").unwrap().value, Some(ALICE_PATH));
    assert_eq!(m.attribute("setup").unwrap().value, Some("actpass"));
    assert!(m.attribute("max-size").is_none(), "{text}");
    assert!(text.contains("c=IN IP4 192.0.2.7\r\n"), "{text}");

    // max-size and TLS when configured.
    let mut config = alice_config();
    config.msrp.max_size = Some(65536);
    config.msrp.path = Path::parse(&Bytes::from_static(b"msrps://192.0.2.7:7778/s2;tcp")).unwrap();
    let mut tls = client(config, 2);
    let sdp = offer_of(
        tls.join_group(&sip_uri(ROOM), &InviteOptions::new())
            .unwrap()
            .request(),
    );
    let m = &sdp.media()[0];
    assert_eq!(
        m.media().unwrap().to_string(),
        "message 7778 TCP/TLS/MSRP *"
    );
    assert_eq!(m.attribute("max-size").unwrap().value, Some("65536"));

    // Without a session interval, no Session-Expires; Supported: timer stays.
    let mut config = alice_config();
    config.session_expires = None;
    let r = client(config, 2)
        .join_group(&sip_uri(ROOM), &InviteOptions::new())
        .unwrap()
        .request()
        .clone();
    assert!(header(&r, HeaderName::SessionExpires).is_empty());
    assert_eq!(header(&r, HeaderName::Supported), ["timer"]);
}

#[test]
fn anonymous_invite_hides_the_user_behind_its_alias() {
    // REQ: CLI-1 (seed 004 §6.1.3.1 step 6, seed 001 §7.1.3.2.1), ALIAS-1
    let mut alice = client(alice_config(), 3);
    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::anonymous("shadow"))
        .unwrap();
    let r = reparse(invite.request());
    assert_im_invite(&r);
    let privacy: Privacy = r.headers().typed().unwrap().unwrap();
    assert!(privacy.contains(PrivValue::Id));
    let from: simpleim_sip::header::From = r.headers().typed().unwrap().unwrap();
    assert_eq!(from.uri().to_string(), ANONYMOUS_URI);
    assert_eq!(from.0.display_name_text().as_deref(), Some("shadow"));
    assert!(!header(&r, HeaderName::From).concat().contains("alice"));
    assert!(invite.is_anonymous());
    assert_eq!(
        invite.requested_alias(),
        &Address::new(Some("shadow"), ANONYMOUS_URI)
    );

    // A public alias other than the display name.
    let r = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::with_alias("Wonder"))
        .unwrap();
    let from: simpleim_sip::header::From = r.request().headers().typed().unwrap().unwrap();
    assert_eq!(from.0.display_name_text().as_deref(), Some("Wonder"));
    assert_eq!(from.uri().to_string(), "sip:alice@example.net");
}

#[test]
fn adhoc_invite_carries_the_invitees_as_an_rfc5366_body() {
    // REQ: CLI-1 (seed 004 §6.1.3.2.2 steps 2-6), FOC-4
    let invitees = ResourceLists::from_entries([
        Entry::new("sip:bob@example.net").with_display_name("Bob"),
        Entry::new("sip:carol@example.net").with_copy_control(CopyControl::Cc),
        Entry::new("sip:bob@EXAMPLE.net"),
    ]);
    let mut alice = client(alice_config(), 4);
    let invite = alice
        .start_adhoc(&sip_uri(FACTORY), &invitees, &InviteOptions::new())
        .unwrap();
    assert_eq!(
        invite.kind(),
        &SessionKind::AdHoc {
            factory: sip_uri(FACTORY),
            invitees: 2
        }
    );
    let r = reparse(invite.request());
    // The default Policy does not know the extension: 420, as RFC 5366 intends.
    assert_eq!(r.validate().unwrap_err().status, 420);
    let mut policy = Policy::default();
    policy.extensions.push("recipient-list-invite");
    r.validate_with(&policy).unwrap();
    assert_eq!(&r.uri_bytes()[..], FACTORY.as_bytes());
    assert_eq!(header(&r, HeaderName::Require), ["recipient-list-invite"]);
    let ct = header(&r, HeaderName::ContentType).concat();
    assert!(ct.starts_with("multipart/mixed; boundary=\"rl-"), "{ct}");

    let parts = split_recipient_list_body(
        &r.headers().get(HeaderName::ContentType).unwrap().value(),
        &r.body(),
    )
    .unwrap();
    assert_eq!(parts.list, invitees);
    assert_eq!(
        &SessionDescription::parse(parts.sdp.unwrap()).unwrap(),
        invite.offer()
    );

    // Every other header of §6.1.3.1.
    let mut config = alice_config();
    config.require_recipient_list_invite = false;
    let plain = client(config, 4)
        .start_adhoc(&sip_uri(FACTORY), &invitees, &InviteOptions::new())
        .unwrap();
    assert_im_invite(&reparse(plain.request()));

    // MAX-ADHOC-GROUP-SIZE counts distinct invitees (step 6).
    let mut config = alice_config();
    config.max_adhoc_group_size = Some(2);
    let mut bounded = client(config.clone(), 4);
    assert!(
        bounded
            .start_adhoc(&sip_uri(FACTORY), &invitees, &InviteOptions::new())
            .is_ok()
    );
    config.max_adhoc_group_size = Some(1);
    let mut bounded = client(config, 4);
    assert_eq!(
        bounded
            .start_adhoc(&sip_uri(FACTORY), &invitees, &InviteOptions::new())
            .unwrap_err(),
        ClientError::TooManyInvitees { count: 2, max: 1 }
    );
    assert_eq!(
        alice
            .start_adhoc(
                &sip_uri(FACTORY),
                &ResourceLists::default(),
                &InviteOptions::new()
            )
            .unwrap_err(),
        ClientError::NoInvitees
    );
}

#[test]
fn requests_are_deterministic_per_seed() {
    // REQ: CLI-1 (identifiers from the injected generator)
    let list = ResourceLists::from_uris(["sip:bob@example.net"]);
    let run = |seed| {
        let mut c = client(alice_config(), seed);
        let a = c.join_group(&sip_uri(ROOM), &InviteOptions::new()).unwrap();
        let b = c
            .start_adhoc(&sip_uri(FACTORY), &list, &InviteOptions::anonymous("x"))
            .unwrap();
        (
            a.request().as_bytes().clone(),
            b.request().as_bytes().clone(),
        )
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
    // Fresh identifiers per request: another Call-ID, tag and branch.
    let (a, b) = run(9);
    let call_id = |m: Bytes| match Message::parse_datagram(m).unwrap() {
        Message::Request(r) => header(&r, HeaderName::CallId),
        Message::Response(_) => panic!(),
    };
    assert_ne!(call_id(a), call_id(b));
}

// --- against the focus: FOC-1/FOC-2 accept the INVITE, the client reads the 200 -----------

#[test]
fn the_focus_admits_the_join_and_the_client_reads_its_200() {
    // REQ: CLI-1, CLI-2, FOC-1, FOC-2
    let mut h = Harness::new(control_config(false), RoomConfig::new(sip_uri(ROOM)));
    let mut alice = client(alice_config(), 5);
    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::new())
        .unwrap();
    let responses = h.deliver(invite.request());
    let [ok] = responses.as_slice() else {
        panic!("{responses:?}")
    };
    assert_eq!(ok.code(), 200, "{ok:?}");

    // What the focus learnt from the INVITE (SEC-1, seed 000 §7.2.3.4 b).
    let [
        ControlEvent::Joined {
            identity,
            anonymous,
            release,
            msrp,
            ..
        },
    ] = h.events.as_slice()
    else {
        panic!("{:?}", h.events)
    };
    assert_eq!(identity.to_string(), "sip:alice@example.net");
    assert!(!anonymous);
    assert_eq!(release.as_deref(), Some(&b"OMA1.0"[..]));
    assert_eq!(msrp.remote_path.to_string(), ALICE_PATH);
    assert!(msrp.focus_connects, "the focus answers actpass with active");

    // The client's reading of the 200.
    let session = invite.accept(ok).unwrap();
    assert_eq!(
        session
            .session_identity()
            .map(ToString::to_string)
            .as_deref(),
        Some(ROOM)
    );
    let path = session.focus_path();
    assert_eq!(
        path.target().unwrap(),
        &Bytes::from(msrp.local.to_string()),
        "the To-Path of the client's SENDs"
    );
    assert!(!session.msrp().connects(), "the focus connects");
    assert_eq!(session.msrp().accept_types().len(), 1);
    assert_eq!(
        session.sender(),
        &Address::new(Some("Alice"), "sip:alice@example.net")
    );
    assert!(!session.alias_assigned());
    assert_eq!(session.dialog().state(), DialogState::Confirmed);
    assert_eq!(session.dialog().remote_target().to_string(), ROOM);
    let answer = session.answer();
    assert_eq!(answer.release.as_deref(), Some(&b"OMA1.0"[..]));
    assert!(answer.allow.contains(&Method::Update));
    assert_eq!(answer.assigned_alias, None);

    // REQ: CLI-2: a public message goes to the group identity, from the user's address.
    let body = session.message("text/plain", "hello").unwrap();
    assert_eq!(
        &body[..],
        b"From: Alice <sip:alice@example.net>\r\nTo: <sip:chat-42@conf.example.net>\r\n\r\n\
Content-Type: text/plain\r\n\r\nhello"
    );
    assert_eq!(CPIM_CONTENT_TYPE, "message/cpim");
}

#[test]
fn an_anonymous_joiner_writes_as_the_alias_of_the_multipart_200() {
    // REQ: CLI-1, CLI-2, ALIAS-1, ALIAS-3 (seed 001 §7.1.3.2.1, §7.2.3.2)
    let mut h = Harness::new(control_config(true), anonymous_room());
    let mut alice = client(alice_config(), 6);
    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::anonymous("shadow"))
        .unwrap();
    assert!(h.deliver(invite.request()).is_empty(), "waits for the host");
    let [
        ControlEvent::JoinPending {
            participant,
            identity,
            from,
            anonymous: true,
            ..
        },
    ] = h.events.as_slice()
    else {
        panic!("{:?}", h.events)
    };
    assert_eq!(identity.to_string(), "sip:alice@example.net");
    let participant = *participant;

    // The host assigns the alias as the composed focus does: someone holds "shadow".
    let mut aliases = AliasRegistry::new(10);
    aliases
        .join(0, Some("shadow"), RequestedUri::Anonymous)
        .unwrap();
    let display = NameAddr::parse(from)
        .unwrap()
        .display_name_text()
        .unwrap()
        .into_owned();
    let assigned = aliases
        .join(1, Some(&display), RequestedUri::Anonymous)
        .unwrap();
    assert!(assigned.changed);
    let sdp = h.control.pending_answer(participant).unwrap().clone();
    let conference = Address::uri_only(Bytes::from_static(ROOM.as_bytes()));
    let body = alias_join_body(conference, &assigned.alias, sdp, "alias-b1").unwrap();
    let content_type = String::from_utf8(body.content_type.to_vec()).unwrap();
    h.control
        .accept_join(h.now, participant, Some((content_type, body.body)))
        .unwrap();
    let responses = h.drain();
    let [ok] = responses.as_slice() else {
        panic!("{responses:?}")
    };

    let answer = JoinAnswer::parse(ok).unwrap();
    let alias = Address::new(Some("shadow-2"), "sip:anonymous2@anonymous.invalid");
    assert_eq!(answer.assigned_alias.as_ref(), Some(&alias));
    assert_eq!(answer.alias_from, Some(Address::uri_only(ROOM)));
    let session = invite.accept(ok).unwrap();
    assert!(session.alias_assigned());
    assert_eq!(session.sender(), &alias);
    assert!(
        session
            .focus_path()
            .target()
            .unwrap()
            .starts_with(b"msrp://msrp.conf.example.net:2855/")
    );

    // REQ: CLI-2: From is the alias; a public message goes to the group, a private one to
    // the participant named.
    let public = CpimMessage::parse(session.message("text/plain", "boo").unwrap()).unwrap();
    assert_eq!(public.from().unwrap().unwrap(), alias);
    assert_eq!(
        public.to().next().unwrap().unwrap(),
        Address::uri_only(ROOM)
    );
    let bob = Address::new(Some("Bob"), "sip:bob@example.net");
    let private = CpimMessage::parse(
        session
            .private_message(bob.clone(), "text/plain", "psst")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(private.from().unwrap().unwrap(), alias);
    assert_eq!(private.to().collect::<Result<Vec<_>, _>>().unwrap(), [bob]);
    assert_eq!(private.payload(), "psst");
    assert!(!String::from_utf8_lossy(public.as_bytes()).contains("alice"));

    // The builder takes IMDN headers before it is built (REQ: CPIM-2).
    let with_imdn = session
        .cpim(SendTarget::Conference, "text/plain", "ack me")
        .imdn(
            "m-1",
            DispositionNotification {
                positive_delivery: true,
                ..Default::default()
            },
        )
        .build()
        .unwrap();
    assert_eq!(with_imdn.imdn_message_id(), Some(&b"m-1"[..]));
}

#[test]
fn without_a_wrapper_an_anonymous_joiner_writes_as_it_asked() {
    // REQ: CLI-2 (seed 001: "if received in the final response"; else the requested From)
    let mut h = Harness::new(control_config(false), anonymous_room());
    let mut alice = client(alice_config(), 7);
    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::anonymous("shadow"))
        .unwrap();
    let responses = h.deliver(invite.request());
    let ok = &responses[0];
    assert_eq!(ok.code(), 200);
    let session = invite.accept(ok).unwrap();
    assert!(!session.alias_assigned());
    assert_eq!(
        session.sender(),
        &Address::new(Some("shadow"), ANONYMOUS_URI)
    );
}

#[test]
fn the_composed_focus_renames_a_clashing_alias_and_the_client_follows() {
    // REQ: CLI-1, CLI-2, ALIAS-2, ALIAS-3 (the whole focus, not the control alone)
    #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
    struct Conn(u32);
    let control = control_config(false);
    let mut seed = 100;
    let ids = Box::new(move || {
        seed += 1;
        Box::new(simpleim_msrp::SeededIds::new(seed)) as Box<dyn simpleim_msrp::IdGenerator>
    });
    let mut focus: Focus<Peer, Conn> = Focus::new(FocusConfig::new(control, ids));
    focus.add_room(RoomConfig::new(sip_uri(ROOM))).unwrap();
    #[allow(
        clippy::disallowed_methods,
        reason = "a base instant for the simulated clock"
    )]
    let now = Instant::now();

    let mut join = |who: &str, seed: u64| -> (OutgoingInvite, Response) {
        let config = ClientConfig::new(
            &format!("sip:{who}@example.net"),
            SentBy::new("TCP", &format!("{who}.example.net"), None),
            &format!("msrp://{who}.example.net:7777/s;tcp"),
        )
        .unwrap()
        .with_display_name("Bob");
        let invite = client(config, seed)
            .join_group(&sip_uri(ROOM), &InviteOptions::new())
            .unwrap();
        focus.handle_sip(now, Peer(seed as u32), through_core(invite.request()));
        let mut ok = None;
        while let Some(t) = focus.poll_transmit() {
            if let FocusTransmit::Sip(t) = t {
                if let Message::Response(r) = Message::parse_datagram(t.bytes().clone()).unwrap() {
                    ok = Some(r);
                }
            }
        }
        while focus.poll_event().is_some() {}
        (invite, ok.expect("no response"))
    };

    let (first_invite, first_ok) = join("bob", 20);
    let first = first_invite.accept(&first_ok).unwrap();
    assert!(!first.alias_assigned(), "a plain SDP 200");
    assert_eq!(
        first.sender(),
        &Address::new(Some("Bob"), "sip:bob@example.net")
    );

    let (second_invite, second_ok) = join("robert", 21);
    let ct = second_ok
        .headers()
        .get(HeaderName::ContentType)
        .unwrap()
        .value();
    assert!(ct.starts_with(b"multipart/mixed"));
    let second = second_invite.accept(&second_ok).unwrap();
    assert!(second.alias_assigned());
    assert_eq!(
        second.sender(),
        &Address::new(Some("Bob-2"), "sip:robert@example.net")
    );
    let body = second.message("text/plain", "hi").unwrap();
    assert!(body.starts_with(
        b"From: Bob-2 <sip:robert@example.net>\r\nTo: <sip:chat-42@conf.example.net>\r\n"
    ));
}

// --- ad-hoc answers, and answers that do not fit ------------------------------------------

/// A focus's 200 to `invite` built by hand: Contact `contact`, an SDP answer of
/// `accept_types`.
fn hand_made_ok(invite: &Request, contact: &str, accept_types: &str) -> Response {
    let offer = SdpOffer::parse(offer_bytes(invite)).unwrap();
    let local = MsrpCapabilities::builder(
        Path::parse(&Bytes::from_static(b"msrp://focus.example.net:2855/f1;tcp")).unwrap(),
        AcceptTypes::parse(&Bytes::copy_from_slice(accept_types.as_bytes())).unwrap(),
    )
    .build();
    let origin = Origin {
        username: "-",
        session_id: 1,
        session_version: 1,
        net_type: "IN",
        addr_type: "IP4",
        unicast_address: "focus.example.net",
    };
    let sdp = answer(&offer, &local, &origin).unwrap();
    Response::for_request(invite, 200, &mut SeededIds::new(3))
        .header_named("Contact", contact)
        .header_named("Server", "IM-serv/OMA1.0")
        .header_named("Session-Expires", "1800;refresher=uac")
        .body("application/sdp", sdp.to_bytes())
        .build()
        .unwrap()
}

/// An invitee's 200 to the focus's INVITE, with its MSRP answer.
fn invitee_accepts(invite: &Request, seed: u64) -> Response {
    Response::for_request(invite, 200, &mut SeededIds::new(seed))
        .header(HeaderName::Contact, format!("<sip:bob@192.0.2.{seed}>"))
        .header_named("Server", "IM-client/OMA1.0")
        .body(
            "application/sdp",
            format!(
                "v=0\r\no=bob 1 1 IN IP4 192.0.2.{seed}\r\ns=-\r\nc=IN IP4 192.0.2.{seed}\r\n\
                 t=0 0\r\nm=message 7000 TCP/MSRP *\r\na=accept-types:message/cpim\r\n\
                 a=path:msrp://192.0.2.{seed}:7000/bobs;tcp\r\na=setup:active\r\n"
            ),
        )
        .build()
        .unwrap()
}

#[test]
fn the_focus_starts_an_adhoc_session_from_the_clients_factory_invite() {
    // REQ: CLI-1, CLI-2, FOC-4 (seed 004 §6.1.3.2.2, RFC 5366): the client's INVITE to the
    // conference factory, through the focus's control plane, to a 200 with the session
    // identity that the client's messages then address.
    let mut config = control_config(false);
    config.conference_factory = Some(sip_uri(FACTORY));
    let mut h = Harness::new(config, RoomConfig::new(sip_uri(ROOM)));
    // With a conference factory the control supports `recipient-list-invite` (RFC 5366), so
    // the client's default `Require` passes its RFC 3261 §8.2.2 check.
    let mut alice = client(alice_config(), 12);
    let invitees = ResourceLists::from_uris([
        "sip:bob@example.net",
        "sip:BOB@example.net",
        "sip:bob@EXAMPLE.NET",
        "sip:alice@example.net",
    ]);
    let invite = alice
        .start_adhoc(&sip_uri(FACTORY), &invitees, &InviteOptions::new())
        .unwrap();
    let early = h.deliver(invite.request());
    assert!(early.iter().all(|r| r.code() < 200), "{early:?}");

    // The focus invites each member once, the inviter left out (SIP URI equivalence).
    let targets: Vec<Bytes> = h.requests.iter().map(Request::uri_bytes).collect();
    assert_eq!(
        targets,
        [
            Bytes::from_static(b"sip:bob@example.net"),
            Bytes::from_static(b"sip:BOB@example.net")
        ]
    );
    let to_bob = h.requests[0].clone();
    h.control.handle_sip(
        h.now,
        Peer(2),
        Message::Response(invitee_accepts(&to_bob, 31)),
    );
    let responses = h.drain();
    let ok = responses
        .iter()
        .find(|r| r.code() == 200)
        .unwrap_or_else(|| panic!("no 200 for the inviter: {responses:?}"));

    let session = invite.accept(ok).unwrap();
    // The session identity is the temporary room the focus made (with isfocus in Contact).
    let identity = session.session_identity().unwrap().to_string();
    let rooms: Vec<String> = h
        .control
        .rooms()
        .iter()
        .map(|(_, uri)| uri.to_string())
        .filter(|uri| uri != ROOM)
        .collect();
    assert_eq!(rooms, std::slice::from_ref(&identity));
    assert_ne!(identity, FACTORY);
    assert_eq!(session.conference_uri(), identity.as_bytes());
    assert!(
        session
            .focus_path()
            .target()
            .unwrap()
            .starts_with(b"msrp://msrp.conf.example.net:2855/")
    );
    // REQ: CLI-2: public messages of an ad-hoc group go to its session identity.
    let msg = CpimMessage::parse(session.message("text/plain", "hi all").unwrap()).unwrap();
    assert_eq!(msg.to().next().unwrap().unwrap().uri(), identity.as_bytes());
    assert_eq!(
        msg.from().unwrap().unwrap(),
        Address::new(Some("Alice"), "sip:alice@example.net")
    );
}

#[test]
fn adhoc_messages_go_to_the_session_identity() {
    // REQ: CLI-2 (seed 002 §7.1.3.2.1: IM Session Identity for an ad-hoc group), FOC-4
    let mut alice = client(alice_config(), 8);
    let invite = alice
        .start_adhoc(
            &sip_uri(FACTORY),
            &ResourceLists::from_uris(["sip:bob@example.net", "sip:carol@example.net"]),
            &InviteOptions::new(),
        )
        .unwrap();
    let ok = hand_made_ok(
        invite.request(),
        "<sip:adhoc-77@conf.example.net;transport=tcp>;isfocus",
        "message/cpim",
    );
    let session = invite.accept(&ok).unwrap();
    assert_eq!(
        &session.conference_uri()[..],
        b"sip:adhoc-77@conf.example.net;transport=tcp"
    );
    let se = session.answer().session_expires.as_ref().unwrap();
    assert_eq!(se.delta(), 1800);
    let msg = CpimMessage::parse(session.message("text/plain", "hi all").unwrap()).unwrap();
    assert_eq!(
        msg.to().next().unwrap().unwrap().uri().as_ref(),
        b"sip:adhoc-77@conf.example.net;transport=tcp"
    );

    // A pre-defined group keeps its group identity even when the Contact differs.
    let group = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::new())
        .unwrap();
    let ok = hand_made_ok(
        group.request(),
        "<sip:session-9@conf.example.net>;isfocus",
        "message/cpim",
    );
    let session = group.accept(&ok).unwrap();
    assert_eq!(&session.conference_uri()[..], ROOM.as_bytes());
    assert_eq!(
        session.session_identity().unwrap().to_string(),
        "sip:session-9@conf.example.net"
    );
}

#[test]
fn answers_that_do_not_establish_the_session_are_refused() {
    // REQ: CLI-1 (seed 004 §6.1.3.1: on the 200 OK), FOC-1 (a refusal reaches the client)
    let mut h = Harness::new(control_config(false), RoomConfig::new(sip_uri(ROOM)));
    let mut alice = client(alice_config(), 9);
    // Anonymity not allowed in this room: 403 with Warning 119 (ALIAS-1).
    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::anonymous("shadow"))
        .unwrap();
    let refused = h.deliver(invite.request()).pop().unwrap();
    assert_eq!(invite.accept(&refused).unwrap_err(), JoinError::NotOk(403));

    let invite = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::new())
        .unwrap();
    // An answer with a type the client never offered (RFC 3264 §6).
    let ok = hand_made_ok(invite.request(), "<sip:x@conf.example.net>;isfocus", "*");
    let raw = String::from_utf8(ok.as_bytes().to_vec())
        .unwrap()
        // The same length, so that Content-Length still holds.
        .replace("accept-types:message/cpim", "accept-types:image/x-icon");
    let Message::Response(bad) = Message::parse_datagram(Bytes::from(raw)).unwrap() else {
        panic!()
    };
    assert!(matches!(
        invite.accept(&bad).unwrap_err(),
        JoinError::Negotiation(_)
    ));
    // A 200 to another INVITE.
    let other = alice
        .join_group(&sip_uri(ROOM), &InviteOptions::new())
        .unwrap();
    let ok = hand_made_ok(other.request(), "<sip:x@conf.example.net>;isfocus", "*");
    assert!(matches!(
        invite.accept(&ok).unwrap_err(),
        JoinError::Dialog(_)
    ));
    // No SDP answer, and a broken multipart one.
    let empty = Response::for_request(invite.request(), 200, &mut SeededIds::new(4))
        .header_named("Contact", "<sip:x@conf.example.net>;isfocus")
        .build()
        .unwrap();
    assert_eq!(JoinAnswer::parse(&empty).unwrap_err(), JoinError::NoAnswer);
    let broken = Response::for_request(invite.request(), 200, &mut SeededIds::new(4))
        .header_named("Contact", "<sip:x@conf.example.net>;isfocus")
        .body(
            "multipart/mixed; boundary=zz",
            "--zz\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n",
        )
        .build()
        .unwrap();
    assert!(matches!(
        JoinAnswer::parse(&broken).unwrap_err(),
        JoinError::Multipart(_)
    ));
}
