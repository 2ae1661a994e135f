//! P19 as a manifest shows it: a NetworkPolicy that selects the EMQX pods for ingress
//! while no policy selecting them admits TCP 4370, the Erlang distribution port the
//! nodes join each other on. Like the diagnosis's evidence, a rule admitting 4370 from
//! any source counts as admitting the cluster, and a named port counts as admitting it.

use super::emqx::{emqx_containers, pod_spec};
use super::{Finding, LintSet, Obj, Rule};
use crate::track::ordered_yaml::Node;

pub const CLUSTER_PORTS_BLOCKED: Rule = Rule {
    id: "cluster-ports-blocked",
    pitfall: Some("P19"),
    check: cluster_ports_blocked,
};

const DIST_PORT: i64 = 4370;

fn namespace(obj: &Obj) -> &str {
    obj.body
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .unwrap_or("")
}

fn template_labels(workload: &Obj) -> Vec<(String, String)> {
    let labels = match workload.kind.as_str() {
        "Pod" => workload.body.path(&["metadata", "labels"]),
        _ => workload
            .body
            .path(&["spec", "template", "metadata", "labels"]),
    };
    labels
        .map(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

fn governs_ingress(policy: &Obj) -> bool {
    match policy.body.path(&["spec", "policyTypes"]) {
        Some(types) => types
            .as_list()
            .iter()
            .any(|t| t.as_str() == Some("Ingress")),
        None => true,
    }
}

/// matchLabels and matchExpressions against a pod template's labels; `{}` (or no
/// selector) selects every pod of the namespace.
fn selects(policy: &Obj, labels: &[(String, String)]) -> bool {
    let Some(sel) = policy.body.path(&["spec", "podSelector"]) else {
        return true;
    };
    let value = |k: &str| {
        labels
            .iter()
            .find(|(lk, _)| lk == k)
            .map(|(_, v)| v.as_str())
    };
    let by_labels = sel
        .get("matchLabels")
        .map(Node::as_map)
        .unwrap_or_default()
        .iter()
        .all(|(k, v)| value(k).is_some() && value(k) == v.as_str());
    let by_expressions = sel
        .get("matchExpressions")
        .map(Node::as_list)
        .unwrap_or_default()
        .iter()
        .all(|e| {
            let key = e.get("key").and_then(Node::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .map(Node::as_list)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .collect();
            let v = value(key);
            match e.get("operator").and_then(Node::as_str).unwrap_or("") {
                "In" => v.is_some_and(|v| values.contains(&v)),
                "NotIn" => v.is_none_or(|v| !values.contains(&v)),
                "Exists" => v.is_some(),
                "DoesNotExist" => v.is_none(),
                _ => false,
            }
        });
    by_labels && by_expressions
}

fn admits_dist_port(policy: &Obj) -> bool {
    let rules = policy
        .body
        .path(&["spec", "ingress"])
        .map(Node::as_list)
        .unwrap_or_default();
    rules.iter().any(|rule| {
        let ports = rule.get("ports").map(Node::as_list).unwrap_or_default();
        ports.is_empty()
            || ports.iter().any(|p| {
                if p.get("protocol")
                    .and_then(Node::as_str)
                    .is_some_and(|proto| proto != "TCP")
                {
                    return false;
                }
                match p.get("port") {
                    None => true,
                    Some(port) => match port.as_i64() {
                        Some(start) => {
                            let end = p.get("endPort").and_then(Node::as_i64).unwrap_or(start);
                            (start..=end).contains(&DIST_PORT)
                        }
                        None => port.as_str().is_some(),
                    },
                }
            })
    })
}

fn cluster_ports_blocked(set: &LintSet) -> Vec<Finding> {
    let policies: Vec<&Obj> = set
        .of_kind("NetworkPolicy")
        .filter(|p| governs_ingress(p))
        .collect();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for c in emqx_containers(set) {
        let w = c.workload;
        if pod_spec(w).is_none() || seen.contains(&(&w.kind, &w.name)) {
            continue;
        }
        seen.push((&w.kind, &w.name));
        let labels = template_labels(w);
        let selecting: Vec<&&Obj> = policies
            .iter()
            .filter(|p| namespace(p) == namespace(w) && selects(p, &labels))
            .collect();
        if selecting.is_empty() || selecting.iter().any(|p| admits_dist_port(p)) {
            continue;
        }
        for p in selecting {
            out.push(Finding::at(
                &CLUSTER_PORTS_BLOCKED,
                p,
                p.line_of_key("podSelector"),
                format!(
                    "NetworkPolicy {} selects the pods of {} {} for ingress and admits nothing on TCP {DIST_PORT}, the Erlang distribution port: with a CNI that enforces policies the nodes never reach each other",
                    p.name, w.kind, w.name
                ),
                "Add an ingress rule admitting TCP 4370 (4370 + N for nodes named emqxN@…) and gen_rpc 5369/5370 from the EMQX pods, or drop the policy",
            ));
        }
    }
    out
}
