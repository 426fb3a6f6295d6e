//! The conference event package (RFC 4575 over RFC 6665; REQ: FOC-8): one subscription
//! to the room, its NOTIFYs answered, the participant list kept from their documents.

use std::time::Instant;

use simpleim_focus::conference_info::{
    CONFERENCE_EVENT_PACKAGE, CONFERENCE_INFO_CONTENT_TYPE, ConferenceInfo,
};
use simpleim_sip::dialog::{Subscriber, SubscriberConfig, SubscriberEvent, SubscriberTermination};
use simpleim_sip::transaction::ServerKey;
use simpleim_sip::{Message, NameAddr, Uri};

use crate::app::{App, Phase};
use crate::roster::{Change, Gap};

/// How many times a subscription the focus ended is started again.
const MAX_RESUBSCRIBES: u32 = 5;

impl App {
    // --- the conference subscription (RFC 4575) ----------------------------------------------

    /// Subscribes to the room's conference event package.
    pub(crate) fn subscribe(&mut self, now: Instant) {
        let config = self.client.config();
        let identity = NameAddr::new(Uri::Sip(config.identity.clone()));
        let contact = NameAddr::new(Uri::Sip(config.contact.clone()));
        let ppi = format!("<{}>", config.identity);
        let room = NameAddr::new(Uri::Sip(self.room.clone()));
        let mut sub = SubscriberConfig::new(
            identity,
            room,
            contact,
            self.sip.sent_by.clone(),
            simpleim_sip::header::Event::new(CONFERENCE_EVENT_PACKAGE),
            Box::new(simpleim_sip::SeededIds::new(
                self.seed ^ 0x5b5c_0000 ^ u64::from(self.resubscribes),
            )),
        );
        sub.accept = vec![CONFERENCE_INFO_CONTENT_TYPE.to_owned()];
        sub.headers.push(("P-Preferred-Identity".to_owned(), ppi));
        match Subscriber::new(now, sub) {
            Ok(s) => self.subscriber = Some(s),
            Err(e) => self
                .out
                .warn(&format!("cannot subscribe to the participant list: {e}")),
        }
    }

    /// Sends what the subscriber has to send and handles its events.
    pub(crate) fn drain_subscriber(&mut self, now: Instant) -> bool {
        let Some(s) = self.subscriber.as_mut() else {
            return false;
        };
        let mut requests = Vec::new();
        while let Some(m) = s.poll_transmit() {
            if let Message::Request(r) = m {
                requests.push(r);
            }
        }
        let mut events = Vec::new();
        while let Some(e) = s.poll_event() {
            events.push(e);
        }
        for r in requests {
            if let Err(e) = self.sip.send(now, crate::sip_ua::Purpose::Subscribe, r) {
                self.out.warn(&e);
            }
        }
        let progressed = !events.is_empty();
        for e in events {
            self.on_subscriber_event(now, e);
        }
        progressed
    }

    /// The subscriber's answer to the NOTIFY that came on `key`.
    pub(crate) fn drain_subscriber_answer(&mut self, now: Instant, key: ServerKey) {
        let Some(s) = self.subscriber.as_mut() else {
            return;
        };
        let mut answered = false;
        let mut requests = Vec::new();
        while let Some(m) = s.poll_transmit() {
            match m {
                Message::Response(r) if !answered => {
                    answered = true;
                    self.sip.respond(now, key, r);
                }
                Message::Response(_) => {}
                Message::Request(r) => requests.push(r),
            }
        }
        for r in requests {
            let _ = self.sip.send(now, crate::sip_ua::Purpose::Subscribe, r);
        }
    }

    fn on_subscriber_event(&mut self, now: Instant, e: SubscriberEvent) {
        match e {
            SubscriberEvent::Notification { request } => {
                if request.body().is_empty() {
                    return;
                }
                let doc = match ConferenceInfo::parse(&request.body()) {
                    Ok(d) => d,
                    Err(e) => {
                        self.out.warn(&format!(
                            "a conference-info document that does not parse: {e}"
                        ));
                        return;
                    }
                };
                let first = !self.roster.is_known();
                match self.roster.apply(&doc) {
                    Ok(changes) if first => {
                        let names: Vec<&str> =
                            self.roster.people().iter().map(|p| p.name()).collect();
                        let list = names.join(", ");
                        self.out
                            .info(&format!("* in the room ({}): {list}", names.len()));
                        self.announce(&changes);
                    }
                    Ok(changes) => self.announce(&changes),
                    Err(Gap) => {
                        // RFC 4575 §4.6: a missed version; a refresh brings the full state.
                        if let Some(s) = self.subscriber.as_mut() {
                            let _ = s.refresh(now);
                        }
                    }
                }
            }
            SubscriberEvent::Terminated { reason } => {
                self.roster.clear();
                self.subscriber = None;
                if self.phase != Phase::InRoom {
                    return;
                }
                let again = matches!(
                    &reason,
                    SubscriberTermination::Expired
                        | SubscriberTermination::Notified {
                            reason: Some(_),
                            ..
                        }
                ) && match &reason {
                    SubscriberTermination::Notified {
                        reason: Some(r), ..
                    } => matches!(&r[..], b"deactivated" | b"timeout"),
                    _ => true,
                };
                if again && self.resubscribes < MAX_RESUBSCRIBES {
                    self.resubscribes += 1;
                    self.subscribe(now);
                } else {
                    self.out.warn(&format!(
                        "the participant list is not available ({reason:?}): /who and /msg \
                         cannot look people up"
                    ));
                }
            }
            _ => {}
        }
    }

    fn announce(&mut self, changes: &[Change]) {
        for c in changes {
            match c {
                Change::Entered { own: true, .. }
                | Change::Exited { own: true, .. }
                | Change::Renamed { own: true, .. } => {}
                Change::Entered { name, .. } => self.out.entered(name),
                Change::Exited { name, .. } => self.out.exited(name),
                Change::Renamed { old, new, .. } => self.out.renamed(old, new),
            }
        }
        if let Some((alias, _)) = &self.wait_for {
            if self.roster.find(alias).is_some() {
                self.wait_for = None;
            }
        }
    }
}
