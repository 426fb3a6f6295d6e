//! The focus task: the one owner of the [`Focus`] (no lock around it). It takes the socket
//! tasks' [`Input`]s, calls the focus's `handle_*` methods with the time, drains every output
//! after each input (`poll_transmit` → `poll_connect` / `poll_push_connect` → `poll_event` /
//! `poll_deferred_event`), routes bytes to the connections' writers, and sleeps until
//! `poll_timeout`.
//!
//! Writers come first: the signals of MSRP writers that have room again arrive on their own
//! channel, which is read before the inputs (and between the inputs of a batch), so that a
//! paused connection resumes — and the switch hands it what it holds — before more input
//! adds to its queue. The task also commits the store's transcripts on a short interval
//! ([`TRANSCRIPT_FLUSH`]).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use simpleim::focus::deferred::{DeferredEvent, Timestamp};
use simpleim::focus::{Focus, FocusEvent, FocusTransmit};
use simpleim::sip::header::CSeq;
use simpleim::sip::transaction::Transmit;
use simpleim::sip::{HeaderName, Message, Method};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tracing::{debug, info, trace, warn};

use crate::events;
use crate::net::{
    self, Input, MsrpConn, Origin, Service, SipHandle, WritableRx, WritableTx, Writer,
};
use crate::setup::Room;
use crate::store::TranscriptFlusher;

/// How long shutdown waits for the BYEs to be answered.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long shutdown then waits for the writers to flush.
const FLUSH_GRACE: Duration = Duration::from_secs(1);
/// Bytes kept for an MSRP connection whose writer is full, beyond which it is given up.
const MAX_OVERFLOW: usize = 8 * 1024 * 1024;
/// Inputs handled in one go (each drained after it) before going back to `select!`.
const BATCH: usize = 64;
/// How long transcript entries may wait in the store's open batch before they are committed
/// (a crash of the process loses at most this much of the transcripts).
const TRANSCRIPT_FLUSH: Duration = Duration::from_millis(100);

/// The host's clock: time is an input of the focus, read here and nowhere else.
#[allow(
    clippy::disallowed_methods,
    reason = "the host reads the clock for the focus"
)]
pub(crate) fn now() -> Instant {
    Instant::now()
}

#[allow(
    clippy::disallowed_methods,
    reason = "the host reads the clock for the focus"
)]
fn wall_clock() -> Timestamp {
    Timestamp::from_system_time(SystemTime::now())
}

/// One SIP TCP connection.
struct SipConn {
    writer: Writer,
}

/// One MSRP connection.
struct MsrpEntry {
    service: Service,
    peer: SocketAddr,
    writer: Writer,
    /// Bytes the writer had no room for, in order, sent before anything newer.
    overflow: VecDeque<Bytes>,
    overflow_bytes: usize,
    /// Whether the focus was told the connection is not writable.
    paused: bool,
}

/// The focus task's state.
pub(crate) struct Host {
    pub(crate) focus: Focus<SipHandle, MsrpConn>,
    udp: Option<Arc<UdpSocket>>,
    sip: HashMap<u64, SipConn>,
    msrp: HashMap<MsrpConn, MsrpEntry>,
    /// For the connections the focus asks for.
    inputs: mpsc::Sender<Input>,
    /// For their writers' signals.
    writable: WritableTx,
    /// Commits the store's transcripts; `None` without a store that batches them.
    transcripts: Option<TranscriptFlusher>,
    /// When the transcripts appended since the last commit are to be committed.
    flush_transcripts_at: Option<Instant>,
    pub(crate) rooms: Vec<Room>,
    /// SIP handles that failed while the outputs were drained (told to the focus after).
    failed: Vec<SipHandle>,
    /// MSRP connections given up while the outputs were drained.
    lost: Vec<MsrpConn>,
    /// During shutdown: the BYEs sent and not answered yet (Call-ID, CSeq), by handle.
    pending_byes: HashMap<(Bytes, u32), SipHandle>,
    shutting_down: bool,
}

impl Host {
    pub(crate) fn new(
        focus: Focus<SipHandle, MsrpConn>,
        rooms: Vec<Room>,
        udp: Option<Arc<UdpSocket>>,
        inputs: mpsc::Sender<Input>,
        writable: WritableTx,
        transcripts: Option<TranscriptFlusher>,
    ) -> Self {
        Self {
            focus,
            udp,
            sip: HashMap::new(),
            msrp: HashMap::new(),
            inputs,
            writable,
            transcripts,
            flush_transcripts_at: None,
            rooms,
            failed: Vec::new(),
            lost: Vec::new(),
            pending_byes: HashMap::new(),
            shutting_down: false,
        }
    }

