//! Framing SIP over a byte stream (TCP, TLS, WebSocket payloads): REQ SIP-1, RFC 3261 §18.3.
//!
//! The host pushes bytes as they arrive and pulls whole messages. The decoder keeps one
//! buffer, remembers how far it has searched, and parses a head at most twice (once when the
//! empty line arrives, once when the body is complete), so feeding a message one byte at a
//! time costs O(n) in total.
//!
//! ```
//! use simpleim_sip::{Limits, Message, StreamDecoder};
//!
//! let mut dec = StreamDecoder::new(Limits::default());
//! let wire = b"\r\nOPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 2\r\n\r\nhi";
//! let mut got = Vec::new();
//! for chunk in wire.chunks(7) {
//!     dec.push(chunk);
//!     // Drain every complete message after each read.
//!     while let Some(msg) = dec.decode()? {
//!         got.push(msg);
//!     }
//! }
//! assert_eq!(got.len(), 1);
//! assert_eq!(got[0].body().as_ref(), b"hi");
//! # Ok::<(), simpleim_sip::ParseError>(())
//! ```

use bytes::{Bytes, BytesMut};

use crate::error::{ErrorKind, ParseError, Result};
use crate::message::Message;
use crate::parse::{Framing, Limits, Status, body_end, parse_head};

/// Incremental decoder of SIP messages from a byte stream.
///
/// A framing error (a malformed head, a missing or bad Content-Length, a limit exceeded) ends
/// the stream: RFC 3261 §18.3 leaves no way to find the next message, so every later call to
/// [`StreamDecoder::decode`] returns the same error. Its [`ParseError::status_hint`] is the
/// status to send before closing the connection; its offset counts from the start of the
/// stream.
#[derive(Debug)]
pub struct StreamDecoder {
    buf: BytesMut,
    limits: Limits,
    /// Bytes of `buf` already searched for the end of the head.
    scanned: usize,
    /// Once the head is parsed: the total length the message needs.
    needed: Option<usize>,
    /// Bytes consumed by earlier messages, for absolute error offsets.
    consumed: usize,
    failed: Option<ParseError>,
    /// Bytes searched or parsed so far (see [`StreamDecoder::work`]).
    work: u64,
}

