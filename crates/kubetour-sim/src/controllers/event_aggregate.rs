//! client-go's event aggregation (`tools/record/events_cache.go`, `EventAggregator`):
//! events that differ only in their message (same source, involved object, type and
//! reason) are combined once ten distinct messages came within ten minutes of each
//! other. From then on one Event stands for them: its message is the newest, behind
//! "(combined from similar events): ", and its count grows. A ReplicaSet replacing pods
//! under churn writes "Created pod: …" for each; a real cluster shows one counted
//! Event for them (`kubectl describe rs`), and so does this one.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// `defaultAggregateMaxEvents`: distinct messages before they are combined.
const MAX_EVENTS: usize = 10;
/// `defaultAggregateIntervalInSeconds`: a quiet gap this long starts the count over.
const INTERVAL_SECONDS: i64 = 600;
/// What a combined Event's message starts with (`EventAggregatorByReasonMessageFunc`).
pub const COMBINED: &str = "(combined from similar events): ";

/// The distinct messages of one kind of event, and when the last came.
#[derive(Debug)]
struct Similar {
    messages: Vec<u64>,
    last: jiff::Timestamp,
}

/// Similar events seen in the last [`INTERVAL_SECONDS`]. client-go bounds its record
/// with an LRU of 4,096; a record older than the interval is started over when used,
/// so dropping those is the same behaviour, and keeps ten minutes of them at most.
#[derive(Debug, Default)]
pub struct Aggregator {
    similar: HashMap<u64, Similar>,
    /// Records since stale ones were last dropped.
    since_sweep: usize,
}

/// What makes events similar (client-go's `EventAggregatorByReasonFunc`, less the
/// message): the reporter (component, host), the involved object (kind, namespace,
/// name, uid, apiVersion), the type and the reason.
pub struct Similarity<'a> {
    pub component: &'a str,
    pub host: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub uid: &'a str,
    pub api_version: &'a str,
    pub event_type: &'a str,
    pub reason: &'a str,
}

impl Similarity<'_> {
    fn key(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            "aggregate",
            self.component,
            self.host,
            self.kind,
            self.namespace,
            self.name,
            self.uid,
            self.api_version,
            self.event_type,
            self.reason,
        )
            .hash(&mut h);
        h.finish()
    }
}

impl Aggregator {
    /// Notes an event with `message`; when it is to be combined with its similar ones,
    /// returns the key of the combined Event (for the recorder's repeat cache).
    pub fn combine(
        &mut self,
        similar: &Similarity,
        message: &str,
        now: jiff::Timestamp,
    ) -> Option<u64> {
        self.sweep(now);
        let key = similar.key();
        let local = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            message.hash(&mut h);
            h.finish()
        };
        let record = self.similar.entry(key).or_insert_with(|| Similar {
            messages: Vec::new(),
            last: now,
        });
        if now.duration_since(record.last).as_secs() > INTERVAL_SECONDS {
            record.messages.clear();
        }
        record.last = now;
        if !record.messages.contains(&local) {
            record.messages.push(local);
        }
        if record.messages.len() < MAX_EVENTS {
            return None;
        }
        // client-go keeps the set below the threshold (`PopAny`) once it combines.
        record.messages.pop();
        Some(key)
    }

    /// Drops the records a quiet interval has already made stale, every so often.
    fn sweep(&mut self, now: jiff::Timestamp) {
        self.since_sweep += 1;
        if self.since_sweep < 256 {
            return;
        }
        self.since_sweep = 0;
        self.similar
            .retain(|_, r| now.duration_since(r.last).as_secs() <= INTERVAL_SECONDS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created_by_rs() -> Similarity<'static> {
        Similarity {
            component: "replicaset-controller",
            host: "",
            kind: "ReplicaSet",
            namespace: "emqx",
            name: "emqx-7c9f",
            uid: "u1",
            api_version: "apps/v1",
            event_type: "Normal",
            reason: "SuccessfulCreate",
        }
    }

    /// `s` seconds into a test's day.
    fn at(s: i64) -> jiff::Timestamp {
        let t0 = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        t0.checked_add(jiff::SignedDuration::from_secs(s)).unwrap()
    }

    #[test]
    fn the_tenth_distinct_message_within_ten_minutes_is_combined_and_so_is_every_later_one() {
        let mut a = Aggregator::default();
        for i in 0..9 {
            assert_eq!(
                a.combine(&created_by_rs(), &format!("Created pod: p{i}"), at(3 * i)),
                None
            );
        }
        let key = a.combine(&created_by_rs(), "Created pod: p9", at(27));
        assert!(key.is_some());
        assert_eq!(a.combine(&created_by_rs(), "Created pod: p10", at(30)), key);
        // A repeat of a message seen is still combined once the kind is.
        assert_eq!(a.combine(&created_by_rs(), "Created pod: p10", at(33)), key);
    }

    #[test]
    fn a_quiet_ten_minutes_starts_the_count_over() {
        let mut a = Aggregator::default();
        for i in 0..10 {
            a.combine(&created_by_rs(), &format!("Created pod: p{i}"), at(i));
        }
        assert_eq!(
            a.combine(&created_by_rs(), "Created pod: q", at(9 + 601)),
            None
        );
    }

    #[test]
    fn other_objects_and_other_reasons_are_not_similar() {
        let mut a = Aggregator::default();
        for i in 0..20 {
            let name = format!("emqx-{i}");
            let pod = Similarity {
                kind: "Pod",
                name: &name,
                reason: "Pulled",
                ..created_by_rs()
            };
            assert_eq!(
                a.combine(&pod, "Container image already present", at(0)),
                None
            );
        }
    }
}
