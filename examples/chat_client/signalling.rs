//! The SIP side of the room: answers to our requests (REGISTER, the join INVITE and its
//! 200 OK, session refreshes) and the requests the server sends us (NOTIFY, BYE,
//! re-INVITE/UPDATE refreshes, OPTIONS, pager MESSAGE, a deferred-messaging push).

use std::time::{Duration, Instant};

use bytes::Bytes;
use simpleim_sip::dialog::SessionTimerConfig;
use simpleim_sip::{HeaderName, Method, Request, Response};

use crate::app::{ALLOW, App, Phase, describe_failure};
use crate::sip_ua::{Purpose, SipEvent};

impl App {
    // --- SIP -------------------------------------------------------------------------------

    pub(crate) fn on_sip_event(&mut self, now: Instant, event: SipEvent) {
        match event {
            SipEvent::Response {
                purpose,
                request,
                response,
            } => {
                let _ = request;
                self.on_response(now, purpose, &response);
            }
            SipEvent::Failed {
                purpose,
                request,
                status,
            } => self.on_failed(now, purpose, &request, status),
            SipEvent::Retransmitted2xx => {
                if let Some(ack) = self.ack.clone() {
                    let _ = self.sip.send_ack(now, ack);
                }
            }
            SipEvent::Request { key, request } => self.on_request(now, key, &request),
            SipEvent::Ack | SipEvent::ServerFailed => {}
        }
    }

    fn on_response(&mut self, now: Instant, purpose: Purpose, r: &Response) {
        // Responses to requests in the room's dialog move the dialog on (RFC 3261 §12.2.1.2):
        // a 481 or 408 ends it.
        if matches!(purpose, Purpose::Bye | Purpose::Refresh) {
            let ended = self.joined.as_mut().is_some_and(|j| {
                let _ = j.dialog_mut().handle_response(r);
                j.dialog().state() == simpleim_sip::dialog::DialogState::Terminated
            });
            if ended && purpose != Purpose::Bye && self.phase == Phase::InRoom {
                self.out.error(&format!(
                    "the focus ended our session: {}",
                    describe_failure(r)
                ));
                self.file = None;
                self.leave(now, "the session is gone", 1);
                return;
            }
        }
        match purpose {
            Purpose::Register { pref } => self.on_register_response(now, pref, r),
            Purpose::Deregister | Purpose::Bye | Purpose::Cancel => {}
            Purpose::Join => self.on_join_response(now, r),
            Purpose::Subscribe => {
                if let Some(s) = self.subscriber.as_mut() {
                    s.handle_response(now, r);
                }
            }
            Purpose::Refresh => self.on_refresh_response(now, r),
            Purpose::FileOffer => self.on_file_offer_response(now, r),
            // The file's dialog is over with our BYE, whatever the answer.
            Purpose::FileClose => {}
        }
    }

    fn on_failed(&mut self, now: Instant, purpose: Purpose, request: &Request, status: u16) {
        let what = if status == 408 {
            "no answer"
        } else {
            "transport error"
        };
        match purpose {
            Purpose::Register { .. } => {
                self.out.warn(&format!(
                    "REGISTER failed ({status}, {what}); joining anyway"
                ));
            }
            Purpose::Join => {
                if !matches!(self.phase, Phase::Leaving { .. }) {
                    self.out
                        .error(&format!("the INVITE got no final answer ({what})"));
                }
                self.invite = None;
                self.leave(now, "not admitted", 1);
            }
            Purpose::Subscribe => {
                if let Some(s) = self.subscriber.as_mut() {
                    s.handle_request_failed(now, request);
                }
            }
            Purpose::FileOffer => self.file_refused(now, &format!("no final answer ({what})")),
            Purpose::FileClose => {}
            // RFC 3261 §12.2.1.2: a request in the dialog without an answer ends it.
            Purpose::Refresh | Purpose::Bye => {
                if let Some(j) = self.joined.as_mut() {
                    j.dialog_mut().handle_request_failed(request);
                }
                if purpose != Purpose::Bye {
                    self.file = None;
                    self.leave(
                        now,
                        &format!("a request in our session got no answer ({what})"),
                        1,
                    );
                }
            }
            Purpose::Deregister | Purpose::Cancel => {}
        }
    }

