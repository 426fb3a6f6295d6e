//! The sockets: the handles the focus is generic over ([`SipHandle`], [`MsrpConn`]), what the
//! socket tasks tell the focus task ([`Input`]), and the tasks themselves — the UDP reader,
//! the TCP acceptors, one reader and one writer per TCP connection, and the outgoing MSRP
//! connections the focus asks for.
//!
//! The socket tasks never touch the focus: they parse what they read (SIP datagrams, SIP
//! frames off a TCP stream; MSRP bytes stay bytes, the focus decodes them) and send it over
//! one bounded channel, so a busy focus slows the readers down instead of piling up input.
//! The MSRP writers' "room again" signals take a channel of their own ([`WritableTx`]): a
//! paused writer's resume must not wait behind a full queue of reads.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use simpleim::focus::control::ParticipantId;
use simpleim::focus::deferred::PushId;
use simpleim::msrp::MsrpUri;
use simpleim::sip::transaction::TransportHandle;
use simpleim::sip::{Limits, Message, StreamDecoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// Inputs waiting for the focus task at most; readers wait beyond it.
pub(crate) const INPUT_CAPACITY: usize = 1024;
/// Writes queued per MSRP connection before the focus is told it is not writable.
pub(crate) const MSRP_WRITER_CAPACITY: usize = 64;
/// SIP messages queued per TCP connection; a peer that lets it fill is dropped.
const SIP_WRITER_CAPACITY: usize = 256;
/// How long an outgoing MSRP connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most bytes a writer gathers into one write.
const WRITE_BATCH: usize = 64 * 1024;

/// Connection ids, for SIP and MSRP connections alike, never reused.
static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

fn next_conn() -> u64 {
    NEXT_CONN.fetch_add(1, Ordering::Relaxed)
}

/// Where a SIP message came from and where its answer goes: the peer's address for UDP, the
/// connection for TCP (RFC 3261 §18.2.2: responses go back on the connection the request
/// came on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SipHandle {
    /// A UDP peer.
    Udp(SocketAddr),
    /// A TCP connection, by id.
    Tcp(u64),
}

impl TransportHandle for SipHandle {
    fn is_reliable(&self) -> bool {
        matches!(self, Self::Tcp(_))
    }

    /// The focus names this in the Via of what it sends on the handle (RFC 3261 §18.1.1).
    fn transport(&self) -> Option<&str> {
        Some(match self {
            Self::Udp(_) => "UDP",
            Self::Tcp(_) => "TCP",
        })
    }
}

impl fmt::Display for SipHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Udp(a) => write!(f, "udp:{a}"),
            Self::Tcp(id) => write!(f, "tcp#{id}"),
        }
    }
}

/// An MSRP connection, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct MsrpConn(pub(crate) u64);

impl fmt::Display for MsrpConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "msrp#{}", self.0)
    }
}

/// Which MSRP service a connection belongs to: the rooms' switch, or the deferred-messaging
/// service's pushes (told apart by the port it was accepted on, or by what it was opened for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// The rooms.
    Rooms,
    /// Deferred-message pushes.
    Push,
}

/// Why an MSRP connection exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A peer connected to one of the listening ports.
    Accepted(Service),
    /// The focus asked for it (`poll_connect`): it is this participant's.
    Participant(ParticipantId),
    /// The deferred-messaging service asked for it (`poll_push_connect`).
    Push(PushId),
}

impl Origin {
    pub(crate) fn service(self) -> Service {
        match self {
            Self::Accepted(s) => s,
            Self::Participant(_) => Service::Rooms,
            Self::Push(_) => Service::Push,
        }
    }
}

/// Where MSRP writers say that they have room again after the focus task found them full:
/// the connection. The focus task reads it before its inputs, so that a resume never waits
/// behind queued reads, and the writers never wait to send it (it is unbounded, yet holds at
/// most about two signals per connection: see [`write_loop`]).
pub(crate) type WritableTx = mpsc::UnboundedSender<MsrpConn>;

/// The focus task's end of [`WritableTx`].
pub(crate) type WritableRx = mpsc::UnboundedReceiver<MsrpConn>;

