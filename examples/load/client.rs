//! One simulated client: it joins its room (SIP INVITE over TCP, `a=setup:active`, then its
//! own MSRP connection to the focus, bound with a bodiless SEND), sends its share of the
//! messages on schedule, records every message it receives, and leaves.
//!
//! The schedule is global and fixed: message `g` (0, 1, 2, ...) is sent by client
//! `g mod N` at `t0 + g / rate`, as long as `g < rate × duration`. Client `i` is in room
//! `i mod M` at place `i / M`; its `k`-th message is `g = k·N + i`. A message's payload is
//! `load <client> <k> <ns since the process's epoch> ` and padding, in a CPIM message to the
//! room; a receiver knows from it who sent which message, and when.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use simpleim::cpim::CpimMessage;
use simpleim::focus::client::{ClientConfig, ImClient, InviteOptions, JoinedSession};
use simpleim::msrp::{Event, SendOptions, Session, SessionConfig};
use simpleim::sdp::attr::Setup;
use simpleim::sip::{Message, Method, SeededIds, Uri};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::args::{Leave, Settings};
use crate::clock;
use crate::sip::{SipConn, final_for};
use crate::stats::{Counters, Histogram, ReceiverLog, Seen};

/// Bytes taken from a session for its socket at most; beyond, the session holds them.
const OUT_HIGH: usize = 256 * 1024;
/// How long a client waits for the answer to its BYE at the end.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a client waits for the server's BYE with `--leave stay`.
const STAY_TIMEOUT: Duration = Duration::from_secs(8);

/// What every client shares: the plan (read only) and what they count.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    /// The server's SIP over TCP address.
    pub(crate) sip: SocketAddr,
    /// Messages scheduled in all.
    pub(crate) scheduled: u64,
    /// The most messages one client sends.
    pub(crate) rounds: u64,
    /// Send timestamps are nanoseconds since this instant.
    pub(crate) epoch: Instant,
    /// Joins not finished by then fail.
    pub(crate) join_deadline: Instant,
    /// Mixed into every identifier seed, so that runs do not reuse Call-IDs.
    pub(crate) seed: u64,
    pub(crate) counters: Counters,
    /// Delivery latency: receive time − send time.
    pub(crate) latency: Histogram,
    /// How late a client sent each message against its schedule (the generator's own lag).
    pub(crate) lag: Histogram,
}

/// Where the run is; clients watch it.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// Joining; nobody sends.
    Joining,
    /// Send from `t0`; `sizes[r]` members joined room `r`.
    Go { t0: Instant, sizes: Arc<Vec<usize>> },
    /// Stop sending and leave.
    Stop,
}

/// The outcome of one join, as the main task counts it.
pub(crate) type Joined = (usize, Result<Duration, String>);

/// Runs client `id` from its join to its leave.
pub(crate) async fn run(
    id: usize,
    shared: Arc<Shared>,
    permits: Arc<Semaphore>,
    mut phase: watch::Receiver<Phase>,
    joined: mpsc::UnboundedSender<Joined>,
) {
    let deadline = tokio::time::Instant::from_std(shared.join_deadline);
    let attempt = async {
        let _permit = permits
            .acquire()
            .await
            .map_err(|_| "no join permit".to_owned())?;
        let started = clock::now();
        let client = join(id, &shared).await?;
        Ok::<_, String>((client, started.elapsed()))
    };
    let result = match tokio::time::timeout_at(deadline, attempt).await {
        Ok(r) => r,
        Err(_) => Err("join deadline".to_owned()),
    };
    let client = match result {
        Ok((client, took)) => {
            let _ = joined.send((id, Ok(took)));
            client
        }
        Err(e) => {
            let _ = joined.send((id, Err(e)));
            return;
        }
    };
    client.serve(&shared, &mut phase).await;
}

