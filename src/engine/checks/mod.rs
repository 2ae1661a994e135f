//! A stage's checks as pure predicates over what the watches and probes have seen.
//! Each verdict says whether the condition holds and what was observed, so a timeout
//! can report "which condition failed, its last observed value".

use kube::ResourceExt;

use super::evidence::Evidence;
use crate::track::{ClaimSet, Condition, LabelSelector, PodTarget};
use crate::view::pod_row::PodRow;
use crate::view::{ClusterView, WatchedPod};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub met: bool,
    /// What was seen, in words: "2/3 pods Ready (emqx-deployment-x: ContainerCreating)".
    pub observed: String,
}

impl Verdict {
    fn new(met: bool, observed: impl Into<String>) -> Verdict {
        Verdict {
            met,
            observed: observed.into(),
        }
    }
}

/// Pods a target names, not being deleted, ordered by name.
pub fn target_pods<'a>(view: &'a ClusterView, target: &PodTarget) -> Vec<&'a WatchedPod> {
    view.pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| match target {
            PodTarget::Named(name) => p.name_any() == *name,
            PodTarget::Selected(selector) => selects(selector, *p),
        })
        .collect()
}

pub fn selects(selector: &LabelSelector, object: &impl ResourceExt) -> bool {
    let labels: Vec<(String, String)> = object
        .labels()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    selector.matches(&labels)
}

/// Evaluates one condition. Preflight-only conditions are decided by the preflight and
/// read as met here.
pub fn evaluate(
    condition: &Condition,
    view: &ClusterView,
    evidence: &Evidence,
    now: jiff::Timestamp,
) -> Verdict {
    match condition {
        Condition::PodsReady { pods, count } => pods_ready(view, pods, *count, now),
        Condition::DeploymentComplete { name } => deployment_complete(view, name),
        Condition::StatefulSetReady { name } => stateful_set_ready(view, name),
        Condition::PvcsBound { claims } => claims_bound(view, claims),
        Condition::ServiceEndpoints { name, count } => service_endpoints(view, name, *count),
        Condition::EmqxHttpStatus { service } => match evidence.http_status.get(service) {
            Some(Ok((200, body))) => Verdict::new(true, format!("200: {}", one_line(body))),
            Some(Ok((code, body))) => Verdict::new(false, format!("{code}: {}", one_line(body))),
            Some(Err(e)) => Verdict::new(false, e.clone()),
            None => Verdict::new(false, "not asked yet"),
        },
        Condition::EmqxStarted { pods } => emqx_started(view, evidence, pods),
        Condition::EmqxNodeNames { pods, pattern } => node_names(view, evidence, pods, pattern),
        Condition::EmqxCluster { pods, running } => {
            let names = names(&target_pods(view, pods));
            let m = evidence.membership(names.iter().map(String::as_str));
            let answered = answered(evidence, &names);
            let met = answered == names.len()
                && !names.is_empty()
                && m.is_one_cluster_of(*running as usize);
            // Naming the nodes lets the learner see what the names are made of (O15).
            let members = match m.clusters.as_slice() {
                [one] => format!(": {}", one.iter().cloned().collect::<Vec<_>>().join(", ")),
                _ => String::new(),
            };
            Verdict::new(
                met,
                format!(
                    "{}{members} ({answered}/{} pods answered){}",
                    m.summary(),
                    names.len(),
                    unanswered(evidence, &names)
                ),
            )
        }
        Condition::EmqxIslands { pods, count } => {
            let names = names(&target_pods(view, pods));
            let m = evidence.membership(names.iter().map(String::as_str));
            let answered = answered(evidence, &names);
            let met = answered == names.len()
                && m.clusters.len() == *count as usize
                && m.islands() == *count as usize;
            Verdict::new(
                met,
                format!(
                    "{} ({answered}/{} pods answered){}",
                    m.summary(),
                    names.len(),
                    unanswered(evidence, &names)
                ),
            )
        }
        Condition::EmqxStopped { pods, at_least } => {
            let names = names(&target_pods(view, pods));
            let best = names
                .iter()
                .filter_map(|n| evidence.pods.get(n)?.cluster.as_ref()?.as_ref().ok())
                .map(|s| s.stopped_nodes.len())
                .max();
            match best {
                Some(n) => Verdict::new(
                    n >= *at_least as usize,
                    format!("{n} stopped node(s) listed"),
                ),
                None => Verdict::new(
                    false,
                    format!(
                        "no pod answered `cluster status` yet{}",
                        unanswered(evidence, &names)
                    ),
                ),
            }
        }
        Condition::LogLine { pods, pattern } => {
            let pods = target_pods(view, pods);
            let with_line: Vec<&str> = pods
                .iter()
                .filter(|p| {
                    evidence
                        .pods
                        .get(&p.name_any())
                        .and_then(|e| e.log.as_ref())
                        .is_some_and(|log| log.lines().any(|l| pattern.0.is_match(l)))
                })
                .map(|p| p.metadata.name.as_deref().unwrap_or_default())
                .collect();
            // A log that could not be read says why (the probe keeps it in place of the log).
            let unread = pods
                .iter()
                .filter_map(|p| evidence.pods.get(&p.name_any())?.log.as_deref())
                .find(|l| l.starts_with("(could not read the log"))
                .map(|l| format!("; {}", l.trim_matches(['(', ')'])))
                .unwrap_or_default();
            Verdict::new(
                !pods.is_empty() && with_line.len() == pods.len(),
                format!(
                    "/{}/ in {} of {} pod logs{unread}",
                    pattern.0.as_str(),
                    with_line.len(),
                    pods.len()
                ),
            )
        }
        Condition::MqttDelivery { pods, expect, .. } => {
            super::delivery::verdict(view, evidence, pods, *expect)
        }
        Condition::NoForeignPods { .. }
        | Condition::DefaultStorageClass
        | Condition::MayCreateKinds => Verdict::new(true, "decided by the preflight"),
    }
}

