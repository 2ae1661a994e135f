//! P19's evidence: an ingress NetworkPolicy keeps EMQX pods from each other's Erlang
//! distribution port. Kept deliberately narrow — it reads the namespace's policies the
//! engine listed and says which select a pod while none of those selecting it has a rule
//! admitting port 4370 (from any source). Sources (`from`) are not judged here: a rule
//! that admits 4370 to someone is taken as admitting the cluster, so the evidence never
//! claims a block it cannot see. A named port is taken as admitting too (the watched
//! pods carry no container ports to resolve it against).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::ResourceExt;

use crate::view::WatchedPod;

/// The distribution port of a node named `emqx@…` (ekka_dist: 4370 + the short name's
/// trailing integer, which 5.x names do not have).
pub const DIST_PORT: i32 = 4370;

/// The names of the ingress policies selecting `pod`, when none of them admits
/// [`DIST_PORT`]; None when no policy selects it or one admits the port.
pub fn blocking(policies: &[NetworkPolicy], pod: &WatchedPod) -> Option<Vec<String>> {
    let ns = pod.metadata.namespace.as_deref();
    let selecting: Vec<&NetworkPolicy> = policies
        .iter()
        .filter(|p| ns.is_none() || p.metadata.namespace.as_deref() == ns)
        .filter(|p| governs_ingress(p))
        .filter(|p| {
            p.spec.as_ref().is_some_and(|s| {
                s.pod_selector
                    .as_ref()
                    .is_none_or(|sel| selects(sel, pod.labels()))
            })
        })
        .collect();
    if selecting.is_empty() || selecting.iter().any(|p| admits_dist_port(p)) {
        return None;
    }
    Some(selecting.iter().map(|p| p.name_any()).collect())
}

fn governs_ingress(p: &NetworkPolicy) -> bool {
    match p.spec.as_ref().and_then(|s| s.policy_types.as_ref()) {
        Some(types) => types.iter().any(|t| t == "Ingress"),
        None => true,
    }
}

fn admits_dist_port(p: &NetworkPolicy) -> bool {
    let rules = p.spec.as_ref().and_then(|s| s.ingress.as_ref());
    rules.is_some_and(|rules| {
        rules.iter().any(|r| match &r.ports {
            None => true,
            Some(ports) if ports.is_empty() => true,
            Some(ports) => ports.iter().any(port_admits),
        })
    })
}

fn port_admits(p: &NetworkPolicyPort) -> bool {
    if p.protocol.as_deref().is_some_and(|proto| proto != "TCP") {
        return false;
    }
    match &p.port {
        None => true,
        Some(IntOrString::Int(start)) => {
            let end = p.end_port.unwrap_or(*start);
            (*start..=end).contains(&DIST_PORT)
        }
        Some(IntOrString::String(_)) => true,
    }
}

/// matchLabels and matchExpressions as Kubernetes reads them (`{}` selects every pod).
fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_labels = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expressions = selector.match_expressions.iter().flatten().all(|e| {
        let value = labels.get(&e.key);
        let values = e.values.as_deref().unwrap_or_default();
        match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    by_labels && by_expressions
}

#[cfg(test)]
#[path = "cluster_ports_tests.rs"]
mod tests;
