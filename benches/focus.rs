//! Focus benchmarks (issue 7, "Performance"): fan-out through the MSRP switch of one room.
//!
//! - `fan-out/<N>x<size>`: one sender and `N` participants in total (N = 10, 100, 1000), so
//!   `N - 1` recipients. The sender's SEND carries a `message/cpim` body of exactly `size`
//!   bytes (1 KiB or 64 KiB: CPIM headers plus a text payload, `From` = the sender, `To` = the
//!   room), in one MSRP chunk. Cut-through: the frame reaches the switch as a connection
//!   delivers it, in 16 KiB reads through one streaming `Decoder` (`max_collect_bytes: 0`),
//!   every decoded item goes to `Switch::handle_decoded` at once, and after every read the
//!   host's drain loop runs (`poll_transmit` until `None` — the bytes are counted, as a host
//!   would write them — then `poll_event`, then `poll_timeout`).
//!   Throughput is in elements: `N - 1` deliveries per iteration, so criterion's `elem/s` is
//!   deliveries per second.
//!   Outside the timing (`iter_custom`), every recipient answers its copy's chunk with
//!   `200 OK`, as a client does, so no transaction stays outstanding from one iteration to the
//!   next.
//!
//! Also measured, outside any timing, and printed as a table on stderr:
//! - **bytes copied per delivery**: of everything written to the recipients for one message,
//!   the bytes that are *not* slices of the sender's decoded body parts (their `Bytes` point
//!   into the decoder's buffer), divided by `N - 1`. That is the per-recipient MSRP head and
//!   end-line; the body itself is shared (the check fails the bench if a single body byte is
//!   written from another buffer).
//! - **memory per idle participant**: live heap bytes (a counting `#[global_allocator]`
//!   around `System`) before and after adding 10 000 participants to an empty switch,
//!   divided by 10 000; it includes their `ParticipantMsrp` (URIs and identity) and the
//!   switch's map nodes. The issue's target is below 4 KiB.
//!
//! - `file-fan-out/<N>x1MiB`: an RFC 5547 file of 1 MiB pushed to a room by one participant
//!   and relayed by the composed `Focus` to its `N` other participants (N = 2, 10), in the
//!   many-party harness (`simpleim_test_support::focus_files`). Outside the timing
//!   (`iter_batched`): the joins, the sender's INVITE and file SEND, the focus's offers.
//!   Timed: every recipient's 200 (SIP parsed from bytes as a host would), its connection
//!   and bodiless SEND, the focus sending the file on each leg (one shared `Bytes`, 256 KiB
//!   chunks) and the recipients' sessions receiving it, their 200s, the focus's BYEs.
//!   Throughput is in bytes delivered (`N` MiB per iteration). It is end to end in memory:
//!   the receivers' reassembly is in it.
//!
//! ```text
//! cargo bench --bench focus -- --warm-up-time 1 --measurement-time 3
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simpleim::cpim::{Address, conference_send};
use simpleim::focus::switch::{ParticipantMsrp, Switch, SwitchConfig, SwitchEvent};
use simpleim::msrp::{ByteRange, Decoded, Decoder, Limits, Method, RequestBuilder, SeededIds};

// --- a counting allocator: live heap bytes ---------------------------------------------------

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

// --- the room ----------------------------------------------------------------------------------

const ROOM: &str = "sip:room@conf.example.com";
const READ: usize = 16 * 1024;

fn local(p: u32) -> String {
    format!("msrp://focus.example.com:2855/p{p}-s;tcp")
}
fn remote(p: u32) -> String {
    format!("msrp://h{p}.example.com:7777/s{p};tcp")
}
fn identity(p: u32) -> String {
    format!("sip:u{p}@example.com")
}

fn info(p: u32) -> ParticipantMsrp {
    ParticipantMsrp::new(
        local(p).parse().expect("valid URI"),
        remote(p).parse().expect("valid path"),
        identity(p),
    )
}

fn room(n: u32) -> Switch<u32> {
    let mut config = SwitchConfig::new(ROOM, Box::new(SeededIds::new(7)));
    config.limits.max_participants = n as usize;
    let mut switch = Switch::new(config);
    for p in 0..n {
        switch.add_participant(p, info(p)).expect("room has space");
    }
    switch
}

/// A `message/cpim` body of exactly `size` bytes from participant 0 to the room.
fn cpim(size: usize) -> Bytes {
    let build = |payload: usize| {
        conference_send(
            Address::uri_only(identity(0)),
            Address::uri_only(ROOM),
            "text/plain",
            "x".repeat(payload),
        )
        .build()
        .expect("valid CPIM")
        .as_bytes()
        .clone()
    };
    let overhead = build(0).len();
    let body = build(size - overhead);
    assert_eq!(body.len(), size, "CPIM body of the intended size");
    body
}

/// The sender's SEND frame carrying `body` whole.
fn send(body: &[u8]) -> Bytes {
    let n = body.len() as u64;
    let mut out = BytesMut::new();
    RequestBuilder::new(Method::Send, "fan0000001".parse().expect("valid tid"))
        .to_path(&local(0))
        .from_path(&remote(0))
        .message_id("fanout-1")
        .byte_range(ByteRange {
            start: 1,
            end: Some(n),
            total: Some(n),
        })
        .body("message/cpim", body)
        .encode(&mut out)
        .expect("encodable");
    out.freeze()
}

