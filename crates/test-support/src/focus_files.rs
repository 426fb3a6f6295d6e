//! RFC 5547 file transfers in the many-party harness ([`Sim`]): a client pushes a file to
//! the room in a dialog of its own ([`push_file`]), and answers the focus's file offers
//! ([`take_file`], [`take_file_when`]); the transfer sessions run on side connections
//! ([`Sim::open_side`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::missing_panics_doc,
    reason = "test helpers fail the test by panicking"
)]

use bytes::Bytes;
use simpleim_msrp::{Event, SendOptions};
use simpleim_sdp::attr::{AcceptTypes, FileSelector, FileTransferId, MediaRange, Path, Setup};
use simpleim_sdp::negotiate::{
    FileOffer, MsrpCapabilities, Offerer, SdpAnswer, SdpOffer, answer_session,
};
use simpleim_sdp::{Origin, SessionDescription};
use simpleim_sip::{HeaderName, Message, Method, Request, Response, SeededIds};

use crate::focus_sim::{ROOM, Sim};

/// An `o=` line's fields for `host`.
pub fn origin(host: &str) -> Origin<'_> {
    Origin {
        username: "-",
        session_id: 7,
        session_version: 1,
        net_type: "IN",
        addr_type: "IP4",
        unicast_address: host,
    }
}

/// The URI of client `name`'s file session `n`.
pub fn file_uri(name: &str, n: u32) -> String {
    format!("msrp://{name}.example.com:7777/{name}-file{n};tcp")
}

/// A file selector: `name`, `media_type` and, when given, `size`.
pub fn selector(name: &str, media_type: &str, size: Option<u64>) -> FileSelector {
    let mut b = FileSelector::builder()
        .name(name)
        .media_type(MediaRange::parse(&Bytes::copy_from_slice(media_type.as_bytes())).unwrap());
    if let Some(size) = size {
        b = b.size(size);
    }
    b.build().unwrap()
}

/// Client `name`'s RFC 5547 offer of `selector` (`push`: sendonly; else recvonly).
pub fn file_offer(name: &str, selector: &FileSelector, push: bool) -> Bytes {
    let host = format!("{name}.example.com");
    let caps = MsrpCapabilities::builder(
        Path::parse(&Bytes::from(file_uri(name, 1))).unwrap(),
        AcceptTypes::parse(&Bytes::from(
            selector.media_type().map(ToString::to_string).unwrap(),
        ))
        .unwrap(),
    )
    .setup(Setup::Active)
    .build();
    let (_, offer) = Offerer::new(caps)
        .create_file_offer(
            &origin(&host),
            &FileOffer {
                selector: selector.clone(),
                transfer_id: FileTransferId::new(&format!("{name}-transfer-1")).unwrap(),
                push,
            },
        )
        .unwrap();
    offer.to_bytes()
}

