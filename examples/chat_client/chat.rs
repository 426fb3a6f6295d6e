//! The room's MSRP session with the focus: opening it, messages in and out (CPIM, REQ:
//! CLI-2), NICKNAME results, delivery failures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::Bytes;
use simpleim_cpim::{Address, CpimMessage, conference_send};
use simpleim_focus::client::CPIM_CONTENT_TYPE;
use simpleim_msrp::{Event, SendOptions, Session};

use crate::app::{App, CHAT_LINK, Phase};
use crate::io::{self, LinkId};
use crate::msrp_link::{Link, first_hop, msrp_path};
use crate::roster::uri_key;

/// The Content-Type of the text we type (inside CPIM).
const TEXT_PLAIN: &str = "text/plain;charset=UTF-8";

/// `type/subtype` of a Content-Type value, lowercase.
pub(crate) fn media_type(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    text.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A short quote of a message, for failure reports.
fn preview(text: &str) -> String {
    let mut p: String = text.chars().take(40).collect();
    if p.len() < text.len() {
        p.push('…');
    }
    format!("{p:?}")
}

impl App {
    // --- the MSRP session ------------------------------------------------------------------

    /// Opens the room's MSRP session: connects to the focus's path (we are active, RFC 6135)
    /// or waits for the focus to connect to our listener. With `--relay` the session is
    /// already connected to the relay and authenticated there: it only learns the focus's
    /// path, and its SENDs go to the relay first (RFC 4976 §5.1).
    pub(crate) fn open_chat(&mut self, now: Instant) -> Result<(), String> {
        let _ = now;
        let j = self.joined.as_ref().ok_or("not in a room")?;
        let negotiated = j.msrp();
        let remote = msrp_path(&negotiated.remote_path().to_string())?;
        if self.opts.relay.is_some() {
            let link = self
                .chat
                .as_mut()
                .ok_or("the connection to the MSRP relay is gone")?;
            link.session.set_remote(remote);
            link.session.set_remote_max_size(negotiated.peer_max_size());
            if negotiated.connects() {
                // Through the relay, which opens its own connection to the focus and passes
                // the bodiless SEND on.
                self.send_opening_send()?;
            }
            return Ok(());
        }
        let mut config = self.chat_config(remote.clone());
        config.remote_max_size = negotiated.peer_max_size();
        let mut link = Link::new(CHAT_LINK, Session::new(config));
        let connects = negotiated.connects();
        if connects {
            let addr = first_hop(&remote)?;
            let stream = io::msrp_connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
            io::spawn_msrp_reader(CHAT_LINK, &stream, self.tx.clone())
                .map_err(|e| e.to_string())?;
            link.attach(stream);
        } else if self.opts.listen.is_none() {
            return Err("the focus wants to connect to us, but we have no --listen address".into());
        }
        self.chat = Some(link);
        if connects {
            self.send_opening_send()?;
        }
        Ok(())
    }

    /// The transaction and message identifiers of the request that opens the connection.
    fn opening_ids(&self) -> (String, String) {
        (
            format!("b{:012x}", (self.seed >> 8) & 0xffff_ffff_ffff),
            format!("m{:012x}", (self.seed >> 4) & 0xffff_ffff_ffff),
        )
    }

    /// The bodiless SEND that opens the room's session on the connection we opened (RFC 4975
    /// §5.4, §7.1).
    fn send_opening_send(&mut self) -> Result<(), String> {
        let (tid, message_id) = self.opening_ids();
        let link = self.chat.as_mut().ok_or("no MSRP session")?;
        link.send_bodiless(&tid, &message_id)
            .map_err(|e| format!("bodiless SEND: {e}"))
    }

    /// Flushes the MSRP sessions and handles their events.
    pub(crate) fn drain_links(&mut self, now: Instant) -> bool {
        self.more_output = false;
        let mut progressed = false;
        let ids: Vec<LinkId> = self.links().map(|l| l.id).collect();
        for id in ids {
            let Some(link) = self.link_mut(id) else {
                continue;
            };
            let mut broken = None;
            let mut more = false;
            match link.flush() {
                Ok(m) => more = m,
                Err(e) => {
                    if !link.session.is_closed() {
                        broken = Some(format!("MSRP connection {id}: {e}"));
                    }
                    link.session.handle_connection_lost(now);
                }
            }
            let mut events = Vec::new();
            while let Some(e) = link.session.poll_event() {
                events.push(e);
            }
            self.more_output |= more;
            if let Some(w) = broken {
                self.out.warn(&w);
            }
            for e in events {
                progressed = true;
                self.on_msrp_event(now, id, e);
            }
        }
        progressed
    }

    fn on_msrp_event(&mut self, now: Instant, link: LinkId, e: Event) {
        if self.is_push_link(link) {
            self.on_push_event(link, e);
            return;
        }
        match e {
            Event::Message {
                content_type, body, ..
            } if !body.is_empty() => self.on_chat_message(&content_type, body),
            Event::MessageAborted { reason, .. } => {
                self.out
                    .warn(&format!("an incoming message was dropped ({reason:?})"));
            }
            Event::Sent { message_id } => {
                self.outgoing.remove(&message_id);
                self.out.sent(message_id.as_str());
                self.file_sent(now, message_id);
            }
            Event::SendFailed {
                message_id, status, ..
            } => {
                let reason = status
                    .text
                    .as_ref()
                    .map(|t| String::from_utf8_lossy(t).into_owned())
                    .or_else(|| simpleim_msrp::default_comment(status.code).map(str::to_owned))
                    .unwrap_or_default();
                let what = self
                    .outgoing
                    .remove(&message_id)
                    .or_else(|| self.file_failed(message_id))
                    .unwrap_or_else(|| "a message".to_owned());
                self.out
                    .failed(status.code, message_id.as_str(), &reason, &what);
            }
            Event::NicknameRequest { tid, .. } => {
                // Only a focus decides nicknames.
                if let Some(l) = self.link_mut(link) {
                    let _ = l.session.respond(tid, 403, None);
                }
            }
            Event::NicknameResult {
                tid,
                status,
                comment,
            } => self.on_nickname_result(tid, status, comment),
            Event::RelayAuthenticated { .. } if link == CHAT_LINK => {
                self.on_relay_authenticated(now);
            }
            Event::RelayAuthFailed { relay, status } if link == CHAT_LINK => {
                self.on_relay_auth_failed(now, &relay, status);
            }
            Event::Closed { reason } => {
                if link == CHAT_LINK {
                    if self.phase == Phase::InRoom {
                        self.out
                            .error(&format!("the MSRP session closed ({reason:?})"));
                        self.leave(now, "the MSRP connection is gone", 1);
                    } else if self.phase == Phase::Joining && self.opts.relay.is_some() {
                        self.out.error(&format!(
                            "the connection to the MSRP relay closed ({reason:?})"
                        ));
                        self.leave(now, "the MSRP relay connection is gone", 1);
                    }
                } else {
                    self.file_link_closed(now);
                }
            }
            _ => {}
        }
    }

    fn on_nickname_result(
        &mut self,
        tid: simpleim_msrp::TransactionId,
        status: u16,
        comment: Option<String>,
    ) {
        let Some(name) = self.nicknames.remove(&tid) else {
            return;
        };
        if status == 200 {
            // REQ: CLI-2: our CPIM From follows the alias the room knows us by.
            self.sender = Address::new(Some(&name), self.sender.uri().clone());
            self.out
                .nick(status, &name, &format!("* you are now known as {name}"));
        } else {
            let why = match status {
                424 => "malformed nickname",
                425 => "nickname in use or reserved",
                403 => "not allowed",
                408 => "no answer",
                _ => "refused",
            };
            let comment = comment.map(|c| format!(": {c}")).unwrap_or_default();
            self.out.nick(
                status,
                &name,
                &format!("! nickname {name:?} refused ({status} {why}{comment})"),
            );
        }
    }

    /// Whether `uri` names the room (a public message).
    fn is_conference(&self, uri: &[u8]) -> bool {
        let key = uri_key(uri);
        key == uri_key(&self.conference)
            || key == uri_key(self.room.raw())
            || self
                .joined
                .as_ref()
                .and_then(|j| j.session_identity())
                .is_some_and(|s| key == uri_key(s.to_string().as_bytes()))
    }

    /// A message from the room: its CPIM `From` says who (a `conf=isfocus` URI is the
    /// focus's system message, REQ: SW-9), its `To` whether it was private (REQ: SW-8).
    fn on_chat_message(&mut self, content_type: &[u8], body: Bytes) {
        if media_type(content_type) != CPIM_CONTENT_TYPE {
            let text = String::from_utf8_lossy(&body).into_owned();
            self.out.message("?", &text, false);
            return;
        }
        let cpim = match CpimMessage::parse(body) {
            Ok(c) => c,
            Err(e) => {
                self.out
                    .warn(&format!("a message/cpim that does not parse: {e}"));
                return;
            }
        };
        let from = cpim.from().and_then(Result::ok);
        let system = from.as_ref().is_some_and(Address::is_focus);
        let from_name = from.as_ref().map_or_else(
            || "?".to_owned(),
            |a| {
                a.formal_name().map_or_else(
                    || String::from_utf8_lossy(a.uri()).into_owned(),
                    |n| String::from_utf8_lossy(n).into_owned(),
                )
            },
        );
        let public = cpim
            .to()
            .flatten()
            .any(|a| a.is_focus() || self.is_conference(a.uri()));
        let inner = cpim
            .content_type()
            .map_or_else(|| "text/plain".to_owned(), media_type);
        let payload = cpim.payload();
        // A payload with a file name is a file sent through the room (see file.rs),
        // whatever its type.
        let filename = cpim
            .content_disposition_parsed()
            .and_then(Result::ok)
            .and_then(|d| {
                d.filename()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
            });
        if filename.is_none() && inner.starts_with("text/") {
            let text = String::from_utf8_lossy(&payload).into_owned();
            if system {
                self.out.system(&from_name, &text);
            } else {
                self.out.message(&from_name, &text, !public);
            }
            return;
        }
        if matches!(
            inner.as_str(),
            "message/imdn+xml" | "application/im-iscomposing+xml"
        ) {
            return;
        }
        let filename = filename.unwrap_or_else(|| "unnamed".to_owned());
        self.received_file(&from_name, &filename, inner.as_bytes(), &payload);
    }

    /// A file from `from` arrived (through the room, or on a file transfer of its own):
    /// saved under `--save-dir` when given, and shown.
    pub(crate) fn received_file(
        &mut self,
        from: &str,
        filename: &str,
        content_type: &[u8],
        data: &[u8],
    ) {
        let saved =
            self.opts
                .save_dir
                .clone()
                .and_then(|dir| match save_file(&dir, filename, data) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.out.warn(&format!("cannot save {filename}: {e}"));
                        None
                    }
                });
        let content_type = media_type(content_type);
        self.out
            .file(from, filename, data.len(), &content_type, saved.as_deref());
    }

    /// Sends `text` to `to` (the room, or one participant).
    pub(crate) fn send_text(&mut self, now: Instant, to: Address, text: &str) {
        let body =
            match conference_send(self.sender.clone(), to, TEXT_PLAIN, text.to_owned()).build() {
                Ok(m) => m.as_bytes().clone(),
                Err(e) => {
                    self.out.error(&format!("cannot write the message: {e}"));
                    return;
                }
            };
        let Some(link) = self.chat.as_mut() else {
            return;
        };
        match link
            .session
            .send_message(now, CPIM_CONTENT_TYPE, body, SendOptions::new())
        {
            Ok(id) => {
                self.outgoing.insert(id, preview(text));
            }
            Err(e) => self.out.error(&format!("cannot send: {e}")),
        }
    }
}

/// Saves a received file under `dir` with a name that cannot leave it, never overwriting.
fn save_file(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<PathBuf> {
    let base: String = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_control() || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let base = if base.is_empty() || base.starts_with('.') {
        format!("file{base}")
    } else {
        base
    };
    std::fs::create_dir_all(dir)?;
    for n in 0..1000 {
        let candidate = if n == 0 {
            dir.join(&base)
        } else {
            dir.join(format!("{n}-{base}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, data)?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many files with that name"))
}
