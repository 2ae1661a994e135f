//! One kind's objects as the watch last described them.

use std::collections::BTreeMap;
use std::sync::Arc;

use kube::runtime::watcher::Event;
use kube::{Resource, ResourceExt};

/// The objects of one kind as the watch last described them, by name.
///
/// Honours relists: `Init` starts a fresh buffer, `InitApply` fills it, `InitDone`
/// replaces the contents — so objects deleted while the watch was down disappear.
#[derive(Debug, Clone)]
pub struct Cache<K> {
    objects: BTreeMap<String, Arc<K>>,
    relisting: Option<BTreeMap<String, Arc<K>>>,
}

impl<K> Default for Cache<K> {
    fn default() -> Self {
        Cache {
            objects: BTreeMap::new(),
            relisting: None,
        }
    }
}

impl<K: Resource> Cache<K> {
    /// Folds one event in; returns whether the visible contents changed.
    pub fn apply(&mut self, event: Event<Arc<K>>) -> bool {
        match event {
            Event::Apply(o) => {
                self.objects.insert(o.name_any(), o);
                true
            }
            Event::Delete(o) => self.objects.remove(&o.name_any()).is_some(),
            Event::Init => {
                self.relisting = Some(BTreeMap::new());
                false
            }
            Event::InitApply(o) => {
                self.relisting
                    .get_or_insert_with(BTreeMap::new)
                    .insert(o.name_any(), o);
                false
            }
            Event::InitDone => {
                self.objects = self.relisting.take().unwrap_or_default();
                true
            }
        }
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
    use k8s_openapi::api::core::v1::Pod;

    fn pod(name: &str) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = Some(name.into());
        p
    }

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
        let mut cache: Cache<Pod> = Cache::default();
        assert!(!cache.apply(Event::Delete(pod("ghost").into())));
    }
}
