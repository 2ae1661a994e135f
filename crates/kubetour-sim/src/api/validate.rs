//! Validation as the real API server does it for the kinds the track uses, with the
//! same field paths and messages (compare real-apiserver/61..63-*.http).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::selector::LabelSelector;
use super::status::Cause;
use crate::resources::Res;

const SUBDOMAIN_RE: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const LABEL_RE: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1035_RE: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const CONFIG_KEY_RE: &str = "[-._a-zA-Z0-9]+";

fn full(re: &str) -> Regex {
    Regex::new(&format!("^(?:{re})$")).unwrap_or_else(|e| unreachable!("static regex: {e}"))
}

static SUBDOMAIN: LazyLock<Regex> = LazyLock::new(|| full(SUBDOMAIN_RE));
static LABEL: LazyLock<Regex> = LazyLock::new(|| full(LABEL_RE));
static DNS1035: LazyLock<Regex> = LazyLock::new(|| full(DNS1035_RE));
static CONFIG_KEY: LazyLock<Regex> = LazyLock::new(|| full(CONFIG_KEY_RE));

fn subdomain_error(name: &str) -> Option<String> {
    if name.len() > 253 {
        return Some("must be no more than 253 characters".into());
    }
    (!SUBDOMAIN.is_match(name)).then(|| format!(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SUBDOMAIN_RE}')"
    ))
}

fn label_error(name: &str) -> Option<String> {
    if name.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    (!LABEL.is_match(name)).then(|| format!(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{LABEL_RE}')"
    ))
}

fn dns1035_error(name: &str) -> Option<String> {
    if name.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    (!DNS1035.is_match(name)).then(|| format!(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '{DNS1035_RE}')"
    ))
}

fn name_rule(res: Res) -> fn(&str) -> Option<String> {
    match res {
        Res::Namespace => label_error,
        Res::Service => dns1035_error,
        Res::Role | Res::RoleBinding | Res::ClusterRole | Res::ClusterRoleBinding => |n: &str| {
            (n.contains('/') || n.contains('%') || n == "." || n == "..")
                .then(|| "may not contain '/' or '%'".to_string())
        },
        Res::Node
        | Res::Pod
        | Res::Endpoints
        | Res::ConfigMap
        | Res::Secret
        | Res::ServiceAccount
        | Res::PersistentVolumeClaim
        | Res::PersistentVolume
        | Res::Event
        | Res::Deployment
        | Res::ReplicaSet
        | Res::StatefulSet
        | Res::ControllerRevision
        | Res::StorageClass
        | Res::Job
        | Res::CronJob
        | Res::Lease
        | Res::NetworkPolicy => subdomain_error,
        // "v1.apps": a version, a dot, the group (an APIService's name rule).
        Res::APIService => subdomain_error,
    }
}

