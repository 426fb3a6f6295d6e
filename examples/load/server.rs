//! The server under load: started and stopped here with `--spawn`, or only watched
//! (`--server-pid`); its memory and CPU time read from `/proc`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::args::Settings;
use crate::clock;

/// How long the spawned server may take to say `ready`.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long it may take to exit after SIGINT (it waits up to 2 s for BYEs, 1 s to flush).
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A server process started by the load generator; killed if still running when dropped.
pub(crate) struct Spawned {
    child: Child,
    pub(crate) sip: SocketAddr,
    pub(crate) dir: PathBuf,
    pub(crate) log: PathBuf,
}

impl Spawned {
    /// Starts `bin` on free loopback ports with rooms `room0` .. `room{M-1}`, its database
    /// and log in a fresh directory, and waits for its `ready` line.
    ///
    /// # Errors
    /// When it cannot start, exits, or is not ready in time (with its log).
    pub(crate) fn start(settings: &Settings, bin: &Path) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("simpleim-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = dir.join("server.log");
        let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut command = Command::new(bin);
        command
            .args(["--sip", "127.0.0.1:0", "--msrp", "127.0.0.1:0"])
            .args(["--push-msrp", "127.0.0.1:0", "--no-udp"])
            .args(["--log", &settings.server_log, "--db"])
            .arg(dir.join("load.db"));
        for r in 0..settings.rooms {
            command.arg("--room").arg(settings.room_uri(r));
        }
        let mut child = command
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        // Its stdout, one `what address` per line until `ready` (then nothing more; the
        // thread ends when the server does).
        let (tx, rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let started = clock::now();
        let mut sip = None;
        let mut rooms = 0;
        loop {
            let left = START_TIMEOUT.saturating_sub(started.elapsed());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the server did not say ready within {} s:\n{}",
                    START_TIMEOUT.as_secs(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                ));
            };
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("sip-tcp"), Some(a)) => sip = a.parse().ok(),
                (Some("room"), Some(_)) => rooms += 1,
                (Some("ready"), _) => break,
                _ => {}
            }
        }
        let Some(sip) = sip else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the server announced no SIP over TCP address".into());
        };
        if rooms != settings.rooms {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the server serves {rooms} rooms, {} asked for",
                settings.rooms
            ));
        }
        Ok(Self {
            child,
            sip,
            dir,
            log,
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGINT (as Ctrl-C would), then waits for the exit. Killed when it does not exit in
    /// time. Returns the exit status (or why there is none) and how long it took.
    pub(crate) fn stop(&mut self) -> (String, Duration) {
        let started = clock::now();
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        if !sent.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return (describe(status), started.elapsed()),
                Ok(None) if started.elapsed() < STOP_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return (
                        format!(
                            "did not exit within {} s of SIGINT; killed",
                            STOP_TIMEOUT.as_secs()
                        ),
                        started.elapsed(),
                    );
                }
                Err(e) => return (format!("wait failed: {e}"), started.elapsed()),
            }
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(0) => "exit 0".to_owned(),
        Some(c) => format!("exit {c}"),
        None => format!("{status}"),
    }
}

/// The server binary beside this one: `<target>/<profile>/examples/chat_server`.
pub(crate) fn default_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe
        .parent()?
        .join(format!("chat_server{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

/// A process's memory, in kB, from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Memory {
    /// Resident set size now.
    pub(crate) rss_kb: u64,
    /// Its peak.
    pub(crate) hwm_kb: u64,
}

/// `VmRSS` and `VmHWM` of `pid`, if it is still there.
pub(crate) fn memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    Some(Memory {
        rss_kb: field("VmRSS:")?,
        hwm_kb: field("VmHWM:")?,
    })
}

/// CPU time (user + system) of `pid` so far, from `/proc/<pid>/stat` (clock ticks at the
/// usual 100 Hz).
pub(crate) fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after it.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// CPU time the whole machine has spent busy so far (all cores: user, nice, system, irq,
/// softirq, steal from the first line of `/proc/stat`, at 100 Hz).
pub(crate) fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: u64 = [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| f.get(i)).sum();
    Some(Duration::from_millis(busy * 10))
}

/// The machine's load averages (`/proc/loadavg`: 1, 5, 15 minutes).
pub(crate) fn load_average() -> Option<String> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// Lines of the server log at WARN or ERROR, and the first few of them.
pub(crate) fn log_warnings(log: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .collect();
    (
        bad.len(),
        bad.iter().take(5).map(|l| (*l).to_owned()).collect(),
    )
}
