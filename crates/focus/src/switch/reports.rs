//! Responses and REPORTs: answers from recipients to relayed chunks, REPORTs routed back to
//! the original sender (REQ: SW-11), failure REPORTs the switch writes itself (REQ: SW-5,
//! RFC 4975 §7.1.2), timeouts, and participants leaving mid-message.

use std::fmt;
use std::hash::Hash;
use std::time::Instant;

use bytes::BytesMut;
use simpleim_msrp::{ByteRange, FrameHead, MessageId, Method, ReportMode, RequestBuilder, Status};

use super::Switch;
use super::event::{RefuseReason, SkipReason, SwitchEvent};
use super::inbound::Phase;
use super::peer::{CopyKey, Origin};
use super::send::abort_at;

impl<P: Copy + Eq + Ord + Hash + fmt::Debug> Switch<P> {
    /// Writes a REPORT to `to` about its message `original` (RFC 4975 §7.1.2).
    fn write_report(&mut self, to: P, original: MessageId, range: ByteRange, status: &Status) {
        let tid = self.ids.transaction_id();
        let Some(peer) = self.peers.get_mut(&to) else {
            return;
        };
        let mut out = BytesMut::new();
        let written = RequestBuilder::new(Method::Report, tid)
            .to_path(peer.info.remote.as_str())
            .from_path(peer.info.local.as_str())
            .message_id(original.as_str())
            .byte_range(range)
            .status(status)
            .encode(&mut out)
            .is_ok();
        if written {
            peer.push_frame(out.freeze());
        }
    }

    /// Tells the sender that `recipient` will not get (all of) its message: a failure REPORT
    /// when the sender asked for one, and an event.
    #[allow(clippy::too_many_arguments)]
    fn report_failure(
        &mut self,
        sender: P,
        original: MessageId,
        recipient: P,
        failure: ReportMode,
        total: Option<u64>,
        status: u16,
        reason: SkipReason,
    ) {
        if failure != ReportMode::No {
            let range = ByteRange {
                start: 1,
                end: total,
                total,
            };
            let text = match reason {
                SkipReason::MaxSize => "recipient max-size exceeded",
                SkipReason::NotAccepted => "recipient does not accept the type",
                SkipReason::QueueFull => "recipient too slow",
                SkipReason::RecipientError => "recipient refused",
                SkipReason::Timeout => "recipient did not answer",
                SkipReason::Left => "recipient left",
                SkipReason::SenderIdle => "message incomplete",
            };
            let status = Status::new(status).with_text(text);
            self.write_report(sender, original, range, &status);
        }
        self.events.push_back(SwitchEvent::RecipientFailed {
            from: sender,
            message_id: original,
            recipient,
            status,
            reason,
        });
    }

    /// The copy of message `key` for `to` failed (or was never made): once per copy.
    pub(super) fn copy_failed(&mut self, key: CopyKey<P>, to: P, status: u16, reason: SkipReason) {
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        let (failure, total) = (msg.failure, msg.total);
        if let Some(copy) = msg.copies.iter_mut().find(|c| c.to == to) {
            copy.failed = true;
            if let Some(t) = self.tracks.get_mut(&copy.relayed) {
                if t.failed {
                    return;
                }
                t.failed = true;
            }
        }
        self.report_failure(key.0, key.1, to, failure, total, status, reason);
    }

    /// The copy relayed as `relayed` failed at its recipient: abort the rest of it and tell
    /// the sender (once per copy).
    fn track_failed(&mut self, relayed: MessageId, status: u16, reason: SkipReason) {
        let Some(t) = self.tracks.get_mut(&relayed) else {
            return;
        };
        if t.failed {
            return;
        }
        t.failed = true;
        let t = *t;
        let key = (t.sender, t.original);
        if let Some(msg) = self.inbound.get_mut(&key) {
            if let Some(copy) = msg.copies.iter_mut().find(|c| c.relayed == relayed) {
                if let Some(peer) = self.peers.get_mut(&copy.to) {
                    abort_at(peer, key, copy, self.ids.as_mut(), &self.limits);
                }
                copy.failed = true;
            }
        }
        self.report_failure(
            t.sender,
            t.original,
            t.recipient,
            t.failure,
            t.total,
            status,
            reason,
        );
    }

    /// A response from `from` to a chunk the switch sent it.
    pub(super) fn on_response(&mut self, from: P, head: &FrameHead) {
        let code = head.status_code().unwrap_or(0);
        let Some(origin) = self
            .peers
            .get_mut(&from)
            .and_then(|p| p.take_outstanding(&head.transaction_id()))
        else {
            return;
        };
        if code == 200 {
            return;
        }
        match origin {
            Origin::Relayed(relayed) | Origin::RelayedPartial(relayed) => {
                self.track_failed(relayed, code, SkipReason::RecipientError);
            }
            Origin::System(message_id) => {
                self.events.push_back(SwitchEvent::SystemMessageFailed {
                    to: from,
                    message_id,
                    status: code,
                });
            }
        }
    }