/// A joined client.
struct Client {
    id: usize,
    room: usize,
    sip: SipConn,
    joined: JoinedSession,
    msrp_read: OwnedReadHalf,
    msrp_write: OwnedWriteHalf,
    session: Session,
    log: ReceiverLog,
    /// Bytes for the MSRP connection, gathered into one write.
    out: BytesMut,
    padding: Bytes,
}

/// Joins client `id` to its room: INVITE, 200, ACK; MSRP connection; bodiless SEND, 200.
async fn join(id: usize, shared: &Shared) -> Result<Client, String> {
    let settings = &shared.settings;
    let room = id % settings.rooms;
    let seed = shared.seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut sip = SipConn::connect(shared.sip, seed).await?;
    let session_id = format!("load{id}x{:x}", seed & 0xffff_ffff);
    let path = format!("msrp://{}:9/{session_id};tcp", sip.sent_by.host());
    let name = format!("load{id}");
    let mut config = ClientConfig::new(
        &format!("sip:{name}@{}", settings.room_host),
        sip.sent_by.clone(),
        &path,
    )
    .map_err(|e| format!("client config: {e}"))?
    .with_display_name(&name);
    // The client connects to the focus (RFC 6135): no listener needed here.
    config.msrp.setup = Setup::Active;
    let mut client = ImClient::new(config, Box::new(SeededIds::new(seed.wrapping_add(1))));
    let room_uri = settings.room_uri(room);
    let Ok(Uri::Sip(group)) = Uri::parse(&Bytes::copy_from_slice(room_uri.as_bytes())) else {
        return Err(format!("room URI {room_uri}"));
    };
    let invite = client
        .join_group(&group, &InviteOptions::new())
        .map_err(|e| format!("INVITE: {e}"))?;
    sip.send(invite.request().as_bytes()).await?;
    let ok = loop {
        let m = sip.next().await?;
        match final_for(&m, "INVITE") {
            Some(200) => break m,
            Some(code) => return Err(format!("INVITE answered {code}")),
            None => {}
        }
    };
    let Message::Response(ok) = ok else {
        return Err("INVITE: not a response".into());
    };
    let joined = invite.accept(&ok).map_err(|e| format!("200 OK: {e}"))?;
    let ack = joined
        .dialog()
        .ack(&ok, &sip.sent_by, &mut sip.ids)
        .map_err(|e| format!("ACK: {e}"))?
        .build()
        .map_err(|e| format!("ACK: {e}"))?;
    sip.send(ack.as_bytes()).await?;

    // The focus's path: its leftmost URI is where to connect.
    let focus_path: simpleim::msrp::Path = joined
        .focus_path()
        .to_string()
        .parse()
        .map_err(|e| format!("focus path: {e}"))?;
    let hop = focus_path.first();
    let ip = match hop.host() {
        simpleim::msrp::Host::V4(a) => IpAddr::V4(a),
        simpleim::msrp::Host::V6(a) => IpAddr::V6(a),
        simpleim::msrp::Host::Name(_) => shared.sip.ip(),
    };
    let port = hop.port().ok_or("focus path without port")?;
    let stream = TcpStream::connect((ip, port))
        .await
        .map_err(|e| format!("MSRP connect: {}", e.kind()))?;
    let _ = stream.set_nodelay(true);
    let (mut msrp_read, mut msrp_write) = stream.into_split();
    let local = path.parse().map_err(|e| format!("own MSRP URI: {e}"))?;
    let session = Session::new(SessionConfig::new(
        local,
        focus_path.clone(),
        Box::new(simpleim::msrp::SeededIds::new(seed.wrapping_add(2))),
    ));

    // Bind the connection (RFC 4975 §5.4): a bodiless SEND, answered 200.
    let tid = format!("bind{id}");
    let bind = format!(
        "MSRP {tid} SEND\r\nTo-Path: {focus_path}\r\nFrom-Path: {path}\r\nMessage-ID: {tid}\r\n\
         Byte-Range: 1-0/0\r\n-------{tid}$\r\n"
    );
    msrp_write
        .write_all(bind.as_bytes())
        .await
        .map_err(|e| format!("MSRP write: {}", e.kind()))?;
    let answer = format!("MSRP {tid} ");
    let mut seen = BytesMut::with_capacity(1024);
    let code = loop {
        let n = msrp_read
            .read_buf(&mut seen)
            .await
            .map_err(|e| format!("MSRP read: {}", e.kind()))?;
        if n == 0 {
            return Err("MSRP connection closed at bind".into());
        }
        if let Some(at) = memchr::memmem::find(&seen, answer.as_bytes()) {
            let rest = seen.get(at + answer.len()..).unwrap_or_default();
            if rest.len() >= 3 {
                break String::from_utf8_lossy(rest.get(..3).unwrap_or_default()).into_owned();
            }
        }
        if seen.len() > 64 * 1024 {
            return Err("no answer to the bind".into());
        }
    };
    if code != "200" {
        return Err(format!("bind answered {code}"));
    }
    let mut session = session;
    // The 200 goes through the session too, which keeps its framing in step.
    session.handle_bytes(clock::now(), &seen);

    let capacity = settings.room_capacity(room);
    Ok(Client {
        id,
        room,
        sip,
        joined,
        msrp_read,
        msrp_write,
        session,
        log: ReceiverLog::new(capacity, shared.rounds),
        out: BytesMut::new(),
        padding: Bytes::from(vec![b'x'; settings.padding]),
    })
}

