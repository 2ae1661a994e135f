//! Evidence of the diagnosis table read from objects rather than from EMQX: the Service
//! that DNS discovery asks about (P13) and whether any core node is Ready (P20).
//! Facts behind both: docs/emqx-verified.md §8.3 and §8.4.

use kube::ResourceExt;

use super::discovery_gap::Settings;
use crate::view::pod_row::PodRow;
use crate::view::{ClusterView, WatchedPod};

/// The Service named by a pod's EMQX_CLUSTER__DNS__NAME is headless without
/// `publishNotReadyAddresses`, and some of `pods` are not Ready: cluster DNS gives such
/// a Service's not-ready pods no record, so DNS discovery cannot find them. Only a name
/// of the form `<service>[.<namespace>[.svc...]]` is read; any other name holds nothing.
pub(super) fn unpublished_dns(
    view: &ClusterView,
    pods: &[&WatchedPod],
    settings: &[(String, Settings)],
) -> Option<(String, String)> {
    let (dns_name, svc) = settings.iter().find_map(|(_, s)| {
        let name = s.get("EMQX_CLUSTER__DNS__NAME").filter(|v| !v.is_empty())?;
        let mut labels = name.split('.');
        let svc = view.services.get(labels.next()?)?;
        // A namespace in the name must be the Service's own.
        if let Some(ns) = labels.next()
            && svc.namespace().is_some_and(|own| own != ns)
        {
            return None;
        }
        Some((name.to_string(), svc))
    })?;
    let spec = svc.spec.as_ref()?;
    let headless = spec.cluster_ip.as_deref() == Some("None");
    if !headless || spec.publish_not_ready_addresses == Some(true) {
        return None;
    }
    let now = jiff::Timestamp::now();
    let not_ready: Vec<String> = pods
        .iter()
        .map(|p| PodRow::from_pod_at(p, now))
        .filter(|r| !r.is_ready)
        .map(|r| r.name)
        .collect();
    let first = not_ready.first()?.clone();
    Some((
        first,
        format!(
            "Service {} (EMQX_CLUSTER__DNS__NAME={dns_name}) is headless without publishNotReadyAddresses; not Ready, so not in DNS: {}",
            svc.name_any(),
            not_ready.join(", ")
        ),
    ))
}

/// No EMQX pod of the namespace that is a core (EMQX_NODE__ROLE, alias
/// EMQX_NODE__DB_ROLE, unset or `core`) is Ready: a replicant only replicates from a
/// running core, and until it finds one its boot does not finish.
pub(super) fn no_ready_core(view: &ClusterView) -> Option<(String, String)> {
    let now = jiff::Timestamp::now();
    let cores: Vec<PodRow> = view
        .pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| Settings::of(view, p).is_some_and(|s| is_core(&s)))
        .map(|p| PodRow::from_pod_at(p, now))
        .collect();
    if cores.iter().any(|r| r.is_ready) {
        return None;
    }
    let what = if cores.is_empty() {
        "no EMQX core pod exists in the namespace, only replicants".to_string()
    } else {
        let listed: Vec<String> = cores
            .iter()
            .map(|r| format!("{} {}", r.name, r.status))
            .collect();
        format!("no EMQX core pod is Ready ({})", listed.join(", "))
    };
    Some((String::new(), what))
}

fn is_core(settings: &Settings) -> bool {
    let role = ["EMQX_NODE__ROLE", "EMQX_NODE__DB_ROLE"]
        .iter()
        .find_map(|n| settings.get(n).filter(|v| !v.is_empty()));
    role.is_none_or(|r| r == "core")
}
