//! kubetour's objects in the namespace as one line each — Deployment and StatefulSet
//! replicas, ReplicaSets, Services with ClusterIP and endpoints, claims with phase and
//! volume, ConfigMaps, ServiceAccounts, Roles and RoleBindings — from the watched view.
//! What `status` prints and the wizard's objects panel shows. The namespace's own
//! defaults (`default` ServiceAccount, `kube-root-ca.crt`) are left out.

use kube::ResourceExt;
use serde::Serialize;

use super::{ClusterView, WatchedEvent};

const ROOT_CA: &str = "kube-root-ca.crt";

/// The object an event is about, as kubectl writes it: `pod/emqx-0`.
pub fn involved(e: &WatchedEvent) -> String {
    format!(
        "{}/{}",
        e.involved_object
            .kind
            .clone()
            .unwrap_or_default()
            .to_lowercase(),
        e.involved_object.name.clone().unwrap_or_default()
    )
}

/// Whether an event is about the object the view holds now, not an earlier one of the
/// same name (a deleted claim's `FailedBinding` names the claim that replaced it): the
/// involved object's uid must be the live object's. Events without a uid count when
/// they are no older than the live object. Kinds the view does not follow cannot be
/// told apart, and count. Only such events are evidence; the rest is history.
pub fn about_live_object(view: &ClusterView, e: &WatchedEvent) -> bool {
    let o = &e.involved_object;
    let kind = o.kind.as_deref().unwrap_or_default();
    let name = o.name.as_deref().unwrap_or_default();
    let Some(live) = view.metadata_of(kind, name) else {
        return true;
    };
    let Some(live) = live else {
        return false;
    };
    match (
        o.uid.as_deref().filter(|u| !u.is_empty()),
        live.uid.as_deref(),
    ) {
        (Some(theirs), Some(ours)) => theirs == ours,
        _ => match (event_time(e), live.creation_timestamp.as_ref()) {
            (Some(at), Some(created)) => at >= created.0,
            _ => true,
        },
    }
}

/// When an event last happened: `lastTimestamp`, else `eventTime` (events.k8s.io
/// writers set only that one).
pub fn event_time(e: &WatchedEvent) -> Option<jiff::Timestamp> {
    e.last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or(e.event_time.as_ref().map(|t| t.0))
}

#[derive(Debug, Serialize)]
pub struct ObjectLine {
    pub kind: String,
    pub name: String,
    pub state: String,
}

pub fn objects(view: &ClusterView) -> Vec<ObjectLine> {
    let mut out = Vec::new();
    for d in view.deployments.iter() {
        let s = d.status.clone().unwrap_or_default();
        out.push(ObjectLine {
            kind: "Deployment".into(),
            name: d.name_any(),
            state: format!(
                "{}/{} ready, {} up to date, {} available",
                s.ready_replicas.unwrap_or(0),
                d.spec.replicas.unwrap_or(1),
                s.updated_replicas.unwrap_or(0),
                s.available_replicas.unwrap_or(0)
            ),
        });
    }
    for r in view.replica_sets.iter() {
        let s = r.status.clone().unwrap_or_default();
        out.push(ObjectLine {
            kind: "ReplicaSet".into(),
            name: r.name_any(),
            state: format!("{}/{} ready", s.ready_replicas.unwrap_or(0), s.replicas),
        });
    }
    for s in view.stateful_sets.iter() {
        let st = s.status.clone().unwrap_or_default();
        out.push(ObjectLine {
            kind: "StatefulSet".into(),
            name: s.name_any(),
            state: format!(
                "{}/{} ready",
                st.ready_replicas.unwrap_or(0),
                s.spec.replicas.unwrap_or(1)
            ),
        });
    }
    for svc in view.services.iter() {
        let ip = svc
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.clone())
            .unwrap_or_default();
        let endpoints = view
            .endpoints
            .get(&svc.name_any())
            .and_then(|e| e.subsets.as_ref())
            .map(|s| {
                s.iter()
                    .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
                    .sum::<usize>()
            })
            .unwrap_or(0);
        out.push(ObjectLine {
            kind: "Service".into(),
            name: svc.name_any(),
            state: format!("ClusterIP {ip}, {endpoints} ready endpoint(s)"),
        });
    }
    for c in view.claims.iter() {
        let phase = c
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".into());
        let volume = c.spec.as_ref().and_then(|s| s.volume_name.clone());
        out.push(ObjectLine {
            kind: "PersistentVolumeClaim".into(),
            name: c.name_any(),
            state: match volume {
                Some(v) => format!("{phase}, volume {v}"),
                None => phase,
            },
        });
    }
    for c in view.config_maps.iter().filter(|c| c.name_any() != ROOT_CA) {
        let keys = c.data.as_ref().map_or(0, |d| d.len());
        out.push(ObjectLine {
            kind: "ConfigMap".into(),
            name: c.name_any(),
            state: format!("{keys} key(s)"),
        });
    }
    for a in view
        .service_accounts
        .iter()
        .filter(|a| a.name_any() != "default")
    {
        out.push(ObjectLine {
            kind: "ServiceAccount".into(),
            name: a.name_any(),
            state: String::new(),
        });
    }
    for r in view.roles.iter() {
        let rules = r
            .rules
            .iter()
            .flatten()
            .map(|rule| {
                format!(
                    "{} {}",
                    rule.verbs.join(","),
                    rule.resources.clone().unwrap_or_default().join(",")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push(ObjectLine {
            kind: "Role".into(),
            name: r.name_any(),
            state: rules,
        });
    }
    for b in view.role_bindings.iter() {
        let subjects = b
            .subjects
            .iter()
            .flatten()
            .map(|s| format!("{} {}", s.kind, s.name))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(ObjectLine {
            kind: "RoleBinding".into(),
            name: b.name_any(),
            state: format!("{} {} → {subjects}", b.role_ref.kind, b.role_ref.name),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Change;
    use k8s_openapi::api::core::v1::{Event as K8sEvent, PersistentVolumeClaim};
    use kube::runtime::watcher::Event;

    fn event(kind: &str, name: &str, uid: Option<&str>, at: &str) -> WatchedEvent {
        serde_json::from_value::<K8sEvent>(serde_json::json!({
            "metadata": {"name": format!("{name}.1")},
            "involvedObject": {"kind": kind, "name": name, "uid": uid},
            "reason": "FailedBinding", "type": "Warning", "lastTimestamp": at
        }))
        .unwrap()
        .into()
    }

    #[test]
    fn an_event_is_evidence_only_about_the_object_that_exists_now() {
        let mut view = ClusterView::default();
        let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "data-0", "uid": "today", "creationTimestamp": "2026-12-06T12:00:00Z"}
        }))
        .unwrap();
        view.apply(Change::Claim(Event::Apply(claim.into())));
        let at = "2026-12-06T12:00:05Z";
        let pvc = "PersistentVolumeClaim";
        assert!(about_live_object(
            &view,
            &event(pvc, "data-0", Some("today"), at)
        ));
        assert!(!about_live_object(
            &view,
            &event(pvc, "data-0", Some("yesterday"), at)
        ));
        assert!(!about_live_object(
            &view,
            &event(pvc, "data-1", Some("today"), at)
        ));
        // Without a uid: by time, against the live object's creation.
        assert!(about_live_object(&view, &event(pvc, "data-0", None, at)));
        let before = "2026-12-06T11:30:00Z";
        assert!(!about_live_object(
            &view,
            &event(pvc, "data-0", None, before)
        ));
        // A kind the view does not follow cannot be told apart.
        assert!(about_live_object(
            &view,
            &event("Lease", "x", Some("u"), at)
        ));
    }
}
