//! What a real cluster forgets with time, so a sim left running under churn stays flat:
//!
//! - Watch history is compacted as kube-apiserver has etcd do it
//!   (`--etcd-compaction-interval=5m`): at each tick the revision seen at the previous
//!   tick is compacted, so a list stays resumable for at least one interval; a watch
//!   from an older resourceVersion then gets 410 Gone.
//! - Events live under an etcd lease of `--event-ttl=1h`, renewed on every write (the
//!   event registry's TTL function); when it runs out the key is deleted and watchers
//!   see DELETED, as on lease expiry.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::{EventType, Key, Res, State, Store};

/// kube-apiserver's `--etcd-compaction-interval` default.
pub const COMPACTION_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// kube-apiserver's `--event-ttl` default.
pub const EVENT_TTL: Duration = Duration::from_secs(60 * 60);
/// How often expired leases are looked for: etcd revokes them within about a second;
/// ten keeps the sweep cheap and an hour-long TTL exact enough.
const LEASE_SWEEP: Duration = Duration::from_secs(10);

/// Called for every write: an Event's lease starts again, a deleted one's goes.
pub(super) fn renew_lease(
    state: &mut State,
    kind: EventType,
    res: Res,
    namespace: &str,
    object: &Value,
) {
    if res != Res::Event {
        return;
    }
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let key: Key = (res, namespace.to_string(), name.to_string());
    match kind {
        EventType::Deleted => {
            state.leases.remove(&key);
        }
        EventType::Added | EventType::Modified => {
            state.leases.insert(key, Instant::now() + EVENT_TTL);
        }
    }
}

impl Store {
    /// Forgets watch history up to and including `rv` (etcd compaction at that revision):
    /// resuming from `rv` itself still works, from anything older is 410 Gone.
    pub fn compact_through(&self, rv: u64) {
        let mut state = self.lock();
        while state.history.front().is_some_and(|e| e.rv <= rv) {
            state.history.pop_front();
        }
    }

    /// How many past events are kept for resuming watches.
    pub fn history_len(&self) -> usize {
        self.lock().history.len()
    }

    /// Bytes of JSON text the history holds (what resuming watches may be sent).
    pub fn history_bytes(&self) -> usize {
        self.lock().history.iter().map(|p| p.text_len()).sum()
    }

    /// How many objects are stored, how many of them Events, and the Events' bytes of
    /// JSON text: counted where they are held, nothing parsed.
    pub fn held_sizes(&self) -> (usize, usize, usize) {
        let state = self.lock();
        let events = state
            .objects
            .range((Res::Event, String::new(), String::new())..)
            .take_while(|((r, _, _), _)| *r == Res::Event);
        let (count, bytes) = events.fold((0, 0), |(n, b), (_, held)| (n + 1, b + held.text_len()));
        (state.objects.len(), count, bytes)
    }

    /// Deletes every object whose lease has run out; returns how many.
    pub fn expire_leases(&self) -> usize {
        let now = Instant::now();
        let expired: Vec<Key> = self
            .lock()
            .leases
            .iter()
            .filter(|(_, deadline)| **deadline <= now)
            .map(|(k, _)| k.clone())
            .collect();
        let mut n = 0;
        for (res, namespace, name) in expired {
            // A write since the snapshot above renewed it or deleted it already.
            let still_due = self
                .lock()
                .leases
                .get(&(res, namespace.clone(), name.clone()))
                .is_some_and(|d| *d <= now);
            if still_due && self.delete(res, &namespace, &name).is_ok() {
                n += 1;
            }
        }
        n
    }
}

/// Runs the compactor and the lease sweep until the cluster's tasks are aborted.
pub async fn run(store: Arc<Store>) {
    let mut previous: Option<u64> = None;
    let mut next_compaction = Instant::now() + COMPACTION_INTERVAL;
    loop {
        tokio::time::sleep(LEASE_SWEEP).await;
        store.expire_leases();
        if Instant::now() >= next_compaction {
            next_compaction += COMPACTION_INTERVAL;
            if let Some(rv) = previous {
                store.compact_through(rv);
            }
            previous = Some(store.current_rv());
        }
    }
}
