//! The report: what was measured, printed as a short table and, with `--json`, one JSON line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::args::{Leave, Settings};
use crate::client::Shared;
use crate::server::Memory;
use crate::stats::{Counters, Summary};

/// The counters, once a second during the traffic.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sample {
    /// Since the first message was due.
    pub(crate) at: Duration,
    pub(crate) sent: u64,
    pub(crate) expected: u64,
    pub(crate) received: u64,
    pub(crate) rss_kb: Option<u64>,
}

/// CPU time used so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cpu {
    /// By the server (if watched).
    pub(crate) server: Option<Duration>,
    /// By this process.
    pub(crate) own: Option<Duration>,
    /// By the whole machine, all cores.
    pub(crate) machine: Option<Duration>,
}

impl Cpu {
    /// What was used from `self` to `later`: server, this process, everything else.
    fn until(&self, later: &Self) -> Self {
        let diff = |a: Option<Duration>, b: Option<Duration>| Some(b?.saturating_sub(a?));
        let server = diff(self.server, later.server);
        let own = diff(self.own, later.own);
        let machine = diff(self.machine, later.machine);
        let others = machine.map(|m| {
            m.saturating_sub(server.unwrap_or_default())
                .saturating_sub(own.unwrap_or_default())
        });
        Self {
            server,
            own,
            machine: others,
        }
    }
}

/// Everything the run measured.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) settings: Settings,
    pub(crate) pid: Option<u32>,
    pub(crate) spawned: bool,
    pub(crate) load_start: Option<String>,
    pub(crate) load_end: Option<String>,

    pub(crate) joins_ok: usize,
    pub(crate) joins_failed: usize,
    pub(crate) join_failures: BTreeMap<String, usize>,
    pub(crate) join_time: Duration,
    pub(crate) join_p50: Duration,
    pub(crate) join_max: Duration,
    pub(crate) room_sizes: Vec<usize>,

    pub(crate) t0: Option<Instant>,
    pub(crate) traffic_time: Duration,
    pub(crate) drained: bool,
    pub(crate) deadline_hit: bool,
    pub(crate) timeline: Vec<Sample>,
    pub(crate) cpu_start: Cpu,
    pub(crate) cpu_end: Cpu,

    pub(crate) memory_idle: Option<Memory>,
    pub(crate) memory_joined: Option<Memory>,
    pub(crate) memory_end: Option<Memory>,
    pub(crate) memory_after_leave: Option<Memory>,

    pub(crate) leave_time: Duration,
    pub(crate) leave_timed_out: bool,
    pub(crate) server_exit: Option<(String, Duration)>,
    pub(crate) log_warnings: usize,
    pub(crate) log_first_warnings: Vec<String>,
    pub(crate) server_log: Option<PathBuf>,

    // From the counters, at the end.
    pub(crate) scheduled: u64,
    pub(crate) sent: u64,
    pub(crate) send_errors: u64,
    pub(crate) acked: u64,
    pub(crate) send_failed: u64,
    pub(crate) expected: u64,
    pub(crate) received: u64,
    pub(crate) duplicates: u64,
    pub(crate) reordered: u64,
    pub(crate) misrouted: u64,
    pub(crate) other: u64,
    pub(crate) aborted: u64,
    pub(crate) msrp_lost: u64,
    pub(crate) sip_lost: u64,
    pub(crate) early_byes: u64,
    pub(crate) final_byes: u64,
    pub(crate) other_requests: u64,
    pub(crate) left: u64,
    pub(crate) leave_failed: u64,
    pub(crate) msrp_bytes_in: u64,
    pub(crate) max_backlog: u64,
    /// From the first message due to the last delivery.
    pub(crate) delivery_window: Duration,
    pub(crate) latency: Summary,
    pub(crate) lag: Summary,
}

