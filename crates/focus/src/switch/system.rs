//! System messages from the room (000 §7.2.3.5; REQ: SW-9, SW-10).

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use simpleim_cpim::{Address, system_message};
use simpleim_msrp::{
    ByteRange, ChunkWriter, Flag, MessageId, Method, RequestBuilder, find_end_line,
};

use super::Switch;
use super::event::{SwitchError, SwitchEvent};
use super::peer::{Origin, end_line};

impl<P: Copy + Eq + Ord + Hash + fmt::Debug> Switch<P> {
    /// Sends a system message to one participant, or to everyone with `to = None`
    /// (REQ: SW-10): for each target, a CPIM message with `From` =
    /// `service_type <conference-uri;conf=isfocus>` (REQ: SW-9) and `To` = that participant
    /// (its display name and identity), carrying `body` of `content_type` (any type;
    /// `message/external-body` for external content). The body is shared by every copy,
    /// not copied. Returns the Message-ID given to each target. A target whose queue has no
    /// room gets nothing and is reported as [`SwitchEvent::SystemMessageFailed`] (408).
    ///
    /// # Errors
    /// [`SwitchError::UnknownParticipant`], [`SwitchError::NoConferenceUri`],
    /// [`SwitchError::Build`] (a service type or content type CPIM cannot carry),
    /// [`SwitchError::TooLarge`] (over [`SwitchLimits::max_message_bytes`](super::SwitchLimits)).
    pub fn send_system_message(
        &mut self,
        now: Instant,
        to: Option<P>,
        service_type: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<Vec<(P, MessageId)>, SwitchError> {
        let conference = self
            .conference_uris
            .first()
            .cloned()
            .ok_or(SwitchError::NoConferenceUri)?;
        let targets: Vec<P> = match to {
            Some(p) if self.peers.contains_key(&p) => vec![p],
            Some(_) => return Err(SwitchError::UnknownParticipant),
            None => self.peers.keys().copied().collect(),
        };
        let mut sent = Vec::with_capacity(targets.len());
        for target in targets {
            let Some(peer) = self.peers.get(&target) else {
                continue;
            };
            if peer.stalled {
                continue;
            }
            let participant = Address::new(
                peer.info.display_name.as_deref(),
                peer.info.identity.clone(),
            );
            // The CPIM head alone; the body follows it as the shared `Bytes`.
            let mut cpim_head = BytesMut::new();
            system_message(
                service_type,
                &conference,
                participant,
                content_type,
                Bytes::new(),
            )
            .encode(&mut cpim_head)?;
            let cpim_head = cpim_head.freeze();
            let total = (cpim_head.len() + body.len()) as u64;
            if total > self.limits.max_message_bytes {
                return Err(SwitchError::TooLarge);
            }
            let message_id = self.ids.message_id();
            if peer.queued.saturating_add(total as usize) > self.limits.max_queued_bytes {
                self.events.push_back(SwitchEvent::SystemMessageFailed {
                    to: target,
                    message_id,
                    status: 408,
                });
                continue;
            }
            // An identifier whose end-line the message does not hold (RFC 4975 §7.1).
            let mut tid = self.ids.transaction_id();
            for _ in 0..8 {
                if !holds_end_line(&cpim_head, &body, tid) {
                    break;
                }
                tid = self.ids.transaction_id();
            }
            let Some(peer) = self.peers.get_mut(&target) else {
                continue;
            };
            let mut head = BytesMut::new();
            let request = RequestBuilder::new(Method::Send, tid)
                .to_path(peer.info.remote.as_str())
                .from_path(peer.info.local.as_str())
                .message_id(message_id.as_str())
                .byte_range(ByteRange {
                    start: 1,
                    end: Some(total),
                    total: Some(total),
                })
                .content_type("message/cpim");
            let written = ChunkWriter::begin(&mut head, &request).is_ok();
            drop(request);
            if !written {
                continue;
            }
            peer.interrupt();
            peer.push(head.freeze());
            peer.push(cpim_head);
            peer.push(body.clone());
            peer.push_end(end_line(tid, Flag::Complete));
            peer.await_response(
                tid,
                Origin::System(message_id),
                now + self.limits.transaction_timeout,
                self.limits.max_outstanding,
            );
            sent.push((target, message_id));
        }
        self.refresh_ready();
        Ok(sent)
    }
}

/// Whether `head` followed by `body` holds the end-line of `tid`.
fn holds_end_line(head: &[u8], body: &[u8], tid: simpleim_msrp::TransactionId) -> bool {
    let keep = 8 + tid.len();
    let mut seam = Vec::with_capacity(2 * keep);
    seam.extend_from_slice(
        head.get(head.len().saturating_sub(keep)..)
            .unwrap_or_default(),
    );
    seam.extend_from_slice(body.get(..body.len().min(keep)).unwrap_or_default());
    find_end_line(head, &tid).is_some()
        || find_end_line(body, &tid).is_some()
        || find_end_line(&seam, &tid).is_some()
}
