//! Incremental decoding of MSRP frames from a byte stream (REQ: MSRP-2, RFC 4975 §5.1, §7.1,
//! §9): the [`Decoder`], its [`Limits`] and what it yields. The end-line search is
//! [`find_end`]: a prebuilt `memmem` finder for the fixed prefix, then a byte-wise match of
//! the transaction identifier and flag that survives across pushes.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memmem::Finder;

use crate::error::{ErrorKind, ParseError, Result};
use crate::frame::{Flag, Frame, FrameHead, HeadIndex, StartKind, TransactionId};

/// What an end-line starts with, after the CRLF that ends a body.
const DASHES: &[u8; 9] = b"\r\n-------";

/// Bounds on what the decoder accepts. Exceeding one is an error (status 413, see
/// [`ParseError::status_hint`]), never unbounded memory or work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest start line or header line, without its CRLF (default 8 KiB: a To-Path through
    /// several relays, or an Authorization header, stays far below).
    /// [`ErrorKind::LineTooLong`].
    pub max_line_bytes: usize,
    /// Most header lines in one frame (default 64). [`ErrorKind::TooManyHeaders`].
    pub max_headers: usize,
    /// Largest start line plus header section, including the empty line or the end-line that
    /// ends it (default 32 KiB; never more than 4 GiB whatever is set).
    /// [`ErrorKind::HeadTooLarge`].
    pub max_head_bytes: usize,
    /// Largest body delivered whole in a [`Decoded::Frame`] (default 64 KiB); a longer one
    /// streams as [`Decoded::Head`] and [`Decoded::Body`] parts. The decoder's buffer holds at
    /// most about this much body (plus the head and the bytes of the latest push). 0 streams
    /// every non-empty body. Not an error limit.
    pub max_collect_bytes: usize,
    /// Largest body of one request, however it is delivered (default: no limit). Streaming
    /// keeps memory bounded whatever the chunk size, and RFC 4975 §7.1.1 asks receivers to
    /// take chunks of any size up to the largest message they accept: set this to that
    /// message size (the SDP `max-size`). [`ErrorKind::ChunkTooLarge`].
    pub max_chunk_bytes: u64,
    /// Largest body of a request other than SEND (default 10240, RFC 4975 §7.1).
    /// [`ErrorKind::NonSendBodyTooLarge`].
    pub max_non_send_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_bytes: 8 * 1024,
            max_headers: 64,
            max_head_bytes: 32 * 1024,
            max_collect_bytes: 64 * 1024,
            max_chunk_bytes: u64::MAX,
            max_non_send_body_bytes: 10 * 1024,
        }
    }
}

/// What [`Decoder::poll`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A whole frame: a response, a bodiless request, or a request whose body is at most
    /// [`Limits::max_collect_bytes`].
    Frame(Frame),
    /// The head of a request whose body streams: [`Decoded::Body`] parts follow, up to one
    /// with `last` set.
    Head(FrameHead),
    /// Body bytes of the request whose head came last.
    Body(BodyPart),
}

/// A piece of a streamed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPart {
    /// The bytes (empty only in a last part, when the end-line came after the last data).
    pub data: Bytes,
    /// True for the part that ends the body.
    pub last: bool,
    /// The end-line's flag, on the last part.
    pub flag: Option<Flag>,
}

