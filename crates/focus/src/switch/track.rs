//! The bounded memory of relayed copies (REQ: SW-11, SEC-2): from the Message-ID the switch
//! gave a copy to the original sender, its Message-ID and what it asked for, so that a
//! recipient's REPORT or error response finds its way back.

use std::collections::{HashMap, VecDeque};

use simpleim_msrp::{MessageId, ReportMode};

/// One relayed copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Track<P> {
    pub(crate) sender: P,
    pub(crate) original: MessageId,
    pub(crate) recipient: P,
    pub(crate) success: Option<ReportMode>,
    pub(crate) failure: ReportMode,
    pub(crate) total: Option<u64>,
    /// A failure has been reported for this copy (one failure REPORT per copy).
    pub(crate) failed: bool,
}

/// Relayed Message-ID → [`Track`], forgetting the oldest past `max`.
#[derive(Debug)]
pub(crate) struct Tracks<P> {
    map: HashMap<MessageId, Track<P>>,
    order: VecDeque<MessageId>,
    max: usize,
}

impl<P> Tracks<P> {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            max,
        }
    }

    pub(crate) fn insert(&mut self, relayed: MessageId, track: Track<P>) {
        if self.max == 0 {
            return;
        }
        while self.order.len() >= self.max {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
        if self.map.insert(relayed, track).is_none() {
            self.order.push_back(relayed);
        }
    }

    pub(crate) fn get(&self, relayed: &MessageId) -> Option<&Track<P>> {
        self.map.get(relayed)
    }

    pub(crate) fn get_mut(&mut self, relayed: &MessageId) -> Option<&mut Track<P>> {
        self.map.get_mut(relayed)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded() {
        // REQ: SEC-2, SW-11
        let mut t = Tracks::new(2);
        let track = |s| Track {
            sender: s,
            original: MessageId::from_u64(s),
            recipient: 0,
            success: None,
            failure: ReportMode::Yes,
            total: None,
            failed: false,
        };
        for i in 1..=3u64 {
            t.insert(MessageId::from_u64(100 + i), track(i));
        }
        assert_eq!(t.len(), 2);
        assert!(t.get(&MessageId::from_u64(101)).is_none());
        assert_eq!(t.get(&MessageId::from_u64(103)).map(|x| x.sender), Some(3));
    }
}