/// The sending side of a connection, kept by the focus task. Dropping it ends the connection:
/// the writer sends what is queued and shuts its half down, the reader stops.
#[derive(Debug)]
pub(crate) struct Writer {
    /// Bytes to write, in order.
    pub(crate) tx: mpsc::Sender<Bytes>,
    /// Set by the focus task when it found the queue full; the writer clears it and sends
    /// the connection on [`WritableTx`] once the queue is half empty.
    pub(crate) blocked: Arc<AtomicBool>,
    /// Dropped to stop the reader.
    _stop_reader: oneshot::Sender<()>,
    /// The writer task, awaited at shutdown so that queued bytes (BYEs) leave.
    pub(crate) task: JoinHandle<()>,
}

/// What a socket task tells the focus task.
#[derive(Debug)]
pub(crate) enum Input {
    /// A SIP message, parsed.
    Sip {
        /// Where it came from.
        handle: SipHandle,
        /// The message (boxed: a parsed message is large next to the other inputs).
        message: Box<Message>,
    },
    /// A SIP TCP connection was accepted.
    SipOpened {
        /// Its id.
        conn: u64,
        /// The peer.
        peer: SocketAddr,
        /// Its writer.
        writer: Writer,
    },
    /// A SIP TCP connection ended (closed by the peer, broken, or broken framing).
    SipClosed {
        /// Its id.
        conn: u64,
    },
    /// An MSRP connection is open.
    MsrpOpened {
        /// Its id.
        conn: MsrpConn,
        /// Why it exists.
        origin: Origin,
        /// The peer.
        peer: SocketAddr,
        /// Its writer.
        writer: Writer,
    },
    /// An MSRP connection the focus asked for could not be opened.
    MsrpConnectFailed {
        /// What it was for.
        origin: Origin,
        /// Where it was to go.
        to: String,
        /// Why not.
        error: String,
    },
    /// Bytes read from an MSRP connection.
    Msrp {
        /// The connection.
        conn: MsrpConn,
        /// The bytes.
        data: Bytes,
    },
    /// An MSRP connection ended.
    MsrpClosed {
        /// The connection.
        conn: MsrpConn,
    },
}

/// What a connection carries, for its reader and writer.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Sip(u64),
    Msrp(MsrpConn),
}

impl Stream {
    fn closed(self) -> Input {
        match self {
            Self::Sip(conn) => Input::SipClosed { conn },
            Self::Msrp(conn) => Input::MsrpClosed { conn },
        }
    }
}

/// Hands a parsed SIP message to the focus task; false when it is gone.
async fn send_sip(inputs: &mpsc::Sender<Input>, handle: SipHandle, message: Message) -> bool {
    let message = Box::new(message);
    inputs.send(Input::Sip { handle, message }).await.is_ok()
}

/// Reads SIP datagrams until the focus task is gone. Keep-alives (CRLFs, RFC 5626 §3.5.1)
/// and datagrams that do not parse are dropped: UDP senders retransmit.
pub(crate) fn spawn_udp(socket: Arc<UdpSocket>, inputs: mpsc::Sender<Input>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_535];
        loop {
            let (n, peer) = match socket.recv_from(&mut buf).await {
                Ok(r) => r,
                // ICMP errors of earlier sends show up here on some systems: keep reading,
                // without spinning should the error persist.
                Err(e) => {
                    debug!(error = %e, "UDP receive error");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let data = buf.get(..n).unwrap_or_default();
            if data.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            match Message::parse_datagram(Bytes::copy_from_slice(data)) {
                Ok(message) => {
                    if !send_sip(&inputs, SipHandle::Udp(peer), message).await {
                        return;
                    }
                }
                Err(e) => warn!(%peer, error = %e, offset = e.offset, "SIP datagram dropped"),
            }
        }
    });
}

/// Accepts SIP TCP connections.
pub(crate) fn spawn_sip_listener(listener: TcpListener, inputs: mpsc::Sender<Input>) {
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    let conn = next_conn();
                    let _ = stream.set_nodelay(true);
                    let (read, write) = stream.into_split();
                    let (writer, stop) =
                        spawn_writer(write, Stream::Sip(conn), SIP_WRITER_CAPACITY, &inputs, None);
                    if inputs
                        .send(Input::SipOpened { conn, peer, writer })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    tokio::spawn(read_sip(read, conn, stop, inputs.clone()));
                }
                Err(e) => warn!(error = %e, "SIP accept failed"),
            }
        }
    });
}