    /// The room's URI, for logs.
    pub(crate) fn room_uri(&self, room: simpleim::focus::control::RoomId) -> &str {
        self.rooms
            .iter()
            .find(|r| r.id == room)
            .map_or("?", |r| r.uri.as_str())
    }

    /// Serves until `shutdown` resolves or the inputs end, then shuts down cleanly.
    /// `writable` carries the MSRP writers' signals (see [`net::WritableTx`]).
    pub(crate) async fn run(
        mut self,
        mut inputs: mpsc::Receiver<Input>,
        mut writable: WritableRx,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let start = now();
        self.focus.set_wall_clock(start, wall_clock());
        loop {
            let wake = earliest(self.focus.poll_timeout(), self.flush_transcripts_at);
            let t = tokio::select! {
                biased;
                () = &mut shutdown => break,
                // Writers before inputs: a resumed writer takes what the switch holds for it
                // before more input adds to that.
                Some(conn) = writable.recv() => {
                    let t = now();
                    self.flush(conn);
                    self.serve_writable(&mut writable);
                    self.drain(t);
                    t
                }
                input = inputs.recv() => {
                    let Some(input) = input else { break };
                    let t = now();
                    self.focus.set_wall_clock(t, wall_clock());
                    self.handle(t, input);
                    self.drain(t);
                    // More inputs that are already waiting, without going back to select!;
                    // each is drained after it, as the focus asks, and writers that signalled
                    // meanwhile are served before the next.
                    for _ in 1..BATCH {
                        if self.serve_writable(&mut writable) {
                            self.drain(t);
                        }
                        let Ok(input) = inputs.try_recv() else { break };
                        self.handle(t, input);
                        self.drain(t);
                    }
                    // Under a steady stream of inputs the timer branch may never be picked:
                    // timers that fell due are served here too.
                    if self.focus.poll_timeout().is_some_and(|w| w <= t) {
                        self.focus.handle_timeout(t);
                        self.drain(t);
                    }
                    t
                }
                () = sleep_until(wake) => {
                    let t = now();
                    if self.focus.poll_timeout().is_some_and(|w| w <= t) {
                        self.focus.handle_timeout(t);
                        self.drain(t);
                    }
                    t
                }
            };
            self.commit_transcripts(t);
        }
        self.shutdown(inputs, writable).await;
    }

    /// Moves the waiting bytes of every connection whose writer has signalled room since,
    /// without waiting; true when there was one (the caller drains the focus then).
    fn serve_writable(&mut self, writable: &mut WritableRx) -> bool {
        let mut any = false;
        while let Ok(conn) = writable.try_recv() {
            self.flush(conn);
            any = true;
        }
        any
    }

    /// Commits the store's transcript batch once it has waited [`TRANSCRIPT_FLUSH`].
    fn commit_transcripts(&mut self, t: Instant) {
        let Some(transcripts) = &self.transcripts else {
            return;
        };
        match self.flush_transcripts_at {
            Some(at) if at <= t => {
                self.flush_transcripts_at = None;
                match transcripts.flush() {
                    Ok(n) => trace!(entries = n, "transcripts committed"),
                    Err(e) => warn!(error = %e, "transcripts could not be committed"),
                }
            }
            Some(_) => {}
            None => {
                if transcripts.pending() > 0 {
                    self.flush_transcripts_at = Some(t + TRANSCRIPT_FLUSH);
                }
            }
        }
    }