/// Field errors of `object` (`old` is the stored object on updates).
pub fn validate(res: Res, object: &Value, old: Option<&Value>) -> Vec<Cause> {
    let mut causes = Vec::new();
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if name.is_empty() {
        causes.push(Cause::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else if let Some(why) = name_rule(res)(name) {
        causes.push(Cause::invalid("metadata.name", &json!(name), &why));
    }
    match res {
        Res::Pod => pod_spec(object.get("spec"), "spec", false, &mut causes),
        Res::Deployment | Res::ReplicaSet | Res::StatefulSet => {
            workload(res, object, old, &mut causes);
        }
        Res::Service => service(object, old, &mut causes),
        Res::ConfigMap | Res::Secret => config_keys(object, &mut causes),
        Res::PersistentVolumeClaim => pvc(object, old, &mut causes),
        Res::Namespace
        | Res::Node
        | Res::Endpoints
        | Res::ServiceAccount
        | Res::PersistentVolume
        | Res::Event
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::StorageClass
        | Res::Lease
        | Res::NetworkPolicy
        | Res::APIService => {}
        Res::Job => super::batch::validate_job(object, old, &mut causes),
        Res::CronJob => super::batch::validate_cronjob(object, &mut causes),
    }
    causes
}

pub(super) fn pod_spec(spec: Option<&Value>, at: &str, template: bool, causes: &mut Vec<Cause>) {
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    match containers {
        None => causes.push(Cause::required(format!("{at}.containers"), "")),
        Some(cs) if cs.is_empty() => causes.push(Cause::required(format!("{at}.containers"), "")),
        Some(cs) => {
            let mut seen = Vec::new();
            for (i, c) in cs.iter().enumerate() {
                container(c, &format!("{at}.containers[{i}]"), &mut seen, causes);
            }
        }
    }
    if let Some(policy) = spec
        .and_then(|s| s.get("restartPolicy"))
        .and_then(Value::as_str)
    {
        let allowed: &[&str] = if template {
            &["Always"]
        } else {
            &["Always", "OnFailure", "Never"]
        };
        if !allowed.contains(&policy) {
            causes.push(Cause::not_supported(
                format!("{at}.restartPolicy"),
                &json!(policy),
                allowed,
            ));
        }
    }
}

pub(super) fn container(c: &Value, at: &str, seen: &mut Vec<String>, causes: &mut Vec<Cause>) {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        causes.push(Cause::required(format!("{at}.name"), ""));
    } else if let Some(why) = label_error(name) {
        causes.push(Cause::invalid(format!("{at}.name"), &json!(name), &why));
    } else if seen.iter().any(|s| s == name) {
        causes.push(Cause {
            reason: "FieldValueDuplicate",
            message: format!("Duplicate value: \"{name}\""),
            field: format!("{at}.name"),
        });
    } else {
        seen.push(name.to_string());
    }
    if c.get("image")
        .and_then(Value::as_str)
        .is_none_or(|i| i.trim().is_empty())
    {
        causes.push(Cause::required(format!("{at}.image"), ""));
    }
    for (j, p) in c
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let port = p.get("containerPort").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            causes.push(Cause::invalid(
                format!("{at}.ports[{j}].containerPort"),
                &json!(port),
                "must be between 1 and 65535, inclusive",
            ));
        }
    }
}

