//! The scheduler's VolumeBinding plugin: what a pod's claims say about where (and
//! whether) it can run. A Bound local volume pins the pod to the volume's node; a claim
//! of a WaitForFirstConsumer class waits for the scheduler to pick a node (annotation
//! `volume.kubernetes.io/selected-node`), which the provisioner then uses.

use serde_json::{Value, json};

use super::names;
use crate::resources::Res;
use crate::store::Store;

pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// What the pod's claims allow.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Claims {
    /// Why the pod fits no node (the scheduler's message fragment), if it does not.
    pub problem: Option<String>,
    /// The node a bound volume, or an earlier pick, ties the pod to.
    pub pinned: Option<String>,
    /// Claims waiting for a node to be picked (WaitForFirstConsumer).
    pub waiting: Vec<String>,
    /// Claims that are not Bound yet (waiting ones included).
    pub unbound: usize,
}

/// The class a claim uses: its own, or the default the admission plugin would set.
pub fn class_of(store: &Store, pvc: &Value) -> Option<Value> {
    let classes = store.list(Res::StorageClass, None).0;
    match claim_class(pvc) {
        Some(name) => classes.into_iter().find(|c| names::name(c) == name),
        None => default_class(&classes).cloned(),
    }
}

/// The class a claim asks for: the deprecated beta annotation still wins over
/// `storageClassName` (the alpha annotation is ignored), as in the real controller.
pub fn claim_class(pvc: &Value) -> Option<&str> {
    pvc["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]
        .as_str()
        .or_else(|| pvc["spec"]["storageClassName"].as_str())
}

pub fn default_class(classes: &[Value]) -> Option<&Value> {
    classes
        .iter()
        .find(|c| c["metadata"]["annotations"][DEFAULT_CLASS_ANNOTATION] == "true")
}

pub fn claim_names(pod: &Value) -> Vec<String> {
    pod["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| names::str_at(v, "/persistentVolumeClaim/claimName"))
        .map(String::from)
        .collect()
}

pub fn check(store: &Store, pod: &Value) -> Claims {
    let ns = names::namespace(pod);
    let mut out = Claims::default();
    for claim in claim_names(pod) {
        let Some(pvc) = store.get(Res::PersistentVolumeClaim, ns, &claim) else {
            out.problem = Some(format!("persistentvolumeclaim \"{claim}\" not found"));
            return out;
        };
        if names::is_deleting(&pvc) {
            out.problem = Some(format!(
                "persistentvolumeclaim \"{claim}\" is being deleted"
            ));
            return out;
        }
        if names::str_at(&pvc, "/status/phase") == Some("Bound") {
            if let Some(node) = names::str_at(&pvc, "/spec/volumeName")
                .and_then(|v| store.get(Res::PersistentVolume, "", v))
                .and_then(|pv| volume_node(&pv))
            {
                out.pinned = Some(node);
            }
            continue;
        }
        out.unbound += 1;
        let delayed =
            class_of(store, &pvc).is_some_and(|c| c["volumeBindingMode"] == "WaitForFirstConsumer");
        if !delayed {
            out.problem = Some("pod has unbound immediate PersistentVolumeClaims".into());
            return out;
        }
        if let Some(node) = pvc["metadata"]["annotations"][SELECTED_NODE].as_str() {
            out.pinned = Some(node.to_string());
        }
        out.waiting.push(claim);
    }
    out
}

/// The node a local volume lives on (its required node affinity on the hostname).
pub fn volume_node(pv: &Value) -> Option<String> {
    pv.pointer("/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/0/values/0")
        .and_then(Value::as_str)
        .map(String::from)
}

/// Records the picked node on claims waiting for one (the provisioner reads it).
pub fn select_node(store: &Store, ns: &str, claims: &[String], node: &str) {
    for claim in claims {
        store.mutate(Res::PersistentVolumeClaim, ns, claim, |c| {
            if !c["metadata"]["annotations"][SELECTED_NODE].is_null() {
                return false;
            }
            if !c["metadata"]["annotations"].is_object() {
                c["metadata"]["annotations"] = json!({});
            }
            c["metadata"]["annotations"][SELECTED_NODE] = json!(node);
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_beta_class_annotation_wins_and_the_alpha_one_is_ignored() {
        let beta = json!({"metadata": {"annotations": {"volume.beta.kubernetes.io/storage-class": "fast"}},
                          "spec": {"storageClassName": "slow"}});
        assert_eq!(claim_class(&beta), Some("fast"));
        let alpha = json!({"metadata": {"annotations": {"volume.alpha.kubernetes.io/storage-class": "fast"}},
                           "spec": {}});
        assert_eq!(claim_class(&alpha), None);
        let plain = json!({"spec": {"storageClassName": "slow"}});
        assert_eq!(claim_class(&plain), Some("slow"));
    }
}
