//! Unit tests of dialog creation and state changes.

use bytes::Bytes;

use super::*;
use crate::message::Message;
use crate::uri::Uri;
use crate::{IdGenerator, SeededIds};

fn msg(text: &str) -> Message {
    let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    Message::parse_datagram(Bytes::from(text)).unwrap()
}

fn req(text: &str) -> Request {
    msg(text).as_request().unwrap().clone()
}

fn contact() -> NameAddr {
    NameAddr::new(Uri::parse(&Bytes::from_static(b"sip:focus@conf.example.com")).unwrap())
}

const SUBSCRIBE: &str = "SUBSCRIBE sip:chat@conf.example.com SIP/2.0\n\
Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\n\
From: <sip:alice@example.com>;tag=al\n\
To: <sip:chat@conf.example.com>\n\
Call-ID: sub-1\n\
CSeq: 10 SUBSCRIBE\n\
Event: conference\n\
Contact: <sip:alice@192.0.2.1>\n\
Content-Length: 0\n\n";

const NOTIFY: &str = "NOTIFY sip:alice@192.0.2.1 SIP/2.0\n\
Via: SIP/2.0/TCP conf.example.com;branch=z9hG4bK2\n\
From: <sip:chat@conf.example.com>;tag=fo\n\
To: <sip:alice@example.com>;tag=al\n\
Call-ID: sub-1\n\
CSeq: 3 NOTIFY\n\
Event: conference\n\
Subscription-State: active;expires=600\n\
Contact: <sip:focus@conf.example.com>\n\
Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\n\
Content-Length: 0\n\n";

// RFC 6665 §4.1.2.4: the NOTIFY makes the dialog as its UAS would: Record-Route in order,
// the remote sequence number from the NOTIFY, the local one from the SUBSCRIBE.
#[test]
fn dialog_from_a_notify() {
    let d = Dialog::new_uac_from_notify(&req(SUBSCRIBE), &req(NOTIFY)).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.role(), Role::Uac);
    assert_eq!(d.method(), &Method::Subscribe);
    assert_eq!(
        d.id(),
        &DialogId::new(&b"sub-1"[..], &b"al"[..], &b"fo"[..])
    );
    assert_eq!((d.local_seq(), d.remote_seq()), (Some(10), Some(3)));
    let routes: Vec<String> = d.route_set().iter().map(ToString::to_string).collect();
    assert_eq!(
        routes,
        ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    );
    assert_eq!(d.remote_target().to_string(), "sip:focus@conf.example.com");

    // A NOTIFY of another subscription, or not a NOTIFY at all, makes none.
    let other = req(&NOTIFY.replace("tag=al", "tag=zz"));
    assert!(matches!(
        Dialog::new_uac_from_notify(&req(SUBSCRIBE), &other),
        Err(DialogError::NotDialogCreating(_))
    ));
    assert!(matches!(
        Dialog::new_uac_from_notify(&req(NOTIFY), &req(NOTIFY)),
        Err(DialogError::NotDialogCreating(_))
    ));
    let no_contact = req(&NOTIFY.replace("Contact: <sip:focus@conf.example.com>\n", ""));
    assert_eq!(
        Dialog::new_uac_from_notify(&req(SUBSCRIBE), &no_contact).unwrap_err(),
        DialogError::MissingHeader(HeaderName::Contact)
    );
}

#[test]
fn uas_dialog_needs_a_contact_and_takes_its_tag_from_the_generator() {
    let mut ids = SeededIds::new(4);
    let tag = SeededIds::new(4).next_id(crate::IdKind::Tag);
    let d = Dialog::new_uas(&req(SUBSCRIBE), contact(), &mut ids).unwrap();
    assert_eq!(d.id().local_tag, tag);
    assert!(
        d.local_uri()
            .to_string()
            .ends_with(&format!(";tag={}", String::from_utf8_lossy(&tag)))
    );
    assert!(!d.is_secure(), "a sip: URI over TCP");
    let bare = req(&SUBSCRIBE.replace("Contact: <sip:alice@192.0.2.1>\n", ""));
    assert_eq!(
        Dialog::new_uas(&bare, contact(), &mut ids).unwrap_err(),
        DialogError::MissingHeader(HeaderName::Contact)
    );
    let bad = req(&SUBSCRIBE.replace("CSeq: 10 SUBSCRIBE", "CSeq: x SUBSCRIBE"));
    assert!(matches!(
        Dialog::new_uas(&bad, contact(), &mut ids).unwrap_err(),
        DialogError::MalformedHeader {
            name: HeaderName::CSeq,
            ..
        }
    ));
}

#[test]
fn respond_refuses_foreign_requests_and_terminates_on_failure() {
    let mut ids = SeededIds::new(4);
    let subscribe = req(SUBSCRIBE);
    let mut d = Dialog::new_uas(&subscribe, contact(), &mut ids).unwrap();
    let foreign = req(&SUBSCRIBE.replace("Call-ID: sub-1", "Call-ID: other"));
    assert_eq!(
        d.respond(&foreign, 200).unwrap_err(),
        DialogError::OtherDialog
    );
    let rejected = d.respond(&subscribe, 403).unwrap().build().unwrap();
    // The To of the refusal carries the dialog's tag; no Contact in a failure.
    let to: crate::header::To = rejected.headers().typed().unwrap().unwrap();
    assert_eq!(to.tag_bytes(), Some(d.id().local_tag.clone()));
    assert!(rejected.headers().get(HeaderName::Contact).is_none());
    assert_eq!(d.state(), DialogState::Terminated);
}

#[test]
fn requests_after_termination() {
    let mut ids = SeededIds::new(4);
    let subscribe = req(SUBSCRIBE);
    let mut d = Dialog::new_uas(&subscribe, contact(), &mut ids).unwrap();
    let _ = d.respond(&subscribe, 200).unwrap();
    let tag = String::from_utf8(d.id().local_tag.to_vec()).unwrap();
    let in_dialog = |method: &str, seq: u32| {
        req(&SUBSCRIBE
            .replace(
                "To: <sip:chat@conf.example.com>",
                &format!("To: <sip:chat@conf.example.com>;tag={tag}"),
            )
            .replace("SUBSCRIBE sip:", &format!("{method} sip:"))
            .replace("CSeq: 10 SUBSCRIBE", &format!("CSeq: {seq} {method}")))
    };
    d.terminate();
    assert_eq!(
        d.handle_request(&in_dialog("INFO", 11)),
        Err(RequestRejection::NoDialog)
    );
    // A BYE crossing ours is still answered (200).
    assert_eq!(d.handle_request(&in_dialog("BYE", 12)), Ok(()));
    let bye = in_dialog("BYE", 13);
    let no_cseq = req(&String::from_utf8_lossy(bye.as_bytes()).replace("CSeq: 13 BYE\r\n", ""));
    assert_eq!(
        d.handle_request(&no_cseq),
        Err(RequestRejection::Malformed(HeaderName::CSeq))
    );
}
