//! The Deployment controller: one ReplicaSet per pod template (`<deploy>-<hash>`),
//! rolling updates within maxSurge / maxUnavailable (or Recreate), revisions, and the
//! status and conditions `kubectl rollout status` and kube-runtime read.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::deployment_status::write_status;
use super::events::{Event, Recorder, Reporter};
use super::gc::{Propagation, adopt, delete_object};
use super::names;
use super::queue::Reconciler;
use super::replicaset::owned_pods;
use crate::resources::Res;
use crate::store::{EventType, Store, WatchEvent};

type Key = (String, String);

pub struct DeploymentController {
    pub recorder: Arc<Recorder>,
}

const HASH: &str = "pod-template-hash";
const REVISION: &str = "deployment.kubernetes.io/revision";

fn reporter() -> Reporter {
    Reporter::Classic {
        component: "deployment-controller",
        host: None,
    }
}

/// An intstr (`25%` or `1`) against a total, rounding up or down.
pub fn resolve(v: &Value, total: i64, round_up: bool, default: &str) -> i64 {
    let text = match v {
        Value::Number(n) => return n.as_i64().unwrap_or(0),
        Value::String(s) => s.as_str(),
        _ => default,
    };
    match text.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
        Some(pct) if round_up => (total * pct + 99) / 100,
        Some(pct) => total * pct / 100,
        None => text.parse().unwrap_or(0),
    }
}

pub(super) fn replicas(o: &Value) -> i64 {
    names::int_at(o, "/spec/replicas").unwrap_or(1).max(0)
}

pub(super) fn status_count(o: &Value, field: &str) -> i64 {
    o["status"][field].as_i64().unwrap_or(0)
}

/// Available pods of a set, not trusting a status written before its last scale-down:
/// until the ReplicaSet controller caught up, pods being removed still count as
/// available there, and scaling down on that would drop below maxUnavailable.
fn settled_available(rs: &Value) -> i64 {
    let available = status_count(rs, "availableReplicas");
    let observed = rs["status"]["observedGeneration"].as_i64().unwrap_or(0);
    let generation = rs["metadata"]["generation"].as_i64().unwrap_or(0);
    if observed < generation {
        available.min(replicas(rs))
    } else {
        available
    }
}

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The RS template without its hash label, to compare with the Deployment's.
fn template_without_hash(rs: &Value) -> Value {
    let mut t = rs["spec"]["template"].clone();
    if let Some(labels) = t["metadata"]["labels"].as_object_mut() {
        labels.remove(HASH);
    }
    t
}

