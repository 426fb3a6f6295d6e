//! A load generator for `examples/chat_server`: N simulated IM clients in M rooms over
//! loopback, a fixed total message rate for a fixed time, then a report.
//!
//! ```text
//! cargo build --release --example chat_server
//! cargo run --release --example load -- --spawn --clients 200 --rooms 10 --rate 500 --duration 10
//! cargo run --release --example load -- --help                   # every option and cap
//! ```
//!
//! Each client joins its room as an OMA IM client would (SIP INVITE over TCP with an MSRP
//! offer, `a=setup:active`; its own MSRP connection to the focus, bound with a bodiless SEND),
//! then all of them send CPIM messages to their rooms on one global schedule; every message
//! carries its sender, its number and its send time from this process's monotonic clock, and
//! every receiver records its delivery latency and whether it is new, a duplicate, out of
//! order or in the wrong room. At the end: joins, messages sent, deliveries expected
//! (`sent × (room size − 1)`) and received, lost, duplicated, deliveries per second, latency
//! percentiles, and the server's memory (VmRSS/VmHWM from `/proc`) and CPU time.
//!
//! Bounded: at most 2000 clients, 500 rooms, 20 000 messages/s, 60 s of sending, 50 million
//! planned deliveries, and a hard deadline (at most 180 s) after which it stops and reports
//! what it has.
//!
//! # How it is built
//! - `args`: flags, caps, usage. `clock`: the one clock.
//! - `client`: one simulated client (join, schedule, receive, leave), a tokio task each, on
//!   a runtime with a fixed number of worker threads (`--threads`, default 2); `sip`: its
//!   SIP connection.
//! - `stats`: shared atomic counters and latency histograms; each receiver's own bitmap of
//!   what it got.
//! - `server`: `--spawn` (start, SIGINT, exit status) and `/proc` readings.
//! - `report`: the table and the JSON line.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program: the report goes to stdout, progress and errors to stderr"
)]

mod args;
mod client;
mod clock;
mod report;
mod server;
mod sip;
mod stats;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

use args::{Command, Leave, Settings};
use client::{Phase, Shared};
use report::{Report, Sample};
use stats::{Counters, Histogram};

