//! Bookkeeping: identifiers, the bound, the timer queue and the indexes kept in step with the
//! transactions, and what happens when one ends.

use std::time::Instant;

use super::TransactionLayer;
use crate::method::Method;
use crate::transaction::client::ClientStep;
use crate::transaction::config::TransportHandle;
use crate::transaction::event::TransactionEvent;
use crate::transaction::key::{ClientKey, ServerKey, ServerMatch, TransactionKey};
use crate::transaction::server::{ServerKind, ServerStep};
use crate::transaction::timer::Slot;

impl<H: TransportHandle> TransactionLayer<H> {
    // --- bookkeeping -------------------------------------------------------------------------

    pub(super) fn next_id(&mut self) -> u64 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    pub(super) fn is_full(&self) -> bool {
        self.len() >= self.config.max_transactions
    }

    /// Acts on what a client transaction asked for, then requeues its timer.
    pub(super) fn after_client(&mut self, now: Instant, id: u64, step: ClientStep) {
        let cancel = self.clients.get(&id).and_then(|t| t.cancel);
        if step.proceeding {
            // §9.1: the held CANCEL may go now.
            if let Some(c) = cancel {
                let released = match self.clients.get_mut(&c.0) {
                    Some(ct) if ct.held => {
                        ct.release(now, &self.config, &mut self.out);
                        true
                    }
                    _ => false,
                };
                if released {
                    self.sync_client(c.0);
                    if let Some(inv) = self.clients.get_mut(&id) {
                        inv.cancel_sent(now, &self.config);
                    }
                }
            }
        }
        if step.final_response {
            // §9.1: a CANCEL not sent yet is not sent at all.
            if let Some(c) = cancel {
                if self.clients.get(&c.0).is_some_and(|ct| ct.held) {
                    self.remove_client(c.0);
                }
            }
        }
        if step.terminated {
            self.remove_client(id);
        } else {
            self.sync_client(id);
        }
    }

    /// Acts on what a server transaction asked for, then requeues its timer.
    pub(super) fn after_server(&mut self, id: u64, step: ServerStep) {
        if let Some(key) = step.accepted {
            self.dialog_index.insert(key, id);
        }
        if step.terminated {
            self.remove_server(id);
        } else {
            self.sync_server(id);
        }
    }

    pub(super) fn sync_client(&mut self, id: u64) {
        if let Some(t) = self.clients.get_mut(&id) {
            let next = t.next_deadline();
            self.timers.reschedule(Slot::Client(id), t.scheduled, next);
            t.scheduled = next;
        }
    }

    pub(super) fn sync_server(&mut self, id: u64) {
        if let Some(t) = self.servers.get_mut(&id) {
            let next = t.next_deadline();
            self.timers.reschedule(Slot::Server(id), t.scheduled, next);
            t.scheduled = next;
        }
    }

    /// Forgets a client transaction and tells the TU. An INVITE takes its held CANCEL with
    /// it; a CANCEL unlinks itself from its INVITE.
    pub(super) fn remove_client(&mut self, id: u64) {
        let Some(t) = self.clients.remove(&id) else {
            return;
        };
        self.timers.reschedule(Slot::Client(id), t.scheduled, None);
        self.client_index
            .remove(&(t.branch.clone(), t.method.clone()));
        self.out.event(TransactionEvent::Terminated {
            key: TransactionKey::Client(ClientKey(id)),
        });
        if let Some(c) = t.cancel {
            if self.clients.get(&c.0).is_some_and(|ct| ct.held) {
                self.remove_client(c.0);
            }
        }
        if t.method == Method::Cancel {
            if let Some(inv) = self
                .client_index
                .get(&(t.branch, Method::Invite))
                .and_then(|i| self.clients.get_mut(i))
            {
                if inv.cancel == Some(ClientKey(id)) {
                    inv.cancel = None;
                }
            }
        }
    }

    /// Forgets a server transaction and, unless it is the layer's own CANCEL, tells the TU.
    pub(super) fn remove_server(&mut self, id: u64) {
        let Some(t) = self.servers.remove(&id) else {
            return;
        };
        self.timers.reschedule(Slot::Server(id), t.scheduled, None);
        match &t.matching {
            ServerMatch::Branch(k) => {
                if let Some(list) = self.branch_index.get_mut(k) {
                    list.retain(|(_, i)| *i != id);
                    if list.is_empty() {
                        self.branch_index.remove(k);
                    }
                }
            }
            ServerMatch::Legacy(k) => {
                if let Some(list) = self.legacy_index.get_mut(k) {
                    list.retain(|i| *i != id);
                    if list.is_empty() {
                        self.legacy_index.remove(k);
                    }
                }
            }
        }
        if let Some(key) = &t.dialog {
            if self.dialog_index.get(key) == Some(&id) {
                self.dialog_index.remove(key);
            }
        }
        if t.kind != ServerKind::Cancel {
            self.out.event(TransactionEvent::Terminated {
                key: TransactionKey::Server(ServerKey(id)),
            });
        }
    }

    pub(super) fn forget_ack(&mut self, id: u64) {
        if let Some(entry) = self.acks.remove(&id) {
            self.timers
                .reschedule(Slot::Ack(id), Some(entry.queued), None);
            self.ack_index.remove(&entry.key);
        }
    }
}
