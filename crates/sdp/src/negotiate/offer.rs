//! The offerer, pending offers and the negotiated session (RFC 3264 §5, §7, §8; REQ: SDP-3).

use crate::attr::{
    AcceptTypes, AcceptWrappedTypes, FileSelector, FileTransferId, MaxSize, MediaRange, MsrpCema,
    Path, Setup,
};
use crate::{Connection, Media, MediaBuilder, Origin, SessionDescription};

use super::answer::Agreed;
use super::{MsrpCapabilities, NegotiationError, SdpAnswer, SdpOffer, is_msrp, typed};

/// Creates offers from local capabilities: one `m=message` line.
#[derive(Debug, Clone)]
pub struct Offerer {
    local: MsrpCapabilities,
}

impl Offerer {
    /// An offerer for `local`.
    #[must_use]
    pub const fn new(local: MsrpCapabilities) -> Self {
        Self { local }
    }

    /// The offer to send, and the [`PendingOffer`] that waits for its answer. The offer's
    /// `o=` is `origin`; it holds `c=` with the origin's address and one MSRP line: our port
    /// and proto (from our path), `accept-types`, `accept-wrapped-types`, `max-size`, `path`,
    /// `setup` (our preference, always written: RFC 6135 §4.1), `msrp-cema` and `chatroom`
    /// as configured.
    ///
    /// # Errors
    /// [`NegotiationError::Local`] when `origin` or the capabilities make an invalid line.
    pub fn create_offer(
        &self,
        origin: &Origin<'_>,
    ) -> Result<(PendingOffer, SdpOffer), NegotiationError> {
        self.offer(origin, None)
    }

    /// An RFC 5547 file transfer offer (§6, §8.1): the line of
    /// [`create_offer`](Self::create_offer), plus `a=sendonly` (we push the file) or
    /// `a=recvonly` (we pull it), `a=file-selector` and `a=file-transfer-id`. The answer is
    /// checked by [`PendingOffer::accept_answer`] as for any offer.
    ///
    /// # Errors
    /// As [`create_offer`](Self::create_offer).
    pub fn create_file_offer(
        &self,
        origin: &Origin<'_>,
        file: &FileOffer,
    ) -> Result<(PendingOffer, SdpOffer), NegotiationError> {
        self.offer(origin, Some(file))
    }

    fn offer(
        &self,
        origin: &Origin<'_>,
        file: Option<&FileOffer>,
    ) -> Result<(PendingOffer, SdpOffer), NegotiationError> {
        let sdp = offer_sdp(&self.local, origin, file)?;
        Ok((
            PendingOffer {
                offer: sdp.clone(),
                local: self.local.clone(),
            },
            SdpOffer(sdp),
        ))
    }
}

/// The file of an RFC 5547 offer ([`Offerer::create_file_offer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOffer {
    /// `a=file-selector`: the file's name, type, size and hash, as known.
    pub selector: FileSelector,
    /// `a=file-transfer-id`: unique to this transfer (§6: a new one for every new transfer).
    pub transfer_id: FileTransferId,
    /// True when the offerer sends the file (`a=sendonly`, a push), false when it asks for
    /// it (`a=recvonly`, a pull).
    pub push: bool,
}

/// Writes the offer for `local`, with the attributes of `file` when it offers a file.
fn offer_sdp(
    local: &MsrpCapabilities,
    origin: &Origin<'_>,
    file: Option<&FileOffer>,
) -> Result<SessionDescription, NegotiationError> {
    let mut m = MediaBuilder::new(&Media {
        media: "message",
        port: local.port(),
        port_count: None,
        proto: local.proto(),
        formats: "*",
    })
    .attribute(AcceptTypes::NAME, Some(&local.accept_types.to_string()));
    if let Some(w) = &local.accept_wrapped_types {
        m = m.attribute(AcceptWrappedTypes::NAME, Some(&w.to_string()));
    }
    if let Some(size) = local.max_size {
        m = m.attribute(MaxSize::NAME, Some(&size.to_string()));
    }
    m = m
        .attribute(Path::NAME, Some(&local.path.to_string()))
        .attribute(Setup::NAME, Some(local.setup.as_str()));
    if local.cema {
        m = m.attribute(MsrpCema::NAME, None);
    }
    if let Some(room) = &local.chatroom {
        let value = room.to_string();
        m = m.attribute("chatroom", (!room.is_flag()).then_some(value.as_str()));
    }
    if let Some(file) = file {
        let direction = if file.push { "sendonly" } else { "recvonly" };
        m = m
            .attribute(direction, None)
            .attribute(FileSelector::NAME, Some(&file.selector.to_string()))
            .attribute(FileTransferId::NAME, Some(&file.transfer_id.to_string()));
    }
    SessionDescription::builder()
        .origin(origin)
        .connection(&Connection {
            net_type: origin.net_type,
            addr_type: origin.addr_type,
            address: origin.unicast_address,
            ttl: None,
            count: None,
        })
        .media(m)
        .build()
        .map_err(NegotiationError::Local)
}