/// Client `i`'s INVITE to the room with `sdp`, in a dialog of its own (`call_id`).
pub fn file_invite(sim: &Sim, i: usize, call_id: &str, sdp: Bytes) -> Request {
    let c = &sim.clients[i];
    Request::builder(Method::Invite, ROOM)
        .header(
            HeaderName::Via,
            format!("SIP/2.0/TCP {}.example.com;branch=z9hG4bK{call_id}", c.name),
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named("From", format!("<{}>;tag={}-{call_id}", c.identity, c.name))
        .header_named("To", format!("<{ROOM}>"))
        .header(HeaderName::CallId, call_id)
        .header(HeaderName::CSeq, "1 INVITE")
        .header(
            HeaderName::Contact,
            format!("<sip:{}@{}.example.com;transport=tcp>", c.name, c.name),
        )
        .header_named("Accept-Contact", "*;+g.oma.sip-im")
        .header_named("P-Asserted-Identity", format!("<{}>", c.identity))
        .header_named("User-Agent", "IM-client/OMA1.0")
        .body("application/sdp", sdp)
        .build()
        .unwrap()
}

/// The final response to client `i`'s request in dialog `call_id`.
pub fn response_in(sim: &Sim, i: usize, call_id: &str) -> Response {
    sim.clients[i]
        .sip_in
        .iter()
        .rev()
        .filter_map(Message::as_response)
        .find(|r| {
            r.code() >= 200
                && r.headers()
                    .get(HeaderName::CallId)
                    .is_some_and(|h| h.value() == call_id.as_bytes())
        })
        .cloned()
        .unwrap_or_else(|| panic!("no response in {call_id}: {:?}", sim.clients[i].sip_in))
}

/// The value of the first `a=<name>` of the first media line of `sdp`.
pub fn attr(sdp: &SessionDescription, name: &str) -> Option<String> {
    sdp.media()[0]
        .attribute(name)
        .map(|a| a.value.unwrap_or_default().to_owned())
}

/// Client `i` pushes `body` as `selector`'s file: its INVITE, the 200, ACK, a side
/// connection, the SEND. Returns the 200.
pub fn push_file(sim: &mut Sim, i: usize, selector: &FileSelector, body: Bytes) -> Response {
    push_file_chunked(sim, i, selector, body, 2048)
}

/// As [`push_file`], the sender's session writing chunks of `chunk_size` body bytes.
pub fn push_file_chunked(
    sim: &mut Sim,
    i: usize,
    selector: &FileSelector,
    body: Bytes,
    chunk_size: u64,
) -> Response {
    let name = sim.clients[i].name.clone();
    let call_id = format!("ft-{name}");
    let invite = file_invite(sim, i, &call_id, file_offer(&name, selector, true));
    sim.deliver(i, &Message::Request(invite.clone()));
    let ok = response_in(sim, i, &call_id);
    assert_eq!(ok.code(), 200, "{ok:?}");
    let to =
        String::from_utf8_lossy(&ok.headers().get(HeaderName::To).unwrap().value()).into_owned();
    let ack = Request::builder(Method::Ack, ROOM)
        .header(
            HeaderName::Via,
            format!("SIP/2.0/TCP {name}.example.com;branch=z9hG4bK{call_id}-ack"),
        )
        .header(HeaderName::MaxForwards, 70)
        .header_named(
            "From",
            invite.headers().get(HeaderName::From).unwrap().value(),
        )
        .header_named("To", to)
        .header(HeaderName::CallId, call_id.as_str())
        .header(HeaderName::CSeq, "1 ACK")
        .build()
        .unwrap();
    sim.deliver(i, &Message::Request(ack));
    let answer = SdpAnswer::parse(ok.body()).unwrap();
    let focus_path = attr(answer.as_sdp(), "path").unwrap();
    let side = sim.open_side_with(&file_uri(&name, 1), &focus_path, |c| {
        c.chunk_size = chunk_size;
    });
    let now = sim.now;
    let content_type = selector.media_type().unwrap().to_string();
    sim.sides[side]
        .session
        .send_message(now, &content_type, body, SendOptions::new())
        .unwrap();
    sim.settle();
    ok
}

/// Client `i` answers the focus's last file INVITE with `code`; with 200 it connects (its
/// answer says `a=setup:active`) and binds the connection with a bodiless SEND. Returns
/// the side's index with 200.
pub fn take_file(sim: &mut Sim, i: usize, code: u16) -> Option<usize> {
    take_file_when(sim, i, code, false)
}

/// As [`take_file`]; with `early` the client connects and binds before its 200 reaches the
/// focus (RFC 4975 §5.4 allows it: the answerer is the active side).
pub fn take_file_when(sim: &mut Sim, i: usize, code: u16, early: bool) -> Option<usize> {
    let invite = sim.requests(i, &Method::Invite).pop().expect("an INVITE");
    let name = sim.clients[i].name.clone();
    let mut b = Response::for_request(&invite, code, &mut SeededIds::new(40 + i as u64));
    let mut side_path = None;
    if code == 200 {
        let offer = SdpOffer::parse(invite.body()).unwrap();
        let caps = MsrpCapabilities::builder(
            Path::parse(&Bytes::from(file_uri(&name, 2))).unwrap(),
            AcceptTypes::parse(&Bytes::from_static(b"*")).unwrap(),
        )
        .setup(Setup::Active)
        .file_transfer(true)
        .build();
        let host = format!("{name}.example.com");
        let (answer, session) = answer_session(&offer, &caps, &origin(&host)).unwrap();
        assert!(session.connects());
        side_path = Some(session.remote_path().to_string());
        b = b
            .header(
                HeaderName::Contact,
                format!("<sip:{name}@{name}.example.com;transport=tcp>"),
            )
            .body("application/sdp", answer.to_bytes());
    }
    let response = Message::Response(b.build().unwrap());
    let Some(focus_path) = side_path else {
        sim.deliver(i, &response);
        return None;
    };
    if !early {
        sim.deliver(i, &response);
    }
    let local = file_uri(&name, 2);
    let side = sim.open_side(&local, &focus_path);
    let conn = sim.sides[side].conn;
    let bind = format!(
        "MSRP fbind{i} SEND\r\nTo-Path: {focus_path}\r\nFrom-Path: {local}\r\n\
         Message-ID: fbind{i}\r\nByte-Range: 1-0/0\r\n-------fbind{i}$\r\n"
    );
    let now = sim.now;
    sim.focus.handle_msrp(now, conn, bind.as_bytes());
    sim.settle();
    if early {
        sim.deliver(i, &response);
    }
    Some(side)
}

/// The complete messages a side session received: (Content-Type, body).
pub fn side_messages(sim: &Sim, side: usize) -> Vec<(Bytes, Bytes)> {
    sim.sides[side]
        .received
        .iter()
        .filter_map(|e| match e {
            Event::Message {
                content_type, body, ..
            } => Some((content_type.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

/// A file of `n` bytes that is not all the same byte.
pub fn file_bytes(n: usize) -> Bytes {
    (0..n).map(|k| (k % 251) as u8).collect::<Vec<u8>>().into()
}
