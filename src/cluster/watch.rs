//! Live cluster state from watches: one watcher per kind the wizard shows, each retrying
//! with a backoff capped near a second (see `outage::backoff`), merged into one stream of typed [`Change`]s. The consumer (the engine
//! or the TUI model) owns the state and folds changes into a [`Cache`] per kind.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::stream::{BoxStream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event as K8sEvent, PersistentVolumeClaim, Pod, Service, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, Resource, ResourceExt};

use super::outage::{Outage, WatchTrouble};

/// One watch event of one of the kinds the wizard follows. Objects are shared (`Arc`):
/// the engine and the wizard each fold every change into their own view, and a deep
/// copy per view doubled the memory of a 1,000-pod namespace.
#[derive(Debug, Clone)]
pub enum Change {
    Pod(Event<Arc<Pod>>),
    Deployment(Event<Arc<Deployment>>),
    ReplicaSet(Event<Arc<ReplicaSet>>),
    StatefulSet(Event<Arc<StatefulSet>>),
    Service(Event<Arc<Service>>),
    Endpoints(Event<Arc<Endpoints>>),
    Claim(Event<Arc<PersistentVolumeClaim>>),
    ConfigMap(Event<Arc<ConfigMap>>),
    ServiceAccount(Event<Arc<ServiceAccount>>),
    Role(Event<Arc<Role>>),
    RoleBinding(Event<Arc<RoleBinding>>),
    Event(Event<Arc<K8sEvent>>),
    /// A watch failed; the watcher retries with backoff. Says why, in words.
    Trouble(WatchTrouble),
}

impl Change {
    /// How many kinds the view follows (the variants other than `Trouble`).
    pub const KINDS: u32 = 12;

    /// For the end of a (re)list, the kind's position among the followed kinds.
    fn init_done_kind(&self) -> Option<u8> {
        let kind = match self {
            Change::Pod(Event::InitDone) => 0,
            Change::Deployment(Event::InitDone) => 1,
            Change::ReplicaSet(Event::InitDone) => 2,
            Change::StatefulSet(Event::InitDone) => 3,
            Change::Service(Event::InitDone) => 4,
            Change::Endpoints(Event::InitDone) => 5,
            Change::Claim(Event::InitDone) => 6,
            Change::ConfigMap(Event::InitDone) => 7,
            Change::ServiceAccount(Event::InitDone) => 8,
            Change::Role(Event::InitDone) => 9,
            Change::RoleBinding(Event::InitDone) => 10,
            Change::Event(Event::InitDone) => 11,
            _ => return None,
        };
        Some(kind)
    }
}

/// Watches every followed kind in `namespace`, merged into one stream.
pub fn watch_namespace(client: &Client, namespace: &str) -> BoxStream<'static, Change> {
    fn one<K>(
        client: &Client,
        namespace: &str,
        kind: &'static str,
        wrap: fn(Event<Arc<K>>) -> Change,
    ) -> BoxStream<'static, Change>
    where
        K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + std::fmt::Debug
            + serde::de::DeserializeOwned
            + Send
            + 'static,
    {
        let api: Api<K> = Api::namespaced(client.clone(), namespace);
        watcher::watcher(api, watcher::Config::default())
            .backoff(super::outage::backoff())
            .map(move |r| match r {
                Ok(e) => wrap(shared(e.modify(forget_bookkeeping))),
                Err(e) => {
                    tracing::debug!("{kind} watch: {e}");
                    Change::Trouble(WatchTrouble::from_error(kind, &e))
                }
            })
            .boxed()
    }
    futures::stream::select_all([
        one(client, namespace, "pods", Change::Pod),
        one(client, namespace, "deployments", Change::Deployment),
        one(client, namespace, "replicasets", Change::ReplicaSet),
        one(client, namespace, "statefulsets", Change::StatefulSet),
        one(client, namespace, "services", Change::Service),
        one(client, namespace, "endpoints", Change::Endpoints),
        one(client, namespace, "persistentvolumeclaims", Change::Claim),
        one(client, namespace, "configmaps", Change::ConfigMap),
        one(client, namespace, "serviceaccounts", Change::ServiceAccount),
        one(client, namespace, "roles", Change::Role),
        one(client, namespace, "rolebindings", Change::RoleBinding),
        one(client, namespace, "events", Change::Event),
    ])
    .boxed()
}

