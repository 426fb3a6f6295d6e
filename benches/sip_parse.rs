//! SIP parse benchmarks: simpleim side by side with other Rust SIP crates.
//!
//! Inputs, one criterion group each (throughput in bytes of the message):
//! - `invite-msrp`: `tests/data/invite-msrp.sip`, a ~600-byte INVITE from an IM client to a chat
//!   room carrying an MSRP SDP offer: the common case.
//! - `wsinv`: RFC 4475 §3.1.1.1 "wsinv", the whitespace torture test, read at run time from the
//!   shared corpus (`$SIMPLEIM_CORPUS/sip-torture/wsinv.dat`, else
//!   `<repo>/../shared/corpus/sip-torture/wsinv.dat`); skipped with a message when absent.
//!
//! Two levels of work per parser:
//! - `a`: framing plus header index: find the start line, the header fields and the body.
//! - `b`: `a`, then typed From, To, Via (top), CSeq, Call-ID and Contact (first).
//!
//! Bench ids are `<parser>/<level>`: `simpleim/a`, `rsip/b`, ... The peers (rsip, rsipstack,
//! ezk-sip-types) are compiled only with `--features peers`:
//!
//! ```text
//! cargo bench --bench sip_parse                    # simpleim alone
//! cargo bench --bench sip_parse --features peers   # side by side
//! ```
//!
//! Before a parser is benchmarked on an input it must accept that input at the level measured;
//! one that rejects it is reported as "fails" and left out of the group, not timed on its error
//! path.

use std::hint::black_box;
use std::path::PathBuf;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// One benchmark input.
struct Input {
    name: &'static str,
    bytes: Bytes,
}

fn inputs() -> Vec<Input> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // A heap buffer, as bytes read from a socket are: slicing it costs a reference count,
    // which a `Bytes::from_static` input would hide.
    let mut inputs = vec![Input {
        name: "invite-msrp",
        bytes: Bytes::from(include_bytes!("../tests/data/invite-msrp.sip").to_vec()),
    }];

    let corpus = std::env::var_os("SIMPLEIM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let wsinv = corpus.join("sip-torture/wsinv.dat");
    match std::fs::read(&wsinv) {
        Ok(bytes) => inputs.push(Input {
            name: "wsinv",
            bytes: Bytes::from(bytes),
        }),
        Err(e) => eprintln!(
            "sip_parse: skipping input wsinv: cannot read {}: {e}",
            wsinv.display()
        ),
    }
    inputs
}

/// A parser under test: its name and its two levels of work. Each returns a value that depends
/// on all the work done (so that none of it is optimised away) or the parser's error as text.
struct Contender {
    name: &'static str,
    a: fn(&Bytes) -> Result<usize, String>,
    b: fn(&Bytes) -> Result<usize, String>,
}

fn contenders() -> Vec<Contender> {
    #[allow(unused_mut)] // only the `peers` feature pushes more
    let mut all = vec![Contender {
        name: "simpleim",
        a: ours::a,
        b: ours::b,
    }];
    #[cfg(feature = "peers")]
    all.extend(peers::contenders());
    all
}

fn sip_parse(c: &mut Criterion) {
    for input in inputs() {
        let mut group = c.benchmark_group(input.name);
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        for contender in contenders() {
            for (level, run) in [("a", contender.a), ("b", contender.b)] {
                let id = format!("{}/{level}", contender.name);
                // Accepting the input is a precondition of being timed on it.
                if let Err(e) = run(&input.bytes) {
                    // Some peers' errors span lines (nom traces): keep the report to one.
                    let e: String = e.split_whitespace().collect::<Vec<_>>().join(" ");
                    let e: String = e.chars().take(160).collect();
                    eprintln!("sip_parse: {}: {id} fails: {e}", input.name);
                    continue;
                }
                group.bench_function(id, |bench| bench.iter(|| run(black_box(&input.bytes))));
            }
        }
        group.finish();
    }
}

/// simpleim: `Message::parse_datagram` builds the owned message (framing and header index over
/// the caller's `Bytes`); typed headers are parsed on access with `Headers::typed`, which
/// parses the first value (the top Via, the first Contact).
mod ours {
    use bytes::Bytes;
    use simpleim::sip::header::{CSeq, CallId, Contact, From, To, TypedHeader, Via};
    use simpleim::sip::{Headers, Message};