fn names(pods: &[&WatchedPod]) -> Vec<String> {
    pods.iter().map(|p| p.name_any()).collect()
}

fn answered(evidence: &Evidence, names: &[String]) -> usize {
    names
        .iter()
        .filter(|n| {
            evidence
                .pods
                .get(*n)
                .and_then(|e| e.cluster.as_ref())
                .is_some_and(Result::is_ok)
        })
        .count()
}

/// Why pods did not answer `cluster status` (the first such pod): "; emqx-0: could
/// not run `emqx ctl cluster status` …", or nothing when all answered or none was asked.
fn unanswered(evidence: &Evidence, names: &[String]) -> String {
    names
        .iter()
        .find_map(|n| {
            let e = evidence.pods.get(n)?.cluster.as_ref()?.as_ref().err()?;
            Some(format!("; {n}: {e}"))
        })
        .unwrap_or_default()
}

fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join(" / ")
}

fn pods_ready(view: &ClusterView, target: &PodTarget, count: u32, now: jiff::Timestamp) -> Verdict {
    let pods = target_pods(view, target);
    let rows: Vec<PodRow> = pods.iter().map(|p| PodRow::from_pod_at(p, now)).collect();
    let ready = rows.iter().filter(|r| r.is_ready).count();
    let waiting: Vec<String> = rows
        .iter()
        .filter(|r| !r.is_ready)
        .map(|r| format!("{}: {}", r.name, r.status))
        .collect();
    let mut observed = format!("{ready}/{} pods Ready, {count} wanted", rows.len());
    if !waiting.is_empty() {
        observed.push_str(&format!(" ({})", waiting.join(", ")));
    }
    Verdict::new(
        rows.len() == count as usize && ready == rows.len(),
        observed,
    )
}

fn deployment_complete(view: &ClusterView, name: &str) -> Verdict {
    let Some(d) = view.deployments.get(name) else {
        return Verdict::new(false, format!("Deployment {name} not found"));
    };
    let want = d.spec.replicas.unwrap_or(1);
    let s = d.status.clone().unwrap_or_default();
    let generation_seen = s.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0);
    let updated = s.updated_replicas.unwrap_or(0);
    let available = s.available_replicas.unwrap_or(0);
    let total = s.replicas.unwrap_or(0);
    let met = generation_seen && updated == want && available == want && total == want;
    Verdict::new(
        met,
        format!("{available}/{want} available, {updated} up to date, {total} in total"),
    )
}

fn stateful_set_ready(view: &ClusterView, name: &str) -> Verdict {
    let Some(s) = view.stateful_sets.get(name) else {
        return Verdict::new(false, format!("StatefulSet {name} not found"));
    };
    let want = s.spec.replicas.unwrap_or(1);
    let st = s.status.clone().unwrap_or_default();
    let generation_seen = st.observed_generation.unwrap_or(0) >= s.metadata.generation.unwrap_or(0);
    let ready = st.ready_replicas.unwrap_or(0);
    let updated = st.updated_replicas.unwrap_or(0);
    let same_revision = st.current_revision.is_some() && st.current_revision == st.update_revision;
    let met =
        generation_seen && ready == want && st.replicas == want && updated == want && same_revision;
    Verdict::new(met, format!("{ready}/{want} ready, {updated} updated"))
}

