//! The SIP control plane of the focus (`simpleim_focus::Control`) with one room, fed
//! arbitrary SIP datagrams (parsed with `Message::parse_datagram` as a host would; unparsable
//! ones are skipped) mixed with INVITE, ACK, BYE, CANCEL and in-dialog requests built from
//! templates with fuzzed fields (Request-URI, feature tag, `isfocus`, asserted identity,
//! privacy, SDP offer, Call-ID, branch, CSeq, To tag), template requests with one byte
//! changed, the host's answers to pending joins, removals, transport errors and time passing,
//! over reliable and unreliable handles. The host's drain loop runs after every input.
//!
//! Never a panic. A timeout is never in the past. The room never holds more participants than
//! its limit, nor the control more pending joins than its bound.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use simpleim_focus::control::{
    Control, ControlConfig, ControlEvent, GroupServices, MsrpEndpoint, ParticipantId, RoomConfig,
};
use simpleim_sip::dialog::SentBy;
use simpleim_sip::transaction::{TransactionConfig, TransportHandle, cancel_request};
use simpleim_sip::{HeaderName, Message, NameAddr, Request, Response, SeededIds, Uri};

const ROOM: &str = "sip:chat@conf.example.com";
const FACTORY: &str = "sip:factory@conf.example.com";
const LMM: &str = "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg\"";
const MAX_PARTICIPANTS: usize = 3;
const MAX_PENDING: usize = 2;
const MAX_ROOMS: usize = 4;

/// A handle: odd ones are reliable (TCP), even ones UDP.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Handle(u8);

impl TransportHandle for Handle {
    fn is_reliable(&self) -> bool {
        self.0 & 1 == 1
    }
}