/// The next message a client sends: its round and when.
#[derive(Debug, Clone, Copy)]
struct Next {
    round: u64,
    at: Instant,
}

/// Why the serving loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The run is over: leave.
    Stop,
    /// The connection is gone, or the server ended the session: nothing more to do.
    Gone,
}

impl Client {
    /// Message `round` of this client, if the schedule has it.
    fn schedule(&self, shared: &Shared, t0: Instant, round: u64) -> Option<Next> {
        let n = shared.settings.clients as u64;
        let g = round.checked_mul(n)?.checked_add(self.id as u64)?;
        if g >= shared.scheduled {
            return None;
        }
        #[allow(
            clippy::cast_precision_loss,
            reason = "g is below 1.2 million: exact in f64"
        )]
        let offset = Duration::from_secs_f64(g as f64 / shared.settings.rate);
        Some(Next {
            round,
            at: t0 + offset,
        })
    }

    /// Serves until the run stops or the connection is gone, then leaves.
    async fn serve(mut self, shared: &Shared, phase: &mut watch::Receiver<Phase>) {
        let c = &shared.counters;
        let mut next: Option<Next> = None;
        let mut t0 = None;
        let mut room_size = 0usize;
        let mut sip_open = true;
        let mut buf = BytesMut::with_capacity(64 * 1024);
        // The phase may have moved on while this client joined.
        let mut current = phase.borrow_and_update().clone();
        let end = loop {
            match &current {
                Phase::Joining => {}
                Phase::Go { t0: start, sizes } => {
                    if t0.is_none() {
                        t0 = Some(*start);
                        room_size = sizes.get(self.room).copied().unwrap_or(0);
                        next = self.schedule(shared, *start, 0);
                    }
                }
                Phase::Stop => break End::Stop,
            }
            let send_at = next.map(|n| n.at);
            let timer = self.session.poll_timeout();
            tokio::select! {
                changed = phase.changed() => {
                    current = if changed.is_ok() {
                        phase.borrow_and_update().clone()
                    } else {
                        Phase::Stop
                    };
                    continue;
                }
                r = self.msrp_read.read_buf(&mut buf) => {
                    let t = clock::now();
                    match r {
                        Ok(n) if n > 0 => {
                            Counters::add(&c.msrp_bytes_in, n as u64);
                            self.session.handle_bytes(t, &buf);
                            buf.clear();
                        }
                        _ => {
                            Counters::add(&c.msrp_lost, 1);
                            break End::Gone;
                        }
                    }
                    if !self.pump(shared, t) {
                        Counters::add(&c.msrp_lost, 1);
                        break End::Gone;
                    }
                }
                w = self.msrp_write.write(&self.out), if !self.out.is_empty() => {
                    match w {
                        Ok(n) if n > 0 => {
                            let _ = self.out.split_to(n);
                            // Room again: take more from the session.
                            if !self.pump(shared, clock::now()) {
                                Counters::add(&c.msrp_lost, 1);
                                break End::Gone;
                            }
                        }
                        _ => {
                            Counters::add(&c.msrp_lost, 1);
                            break End::Gone;
                        }
                    }
                }
                m = self.sip.next(), if sip_open => {
                    match m {
                        Ok(Message::Request(r)) => match self.sip.answer(&r).await {
                            Ok(true) => {
                                Counters::add(&c.early_byes, 1);
                                break End::Gone;
                            }
                            Ok(false) => Counters::add(&c.other_requests, 1),
                            Err(_) => sip_open = false,
                        },
                        Ok(Message::Response(_)) => {}
                        Err(_) => {
                            Counters::add(&c.sip_lost, 1);
                            sip_open = false;
                        }
                    }
                }
                () = sleep_until(send_at), if send_at.is_some() => {
                    let t = clock::now();
                    while let Some(n) = next.filter(|n| n.at <= t) {
                        self.send(shared, n, room_size);
                        next = t0.and_then(|start| self.schedule(shared, start, n.round + 1));
                    }
                    if !self.pump(shared, t) {
                        Counters::add(&c.msrp_lost, 1);
                        break End::Gone;
                    }
                }
                () = sleep_until(timer), if timer.is_some() => {
                    let t = clock::now();
                    self.session.handle_timeout(t);
                    if !self.pump(shared, t) {
                        Counters::add(&c.msrp_lost, 1);
                        break End::Gone;
                    }
                }
            }
        };
        if end == End::Stop && sip_open {
            match shared.settings.leave {
                Leave::Bye => self.leave(shared).await,
                Leave::Stay => self.stay(shared).await,
            }
        }
        let _ = self.msrp_write.shutdown().await;
        let _ = self.sip.write.shutdown().await;
    }

    /// Queues message `next` with the time it leaves.
    fn send(&mut self, shared: &Shared, next: Next, room_size: usize) {
        let c = &shared.counters;
        let t = clock::now();
        shared.lag.record(t.saturating_duration_since(next.at));
        let stamp = t.saturating_duration_since(shared.epoch).as_nanos();
        let mut payload = BytesMut::with_capacity(48 + self.padding.len());
        payload.extend_from_slice(format!("load {} {} {stamp} ", self.id, next.round).as_bytes());
        payload.extend_from_slice(&self.padding);
        let body = match self.joined.message("text/plain", payload.freeze()) {
            Ok(b) => b,
            Err(_) => {
                Counters::add(&c.send_errors, 1);
                return;
            }
        };
        match self
            .session
            .send_message(t, "message/cpim", body, SendOptions::new())
        {
            Ok(_) => {
                Counters::add(&c.sent, 1);
                Counters::add(&c.expected, room_size.saturating_sub(1) as u64);
            }
            Err(_) => Counters::add(&c.send_errors, 1),
        }
    }

    /// Takes what the session has to send (up to [`OUT_HIGH`] bytes waiting for the socket;
    /// the session keeps the rest), then reads its events. False once the session closed.
    /// Nothing here waits for the socket: the serving loop writes when it can, and keeps
    /// reading meanwhile, so a server slow to read never stops this client from reading.
    fn pump(&mut self, shared: &Shared, t: Instant) -> bool {
        let c = &shared.counters;
        while self.out.len() < OUT_HIGH {
            let Some(b) = self.session.poll_transmit() else {
                break;
            };
            self.out.extend_from_slice(&b);
        }
        c.max_backlog
            .fetch_max(self.out.len() as u64, Ordering::Relaxed);
        let mut open = true;
        while let Some(e) = self.session.poll_event() {
            match e {
                Event::Message { body, .. } => self.received(shared, t, body),
                Event::Sent { .. } => Counters::add(&c.acked, 1),
                Event::SendFailed { .. } => Counters::add(&c.send_failed, 1),
                Event::MessageAborted { .. } => Counters::add(&c.aborted, 1),
                Event::Closed { .. } => open = false,
                _ => {}
            }
        }
        open
    }

    /// Records a message received at `t`.
    fn received(&mut self, shared: &Shared, t: Instant, body: Bytes) {
        let c = &shared.counters;
        let Some((sender, round, stamp)) = parse_load(body) else {
            Counters::add(&c.other, 1);
            return;
        };
        let rooms = shared.settings.rooms;
        if sender == self.id || sender % rooms != self.room {
            Counters::add(&c.misrouted, 1);
            return;
        }
        match self.log.record(sender / rooms, round) {
            Seen::Again => {
                Counters::add(&c.duplicates, 1);
                return;
            }
            Seen::Unknown => {
                Counters::add(&c.other, 1);
                return;
            }
            Seen::Reordered => Counters::add(&c.reordered, 1),
            Seen::First => {}
        }
        Counters::add(&c.received, 1);
        let at = t.saturating_duration_since(shared.epoch).as_nanos();
        c.last_delivery_ns
            .fetch_max(u64::try_from(at).unwrap_or(u64::MAX), Ordering::Relaxed);
        let sent = shared.epoch + Duration::from_nanos(stamp);
        shared.latency.record(t.saturating_duration_since(sent));
    }

    /// Sends BYE and waits for its final response.
    async fn leave(&mut self, shared: &Shared) {
        let c = &shared.counters;
        let bye = self
            .joined
            .dialog_mut()
            .request(Method::Bye, &self.sip.sent_by, &mut self.sip.ids)
            .ok()
            .and_then(|b| b.build().ok());
        let Some(bye) = bye else {
            Counters::add(&c.leave_failed, 1);
            return;
        };
        if self.sip.send(bye.as_bytes()).await.is_err() {
            Counters::add(&c.leave_failed, 1);
            return;
        }
        let waited = tokio::time::timeout(LEAVE_TIMEOUT, async {
            loop {
                match self.sip.next().await {
                    Ok(m) => {
                        if let Some(code) = final_for(&m, "BYE") {
                            return code == 200;
                        }
                        // The server may end the session first (it removed this client).
                        if let Message::Request(r) = &m {
                            if self.sip.answer(r).await == Ok(true) {
                                Counters::add(&c.final_byes, 1);
                            }
                        }
                    }
                    Err(_) => return false,
                }
            }
        })
        .await;
        if waited == Ok(true) {
            Counters::add(&c.left, 1);
        } else {
            Counters::add(&c.leave_failed, 1);
        }
    }

    /// Waits for the server's BYE (its SIGINT ends every room) and answers it.
    async fn stay(&mut self, shared: &Shared) {
        let c = &shared.counters;
        let _ = tokio::time::timeout(STAY_TIMEOUT, async {
            loop {
                match self.sip.next().await {
                    Ok(Message::Request(r)) => {
                        if self.sip.answer(&r).await == Ok(true) {
                            Counters::add(&c.final_byes, 1);
                            return;
                        }
                    }
                    Ok(Message::Response(_)) => {}
                    Err(_) => return,
                }
            }
        })
        .await;
    }
}

/// `load <client> <round> <ns> ...` from a CPIM body.
fn parse_load(body: Bytes) -> Option<(usize, u64, u64)> {
    let cpim = CpimMessage::parse(body).ok()?;
    let payload = cpim.payload();
    let text = std::str::from_utf8(payload.get(..payload.len().min(80))?).ok()?;
    let mut words = text.strip_prefix("load ")?.split(' ');
    let sender = words.next()?.parse().ok()?;
    let round = words.next()?.parse().ok()?;
    let stamp = words.next()?.parse().ok()?;
    Some((sender, round, stamp))
}

/// Sleeps until `at` (never, for `None`: the branch is disabled then anyway).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
