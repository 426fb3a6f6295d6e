//! Shared glue of the MSRP integration tests: decoding helpers and the extraction of MSRP
//! examples from the IETF draft texts of the external corpus.
#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use simpleim_msrp::{Decoded, Decoder, Flag, Frame, Limits, ParseError};

/// A frame reassembled from whatever the decoder yielded: head bytes, body, flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Whole {
    pub(crate) head: Bytes,
    pub(crate) body: Vec<u8>,
    pub(crate) flag: Flag,
    /// The re-encoded frame.
    pub(crate) wire: Vec<u8>,
}

/// Decodes `chunks` in order with one decoder, draining after each push, and reassembles the
/// frames (collected or streamed).
pub(crate) fn decode_chunks(chunks: &[&[u8]], limits: Limits) -> Result<Vec<Whole>, ParseError> {
    let mut d = Decoder::new(limits);
    let mut out = Vec::new();
    let mut cur: Option<(simpleim_msrp::FrameHead, Vec<u8>)> = None;
    for c in chunks {
        d.push(c);
        while let Some(item) = d.poll()? {
            match item {
                Decoded::Frame(f) => out.push(whole(&f)),
                Decoded::Head(h) => {
                    assert!(cur.is_none(), "a head while a body is open");
                    cur = Some((h, Vec::new()));
                }
                Decoded::Body(p) => {
                    let (_, body) = cur.as_mut().expect("body without head");
                    body.extend_from_slice(&p.data);
                    assert_eq!(p.last, p.flag.is_some());
                    if let Some(flag) = p.flag {
                        let (head, body) = cur.take().unwrap();
                        let mut wire = BytesMut::new();
                        head.encode(&mut wire);
                        wire.extend_from_slice(&body);
                        head.write_end_line(&mut wire, flag);
                        out.push(Whole {
                            head: head.as_bytes().clone(),
                            body,
                            flag,
                            wire: wire.to_vec(),
                        });
                    }
                }
            }
        }
    }
    assert!(cur.is_none(), "input ended inside a streamed body");
    assert!(d.at_boundary(), "input ended inside a frame");
    Ok(out)
}

pub(crate) fn whole(f: &Frame) -> Whole {
    let mut wire = BytesMut::new();
    f.encode(&mut wire);
    Whole {
        head: f.head.as_bytes().clone(),
        body: f.body.to_vec(),
        flag: f.flag,
        wire: wire.to_vec(),
    }
}

