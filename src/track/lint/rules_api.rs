//! Rules about Kubernetes API shapes: RBAC versions, storage, headless Services, exposure.

use super::emqx::{emqx_containers, pod_spec};
use super::input::LintSet;
use super::{Finding, Rule};
use crate::track::ordered_yaml::Node;

pub const RBAC_V1BETA1: Rule = Rule {
    id: "rbac-v1beta1",
    pitfall: Some("P2"),
    check: rbac_v1beta1,
};

fn rbac_v1beta1(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for obj in &set.objects {
        let (group, version) = obj
            .api_version
            .split_once('/')
            .unwrap_or(("", &obj.api_version));
        if group == "rbac.authorization.k8s.io" && version != "v1" {
            out.push(Finding::at(&RBAC_V1BETA1, obj, obj.line_of(&obj.api_version),
                format!("{} {} uses {}, which Kubernetes no longer serves (removed in 1.22: \"no matches for kind {} in version ...\")", obj.kind, obj.name, obj.api_version, obj.kind),
                "Use `apiVersion: rbac.authorization.k8s.io/v1`; the fields are the same"));
        }
        if group.starts_with("rbac.authorization.kubernetes.io") {
            out.push(Finding::at(&RBAC_V1BETA1, obj, obj.line_of(&obj.api_version),
                format!("{} {} uses the API group `{group}`, which does not exist", obj.kind, obj.name),
                "The RBAC group is `rbac.authorization.k8s.io`: use `apiVersion: rbac.authorization.k8s.io/v1`"));
        }
        let ref_group = obj
            .body
            .path(&["roleRef", "apiGroup"])
            .and_then(Node::as_str)
            .unwrap_or("");
        if ref_group.starts_with("rbac.authorization.kubernetes.io") {
            out.push(Finding::at(
                &RBAC_V1BETA1,
                obj,
                obj.line_of(ref_group),
                format!(
                    "{} {}: roleRef.apiGroup `{ref_group}` does not exist",
                    obj.kind, obj.name
                ),
                "Write `apiGroup: rbac.authorization.k8s.io`",
            ));
        }
    }
    out
}

pub const STORAGE_CLASS_ANNOTATION: Rule = Rule {
    id: "storage-class-annotation",
    pitfall: Some("P8"),
    check: storage_class_annotation,
};

fn storage_class_annotation(set: &LintSet) -> Vec<Finding> {
    const OLD: [&str; 2] = [
        "volume.alpha.kubernetes.io/storage-class",
        "volume.beta.kubernetes.io/storage-class",
    ];
    let mut out = Vec::new();
    for obj in &set.objects {
        let claims: Vec<&Node> = match obj.kind.as_str() {
            "PersistentVolumeClaim" => vec![&obj.body],
            "StatefulSet" => obj
                .body
                .path(&["spec", "volumeClaimTemplates"])
                .map(Node::as_list)
                .unwrap_or_default()
                .iter()
                .collect(),
            _ => continue,
        };
        for claim in claims {
            let annotations = claim
                .path(&["metadata", "annotations"])
                .map(Node::as_map)
                .unwrap_or_default();
            for (key, value) in annotations {
                if OLD.contains(&key.as_str()) {
                    let class = value.scalar_text().unwrap_or_default();
                    let effect = if key.contains("alpha") {
                        "has had no effect since Kubernetes 1.6: the default StorageClass is used instead"
                    } else {
                        "is deprecated since Kubernetes 1.8 and draws a warning"
                    };
                    out.push(Finding::at(&STORAGE_CLASS_ANNOTATION, obj, obj.line_of(key),
                        format!("{} {}: the annotation `{key}` {effect}", obj.kind, obj.name),
                        format!("Remove the annotation and write `storageClassName: {class}` in the claim's spec (or nothing, for the default class)")));
                }
            }
        }
    }
    out
}

pub const CLAIM_TEMPLATE_MOUNT: Rule = Rule {
    id: "claim-template-mount",
    pitfall: Some("P9"),
    check: claim_template_mount,
};

