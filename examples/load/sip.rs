//! A simulated client's SIP over one TCP connection: framing, answering the server's
//! requests, recognising final responses.

use std::net::SocketAddr;

use simpleim::sip::dialog::SentBy;
use simpleim::sip::{
    HeaderName, Limits, Message, Method, Request, Response, SeededIds, StreamDecoder,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// A client's SIP over one TCP connection.
pub(crate) struct SipConn {
    read: OwnedReadHalf,
    pub(crate) write: OwnedWriteHalf,
    decoder: StreamDecoder,
    buf: Vec<u8>,
    pub(crate) sent_by: SentBy,
    pub(crate) ids: SeededIds,
}

impl SipConn {
    pub(crate) async fn connect(to: SocketAddr, seed: u64) -> Result<Self, String> {
        let stream = TcpStream::connect(to)
            .await
            .map_err(|e| format!("SIP connect: {}", e.kind()))?;
        let _ = stream.set_nodelay(true);
        let local = stream
            .local_addr()
            .map_err(|e| format!("SIP local address: {e}"))?;
        let (read, write) = stream.into_split();
        Ok(Self {
            read,
            write,
            decoder: StreamDecoder::new(Limits::default()),
            buf: vec![0; 8192],
            sent_by: SentBy::new("TCP", &local.ip().to_string(), Some(local.port())),
            ids: SeededIds::new(seed),
        })
    }

    /// The next message (cancel-safe: what was read stays in the decoder).
    pub(crate) async fn next(&mut self) -> Result<Message, String> {
        loop {
            match self.decoder.decode() {
                Ok(Some(m)) => return Ok(m),
                Ok(None) => {}
                Err(e) => return Err(format!("SIP framing: {e}")),
            }
            match self.read.read(&mut self.buf).await {
                Ok(0) => return Err("SIP connection closed".into()),
                Ok(n) => self.decoder.push(self.buf.get(..n).unwrap_or_default()),
                Err(e) => return Err(format!("SIP read: {}", e.kind())),
            }
        }
    }

    pub(crate) async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.write
            .write_all(bytes)
            .await
            .map_err(|e| format!("SIP write: {}", e.kind()))
    }

    /// Answers a request from the server: 200 to BYE (and to the harmless NOTIFY, OPTIONS,
    /// UPDATE), 501 to anything else. Returns whether it was a BYE.
    pub(crate) async fn answer(&mut self, request: &Request) -> Result<bool, String> {
        let method = request.method();
        let bye = *method == Method::Bye;
        if *method == Method::Ack {
            return Ok(false);
        }
        let code = if bye || matches!(method, Method::Notify | Method::Options | Method::Update) {
            200
        } else {
            501
        };
        let response = Response::for_request(request, code, &mut self.ids)
            .build()
            .map_err(|e| format!("SIP response: {e}"))?;
        self.send(response.as_bytes()).await?;
        Ok(bye)
    }
}

/// Whether `m` is a final response to a request of `method`.
pub(crate) fn final_for(m: &Message, method: &str) -> Option<u16> {
    let r = m.as_response()?;
    let to_method = r
        .headers()
        .get(HeaderName::CSeq)
        .is_some_and(|c| c.value().ends_with(method.as_bytes()));
    (r.code() >= 200 && to_method).then_some(r.code())
}
