//! [`ChunkWriter`]: one SEND request written piece by piece (RFC 4975 §5.1, §7.1.1).

use bytes::BytesMut;

use super::{RequestBuilder, atomically, find_end_line, find_end_line_from};
use crate::error::EncodeError;
use crate::frame::{Flag, TransactionId};

// --- chunks ----------------------------------------------------------------------------------

/// The most body bytes before a flag byte that can belong to one end-line: seven dashes and
/// the longest identifier.
const CARRY: usize = 7 + TransactionId::MAX_LEN;

/// Writes one SEND request whose body comes in pieces (RFC 4975 §5.1, §7.1.1): the head at
/// [`ChunkWriter::begin`], body bytes at each [`ChunkWriter::write`], the end-line at
/// [`ChunkWriter::finish`] with the flag that fits: `$` for the last chunk of a message, `+`
/// to interrupt (the rest follows in another chunk), `#` to abort.
///
/// Each piece is checked for the request's end-line, across piece boundaries; see
/// [`EncodeError::EndLineInBody`] for what to do when it appears.
///
/// ```
/// use bytes::BytesMut;
/// use simpleim_msrp::{ByteRange, ChunkWriter, EncodeError, Flag, Method, RequestBuilder};
///
/// let mut out = BytesMut::new();
/// let head = RequestBuilder::new(Method::Send, "a786hjs2".parse()?)
///     .to_path("msrp://b.example.com:1/s;tcp")
///     .from_path("msrp://a.example.com:1/s;tcp")
///     .message_id("87652491")
///     .byte_range(ByteRange { start: 1, end: None, total: Some(11) })
///     .content_type("text/plain");
/// let mut chunk = ChunkWriter::begin(&mut out, &head)?;
/// chunk.write(&mut out, b"Hello")?;
/// // Something more urgent is waiting: interrupt after 5 bytes.
/// assert_eq!(chunk.body_len(), 5);
/// chunk.finish(&mut out, Flag::Continued);
/// assert!(out.ends_with(b"Hello\r\n-------a786hjs2+\r\n"));
///
/// // A body that holds the chunk's own end-line is cut just before its flag byte.
/// out.clear();
/// let mut chunk = ChunkWriter::begin(&mut out, &head)?;
/// let data = b"look: -------a786hjs2$ oops";
/// let Err(EncodeError::EndLineInBody { at }) = chunk.write(&mut out, data) else {
///     unreachable!()
/// };
/// assert_eq!(at, 21);
/// chunk.finish(&mut out, Flag::Continued);
/// // ... and the rest, `data[21..]`, goes in a new chunk under another identifier.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChunkWriter {
    tid: TransactionId,
    written: u64,
    /// The last body bytes written (up to [`CARRY`]), where an end-line split across pieces
    /// may begin.
    carry: [u8; CARRY],
    carry_len: usize,
}

impl ChunkWriter {
    /// Writes the head of `request` (which must be a SEND with a Content-Type) and its body
    /// bytes, if it has any; more follow with [`ChunkWriter::write`]. The request's flag is
    /// not used: [`ChunkWriter::finish`] chooses it.
    ///
    /// # Errors
    /// [`EncodeError::NotSend`], [`EncodeError::MissingContentType`], anything
    /// [`RequestBuilder::encode`] refuses in the head, and [`EncodeError::EndLineInBody`]
    /// when the builder's body bytes contain the end-line. Nothing is written then.
    pub fn begin(out: &mut BytesMut, request: &RequestBuilder<'_>) -> Result<Self, EncodeError> {
        if !request.method.is_send() {
            return Err(EncodeError::NotSend);
        }
        if request.content_type.is_none() {
            return Err(EncodeError::MissingContentType);
        }
        if let Some(at) = find_end_line(request.body, &request.tid) {
            return Err(EncodeError::EndLineInBody { at: at as u64 });
        }
        atomically(out, |out| request.write_head(out))?;
        let mut w = Self::body_only(request.tid);
        w.write(out, request.body)?;
        Ok(w)
    }

