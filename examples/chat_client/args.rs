//! Command-line flags.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use simpleim_msrp::MsrpUri;

/// The usage text of `--help`.
pub(crate) const USAGE: &str = "\
chat_client: a terminal client for an OMA SIMPLE IM chat room (SIP + MSRP), on std threads.

USAGE:
    cargo run --release --example chat_client -- --name alice [OPTIONS]

OPTIONS:
    --name NAME          your user name: you are sip:NAME@<room's domain> (required)
    --server ADDR        the server's SIP address (default 127.0.0.1:5060)
    --room URI           the room to join (default sip:chat@127.0.0.1)
    --alias NAME         the chat alias to ask for (default: NAME)
    --anonymous          join anonymously (Privacy: id; others see only the alias)
    --udp                SIP over UDP instead of TCP
    --listen ADDR        be the passive MSRP side: listen on ADDR (e.g. 127.0.0.1:7777) and let
                         the focus connect; by default the client connects (a=setup:active)
    --relay MSRP-URI     reach the room's MSRP switch through this MSRP relay (RFC 4976), e.g.
                         msrp://127.0.0.1:2860;tcp: the client connects to it, authenticates
                         (AUTH), and advertises the relay's Use-Path in its a=path; the relay
                         connection then carries the room's messages. Not with --listen.
                         The file session of /send (RFC 5547) and pushed stored messages
                         still connect to the server directly
    --relay-user NAME    the user name for the relay's Digest challenge (default: NAME)
    --relay-password PW  its password (without it a relay that asks for credentials (401)
                         refuses the client)
    --relay-expires SECS the Expires to ask the relay for (default: the relay's choice); the
                         client refreshes its AUTH by itself at four fifths of what it grants
    --no-register        do not REGISTER first
    --script FILE        read the lines to type from FILE instead of standard input
    --exit-after SECS    leave the room (BYE) and exit after SECS seconds
    --machine            print events as stable machine-readable lines on stdout
    --save-dir DIR       save files received in the room into DIR (default: not saved)
    --help               this text

COMMANDS (typed lines; anything else is sent to the room):
    /msg ALIAS TEXT      a private message to one participant
    /nick NAME           change your chat alias (MSRP NICKNAME, RFC 7701)
    /who                 list the participants (conference event package, RFC 4575)
    /send FILE           send a file (an RFC 5547 offer, else through the room as
                         message/cpim; see examples/chat_client/README.md)
    /quit                leave the room (BYE) and exit
    /sleep SECS          (scripts) pause before the next line
    /wait ALIAS [SECS]   (scripts) pause until ALIAS is in the room (default at most 10 s)

When standard input is not a terminal its lines are read as a script. At its end the
client leaves once everything typed has been delivered, unless --exit-after is given.

MACHINE OUTPUT (--machine), one event per line, fields separated by one space; names have
%, space and control characters percent-encoded, texts have \\, CR and LF escaped as \\\\,
\\r and \\n:
    JOINED <alias> <conference-uri>      REGISTERED <status>
    RELAY <our-a=path>  (with --relay: the relay accepted our AUTH)
    MSG <from> <text>                    PRIV <from> <text>
    SYS <service-type> <text>            STORED <from> <text>
    FILE <from> <name> <size> <type> [<saved-as>]
    ENTER <alias>   EXIT <alias>   RENAME <old> <new>   WHO <count> <alias>...
    NICK <status> <alias>   SENT <message-id>   FAIL <status> <message-id> <reason>
    NOTICE <text>   LEFT <reason>
";

/// What the user asked for.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) name: String,
    pub(crate) server: SocketAddr,
    pub(crate) room: String,
    pub(crate) alias: Option<String>,
    pub(crate) anonymous: bool,
    pub(crate) udp: bool,
    pub(crate) listen: Option<SocketAddr>,
    /// The MSRP relay of the room's session (RFC 4976), and the credentials for it.
    pub(crate) relay: Option<Relay>,
    pub(crate) register: bool,
    pub(crate) script: Option<PathBuf>,
    pub(crate) exit_after: Option<Duration>,
    pub(crate) machine: bool,
    pub(crate) save_dir: Option<PathBuf>,
}

