//! Requests inside a dialog (RFC 3261 §12.2.1.1): Request-URI and Route by loose or strict
//! routing, From/To with the dialog's tags, Call-ID, CSeq, Contact, Max-Forwards and a Via
//! with a new branch; and the ACK of a 2xx (§13.2.2.4).

use std::borrow::Cow;

use bytes::Bytes;

use crate::builder::RequestBuilder;
use crate::header::{CSeq, MaxForwards, Via};
use crate::ids::{IdGenerator, IdKind};
use crate::message::{Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::uri::Uri;

use super::error::{DialogError, required};
use super::state::{Dialog, DialogState, InviteTx, is_target_refresh};

/// Max-Forwards of every request a UA originates (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: u8 = 70;

/// Where this UA sends from, for the Via of its requests (RFC 3261 §8.1.1.7, §18.1.1): the
/// transport (`UDP`, `TCP`, `TLS`, ...) and the sent-by host and port, which the host knows
/// and this crate does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentBy {
    transport: String,
    host: String,
    port: Option<u16>,
    rport: bool,
}

impl SentBy {
    /// `transport` is a token (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ...); `host` a hostname or
    /// an IPv4 or IPv6 address (brackets are added when missing).
    #[must_use]
    pub fn new(transport: &str, host: &str, port: Option<u16>) -> Self {
        Self {
            transport: transport.to_owned(),
            host: host.to_owned(),
            port,
            rport: false,
        }
    }

    /// The same, adding `rport` to each Via (RFC 3581 §3).
    #[must_use]
    pub fn with_rport(mut self) -> Self {
        self.rport = true;
        self
    }

    /// The transport.
    #[must_use]
    pub fn transport(&self) -> &str {
        &self.transport
    }

    /// The same sent-by with `transport` instead, when one is given (a request going out on
    /// another transport than the configured one, RFC 3261 §18.1.1; see
    /// [`TransportHandle::transport`](crate::transaction::TransportHandle::transport)).
    #[must_use]
    pub fn on_transport(&self, transport: Option<&str>) -> Self {
        let mut s = self.clone();
        if let Some(t) = transport {
            t.clone_into(&mut s.transport);
        }
        s
    }

    /// The sent-by host.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The sent-by port.
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// A Via for a new client transaction, with a branch drawn from `ids` (RFC 3261
    /// §8.1.1.7: a new branch per transaction, starting with `z9hG4bK`).
    pub fn via(&self, ids: &mut impl IdGenerator) -> Via {
        let branch = ids.next_id(IdKind::Branch);
        let via = Via::new(
            &self.transport,
            &self.host,
            self.port,
            core::str::from_utf8(&branch).unwrap_or_default(),
        );
        if self.rport { via.with_rport() } else { via }
    }
}

/// `uri` as a Request-URI: without the parameters and headers a Request-URI may not carry
/// (RFC 3261 §19.1.1 table: `method` and headers; §12.2.1.1 "stripping any parameters that
/// are not allowed in a Request-URI"). Other URIs are kept as they are.
pub(super) fn as_request_uri(uri: &Uri) -> Cow<'_, [u8]> {
    let raw = uri.raw().as_ref();
    if uri.as_sip().is_none() {
        return Cow::Borrowed(raw);
    }
    // The host starts after the userinfo's `@` (which nothing else in a SIP URI may hold
    // unescaped), else after the scheme; the parameters after the host and port (which hold
    // no `;` and no `?`).
    let host_at = memchr::memchr(b'@', raw)
        .or_else(|| memchr::memchr(b':', raw))
        .map_or(0, |i| i + 1);
    let rest = raw.get(host_at..).unwrap_or_default();
    let Some(tail) = rest.iter().position(|&b| b == b';' || b == b'?') else {
        return Cow::Borrowed(raw);
    };
    let (head, tail) = raw.split_at(host_at + tail);
    let params_end = memchr::memchr(b'?', tail).unwrap_or(tail.len());
    let params = tail.get(..params_end).unwrap_or_default();
    let strip = |p: &&[u8]| {
        let name = p.split(|&b| b == b'=').next().unwrap_or_default();
        name.eq_ignore_ascii_case(b"method")
    };
    let has_headers = params_end < tail.len();
    let kept: Vec<&[u8]> = params
        .split(|&b| b == b';')
        .skip(1)
        .filter(|p| !strip(p))
        .collect();
    if !has_headers && kept.len() + 1 == params.split(|&b| b == b';').count() {
        return Cow::Borrowed(raw);
    }
    let mut out = head.to_vec();
    for p in kept {
        out.push(b';');
        out.extend_from_slice(p);
    }
    Cow::Owned(out)
}

