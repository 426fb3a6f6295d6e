//! The explosion: one MESSAGE per recipient through the SIP/IP core, the deferred store for
//! those who cannot get it (REQ: GRP-1, DEF-1), and the copies' responses.

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::Bytes;
use simpleim_sip::header::CSeq;
use simpleim_sip::transaction::{ClientKey, TransportHandle};
use simpleim_sip::{HeaderName, IdGenerator, IdKind, Method, Request, Response, Uri};

use super::{Explosion, Leg, PagerEvent, PagerId};
use crate::deferred::Aor;
use crate::focus::Focus;

impl<H, C> Focus<H, C>
where
    H: TransportHandle + Clone,
    C: Clone + Eq + Hash + Ord + fmt::Debug,
{
    /// Sends (or stores) one copy per recipient.
    pub(super) fn explode(&mut self, now: Instant, request: &Request, explosion: Explosion) {
        let Some(pager) = self.pager.as_mut() else {
            return;
        };
        let id = PagerId(pager.next_id);
        pager.next_id += 1;
        pager.events.push_back(PagerEvent::Accepted {
            id,
            sender: explosion.sender.clone(),
            target: String::from_utf8_lossy(&request.uri_bytes()).into_owned(),
            recipients: explosion.recipients.len(),
        });
        let accept_contact: Vec<Bytes> = request
            .headers()
            .get_all(HeaderName::AcceptContact)
            .map(|v| v.value())
            .collect();
        let handle = self.control.outbound_handle().cloned();
        for recipient in &explosion.recipients {
            let copy = self.copy_for(recipient, &explosion, &accept_contact, handle.as_ref());
            let Some(copy) = copy else {
                self.pager_event(PagerEvent::Failed {
                    id,
                    recipient: recipient.clone(),
                    status: 500,
                });
                continue;
            };
            let registered = match (&self.deferred, Uri::parse(&Bytes::from(recipient.clone()))) {
                (Some(d), Ok(uri)) => d.is_registered(&Aor::from_uri(&uri)),
                (Some(_), Err(_)) => false,
                (None, _) => true,
            };
            let room = self
                .pager
                .as_ref()
                .is_some_and(|p| p.legs.len() < p.config.max_in_flight);
            match handle.clone() {
                Some(h) if registered && room => {
                    match self.control.send_request(now, h, copy.clone()) {
                        Ok(key) => {
                            if let Some(p) = self.pager.as_mut() {
                                p.legs.insert(
                                    key,
                                    Leg {
                                        id,
                                        recipient: recipient.clone(),
                                        request: copy,
                                    },
                                );
                            }
                        }
                        Err(_) => self.pager_fallback(now, id, recipient, &copy, Some(503)),
                    }
                }
                Some(_) if registered => {
                    self.pager_fallback(now, id, recipient, &copy, Some(503));
                }
                None if registered => self.pager_fallback(now, id, recipient, &copy, Some(503)),
                _ => self.pager_fallback(now, id, recipient, &copy, None),
            }
        }
    }

    /// The copy of a group message for `recipient`.
    fn copy_for(
        &mut self,
        recipient: &str,
        explosion: &Explosion,
        accept_contact: &[Bytes],
        handle: Option<&H>,
    ) -> Option<Request> {
        let sent_by = self
            .control
            .config()
            .sent_by
            .on_transport(handle.and_then(TransportHandle::transport));
        let pager = self.pager.as_mut()?;
        let ids = &mut pager.ids;
        let via = sent_by.via(ids);
        let tag = ids.next_id(IdKind::Tag);
        let call_id = ids.next_id(IdKind::CallId);
        let tag = String::from_utf8_lossy(&tag);
        let from = if explosion.anonymous {
            format!("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag={tag}")
        } else {
            format!("<{}>;tag={tag}", explosion.sender)
        };
        let mut b = Request::builder(Method::Message, recipient)
            .typed(&via)
            .header(HeaderName::MaxForwards, 70)
            .header(HeaderName::From, from)
            .header(HeaderName::To, format!("<{recipient}>"))
            .header_named("Call-ID", &call_id)
            .typed(&CSeq::new(1, Method::Message));
        if !explosion.anonymous {
            b = b.header_named("P-Asserted-Identity", format!("<{}>", explosion.sender));
        }
        for ac in accept_contact {
            b = b.header_named("Accept-Contact", ac);
        }
        if !explosion.content_type.is_empty() {
            b = b.body(&explosion.content_type, explosion.body.clone());
        }
        b.build().ok()
    }

    /// A copy that could not go (or failed): stored when the deferred service is there.
    fn pager_fallback(
        &mut self,
        now: Instant,
        id: PagerId,
        recipient: &str,
        copy: &Request,
        status: Option<u16>,
    ) {
        let at = self.wall(now);
        let stored = self.deferred.as_mut().map(|d| d.defer(now, at, copy));
        let event = match stored {
            Some(Ok(stored)) => PagerEvent::Deferred {
                id,
                recipient: recipient.to_owned(),
                stored,
                status,
            },
            Some(Err(_)) => PagerEvent::Failed {
                id,
                recipient: recipient.to_owned(),
                status: 480,
            },
            None => PagerEvent::Failed {
                id,
                recipient: recipient.to_owned(),
                status: status.unwrap_or(480),
            },
        };
        self.pager_event(event);
        self.drain_deferred(now, None);
    }

    fn pager_event(&mut self, event: PagerEvent) {
        if let Some(p) = self.pager.as_mut() {
            p.events.push_back(event);
        }
    }

    /// A response to an exploded MESSAGE (`true` when it was one).
    pub(in crate::focus) fn pager_response_in(
        &mut self,
        now: Instant,
        key: ClientKey,
        response: &Response,
    ) -> bool {
        let Some(pager) = self.pager.as_mut() else {
            return false;
        };
        if !pager.legs.contains_key(&key) {
            return false;
        }
        if response.code() < 200 {
            return true;
        }
        let Some(leg) = pager.legs.remove(&key) else {
            return true;
        };
        if response.code() < 300 {
            pager.events.push_back(PagerEvent::Delivered {
                id: leg.id,
                recipient: leg.recipient,
            });
        } else {
            self.pager_fallback(
                now,
                leg.id,
                &leg.recipient,
                &leg.request,
                Some(response.code()),
            );
        }
        true
    }

    /// An exploded MESSAGE got no response (`true` when it was one).
    pub(in crate::focus) fn pager_request_failed(
        &mut self,
        now: Instant,
        key: ClientKey,
        status: u16,
    ) -> bool {
        let Some(leg) = self.pager.as_mut().and_then(|p| p.legs.remove(&key)) else {
            return false;
        };
        self.pager_fallback(now, leg.id, &leg.recipient, &leg.request, Some(status));
        true
    }
}
