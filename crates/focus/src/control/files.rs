//! File transfers through a room (RFC 5547; REQ: SDP-2): the SIP half.
//!
//! A participant sends a file to the room the RFC 5547 way, with an INVITE of its own to the
//! room's URI whose SDP offer is a file transfer: one `m=message` line with `a=sendonly`,
//! `a=file-selector` and `a=file-transfer-id` (a *push*, §8.1). The focus relays it as the
//! conference focus of an OMA group relays large messages: it receives the file on a
//! session of its own, then offers it to each other participant with an INVITE of its own
//! (the focus is the UAC), one file-transfer session per recipient.
//!
//! The control plane does the SIP of both kinds of *transfer legs*, and the composed
//! [`Focus`](crate::Focus) moves the bytes:
//! - **Inbound** (participant → focus): the INVITE passes checks 1 to 4 of FOC-1 (IM feature
//!   tag, a room of ours, not from a focus, an asserted originator), and then: the
//!   originator is a participant of the room (else 403 with Warning 399 "Not a
//!   participant"); file transfer is configured
//!   ([`ControlConfig::file_transfer`](super::ControlConfig::file_transfer):
//!   otherwise the offer is negotiated as a join and gets 488 "file transfer not
//!   supported"); fewer than [`FileTransferConfig::max_transfers`] legs are open (else 503);
//!   the offer is a push (a pull, `a=recvonly`, gets 488: the focus keeps no files to be
//!   pulled); the selector's size, when given, is at most
//!   [`FileTransferConfig::max_file_size`] (else 488 with Warning 399 "File too large").
//!   The 200 answers the line `a=recvonly` with a fresh focus MSRP URI, `a=setup` from the
//!   focus's preference, `a=max-size` the limit, and the selector and transfer id echoed
//!   (RFC 5547 §8.2.1); [`ControlEvent::TransferOpened`] follows.
//! - **Outbound** (focus → participant): [`Control::offer_file`] sends an INVITE to the
//!   participant's contact (on the handle its dialog uses), From the room's identity (with
//!   the display name the host gives, such as the sender's alias) and with a push offer of
//!   the same file under a fresh transfer id. A 2xx is acknowledged and gives
//!   [`ControlEvent::TransferOpened`] (then `Confirmed`); a failure gives
//!   [`ControlEvent::TransferFailed`].
//!
//! A leg is a dialog like a participant's (BYE, re-INVITE, session timers, removal with
//! [`Control::remove_participant`] and [`ControlEvent::Left`]), but it is not a member of
//! the room: it does not count against the room's capacity, is not in
//! [`Control::participants`], and never gives `Joined`.

use std::time::Instant;

use bytes::Bytes;
use simpleim_sdp::attr::{AcceptTypes, FileSelector, FileTransferId, Path};
use simpleim_sdp::negotiate::{FileOffer, MsrpCapabilities, SdpOffer};
use simpleim_sip::transaction::TransportHandle;
use simpleim_sip::{IdKind, NameAddr, Request, Uri};

use super::error::CommandError;
use super::event::{ControlEvent, ParticipantId, RejectReason, RoomId};
use super::invite::{Admitted, Refusal, WARN_MISC};
use super::refer::NOT_A_PARTICIPANT;
use super::{Control, start::LegSpec};

/// The Warning text of a file offer larger than [`FileTransferConfig::max_file_size`].
pub const FILE_TOO_LARGE: &str = "File too large";

/// The Warning text of a file pull (`a=recvonly`): the focus keeps no files.
pub const ONLY_FILE_PUSH: &str = "Only file push (a=sendonly) is relayed";

/// File transfers through rooms ([`ControlConfig::file_transfer`](super::ControlConfig)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileTransferConfig {
    /// The largest file relayed, in octets: the `a=max-size` of the focus's answer, the
    /// bound of the selector's `size`, and the bound of what the focus receives and holds
    /// (default 16 MiB).
    pub max_file_size: u64,
    /// Transfer legs open at once, both directions (default 256): an offer beyond it gets
    /// 503, and the focus offers to fewer recipients.
    pub max_transfers: usize,
}

impl Default for FileTransferConfig {
    fn default() -> Self {
        Self {
            max_file_size: 16 * 1024 * 1024,
            max_transfers: 256,
        }
    }
}