fn claims_bound(view: &ClusterView, claims: &ClaimSet) -> Verdict {
    let phase = |c: &k8s_openapi::api::core::v1::PersistentVolumeClaim| {
        c.status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".into())
    };
    match claims {
        ClaimSet::Named(names) => {
            let states: Vec<String> = names
                .iter()
                .map(|n| match view.claims.get(n) {
                    Some(c) => format!("{n}: {}", phase(c)),
                    None => format!("{n}: missing"),
                })
                .collect();
            let met = names
                .iter()
                .all(|n| view.claims.get(n).is_some_and(|c| phase(c) == "Bound"));
            Verdict::new(met, states.join(", "))
        }
        ClaimSet::Selected { selector, count } => {
            let matching: Vec<_> = view
                .claims
                .iter()
                .filter(|c| selects(selector, *c))
                .collect();
            let bound = matching.iter().filter(|c| phase(c) == "Bound").count();
            Verdict::new(
                matching.len() == *count as usize && bound == matching.len(),
                format!("{bound}/{} claims Bound, {count} wanted", matching.len()),
            )
        }
    }
}

fn service_endpoints(view: &ClusterView, name: &str, count: u32) -> Verdict {
    let Some(svc) = view.services.get(name) else {
        return Verdict::new(false, format!("Service {name} not found"));
    };
    let ip = svc
        .spec
        .as_ref()
        .and_then(|s| s.cluster_ip.clone())
        .unwrap_or_default();
    // An address counts when it points at the pod that exists now (its targetRef's
    // uid): a lagging Endpoints object can still list a pod that was replaced.
    let live = |a: &k8s_openapi::api::core::v1::EndpointAddress| match &a.target_ref {
        Some(r) if r.kind.as_deref() == Some("Pod") => match (&r.name, &r.uid) {
            (Some(pod), Some(uid)) => view
                .pods
                .get(pod)
                .is_some_and(|p| p.metadata.uid.as_deref() == Some(uid.as_str())),
            _ => true,
        },
        _ => true,
    };
    let addresses: Vec<String> = view
        .endpoints
        .get(name)
        .and_then(|e| e.subsets.as_ref())
        .map(|subsets| {
            subsets
                .iter()
                .flat_map(|s| s.addresses.iter().flatten())
                .filter(|a| live(a))
                .map(|a| a.ip.clone())
                .collect()
        })
        .unwrap_or_default();
    let has_ip = !ip.is_empty();
    Verdict::new(
        has_ip && addresses.len() == count as usize,
        format!(
            "ClusterIP {}, endpoints [{}]",
            if has_ip { ip.as_str() } else { "(none yet)" },
            addresses.join(", ")
        ),
    )
}

/// Each pod's own node name, as its `status` gave it, against the pattern (O15: the
/// names are the headless Service's DNS names).
fn node_names(
    view: &ClusterView,
    evidence: &Evidence,
    target: &PodTarget,
    pattern: &crate::track::Regex,
) -> Verdict {
    let pods = names(&target_pods(view, target));
    let nodes: Vec<Option<&str>> = pods
        .iter()
        .map(|p| {
            let status = evidence.pods.get(p)?.node.as_ref()?.as_ref().ok()?;
            Some(status.node.as_str())
        })
        .collect();
    let met = !pods.is_empty()
        && nodes
            .iter()
            .all(|n| n.is_some_and(|n| pattern.0.is_match(n)));
    let said: Vec<String> = pods
        .iter()
        .zip(&nodes)
        .map(|(p, n)| match n {
            Some(n) => format!("{p}: {n}"),
            None => format!("{p}: no answer to `status` yet"),
        })
        .collect();
    Verdict::new(met, said.join(", "))
}

fn emqx_started(view: &ClusterView, evidence: &Evidence, target: &PodTarget) -> Verdict {
    let pods = names(&target_pods(view, target));
    let states: Vec<String> = pods
        .iter()
        .map(
            |p| match evidence.pods.get(p).and_then(|e| e.node.as_ref()) {
                Some(Ok(s)) => format!("{}: {}", s.node, s.status),
                Some(Err(e)) => format!("{p}: {e}"),
                None => format!("{p}: not asked yet"),
            },
        )
        .collect();
    let met = !pods.is_empty()
        && pods.iter().all(|p| {
            evidence
                .pods
                .get(p)
                .and_then(|e| e.node.as_ref())
                .is_some_and(|r| r.as_ref().is_ok_and(|s| s.status == "started"))
        });
    Verdict::new(met, states.join(", "))
}

#[cfg(test)]
mod tests;
