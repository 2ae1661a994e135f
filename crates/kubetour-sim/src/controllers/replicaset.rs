//! The ReplicaSet controller: keeps `spec.replicas` active pods (named
//! `<rs>-<5 random chars>`), deleting the least valuable first when there are too many,
//! and reports replicas / fullyLabeled / ready / available in status.

use std::cmp::Reverse;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{Event, Recorder, Reporter};
use super::gc::{Propagation, delete_object};
use super::gc_owners::Owners;
use super::names;
use super::podspec::{invalid_pod, pod_from_template};
use super::queue::Reconciler;
use crate::resources::Res;
use crate::store::{EventType, Store, StoreError, WatchEvent};

type Key = (String, String);

pub struct ReplicaSetController {
    pub recorder: Arc<Recorder>,
    /// Which pods name which owner, kept from the pod events (see `gc_owners`): a
    /// reconcile reads its own pods, not a copy of every pod in the namespace.
    pods: Owners,
}

fn reporter() -> Reporter {
    Reporter::Classic {
        component: "replicaset-controller",
        host: None,
    }
}

/// The active pods a workload controls (by controller ownerReference uid).
pub fn owned_pods(store: &Store, owner: &Value, kind: &str) -> Vec<Value> {
    let uid = names::uid(owner);
    store
        .list(Res::Pod, Some(names::namespace(owner)))
        .0
        .into_iter()
        .filter(|p| names::controller_uid(p, kind) == Some(uid))
        .collect()
}

/// The active-or-not pods a ReplicaSet controls, from the controller's index.
fn controlled(store: &Store, index: &Owners, rs: &Value) -> Vec<Value> {
    let uid = names::uid(rs);
    index
        .dependents(store, names::namespace(rs), uid)
        .into_iter()
        .filter(|(res, p)| *res == Res::Pod && names::controller_uid(p, "ReplicaSet") == Some(uid))
        .map(|(_, p)| p)
        .collect()
}

impl Reconciler for ReplicaSetController {
    type Key = Key;

    fn keys_for(&mut self, _store: &Store, event: &WatchEvent) -> Vec<Key> {
        if event.res == Res::Pod {
            self.pods
                .observe(Res::Pod, &event.object, event.kind == EventType::Deleted);
        }
        names::owner_key(event, Res::ReplicaSet, Res::Pod, "ReplicaSet")
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        self.pods.rebuild(store, Some(Res::Pod));
        names::keys_of(store, Res::ReplicaSet)
    }

    fn reconcile(&mut self, store: &Arc<Store>, (ns, name): &Key) -> Option<Duration> {
        let rs = store.get(Res::ReplicaSet, ns, name)?;
        if names::is_deleting(&rs) {
            return None;
        }
        if !names::has_containers(&rs) {
            return None;
        }
        let want = names::int_at(&rs, "/spec/replicas").unwrap_or(1).max(0) as usize;
        let active: Vec<Value> = controlled(store, &self.pods, &rs)
            .into_iter()
            .filter(names::pod_is_active)
            .collect();
        let scaled = active.len() != want;
        if active.len() < want {
            for _ in active.len()..want {
                self.create_pod(store, &rs);
            }
        } else if active.len() > want {
            let mut ranked = active;
            ranked.sort_by_cached_key(deletion_rank);
            for pod in ranked.iter().take(ranked.len() - want) {
                delete_object(
                    store,
                    Res::Pod,
                    ns,
                    names::name(pod),
                    Propagation::Background,
                );
                self.recorder.record(
                    &rs,
                    &reporter(),
                    Event::normal(
                        "SuccessfulDelete",
                        format!("Deleted pod: {}", names::name(pod)),
                    ),
                );
            }
        }
        // Pods just created or marked for deletion have not come back as events yet:
        // after scaling, status counts from the store itself, as it did before the index.
        let pods = if scaled {
            owned_pods(store, &rs, "ReplicaSet")
        } else {
            controlled(store, &self.pods, &rs)
        };
        write_status(store, &rs, pods);
        None
    }
}

