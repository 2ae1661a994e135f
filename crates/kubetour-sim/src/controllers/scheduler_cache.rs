//! Where active pods run, as the scheduler scores nodes with it: kept from the pod events
//! the scheduler already receives, as kube-scheduler keeps its own cache from its pod
//! informer (and "assumes" a pod on its node the moment it binds it, before the event
//! comes back). Scoring one pod then costs a look per node, not a copy of every pod in
//! the cluster taken under the store's lock — at 1,000 pods that copy was most of the
//! work behind one pod create (issue 23), and held up every other writer meanwhile.
//!
//! A pod that waits for its volumes has no node yet but counts on the node picked for
//! them, which its claims' annotation says and which changes without a pod event: such
//! pods are kept aside and resolved from their claims when scoring.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::names;
use super::volumebinding;
use crate::resources::Res;
use crate::store::Store;

type Key = (String, String);

/// What the scores need of one active pod.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Placed {
    /// Bound to a node.
    On { node: String, owner: Option<String> },
    /// No node yet, claims to ask which node was picked for them.
    Waiting {
        owner: Option<String>,
        claims: Vec<String>,
    },
}

#[derive(Debug, Default)]
pub struct Placements {
    pods: HashMap<Key, Placed>,
    /// Active pods bound to each node.
    load: HashMap<String, usize>,
    /// Active pods of each controller (owner uid) bound to each node.
    siblings: HashMap<String, HashMap<String, usize>>,
    /// The pods held as `Placed::Waiting`.
    waiting: BTreeSet<Key>,
}

/// The controller (owner with `controller: true`) uid of a pod, if any.
pub fn owner_uid(pod: &Value) -> Option<&str> {
    names::owner_refs(pod)
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("uid").and_then(Value::as_str))
}

fn key_of(pod: &Value) -> Key {
    (
        names::namespace(pod).to_string(),
        names::name(pod).to_string(),
    )
}

impl Placements {
    /// Every pod in the store, from scratch (at start, and after falling behind).
    pub fn rebuild(&mut self, store: &Store) {
        *self = Placements::default();
        for pod in store.list(Res::Pod, None).0 {
            self.observe(&pod, false);
        }
    }

    /// A pod as last seen (`gone`: deleted).
    pub fn observe(&mut self, pod: &Value, gone: bool) {
        let key = key_of(pod);
        let now = (!gone && names::pod_is_active(pod))
            .then(|| placed(pod))
            .flatten();
        if self.pods.get(&key) == now.as_ref() {
            return;
        }
        if let Some(old) = self.pods.remove(&key) {
            self.count(&key, &old, false);
        }
        if let Some(now) = now {
            self.count(&key, &now, true);
            self.pods.insert(key, now);
        }
    }

    fn count(&mut self, key: &Key, placed: &Placed, add: bool) {
        let Placed::On { node, owner } = placed else {
            if add {
                self.waiting.insert(key.clone());
            } else {
                self.waiting.remove(key);
            }
            return;
        };
        let step = |n: &mut usize| *n = if add { *n + 1 } else { n.saturating_sub(1) };
        step(self.load.entry(node.clone()).or_default());
        if let Some(owner) = owner {
            let per_node = self.siblings.entry(owner.clone()).or_default();
            step(per_node.entry(node.clone()).or_default());
        }
    }

    /// Adds to each candidate node's (same owner, load) the active pods placed on it,
    /// leaving `pod` itself out.
    pub fn tally(&self, store: &Store, pod: &Value, score: &mut BTreeMap<String, (usize, usize)>) {
        let owner = owner_uid(pod);
        for (node, (same, load)) in score.iter_mut() {
            *load += self.load.get(node).copied().unwrap_or(0);
            *same += owner
                .and_then(|o| self.siblings.get(o))
                .and_then(|per_node| per_node.get(node))
                .copied()
                .unwrap_or(0);
        }
        let me = key_of(pod);
        // A stale entry of this very pod (it wants a node, so has none now) must not count.
        if let Some(Placed::On { node, owner: was }) = self.pods.get(&me)
            && let Some((same, load)) = score.get_mut(node)
        {
            *load = load.saturating_sub(1);
            if was.is_some() && was.as_deref() == owner {
                *same = same.saturating_sub(1);
            }
        }
        for key in self.waiting.iter().filter(|k| **k != me) {
            let Some(Placed::Waiting {
                owner: other,
                claims,
            }) = self.pods.get(key)
            else {
                continue;
            };
            let Some(node) = selected_node(store, &key.0, claims) else {
                continue;
            };
            if let Some((same, load)) = score.get_mut(&node) {
                *load += 1;
                if owner.is_some() && other.as_deref() == owner {
                    *same += 1;
                }
            }
        }
    }
}

