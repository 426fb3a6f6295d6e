//! One MSRP session (RFC 4975) and the TCP connection that carries it: the sans-IO
//! [`Session`] and the socket the main loop writes its output to.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

use bytes::{Bytes, BytesMut};
use simpleim_msrp::{
    ByteRange, Host, Method, MsrpUri, Path, RequestBuilder, Session, TransactionId,
};

use crate::io::LinkId;

/// Pieces written per call of [`Link::flush`]: a large file goes out in slices, so that the
/// main loop keeps reading (responses, typed lines) while it is sent.
pub(crate) const FLUSH_BUDGET: usize = 32;

/// Chunks sent and not yet answered, at most, before the next waits for a 200: MSRP
/// pipelines (RFC 4975 §7.1.1), but a relay that answers chunks as it queues them
/// (the simpleim switch) fails a large message with 408 once a recipient's queue passes its
/// bound, so a sender that waits a little for the relay is kinder. 64 chunks of 2048 bytes
/// keep 128 KiB in flight.
const WINDOW: usize = 64;

/// An MSRP session and its connection.
pub(crate) struct Link {
    pub(crate) id: LinkId,
    pub(crate) session: Session,
    stream: Option<TcpStream>,
    /// Bytes written to the connection so far (for progress bars).
    pub(crate) written: u64,
}

impl Link {
    /// A session whose connection is not there yet (we wait for the peer to connect).
    pub(crate) fn new(id: LinkId, session: Session) -> Self {
        Self {
            id,
            session,
            stream: None,
            written: 0,
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.stream.is_some()
    }

    /// The connection is open.
    pub(crate) fn attach(&mut self, stream: TcpStream) {
        self.stream = Some(stream);
    }

    /// Writes a bodiless SEND (RFC 4975 §5.4, §7.1: the endpoint that opened the connection
    /// sends one at once, so that the peer can bind the connection to the session). Its 200
    /// comes back to the session, which ignores a response it did not ask for.
    /// It goes to the session's To-Path (the relays' Use-Path first, when it goes through
    /// relays).
    pub(crate) fn send_bodiless(&mut self, tid: &str, message_id: &str) -> io::Result<()> {
        let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
        let tid: TransactionId = tid.parse().map_err(|e| invalid(format!("{e}")))?;
        let b = RequestBuilder::new(Method::Send, tid)
            .to_path(self.session.to_path())
            .from_path(self.session.local().as_bytes())
            .message_id(message_id)
            .byte_range(ByteRange {
                start: 1,
                end: Some(0),
                total: Some(0),
            });
        let mut frame = BytesMut::new();
        let encoded = b.encode(&mut frame).map_err(|e| invalid(format!("{e}")));
        drop(b);
        encoded?;
        self.write(&frame)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "not connected"));
        };
        stream.write_all(bytes)?;
        self.written = self.written.saturating_add(bytes.len() as u64);
        Ok(())
    }

    /// Writes at most [`FLUSH_BUDGET`] outputs of the session. Returns whether more may be
    /// waiting. Without a connection the session keeps its output until there is one.
    pub(crate) fn flush(&mut self) -> io::Result<bool> {
        if self.stream.is_none() {
            return Ok(false);
        }
        for _ in 0..FLUSH_BUDGET {
            if self.session.pending_transactions() >= WINDOW {
                // The 200s coming back open the window again.
                return Ok(false);
            }
            match self.session.poll_transmit() {
                Some(bytes) => self.write(&bytes)?,
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Closes the connection.
    pub(crate) fn shutdown(&mut self) {
        if let Some(s) = self.stream.take() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The socket address of the first hop of `path` (the URI to connect to, RFC 4975 §8.2).
pub(crate) fn first_hop(path: &Path) -> Result<SocketAddr, String> {
    let uri: &MsrpUri = path.first();
    if uri.is_secure() {
        return Err(format!(
            "{uri}: msrps (TLS) is not supported by this client"
        ));
    }
    let port = uri.port().unwrap_or(2855);
    let host = match uri.host() {
        Host::Name(n) => n.to_owned(),
        Host::V4(a) => a.to_string(),
        Host::V6(a) => format!("[{a}]"),
    };
    format!("{host}:{port}")
        .to_socket_addrs()
        .map_err(|e| format!("{uri}: {e}"))?
        .next()
        .ok_or_else(|| format!("{uri}: no address"))
}

/// An MSRP path from the text of an SDP `a=path`.
pub(crate) fn msrp_path(text: &str) -> Result<Path, String> {
    Path::parse(Bytes::copy_from_slice(text.as_bytes())).map_err(|e| format!("path {text}: {e}"))
}