/// Incremental decoder of MSRP frames.
///
/// Call [`Decoder::push`] with the bytes read from the connection, then [`Decoder::poll`]
/// until it returns `Ok(None)`; items come in stream order. A request's body has no length
/// header: it ends at the first `CRLF -------<transaction-id><flag> CRLF` after the empty
/// line that ends the headers, so the decoder searches for that end-line (with
/// `memchr::memmem`) and remembers how far it searched: feeding a frame one byte at a time
/// costs O(n) in total, never a rescan from the start ([`Decoder::work`] measures it).
///
/// Bodies of at most [`Limits::max_collect_bytes`] come whole, in [`Decoded::Frame`]. A longer
/// body streams: [`Decoded::Head`], then [`Decoded::Body`] parts as the bytes arrive, the last
/// one with the end-line's flag. Only what could be the start of a split end-line (at most
/// 43 bytes) is held back, so a body of any size passes in bounded memory. Frames and parts
/// leave the decoder's buffer with `split_to(n).freeze()`: no copy.
///
/// ```
/// use simpleim_msrp::{Decoded, Decoder, Limits};
///
/// let wire = b"MSRP a786hjs2 SEND\r\n\
/// To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
/// From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n\
/// Message-ID: 87652491\r\n\
/// Byte-Range: 1-25/25\r\n\
/// Content-Type: text/plain\r\n\
/// \r\n\
/// Hey Bob, are you there?\r\n\
/// -------a786hjs2$\r\n\
/// MSRP a786hjs2 200 OK\r\n\
/// To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n\
/// From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
/// -------a786hjs2$\r\n";
///
/// let mut decoder = Decoder::new(Limits::default());
/// let mut frames = Vec::new();
/// for read in wire.chunks(10) {
///     decoder.push(read);
///     // Drain everything the decoder has after every read.
///     while let Some(item) = decoder.poll()? {
///         match item {
///             Decoded::Frame(frame) => frames.push(frame),
///             Decoded::Head(_) | Decoded::Body(_) => unreachable!("small bodies come whole"),
///         }
///     }
/// }
/// assert_eq!(frames.len(), 2);
/// assert_eq!(frames[0].body.as_ref(), b"Hey Bob, are you there?");
/// assert_eq!(frames[1].head.status_code(), Some(200));
/// # Ok::<(), simpleim_msrp::ParseError>(())
/// ```
///
/// A large body streams:
///
/// ```
/// use simpleim_msrp::{Decoded, Decoder, Flag, Limits};
///
/// let limits = Limits { max_collect_bytes: 0, ..Limits::default() }; // always stream
/// let mut decoder = Decoder::new(limits);
/// decoder.push(b"MSRP abcd SEND\r\nContent-Type: application/octet-stream\r\n\r\nfirst ");
/// decoder.push(b"second\r\n-------abcd+\r\n");
/// let mut body = Vec::new();
/// while let Some(item) = decoder.poll()? {
///     match item {
///         Decoded::Head(head) => assert_eq!(head.transaction_id().as_str(), "abcd"),
///         Decoded::Body(part) => {
///             body.extend_from_slice(&part.data);
///             if part.last {
///                 assert_eq!(part.flag, Some(Flag::Continued));
///             }
///         }
///         Decoded::Frame(_) => unreachable!(),
///     }
/// }
/// assert_eq!(body, b"first second");
/// # Ok::<(), simpleim_msrp::ParseError>(())
/// ```
///
/// A framing error (a malformed start line or header line, an end-line with another
/// transaction identifier where one is expected, a limit exceeded) ends the stream: without a
/// length header there is no way to find where the next frame begins, so the decoder keeps
/// the error, drops its buffer, ignores later pushes, and every later `poll` returns the same
/// error. Its [`ParseError::status_hint`] is the status to answer with before closing the
/// connection, and its offset counts from the first byte pushed.
///
/// What the decoder yields, and its first error, depend only on the bytes, never on how they
/// were cut into pushes: a body over its limit is delivered up to the limit (when it streams)
/// and the error follows.
///
/// Rules framing does not need (header order, Content-Type placement, semantics of the
/// values) are not checked here: see [`FrameHead::validate`] and the typed accessors, which
/// let a session answer 400 and keep the connection.
#[derive(Debug)]
pub struct Decoder {
    buf: BytesMut,
    limits: Limits,
    state: State,
    /// Stream offset of `buf[0]`.
    base: u64,
    failed: Option<ParseError>,
    work: u64,
    dashes: Finder<'static>,
}

#[derive(Debug)]
enum State {
    /// Reading the start line and header lines of a frame that begins at `buf[0]`.
    Head(HeadScan),
    /// Collecting a body: `buf` holds the head, then the body so far.
    Collect {
        index: HeadIndex,
        body_start: usize,
        end: EndScan,
        limit: BodyLimit,
    },
    /// The head has left; `buf` starts with the next body byte to deliver.
    Stream {
        end: EndScan,
        body_len: u64,
        limit: BodyLimit,
    },
}

#[derive(Debug, Default)]
struct HeadScan {
    /// Where the current line starts.
    line_start: usize,
    /// Where the search for its LF resumes.
    scan: usize,
    /// The start line and the headers so far, once the start line is in.
    index: Option<HeadIndex>,
}

