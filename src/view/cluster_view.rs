//! The namespace as the watches describe it: every followed kind, and whether the watches
//! are down.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, PersistentVolumeClaim, Service, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::runtime::watcher::Event;

use super::cache::Cache;
use super::change::Change;
use super::outage::Outage;
use super::{WatchedEvent, WatchedPod, kept_events};

/// Everything the wizard follows in its namespace.
#[derive(Debug, Clone, Default)]
pub struct ClusterView {
    pub pods: Cache<WatchedPod>,
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
    /// An hour's events, capped (see `view::kept_events`).
    pub events: Cache<WatchedEvent>,
    /// The last watch error and since when watches have failed, until the next
    /// successful event.
    pub trouble: Option<Outage>,
    /// One bit per followed kind whose first list has completed.
    listed: u16,
    /// How many pod changes have been folded (a relist counts once, when it is done):
    /// a reader holding an older copy of the view tells from this that the pods moved.
    pub pod_changes: u64,
    /// When events were last pruned by age (once a minute is enough for an hour's TTL).
    events_aged: Option<Timestamp>,
}

impl ClusterView {
    /// Whether every followed kind has been listed once: from then on, an object that
    /// appears was created while we watched (its creation is seen, not found).
    pub fn has_listed_every_kind(&self) -> bool {
        self.listed.count_ones() == Change::KINDS
    }

    /// Folds one change in, as seen at `now` (when an outage began); returns whether
    /// anything visible changed. This is the fold: the engine calls it once per watched
    /// change, and everyone else reads the view it leaves.
    pub fn fold(&mut self, change: Change, now: Timestamp) -> bool {
        let event = matches!(change, Change::Event(_));
        let mut changed = self.apply(change);
        if event
            && self
                .events_aged
                .is_none_or(|t| now.duration_since(t) >= jiff::SignedDuration::from_mins(1))
        {
            self.events_aged = Some(now);
            changed |= kept_events::prune(&mut self.events, Some(now));
        }
        if let Some(outage) = self.trouble.as_mut() {
            outage.since.get_or_insert(now);
        }
        changed
    }

    /// [`fold`](Self::fold) without a clock: for views that never see an outage (a
    /// one-off list, tests), `since` stays unset.
    pub fn apply(&mut self, change: Change) -> bool {
        if let Some(kind) = change.init_done_kind() {
            self.listed |= 1 << kind;
        }
        if let Change::Pod(Event::Apply(_) | Event::Delete(_) | Event::InitDone) = &change {
            self.pod_changes += 1;
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
            Change::Event(e) => {
                let changed = self.events.apply(e);
                if kept_events::over(&self.events) {
                    kept_events::prune(&mut self.events, None);
                }
                changed
            }
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
    /// The metadata of the `kind`/`name` the view holds now: `None` when the view does
    /// not follow `kind`, `Some(None)` when it follows it and holds no such object.
    pub fn metadata_of(&self, kind: &str, name: &str) -> Option<Option<&ObjectMeta>> {
        Some(match kind {
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
            _ => return None,
        })
    }

    /// Whether the view already holds `kind`/`name` at `resource_version` or later, so a
    /// check never judges state older than our own write. Kinds the view does not follow
    /// count as seen. resourceVersions are compared as numbers when both are numbers (as
    /// etcd revisions are); otherwise only equality counts.
    pub fn has_seen(&self, kind: &str, name: &str, resource_version: &str) -> bool {
        let Some(current) = self.metadata_of(kind, name) else {
            return true;
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
    use crate::view::named_pod as pod;
    use crate::view::outage::{Cause, WatchTrouble};

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
    fn watch_trouble_shows_until_the_next_event() {
        let mut view = ClusterView::default();
        let refused = || {
            Change::Trouble(WatchTrouble {
                kind: "pods",
                cause: Cause::Unreachable,
                detail: "connection refused".into(),
            })
        };
        assert!(view.apply(refused()));
        assert!(!view.apply(refused()));
        assert!(view.apply(Change::Pod(Event::Apply(pod("a").into()))));
        assert!(view.trouble.is_none());
    }

    #[test]
    fn an_outage_is_dated_by_its_first_failure_and_pods_count_once_listed() {
        let mut view = ClusterView::default();
        let lost = |detail: &str| {
            Change::Trouble(WatchTrouble {
                kind: "pods",
                cause: Cause::Unreachable,
                detail: detail.into(),
            })
        };
        let first: Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-12-04T12:00:05Z".parse().unwrap();
        view.fold(lost("refused"), first);
        view.fold(lost("reset"), later);
        assert_eq!(view.trouble.as_ref().and_then(|o| o.since), Some(first));
        view.fold(Change::Pod(Event::Init), later);
        view.fold(Change::Pod(Event::InitApply(pod("a").into())), later);
        assert_eq!(
            view.pod_changes, 0,
            "a relist in progress shows nothing new"
        );
        view.fold(Change::Pod(Event::InitDone), later);
        assert_eq!(view.pod_changes, 1);
        assert!(view.trouble.is_none());
    }
}
