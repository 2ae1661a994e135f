//! Defaulting, as the real API server's scheme defaulters and create strategies fill
//! objects (compare real-apiserver/17-*.http): imagePullPolicy, terminationMessagePath,
//! dnsPolicy, strategy, revisionHistoryLimit, ... Defaults are idempotent: applying them
//! to an already defaulted object changes nothing (so a re-apply is a no-op).

use serde_json::{Map, Value, json};

use crate::resources::Res;

/// Sets `key` to `value` when absent (or null).
pub(super) fn or_insert(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get(key) {
        Some(v) if !v.is_null() => {}
        _ => {
            map.insert(key.to_string(), value);
        }
    }
}

fn obj_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    v.get_mut(key).and_then(Value::as_object_mut)
}

/// Scheme defaults for any write of `res` (create, update, patch, apply).
pub fn apply(res: Res, object: &mut Value) {
    match res {
        Res::Pod => {
            if let Some(spec) = object.get_mut("spec") {
                pod_spec(spec, false);
            }
        }
        Res::Deployment => {
            workload_template(object);
            if let Some(spec) = obj_mut(object, "spec") {
                or_insert(spec, "replicas", json!(1));
                or_insert(
                    spec,
                    "strategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
                );
                or_insert(spec, "revisionHistoryLimit", json!(10));
                or_insert(spec, "progressDeadlineSeconds", json!(600));
            }
        }
        Res::ReplicaSet => {
            workload_template(object);
            if let Some(spec) = obj_mut(object, "spec") {
                or_insert(spec, "replicas", json!(1));
            }
        }
        Res::StatefulSet => statefulset(object),
        Res::Service => service(object),
        Res::PersistentVolumeClaim => {
            if let Some(spec) = obj_mut(object, "spec") {
                or_insert(spec, "volumeMode", json!("Filesystem"));
            }
        }
        Res::PersistentVolume => {
            if let Some(spec) = obj_mut(object, "spec") {
                or_insert(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
                or_insert(spec, "volumeMode", json!("Filesystem"));
            }
        }
        Res::Secret => {
            if let Some(map) = object.as_object_mut() {
                or_insert(map, "type", json!("Opaque"));
            }
        }
        Res::Namespace => namespace(object),
        Res::StorageClass => {
            if let Some(map) = object.as_object_mut() {
                or_insert(map, "reclaimPolicy", json!("Delete"));
                or_insert(map, "volumeBindingMode", json!("Immediate"));
            }
        }
        Res::Node
        | Res::Endpoints
        | Res::ConfigMap
        | Res::ServiceAccount
        | Res::Event
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::Lease
        | Res::NetworkPolicy
        | Res::APIService => {}
        Res::Job => super::batch::job_defaults(object),
        Res::CronJob => super::batch::cronjob_defaults(object),
    }
}

/// What a create strategy resets: the status a new object starts with.
pub fn initial_status(res: Res, object: &Value) -> Option<Value> {
    match res {
        Res::Pod => Some(json!({"phase": "Pending", "qosClass": qos_class(object)})),
        Res::Deployment | Res::ReplicaSet => Some(json!({})),
        Res::StatefulSet => Some(json!({"replicas": 0, "availableReplicas": 0})),
        Res::Service => Some(json!({"loadBalancer": {}})),
        Res::PersistentVolumeClaim => Some(json!({"phase": "Pending"})),
        Res::PersistentVolume => Some(json!({"phase": "Pending"})),
        Res::Namespace => Some(json!({"phase": "Active"})),
        Res::Job | Res::CronJob | Res::APIService => Some(json!({})),
        Res::Node
        | Res::Endpoints
        | Res::ConfigMap
        | Res::Secret
        | Res::ServiceAccount
        | Res::Event
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::StorageClass
        | Res::Lease
        | Res::NetworkPolicy => None,
    }
}

/// Kinds whose status is written only through the status subresource.
pub fn has_status_subresource(res: Res) -> bool {
    initial_status(res, &Value::Null).is_some() || res == Res::Node
}

/// BestEffort unless some container asks for resources (enough for the track).
fn qos_class(pod: &Value) -> &'static str {
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    let any_resources = containers.into_iter().flatten().any(|c| {
        c.get("resources")
            .and_then(Value::as_object)
            .is_some_and(|r| {
                r.values()
                    .any(|v| v.as_object().is_some_and(|m| !m.is_empty()))
            })
    });
    if !any_resources {
        return "BestEffort";
    }
    let all_guaranteed = containers.into_iter().flatten().all(|c| {
        let limits = c.pointer("/resources/limits");
        let requests = c.pointer("/resources/requests");
        limits.is_some() && (requests.is_none() || requests == limits)
    });
    if all_guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn namespace(object: &mut Value) {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(meta) = obj_mut(object, "metadata") {
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.insert("kubernetes.io/metadata.name".into(), json!(name));
        }
    }
    if let Some(map) = object.as_object_mut() {
        let spec = map.entry("spec").or_insert_with(|| json!({}));
        if let Some(s) = spec.as_object_mut() {
            or_insert(s, "finalizers", json!(["kubernetes"]));
        }
    }
}

