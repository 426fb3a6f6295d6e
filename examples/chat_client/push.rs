//! Sessions the server opens to us: deferred messages and files.
//!
//! - Deferred messages (REQ: DEF-2; seed 004 App. H): when we REGISTER, the server's
//!   deferred-messaging service pushes what was stored for us while we were away.
//! - Files (RFC 5547): a file another participant sent to the room, which the focus offers
//!   us with `a=sendonly` and `a=file-selector`; it is saved under `--save-dir`.
//!
//! Both come as an INVITE with an MSRP offer; we answer it (we connect, `a=setup:active`),
//! send a bodiless SEND so that the server can bind the connection, receive the SENDs, and
//! answer its BYE.

use std::time::Instant;

use bytes::Bytes;
use simpleim_cpim::CpimMessage;
use simpleim_msrp::{Event, Session, SessionConfig};
use simpleim_sdp::attr::{AcceptTypes, FileSelector, Setup};
use simpleim_sdp::negotiate::{MsrpCapabilities, SdpOffer, answer_session};
use simpleim_sip::dialog::{Dialog, DialogId};
use simpleim_sip::transaction::ServerKey;
use simpleim_sip::{Method, NameAddr, Request, Uri};

use crate::app::App;
use crate::chat::media_type;
use crate::io::{self, LinkId};
use crate::msrp_link::{Link, first_hop, msrp_path};

/// One push: its dialog and its MSRP session.
pub(crate) struct Push {
    dialog: Dialog,
    pub(crate) link: Link,
    delivered: usize,
    /// The file offered, when this is a file transfer: its name and who sent it.
    file: Option<(String, String)>,
}

/// The name in the `a=file-selector` of an offer, when it offers a file (RFC 5547 §6).
fn offered_file(offer: &SdpOffer) -> Option<String> {
    offer.as_sdp().media().iter().find_map(|m| {
        let value = m.attribute(FileSelector::NAME)?.value?;
        let selector = FileSelector::parse(&Bytes::copy_from_slice(value.as_bytes())).ok()?;
        Some(selector.name().map_or_else(
            || "unnamed".to_owned(),
            |n| String::from_utf8_lossy(&n).into_owned(),
        ))
    })
}

/// Who a focus's INVITE names as the sender: the display name of its From (the sender's
/// alias), else its URI.
fn sender_of(request: &Request) -> String {
    from_name(request.headers())
}

/// The display name of a From header, else its URI ("?" without one).
fn from_name(headers: &simpleim_sip::Headers) -> String {
    headers
        .typed::<simpleim_sip::header::From>()
        .and_then(Result::ok)
        .map_or_else(
            || "?".to_owned(),
            |f| {
                f.0.display_name_text()
                    .map_or_else(|| f.uri().to_string(), |d| d.into_owned())
            },
        )
}

impl App {
    pub(crate) fn is_push_link(&self, id: LinkId) -> bool {
        self.pushes.iter().any(|p| p.link.id == id)
    }

    /// An INVITE outside every dialog: the deferred-messaging service pushing stored
    /// messages.
    pub(crate) fn on_push_invite(&mut self, now: Instant, key: ServerKey, request: &Request) {
        let code = match self.accept_push(now, key, request) {
            Ok(()) => return,
            Err((code, why)) => {
                self.out
                    .warn(&format!("refused an incoming INVITE ({code}): {why}"));
                code
            }
        };
        if let Some(r) = self.plain_response(request, code) {
            self.sip.respond(now, key, r);
        }
    }

    fn accept_push(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
    ) -> Result<(), (u16, String)> {
        let offer = SdpOffer::parse(request.body()).map_err(|e| (488, format!("offer: {e}")))?;
        let id = self.next_link;
        let session_id = format!("p{:012x}{id}", (self.seed >> 16) & 0xffff_ffff_ffff);
        let local_uri = format!("msrp://{}:9/{session_id};tcp", self.sip.sent_by.host());
        let path = simpleim_sdp::attr::Path::parse(&Bytes::from(local_uri.clone()))
            .map_err(|e| (500, e.to_string()))?;
        let any =
            AcceptTypes::parse(&Bytes::from_static(b"*")).map_err(|e| (500, e.to_string()))?;
        let file = offered_file(&offer).map(|name| (name, sender_of(request)));
        let caps = MsrpCapabilities::builder(path, any)
            .setup(Setup::Active)
            .file_transfer(file.is_some())
            .build();
        self.sdp_version += 1;
        let origin = simpleim_sdp::Origin {
            username: "-",
            session_id: self.seed >> 3,
            session_version: self.sdp_version,
            net_type: "IN",
            addr_type: if self.sip.sent_by.host().contains(':') {
                "IP6"
            } else {
                "IP4"
            },
            unicast_address: self.sip.sent_by.host(),
        };
        let (sdp, negotiated) =
            answer_session(&offer, &caps, &origin).map_err(|e| (488, e.to_string()))?;
        let contact = NameAddr::new(Uri::Sip(self.client.config().contact.clone()));
        let mut dialog = Dialog::new_uas(request, contact, &mut self.sip.ids)
            .map_err(|e| (400, e.to_string()))?;
        let remote = msrp_path(&negotiated.remote_path().to_string()).map_err(|e| (488, e))?;
        let local = local_uri.parse().map_err(|e| (500, format!("{e}")))?;
        let mut config = SessionConfig::new(
            local,
            remote.clone(),
            Box::new(simpleim_msrp::SeededIds::new(self.seed ^ u64::from(id))),
        );
        config.accept_types = vec!["*".to_owned()];
        let mut link = Link::new(id, Session::new(config));
        if negotiated.connects() {
            let addr = first_hop(&remote).map_err(|e| (488, e))?;
            let stream = io::msrp_connect(addr).map_err(|e| (480, format!("{addr}: {e}")))?;
            io::spawn_msrp_reader(id, &stream, self.tx.clone())
                .map_err(|e| (500, e.to_string()))?;
            link.attach(stream);
            let tid = format!("p{:012x}", (self.seed >> 20) & 0xffff_ffff_ffff);
            link.send_bodiless(&tid, &format!("{tid}m"))
                .map_err(|e| (480, e.to_string()))?;
        } else {
            return Err((488, "the service wants to connect to us".to_owned()));
        }
        let ok = dialog
            .respond(request, 200)
            .map(|b| {
                b.header(simpleim_sip::HeaderName::Allow, crate::app::ALLOW)
                    .body("application/sdp", sdp.to_bytes())
            })
            .and_then(|b| b.build().map_err(Into::into))
            .map_err(|e| (500, e.to_string()))?;
        self.sip.respond(now, key, ok);
        self.next_link += 1;
        if let Some((name, from)) = &file {
            self.out
                .notice(&format!("receiving the file {name} from {from} (RFC 5547)"));
        }
        self.pushes.push(Push {
            dialog,
            link,
            delivered: 0,
            file,
        });
        Ok(())
    }

