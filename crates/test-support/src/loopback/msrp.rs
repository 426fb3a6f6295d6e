//! The MSRP side of a loopback client: a `simpleim_msrp::Session` on a [`Conn`], the events
//! it gave, and the frames of a recorded byte stream.
#![allow(
    clippy::disallowed_methods,
    clippy::indexing_slicing,
    reason = "the tests' host reads the clock to bound its waits; frames end inside the stream"
)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use simpleim_focus::client::JoinedSession;
use simpleim_msrp::{
    Decoded, Decoder, Event, Frame, FrameHead, MessageId, MsrpUri, SendOptions, Session,
    SessionConfig,
};

use super::{Conn, STEP};

/// One end of an MSRP session over a TCP connection, and the events its session gave.
#[derive(Debug)]
pub struct MsrpEndpoint {
    /// The connection and its bytes.
    pub conn: Conn,
    /// The session.
    pub session: Session,
    /// Every event the session gave, in order.
    pub events: Vec<Event>,
}

impl MsrpEndpoint {
    /// A session from `local` to `remote` (a To-Path, URIs separated by spaces) on `conn`, with
    /// the identifiers of `seed`.
    ///
    /// # Panics
    /// When `local` or `remote` does not parse.
    #[must_use]
    pub fn new(conn: Conn, local: &str, remote: &str, seed: u64) -> Self {
        let config = SessionConfig::new(
            local.parse().expect("an MSRP URI"),
            remote.parse().expect("an MSRP path"),
            Box::new(simpleim_msrp::SeededIds::new(seed)),
        );
        Self {
            conn,
            session: Session::new(config),
            events: Vec::new(),
        }
    }

    /// Connects to the port of the first hop of `remote` on 127.0.0.1 and binds the
    /// connection with a bodiless SEND, as the side that opened it (RFC 4975 §5.4).
    ///
    /// # Panics
    /// When `remote` has no port, or the connection fails.
    #[must_use]
    pub fn connect(local: &str, remote: &str, seed: u64) -> Self {
        let first = remote.split_whitespace().next().unwrap_or(remote);
        let hop: MsrpUri = first.parse().expect("an MSRP URI");
        let mut conn = Conn::connect(("127.0.0.1", hop.port().expect("a port")));
        let tid = format!("bind{seed}");
        let bind = format!(
            "MSRP {tid} SEND\r\nTo-Path: {remote}\r\nFrom-Path: {local}\r\nMessage-ID: {tid}\r\n\
             Byte-Range: 1-0/0\r\n-------{tid}$\r\n"
        );
        conn.write(bind.as_bytes());
        Self::new(conn, local, remote, seed)
    }

    /// Sends `text` to the room as `message/cpim` (`joined` wraps it), asking for a success
    /// report when `success_report`; its Message-ID and the CPIM body.
    ///
    /// # Panics
    /// When the session refuses it.
    pub fn send_cpim(
        &mut self,
        joined: &JoinedSession,
        text: &str,
        success_report: bool,
    ) -> (MessageId, Bytes) {
        let body = joined
            .message("text/plain", text.to_owned())
            .expect("a CPIM message");
        let id = self
            .session
            .send_message(
                Instant::now(),
                "message/cpim",
                body.clone(),
                SendOptions::new().success_report(success_report),
            )
            .expect("sent");
        (id, body)
    }

    /// Writes what the session has to send, reads for up to `wait`, hands the bytes over,
    /// writes what the session answers, keeps its events.
    pub fn pump(&mut self, wait: Duration) {
        while let Some(b) = self.session.poll_transmit() {
            self.conn.write(&b);
        }
        let got = self.conn.read(wait).to_vec();
        let now = Instant::now();
        if !got.is_empty() {
            self.session.handle_bytes(now, &got);
        }
        self.session.handle_timeout(now);
        while let Some(b) = self.session.poll_transmit() {
            self.conn.write(&b);
        }
        while let Some(e) = self.session.poll_event() {
            self.events.push(e);
        }
    }

    /// Pumps until `done` holds for the events so far, within [`STEP`].
    ///
    /// # Errors
    /// What happened instead (`what`, the events, the bytes read) when it does not in time.
    pub fn try_pump_until(
        &mut self,
        what: &str,
        done: impl Fn(&[Event]) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + STEP;
        while !done(&self.events) {
            if Instant::now() >= deadline {
                return Err(format!(
                    "MSRP: {what} not in time; events {:?}; read {:?}",
                    self.events,
                    String::from_utf8_lossy(&self.conn.received)
                ));
            }
            self.pump(Duration::from_millis(20));
        }
        Ok(())
    }

    /// [`MsrpEndpoint::try_pump_until`], failing the test when it fails.
    ///
    /// # Panics
    /// When `done` does not hold in time.
    pub fn pump_until(&mut self, what: &str, done: impl Fn(&[Event]) -> bool) {
        if let Err(e) = self.try_pump_until(what, done) {
            panic!("{e}");
        }
    }
}

/// Whether every message of `ids` was sent (each chunk acknowledged).
pub fn sent(ids: &[MessageId]) -> impl Fn(&[Event]) -> bool + '_ {
    move |events| {
        ids.iter().all(|id| {
            events
                .iter()
                .any(|e| matches!(e, Event::Sent { message_id } if message_id == id))
        })
    }
}

/// Whether the message `id` was reported delivered, whole (a success REPORT).
pub fn delivered(id: MessageId) -> impl Fn(&[Event]) -> bool {
    move |events| {
        events.iter().any(|e| {
            matches!(e, Event::Delivered { message_id, complete: true, .. } if *message_id == id)
        })
    }
}

/// The body of the message `id`, when it was received.
#[must_use]
pub fn received(events: &[Event], id: MessageId) -> Option<Bytes> {
    events.iter().find_map(|e| match e {
        Event::Message {
            message_id, body, ..
        } if *message_id == id => Some(body.clone()),
        _ => None,
    })
}

/// The bodies of the messages received, in order.
#[must_use]
pub fn message_bodies(events: &[Event]) -> Vec<Bytes> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message { body, .. } => Some(body.clone()),
            _ => None,
        })
        .collect()
}

/// The whole frames at the start of a recorded MSRP byte stream, each with its bytes (a
/// streamed body put together); a frame cut short at the end is left out.
///
/// # Panics
/// When the stream does not decode.
#[must_use]
pub fn msrp_frames(wire: &[u8]) -> Vec<(Bytes, Frame)> {
    let mut d = Decoder::new(simpleim_msrp::Limits::default());
    d.push(wire);
    let mut out = Vec::new();
    let mut start = 0;
    let mut open: Option<(FrameHead, BytesMut)> = None;
    while let Some(x) = d.poll().expect("the recorded stream decodes") {
        let done = match x {
            Decoded::Frame(f) => Some(f),
            Decoded::Head(head) => {
                open = Some((head, BytesMut::new()));
                None
            }
            Decoded::Body(part) => {
                let (_, body) = open.as_mut().expect("a body after a head");
                body.extend_from_slice(&part.data);
                match part.flag {
                    Some(flag) => open.take().map(|(head, body)| Frame {
                        head,
                        body: body.freeze(),
                        flag,
                    }),
                    None => None,
                }
            }
        };
        if let Some(frame) = done {
            let end = usize::try_from(d.position()).expect("a length");
            out.push((Bytes::copy_from_slice(&wire[start..end]), frame));
            start = end;
        }
    }
    out
}