    /// Ends every room (a BYE to everyone, REQ: FOC-6), keeps serving until the BYEs are
    /// answered or [`SHUTDOWN_GRACE`] has passed, then lets the writers flush and drops the
    /// focus (which closes the store).
    async fn shutdown(mut self, mut inputs: mpsc::Receiver<Input>, mut writable: WritableRx) {
        let t = now();
        self.shutting_down = true;
        let participants = self.focus.control().participant_count();
        info!(participants, "shutting down: ending every room");
        for room in self.rooms.iter().map(|r| r.id).collect::<Vec<_>>() {
            if let Err(e) = self.focus.end_room(t, room) {
                warn!(room = %self.room_uri(room), error = %e, "could not end the room");
            }
        }
        self.drain(t);
        let deadline = t + SHUTDOWN_GRACE;
        while !self.byes_done() {
            let t = now();
            if t >= deadline {
                warn!(
                    unanswered = self.pending_byes.len(),
                    "BYEs unanswered at the deadline"
                );
                break;
            }
            let wake = self
                .focus
                .poll_timeout()
                .map_or(deadline, |w| w.min(deadline));
            tokio::select! {
                biased;
                Some(conn) = writable.recv() => {
                    let t = now();
                    self.flush(conn);
                    self.drain(t);
                }
                input = inputs.recv() => {
                    let Some(input) = input else { break };
                    let t = now();
                    self.handle(t, input);
                    self.drain(t);
                }
                () = sleep_until(Some(wake)) => {
                    let t = now();
                    self.focus.handle_timeout(t);
                    self.drain(t);
                }
            }
        }
        // Close every connection: each writer sends what it holds, then shuts down.
        let mut tasks = Vec::new();
        for (_, c) in self.sip.drain() {
            tasks.push(c.writer.task);
        }
        for (_, c) in self.msrp.drain() {
            tasks.push(c.writer.task);
        }
        let flushed = tokio::time::timeout(FLUSH_GRACE, async {
            for t in tasks {
                let _ = t.await;
            }
        })
        .await;
        if flushed.is_err() {
            warn!("some connections did not flush in time");
        }
        info!("rooms ended; closing the store");
        // Dropping the focus drops its store: see SqliteStore's Drop.
        drop(self.focus);
    }

    fn byes_done(&self) -> bool {
        self.pending_byes.is_empty() && self.focus.control().participant_count() == 0
    }

    // --- inputs ----------------------------------------------------------------------------

    fn handle(&mut self, t: Instant, input: Input) {
        match input {
            Input::Sip { handle, message } => self.on_sip(t, handle, *message),
            Input::SipOpened { conn, peer, writer } => {
                net::log_opened("SIP", &SipHandle::Tcp(conn), peer);
                self.sip.insert(conn, SipConn { writer });
            }
            Input::SipClosed { conn } => {
                if self.sip.remove(&conn).is_some() {
                    info!(conn = %SipHandle::Tcp(conn), "SIP connection closed");
                    self.sip_failed(t, SipHandle::Tcp(conn));
                }
            }
            Input::MsrpOpened {
                conn,
                origin,
                peer,
                writer,
            } => self.on_msrp_opened(t, conn, origin, peer, writer),
            Input::MsrpConnectFailed { origin, to, error } => {
                warn!(%to, %error, ?origin, "MSRP connection could not be opened");
                match origin {
                    Origin::Participant(p) => self.focus.handle_msrp_connect_failed(t, p),
                    Origin::Push(push) => self.focus.handle_push_connect_failed(t, push),
                    Origin::Accepted(_) => {}
                }
            }
            Input::Msrp { conn, data } => match self.msrp.get(&conn).map(|c| c.service) {
                Some(Service::Rooms) => self.focus.handle_msrp(t, conn, &data),
                Some(Service::Push) => self.focus.handle_push_msrp(t, conn, &data),
                None => trace!(%conn, "bytes on a forgotten connection"),
            },
            Input::MsrpClosed { conn } => {
                if let Some(c) = self.msrp.remove(&conn) {
                    info!(%conn, peer = %c.peer, "MSRP connection closed by the peer");
                    match c.service {
                        Service::Rooms => self.focus.handle_msrp_closed(t, conn),
                        Service::Push => self.focus.handle_push_msrp_closed(t, conn),
                    }
                }
            }
        }
    }

    fn on_sip(&mut self, t: Instant, handle: SipHandle, message: Message) {
        match &message {
            Message::Request(r) => {
                debug!(%handle, method = %r.method(), "SIP request in");
                let new_invite = *r.method() == Method::Invite
                    && r.headers()
                        .get(HeaderName::To)
                        .is_some_and(|to| !to.value().windows(4).any(|w| w == b"tag="));
                if self.shutting_down && new_invite {
                    debug!(%handle, "INVITE ignored: shutting down");
                    return;
                }
            }
            Message::Response(r) => {
                debug!(%handle, status = r.code(), "SIP response in");
                if r.code() >= 200 {
                    if let Some(key) = bye_key(&message) {
                        self.pending_byes.remove(&key);
                    }
                }
            }
        }
        self.focus.handle_sip(t, handle, message);
    }

