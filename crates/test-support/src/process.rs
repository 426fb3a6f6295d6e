//! Programs the tests run as processes: the examples built beside a test, real peers (sipp,
//! kamailio, tshark), free loopback ports, and the chat server started on them, read until it
//! says `ready`, and stopped with SIGINT as Ctrl-C would.
//!
//! Every wait here is bounded; a process still running when its owner is dropped is killed,
//! so a failing test leaves nothing behind.
#![allow(
    clippy::disallowed_methods,
    clippy::print_stderr,
    reason = "the tests' host reads the clock to bound its waits, and says why a test is skipped"
)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the chat server may take to say `ready`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The example `name` built beside the running test (`<target>/<profile>/examples/<name>`;
/// the test runs from `<target>/<profile>/deps/`). `cargo test` builds examples before tests;
/// `cargo test --test X` does not, and then this is `None`.
#[must_use]
pub fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

/// Says that `test` is skipped because the `chat_server` example is not built.
pub fn skip_without_server(test: &str) {
    eprintln!(
        "{test}: SKIPPED: the chat_server example is not built beside this test (run `cargo \
         test`, which builds examples first, or `cargo build --example chat_server`)"
    );
}

/// The program `name` on `PATH` (or in `/usr/sbin`, `/sbin`, where Debian puts daemons such
/// as kamailio and `PATH` of a non-root user does not look).
#[must_use]
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A real peer program for an interop test: `Some(path)` when it is installed. When it is
/// not, the test is skipped (`None`, with a note saying which Debian `package` provides it),
/// except under `CI=true`, where `.ci/run` installs it and its absence is a failure.
///
/// # Panics
/// When the program is missing and `CI` is `true`.
#[must_use]
pub fn peer(name: &str, package: &str) -> Option<PathBuf> {
    if let Some(p) = find_program(name) {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but `{name}` is missing (.ci/run installs the Debian package {package})"
    );
    eprintln!("note: `{name}` not found (Debian package {package}); skipping this interop test");
    None
}

/// A fresh directory under the system's temporary directory for one test's files (logs,
/// databases, configurations, captures), named after `what`, the process and a counter.
///
/// # Panics
/// When it cannot be created.
#[must_use]
pub fn scratch_dir(what: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "simpleim-{what}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// A loopback port that was free for both TCP and UDP a moment ago, for a peer that must be
/// told its port up front (sipp's `-p`, kamailio's `listen`). Another process may take it
/// in between; callers keep the window short.
///
/// # Panics
/// When no port can be found in 100 tries.
#[must_use]
pub fn free_port() -> u16 {
    for _ in 0..100 {
        let Ok(tcp) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(port) = tcp.local_addr().map(|a| a.port()) else {
            continue;
        };
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port")
}

/// Sends SIGINT to `child`, as Ctrl-C would (with `kill`, so that no unsafe code is needed).
///
/// # Panics
/// When `kill` cannot be run.
pub fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT {}", child.id());
}

/// Waits for `child` to exit, at most `within`; kills it and returns `None` when it does not.
///
/// # Panics
/// When its status cannot be read.
pub fn wait_bounded(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("process status") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A child process killed when dropped if it is still running, so that a failing test
/// leaves no server or sipp behind.
#[derive(Debug)]
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A daemon started in a process group of its own (kamailio forks its workers), so that
/// stopping it stops them all: SIGTERM to the group, then SIGKILL to whatever is left.
#[derive(Debug)]
pub struct ProcessGroup {
    child: Child,
    stopped: Option<ExitStatus>,
}

impl ProcessGroup {
    /// Spawns `cmd` as the leader of a new process group.
    ///
    /// # Errors
    /// When it cannot be spawned.
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            cmd.process_group(0);
        }
        let child = cmd.spawn()?;
        Ok(Self {
            child,
            stopped: None,
        })
    }

    /// Whether the leader is still running.
    pub fn is_running(&mut self) -> bool {
        self.stopped.is_none() && matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGINT to the leader only, as Ctrl-C would (tshark then stops its dumpcap and
    /// writes out its capture).
    pub fn interrupt(&self) {
        interrupt(&self.child);
    }

    /// Waits at most `within` for the leader to exit by itself, then kills whatever is left
    /// of the group; `None` (and nothing killed) when it is still running.
    pub fn wait(&mut self, within: Duration) -> Option<ExitStatus> {
        if self.stopped.is_none() {
            let deadline = Instant::now() + within;
            while self.is_running() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            self.stopped = self.child.try_wait().ok().flatten();
            if self.stopped.is_some() {
                self.signal_group("-KILL");
            }
        }
        self.stopped
    }

    /// SIGTERM to the group; the leader's exit status within `within`, else SIGKILL to the
    /// group and `None`.
    pub fn stop(&mut self, within: Duration) -> Option<ExitStatus> {
        if self.stopped.is_none() {
            self.signal_group("-TERM");
            self.stopped = wait_bounded(&mut self.child, within);
            // Workers that outlive their leader would keep the port.
            self.signal_group("-KILL");
        }
        self.stopped
    }

    fn signal_group(&self, signal: &str) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args([signal, "--", &group])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        let _ = self.stop(Duration::from_secs(5));
    }
}

/// `examples/chat_server` running as a process on free loopback ports.
///
/// [`ChatServer::start`] runs it with `--sip 127.0.0.1:0 --msrp 127.0.0.1:0 --push-msrp
/// 127.0.0.1:0`, its database and log in a given directory, and reads its stdout until
/// `ready`: one `what address` line per listener (`sip-udp`, `sip-tcp`, `msrp`,
/// `msrp-deferred`) and one `room URI ...` line per room.
#[derive(Debug)]
pub struct ChatServer {
    process: Reaped,
    log: PathBuf,
    db: PathBuf,
    announced: Vec<String>,
}

impl ChatServer {
    /// Starts `bin` with its database (`chat.db`) and log (`server-N.log`) in `dir`, the log
    /// filter `log`, and `extra` arguments (`--room ...`). Waits at most 10 s for `ready`.
    ///
    /// # Panics
    /// When it cannot be started or does not say `ready` in time (the log is in the message).
    #[must_use]
    pub fn start(bin: &Path, dir: &Path, log: &str, extra: &[&str]) -> Self {
        static LOGS: AtomicUsize = AtomicUsize::new(0);
        let db = dir.join("chat.db");
        let log_file = dir.join(format!(
            "server-{}.log",
            LOGS.fetch_add(1, Ordering::Relaxed)
        ));
        let mut child = Command::new(bin)
            .args(["--sip", "127.0.0.1:0", "--msrp", "127.0.0.1:0"])
            .args(["--push-msrp", "127.0.0.1:0", "--log", log, "--db"])
            .arg(&db)
            .args(extra)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log_file).expect("server log file"))
            .spawn()
            .expect("start the chat server");
        let stdout = child.stdout.take().expect("piped stdout");
        let process = Reaped(child);
        let (tx, rx) = mpsc::channel();
        // Read to the end, so that a late line never meets a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let mut announced = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line == "ready" => break,
                Ok(line) => announced.push(line),
                Err(_) => panic!(
                    "the chat server did not say it was ready (it said {announced:?}):\n{}",
                    std::fs::read_to_string(&log_file).unwrap_or_default()
                ),
            }
        }
        Self {
            process,
            log: log_file,
            db,
            announced,
        }
    }

    /// The address announced as `what` (`sip-udp`, `sip-tcp`, `msrp`, `msrp-deferred`).
    ///
    /// # Panics
    /// When the server did not announce it.
    #[must_use]
    pub fn addr(&self, what: &str) -> SocketAddr {
        self.announced
            .iter()
            .find_map(|l| l.strip_prefix(what)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no `{what}` address in {:?}", self.announced))
    }

    /// The URIs of the rooms it serves, in the order announced.
    #[must_use]
    pub fn rooms(&self) -> Vec<&str> {
        self.announced
            .iter()
            .filter_map(|l| l.strip_prefix("room ")?.split_whitespace().next())
            .collect()
    }

    /// Its SQLite file.
    #[must_use]
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Its log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGINT, as Ctrl-C would.
    pub fn interrupt(&self) {
        interrupt(&self.process.0);
    }

    /// Waits at most `within` for it to exit by itself.
    ///
    /// # Panics
    /// When it does not (it is killed, and the log is in the message).
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        wait_bounded(&mut self.process.0, within)
            .unwrap_or_else(|| panic!("the chat server did not exit:\n{}", self.log()))
    }

    /// SIGINT, then the exit status within `within` and the whole log.
    ///
    /// # Panics
    /// As [`ChatServer::wait`].
    pub fn stop(&mut self, within: Duration) -> (ExitStatus, String) {
        self.interrupt();
        let status = self.wait(within);
        (status, self.log())
    }
}

