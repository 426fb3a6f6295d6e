//! An independent dissector for what we put on the wire: `tshark`, reading raw bytes wrapped
//! in fake TCP packets by `text2pcap` (no traffic is sent) or a live loopback capture.
//! `.ci/run` installs the tools; elsewhere tests skip when they are absent, but with `CI=true`
//! a missing tool is a failure.
//!
//! - One message: [`dissect`] (one packet) and [`assert_no_expert_problems`].
//! - A whole session: [`Capture`] on `lo`, or [`synthesize`]d packets; [`fields`] and
//!   [`expert_problems`] of each packet; the TCP streams of a capture
//!   ([`captured_streams`]); SIP per direction as tshark reads it against what was sent
//!   ([`dissect_sip`], [`sip_summary`]); each MSRP frame dissected alone against our decoder
//!   ([`check_msrp_direction`], [`MsrpFields`]).
#![allow(
    clippy::disallowed_methods,
    clippy::indexing_slicing,
    clippy::print_stderr,
    reason = "the tests' host reads the clock to bound its waits and says why it falls back; \
              tshark prints as many fields per row as it is asked for"
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_msrp::{Flag, Frame, FrameHead};
use simpleim_sip::{HeaderName, Limits, Message, StreamDecoder};

use crate::loopback::msrp_frames;
use crate::process::ProcessGroup;

/// Whether `tshark` and `text2pcap` (Debian package tshark) are here; false, with a note,
/// tells the test to skip: [`crate::process::peer`].
///
/// # Panics
/// When they are missing and `CI=true`.
#[must_use]
pub fn tools_present() -> bool {
    crate::process::peer("tshark", "tshark").is_some()
        && crate::process::peer("text2pcap", "tshark").is_some()
}

/// The dissection of `wire` sent in one TCP segment on `port`, decoded as `proto` (`sip`,
/// `msrp`): the requested fields of the first packet (one string per field, occurrences joined
/// with ',') and the expert-info report.
///
/// # Panics
/// When a tool fails to run.
#[must_use]
pub fn dissect(proto: &str, port: u16, wire: &[u8], fields: &[&str]) -> (Vec<String>, String) {
    let dir = std::env::temp_dir().join(format!(
        "simpleim-tshark-{}-{}-{}",
        std::process::id(),
        proto,
        wire.len()
    ));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let pcap = synthesize(&dir, &[wire], (port, port));
    let decode_as = [format!("tcp.port=={port},{proto}")];
    let values = run_fields(&pcap, &decode_as, "", fields, ',')
        .into_iter()
        .next()
        .unwrap_or_else(|| vec![String::new()]);
    let expert = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-d", &decode_as[0], "-q", "-z", "expert"])
        .output()
        .expect("run tshark");
    let _ = std::fs::remove_dir_all(&dir);
    (values, String::from_utf8_lossy(&expert.stdout).into_owned())
}

/// Fails when the expert-info report names a problem (tshark prints severity groups; a clean
/// report has none of these words).
///
/// # Panics
/// When it does.
pub fn assert_no_expert_problems(expert: &str, what: &str) {
    for bad in ["Malformed", "Error", "Warning"] {
        assert!(
            !expert.contains(bad),
            "{what}: tshark expert info reports a problem:\n{expert}"
        );
    }
}

/// One direction of one TCP connection: (source port, destination port).
pub type Direction = (u16, u16);

/// A live capture: tshark writing the loopback packets of some TCP ports to a file.
#[derive(Debug)]
pub struct Capture {
    tshark: ProcessGroup,
    file: PathBuf,
}

impl Capture {
    /// Starts capturing the TCP `ports` on `lo` into `dir/session.pcap` and waits until tshark
    /// says `Capture started` (its `Capturing on` comes about a second before dumpcap really
    /// captures); `None` (with the reason printed) when it cannot capture here (no
    /// CAP_NET_RAW, say).
    ///
    /// # Panics
    /// When tshark cannot be run.
    #[must_use]
    pub fn start(dir: &Path, ports: &[u16]) -> Option<Self> {
        let file = dir.join("session.pcap");
        let said = dir.join("tshark-capture.log");
        let filter = ports
            .iter()
            .map(|p| format!("tcp port {p}"))
            .collect::<Vec<_>>()
            .join(" or ");
        let mut tshark = ProcessGroup::spawn(
            Command::new("tshark")
                .args(["-i", "lo", "-F", "pcap", "-f", &filter, "-w"])
                .arg(&file)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&said).expect("tshark's log file")),
        )
        .expect("run tshark");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(&said).unwrap_or_default();
            if text.contains("Capture started") {
                return Some(Self { tshark, file });
            }
            if !tshark.is_running() || Instant::now() >= deadline {
                eprintln!(
                    "note: tshark cannot capture on lo here (or did not say `Capture started` \
                     in time); dissecting the bytes the clients recorded instead. It said:\n\
                     {text}"
                );
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it (SIGINT, as Ctrl-C) and returns the file.
    ///
    /// # Panics
    /// When tshark does not exit 0 within 5 s.
    #[must_use]
    pub fn stop(mut self) -> PathBuf {
        self.tshark.interrupt();
        let status = self.tshark.wait(Duration::from_secs(5));
        assert!(status.is_some_and(|s| s.success()), "tshark: {status:?}");
        self.file.clone()
    }
}