/// How an active pod counts: on its node, or waiting on claims; None when it has
/// neither (it counts nowhere until scheduled).
fn placed(pod: &Value) -> Option<Placed> {
    let owner = owner_uid(pod).map(String::from);
    if let Some(node) = names::str_at(pod, "/spec/nodeName").filter(|n| !n.is_empty()) {
        return Some(Placed::On {
            node: node.to_string(),
            owner,
        });
    }
    let claims = volumebinding::claim_names(pod);
    (!claims.is_empty()).then_some(Placed::Waiting { owner, claims })
}

/// The node picked for a waiting pod's volumes (the first claim that names one).
fn selected_node(store: &Store, ns: &str, claims: &[String]) -> Option<String> {
    claims.iter().find_map(|claim| {
        let pvc = store.get(Res::PersistentVolumeClaim, ns, claim)?;
        pvc.pointer("/metadata/annotations")
            .and_then(|a| a.get(volumebinding::SELECTED_NODE))
            .and_then(Value::as_str)
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use serde_json::json;

    fn pod(name: &str, owner: &str, node: Option<&str>, claim: Option<&str>) -> Value {
        let volumes: Vec<Value> = claim
            .map(|c| json!({"name": "data", "persistentVolumeClaim": {"claimName": c}}))
            .into_iter()
            .collect();
        json!({
            "metadata": {"name": name, "namespace": "ns", "ownerReferences": [
                {"kind": "StatefulSet", "name": "s", "uid": owner, "controller": true}]},
            "spec": {"nodeName": node, "volumes": volumes},
            "status": {"phase": "Running"},
        })
    }

    fn scores(p: &Placements, store: &Store, me: &Value) -> Vec<(usize, usize)> {
        let mut score: BTreeMap<String, (usize, usize)> = ["n1", "n2"]
            .iter()
            .map(|n| (n.to_string(), (0, 0)))
            .collect();
        p.tally(store, me, &mut score);
        score.into_values().collect()
    }

    #[tokio::test]
    async fn scores_count_active_pods_per_node_and_siblings_apart() {
        let store = Store::new(Clock::new(1.0));
        let mut p = Placements::default();
        p.observe(&pod("a", "u1", Some("n1"), None), false);
        p.observe(&pod("b", "u2", Some("n1"), None), false);
        p.observe(&pod("c", "u2", Some("n2"), None), false);
        let me = pod("new", "u1", None, None);
        // (same owner, load) for n1 then n2.
        assert_eq!(scores(&p, &store, &me), vec![(1, 2), (0, 1)]);
        // A pod that finished, or went, no longer counts; seeing it twice counts once.
        let mut done = pod("b", "u2", Some("n1"), None);
        done["status"]["phase"] = json!("Succeeded");
        p.observe(&done, false);
        p.observe(&pod("c", "u2", Some("n2"), None), false);
        p.observe(&pod("a", "u1", Some("n1"), None), true);
        assert_eq!(scores(&p, &store, &me), vec![(0, 0), (0, 1)]);
    }

    #[tokio::test]
    async fn a_pod_waiting_for_its_volumes_counts_on_the_node_picked_for_them() {
        let store = Store::new(Clock::new(1.0));
        let mut p = Placements::default();
        p.observe(&pod("w", "u1", None, Some("data-w")), false);
        let me = pod("new", "u1", None, None);
        assert_eq!(scores(&p, &store, &me), vec![(0, 0), (0, 0)]);
        // The claim's annotation changes without any pod event.
        let pvc = json!({"metadata": {"name": "data-w", "namespace": "ns",
            "annotations": {volumebinding::SELECTED_NODE: "n2"}}});
        assert!(store.create(Res::PersistentVolumeClaim, pvc).is_ok());
        assert_eq!(scores(&p, &store, &me), vec![(0, 0), (1, 1)]);
        // The waiting pod itself, being scored, does not count against its own pick.
        let itself = pod("w", "u1", None, Some("data-w"));
        assert_eq!(scores(&p, &store, &itself), vec![(0, 0), (0, 0)]);
    }
}
