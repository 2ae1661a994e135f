//! Namespaces: every namespace gets its `default` ServiceAccount (the serviceaccount
//! controller) and the `kube-root-ca.crt` ConfigMap (the root-ca-cert-publisher, which
//! copies kube-system's); a namespace marked for deletion has its contents deleted,
//! then its `kubernetes` finalizer removed, then disappears.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::gc::{Propagation, delete_object};
use super::names;
use super::queue::Reconciler;
use crate::resources::{ALL, Res};
use crate::store::{EventType, Store, WatchEvent};

pub const ROOT_CA: &str = "kube-root-ca.crt";

/// Until the API server writes its real CA into kube-system/kube-root-ca.crt.
const PLACEHOLDER_CA: &str = "-----BEGIN CERTIFICATE-----\nTUlJQnNpbXVsYXRlZC1jbHVzdGVyLXBsYWNlaG9sZGVyLWNhLWNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n";

#[derive(Default)]
pub struct NamespaceController;

impl Reconciler for NamespaceController {
    type Key = String;

    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<String> {
        match event.res {
            Res::Namespace => vec![names::name(&event.object).to_string()],
            Res::ConfigMap
                if event.namespace == "kube-system" && names::name(&event.object) == ROOT_CA =>
            {
                self.all_keys(store)
            }
            Res::ServiceAccount | Res::ConfigMap => vec![event.namespace.clone()],
            _ if event.kind == EventType::Deleted && !event.namespace.is_empty() => {
                vec![event.namespace.clone()]
            }
            _ => Vec::new(),
        }
    }

    fn all_keys(&mut self, store: &Store) -> Vec<String> {
        store
            .list(Res::Namespace, None)
            .0
            .iter()
            .map(|n| names::name(n).to_string())
            .collect()
    }

    fn reconcile(&mut self, store: &Arc<Store>, ns: &String) -> Option<Duration> {
        let namespace = store.get(Res::Namespace, "", ns)?;
        if names::is_deleting(&namespace) {
            return terminate(store, &namespace);
        }
        ensure_contents(store, ns);
        None
    }
}

/// The `default` ServiceAccount and `kube-root-ca.crt` of one namespace.
pub fn ensure_contents(store: &Store, ns: &str) {
    if store.get(Res::ServiceAccount, ns, "default").is_none() {
        let _ = store.create(
            Res::ServiceAccount,
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "default", "namespace": ns}}),
        );
    }
    let ca = store
        .get(Res::ConfigMap, "kube-system", ROOT_CA)
        .and_then(|cm| cm["data"]["ca.crt"].as_str().map(String::from))
        .unwrap_or_else(|| PLACEHOLDER_CA.to_string());
    let data = json!({"ca.crt": ca});
    match store.get(Res::ConfigMap, ns, ROOT_CA) {
        None => {
            let _ = store.create(
                Res::ConfigMap,
                json!({
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {
                        "name": ROOT_CA, "namespace": ns,
                        "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."},
                    },
                    "data": data,
                }),
            );
        }
        Some(_) if ns == "kube-system" => {}
        Some(_) => {
            store.mutate(Res::ConfigMap, ns, ROOT_CA, |cm| {
                if cm["data"] == data {
                    return false;
                }
                cm["data"] = data.clone();
                true
            });
        }
    }
}

fn terminate(store: &Store, namespace: &Value) -> Option<Duration> {
    let ns = names::name(namespace).to_string();
    store.mutate(Res::Namespace, "", &ns, |n| {
        if n["status"]["phase"] == "Terminating" {
            return false;
        }
        n["status"]["phase"] = json!("Terminating");
        true
    });
    let mut remaining = 0;
    for info in ALL.iter().filter(|i| i.namespaced) {
        for o in store.list(info.res, Some(&ns)).0 {
            remaining += 1;
            delete_object(
                store,
                info.res,
                &ns,
                names::name(&o),
                Propagation::Background,
            );
        }
    }
    if remaining > 0 {
        // Pods in their grace period are still there; their removal wakes us too, but
        // look again anyway in case something lingers on a finalizer.
        return Some(store.clock().scaled(Duration::from_secs(5)));
    }
    let after = store.mutate(Res::Namespace, "", &ns, |n| {
        let Some(list) = n["spec"]["finalizers"].as_array_mut() else {
            return false;
        };
        let before = list.len();
        list.retain(|f| f != "kubernetes");
        list.len() != before
    })?;
    let spec_done = after["spec"]["finalizers"]
        .as_array()
        .is_none_or(Vec::is_empty);
    let meta_done = after["metadata"]["finalizers"]
        .as_array()
        .is_none_or(Vec::is_empty);
    if spec_done && meta_done {
        let _ = store.delete(Res::Namespace, "", &ns);
    }
    None
}
