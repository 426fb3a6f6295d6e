//! NICKNAME and the end of a session.

use std::time::Duration;

use super::*;

#[test]
fn nickname_requests_are_decided_by_the_host() {
    // REQ: MSRP-7 (RFC 7701: NICKNAME with Use-Nickname; 200, 424, 425)
    let now = t0();
    let mut focus = bob(|_| {});
    let nick = |tid: &str, value: Option<&str>| {
        let headers: Vec<(&str, &str)> = value.map(|v| ("Use-Nickname", v)).into_iter().collect();
        request_to(BOB, tid, "NICKNAME", &headers, None, '$')
    };
    focus.handle_bytes(now, &nick("tnick001", Some("\"Alice the great\"")));
    let e = events(&mut focus);
    let [Event::NicknameRequest { tid, nickname }] = &e[..] else {
        panic!("{e:?}")
    };
    assert_eq!(nickname, "Alice the great");
    assert!(drain(&mut focus).is_empty(), "the host answers");
    assert!(!focus.is_idle());
    focus
        .respond(*tid, 425, Some("Nickname reserved or already in use"))
        .unwrap();
    assert_eq!(
        focus.respond(*tid, 200, None),
        Err(RespondError::UnknownTransaction(*tid))
    );
    assert_eq!(
        focus.respond(*tid, 99, None),
        Err(RespondError::InvalidStatus(99))
    );
    let f = frames(&drain(&mut focus));
    assert_eq!(status_codes(&f), [425]);
    assert_eq!(
        f[0].head.comment(),
        Some(&b"Nickname reserved or already in use"[..])
    );
    assert_eq!(f[0].head.to_path(), Some(ALICE.as_bytes()));

    focus.handle_bytes(now, &nick("tnick002", Some("unquoted")));
    focus.handle_bytes(now, &nick("tnick003", None));
    assert_eq!(status_codes(&frames(&drain(&mut focus))), [424, 400]);
    assert!(events(&mut focus).is_empty());
    assert!(focus.is_idle());
}

#[test]
fn nickname_requests_sent() {
    // REQ: MSRP-7 (RFC 7701)
    let now = t0();
    let mut a = alice(|_| {});
    let tid = a.send_nickname(now, "Alice \"the\" great").unwrap();
    let f = frames(&drain(&mut a));
    assert_eq!(f[0].head.method(), Some(&Method::Nickname));
    assert_eq!(
        f[0].head.use_nickname().unwrap().as_deref(),
        Some("Alice \"the\" great")
    );
    let ok =
        format!("MSRP {tid} 200 OK\r\nTo-Path: {ALICE}\r\nFrom-Path: {BOB}\r\n-------{tid}$\r\n");
    a.handle_bytes(now, ok.as_bytes());
    assert_eq!(
        events(&mut a),
        [Event::NicknameResult {
            tid,
            status: 200,
            comment: Some("OK".into())
        }]
    );

    let tid = a.send_nickname(now, "Bob").unwrap();
    drain(&mut a);
    a.handle_timeout(now + Duration::from_secs(30));
    assert_eq!(
        events(&mut a),
        [Event::NicknameResult {
            tid,
            status: 408,
            comment: None
        }]
    );
    assert!(matches!(
        a.send_nickname(now, "bad\r\nname"),
        Err(SendError::Encode(_))
    ));
    assert!(a.is_idle());
}

#[test]
fn close_ends_the_chunk_and_reports_what_became_of_messages() {
    let now = t0();
    let mut a = alice_pieces(100);
    let sending = send_x(&mut a, now, 1000, SendOptions::new());
    let queued = send_text(&mut a, now, b"later", SendOptions::new());
    let first = a.poll_transmit().unwrap();
    a.close();
    let f = frames(&[&first[..], &drain(&mut a)].concat());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].flag, Flag::Aborted);
    let e = events(&mut a);
    assert_eq!(e.len(), 3);
    assert!(
        matches!(&e[0], Event::SendFailed { message_id, source: FailureSource::Closed, .. } if *message_id == sending)
    );
    assert!(matches!(&e[1], Event::SendFailed { message_id, .. } if *message_id == queued));
    assert_eq!(
        e[2],
        Event::Closed {
            reason: CloseReason::Local
        }
    );
    assert!(a.is_closed());
    assert_eq!(a.poll_timeout(), None);
    assert_eq!(
        a.send_message(now, "text/plain", Bytes::new(), SendOptions::new()),
        Err(SendError::Closed)
    );
    assert!(!a.abort(queued));
    a.handle_bytes(now, b"MSRP garbage");
    a.close();
    assert!(events(&mut a).is_empty() && a.poll_transmit().is_none());
}

#[test]
fn a_broken_stream_closes_the_session() {
    let now = t0();
    let mut b = bob(|_| {});
    b.handle_bytes(now, b"HTTP/1.1 200 OK\r\n");
    match &events(&mut b)[..] {
        [
            Event::Closed {
                reason: CloseReason::Framing(e),
            },
        ] => assert_eq!(e.offset, 0),
        other => panic!("{other:?}"),
    }
    assert!(b.is_closed());
    b.handle_timeout(now);
    assert!(b.poll_transmit().is_none());
}

#[test]
fn connection_lost_drops_output_and_fails_pending_messages() {
    let now = t0();
    let mut a = alice(|_| {});
    let id = send_text(&mut a, now, b"x", SendOptions::new().success_report(true));
    drain(&mut a);
    a.handle_connection_lost(now);
    assert!(a.poll_transmit().is_none());
    let e = events(&mut a);
    assert!(matches!(&e[0], Event::SendFailed { message_id, .. } if *message_id == id));
    assert_eq!(
        e[1],
        Event::Closed {
            reason: CloseReason::ConnectionLost
        }
    );
}

#[test]
fn delivery_unconfirmed_at_close() {
    // RFC 4975 §7.1.1: "if the success report has not been received by the time the session
    // is ended, the device SHOULD inform the user"
    let now = t0();
    let mut a = alice(|_| {});
    let id = send_text(
        &mut a,
        now,
        b"x",
        SendOptions::new()
            .success_report(true)
            .failure_report(ReportMode::No),
    );
    drain(&mut a);
    assert_eq!(events(&mut a), [Event::Sent { message_id: id }]);
    assert_eq!(a.outgoing_messages(), 1);
    a.close();
    assert_eq!(
        events(&mut a),
        [
            Event::DeliveryUnconfirmed { message_id: id },
            Event::Closed {
                reason: CloseReason::Local
            }
        ]
    );
}

#[test]
fn sessions_can_move_between_threads() {
    fn send<T: Send>() {}
    send::<Session>();
    send::<Event>();
}
