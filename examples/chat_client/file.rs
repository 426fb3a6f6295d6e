//! `/send FILE`: RFC 5547 file transfer through the room, and what the client does when the
//! focus does not relay one.
//!
//! The client offers the file the RFC 5547 way, in an INVITE of its own to the room
//! ([`ImClient::send_file`](simpleim_focus::client::ImClient::send_file)): one
//! `m=message` line, `a=sendonly`, with `a=file-selector` (name, type, size),
//! `a=file-transfer-id` and the path of the file's own MSRP session. A focus that relays
//! files (the simpleim focus with `FileTransferConfig`) answers `a=recvonly`; the client
//! connects, sends the file in one SEND with a progress bar, and ends the dialog with BYE
//! once every chunk is acknowledged (§9). The focus then offers the file to every other
//! participant in INVITEs of its own, which the receiving clients accept (`push.rs`) and
//! save.
//!
//! A focus that does not relay files answers 488 (or takes no file line). The client then
//! says so and does the closest honest thing: it sends the file through the room as one
//! `message/cpim` whose payload is the file, with the file's Content-Type and
//! `Content-Disposition: attachment; filename="..."`, which every participant receives
//! (REQ: SW-4; recipients that do not accept the type get a failure report instead,
//! SW-1). The progress bar counts the bytes written to the connection.

use std::path::Path;
use std::time::Instant;

use bytes::Bytes;
use simpleim_cpim::{Address, conference_send};
use simpleim_focus::client::{CPIM_CONTENT_TYPE, OutgoingInvite};
use simpleim_msrp::{MessageId, MsrpUri, SendOptions, Session, SessionConfig};
use simpleim_sdp::attr::{
    AcceptTypes, FileSelector, FileTransferId, MediaRange, Path as SdpPath, Setup,
};
use simpleim_sdp::negotiate::{FileOffer, MsrpCapabilities};
use simpleim_sdp::{MediaBuilder, MediaDescription};
use simpleim_sip::{Method, Response};

use crate::app::{App, CHAT_LINK, describe_failure};
use crate::io::{self, LinkId};
use crate::msrp_link::{Link, first_hop, msrp_path};
use crate::sip_ua::Purpose;

/// The largest file read into memory.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// The link id of a file's own MSRP session.
const FILE_LINK: LinkId = 2;

/// Where a `/send` is.
#[derive(Debug)]
enum State {
    /// The INVITE with the file offer is out (`None`: it could not be sent, the file goes
    /// through the room).
    Offering { invite: Option<Box<OutgoingInvite>> },
    /// The file is being written on `link`, as message `message_id`; `start` is the link's
    /// byte count when it began, `total` the bytes to write.
    Sending {
        link: LinkId,
        message_id: MessageId,
        start: u64,
        total: u64,
    },
}

/// A file being sent.
#[derive(Debug)]
pub(crate) struct FileTransfer {
    name: String,
    data: Bytes,
    content_type: String,
    /// The `a=path` of our end of the file's session.
    local_uri: String,
    state: State,
    last_shown: Option<u64>,
}

impl FileTransfer {
    pub(crate) fn is_offering(&self) -> bool {
        matches!(self.state, State::Offering { .. })
    }
}

/// The media type of a file, by its extension.
fn guess_type(name: &str) -> &'static str {
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" | "md" => "text/plain",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

/// A media section rebuilt line for line (for a re-offer that keeps it, RFC 3264 §8).
pub(crate) fn copy_media(m: &MediaDescription) -> Result<MediaBuilder, simpleim_sdp::ParseError> {
    let media = m.media()?;
    let mut b = MediaBuilder::new(&media);
    for a in m.attributes() {
        b = b.attribute(a.name, a.value);
    }
    Ok(b)
}

impl App {
    /// `/send FILE`.
    pub(crate) fn send_file(&mut self, now: Instant, path: &Path) {
        if path.as_os_str().is_empty() {
            self.out.error("usage: /send FILE");
            return;
        }
        if self.file.is_some() {
            self.out.error("a file is already being sent");
            return;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_FILE => {
                self.out.error(&format!(
                    "{} is larger than {} MiB",
                    path.display(),
                    MAX_FILE >> 20
                ));
                return;
            }
            Ok(_) => {}
            Err(e) => {
                self.out.error(&format!("{}: {e}", path.display()));
                return;
            }
        }
        let data = match std::fs::read(path) {
            Ok(d) => Bytes::from(d),
            Err(e) => {
                self.out.error(&format!("{}: {e}", path.display()));
                return;
            }
        };
        let name = path
            .file_name()
            .map_or_else(|| "file".to_owned(), |n| n.to_string_lossy().into_owned());
        let content_type = guess_type(&name).to_owned();
        let session_id = format!("f{:012x}", (self.seed >> 12) & 0xffff_ffff_ffff);
        let local_uri = format!("msrp://{}:9/{session_id};tcp", self.sip.sent_by.host());
        let offered = self.offer_file(now, &name, &data, &content_type, &local_uri);
        let invite = match offered {
            Ok(invite) => {
                self.out.notice(&format!(
                    "offering {name} ({} bytes, {content_type}) to the room (RFC 5547)",
                    data.len()
                ));
                Some(Box::new(invite))
            }
            Err(e) => {
                self.out.warn(&format!("cannot offer the file: {e}"));
                None
            }
        };
        let fallback = invite.is_none();
        self.file = Some(FileTransfer {
            name,
            data,
            content_type,
            local_uri,
            state: State::Offering { invite },
            last_shown: None,
        });
        if fallback {
            self.send_file_in_room(now);
        }
    }