pub(super) fn workload_template(object: &mut Value) {
    let Some(template) = object.pointer_mut("/spec/template") else {
        return;
    };
    if let Some(t) = template.as_object_mut() {
        let meta = t.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            // The real server shows a template's zero timestamp as null.
            m.entry("creationTimestamp").or_insert(Value::Null);
        }
    }
    if let Some(spec) = template.get_mut("spec") {
        pod_spec(spec, true);
    }
}

fn statefulset(object: &mut Value) {
    workload_template(object);
    let Some(spec) = obj_mut(object, "spec") else {
        return;
    };
    or_insert(spec, "replicas", json!(1));
    or_insert(spec, "podManagementPolicy", json!("OrderedReady"));
    or_insert(
        spec,
        "updateStrategy",
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
    );
    or_insert(spec, "revisionHistoryLimit", json!(10));
    or_insert(
        spec,
        "persistentVolumeClaimRetentionPolicy",
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
    );
    if let Some(templates) = spec
        .get_mut("volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for t in templates.iter_mut().filter_map(Value::as_object_mut) {
            or_insert(t, "apiVersion", json!("v1"));
            or_insert(t, "kind", json!("PersistentVolumeClaim"));
            let meta = t.entry("metadata").or_insert_with(|| json!({}));
            if let Some(m) = meta.as_object_mut()
                && !m.contains_key("creationTimestamp")
            {
                m.insert("creationTimestamp".into(), Value::Null);
            }
            if let Some(s) = t.get_mut("spec").and_then(Value::as_object_mut) {
                or_insert(s, "volumeMode", json!("Filesystem"));
            }
            or_insert(t, "status", json!({"phase": "Pending"}));
        }
    }
}