/// An offer sent and not yet answered. Accepting the answer yields the
/// [`NegotiatedSession`]; dropping it rolls back: nothing else was changed by making the offer
/// (a session being modified stays as it was, with its version).
#[derive(Debug, Clone)]
#[must_use = "dropping a pending offer abandons it"]
pub struct PendingOffer {
    offer: SessionDescription,
    local: MsrpCapabilities,
}

impl PendingOffer {
    /// The offer that was sent.
    #[must_use]
    pub const fn offer(&self) -> &SessionDescription {
        &self.offer
    }

    /// Checks `answer` against the offer (RFC 3264 §6): as many `m=` lines with the same
    /// media types; on each accepted MSRP line, only types we offered (`accept-types` covered
    /// by ours), a `path`, and a `setup` role consistent with ours (no `a=setup` in the
    /// answer means the answerer connects, RFC 4975 §5.4). The first accepted MSRP line makes
    /// the session.
    ///
    /// # Errors
    /// [`NegotiationError::AnswerMismatch`] when the answer does not fit or accepts no MSRP
    /// line; [`NegotiationError::Malformed`] for a malformed `m=` line.
    pub fn accept_answer(self, answer: SdpAnswer) -> Result<NegotiatedSession, NegotiationError> {
        let offered = self.offer.media();
        let answered = answer.as_sdp().media();
        if offered.len() != answered.len() {
            return Err(NegotiationError::mismatch(format!(
                "{} media lines offered, {} answered",
                offered.len(),
                answered.len()
            )));
        }
        let mut first = None;
        for (index, (o, a)) in offered.iter().zip(answered).enumerate() {
            let om = o.media().map_err(NegotiationError::Local)?;
            let am = a.media().map_err(NegotiationError::Malformed)?;
            if !om.media.eq_ignore_ascii_case(am.media) {
                return Err(NegotiationError::mismatch(format!(
                    "media line {index}: {} answered for {}",
                    am.media, om.media
                )));
            }
            if am.port == 0 || !is_msrp(am.media, am.proto) || first.is_some() {
                continue;
            }
            first = Some((index, check_line(o, a, index)?));
        }
        let (index, agreed) =
            first.ok_or_else(|| NegotiationError::mismatch("no MSRP media line accepted"))?;
        Ok(NegotiatedSession::new(
            self.offer, answer.0, self.local, index, agreed,
        ))
    }
}

/// Checks one accepted MSRP line of an answer against the offered one.
fn check_line(
    o: &crate::MediaDescription,
    a: &crate::MediaDescription,
    index: usize,
) -> Result<Agreed, NegotiationError> {
    let bad = |what: &str| NegotiationError::mismatch(format!("media line {index}: {what}"));
    let ours = typed::<AcceptTypes>(o)
        .and_then(Result::ok)
        .ok_or_else(|| bad("no accept-types offered"))?;
    let theirs = typed::<AcceptTypes>(a)
        .ok_or_else(|| bad("no accept-types"))?
        .map_err(|_| bad("malformed accept-types"))?;
    if let Some(r) = theirs
        .iter()
        .find(|t| !ours.iter().any(|o: &MediaRange| o.covers(t)))
    {
        return Err(bad(&format!(
            "type {} was not offered",
            String::from_utf8_lossy(r.as_bytes())
        )));
    }
    let remote_path = typed::<Path>(a)
        .ok_or_else(|| bad("no path"))?
        .map_err(|_| bad("malformed path"))?;
    let offered_setup = typed::<Setup>(o)
        .and_then(Result::ok)
        .unwrap_or(Setup::Passive);
    let answered_setup = match typed::<Setup>(a) {
        None => Setup::Active,
        Some(s) => s.map_err(|_| bad("malformed setup"))?,
    };
    let consistent = match offered_setup {
        Setup::Active => answered_setup == Setup::Passive,
        Setup::Passive => answered_setup == Setup::Active,
        Setup::ActPass => matches!(answered_setup, Setup::Active | Setup::Passive),
        Setup::HoldConn => answered_setup == Setup::HoldConn,
    };
    if !consistent {
        return Err(bad(&format!(
            "setup {} answered to {}",
            answered_setup.as_str(),
            offered_setup.as_str()
        )));
    }
    let wrapped = match (
        typed::<AcceptWrappedTypes>(a),
        typed::<AcceptWrappedTypes>(o),
    ) {
        (Some(Ok(theirs)), Some(Ok(ours))) => theirs.intersect(&ours),
        _ => Vec::new(),
    };
    Ok(Agreed {
        remote_path,
        accept_types: theirs.ranges().to_vec(),
        accept_wrapped_types: wrapped,
        peer_max_size: typed::<MaxSize>(a).and_then(Result::ok).map(|s| s.get()),
        // The answerer is passive: we connect (RFC 4145 §4).
        connects: answered_setup == Setup::Passive,
        cema: o.attribute(MsrpCema::NAME).is_some() && a.attribute(MsrpCema::NAME).is_some(),
    })
}

