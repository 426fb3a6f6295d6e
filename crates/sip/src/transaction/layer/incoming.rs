//! Incoming messages: requests matched to server transactions (RFC 3261 §17.2.3, the RFC 2543
//! fallback), ACK and CANCEL (§9.2, §13.3.1.4), responses matched to client transactions
//! (§17.1.3) and strays (RFC 6026 §8.9).

use std::time::Instant;

use super::TransactionLayer;
use crate::message::{Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::transaction::config::TransportHandle;
use crate::transaction::event::{ServerState, TransactionEvent};
use crate::transaction::key::{
    ClientKey, RequestInfo, ServerKey, ServerMatch, Unmatchable, cseq, match_method, request_info,
    response_dialog_key, same_request_uri, top_via,
};
use crate::transaction::requests::layer_response;
use crate::transaction::server::{NewServer, ServerKind, ServerTransaction};

impl<H: TransportHandle> TransactionLayer<H> {
    // --- requests ----------------------------------------------------------------------------

    pub(super) fn on_request(&mut self, now: Instant, handle: H, req: Request) {
        let info = match request_info(&req) {
            Ok(info) => info,
            Err(Unmatchable(name)) => {
                self.out.stats.malformed += 1;
                // Without a Via a response has nowhere to go; an ACK is never answered.
                if name != HeaderName::Via && *req.method() != Method::Ack {
                    self.stateless(&handle, &req, 400);
                }
                return;
            }
        };
        match req.method() {
            Method::Ack => self.on_ack(now, handle, req, &info),
            Method::Cancel => self.on_cancel(now, handle, req, &info),
            method => {
                if let Some(id) = self.find_server(&info, &req, &match_method(method)) {
                    if let Some(t) = self.servers.get_mut(&id) {
                        t.on_retransmission(handle, &mut self.out);
                    }
                    return;
                }
                if self.is_full() {
                    self.out.stats.rejected_overload += 1;
                    self.stateless(&handle, &req, 503);
                    return;
                }
                let kind = if *method == Method::Invite {
                    ServerKind::Invite
                } else {
                    ServerKind::NonInvite
                };
                let id = self.create_server(now, kind, handle.clone(), req.clone(), info);
                self.out.event(TransactionEvent::NewRequest {
                    key: ServerKey(id),
                    request: req,
                    handle,
                });
            }
        }
    }

    /// §17.2.1: an ACK for a non-2xx goes to its INVITE transaction; an ACK for a 2xx (new
    /// branch) is matched by dialog to the transaction that sent the 2xx.
    pub(super) fn on_ack(&mut self, now: Instant, handle: H, req: Request, info: &RequestInfo) {
        let id = self
            .find_server(info, &req, &Method::Invite)
            .or_else(|| self.dialog_index.get(&info.dialog_key()).copied());
        let Some(id) = id else {
            self.out.event(TransactionEvent::StrayAck {
                handle,
                request: req,
            });
            return;
        };
        if let Some(t) = self.servers.get_mut(&id) {
            let step = t.on_ack(now, req, &self.config, &mut self.out);
            self.after_server(id, step);
        }
    }

    /// §9.2: a CANCEL is answered by the layer, 200 when it matches a transaction and 481
    /// otherwise; an INVITE it matches before its final response is answered 487 (by the
    /// layer or, per configuration, by the TU) and the TU is told.
    pub(super) fn on_cancel(&mut self, now: Instant, handle: H, req: Request, info: &RequestInfo) {
        if let Some(id) = self.find_server(info, &req, &Method::Cancel) {
            if let Some(t) = self.servers.get_mut(&id) {
                t.on_retransmission(handle, &mut self.out);
            }
            return;
        }
        let target = self.find_cancelled(info, &req);
        let code = if target.is_some() {
            200
        } else {
            self.out.stats.cancels_unmatched += 1;
            481
        };
        if self.is_full() {
            // No room for its transaction: answered statelessly; a retransmission is matched
            // again and answered the same way while the INVITE lives.
            self.stateless(&handle, &req, code);
        } else {
            let id = self.create_server(now, ServerKind::Cancel, handle, req.clone(), info.clone());
            if let Some(t) = self.servers.get_mut(&id) {
                if let Some(resp) = layer_response(&t.request, code, None, self.config.ids.as_mut())
                {
                    let step = t
                        .respond(now, resp, &self.config, &mut self.out)
                        .unwrap_or_default();
                    self.after_server(id, step);
                }
            }
        }
        let Some(target) = target else {
            return;
        };
        let Some(t) = self.servers.get_mut(&target) else {
            return;
        };
        if t.kind != ServerKind::Invite || t.state != ServerState::Proceeding {
            // A non-INVITE, or an INVITE with its final response: the CANCEL has no effect.
            return;
        }
        self.out.event(TransactionEvent::Cancelled {
            key: ServerKey(target),
            cancel: req,
        });
        if self.config.cancel_with_487 {
            let to = t.provisional_to();
            if let Some(resp) = layer_response(&t.request, 487, to, self.config.ids.as_mut()) {
                let step = t
                    .respond(now, resp, &self.config, &mut self.out)
                    .unwrap_or_default();
                self.after_server(target, step);
            }
        }
    }

    /// The server transaction a request belongs to (§17.2.3), under `method` (INVITE for an
    /// ACK).
    pub(super) fn find_server(
        &self,
        info: &RequestInfo,
        req: &Request,
        method: &Method,
    ) -> Option<u64> {
        match &info.matching {
            ServerMatch::Branch(k) => self
                .branch_index
                .get(k)?
                .iter()
                .find(|(m, _)| m == method)
                .map(|(_, id)| *id),
            ServerMatch::Legacy(k) => {
                let is_ack = *req.method() == Method::Ack;
                let uri = req.uri_bytes();
                self.legacy_index.get(k)?.iter().copied().find(|id| {
                    self.servers.get(id).is_some_and(|t| {
                        // An ACK carries the To tag of the response; any other request the
                        // To tag of the original.
                        let to_tag = if is_ack {
                            &t.response_to_tag
                        } else {
                            &t.to_tag
                        };
                        t.method == *method
                            && *to_tag == info.to_tag
                            && same_request_uri(&t.uri, &uri)
                    })
                })
            }
        }
    }

    /// The transaction a CANCEL cancels (§9.2): matched as its own request would be, except
    /// for the method; an INVITE first.
    pub(super) fn find_cancelled(&self, info: &RequestInfo, req: &Request) -> Option<u64> {
        if let Some(id) = self.find_server(info, req, &Method::Invite) {
            return Some(id);
        }
        match &info.matching {
            ServerMatch::Branch(k) => self
                .branch_index
                .get(k)?
                .iter()
                .find(|(m, _)| *m != Method::Cancel)
                .map(|(_, id)| *id),
            ServerMatch::Legacy(k) => {
                let uri = req.uri_bytes();
                self.legacy_index.get(k)?.iter().copied().find(|id| {
                    self.servers.get(id).is_some_and(|t| {
                        t.method != Method::Cancel
                            && t.to_tag == info.to_tag
                            && same_request_uri(&t.uri, &uri)
                    })
                })
            }
        }
    }

    pub(super) fn create_server(
        &mut self,
        now: Instant,
        kind: ServerKind,
        handle: H,
        request: Request,
        info: RequestInfo,
    ) -> u64 {
        let id = self.next_id();
        let reliable = handle.is_reliable();
        let method = request.method().clone();
        match &info.matching {
            ServerMatch::Branch(k) => self
                .branch_index
                .entry(k.clone())
                .or_default()
                .push((method, id)),
            ServerMatch::Legacy(k) => self.legacy_index.entry(k.clone()).or_default().push(id),
        }
        let t = ServerTransaction::new(
            NewServer {
                key: ServerKey(id),
                kind,
                request,
                matching: info.matching,
                to_tag: info.to_tag,
                handle,
                reliable,
            },
            now,
            &mut self.config,
            &mut self.out,
        );
        self.servers.insert(id, t);
        self.sync_server(id);
        id
    }

    /// Answers `req` without a transaction (never an ACK).
    pub(super) fn stateless(&mut self, handle: &H, req: &Request, code: u16) {
        if *req.method() == Method::Ack {
            return;
        }
        if let Some(resp) = layer_response(req, code, None, self.config.ids.as_mut()) {
            self.out.send(handle, resp);
        }
    }

    // --- responses ---------------------------------------------------------------------------

    pub(super) fn on_response(&mut self, now: Instant, handle: H, resp: Response) {
        let h = resp.headers();
        let (Ok(via), Ok(c)) = (top_via(h), cseq(h)) else {
            self.out.stats.malformed += 1;
            return;
        };
        let is_2xx_to_invite = *c.method() == Method::Invite && (200..300).contains(&resp.code());
        let id = via
            .branch_bytes()
            .and_then(|b| self.client_index.get(&(b, c.method().clone())).copied());
        let Some(id) = id else {
            self.on_stray(handle, resp, is_2xx_to_invite);
            return;
        };
        let Some(t) = self.clients.get_mut(&id) else {
            return;
        };
        let step = t.on_response(now, resp, &self.config, &mut self.out);
        if step.stray {
            self.out.stats.stray_responses += 1;
        }
        if let Some(ok) = &step.retransmitted_2xx {
            if !self.resend_ack(ok) {
                self.out.event(TransactionEvent::Retransmitted2xx {
                    key: ClientKey(id),
                    response: ok.clone(),
                });
            }
        }
        self.after_client(now, id, step);
    }

    /// A response with no transaction: a 2xx to INVITE whose ACK the layer holds gets it
    /// again; otherwise it is discarded (RFC 6026 §8.9) or, with
    /// [`TransactionConfig::pass_stray_2xx`], a 2xx to INVITE goes to the TU.
    pub(super) fn on_stray(&mut self, handle: H, resp: Response, is_2xx_to_invite: bool) {
        if is_2xx_to_invite {
            if self.resend_ack(&resp) {
                return;
            }
            if self.config.pass_stray_2xx {
                self.out.event(TransactionEvent::Stray2xx {
                    handle,
                    response: resp,
                });
                return;
            }
        }
        self.out.stats.stray_responses += 1;
    }

    /// Sends the remembered ACK for this 2xx, if there is one.
    pub(super) fn resend_ack(&mut self, ok: &Response) -> bool {
        let Some(key) = response_dialog_key(ok) else {
            return false;
        };
        let Some(entry) = self.ack_index.get(&key).and_then(|id| self.acks.get(id)) else {
            return false;
        };
        self.out.stats.retransmissions_absorbed += 1;
        self.out.stats.acks_resent += 1;
        self.out.send(&entry.handle, entry.ack.clone());
        true
    }
}
