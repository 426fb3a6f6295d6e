//! The only place with sockets, threads and a clock. Each reader runs on its own thread and
//! hands what it reads to the main loop over one channel ([`Input`]); the main loop owns
//! every state machine and does all the writing.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::sync::mpsc::Sender;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::{Limits, Message, StreamDecoder};

/// The host's clock: the sans-IO machines only ever get time as an input.
#[allow(
    clippy::disallowed_methods,
    reason = "the example is the host: it owns the clock"
)]
pub(crate) fn now() -> Instant {
    Instant::now()
}

/// A seed for the identifier generators from the operating system's randomness (the
/// standard library keys `RandomState` from it), without a dependency.
pub(crate) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// Which MSRP connection something came from.
pub(crate) type LinkId = u32;

/// What the reader threads report to the main loop.
pub(crate) enum Input {
    /// A line typed (or read from the script).
    Line(String),
    /// Standard input (or the script) ended.
    Eof,
    /// A SIP message from the server.
    Sip(Box<Message>),
    /// The SIP transport failed; nothing more will come from it.
    SipFailed(String),
    /// The focus connected to our MSRP listener (we are the passive side).
    MsrpAccepted { link: LinkId, stream: TcpStream },
    /// Bytes from an MSRP connection.
    MsrpBytes { link: LinkId, data: Vec<u8> },
    /// An MSRP connection closed (or failed).
    MsrpClosed { link: LinkId, error: Option<String> },
}

/// Reads lines from `script`, or from standard input, until the end.
pub(crate) fn spawn_line_reader(script: Option<&Path>, tx: Sender<Input>) -> io::Result<()> {
    let reader: Box<dyn BufRead + Send> = match script {
        Some(path) => Box::new(BufReader::new(File::open(path)?)),
        None => Box::new(BufReader::new(io::stdin())),
    };
    thread::Builder::new().name("lines".into()).spawn(move || {
        let mut reader = reader;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    // Bytes that are not UTF-8 are replaced rather than ending the input.
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']).to_owned();
                    if tx.send(Input::Line(line)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(Input::Eof);
    })?;
    Ok(())
}

/// The SIP connection to the server: a UDP socket or a TCP stream.
pub(crate) enum SipTransport {
    Udp {
        socket: UdpSocket,
        server: SocketAddr,
    },
    Tcp {
        stream: TcpStream,
    },
}

impl SipTransport {
    /// Opens the transport and starts its reader thread. Returns the local address (the
    /// Via sent-by and Contact).
    pub(crate) fn open(
        server: SocketAddr,
        udp: bool,
        tx: Sender<Input>,
    ) -> io::Result<(Self, SocketAddr)> {
        if udp {
            // The local address that routes to the server: a connected probe socket tells.
            let any: SocketAddr = if server.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            let probe = UdpSocket::bind(any)?;
            probe.connect(server)?;
            let local_ip = probe.local_addr()?.ip();
            let socket = UdpSocket::bind((local_ip, 0))?;
            let local = socket.local_addr()?;
            let reader = socket.try_clone()?;
            thread::Builder::new()
                .name("sip-udp".into())
                .spawn(move || udp_reader(&reader, &tx))?;
            Ok((Self::Udp { socket, server }, local))
        } else {
            let stream = TcpStream::connect_timeout(&server, Duration::from_secs(5))?;
            stream.set_nodelay(true)?;
            let local = stream.local_addr()?;
            let reader = stream.try_clone()?;
            thread::Builder::new()
                .name("sip-tcp".into())
                .spawn(move || tcp_reader(reader, &tx))?;
            Ok((Self::Tcp { stream }, local))
        }
    }

    /// Whether the transport is reliable (RFC 3261 §17: no retransmissions over TCP).
    pub(crate) fn is_reliable(&self) -> bool {
        matches!(self, Self::Tcp { .. })
    }

    /// Sends one message.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Udp { socket, server } => socket.send_to(bytes, *server).map(|_| ()),
            Self::Tcp { stream } => stream.write_all(bytes),
        }
    }

    /// Closes a TCP connection (its reader thread then ends).
    pub(crate) fn close(&self) {
        if let Self::Tcp { stream } = self {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn udp_reader(socket: &UdpSocket, tx: &Sender<Input>) {
    let mut buf = vec![0u8; 65_535];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, _from)) => {
                let datagram = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                // Keep-alives and garbage are dropped (RFC 3261 §18.3 has no answer for them).
                if let Ok(msg) = Message::parse_datagram(datagram) {
                    if tx.send(Input::Sip(Box::new(msg))).is_err() {
                        return;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send(Input::SipFailed(format!("SIP socket: {e}")));
                return;
            }
        }
    }
}

fn tcp_reader(mut stream: TcpStream, tx: &Sender<Input>) {
    let mut decoder = StreamDecoder::new(Limits::default());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => {
                let _ = tx.send(Input::SipFailed(
                    "the server closed the SIP connection".into(),
                ));
                return;
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.send(Input::SipFailed(format!("SIP connection: {e}")));
                return;
            }
        };
        decoder.push(buf.get(..n).unwrap_or_default());
        loop {
            match decoder.decode() {
                Ok(Some(msg)) => {
                    if tx.send(Input::Sip(Box::new(msg))).is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    // RFC 3261 §18.3: framing is lost for good on this connection.
                    let _ = tx.send(Input::SipFailed(format!("SIP framing: {e}")));
                    return;
                }
            }
        }
    }
}

/// Starts the reader thread of an MSRP connection.
pub(crate) fn spawn_msrp_reader(
    link: LinkId,
    stream: &TcpStream,
    tx: Sender<Input>,
) -> io::Result<()> {
    let reader = stream.try_clone()?;
    thread::Builder::new()
        .name(format!("msrp-{link}"))
        .spawn(move || msrp_reader(link, reader, &tx))?;
    Ok(())
}

fn msrp_reader(link: LinkId, mut stream: TcpStream, tx: &Sender<Input>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => {
                let _ = tx.send(Input::MsrpClosed { link, error: None });
                return;
            }
            Ok(n) => {
                let data = buf.get(..n).unwrap_or_default().to_vec();
                if tx.send(Input::MsrpBytes { link, data }).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let error = Some(e.to_string());
                let _ = tx.send(Input::MsrpClosed { link, error });
                return;
            }
        }
    }
}

/// Connects to an MSRP peer (we are the active side).
pub(crate) fn msrp_connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Accepts the one connection the focus opens to our listener (we are the passive side),
/// then reads it.
pub(crate) fn spawn_msrp_listener(
    link: LinkId,
    listener: TcpListener,
    tx: Sender<Input>,
) -> io::Result<()> {
    thread::Builder::new()
        .name("msrp-listen".into())
        .spawn(move || match listener.accept() {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                let Ok(reader) = stream.try_clone() else {
                    let error = Some("cannot clone the accepted connection".to_owned());
                    let _ = tx.send(Input::MsrpClosed { link, error });
                    return;
                };
                if tx.send(Input::MsrpAccepted { link, stream }).is_ok() {
                    msrp_reader(link, reader, &tx);
                }
            }
            Err(e) => {
                let error = Some(format!("accept: {e}"));
                let _ = tx.send(Input::MsrpClosed { link, error });
            }
        })?;
    Ok(())
}