/// tshark's fields of each packet of `pcap` that passes `filter` (`-Y`; none when empty),
/// with `decode_as` (`-d`) rules; several occurrences in a packet are joined with `|`.
///
/// # Panics
/// When tshark fails.
#[must_use]
pub fn fields(pcap: &Path, decode_as: &[String], filter: &str, names: &[&str]) -> Vec<Vec<String>> {
    run_fields(pcap, decode_as, filter, names, '|')
}

fn run_fields(
    pcap: &Path,
    decode_as: &[String],
    filter: &str,
    names: &[&str],
    aggregator: char,
) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    if !filter.is_empty() {
        cmd.args(["-Y", filter]);
    }
    let aggregator = format!("aggregator={aggregator}");
    cmd.args(["-T", "fields", "-E", "occurrence=a", "-E", &aggregator]);
    for n in names {
        cmd.args(["-e", n]);
    }
    let out = cmd.stderr(Stdio::null()).output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark -r {}: {out:?}",
        pcap.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The expert-info rows of severity warning or error (`-z expert,warn`) of `pcap`: frequency,
/// group, protocol, summary.
///
/// # Panics
/// When tshark fails.
#[must_use]
pub fn expert_problems(pcap: &Path, decode_as: &[String]) -> Vec<String> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    let out = cmd
        .args(["-q", "-z", "expert,warn"])
        .stderr(Stdio::null())
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark -z expert: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_owned)
        .collect()
}

/// Whether an expert row of [`expert_problems`] is about SIP, SDP or MSRP (not TCP below).
#[must_use]
pub fn is_sip_sdp_or_msrp(row: &str) -> bool {
    matches!(row.split_whitespace().nth(2), Some("SIP" | "SDP" | "MSRP"))
}

/// The TCP payload of each direction of a capture, in order.
///
/// # Panics
/// When tshark fails or prints a payload that is not hex.
#[must_use]
pub fn captured_streams(pcap: &Path) -> BTreeMap<Direction, Vec<u8>> {
    let mut streams: BTreeMap<Direction, Vec<u8>> = BTreeMap::new();
    for row in fields(
        pcap,
        &[],
        "tcp.len > 0",
        &["tcp.srcport", "tcp.dstport", "tcp.payload"],
    ) {
        let key = (port(&row[0]), port(&row[1]));
        let bytes = streams.entry(key).or_default();
        for pair in row[2].as_bytes().chunks(2) {
            let pair = std::str::from_utf8(pair).expect("hex");
            bytes.push(u8::from_str_radix(pair, 16).expect("hex"));
        }
    }
    streams
}

fn port(field: &str) -> u16 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("not a port: {field:?}"))
}

/// A capture file `out/<src>-<dst>.pcap` made of `packets`, one TCP packet each from `dir.0`
/// to `dir.1` on 127.0.0.1 (no traffic is sent): text2pcap's hex dump, each packet starting
/// again at offset 0.
///
/// # Panics
/// When text2pcap fails.
#[must_use]
pub fn synthesize(out: &Path, packets: &[&[u8]], dir: Direction) -> PathBuf {
    // text2pcap's input: offset, then hex bytes, 16 per line.
    let mut hex = String::new();
    for p in packets {
        for (i, chunk) in p.chunks(16).enumerate() {
            let _ = write!(hex, "{:06x}", i * 16);
            for b in chunk {
                let _ = write!(hex, " {b:02x}");
            }
            hex.push('\n');
        }
    }
    let name = format!("{}-{}", dir.0, dir.1);
    let dump = out.join(format!("{name}.hex"));
    let pcap = out.join(format!("{name}.pcap"));
    std::fs::write(&dump, hex).expect("write hex dump");
    let st = Command::new("text2pcap")
        .args(["-q", "-4", "127.0.0.1,127.0.0.1", "-T"])
        .arg(format!("{},{}", dir.0, dir.1))
        .arg(&dump)
        .arg(&pcap)
        .stderr(Stdio::null())
        .status()
        .expect("run text2pcap");
    assert!(st.success(), "text2pcap");
    pcap
}

