//! An independent dissector for what we put on the wire: raw bytes wrapped in a fake TCP
//! packet with `text2pcap` and dissected by `tshark` (no traffic is sent). `.ci/run` installs
//! the tools; elsewhere tests skip when they are absent, but with `CI=true` a missing tool is
//! a failure.

use std::fmt::Write as _;
use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether `tshark` and `text2pcap` are here (false: skip the test).
///
/// # Panics
/// When they are missing and `CI=true`.
#[must_use]
pub fn tools_present() -> bool {
    if have("tshark") && have("text2pcap") {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but tshark/text2pcap are missing (.ci/run installs the tshark package)"
    );
    #[allow(
        clippy::print_stderr,
        reason = "tells the tester why the wire checks are skipped"
    )]
    {
        eprintln!("note: tshark or text2pcap not found; skipping the wire checks");
    }
    false
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
    // text2pcap's input: offset, then hex bytes, 16 per line.
    let mut hex = String::new();
    for (i, chunk) in wire.chunks(16).enumerate() {
        let _ = write!(hex, "{:06x}", i * 16);
        for b in chunk {
            let _ = write!(hex, " {b:02x}");
        }
        hex.push('\n');
    }
    let hex_path = dir.join("m.hex");
    let pcap = dir.join("m.pcap");
    std::fs::write(&hex_path, hex).expect("write hex dump");
    let ports = format!("{port},{port}");
    let out = Command::new("text2pcap")
        .args(["-q", "-4", "127.0.0.1,127.0.0.1", "-T", &ports])
        .arg(&hex_path)
        .arg(&pcap)
        .output()
        .expect("run text2pcap");
    assert!(out.status.success(), "text2pcap: {out:?}");
    let decode_as = format!("tcp.port=={port},{proto}");
    let pcap_arg = pcap.display().to_string();
    let mut args: Vec<&str> = vec![
        "-r",
        &pcap_arg,
        "-d",
        &decode_as,
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ];
    for f in fields {
        args.push("-e");
        args.push(f);
    }
    let out = Command::new("tshark")
        .args(&args)
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark: {out:?}");
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let values: Vec<String> = line.split('\t').map(str::to_owned).collect();
    let expert = Command::new("tshark")
        .args(["-r", &pcap_arg, "-d", &decode_as, "-q", "-z", "expert"])
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