impl StreamDecoder {
    /// A decoder with the given limits.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            buf: BytesMut::new(),
            limits,
            scanned: 0,
            needed: None,
            consumed: 0,
            failed: None,
            work: 0,
        }
    }

    /// Appends bytes read from the connection.
    pub fn push(&mut self, data: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(data);
        }
    }

    /// Bytes buffered and not yet returned as a message.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Bytes this decoder has searched or parsed so far: a measure of its work, which stays
    /// within a small multiple of the bytes pushed however the input is split (each head is
    /// parsed twice, each byte searched for the empty line a bounded number of times).
    #[must_use]
    pub fn work(&self) -> u64 {
        self.work
    }

    /// The framing error that ended the stream, if any.
    #[must_use]
    pub fn error(&self) -> Option<ParseError> {
        self.failed
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    ///
    /// # Errors
    /// The framing error that ended the stream (see the type's documentation).
    pub fn decode(&mut self) -> Result<Option<Message>> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.step() {
            Ok(m) => Ok(m),
            Err(e) => {
                let e = e.shifted(self.consumed);
                self.failed = Some(e);
                self.buf = BytesMut::new();
                Err(e)
            }
        }
    }

    fn step(&mut self) -> Result<Option<Message>> {
        // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are dropped at once, so that
        // they never count towards a head.
        if self.needed.is_none() && self.scanned == 0 {
            let lead = self
                .buf
                .iter()
                .position(|&b| b != b'\r' && b != b'\n')
                .unwrap_or(self.buf.len());
            if lead > 0 {
                let _ = self.buf.split_to(lead);
                self.consumed = self.consumed.saturating_add(lead);
            }
        }
        let needed = match self.needed {
            Some(n) => n,
            None => {
                // Search for the empty line from just before where the last search stopped.
                let from = self.scanned.saturating_sub(3);
                let rest = self.buf.get(from..).unwrap_or_default();
                self.work += rest.len() as u64;
                match memchr::memmem::find(rest, b"\r\n\r\n") {
                    None => {
                        self.scanned = self.buf.len();
                        if self.buf.len() > self.limits.max_head_bytes {
                            return Err(ParseError::new(
                                ErrorKind::HeadTooLarge,
                                self.limits.max_head_bytes,
                            ));
                        }
                        return Ok(None);
                    }
                    Some(i) => {
                        let head_end = from + i + 4;
                        let head = self.buf.get(..head_end).unwrap_or_default();
                        self.work += head.len() as u64;
                        let Status::Complete(msg, body_start) = parse_head(head, &self.limits)?
                        else {
                            // The head ends at `head_end`; a parse of it is never partial.
                            return Err(ParseError::new(ErrorKind::HeaderColon, head_end));
                        };
                        body_end(&msg.info(), body_start, Framing::Stream, &self.limits)?;
                        let body = msg
                            .content_length
                            .ok_or(ParseError::new(ErrorKind::MissingContentLength, body_start))?;
                        body_start + body
                    }
                }
            }
        };
        if self.buf.len() < needed {
            self.needed = Some(needed);
            return Ok(None);
        }
        let frame: Bytes = self.buf.split_to(needed).freeze();
        self.work += needed as u64;
        // Saturating: a long-lived connection on a 32-bit target can pass `usize::MAX` bytes.
        self.consumed = self.consumed.saturating_add(needed);
        self.needed = None;
        self.scanned = 0;
        match Message::parse_framed(&frame, Framing::Stream, &self.limits)? {
            Some((m, _)) => Ok(Some(m)),
            // Cannot happen: the frame holds exactly the bytes the head asked for. Report it
            // as a framing error rather than panic.
            None => Err(ParseError::new(ErrorKind::ContentLength, needed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[u8] = b"INVITE sip:bob@example.com SIP/2.0\r\nContent-Length: 4\r\n\r\nv=0\n\
\r\n\r\nSIP/2.0 200 OK\r\nl: 0\r\n\r\n";

    fn decode_all(chunks: &[&[u8]]) -> (Vec<Message>, Option<ParseError>) {
        let mut d = StreamDecoder::new(Limits::default());
        let mut out = Vec::new();
        for c in chunks {
            d.push(c);
            loop {
                match d.decode() {
                    Ok(Some(m)) => out.push(m),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        (out, None)
    }

    #[test]
    fn any_split_gives_the_same_messages() {
        // REQ: SIP-1
        let (whole, err) = decode_all(&[TWO]);
        assert!(err.is_none());
        assert_eq!(whole.len(), 2);
        for cut in 0..=TWO.len() {
            let (parts, err) = decode_all(&[&TWO[..cut], &TWO[cut..]]);
            assert!(err.is_none());
            assert_eq!(parts, whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = TWO.chunks(1).collect();
        assert_eq!(decode_all(&bytes).0, whole);
    }

    #[test]
    fn missing_content_length_ends_the_stream() {
        let (msgs, err) = decode_all(&[b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n"]);
        assert!(msgs.is_empty());
        assert_eq!(err.unwrap().kind, ErrorKind::MissingContentLength);
    }

    #[test]
    fn errors_are_sticky_and_absolute() {
        let mut d = StreamDecoder::new(Limits::default());
        d.push(b"OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\nBAD LINE\r\nx\r\n\r\n");
        assert!(d.decode().unwrap().is_some());
        let e = d.decode().unwrap_err();
        assert_eq!(e.kind, ErrorKind::StartLine);
        // "BAD LINE" has no second SP: located at its end, 33 + 8.
        assert_eq!(e.offset, 41);
        d.push(b"more");
        assert_eq!(d.decode().unwrap_err(), e);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn consumed_count_saturates() {
        // On a 32-bit target a long-lived connection passes usize::MAX bytes; the running
        // count must not overflow (a panic in debug builds).
        let mut d = StreamDecoder::new(Limits::default());
        d.consumed = usize::MAX - 3;
        d.push(b"\r\n\r\nSIP/2.0 200 OK\r\nl: 0\r\n\r\nBAD\r\n\r\n");
        assert!(d.decode().unwrap().is_some());
        assert_eq!(d.decode().unwrap_err().offset, usize::MAX);
    }

    #[test]
    fn oversized_head_without_end_is_an_error() {
        let mut d = StreamDecoder::new(Limits {
            max_head_bytes: 100,
            ..Limits::default()
        });
        for _ in 0..20 {
            d.push(b"X-Junk: 123456789\r\n");
        }
        assert_eq!(d.decode().unwrap_err().kind, ErrorKind::HeadTooLarge);
    }

    #[test]
    fn oversized_body_is_refused_before_it_arrives() {
        let mut d = StreamDecoder::new(Limits {
            max_body_bytes: 10,
            ..Limits::default()
        });
        d.push(b"MESSAGE sip:a@b SIP/2.0\r\nl: 1000000\r\n\r\n");
        let e = d.decode().unwrap_err();
        assert_eq!(e.kind, ErrorKind::BodyTooLarge);
        assert_eq!(e.status_hint(), 413);
    }
}
