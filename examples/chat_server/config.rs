//! The server's settings: command-line flags, optionally read first from a small config file
//! (`key = value` lines with the flags' names), and the usage text.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// The usage text of `--help`.
pub(crate) const USAGE: &str = "\
chat_server: an OMA SIMPLE IM conference server (SIP over UDP and TCP, MSRP over TCP)

USAGE:
    cargo run --example chat_server -- [OPTIONS]

OPTIONS:
    --sip ADDR               SIP over UDP and TCP on ADDR            [default: 127.0.0.1:5060]
    --no-udp                 no SIP over UDP
    --no-tcp                 no SIP over TCP
    --msrp ADDR              MSRP (TCP) for the rooms                [default: 127.0.0.1:2855]
    --push-msrp ADDR         MSRP (TCP) of the deferred-messaging service, which pushes
                             stored messages to users when they register
                                                                     [default: 127.0.0.1:2856]
    --host NAME              the host written in Via, Contact, SDP and MSRP paths
                             [default: the IP of --sip, 127.0.0.1 when unspecified]
    --room URI[,OPTS]        serve a room (repeat for several); OPTS, comma-separated:
                             name=TEXT, anonymity=yes|no, private=yes|no, max=N
                             [default: one room sip:chat@HOST]
    --no-anonymity           rooms refuse anonymous joins unless their OPTS say otherwise
                             [default: anonymity allowed]
    --no-private-messages    rooms refuse private messages unless their OPTS say otherwise
                             [default: private messages allowed]
    --require-asserted-identity
                             refuse requests without P-Asserted-Identity (behind a trusted
                             SIP core); by default the From URI stands in for it
    --db PATH                SQLite file of the deferred messages   [default: chat_server.db]
    --log FILTER             log filter (error, warn, info, debug, trace, or tracing
                             directives); RUST_LOG wins when set    [default: info]
    --config FILE            read settings from FILE first: one `key = value` per line with
                             the names above (`room = sip:x@host`, `no-udp = true`), `#`
                             comments; flags given on the command line come after it
    -h, --help               print this text
";

/// A room to serve, with its policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoomSpec {
    /// Its SIP URI.
    pub(crate) uri: String,
    /// Its display name.
    pub(crate) name: Option<String>,
    /// Whether anyone may join anonymously (`None`: the server-wide choice).
    pub(crate) anonymity: Option<bool>,
    /// Whether anyone may send private messages (`None`: the server-wide choice).
    pub(crate) private_messages: Option<bool>,
    /// The most participants.
    pub(crate) max_participants: Option<usize>,
}

/// Everything the server is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Where SIP listens (UDP and TCP).
    pub(crate) sip: SocketAddr,
    /// Whether SIP over UDP is served.
    pub(crate) udp: bool,
    /// Whether SIP over TCP is served.
    pub(crate) tcp: bool,
    /// Where the rooms' MSRP listens.
    pub(crate) msrp: SocketAddr,
    /// Where the deferred-messaging service's MSRP listens.
    pub(crate) push_msrp: SocketAddr,
    /// The host name or address the server writes in its messages.
    pub(crate) host: String,
    /// The rooms.
    pub(crate) rooms: Vec<RoomSpec>,
    /// The server-wide anonymity choice.
    pub(crate) anonymity: bool,
    /// The server-wide private-message choice.
    pub(crate) private_messages: bool,
    /// Whether P-Asserted-Identity is required.
    pub(crate) require_asserted_identity: bool,
    /// The SQLite file.
    pub(crate) db: PathBuf,
    /// The log filter.
    pub(crate) log: String,
}

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    /// Serve with these settings.
    Serve(Box<Settings>),
    /// Print the usage text.
    Help,
}

/// Settings being gathered; defaults are filled in by [`Draft::finish`].
#[derive(Debug, Default)]
struct Draft {
    sip: Option<SocketAddr>,
    udp: Option<bool>,
    tcp: Option<bool>,
    msrp: Option<SocketAddr>,
    push_msrp: Option<SocketAddr>,
    host: Option<String>,
    rooms: Vec<RoomSpec>,
    anonymity: Option<bool>,
    private_messages: Option<bool>,
    require_asserted_identity: Option<bool>,
    db: Option<PathBuf>,
    log: Option<String>,
}