/// Decodes `wire` whole, then split at every byte with three collect limits (whole bodies,
/// tiny, always streaming), and checks that every way gives the same frames and that they
/// re-encode to `wire` exactly. Returns the frames.
pub(crate) fn check_stream(wire: &[u8]) -> Vec<Frame> {
    let frames = {
        let mut d = Decoder::new(Limits::default());
        d.push(wire);
        let mut v = Vec::new();
        while let Some(item) = d.poll().unwrap_or_else(|e| panic!("{e}: {}", show(wire))) {
            match item {
                Decoded::Frame(f) => v.push(f),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(d.at_boundary(), "trailing bytes in {}", show(wire));
        v
    };
    let mut re = Vec::new();
    for f in &frames {
        re.extend_from_slice(&whole(f).wire);
    }
    assert_eq!(show(&re), show(wire), "re-encoding differs");
    let reference: Vec<Whole> = frames.iter().map(whole).collect();
    for collect in [0, 3, usize::MAX] {
        let limits = Limits {
            max_collect_bytes: collect,
            ..Limits::default()
        };
        for cut in 0..=wire.len() {
            let got = decode_chunks(&[&wire[..cut], &wire[cut..]], limits).unwrap();
            assert_eq!(got.len(), reference.len(), "cut {cut} collect {collect}");
            for (g, r) in got.iter().zip(&reference) {
                assert_eq!(g.wire, r.wire, "cut {cut} collect {collect}");
                assert_eq!((&g.body, g.flag), (&r.body, r.flag));
            }
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        let got = decode_chunks(&bytes, limits).unwrap();
        assert_eq!(got.len(), reference.len());
    }
    frames
}

pub(crate) fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An MSRP frame found in a draft text.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    /// 1-based line of the start line in the text.
    pub(crate) line: usize,
    pub(crate) tid: String,
    /// The frame as it goes on the wire: indentation stripped, continuation lines joined,
    /// CRLF line ends.
    pub(crate) wire: Vec<u8>,
}

/// What [`extract`] found.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    pub(crate) frames: Vec<Example>,
    /// Lines of start lines whose end-line never came (a defect of the draft's figure).
    pub(crate) unterminated: Vec<usize>,
}

/// True for a page footer, `Campbell, et al.   Expires ...   [Page 9]`.
fn is_footer(line: &str) -> bool {
    !line.starts_with(' ') && line.trim_end().ends_with(']') && line.contains("[Page ")
}

/// The text without page breaks: each footer, form feed and running header goes, with the
/// blank lines that pad the page before it and follow the header after it (figures in the
/// drafts continue across pages as if the break were not there).
fn without_page_breaks(text: &str) -> Vec<(usize, &str)> {
    let mut out: Vec<(usize, &str)> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if is_footer(line) {
            while out.last().is_some_and(|(_, l)| l.trim().is_empty()) {
                out.pop();
            }
            while let Some(&(_, next)) = lines.peek() {
                let n = next.trim_start_matches('\u{c}');
                if n.trim().is_empty() || n.starts_with("Internet-Draft") {
                    lines.next();
                } else {
                    break;
                }
            }
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// `MSRP <tid> <METHOD>` or `MSRP <tid> <3DIGIT>[ comment]`, indented.
fn start_line(line: &str) -> Option<(usize, String)> {
    let indent = line.len() - line.trim_start().len();
    let mut words = line.trim().splitn(3, ' ');
    if words.next() != Some("MSRP") {
        return None;
    }
    let tid = words.next()?;
    let rest = words.next()?;
    let ident = tid.len() >= 4
        && tid.len() <= 32
        && tid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-+%=".contains(&b));
    let method = rest.bytes().all(|b| b.is_ascii_uppercase());
    let status = rest.len() >= 3
        && rest.as_bytes()[..3].iter().all(u8::is_ascii_digit)
        && (rest.len() == 3 || rest.as_bytes()[3] == b' ');
    (ident && (method || status)).then(|| (indent, tid.to_owned()))
}

/// Extracts the MSRP frames of a draft text: from each start line to the end-line with its
/// transaction id. Indentation (the start line's) is stripped; in the header section a more
/// indented line continues the one before (the drafts' `\` continuations, and lines the relay
/// draft wraps without a `\`): the `\` and the leading blanks go; without a `\` one space
/// joins the parts.
pub(crate) fn extract(text: &str) -> Extracted {
    let lines = without_page_breaks(text);
    let mut found = Extracted::default();
    let mut i = 0;
    while i < lines.len() {
        let (no, line) = lines[i];
        i += 1;
        let Some((indent, tid)) = start_line(line) else {
            continue;
        };
        let mut out: Vec<String> = vec![line.trim().to_owned()];
        let mut in_body = false;
        let mut done = false;
        while i < lines.len() {
            let (_, l) = lines[i];
            if start_line(l).is_some() {
                break;
            }
            i += 1;
            let lead = l.len() - l.trim_start().len();
            let stripped = if lead >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            };
            let t = l.trim();
            if t.starts_with("-------") && t.len() == 8 + tid.len() && t[7..].starts_with(&tid) {
                out.push(t.to_owned());
                done = true;
                break;
            }
            if in_body {
                out.push(stripped.trim_end().to_owned());
            } else if t.is_empty() {
                in_body = true;
                out.push(String::new());
            } else if lead > indent {
                let prev = out.last_mut().expect("a start line");
                let prev_trimmed = prev.trim_end();
                if let Some(p) = prev_trimmed.strip_suffix('\\') {
                    *prev = p.to_owned();
                } else {
                    prev.push(' ');
                }
                // A `\` at its end is handled by the next continuation line.
                prev.push_str(t);
            } else {
                out.push(stripped.trim_end().to_owned());
            }
        }
        if done {
            let mut wire = out.join("\r\n").into_bytes();
            wire.extend_from_slice(b"\r\n");
            found.frames.push(Example {
                line: no,
                tid,
                wire,
            });
        } else {
            found.unterminated.push(no);
        }
    }
    found
}
