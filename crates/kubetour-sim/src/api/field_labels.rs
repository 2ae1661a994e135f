//! Field selectors as the real server evaluates them: each kind accepts a fixed set of
//! field labels (the field label conversion funcs of k8s.io/kubernetes
//! pkg/apis/core/v1/conversion.go, apps/v1 and batch/v1), anything else is a 400
//! "field label not supported: …", and each label's value is computed from the typed
//! object, so an unset bool reads "false" and an unset string reads "" (the registry's
//! `ToSelectableFields`, e.g. `strconv.FormatBool(node.Spec.Unschedulable)`).

use serde_json::Value;

use super::status::{ApiError, ApiResult};
use crate::resources::Res;

/// The labels every kind without its own conversion func accepts
/// (`DefaultMetaV1FieldSelectorConversion`).
const META: &[&str] = &["metadata.name", "metadata.namespace"];

/// Field labels a kind accepts.
pub fn supported(res: Res) -> &'static [&'static str] {
    match res {
        Res::Pod => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
            // Old v1 clients' name for spec.nodeName (converted by the real server).
            "spec.host",
        ],
        Res::Node => &["metadata.name", "spec.unschedulable"],
        Res::Namespace => &["status.phase", "metadata.name"],
        Res::Secret => &["type", "metadata.namespace", "metadata.name"],
        Res::Service => &[
            "metadata.namespace",
            "metadata.name",
            "spec.clusterIP",
            "spec.type",
        ],
        Res::Event => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "metadata.namespace",
            "metadata.name",
        ],
        Res::ReplicaSet => &["metadata.name", "metadata.namespace", "status.replicas"],
        Res::Job => &["metadata.name", "metadata.namespace", "status.successful"],
        Res::Endpoints
        | Res::ConfigMap
        | Res::ServiceAccount
        | Res::PersistentVolumeClaim
        | Res::PersistentVolume
        | Res::Deployment
        | Res::StatefulSet
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::StorageClass
        | Res::Lease
        | Res::NetworkPolicy
        | Res::CronJob
        | Res::APIService => META,
    }
}

/// Refuses a label the kind does not support, with the real server's message.
pub fn check(res: Res, label: &str) -> ApiResult<()> {
    if supported(res).contains(&label) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "field label not supported: {label}"
        )))
    }
}

fn text(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn boolean(object: &Value, pointer: &str) -> String {
    let set = object
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    set.to_string()
}

fn integer(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .to_string()
}

/// The value a (supported) label has on an object, as the typed object renders it.
pub fn value(res: Res, object: &Value, label: &str) -> String {
    match (res, label) {
        (Res::Node, "spec.unschedulable") => boolean(object, "/spec/unschedulable"),
        (Res::Pod, "spec.hostNetwork") => boolean(object, "/spec/hostNetwork"),
        (Res::Pod, "spec.host") => text(object, "/spec/nodeName"),
        // The registry reads the first of status.podIPs.
        (Res::Pod, "status.podIP") => text(object, "/status/podIPs/0/ip"),
        (Res::Pod, "status.podIPs") => object
            .pointer("/status/podIPs")
            .and_then(Value::as_array)
            .map(|ips| {
                ips.iter()
                    .filter_map(|ip| ip.get("ip").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
        (Res::ReplicaSet, "status.replicas") => integer(object, "/status/replicas"),
        (Res::Job, "status.successful") => integer(object, "/status/succeeded"),
        // An event's source is its component, or else the reporting controller.
        (Res::Event, "source") => {
            let component = text(object, "/source/component");
            if component.is_empty() {
                text(object, "/reportingComponent")
            } else {
                component
            }
        }
        _ => text(object, &format!("/{}", label.replace('.', "/"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_unset_bool_reads_false_and_unknown_labels_are_refused() {
        let node = json!({"metadata": {"name": "n1"}, "spec": {}});
        assert_eq!(value(Res::Node, &node, "spec.unschedulable"), "false");
        let cordoned = json!({"spec": {"unschedulable": true}});
        assert_eq!(value(Res::Node, &cordoned, "spec.unschedulable"), "true");
        let err = check(Res::Node, "status.phase").unwrap_err();
        assert_eq!(err.code, 400);
        assert!(check(Res::Node, "metadata.namespace").is_err());
        assert!(check(Res::Pod, "spec.hostNetwork").is_ok());
        let pod = json!({"status": {"podIPs": [{"ip": "10.0.0.1"}]}});
        assert_eq!(value(Res::Pod, &pod, "status.podIP"), "10.0.0.1");
        assert_eq!(value(Res::Pod, &pod, "spec.hostNetwork"), "false");
    }
}