/// What one message's fan-out produced.
#[derive(Default)]
struct Sink {
    /// Bytes written to recipients.
    to_recipients: usize,
    /// Bytes written back to the sender (its 200).
    to_sender: usize,
    /// Each recipient's relayed-chunk heads (to answer them, outside the timing).
    heads: Vec<(u32, Bytes)>,
    /// Every piece written to a recipient (only when checking sharing).
    pieces: Option<Vec<Bytes>>,
    /// The body parts the decoder gave out (only when checking sharing).
    parts: Option<Vec<Bytes>>,
    routed: usize,
    completed: usize,
}

/// Feeds `wire` to the switch in 16 KiB reads, the host's drain loop after each.
fn fan_out(switch: &mut Switch<u32>, decoder: &mut Decoder, now: Instant, wire: &Bytes) -> Sink {
    let mut sink = Sink::default();
    fan_out_into(switch, decoder, now, wire, &mut sink);
    sink
}

fn fan_out_into(
    switch: &mut Switch<u32>,
    decoder: &mut Decoder,
    now: Instant,
    wire: &Bytes,
    sink: &mut Sink,
) {
    for read in wire.chunks(READ) {
        decoder.push(read);
        while let Ok(Some(item)) = decoder.poll() {
            if let (Some(parts), Decoded::Body(part)) = (sink.parts.as_mut(), &item) {
                parts.push(part.data.clone());
            }
            switch.handle_decoded(now, 0, item);
        }
        while let Some((p, bytes)) = switch.poll_transmit() {
            if p == 0 {
                sink.to_sender += bytes.len();
                continue;
            }
            sink.to_recipients += bytes.len();
            if bytes.starts_with(b"MSRP ") {
                sink.heads.push((p, bytes.clone()));
            }
            if let Some(pieces) = sink.pieces.as_mut() {
                pieces.push(bytes);
            }
        }
        while let Some(event) = switch.poll_event() {
            match event {
                SwitchEvent::Routed { .. } => sink.routed += 1,
                SwitchEvent::Completed { .. } => sink.completed += 1,
                _ => {}
            }
        }
        black_box(switch.poll_timeout());
    }
}

/// Every recipient answers its relayed chunk with 200, as a client does.
fn answer(switch: &mut Switch<u32>, now: Instant, heads: &[(u32, Bytes)]) {
    let mut decoder = Decoder::new(Limits::default());
    for (p, head) in heads {
        let tid = head
            .get(5..)
            .and_then(|rest| rest.split(|b| *b == b' ').next())
            .expect("a request line");
        let tid = std::str::from_utf8(tid).expect("ASCII tid");
        let response = format!(
            "MSRP {tid} 200 OK\r\nTo-Path: {}\r\nFrom-Path: {}\r\n-------{tid}$\r\n",
            local(*p),
            remote(*p)
        );
        decoder.push(response.as_bytes());
        while let Ok(Some(item)) = decoder.poll() {
            switch.handle_decoded(now, *p, item);
        }
    }
    while switch.poll_transmit().is_some() {}
    while switch.poll_event().is_some() {}
}

fn streaming() -> Decoder {
    Decoder::new(Limits {
        max_collect_bytes: 0,
        ..Limits::default()
    })
}

/// One row of the summary table.
struct Row {
    n: u32,
    size: usize,
    wire: usize,
    per_delivery_written: f64,
    copied_per_delivery: f64,
}

/// One message checked outside the timing: delivered to all, body shared, bytes copied.
fn check(n: u32, size: usize, wire: &Bytes) -> Row {
    let mut switch = room(n);
    let mut decoder = streaming();
    let now = simpleim_test_support::msrp::epoch();
    let mut sink = Sink {
        pieces: Some(Vec::new()),
        parts: Some(Vec::new()),
        ..Sink::default()
    };
    fan_out_into(&mut switch, &mut decoder, now, wire, &mut sink);
    let recipients = (n - 1) as usize;
    assert_eq!(
        (sink.routed, sink.completed),
        (1, 1),
        "routed and completed"
    );
    assert_eq!(sink.heads.len(), recipients, "one chunk per recipient");
    answer(&mut switch, now, &sink.heads);
    assert_eq!(
        switch.poll_timeout(),
        None,
        "every copy answered: nothing outstanding between iterations"
    );
    let parts = sink.parts.take().unwrap_or_default();
    let pieces = sink.pieces.take().unwrap_or_default();
    let within = |piece: &Bytes| {
        let (s, e) = (
            piece.as_ptr() as usize,
            piece.as_ptr() as usize + piece.len(),
        );
        parts.iter().any(|part| {
            let (ps, pe) = (part.as_ptr() as usize, part.as_ptr() as usize + part.len());
            ps <= s && e <= pe
        })
    };
    let shared: usize = pieces
        .iter()
        .filter(|p| !p.is_empty() && within(p))
        .map(Bytes::len)
        .sum();
    assert_eq!(
        shared,
        size * recipients,
        "every body byte written is a slice of the sender's buffer"
    );
    Row {
        n,
        size,
        wire: wire.len(),
        per_delivery_written: sink.to_recipients as f64 / recipients as f64,
        copied_per_delivery: (sink.to_recipients - shared) as f64 / recipients as f64,
    }
}

