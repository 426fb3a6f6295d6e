//! The receiving half of a session (RFC 4975 §7.3, §7.3.1, §7.3.2, §7.1.3, §7.1.4; RFC 7701;
//! REQ: MSRP-4, MSRP-5, MSRP-7): checking requests, answering them, reassembling messages,
//! success and failure REPORTs, REPORTs received, NICKNAME requests.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::frame::{Flag, FrameHead, Method};
use crate::header::{ByteRange, ReportMode};
use crate::uri::Path;

use super::config::accepts;
use super::event::{AbortReason, Event};
use super::ids::MessageId;
use super::reassembly::Reassembly;
use super::report::{Report, report_status};
use super::{MAX_WAITING, Session, Waiting};

/// Finished incoming messages remembered, so that a late duplicate chunk is not taken for a
/// new message.
const RECENT: usize = 64;

/// The request whose body is arriving.
#[derive(Debug)]
struct Inbound {
    head: FrameHead,
    /// Its Failure-Report (`yes` when absent or malformed).
    mode: ReportMode,
    kind: Kind,
    /// Body bytes so far.
    received: u64,
}

/// What to do with a request's body and end.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A chunk of message `id`, its first byte at `offset` (0-based).
    Chunk {
        id: MessageId,
        offset: u64,
        range_end: Option<u64>,
    },
    /// A SEND whose bytes are not kept, answered `code` at its end: a bodiless SEND, or a
    /// late chunk of a message already delivered or aborted.
    Skip { code: u16 },
    /// A REPORT or NICKNAME, handled at its end.
    Later,
    /// Answered already, or never to be answered: the rest is dropped.
    Done,
}

/// A message being reassembled.
#[derive(Debug)]
pub(super) struct Incoming {
    buf: Reassembly,
    /// Its size, once a Byte-Range or the `$` chunk has told it.
    total: Option<u64>,
    content_type: Bytes,
    /// The head of its first chunk (the one with range-start 1 once it has come).
    head: FrameHead,
    /// Some chunk asked for a success report.
    success: bool,
    /// The latest chunk's Failure-Report.
    mode: ReportMode,
    /// When its latest chunk began.
    last: Instant,
}

/// How a finished incoming message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Delivered, or aborted by its sender: later chunks are answered 200 and dropped.
    Finished,
    /// Refused with this status: later chunks get it too (RFC 4975 §10.5: the sender must
    /// stop sending the message).
    Refused(u16),
}

/// The state of the receiving half.
#[derive(Debug, Default)]
pub(super) struct RecvState {
    current: Option<Inbound>,
    pub(super) messages: HashMap<MessageId, Incoming>,
    /// Sum of `messages[..].buf.buffered()`.
    pub(super) buffered: u64,
    recent: VecDeque<(MessageId, Outcome)>,
}

impl RecvState {
    pub(super) fn next_expiry(&self, timeout: Duration) -> Option<Instant> {
        self.messages
            .values()
            .filter_map(|m| m.last.checked_add(timeout))
            .min()
    }

    fn outcome(&self, id: MessageId) -> Option<Outcome> {
        self.recent
            .iter()
            .rev()
            .find(|(m, _)| *m == id)
            .map(|&(_, o)| o)
    }

    fn remember(&mut self, id: MessageId, outcome: Outcome) {
        if self.recent.len() >= RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((id, outcome));
    }

    fn remove(&mut self, id: MessageId) -> Option<Incoming> {
        let m = self.messages.remove(&id)?;
        self.buffered = self.buffered.saturating_sub(m.buf.buffered());
        Some(m)
    }
}

impl Session {
    /// The head of a request (from a whole frame, whose `flag` is known, or streamed).
    pub(super) fn on_request_head(&mut self, now: Instant, head: FrameHead, flag: Option<Flag>) {
        // A head while another body is open means the stream was cut or misrouted: the old
        // request is dropped.
        self.recv.current = None;
        let mode = head
            .failure_report()
            .ok()
            .flatten()
            .unwrap_or(ReportMode::Yes);
        let kind = self.classify(now, &head, mode, flag);
        self.recv.current = Some(Inbound {
            head,
            mode,
            kind,
            received: 0,
        });
    }