impl Report {
    pub(crate) fn new(
        settings: Settings,
        pid: Option<u32>,
        spawned: bool,
        load_start: Option<String>,
    ) -> Self {
        Self {
            settings,
            pid,
            spawned,
            load_start,
            load_end: None,
            joins_ok: 0,
            joins_failed: 0,
            join_failures: BTreeMap::new(),
            join_time: Duration::ZERO,
            join_p50: Duration::ZERO,
            join_max: Duration::ZERO,
            room_sizes: Vec::new(),
            t0: None,
            traffic_time: Duration::ZERO,
            drained: false,
            deadline_hit: false,
            timeline: Vec::new(),
            cpu_start: Cpu::default(),
            cpu_end: Cpu::default(),
            memory_idle: None,
            memory_joined: None,
            memory_end: None,
            memory_after_leave: None,
            leave_time: Duration::ZERO,
            leave_timed_out: false,
            server_exit: None,
            log_warnings: 0,
            log_first_warnings: Vec::new(),
            server_log: None,
            scheduled: 0,
            sent: 0,
            send_errors: 0,
            acked: 0,
            send_failed: 0,
            expected: 0,
            received: 0,
            duplicates: 0,
            reordered: 0,
            misrouted: 0,
            other: 0,
            aborted: 0,
            msrp_lost: 0,
            sip_lost: 0,
            early_byes: 0,
            final_byes: 0,
            other_requests: 0,
            left: 0,
            leave_failed: 0,
            msrp_bytes_in: 0,
            max_backlog: 0,
            delivery_window: Duration::ZERO,
            latency: Summary::default(),
            lag: Summary::default(),
        }
    }

    /// Reads the counters and histograms.
    pub(crate) fn finish(&mut self, shared: &Shared) {
        let c = &shared.counters;
        let get = Counters::get;
        self.scheduled = shared.scheduled;
        self.sent = get(&c.sent);
        self.send_errors = get(&c.send_errors);
        self.acked = get(&c.acked);
        self.send_failed = get(&c.send_failed);
        self.expected = get(&c.expected);
        self.received = get(&c.received);
        self.duplicates = get(&c.duplicates);
        self.reordered = get(&c.reordered);
        self.misrouted = get(&c.misrouted);
        self.other = get(&c.other);
        self.aborted = get(&c.aborted);
        self.msrp_lost = get(&c.msrp_lost);
        self.sip_lost = get(&c.sip_lost);
        self.early_byes = get(&c.early_byes);
        self.final_byes = get(&c.final_byes);
        self.other_requests = get(&c.other_requests);
        self.left = get(&c.left);
        self.leave_failed = get(&c.leave_failed);
        self.msrp_bytes_in = get(&c.msrp_bytes_in);
        self.max_backlog = get(&c.max_backlog);
        if let Some(t0) = self.t0 {
            let last = shared.epoch + Duration::from_nanos(get(&c.last_delivery_ns));
            self.delivery_window = last.saturating_duration_since(t0);
        }
        self.latency = shared.latency.summary();
        self.lag = shared.lag.summary();
    }