fn service(object: &mut Value) {
    let Some(spec) = obj_mut(object, "spec") else {
        return;
    };
    or_insert(spec, "type", json!("ClusterIP"));
    or_insert(spec, "sessionAffinity", json!("None"));
    let external_name = spec.get("type").and_then(Value::as_str) == Some("ExternalName");
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            or_insert(p, "protocol", json!("TCP"));
            if let Some(port) = p.get("port").cloned() {
                or_insert(p, "targetPort", port);
            }
        }
    }
    if !external_name {
        or_insert(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if matches!(
        spec.get("type").and_then(Value::as_str),
        Some("NodePort" | "LoadBalancer")
    ) {
        or_insert(spec, "externalTrafficPolicy", json!("Cluster"));
    }
}

fn container(c: &mut Map<String, Value>) {
    or_insert(c, "terminationMessagePath", json!("/dev/termination-log"));
    or_insert(c, "terminationMessagePolicy", json!("File"));
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    let last = image.rsplit('/').next().unwrap_or("");
    let policy = if image.contains('@') {
        "IfNotPresent"
    } else if !last.contains(':') || last.ends_with(":latest") {
        "Always"
    } else {
        "IfNotPresent"
    };
    or_insert(c, "imagePullPolicy", json!(policy));
    or_insert(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            or_insert(p, "protocol", json!("TCP"));
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(probe).and_then(Value::as_object_mut) {
            or_insert(p, "timeoutSeconds", json!(1));
            or_insert(p, "periodSeconds", json!(10));
            or_insert(p, "successThreshold", json!(1));
            or_insert(p, "failureThreshold", json!(3));
            if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
                or_insert(h, "path", json!("/"));
                or_insert(h, "scheme", json!("HTTP"));
            }
        }
    }
    if let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) {
        for e in env.iter_mut() {
            if let Some(f) = e
                .pointer_mut("/valueFrom/fieldRef")
                .and_then(Value::as_object_mut)
            {
                or_insert(f, "apiVersion", json!("v1"));
            }
        }
    }
}

/// Pod spec defaults; `template` skips what only admission adds to real pods.
pub fn pod_spec(spec: &mut Value, template: bool) {
    let Some(s) = spec.as_object_mut() else {
        return;
    };
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        if let Some(cs) = s.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                container(c);
            }
        }
    }
    if let Some(vols) = s.get_mut("volumes").and_then(Value::as_array_mut) {
        for v in vols.iter_mut().filter_map(Value::as_object_mut) {
            for source in ["configMap", "secret"] {
                if let Some(src) = v.get_mut(source).and_then(Value::as_object_mut) {
                    or_insert(src, "defaultMode", json!(420));
                }
            }
        }
    }
    or_insert(s, "restartPolicy", json!("Always"));
    or_insert(s, "terminationGracePeriodSeconds", json!(30));
    or_insert(s, "dnsPolicy", json!("ClusterFirst"));
    if !template {
        or_insert(s, "serviceAccountName", json!("default"));
    }
    if let Some(sa) = s.get("serviceAccountName").cloned() {
        or_insert(s, "serviceAccount", sa);
    }
    or_insert(s, "securityContext", json!({}));
    or_insert(s, "schedulerName", json!("default-scheduler"));
    if !template {
        or_insert(s, "enableServiceLinks", json!(true));
        or_insert(s, "priority", json!(0));
        or_insert(s, "preemptionPolicy", json!("PreemptLowerPriority"));
        let tolerations = s.entry("tolerations").or_insert_with(|| json!([]));
        if let Some(t) = tolerations.as_array_mut() {
            for key in [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable",
            ] {
                if !t
                    .iter()
                    .any(|x| x.get("key").and_then(Value::as_str) == Some(key))
                {
                    t.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_gets_the_defaults_the_real_server_fills() {
        let mut d = json!({"spec": {"selector": {}, "template": {"metadata": {"labels": {"app": "emqx"}},
            "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9",
                "ports": [{"containerPort": 1883}]}]}}}});
        apply(Res::Deployment, &mut d);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
        assert_eq!(d["spec"]["template"]["spec"]["securityContext"], json!({}));
        assert_eq!(
            d["spec"]["template"]["metadata"]["creationTimestamp"],
            Value::Null
        );
        assert!(d["spec"]["template"]["spec"].get("tolerations").is_none());
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let once = d.clone();
        apply(Res::Deployment, &mut d);
        assert_eq!(d, once, "defaults must be idempotent");
    }

    #[test]
    fn latest_or_untagged_images_are_always_pulled() {
        for (image, want) in [
            ("emqx", "Always"),
            ("emqx:latest", "Always"),
            ("host:5000/emqx", "Always"),
            ("emqx:5", "IfNotPresent"),
        ] {
            let mut c = json!({"image": image});
            container(c.as_object_mut().unwrap());
            assert_eq!(c["imagePullPolicy"], want, "{image}");
        }
    }
}
