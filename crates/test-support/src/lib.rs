//! Test helpers shared by the simpleim crates: access to the external conformance corpus,
//! fixtures, and proptest strategies. Not published.
#![forbid(unsafe_code)]
// Test support: failing loudly on a missing fixture or corpus is the point.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

pub mod focus_files;
pub mod focus_sim;
pub mod loopback;
pub mod msrp;
pub mod process;
pub mod sip_sim;
pub mod strategies;
pub mod tshark;

/// The external corpus directory (`../shared/corpus` beside the repository, or
/// `$SIMPLEIM_CORPUS`).
///
/// Returns `None` when it is absent, so a developer without it can still run the other
/// tests. With `CI=true` a missing corpus is a failure, never a silent skip.
///
/// # Panics
/// When the corpus is missing and the environment variable `CI` is `true`.
#[must_use]
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SIMPLEIM_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the external corpus is missing at {}",
        dir.display()
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "note: external corpus not found at {}; skipping",
            dir.display()
        );
    }
    None
}

/// Reads `tests/data/<name>` of the repository (fixtures written for this project).
///
/// # Panics
/// When the file cannot be read: fixtures are part of the repository.
#[must_use]
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Turns LF line ends into CRLF (leaving existing CRLFs alone): the RFC 5118 archive and
/// draft texts are LF-only and real SIP needs CRLF.
#[must_use]
pub fn lf_to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 16);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}
