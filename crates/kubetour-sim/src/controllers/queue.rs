//! The loop every controller runs: watch the store, turn changes into keys, reconcile
//! each key once per batch of changes, and look again later when asked (a work queue
//! with delayed re-adds, like client-go's, minus the rate limiting).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast::error::TryRecvError, mpsc};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::store::{Store, WatchEvent};

/// One controller's logic. Reconciling must be idempotent: the controller sees its own
/// writes come back as changes and must then find nothing left to do.
pub trait Reconciler: Send + 'static {
    type Key: Ord + Clone + Send + 'static;

    /// Which keys a change concerns.
    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<Self::Key>;

    /// Every key worth a look: at start, and after falling behind the watch.
    fn all_keys(&mut self, store: &Store) -> Vec<Self::Key>;

    /// Moves one key's world toward its desired state. `Some(d)`: look again after d
    /// (already scaled by the caller's clock), even if nothing changes.
    fn reconcile(&mut self, store: &Arc<Store>, key: &Self::Key) -> Option<Duration>;
}

/// Runs a reconciler until its task is aborted or the store goes away.
pub fn spawn<R: Reconciler>(store: Arc<Store>, reconciler: R) -> JoinHandle<()> {
    tokio::spawn(run(store, reconciler))
}

async fn run<R: Reconciler>(store: Arc<Store>, mut r: R) {
    // Subscribe before listing, so nothing changes unseen in between.
    let Ok(sub) = store.subscribe(None) else {
        return;
    };
    let mut live = sub.live;
    let (tx, mut rx) = mpsc::unbounded_channel::<R::Key>();
    let mut pending: BTreeSet<R::Key> = r.all_keys(&store).into_iter().collect();
    let mut scheduled: BTreeMap<R::Key, Instant> = BTreeMap::new();
    // Dropping the set (when this task is aborted) cancels the timers.
    let mut timers = JoinSet::new();
    loop {
        loop {
            match live.try_recv() {
                Ok(ev) => pending.extend(r.keys_for(&store, &ev)),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Lagged(_)) => pending.extend(r.all_keys(&store)),
                Err(TryRecvError::Closed) => return,
            }
        }
        while let Ok(key) = rx.try_recv() {
            scheduled.remove(&key);
            pending.insert(key);
        }
        while timers.try_join_next().is_some() {}
        if pending.is_empty() {
            tokio::select! {
                ev = live.recv() => match ev {
                    Ok(ev) => pending.extend(r.keys_for(&store, &ev)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        pending.extend(r.all_keys(&store));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                Some(key) = rx.recv() => {
                    scheduled.remove(&key);
                    pending.insert(key);
                }
            }
            continue;
        }
        for key in std::mem::take(&mut pending) {
            // Objects are user-shaped JSON: should a reconcile trip over a shape it did
            // not expect, the controller reports it and keeps serving the other keys.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                r.reconcile(&store, &key)
            }));
            let after = match outcome {
                Ok(after) => after,
                Err(_) => {
                    tracing::error!(
                        controller = std::any::type_name::<R>(),
                        "reconcile failed on an unexpected object shape; skipped"
                    );
                    None
                }
            };
            let Some(after) = after else {
                continue;
            };
            let deadline = Instant::now() + after;
            if scheduled.get(&key).is_some_and(|t| *t <= deadline) {
                continue;
            }
            scheduled.insert(key.clone(), deadline);
            let tx = tx.clone();
            timers.spawn(async move {
                tokio::time::sleep_until(deadline).await;
                let _ = tx.send(key);
            });
        }
        // Let the writers we just caused (and other controllers) run before the next batch.
        tokio::task::yield_now().await;
    }
}
