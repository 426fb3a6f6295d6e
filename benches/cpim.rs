//! CPIM and MIME benchmarks (REQ: CPIM-1, CPIM-3): simpleim side by side with
//! rust-rcs-core (with `--features peers`) on the same inputs.
//!
//! Inputs (`tests/data/`):
//! - `bench-cpim-imdn.cpim`: a 447-byte message/cpim with IMDN headers (an IM in a chat room).
//! - `bench-multipart-3.mime`: a 704-byte multipart/mixed of text, SDP and a binary image.
//!
//! ```text
//! cargo bench --bench cpim                    # simpleim alone
//! cargo bench --bench cpim --features peers   # side by side
//! ```

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpleim::cpim::mime;

const BOUNDARY: &[u8] = b"simpleim-3f9a2c";

fn multipart(c: &mut Criterion) {
    let input = Bytes::from(include_bytes!("../tests/data/bench-multipart-3.mime").to_vec());
    let mut group = c.benchmark_group("multipart-3");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("simpleim/split", |b| {
        b.iter(|| {
            let m = mime::split(black_box(&input), BOUNDARY).map_err(|e| e.to_string());
            m.map(|m| m.parts.len())
        });
    });
    #[cfg(feature = "peers")]
    group.bench_function("rust-rcs-core/split", |b| {
        b.iter(|| {
            rust_rcs_core::internet::body::Body::construct_multipart(black_box(&input), BOUNDARY)
                .is_ok()
        });
    });
    group.finish();
}

criterion_group!(benches, multipart);
criterion_main!(benches);