    /// The RFC 5547 offer (§8.1: the sender's `sendonly` line with the file selector) in an
    /// INVITE to the room.
    fn offer_file(
        &mut self,
        now: Instant,
        name: &str,
        data: &Bytes,
        content_type: &str,
        local_uri: &str,
    ) -> Result<OutgoingInvite, String> {
        let media_type = MediaRange::parse(&Bytes::copy_from_slice(content_type.as_bytes()))
            .map_err(|e| e.to_string())?;
        let selector = FileSelector::builder()
            .name(name.as_bytes())
            .media_type(media_type)
            .size(data.len() as u64)
            .build()
            .map_err(|e| e.to_string())?;
        let transfer_id = FileTransferId::new(&format!("t{:016x}", self.seed.rotate_left(29)))
            .map_err(|e| e.to_string())?;
        let path = SdpPath::parse(&Bytes::copy_from_slice(local_uri.as_bytes()))
            .map_err(|e| e.to_string())?;
        let accept = AcceptTypes::parse(&Bytes::copy_from_slice(content_type.as_bytes()))
            .map_err(|e| e.to_string())?;
        // We connect (`active`): no listening socket needed.
        let caps = MsrpCapabilities::builder(path, accept)
            .setup(Setup::Active)
            .build();
        let file = FileOffer {
            selector,
            transfer_id,
            push: true,
        };
        let room = self.room.clone();
        let options = self.invite_options();
        let invite = self
            .client
            .send_file(&room, &options, caps, &file)
            .map_err(|e| e.to_string())?;
        self.sip
            .send(now, Purpose::FileOffer, invite.request().clone())?;
        Ok(invite)
    }

    /// The focus answered the file offer: on a 2xx, ACK it, connect, and send the file.
    pub(crate) fn on_file_offer_response(&mut self, now: Instant, r: &Response) {
        let code = r.code();
        if code < 200 {
            return;
        }
        if code >= 300 {
            self.file_refused(now, &describe_failure(r));
            return;
        }
        let joined = match self.file.as_ref().map(|f| &f.state) {
            Some(State::Offering {
                invite: Some(invite),
            }) => invite.accept(r),
            _ => return,
        };
        let joined = match joined {
            Ok(j) => j,
            Err(e) => {
                self.file_refused(now, &format!("a 200 OK that does not fit the offer: {e}"));
                return;
            }
        };
        let sent_by = self.sip.sent_by.clone();
        if let Ok(ack) = joined
            .dialog()
            .ack(r, &sent_by, &mut self.sip.ids)
            .and_then(|b| b.build().map_err(Into::into))
        {
            let _ = self.sip.send_ack(now, ack);
        }
        let path = joined.focus_path().to_string();
        let max_size = joined.msrp().peer_max_size();
        self.file_dialog = Some(joined.dialog().clone());
        if let Err(e) = self.start_file_link(now, &path, max_size) {
            self.out
                .warn(&format!("the file session could not be opened: {e}"));
            self.file = None;
            self.close_file_session(now);
        }
    }

    /// The focus took the file: one SEND on the file's own session (RFC 5547 §8).
    fn start_file_link(
        &mut self,
        now: Instant,
        path: &str,
        max_size: Option<u64>,
    ) -> Result<(), String> {
        let file = self.file.as_mut().ok_or("no file")?;
        let remote = msrp_path(path)?;
        let local: MsrpUri = file
            .local_uri
            .parse()
            .map_err(|e: simpleim_msrp::UriError| e.to_string())?;
        let mut config = SessionConfig::new(
            local,
            remote.clone(),
            Box::new(simpleim_msrp::SeededIds::new(self.seed ^ 0xf11e)),
        );
        config.chunk_size = u64::MAX;
        config.remote_max_size = max_size;
        let mut link = Link::new(FILE_LINK, Session::new(config));
        // We offered `active`: the answerer is passive and we connect.
        let addr = first_hop(&remote)?;
        let stream = io::msrp_connect(addr).map_err(|e| format!("connect to {addr}: {e}"))?;
        io::spawn_msrp_reader(FILE_LINK, &stream, self.tx.clone()).map_err(|e| e.to_string())?;
        link.attach(stream);
        let disposition = format!("attachment; filename=\"{}\"", file.name.replace('"', "'"));
        let options = SendOptions::new().header("Content-Disposition", disposition);
        let id = link
            .session
            .send_message(now, &file.content_type, file.data.clone(), options)
            .map_err(|e| e.to_string())?;
        file.state = State::Sending {
            link: FILE_LINK,
            message_id: id,
            start: 0,
            total: file.data.len() as u64,
        };
        self.out.notice(&format!(
            "the focus accepted the file transfer; sending {}",
            file.name
        ));
        self.file_link = Some(link);
        Ok(())
    }

