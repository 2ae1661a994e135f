//! APIServices (apiregistration.k8s.io/v1): the real kube-aggregator registers one per
//! group version the server itself serves, labelled `automanaged: onstart`, with no
//! `spec.service` (shown as "Local") and an Available condition that is always True.
//! Seeded once at start, with the aggregator's default priorities.

use serde_json::{Value, json};

use crate::resources::Res;
use crate::store::{Store, StoreError};

/// (group priority minimum, version priority) as kube-apiserver's aggregator sets them
/// (DefaultGenericAPIServicePriorities).
fn priority(group: &str) -> (i64, i64) {
    match group {
        "" => (18000, 1),
        "apiregistration.k8s.io" => (18000, 15),
        "apps" => (17800, 15),
        "events.k8s.io" => (17750, 15),
        "authentication.k8s.io" => (17700, 15),
        "authorization.k8s.io" => (17600, 15),
        "autoscaling" => (17500, 15),
        "batch" => (17400, 15),
        "policy" => (17100, 15),
        "rbac.authorization.k8s.io" => (17000, 15),
        "storage.k8s.io" => (16800, 15),
        "coordination.k8s.io" => (16500, 15),
        "discovery.k8s.io" => (16200, 15),
        _ => (1000, 15),
    }
}

/// The APIService for a locally served group version.
pub fn local(group: &str, version: &str, now: &str) -> Value {
    let (group_priority, version_priority) = priority(group);
    let mut spec = json!({
        "group": group,
        "version": version,
        "groupPriorityMinimum": group_priority,
        "versionPriority": version_priority,
    });
    if group.is_empty()
        && let Some(map) = spec.as_object_mut()
    {
        // The core group's APIService has no group field (it is empty, so omitted).
        map.remove("group");
    }
    json!({
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {
            "name": format!("{version}.{group}"),
            "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"},
        },
        "spec": spec,
        "status": {"conditions": [{
            "type": "Available",
            "status": "True",
            "lastTransitionTime": now,
            "reason": "Local",
            "message": "Local APIServices are always available",
        }]},
    })
}

/// Registers every served group version (`groups`: "" for core).
pub fn seed(store: &Store, groups: &[&str]) {
    let now = store.clock().now_rfc3339();
    for group in groups {
        match store.create(Res::APIService, local(group, "v1", &now)) {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => tracing::error!("registering the APIService of {group:?} failed: {e}"),
        }
    }
}
