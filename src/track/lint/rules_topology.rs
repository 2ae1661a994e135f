//! Rules about how EMQX pods, their settings and their Services fit together.

use super::emqx::{EmqxContainer, emqx_containers};
use super::input::{LintSet, Obj};
use super::{Finding, Rule};
use crate::emqx::discovery_keys::{self, strategy_key};
use crate::track::ordered_yaml::Node;

pub const CONFIGMAP_DISCOVERY_KEYS: Rule = Rule {
    id: "configmap-discovery",
    pitfall: Some("P6"),
    check: configmap_discovery_keys,
};

/// A ConfigMap that feeds EMQX pods but leaves out what k8s discovery needs: the pods
/// run, and never cluster.
fn configmap_discovery_keys(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        // Where the settings live: the ConfigMap the pods take, or else the workload's
        // own env when it already carries k8s discovery settings (clustering was meant,
        // the strategy that turns it on was left out). A workload with no discovery
        // settings at all is a single node on purpose (the early stages).
        let k8s_settings = c
            .settings
            .iter()
            .find(|s| s.name.starts_with("EMQX_CLUSTER__K8S__"));
        let workload = format!("{} {}", c.workload.kind, c.workload.name);
        let (holder, holder_line, holder_name, says) = match (
            c.configmaps.first().copied(),
            k8s_settings,
        ) {
            (Some(cm), _) => (
                cm,
                cm.line_of_key("data"),
                format!("ConfigMap {}", cm.name),
                format!(
                    "ConfigMap {} feeds the EMQX pods of {workload}, but neither it nor their env sets",
                    cm.name
                ),
            ),
            (None, Some(s)) if c.strategy().is_none() => (
                s.obj,
                s.line(),
                format!("the env of {workload}"),
                format!(
                    "{workload} sets k8s discovery in its env ({}), but not",
                    s.name
                ),
            ),
            (None, _) => continue,
        };
        let strategy = strategy_key(c.major());
        // The strategy under either version's name (the other name is another rule's).
        let missing = discovery_keys::missing(c.major(), |k| {
            if k == strategy {
                c.strategy()
            } else {
                c.get(k).map(|s| s.value.as_deref().unwrap_or(""))
            }
        });
        if missing.is_empty() {
            continue;
        }
        out.push(Finding::at(
            &CONFIGMAP_DISCOVERY_KEYS,
            holder,
            holder_line,
            format!(
                "{says} {}: the pods run, and never form a cluster",
                missing.join(", ")
            ),
            format!(
                "Add {} to {holder_name} (see EMQX.md's appendix for a complete set)",
                missing.join(", ")
            ),
        ));
    }
    out
}

pub const HOSTNAME_NEEDS_STATEFULSET: Rule = Rule {
    id: "hostname-needs-statefulset",
    pitfall: Some("P11"),
    check: hostname_needs_statefulset,
};

fn hostname_needs_statefulset(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if c.workload.kind == "StatefulSet" || !uses_hostname(&c) {
            continue;
        }
        let s = c.get("EMQX_CLUSTER__K8S__ADDRESS_TYPE");
        let (obj, line) = s.map_or((c.workload, c.workload.line_of_key("kind")), |s| {
            (s.obj, s.line())
        });
        out.push(Finding::at(&HOSTNAME_NEEDS_STATEFULSET, obj, line,
            format!("{} {} runs EMQX with `hostname` addressing, but its pods have no stable DNS name: the container exits at start-up without a word", c.workload.kind, c.workload.name),
            "Use `ip` addressing with a Deployment, or run EMQX as a StatefulSet with a headless Service"));
    }
    out
}

pub const SERVICE_NAME_IS_HEADLESS: Rule = Rule {
    id: "service-name",
    pitfall: Some("P18"),
    check: service_name_is_headless,
};

fn service_name_is_headless(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if c.workload.kind != "StatefulSet" || !uses_hostname(&c) {
            continue;
        }
        let expected = c
            .workload
            .body
            .path(&["spec", "serviceName"])
            .and_then(Node::as_str)
            .unwrap_or("");
        let Some(setting) = c.get("EMQX_CLUSTER__K8S__SERVICE_NAME") else {
            continue;
        };
        let actual = setting.value.as_deref().unwrap_or("");
        if actual != expected {
            out.push(Finding::at(&SERVICE_NAME_IS_HEADLESS, setting.obj, setting.line(),
                format!("EMQX_CLUSTER__K8S__SERVICE_NAME is `{actual}` but StatefulSet {} has serviceName `{expected}`: that Service's endpoints carry no hostnames and discovery crashes with {{badkey,<<\"hostname\">>}}", c.workload.name),
                format!("Set EMQX_CLUSTER__K8S__SERVICE_NAME to `{expected}`")));
        }
    }
    out
}

fn uses_hostname(c: &EmqxContainer) -> bool {
    c.strategy() == Some("k8s") && c.value("EMQX_CLUSTER__K8S__ADDRESS_TYPE") == Some("hostname")
}

pub const LICENCE_FOR_CLUSTER: Rule = Rule {
    id: "licence",
    pitfall: Some("P16"),
    check: licence_for_cluster,
};

/// From EMQX 5.9 the free licence allows one node: a cluster needs a licence key.
fn licence_for_cluster(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        let Some(version) = c.version else { continue };
        if version < (5, 9) || c.replicas() <= 1 || c.get("EMQX_LICENSE__KEY").is_some() {
            continue;
        }
        let w: &Obj = c.workload;
        out.push(Finding::at(&LICENCE_FOR_CLUSTER, w, w.line_of(&c.image),
            format!("{} {} runs {} with {} replicas and no licence: from EMQX 5.9 the free licence allows a single node, and clustered nodes fail with SINGLE_NODE_LICENSE", w.kind, w.name, c.image, c.replicas()),
            "Use emqx/emqx:5.8.9 (the last Apache-2.0 release), or set EMQX_LICENSE__KEY"));
    }
    out
}

pub const VOLUME_PERMISSIONS: Rule = Rule {
    id: "volume-permissions",
    pitfall: None,
    check: volume_permissions,
};

/// EMQX runs as uid/gid 1000; a freshly provisioned volume is often owned by root.
fn volume_permissions(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        let w = c.workload;
        let has_claims = w
            .body
            .path(&["spec", "volumeClaimTemplates"])
            .is_some_and(|t| !t.as_list().is_empty());
        let fs_group = w
            .body
            .path(&["spec", "template", "spec", "securityContext", "fsGroup"])
            .is_some();
        if has_claims && !fs_group {
            out.push(Finding::at(
                &VOLUME_PERMISSIONS,
                w,
                w.line_of_key("volumeClaimTemplates"),
                format!("StatefulSet {} mounts new volumes for EMQX, which runs as uid/gid 1000, without a pod `fsGroup`: on many storage providers the volume is owned by root and EMQX cannot write its data", w.name),
                "Add `securityContext: {fsGroup: 1000}` to the pod template's spec, as the official charts do",
            ));
        }
    }
    out
}
