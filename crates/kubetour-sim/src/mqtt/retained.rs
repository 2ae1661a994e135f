//! Retained messages of one node. EMQX keeps them in a mria `ram_copies` table
//! replicated to every member of the cluster (emqx_retainer_mnesia.erl, v5.8.9), so the
//! broker writes a retained PUBLISH into the copy of every running member and reads the
//! newest copy of each topic across the members: a node's copy lives and dies with its
//! VM (RAM only), and islands never see each other's.

use std::collections::BTreeMap;

use super::codec::Message;
use super::topic;

/// One node's copy of the retained table: topic → (write sequence, message).
#[derive(Debug, Default)]
pub struct Retained {
    topics: BTreeMap<String, (u64, Message)>,
}

impl Retained {
    /// A retained PUBLISH: stores it, or clears the topic for an empty payload.
    pub fn put(&mut self, seq: u64, msg: &Message) {
        if msg.payload.is_empty() {
            self.topics.remove(&msg.topic);
        } else {
            self.topics.insert(msg.topic.clone(), (seq, msg.clone()));
        }
    }

    /// The messages whose topic matches `filter`, with their sequence.
    pub fn matching<'a>(&'a self, filter: &'a str) -> impl Iterator<Item = (u64, &'a Message)> {
        self.topics
            .iter()
            .filter(move |(t, _)| topic::matches(filter, t))
            .map(|(_, (seq, m))| (*seq, m))
    }

    pub fn len(&self) -> usize {
        self.topics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }
}

/// The newest copy of each matching topic across the members' tables.
pub fn newest<'a>(copies: impl Iterator<Item = &'a Retained>, filter: &str) -> Vec<Message> {
    let mut best: BTreeMap<String, (u64, Message)> = BTreeMap::new();
    for copy in copies {
        for (seq, m) in copy.matching(filter) {
            let newer = best.get(&m.topic).is_none_or(|(s, _)| seq > *s);
            if newer {
                best.insert(m.topic.clone(), (seq, m.clone()));
            }
        }
    }
    best.into_values().map(|(_, m)| m).collect()
}
