//! Properties of MSRP framing over generated frames: split-anywhere equivalence, encode →
//! decode round trips, robustness on arbitrary bytes, linear work, and the chunk writer's
//! guarantee that a body never holds its own end-line. REQ: MSRP-1, MSRP-2, MSRP-4

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

mod common;

use bytes::{Bytes, BytesMut};
use common::{Whole, decode_chunks};
use proptest::prelude::*;
use simpleim_msrp::{
    ChunkWriter, Decoded, Decoder, EncodeError, Flag, Limits, Method, RequestBuilder,
    ResponseBuilder, TransactionId, find_end_line,
};

fn tid() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.+%=-]{3,31}"
}

fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![
        Just(Flag::Complete),
        Just(Flag::Continued),
        Just(Flag::Aborted)
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        4 => Just(Method::Send),
        1 => Just(Method::Report),
        1 => Just(Method::Nickname),
        1 => Just(Method::Auth),
        1 => "[A-Z]{1,10}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

/// Extension headers: name and a value without white space at its ends.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        ("X-[A-Za-z0-9-]{1,12}", "[!-~]([ !-~\t]{0,30}[!-~])?"),
        0..6,
    )
}

/// Body bytes full of things that look like end-lines: `\r\n-------`, dashes, flags, CRLF,
/// the frame's own tid, and arbitrary bytes.
fn noisy_body(tid: String) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..24),
        Just(b"\r\n-------".to_vec()),
        Just(b"-------".to_vec()),
        Just(b"-".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        prop_oneof![
            Just(b"$".to_vec()),
            Just(b"+".to_vec()),
            Just(b"#".to_vec())
        ],
        Just(tid.clone().into_bytes()),
        Just(tid.as_bytes()[..tid.len() - 1].to_vec()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// A frame spec and its wire form (as the builders write it), or `None` when the builder
/// refused the body because it held the end-line.
#[derive(Debug, Clone)]
struct Spec {
    tid: String,
    /// A request's method, or a response's code and comment.
    line: Result<Method, (u16, Option<String>)>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    flag: Flag,
}

impl Spec {
    fn encode(&self) -> Option<Vec<u8>> {
        let t: TransactionId = self.tid.parse().unwrap();
        let mut out = BytesMut::new();
        match &self.line {
            Ok(method) => {
                let mut b = RequestBuilder::new(method.clone(), t)
                    .to_path("msrp://b.example.com:9/s;tcp")
                    .from_path("msrp://a.example.com:9/s;tcp msrp://r.example.com:9/x;tcp");
                for (n, v) in &self.headers {
                    b = b.header(n, v);
                }
                if let Some(body) = &self.body {
                    b = b.body("application/octet-stream", body);
                }
                match b.flag(self.flag).encode(&mut out) {
                    Ok(()) => {}
                    Err(EncodeError::EndLineInBody { at }) => {
                        let body = self.body.as_ref().unwrap();
                        assert_eq!(find_end_line(body, &t), Some(at as usize));
                        return None;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            Err((code, comment)) => {
                let mut b = ResponseBuilder::new(t, *code)
                    .comment(comment.as_deref())
                    .to_path("msrp://a.example.com:9/s;tcp")
                    .from_path("msrp://b.example.com:9/s;tcp");
                for (n, v) in &self.headers {
                    b = b.header(n, v);
                }
                b.encode(&mut out).unwrap();
            }
        }
        Some(out.to_vec())
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    tid().prop_flat_map(|t| {
        let request = (
            method(),
            headers(),
            prop::option::of(noisy_body(t.clone())),
            flag(),
        )
            .prop_map(|(m, h, body, f)| {
                let f = if m.is_send() { f } else { Flag::Complete };
                (Ok(m), h, body, f)
            });
        let response = (0u16..1000, prop::option::of("[ -~]{0,16}"), headers())
            .prop_map(|(c, comment, h)| (Err((c, comment)), h, None, Flag::Complete));
        (Just(t), prop_oneof![3 => request, 1 => response]).prop_map(
            |(tid, (line, headers, body, flag))| Spec {
                tid,
                line,
                headers,
                body,
                flag,
            },
        )
    })
}

fn limits(collect: usize) -> Limits {
    Limits {
        max_collect_bytes: collect,
        ..Limits::default()
    }
}

fn cut(stream: &[u8], cuts: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for p in points {
        out.push(stream[prev..p].to_vec());
        prev = p;
    }
    out.push(stream[prev..].to_vec());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the builders write decodes back to the same transaction id, method or code,
    /// headers (in order), body and flag, and re-encodes to the same bytes.
    #[test]
    fn encode_decode_round_trip(
        spec in spec(),
        collect in prop_oneof![Just(0usize), Just(7), Just(1 << 20)],
    ) {
        // REQ: MSRP-1, MSRP-2
        let Some(wire) = spec.encode() else { return Ok(()) };
        let got = decode_chunks(&[&wire], limits(collect)).unwrap();
        prop_assert_eq!(got.len(), 1);
        let w = &got[0];
        prop_assert_eq!(&w.wire, &wire);
        prop_assert_eq!(w.flag, spec.flag);
        let f = simpleim_msrp::Frame::parse(Bytes::from(wire.clone())).unwrap();
        prop_assert_eq!(f.head.transaction_id().to_string(), spec.tid.clone());
        match &spec.line {
            Ok(m) => prop_assert_eq!(f.head.method(), Some(m)),
            Err((code, comment)) => {
                prop_assert_eq!(f.head.status_code(), Some(*code));
                prop_assert_eq!(f.head.comment(), comment.as_deref().map(str::as_bytes));
            }
        }
        let ext: Vec<(String, String)> = f
            .head
            .headers()
            .filter(|h| h.name().starts_with("X-"))
            .map(|h| (h.name().to_owned(), String::from_utf8(h.value().to_vec()).unwrap()))
            .collect();
        prop_assert_eq!(&ext, &spec.headers);
        prop_assert_eq!(f.head.has_body(), spec.body.is_some());
        prop_assert_eq!(f.body.as_ref(), spec.body.as_deref().unwrap_or_default());
        prop_assert_eq!(&w.body[..], f.body.as_ref());
        prop_assert_eq!(f.head.validate(f.flag), Ok(()));
    }

    /// A stream of frames split at any points, pushed piece by piece, yields the same frames
    /// as in one piece, whether bodies are collected or streamed.
    #[test]
    fn split_anywhere_yields_the_same_frames(
        specs in prop::collection::vec(spec(), 1..5),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        collect in prop_oneof![Just(0usize), Just(1), Just(16), Just(1 << 20)],
    ) {
        // REQ: MSRP-2
        let wires: Vec<Vec<u8>> = specs.iter().filter_map(Spec::encode).collect();
        let stream = wires.concat();
        let whole: Vec<Whole> = decode_chunks(&[&stream], limits(1 << 20)).unwrap();
        prop_assert_eq!(whole.len(), wires.len());
        for (w, wire) in whole.iter().zip(&wires) {
            prop_assert_eq!(&w.wire, wire);
        }
        let pieces = cut(&stream, &cuts);
        let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        let got = decode_chunks(&refs, limits(collect)).unwrap();
        prop_assert_eq!(got, whole);
    }

    /// Arbitrary bytes, alone or after a valid head, never panic the decoder, and polling
    /// always stops: each poll that returns something consumes input or ends a body.
    #[test]
    fn arbitrary_bytes_are_handled(
        prefix in prop_oneof![
            Just(Vec::new()),
            Just(b"MSRP abcd SEND\r\n".to_vec()),
            Just(b"MSRP abcd SEND\r\nTo-Path: x\r\nContent-Type: a/b\r\n\r\n".to_vec()),
            Just(b"MSRP abcd 200 OK\r\n".to_vec()),
        ],
        data in prop::collection::vec(any::<u8>(), 0..512),
        step in 1usize..64,
        collect in prop_oneof![Just(0usize), Just(5), Just(1 << 20)],
    ) {
        // REQ: MSRP-2
        let mut input = prefix;
        input.extend_from_slice(&data);
        let mut d = Decoder::new(Limits {
            max_collect_bytes: collect,
            max_head_bytes: 256,
            ..Limits::default()
        });
        let mut polls = 0usize;
        for c in input.chunks(step) {
            d.push(c);
            while let Ok(Some(_)) = d.poll() {
                polls += 1;
                prop_assert!(polls <= 2 * input.len() + 2);
            }
            prop_assert!(d.buffered() <= input.len());
        }
        prop_assert!(d.work() <= 8 * input.len() as u64 + 64);
        let _ = simpleim_msrp::Frame::parse(Bytes::from(input));
    }

    /// Whatever the bytes, the decoder yields the same heads, body bytes, flags and first
    /// error however the stream is cut (limits included).
    #[test]
    fn arbitrary_bytes_decode_the_same_however_cut(
        specs in prop::collection::vec(spec(), 0..3),
        garbage in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..16),
                Just(b"\r\n".to_vec()),
                Just(b"\n".to_vec()),
                Just(b"MSRP abcd SEND\r\n".to_vec()),
                Just(b"Content-Type: a/b\r\n\r\n".to_vec()),
                Just(b"\r\n-------abcd$\r\n".to_vec()),
                Just(b"X: 12345678901234567890123456789\r\n".to_vec()),
            ],
            0..12,
        ),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        collect in prop_oneof![Just(0usize), Just(4), Just(16), Just(1 << 20)],
        small in any::<bool>(),
    ) {
        // REQ: MSRP-2
        let mut stream: Vec<u8> =
            specs.iter().filter_map(Spec::encode).collect::<Vec<_>>().concat();
        stream.extend(garbage.concat());
        let limits = if small {
            Limits {
                max_collect_bytes: collect,
                max_line_bytes: 24,
                max_head_bytes: 120,
                max_headers: 4,
                max_chunk_bytes: 40,
                max_non_send_body_bytes: 12,
            }
        } else {
            limits(collect)
        };
        let whole = seen_and_error(&[stream.clone()], limits);
        prop_assert_eq!(seen_and_error(&cut(&stream, &cuts), limits), whole.clone());
        let bytes: Vec<Vec<u8>> = stream.iter().map(|&b| vec![b]).collect();
        prop_assert_eq!(seen_and_error(&bytes, limits), whole);
    }

    /// Feeding generated frames one byte at a time costs a bounded amount of work per byte.
    #[test]
    fn byte_at_a_time_work_is_linear(
        specs in prop::collection::vec(spec(), 1..4),
        collect in prop_oneof![Just(0usize), Just(1 << 20)],
    ) {
        // REQ: MSRP-2
        let stream: Vec<u8> = specs.iter().filter_map(Spec::encode).collect::<Vec<_>>().concat();
        let mut d = Decoder::new(limits(collect));
        for b in &stream {
            d.push(std::slice::from_ref(b));
            while d.poll().unwrap().is_some() {}
        }
        prop_assert!(d.at_boundary());
        prop_assert!(d.work() <= 3 * stream.len() as u64, "work {} for {}", d.work(), stream.len());
    }

    /// A body of any content written through a chunk writer in any pieces, restarted under a
    /// new transaction id whenever the writer stops before its own end-line, decodes back to
    /// exactly the body: the end-line never leaks into a body.
    #[test]
    fn chunk_writer_never_leaks_its_end_line(
        t in tid(),
        body in tid().prop_flat_map(noisy_body),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        // REQ: MSRP-4
        let mut t = t;
        let mut body = body;
        // Make the noise hit this writer's identifier.
        body.extend_from_slice(format!("\r\n-------{t}$\r\n-------{t}+").as_bytes());
        let pieces = cut(&body, &cuts);
        let mut out = BytesMut::new();
        let mut serial = 0;
        let head = |tid: &TransactionId| {
            RequestBuilder::new(Method::Send, *tid)
                .to_path("msrp://b.example.com:9/s;tcp")
                .from_path("msrp://a.example.com:9/s;tcp")
                .content_type("application/octet-stream")
        };
        let mut tid_: TransactionId = t.parse().unwrap();
        let mut w = ChunkWriter::begin(&mut out, &head(&tid_)).unwrap();
        for piece in &pieces {
            let mut rest: &[u8] = piece;
            loop {
                let before = w.body_len();
                match w.write(&mut out, rest) {
                    Ok(()) => break,
                    Err(EncodeError::EndLineInBody { at }) => {
                        let taken = usize::try_from(at - before).unwrap();
                        rest = &rest[taken..];
                        w.finish(&mut out, Flag::Continued);
                        serial += 1;
                        t = format!("z{serial:03}{}", &t[..t.len().min(20)]);
                        tid_ = t.parse().unwrap();
                        w = ChunkWriter::begin(&mut out, &head(&tid_)).unwrap();
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        }
        w.finish(&mut out, Flag::Complete);
        let got = decode_chunks(&[&out], limits(0)).unwrap();
        prop_assert!(got.len() > serial, "one chunk per identifier");
        let joined: Vec<u8> = got.iter().flat_map(|w| w.body.clone()).collect();
        prop_assert_eq!(joined, body);
        prop_assert_eq!(got.last().map(|w| w.flag), Some(Flag::Complete));
    }
}

/// Heads with the body bytes delivered so far and the flag once the body ended, whatever the
/// delivery mode, and the first error.
#[allow(clippy::type_complexity)]
fn seen_and_error(
    pieces: &[Vec<u8>],
    limits: Limits,
) -> (
    Vec<(Vec<u8>, Vec<u8>, Option<Flag>)>,
    Option<simpleim_msrp::ParseError>,
) {
    let mut d = Decoder::new(limits);
    let mut seen: Vec<(Vec<u8>, Vec<u8>, Option<Flag>)> = Vec::new();
    for p in pieces {
        d.push(p);
        loop {
            match d.poll() {
                Ok(Some(Decoded::Frame(f))) => {
                    seen.push((f.head.as_bytes().to_vec(), f.body.to_vec(), Some(f.flag)));
                }
                Ok(Some(Decoded::Head(h))) => seen.push((h.as_bytes().to_vec(), Vec::new(), None)),
                Ok(Some(Decoded::Body(b))) => {
                    let last = seen.last_mut().unwrap();
                    last.1.extend_from_slice(&b.data);
                    last.2 = b.flag;
                }
                Ok(None) => break,
                Err(e) => return (seen, Some(e)),
            }
        }
    }
    (seen, None)
}

/// A worst case for the end-line search, fed one byte at a time: a body made of near
/// end-lines of every length (each stops one byte earlier than a real one).
#[test]
fn adversarial_bodies_cost_linear_work() {
    // REQ: MSRP-2
    let t = "abcdefghijklmnopqrstuvwxyz012345";
    let full = format!("\r\n-------{t}$\r");
    let mut wire = format!("MSRP {t} SEND\r\nContent-Type: a/b\r\n\r\n").into_bytes();
    let head_len = wire.len();
    for _ in 0..300 {
        for k in 1..full.len() {
            wire.extend_from_slice(&full.as_bytes()[..k]);
            wire.push(b'x');
        }
    }
    let body_len = wire.len() - head_len;
    wire.extend_from_slice(format!("\r\n-------{t}#\r\n").as_bytes());
    for collect in [0, 1 << 30] {
        let mut d = Decoder::new(limits(collect));
        let mut body = 0;
        let mut done = false;
        for b in &wire {
            d.push(std::slice::from_ref(b));
            while let Some(item) = d.poll().unwrap() {
                match item {
                    Decoded::Frame(f) => {
                        body += f.body.len();
                        done = true;
                    }
                    Decoded::Body(p) => {
                        body += p.data.len();
                        done |= p.last;
                    }
                    Decoded::Head(_) => {}
                }
            }
        }
        assert!(done);
        assert_eq!(body, body_len);
        let n = wire.len() as u64;
        assert!(d.work() <= 3 * n, "work {} for {n} bytes", d.work());
    }
}
