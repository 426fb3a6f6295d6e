//! The load generator's flags, their defaults and hard caps, and the usage text.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The most simulated clients (each holds two TCP connections, and so does the server).
pub(crate) const MAX_CLIENTS: usize = 2000;
/// The most rooms.
pub(crate) const MAX_ROOMS: usize = 500;
/// The highest total message rate, in messages per second.
pub(crate) const MAX_RATE: f64 = 20_000.0;
/// The longest sending phase.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(60);
/// The longest wait for deliveries after the sending phase.
pub(crate) const MAX_DRAIN: Duration = Duration::from_secs(30);
/// The latest the whole run may end (joins, traffic, drain, leave).
pub(crate) const MAX_DEADLINE: Duration = Duration::from_secs(180);
/// The most deliveries a run may plan (`rate × duration × (room size − 1)`): each is a bit
/// in its receiver's table and a relayed SEND on loopback.
pub(crate) const MAX_EXPECTED_DELIVERIES: f64 = 50_000_000.0;
/// The largest padding of a message body.
pub(crate) const MAX_BODY_PADDING: usize = 16 * 1024;
/// The most joins in progress at once.
pub(crate) const MAX_JOIN_CONCURRENCY: usize = 256;
/// The most runtime worker threads.
pub(crate) const MAX_THREADS: usize = 8;

/// The usage text of `--help`.
pub(crate) const USAGE: &str = "\
load: N simulated IM clients in M rooms against a chat_server over loopback
(SIP over TCP, MSRP over TCP), a fixed total message rate for a fixed time,
then a report of joins, deliveries, losses, latency and the server's memory.

USAGE:
    cargo run --release --example load -- [OPTIONS]

    Against a running server (its rooms must be sip:room0@HOST .. sip:room{M-1}@HOST):
        cargo run --release --example chat_server -- --room sip:room0@127.0.0.1 --room sip:room1@127.0.0.1
        cargo run --release --example load -- --clients 20 --rooms 2 --server-pid PID
    Or let it start and stop the server itself:
        cargo build --release --example chat_server
        cargo run --release --example load -- --spawn --clients 200 --rooms 10 --rate 500

OPTIONS:
    -n, --clients N          simulated clients (at most 2000)                    [default: 20]
    -m, --rooms M            rooms; client i joins room i mod M (at most 500)    [default: 2]
    -r, --rate R             messages per second, all clients together (<= 20000) [default: 200]
    -d, --duration SECS      how long they send (at most 60)                    [default: 10]
    --size BYTES             padding added to each message's payload (<= 16384)  [default: 0]
    --spawn                  start the server (target/<profile>/examples/chat_server beside
                             this binary) on free loopback ports with the M rooms, stop it
                             with SIGINT at the end
    --server-bin PATH        the server binary for --spawn
    --server-log FILTER      the spawned server's log filter               [default: warn]
    --sip ADDR               a running server's SIP over TCP address  [default: 127.0.0.1:5060]
    --room-host HOST         the host part of the room URIs            [default: the IP of --sip]
    --server-pid PID         read this process's memory (VmRSS, VmHWM) for the report
    --join-concurrency K     joins in progress at once (at most 256)              [default: 32]
    --join-timeout SECS      how long the joins may take, all together            [default: 30]
    --drain SECS             how long to wait for deliveries after sending (<= 30) [default: 5]
    --deadline SECS          hard stop of the whole run, after which it reports what it has
                             (at most 180)          [default: join-timeout + duration + drain + 15]
    --leave bye|stay         at the end each client sends BYE (bye), or stays until the
                             spawned server's SIGINT ends the rooms with BYEs (stay)
                                                                            [default: bye]
    --threads T              runtime worker threads (at most 8)                    [default: 2]
    --json                   also print the report as one JSON line
    -q, --quiet              no progress lines on stderr
    -h, --help               print this text
";

/// How clients leave at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leave {
    /// Each client sends BYE.
    Bye,
    /// Clients stay; the spawned server's SIGINT sends the BYEs.
    Stay,
}