    /// Answers `code` (if the request's Failure-Report allows) and drops the request.
    fn answer(&mut self, head: &FrameHead, mode: ReportMode, code: u16) -> Kind {
        // REPORT requests are never answered (RFC 4975 §7.1.2).
        if head.method() != Some(&Method::Report) {
            self.respond_to(head, mode, code);
        }
        Kind::Done
    }

    /// The checks every request goes through (RFC 4975 §7.3), then the method's.
    fn classify(
        &mut self,
        now: Instant,
        head: &FrameHead,
        mode: ReportMode,
        flag: Option<Flag>,
    ) -> Kind {
        let path = |v: Option<Bytes>| v.and_then(|v| Path::parse(v).ok());
        let (Some(to), Some(_)) = (
            path(head.header_bytes("To-Path")),
            path(head.header_bytes("From-Path")),
        ) else {
            return self.answer(head, mode, 400);
        };
        // "The receiving endpoint MUST first check the URI in the To-Path" (§7.3).
        if !self.is_local(to.first()) {
            return self.answer(head, mode, 481);
        }
        if head.validate(flag.unwrap_or(Flag::Complete)).is_err() {
            return self.answer(head, mode, 400);
        }
        match head.method() {
            Some(Method::Send) => self.classify_send(now, head, mode),
            Some(Method::Report | Method::Nickname) => Kind::Later,
            // §10.9; AUTH is for relays (RFC 4976), not endpoints.
            _ => self.answer(head, mode, 501),
        }
    }

    /// A SEND chunk (RFC 4975 §7.3.1): which message, where, and whether to take it.
    fn classify_send(&mut self, now: Instant, head: &FrameHead, mode: ReportMode) -> Kind {
        let (Ok(success), Ok(_), Ok(range), Ok(message_id)) = (
            head.success_report(),
            head.failure_report(),
            head.byte_range(),
            head.message_id(),
        ) else {
            return self.answer(head, mode, 400);
        };
        if !head.has_body() {
            // A bodiless SEND carries no content (§7.1): answered, nothing delivered.
            return Kind::Skip { code: 200 };
        }
        let Some(id) = message_id.and_then(|m| MessageId::new(m.as_bytes()).ok()) else {
            return self.answer(head, mode, 400);
        };
        let success = success == Some(ReportMode::Yes);
        let range = range.unwrap_or(ByteRange {
            start: 1,
            end: None,
            total: None,
        });
        match self.recv.outcome(id) {
            Some(Outcome::Finished) => return Kind::Skip { code: 200 },
            Some(Outcome::Refused(code)) => return self.answer(head, mode, code),
            None => {}
        }
        if !accepts(
            &self.config.accept_types,
            head.content_type().unwrap_or_default(),
        ) {
            return self.refuse(head, mode, id, 415);
        }
        let max = self.config.max_message_size;
        let offset = range.start.saturating_sub(1);
        if range.total.is_some_and(|t| t > max)
            || range.end.is_some_and(|e| e > max)
            || offset > max
        {
            return self.refuse(head, mode, id, 413);
        }
        if let Some(m) = self.recv.messages.get_mut(&id) {
            if matches!((m.total, range.total), (Some(a), Some(b)) if a != b)
                || range.total.is_some_and(|t| m.buf.extent() > t)
            {
                return self.refuse(head, mode, id, 400);
            }
            m.total = m.total.or(range.total);
            m.success |= success;
            m.mode = mode;
            m.last = now;
            if range.start == 1 {
                m.head = head.clone();
            }
        } else {
            if self.recv.messages.len() >= self.config.reassembly.max_messages {
                return self.refuse(head, mode, id, 413);
            }
            self.recv.messages.insert(
                id,
                Incoming {
                    buf: Reassembly::default(),
                    total: range.total,
                    content_type: head.header_bytes("Content-Type").unwrap_or_default(),
                    head: head.clone(),
                    success,
                    mode,
                    last: now,
                },
            );
        }
        Kind::Chunk {
            id,
            offset,
            range_end: range.end,
        }
    }

