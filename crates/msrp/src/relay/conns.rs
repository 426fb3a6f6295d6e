//! The lives of a relay's connections (RFC 4976 §6.5; REQ: MSRP-6): closing one, what is
//! dropped or reported when one goes, a dialed connection taking over what waited for it,
//! readers paused and resumed for back-pressure.

use std::hash::Hash;

use crate::frame::TransactionId;

use super::out::Target;
use super::{CloseReason, Current, Event, Relay};

impl<C: Copy + Eq + Hash + core::fmt::Debug> Relay<C> {
    /// Closes `conn` on the relay's initiative.
    pub(super) fn close(&mut self, conn: C, reason: CloseReason) {
        if self.conns.contains_key(&conn) {
            self.forget(conn);
            self.events.push_back(Event::Close { conn, reason });
        }
    }

    /// Drops everything about `conn`.
    pub(super) fn forget(&mut self, conn: C) {
        if let Some(c) = self.conns.remove(&conn) {
            if let Current::Stream(sid, _) = c.current {
                self.abort_stream(sid);
            }
            for p in c.out.paused {
                self.resume(p);
            }
        }
        self.ready.retain(|c| *c != conn);
        let ended: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.conn == conn)
            .map(|(k, _)| k.clone())
            .collect();
        for sid in ended {
            if let Some(s) = self.sessions.remove(&sid) {
                self.events.push_back(Event::SessionEnded { uri: s.uri });
            }
        }
        // Streams from it end downstream with `#`; streams to it are dropped.
        let from: Vec<u64> = self
            .streams
            .iter()
            .filter(|(_, s)| s.from == conn)
            .map(|(k, _)| *k)
            .collect();
        for sid in from {
            self.abort_stream(sid);
        }
        self.target_gone(Target::Conn(conn));
        for c in self.conns.values_mut() {
            c.out.paused.retain(|p| *p != conn);
        }
    }

    /// Everything waiting on `target` fails: streams toward it are dropped, transactions sent
    /// over it are reported upstream.
    pub(super) fn target_gone(&mut self, target: Target<C>) {
        self.streams.retain(|_, s| s.out != target);
        let tids: Vec<TransactionId> = self
            .txns
            .iter()
            .filter(|(_, t)| t.out == target)
            .map(|(k, _)| *k)
            .collect();
        for tid in tids {
            if let Some(t) = self.txns.remove(&tid) {
                self.txn_failed(t, 408, false);
            }
        }
    }

    /// Renames a pending target once its connection is up.
    pub(super) fn retarget(&mut self, from: Target<C>, to: Target<C>) {
        for s in self.streams.values_mut() {
            if s.out == from {
                s.out = to;
            }
        }
        for t in self.txns.values_mut() {
            if t.out == from {
                t.out = to;
            }
        }
    }

    pub(super) fn pause(&mut self, reader: C, target: Target<C>) {
        let Some(out) = self.outbound_mut(target) else {
            return;
        };
        if !out.paused.contains(&reader) {
            out.paused.push(reader);
        }
        if let Some(c) = self.conns.get_mut(&reader) {
            if !c.paused {
                c.paused = true;
                self.events.push_back(Event::PauseReading { conn: reader });
            }
        }
    }

    pub(super) fn resume(&mut self, reader: C) {
        if let Some(c) = self.conns.get_mut(&reader) {
            if c.paused {
                c.paused = false;
                self.events.push_back(Event::ResumeReading { conn: reader });
            }
        }
    }
}