fn claim_template_mount(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for obj in set.of_kind("StatefulSet") {
        let names = |path: &[&str]| -> Vec<String> {
            obj.body
                .path(path)
                .map(Node::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(|t| {
                    t.path(&["metadata", "name"])
                        .or_else(|| t.get("name"))
                        .and_then(Node::as_str)
                        .map(str::to_string)
                })
                .collect()
        };
        let templates = names(&["spec", "volumeClaimTemplates"]);
        let volumes = names(&["spec", "template", "spec", "volumes"]);
        let containers = pod_spec(obj)
            .and_then(|s| s.get("containers"))
            .map(Node::as_list)
            .unwrap_or_default();
        let mounts: Vec<String> = containers
            .iter()
            .flat_map(|c| {
                c.get("volumeMounts")
                    .map(Node::as_list)
                    .unwrap_or_default()
                    .iter()
            })
            .filter_map(|m| m.get("name").and_then(Node::as_str).map(str::to_string))
            .collect();
        for mount in &mounts {
            if !templates.contains(mount) && !volumes.contains(mount) {
                let hint = if templates.is_empty() {
                    String::new()
                } else {
                    format!(" (claim templates: {})", templates.join(", "))
                };
                out.push(Finding::at(&CLAIM_TEMPLATE_MOUNT, obj, obj.line_of(&format!("name: {mount}")),
                    format!("StatefulSet {}: volumeMount `{mount}` matches no volume and no volumeClaimTemplate{hint}", obj.name),
                    "Name the volumeMount exactly like the volumeClaimTemplate (e.g. both `emqx-data`)"));
            }
        }
        for template in &templates {
            if !mounts.contains(template) {
                out.push(Finding::at(&CLAIM_TEMPLATE_MOUNT, obj, obj.line_of(&format!("name: {template}")),
                    format!("StatefulSet {}: volumeClaimTemplate `{template}` is not mounted by any container, so its claims are made but never used", obj.name),
                    format!("Add a volumeMount named `{template}` at EMQX's data directory (/opt/emqx/data)")));
            }
        }
    }
    out
}

pub const HEADLESS_SERVICE: Rule = Rule {
    id: "headless-service",
    pitfall: Some("P13"),
    check: headless_service,
};

fn headless_service(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for sts in set.of_kind("StatefulSet") {
        if !emqx_containers(set)
            .iter()
            .any(|c| std::ptr::eq(c.workload, sts))
        {
            continue;
        }
        let Some(service_name) = sts
            .body
            .path(&["spec", "serviceName"])
            .and_then(Node::as_str)
        else {
            continue;
        };
        let Some(svc) = set.find("Service", service_name) else {
            continue;
        };
        let cluster_ip = svc.body.path(&["spec", "clusterIP"]).and_then(Node::as_str);
        if cluster_ip != Some("None") {
            out.push(Finding::at(&HEADLESS_SERVICE, svc, svc.line_of_key("spec"),
                format!("Service {service_name} is the StatefulSet's serviceName but is not headless, so pods get no DNS names of their own"),
                "Set `clusterIP: None` on it"));
        }
        let publishes =
            svc.body.path(&["spec", "publishNotReadyAddresses"]) == Some(&Node::Bool(true));
        if !publishes {
            out.push(Finding::at(&HEADLESS_SERVICE, svc, svc.line_of_key("spec"),
                format!("Service {service_name}: without `publishNotReadyAddresses: true`, EMQX pods that are not Ready yet are invisible to discovery and have no DNS record; with persistent data a node is not Ready until it has found its peers, so they may never start"),
                "Add `publishNotReadyAddresses: true` to the headless Service's spec"));
        }
    }
    out
}

pub const DASHBOARD_EXPOSED: Rule = Rule {
    id: "dashboard-exposed",
    pitfall: Some("P10"),
    check: dashboard_exposed,
};

fn dashboard_exposed(set: &LintSet) -> Vec<Finding> {
    // EMQX 5 names the setting DEFAULT_PASSWORD; 4.x, DEFAULT_USER__PASSWORD.
    let password_set = emqx_containers(set).iter().any(|c| {
        c.get("EMQX_DASHBOARD__DEFAULT_PASSWORD").is_some()
            || c.get("EMQX_DASHBOARD__DEFAULT_USER__PASSWORD").is_some()
    });
    if password_set {
        return Vec::new();
    }
    let mut out = Vec::new();
    for svc in set.of_kind("Service") {
        let kind = svc
            .body
            .path(&["spec", "type"])
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP");
        if kind != "NodePort" && kind != "LoadBalancer" {
            continue;
        }
        let ports = svc
            .body
            .path(&["spec", "ports"])
            .map(Node::as_list)
            .unwrap_or_default();
        let dashboard = ports.iter().any(|p| {
            p.get("port").and_then(Node::as_i64) == Some(18083)
                || matches!(
                    p.get("targetPort").and_then(Node::scalar_text).as_deref(),
                    Some("dashboard" | "18083")
                )
        });
        if dashboard {
            out.push(Finding::at(&DASHBOARD_EXPOSED, svc, svc.line_of(kind),
                format!("Service {} exposes the EMQX dashboard outside the cluster ({kind}) while its login is still the default admin/public", svc.name),
                "Set EMQX_DASHBOARD__DEFAULT_PASSWORD (EMQX 4.x: EMQX_DASHBOARD__DEFAULT_USER__PASSWORD) from a Secret before exposing it, or keep the Service ClusterIP and use `kubectl port-forward`"));
        }
    }
    out
}