/// Reads the command line (without the program name).
///
/// # Errors
/// A message naming the flag or value that is wrong.
pub(crate) fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut draft = Draft::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument `{arg}` (see --help)"));
        };
        // `--flag=value` or `--flag value`.
        let (key, inline) = match flag.split_once('=') {
            Some((k, v)) => (k, Some(v.to_owned())),
            None => (flag, None),
        };
        if is_switch(key) {
            let on = match inline.as_deref() {
                None => true,
                Some(v) => parse_bool(key, v)?,
            };
            draft.switch(key, on);
            continue;
        }
        if !takes_value(key) {
            return Err(format!("unknown option --{key} (see --help)"));
        }
        let value = match inline {
            Some(v) => v,
            None => args
                .next()
                .ok_or_else(|| format!("--{key} needs a value (see --help)"))?,
        };
        if key == "config" {
            let text =
                std::fs::read_to_string(&value).map_err(|e| format!("--config {value}: {e}"))?;
            draft
                .read_file(&text)
                .map_err(|e| format!("{value}: {e}"))?;
        } else {
            draft.set(key, &value)?;
        }
    }
    Ok(Command::Serve(Box::new(draft.finish())))
}

/// Flags without a value.
fn is_switch(key: &str) -> bool {
    matches!(
        key,
        "no-udp" | "no-tcp" | "no-anonymity" | "no-private-messages" | "require-asserted-identity"
    )
}

/// Flags with a value.
fn takes_value(key: &str) -> bool {
    matches!(
        key,
        "sip" | "msrp" | "push-msrp" | "host" | "room" | "db" | "log" | "config"
    )
}

fn parse_bool(key: &str, v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Ok(true),
        "no" | "false" | "off" | "0" => Ok(false),
        _ => Err(format!("{key}: `{v}` is not yes or no")),
    }
}

fn parse_addr(key: &str, v: &str) -> Result<SocketAddr, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("--{key}: `{v}` is not an IP:port address"))
}

impl Draft {
    fn switch(&mut self, key: &str, on: bool) {
        match key {
            "no-udp" => self.udp = Some(!on),
            "no-tcp" => self.tcp = Some(!on),
            "no-anonymity" => self.anonymity = Some(!on),
            "no-private-messages" => self.private_messages = Some(!on),
            _ => self.require_asserted_identity = Some(on),
        }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "sip" => self.sip = Some(parse_addr(key, value)?),
            "msrp" => self.msrp = Some(parse_addr(key, value)?),
            "push-msrp" => self.push_msrp = Some(parse_addr(key, value)?),
            "host" => self.host = Some(value.trim().to_owned()),
            "room" => self.rooms.push(parse_room(value)?),
            "db" => self.db = Some(PathBuf::from(value.trim())),
            "log" => self.log = Some(value.trim().to_owned()),
            _ => return Err(format!("unknown option --{key} (see --help)")),
        }
        Ok(())
    }

    /// A config file: `key = value` lines, `#` comments, blank lines.
    fn read_file(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("line {}: expected `key = value`", n + 1))?;
            let r = if is_switch(key) {
                parse_bool(key, value).map(|on| self.switch(key, on))
            } else if key == "config" {
                Err("config files do not nest".to_owned())
            } else {
                self.set(key, value)
            };
            r.map_err(|e| format!("line {}: {e}", n + 1))?;
        }
        Ok(())
    }

    fn finish(self) -> Settings {
        let sip = self
            .sip
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5060)));
        let host = self.host.unwrap_or_else(|| match sip.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => ip.to_string(),
        });
        let rooms = if self.rooms.is_empty() {
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            vec![RoomSpec {
                uri: format!("sip:chat@{host}"),
                name: Some("Chat".to_owned()),
                anonymity: None,
                private_messages: None,
                max_participants: None,
            }]
        } else {
            self.rooms
        };
        Settings {
            sip,
            udp: self.udp.unwrap_or(true),
            tcp: self.tcp.unwrap_or(true),
            msrp: self
                .msrp
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 2855))),
            push_msrp: self
                .push_msrp
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 2856))),
            host,
            rooms,
            anonymity: self.anonymity.unwrap_or(true),
            private_messages: self.private_messages.unwrap_or(true),
            require_asserted_identity: self.require_asserted_identity.unwrap_or(false),
            db: self.db.unwrap_or_else(|| PathBuf::from("chat_server.db")),
            log: self.log.unwrap_or_else(|| "info".to_owned()),
        }
    }
}

