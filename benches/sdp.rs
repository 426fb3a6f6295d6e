//! SDP parse and serialize benchmarks (issue 3): simpleim side by side with rtc-sdp (webrtc-rs)
//! and webrtc-sdp (Mozilla) on the same inputs.
//!
//! Inputs, one criterion group each (throughput in bytes of the input):
//! - `msrp-offer`: `tests/data/sdp/rfc4975-l2224-alice-offer.sdp`, the MSRP offer of RFC 4975
//!   §7.1 (`m=message 7777 TCP/MSRP *`, `a=accept-types`, `a=path`).
//! - `safari-offer`, `firefox-simulcast`, `jsep`: WebRTC offers read at run time from the
//!   shared corpus (`$SIMPLEIM_CORPUS/sdp/...`, else `<repo>/../shared/corpus/sdp/...`):
//!   `webrtc-rs/safari_offer.sdp`, `webrtc-rs/firefox_152_simulcast_offer.sdp` and
//!   `sdp-transform/jsep.sdp`. Each is skipped with a message when absent.
//!
//! Operations, bench ids `<parser>/<operation>`:
//! - `parse`: bytes to each crate's model. Theirs build the whole model eagerly; ours keeps
//!   the lines and parses typed values on access, so `simpleim/parse` also reads the version,
//!   origin, session connection, bandwidths and timings, every `m=` line, every media
//!   connection and bandwidth, and every attribute's name and value, session and media level.
//! - `serialize`: a model parsed beforehand, to text (theirs: a `String`; ours: `to_bytes()`,
//!   which copies the kept lines, a byte copy).
//! - `build` (msrp-offer only, ours only): the same offer from typed values with
//!   `SessionDescription::builder()`, written with `to_text()`: a formatting serializer like
//!   theirs. `build+parse` is `build()`, which also parses its text strictly.
//! - `parse-lines` (ours only, for reference): the parse without reading any typed value.
//!
//! Ours parses strictly when the input is strict RFC 8866 and leniently otherwise (the corpus
//! files with LF-only line ends); the run says which.
//!
//! ```text
//! cargo bench --bench sdp                    # simpleim alone
//! cargo bench --bench sdp --features peers   # side by side
//! ```
//!
//! Before a parser is timed on an input it must accept it and keep as many media sections as
//! ours (webrtc-sdp drops an `m=message` section with a warning); one that fails is reported
//! as "fails" and left out of the group, not timed on its error path. A peer that keeps fewer
//! attributes, or whose serialized output differs from the input, is reported but timed.

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
    // A heap buffer, as bytes read from a socket are.
    let mut inputs = vec![Input {
        name: "msrp-offer",
        bytes: Bytes::from(
            include_bytes!("../tests/data/sdp/rfc4975-l2224-alice-offer.sdp").to_vec(),
        ),
    }];

    let corpus = std::env::var_os("SIMPLEIM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    for (name, path) in [
        ("safari-offer", "sdp/webrtc-rs/safari_offer.sdp"),
        (
            "firefox-simulcast",
            "sdp/webrtc-rs/firefox_152_simulcast_offer.sdp",
        ),
        ("jsep", "sdp/sdp-transform/jsep.sdp"),
    ] {
        let path = corpus.join(path);
        match std::fs::read(&path) {
            Ok(bytes) => inputs.push(Input {
                name,
                bytes: Bytes::from(bytes),
            }),
            Err(e) => eprintln!(
                "sdp: skipping input {name}: cannot read {}: {e}",
                path.display()
            ),
        }
    }
    inputs
}

/// What a parse kept, compared across parsers before timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kept {
    /// Media sections.
    media: usize,
    /// `a=` lines, session and media level.
    attributes: usize,
}

/// The timed parse: what it kept, or the parser's error as text.
type Parse = Box<dyn Fn(&Bytes) -> Result<Kept, String>>;

/// Serializes a model parsed beforehand; returns the length written.
type Serialize = Box<dyn Fn() -> usize>;

/// The timed serialization of a model, with its output (for the report, untimed).
type Serialized = (Serialize, Vec<u8>);

/// A parser under test. `parser` makes its choices for an input (ours: strict or lenient) and
/// returns the timed parse; `serializer` parses the input once and returns the timed
/// serialization of that model, with its output (for the report, untimed).
struct Contender {
    name: &'static str,
    parser: fn(&Bytes) -> Parse,
    serializer: fn(&Bytes) -> Result<Serialized, String>,
}

fn contenders() -> Vec<Contender> {
    #[allow(unused_mut)] // only the `peers` feature pushes more
    let mut all = vec![Contender {
        name: "simpleim",
        parser: ours::parser,
        serializer: ours::serializer,
    }];
    #[cfg(feature = "peers")]
    all.extend(peers::contenders());
    all
}

/// Some peers' errors span lines: keep the report to one.
fn one_line(e: &str) -> String {
    let e: String = e.split_whitespace().collect::<Vec<_>>().join(" ");
    e.chars().take(160).collect()
}

