//! Requests and responses through a relay (RFC 4976 §6.2, §6.4; REQ: MSRP-6): checking the
//! To-Path, choosing the next hop, rewriting the paths, per-hop responses to SEND, and the
//! REPORTs a relay sends when the next hop fails.

use std::hash::Hash;
use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};

use crate::encode::ResponseBuilder;
use crate::frame::{Flag, FrameHead, Method, TransactionId};
use crate::header::{ByteRange, ReportMode};
use crate::session::MessageId;
use crate::session::report::{Report, report_status, should_respond};
use crate::uri::{Host, MsrpUri, Path};

use super::out::{Outbound, Stream, Target, end_line, forward_head};
use super::{Current, Event, Relay, Txn};

/// A request other than SEND whose body arrives in parts.
#[derive(Debug)]
pub(super) struct Collect<C> {
    head: FrameHead,
    next: Next<Target<C>>,
    parts: Vec<Bytes>,
}

/// What a forwarded transaction was.
#[derive(Debug)]
pub(super) enum TxnKind<C> {
    /// A chunk of a SEND: a failure is reported to its sender (RFC 4976 §6.4.1, §6.4.3).
    Send {
        from: C,
        /// The incoming From-Path, as written: the To-Path of a REPORT.
        report_to: Bytes,
        /// The relay's URI the SEND was addressed to: the From-Path of a REPORT.
        my_uri: Bytes,
        message_id: Option<MessageId>,
        /// The bytes this chunk carried downstream.
        range: ByteRange,
        mode: ReportMode,
    },
    /// Another request: its response goes back under the incoming transaction identifier.
    /// `auth`: an AUTH with credentials, whose failures count against `from` (RFC 4976
    /// §6.3).
    Other {
        from: C,
        in_tid: TransactionId,
        auth: bool,
    },
}

/// Where a request goes and how it looks there.
#[derive(Debug, Clone)]
struct Next<T> {
    target: T,
    to_path: Bytes,
    from_path: Bytes,
    my_uri: Bytes,
}

/// Why a request is not forwarded.
enum Refuse {
    /// Its first To-Path URI is not this relay's (RFC 4976 §6.2): the connection is closed.
    NotOurs,
    /// Answered with this status.
    Status(u16),
    /// Addressed to the relay itself.
    Local,
}

/// `host:port`, lower-case: how connections are matched to URIs.
pub(super) fn authority_key(uri: &MsrpUri) -> String {
    format!("{}:{}", uri.host(), uri.port().unwrap_or(2855)).to_ascii_lowercase()
}

/// URIs joined by single spaces.
fn join<'a>(uris: impl Iterator<Item = &'a [u8]>) -> Bytes {
    let mut b = BytesMut::new();
    for u in uris {
        if !b.is_empty() {
            b.put_u8(b' ');
        }
        b.put_slice(u);
    }
    b.freeze()
}

fn parse_path(raw: Option<&[u8]>) -> Option<Path> {
    raw.and_then(|r| Path::parse(Bytes::copy_from_slice(r)).ok())
}

impl<C: Copy + Eq + Hash + core::fmt::Debug> Relay<C> {
    /// Whether `uri` names this relay (its host, and its port when the URI has one).
    pub(super) fn is_ours(&self, uri: &MsrpUri) -> bool {
        uri.host().matches(&self.own_host()) && uri.port().is_none_or(|p| p == self.config.port)
    }

