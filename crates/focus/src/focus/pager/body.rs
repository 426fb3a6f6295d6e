//! The bodies of group messages: the recipient list and message of an RFC 5365 request,
//! and the helpers the checks use.

use bytes::Bytes;
use simpleim_cpim::mime::{ContentType, DispositionType, MimeHeaders, Multipart};
use simpleim_sip::{HeaderName, Request};

use crate::resource_lists::{ParseLimits, RECIPIENT_LIST_DISPOSITION, ResourceLists, same_uri};

/// `members` each once (RFC 3261 §19.1.4), without `sender`.
pub(super) fn distinct(members: Vec<String>, sender: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(members.len());
    for m in members {
        if !same_uri(&m, sender) && !out.iter().any(|o| same_uri(o, &m)) {
            out.push(m);
        }
    }
    out
}

/// A multiple-recipient MESSAGE's body, split (RFC 5365 §4).
pub(super) struct ListMessage {
    pub(super) list: ResourceLists,
    pub(super) part_headers: MimeHeaders,
    pub(super) content_type: String,
    pub(super) content: Bytes,
}

/// Splits a `multipart/mixed` body into its recipient list and its one message part.
pub(super) fn split_list_message(
    request: &Request,
    limits: ParseLimits,
) -> Result<ListMessage, (u16, String)> {
    let value = request
        .headers()
        .get(HeaderName::ContentType)
        .map(|v| v.value())
        .ok_or((400, "no Content-Type".to_owned()))?;
    let ct = ContentType::parse(&value).map_err(|e| (400, e.to_string()))?;
    if !ct.is("multipart", "mixed") {
        return Err((415, "not multipart/mixed".to_owned()));
    }
    let multipart = Multipart::parse(&ct, &request.body()).map_err(|e| (400, e.to_string()))?;
    let mut list = None;
    let mut message = None;
    for part in multipart.parts {
        let recipient_list = matches!(
            part.headers.content_disposition(),
            Some(Ok(d)) if matches!(d.disposition(), DispositionType::Other(t)
                if t.eq_ignore_ascii_case(RECIPIENT_LIST_DISPOSITION.as_bytes()))
        );
        if recipient_list {
            if list.is_some() {
                return Err((400, "several recipient lists".to_owned()));
            }
            let is_list = part
                .headers
                .content_type()
                .and_then(Result::ok)
                .is_some_and(|t| t.is("application", "resource-lists+xml"));
            if !is_list {
                return Err((
                    415,
                    "the recipient list is not resource-lists+xml".to_owned(),
                ));
            }
            let parsed = ResourceLists::parse_with_limits(&part.body, limits)
                .map_err(|e| (e.status_hint(), e.to_string()))?;
            list = Some(parsed);
        } else if message.is_some() {
            return Err((400, "more than one message part".to_owned()));
        } else {
            message = Some(part);
        }
    }
    let list = list.ok_or((400, "no recipient list".to_owned()))?;
    let part = message.ok_or((400, "no message part".to_owned()))?;
    let content_type = part
        .headers
        .get("Content-Type")
        .map(|h| String::from_utf8_lossy(&h.unfolded()).trim().to_owned())
        .unwrap_or_else(|| "text/plain".to_owned());
    Ok(ListMessage {
        list,
        part_headers: part.headers,
        content_type,
        content: part.body,
    })
}
