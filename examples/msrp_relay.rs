//! An MSRP relay (RFC 4976) on tokio, driving one sans-IO `simpleim::msrp::relay::Relay`.
//!
//! ```text
//! cargo run --example msrp_relay -- --listen 127.0.0.1:2860 --user alice --password secret
//! cargo run --example msrp_relay -- --help
//! ```
//!
//! Clients AUTH with HTTP Digest (one user name and password, from the flags; `--user`
//! may also be given as `name:password` several times), get a Use-Path URI on this relay
//! and send through it; the relay opens connections to other relays when a To-Path leads
//! there. It prints `msrp <address>` and `ready` on stdout once listening; logs go to
//! stderr (`RUST_LOG` or `--log`). Ctrl-C exits 0.
//!
//! One task owns the relay: inputs (accepted and dialed connections, bytes read, closes)
//! arrive on a channel with the time, the outputs are drained in the documented order
//! (bytes to the connections' writer tasks, then events: dial, close, pause or resume a
//! reader), and the task sleeps until `poll_timeout`. A writer more than 1 MiB behind makes
//! its connection not writable for the relay (`set_writable`) until it is under 256 KiB
//! again: the relay then keeps the bytes and pauses the readers that feed them.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program: the listening address goes to stdout, errors to stderr"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use simpleim::msrp::SeededIds;
use simpleim::msrp::relay::{Direction, Event, Relay, RelayConfig, StaticCredentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: msrp_relay [--listen ADDR] [--host NAME] [--user NAME[:PASSWORD]]... \
[--password PASSWORD] [--log FILTER]

  --listen ADDR      where to listen (default 127.0.0.1:2860; chat_server uses 2855 and 2856)
  --host NAME        the host in the URIs handed out (default: the listening IP address)
  --user NAME        a user allowed to AUTH (default alice); NAME:PASSWORD adds one more
  --password PW      the password of --user NAME (default secret)
  --log FILTER       tracing filter (default info; RUST_LOG wins)
";

/// The settings from the command line.
struct Settings {
    listen: SocketAddr,
    host: Option<String>,
    users: Vec<(String, String)>,
    log: String,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Settings>, String> {
    let mut s = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 2860)),
        host: None,
        users: Vec::new(),
        log: "info".into(),
    };
    let mut user: Option<String> = None;
    let mut password: Option<String> = None;
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--listen" => {
                s.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?;
            }
            "--host" => s.host = Some(value()?),
            "--user" => {
                let v = value()?;
                match v.split_once(':') {
                    Some((u, p)) => s.users.push((u.to_owned(), p.to_owned())),
                    None => user = Some(v),
                }
            }
            "--password" => password = Some(value()?),
            "--log" => s.log = value()?,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if s.users.is_empty() || user.is_some() || password.is_some() {
        s.users.push((
            user.unwrap_or_else(|| "alice".to_owned()),
            password.unwrap_or_else(|| "secret".to_owned()),
        ));
    }
    Ok(Some(s))
}