    /// The relay's host: an IP address when [`RelayConfig::host`](super::RelayConfig::host)
    /// is one (a relay on a test bench), else a name.
    pub(super) fn own_host(&self) -> Host<'_> {
        match self.config.host.parse::<std::net::IpAddr>() {
            Ok(ip) => Host::from(ip),
            Err(_) => Host::Name(&self.config.host),
        }
    }

    /// Where a request that arrived on `conn` goes (RFC 4976 §6.2, §6.4).
    fn route(&mut self, conn: C, to: &Path, from: &[u8]) -> Result<Next<Target<C>>, Refuse> {
        let mut uris = to.iter().peekable();
        let Some(first) = uris.next() else {
            return Err(Refuse::Status(400));
        };
        if !self.is_ours(first) {
            return Err(Refuse::NotOurs);
        }
        let my_uri = Bytes::copy_from_slice(first.as_bytes());
        let mut popped = vec![first];
        let mut cur = first;
        let target = loop {
            let last = uris.peek().is_none();
            let owner = cur
                .session_id()
                .and_then(|sid| self.sessions.get(sid))
                .map(|s| s.conn);
            match owner {
                None if last && popped.len() == 1 => return Err(Refuse::Local),
                None => return Err(Refuse::Status(481)),
                // Toward the client that owns the URI.
                Some(owner) if owner != conn => {
                    if last {
                        return Err(Refuse::Status(481));
                    }
                    break Target::Conn(owner);
                }
                // From that client: on to the next URI.
                Some(_) => {
                    let Some(next) = uris.peek().copied() else {
                        return Err(Refuse::Status(403));
                    };
                    if self.is_ours(next) {
                        uris.next();
                        popped.push(next);
                        cur = next;
                        continue;
                    }
                    break self.target_for(next)?;
                }
            }
        };
        let to_path = join(uris.map(MsrpUri::as_bytes));
        let from_path = join(
            popped
                .iter()
                .rev()
                .map(|u| u.as_bytes())
                .chain(core::iter::once(from)),
        );
        Ok(Next {
            target,
            to_path,
            from_path,
            my_uri,
        })
    }

    /// A connection reaching `uri`'s authority, or one the host is asked to open.
    fn target_for(&mut self, uri: &MsrpUri) -> Result<Target<C>, Refuse> {
        let key = authority_key(uri);
        if let Some((c, _)) = self
            .conns
            .iter()
            .find(|(_, c)| c.reaches.as_deref() == Some(key.as_str()))
        {
            return Ok(Target::Conn(*c));
        }
        if let Some((d, _)) = self.dials.iter().find(|(_, (a, _))| *a == key) {
            return Ok(Target::Pending(*d));
        }
        if self.dials.len() + self.conns.len() >= self.config.limits.max_connections {
            return Err(Refuse::Status(408));
        }
        let d = self.next_dial;
        self.next_dial += 1;
        self.dials.insert(d, (key.clone(), Outbound::default()));
        self.events.push_back(Event::Connect {
            authority: key,
            secure: uri.is_secure(),
        });
        Ok(Target::Pending(d))
    }

    /// The head of a request on `conn`; `body` and `flag` come with it when the decoder had
    /// the whole frame.
    pub(super) fn on_request_head(
        &mut self,
        now: Instant,
        conn: C,
        head: FrameHead,
        body: Option<Bytes>,
        flag: Option<Flag>,
    ) {
        let current = self.accept_request(now, conn, head, body.as_ref());
        if let Some(c) = self.conns.get_mut(&conn) {
            c.current = current;
        }
        if let Some(flag) = flag {
            self.on_body(conn, body.unwrap_or_default(), Some(flag));
        }
    }

    /// Decides what becomes of a request, from its head.
    fn accept_request(
        &mut self,
        now: Instant,
        conn: C,
        head: FrameHead,
        whole: Option<&Bytes>,
    ) -> Current<C> {
        let refuse = |head: FrameHead, code| Current::Discard(Some((Box::new(head), code)));
        let (Some(to), Some(from)) = (parse_path(head.to_path()), head.from_path()) else {
            return refuse(head, 400);
        };
        let Some(method) = head.method().cloned() else {
            return Current::Discard(None);
        };
        if head.validate(Flag::Complete).is_err() || head.failure_report().is_err() {
            return refuse(head, 400);
        }
        let from = Bytes::copy_from_slice(from);
        // The previous hop is the first From-Path URI: this connection reaches it (RFC 4976
        // §3: "Relays reuse existing connections first").
        let learnt = parse_path(Some(&from))
            .filter(|f| !self.is_ours(f.first()))
            .map(|f| authority_key(f.first()));
        if let (Some(c), Some(k)) = (self.conns.get_mut(&conn), learnt) {
            c.reaches.get_or_insert(k);
        }
        let next = match self.route(conn, &to, &from) {
            Ok(n) => n,
            Err(Refuse::NotOurs) => {
                self.close(conn, super::CloseReason::Misaddressed);
                return Current::Discard(None);
            }
            Err(Refuse::Status(code)) => return refuse(head, code),
            Err(Refuse::Local) => {
                return match method {
                    Method::Auth => {
                        self.on_auth(now, conn, &head, &to);
                        Current::Discard(None)
                    }
                    Method::Other(_) => refuse(head, 501),
                    _ => refuse(head, 481),
                };
            }
        };
        if matches!(method, Method::Other(_)) && !self.config.forward_unknown_methods {
            return refuse(head, 501);
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.probation = None;
        }
        if !method.is_send() {
            return Current::Collect(Box::new(Collect {
                head,
                next,
                parts: Vec::new(),
            }));
        }
        let mode = head
            .failure_report()
            .ok()
            .flatten()
            .unwrap_or(ReportMode::Yes);
        let range = head.byte_range().ok().flatten().unwrap_or(ByteRange {
            start: 1,
            end: None,
            total: None,
        });
        let sid = self.next_stream;
        self.next_stream += 1;
        self.streams.insert(
            sid,
            Stream {
                from: conn,
                out: next.target,
                head: head.clone(),
                to_path: next.to_path,
                from_path: next.from_path,
                my_uri: next.my_uri,
                range,
                sent: 0,
                open: None,
                mode,
                pending: std::collections::VecDeque::new(),
                pending_len: 0,
                pending_end: None,
                waiting: false,
                waiting_since: None,
                whole: whole.cloned(),
            },
        );
        Current::Stream(sid, Box::new(head))
    }

    /// Body bytes (and, with `flag`, the end) of the request being read on `conn`.
    pub(super) fn on_body(&mut self, conn: C, data: Bytes, flag: Option<Flag>) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match &mut c.current {
            Current::Stream(sid, _) => {
                let sid = *sid;
                self.stream_data(sid, data);
            }
            Current::Collect(col) => {
                if !data.is_empty() {
                    col.parts.push(data);
                }
            }
            Current::Discard(_) | Current::None => {}
        }
        if let Some(flag) = flag {
            self.on_request_end(conn, flag);
        }
    }

    /// The request being read on `conn` ended with `flag`.
    fn on_request_end(&mut self, conn: C, flag: Flag) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match core::mem::take(&mut c.current) {
            Current::Stream(sid, head) => {
                let mode = head
                    .failure_report()
                    .ok()
                    .flatten()
                    .unwrap_or(ReportMode::Yes);
                if self.streams.contains_key(&sid) {
                    self.end_stream(sid, flag);
                    // RFC 4976 §6.4.1: the per-hop 200 ("MUST respond with a final response
                    // immediately"); it does not mean the chunk went on.
                    self.answer(conn, &head, mode, 200);
                } else {
                    // The next hop went away while the chunk arrived.
                    self.answer(conn, &head, mode, 408);
                }
            }
            Current::Collect(col) => self.forward_collected(conn, *col),
            Current::Discard(Some((head, code))) => {
                let mode = head
                    .failure_report()
                    .ok()
                    .flatten()
                    .unwrap_or(ReportMode::Yes);
                self.answer(conn, &head, mode, code);
            }
            Current::Discard(None) | Current::None => {}
        }
    }

    /// Forwards a whole request other than SEND (RFC 4976 §6.4.2).
    fn forward_collected(&mut self, conn: C, col: Collect<C>) {
        let Collect { head, next, parts } = col;
        let target = next.target;
        if self.outbound_mut(target).is_none() {
            // The next hop went away while the body arrived.
            self.answer(conn, &head, ReportMode::Yes, 408);
            return;
        }
        let tid = self.new_tid();
        let is_report = head.method() == Some(&Method::Report);
        if !is_report {
            self.insert_txn(
                tid,
                target,
                TxnKind::Other {
                    from: conn,
                    in_tid: head.transaction_id(),
                    // Only an AUTH with credentials can fail (RFC 4976 §6.3).
                    auth: head.method() == Some(&Method::Auth) && head.authorization().is_some(),
                },
            );
        }
        self.interrupt(target);
        let h = forward_head(&head, tid, &next.to_path, &next.from_path, None);
        self.push_out(target, h.freeze(), None);
        for p in parts {
            self.push_out(target, p, None);
        }
        let end = end_line(tid, Flag::Complete, head.has_body());
        self.push_out(target, end, (!is_report).then_some(tid));
        self.maybe_switch(target);
    }

    /// Answers a request on `conn` with `code`, as its method and Failure-Report allow
    /// (REPORTs are never answered, RFC 4975 §7.1.2).
    pub(super) fn answer(&mut self, conn: C, head: &FrameHead, mode: ReportMode, code: u16) {
        let mode = if head.method().is_some_and(Method::is_send) {
            mode
        } else {
            ReportMode::Yes
        };
        if head.method() == Some(&Method::Report) || !should_respond(mode, code) {
            return;
        }
        let mut b = BytesMut::new();
        if ResponseBuilder::for_request(head, code)
            .encode(&mut b)
            .is_ok()
        {
            self.send_frame(Target::Conn(conn), b.freeze());
        }
    }

    /// A response on `conn` (RFC 4976 §6.4.3).
    pub(super) fn on_response(&mut self, conn: C, head: &FrameHead) {
        let tid = head.transaction_id();
        let Some(code) = head.status_code() else {
            return;
        };
        if self
            .txns
            .get(&tid)
            .is_none_or(|t| t.out != Target::Conn(conn))
        {
            return;
        }
        let Some(to) = parse_path(head.to_path()) else {
            return;
        };
        if !self.is_ours(to.first()) {
            return;
        }
        let Some(t) = self.txns.remove(&tid) else {
            return;
        };
        match t.kind {
            TxnKind::Send { .. } if (200..300).contains(&code) => {}
            TxnKind::Send { .. } => self.txn_failed(t, code, false),
            TxnKind::Other { from, in_tid, auth } => {
                if to.len() < 2 {
                    return;
                }
                // RFC 4976 §6.3: AUTHs this relay forwards and the far relay refuses (401
                // without `stale=true`) count as failures of the connection they came on.
                let refused = auth
                    && code == 401
                    && !head
                        .www_authenticate()
                        .and_then(|v| crate::auth::DigestChallenge::parse(v).ok())
                        .is_some_and(|c| c.stale);
                let rest = join(to.iter().skip(1).map(MsrpUri::as_bytes));
                let from_path = join(
                    core::iter::once(to.first().as_bytes())
                        .chain(core::iter::once(head.from_path().unwrap_or_default())),
                );
                let mut b = forward_head(head, in_tid, &rest, &from_path, None);
                in_tid.write_end_line(&mut b, Flag::Complete);
                self.send_frame(Target::Conn(from), b.freeze());
                if refused {
                    self.count_auth_failure(from);
                }
            }
        }
    }

    /// Tracks a forwarded transaction (the oldest are forgotten beyond the limit).
    pub(super) fn insert_txn(&mut self, tid: TransactionId, out: Target<C>, kind: TxnKind<C>) {
        let txn = Txn {
            out,
            deadline: None,
            kind,
        };
        let max = self.config.limits.max_transactions;
        super::bounded_insert(&mut self.txns, &mut self.txn_order, max, tid, txn);
    }

    /// A forwarded transaction failed with `code` (a response, or 408 for a timeout or a
    /// lost connection): a SEND's sender gets a REPORT if it asked (RFC 4976 §6.4.1: "If
    /// after 32 seconds, the next hop has not sent any response, then the relay MUST construct
    /// a REPORT with a status code of 408"; `partial` runs no timer).
    pub(super) fn txn_failed(&mut self, t: Txn<C>, code: u16, timeout: bool) {
        let TxnKind::Send {
            from,
            report_to,
            my_uri,
            message_id,
            range,
            mode,
        } = t.kind
        else {
            return;
        };
        if mode == ReportMode::No || (timeout && mode == ReportMode::Partial) {
            return;
        }
        let Some(message_id) = message_id else {
            return;
        };
        if !self.conns.contains_key(&from) {
            return;
        }
        let tid = self.new_tid();
        let mut b = BytesMut::new();
        let report = Report {
            tid,
            to_path: &report_to,
            from_path: &my_uri,
            message_id,
            byte_range: range,
            status: report_status(code),
        };
        if report.write(&mut b).is_ok() {
            self.send_frame(Target::Conn(from), b.freeze());
        }
    }
}
