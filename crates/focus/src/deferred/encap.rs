//! The body of the MSRP SEND that pushes one stored message (REQ: DEF-2, seed 004 App. H).

use bytes::Bytes;
use simpleim_cpim::mime::encapsulate_sip;
use simpleim_cpim::{Address, CpimBuilder, DateTime};

use super::config::Encapsulation;
use super::store::DeferredMessage;

/// The Content-Type and body of the SEND carrying `m`, or `None` when it cannot be written
/// (a stored value that does not fit a header).
///
/// - [`Encapsulation::Cpim`]: `message/cpim` with `From` the original sender, `To` the
///   recipient as the request named it, `DateTime` the time of receipt, and the stored
///   Content-Type and body as the payload, byte for byte.
/// - [`Encapsulation::MessageSip`]: the stored request as `message/sip` with a `Date` header
///   of the time of receipt; a message stored without its request goes as CPIM.
pub(super) fn encapsulate(
    m: &DeferredMessage,
    how: Encapsulation,
) -> Option<(&'static str, Bytes)> {
    if how == Encapsulation::MessageSip {
        if let Some(sip) = &m.sip {
            let (_, body) = encapsulate_sip(sip, &m.received.to_sip_date()).ok()?;
            return Some((Encapsulation::MessageSip.content_type(), body));
        }
    }
    let content_type = core::str::from_utf8(&m.content_type).ok()?;
    let date = DateTime::from_text(&m.received.to_rfc3339()).ok()?;
    let cpim = CpimBuilder::new()
        .from(Address::new(m.sender_name.as_deref(), m.sender.clone()))
        .to(Address::uri_only(m.recipient_uri.clone()))
        .date_time(&date)
        .content_type(content_type.trim())
        .payload(m.body.clone())
        .build()
        .ok()?;
    Some((Encapsulation::Cpim.content_type(), cpim.as_bytes().clone()))
}
