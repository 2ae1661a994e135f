//! What a real cluster forgets with time, so a sim left running under churn stays flat:
//!
//! - Watch history is compacted as kube-apiserver has etcd do it
//!   (`--etcd-compaction-interval=5m`): at each tick the revision seen at the previous
//!   tick is compacted, so a list stays resumable for at least one interval; a watch
//!   from an older resourceVersion then gets 410 Gone.
//! - Events live under an etcd lease of `--event-ttl=1h`, renewed on every write (the
//!   event registry's TTL function); when it runs out the key is deleted and watchers
//!   see DELETED, as on lease expiry. The lease is held with the Event (`store_held`).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::{Key, Res, State, Store};

/// kube-apiserver's `--etcd-compaction-interval` default.
pub const COMPACTION_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// kube-apiserver's `--event-ttl` default.
pub const EVENT_TTL: Duration = Duration::from_secs(60 * 60);
/// How often expired leases are looked for: etcd revokes them within about a second;
/// ten keeps the sweep cheap and an hour-long TTL exact enough.
const LEASE_SWEEP: Duration = Duration::from_secs(10);

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

    /// Bytes of packed JSON text the history holds (what resuming watches may be sent).
    pub fn history_bytes(&self) -> usize {
        self.lock().history.iter().map(|p| p.packed_len()).sum()
    }

    /// How many objects are stored, how many of them Events, and the Events' bytes of
    /// JSON text, unpacked and as held: counted where they are held, nothing parsed.
    pub fn held_sizes(&self) -> HeldSizes {
        let state = self.lock();
        let mut sizes = HeldSizes {
            objects: state.objects.len(),
            ..HeldSizes::default()
        };
        for (_, held) in events(&state) {
            let (text, packed) = held.text_len();
            sizes.events += 1;
            sizes.event_text += text;
            sizes.event_packed += packed;
        }
        sizes
    }

    /// Deletes every object whose lease has run out; returns how many.
    pub fn expire_leases(&self) -> usize {
        let now = Instant::now();
        let due = |held: &super::Held, epoch| held.expires(epoch).is_some_and(|d| d <= now);
        let expired: Vec<Key> = {
            let state = self.lock();
            events(&state)
                .filter(|(_, held)| due(held, state.epoch))
                .map(|(k, _)| k.clone())
                .collect()
        };
        let mut n = 0;
        for key in expired {
            // A write since the look above renewed it or deleted it already.
            let state = self.lock();
            let still_due = state.objects.get(&key).is_some_and(|h| due(h, state.epoch));
            drop(state);
            if still_due && self.delete(key.res, key.namespace(), key.name()).is_ok() {
                n += 1;
            }
        }
        n
    }
}

/// What [`Store::held_sizes`] counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeldSizes {
    pub objects: usize,
    pub events: usize,
    /// The Events' compact JSON, in bytes.
    pub event_text: usize,
    /// The same, packed as held.
    pub event_packed: usize,
}

/// The stored Events (the only kind with leases), in key order.
fn events(state: &State) -> impl Iterator<Item = (&Key, &super::Held)> {
    state
        .objects
        .range(Key::first(Res::Event, None)..)
        .take_while(|(key, _)| key.res == Res::Event)
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
