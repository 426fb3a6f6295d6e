//! The queues the transactions write to while the layer handles an input, drained by the
//! layer's `poll_*` methods.

use std::collections::VecDeque;

use super::event::{Stats, TransactionEvent, Transmit};
use crate::message::Message;

/// Transmits, events and counters.
#[derive(Debug)]
pub(crate) struct Outputs<H> {
    pub(crate) transmits: VecDeque<Transmit<H>>,
    pub(crate) events: VecDeque<TransactionEvent<H>>,
    pub(crate) stats: Stats,
}

impl<H: Clone> Outputs<H> {
    pub(crate) fn new() -> Self {
        Self {
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// Queues `message` for `handle`.
    pub(crate) fn send(&mut self, handle: &H, message: impl Into<Message>) {
        self.transmits.push_back(Transmit {
            handle: handle.clone(),
            message: message.into(),
        });
    }

    /// Queues an event.
    pub(crate) fn event(&mut self, event: TransactionEvent<H>) {
        self.events.push_back(event);
    }
}
