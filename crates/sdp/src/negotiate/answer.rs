//! The answerer (RFC 3264 §6, RFC 4975 §8, RFC 6135, RFC 5547 §8; REQ: SDP-3).

use crate::attr::{
    AcceptTypes, AcceptWrappedTypes, FileSelector, FileTransferId, MaxSize, MediaRange, MsrpCema,
    Path, Setup,
};
use crate::{Connection, Media, MediaBuilder, MediaDescription, Origin, SessionDescription};

use super::offer::NegotiatedSession;
use super::{MsrpCapabilities, NegotiationError, SdpAnswer, SdpOffer, is_msrp, join, typed};

/// Answers `offer` with `local` capabilities; the answer's `o=` is `origin` (its session id
/// and version are the caller's: no clock, no randomness). See [`answer_session`].
///
/// # Errors
/// [`NegotiationError::NotAcceptable`] (488) when no line is accepted,
/// [`NegotiationError::Malformed`] (400) for a malformed `m=` line,
/// [`NegotiationError::Local`] when `origin` does not make a valid `o=` line.
pub fn answer(
    offer: &SdpOffer,
    local: &MsrpCapabilities,
    origin: &Origin<'_>,
) -> Result<SdpAnswer, NegotiationError> {
    answer_session(offer, local, origin).map(|(a, _)| a)
}

/// Answers `offer` and returns the answer with the session it sets up.
///
/// Every offered `m=` line is answered, in order (RFC 3264 §6):
/// * a line with port 0 stays port 0;
/// * a line other than `m=message` with `TCP/MSRP` or `TCP/TLS/MSRP` gets port 0, keeping its
///   media, proto and formats;
/// * an MSRP line is accepted with our path and port, when all of these hold, else it gets
///   port 0: its `accept-types` parses and shares a type with ours
///   ([`AcceptTypes::intersect`]: the offer's order, `*` and `type/*` honoured); its proto
///   matches our path's scheme (`msrps` for TLS); the setup roles agree
///   ([`Setup::answer_for`]; an offer without `a=setup` is taken as `passive`, RFC 4975 §5.4:
///   the answerer connects, and then the answer carries no `a=setup` either); for a file
///   transfer offer (`a=file-selector`, RFC 5547) we support file transfer and the offer is
///   `sendonly` or `recvonly`.
///
/// The accepted line carries `accept-types` (the intersection), `accept-wrapped-types` (the
/// intersection, when both list some and it is not empty), our `max-size`, our `path`, the
/// `setup` role, `msrp-cema` when both support it, our `chatroom` when the offer has one, the
/// reverse direction (`sendonly` ↔ `recvonly`, `inactive` kept) and, for a file transfer, the
/// offered `file-selector` and `file-transfer-id` echoed.
///
/// # Errors
/// As [`answer`].
pub fn answer_session(
    offer: &SdpOffer,
    local: &MsrpCapabilities,
    origin: &Origin<'_>,
) -> Result<(SdpAnswer, NegotiatedSession), NegotiationError> {
    let mut sections = Vec::new();
    let mut first: Option<(usize, Agreed)> = None;
    let mut refusal: Option<String> = None;
    for (index, m) in offer.as_sdp().media().iter().enumerate() {
        let media = m.media().map_err(NegotiationError::Malformed)?;
        let outcome = if media.port == 0 {
            // Disabled by the offerer: not a refusal of ours.
            Err(String::new())
        } else if !is_msrp(media.media, media.proto) {
            Err(String::new())
        } else {
            answer_msrp(m, &media, local)
        };
        match outcome {
            Ok((section, agreed)) => {
                sections.push(section);
                if first.is_none() {
                    first = Some((index, agreed));
                }
            }
            Err(reason) => {
                if refusal.is_none() && !reason.is_empty() {
                    refusal = Some(reason);
                }
                sections.push(MediaBuilder::new(&Media {
                    port: 0,
                    port_count: None,
                    ..media
                }));
            }
        }
    }
    let Some((index, agreed)) = first else {
        return Err(match refusal {
            Some(reason) => NegotiationError::NotAcceptable {
                warning: 305,
                reason,
            },
            None => NegotiationError::NotAcceptable {
                warning: 304,
                reason: "no active MSRP media line offered".to_owned(),
            },
        });
    };
    let mut builder = SessionDescription::builder()
        .origin(origin)
        .connection(&Connection {
            net_type: origin.net_type,
            addr_type: origin.addr_type,
            address: origin.unicast_address,
            ttl: None,
            count: None,
        });
    for s in sections {
        builder = builder.media(s);
    }
    let sdp = builder.build().map_err(NegotiationError::Local)?;
    let session = NegotiatedSession::new(
        sdp.clone(),
        offer.as_sdp().clone(),
        local.clone(),
        index,
        agreed,
    );
    Ok((SdpAnswer(sdp), session))
}

/// What an accepted MSRP line settles, for [`NegotiatedSession`].
#[derive(Debug, Clone)]
pub(super) struct Agreed {
    pub(super) remote_path: Path,
    pub(super) accept_types: Vec<MediaRange>,
    pub(super) accept_wrapped_types: Vec<MediaRange>,
    pub(super) peer_max_size: Option<u64>,
    pub(super) connects: bool,
    pub(super) cema: bool,
}