    fn on_msrp_opened(
        &mut self,
        t: Instant,
        conn: MsrpConn,
        origin: Origin,
        peer: SocketAddr,
        writer: Writer,
    ) {
        let service = origin.service();
        let what = match service {
            Service::Rooms => "MSRP",
            Service::Push => "MSRP (deferred)",
        };
        net::log_opened(what, &conn, peer);
        self.msrp.insert(
            conn,
            MsrpEntry {
                service,
                peer,
                writer,
                overflow: VecDeque::new(),
                overflow_bytes: 0,
                paused: false,
            },
        );
        match origin {
            Origin::Accepted(Service::Rooms) => self.focus.handle_msrp_connected(t, conn, None),
            Origin::Accepted(Service::Push) => {
                self.focus.handle_push_msrp_connected(t, conn, None);
            }
            Origin::Participant(p) => self.focus.handle_msrp_connected(t, conn, Some(p)),
            Origin::Push(push) => self.focus.handle_push_msrp_connected(t, conn, Some(push)),
        }
    }

    /// A SIP handle failed: its connection is gone, or a write failed. Pending BYEs on it
    /// will not be answered.
    fn sip_failed(&mut self, t: Instant, handle: SipHandle) {
        self.pending_byes.retain(|_, h| *h != handle);
        self.focus.handle_sip_transport_error(t, &handle);
    }

    // --- outputs ---------------------------------------------------------------------------

    /// Drains the focus after inputs, in the documented order, until nothing more comes (a
    /// failed write is an input that may produce more).
    fn drain(&mut self, t: Instant) {
        loop {
            while let Some(out) = self.focus.poll_transmit() {
                match out {
                    FocusTransmit::Sip(tx) => self.route_sip(&tx),
                    FocusTransmit::Msrp { conn, bytes } => self.enqueue(conn, bytes),
                }
            }
            while let Some(c) = self.focus.poll_connect() {
                info!(participant = %c.participant, to = %c.to, "connecting to a participant");
                net::spawn_msrp_connect(
                    &c.to,
                    Origin::Participant(c.participant),
                    self.inputs.clone(),
                    self.writable.clone(),
                );
            }
            while let Some(c) = self.focus.poll_push_connect() {
                info!(push = %c.push, to = %c.to, "connecting for a push");
                net::spawn_msrp_connect(
                    &c.to,
                    Origin::Push(c.push),
                    self.inputs.clone(),
                    self.writable.clone(),
                );
            }
            while let Some(e) = self.focus.poll_event() {
                match &e {
                    FocusEvent::CloseConnection { conn, reason } => {
                        if let Some(c) = self.msrp.remove(conn) {
                            info!(%conn, peer = %c.peer, ?reason, "closing MSRP connection");
                        }
                    }
                    // Rooms the focus makes itself (temporary ones): named in the logs, and
                    // ended with the others at shutdown.
                    FocusEvent::RoomCreated { room, identity } => self.rooms.push(Room {
                        id: *room,
                        uri: identity.clone(),
                        anonymity: false,
                        private_messages: false,
                    }),
                    _ => {}
                }
                events::log_focus_event(self, &e);
                if let FocusEvent::RoomReleased { room } = &e {
                    self.rooms.retain(|r| r.id != *room);
                }
            }
            while let Some(e) = self.focus.poll_deferred_event() {
                if let DeferredEvent::CloseConnection { conn, reason } = &e {
                    if let Some(c) = self.msrp.remove(conn) {
                        info!(%conn, peer = %c.peer, ?reason, "closing MSRP (deferred) connection");
                    }
                }
                events::log_deferred_event(&e);
            }
            if self.failed.is_empty() && self.lost.is_empty() {
                return;
            }
            for handle in std::mem::take(&mut self.failed) {
                self.sip_failed(t, handle);
            }
            for conn in std::mem::take(&mut self.lost) {
                if let Some(c) = self.msrp.remove(&conn) {
                    warn!(%conn, peer = %c.peer, "MSRP reader too slow; connection dropped");
                    match c.service {
                        Service::Rooms => self.focus.handle_msrp_closed(t, conn),
                        Service::Push => self.focus.handle_push_msrp_closed(t, conn),
                    }
                }
            }
        }
    }