/// The largest body allowed for the current request, and the error when it is exceeded.
#[derive(Debug, Clone, Copy)]
struct BodyLimit {
    max: u64,
    kind: ErrorKind,
}

/// Search state for the end-line `CRLF -------<tid><flag> CRLF`.
#[derive(Debug)]
struct EndScan {
    tid: TransactionId,
    /// Where the search resumes; with `matched > 0`, where a possible end-line starts.
    scan: usize,
    /// How many bytes of the end-line at `scan` are already matched.
    matched: usize,
}

enum End {
    /// The end-line's CRLF starts at `at` (the body ends there).
    Found { at: usize, flag: Flag },
    /// No end-line yet; every byte before `safe` is body.
    NotFound { safe: usize },
}

enum HeadDone {
    NeedMore,
    /// A bodiless frame: the head is `..head_len`, the end-line runs to `frame_len`.
    Bodiless {
        head_len: usize,
        frame_len: usize,
        flag: Flag,
    },
    /// A request with a body, which starts at `head_len`.
    Body {
        head_len: usize,
    },
}

/// An error located in `buf` (made absolute by the caller).
struct Fail(ErrorKind, usize);

type Step<T> = core::result::Result<T, Fail>;

impl Decoder {
    /// A decoder with the given limits.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            buf: BytesMut::new(),
            limits,
            state: State::Head(HeadScan::default()),
            base: 0,
            failed: None,
            work: 0,
            dashes: Finder::new(DASHES).into_owned(),
        }
    }

    /// The limits this decoder enforces.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Appends bytes read from the connection (ignored after an error).
    pub fn push(&mut self, data: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(data);
        }
    }

    /// Appends bytes the host already holds as [`Bytes`]; when nothing is buffered and
    /// `data` is not shared, the decoder takes its memory over instead of copying.
    pub fn push_bytes(&mut self, data: Bytes) {
        if self.failed.is_some() {
            return;
        }
        if self.buf.is_empty() {
            match data.try_into_mut() {
                Ok(m) => self.buf = m,
                Err(data) => self.buf.extend_from_slice(&data),
            }
        } else {
            self.buf.extend_from_slice(&data);
        }
    }

    /// Bytes buffered and not yet delivered.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Offset in the stream of the first byte not yet delivered.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.base
    }

    /// True between frames: nothing of a frame is buffered or half-delivered. At the end of
    /// the connection, false means the peer stopped inside a frame.
    #[must_use]
    pub fn at_boundary(&self) -> bool {
        self.buf.is_empty() && matches!(&self.state, State::Head(h) if h.index.is_none())
    }

    /// Bytes this decoder has searched or parsed so far: a measure of its work. It stays
    /// within a small multiple of the bytes pushed however the input is split, because every
    /// search resumes where the last one stopped.
    #[must_use]
    pub fn work(&self) -> u64 {
        self.work
    }

    /// The framing error that ended the stream, if any.
    #[must_use]
    pub fn error(&self) -> Option<ParseError> {
        self.failed
    }

    /// The next frame, head or body part; `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    /// The framing error that ended the stream (see the type's documentation).
    pub fn poll(&mut self) -> Result<Option<Decoded>> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.step() {
            Ok(d) => Ok(d),
            Err(Fail(kind, at)) => {
                let at = u64::try_from(at).unwrap_or(u64::MAX);
                let e = ParseError::new(kind, self.base.saturating_add(at));
                self.failed = Some(e);
                self.buf = BytesMut::new();
                self.state = State::Head(HeadScan::default());
                Err(e)
            }
        }
    }

    /// Removes `n` bytes from the front of the buffer and moves the stream offset.
    fn take(&mut self, n: usize) -> Bytes {
        let n = n.min(self.buf.len());
        self.base = self.base.saturating_add(n as u64);
        self.buf.split_to(n).freeze()
    }

    fn step(&mut self) -> Step<Option<Decoded>> {
        loop {
            let progress = match &mut self.state {
                State::Head(h) => scan_head(h, &self.buf, &self.limits, &mut self.work)?,
                State::Collect { .. } => return self.collect(),
                State::Stream { .. } => return self.stream(),
            };
            match progress {
                HeadDone::NeedMore => return Ok(None),
                HeadDone::Bodiless {
                    head_len,
                    frame_len,
                    flag,
                } => {
                    let index = self.take_index()?;
                    let offset = self.base;
                    let bytes = self.take(frame_len);
                    let raw = bytes.slice(..head_len.min(bytes.len()));
                    return Ok(Some(Decoded::Frame(Frame {
                        head: FrameHead::from_index(raw, offset, index),
                        body: Bytes::new(),
                        flag,
                    })));
                }
                HeadDone::Body { head_len } => {
                    let index = self.take_index()?;
                    let is_send = match index.kind {
                        StartKind::Request { method } => method.of(&self.buf) == b"SEND",
                        StartKind::Response { .. } => false,
                    };
                    let limit = if is_send {
                        BodyLimit {
                            max: self.limits.max_chunk_bytes,
                            kind: ErrorKind::ChunkTooLarge,
                        }
                    } else {
                        BodyLimit {
                            max: self
                                .limits
                                .max_chunk_bytes
                                .min(self.limits.max_non_send_body_bytes),
                            kind: ErrorKind::NonSendBodyTooLarge,
                        }
                    };
                    // The search starts at the CRLF of the empty line, so that an end-line
                    // right after it (a body without its closing CRLF) is seen and refused
                    // rather than taken for body.
                    let end = EndScan {
                        tid: index.tid,
                        scan: head_len.saturating_sub(2),
                        matched: 0,
                    };
                    self.state = State::Collect {
                        index,
                        body_start: head_len,
                        end,
                        limit,
                    };
                }
            }
        }
    }

    /// The parsed head of the frame being read, leaving the state empty.
    fn take_index(&mut self) -> Step<HeadIndex> {
        match core::mem::take(&mut self.state) {
            State::Head(HeadScan {
                index: Some(index), ..
            })
            | State::Collect { index, .. } => Ok(index),
            // Not reached: callers hold a parsed start line. Fail as framing would.
            _ => Err(Fail(ErrorKind::StartLine, 0)),
        }
    }

    /// Collecting a body: a whole frame when its end-line comes within
    /// [`Limits::max_collect_bytes`], else the head, and streaming from then on.
    ///
    /// What happens depends only on how many bytes are known to be body (`known`), never on
    /// how the input was cut: crossing `max_collect_bytes` sends the head, crossing the body
    /// limit is an error, whichever threshold is lower acts first (the head first when they
    /// are equal; the stream then delivers body bytes up to the limit before the error).
    fn collect(&mut self) -> Step<Option<Decoded>> {
        let State::Collect {
            body_start,
            end,
            limit,
            ..
        } = &mut self.state
        else {
            return Ok(None);
        };
        let (body_start, limit) = (*body_start, *limit);
        let found = find_end(&self.buf, end, &self.dashes, &mut self.work);
        let (known, done) = match found {
            End::Found { at, .. } if at < body_start => {
                return Err(Fail(ErrorKind::EndLine, body_start));
            }
            End::Found { at, flag } => (at - body_start, Some((at, flag))),
            End::NotFound { safe } => (safe.saturating_sub(body_start), None),
        };
        let collect = self.limits.max_collect_bytes;
        let collect_max = u64::try_from(collect).unwrap_or(u64::MAX);
        if known as u64 > limit.max && limit.max < collect_max {
            let over = usize::try_from(limit.max).unwrap_or(usize::MAX);
            return Err(Fail(limit.kind, body_start.saturating_add(over)));
        }
        if known > collect {
            // The head leaves now; the body follows in parts.
            let rel = end.scan.saturating_sub(body_start);
            let end = EndScan {
                scan: rel,
                matched: end.matched,
                tid: end.tid,
            };
            let index = self.take_index()?;
            let offset = self.base;
            let raw = self.take(body_start);
            self.state = State::Stream {
                end,
                body_len: 0,
                limit,
            };
            return Ok(Some(Decoded::Head(FrameHead::from_index(
                raw, offset, index,
            ))));
        }
        let Some((at, flag)) = done else {
            return Ok(None);
        };
        let index = self.take_index()?;
        let offset = self.base;
        let bytes = self.take(at + 12 + index.tid.len());
        let head = FrameHead::from_index(bytes.slice(..body_start.min(bytes.len())), offset, index);
        let body = bytes.slice(body_start.min(at)..at.min(bytes.len()));
        Ok(Some(Decoded::Frame(Frame { head, body, flag })))
    }

    /// Streaming a body: every byte known to be body leaves at once, up to the body limit.
    fn stream(&mut self) -> Step<Option<Decoded>> {
        let State::Stream {
            end,
            body_len,
            limit,
        } = &mut self.state
        else {
            return Ok(None);
        };
        let (n, flag) = match find_end(&self.buf, end, &self.dashes, &mut self.work) {
            End::Found { at, flag } => (at, Some(flag)),
            End::NotFound { safe } => (safe, None),
        };
        let room = usize::try_from(limit.max.saturating_sub(*body_len)).unwrap_or(usize::MAX);
        if n > room {
            if room == 0 {
                return Err(Fail(limit.kind, 0));
            }
            // Deliver what fits; the next poll reports the limit.
            *body_len += room as u64;
            end.scan -= room;
            let data = self.take(room);
            return Ok(Some(Decoded::Body(BodyPart {
                data,
                last: false,
                flag: None,
            })));
        }
        if flag.is_none() && n == 0 {
            return Ok(None);
        }
        *body_len += n as u64;
        end.scan -= n;
        let end_len = 12 + end.tid.len();
        let data = self.take(n);
        if flag.is_some() {
            let skip = end_len.min(self.buf.len());
            self.buf.advance(skip);
            self.base = self.base.saturating_add(skip as u64);
            self.state = State::Head(HeadScan::default());
        }
        Ok(Some(Decoded::Body(BodyPart {
            data,
            last: flag.is_some(),
            flag,
        })))
    }
}