    /// Refuses message `id` with `code` (415, 413, 400): answers this chunk, drops what had
    /// arrived, answers later chunks the same (RFC 4975 §10.5, §10.6).
    fn refuse(&mut self, head: &FrameHead, mode: ReportMode, id: MessageId, code: u16) -> Kind {
        self.respond_to(head, mode, code);
        self.recv.remove(id);
        self.recv.remember(id, Outcome::Refused(code));
        self.events.push_back(Event::MessageAborted {
            message_id: id,
            reason: AbortReason::Refused { status: code },
        });
        Kind::Done
    }

    /// Body bytes of the current request.
    pub(super) fn on_body(&mut self, now: Instant, data: Bytes) {
        let Some(cur) = self.recv.current.as_mut() else {
            return;
        };
        let len = data.len() as u64;
        let at = cur.received;
        cur.received = cur.received.saturating_add(len);
        let Kind::Chunk {
            id,
            offset,
            range_end,
        } = cur.kind
        else {
            return;
        };
        let at = offset.saturating_add(at);
        let end = at.saturating_add(len);
        let Some(m) = self.recv.messages.get(&id) else {
            cur.kind = Kind::Done;
            return;
        };
        let others = self.recv.buffered.saturating_sub(m.buf.buffered());
        let code = if range_end.is_some_and(|e| end > e) || m.total.is_some_and(|t| end > t) {
            // More bytes than the Byte-Range allows.
            Some(400)
        } else if end > self.config.max_message_size
            || others.saturating_add(m.buf.buffered_after(at, len))
                > self.config.reassembly.max_buffered_bytes
        {
            Some(413)
        } else {
            None
        };
        if let Some(code) = code {
            let (head, mode) = (cur.head.clone(), cur.mode);
            cur.kind = Kind::Done;
            self.refuse(&head, mode, id, code);
            return;
        }
        if let Some(m) = self.recv.messages.get_mut(&id) {
            m.buf.insert(at, data);
            m.last = now;
            self.recv.buffered = others.saturating_add(m.buf.buffered());
        }
    }

    /// The end-line of the current request.
    pub(super) fn on_request_end(&mut self, now: Instant, flag: Flag) {
        let Some(cur) = self.recv.current.take() else {
            return;
        };
        match cur.kind {
            Kind::Chunk { id, offset, .. } => {
                let end = offset.saturating_add(cur.received);
                self.end_chunk(now, &cur.head, cur.mode, id, end, flag);
            }
            Kind::Skip { code } => self.respond_to(&cur.head, cur.mode, code),
            Kind::Later => match cur.head.method() {
                Some(Method::Report) if flag == Flag::Complete => self.on_report(&cur.head),
                Some(Method::Nickname) => self.on_nickname(cur.head, cur.mode, flag),
                _ => {}
            },
            Kind::Done => {}
        }
    }

    /// A chunk has ended at `end` (one past its last byte) with `flag`.
    fn end_chunk(
        &mut self,
        now: Instant,
        head: &FrameHead,
        mode: ReportMode,
        id: MessageId,
        end: u64,
        flag: Flag,
    ) {
        match flag {
            Flag::Aborted => {
                self.recv.remove(id);
                self.recv.remember(id, Outcome::Finished);
                self.respond_to(head, mode, 200);
                self.events.push_back(Event::MessageAborted {
                    message_id: id,
                    reason: AbortReason::Sender,
                });
                return;
            }
            Flag::Complete => {
                // "The chunk that has a termination character of "$" defines the total
                // length of the message" (§7.3.1).
                let Some(m) = self.recv.messages.get_mut(&id) else {
                    return;
                };
                if m.total.is_some_and(|t| t != end) || m.buf.extent() > end {
                    self.refuse(head, mode, id, 400);
                    return;
                }
                m.total = Some(end);
            }
            Flag::Continued => {}
        }
        if let Some(m) = self.recv.messages.get_mut(&id) {
            m.last = now;
        }
        self.respond_to(head, mode, 200);
        self.deliver_if_complete(id);
    }