    pub(crate) fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.received)
    }

    /// Deliveries per second, from the first message due to the last delivery.
    pub(crate) fn relayed_per_second(&self) -> f64 {
        per_second(self.received, self.delivery_window)
    }

    /// The deliveries the messages sent asked for, per second of sending (shorter than
    /// `--duration` when the hard deadline cut it).
    pub(crate) fn offered_per_second(&self) -> f64 {
        per_second(self.expected, self.settings.duration.min(self.traffic_time))
    }

    /// The fewest and most deliveries in one second of the sending phase (the once-a-second
    /// samples; the last one, taken when the run ended, may be closer to the one before).
    fn per_second_range(&self) -> Option<(u64, u64)> {
        let mut prev = Sample::default();
        let mut range: Option<(u64, u64)> = None;
        for s in &self.timeline {
            if s.at > self.settings.duration + Duration::from_millis(100) {
                break;
            }
            if s.at.saturating_sub(prev.at) >= Duration::from_millis(900) {
                let d = s.received.saturating_sub(prev.received);
                range = Some(range.map_or((d, d), |(lo, hi)| (lo.min(d), hi.max(d))));
                prev = *s;
            }
        }
        range
    }

    /// CPU used during the traffic: server, this process, and everything else.
    fn cpu(&self) -> Cpu {
        self.cpu_start.until(&self.cpu_end)
    }

    /// The short table, on stdout.
    #[allow(clippy::print_stdout, reason = "the report")]
    pub(crate) fn print_table(&self) {
        let s = &self.settings;
        let who = match (self.pid, self.spawned) {
            (Some(p), true) => format!("server pid {p}, spawned"),
            (Some(p), false) => format!("server pid {p}"),
            (None, _) => "server memory not watched (no --server-pid)".to_owned(),
        };
        println!(
            "load: {} clients in {} rooms, {} msg/s for {} s, payload +{} B, {} threads ({who})",
            s.clients,
            s.rooms,
            s.rate,
            s.duration.as_secs_f64(),
            s.padding,
            s.threads
        );
        println!(
            "  machine load avg    {} at start, {} at end",
            self.load_start.as_deref().unwrap_or("?"),
            self.load_end.as_deref().unwrap_or("?")
        );
        println!(
            "  joins               {} ok, {} failed in {:.2} s (each: p50 {}, max {}){}",
            self.joins_ok,
            self.joins_failed,
            self.join_time.as_secs_f64(),
            ms(self.join_p50),
            ms(self.join_max),
            failures(&self.join_failures)
        );
        println!(
            "  messages            {} scheduled, {} sent, {} acknowledged (200), {} failed, {} refused by the session",
            self.scheduled, self.sent, self.acked, self.send_failed, self.send_errors
        );
        println!(
            "  deliveries          {} expected, {} received, {} lost, {} duplicated, {} reordered, {} misrouted, {} other{}",
            self.expected,
            self.received,
            self.lost(),
            self.duplicates,
            self.reordered,
            self.misrouted,
            self.other,
            if self.aborted > 0 {
                format!(", {} aborted", self.aborted)
            } else {
                String::new()
            }
        );
        let range = self
            .per_second_range()
            .map(|(lo, hi)| format!("; per second while sending: min {lo}, max {hi}"))
            .unwrap_or_default();
        println!(
            "  relayed             {:.0} deliveries/s over {:.2} s (offered {:.0}/s){range}{}",
            self.relayed_per_second(),
            self.delivery_window.as_secs_f64(),
            self.offered_per_second(),
            if self.drained {
                ""
            } else if self.deadline_hit {
                "; HARD DEADLINE hit"
            } else {
                "; NOT DRAINED in time"
            }
        );
        let l = &self.latency;
        println!(
            "  latency             p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (mean {}, {} samples)",
            us(l.p50),
            us(l.p90),
            us(l.p99),
            us(l.p999),
            us(l.max),
            us(l.mean),
            l.count
        );
        let g = &self.lag;
        println!(
            "  send lag            p50 {}  p99 {}  max {}  (how late the generator sent against its schedule)",
            us(g.p50),
            us(g.p99),
            us(g.max)
        );
        println!(
            "  server memory       RSS idle {}, joined {}, end of traffic {}, after leave {}; peak VmHWM {}",
            rss(self.memory_idle),
            rss(self.memory_joined),
            rss(self.memory_end),
            if s.leave == Leave::Stay {
                "n/a (the server stopped first)".to_owned()
            } else {
                rss(self.memory_after_leave)
            },
            self.memory_after_leave
                .or(self.memory_end)
                .map_or("?".to_owned(), |m| mb(m.hwm_kb))
        );
        let used = self.cpu();
        println!(
            "  cpu over traffic    server {}, load generator {}, other processes {} ({:.2} s wall, {} cores)",
            cpu(used.server, self.traffic_time),
            cpu(used.own, self.traffic_time),
            cpu(used.machine, self.traffic_time),
            self.traffic_time.as_secs_f64(),
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
        );
        let leave = match s.leave {
            Leave::Bye => format!(
                "{} left with BYE 200, {} did not ({} BYEs from the server crossed theirs)",
                self.left, self.leave_failed, self.final_byes
            ),
            Leave::Stay => format!("{} BYEs from the server at SIGINT", self.final_byes),
        };
        println!(
            "  connections         {} MSRP lost, {} SIP lost, {} BYEs from the server mid-run, {} other requests, client write backlog max {} B; {leave} in {:.2} s{}",
            self.msrp_lost,
            self.sip_lost,
            self.early_byes,
            self.other_requests,
            self.max_backlog,
            self.leave_time.as_secs_f64(),
            if self.leave_timed_out {
                " (TIMED OUT)"
            } else {
                ""
            }
        );
        if let Some((status, took)) = &self.server_exit {
            println!(
                "  server stop         SIGINT: {status} after {:.2} s; {} WARN/ERROR log lines{}",
                took.as_secs_f64(),
                self.log_warnings,
                self.server_log
                    .as_ref()
                    .map(|p| format!(" (log kept: {})", p.display()))
                    .unwrap_or_default()
            );
            for line in &self.log_first_warnings {
                println!("      {line}");
            }
        }
    }

    /// One JSON line.
    pub(crate) fn json(&self) -> String {
        let s = &self.settings;
        let used = self.cpu();
        let mem = |m: Option<Memory>| m.map(|m| json!({"rss_kb": m.rss_kb, "hwm_kb": m.hwm_kb}));
        let summary = |x: &Summary| {
            json!({
                "count": x.count, "mean": x.mean, "p50": x.p50, "p90": x.p90,
                "p99": x.p99, "p999": x.p999, "max": x.max,
            })
        };
        let timeline: Vec<_> = self
            .timeline
            .iter()
            .map(|t| {
                json!({
                    "t_ms": t.at.as_millis(), "sent": t.sent, "expected": t.expected,
                    "received": t.received, "rss_kb": t.rss_kb,
                })
            })
            .collect();
        json!({
            "config": {
                "clients": s.clients, "rooms": s.rooms, "rate": s.rate,
                "duration_s": s.duration.as_secs_f64(), "padding": s.padding,
                "threads": s.threads, "spawn": self.spawned,
                "leave": match s.leave { Leave::Bye => "bye", Leave::Stay => "stay" },
            },
            "load_avg": {"start": self.load_start, "end": self.load_end},
            "joins": {
                "ok": self.joins_ok, "failed": self.joins_failed,
                "failures": self.join_failures, "time_s": self.join_time.as_secs_f64(),
                "p50_ms": self.join_p50.as_secs_f64() * 1e3,
                "max_ms": self.join_max.as_secs_f64() * 1e3,
                "room_sizes": self.room_sizes,
            },
            "messages": {
                "scheduled": self.scheduled, "sent": self.sent, "acked": self.acked,
                "failed": self.send_failed, "refused": self.send_errors,
            },
            "deliveries": {
                "expected": self.expected, "received": self.received, "lost": self.lost(),
                "duplicated": self.duplicates, "reordered": self.reordered,
                "misrouted": self.misrouted, "other": self.other, "aborted": self.aborted,
                "drained": self.drained, "deadline_hit": self.deadline_hit,
            },
            "relayed_per_s": self.relayed_per_second(),
            "offered_per_s": self.offered_per_second(),
            "delivery_window_s": self.delivery_window.as_secs_f64(),
            "latency_us": summary(&self.latency),
            "send_lag_us": summary(&self.lag),
            "server": {
                "pid": self.pid,
                "memory_idle": mem(self.memory_idle),
                "memory_joined": mem(self.memory_joined),
                "memory_end": mem(self.memory_end),
                "memory_after_leave": mem(self.memory_after_leave),
                "cpu_s": used.server.map(|d| d.as_secs_f64()),
                "exit": self.server_exit.as_ref().map(|(s, _)| s.clone()),
                "stop_s": self.server_exit.as_ref().map(|(_, d)| d.as_secs_f64()),
                "log_warnings": self.log_warnings,
            },
            "load_cpu_s": used.own.map(|d| d.as_secs_f64()),
            "others_cpu_s": used.machine.map(|d| d.as_secs_f64()),
            "traffic_s": self.traffic_time.as_secs_f64(),
            "connections": {
                "msrp_lost": self.msrp_lost, "sip_lost": self.sip_lost,
                "early_byes": self.early_byes, "final_byes": self.final_byes,
                "other_requests": self.other_requests, "left": self.left,
                "leave_failed": self.leave_failed, "leave_s": self.leave_time.as_secs_f64(),
                "leave_timed_out": self.leave_timed_out,
            },
            "msrp_bytes_in": self.msrp_bytes_in,
            "client_max_write_backlog": self.max_backlog,
            "timeline": timeline,
        })
        .to_string()
    }
}

