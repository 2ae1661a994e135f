//! What of the store survives a restart (`sim::state`): the objects and the
//! resourceVersion reached, not the watch history.

use std::sync::Arc;

use serde_json::Value;

use super::{Clock, Res, Store, StoreError, key_parts, rv_of};

impl Store {
    /// Every object with its kind, and the resourceVersion reached: what survives a
    /// restart (see `sim::state`). History is left out on purpose: after a restart a
    /// watch from an older resourceVersion gets 410 Gone, as after etcd compaction.
    pub fn snapshot(&self) -> (u64, Vec<(Res, Value)>) {
        let state = self.lock();
        let objects = state
            .objects
            .iter()
            .map(|(key, held)| (key.res, held.tree(&state.dicts).into_owned()))
            .collect();
        (state.rv, objects)
    }

    /// A store holding what `snapshot` returned: the same objects (uids, resourceVersions)
    /// and a counter that goes on from `rv`, never reusing one.
    pub fn restored(
        clock: Clock,
        rv: u64,
        objects: Vec<(Res, Value)>,
    ) -> Result<Arc<Store>, StoreError> {
        let store = Store::new(clock);
        {
            let mut state = store.lock();
            for (res, object) in objects {
                let (namespace, name) = key_parts(&object)?;
                state.rv = state.rv.max(rv_of(&object));
                // A restored Event gets a fresh lease (`Held::new`), as its key keeps one
                // in etcd.
                let text = super::Packed::new(&mut state.dicts, res, &object);
                let held = super::Held::new(res, object, &text, state.epoch);
                state
                    .objects
                    .insert(super::Key::new(res, &namespace, &name), held);
            }
            state.rv = state.rv.max(rv);
        }
        Ok(store)
    }
}
