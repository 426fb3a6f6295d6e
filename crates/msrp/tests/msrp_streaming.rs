//! Large bodies stream through the decoder in bounded memory (REQ: MSRP-2, RFC 4975 §5.1:
//! chunks of any size).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test helpers fail the test by panicking"
)]

use simpleim_msrp::{Decoded, Decoder, Flag, Limits};

/// Pseudo-random bytes with end-line look-alikes sprinkled in (xorshift; no RNG crate needed).
fn block(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 97 == 0 {
            out.extend_from_slice(b"\r\n-------bigbody1");
        } else {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out.truncate(len);
    out
}

const HEAD: &[u8] = b"MSRP bigbody0 SEND\r\n\
To-Path: msrp://b.example.com:9/s;tcp\r\n\
From-Path: msrp://a.example.com:9/s;tcp\r\n\
Message-ID: big1\r\n\
Byte-Range: 1-*/*\r\n\
Content-Type: application/octet-stream\r\n\r\n";
const END: &[u8] = b"\r\n-------bigbody0$\r\n";

/// Feeds HEAD, `blocks` and END in reads of `read` bytes, draining after each read, and
/// returns (body length, a checksum of the body, the most bytes the decoder held after a
/// drain, the flag).
fn run(
    limits: Limits,
    blocks: impl Iterator<Item = Vec<u8>>,
    read: usize,
) -> (u64, u64, usize, Flag) {
    let mut d = Decoder::new(limits);
    let (mut len, mut sum, mut most, mut flag, mut heads) = (0u64, 0u64, 0usize, None, 0);
    let mut feed = |d: &mut Decoder, data: &[u8]| {
        for piece in data.chunks(read) {
            d.push(piece);
            while let Some(item) = d.poll().unwrap() {
                match item {
                    Decoded::Head(h) => {
                        assert_eq!(h.as_bytes().as_ref(), HEAD);
                        heads += 1;
                    }
                    Decoded::Body(p) => {
                        len += p.data.len() as u64;
                        sum = p
                            .data
                            .iter()
                            .fold(sum, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)));
                        if p.last {
                            flag = p.flag;
                        }
                    }
                    Decoded::Frame(_) => panic!("a big body streams"),
                }
            }
            most = most.max(d.buffered());
        }
    };
    feed(&mut d, HEAD);
    for b in blocks {
        feed(&mut d, &b);
    }
    feed(&mut d, END);
    assert_eq!(heads, 1);
    assert!(d.at_boundary());
    (len, sum, most, flag.expect("the body ended"))
}

fn checksum(blocks: &[Vec<u8>]) -> u64 {
    blocks
        .iter()
        .flatten()
        .fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(u64::from(b)))
}

#[test]
fn megabytes_stream_in_bounded_memory() {
    // REQ: MSRP-2
    let blocks: Vec<Vec<u8>> = (0..48).map(|i| block(i + 1, 100_003)).collect();
    let total: usize = blocks.iter().map(Vec::len).sum();
    for (read, collect) in [(65_536, 65_536), (1_000, 0), (4_093, 10_000)] {
        let limits = Limits {
            max_collect_bytes: collect,
            ..Limits::default()
        };
        let (len, sum, most, flag) = run(limits, blocks.iter().cloned(), read);
        assert_eq!(len, total as u64);
        assert_eq!(sum, checksum(&blocks));
        assert_eq!(flag, Flag::Complete);
        // Head, what may still come whole, one read, and a possible split end-line.
        let bound = HEAD.len() + collect + read + 43;
        assert!(
            most <= bound,
            "held {most} bytes, bound {bound} (read {read})"
        );
    }
}

/// 10 GB through the decoder: run with `cargo test --release -p simpleim-msrp --test
/// msrp_streaming -- --ignored` (minutes in a debug build).
#[test]
#[ignore = "10 GB: run in release"]
fn ten_gigabytes_stream_in_bounded_memory() {
    // REQ: MSRP-2
    let one = block(7, 1 << 20);
    let n = 10 * 1024;
    let (len, _, most, flag) = run(Limits::default(), std::iter::repeat_n(one, n), 1 << 20);
    assert_eq!(len, (n as u64) << 20);
    assert_eq!(flag, Flag::Complete);
    assert!(
        most <= HEAD.len() + (64 << 10) + (1 << 20) + 43,
        "held {most}"
    );
}