fn sdp(c: &mut Criterion) {
    for input in inputs() {
        let mut group = c.benchmark_group(input.name);
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        if !ours::is_strict(&input.bytes) {
            eprintln!(
                "sdp: {}: not strict RFC 8866 (e.g. LF-only): simpleim parses it leniently",
                input.name
            );
        }
        // Ours keeps every line: what a peer keeps is compared with it.
        let mut reference: Option<Kept> = None;
        let mut accepted = Vec::new();
        for contender in contenders() {
            let id = format!("{}/parse", contender.name);
            let parse = (contender.parser)(&input.bytes);
            // Accepting the input, media sections and all, is a precondition of being timed.
            let kept = match parse(&input.bytes) {
                Ok(kept) => kept,
                Err(e) => {
                    eprintln!("sdp: {}: {id} fails: {}", input.name, one_line(&e));
                    continue;
                }
            };
            let reference = *reference.get_or_insert(kept);
            if kept.media != reference.media {
                eprintln!(
                    "sdp: {}: {id} fails: keeps {} of {} media sections",
                    input.name, kept.media, reference.media
                );
                continue;
            }
            if kept.attributes != reference.attributes {
                eprintln!(
                    "sdp: {}: {id}: keeps {} of {} attributes",
                    input.name, kept.attributes, reference.attributes
                );
            }
            group.bench_function(id, |b| b.iter(|| parse(black_box(&input.bytes))));
            accepted.push(contender);
        }
        for contender in accepted {
            let id = format!("{}/serialize", contender.name);
            match (contender.serializer)(&input.bytes) {
                Ok((serialize, output)) => {
                    if output != input.bytes {
                        eprintln!(
                            "sdp: {}: {id}: output differs from the input ({} bytes, input {})",
                            input.name,
                            output.len(),
                            input.bytes.len()
                        );
                    }
                    group.bench_function(id, |b| b.iter(|| black_box(serialize())));
                }
                Err(e) => eprintln!("sdp: {}: {id} fails: {}", input.name, one_line(&e)),
            }
        }
        ours::bench_lines(&mut group, &input.bytes);
        if input.name == "msrp-offer" {
            ours::bench_build(&mut group, &input.bytes);
        }
        group.finish();
    }
}

/// simpleim: `SessionDescription::parse` (strict) when the input is strict RFC 8866, else
/// `parse_with(.., &ParseOptions::lenient())`; the lines are kept over the caller's `Bytes` and
/// typed values are parsed on access.
mod ours {
    use std::hint::black_box;

    use bytes::Bytes;
    use criterion::BenchmarkGroup;

    use super::{Kept, Serialized};
    use criterion::measurement::WallTime;
    use simpleim::sdp::{
        Connection, Media, MediaBuilder, Origin, ParseOptions, SessionDescription,
    };

    pub(crate) fn is_strict(input: &Bytes) -> bool {
        SessionDescription::parse(input.clone()).is_ok()
    }

    fn options(input: &Bytes) -> ParseOptions {
        if is_strict(input) {
            ParseOptions::strict()
        } else {
            ParseOptions::lenient()
        }
    }

    fn parse_with(input: &Bytes, options: &ParseOptions) -> Result<SessionDescription, String> {
        // `Bytes::clone` is a reference count: the description slices the caller's buffer.
        SessionDescription::parse_with(input.clone(), options).map_err(|e| e.to_string())
    }

    /// Parses and reads what the peers' parsers materialize: every typed line and every
    /// attribute's name and value.
    fn parse_and_touch(input: &Bytes, options: &ParseOptions) -> Result<Kept, String> {
        let sd = parse_with(input, options)?;
        let e = |e: simpleim::sdp::ParseError| e.to_string();
        let mut n = sd.version().map_err(e)? as usize;
        let origin = sd.origin().map_err(e)?;
        n += origin.unicast_address.len();
        for c in sd.connections() {
            n += c.map_err(e)?.address.len();
        }
        for b in sd.bandwidths() {
            n += b.map_err(e)?.bandwidth as usize;
        }
        for t in sd.timings() {
            n += t.map_err(e)?.start as usize;
        }
        let mut attributes = 0;
        for a in sd.attributes() {
            n += a.name.len() + a.value.map_or(0, str::len);
            attributes += 1;
        }
        for m in sd.media() {
            let media = m.media().map_err(e)?;
            n += media.port as usize + media.formats.len();
            for c in m.connections() {
                n += c.map_err(e)?.address.len();
            }
            for b in m.bandwidths() {
                n += b.map_err(e)?.bandwidth as usize;
            }
            for a in m.attributes() {
                n += a.name.len() + a.value.map_or(0, str::len);
                attributes += 1;
            }
        }
        black_box(n);
        Ok(Kept {
            media: sd.media().len(),
            attributes,
        })
    }

    /// Strict or lenient is chosen once per input, outside the timing.
    pub(crate) fn parser(input: &Bytes) -> super::Parse {
        let options = options(input);
        Box::new(move |input| parse_and_touch(input, &options))
    }

    pub(crate) fn serializer(input: &Bytes) -> Result<Serialized, String> {
        let sd = parse_with(input, &options(input))?;
        let output = sd.to_bytes().to_vec();
        Ok((Box::new(move || sd.to_bytes().len()), output))
    }

