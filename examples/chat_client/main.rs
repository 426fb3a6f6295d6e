//! A terminal chat client for an OMA SIMPLE IM chat room, on std threads (no async runtime).
//!
//! ```text
//! cargo run --release --example chat_client -- --name alice
//! ```
//!
//! It REGISTERs, joins the room with an INVITE (`ImClient`), reads the focus's 200 OK (the
//! session identity and the alias it gave), ACKs, opens the MSRP connection, subscribes to
//! the conference event package for the participant list, and then prints what is said in
//! the room and sends what is typed. With `--relay` the room's MSRP session goes through an
//! MSRP relay (RFC 4976, `relay.rs`). `--help` lists the flags and commands.
//!
//! Threads: one reads the typed lines, one the SIP socket, one each MSRP connection; the
//! main thread owns every sans-IO state machine and gets their input over one channel,
//! waiting with `recv_timeout` until the earliest `poll_timeout`.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a terminal program: printing is its output"
)]

mod app;
mod args;
mod chat;
mod commands;
mod conference;
mod file;
mod io;
mod msrp_link;
mod output;
mod push;
mod relay;
mod roster;
mod signalling;
mod sip_ua;

use std::collections::{HashMap, VecDeque};
use std::io::IsTerminal;
use std::net::{IpAddr, TcpListener};
use std::process::ExitCode;
use std::sync::mpsc;

use simpleim_cpim::Address;
use simpleim_focus::client::{ClientConfig, ImClient};
use simpleim_msrp::MsrpUri;
use simpleim_sdp::attr::Setup;
use simpleim_sip::dialog::{SentBy, SessionTimer, SessionTimerConfig};
use simpleim_sip::{Host, SipUri};

use crate::app::{App, Phase};
use crate::args::{Options, Parsed};
use crate::io::SipTransport;
use crate::output::Printer;
use crate::roster::Roster;
use crate::sip_ua::Sip;

fn main() -> ExitCode {
    match args::parse(std::env::args().skip(1)) {
        Err(e) => {
            eprintln!("chat_client: {e}");
            ExitCode::from(2)
        }
        Ok(Parsed::Help) => {
            print!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run(opts)) => match run(*opts) {
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            Err(e) => {
                eprintln!("chat_client: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The host part of a SIP URI as written in a URI.
fn host_text(uri: &SipUri) -> String {
    match uri.host() {
        Host::Domain(name) => String::from_utf8_lossy(name).into_owned(),
        Host::Ipv4(a) => a.to_string(),
        Host::Ipv6 { raw, .. } => format!("[{}]", String::from_utf8_lossy(&raw)),
    }
}

/// An IP address as the host of a URI.
fn uri_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}

fn run(opts: Options) -> Result<i32, String> {
    let (tx, rx) = mpsc::channel();
    let seed = io::random_seed();
    let room = app::sip_uri(&opts.room).ok_or("--room is not a SIP URI")?;
    let domain = host_text(&room);

    let (transport, local) = SipTransport::open(opts.server, opts.udp, tx.clone())
        .map_err(|e| format!("cannot reach the SIP server at {}: {e}", opts.server))?;
    let sent_by = SentBy::new(
        if opts.udp { "UDP" } else { "TCP" },
        &local.ip().to_string(),
        Some(local.port()),
    );

    // Our end of the MSRP session. Active (the default): we connect to the focus, and the
    // port of our path is never used (9, the discard port, as RFC 4145 suggests for an
    // active endpoint). Passive (--listen): the focus connects to our listener.
    let session_id = format!("{:016x}", seed.rotate_left(7));
    let (listener, msrp_uri, setup) = match opts.listen {
        Some(addr) => {
            let l = TcpListener::bind(addr).map_err(|e| format!("--listen {addr}: {e}"))?;
            let bound = l.local_addr().map_err(|e| e.to_string())?;
            (
                Some(l),
                format!("msrp://{bound}/{session_id};tcp"),
                Setup::Passive,
            )
        }
        None => (
            None,
            format!("msrp://{}:9/{session_id};tcp", uri_host(local.ip())),
            Setup::Active,
        ),
    };
    let local_msrp: MsrpUri = msrp_uri
        .parse()
        .map_err(|e| format!("our MSRP URI {msrp_uri}: {e}"))?;

    let identity = format!("sip:{}@{domain}", opts.name);
    let display = opts.alias.clone().unwrap_or_else(|| opts.name.clone());
    let mut config = ClientConfig::new(&identity, sent_by.clone(), &msrp_uri)
        .map_err(|e| format!("client configuration: {e}"))?
        .with_display_name(&display);
    config.msrp.setup = setup;
    let client = ImClient::new(config, Box::new(simpleim_sip::SeededIds::new(seed)));

    let interactive = opts.script.is_none() && std::io::stdin().is_terminal();
    io::spawn_line_reader(opts.script.as_deref(), tx.clone())
        .map_err(|e| format!("cannot read the script: {e}"))?;

    let now = io::now();
    let mut app = App {
        out: Printer::new(opts.machine),
        tx,
        sip: Sip::new(transport, sent_by, seed),
        client,
        room,
        phase: Phase::Joining,
        joined_at: None,
        invite: None,
        joined: None,
        ack: None,
        sender: Address::uri_only(identity.clone()),
        conference: bytes::Bytes::new(),
        timer: SessionTimer::new(),
        timer_request: SessionTimerConfig::default().request(),
        sdp_version: 1,
        subscriber: None,
        resubscribes: 0,
        roster: Roster::default(),
        chat: None,
        file_link: None,
        file_dialog: None,
        pushes: Vec::new(),
        next_link: 10,
        local_msrp,
        relay_path: None,
        listener,
        seed,
        queue: VecDeque::new(),
        pause_until: None,
        wait_for: None,
        input_ended: false,
        exit_at: opts.exit_after.map(|d| now + d),
        outgoing: HashMap::new(),
        nicknames: HashMap::new(),
        file: None,
        registered: false,
        register_refresh: None,
        register_pref: true,
        reason: None,
        exit_code: None,
        more_output: false,
        opts,
    };
    if interactive {
        app.out.info(&format!(
            "* joining {} as {identity} ... (type /help for commands)",
            app.opts.room
        ));
    }
    app.start(now)?;
    Ok(app.run(&rx))
}
