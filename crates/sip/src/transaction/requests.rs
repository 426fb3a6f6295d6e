//! Messages the transaction layer builds: the ACK for a non-2xx final response (RFC 3261
//! §17.1.1.3), CANCEL (§9.1), and its own responses (100, 400, 481, 487, 503).

use bytes::Bytes;

use super::event::SendError;
use super::key::{cseq, top_via};
use crate::error::BuildError;
use crate::ids::IdGenerator;
use crate::message::{Request, Response};
use crate::method::Method;
use crate::name::HeaderName;

/// Max-Forwards for a request whose original has none (§8.1.1.6 recommends 70).
const MAX_FORWARDS: u32 = 70;

/// A request that follows `original` hop by hop (ACK for a non-2xx, CANCEL): the same
/// Request-URI, Call-ID, From, CSeq number and Route, a single Via equal to the original's top
/// Via, the given To and `method` (§17.1.1.3, §9.1).
fn same_hop_request(original: &Request, method: Method, to: &[u8]) -> Result<Request, SendError> {
    let h = original.headers();
    let via = top_via(h).map_err(|e| SendError::Malformed(e.0))?;
    let cseq = cseq(h).map_err(|e| SendError::Malformed(e.0))?;
    let header = |name: HeaderName| {
        h.get(name)
            .map(|f| f.value())
            .ok_or(SendError::Malformed(name))
    };
    let from = header(HeaderName::From)?;
    let call_id = header(HeaderName::CallId)?;
    // A parsed Request-URI is ASCII (RFC 3261 §25.1), so this is lossless.
    let uri = String::from_utf8_lossy(&original.uri_bytes()).into_owned();
    let max_forwards = h
        .get(HeaderName::MaxForwards)
        .map_or_else(|| Bytes::from(MAX_FORWARDS.to_string()), |f| f.value());
    let mut b = Request::builder(method.clone(), uri).typed(&via);
    for route in h.get_all(HeaderName::Route) {
        b = b.header_named("Route", route.value());
    }
    b.header_named("Max-Forwards", max_forwards)
        .header_named("From", from)
        .header_named("To", to)
        .header_named("Call-ID", call_id)
        .header_named("CSeq", format!("{} {method}", cseq.seq()))
        .build()
        .map_err(SendError::Build)
}

/// The ACK a client INVITE transaction sends for a non-2xx final response (§17.1.1.3): the
/// To of the response (with its tag), everything else from the INVITE.
pub(crate) fn ack_for_non_2xx(invite: &Request, response: &Response) -> Option<Request> {
    let to = response.headers().get(HeaderName::To)?.value();
    same_hop_request(invite, Method::Ack, &to).ok()
}

/// A CANCEL for `invite` (RFC 3261 §9.1): the same Request-URI, Call-ID, To, From (tags
/// included), CSeq number and Route, a single Via equal to the INVITE's top Via (so the same
/// branch), method CANCEL, no body. Send it with
/// [`send_request`](super::TransactionLayer::send_request).
///
/// # Errors
/// [`SendError::Malformed`] when the INVITE lacks a Via, CSeq, From, To or Call-ID;
/// [`SendError::Build`] when the CANCEL cannot be written.
pub fn cancel_request(invite: &Request) -> Result<Request, SendError> {
    let to = invite
        .headers()
        .get(HeaderName::To)
        .map(|f| f.value())
        .ok_or(SendError::Malformed(HeaderName::To))?;
    same_hop_request(invite, Method::Cancel, &to)
}

/// A response to `req` built by the layer. With `to`, that To value (a provisional's, with the
/// tag the TU chose) replaces the request's; without, the request's To gets a tag from `ids`
/// (§8.2.6.2).
pub(crate) fn layer_response(
    req: &Request,
    code: u16,
    to: Option<Bytes>,
    ids: &mut (dyn IdGenerator + Send),
) -> Option<Response> {
    let Some(to) = to else {
        let mut ids = ids;
        return Response::for_request(req, code, &mut ids).build().ok();
    };
    let h = req.headers();
    let mut b = Response::builder(code);
    for via in h.get_all(HeaderName::Via) {
        b = b.header_named("Via", via.value());
    }
    let copy = |b: crate::builder::ResponseBuilder, name: HeaderName, label: &str| match h.get(name)
    {
        Some(f) => b.header_named(label, f.value()),
        None => b,
    };
    b = copy(b, HeaderName::From, "From").header_named("To", to);
    b = copy(b, HeaderName::CallId, "Call-ID");
    b = copy(b, HeaderName::CSeq, "CSeq");
    let built: Result<Response, BuildError> = b.build();
    built.ok()
}
