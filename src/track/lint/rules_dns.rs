//! DNS discovery and the Service its record name must be.
//!
//! With `dns` discovery every node looks up `EMQX_CLUSTER__DNS__NAME` and joins the
//! nodes it finds there. Only a headless Service (`clusterIP: None`) has a record per
//! pod: a normal Service's name resolves to its one virtual IP (and its SRV record
//! names the Service, not the pods), so the nodes never find each other.

use super::emqx::{EmqxContainer, emqx_containers, pod_spec};
use super::input::{LintSet, Obj};
use super::{Finding, Rule};
use crate::track::ordered_yaml::Node;

pub const DNS_RECORD_NAME: Rule = Rule {
    id: "dns-record-name",
    pitfall: None,
    check: dns_record_name,
};

fn dns_record_name(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if c.strategy() != Some("dns") {
            continue;
        }
        let Some(setting) = c.get("EMQX_CLUSTER__DNS__NAME") else {
            continue;
        };
        let name = setting.value.as_deref().unwrap_or("");
        let Some(headless) = headless_service_of(set, &c) else {
            // The Service may live in a file not given to lint: nothing to compare with.
            continue;
        };
        let first = name.split('.').next().unwrap_or("");
        if first == headless.name {
            continue;
        }
        let expected = format!(
            "{}.{}.svc.cluster.local",
            headless.name,
            namespace_of(c.workload)
        );
        let why = match set.find("Service", first) {
            Some(s) if is_headless(s) => format!("Service {first} does not select these pods"),
            Some(_) => format!(
                "Service {first} is not headless: its name resolves to one virtual IP, not to the pods"
            ),
            None if name.is_empty() => "the name is empty".to_string(),
            None => format!("no Service {first} is deployed with these pods"),
        };
        out.push(Finding::at(
            &DNS_RECORD_NAME,
            setting.obj,
            setting.line(),
            format!(
                "EMQX_CLUSTER__DNS__NAME is `{name}`, but the EMQX pods of {} {} are published by the headless Service {}; {why}, so the nodes never find each other",
                c.workload.kind, c.workload.name, headless.name
            ),
            format!("Set EMQX_CLUSTER__DNS__NAME to `{expected}` (the headless Service's record)"),
        ));
    }
    out
}

/// The headless Service that publishes this workload's pods: a StatefulSet's
/// `serviceName` when that Service is headless, else any headless Service whose
/// selector matches the pod template's labels.
fn headless_service_of<'a>(set: &'a LintSet, c: &EmqxContainer<'_>) -> Option<&'a Obj> {
    let by_service_name = c
        .workload
        .body
        .path(&["spec", "serviceName"])
        .and_then(Node::as_str)
        .and_then(|n| set.find("Service", n))
        .filter(|s| is_headless(s));
    by_service_name.or_else(|| {
        set.of_kind("Service")
            .find(|s| is_headless(s) && selects(s, c.workload))
    })
}

pub fn is_headless(svc: &Obj) -> bool {
    svc.body.path(&["spec", "clusterIP"]).and_then(Node::as_str) == Some("None")
}

/// Whether a Service's selector picks the pods of this workload (every selector label
/// is on the pod template; an empty selector selects nothing, as in Kubernetes).
pub fn selects(svc: &Obj, workload: &Obj) -> bool {
    let selector = svc
        .body
        .path(&["spec", "selector"])
        .map(Node::as_map)
        .unwrap_or_default();
    let labels = match workload.kind.as_str() {
        "Pod" => workload.body.path(&["metadata", "labels"]),
        _ => workload
            .body
            .path(&["spec", "template", "metadata", "labels"]),
    };
    let labels = labels.map(Node::as_map).unwrap_or_default();
    pod_spec(workload).is_some()
        && !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
}

fn namespace_of(obj: &Obj) -> &str {
    obj.body
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .unwrap_or("default")
}