fn main() -> ExitCode {
    let settings = match parse_args(std::env::args().skip(1)) {
        Ok(Some(s)) => s,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("msrp_relay: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("msrp_relay: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("msrp_relay: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the socket tasks tell the relay task.
enum Input {
    Connected {
        id: u64,
        direction: Direction,
        conn: Conn,
    },
    ConnectFailed(String),
    Bytes(u64, Bytes),
    Closed(u64),
    /// The writer of a connection caught up: the relay may write to it again.
    Writable(u64),
}

/// Bytes handed to a writer task and not yet written, above which the relay is told the
/// connection is not writable (`set_writable`), and below which it is again.
const WRITER_HIGH: usize = 1024 * 1024;
const WRITER_LOW: usize = 256 * 1024;

/// The relay task's handle on one connection.
struct Conn {
    writer: mpsc::UnboundedSender<Bytes>,
    /// Bytes in the writer's channel (the writer task subtracts what it wrote).
    backlog: Arc<AtomicUsize>,
    writable: bool,
    pause: watch::Sender<bool>,
    reader: JoinHandle<()>,
}

/// Splits `stream` into a reader task (feeding `inputs`, pausable) and a writer task.
fn spawn_conn(stream: TcpStream, id: u64, inputs: mpsc::Sender<Input>) -> Conn {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let (writer, mut out) = mpsc::unbounded_channel::<Bytes>();
    let backlog = Arc::new(AtomicUsize::new(0));
    let left = Arc::clone(&backlog);
    let caught_up = inputs.clone();
    tokio::spawn(async move {
        while let Some(b) = out.recv().await {
            if wr.write_all(&b).await.is_err() {
                break;
            }
            let before = left.fetch_sub(b.len(), Ordering::AcqRel);
            if before >= WRITER_LOW && before - b.len() < WRITER_LOW {
                let _ = caught_up.send(Input::Writable(id)).await;
            }
        }
        let _ = wr.shutdown().await;
    });
    let (pause, mut paused) = watch::channel(false);
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            while *paused.borrow() {
                if paused.changed().await.is_err() {
                    return;
                }
            }
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let bytes = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                    if inputs.send(Input::Bytes(id, bytes)).await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = inputs.send(Input::Closed(id)).await;
    });
    Conn {
        writer,
        backlog,
        writable: true,
        pause,
        reader,
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let host = settings
        .host
        .clone()
        .unwrap_or_else(|| addr.ip().to_string());
    let mut credentials = StaticCredentials::new();
    for (u, p) in &settings.users {
        credentials = credentials.with_user(u, p);
    }
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).map_err(|e| format!("random seed: {e}"))?;
    let config = RelayConfig::new(
        &host,
        addr.port(),
        Box::new(credentials),
        Box::new(SeededIds::new(u64::from_le_bytes(seed))),
    );
    let mut relay: Relay<u64> = Relay::new(config);
    // One listener for the whole run, so that a SIGINT between two turns is not lost.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    println!("msrp {addr}");
    println!("ready");
    info!(%addr, %host, users = settings.users.len(), "relay listening");

    let (inputs, mut rx) = mpsc::channel::<Input>(1024);
    let mut next_id: u64 = 0;
    let mut conns: HashMap<u64, Conn> = HashMap::new();
    loop {
        let deadline = relay.poll_timeout();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut ctrl_c => {
                info!("interrupted: exiting");
                return Ok(());
            }
            accepted = listener.accept() => {
                let (stream, peer) = accepted.map_err(|e| format!("accept: {e}"))?;
                next_id += 1;
                debug!(conn = next_id, %peer, "accepted");
                let conn = spawn_conn(stream, next_id, inputs.clone());
                conns.insert(next_id, conn);
                relay.handle_connected(now(), next_id, Direction::Accepted);
            }
            input = rx.recv() => {
                let Some(input) = input else { return Ok(()) };
                match input {
                    Input::Connected { id, direction, conn } => {
                        conns.insert(id, conn);
                        relay.handle_connected(now(), id, direction);
                    }
                    Input::ConnectFailed(authority) => {
                        warn!(%authority, "connect failed");
                        relay.handle_connect_failed(now(), &authority);
                    }
                    Input::Bytes(id, b) => relay.handle_bytes_owned(now(), id, b),
                    Input::Writable(id) => {
                        if let Some(c) = conns.get_mut(&id) {
                            c.writable = true;
                            relay.set_writable(id, true);
                        }
                    }
                    Input::Closed(id) => {
                        debug!(conn = id, "closed by peer");
                        conns.remove(&id);
                        relay.handle_closed(now(), id);
                    }
                }
            }
            () = sleep => relay.handle_timeout(now()),
        }
        // Drain: bytes, then events, then (at the top of the loop) the next timer.
        while let Some((id, bytes)) = relay.poll_transmit() {
            if let Some(c) = conns.get_mut(&id) {
                let backlog = c.backlog.fetch_add(bytes.len(), Ordering::AcqRel) + bytes.len();
                let _ = c.writer.send(bytes);
                if backlog > WRITER_HIGH && c.writable {
                    // The socket is slow: the relay holds the rest and pauses the senders.
                    c.writable = false;
                    relay.set_writable(id, false);
                }
            }
        }
        while let Some(event) = relay.poll_event() {
            match event {
                Event::Connect { authority, secure } => {
                    info!(%authority, secure, "dialing");
                    next_id += 1;
                    let id = next_id;
                    let inputs = inputs.clone();
                    tokio::spawn(async move {
                        let input = match TcpStream::connect(authority.as_str()).await {
                            Ok(s) => Input::Connected {
                                id,
                                direction: Direction::Dialed { authority },
                                conn: spawn_conn(s, id, inputs.clone()),
                            },
                            Err(_) => Input::ConnectFailed(authority),
                        };
                        let _ = inputs.send(input).await;
                    });
                }
                Event::Close { conn, reason } => {
                    info!(conn, ?reason, "closing");
                    if let Some(c) = conns.remove(&conn) {
                        c.reader.abort();
                    }
                }
                Event::PauseReading { conn } => {
                    if let Some(c) = conns.get(&conn) {
                        let _ = c.pause.send(true);
                    }
                }
                Event::ResumeReading { conn } => {
                    if let Some(c) = conns.get(&conn) {
                        let _ = c.pause.send(false);
                    }
                }
                Event::Authenticated {
                    conn,
                    username,
                    uri,
                    expires,
                } => info!(conn, %username, %uri, expires, "authenticated"),
                Event::SessionEnded { uri } => info!(%uri, "session ended"),
                other => debug!(?other, "event"),
            }
        }
    }
}

/// The host's clock: the only place time comes from.
#[allow(
    clippy::disallowed_methods,
    reason = "the host reads the clock for the relay"
)]
fn now() -> Instant {
    Instant::now()
}