impl Dialog {
    /// The Request-URI and the Route values of a request in the dialog (RFC 3261 §12.2.1.1):
    /// with an empty route set, the remote target and no Route; when the first route is a
    /// loose router (`lr`), the remote target and the whole route set; else (a strict
    /// router) the first route as Request-URI, and the rest of the route set followed by the
    /// remote target as Route.
    #[must_use]
    pub fn routing(&self) -> (Bytes, Vec<Bytes>) {
        let target = || Bytes::from(as_request_uri(&self.remote_target).into_owned());
        let all = || self.route_set.iter().map(|r| r.raw().clone()).collect();
        match self.route_set.first() {
            None => (target(), Vec::new()),
            Some(first) if first.uri().as_sip().is_none_or(crate::SipUri::lr) => (target(), all()),
            Some(first) => {
                let uri = Bytes::from(as_request_uri(first.uri()).into_owned());
                let mut route: Vec<Bytes> = self
                    .route_set
                    .iter()
                    .skip(1)
                    .map(|r| r.raw().clone())
                    .collect();
                let mut last = Vec::with_capacity(self.remote_target.raw().len() + 2);
                last.push(b'<');
                last.extend_from_slice(self.remote_target.raw());
                last.push(b'>');
                route.push(Bytes::from(last));
                (uri, route)
            }
        }
    }

    /// The start of every request in the dialog: Request-URI, Via, Max-Forwards, Route, From,
    /// To, Call-ID and CSeq.
    fn start(
        &self,
        method: Method,
        seq: u32,
        sent_by: &SentBy,
        ids: &mut impl IdGenerator,
    ) -> RequestBuilder {
        let (uri, route) = self.routing();
        let mut b = Request::builder(method.clone(), String::from_utf8_lossy(&uri))
            .typed(&sent_by.via(ids))
            .typed(&MaxForwards::new(MAX_FORWARDS));
        for r in route {
            b = b.header_named("Route", r);
        }
        b.header(HeaderName::From, &self.local)
            .header(HeaderName::To, &self.remote)
            .header_named("Call-ID", &self.id.call_id)
            .typed(&CSeq::new(seq, method))
    }

    /// A request in the dialog (RFC 3261 §12.2.1.1): BYE, re-INVITE, UPDATE, INFO, MESSAGE,
    /// REFER, NOTIFY, SUBSCRIBE, PRACK or an extension method. It carries:
    /// - the Request-URI and Route of [`Dialog::routing`];
    /// - a Via with `sent_by` and a new branch from `ids`, and Max-Forwards: 70;
    /// - From with the local URI and tag, To with the remote URI and tag, the Call-ID;
    /// - CSeq one above the local sequence number (for the first request of a UAS, 1 or the
    ///   number given to [`Dialog::choose_local_seq`]), which becomes the new local sequence
    ///   number;
    /// - for a target refresh request (INVITE, UPDATE, SUBSCRIBE, NOTIFY, REFER), this UA's
    ///   Contact.
    ///
    /// Add the method's own headers (Event, Subscription-State, Session-Expires, Refer-To,
    /// ...) and a body before `build()`. A BYE terminates the dialog as it is built (§15.1.1:
    /// the session is over once the BYE is handed to its transaction); an INVITE is in
    /// progress until its final response reaches [`Dialog::handle_response`].
    ///
    /// # Errors
    /// [`DialogError::Method`] for ACK and CANCEL, [`DialogError::Terminated`] on a
    /// terminated dialog, [`DialogError::InviteInProgress`] for an INVITE while another
    /// INVITE transaction is in progress (§14.1), [`DialogError::CSeqExhausted`] when the
    /// sequence number cannot grow.
    pub fn request(
        &mut self,
        method: Method,
        sent_by: &SentBy,
        ids: &mut impl IdGenerator,
    ) -> Result<RequestBuilder, DialogError> {
        if matches!(method, Method::Ack | Method::Cancel) {
            return Err(DialogError::Method(method));
        }
        if self.state == DialogState::Terminated {
            return Err(DialogError::Terminated);
        }
        if method == Method::Invite && self.invite != InviteTx::None {
            return Err(DialogError::InviteInProgress);
        }
        let seq = match self.local_seq {
            Some(s) => s.checked_add(1).ok_or(DialogError::CSeqExhausted)?,
            None => self.first_local_seq,
        };
        let refresh = is_target_refresh(&method);
        let mut b = self.start(method.clone(), seq, sent_by, ids);
        if refresh {
            if let Some(contact) = &self.local_contact {
                b = b.header(HeaderName::Contact, contact);
            }
        }
        self.local_seq = Some(seq);
        match method {
            Method::Bye => self.state = DialogState::Terminated,
            Method::Invite => self.invite = InviteTx::Sent(seq),
            _ => {}
        }
        Ok(b)
    }

