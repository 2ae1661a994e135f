//! Pods as workload controllers create them. Controllers write to the store directly,
//! not through the API's admission, so the defaults admission would add (service
//! account, its token volume, tolerations, priority, QoS) are added here.

use serde_json::{Map, Value, json};

use super::names;

/// A new Pod from a workload's pod template.
pub fn pod_from_template(
    template: &Value,
    namespace: &str,
    name: &str,
    generate_name: &str,
    owner_ref: Value,
    extra_labels: &[(&str, String)],
) -> Value {
    let mut meta = template["metadata"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    meta.remove("creationTimestamp");
    let mut labels: Map<String, Value> = meta
        .get("labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in extra_labels {
        labels.insert((*k).to_string(), json!(v));
    }
    meta.insert("labels".into(), Value::Object(labels));
    meta.insert("name".into(), json!(name));
    meta.insert("generateName".into(), json!(generate_name));
    meta.insert("namespace".into(), json!(namespace));
    meta.insert("ownerReferences".into(), json!([owner_ref]));
    let mut spec = template["spec"].clone();
    default_pod_spec(&mut spec);
    let qos = qos_class(&spec);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": qos},
    })
}

/// The defaults the API server and the ServiceAccount admission plugin fill in.
pub fn default_pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        *spec = json!({});
    }
    let set_default = |spec: &mut Value, key: &str, value: Value| {
        if spec.get(key).is_none_or(Value::is_null) {
            spec[key] = value;
        }
    };
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "securityContext", json!({}));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    set_default(spec, "serviceAccountName", json!("default"));
    let account = spec["serviceAccountName"].clone();
    set_default(spec, "serviceAccount", account);
    set_default(spec, "priority", json!(0));
    set_default(spec, "enableServiceLinks", json!(true));
    set_default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    set_default(
        spec,
        "tolerations",
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300},
        ]),
    );
    if spec["automountServiceAccountToken"] != json!(false) {
        add_token_volume(spec);
    }
}

/// The projected `kube-api-access-xxxxx` volume every pod gets, mounted read-only at
/// /var/run/secrets/kubernetes.io/serviceaccount in every container.
fn add_token_volume(spec: &mut Value) {
    let already = spec["volumes"].as_array().is_some_and(|v| {
        v.iter().any(|v| {
            v["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("kube-api-access-"))
        })
    });
    if already {
        return;
    }
    let name = format!("kube-api-access-{}", names::random_suffix(5));
    let volume = json!({
        "name": name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace",
                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
            ],
            "defaultMode": 420,
        },
    });
    if !spec["volumes"].is_array() {
        spec["volumes"] = json!([]);
    }
    if let Some(volumes) = spec["volumes"].as_array_mut() {
        volumes.push(volume);
    }
    let mount = json!({"name": name, "readOnly": true,
                       "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"});
    if let Some(containers) = spec["containers"].as_array_mut() {
        for c in containers {
            if !c["volumeMounts"].is_array() {
                c["volumeMounts"] = json!([]);
            }
            if let Some(mounts) = c["volumeMounts"].as_array_mut() {
                mounts.push(mount.clone());
            }
        }
    }
}

/// BestEffort without any requests or limits; Guaranteed when every container's
/// requests equal its limits for cpu and memory; Burstable otherwise.
pub fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let has = |c: &Value, which: &str| {
        c["resources"][which]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    };
    if containers
        .iter()
        .all(|c| !has(c, "requests") && !has(c, "limits"))
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        ["cpu", "memory"].iter().all(|r| {
            let limit = &c["resources"]["limits"][r];
            !limit.is_null()
                && (c["resources"]["requests"][r].is_null()
                    || c["resources"]["requests"][r] == *limit)
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// What pod validation would reject in a controller-made pod: volume mounts that name
/// no volume. (A StatefulSet's template is not validated as a whole when the set is
/// created, so a mount that matches no claim template surfaces only here.)
/// `Pod "x" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"`.
pub fn invalid_pod(pod: &Value) -> Option<String> {
    let volumes: Vec<&str> = pod["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str())
        .collect();
    let mut errors = Vec::new();
    for (i, c) in pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, m) in c["volumeMounts"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = m["name"].as_str().unwrap_or("");
            if !volumes.contains(&name) {
                errors.push(format!(
                    "spec.containers[{i}].volumeMounts[{j}].name: Not found: \"{name}\""
                ));
            }
        }
    }
    let what = format!("Pod \"{}\" is invalid: ", names::name(pod));
    match errors.len() {
        0 => None,
        1 => Some(format!("{what}{}", errors[0])),
        _ => Some(format!("{what}[{}]", errors.join(", "))),
    }
}