/// How long after the joins the first message is due (every client has seen `Go` by then).
const GO_DELAY: Duration = Duration::from_millis(200);
/// How long the client tasks may take to leave.
const LEAVE_GRACE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let settings = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run(s)) => *s,
        Ok(Command::Help) => {
            print!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("load: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.threads)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings)) {
        Ok(report) => {
            report.print_table();
            if report.settings.json {
                println!("{}", report.json());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A seed that differs from run to run (the standard library's random hasher keys), so
/// that runs against a long-running server do not reuse Call-IDs or tags.
fn run_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// Writes a progress line unless `--quiet`.
fn progress(settings: &Settings, line: &str) {
    if !settings.quiet {
        eprintln!("load: {line}");
    }
}

/// The whole run: server, joins, traffic, drain, leave, server stop.
async fn run(settings: Settings) -> Result<Report, String> {
    let load_start = server::load_average();
    let mut spawned = if settings.spawn {
        let bin = match settings.server_bin.clone() {
            Some(b) => b,
            None => server::default_binary().ok_or(
                "no chat_server beside this binary: build it first with \
                 `cargo build --release --example chat_server` (same profile and target dir), \
                 or pass --server-bin",
            )?,
        };
        let spawned = tokio::task::block_in_place(|| server::Spawned::start(&settings, &bin))?;
        progress(
            &settings,
            &format!(
                "server pid {} on {} ({} rooms), log {}",
                spawned.pid(),
                spawned.sip,
                settings.rooms,
                spawned.log.display()
            ),
        );
        Some(spawned)
    } else {
        None
    };
    let pid = spawned
        .as_ref()
        .map(server::Spawned::pid)
        .or(settings.server_pid);
    let sip = spawned.as_ref().map_or(settings.sip, |s| s.sip);

    let epoch = clock::now();
    let scheduled = settings.scheduled();
    let shared = Arc::new(Shared {
        sip,
        scheduled,
        rounds: scheduled.div_ceil(settings.clients as u64),
        epoch,
        join_deadline: epoch + settings.join_timeout,
        seed: run_seed(),
        counters: Counters::default(),
        latency: Histogram::new(),
        lag: Histogram::new(),
        settings: settings.clone(),
    });
    let hard_deadline = epoch + settings.deadline;
    let mut report = Report::new(settings.clone(), pid, spawned.is_some(), load_start);
    report.memory_idle = pid.and_then(server::memory);

    let (phase_tx, phase_rx) = watch::channel(Phase::Joining);
    let (joined_tx, joined_rx) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(settings.join_concurrency));
    let tasks: Vec<JoinHandle<()>> = (0..settings.clients)
        .map(|id| {
            tokio::spawn(client::run(
                id,
                Arc::clone(&shared),
                Arc::clone(&permits),
                phase_rx.clone(),
                joined_tx.clone(),
            ))
        })
        .collect();
    drop(joined_tx);

    let phases = phases(&shared, &phase_tx, joined_rx, pid, &mut report);
    if tokio::time::timeout_at(hard_deadline.into(), phases)
        .await
        .is_err()
    {
        report.deadline_hit = true;
        progress(&settings, "hard deadline reached: stopping");
    }
    if let Some(t0) = report.t0 {
        report.traffic_time = t0.elapsed();
        report.cpu_end = cpu_now(pid);
    }
    report.memory_end = pid.and_then(server::memory);

    // Leave: BYEs from the clients, or (`--leave stay`) the server's SIGINT ends the rooms.
    let _ = phase_tx.send(Phase::Stop);
    let leave_started = clock::now();
    if settings.leave == Leave::Stay {
        stop_server(&mut spawned, &mut report);
    }
    if tokio::time::timeout(LEAVE_GRACE, join_all(tasks))
        .await
        .is_err()
    {
        report.leave_timed_out = true;
    }
    report.leave_time = leave_started.elapsed();
    report.memory_after_leave = pid.and_then(server::memory);
    if settings.leave == Leave::Bye {
        stop_server(&mut spawned, &mut report);
    }
    report.load_end = server::load_average();
    report.finish(&shared);
    if let Some(s) = &spawned {
        let (count, first) = server::log_warnings(&s.log);
        report.log_warnings = count;
        report.log_first_warnings = first;
        report.server_log = Some(s.log.clone());
        if count == 0 {
            let _ = std::fs::remove_dir_all(&s.dir);
            report.server_log = None;
        } else {
            for db in ["load.db", "load.db-wal", "load.db-shm"] {
                let _ = std::fs::remove_file(s.dir.join(db));
            }
        }
    }
    Ok(report)
}

/// Awaits every task (a panicked task just ends).
async fn join_all(tasks: Vec<JoinHandle<()>>) {
    for t in tasks {
        let _ = t.await;
    }
}

/// SIGINT to the spawned server, and its exit (blocking this worker thread only: the
/// clients answering the server's BYEs run on the others).
fn stop_server(spawned: &mut Option<server::Spawned>, report: &mut Report) {
    if let Some(s) = spawned.as_mut() {
        if report.server_exit.is_none() {
            report.server_exit = Some(tokio::task::block_in_place(|| s.stop()));
        }
    }
}

/// Joins, go, traffic, drain: everything the hard deadline bounds.
async fn phases(
    shared: &Shared,
    phase_tx: &watch::Sender<Phase>,
    mut joined_rx: mpsc::UnboundedReceiver<client::Joined>,
    pid: Option<u32>,
    report: &mut Report,
) {
    let settings = &shared.settings;
    let c = &shared.counters;

    // Joins: every client reports once, by the join deadline.
    let join_started = clock::now();
    let mut members = vec![0usize; settings.rooms];
    let mut join_times = Vec::new();
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut reported = 0;
    while reported < settings.clients {
        tokio::select! {
            r = joined_rx.recv() => {
                let Some((id, result)) = r else { break };
                reported += 1;
                match result {
                    Ok(took) => {
                        if let Some(m) = members.get_mut(id % settings.rooms) {
                            *m += 1;
                        }
                        join_times.push(took);
                    }
                    Err(reason) => *failures.entry(reason).or_default() += 1,
                }
            }
            _ = ticker.tick() => progress(settings, &format!(
                "joining: {} ok, {} failed, {} waiting",
                join_times.len(),
                reported - join_times.len(),
                settings.clients - reported
            )),
        }
    }
    report.join_time = join_started.elapsed();
    report.joins_ok = join_times.len();
    report.joins_failed = settings.clients - join_times.len();
    report.join_failures = failures;
    join_times.sort();
    report.join_p50 = percentile(&join_times, 0.5);
    report.join_max = join_times.last().copied().unwrap_or_default();
    report.room_sizes = members.clone();
    report.memory_joined = pid.and_then(server::memory);
    progress(
        settings,
        &format!(
            "joined: {} ok, {} failed in {:.1} s; sending for {} s",
            report.joins_ok,
            report.joins_failed,
            report.join_time.as_secs_f64(),
            settings.duration.as_secs_f64()
        ),
    );
    if report.joins_ok == 0 {
        return;
    }

    // Go: one schedule for everyone.
    let t0 = clock::now() + GO_DELAY;
    let _ = phase_tx.send(Phase::Go {
        t0,
        sizes: Arc::new(members),
    });
    report.t0 = Some(t0);
    report.cpu_start = cpu_now(pid);
    let send_end = t0 + settings.duration;
    let drain_end = send_end + settings.drain;
    tokio::time::sleep_until(t0.into()).await;
    let second = Duration::from_secs(1);
    let mut ticker = tokio::time::interval_at((t0 + second).into(), second);
    loop {
        let now = clock::now();
        if now >= send_end && Counters::get(&c.received) >= Counters::get(&c.expected) {
            report.drained = true;
            break;
        }
        if now >= drain_end {
            break;
        }
        tokio::select! {
            _ = ticker.tick() => {
                let sample = sample(shared, t0, pid);
                if !settings.quiet {
                    let prev = report.timeline.last().copied().unwrap_or_default();
                    eprintln!(
                        "load: t={:>5.1}s sent {:>8} (+{:>6}) received {:>9} (+{:>7}) of {:>9}{}",
                        sample.at.as_secs_f64(),
                        sample.sent,
                        sample.sent - prev.sent,
                        sample.received,
                        sample.received - prev.received,
                        sample.expected,
                        sample
                            .rss_kb
                            .map(|k| format!(", server RSS {:.1} MB", kb_to_mb(k)))
                            .unwrap_or_default()
                    );
                }
                report.timeline.push(sample);
            }
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
    report.timeline.push(sample(shared, t0, pid));
}

#[allow(
    clippy::cast_precision_loss,
    reason = "memory sizes are far below 2^53 kB"
)]
fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn sample(shared: &Shared, t0: Instant, pid: Option<u32>) -> Sample {
    let c = &shared.counters;
    Sample {
        at: t0.elapsed(),
        sent: Counters::get(&c.sent),
        expected: Counters::get(&c.expected),
        received: Counters::get(&c.received),
        rss_kb: pid.and_then(server::memory).map(|m| m.rss_kb),
    }
}

/// CPU time of the server (if watched), of this process, and of the whole machine.
fn cpu_now(pid: Option<u32>) -> report::Cpu {
    report::Cpu {
        server: pid.and_then(server::cpu_time),
        own: server::cpu_time(std::process::id()),
        machine: server::machine_busy(),
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index within the slice"
    )]
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}
