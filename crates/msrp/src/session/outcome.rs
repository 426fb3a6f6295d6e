//! How each outgoing message fares (RFC 4975 §5.3, §7.1.1, §7.3.2, §10; REQ: MSRP-5):
//! responses to its chunks, REPORTs about it, transaction timeouts, and the events that tell
//! the host.

use std::time::Instant;

use crate::frame::{Flag, FrameHead};
use crate::header::{ByteRange, ReportMode, Status};

use super::Session;
use super::event::{Event, FailureSource};
use super::ids::MessageId;
use super::report::report_status;
use super::send::PendingKind;

impl Session {
    /// Emits [`Event::Sent`] and forgets the message once nothing more can happen to it.
    pub(super) fn settle(&mut self, id: MessageId) {
        let Some(t) = self.send.tracked.get_mut(&id) else {
            return;
        };
        if t.all_sent && t.outstanding == 0 && !t.sent {
            t.sent = true;
            self.events.push_back(Event::Sent { message_id: id });
        }
        if t.sent && (!t.success || t.complete) {
            self.send.tracked.remove(&id);
        }
    }

    /// Fails an outgoing message: no more chunks (a chunk being written ends with `#`,
    /// RFC 4975 §7.3.2, §10.5), [`Event::SendFailed`] once.
    pub(super) fn fail_message(
        &mut self,
        id: MessageId,
        status: Status,
        source: FailureSource,
        byte_range: Option<ByteRange>,
    ) {
        if self.send.tracked.remove(&id).is_none() {
            return;
        }
        self.send.drop_transactions(id);
        if self.send.queue.front().is_some_and(|m| m.id == id) {
            self.end_active_chunk(Flag::Aborted);
        }
        self.send.queue.retain(|m| m.id != id);
        self.events.push_back(Event::SendFailed {
            message_id: id,
            status,
            source,
            byte_range,
        });
    }

    /// A response to one of this session's requests (RFC 4975 §7.2). Responses to unknown
    /// transactions are ignored.
    pub(super) fn on_response(&mut self, head: &FrameHead) {
        let tid = head.transaction_id();
        let Some(code) = head.status_code() else {
            return;
        };
        let Some(p) = self.send.take_pending(&tid) else {
            return;
        };
        let comment = head
            .comment()
            .map(|c| String::from_utf8_lossy(c).into_owned());
        match p.kind {
            PendingKind::Auth => self.on_auth_response(Some(head), code),
            PendingKind::Nickname => self.events.push_back(Event::NicknameResult {
                tid,
                status: code,
                comment,
            }),
            PendingKind::Chunk(id) if (200..300).contains(&code) => {
                if let Some(t) = self.send.tracked.get_mut(&id) {
                    t.outstanding = t.outstanding.saturating_sub(1);
                }
                self.settle(id);
            }
            PendingKind::Chunk(id) => {
                let mut status = Status::new(code);
                if let Some(c) = comment {
                    status = status.with_text(c);
                }
                self.fail_message(id, status, FailureSource::Response, None);
            }
        }
    }

    /// A REPORT about an outgoing message (RFC 4975 §7.3.2), its Status in namespace 000.
    /// Reports about unknown messages are ignored (§7.1.2).
    pub(super) fn on_delivery_report(
        &mut self,
        id: MessageId,
        status: Status,
        range: Option<ByteRange>,
    ) {
        let Some(t) = self.send.tracked.get_mut(&id) else {
            return;
        };
        if !status.is_success() {
            self.fail_message(id, status, FailureSource::Report, range);
            return;
        }
        if t.complete {
            return;
        }
        let total = t.total;
        let range = range.unwrap_or(ByteRange {
            start: 1,
            end: Some(total),
            total: Some(total),
        });
        let end = range.end.unwrap_or(total).min(total);
        t.delivered.insert(range.start.saturating_sub(1), end);
        t.complete = t.delivered.covers(0, total);
        let complete = t.complete;
        self.events.push_back(Event::Delivered {
            message_id: id,
            byte_range: range,
            complete,
        });
        self.settle(id);
    }

    /// Transactions whose deadline has passed: with `Failure-Report: yes` the message
    /// failed (408, RFC 4975 §7.1.1, §10.4); with `partial` silence is success.
    pub(super) fn expire_transactions(&mut self, now: Instant) {
        while let Some(&(deadline, tid)) = self.send.timers.first() {
            if deadline > now {
                break;
            }
            self.send.timers.pop_first();
            let Some(p) = self.send.pending.remove(&tid) else {
                continue;
            };
            match p.kind {
                PendingKind::Auth => self.on_auth_response(None, 408),
                PendingKind::Nickname => self.events.push_back(Event::NicknameResult {
                    tid,
                    status: 408,
                    comment: None,
                }),
                PendingKind::Chunk(id) if p.mode == ReportMode::Yes => {
                    self.fail_message(id, report_status(408), FailureSource::Timeout, None);
                }
                PendingKind::Chunk(id) => {
                    if let Some(t) = self.send.tracked.get_mut(&id) {
                        t.outstanding = t.outstanding.saturating_sub(1);
                    }
                    self.settle(id);
                }
            }
        }
    }
}
