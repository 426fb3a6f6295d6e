//! Shared glue of the SDP integration tests: where the external corpus and the fixtures are.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::panic,
    clippy::print_stderr,
    reason = "shared test glue"
)]

use std::path::PathBuf;

/// The external corpus (`$SIMPLEIM_CORPUS`, else `../shared/corpus` beside the repository),
/// or `None` with a message when it is missing. With `CI=true` a missing corpus fails the test.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SIMPLEIM_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the external corpus is missing at {}",
        dir.display()
    );
    eprintln!(
        "skipped: the external corpus is missing at {}",
        dir.display()
    );
    None
}

/// A fixture of `tests/data/sdp/` at the repository root.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/sdp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files of a directory, sorted by name.
pub fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}
