//! The garbage collector's graph of who owns what: owner uid → the namespaced objects
//! (Events aside) whose ownerReferences name it, kept from the events the collector
//! already receives, as the real collector's graph builder keeps its graph from its
//! informers. Finding a deleted object's dependents then costs a look per dependent, not
//! a copy of every object of every kind in the namespace under the store's lock — at
//! 1,000 pods that copy, on every deletion, was half the work behind a create and delete
//! (issue 23).
//!
//! The graph can lag the store by the events not yet received, so what it answers is
//! read again from the store and kept only if it still names the owner.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::names;
use crate::resources::{ALL, Res};
use crate::store::Store;

/// A dependent: kind, namespace, name.
type Key = (Res, String, String);

#[derive(Debug, Default)]
pub struct Owners {
    /// Owner uid → its dependents.
    dependents: HashMap<String, BTreeSet<Key>>,
    /// Dependent → the owner uids it named when last seen.
    owners: HashMap<Key, Vec<String>>,
}

/// Whether objects of `res` are in the graph (what `dependents` answers for).
fn tracked(res: Res) -> bool {
    res != Res::Event && res.info().namespaced
}

fn owner_uids(o: &Value) -> Vec<String> {
    let mut uids: Vec<String> = names::owner_refs(o)
        .iter()
        .filter_map(|r| r["uid"].as_str().map(String::from))
        .collect();
    uids.sort();
    uids.dedup();
    uids
}

impl Owners {
    /// Every object in the store (of kind `only`, when given), from scratch: at start,
    /// and after falling behind.
    pub fn rebuild(&mut self, store: &Store, only: Option<Res>) {
        *self = Owners::default();
        let wanted = |res: Res| tracked(res) && only.is_none_or(|o| o == res);
        for info in ALL.iter().filter(|i| wanted(i.res)) {
            for o in store.list(info.res, None).0 {
                self.observe(info.res, &o, false);
            }
        }
    }

    /// An object as last seen (`gone`: deleted).
    pub fn observe(&mut self, res: Res, o: &Value, gone: bool) {
        if !tracked(res) {
            return;
        }
        let key = (
            res,
            names::namespace(o).to_string(),
            names::name(o).to_string(),
        );
        let now = if gone { Vec::new() } else { owner_uids(o) };
        if self
            .owners
            .get(&key)
            .map_or(now.is_empty(), |was| *was == now)
        {
            return;
        }
        for uid in self.owners.remove(&key).unwrap_or_default() {
            if let Some(set) = self.dependents.get_mut(&uid) {
                set.remove(&key);
                if set.is_empty() {
                    self.dependents.remove(&uid);
                }
            }
        }
        if now.is_empty() {
            return;
        }
        for uid in &now {
            self.dependents
                .entry(uid.clone())
                .or_default()
                .insert(key.clone());
        }
        self.owners.insert(key, now);
    }

    /// Objects in `ns` (any namespaced kind but Events) with an owner reference to `uid`,
    /// as the store has them now, kinds in the order of `ALL`, then by name.
    pub fn dependents(&self, store: &Store, ns: &str, uid: &str) -> Vec<(Res, Value)> {
        let Some(keys) = self.dependents.get(uid) else {
            return Vec::new();
        };
        let mut found: Vec<(usize, Key, Value)> = keys
            .iter()
            .filter(|(_, kns, _)| kns == ns)
            .filter_map(|key| {
                let o = store.get(key.0, &key.1, &key.2)?;
                let names_it = names::owner_refs(&o).iter().any(|r| r["uid"] == uid);
                let rank = ALL
                    .iter()
                    .position(|i| i.res == key.0)
                    .unwrap_or(usize::MAX);
                names_it.then(|| (rank, key.clone(), o))
            })
            .collect();
        found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        found
            .into_iter()
            .map(|(_, (res, _, _), o)| (res, o))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, owners: &[&str]) -> Value {
        let refs: Vec<Value> = owners
            .iter()
            .map(|uid| json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": uid}))
            .collect();
        json!({"metadata": {"name": name, "namespace": "ns", "ownerReferences": refs}})
    }

    #[test]
    fn the_graph_follows_owner_references_as_they_change_and_go() {
        let mut g = Owners::default();
        g.observe(Res::Pod, &pod("a", &["u1"]), false);
        g.observe(Res::Pod, &pod("b", &["u1", "u2"]), false);
        let of = |g: &Owners, uid: &str| g.dependents.get(uid).map_or(0, BTreeSet::len);
        assert_eq!((of(&g, "u1"), of(&g, "u2")), (2, 1));
        // Orphaned from u1 (kubectl delete --cascade=orphan strips the reference).
        g.observe(Res::Pod, &pod("b", &["u2"]), false);
        assert_eq!((of(&g, "u1"), of(&g, "u2")), (1, 1));
        g.observe(Res::Pod, &pod("a", &["u1"]), true);
        assert_eq!(of(&g, "u1"), 0);
        assert!(!g.dependents.contains_key("u1"), "no empty sets are kept");
        // Events are never dependents the collector acts on.
        g.observe(Res::Event, &pod("e", &["u2"]), false);
        assert_eq!(of(&g, "u2"), 1);
    }
}