    fn on_register_response(&mut self, now: Instant, pref: bool, r: &Response) {
        match r.code() {
            100..=199 => {}
            200..=299 => {
                if !self.registered {
                    self.out.registered(r.code(), "registered");
                }
                self.registered = true;
                // RFC 3261 §10.2.4: refresh before the binding the registrar granted expires
                // (its Expires; half-way, at least 30 s from now).
                let granted = r
                    .headers()
                    .typed::<simpleim_sip::header::Expires>()
                    .and_then(Result::ok)
                    .map_or(self.client.config().register_expires, |e| e.value());
                self.register_refresh = (granted > 0)
                    .then(|| now + Duration::from_secs(u64::from(granted / 2).max(30)));
                self.register_pref = pref;
                if matches!(self.phase, Phase::Leaving { .. }) {
                    // The answer came after we started leaving: undo it.
                    if let Ok(r) = self
                        .client
                        .register(simpleim_focus::client::Registration::Deregister)
                    {
                        let _ = self.sip.send(now, Purpose::Deregister, r);
                    }
                }
            }
            // RFC 3261 §8.1.3.5: retry without the extension the registrar does not know.
            420 if pref && !matches!(self.phase, Phase::Leaving { .. }) => {
                self.send_register(now, false);
            }
            _ => {
                self.out.warn(&format!(
                    "REGISTER refused: {}; joining anyway",
                    describe_failure(r)
                ));
                self.out.registered(r.code(), "not registered");
            }
        }
    }

    fn on_join_response(&mut self, now: Instant, r: &Response) {
        let code = r.code();
        if code < 200 {
            return;
        }
        let Some(invite) = self.invite.take() else {
            return;
        };
        if code >= 300 {
            if !matches!(self.phase, Phase::Leaving { .. }) {
                self.out.error(&format!(
                    "the focus refused to let us in: {}",
                    describe_failure(r)
                ));
                self.leave(now, "not admitted", 1);
            }
            return;
        }
        let joined = match invite.accept(r) {
            Ok(j) => j,
            Err(e) => {
                self.out
                    .error(&format!("cannot use the focus's 200 OK: {e}"));
                // ACK it all the same, then BYE (RFC 3261 §13.2.2.4, §15).
                if let Ok(mut d) = simpleim_sip::dialog::Dialog::new_uac(invite.request(), r) {
                    let sent_by = self.sip.sent_by.clone();
                    if let Ok(ack) = d
                        .ack(r, &sent_by, &mut self.sip.ids)
                        .and_then(|b| b.build().map_err(Into::into))
                    {
                        let _ = self.sip.send_ack(now, ack);
                    }
                    if let Ok(bye) = d
                        .request(Method::Bye, &sent_by, &mut self.sip.ids)
                        .and_then(|b| b.build().map_err(Into::into))
                    {
                        let _ = self.sip.send(now, Purpose::Bye, bye);
                    }
                }
                self.leave(now, "the session could not be set up", 1);
                return;
            }
        };
        let sent_by = self.sip.sent_by.clone();
        match joined
            .dialog()
            .ack(r, &sent_by, &mut self.sip.ids)
            .and_then(|b| b.build().map_err(Into::into))
        {
            Ok(ack) => {
                let _ = self.sip.send_ack(now, ack.clone());
                self.ack = Some(ack);
            }
            Err(e) => self.out.warn(&format!("cannot write the ACK: {e}")),
        }
        if let Ok(n) = self.timer_request.negotiate_uac(r) {
            self.timer.handle_negotiated(now, n);
        }
        if matches!(self.phase, Phase::Leaving { .. }) {
            // The 200 crossed our CANCEL: end the session at once.
            self.joined = Some(joined);
            self.send_bye(now);
            return;
        }
        self.sender = joined.sender().clone();
        self.roster.set_me(self.sender.uri());
        self.conference = joined.conference_uri().clone();
        let alias = self.sender.formal_name().map_or_else(
            || String::from_utf8_lossy(self.sender.uri()).into_owned(),
            |n| String::from_utf8_lossy(n).into_owned(),
        );
        let assigned = joined.alias_assigned();
        let conference = String::from_utf8_lossy(&self.conference).into_owned();
        self.joined = Some(joined);
        self.phase = Phase::InRoom;
        self.joined_at = Some(now);
        self.out.joined(&alias, &conference, assigned);
        if let Err(e) = self.open_chat(now) {
            self.out.error(&format!("MSRP: {e}"));
            self.leave(now, "the MSRP session could not be opened", 1);
            return;
        }
        self.subscribe(now);
    }