    /// A request in a push's dialog; false when it is not one.
    pub(crate) fn on_push_request(
        &mut self,
        now: Instant,
        key: ServerKey,
        request: &Request,
        id: Option<&DialogId>,
    ) -> bool {
        let Some(at) = self.pushes.iter().position(|p| Some(p.dialog.id()) == id) else {
            return false;
        };
        let Some(push) = self.pushes.get_mut(at) else {
            return false;
        };
        let answer = match push.dialog.handle_request(request) {
            Err(rejection) => rejection.response(request, &mut self.sip.ids).build().ok(),
            Ok(()) => {
                let code = if *request.method() == Method::Bye {
                    200
                } else {
                    405
                };
                push.dialog
                    .respond(request, code)
                    .and_then(|b| b.build().map_err(Into::into))
                    .ok()
            }
        };
        if let Some(r) = answer {
            self.sip.respond(now, key, r);
        }
        if *request.method() == Method::Bye {
            let mut push = self.pushes.remove(at);
            push.link.session.close();
            let _ = push.link.flush();
            push.link.shutdown();
            if push.delivered > 0 {
                self.out.notice(&format!(
                    "{} stored message(s) delivered while you were away",
                    push.delivered
                ));
            }
        }
        true
    }

    /// What a push's MSRP session reports.
    pub(crate) fn on_push_event(&mut self, link: LinkId, e: Event) {
        match e {
            Event::Message {
                content_type, body, ..
            } if !body.is_empty() => {
                let file = self
                    .pushes
                    .iter()
                    .find(|p| p.link.id == link)
                    .and_then(|p| p.file.clone());
                if let Some((name, from)) = file {
                    self.received_file(&from, &name, &content_type, &body);
                    return;
                }
                let (from, text) = stored_message(&content_type, body);
                if let Some(p) = self.pushes.iter_mut().find(|p| p.link.id == link) {
                    p.delivered += 1;
                }
                self.out.stored(&from, &text);
            }
            Event::Closed { .. } => {
                if let Some(at) = self.pushes.iter().position(|p| p.link.id == link) {
                    let mut push = self.pushes.remove(at);
                    push.link.shutdown();
                }
            }
            _ => {}
        }
    }
}

/// The sender and text of a stored message: a `message/cpim` wrapper (its `From` and
/// payload), a `message/sip` encapsulation (the MESSAGE's From and body), or anything else
/// as it is.
fn stored_message(content_type: &[u8], body: Bytes) -> (String, String) {
    match media_type(content_type).as_str() {
        "message/cpim" => match CpimMessage::parse(body.clone()) {
            Ok(cpim) => {
                let from = cpim.from().and_then(Result::ok).map_or_else(
                    || "?".to_owned(),
                    |a| {
                        a.formal_name().map_or_else(
                            || String::from_utf8_lossy(a.uri()).into_owned(),
                            |n| String::from_utf8_lossy(n).into_owned(),
                        )
                    },
                );
                (from, String::from_utf8_lossy(&cpim.payload()).into_owned())
            }
            Err(_) => ("?".to_owned(), String::from_utf8_lossy(&body).into_owned()),
        },
        "message/sip" => match simpleim_sip::Message::parse_datagram(body.clone()) {
            Ok(m) => (
                from_name(m.headers()),
                String::from_utf8_lossy(&m.body()).into_owned(),
            ),
            Err(_) => ("?".to_owned(), String::from_utf8_lossy(&body).into_owned()),
        },
        _ => ("?".to_owned(), String::from_utf8_lossy(&body).into_owned()),
    }
}
