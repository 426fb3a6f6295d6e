//! MSRP benchmarks (issue 4, REQ: MSRP-2): the decoder on a large streamed body against the
//! physical limit of a bare end-line scan, and small SEND frames decoded and encoded.
//!
//! - `stream-64k`: one SEND whose body is 64 KiB of binary data (no end-line inside), as a
//!   TCP connection would deliver it.
//!   - `memmem/scan`: `memchr::memmem::find` of the end-line (`CRLF -------<tid>`) over the
//!     whole frame: one pass over the bytes, nothing else. The physical limit.
//!   - `simpleim/stream-16k-reads`: `Decoder::push` of 16 KiB reads (copied into the decoder's
//!     buffer, as bytes read from a socket are), `poll` after each, the body streamed out as
//!     `BodyPart`s (`max_collect_bytes: 0`).
//!   - `simpleim/stream-owned`: `Decoder::push_bytes` of the whole frame held as an owned
//!     `Bytes` (the decoder takes the memory over, no copy), then `poll` until the body is out.
//!     The buffer is made outside the timing (`iter_batched`).
//! - `send-300`: a SEND of 300 bytes on the wire (RFC 4975 §7.1 headers, a short text body).
//!   - `simpleim/decode`: push and poll one whole frame, read its Byte-Range.
//!
//! - `reassemble-1m`: a 1 MiB message that a sending `Session` cut into 2 KiB chunks (512 SEND
//!   frames, written beforehand), fed to a new receiving `Session` in 16 KiB reads with
//!   `handle_bytes`; the receiver answers each chunk 200 (drained with `poll_transmit`) and
//!   delivers the message whole (`Event::Message`, checked to be 1 MiB).
//!
//! - `relay-1m`: the same 1 MiB message from Alice to Bob through a `relay::Relay` both
//!   authenticated to (RFC 4976), fed in 16 KiB reads, everything the relay writes drained
//!   with `poll_transmit` (per-hop 200s to Alice, the forwarded chunks to Bob: bodies leave
//!   as slices of the reads). `simpleim/2k-chunks`: 512 SENDs of 2 KiB; `simpleim/streamed`:
//!   one SEND of 1 MiB that streams through. The relay and its two AUTHs are set up outside
//!   the timing (`iter_batched`).
//!
//! Each decoding bench uses one decoder throughout, as a host has one per connection: every
//! iteration is one more frame on the same connection.
//!   - `simpleim/encode`: `RequestBuilder` with both paths, Message-ID, Byte-Range and
//!     Content-Type, into a reused `BytesMut`.
//!
//! ```text
//! cargo bench --bench msrp
//! ```

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use simpleim::msrp::relay::{Direction, Relay, RelayConfig, StaticCredentials};
use simpleim::msrp::{
    ByteRange, Decoded, Decoder, DigestChallenge, DigestCredentials, Event, Limits, Method,
    MsrpUri, Path, RequestBuilder, SeededIds, SendOptions, Session, SessionConfig, TransactionId,
};

const TO: &str = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
const FROM: &str = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";

/// Deterministic binary data without CR, so no end-line can appear inside.
fn body(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            match (x >> 24) as u8 {
                b'\r' => b'r',
                b => b,
            }
        })
        .collect()
}

fn send(tid: &str, body: &[u8]) -> Bytes {
    let tid = TransactionId::new(tid.as_bytes()).expect("valid transaction id");
    let len = body.len() as u64;
    let range = ByteRange::new(1, Some(len), Some(len)).expect("valid range");
    let mut out = BytesMut::new();
    RequestBuilder::new(Method::Send, tid)
        .to_path(TO)
        .from_path(FROM)
        .message_id("12339sdqwer")
        .byte_range(range)
        .body("application/octet-stream", body)
        .encode(&mut out)
        .expect("encodable");
    out.freeze()
}

/// Body bytes streamed out of `decoder` until the frame's last part.
fn drain(decoder: &mut Decoder) -> usize {
    let mut n = 0;
    while let Ok(Some(item)) = decoder.poll() {
        match item {
            Decoded::Body(part) => n += part.data.len(),
            Decoded::Frame(f) => n += f.body.len(),
            Decoded::Head(_) => {}
        }
    }
    n
}