fn workload(res: Res, object: &Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
    let spec = object.get("spec");
    let replicas = spec
        .and_then(|s| s.get("replicas"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if replicas < 0 {
        causes.push(Cause::invalid(
            "spec.replicas",
            &json!(replicas),
            "must be greater than or equal to 0",
        ));
    }
    let selector = spec.and_then(|s| s.get("selector"));
    let labels = object.pointer("/spec/template/metadata/labels");
    match selector {
        None | Some(Value::Null) => causes.push(Cause::required("spec.selector", "")),
        Some(sel) => {
            let parsed = LabelSelector::from_object(sel);
            if parsed.is_empty() {
                causes.push(Cause::invalid(
                    "spec.selector",
                    &json!(sel),
                    "empty selector is invalid for deployment",
                ));
            } else if !parsed.matches_labels(labels) {
                causes.push(Cause::invalid(
                    "spec.template.metadata.labels",
                    labels.unwrap_or(&json!({})),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
    pod_spec(
        object.pointer("/spec/template/spec"),
        "spec.template.spec",
        true,
        causes,
    );
    let Some(old) = old else {
        return;
    };
    if old.pointer("/spec/selector") != selector && res != Res::StatefulSet {
        causes.push(Cause::invalid(
            "spec.selector",
            selector.unwrap_or(&Value::Null),
            "field is immutable",
        ));
    }
    if res == Res::StatefulSet {
        let strip = |v: Option<&Value>| {
            let mut v = v.cloned().unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                for k in [
                    "replicas",
                    "ordinals",
                    "template",
                    "updateStrategy",
                    "persistentVolumeClaimRetentionPolicy",
                    "minReadySeconds",
                ] {
                    m.remove(k);
                }
            }
            v
        };
        if strip(old.get("spec")) != strip(spec) {
            causes.push(Cause::forbidden(
                "spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            ));
        }
    }
}

fn service(object: &Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
    let spec = object.get("spec");
    let kind = spec
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    let allowed = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    if !allowed.contains(&kind) {
        causes.push(Cause::not_supported("spec.type", &json!(kind), &allowed));
    }
    let headless = spec
        .and_then(|s| s.get("clusterIP"))
        .and_then(Value::as_str)
        == Some("None");
    let ports = spec.and_then(|s| s.get("ports")).and_then(Value::as_array);
    if kind != "ExternalName" && !headless && ports.is_none_or(|p| p.is_empty()) {
        causes.push(Cause::required("spec.ports", ""));
    }
    for (i, p) in ports.into_iter().flatten().enumerate() {
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            causes.push(Cause::invalid(
                format!("spec.ports[{i}].port"),
                &json!(port),
                "must be between 1 and 65535, inclusive",
            ));
        }
        if ports.is_some_and(|all| all.len() > 1)
            && p.get("name")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            causes.push(Cause::required(format!("spec.ports[{i}].name"), ""));
        }
    }
    if let Some(old) = old {
        let before = old.pointer("/spec/clusterIP");
        let after = object.pointer("/spec/clusterIP");
        if before.is_some() && after.is_some() && before != after {
            causes.push(Cause::invalid(
                "spec.clusterIPs[0]",
                after.unwrap_or(&Value::Null),
                "may not change once set",
            ));
        }
    }
}

fn config_keys(object: &Value, causes: &mut Vec<Cause>) {
    for section in ["data", "binaryData", "stringData"] {
        for key in object
            .get(section)
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            if !CONFIG_KEY.is_match(key) {
                causes.push(Cause::invalid(
                    format!("{section}[{key}]"),
                    &json!(key),
                    &format!("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '{CONFIG_KEY_RE}')"),
                ));
            }
        }
    }
}

fn pvc(object: &Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
    let spec = object.get("spec");
    if spec
        .and_then(|s| s.get("accessModes"))
        .and_then(Value::as_array)
        .is_none_or(|a| a.is_empty())
    {
        causes.push(Cause::required(
            "spec.accessModes",
            "at least 1 access mode is required",
        ));
    }
    if object.pointer("/spec/resources/requests/storage").is_none() {
        causes.push(Cause::required("spec.resources[storage]", ""));
    }
    if let Some(old) = old {
        let strip = |v: Option<&Value>| {
            let mut v = v.cloned().unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                m.remove("resources");
                m.remove("volumeName");
                m.remove("volumeAttributesClassName");
            }
            v
        };
        if strip(old.get("spec")) != strip(spec) {
            causes.push(Cause::forbidden(
                "spec",
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_with_a_bad_name_and_no_image_has_two_causes() {
        let pod =
            json!({"metadata": {"name": "EMQX_Pod"}, "spec": {"containers": [{"name": "emqx"}]}});
        let causes = validate(Res::Pod, &pod, None);
        let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["metadata.name", "spec.containers[0].image"]);
        assert!(
            causes[0]
                .message
                .starts_with("Invalid value: \"EMQX_Pod\": a lowercase RFC 1123 subdomain")
        );
    }

    #[test]
    fn a_selector_must_match_the_template_labels() {
        let d = json!({"metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"app": "emqx"}},
            "template": {"metadata": {"labels": {"app": "emqx-other"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let causes = validate(Res::Deployment, &d, None);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].field, "spec.template.metadata.labels");
        assert_eq!(
            causes[0].message,
            "Invalid value: map[string]string{\"app\":\"emqx-other\"}: `selector` does not match template `labels`"
        );
    }

    #[test]
    fn statefulset_claim_templates_are_immutable() {
        let mk = |size: &str| {
            json!({"metadata": {"name": "s"}, "spec": {"selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
            "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": size}}}}]}})
        };
        assert!(validate(Res::StatefulSet, &mk("1Gi"), Some(&mk("1Gi"))).is_empty());
        let causes = validate(Res::StatefulSet, &mk("2Gi"), Some(&mk("1Gi")));
        assert_eq!(causes[0].reason, "FieldValueForbidden");
        assert_eq!(causes[0].field, "spec");
    }
}
