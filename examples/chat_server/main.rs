//! A real IM conference server on tokio, driving one sans-IO `Focus`.
//!
//! ```text
//! cargo run --release --example chat_server                  # loopback, default ports
//! cargo run --example chat_server -- --help                  # every option
//! cargo run --example chat_server -- --sip 127.0.0.1:15060 --msrp 127.0.0.1:12855 \
//!     --push-msrp 127.0.0.1:12856 --room sip:chat@127.0.0.1 --room 'sip:ops@127.0.0.1,anonymity=no'
//! ```
//!
//! With no arguments it serves SIP over UDP and TCP on 127.0.0.1:5060, MSRP on
//! 127.0.0.1:2855 and one room `sip:chat@127.0.0.1` that allows anonymity and private
//! messages; a SIP MESSAGE for someone who is not registered is kept in `chat_server.db`
//! (SQLite) and pushed over MSRP (port 2856) when that user registers. Ctrl-C ends every
//! room with a BYE to each participant and exits 0.
//!
//! # How it is built
//! - `net`: the sockets. One task reads UDP; one task accepts per TCP listener; each TCP
//!   connection has a reader task (SIP is framed there, MSRP bytes pass as they are) and a
//!   writer task fed by a bounded channel. They talk to the focus task over one bounded
//!   channel of `Input`s; the MSRP writers signal room again on a channel of their own,
//!   which the focus task reads first.
//! - `host`: the focus task, sole owner of the `Focus`: inputs in with the time, outputs
//!   drained and routed, sleep until `poll_timeout`; back-pressure with
//!   `set_msrp_writable`; the clean shutdown.
//! - `setup`: the focus, its rooms and policies, its deferred-messaging service, its
//!   identifier generators seeded from the operating system's random source.
//! - `store`: the deferred messages and transcripts in SQLite, behind the `DeferredStore`
//!   trait (messages committed and synced before their 202; transcripts batched, a ring).
//! - `config`: flags and config file; `events`: the structured logs.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program: the listening addresses go to stdout, errors to stderr"
)]

mod config;
mod events;
mod host;
mod net;
mod setup;
mod store;

use std::process::ExitCode;

use simpleim::focus::deferred::StoreLimits;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tracing::info;
use tracing_subscriber::EnvFilter;

use config::{Command, Settings};
use net::Service;

fn main() -> ExitCode {
    let settings = match config::parse_args(std::env::args().skip(1)) {
        Ok(Command::Serve(s)) => s,
        Ok(Command::Help) => {
            print!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("chat_server: {e}");
            return ExitCode::from(2);
        }
    };
    // RUST_LOG wins over --log; logs go to stderr, the listening addresses to stdout.
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.log))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chat_server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(&settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chat_server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Binds, announces, serves until Ctrl-C (or SIGTERM), shuts down.
async fn serve(settings: &Settings) -> Result<(), String> {
    let store = store::SqliteStore::open(&settings.db, StoreLimits::default())
        .map_err(|e| format!("database {}: {e}", settings.db.display()))?;
    let stored = store.len();

    let (sip_tcp, sip_udp) = net::bind_sip(settings.sip, settings.udp, settings.tcp)
        .await
        .map_err(|e| format!("SIP on {}: {e}", settings.sip))?;
    let msrp = TcpListener::bind(settings.msrp)
        .await
        .map_err(|e| format!("MSRP on {}: {e}", settings.msrp))?;
    let push = TcpListener::bind(settings.push_msrp)
        .await
        .map_err(|e| format!("MSRP (deferred) on {}: {e}", settings.push_msrp))?;
    let local = |r: std::io::Result<std::net::SocketAddr>| r.map_err(|e| e.to_string());
    let sip_addr = match (&sip_tcp, &sip_udp) {
        (Some(l), _) => local(l.local_addr())?,
        (None, Some(u)) => local(u.local_addr())?,
        (None, None) => return Err("neither SIP over UDP nor over TCP: nothing to serve".into()),
    };
    let msrp_addr = local(msrp.local_addr())?;
    let push_addr = local(push.local_addr())?;
    let ports = setup::Ports {
        sip: sip_addr.port(),
        msrp: msrp_addr.port(),
        push_msrp: push_addr.port(),
    };
    let transcripts = store.flusher();
    let (focus, rooms) = setup::build_focus(settings, ports, store)?;

    // What it listens on, one `what address` per line (the smoke test reads these).
    if sip_udp.is_some() {
        println!("sip-udp {sip_addr}");
    }
    if sip_tcp.is_some() {
        println!("sip-tcp {sip_addr}");
    }
    println!("msrp {msrp_addr}");
    println!("msrp-deferred {push_addr}");
    for r in &rooms {
        println!(
            "room {} anonymity={} private-messages={}",
            r.uri, r.anonymity, r.private_messages
        );
    }
    println!(
        "database {} ({stored} stored messages)",
        settings.db.display()
    );
    println!("ready");
    info!(
        sip = %sip_addr,
        msrp = %msrp_addr,
        msrp_deferred = %push_addr,
        host = %settings.host,
        rooms = rooms.len(),
        "serving"
    );

    let (inputs_tx, inputs_rx) = mpsc::channel(net::INPUT_CAPACITY);
    let (writable_tx, writable_rx) = mpsc::unbounded_channel();
    if let Some(udp) = &sip_udp {
        net::spawn_udp(udp.clone(), inputs_tx.clone());
    }
    if let Some(l) = sip_tcp {
        net::spawn_sip_listener(l, inputs_tx.clone());
    }
    net::spawn_msrp_listener(msrp, Service::Rooms, inputs_tx.clone(), writable_tx.clone());
    net::spawn_msrp_listener(push, Service::Push, inputs_tx.clone(), writable_tx.clone());

    let host = host::Host::new(
        focus,
        rooms,
        sip_udp,
        inputs_tx,
        writable_tx,
        Some(transcripts),
    );
    host.run(inputs_rx, writable_rx, stop_signal()).await;
    info!("bye");
    Ok(())
}

/// Ctrl-C (SIGINT), or SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    info!("stop signal received");
}
