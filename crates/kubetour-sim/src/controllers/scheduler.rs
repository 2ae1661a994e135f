//! The scheduler: binds each pod without a node to a Ready node, unless a claim it
//! mounts is not Bound yet (then it stays Pending, Unschedulable, with the message and
//! event the real default-scheduler writes). Nodes are scored as the default profile's
//! soft PodTopologySpread on `kubernetes.io/hostname` does for pods of one owner: the
//! node with the fewest pods of the same controller wins, then the least loaded one —
//! so a StatefulSet's three pods land on three nodes, as on kind or a real cluster.
//! A pod still waiting for its volumes counts on the node picked for them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{Event, Recorder, Reporter};
use super::names;
use super::queue::Reconciler;
use super::scheduler_cache::Placements;
use super::seed;
use super::volumebinding;
use crate::resources::Res;
use crate::store::{EventType, Store, WatchEvent};

pub struct Scheduler {
    pub recorder: Arc<Recorder>,
    /// Where pods run, kept from the events (see `scheduler_cache`).
    placements: Placements,
}

type Key = (String, String);

impl Scheduler {
    pub fn new(recorder: Arc<Recorder>) -> Scheduler {
        Scheduler {
            recorder,
            placements: Placements::default(),
        }
    }

    fn reporter(action: &'static str) -> Reporter {
        Reporter::Series {
            component: "default-scheduler",
            instance: format!("default-scheduler-{}", seed::node_name(0)),
            action,
        }
    }

    fn unscheduled(store: &Store, namespace: Option<&str>) -> Vec<Key> {
        store
            .list(Res::Pod, namespace)
            .0
            .iter()
            .filter(|p| wants_scheduling(p))
            .map(|p| (names::namespace(p).to_string(), names::name(p).to_string()))
            .collect()
    }
}

fn wants_scheduling(pod: &Value) -> bool {
    names::str_at(pod, "/spec/nodeName").is_none_or(str::is_empty)
        && !names::is_deleting(pod)
        && names::str_at(pod, "/spec/schedulerName").is_none_or(|s| s == "default-scheduler")
}

impl Reconciler for Scheduler {
    type Key = Key;

    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<Key> {
        if event.res == Res::Pod {
            self.placements
                .observe(&event.object, event.kind == EventType::Deleted);
        }
        match event.res {
            Res::Pod if wants_scheduling(&event.object) => vec![(
                event.namespace.clone(),
                names::name(&event.object).to_string(),
            )],
            // A claim that binds, or a node that appears, can make waiting pods fit.
            Res::PersistentVolumeClaim => Self::unscheduled(store, Some(&event.namespace)),
            Res::Node => Self::unscheduled(store, None),
            _ => Vec::new(),
        }
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        self.placements.rebuild(store);
        Self::unscheduled(store, None)
    }

    fn reconcile(&mut self, store: &Arc<Store>, (ns, name): &Key) -> Option<Duration> {
        let pod = store.get(Res::Pod, ns, name)?;
        if !wants_scheduling(&pod) {
            return None;
        }
        let nodes = store.list(Res::Node, None).0;
        let now = store.clock().now_rfc3339();
        let claims = volumebinding::check(store, &pod);
        if let Some(problem) = claims.problem {
            let n = nodes.len();
            let message = format!(
                "0/{n} nodes are available: {problem}. preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling."
            );
            let condition = json!({
                "type": "PodScheduled", "status": "False", "lastProbeTime": null,
                "lastTransitionTime": now, "reason": "Unschedulable", "message": message,
            });
            let mut changed = false;
            let written = store.mutate(Res::Pod, ns, name, |p| {
                changed = set_pod_condition(p, condition);
                changed
            })?;
            if changed {
                self.recorder.record(
                    &written,
                    &Self::reporter("Scheduling"),
                    Event::warning("FailedScheduling", message),
                );
            }
            return None;
        }
        let node = match claims.pinned {
            Some(node) => node,
            None => self.pick_node(store, &nodes, &pod)?,
        };
        if claims.unbound > 0 {
            // Volumes are provisioned on the picked node first; their binding wakes us.
            volumebinding::select_node(store, ns, &claims.waiting, &node);
            return None;
        }
        let condition = json!({
            "type": "PodScheduled", "status": "True", "lastProbeTime": null,
            "lastTransitionTime": now,
        });
        let bound = store.mutate(Res::Pod, ns, name, |p| {
            if !wants_scheduling(p) {
                return false;
            }
            p["spec"]["nodeName"] = json!(node);
            set_pod_condition(p, condition);
            true
        })?;
        if names::str_at(&bound, "/spec/nodeName") == Some(node.as_str()) {
            // Assumed on its node at once, as kube-scheduler does: the next pod of this
            // batch is scored with it there, before its event comes back.
            self.placements.observe(&bound, false);
            self.recorder.record(
                &bound,
                &Self::reporter("Binding"),
                Event::normal(
                    "Scheduled",
                    format!("Successfully assigned {ns}/{name} to {node}"),
                ),
            );
        }
        None
    }
}

impl Scheduler {
    /// The Ready node with the fewest pods of the same owner, then the fewest active
    /// pods; ties go to the first by name. A pod still waiting for its volumes counts on
    /// the node picked for them.
    fn pick_node(&self, store: &Store, nodes: &[Value], pod: &Value) -> Option<String> {
        let mut score: BTreeMap<String, (usize, usize)> = nodes
            .iter()
            .filter(|n| names::condition_status(n, "Ready") == Some("True"))
            .filter(|n| n.pointer("/spec/unschedulable") != Some(&json!(true)))
            .map(|n| (names::name(n).to_string(), (0, 0)))
            .collect();
        self.placements.tally(store, pod, &mut score);
        score
            .into_iter()
            .min_by_key(|(name, (same, load))| (*same, *load, name.clone()))
            .map(|(name, _)| name)
    }
}

/// Sets (or replaces) one status condition; false when it was already so (same status,
/// reason and message), keeping its transition time.
pub fn set_pod_condition(pod: &mut Value, condition: Value) -> bool {
    let kind = condition["type"].clone();
    if !pod["status"].is_object() {
        pod["status"] = json!({});
    }
    let conditions = &mut pod["status"]["conditions"];
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Some(list) = conditions.as_array_mut() else {
        return false;
    };
    if let Some(existing) = list.iter_mut().find(|c| c["type"] == kind) {
        let same = existing["status"] == condition["status"]
            && existing.get("reason") == condition.get("reason")
            && existing.get("message") == condition.get("message");
        if same {
            return false;
        }
        *existing = condition;
    } else {
        list.push(condition);
    }
    true
}