/// `URI[,name=TEXT][,anonymity=yes|no][,private=yes|no][,max=N]`. A comma may be part of a
/// SIP user name, so only the segments that look like a known option end the URI.
fn parse_room(value: &str) -> Result<RoomSpec, String> {
    let mut parts = value.trim().split(',');
    let mut uri = parts.next().unwrap_or_default().to_owned();
    let mut room = RoomSpec {
        uri: String::new(),
        name: None,
        anonymity: None,
        private_messages: None,
        max_participants: None,
    };
    let mut options = false;
    for part in parts {
        let option = part.split_once('=').map(|(k, v)| (k.trim(), v.trim()));
        match option {
            Some(("name", v)) => room.name = Some(v.to_owned()),
            Some(("anonymity", v)) => room.anonymity = Some(parse_bool("anonymity", v)?),
            Some(("private", v)) => room.private_messages = Some(parse_bool("private", v)?),
            Some(("max", v)) => {
                let n = v
                    .parse()
                    .map_err(|_| format!("--room: max=`{v}` is not a number"))?;
                room.max_participants = Some(n);
            }
            _ if !options => {
                uri.push(',');
                uri.push_str(part);
                continue;
            }
            _ => return Err(format!("--room: unknown option `{part}`")),
        }
        options = true;
    }
    if !uri.starts_with("sip:") && !uri.starts_with("sips:") {
        return Err(format!("--room: `{uri}` is not a SIP URI"));
    }
    room.uri = uri;
    Ok(room)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Settings {
        match parse_args(args.iter().map(|s| (*s).to_owned())) {
            Ok(Command::Serve(s)) => *s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_serve_one_room_on_loopback() {
        let s = serve(&[]);
        assert_eq!(s.sip.to_string(), "127.0.0.1:5060");
        assert_eq!(s.msrp.to_string(), "127.0.0.1:2855");
        assert_eq!(s.push_msrp.to_string(), "127.0.0.1:2856");
        assert_eq!(s.rooms.len(), 1);
        assert_eq!(s.rooms[0].uri, "sip:chat@127.0.0.1");
        assert!(s.anonymity && s.private_messages && s.udp && s.tcp);
    }

    #[test]
    fn rooms_take_options() {
        let s = serve(&[
            "--room",
            "sip:ops@10.0.0.1,name=Ops Team,anonymity=no,max=5",
            "--room=sip:a,b@h",
            "--no-private-messages",
        ]);
        assert_eq!(s.rooms[0].uri, "sip:ops@10.0.0.1");
        assert_eq!(s.rooms[0].name.as_deref(), Some("Ops Team"));
        assert_eq!(s.rooms[0].anonymity, Some(false));
        assert_eq!(s.rooms[0].max_participants, Some(5));
        assert_eq!(s.rooms[1].uri, "sip:a,b@h");
        assert!(!s.private_messages);
    }

    #[test]
    fn config_file_lines() {
        let mut d = Draft::default();
        d.read_file("# c\nsip = 127.0.0.1:7000\nroom = sip:x@h\nno-udp = yes\n")
            .unwrap();
        let s = d.finish();
        assert_eq!(s.sip.port(), 7000);
        assert!(!s.udp);
        assert_eq!(s.rooms[0].uri, "sip:x@h");
    }

    #[test]
    fn errors_name_the_flag() {
        let e = parse_args(["--sip".to_owned(), "nope".to_owned()]).unwrap_err();
        assert!(e.contains("--sip"), "{e}");
        assert!(parse_args(["--what".to_owned()]).is_err());
    }
}