    /// For reference, not compared: the parse alone, without reading typed values (how much of
    /// `simpleim/parse` is the line split and how much the typed views).
    pub(crate) fn bench_lines(group: &mut BenchmarkGroup<'_, WallTime>, input: &Bytes) {
        let options = options(input);
        if parse_with(input, &options).is_ok() {
            group.bench_function("simpleim/parse-lines", |b| {
                b.iter(|| parse_with(black_box(input), &options).map(|sd| sd.media().len()))
            });
        }
    }

    /// The RFC 4975 §7.1 offer from typed values.
    fn builder() -> simpleim::sdp::SessionBuilder {
        SessionDescription::builder()
            .origin(&Origin {
                username: "alice",
                session_id: 2_890_844_557,
                session_version: 2_890_844_559,
                net_type: "IN",
                addr_type: "IP4",
                unicast_address: "alicepc.example.com",
            })
            .session_name(" -")
            .connection(&Connection {
                net_type: "IN",
                addr_type: "IP4",
                address: "alicepc.example.com",
                ttl: None,
                count: None,
            })
            .media(
                MediaBuilder::new(&Media {
                    media: "message",
                    port: 7777,
                    port_count: None,
                    proto: "TCP/MSRP",
                    formats: "*",
                })
                .attribute("accept-types", Some("text/plain"))
                .attribute(
                    "path",
                    Some("msrp://alicepc.example.com:7777/iau39soe2843z;tcp"),
                ),
            )
    }

    pub(crate) fn bench_build(group: &mut BenchmarkGroup<'_, WallTime>, input: &Bytes) {
        // Building the offer must reproduce the input, byte for byte, to be timed.
        let text = builder().to_text();
        if text.as_bytes() != &input[..] {
            eprintln!("sdp: msrp-offer: simpleim/build fails: output differs from the input");
            return;
        }
        group.bench_function("simpleim/build", |b| {
            b.iter(|| black_box(builder()).to_text().len())
        });
        group.bench_function("simpleim/build+parse", |b| {
            b.iter(|| black_box(builder()).build().map(|sd| sd.media().len()))
        });
    }
}

/// The peers, each through its own public API.
#[cfg(feature = "peers")]
mod peers {
    use super::Contender;

    pub(super) fn contenders() -> Vec<Contender> {
        vec![
            Contender {
                name: "rtc-sdp",
                parser: |_| Box::new(rtc::parse),
                serializer: rtc::serializer,
            },
            Contender {
                name: "webrtc-sdp",
                parser: |_| Box::new(mozilla::parse),
                serializer: mozilla::serializer,
            },
        ]
    }

    /// rtc-sdp 0.21: `SessionDescription::unmarshal(&mut Cursor)` builds the whole model
    /// (owned `String`s, attributes as key/value pairs); `marshal()` writes it with `Display`.
    mod rtc {
        use std::io::Cursor;

        use bytes::Bytes;
        use rtc_sdp::SessionDescription;

        use crate::{Kept, Serialized};

        fn unmarshal(input: &Bytes) -> Result<SessionDescription, String> {
            SessionDescription::unmarshal(&mut Cursor::new(&input[..])).map_err(|e| e.to_string())
        }

        pub(crate) fn parse(input: &Bytes) -> Result<Kept, String> {
            let sd = unmarshal(input)?;
            let media = &sd.media_descriptions;
            Ok(Kept {
                media: media.len(),
                attributes: sd.attributes.len()
                    + media.iter().map(|m| m.attributes.len()).sum::<usize>(),
            })
        }

        pub(crate) fn serializer(input: &Bytes) -> Result<Serialized, String> {
            let sd = unmarshal(input)?;
            let output = sd.marshal().into_bytes();
            Ok((Box::new(move || sd.marshal().len()), output))
        }
    }

    /// webrtc-sdp 0.3: `parse_sdp(&str, false)` (warnings, such as unknown attributes, are
    /// dropped rather than fatal) builds typed lines and typed attributes; the `&str` comes from
    /// `str::from_utf8`, inside the timing. Serialization is `Display` (`to_string()`).
    mod mozilla {
        use bytes::Bytes;
        use webrtc_sdp::{SdpSession, parse_sdp};

        use crate::{Kept, Serialized};

        fn session(input: &Bytes) -> Result<SdpSession, String> {
            let text = std::str::from_utf8(input).map_err(|e| e.to_string())?;
            parse_sdp(text, false).map_err(|e| e.to_string())
        }

        pub(crate) fn parse(input: &Bytes) -> Result<Kept, String> {
            let sd = session(input)?;
            Ok(Kept {
                media: sd.media.len(),
                attributes: sd.attribute.len()
                    + sd.media
                        .iter()
                        .map(|m| m.get_attributes().len())
                        .sum::<usize>(),
            })
        }

        pub(crate) fn serializer(input: &Bytes) -> Result<Serialized, String> {
            let sd = session(input)?;
            let output = sd.to_string().into_bytes();
            Ok((Box::new(move || sd.to_string().len()), output))
        }
    }
}

criterion_group!(benches, sdp);
criterion_main!(benches);
