//! The Deployment's status: counts summed over its ReplicaSets and the Available and
//! Progressing conditions, with the reasons and messages of the real controller
//! (`kubectl rollout status` and kube-runtime's `is_deployment_completed` read them).

use std::time::Duration;

use serde_json::{Value, json};

use super::conditions::{condition, set_condition};
use super::deployment::{replicas, status_count};
use super::names;
use crate::resources::Res;
use crate::store::Store;

pub(super) fn write_status(
    store: &Store,
    d: &Value,
    new_name: &str,
    max_unavailable: i64,
    created: Option<(&str, String)>,
) -> Option<Duration> {
    let ns = names::namespace(d);
    let sets: Vec<Value> = store
        .list(Res::ReplicaSet, Some(ns))
        .0
        .into_iter()
        .filter(|rs| names::controller_uid(rs, "Deployment") == Some(names::uid(d)))
        .collect();
    let sum = |f: &str| sets.iter().map(|rs| status_count(rs, f)).sum::<i64>();
    let desired = replicas(d);
    let spec_total: i64 = sets.iter().map(replicas).sum();
    let updated = sets
        .iter()
        .find(|rs| names::name(rs) == new_name)
        .map(|rs| status_count(rs, "replicas"))
        .unwrap_or(0);
    let (total, ready, available) = (
        sum("replicas"),
        sum("readyReplicas"),
        sum("availableReplicas"),
    );
    let now = store.clock().now_rfc3339();
    // progressDeadlineSeconds, in scaled time like every other simulated wait.
    let deadline = d["spec"]["progressDeadlineSeconds"]
        .as_u64()
        .map(|s| store.clock().scaled(Duration::from_secs(s)));
    let mut recheck = None;
    store.mutate(Res::Deployment, ns, names::name(d), |dep| {
        if names::uid(dep) != names::uid(d) {
            return false;
        }
        let old = dep["status"].clone();
        let generation = dep["metadata"]["generation"].clone();
        let mut status = json!({
            "observedGeneration": generation,
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": (spec_total - available).max(0),
        });
        if let Some(map) = status.as_object_mut() {
            map.retain(|_, v| v.as_i64() != Some(0));
        }
        status["conditions"] = old["conditions"].clone();
        if !status["conditions"].is_array() {
            status["conditions"] = json!([]);
        }
        let conds = &mut status["conditions"];
        if let Some((reason, message)) = &created {
            set_condition(
                conds,
                condition("Progressing", true, reason, message, &now),
                false,
            );
        }
        let rs_ref = format!("ReplicaSet \"{new_name}\"");
        let complete = updated == desired && total == desired && available == desired;
        let progressed = updated > old["updatedReplicas"].as_i64().unwrap_or(0)
            || ready > old["readyReplicas"].as_i64().unwrap_or(0)
            || available > old["availableReplicas"].as_i64().unwrap_or(0)
            || total < old["replicas"].as_i64().unwrap_or(0);
        if complete {
            let msg = format!("{rs_ref} has successfully progressed.");
            set_condition(
                conds,
                condition("Progressing", true, "NewReplicaSetAvailable", &msg, &now),
                false,
            );
        } else if progressed || created.is_none() && !has_condition(conds, "Progressing") {
            let msg = format!("{rs_ref} is progressing.");
            set_condition(
                conds,
                condition("Progressing", true, "ReplicaSetUpdated", &msg, &now),
                true,
            );
        } else if let Some(deadline) = deadline {
            match stalled_for(conds, store.clock().now()) {
                Some(stalled) if stalled >= deadline => {
                    let msg = format!("{rs_ref} has timed out progressing.");
                    set_condition(
                        conds,
                        condition("Progressing", false, "ProgressDeadlineExceeded", &msg, &now),
                        false,
                    );
                }
                Some(stalled) => recheck = Some(deadline - stalled),
                None => {}
            }
        }
        let avail = if available >= desired - max_unavailable {
            condition(
                "Available",
                true,
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                &now,
            )
        } else {
            condition(
                "Available",
                false,
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                &now,
            )
        };
        set_condition(conds, avail, false);
        if dep["status"] == status {
            return false;
        }
        dep["status"] = status;
        true
    });
    recheck
}

/// How long a rollout has made no progress: since the Progressing condition's last
/// update, unless it already completed or timed out.
fn stalled_for(conds: &Value, now: jiff::Timestamp) -> Option<Duration> {
    let progressing = conds
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Progressing")?;
    if progressing["status"] != "True" || progressing["reason"] == "NewReplicaSetAvailable" {
        return None;
    }
    let since: jiff::Timestamp = progressing["lastUpdateTime"].as_str()?.parse().ok()?;
    let stalled = now.duration_since(since);
    Duration::try_from(stalled).ok()
}

fn has_condition(conds: &Value, kind: &str) -> bool {
    conds
        .as_array()
        .is_some_and(|l| l.iter().any(|c| c["type"] == kind))
}
