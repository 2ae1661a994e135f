//! Node heartbeats as leases: a kubelet keeps one coordination.k8s.io/v1 Lease per node
//! in `kube-node-lease` (named after the node, owned by it, 40 s duration) and renews it
//! every 10 s. `kubectl describe node` reads it ("Lease: HolderIdentity … RenewTime").

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::micro_time;
use super::names;
use crate::resources::Res;
use crate::store::{Store, StoreError};

pub const NAMESPACE: &str = "kube-node-lease";
/// How often a kubelet renews its lease (nodeLeaseDurationSeconds 40 / 4).
const RENEW: Duration = Duration::from_secs(10);
const DURATION_SECONDS: i64 = 40;

fn lease_for(node: &Value, now: &str) -> Value {
    let name = names::name(node);
    json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "ownerReferences": [{
                "apiVersion": "v1",
                "kind": "Node",
                "name": name,
                "uid": names::uid(node),
            }],
        },
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": DURATION_SECONDS,
            "renewTime": now,
        },
    })
}

/// Creates or renews every node's lease once.
pub fn renew_all(store: &Store) {
    let now = micro_time(store.clock().now());
    for node in store.list(Res::Node, None).0 {
        let name = names::name(&node).to_string();
        let renewed = store.mutate(Res::Lease, NAMESPACE, &name, |lease| {
            lease["spec"]["renewTime"] = json!(now);
            true
        });
        if renewed.is_none() {
            match store.create(Res::Lease, lease_for(&node, &now)) {
                Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                Err(e) => tracing::warn!("creating the lease of node {name} failed: {e}"),
            }
        }
    }
}

/// Renews the leases every 10 s of simulated time, for as long as the task runs.
pub async fn heartbeat(store: Arc<Store>) {
    loop {
        renew_all(&store);
        tokio::time::sleep(store.clock().scaled(RENEW)).await;
    }
}