/// `--relay`, `--relay-user`, `--relay-password`.
#[derive(Debug, Clone)]
pub(crate) struct Relay {
    pub(crate) uri: MsrpUri,
    pub(crate) user: String,
    pub(crate) password: Option<String>,
    pub(crate) expires: Option<u32>,
}

/// What the command line says: run, or print the usage.
pub(crate) enum Parsed {
    Run(Box<Options>),
    Help,
}

fn resolve(addr: &str) -> Result<SocketAddr, String> {
    addr.to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr} resolves to no address"))
}

fn seconds(flag: &str, value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("{flag} takes a number of seconds, not {value:?}")),
    }
}

/// Reads `args` (without the program name).
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut args = args.into_iter();
    let mut name = None;
    let mut server = "127.0.0.1:5060".to_owned();
    let mut room = "sip:chat@127.0.0.1".to_owned();
    let mut alias = None;
    let mut anonymous = false;
    let mut udp = false;
    let mut listen = None;
    let mut relay = None;
    let mut relay_user = None;
    let mut relay_password = None;
    let mut relay_expires = None;
    let mut register = true;
    let mut script = None;
    let mut exit_after = None;
    let mut machine = false;
    let mut save_dir = None;
    while let Some(arg) = args.next() {
        // `--flag=value` and `--flag value` both work.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            match inline.clone().or_else(|| args.next()) {
                Some(v) => Ok(v),
                None => Err(format!("{flag} needs {what}")),
            }
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Parsed::Help),
            "--name" => name = Some(value("a name")?),
            "--server" => server = value("an address")?,
            "--room" => room = value("a SIP URI")?,
            "--alias" => alias = Some(value("an alias")?),
            "--anonymous" => anonymous = true,
            "--udp" => udp = true,
            "--listen" => listen = Some(resolve(&value("an address")?)?),
            "--relay" => relay = Some(value("an MSRP URI")?),
            "--relay-user" => relay_user = Some(value("a user name")?),
            "--relay-password" => relay_password = Some(value("a password")?),
            "--relay-expires" => {
                let v = value("seconds")?;
                let secs = v
                    .parse::<u32>()
                    .map_err(|_| format!("--relay-expires takes whole seconds, not {v:?}"))?;
                relay_expires = Some(secs);
            }
            "--no-register" => register = false,
            "--script" => script = Some(PathBuf::from(value("a file")?)),
            "--exit-after" => exit_after = Some(seconds("--exit-after", &value("seconds")?)?),
            "--machine" => machine = true,
            "--save-dir" => save_dir = Some(PathBuf::from(value("a directory")?)),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let name = name.ok_or("--name is required (try --help)")?;
    let user_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b));
    if !user_ok {
        return Err(format!(
            "--name {name:?}: use letters, digits and -_.!~*'() (it is the user part of a SIP URI)"
        ));
    }
    if !(room.starts_with("sip:") || room.starts_with("sips:")) {
        return Err(format!("--room {room:?} is not a SIP URI"));
    }
    let relay = match relay {
        Some(text) => {
            let uri: MsrpUri = text
                .parse()
                .map_err(|e| format!("--relay {text:?} is not an MSRP URI: {e}"))?;
            if uri.is_secure() {
                return Err(format!(
                    "--relay {text}: msrps (TLS) is not supported by this client"
                ));
            }
            if listen.is_some() {
                return Err(
                    "--relay and --listen do not go together: the client connects to the relay"
                        .to_owned(),
                );
            }
            Some(Relay {
                uri,
                user: relay_user.unwrap_or_else(|| name.clone()),
                password: relay_password,
                expires: relay_expires,
            })
        }
        None if relay_user.is_some() || relay_password.is_some() || relay_expires.is_some() => {
            return Err(
                "--relay-user, --relay-password and --relay-expires need --relay".to_owned(),
            );
        }
        None => None,
    };
    Ok(Parsed::Run(Box::new(Options {
        name,
        server: resolve(&server)?,
        room,
        alias,
        anonymous,
        udp,
        listen,
        relay,
        register,
        script,
        exit_after,
        machine,
        save_dir,
    })))
}