/// Accepts MSRP connections for `service`.
pub(crate) fn spawn_msrp_listener(
    listener: TcpListener,
    service: Service,
    inputs: mpsc::Sender<Input>,
    writable: WritableTx,
) {
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, peer)) => {
                    let origin = Origin::Accepted(service);
                    if !start_msrp(stream, peer, origin, &inputs, &writable).await {
                        return;
                    }
                }
                Err(e) => warn!(error = %e, "MSRP accept failed"),
            }
        }
    });
}

/// Opens the MSRP connection the focus asked for (the focus is the active side, RFC 6135):
/// to the host and port of `to`, the leftmost URI of the peer's path.
pub(crate) fn spawn_msrp_connect(
    to: &MsrpUri,
    origin: Origin,
    inputs: mpsc::Sender<Input>,
    writable: WritableTx,
) {
    let host = match to.host() {
        simpleim::msrp::Host::Name(n) => n.to_owned(),
        simpleim::msrp::Host::V4(a) => a.to_string(),
        simpleim::msrp::Host::V6(a) => a.to_string(),
    };
    let port = to.port();
    let target = to.authority().to_owned();
    tokio::spawn(async move {
        let result = match port {
            None => Err("the MSRP URI has no port".to_owned()),
            Some(port) => {
                match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await
                {
                    Ok(Ok(stream)) => Ok(stream),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => Err("timed out".to_owned()),
                }
            }
        };
        let stream = match result {
            Ok(s) => s,
            Err(error) => {
                let _ = inputs
                    .send(Input::MsrpConnectFailed {
                        origin,
                        to: target,
                        error,
                    })
                    .await;
                return;
            }
        };
        match stream.peer_addr() {
            Ok(peer) => {
                start_msrp(stream, peer, origin, &inputs, &writable).await;
            }
            Err(e) => {
                let _ = inputs
                    .send(Input::MsrpConnectFailed {
                        origin,
                        to: target,
                        error: e.to_string(),
                    })
                    .await;
            }
        }
    });
}

/// Announces a new MSRP connection to the focus task, then starts reading it (in that order,
/// so that the focus knows the connection before its first bytes). False when the focus task
/// is gone.
async fn start_msrp(
    stream: TcpStream,
    peer: SocketAddr,
    origin: Origin,
    inputs: &mpsc::Sender<Input>,
    writable: &WritableTx,
) -> bool {
    let conn = MsrpConn(next_conn());
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let (writer, stop) = spawn_writer(
        write,
        Stream::Msrp(conn),
        MSRP_WRITER_CAPACITY,
        inputs,
        Some(writable.clone()),
    );
    let opened = Input::MsrpOpened {
        conn,
        origin,
        peer,
        writer,
    };
    if inputs.send(opened).await.is_err() {
        return false;
    }
    tokio::spawn(read_msrp(read, conn, stop, inputs.clone()));
    true
}

/// The writer task of a connection, and the receiver that stops its reader. `writable` is
/// where an MSRP writer signals room again (SIP writers have none: a SIP peer that lets its
/// queue fill is dropped).
fn spawn_writer(
    write: OwnedWriteHalf,
    stream: Stream,
    capacity: usize,
    inputs: &mpsc::Sender<Input>,
    writable: Option<WritableTx>,
) -> (Writer, oneshot::Receiver<()>) {
    let (tx, rx) = mpsc::channel(capacity);
    let (stop_tx, stop_rx) = oneshot::channel();
    let blocked = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(write_loop(
        write,
        rx,
        Arc::clone(&blocked),
        stream,
        capacity,
        inputs.clone(),
        writable,
    ));
    let writer = Writer {
        tx,
        blocked,
        _stop_reader: stop_tx,
        task,
    };
    (writer, stop_rx)
}