/// Everything the run is told.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) clients: usize,
    pub(crate) rooms: usize,
    pub(crate) rate: f64,
    pub(crate) duration: Duration,
    pub(crate) padding: usize,
    pub(crate) spawn: bool,
    pub(crate) server_bin: Option<PathBuf>,
    pub(crate) server_log: String,
    pub(crate) sip: SocketAddr,
    pub(crate) room_host: String,
    pub(crate) server_pid: Option<u32>,
    pub(crate) join_concurrency: usize,
    pub(crate) join_timeout: Duration,
    pub(crate) drain: Duration,
    pub(crate) deadline: Duration,
    pub(crate) leave: Leave,
    pub(crate) threads: usize,
    pub(crate) json: bool,
    pub(crate) quiet: bool,
}

impl Settings {
    /// The URI of room `r`.
    pub(crate) fn room_uri(&self, r: usize) -> String {
        format!("sip:room{r}@{}", self.room_host)
    }

    /// The members room `r` gets: clients `r`, `r + M`, `r + 2M`, ...
    pub(crate) fn room_capacity(&self, r: usize) -> usize {
        self.clients / self.rooms + usize::from(r < self.clients % self.rooms)
    }

    /// The messages scheduled in all: one every `1 / rate` seconds for `duration`.
    pub(crate) fn scheduled(&self) -> u64 {
        // Bounded by MAX_RATE × MAX_DURATION, far below 2^53.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a positive product below 1.2 million"
        )]
        let n = (self.rate * self.duration.as_secs_f64()).floor() as u64;
        n
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    /// Run with these settings.
    Run(Box<Settings>),
    /// Print the usage text.
    Help,
}

/// Reads the command line (without the program name) and checks every cap.
///
/// # Errors
/// A message naming the flag or value that is wrong.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut s = Settings {
        clients: 20,
        rooms: 2,
        rate: 200.0,
        duration: Duration::from_secs(10),
        padding: 0,
        spawn: false,
        server_bin: None,
        server_log: "warn".to_owned(),
        sip: SocketAddr::from(([127, 0, 0, 1], 5060)),
        room_host: String::new(),
        server_pid: None,
        join_concurrency: 32,
        join_timeout: Duration::from_secs(30),
        drain: Duration::from_secs(5),
        deadline: Duration::ZERO,
        leave: Leave::Bye,
        threads: 2,
        json: false,
        quiet: false,
    };
    let mut deadline = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        match key.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--spawn" => s.spawn = true,
            "--json" => s.json = true,
            "-q" | "--quiet" => s.quiet = true,
            _ => {
                let value = match inline {
                    Some(v) => v,
                    None => args
                        .next()
                        .ok_or_else(|| format!("{key} needs a value (see --help)"))?,
                };
                set(&mut s, &mut deadline, &key, value.trim())?;
            }
        }
    }
    check(&mut s, deadline)?;
    Ok(Command::Run(Box::new(s)))
}

fn set(
    s: &mut Settings,
    deadline: &mut Option<Duration>,
    key: &str,
    v: &str,
) -> Result<(), String> {
    match key {
        "-n" | "--clients" => s.clients = number(key, v)?,
        "-m" | "--rooms" => s.rooms = number(key, v)?,
        "-r" | "--rate" => s.rate = real(key, v)?,
        "-d" | "--duration" => s.duration = seconds(key, v)?,
        "--size" => s.padding = number(key, v)?,
        "--server-bin" => s.server_bin = Some(PathBuf::from(v)),
        "--server-log" => s.server_log = v.to_owned(),
        "--sip" => {
            s.sip = v
                .parse()
                .map_err(|_| format!("{key}: `{v}` is not an IP:port address"))?;
        }
        "--room-host" => s.room_host = v.to_owned(),
        "--server-pid" => s.server_pid = Some(number(key, v)?),
        "--join-concurrency" => s.join_concurrency = number(key, v)?,
        "--join-timeout" => s.join_timeout = seconds(key, v)?,
        "--drain" => s.drain = seconds(key, v)?,
        "--deadline" => *deadline = Some(seconds(key, v)?),
        "--leave" => {
            s.leave = match v {
                "bye" => Leave::Bye,
                "stay" => Leave::Stay,
                _ => return Err(format!("{key}: `{v}` is neither bye nor stay")),
            }
        }
        "--threads" => s.threads = number(key, v)?,
        _ => return Err(format!("unknown option {key} (see --help)")),
    }
    Ok(())
}