    /// The request's transaction identifier.
    #[must_use]
    pub fn transaction_id(&self) -> TransactionId {
        self.tid
    }

    /// Body bytes written so far.
    #[must_use]
    pub fn body_len(&self) -> u64 {
        self.written
    }

    /// Writes body bytes.
    ///
    /// # Errors
    /// [`EncodeError::EndLineInBody`] when `data` would complete this request's end-line in
    /// the body: the bytes of `data` before the flag byte are written (the body now ends
    /// without the end-line, [`ChunkWriter::body_len`] counts them) and the rest is not.
    /// End this chunk with `+` and send the rest, from the flag byte on, in a new chunk with
    /// another transaction identifier.
    pub fn write(&mut self, out: &mut BytesMut, data: &[u8]) -> Result<(), EncodeError> {
        let n = self.scan(data);
        out.extend_from_slice(data.get(..n).unwrap_or_default());
        if n < data.len() {
            Err(EncodeError::EndLineInBody { at: self.written })
        } else {
            Ok(())
        }
    }

    /// A writer for a body whose head the caller wrote itself (a relay re-emitting a
    /// request's head): it only guards the end-line of `tid`.
    pub(crate) fn body_only(tid: TransactionId) -> Self {
        Self {
            tid,
            written: 0,
            carry: [0; CARRY],
            carry_len: 0,
        }
    }

    /// Counts body bytes as written without copying them: returns how many bytes of `data`
    /// may go out before the flag byte of this request's end-line (all of them when it does
    /// not appear), as [`ChunkWriter::write`] would write.
    pub(crate) fn scan(&mut self, data: &[u8]) -> usize {
        let t = self.tid.len();
        let keep = 7 + t;
        // An end-line whose flag is in `data` may begin in the carried bytes.
        let mut seam = [0u8; CARRY + CARRY + 1];
        let carried = self.carry.get(..self.carry_len).unwrap_or_default();
        let head = data.get(..data.len().min(keep + 1)).unwrap_or(data);
        let seam_len = carried.len() + head.len();
        if let Some(dst) = seam.get_mut(..carried.len()) {
            dst.copy_from_slice(carried);
        }
        if let Some(dst) = seam.get_mut(carried.len()..seam_len) {
            dst.copy_from_slice(head);
        }
        let seam = seam.get(..seam_len).unwrap_or_default();
        let in_seam = find_end_line_from(seam, &self.tid, carried.len()).map(|f| f - carried.len());
        let stop = match (in_seam, find_end_line(data, &self.tid)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let n = stop.unwrap_or(data.len());
        let accepted = data.get(..n).unwrap_or_default();
        self.written += n as u64;
        self.remember(accepted, keep);
        n
    }

    /// Keeps the last `keep` bytes of the body written so far (`data` came last).
    fn remember(&mut self, data: &[u8], keep: usize) {
        let from_data = data.len().min(keep);
        let from_old = (keep - from_data).min(self.carry_len);
        let old = self
            .carry
            .get(self.carry_len - from_old..self.carry_len)
            .unwrap_or_default();
        let new = data.get(data.len() - from_data..).unwrap_or_default();
        let mut next = [0u8; CARRY];
        if let Some(dst) = next.get_mut(..old.len()) {
            dst.copy_from_slice(old);
        }
        if let Some(dst) = next.get_mut(old.len()..old.len() + new.len()) {
            dst.copy_from_slice(new);
        }
        let len = old.len() + new.len();
        self.carry = next;
        self.carry_len = len;
    }

    /// Ends the request: CRLF and the end-line with `flag`.
    pub fn finish(self, out: &mut BytesMut, flag: Flag) {
        out.extend_from_slice(b"\r\n");
        self.tid.write_end_line(out, flag);
    }
}
