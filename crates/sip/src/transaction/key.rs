//! Transaction keys: the opaque identifiers the TU holds ([`ClientKey`], [`ServerKey`]), and the
//! matching keys the layer derives from messages (RFC 3261 §17.1.3, §17.2.3, §9.2, §12.1).

use core::fmt;

use bytes::Bytes;

use crate::header::{CSeq, CallId, From, To, Via};
use crate::message::{Headers, Request, Response};
use crate::method::Method;
use crate::name::HeaderName;
use crate::uri::Uri;

/// A client transaction, as [`send_request`](super::TransactionLayer::send_request) returned
/// it. Keys are never reused by a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientKey(pub(crate) u64);

/// A server transaction, as [`TransactionEvent::NewRequest`](super::TransactionEvent) named it.
/// Keys are never reused by a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerKey(pub(crate) u64);

/// Either kind of transaction, in the events both kinds share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransactionKey {
    /// A client transaction.
    Client(ClientKey),
    /// A server transaction.
    Server(ServerKey),
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client#{}", self.0)
    }
}

impl fmt::Display for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server#{}", self.0)
    }
}

impl fmt::Display for TransactionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Client(k) => k.fmt(f),
            Self::Server(k) => k.fmt(f),
        }
    }
}

impl core::convert::From<ClientKey> for TransactionKey {
    fn from(k: ClientKey) -> Self {
        Self::Client(k)
    }
}

impl core::convert::From<ServerKey> for TransactionKey {
    fn from(k: ServerKey) -> Self {
        Self::Server(k)
    }
}

/// The method a server transaction is keyed under: an ACK belongs to the INVITE transaction
/// (§17.2.3: "the method of the request matches the one that created the transaction, except
/// for ACK, where the method of the request that created the transaction is INVITE").
pub(crate) fn match_method(method: &Method) -> Method {
    match method {
        Method::Ack => Method::Invite,
        other => other.clone(),
    }
}

/// The RFC 3261 server-side key without the method (§17.2.3): the top Via branch and sent-by.
/// The host is lower-cased (host names compare case-insensitively, §19.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BranchKey {
    pub(crate) branch: Bytes,
    pub(crate) host: Bytes,
    pub(crate) port: Option<u16>,
}

/// The RFC 2543 key (§17.2.3, §9.2): what a request that has no magic-cookie branch is matched
/// on before the Request-URI and To tag are compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct LegacyKey {
    pub(crate) call_id: Bytes,
    pub(crate) cseq: u32,
    pub(crate) from_tag: Option<Bytes>,
    /// The top Via element as written.
    pub(crate) via: Bytes,
}

/// A dialog's identity plus the CSeq number: how an ACK for a 2xx is matched to the INVITE
/// it acknowledges (§13.3.1.4, §12.1.1), and a remembered ACK to the 2xx retransmissions.
/// Seen from the UAS: `from_tag` is the remote tag, `to_tag` the local one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DialogKey {
    pub(crate) call_id: Bytes,
    pub(crate) from_tag: Option<Bytes>,
    pub(crate) to_tag: Option<Bytes>,
    pub(crate) cseq: u32,
}

/// How a request is matched to a server transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ServerMatch {
    /// RFC 3261: branch with the magic cookie.
    Branch(BranchKey),
    /// RFC 2543 fallback.
    Legacy(LegacyKey),
}

/// What the layer reads from a request to match it; every request must carry all of it.
#[derive(Debug, Clone)]
pub(crate) struct RequestInfo {
    pub(crate) matching: ServerMatch,
    pub(crate) cseq: u32,
    pub(crate) call_id: Bytes,
    pub(crate) from_tag: Option<Bytes>,
    pub(crate) to_tag: Option<Bytes>,
}

impl RequestInfo {
    /// The dialog key of this request (an ACK's is its 2xx's).
    pub(crate) fn dialog_key(&self) -> DialogKey {
        DialogKey {
            call_id: self.call_id.clone(),
            from_tag: self.from_tag.clone(),
            to_tag: self.to_tag.clone(),
            cseq: self.cseq,
        }
    }
}

