//! Properties of SIP parsing and framing over generated messages (REQ: SIP-1, SEC-2).

use bytes::Bytes;
use proptest::prelude::*;
use simpleim::sip::{HeaderName, Limits, Message, Method, Request, StreamDecoder};
use simpleim_test_support::strategies::{extension_header_name, header_value, sip_message};

/// Decodes everything in `chunks` with one decoder, draining after every push.
fn decode_chunks(chunks: &[&[u8]]) -> Vec<Message> {
    let mut d = StreamDecoder::new(Limits::default());
    let mut out = Vec::new();
    for c in chunks {
        d.push(c);
        while let Some(m) = d.decode().expect("generated input is well-formed") {
            out.push(m);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A parsed message re-emits exactly its bytes, and parsing those bytes gives the same
    /// message: parse(encode(m)) == m.
    #[test]
    fn parse_encode_round_trip(wire in sip_message()) {
        let m = Message::parse_datagram(Bytes::from(wire.clone())).unwrap();
        prop_assert_eq!(m.as_bytes().as_ref(), &wire[..]);
        let mut out = bytes::BytesMut::new();
        m.encode(&mut out);
        let again = Message::parse_datagram(out.freeze()).unwrap();
        prop_assert_eq!(again, m);
    }

    /// Splitting a stream of messages (with keep-alive CRLFs between them) at any points
    /// yields the same messages as decoding it in one piece.
    #[test]
    fn split_anywhere_yields_the_same_messages(
        msgs in prop::collection::vec(sip_message(), 1..4),
        keepalives in prop::collection::vec(0usize..3, 4),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut stream = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            stream.extend(std::iter::repeat_n(b"\r\n", keepalives[i]).flatten());
            stream.extend_from_slice(m);
        }
        let whole = decode_chunks(&[&stream]);
        prop_assert_eq!(whole.len(), msgs.len());
        for (m, wire) in whole.iter().zip(&msgs) {
            prop_assert_eq!(m.as_bytes().as_ref(), &wire[..]);
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut prev = 0;
        for p in points {
            chunks.push(&stream[prev..p]);
            prev = p;
        }
        chunks.push(&stream[prev..]);
        prop_assert_eq!(decode_chunks(&chunks), whole);
    }

    /// What the builder writes parses back to the headers and body it was given, in order.
    #[test]
    fn built_requests_parse_back(
        headers in prop::collection::vec((extension_header_name(), header_value()), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..128),
    ) {
        let mut b = Request::builder(Method::Message, "sip:bob@example.com")
            .header(HeaderName::CSeq, "1 MESSAGE");
        for (n, v) in &headers {
            b = b.header_named(n, v);
        }
        let r = b.body("application/octet-stream", body.clone()).build().unwrap();
        let again = Message::parse_datagram(r.as_bytes().clone()).unwrap();
        let got: Vec<(String, Vec<u8>)> = again
            .headers()
            .iter()
            .filter(|f| f.name() == HeaderName::Other)
            .map(|f| (f.name_as_written().to_owned(), f.value().to_vec()))
            .collect();
        let want: Vec<(String, Vec<u8>)> =
            headers.iter().map(|(n, v)| (n.clone(), v.as_bytes().to_vec())).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(again.body(), Bytes::from(body));
    }

    /// Arbitrary bytes never panic the parser or the decoder, and the decoder never holds
    /// more than the head limit while waiting for a head.
    #[test]
    fn arbitrary_bytes_are_handled(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Message::parse_datagram(Bytes::from(data.clone()));
        let limits = Limits { max_head_bytes: 256, ..Limits::default() };
        let mut d = StreamDecoder::new(limits);
        for c in data.chunks(7) {
            d.push(c);
            while let Ok(Some(_)) = d.decode() {}
        }
    }
}

/// Feeding a message one byte at a time costs O(n) in total: the decoder's own work counter
/// stays within a small multiple of the input however it is split. (A rescan from the start
/// on every push would make it grow with the square of the size.)
#[test]
fn byte_at_a_time_is_linear() {
    // REQ: SIP-1, SEC-2
    let mut wire = b"MESSAGE sip:bob@example.com SIP/2.0\r\n".to_vec();
    for i in 0..200 {
        wire.extend_from_slice(
            format!("X-Header-{i}: a somewhat longer value, number {i}\r\n").as_bytes(),
        );
    }
    let body = vec![b'x'; 200_000];
    wire.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    wire.extend_from_slice(&body);
    let mut d = StreamDecoder::new(Limits::default());
    let mut got = 0;
    for b in &wire {
        d.push(std::slice::from_ref(b));
        while let Some(m) = d.decode().unwrap() {
            assert_eq!(m.body().len(), body.len());
            got += 1;
        }
    }
    assert_eq!(got, 1);
    let n = wire.len() as u64;
    assert!(d.work() <= 6 * n, "work {} for {} bytes", d.work(), n);
}
