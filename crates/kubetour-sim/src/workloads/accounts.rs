//! The ServiceAccount admission plugin's check on new pods: the pod's service account
//! (`default` unless `spec.serviceAccountName`) must exist in its namespace.
//!
//! `default` is let through while its namespace exists: the namespace controller creates
//! it a moment after the namespace, and the real plugin waits for it rather than refuse.

use serde_json::Value;

use crate::resources::Res;
use crate::store::Store;

/// The refusal message for a pod shown as `shown_name` (a ReplicaSet shows its
/// generateName prefix), or None when its service account exists.
pub fn missing_service_account(store: &Store, pod: &Value, shown_name: &str) -> Option<String> {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let sa = pod["spec"]["serviceAccountName"]
        .as_str()
        .or_else(|| pod["spec"]["serviceAccount"].as_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    if store.get(Res::ServiceAccount, ns, sa).is_some() || sa == "default" {
        return None;
    }
    Some(format!(
        "pods \"{shown_name}\" is forbidden: error looking up service account {ns}/{sa}: serviceaccount \"{sa}\" not found"
    ))
}