#[derive(Arbitrary, Debug)]
enum Sdp {
    Offer,
    Path(String),
    AcceptTypes(String),
    Proto(String),
    None,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct InviteFields {
    user: u8,
    /// 0: the room, 1: another user at the focus, 2: the room with parameters, 3: fuzzed,
    /// 4: the conference factory with a list of invitees (FOC-4), 5: the room as a large
    /// message (LMM-1).
    uri: u8,
    /// Invitees of a conference-factory INVITE, as user numbers.
    invitees: Vec<u8>,
    uri_text: String,
    accept_contact: bool,
    isfocus: bool,
    asserted: bool,
    privacy: bool,
    user_agent: Option<String>,
    sdp: Sdp,
    call_id: u8,
    branch: u8,
    cseq: u8,
    handle: u8,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Invite(InviteFields),
    /// The ACK for a final response the focus sent to an INVITE.
    Ack {
        which: u8,
        branch: u8,
    },
    /// A request in the dialog of a 200 the focus sent: BYE, UPDATE, re-INVITE, OPTIONS,
    /// MESSAGE, SUBSCRIBE, INFO or a fuzzed method.
    InDialog {
        which: u8,
        method: u8,
        name: String,
        cseq: u8,
        body: bool,
    },
    /// CANCEL of an INVITE sent before.
    Cancel {
        which: u8,
    },
    /// A template INVITE with one byte changed, or cut short.
    Mutate {
        fields: InviteFields,
        at: u16,
        byte: u8,
        cut: bool,
    },
    Raw {
        bytes: Vec<u8>,
        handle: u8,
    },
    Accept {
        which: u8,
        body: bool,
    },
    Reject {
        which: u8,
        status: u16,
    },
    Remove {
        which: u8,
    },
    EndRoom,
    TransportError {
        handle: u8,
    },
    Advance {
        millis: u16,
    },
    /// A response to a request the focus sent (its INVITEs to members, refreshes, BYEs).
    Respond {
        which: u8,
        code: u16,
        sdp: bool,
    },
}

const OFFER_HEAD: &str =
    "v=0\r\no=u 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n";

fn sdp(s: &Sdp, user: u8) -> Option<String> {
    let path = format!("msrp://192.0.2.9:9000/s{user};tcp");
    Some(match s {
        Sdp::Offer => format!(
            "{OFFER_HEAD}m=message 9000 TCP/MSRP *\r\na=accept-types:message/cpim\r\na=path:{path}\r\na=setup:active\r\n"
        ),
        Sdp::Path(p) => format!(
            "{OFFER_HEAD}m=message 9000 TCP/MSRP *\r\na=accept-types:message/cpim\r\na=path:{p}\r\n"
        ),
        Sdp::AcceptTypes(t) => format!(
            "{OFFER_HEAD}m=message 9000 TCP/MSRP *\r\na=accept-types:{t}\r\na=path:{path}\r\n"
        ),
        Sdp::Proto(p) => format!(
            "{OFFER_HEAD}m=message 9000 {p} *\r\na=accept-types:message/cpim\r\na=path:{path}\r\n"
        ),
        Sdp::None => return None,
        Sdp::Raw(r) => r.clone(),
    })
}

fn invite_text(f: &InviteFields) -> String {
    let user = f.user % 8;
    let uri = match f.uri % 6 {
        0 | 5 => ROOM.to_owned(),
        1 => "sip:other@conf.example.com".to_owned(),
        2 => format!("{ROOM};transport=tcp"),
        4 => FACTORY.to_owned(),
        _ => f.uri_text.chars().take(80).collect(),
    };
    let transport = if f.handle & 1 == 1 { "TCP" } else { "UDP" };
    let mut s = format!(
        "INVITE {uri} SIP/2.0\r\n\
         Via: SIP/2.0/{transport} 192.0.2.9:5060;branch=z9hG4bKinv{}\r\n\
         Max-Forwards: 70\r\n\
         From: \"User {user}\" <sip:u{user}@example.org>;tag=f{user}\r\n\
         To: <{ROOM}>\r\n\
         Call-ID: call-{}@192.0.2.9\r\n\
         CSeq: {} INVITE\r\n",
        f.branch,
        f.call_id % 16,
        u32::from(f.cseq) + 1,
    );
    s.push_str(if f.isfocus {
        "Contact: <sip:u@192.0.2.9>;isfocus\r\n"
    } else {
        "Contact: <sip:u@192.0.2.9>\r\n"
    });
    if f.accept_contact {
        s.push_str("Accept-Contact: *;+g.oma.sip-im;require;explicit\r\n");
    }
    if f.uri % 6 == 5 {
        s.push_str(&format!("Accept-Contact: {LMM}\r\n"));
    }
    if f.asserted {
        s.push_str(&format!(
            "P-Asserted-Identity: <sip:u{user}@example.org>\r\n"
        ));
    }
    if f.privacy {
        s.push_str("Privacy: id\r\n");
    }
    if let Some(ua) = &f.user_agent {
        let ua: String = ua.chars().take(40).collect();
        s.push_str(&format!("User-Agent: {ua}\r\n"));
    }
    let list_body = (f.uri % 6 == 4).then(|| {
        let entries: String = f
            .invitees
            .iter()
            .take(6)
            .map(|u| format!("<entry uri=\"sip:u{}@example.org\"/>", u % 8))
            .collect();
        let offer = sdp(&f.sdp, user).unwrap_or_default();
        format!(
            "--rl\r\nContent-Type: application/sdp\r\n\r\n{offer}\r\n--rl\r\n\
             Content-Type: application/resource-lists+xml\r\n\
             Content-Disposition: recipient-list\r\n\r\n\
             <?xml version=\"1.0\"?><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\
             <list>{entries}</list></resource-lists>\r\n--rl--\r\n"
        )
    });
    if let Some(body) = list_body {
        s.push_str(&format!(
            "Content-Type: multipart/mixed;boundary=rl\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
        return s;
    }
    match sdp(&f.sdp, user) {
        Some(body) => s.push_str(&format!(
            "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )),
        None => s.push_str("Content-Length: 0\r\n\r\n"),
    }
    s
}

struct Host {
    control: Control<Handle>,
    room: simpleim_focus::control::RoomId,
    now: Instant,
    /// INVITEs the focus got (for CANCEL), with their handle.
    invites: Vec<(Request, Handle)>,
    /// Final responses to INVITEs (for ACK and in-dialog requests), with the handle.
    finals: Vec<(Response, Handle)>,
    pending: Vec<ParticipantId>,
    joined: Vec<ParticipantId>,
    /// Requests the focus sent, with their handle (bounded).
    sent: Vec<(Request, Handle)>,
    /// Whether the group features (members, LMM, the factory) are on.
    groups: bool,
}

impl Host {
    fn drain(&mut self) {
        while let Some(t) = self.control.poll_transmit() {
            if let Message::Request(r) = &t.message {
                self.sent.push((r.clone(), t.handle.clone()));
                if self.sent.len() > 16 {
                    self.sent.remove(0);
                }
            }
            if let Message::Response(r) = &t.message {
                let invite = r
                    .headers()
                    .get(HeaderName::CSeq)
                    .is_some_and(|c| c.value().ends_with(b"INVITE"));
                if invite && r.code() >= 200 {
                    self.finals.push((r.clone(), t.handle.clone()));
                    if self.finals.len() > 16 {
                        self.finals.remove(0);
                    }
                }
            }
        }
        while let Some(event) = self.control.poll_event() {
            match event {
                ControlEvent::JoinPending { participant, .. } => {
                    self.pending.push(participant);
                }
                ControlEvent::Joined { participant, .. } => {
                    self.pending.retain(|p| *p != participant);
                    self.joined.push(participant);
                }
                ControlEvent::Left { participant, .. } => {
                    self.joined.retain(|p| *p != participant);
                }
                _ => {}
            }
        }
        if let Some(t) = self.control.poll_timeout() {
            assert!(t >= self.now, "a timeout in the past");
        }
        let n = self.control.participants(self.room).len();
        assert!(
            n <= MAX_PARTICIPANTS,
            "{n} participants, limit {MAX_PARTICIPANTS}"
        );
        if self.groups {
            // Temporary rooms (FOC-4, LMM-1) hold at most their invitees and the inviter.
            for (room, _) in self.control.rooms() {
                assert!(self.control.participants(room).len() <= MAX_PARTICIPANTS.max(7));
            }
            assert!(self.control.rooms().len() <= MAX_ROOMS);
            assert!(self.control.invitations_in_progress() <= MAX_PENDING * 8);
        } else {
            assert!(self.control.participant_count() <= MAX_PARTICIPANTS);
        }
        assert!(self.control.pending_count() <= MAX_PENDING);
    }

    fn receive(&mut self, handle: Handle, bytes: Bytes) {
        let Ok(message) = Message::parse_datagram(bytes) else {
            return;
        };
        if let Message::Request(r) = &message {
            if r.method().as_bytes() == b"INVITE" {
                self.invites.push((r.clone(), handle.clone()));
                if self.invites.len() > 16 {
                    self.invites.remove(0);
                }
            }
        }
        self.control.handle_sip(self.now, handle, message);
        self.drain();
    }
}

fn header(r: &Response, name: HeaderName) -> String {
    r.headers()
        .get(name)
        .map(|h| String::from_utf8_lossy(&h.value()).into_owned())
        .unwrap_or_default()
}

fuzz_target!(|input: (u8, Vec<Op>)| {
    let (flags, ops) = input;
    let mut config = ControlConfig::new(
        SentBy::new("UDP", "conf.example.com", Some(5060)),
        MsrpEndpoint::tcp("msrp.conf.example.com", 2855),
        Box::new(SeededIds::new(u64::from(flags))),
        TransactionConfig::new(Box::new(SeededIds::new(u64::from(flags) + 1))),
    );
    config.require_asserted_identity = flags & 1 == 1;
    config.confirm_joins = flags & 2 == 2;
    config.limits.max_pending = MAX_PENDING;
    let groups = flags & 4 == 4;
    if groups {
        config.limits.max_rooms = MAX_ROOMS;
        config.limits.max_adhoc_group_size = 6;
        if let Ok(Uri::Sip(factory)) = Uri::parse(&Bytes::from_static(FACTORY.as_bytes())) {
            config.conference_factory = Some(factory);
        }
    }
    if flags & 8 == 8 {
        config.session_timer = None;
    }
    let mut control = Control::new(config);
    let Ok(Uri::Sip(identity)) = Uri::parse(&Bytes::from_static(ROOM.as_bytes())) else {
        panic!("the room URI parses");
    };
    let mut room_config = RoomConfig::new(identity).with_max_participants(MAX_PARTICIPANTS);
    if groups {
        // A pre-defined group of three (FOC-3) that supports Large Message Mode (LMM-1).
        room_config = room_config.with_members(
            (5..8)
                .filter_map(|u| {
                    NameAddr::parse(&Bytes::from(format!("<sip:u{u}@example.org>"))).ok()
                })
                .collect(),
        );
        room_config.services = GroupServices::with_large_message();
    }
    let room = control.add_room(room_config).expect("one room");
    let mut host = Host {
        control,
        room,
        #[allow(clippy::disallowed_methods)]
        now: Instant::now(),
        invites: Vec::new(),
        finals: Vec::new(),
        pending: Vec::new(),
        joined: Vec::new(),
        sent: Vec::new(),
        groups,
    };
    for (seq, op) in ops.into_iter().take(64).enumerate() {
        match op {
            Op::Invite(f) => {
                let text = invite_text(&f);
                host.receive(Handle(f.handle % 4), Bytes::from(text));
            }
            Op::Mutate {
                fields,
                at,
                byte,
                cut,
            } => {
                let mut text = invite_text(&fields).into_bytes();
                let at = usize::from(at) % text.len().max(1);
                if cut {
                    text.truncate(at);
                } else if let Some(b) = text.get_mut(at) {
                    *b = byte;
                }
                host.receive(Handle(fields.handle % 4), Bytes::from(text));
            }
            Op::Raw { bytes, handle } => host.receive(Handle(handle % 4), Bytes::from(bytes)),
            Op::Ack { which, branch } => {
                if host.finals.is_empty() {
                    continue;
                }
                let (r, handle) = host.finals[usize::from(which) % host.finals.len()].clone();
                let cseq = header(&r, HeaderName::CSeq);
                let n = cseq.split(' ').next().unwrap_or("1");
                // A 2xx is ACKed in a new transaction, an error within the INVITE's.
                let via = if r.code() < 300 {
                    format!("SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKack{branch}")
                } else {
                    header(&r, HeaderName::Via)
                };
                let text = format!(
                    "ACK {ROOM} SIP/2.0\r\nVia: {via}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {n} ACK\r\nContent-Length: 0\r\n\r\n",
                    header(&r, HeaderName::From),
                    header(&r, HeaderName::To),
                    header(&r, HeaderName::CallId),
                );
                host.receive(handle, Bytes::from(text));
            }
            Op::InDialog {
                which,
                method,
                name,
                cseq,
                body,
            } => {
                if host.finals.is_empty() {
                    continue;
                }
                let (r, handle) = host.finals[usize::from(which) % host.finals.len()].clone();
                let method = match method % 9 {
                    0 | 1 => "BYE".to_owned(),
                    2 => "UPDATE".to_owned(),
                    3 => "INVITE".to_owned(),
                    4 => "OPTIONS".to_owned(),
                    5 => "MESSAGE".to_owned(),
                    6 => "SUBSCRIBE".to_owned(),
                    7 => "REFER".to_owned(),
                    _ => name.chars().take(16).collect(),
                };
                // A REFER names someone to invite (RFC 4579 §5.5), maybe anonymously.
                let refer = if method == "REFER" {
                    let privacy = if cseq & 1 == 1 { "Privacy: id\r\n" } else { "" };
                    format!("Refer-To: <sip:u{}@example.org>\r\n{privacy}", cseq % 8)
                } else {
                    String::new()
                };
                let body = if body {
                    sdp(&Sdp::Offer, 0).unwrap_or_default()
                } else {
                    String::new()
                };
                let ct = if body.is_empty() {
                    String::new()
                } else {
                    "Content-Type: application/sdp\r\n".to_owned()
                };
                let text = format!(
                    "{method} {ROOM} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKdlg{seq}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {} {method}\r\nContact: <sip:u@192.0.2.9>\r\n{refer}{ct}Content-Length: {}\r\n\r\n{body}",
                    header(&r, HeaderName::From),
                    header(&r, HeaderName::To),
                    header(&r, HeaderName::CallId),
                    u32::from(cseq) + 2,
                    body.len(),
                );
                host.receive(handle, Bytes::from(text));
            }
            Op::Cancel { which } => {
                if host.invites.is_empty() {
                    continue;
                }
                let (invite, handle) =
                    host.invites[usize::from(which) % host.invites.len()].clone();
                if let Ok(cancel) = cancel_request(&invite) {
                    host.receive(handle, cancel.as_bytes().clone());
                }
            }
            Op::Accept { which, body } => {
                if host.pending.is_empty() {
                    continue;
                }
                let p = host.pending[usize::from(which) % host.pending.len()];
                let body = body.then(|| {
                    let answer = host.control.pending_answer(p).cloned().unwrap_or_default();
                    ("application/sdp".to_owned(), answer)
                });
                let _ = host.control.accept_join(host.now, p, body);
                host.pending.retain(|q| *q != p);
                host.drain();
            }
            Op::Reject { which, status } => {
                if host.pending.is_empty() {
                    continue;
                }
                let p = host.pending[usize::from(which) % host.pending.len()];
                if host.control.reject_join(host.now, p, status % 800).is_ok() {
                    host.pending.retain(|q| *q != p);
                }
                host.drain();
            }
            Op::Remove { which } => {
                if host.joined.is_empty() {
                    continue;
                }
                let p = host.joined[usize::from(which) % host.joined.len()];
                let _ = host.control.remove_participant(host.now, p);
                host.drain();
            }
            Op::EndRoom => {
                let _ = host.control.end_room(host.now, host.room);
                host.drain();
            }
            Op::TransportError { handle } => {
                host.control
                    .handle_transport_error(host.now, &Handle(handle % 4));
                host.drain();
            }
            Op::Respond {
                which,
                code,
                sdp: with_sdp,
            } => {
                if host.sent.is_empty() {
                    continue;
                }
                let (request, handle) = host.sent[usize::from(which) % host.sent.len()].clone();
                let code = 100 + code % 600;
                let mut b =
                    Response::for_request(&request, code, &mut SeededIds::new(u64::from(which)))
                        .header(HeaderName::Contact, "<sip:m@192.0.2.7>");
                if with_sdp && (200..300).contains(&code) {
                    let answer = sdp(&Sdp::Offer, 9).unwrap_or_default();
                    b = b.body("application/sdp", answer);
                }
                if let Ok(r) = b.build() {
                    host.receive(handle, r.as_bytes().clone());
                }
            }
            Op::Advance { millis } => {
                host.now += Duration::from_millis(u64::from(millis));
                host.control.handle_timeout(host.now);
                host.drain();
            }
        }
    }
    // Time runs out: every transaction ends, nothing panics on the way.
    for _ in 0..8 {
        host.now += Duration::from_secs(40);
        host.control.handle_timeout(host.now);
        host.drain();
    }
});