fn stream_64k(c: &mut Criterion) {
    let body = body(64 * 1024);
    let frame = send("a786hjs2", &body);
    let end_line = b"\r\n-------a786hjs2";
    let streaming = Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    };
    // Preconditions: the scan finds the end-line where the body ends, and the decoder streams
    // the whole body out.
    let at = memchr::memmem::find(&frame, end_line).expect("end-line found");
    assert_eq!(&frame[at - body.len()..at], &body[..]);
    let mut d = Decoder::new(streaming);
    d.push(&frame);
    assert_eq!(drain(&mut d), body.len());
    assert!(d.at_boundary());

    let mut group = c.benchmark_group("stream-64k");
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function("memmem/scan", |b| {
        let finder = memchr::memmem::Finder::new(end_line);
        b.iter(|| finder.find(black_box(&frame)))
    });
    // One decoder per connection, as a host has: each iteration is one more frame on it.
    let mut d = Decoder::new(streaming);
    group.bench_function("simpleim/stream-16k-reads", |b| {
        b.iter(|| {
            let mut n = 0;
            for read in black_box(&frame).chunks(16 * 1024) {
                d.push(read);
                n += drain(&mut d);
            }
            n
        })
    });
    group.bench_function("simpleim/stream-owned", |b| {
        b.iter_batched(
            || Bytes::from(frame.to_vec()),
            |owned| {
                d.push_bytes(owned);
                drain(&mut d)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn send_300(c: &mut Criterion) {
    let text = "Hello Bob! This is a short text message of the size a chat usually has, sent in one chunk.";
    let frame = send("d93kswow", text.as_bytes());
    let mut group = c.benchmark_group("send-300");
    group.throughput(Throughput::Elements(1));
    eprintln!("msrp: send-300 frame is {} bytes", frame.len());
    let mut d = Decoder::new(Limits::default());
    group.bench_function("simpleim/decode", |b| {
        b.iter(|| {
            d.push(black_box(&frame));
            match d.poll() {
                Ok(Some(Decoded::Frame(f))) => f.head.byte_range().ok().flatten().map(|r| r.start),
                _ => None,
            }
        })
    });
    let tid = TransactionId::new(b"d93kswow").expect("valid transaction id");
    let len = text.len() as u64;
    let range = ByteRange::new(1, Some(len), Some(len)).expect("valid range");
    let mut out = BytesMut::with_capacity(1024);
    group.bench_function("simpleim/encode", |b| {
        b.iter(|| {
            out.clear();
            RequestBuilder::new(Method::Send, tid)
                .to_path(TO)
                .from_path(FROM)
                .message_id("12339sdqwer")
                .byte_range(range)
                .body("text/plain", black_box(text.as_bytes()))
                .encode(&mut out)
                .map(|()| out.len())
        })
    });
    group.finish();
}

fn session(local: &str, remote: &str, seed: u64) -> Session {
    let mut config = SessionConfig::new(
        MsrpUri::parse_str(local).expect("valid URI"),
        Path::parse_str(remote).expect("valid path"),
        Box::new(SeededIds::new(seed)),
    );
    config.chunk_size = 2048;
    config.piece_size = 2048;
    Session::new(config)
}

fn reassemble_1m(c: &mut Criterion) {
    #[allow(clippy::disallowed_methods)] // the one clock reading; sessions only compare it
    let now = std::time::Instant::now();
    let message = Bytes::from(body(1024 * 1024));
    let mut sender = session(FROM, TO, 1);
    sender
        .send_message(
            now,
            "application/octet-stream",
            message.clone(),
            SendOptions::new(),
        )
        .expect("queued");
    let mut wire = BytesMut::new();
    while let Some(bytes) = sender.poll_transmit() {
        wire.extend_from_slice(&bytes);
    }
    let wire = wire.freeze();
    let receive = |wire: &Bytes| {
        let mut receiver = session(TO, FROM, 2);
        let mut out = 0;
        let mut got = None;
        for read in wire.chunks(16 * 1024) {
            receiver.handle_bytes(now, read);
            while let Some(bytes) = receiver.poll_transmit() {
                out += bytes.len();
            }
            while let Some(event) = receiver.poll_event() {
                if let Event::Message { body, .. } = event {
                    got = Some(body);
                }
            }
        }
        (got, out)
    };
    // Preconditions: the message arrives whole and every chunk was answered.
    let (got, answered) = receive(&wire);
    assert_eq!(got.as_ref(), Some(&message));
    assert!(answered > 0);
    eprintln!(
        "msrp: reassemble-1m: {} bytes of frames, {} bytes of responses",
        wire.len(),
        answered
    );
    let mut group = c.benchmark_group("reassemble-1m");
    group.throughput(Throughput::Bytes(message.len() as u64));
    group.bench_function("simpleim/session", |b| b.iter(|| receive(black_box(&wire))));
    group.finish();
}

/// A relay with Alice (connection 1) and Bob (connection 2) authenticated; their URIs.
fn relay_pair() -> (Relay<u32>, String, String) {
    #[allow(clippy::disallowed_methods)] // the one clock reading; the relay only compares it
    let now = std::time::Instant::now();
    let creds = StaticCredentials::new().with_user("u", "p");
    let mut relay = Relay::new(RelayConfig::new(
        "relay.example.com",
        2855,
        Box::new(creds),
        Box::new(SeededIds::new(5)),
    ));
    let mut uris = Vec::new();
    for (conn, from) in [(1, FROM), (2, TO)] {
        relay.handle_connected(now, conn, Direction::Accepted);
        let auth = |authz: &str| {
            format!(
                "MSRP auth{conn} AUTH\r\nTo-Path: {RELAY}\r\nFrom-Path: {from}\r\n{authz}-------auth{conn}$\r\n"
            )
        };
        relay.handle_bytes(now, conn, auth("").as_bytes());
        let mut out = BytesMut::new();
        while let Some((_, b)) = relay.poll_transmit() {
            out.extend_from_slice(&b);
        }
        let f = simpleim::msrp::Frame::parse(out.freeze()).expect("a 401");
        let ch = DigestChallenge::parse(f.head.www_authenticate().expect("a challenge"))
            .expect("a Digest challenge");
        let c = DigestCredentials::answer(&ch, "u", "p", RELAY, 1, "cn");
        relay.handle_bytes(
            now,
            conn,
            auth(&format!("Authorization: {}\r\n", c.to_value())).as_bytes(),
        );
        let mut out = BytesMut::new();
        while let Some((_, b)) = relay.poll_transmit() {
            out.extend_from_slice(&b);
        }
        let f = simpleim::msrp::Frame::parse(out.freeze()).expect("a 200");
        let uri = std::str::from_utf8(f.head.use_path().expect("a Use-Path")).expect("text");
        uris.push(uri.to_owned());
        while relay.poll_event().is_some() {}
    }
    let bob = uris.pop().unwrap_or_default();
    let alice = uris.pop().unwrap_or_default();
    (relay, alice, bob)
}

const RELAY: &str = "msrp://relay.example.com:2855;tcp";

fn relay_1m(c: &mut Criterion) {
    #[allow(clippy::disallowed_methods)] // the one clock reading; the relay only compares it
    let now = std::time::Instant::now();
    let message = Bytes::from(body(1024 * 1024));
    let (_, alice, bob) = relay_pair();
    let wire_for = |chunk: u64| {
        let mut config = SessionConfig::new(
            MsrpUri::parse_str(FROM).expect("valid URI"),
            Path::parse_str(&format!("{alice} {bob} {TO}")).expect("valid path"),
            Box::new(SeededIds::new(1)),
        );
        config.chunk_size = chunk;
        config.piece_size = 16 * 1024;
        let mut sender = Session::new(config);
        sender
            .send_message(
                now,
                "application/octet-stream",
                message.clone(),
                SendOptions::new(),
            )
            .expect("queued");
        let mut wire = BytesMut::new();
        while let Some(bytes) = sender.poll_transmit() {
            wire.extend_from_slice(&bytes);
        }
        wire.freeze()
    };
    let run = |relay: &mut Relay<u32>, wire: &Bytes| {
        let (mut to_alice, mut to_bob) = (0usize, 0usize);
        for read in wire.chunks(16 * 1024) {
            relay.handle_bytes(now, 1, read);
            while let Some((conn, bytes)) = relay.poll_transmit() {
                if conn == 2 {
                    to_bob += bytes.len();
                } else {
                    to_alice += bytes.len();
                }
            }
        }
        (to_alice, to_bob)
    };
    let mut group = c.benchmark_group("relay-1m");
    group.throughput(Throughput::Bytes(message.len() as u64));
    for (name, chunk) in [
        ("simpleim/2k-chunks", 2048),
        ("simpleim/streamed", u64::MAX),
    ] {
        let wire = wire_for(chunk);
        // Preconditions: the whole body goes on to Bob, and Alice gets her per-hop 200s.
        let (to_alice, to_bob) = run(&mut relay_pair().0, &wire);
        assert!(
            to_bob > message.len() && to_alice > 0,
            "{to_alice} {to_bob}"
        );
        eprintln!(
            "msrp: relay-1m {name}: {} bytes in, {to_bob} to Bob, {to_alice} to Alice",
            wire.len()
        );
        group.bench_function(name, |b| {
            b.iter_batched(
                || relay_pair().0,
                |mut relay| run(&mut relay, black_box(&wire)),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, stream_64k, send_300, reassemble_1m, relay_1m);
criterion_main!(benches);