    fn on_refresh_response(&mut self, now: Instant, r: &Response) {
        match r.code() {
            100..=199 => {}
            200..=299 => {
                let n = self
                    .timer
                    .refresh_request()
                    .unwrap_or(self.timer_request)
                    .negotiate_uac(r)
                    .ok()
                    .flatten();
                self.timer.handle_negotiated(now, n);
            }
            // The session is gone on the focus's side (RFC 3261 §12.2.1.2).
            408 | 481 => self.leave(now, "the focus no longer knows our session", 1),
            // Another failure leaves the session until it expires (RFC 4028 §10).
            _ => self.out.warn(&format!(
                "the session refresh was refused: {}",
                describe_failure(r)
            )),
        }
    }

    pub(crate) fn on_timer_event(
        &mut self,
        now: Instant,
        e: simpleim_sip::dialog::SessionTimerEvent,
    ) {
        use simpleim_sip::dialog::SessionTimerEvent;
        match e {
            SessionTimerEvent::RefreshDue => {
                // RFC 4028 §7.4; an UPDATE without a body refreshes the session (the focus
                // lists UPDATE in its Allow).
                let headers = self.timer.refresh_request().unwrap_or(self.timer_request);
                let built = self.dialog_request(Method::Update).and_then(|b| {
                    headers
                        .apply(b)
                        .header(HeaderName::Supported, "timer")
                        .build()
                        .map_err(|e| e.to_string())
                });
                match built {
                    Ok(update) => {
                        if let Err(e) = self.sip.send(now, Purpose::Refresh, update) {
                            self.out.warn(&e);
                        }
                    }
                    Err(e) => self.out.warn(&format!("cannot refresh the session: {e}")),
                }
            }
            SessionTimerEvent::Expired => {
                self.leave(now, "the session expired (RFC 4028)", 1);
            }
            _ => {}
        }
    }

    // --- requests from the server ------------------------------------------------------------

    /// A response to an out-of-dialog request, with our Allow.
    pub(crate) fn plain_response(&mut self, request: &Request, code: u16) -> Option<Response> {
        Response::for_request(request, code, &mut self.sip.ids)
            .header(HeaderName::Allow, ALLOW)
            .build()
            .ok()
    }

    fn on_request(
        &mut self,
        now: Instant,
        key: simpleim_sip::transaction::ServerKey,
        request: &Request,
    ) {
        let id = simpleim_sip::dialog::DialogId::of_incoming_request(request);
        // A NOTIFY of the conference subscription (RFC 6665 §4.1.3).
        if let (Some(s), Some(id)) = (self.subscriber.as_mut(), id.as_ref()) {
            if id.call_id == *s.call_id() && id.local_tag == *s.local_tag() {
                s.handle_request(now, request);
                self.drain_subscriber_answer(now, key);
                return;
            }
        }
        // A request in a push's dialog (its BYE).
        if self.on_push_request(now, key, request, id.as_ref()) {
            return;
        }
        let in_room = self
            .joined
            .as_ref()
            .is_some_and(|j| id.as_ref() == Some(j.dialog().id()));
        if in_room {
            self.on_room_request(now, key, request);
            return;
        }
        let code = match request.method() {
            Method::Options => 200,
            Method::Message => {
                self.on_pager_message(request);
                200
            }
            // Stored messages pushed by the deferred-messaging service (seed 004 App. H).
            Method::Invite => {
                self.on_push_invite(now, key, request);
                return;
            }
            Method::Notify | Method::Bye => 481,
            _ => 405,
        };
        if let Some(r) = self.plain_response(request, code) {
            self.sip.respond(now, key, r);
        }
    }

    /// A request in the room's dialog.
    fn on_room_request(
        &mut self,
        now: Instant,
        key: simpleim_sip::transaction::ServerKey,
        request: &Request,
    ) {
        let Some(j) = self.joined.as_mut() else {
            return;
        };
        if let Err(rejection) = j.dialog_mut().handle_request(request) {
            if let Ok(r) = rejection.response(request, &mut self.sip.ids).build() {
                self.sip.respond(now, key, r);
            }
            return;
        }
        match request.method() {
            Method::Bye => {
                if let Ok(r) = j
                    .dialog_mut()
                    .respond(request, 200)
                    .and_then(|b| b.build().map_err(Into::into))
                {
                    self.sip.respond(now, key, r);
                }
                self.timer.stop();
                self.leave(now, "the focus ended the session", 0);
            }
            Method::Update | Method::Invite => self.on_session_refresh(now, key, request),
            Method::Options => {
                if let Ok(r) = j
                    .dialog_mut()
                    .respond(request, 200)
                    .map(|b| b.header(HeaderName::Allow, ALLOW))
                    .and_then(|b| b.build().map_err(Into::into))
                {
                    self.sip.respond(now, key, r);
                }
            }
            _ => {
                if let Ok(r) = j
                    .dialog_mut()
                    .respond(request, 405)
                    .map(|b| b.header(HeaderName::Allow, ALLOW))
                    .and_then(|b| b.build().map_err(Into::into))
                {
                    self.sip.respond(now, key, r);
                }
            }
        }
    }