/// Live heap bytes per idle participant, over 10 000 added to an empty switch.
fn memory_per_idle_participant() -> (f64, usize) {
    const COUNT: u32 = 10_000;
    let mut config = SwitchConfig::new(ROOM, Box::new(SeededIds::new(7)));
    config.limits.max_participants = COUNT as usize;
    let mut switch = Switch::new(config);
    let before = live();
    for p in 0..COUNT {
        switch.add_participant(p, info(p)).expect("room has space");
    }
    let after = live();
    black_box(&switch);
    drop(switch);
    (
        (after - before) as f64 / f64::from(COUNT),
        std::mem::size_of::<ParticipantMsrp>(),
    )
}

fn fan_out_bench(c: &mut Criterion) {
    let mut rows = Vec::new();
    let mut group = c.benchmark_group("fan-out");
    for size in [1024usize, 64 * 1024] {
        let body = cpim(size);
        let wire = send(&body);
        for n in [10u32, 100, 1000] {
            rows.push(check(n, size, &wire));
            if n == 1000 && size > 1024 {
                group.sample_size(20);
            } else {
                group.sample_size(50);
            }
            group.throughput(Throughput::Elements(u64::from(n - 1)));
            let label = if size >= 1024 * 1024 {
                format!("{n}x{}MiB", size / (1024 * 1024))
            } else {
                format!("{n}x{}KiB", size / 1024)
            };
            group.bench_function(label, |b| {
                let mut switch = room(n);
                let mut decoder = streaming();
                let mut now = simpleim_test_support::msrp::epoch();
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        now += Duration::from_millis(1);
                        #[allow(
                            clippy::disallowed_methods,
                            reason = "the bench's own stopwatch, not the switch's clock"
                        )]
                        let start = Instant::now();
                        let sink = fan_out(&mut switch, &mut decoder, now, &wire);
                        spent += start.elapsed();
                        black_box(sink.to_recipients + sink.to_sender);
                        answer(&mut switch, now, &sink.heads);
                    }
                    spent
                });
            });
        }
    }
    group.finish();

    let (per_idle, static_size) = memory_per_idle_participant();
    eprintln!();
    eprintln!("focus fan-out: bytes per delivery (one message, checked outside the timing)");
    eprintln!(
        "| N | CPIM body | SEND on the wire | written per delivery | body bytes shared | bytes copied per delivery |"
    );
    eprintln!("|---|---|---|---|---|---|");
    for r in &rows {
        eprintln!(
            "| {} | {} B | {} B | {:.1} B | {} B (all) | {:.1} B |",
            r.n, r.size, r.wire, r.per_delivery_written, r.size, r.copied_per_delivery
        );
    }
    eprintln!(
        "memory per idle participant: {per_idle:.0} B live heap (10 000 added, counting allocator); size_of::<ParticipantMsrp>() = {static_size} B; target < 4096 B"
    );
}

/// A room with `n + 1` clients joined, whose first client has pushed a 1 MiB file: the
/// focus has offered it to the `n` others.
fn pushed_file(n: usize) -> (simpleim_test_support::focus_sim::Sim, Vec<usize>) {
    use simpleim_focus::control::FileTransferConfig;
    use simpleim_test_support::focus_files::{file_bytes, push_file, selector};
    let mut sim = simpleim_test_support::focus_sim::Sim::with_config(|c| {
        c.control.file_transfer = Some(FileTransferConfig::default());
        c.control.limits.max_participants = 64;
    });
    let clients: Vec<usize> = (0..=n)
        .map(|k| sim.add_client(&format!("u{k}"), Some(&format!("U{k}")), false))
        .collect();
    for &c in &clients {
        sim.join(c);
    }
    let size = 1024 * 1024;
    let sel = selector("file.bin", "application/octet-stream", Some(size as u64));
    push_file(&mut sim, clients[0], &sel, file_bytes(size));
    (sim, clients[1..].to_vec())
}

fn file_fan_out_bench(c: &mut Criterion) {
    use simpleim_test_support::focus_files::{side_messages, take_file};
    let mut group = c.benchmark_group("file-fan-out");
    group.sample_size(10);
    for n in [2usize, 10] {
        group.throughput(Throughput::Bytes((n * 1024 * 1024) as u64));
        group.bench_function(format!("{n}x1MiB"), |b| {
            b.iter_batched(
                || pushed_file(n),
                |(mut sim, recipients)| {
                    let mut got = 0;
                    for r in recipients {
                        if let Some(side) = take_file(&mut sim, r, 200) {
                            got += side_messages(&sim, side).len();
                        }
                    }
                    assert_eq!(got, n, "every recipient has the file");
                    black_box(sim)
                },
                criterion::BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, fan_out_bench, file_fan_out_bench);
criterion_main!(benches);