/// One transfer leg: a file between the focus and one participant's device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferLeg {
    /// The room participant the file comes from (inbound) or goes to (outbound).
    pub peer: ParticipantId,
    /// True when the participant sends the file to the focus, false when the focus sends
    /// it to the participant.
    pub inbound: bool,
    /// The file (`a=file-selector`): name, type, size and hash, as offered.
    pub selector: FileSelector,
    /// The offer's `a=file-transfer-id`, when it had one.
    pub transfer_id: Option<FileTransferId>,
}

/// The file of an SDP offer: its selector and transfer id, and whether it is a push
/// (`a=sendonly`). `None` when no active MSRP line carries `a=file-selector`.
pub(super) fn file_of(offer: &SdpOffer) -> Option<(FileSelector, Option<FileTransferId>, bool)> {
    offer.as_sdp().media().iter().find_map(|m| {
        if m.media().ok()?.port == 0 {
            return None;
        }
        let selector = m.attribute(FileSelector::NAME)?;
        let selector =
            FileSelector::parse(&Bytes::copy_from_slice(selector.value?.as_bytes())).ok()?;
        let transfer_id = m
            .attribute(FileTransferId::NAME)
            .and_then(|a| a.value)
            .and_then(|v| FileTransferId::new(v).ok());
        let push = m.attribute("sendonly").is_some();
        Some((selector, transfer_id, push))
    })
}

impl<H: TransportHandle + Clone> Control<H> {
    /// Whether `request` offers a file the focus should take as a transfer leg: file
    /// transfer is configured and its SDP has a file line.
    pub(super) fn is_file_offer(&self, request: &Request) -> bool {
        self.config.file_transfer.is_some()
            && super::adhoc::offer_bytes(request)
                .and_then(|b| SdpOffer::parse(b).ok())
                .is_some_and(|o| file_of(&o).is_some())
    }

    /// An inbound transfer leg, after checks 1 to 4 (see the module documentation).
    pub(super) fn admit_file(
        &mut self,
        now: Instant,
        key: simpleim_sip::transaction::ServerKey,
        request: &Request,
        handle: H,
        room: RoomId,
        identity: Uri,
    ) -> Result<(), Refusal> {
        let Some(config) = self.config.file_transfer else {
            return Err((500, None, RejectReason::Internal));
        };
        let sender = self.rooms.get(&room).and_then(|r| {
            r.members.iter().copied().find(|m| {
                self.participants
                    .get(m)
                    .is_some_and(|p| p.identity == identity)
            })
        });
        let Some(sender) = sender else {
            return Err((
                403,
                Some((WARN_MISC, NOT_A_PARTICIPANT.to_owned())),
                RejectReason::NotAuthorized,
            ));
        };
        if self.transfer_count() >= config.max_transfers {
            return Err((503, None, RejectReason::Overloaded));
        }
        let offer = super::adhoc::offer_bytes(request).and_then(|b| SdpOffer::parse(b).ok());
        let Some((selector, transfer_id, push)) = offer.as_ref().and_then(file_of) else {
            return Err((400, None, RejectReason::Invalid));
        };
        let not_acceptable = |text: &str| {
            (
                488,
                Some((WARN_MISC, text.to_owned())),
                RejectReason::Media(text.to_owned()),
            )
        };
        if !push {
            return Err(not_acceptable(ONLY_FILE_PUSH));
        }
        if selector.size().is_some_and(|s| s > config.max_file_size) {
            return Err(not_acceptable(FILE_TOO_LARGE));
        }
        let leg = TransferLeg {
            peer: sender,
            inbound: true,
            selector,
            transfer_id,
        };
        let (participant, pending) = self.prepare_join(
            key,
            request,
            handle,
            room,
            Admitted {
                identity,
                anonymous: false,
                private_messages: false,
                transfer: Some(leg),
            },
        )?;
        // No alias to assign: answered at once, whatever `confirm_joins` says.
        self.join(now, participant, pending, None)
            .map_err(|_| (500, None, RejectReason::Internal))
    }