    /// A REPORT from `from` about a copy it received: to the original sender, under the
    /// original Message-ID, when the sender asked for it (REQ: SW-11, RFC 4975 §7.1.2).
    /// REPORTs get no response (§7.1.2).
    pub(super) fn on_report(&mut self, from: P, head: &FrameHead) {
        let Some(relayed) = head
            .message_id()
            .ok()
            .flatten()
            .and_then(|m| m.parse::<MessageId>().ok())
        else {
            return;
        };
        let Some(t) = self.tracks.get(&relayed).copied() else {
            return;
        };
        if t.recipient != from {
            return;
        }
        let Ok(Some(status)) = head.status() else {
            return;
        };
        let wanted = if status.is_success() {
            t.success == Some(ReportMode::Yes)
        } else {
            t.failure != ReportMode::No
        };
        if !wanted {
            return;
        }
        let range = head.byte_range().ok().flatten().unwrap_or(ByteRange {
            start: 1,
            end: t.total,
            total: t.total,
        });
        self.write_report(t.sender, t.original, range, &status);
        self.events.push_back(SwitchEvent::ReportRouted {
            from,
            to: t.sender,
            message_id: t.original,
            status: status.code,
        });
    }

    /// Relayed chunks without a response in time, and idle messages.
    pub(super) fn expire(&mut self, now: Instant) {
        let mut expired = Vec::new();
        for (key, peer) in &mut self.peers {
            expired.extend(peer.take_expired(now).into_iter().map(|o| (*key, o)));
        }
        for (to, origin) in expired {
            match origin {
                Origin::Relayed(relayed) => {
                    self.track_failed(relayed, 408, SkipReason::Timeout);
                }
                // No response was due: nothing failed.
                Origin::RelayedPartial(_) => {}
                Origin::System(message_id) => {
                    self.events.push_back(SwitchEvent::SystemMessageFailed {
                        to,
                        message_id,
                        status: 408,
                    });
                }
            }
        }
        let idle = self.limits.inbound_idle_timeout;
        let stale: Vec<CopyKey<P>> = self
            .inbound
            .iter()
            .filter(|(_, m)| m.last_activity + idle <= now)
            .map(|(k, _)| *k)
            .collect();
        for key in stale {
            let phase = self.inbound.get(&key).map(|m| match m.phase {
                Phase::Undecided { .. } => 0,
                Phase::Relaying => 1,
                Phase::Refused(_) => 2,
            });
            match phase {
                Some(0) => self.refuse_message(key, 408, RefuseReason::Incomplete),
                Some(1) => {
                    let live: Vec<P> = self
                        .inbound
                        .get(&key)
                        .map(|m| {
                            m.copies
                                .iter()
                                .filter(|c| !c.failed)
                                .map(|c| c.to)
                                .collect()
                        })
                        .unwrap_or_default();
                    for to in live {
                        self.abort_copy_to(key, to);
                        self.copy_failed(key, to, 408, SkipReason::SenderIdle);
                    }
                }
                _ => {}
            }
            self.inbound.remove(&key);
        }
    }

    /// Aborts (`#`) the copy of `key` at `to`.
    fn abort_copy_to(&mut self, key: CopyKey<P>, to: P) {
        let Some(msg) = self.inbound.get_mut(&key) else {
            return;
        };
        if let (Some(copy), Some(peer)) = (
            msg.copies.iter_mut().find(|c| c.to == to),
            self.peers.get_mut(&to),
        ) {
            abort_at(peer, key, copy, self.ids.as_mut(), &self.limits);
        }
    }

    /// The messages `sender` was sending end with `#` at their recipients.
    pub(super) fn abort_messages_from(&mut self, sender: P) {
        let keys: Vec<CopyKey<P>> = self
            .inbound
            .keys()
            .filter(|(s, _)| *s == sender)
            .copied()
            .collect();
        for key in keys {
            if let Some(msg) = self.inbound.remove(&key) {
                for copy in msg.copies {
                    self.abort_copy(key, copy);
                }
            }
        }
    }

    /// The copies `recipient` was receiving fail (it left, or stalled).
    pub(super) fn fail_copies_to(&mut self, recipient: P, status: u16, reason: SkipReason) {
        let keys: Vec<CopyKey<P>> = self
            .inbound
            .iter()
            .filter(|(_, m)| m.copies.iter().any(|c| c.to == recipient && !c.failed))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.copy_failed(key, recipient, status, reason);
        }
    }
}
