//! CPIM and MIME benchmarks (REQ: CPIM-1, CPIM-3): simpleim side by side with
//! rust-rcs-core (with `--features peers`) on the same inputs.
//!
//! Inputs (`tests/data/`):
//! - `bench-cpim-imdn.cpim`: a 447-byte message/cpim with IMDN headers (an IM in a chat room).
//!   Parse: the message plus what a focus routes on (From, To, imdn.Message-ID,
//!   Disposition-Notification, Content-Type, payload). Build: the same message from parts.
//! - `bench-multipart-3.mime`: a 704-byte multipart/mixed of text, SDP and a binary image.
//!
//! ```text
//! cargo bench --bench cpim                    # simpleim alone
//! cargo bench --bench cpim --features peers   # side by side
//! ```

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpleim::cpim::{
    Address, CpimMessage, DateTime, DispositionNotification, conference_send, mime,
};

const BOUNDARY: &[u8] = b"simpleim-3f9a2c";

/// One timed operation: its result (a size, to check the work was done) or its error.
type Run = fn(&Bytes) -> Result<usize, String>;

fn ours_split(input: &Bytes) -> Result<usize, String> {
    let m = mime::split(input, BOUNDARY).map_err(|e| e.to_string())?;
    Ok(m.parts.iter().map(|p| p.body.len()).sum::<usize>() + m.parts.len())
}

#[cfg(feature = "peers")]
fn rcs_split(input: &Bytes) -> Result<usize, String> {
    use rust_rcs_core::internet::body::Body;
    match Body::construct_multipart(input, BOUNDARY).map_err(str::to_owned)? {
        Body::Multipart(m) => Ok(m.parts.len()),
        _ => Err("not a multipart body".into()),
    }
}

fn multipart(c: &mut Criterion) {
    let input = Bytes::from(include_bytes!("../tests/data/bench-multipart-3.mime").to_vec());
    let mut group = c.benchmark_group("multipart-3");
    group.throughput(Throughput::Bytes(input.len() as u64));
    #[allow(unused_mut)] // only the `peers` feature pushes more
    let mut contenders: Vec<(&str, Run, usize)> =
        vec![("simpleim/split", ours_split, 3 + 35 + 183 + 248)];
    #[cfg(feature = "peers")]
    contenders.push(("rust-rcs-core/split", rcs_split, 3));
    for (id, run, expected) in contenders {
        // Finding the three parts is a precondition of being timed.
        match run(&input) {
            Ok(n) if n == expected => {
                group.bench_function(id, |b| b.iter(|| run(black_box(&input))));
            }
            other => eprintln!("multipart-3: {id} fails: {other:?} (expected {expected})"),
        }
    }
    group.finish();
}

/// Parse the message and read what a focus routes on: From, To, the IMDN Message-ID and
/// Disposition-Notification, the payload's Content-Type, and the payload.
fn ours_parse(input: &Bytes) -> Result<usize, String> {
    let m = CpimMessage::parse(input.clone()).map_err(|e| e.to_string())?;
    let from = m.from().ok_or("no From")?.map_err(|e| e.to_string())?;
    let to = m.to().next().ok_or("no To")?.map_err(|e| e.to_string())?;
    let id = m.imdn_message_id().ok_or("no imdn.Message-ID")?;
    let dn = m
        .disposition_notification()
        .ok_or("no Disposition-Notification")?
        .map_err(|e| e.to_string())?;
    let ct = m.content_type().ok_or("no Content-Type")?;
    black_box((&from, &to, id, dn, ct));
    Ok(m.payload().len())
}

#[cfg(feature = "peers")]
fn rcs_parse(input: &Bytes) -> Result<usize, String> {
    use rust_rcs_core::cpim::CPIMMessage;
    use rust_rcs_core::internet::body::Body;
    let body = Body::construct_message(input).map_err(str::to_owned)?;
    let m = CPIMMessage::try_from(&body).map_err(str::to_owned)?;
    let info = m.get_info().map_err(str::to_owned)?;
    black_box((
        info.from,
        info.to,
        info.imdn_message_id,
        info.disposition_notification,
    ));
    let (ct, payload, _) = m.get_message_body().ok_or("no body")?;
    black_box(ct);
    Ok(payload.len())
}

fn cpim(c: &mut Criterion) {
    let input = Bytes::from(include_bytes!("../tests/data/bench-cpim-imdn.cpim").to_vec());
    let mut group = c.benchmark_group("cpim-imdn");
    group.throughput(Throughput::Bytes(input.len() as u64));
    #[allow(unused_mut)] // only the `peers` feature pushes more
    let mut contenders: Vec<(&str, Run)> = vec![("simpleim/parse", ours_parse)];
    #[cfg(feature = "peers")]
    contenders.push(("rust-rcs-core/parse", rcs_parse));
    for (id, run) in contenders {
        // Accepting the input is a precondition of being timed on it.
        match run(&input) {
            Ok(120) => {
                group.bench_function(id, |b| b.iter(|| run(black_box(&input))));
            }
            other => eprintln!("cpim: {id} fails: {other:?}"),
        }
    }
    let payload = Bytes::from_static(&include_bytes!("../tests/data/bench-cpim-imdn.cpim")[327..]);
    let when = DateTime::from_text("2026-11-21T10:00:00.000Z").expect("a valid RFC 3339 date");
    group.bench_function("simpleim/build", |b| {
        b.iter(|| {
            conference_send(
                Address::new(Some("Alice"), Bytes::from_static(b"sip:alice@example.com")),
                Address::uri_only(Bytes::from_static(
                    b"sip:chat@conf.example.com;conf=isfocus",
                )),
                "text/plain; charset=utf-8",
                black_box(payload.clone()),
            )
            .date_time(&when)
            .imdn(
                "34jk324j-7f2a",
                DispositionNotification {
                    positive_delivery: true,
                    display: true,
                    ..Default::default()
                },
            )
            .subject("lunch", None)
            .build()
            .map(|m| m.as_bytes().len())
        });
    });
    group.finish();
}

criterion_group!(benches, cpim, multipart);
criterion_main!(benches);