    /// The focus's capabilities on a transfer leg whose URI is `local`: any type (the file's
    /// own), `max-size` the configured limit, file transfer on.
    pub(super) fn file_capabilities(
        &self,
        local: &simpleim_msrp::MsrpUri,
        types: &str,
    ) -> Result<MsrpCapabilities, Refusal> {
        let internal = || (500, None, RejectReason::Internal);
        let path = Path::parse(&Bytes::from(local.to_string())).map_err(|_| internal())?;
        let accept = AcceptTypes::parse(&Bytes::copy_from_slice(types.as_bytes()))
            .map_err(|_| internal())?;
        let max = self.config.file_transfer.unwrap_or_default().max_file_size;
        Ok(MsrpCapabilities::builder(path, accept)
            .setup(self.config.setup)
            .max_size(max)
            .file_transfer(true)
            .build())
    }

    /// How many transfer legs are open or being offered.
    pub(super) const fn transfer_count(&self) -> usize {
        self.transfers
    }

    /// Offers `selector`'s file to participant `to` of `room` in an INVITE of the focus (an
    /// outbound transfer leg, see [`FileTransferConfig`]); `display` is the
    /// display name of its From (the room's identity), such as the sender's alias. Returns
    /// the leg's id and the focus's MSRP URI in the offer (the participant may connect to
    /// it before its 2xx arrives, RFC 4975 §5.4): [`ControlEvent::TransferOpened`] or
    /// [`ControlEvent::TransferFailed`] follows.
    ///
    /// # Errors
    /// [`CommandError::UnknownParticipant`] when `to` is not a participant of `room`;
    /// [`CommandError::NotOffered`] with 488 when file transfer is not configured, 503 at
    /// [`FileTransferConfig::max_transfers`], or the status of a request that could not be
    /// built or sent.
    pub fn offer_file(
        &mut self,
        now: Instant,
        room: RoomId,
        to: ParticipantId,
        selector: &FileSelector,
        display: Option<&str>,
    ) -> Result<(ParticipantId, simpleim_msrp::MsrpUri), CommandError> {
        let Some(config) = self.config.file_transfer else {
            return Err(CommandError::NotOffered(488));
        };
        let Some(p) = self
            .participants
            .get(&to)
            .filter(|p| p.room == room && p.transfer.is_none())
        else {
            return Err(CommandError::UnknownParticipant(to));
        };
        if self.transfer_count() >= config.max_transfers {
            return Err(CommandError::NotOffered(503));
        }
        let spec = LegSpec {
            target: NameAddr::new(p.identity.clone()),
            request_uri: p.dialog.remote_target().clone(),
            from_display: display.map(str::to_owned),
            transfer: Some(TransferLeg {
                peer: to,
                inbound: false,
                selector: selector.clone(),
                transfer_id: None,
            }),
        };
        let handle = p.handle.clone();
        let (_, participant, local) = self
            .send_leg_invite(now, room, spec, handle)
            .map_err(CommandError::NotOffered)?;
        Ok((participant, local))
    }

    /// The offer of an outbound transfer leg: a push of `leg`'s file with a fresh transfer
    /// id (RFC 5547 §6: "a new file transfer is identified by a new file-transfer-id").
    pub(super) fn file_offer_for(
        &mut self,
        leg: &mut TransferLeg,
        local: &simpleim_msrp::MsrpUri,
        participant: ParticipantId,
    ) -> Result<(simpleim_sdp::negotiate::PendingOffer, SdpOffer), u16> {
        let id = self.config.ids.next_id(IdKind::CallId);
        let transfer_id =
            FileTransferId::new(core::str::from_utf8(&id).unwrap_or("t")).map_err(|_| 500u16)?;
        leg.transfer_id = Some(transfer_id.clone());
        let types = leg
            .selector
            .media_type()
            .map_or_else(|| "*".to_owned(), |t| t.to_string());
        let caps = self.file_capabilities(local, &types).map_err(|e| e.0)?;
        simpleim_sdp::negotiate::Offerer::new(caps)
            .create_file_offer(
                &self.origin(participant.0, 1),
                &FileOffer {
                    selector: leg.selector.clone(),
                    transfer_id,
                    push: true,
                },
            )
            .map_err(|_| 500u16)
    }

    /// An outbound transfer leg failed with `status`.
    pub(super) fn transfer_failed(
        &mut self,
        room: RoomId,
        participant: ParticipantId,
        leg: TransferLeg,
        status: u16,
    ) {
        self.events.push_back(ControlEvent::TransferFailed {
            room,
            participant,
            leg: Box::new(leg),
            status,
        });
    }
}