    fn parse(input: &Bytes) -> Result<Message, String> {
        // `Bytes::clone` is a reference count: the message slices the caller's buffer.
        Message::parse_datagram(input.clone()).map_err(|e| e.to_string())
    }

    fn typed<T: TypedHeader>(headers: &Headers, name: &str) -> Result<T, String> {
        match headers.typed::<T>() {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) => Err(format!("{name}: {e}")),
            None => Err(format!("{name}: missing")),
        }
    }

    pub(crate) fn a(input: &Bytes) -> Result<usize, String> {
        let msg = parse(input)?;
        Ok(msg.headers().len() + msg.body().len())
    }

    pub(crate) fn b(input: &Bytes) -> Result<usize, String> {
        let msg = parse(input)?;
        let h = msg.headers();
        let from = typed::<From>(h, "From")?;
        let to = typed::<To>(h, "To")?;
        let via = typed::<Via>(h, "Via")?;
        let cseq = typed::<CSeq>(h, "CSeq")?;
        let call_id = typed::<CallId>(h, "Call-ID")?;
        let contact = typed::<Contact>(h, "Contact")?;
        std::hint::black_box((&from, &to, &via, &cseq, &call_id, &contact));
        Ok(h.len())
    }
}

/// The peers, each through its own public API, doing the closest equivalent of `a` and `b`.
#[cfg(feature = "peers")]
mod peers {
    use super::Contender;

    pub(super) fn contenders() -> Vec<Contender> {
        vec![
            Contender {
                name: "rsip",
                a: rsip_peer::a,
                b: rsip_peer::b,
            },
            Contender {
                name: "rsipstack",
                a: rsipstack_peer::a,
                b: rsipstack_peer::b,
            },
            Contender {
                name: "ezk-sip-types",
                a: ezk_peer::a,
                b: ezk_peer::b,
            },
        ]
    }

    /// Level b for rsip and rsipstack: the two crates have different types but the same
    /// accessor names, so one body serves both (`parse` is each module's own).
    macro_rules! rsip_like_level_b {
        () => {
            pub(crate) fn b(input: &Bytes) -> Result<usize, String> {
                let msg = parse(input)?;
                let from = msg.from_header().and_then(|h| h.typed());
                let to = msg.to_header().and_then(|h| h.typed());
                let via = msg.via_header().and_then(|h| h.typed());
                let cseq = msg.cseq_header().and_then(|h| h.typed());
                // Call-ID has no structure beyond its value.
                let call_id = msg.call_id_header().map(|h| h.value().len());
                let contact = msg.contact_header().and_then(|h| h.typed());
                let from = from.map_err(|e| format!("From: {e}"))?;
                let to = to.map_err(|e| format!("To: {e}"))?;
                let via = via.map_err(|e| format!("Via: {e}"))?;
                let cseq = cseq.map_err(|e| format!("CSeq: {e}"))?;
                let call_id = call_id.map_err(|e| format!("Call-ID: {e}"))?;
                let contact = contact.map_err(|e| format!("Contact: {e}"))?;
                std::hint::black_box((&from, &to, &via, &cseq, &contact));
                Ok(call_id + usize::try_from(cseq.seq).unwrap_or(0))
            }
        };
    }

    /// rsip 0.4: `SipMessage::try_from(&[u8])` (nom) parses the start line and splits the header
    /// block into a `Vec<Header>` of untyped, owned `String` values (its header index); typed
    /// headers come from `HeadersExt::*_header()` then `ToTypedHeader::typed()`.
    mod rsip_peer {
        use bytes::Bytes;
        use rsip::prelude::*;

        fn parse(input: &Bytes) -> Result<rsip::SipMessage, String> {
            rsip::SipMessage::try_from(&input[..]).map_err(|e| e.to_string())
        }

        pub(crate) fn a(input: &Bytes) -> Result<usize, String> {
            let msg = parse(input)?;
            Ok(msg.headers().iter().count() + msg.body().len())
        }

        rsip_like_level_b!();
    }

    /// rsipstack 0.7 carries its own SIP types (`rsipstack::sip`, an rsip fork) with a
    /// hand-written message parser (`sip::parser::parse_message`, behind
    /// `SipMessage::try_from(&[u8])`): lines split on CRLF, folds joined, each header stored as
    /// an owned `String`. Typed headers as in rsip.
    mod rsipstack_peer {
        use bytes::Bytes;
        use rsipstack::sip::prelude::*;