/// Writes what the focus task queues, gathering small pieces into one write. Ends when the
/// focus task drops the [`Writer`] (after writing what is queued) or the socket fails.
///
/// Back-pressure (MSRP): the focus task sets `blocked` when it finds the queue full; after
/// each write that leaves the queue at most half full, the writer takes the flag back and
/// sends its connection on `writable` — without waiting, so it goes on writing. One signal
/// per flag set, and the focus task sets the flag again only when a retry after a signal (or
/// a first pause) finds the queue full once more: at most about two signals per connection
/// are ever queued.
async fn write_loop(
    mut write: OwnedWriteHalf,
    mut rx: mpsc::Receiver<Bytes>,
    blocked: Arc<AtomicBool>,
    stream: Stream,
    capacity: usize,
    inputs: mpsc::Sender<Input>,
    writable: Option<WritableTx>,
) {
    let mut batch = BytesMut::new();
    while let Some(first) = rx.recv().await {
        batch.extend_from_slice(&first);
        while batch.len() < WRITE_BATCH {
            match rx.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if let Err(e) = write.write_all(&batch).await {
            debug!(error = %e, ?stream, "write failed");
            let _ = inputs.send(stream.closed()).await;
            return;
        }
        batch.clear();
        // Back-pressure (see Host::enqueue): the focus task marked the queue full; tell it
        // once there is room again.
        if let (Stream::Msrp(conn), Some(writable)) = (stream, &writable) {
            if rx.len() <= capacity / 2
                && blocked.load(Ordering::SeqCst)
                && blocked.swap(false, Ordering::SeqCst)
                && writable.send(conn).is_err()
            {
                return;
            }
        }
    }
    let _ = write.shutdown().await;
}

/// Reads SIP messages off a TCP stream (RFC 3261 §18.3 framing by Content-Length). A framing
/// error ends the connection: nothing says where the next message starts.
async fn read_sip(
    mut read: OwnedReadHalf,
    conn: u64,
    mut stop: oneshot::Receiver<()>,
    inputs: mpsc::Sender<Input>,
) {
    let mut decoder = StreamDecoder::new(Limits::default());
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            _ = &mut stop => return,
            r = read.read(&mut buf) => match r {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    debug!(conn, error = %e, "SIP read failed");
                    break;
                }
            },
        };
        decoder.push(buf.get(..n).unwrap_or_default());
        loop {
            match decoder.decode() {
                Ok(Some(message)) => {
                    if !send_sip(&inputs, SipHandle::Tcp(conn), message).await {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    warn!(
                        conn,
                        error = %e,
                        offset = e.offset,
                        status = e.status_hint(),
                        "SIP framing error; closing the connection"
                    );
                    let _ = inputs.send(Input::SipClosed { conn }).await;
                    return;
                }
            }
        }
    }
    let _ = inputs.send(Input::SipClosed { conn }).await;
}

/// Reads MSRP bytes; the focus decodes them.
async fn read_msrp(
    mut read: OwnedReadHalf,
    conn: MsrpConn,
    mut stop: oneshot::Receiver<()>,
    inputs: mpsc::Sender<Input>,
) {
    let mut buf = BytesMut::with_capacity(16 * 1024);
    loop {
        buf.reserve(16 * 1024);
        let read = tokio::select! {
            _ = &mut stop => return,
            r = read.read_buf(&mut buf) => r,
        };
        match read {
            Ok(0) => break,
            Ok(_) => {
                let data = buf.split().freeze();
                if inputs.send(Input::Msrp { conn, data }).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                debug!(%conn, error = %e, "MSRP read failed");
                break;
            }
        }
    }
    let _ = inputs.send(Input::MsrpClosed { conn }).await;
}

/// Binds SIP over TCP and UDP on one port. Port 0 takes a free port from the TCP bind and
/// then binds UDP on the same one (a few tries, in case another program holds it on UDP).
///
/// # Errors
/// The bind error.
pub(crate) async fn bind_sip(
    addr: SocketAddr,
    udp: bool,
    tcp: bool,
) -> std::io::Result<(Option<TcpListener>, Option<Arc<UdpSocket>>)> {
    let tries = if addr.port() == 0 && udp && tcp { 8 } else { 1 };
    let mut last = None;
    for _ in 0..tries {
        let listener = if tcp {
            Some(TcpListener::bind(addr).await?)
        } else {
            None
        };
        let at = match &listener {
            Some(l) => l.local_addr()?,
            None => addr,
        };
        if !udp {
            return Ok((listener, None));
        }
        match UdpSocket::bind(at).await {
            Ok(s) => return Ok((listener, Some(Arc::new(s)))),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no SIP socket bound")))
}

/// Logs an accepted or opened connection.
pub(crate) fn log_opened(what: &str, id: &dyn fmt::Display, peer: SocketAddr) {
    info!(conn = %id, %peer, "{what} connection opened");
}
