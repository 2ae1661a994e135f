//! One kind's objects as the watch last described them.

use std::collections::BTreeMap;
use std::sync::Arc;

use kube::runtime::watcher::Event;
use kube::{Resource, ResourceExt};

/// The objects of one kind as the watch last described them, by name.
///
/// Honours relists: `Init` starts a fresh buffer, `InitApply` fills it, `InitDone`
/// replaces the contents — so objects deleted while the watch was down disappear.
///
/// Cloning is cheap (one `Arc`): the engine hands the wizard a copy of the whole view
/// after every batch of changes. The map is copied on write, and only when a handed-over
/// copy still holds it — names and objects are shared, so that copy is one map of
/// pointers per changed kind, never a deep copy of the objects.
#[derive(Debug, Clone)]
pub struct Cache<K> {
    objects: Arc<Objects<K>>,
    relisting: Option<Objects<K>>,
}

type Objects<K> = BTreeMap<Arc<str>, Arc<K>>;

impl<K> Default for Cache<K> {
    fn default() -> Self {
        Cache {
            objects: Arc::default(),
            relisting: None,
        }
    }
}

impl<K: Resource> Cache<K> {
    /// Folds one event in; returns whether the visible contents changed.
    pub fn apply(&mut self, event: Event<Arc<K>>) -> bool {
        match event {
            Event::Apply(o) => {
                Arc::make_mut(&mut self.objects).insert(o.name_any().into(), o);
                true
            }
            Event::Delete(o) => {
                let name = o.name_any();
                // Not copied on write for an object it never held.
                self.objects.contains_key(name.as_str())
                    && Arc::make_mut(&mut self.objects)
                        .remove(name.as_str())
                        .is_some()
            }
            Event::Init => {
                self.relisting = Some(BTreeMap::new());
                false
            }
            Event::InitApply(o) => {
                self.relisting
                    .get_or_insert_with(BTreeMap::new)
                    .insert(o.name_any().into(), o);
                false
            }
            Event::InitDone => {
                self.objects = Arc::new(self.relisting.take().unwrap_or_default());
                true
            }
        }
    }

    /// Forgets the objects `keep` refuses; returns whether any went. The map is copied
    /// (on write) only when something goes.
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) -> bool {
        if self.objects.values().all(|o| keep(o)) {
            return false;
        }
        Arc::make_mut(&mut self.objects).retain(|_, o| keep(o));
        true
    }

    pub fn get(&self, name: &str) -> Option<&K> {
        self.objects.get(name).map(|o| &**o)
    }

    /// Objects ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.objects.values().map(|o| &**o)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::WatchedPod;
    use crate::view::named_pod as pod;

    #[test]
    fn a_relist_forgets_objects_deleted_while_the_watch_was_down() {
        let mut cache = Cache::default();
        cache.apply(Event::Apply(pod("a").into()));
        cache.apply(Event::Apply(pod("b").into()));
        assert_eq!(cache.len(), 2);
        cache.apply(Event::Init);
        cache.apply(Event::InitApply(pod("b").into()));
        // Until the relist is done, the old contents stay visible.
        assert_eq!(cache.len(), 2);
        assert!(cache.apply(Event::InitDone));
        assert_eq!(
            cache.iter().map(|p| p.name_any()).collect::<Vec<_>>(),
            vec!["b"]
        );
    }

    #[test]
    fn deleting_an_unknown_object_changes_nothing() {
        let mut cache: Cache<WatchedPod> = Cache::default();
        assert!(!cache.apply(Event::Delete(pod("ghost").into())));
    }
}