    /// A re-INVITE or UPDATE from the focus: a session refresh (RFC 4028 §9), with an SDP
    /// answer when it carries an offer.
    fn on_session_refresh(
        &mut self,
        now: Instant,
        key: simpleim_sip::transaction::ServerKey,
        request: &Request,
    ) {
        use simpleim_sip::dialog::UasDecision;
        let decision = SessionTimerConfig::default().negotiate_uas(request);
        let answer = if *request.method() == Method::Invite {
            Some(self.answer_reoffer(request))
        } else {
            None
        };
        let Some(j) = self.joined.as_mut() else {
            return;
        };
        let built = match (decision, answer) {
            (Ok(UasDecision::Accept(n)), Some(Err(why))) => {
                let _ = n;
                j.dialog_mut()
                    .respond(request, 488)
                    .map(|b| b.header_named("Warning", format!("399 chat_client \"{why}\"")))
            }
            (Ok(UasDecision::Accept(n)), answer) => {
                self.timer.handle_negotiated(now, Some(n));
                j.dialog_mut().respond(request, 200).map(|b| {
                    let b = n
                        .apply_to_response(b)
                        .header(HeaderName::Supported, "timer");
                    match answer {
                        Some(Ok(sdp)) => b.body("application/sdp", sdp),
                        _ => b,
                    }
                })
            }
            (Ok(d @ UasDecision::TooSmall { .. }), _) => d
                .reject_response(request, &mut self.sip.ids)
                .ok_or(simpleim_sip::dialog::DialogError::Terminated),
            (Err(_), _) => j.dialog_mut().respond(request, 400),
        };
        if let Ok(r) = built.and_then(|b| b.build().map_err(Into::into)) {
            self.sip.respond(now, key, r);
        }
    }

    /// Our SDP answer to a re-INVITE from the focus: the same MSRP session (RFC 3264 §8),
    /// or our current description as an offer when the re-INVITE has none.
    fn answer_reoffer(&mut self, request: &Request) -> Result<Bytes, String> {
        let Some(j) = self.joined.as_ref() else {
            return Err("no session".into());
        };
        let local = j.msrp().local_sdp();
        let mut origin = local.origin().map_err(|e| e.to_string())?;
        self.sdp_version += 1;
        origin.session_version = self.sdp_version;
        if request.body().is_empty() {
            // RFC 3264 §8: an offer in the 200, the answer in the ACK.
            let mut b = simpleim_sdp::SessionDescription::builder().origin(&origin);
            if let Some(Ok(c)) = local.connection() {
                b = b.connection(&c);
            }
            for m in local.media() {
                b = b.media(crate::file::copy_media(m).map_err(|e| e.to_string())?);
            }
            return b.build().map(|s| s.to_bytes()).map_err(|e| e.to_string());
        }
        let offer = simpleim_sdp::negotiate::SdpOffer::parse(request.body())
            .map_err(|e| format!("malformed offer: {e}"))?;
        let caps = self.client.config().msrp.clone();
        simpleim_sdp::negotiate::answer(&offer, &caps, &origin)
            .map(|a| a.to_bytes())
            .map_err(|e| e.to_string())
    }

    /// A SIP MESSAGE (pager mode) outside the room: shown, and answered 200.
    fn on_pager_message(&mut self, request: &Request) {
        let from = request
            .headers()
            .typed::<simpleim_sip::header::From>()
            .and_then(Result::ok)
            .map(|f| {
                f.0.display_name_text()
                    .map(|d| d.into_owned())
                    .unwrap_or_else(|| f.uri().to_string())
            })
            .unwrap_or_else(|| "?".to_owned());
        let body = request.body();
        let text = match simpleim_cpim::CpimMessage::parse(body.clone()) {
            Ok(cpim) => String::from_utf8_lossy(&cpim.payload()).into_owned(),
            Err(_) => String::from_utf8_lossy(&body).into_owned(),
        };
        self.out
            .message(&format!("{from} (SIP MESSAGE)"), &text, true);
    }
}