impl Default for State {
    fn default() -> Self {
        Self::Head(HeadScan::default())
    }
}

mod head;
use head::scan_head;

// --- the end-line ----------------------------------------------------------------------------

/// Searches `buf` for `CRLF -------<tid><flag> CRLF`, resuming where the last search stopped.
///
/// The fixed prefix `CRLF -------` is found with a prebuilt `memmem` finder; a candidate is
/// then matched byte by byte and remembered across calls while the buffer ends inside it.
/// After a mismatch at byte `k` of a candidate the search resumes at that byte: no end-line
/// can start between (its CR would have to be one of the candidate's bytes, and the only CR
/// after the first is the final one, whose LF was the mismatch). So every byte is looked at a
/// bounded number of times.
fn find_end(buf: &[u8], es: &mut EndScan, dashes: &Finder<'_>, work: &mut u64) -> End {
    let tid = es.tid.as_bytes();
    let t = tid.len();
    let total = 12 + t;
    loop {
        if es.matched > 0 {
            let at = es.scan;
            let first = es.matched;
            let mut k = first;
            while k < total {
                let Some(&b) = buf.get(at + k) else {
                    *work += (k - first) as u64;
                    es.matched = k;
                    return End::NotFound { safe: at };
                };
                let ok = if k < 9 {
                    DASHES.get(k) == Some(&b)
                } else if k < 9 + t {
                    tid.get(k - 9) == Some(&b)
                } else if k == 9 + t {
                    matches!(b, b'$' | b'+' | b'#')
                } else if k == 10 + t {
                    b == b'\r'
                } else {
                    b == b'\n'
                };
                if !ok {
                    break;
                }
                k += 1;
            }
            *work += (k - first) as u64;
            if k == total {
                let flag = buf
                    .get(at + 9 + t)
                    .copied()
                    .and_then(Flag::from_byte)
                    .unwrap_or(Flag::Complete);
                return End::Found { at, flag };
            }
            es.scan = at + k;
            es.matched = 0;
            continue;
        }
        let hay = buf.get(es.scan..).unwrap_or_default();
        if let Some(i) = dashes.find(hay) {
            *work += i as u64 + 9;
            es.scan += i;
            es.matched = 9;
            continue;
        }
        *work += hay.len() as u64;
        // The buffer may end inside the fixed prefix: keep the earliest such start.
        let tail_from = hay.len().saturating_sub(DASHES.len() - 1);
        let tail = hay.get(tail_from..).unwrap_or_default();
        for p in memchr::memchr_iter(b'\r', tail) {
            let rest = tail.get(p..).unwrap_or_default();
            if DASHES.starts_with(rest) {
                es.scan += tail_from + p;
                es.matched = rest.len();
                return End::NotFound { safe: es.scan };
            }
        }
        es.scan = buf.len();
        return End::NotFound { safe: es.scan };
    }
}

#[cfg(test)]
mod tests;