/// Drops what no panel or check reads but every object carries: `managedFields` (often
/// the largest part of a pod) and kubectl's last-applied copy of the whole object. At
/// 1,000 pods this is most of the wizard's memory.
fn forget_bookkeeping<K: Resource>(object: &mut K) {
    let meta = object.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

/// The same event with its object behind an `Arc`.
fn shared<K>(event: Event<K>) -> Event<Arc<K>> {
    match event {
        Event::Apply(o) => Event::Apply(Arc::new(o)),
        Event::Delete(o) => Event::Delete(Arc::new(o)),
        Event::Init => Event::Init,
        Event::InitApply(o) => Event::InitApply(Arc::new(o)),
        Event::InitDone => Event::InitDone,
    }
}

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

/// Everything the wizard follows in its namespace.
#[derive(Debug, Clone, Default)]
pub struct ClusterView {
    pub pods: Cache<Pod>,
    pub deployments: Cache<Deployment>,
    pub replica_sets: Cache<ReplicaSet>,
    pub stateful_sets: Cache<StatefulSet>,
    pub services: Cache<Service>,
    pub endpoints: Cache<Endpoints>,
    pub claims: Cache<PersistentVolumeClaim>,
    pub config_maps: Cache<ConfigMap>,
    pub service_accounts: Cache<ServiceAccount>,
    pub roles: Cache<Role>,
    pub role_bindings: Cache<RoleBinding>,
    pub events: Cache<K8sEvent>,
    /// The last watch error and since when watches have failed, until the next
    /// successful event.
    pub trouble: Option<Outage>,
    /// One bit per followed kind whose first list has completed.
    listed: u16,
}

impl ClusterView {
    /// Whether every followed kind has been listed once: from then on, an object that
    /// appears was created while we watched (its creation is seen, not found).
    pub fn has_listed_every_kind(&self) -> bool {
        self.listed.count_ones() == Change::KINDS
    }

    /// Folds one change in; returns whether anything visible changed.
    pub fn apply(&mut self, change: Change) -> bool {
        if let Some(kind) = change.init_done_kind() {
            self.listed |= 1 << kind;
        }
        let changed = match change {
            Change::Pod(e) => self.pods.apply(e),
            Change::Deployment(e) => self.deployments.apply(e),
            Change::ReplicaSet(e) => self.replica_sets.apply(e),
            Change::StatefulSet(e) => self.stateful_sets.apply(e),
            Change::Service(e) => self.services.apply(e),
            Change::Endpoints(e) => self.endpoints.apply(e),
            Change::Claim(e) => self.claims.apply(e),
            Change::ConfigMap(e) => self.config_maps.apply(e),
            Change::ServiceAccount(e) => self.service_accounts.apply(e),
            Change::Role(e) => self.roles.apply(e),
            Change::RoleBinding(e) => self.role_bindings.apply(e),
            Change::Event(e) => self.events.apply(e),
            Change::Trouble(t) => {
                let since = self.trouble.as_ref().and_then(|o| o.since);
                let changed = self.trouble.as_ref().map(|o| &o.trouble) != Some(&t);
                self.trouble = Some(Outage { trouble: t, since });
                return changed;
            }
        };
        let cleared = self.trouble.take().is_some();
        changed || cleared
    }
}

impl ClusterView {
    /// Whether the view already holds `kind`/`name` at `resource_version` or later, so a
    /// check never judges state older than our own write. Kinds the view does not follow
    /// count as seen. resourceVersions are compared as numbers when both are numbers (as
    /// etcd revisions are); otherwise only equality counts.
    pub fn has_seen(&self, kind: &str, name: &str, resource_version: &str) -> bool {
        let current = match kind {
            "Pod" => self.pods.get(name).map(|o| &o.metadata),
            "Deployment" => self.deployments.get(name).map(|o| &o.metadata),
            "ReplicaSet" => self.replica_sets.get(name).map(|o| &o.metadata),
            "StatefulSet" => self.stateful_sets.get(name).map(|o| &o.metadata),
            "Service" => self.services.get(name).map(|o| &o.metadata),
            "Endpoints" => self.endpoints.get(name).map(|o| &o.metadata),
            "PersistentVolumeClaim" => self.claims.get(name).map(|o| &o.metadata),
            "ConfigMap" => self.config_maps.get(name).map(|o| &o.metadata),
            "ServiceAccount" => self.service_accounts.get(name).map(|o| &o.metadata),
            "Role" => self.roles.get(name).map(|o| &o.metadata),
            "RoleBinding" => self.role_bindings.get(name).map(|o| &o.metadata),
            _ => return true,
        };
        let Some(seen) = current.and_then(|m| m.resource_version.as_deref()) else {
            return false;
        };
        match (seen.parse::<u64>(), resource_version.parse::<u64>()) {
            (Ok(seen), Ok(wanted)) => seen >= wanted,
            _ => seen == resource_version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_view_has_seen_a_write_once_it_holds_that_version_or_a_later_one() {
        let mut view = ClusterView::default();
        assert!(!view.has_seen("Pod", "a", "10"));
        let mut p = pod("a");
        p.metadata.resource_version = Some("12".into());
        view.apply(Change::Pod(Event::Apply(p.into())));
        assert!(view.has_seen("Pod", "a", "10"));
        assert!(view.has_seen("Pod", "a", "12"));
        assert!(!view.has_seen("Pod", "a", "13"));
        assert!(view.has_seen("Secret", "anything", "99"));
    }

    #[test]
    fn objects_are_kept_without_managed_fields_or_the_last_applied_copy() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;
        let mut p = pod("a");
        p.metadata.managed_fields = Some(vec![ManagedFieldsEntry::default()]);
        p.metadata.annotations = Some(BTreeMap::from([
            (
                "kubectl.kubernetes.io/last-applied-configuration".to_string(),
                "{}".to_string(),
            ),
            ("keep".to_string(), "me".to_string()),
        ]));
        forget_bookkeeping(&mut p);
        assert!(p.metadata.managed_fields.is_none());
        assert_eq!(
            p.metadata.annotations.unwrap().keys().collect::<Vec<_>>(),
            vec!["keep"]
        );
    }

    #[test]
    fn deleting_an_unknown_object_changes_nothing() {
        let mut cache: Cache<Pod> = Cache::default();
        assert!(!cache.apply(Event::Delete(pod("ghost").into())));
    }

    #[test]
    fn watch_trouble_shows_until_the_next_event() {
        let mut view = ClusterView::default();
        let refused = || {
            Change::Trouble(WatchTrouble {
                kind: "pods",
                cause: crate::cluster::outage::Cause::Unreachable,
                detail: "connection refused".into(),
            })
        };
        assert!(view.apply(refused()));
        assert!(!view.apply(refused()));
        assert!(view.apply(Change::Pod(Event::Apply(pod("a").into()))));
        assert!(view.trouble.is_none());
    }
}
