//! The one clock of the process: send and receive times of every message come from it, so
//! a latency is the difference of two readings of the same monotonic clock.

use std::time::Instant;

/// Now.
#[allow(
    clippy::disallowed_methods,
    reason = "the load generator is a host: it reads the clock for its clients"
)]
pub(crate) fn now() -> Instant {
    Instant::now()
}