    /// The ACK of a 2xx to an INVITE of this dialog (RFC 3261 §13.2.2.4): built like any
    /// request in the dialog, with the route set and remote target the 2xx left (pass it to
    /// [`Dialog::handle_response`] first), a new branch, and the CSeq number of the INVITE
    /// with method ACK. It leaves the local sequence number alone. Each retransmission of
    /// the 2xx is answered with the same ACK; an offer in the ACK goes in its body.
    ///
    /// # Errors
    /// [`DialogError::Method`] (ACK) when `response` is not a 2xx to an INVITE,
    /// [`DialogError::OtherDialog`] when it belongs to another dialog,
    /// [`DialogError::MissingHeader`] / [`DialogError::MalformedHeader`] for its CSeq.
    pub fn ack(
        &self,
        response: &Response,
        sent_by: &SentBy,
        ids: &mut impl IdGenerator,
    ) -> Result<RequestBuilder, DialogError> {
        let h = response.headers();
        let cseq: CSeq = required(h)?;
        if *cseq.method() != Method::Invite || !(200..300).contains(&response.code()) {
            return Err(DialogError::Method(Method::Ack));
        }
        if super::id::DialogId::of_outgoing(h).as_ref() != Some(&self.id) {
            return Err(DialogError::OtherDialog);
        }
        Ok(self.start(Method::Ack, cseq.seq(), sent_by, ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &'static str) -> Uri {
        Uri::parse(&Bytes::from_static(s.as_bytes())).unwrap()
    }

    fn ruri(s: &'static str) -> String {
        String::from_utf8(as_request_uri(&uri(s)).into_owned()).unwrap()
    }

    // RFC 3261 §19.1.1: `method` and headers are not allowed in a Request-URI.
    #[test]
    fn request_uri_strips_method_and_headers() {
        assert_eq!(ruri("sip:proxy1"), "sip:proxy1");
        assert_eq!(
            ruri("sip:p3.middle.com;transport=tcp"),
            "sip:p3.middle.com;transport=tcp"
        );
        assert_eq!(ruri("sip:a@b;method=INVITE"), "sip:a@b");
        assert_eq!(
            ruri("sip:a;x=1@[2001:db8::1]:5060;lr;METHOD=BYE;maddr=x?Subject=hi"),
            "sip:a;x=1@[2001:db8::1]:5060;lr;maddr=x"
        );
        assert_eq!(ruri("sips:b.example.com?h=v"), "sips:b.example.com");
        assert_eq!(ruri("tel:+1-201-555-0123"), "tel:+1-201-555-0123");
        // Untouched URIs are not copied.
        assert!(matches!(
            as_request_uri(&uri("sip:x@y;lr")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn via_has_a_fresh_branch() {
        let mut ids = crate::SeededIds::new(1);
        let s = SentBy::new("TCP", "pc33.atlanta.com", Some(5060)).with_rport();
        let a = s.via(&mut ids);
        let b = s.via(&mut ids);
        assert!(a.is_rfc3261_branch());
        assert_ne!(a.branch(), b.branch());
        assert_eq!(a.transport(), b"TCP");
        assert_eq!(a.port(), Some(5060));
        assert_eq!(a.rport(), Some(None));
        assert_eq!(
            (s.transport(), s.host(), s.port()),
            ("TCP", "pc33.atlanta.com", Some(5060))
        );
    }
}