/// The SIP messages of a byte stream.
///
/// # Panics
/// When it does not decode.
#[must_use]
pub fn sip_messages(stream: &[u8]) -> Vec<Message> {
    let mut d = StreamDecoder::new(Limits::default());
    d.push(stream);
    let mut out = Vec::new();
    while let Some(m) = d.decode().expect("a SIP message") {
        out.push(m);
    }
    out
}

/// What identifies each SIP message: `start / CSeq / Call-ID`, the start being the method
/// of a request, the status code of a response.
///
/// # Panics
/// When a message has no CSeq or Call-ID.
#[must_use]
pub fn sip_summary(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            let (line, h) = match m {
                Message::Request(r) => (r.method().to_string(), r.headers()),
                Message::Response(r) => (r.code().to_string(), r.headers()),
            };
            let value = |n| {
                String::from_utf8_lossy(&h.get(n).expect("a CSeq and a Call-ID").value())
                    .into_owned()
            };
            format!(
                "{line} / {} / {}",
                value(HeaderName::CSeq),
                value(HeaderName::CallId)
            )
        })
        .collect()
}

/// The same from tshark's rows: the Info column (`Request: METHOD uri | Status: CODE ... |`,
/// one entry per message in the packet, in order), CSeqs and Call-IDs (`|`-joined).
fn sip_summary_seen(rows: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        let lines: Vec<String> = r[0]
            .split(" | ")
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                let e = e.trim_end_matches('|').trim();
                match (e.strip_prefix("Request: "), e.strip_prefix("Status: ")) {
                    (Some(req), _) => req.split_whitespace().next().unwrap_or("").to_owned(),
                    (_, Some(st)) => st.split_whitespace().next().unwrap_or("").to_owned(),
                    _ => panic!("an Info entry that is not a SIP start line: {e:?} in {r:?}"),
                }
            })
            .collect();
        let cseqs: Vec<&str> = r[1].split('|').collect();
        let ids: Vec<&str> = r[2].split('|').collect();
        assert!(
            lines.len() == cseqs.len() && cseqs.len() == ids.len(),
            "one start line, CSeq and Call-ID per message: {r:?}"
        );
        for ((l, c), i) in lines.iter().zip(cseqs).zip(ids) {
            out.push(format!("{l} / {c} / {i}"));
        }
    }
    out
}

/// tshark's reading of every SIP message of `pcaps` (`sip_port` decoded as SIP), per
/// direction as [`sip_summary`] writes it, and its expert warnings and errors.
///
/// # Panics
/// When tshark fails, or a packet's entries do not line up.
#[must_use]
pub fn dissect_sip(
    pcaps: &[PathBuf],
    sip_port: u16,
) -> (BTreeMap<Direction, Vec<String>>, Vec<String>) {
    let decode = [format!("tcp.port=={sip_port},sip")];
    let mut seen: BTreeMap<Direction, Vec<Vec<String>>> = BTreeMap::new();
    let mut problems = Vec::new();
    for pcap in pcaps {
        for row in fields(
            pcap,
            &decode,
            "sip",
            &[
                "tcp.srcport",
                "tcp.dstport",
                "_ws.col.Info",
                "sip.CSeq",
                "sip.Call-ID",
            ],
        ) {
            let key = (port(&row[0]), port(&row[1]));
            seen.entry(key).or_default().push(row[2..].to_vec());
        }
        problems.extend(expert_problems(pcap, &decode));
    }
    let seen = seen
        .into_iter()
        .map(|(k, rows)| (k, sip_summary_seen(&rows)))
        .collect();
    (seen, problems)
}

/// The MSRP fields [`MsrpFields`] compares, in tshark's names and in its order.
pub const MSRP_FIELDS: [&str; 10] = [
    "msrp.transaction.id",
    "msrp.method",
    "msrp.status.code",
    "msrp.to.path",
    "msrp.from.path",
    "msrp.messageid",
    "msrp.byte.range",
    "msrp.content.type",
    "msrp.end.line",
    "msrp.cnt.flg",
];