    /// Delivers message `id` once all its bytes are in, with a success REPORT when one was
    /// asked for (RFC 4975 §7.1.3: one report covering the whole message).
    fn deliver_if_complete(&mut self, id: MessageId) {
        let complete = self
            .recv
            .messages
            .get(&id)
            .is_some_and(|m| m.total.is_some_and(|t| m.buf.is_complete(t)));
        if !complete {
            return;
        }
        let Some(m) = self.recv.remove(id) else {
            return;
        };
        self.recv.remember(id, Outcome::Finished);
        let total = m.total.unwrap_or_default();
        if m.success {
            let range = ByteRange {
                start: 1,
                end: Some(total),
                total: Some(total),
            };
            self.send_report(&m.head, id, range, 200);
        }
        self.events.push_back(Event::Message {
            message_id: id,
            content_type: m.content_type,
            body: m.buf.into_body(total),
            head: Box::new(m.head),
        });
    }

    /// Sends a REPORT about message `id` back along the From-Path of `request`.
    fn send_report(&mut self, request: &FrameHead, id: MessageId, range: ByteRange, code: u16) {
        let tid = self.new_tid();
        let mut frame = BytesMut::new();
        let written = Report {
            tid,
            to_path: request.from_path().unwrap_or_default(),
            from_path: self.config.local.as_bytes(),
            message_id: id,
            byte_range: range,
            status: report_status(code),
        }
        .write(&mut frame);
        // The paths come from a request already checked and from the configuration.
        if written.is_ok() {
            self.queue_urgent(&frame);
        }
    }

    /// A REPORT about one of this session's messages (RFC 4975 §7.3.2). Never answered;
    /// reports without a Message-ID or a Status, or in another namespace than 000, are
    /// ignored.
    fn on_report(&mut self, head: &FrameHead) {
        let (Ok(Some(id)), Ok(Some(status))) = (head.message_id(), head.status()) else {
            return;
        };
        let Ok(id) = MessageId::new(id.as_bytes()) else {
            return;
        };
        if status.namespace == 0 {
            let range = head.byte_range().ok().flatten();
            self.on_delivery_report(id, status, range);
        }
    }

    /// A NICKNAME request (RFC 7701): checked here, decided by the host.
    fn on_nickname(&mut self, head: FrameHead, mode: ReportMode, flag: Flag) {
        if flag != Flag::Complete {
            self.respond_to(&head, mode, 400);
            return;
        }
        let nickname = match head.use_nickname() {
            Ok(Some(n)) => n.into_owned(),
            Ok(None) => return self.respond_to(&head, mode, 400),
            // 424: malformed nickname (RFC 7701 §11).
            Err(_) => return self.respond_to(&head, mode, 424),
        };
        let tid = head.transaction_id();
        if self.waiting.len() >= MAX_WAITING && !self.waiting.contains_key(&tid) {
            return self.respond_to(&head, mode, 403);
        }
        if mode != ReportMode::No {
            self.waiting.insert(tid, Waiting { head, mode });
        }
        self.events
            .push_back(Event::NicknameRequest { tid, nickname });
    }

    /// Drops incoming messages no chunk has touched for the reassembly timeout. With
    /// `Failure-Report: yes` the sender hears of it in a failure REPORT (status 408, the
    /// bytes that had arrived; RFC 4975 §7.1.4: no response can carry it any more).
    pub(super) fn expire_reassembly(&mut self, now: Instant) {
        let timeout = self.config.reassembly_timeout;
        let mut expired: Vec<(Instant, MessageId)> = self
            .recv
            .messages
            .iter()
            .filter(|(_, m)| m.last.checked_add(timeout).is_some_and(|t| t <= now))
            .map(|(id, m)| (m.last, *id))
            .collect();
        // Map order is not deterministic; the events' order must be.
        expired.sort_unstable();
        for (_, id) in expired {
            let Some(m) = self.recv.remove(id) else {
                continue;
            };
            self.recv.remember(id, Outcome::Refused(413));
            let extent = m.buf.extent();
            // Only with `yes`: `partial` opts out of timeout errors (§5.3).
            if m.mode == ReportMode::Yes && extent > 0 {
                let range = ByteRange {
                    start: 1,
                    end: Some(extent),
                    total: m.total,
                };
                self.send_report(&m.head, id, range, 408);
            }
            self.events.push_back(Event::MessageAborted {
                message_id: id,
                reason: AbortReason::Timeout,
            });
        }
    }
}