impl Reconciler for DeploymentController {
    type Key = Key;

    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<Key> {
        let name = match event.res {
            Res::Deployment => names::name(&event.object),
            // Recreate waits for the last old pod to be gone, which no set reports.
            Res::Pod if event.kind == EventType::Deleted => {
                let Some(rs) = names::controller_name(&event.object, "ReplicaSet")
                    .and_then(|rs| store.get(Res::ReplicaSet, &event.namespace, rs))
                else {
                    return Vec::new();
                };
                return names::controller_name(&rs, "Deployment")
                    .map(|d| vec![(event.namespace.clone(), d.to_string())])
                    .unwrap_or_default();
            }
            Res::ReplicaSet => match names::controller_name(&event.object, "Deployment") {
                Some(owner) => owner,
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        vec![(event.namespace.clone(), name.to_string())]
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        names::keys_of(store, Res::Deployment)
    }

    fn reconcile(&mut self, store: &Arc<Store>, (ns, name): &Key) -> Option<Duration> {
        let d = store.get(Res::Deployment, ns, name)?;
        if names::is_deleting(&d) {
            return None;
        }
        if !names::has_containers(&d) {
            return None;
        }
        let uid = names::uid(&d).to_string();
        let owned = || -> Vec<Value> {
            store
                .list(Res::ReplicaSet, Some(ns))
                .0
                .into_iter()
                .filter(|rs| names::controller_uid(rs, "Deployment") == Some(uid.as_str()))
                .filter(|rs| !names::is_deleting(rs))
                .collect()
        };
        let template = d["spec"]["template"].clone();
        let desired = replicas(&d);
        let rolling = d["spec"]["strategy"]["type"].as_str() != Some("Recreate");
        let surge = if rolling {
            resolve(
                &d["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
                desired,
                true,
                "25%",
            )
        } else {
            0
        };
        let mut unavailable = if rolling {
            resolve(
                &d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
                desired,
                false,
                "25%",
            )
        } else {
            desired
        };
        if rolling && surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        adopt(
            store,
            Res::ReplicaSet,
            &d,
            "Deployment",
            &d["spec"]["selector"],
            |_| true,
        );
        let all = owned();
        let mut progress: Option<(&str, String)> = None;
        let new_rs = match all.iter().find(|rs| template_without_hash(rs) == template) {
            Some(rs) => rs.clone(),
            None => {
                let old_total: i64 = all.iter().map(replicas).sum();
                let start = if rolling {
                    (desired + surge - old_total).clamp(0, desired)
                } else if all
                    .iter()
                    .any(|rs| status_count(rs, "replicas") > 0 || replicas(rs) > 0)
                {
                    0
                } else {
                    desired
                };
                let max_rev = all.iter().map(revision).max().unwrap_or(0);
                let rs = self.create_rs(store, &d, start, max_rev + 1, desired + surge)?;
                progress = Some((
                    "NewReplicaSetCreated",
                    format!("Created new replica set \"{}\"", names::name(&rs)),
                ));
                rs
            }
        };
        let new_name = names::name(&new_rs).to_string();
        // A template rolled back to an older RS takes the next revision.
        let max_old_rev = all
            .iter()
            .filter(|rs| names::name(rs) != new_name)
            .map(revision)
            .max()
            .unwrap_or(0);
        if revision(&new_rs) <= max_old_rev {
            set_annotation(
                store,
                Res::ReplicaSet,
                ns,
                &new_name,
                REVISION,
                (max_old_rev + 1).to_string(),
            );
        }
        let new_rev = revision(
            &store
                .get(Res::ReplicaSet, ns, &new_name)
                .unwrap_or(new_rs.clone()),
        );
        set_annotation(
            store,
            Res::Deployment,
            ns,
            name,
            REVISION,
            new_rev.to_string(),
        );

        let all = owned();
        let olds: Vec<&Value> = all
            .iter()
            .filter(|rs| names::name(rs) != new_name)
            .collect();
        let new_rs = all.iter().find(|rs| names::name(rs) == new_name)?;
        let annotations = (desired, desired + surge);
        if rolling {
            // Scale the new set up within the surge budget (or down to desired).
            let total: i64 = all.iter().map(replicas).sum();
            let cur = replicas(new_rs);
            let target = if cur > desired {
                desired
            } else {
                cur + (desired + surge - total).clamp(0, desired - cur)
            };
            self.scale(store, &d, new_rs, target, annotations);
            // Scale old sets down as far as availability allows.
            let all = owned();
            let total: i64 = all.iter().map(replicas).sum();
            let min_available = desired - unavailable;
            let new_now = all
                .iter()
                .find(|rs| names::name(rs) == new_name)
                .unwrap_or(new_rs);
            let new_unavailable = replicas(new_now) - settled_available(new_now);
            let mut budget = total - min_available - new_unavailable.max(0);
            let mut olds: Vec<&Value> = all
                .iter()
                .filter(|rs| names::name(rs) != new_name)
                .collect();
            olds.sort_by_key(|rs| {
                names::str_at(rs, "/metadata/creationTimestamp")
                    .unwrap_or("")
                    .to_string()
            });
            // First the old pods that are not available anyway.
            for rs in &olds {
                let unhealthy = replicas(rs) - settled_available(rs);
                let cut = unhealthy.min(budget).max(0);
                if cut > 0 {
                    self.scale(store, &d, rs, replicas(rs) - cut, annotations);
                    budget -= cut;
                }
            }
            let all = owned();
            let available: i64 = all.iter().map(settled_available).sum();
            let mut budget = available - min_available;
            for rs in all.iter().filter(|rs| names::name(rs) != new_name) {
                let cut = replicas(rs).min(budget).max(0);
                if cut > 0 {
                    self.scale(store, &d, rs, replicas(rs) - cut, annotations);
                    budget -= cut;
                }
            }
        } else {
            for rs in &olds {
                self.scale(store, &d, rs, 0, annotations);
            }
            // Terminating pods still count: Recreate never runs old and new together.
            let old_pods = olds.iter().any(|rs| {
                owned_pods(store, rs, "ReplicaSet")
                    .iter()
                    .any(|p| !matches!(names::pod_phase(p), "Succeeded" | "Failed"))
            });
            if !old_pods {
                self.scale(store, &d, new_rs, desired, annotations);
            }
        }
        self.cleanup(store, &d, &new_name);
        write_status(store, &d, &new_name, unavailable, progress)
    }
}

impl DeploymentController {
    fn create_rs(&self, store: &Store, d: &Value, start: i64, rev: i64, max: i64) -> Option<Value> {
        let ns = names::namespace(d);
        let mut template = d["spec"]["template"].clone();
        for collision in 0..16u32 {
            let hash = names::template_hash(&template, collision);
            template["metadata"]["labels"][HASH] = json!(hash);
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"][HASH] = json!(hash);
            let mut annotations: Map<String, Value> = d["metadata"]["annotations"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            annotations.retain(|k, _| {
                !k.starts_with("deployment.kubernetes.io/")
                    && k != "kubectl.kubernetes.io/last-applied-configuration"
            });
            annotations.insert(
                "deployment.kubernetes.io/desired-replicas".into(),
                json!(replicas(d).to_string()),
            );
            annotations.insert(
                "deployment.kubernetes.io/max-replicas".into(),
                json!(max.to_string()),
            );
            annotations.insert(REVISION.into(), json!(rev.to_string()));
            let name = format!("{}-{hash}", names::name(d));
            let mut spec = json!({"replicas": start, "selector": selector, "template": template});
            if let Some(m) = d["spec"].get("minReadySeconds") {
                spec["minReadySeconds"] = m.clone();
            }
            let rs = json!({
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "labels": template["metadata"]["labels"],
                    "annotations": annotations,
                    "ownerReferences": [names::controller_ref(d, "apps/v1", "Deployment")],
                },
                "spec": spec,
            });
            match store.create(Res::ReplicaSet, rs) {
                Ok(rs) => {
                    if start > 0 {
                        self.recorder.record(
                            d,
                            &reporter(),
                            Event::normal(
                                "ScalingReplicaSet",
                                format!("Scaled up replica set {name} from 0 to {start}"),
                            ),
                        );
                    }
                    return Some(rs);
                }
                // A set of that name with another template: hash again with a collision count.
                Err(_) => continue,
            }
        }
        None
    }

    fn scale(&self, store: &Store, d: &Value, rs: &Value, to: i64, (desired, max): (i64, i64)) {
        let from = replicas(rs);
        let written = store.mutate(
            Res::ReplicaSet,
            names::namespace(rs),
            names::name(rs),
            |r| {
                let current = replicas(r);
                let a = &mut r["metadata"]["annotations"];
                let same = current == to
                    && a["deployment.kubernetes.io/desired-replicas"] == json!(desired.to_string())
                    && a["deployment.kubernetes.io/max-replicas"] == json!(max.to_string());
                if same {
                    return false;
                }
                a["deployment.kubernetes.io/desired-replicas"] = json!(desired.to_string());
                a["deployment.kubernetes.io/max-replicas"] = json!(max.to_string());
                r["spec"]["replicas"] = json!(to);
                true
            },
        );
        if from != to && written.is_some() {
            let dir = if to > from { "up" } else { "down" };
            self.recorder.record(
                d,
                &reporter(),
                Event::normal(
                    "ScalingReplicaSet",
                    format!(
                        "Scaled {dir} replica set {} from {from} to {to}",
                        names::name(rs)
                    ),
                ),
            );
        }
    }

    /// Keeps at most revisionHistoryLimit old, empty sets.
    fn cleanup(&self, store: &Store, d: &Value, new_name: &str) {
        let limit = names::int_at(d, "/spec/revisionHistoryLimit")
            .unwrap_or(10)
            .max(0) as usize;
        let mut empty: Vec<Value> = store
            .list(Res::ReplicaSet, Some(names::namespace(d)))
            .0
            .into_iter()
            .filter(|rs| names::controller_uid(rs, "Deployment") == Some(names::uid(d)))
            .filter(|rs| {
                names::name(rs) != new_name
                    && replicas(rs) == 0
                    && status_count(rs, "replicas") == 0
            })
            .collect();
        if empty.len() <= limit {
            return;
        }
        empty.sort_by_key(revision);
        for rs in empty.iter().take(empty.len() - limit) {
            delete_object(
                store,
                Res::ReplicaSet,
                names::namespace(rs),
                names::name(rs),
                Propagation::Background,
            );
        }
    }
}

fn set_annotation(store: &Store, res: Res, ns: &str, name: &str, key: &str, value: String) {
    store.mutate(res, ns, name, |o| {
        if o["metadata"]["annotations"][key] == json!(value) {
            return false;
        }
        if !o["metadata"]["annotations"].is_object() {
            o["metadata"]["annotations"] = json!({});
        }
        o["metadata"]["annotations"][key] = json!(value);
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surge_rounds_up_and_unavailability_rounds_down() {
        assert_eq!(resolve(&json!("25%"), 3, true, "25%"), 1);
        assert_eq!(resolve(&json!("25%"), 3, false, "25%"), 0);
        assert_eq!(resolve(&json!("25%"), 8, false, "25%"), 2);
        assert_eq!(resolve(&json!(2), 8, true, "25%"), 2);
        assert_eq!(resolve(&Value::Null, 4, true, "25%"), 1);
    }

    #[test]
    fn a_replicaset_template_matches_its_deployment_without_the_hash_label() {
        let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": {}});
        let mut rs_template = template.clone();
        rs_template["metadata"]["labels"][HASH] = json!("abc");
        let rs = json!({"spec": {"template": rs_template}});
        assert_eq!(template_without_hash(&rs), template);
    }
}
