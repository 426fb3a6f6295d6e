//! The body of an INVITE to a conference factory with its invitees (RFC 5366 §4, RFC 5363;
//! REQ: FOC-4, CLI-1): `multipart/mixed` holding the SDP offer and the URI list, the
//! latter marked `Content-Disposition: recipient-list`.

use bytes::Bytes;
use simpleim_cpim::mime::{
    ContentType, DispositionType, MimeHeaders, Multipart, MultipartBuilder, Part,
};

use super::error::{BuildError, SplitError};
use super::model::ResourceLists;
use super::read::ParseLimits;
use super::{RECIPIENT_LIST_DISPOSITION, RESOURCE_LISTS_CONTENT_TYPE};

/// A SIP message body with its `Content-Type` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartBody {
    /// The `Content-Type` header value: `multipart/mixed; boundary="..."`.
    pub content_type: Bytes,
    /// The body bytes.
    pub body: Bytes,
}

/// The parts of a recipient-list body, as [`split_recipient_list_body`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientListParts {
    /// The first `application/sdp` part (the offer), if any. A slice of the body.
    pub sdp: Option<Bytes>,
    /// The URI list, parsed.
    pub list: ResourceLists,
    /// The URI list as received. A slice of the body.
    pub list_bytes: Bytes,
}

/// Builds the body of RFC 5366 §4: `multipart/mixed` with
/// 1. the SDP offer, `Content-Type: application/sdp`;
/// 2. the URI list, `Content-Type: application/resource-lists+xml` and
///    `Content-Disposition: recipient-list` (RFC 5363).
///
/// `boundary` is the caller's (no randomness here); it must not occur in the parts.
///
/// ```
/// use bytes::Bytes;
/// use simpleim_focus::resource_lists::{
///     ResourceLists, recipient_list_body, split_recipient_list_body,
/// };
///
/// let invitees = ResourceLists::from_uris(["sip:bill@example.com", "sip:joe@example.org"]);
/// let sdp = Bytes::from_static(b"v=0\r\n");
/// let body = recipient_list_body(sdp.clone(), &invitees, "rl-42")?;
/// assert_eq!(&body.content_type[..], b"multipart/mixed; boundary=\"rl-42\"");
///
/// let parts = split_recipient_list_body(&body.content_type, &body.body)?;
/// assert_eq!(parts.sdp, Some(sdp));
/// assert_eq!(parts.list, invitees);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`BuildError::Multipart`] for a bad boundary or one that occurs in a part.
pub fn recipient_list_body(
    sdp_offer: Bytes,
    list: &ResourceLists,
    boundary: &str,
) -> Result<MultipartBody, BuildError> {
    let list_headers = MimeHeaders::new()
        .with("Content-Type", RESOURCE_LISTS_CONTENT_TYPE.as_bytes())?
        .with("Content-Disposition", RECIPIENT_LIST_DISPOSITION.as_bytes())?;
    let builder = MultipartBuilder::new(Bytes::copy_from_slice(boundary.as_bytes()))
        .typed_part(b"application/sdp", sdp_offer)?
        .part(list_headers, list.to_xml());
    Ok(MultipartBody {
        content_type: builder.content_type()?,
        body: builder.build()?,
    })
}

/// Splits a request body that carries a recipient list (RFC 5366 §5), with the default
/// [`ParseLimits`] for the list: `content_type` is the request's Content-Type value.
///
/// - `multipart/mixed`: the part with `Content-Disposition: recipient-list` is the list (it
///   must be the only one, and `application/resource-lists+xml`); the first
///   `application/sdp` part is the offer.
/// - `application/resource-lists+xml`: the whole body is the list, without offer (the
///   request's own Content-Disposition is the caller's to check).
///
/// Parts are slices of `body`; errors in the list are located in `body`.
///
/// # Errors
/// A [`SplitError`]; [`SplitError::status_hint`] gives the status to answer with.
pub fn split_recipient_list_body(
    content_type: &Bytes,
    body: &Bytes,
) -> Result<RecipientListParts, SplitError> {
    split_recipient_list_body_with_limits(content_type, body, ParseLimits::default())
}

/// As [`split_recipient_list_body`], reading the list within `limits`.
///
/// # Errors
/// A [`SplitError`].
pub fn split_recipient_list_body_with_limits(
    content_type: &Bytes,
    body: &Bytes,
    limits: ParseLimits,
) -> Result<RecipientListParts, SplitError> {
    let ct = ContentType::parse(content_type).map_err(SplitError::ContentType)?;
    if is_resource_lists(&ct) {
        return Ok(RecipientListParts {
            sdp: None,
            list: ResourceLists::parse_with_limits(body, limits)?,
            list_bytes: body.clone(),
        });
    }
    if !ct.is("multipart", "mixed") {
        return Err(SplitError::NotARecipientList);
    }
    let multipart = Multipart::parse(&ct, body).map_err(SplitError::Multipart)?;
    let mut sdp = None;
    let mut list: Option<&Part> = None;
    for part in &multipart.parts {
        let recipient_list = matches!(
            part.headers.content_disposition(),
            Some(Ok(d)) if matches!(d.disposition(), DispositionType::Other(t)
                if t.eq_ignore_ascii_case(RECIPIENT_LIST_DISPOSITION.as_bytes()))
        );
        let part_type = part.headers.content_type().and_then(Result::ok);
        if recipient_list {
            if list.is_some() {
                return Err(SplitError::SeveralRecipientLists);
            }
            if !part_type.as_ref().is_some_and(is_resource_lists) {
                return Err(SplitError::UnsupportedListType);
            }
            list = Some(part);
        } else if sdp.is_none()
            && part_type
                .as_ref()
                .is_some_and(|t| t.is("application", "sdp"))
        {
            sdp = Some(part.body.clone());
        }
    }
    let part = list.ok_or(SplitError::NoRecipientList)?;
    let at = offset_in(body, &part.body);
    let parsed = ResourceLists::parse_with_limits(&part.body, limits).map_err(|e| e.shifted(at))?;
    Ok(RecipientListParts {
        sdp,
        list: parsed,
        list_bytes: part.body.clone(),
    })
}

fn is_resource_lists(ct: &ContentType) -> bool {
    ct.is("application", "resource-lists+xml")
}

/// Where `part` (a slice of `body`) starts in it; 0 if it is not one.
fn offset_in(body: &Bytes, part: &Bytes) -> usize {
    (part.as_ptr() as usize)
        .checked_sub(body.as_ptr() as usize)
        .filter(|&at| at <= body.len())
        .unwrap_or(0)
}