/// What tshark must find in one MSRP frame; empty for what the frame does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsrpFields {
    /// The transaction id, in the start line and in the end-line.
    pub tid: String,
    /// A request's method.
    pub method: String,
    /// A response's status code.
    pub status: String,
    /// To-Path.
    pub to_path: String,
    /// From-Path.
    pub from_path: String,
    /// Message-ID.
    pub message_id: String,
    /// Byte-Range.
    pub byte_range: String,
    /// Content-Type.
    pub content_type: String,
    /// The end-line's continuation flag (`$` by default).
    pub flag: char,
}

impl Default for MsrpFields {
    fn default() -> Self {
        Self {
            tid: String::new(),
            method: String::new(),
            status: String::new(),
            to_path: String::new(),
            from_path: String::new(),
            message_id: String::new(),
            byte_range: String::new(),
            content_type: String::new(),
            flag: '$',
        }
    }
}

impl MsrpFields {
    /// The fields as our decoder reads them from a frame's head and end-line flag.
    #[must_use]
    pub fn of(head: &FrameHead, flag: Flag) -> Self {
        let h = |n: &str| String::from_utf8_lossy(head.header(n).unwrap_or_default()).into_owned();
        Self {
            tid: head.transaction_id().to_string(),
            method: head.method().map(ToString::to_string).unwrap_or_default(),
            status: head
                .status_code()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            to_path: h("To-Path"),
            from_path: h("From-Path"),
            message_id: h("Message-ID"),
            byte_range: h("Byte-Range"),
            content_type: h("Content-Type"),
            flag: char::from(flag.as_byte()),
        }
    }

    /// Checks tshark's `row` (the [`MSRP_FIELDS`], occurrences joined with `aggregator`) field
    /// by field against these; `what` names the frame in a failure.
    ///
    /// # Panics
    /// When a field differs.
    pub fn assert_seen(&self, what: &str, row: &[String], aggregator: char) {
        assert_eq!(
            row.len(),
            MSRP_FIELDS.len(),
            "{what}: tshark's fields {row:?}"
        );
        // Both occurrences: the start line's and the end-line's.
        let tid = &self.tid;
        assert_eq!(
            row[0],
            format!("{tid}{aggregator}{tid}"),
            "{what}: transaction id"
        );
        assert_eq!(row[1], self.method, "{what}: method");
        assert_eq!(row[2], self.status, "{what}: status");
        assert_eq!(row[3], self.to_path, "{what}: To-Path");
        assert_eq!(row[4], self.from_path, "{what}: From-Path");
        assert_eq!(row[5], self.message_id, "{what}: Message-ID");
        assert_eq!(row[6], self.byte_range, "{what}: Byte-Range");
        assert_eq!(row[7], self.content_type, "{what}: Content-Type");
        // The end-line names the same transaction id as the start line, and the flag.
        assert_eq!(
            row[8],
            format!("-------{tid}{}", self.flag),
            "{what}: end-line"
        );
        assert_eq!(row[9], self.flag.to_string(), "{what}: continuation flag");
    }
}

/// Each MSRP frame of the byte stream of one direction `dir`, dissected alone (one packet per
/// frame: tshark 4.0's MSRP dissector reads only the first frame of a TCP segment):
/// tshark's [`MsrpFields`] must be our decoder's, with no expert warning or error. Returns
/// the frames, each with its bytes; `out` is where the packets are written.
///
/// # Panics
/// When they differ, or the stream does not end with a whole frame.
#[must_use]
pub fn check_msrp_direction(
    out: &Path,
    stream: &[u8],
    dir: Direction,
    msrp_port: u16,
) -> Vec<(Bytes, Frame)> {
    let frames = msrp_frames(stream);
    let packets: Vec<&[u8]> = frames.iter().map(|(b, _)| b.as_ref()).collect();
    assert_eq!(
        packets.iter().map(|p| p.len()).sum::<usize>(),
        stream.len(),
        "the MSRP stream ends with a whole frame"
    );
    let pcap = synthesize(out, &packets, dir);
    let decode = [format!("tcp.port=={msrp_port},msrp")];
    let rows = fields(&pcap, &decode, "", &MSRP_FIELDS);
    assert_eq!(rows.len(), frames.len(), "one packet per frame {dir:?}");
    for ((bytes, frame), row) in frames.iter().zip(&rows) {
        let what = format!("tshark's fields for\n{}", String::from_utf8_lossy(bytes));
        MsrpFields::of(&frame.head, frame.flag).assert_seen(&what, row, '|');
    }
    let problems = expert_problems(&pcap, &decode);
    assert!(
        problems.is_empty(),
        "MSRP {dir:?}: tshark expert info: {problems:?}"
    );
    frames
}
