//! Placeholder replaced by the SIP parse benchmarks.
fn main() {}