        fn parse(input: &Bytes) -> Result<rsipstack::sip::SipMessage, String> {
            rsipstack::sip::SipMessage::try_from(&input[..]).map_err(|e| e.to_string())
        }

        pub(crate) fn a(input: &Bytes) -> Result<usize, String> {
            let msg = parse(input)?;
            let body = match &msg {
                rsipstack::sip::SipMessage::Request(r) => r.body().len(),
                rsipstack::sip::SipMessage::Response(r) => r.body().len(),
            };
            Ok(msg.headers().iter().count() + body)
        }

        rsip_like_level_b!();
    }

    /// ezk-sip-types 0.6 has no one-call message parser: its stack (ezk-sip-core) frames with
    /// `msg::PullParser` (lines, folds kept), parses the start line with `MessageLine`, and
    /// indexes each `name: value` with `msg::Line` into `Headers` (values are `BytesStr` slices of
    /// the input). This does the same, then slices the body by Content-Length. Typed headers
    /// are decoded from the index on demand with `Headers::get`/`get_named`.
    mod ezk_peer {
        use bytes::Bytes;
        use ezk_sip_types::Headers;
        use ezk_sip_types::Name;
        use ezk_sip_types::header::typed::{CSeq, CallID, Contact, ContentLength, FromTo, Via};
        use ezk_sip_types::msg::{Line, MessageLine, PullParser};
        use ezk_sip_types::parse::Parse;

        pub(crate) struct Parsed {
            pub(crate) line: MessageLine,
            pub(crate) headers: Headers,
            pub(crate) body: Bytes,
        }

        pub(crate) fn parse(input: &Bytes) -> Result<Parsed, String> {
            let mut lines = PullParser::new(input, 0);
            let mut start = None;
            let mut headers = Headers::new();
            for line in &mut lines {
                let line = line.map_err(|_| "incomplete message head".to_owned())?;
                let line = std::str::from_utf8(line).map_err(|e| e.to_string())?;
                if start.is_none() {
                    let (_, parsed) = MessageLine::parse(input)(line)
                        .map_err(|e| format!("start line: {e:?}"))?;
                    start = Some(parsed);
                } else {
                    let (_, field) =
                        Line::parse(input, line).map_err(|e| format!("header line: {e:?}"))?;
                    headers.insert(field.name, field.value);
                }
            }
            let head_end = lines.head_end();
            let body = match headers.get_named::<ContentLength>() {
                Ok(ContentLength(0)) => Bytes::new(),
                Ok(ContentLength(len)) => {
                    if input.len() < head_end + len {
                        return Err("body shorter than Content-Length".into());
                    }
                    input.slice(head_end..head_end + len)
                }
                // Over UDP a missing Content-Length means "the rest of the datagram".
                Err(_) => input.slice(head_end..),
            };
            Ok(Parsed {
                line: start.ok_or("no start line")?,
                headers,
                body,
            })
        }

        pub(crate) fn a(input: &Bytes) -> Result<usize, String> {
            let msg = parse(input)?;
            std::hint::black_box(&msg.line);
            Ok(msg.headers.iter().count() + msg.body.len())
        }

        pub(crate) fn b(input: &Bytes) -> Result<usize, String> {
            let msg = parse(input)?;
            let h = &msg.headers;
            let from = h
                .get::<FromTo>(Name::FROM)
                .map_err(|e| format!("From: {e}"))?;
            let to = h.get::<FromTo>(Name::TO).map_err(|e| format!("To: {e}"))?;
            let via = h.get_named::<Via>().map_err(|e| format!("Via: {e}"))?;
            let cseq = h.get_named::<CSeq>().map_err(|e| format!("CSeq: {e}"))?;
            let call_id = h
                .get_named::<CallID>()
                .map_err(|e| format!("Call-ID: {e}"))?;
            let contact = h
                .get_named::<Contact>()
                .map_err(|e| format!("Contact: {e}"))?;
            std::hint::black_box((&from, &to, &via, &cseq, &contact));
            Ok(call_id.0.len() + usize::try_from(cseq.cseq).unwrap_or(0))
        }
    }
}

criterion_group!(benches, sip_parse);
criterion_main!(benches);