/// The caps, and the defaults that depend on other flags.
fn check(s: &mut Settings, deadline: Option<Duration>) -> Result<(), String> {
    within("--clients", s.clients, 1, MAX_CLIENTS)?;
    within("--rooms", s.rooms, 1, MAX_ROOMS.min(s.clients))?;
    if !(s.rate > 0.0 && s.rate <= MAX_RATE) {
        return Err(format!("--rate: between 0 and {MAX_RATE} messages/s"));
    }
    if s.duration.is_zero() || s.duration > MAX_DURATION {
        return Err(format!(
            "--duration: more than 0 and at most {} s",
            MAX_DURATION.as_secs()
        ));
    }
    within("--size", s.padding, 0, MAX_BODY_PADDING)?;
    within(
        "--join-concurrency",
        s.join_concurrency,
        1,
        MAX_JOIN_CONCURRENCY,
    )?;
    within("--threads", s.threads, 1, MAX_THREADS)?;
    if s.drain > MAX_DRAIN {
        return Err(format!("--drain: at most {} s", MAX_DRAIN.as_secs()));
    }
    if s.join_timeout.is_zero() || s.join_timeout > MAX_DEADLINE {
        return Err(format!(
            "--join-timeout: more than 0 and at most {} s",
            MAX_DEADLINE.as_secs()
        ));
    }
    let largest_room = s.room_capacity(0);
    let deliveries = s.rate * s.duration.as_secs_f64() * largest_room.saturating_sub(1) as f64;
    if deliveries > MAX_EXPECTED_DELIVERIES {
        return Err(format!(
            "rate × duration × (room size − 1) = {deliveries:.0} deliveries: at most \
             {MAX_EXPECTED_DELIVERIES:.0} (fewer clients per room, a lower rate or a shorter run)"
        ));
    }
    s.deadline = deadline
        .unwrap_or(s.join_timeout + s.duration + s.drain + Duration::from_secs(15))
        .min(MAX_DEADLINE);
    if s.leave == Leave::Stay && !s.spawn {
        return Err("--leave stay needs --spawn (the server's SIGINT sends the BYEs)".into());
    }
    if s.room_host.is_empty() {
        s.room_host = if s.spawn {
            "127.0.0.1".to_owned()
        } else {
            match s.sip.ip() {
                std::net::IpAddr::V4(a) => a.to_string(),
                std::net::IpAddr::V6(a) => format!("[{a}]"),
            }
        };
    }
    Ok(())
}

fn within(key: &str, v: usize, lo: usize, hi: usize) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("{key}: {v} is not between {lo} and {hi}"))
    }
}

fn number<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{key}: `{v}` is not a whole number"))
}

fn real(key: &str, v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!("{key}: `{v}` is not a number")),
    }
}

fn seconds(key: &str, v: &str) -> Result<Duration, String> {
    let x = real(key, v)?;
    if !(0.0..=MAX_DEADLINE.as_secs_f64()).contains(&x) {
        return Err(format!("{key}: `{v}` s is out of range"));
    }
    Ok(Duration::from_secs_f64(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Settings, String> {
        match parse(args.iter().map(|s| (*s).to_owned()))? {
            Command::Run(s) => Ok(*s),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults_and_caps() {
        let s = run(&[]).unwrap();
        assert_eq!((s.clients, s.rooms, s.scheduled()), (20, 2, 2000));
        assert_eq!(s.room_uri(1), "sip:room1@127.0.0.1");
        assert!(run(&["-n", "2001"]).is_err());
        assert!(run(&["-n", "5", "-m", "6"]).is_err());
        assert!(run(&["--rate", "0"]).is_err());
        assert!(run(&["--duration=61"]).is_err());
        assert!(run(&["-n", "2000", "-m", "1", "-r", "20000"]).is_err());
    }

    #[test]
    fn rooms_share_the_clients() {
        let s = run(&["-n", "7", "-m", "3"]).unwrap();
        let sizes: Vec<_> = (0..3).map(|r| s.room_capacity(r)).collect();
        assert_eq!(sizes, [3, 2, 2]);
    }
}