impl ReplicaSetController {
    pub fn new(recorder: Arc<Recorder>) -> ReplicaSetController {
        ReplicaSetController {
            recorder,
            pods: Owners::default(),
        }
    }

    fn create_pod(&self, store: &Store, rs: &Value) {
        create_pod_from_template(
            store,
            &self.recorder,
            &reporter(),
            rs,
            "apps/v1",
            "ReplicaSet",
        );
    }
}

/// Creates one pod `<owner>-<5 random chars>` from `owner`'s `spec.template`, as the
/// ReplicaSet and Job controllers do, recording SuccessfulCreate or FailedCreate.
pub fn create_pod_from_template(
    store: &Store,
    recorder: &Recorder,
    reporter: &Reporter,
    owner: &Value,
    api_version: &str,
    kind: &str,
) {
    let prefix = format!("{}-", names::name(owner));
    for _ in 0..8 {
        let name = format!("{prefix}{}", names::random_suffix(5));
        let pod = pod_from_template(
            &owner["spec"]["template"],
            names::namespace(owner),
            &name,
            &prefix,
            names::controller_ref(owner, api_version, kind),
            &[],
        );
        let refused = invalid_pod(&pod)
            .or_else(|| crate::workloads::accounts::missing_service_account(store, &pod, &prefix));
        if let Some(invalid) = refused {
            recorder.record(
                owner,
                reporter,
                Event::warning("FailedCreate", format!("Error creating: {invalid}")),
            );
            return;
        }
        match store.create(Res::Pod, pod) {
            Ok(_) => {
                recorder.record(
                    owner,
                    reporter,
                    Event::normal("SuccessfulCreate", format!("Created pod: {name}")),
                );
                return;
            }
            Err(StoreError::AlreadyExists { .. }) => continue,
            Err(_) => return,
        }
    }
}

type Rank = (
    bool,
    u8,
    bool,
    Reverse<String>,
    Reverse<i64>,
    Reverse<String>,
);

/// Sort key: the pods to delete first sort first (the real controller's order:
/// unscheduled, then pending, then not ready, then most recently ready, most restarts,
/// newest).
fn deletion_rank(pod: &Value) -> Rank {
    let assigned = names::str_at(pod, "/spec/nodeName").is_some_and(|n| !n.is_empty());
    let phase = match names::pod_phase(pod) {
        "Pending" => 0,
        "Running" => 2,
        _ => 1,
    };
    let ready = names::pod_is_ready(pod);
    let ready_since = pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")
        .and_then(|c| c["lastTransitionTime"].as_str())
        .unwrap_or("")
        .to_string();
    let restarts: i64 = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["restartCount"].as_i64())
        .sum();
    let created = names::str_at(pod, "/metadata/creationTimestamp")
        .unwrap_or("")
        .to_string();
    (
        assigned,
        phase,
        ready,
        Reverse(ready_since),
        Reverse(restarts),
        Reverse(created),
    )
}

/// Status from `pods`, the ReplicaSet's own pods as they are now.
fn write_status(store: &Store, rs: &Value, pods: Vec<Value>) {
    let pods: Vec<Value> = pods.into_iter().filter(names::pod_is_active).collect();
    let template_labels = rs["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let fully = pods
        .iter()
        .filter(|p| {
            let labels = names::labels(p);
            template_labels
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v))
        })
        .count();
    let ready = pods.iter().filter(|p| names::pod_is_ready(p)).count();
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": fully,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"],
    });
    // The real status omits zero counts (omitempty), except replicas.
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| k == "replicas" || v.as_i64() != Some(0));
    }
    store.mutate(
        Res::ReplicaSet,
        names::namespace(rs),
        names::name(rs),
        |r| {
            if names::uid(r) != names::uid(rs) || r["status"] == status {
                return false;
            }
            r["status"] = status;
            true
        },
    );
}