/// Answers one MSRP line, or says why it is refused.
fn answer_msrp(
    m: &MediaDescription,
    media: &Media<'_>,
    local: &MsrpCapabilities,
) -> Result<(MediaBuilder, Agreed), String> {
    let offered = typed::<AcceptTypes>(m)
        .ok_or("no accept-types")?
        .map_err(|_| "malformed accept-types")?;
    let types = offered.intersect(&local.accept_types);
    if types.is_empty() {
        return Err("no common accept-types".to_owned());
    }
    let remote_path = typed::<Path>(m)
        .ok_or("no path")?
        .map_err(|_| "malformed path")?;
    if !media.proto.eq_ignore_ascii_case(local.proto()) {
        return Err(format!("{} not supported", media.proto));
    }
    let offered_setup = match typed::<Setup>(m) {
        None => None,
        Some(s) => Some(s.map_err(|_| "malformed setup")?),
    };
    let setup = Setup::answer_for(offered_setup.unwrap_or(Setup::Passive), local.setup)
        .ok_or("incompatible setup roles")?;
    let file = m.attribute(FileSelector::NAME).is_some();
    if file && !local.file_transfer {
        return Err("file transfer not supported".to_owned());
    }
    let direction = reverse_direction(m);
    if file && !matches!(direction, Some("sendonly" | "recvonly")) {
        return Err("file transfer offer neither sendonly nor recvonly".to_owned());
    }
    let wrapped = match (typed::<AcceptWrappedTypes>(m), &local.accept_wrapped_types) {
        (Some(Ok(offer)), Some(ours)) => offer.intersect(ours),
        _ => Vec::new(),
    };
    let cema = local.cema && m.attribute(MsrpCema::NAME).is_some();

    let mut out = MediaBuilder::new(&Media {
        port: local.port(),
        port_count: None,
        ..*media
    })
    .attribute(AcceptTypes::NAME, Some(&join(&types)));
    if !wrapped.is_empty() {
        out = out.attribute(AcceptWrappedTypes::NAME, Some(&join(&wrapped)));
    }
    if let Some(size) = local.max_size {
        out = out.attribute(MaxSize::NAME, Some(&size.to_string()));
    }
    out = out.attribute(Path::NAME, Some(&local.path.to_string()));
    if offered_setup.is_some() {
        out = out.attribute(Setup::NAME, Some(setup.as_str()));
    }
    if cema {
        out = out.attribute(MsrpCema::NAME, None);
    }
    if let Some(room) = local
        .chatroom
        .as_ref()
        .filter(|_| m.attribute("chatroom").is_some())
    {
        let value = room.to_string();
        out = out.attribute("chatroom", (!room.is_flag()).then_some(value.as_str()));
    }
    if let Some(direction) = direction {
        out = out.attribute(direction, None);
    }
    if file {
        for name in [FileSelector::NAME, FileTransferId::NAME] {
            if let Some(a) = m.attribute(name) {
                out = out.attribute(name, a.value);
            }
        }
    }
    let peer_max_size = typed::<MaxSize>(m).and_then(Result::ok).map(|s| s.get());
    Ok((
        out,
        Agreed {
            remote_path,
            accept_types: types,
            accept_wrapped_types: wrapped,
            peer_max_size,
            connects: setup.connects(),
            cema,
        },
    ))
}

/// The direction attribute answering the offered one (RFC 3264 §6.1): `sendonly` ↔
/// `recvonly`, `sendrecv` and `inactive` kept; `None` when the offer has none.
fn reverse_direction(m: &MediaDescription) -> Option<&'static str> {
    m.attributes().find_map(|a| match a.name {
        "sendonly" => Some("recvonly"),
        "recvonly" => Some("sendonly"),
        "sendrecv" => Some("sendrecv"),
        "inactive" => Some("inactive"),
        _ => None,
    })
}

/// The accept-types a focus puts in its answer to the originating leg when relaying between
/// two legs (OMA IM seeds 002 §7.2.1.2 step 2 a), §7.2.1.3 "Upon receiving a SIP 200 OK"
/// step 2 a) and step 9 b) i., §7.2.1.4 step 8 a)).
///
/// The seed says the focus SHALL "include in the 'accept type' SDP media attribute the
/// selected 'mime types' by the IM Server from those contained in the SDP offer in the
/// incoming SIP INVITE request from the originating network, and those in the SDP answer in
/// SIP 200 OK" (from the terminating network). It does not define "selected" further; we
/// read it as the types that all three can handle: the originating offer's entries
/// intersected with the terminating answer's, then with what the focus itself relays
/// (`focus_local`), each step by [`AcceptTypes::intersect`] (the originating offer's order
/// kept, `*` and `type/*` narrowed to the other side's entries). Empty means nothing in
/// common: the originating leg gets 488 (seed §7.2.1.3 step 7).
///
/// (§7.2.1.2 step 2 b) also asks to include "all the 'a' attributes accompanying the MSRP
/// media line selected by the IM server" from both descriptions; that choice of other
/// attributes is left to the caller.)
#[must_use]
pub fn merge_accept_types(
    originating_offer: &AcceptTypes,
    terminating_answer: &AcceptTypes,
    focus_local: &AcceptTypes,
) -> Vec<MediaRange> {
    AcceptTypes::from_ranges(originating_offer.intersect(terminating_answer))
        .map(|both| both.intersect(focus_local))
        .unwrap_or_default()
}