/// The example `name` built beside the running test, or `None` with a note saying that
/// `test` is skipped; under `CI=true` a missing example is a failure.
///
/// # Panics
/// When the example is missing and `CI` is `true`.
#[must_use]
pub fn example_or_skip(test: &str, name: &str) -> Option<PathBuf> {
    let bin = example(name);
    if bin.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the {name} example is not built beside {test}"
        );
        eprintln!(
            "{test}: SKIPPED: the {name} example is not built beside this test (build the \
             examples first: `cargo build --example {name}`; `cargo test` builds them)"
        );
    }
    bin
}

/// `text` without the ANSI colour sequences (`ESC [ ... m`) a tracing log may carry.
#[must_use]
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `examples/msrp_relay` running as a process on a free loopback port, its log (stderr) in a
/// file.
#[derive(Debug)]
pub struct MsrpRelay {
    process: Reaped,
    log: PathBuf,
    port: u16,
}

impl MsrpRelay {
    /// Starts `bin` listening on a free loopback port, allowing the `users` (`name:password`),
    /// its log in `log`. Waits at most 10 s until it accepts connections.
    ///
    /// # Panics
    /// When it cannot be started, exits, or does not listen in time (the log is in the
    /// message).
    #[must_use]
    pub fn start(bin: &Path, log: &Path, users: &[&str]) -> Self {
        let port = free_port();
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", &format!("127.0.0.1:{port}")]);
        for u in users {
            cmd.args(["--user", u]);
        }
        let child = cmd
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("relay log file"))
            .spawn()
            .expect("start msrp_relay");
        let mut relay = Self {
            process: Reaped(child),
            log: log.to_owned(),
            port,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let running = matches!(relay.process.0.try_wait(), Ok(None));
            assert!(
                running && Instant::now() < deadline,
                "msrp_relay is not listening on {port}:\n{}",
                relay.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        relay
    }

    /// Its port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Its URI without a session, for a client's `--relay`.
    #[must_use]
    pub fn uri(&self) -> String {
        format!("msrp://127.0.0.1:{};tcp", self.port)
    }

    /// Its log so far, without colours.
    #[must_use]
    pub fn log(&self) -> String {
        strip_ansi(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// SIGINT; its exit status within `within`, or `None` (it is killed).
    pub fn stop(&mut self, within: Duration) -> Option<ExitStatus> {
        interrupt(&self.process.0);
        wait_bounded(&mut self.process.0, within)
    }
}

/// An `examples/chat_client` process: its stdin (the lines it is typed), its stdout lines as
/// they come (run it with `--machine`), its stderr in a file.
#[derive(Debug)]
pub struct ChatClient {
    /// Who it is (the name the test knows it by).
    pub who: String,
    /// The process.
    pub process: Reaped,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stderr: PathBuf,
}

impl ChatClient {
    /// Starts `bin` with `args`, its stderr in `dir/<who>.stderr`.
    ///
    /// # Panics
    /// When it cannot be started.
    #[must_use]
    pub fn spawn(bin: &Path, dir: &Path, who: &str, args: &[&str]) -> Self {
        let stderr = dir.join(format!("{who}.stderr"));
        let mut child = Command::new(bin)
            .args(args)
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("client stderr file"))
            .spawn()
            .expect("start chat_client");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        Self {
            who: who.to_owned(),
            process: Reaped(child),
            stdin,
            lines,
            stderr,
        }
    }

    /// `chat_client --machine` as `who` in the room `sip:chat@127.0.0.1` of the server at
    /// `sip` (SIP over TCP), its room session through the MSRP relay `relay` (`--relay`,
    /// an `msrp://host:port;tcp` URI) with the credentials `user` and `password`, and the
    /// `extra` arguments.
    ///
    /// # Panics
    /// As [`ChatClient::spawn`].
    #[must_use]
    pub fn spawn_through_relay(
        bin: &Path,
        dir: &Path,
        (who, sip): (&str, &str),
        relay: &str,
        (user, password): (&str, &str),
        extra: &[&str],
    ) -> Self {
        let mut args = vec![
            "--name",
            who,
            "--room",
            "sip:chat@127.0.0.1",
            "--machine",
            "--server",
            sip,
            "--relay",
            relay,
            "--relay-user",
            user,
            "--relay-password",
            password,
        ];
        args.extend_from_slice(extra);
        Self::spawn(bin, dir, who, &args)
    }

    /// Types `line`.
    ///
    /// # Panics
    /// When its stdin is closed or cannot be written.
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write as _;
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").expect("write to the client's stdin");
        stdin.flush().expect("flush the client's stdin");
    }

    /// Closes its stdin (the end of its input).
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Its stdout lines so far.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Its `--machine` lines with the tag `tag` (`MSG`, `JOINED`, ...), without the tag.
    #[must_use]
    pub fn tagged(&self, tag: &str) -> Vec<String> {
        self.lines()
            .iter()
            .filter_map(|l| l.strip_prefix(tag)?.strip_prefix(' ').map(str::to_owned))
            .collect()
    }

    /// Waits at most `within` until it printed a line `tag rest` for which `pick` says
    /// `Some`; `None` when it did not.
    pub fn wait_line<T>(
        &self,
        tag: &str,
        within: Duration,
        pick: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let until = Instant::now() + within;
        loop {
            if let Some(t) = self.tagged(tag).iter().find_map(|l| pick(l)) {
                return Some(t);
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Its stdout and stderr, for a failure message.
    #[must_use]
    pub fn report(&self) -> String {
        format!(
            "--- {} stdout:\n{}\n--- {} stderr:\n{}\n",
            self.who,
            self.lines().join("\n"),
            self.who,
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }
}