/// Why a message cannot be matched: the header that is missing or malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unmatchable(pub(crate) HeaderName);

/// The top Via element.
pub(crate) fn top_via(h: &Headers) -> Result<Via, Unmatchable> {
    match h.typed::<Via>() {
        Some(Ok(v)) => Ok(v),
        _ => Err(Unmatchable(HeaderName::Via)),
    }
}

/// The CSeq.
pub(crate) fn cseq(h: &Headers) -> Result<CSeq, Unmatchable> {
    match h.typed::<CSeq>() {
        Some(Ok(c)) => Ok(c),
        _ => Err(Unmatchable(HeaderName::CSeq)),
    }
}

/// The RFC 3261 branch of a Via, if it has one (magic cookie and something after it).
pub(crate) fn rfc3261_branch(via: &Via) -> Option<Bytes> {
    if via.is_rfc3261_branch() {
        via.branch_bytes()
    } else {
        None
    }
}

/// Call-ID, From tag and To tag of a message.
pub(crate) fn dialog_parts(
    h: &Headers,
) -> Result<(Bytes, Option<Bytes>, Option<Bytes>), Unmatchable> {
    let call_id = match h.typed::<CallId>() {
        Some(Ok(c)) => c.as_bytes().clone(),
        _ => return Err(Unmatchable(HeaderName::CallId)),
    };
    let from = match h.typed::<From>() {
        Some(Ok(f)) => f,
        _ => return Err(Unmatchable(HeaderName::From)),
    };
    let to = match h.typed::<To>() {
        Some(Ok(t)) => t,
        _ => return Err(Unmatchable(HeaderName::To)),
    };
    Ok((call_id, from.tag_bytes(), to.tag_bytes()))
}

/// Reads what matching needs from a request (§17.2.3). The CSeq method must be the request's
/// (§8.2: 400 otherwise).
pub(crate) fn request_info(req: &Request) -> Result<RequestInfo, Unmatchable> {
    let h = req.headers();
    let via = top_via(h)?;
    let cseq = cseq(h)?;
    if cseq.method() != req.method() {
        return Err(Unmatchable(HeaderName::CSeq));
    }
    let (call_id, from_tag, to_tag) = dialog_parts(h)?;
    let matching = match rfc3261_branch(&via) {
        Some(branch) => ServerMatch::Branch(BranchKey {
            branch,
            host: Bytes::from(via.host().to_ascii_lowercase()),
            port: via.port(),
        }),
        None => ServerMatch::Legacy(LegacyKey {
            call_id: call_id.clone(),
            cseq: cseq.seq(),
            from_tag: from_tag.clone(),
            via: Bytes::from(via.to_string()),
        }),
    };
    Ok(RequestInfo {
        matching,
        cseq: cseq.seq(),
        call_id,
        from_tag,
        to_tag,
    })
}

/// The dialog key of a response (the UAC's view of a 2xx: From tag local, To tag remote).
pub(crate) fn response_dialog_key(resp: &Response) -> Option<DialogKey> {
    let h = resp.headers();
    let (call_id, from_tag, to_tag) = dialog_parts(h).ok()?;
    Some(DialogKey {
        call_id,
        from_tag,
        to_tag,
        cseq: cseq(h).ok()?.seq(),
    })
}

/// The To tag of a response, if it has one.
pub(crate) fn response_to_tag(resp: &Response) -> Option<Bytes> {
    match resp.headers().typed::<To>() {
        Some(Ok(t)) => t.tag_bytes(),
        _ => None,
    }
}

/// Request-URIs compared as RFC 2543 matching asks (§17.2.3): by the URI comparison rules of
/// §19.1.4 when both parse, byte for byte otherwise.
pub(crate) fn same_request_uri(a: &Bytes, b: &Bytes) -> bool {
    if a == b {
        return true;
    }
    match (Uri::parse(a), Uri::parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