    /// The file offer was refused: say so, and send the file through the room instead.
    pub(crate) fn file_refused(&mut self, now: Instant, why: &str) {
        if !self.file.as_ref().is_some_and(FileTransfer::is_offering) {
            return;
        }
        self.out.notice(&format!(
            "file transfer refused ({why}); sending the file as a message/cpim through the room instead"
        ));
        self.send_file_in_room(now);
    }

    /// The fallback: the file as the payload of one CPIM message to everyone.
    fn send_file_in_room(&mut self, now: Instant) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        let disposition = format!("attachment; filename=\"{}\"", file.name.replace('"', "'"));
        let to = Address::uri_only(self.conference.clone());
        let body = match conference_send(
            self.sender.clone(),
            to,
            &file.content_type,
            file.data.clone(),
        )
        .mime_header("Content-Disposition", &disposition)
        .build()
        {
            Ok(m) => m.as_bytes().clone(),
            Err(e) => {
                self.out
                    .error(&format!("cannot write the file message: {e}"));
                self.file = None;
                return;
            }
        };
        let Some(link) = self.chat.as_mut() else {
            self.file = None;
            return;
        };
        let total = body.len() as u64;
        match link
            .session
            .send_message(now, CPIM_CONTENT_TYPE, body, SendOptions::new())
        {
            Ok(id) => {
                file.state = State::Sending {
                    link: CHAT_LINK,
                    message_id: id,
                    start: link.written,
                    total,
                };
            }
            Err(e) => {
                self.out.error(&format!("cannot send {}: {e}", file.name));
                self.file = None;
            }
        }
    }

    /// Redraws the progress bar when it moved.
    pub(crate) fn file_progress(&mut self) {
        let Some(State::Sending {
            link, start, total, ..
        }) = self.file.as_ref().map(|f| &f.state)
        else {
            return;
        };
        let (link, start, total) = (*link, *start, *total);
        let written = self
            .links()
            .find(|l| l.id == link)
            .map_or(0, |l| l.written.saturating_sub(start));
        let Some(file) = self.file.as_mut() else {
            return;
        };
        // The headers of the chunks count too: hold 100% for the last acknowledgement.
        let shown = written.min(total.saturating_sub(1));
        let step = (shown * 100) / total.max(1);
        if file.last_shown != Some(step) {
            file.last_shown = Some(step);
            self.out.progress(&file.name, shown, total);
        }
    }

    /// A message finished: the file, if it was the file.
    pub(crate) fn file_sent(&mut self, now: Instant, id: MessageId) {
        let done = matches!(
            self.file.as_ref().map(|f| &f.state),
            Some(State::Sending { message_id, .. }) if *message_id == id
        );
        if !done {
            return;
        }
        let Some(file) = self.file.take() else {
            return;
        };
        if let State::Sending { total, link, .. } = file.state {
            self.out.progress(&file.name, total, total);
            self.out.progress_done();
            let how = if link == CHAT_LINK {
                "through the room"
            } else {
                "(RFC 5547)"
            };
            self.out.notice(&format!(
                "sent {} ({} bytes) {how}",
                file.name,
                file.data.len()
            ));
            if link != CHAT_LINK {
                self.close_file_session(now);
            }
        }
    }

    /// A message failed: returns the file's description if it was the file.
    pub(crate) fn file_failed(&mut self, id: MessageId) -> Option<String> {
        let failed = matches!(
            self.file.as_ref().map(|f| &f.state),
            Some(State::Sending { message_id, .. }) if *message_id == id
        );
        if !failed {
            return None;
        }
        self.out.progress_done();
        self.file.take().map(|f| format!("the file {}", f.name))
    }

    /// The file's own session closed.
    pub(crate) fn file_link_closed(&mut self, now: Instant) {
        if let Some(file) = self.file.take() {
            self.out.error(&format!(
                "the file session closed before {} was sent",
                file.name
            ));
        }
        self.close_file_session(now);
    }

    /// Ends the file's own session (RFC 5547 §9): its dialog with BYE, then its connection
    /// (in that order, so that the focus learns the end from the BYE, not from the closed
    /// connection).
    fn close_file_session(&mut self, now: Instant) {
        if let Some(mut dialog) = self.file_dialog.take() {
            let sent_by = self.sip.sent_by.clone();
            let bye = dialog
                .request(Method::Bye, &sent_by, &mut self.sip.ids)
                .and_then(|b| b.build().map_err(Into::into));
            match bye {
                Ok(bye) => {
                    if let Err(e) = self.sip.send(now, Purpose::FileClose, bye) {
                        self.out.warn(&e);
                    }
                }
                Err(e) => self.out.warn(&format!("cannot end the file session: {e}")),
            }
        }
        if let Some(mut link) = self.file_link.take() {
            link.session.close();
            let _ = link.flush();
            link.shutdown();
        }
    }
}