#[allow(
    clippy::cast_precision_loss,
    reason = "counts far below 2^53 make a rate"
)]
fn per_second(n: u64, over: Duration) -> f64 {
    let secs = over.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

fn failures(f: &BTreeMap<String, usize>) -> String {
    if f.is_empty() {
        return String::new();
    }
    let mut v: Vec<_> = f.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1));
    let parts: Vec<String> = v
        .iter()
        .take(4)
        .map(|(reason, n)| format!("{n}× {reason}"))
        .collect();
    format!(": {}", parts.join(", "))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[allow(clippy::cast_precision_loss, reason = "microseconds far below 2^53")]
fn us(v: u64) -> String {
    if v >= 10_000 {
        format!("{:.1} ms", v as f64 / 1e3)
    } else {
        format!("{:.2} ms", v as f64 / 1e3)
    }
}

#[allow(clippy::cast_precision_loss, reason = "kilobytes far below 2^53")]
fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn rss(m: Option<Memory>) -> String {
    m.map_or("?".to_owned(), |m| mb(m.rss_kb))
}

fn cpu(d: Option<Duration>, wall: Duration) -> String {
    match d {
        Some(d) if !wall.is_zero() => format!(
            "{:.2} s ({:.0}% of one core)",
            d.as_secs_f64(),
            100.0 * d.as_secs_f64() / wall.as_secs_f64()
        ),
        Some(d) => format!("{:.2} s", d.as_secs_f64()),
        None => "?".to_owned(),
    }
}