    fn route_sip(&mut self, tx: &Transmit<SipHandle>) {
        let message = &tx.message;
        match message {
            Message::Request(r) => {
                debug!(handle = %tx.handle, method = %r.method(), "SIP request out");
                if self.shutting_down && *r.method() == Method::Bye {
                    if let Some(key) = bye_key(message) {
                        self.pending_byes.insert(key, tx.handle);
                    }
                }
            }
            Message::Response(r) => {
                debug!(handle = %tx.handle, status = r.code(), "SIP response out")
            }
        }
        match tx.handle {
            SipHandle::Udp(peer) => {
                let Some(udp) = &self.udp else {
                    return;
                };
                let bytes = message.as_bytes().clone();
                // UDP is unreliable anyway: the transaction layer retransmits what is lost.
                if let Err(e) = udp.try_send_to(&bytes, peer) {
                    debug!(%peer, error = %e, "UDP send failed");
                }
            }
            SipHandle::Tcp(conn) => {
                let bytes = message.as_bytes().clone();
                let sent = self.sip.get(&conn).map(|c| c.writer.tx.try_send(bytes));
                match sent {
                    Some(Ok(())) => {}
                    Some(Err(TrySendError::Full(_))) => {
                        warn!(conn = %tx.handle, "SIP peer not reading; closing the connection");
                        self.sip.remove(&conn);
                        self.failed.push(tx.handle);
                    }
                    Some(Err(TrySendError::Closed(_))) | None => self.failed.push(tx.handle),
                }
            }
        }
    }

    /// Queues bytes for an MSRP connection. When its writer is full the bytes wait here and
    /// the focus is told the connection is not writable, so that its switch keeps the rest
    /// (within its bounds, REQ: SEC-2) until the writer drains and signals
    /// ([`net::WritableTx`]).
    fn enqueue(&mut self, conn: MsrpConn, bytes: Bytes) {
        let Some(c) = self.msrp.get_mut(&conn) else {
            trace!(%conn, "bytes for a forgotten connection dropped");
            return;
        };
        if c.overflow.is_empty() {
            match c.writer.tx.try_send(bytes) {
                Ok(()) => return,
                Err(TrySendError::Closed(_)) => return, // its close is on its way
                Err(TrySendError::Full(b)) => {
                    c.overflow_bytes += b.len();
                    c.overflow.push_back(b);
                }
            }
        } else {
            c.overflow_bytes += bytes.len();
            c.overflow.push_back(bytes);
        }
        if c.overflow_bytes > MAX_OVERFLOW {
            self.lost.push(conn);
            return;
        }
        if !c.paused {
            c.paused = true;
            // Set before the next try, so that the writer cannot drain the queue unseen.
            c.writer.blocked.store(true, Ordering::SeqCst);
            let service = c.service;
            if service == Service::Rooms {
                self.focus.set_msrp_writable(&conn, false);
            }
            debug!(%conn, "MSRP writer full: paused");
            self.flush(conn);
        }
    }

    /// Moves waiting bytes to the writer; once none wait, the connection is writable again.
    fn flush(&mut self, conn: MsrpConn) {
        let Some(c) = self.msrp.get_mut(&conn) else {
            return;
        };
        while let Some(b) = c.overflow.pop_front() {
            let len = b.len();
            match c.writer.tx.try_send(b) {
                Ok(()) => c.overflow_bytes -= len,
                Err(TrySendError::Full(b)) => {
                    // Still full: the writer clears `blocked` and tells us when it has room
                    // (or has already, and its signal is on its way).
                    c.writer.blocked.store(true, Ordering::SeqCst);
                    c.overflow.push_front(b);
                    return;
                }
                Err(TrySendError::Closed(_)) => {
                    c.overflow.clear();
                    c.overflow_bytes = 0;
                    return;
                }
            }
        }
        if c.paused {
            c.paused = false;
            c.writer.blocked.store(false, Ordering::SeqCst);
            if c.service == Service::Rooms {
                self.focus.set_msrp_writable(&conn, true);
            }
            debug!(%conn, "MSRP writer drained: resumed");
        }
    }
}

/// The earlier of two deadlines.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Sleeps until `at`, or forever.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The (Call-ID, CSeq number) of a BYE or of a response to one.
fn bye_key(message: &Message) -> Option<(Bytes, u32)> {
    let h = message.headers();
    let cseq: CSeq = h.typed()?.ok()?;
    if *cseq.method() != Method::Bye {
        return None;
    }
    let call_id = h.get(HeaderName::CallId)?.value();
    Some((call_id, cseq.seq()))
}