/// An established MSRP session: what the MSRP layer needs, and the descriptions exchanged.
#[derive(Debug, Clone)]
pub struct NegotiatedSession {
    local: SessionDescription,
    remote: SessionDescription,
    caps: MsrpCapabilities,
    media_index: usize,
    agreed: Agreed,
}

impl NegotiatedSession {
    pub(super) const fn new(
        local: SessionDescription,
        remote: SessionDescription,
        caps: MsrpCapabilities,
        media_index: usize,
        agreed: Agreed,
    ) -> Self {
        Self {
            local,
            remote,
            caps,
            media_index,
            agreed,
        }
    }

    /// Our last description (the offer we made, or the answer we gave).
    #[must_use]
    pub const fn local_sdp(&self) -> &SessionDescription {
        &self.local
    }

    /// The peer's last description.
    #[must_use]
    pub const fn remote_sdp(&self) -> &SessionDescription {
        &self.remote
    }

    /// The index of the MSRP media line in use.
    #[must_use]
    pub const fn media_index(&self) -> usize {
        self.media_index
    }

    /// The peer's `a=path`: its rightmost URI is our To-Path target, the leftmost the hop to
    /// connect to (RFC 4975 §8.2).
    #[must_use]
    pub const fn remote_path(&self) -> &Path {
        &self.agreed.remote_path
    }

    /// Our own `a=path`.
    #[must_use]
    pub const fn local_path(&self) -> &Path {
        &self.caps.path
    }

    /// The accept-types agreed: what may be sent on this session.
    #[must_use]
    pub fn accept_types(&self) -> &[MediaRange] {
        &self.agreed.accept_types
    }

    /// The accept-wrapped-types agreed (empty when none).
    #[must_use]
    pub fn accept_wrapped_types(&self) -> &[MediaRange] {
        &self.agreed.accept_wrapped_types
    }

    /// The peer's `a=max-size`: the largest message it wishes to receive.
    #[must_use]
    pub const fn peer_max_size(&self) -> Option<u64> {
        self.agreed.peer_max_size
    }

    /// Whether we open the TCP connection (our negotiated role is `active`, RFC 6135).
    #[must_use]
    pub const fn connects(&self) -> bool {
        self.agreed.connects
    }

    /// Whether both ends support CEMA (RFC 6714).
    #[must_use]
    pub const fn cema(&self) -> bool {
        self.agreed.cema
    }

    /// A re-offer with our current capabilities (session modification, RFC 3264 §8): the
    /// same `o=` as our last description with the version one higher. This session is left
    /// unchanged; it is replaced only by accepting the answer.
    ///
    /// # Errors
    /// When our last `o=` cannot be read or its version would overflow.
    pub fn reoffer(&self) -> Result<(PendingOffer, SdpOffer), NegotiationError> {
        self.reoffer_with(self.caps.clone())
    }

    /// A re-offer with new capabilities `local` (e.g. other accept-types), as
    /// [`reoffer`](Self::reoffer).
    ///
    /// # Errors
    /// As [`reoffer`](Self::reoffer).
    pub fn reoffer_with(
        &self,
        local: MsrpCapabilities,
    ) -> Result<(PendingOffer, SdpOffer), NegotiationError> {
        let mut origin = self.local.origin().map_err(NegotiationError::Local)?;
        origin.session_version =
            origin
                .session_version
                .checked_add(1)
                .ok_or(NegotiationError::Local(crate::ParseError::new(
                    crate::ErrorKind::Number,
                    0,
                    2,
                )))?;
        Offerer::new(local).create_offer(&origin)
    }
}
