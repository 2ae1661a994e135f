//! Deletion as the API server and the garbage collector do it together:
//! - `delete_object`: what a DELETE does (graceful for pods on a node; finalizers
//!   `foregroundDeletion` / `orphan` for those propagation policies);
//! - the collector: deletes dependents whose owners are all gone (background), holds an
//!   owner with `foregroundDeletion` until its blocking dependents are gone, strips
//!   owner references for `orphan`, and removes objects whose deletion waits on nothing.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::gc_owners::Owners;
use super::names;
use super::queue::Reconciler;
use crate::resources::{ALL, Res};
use crate::store::{EventType, Store, WatchEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

const FOREGROUND: &str = "foregroundDeletion";
const ORPHAN: &str = "orphan";

fn finalizers(o: &Value) -> Vec<String> {
    o.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(String::from))
        .collect()
}

/// The grace period a plain DELETE gives: pods bound to a node get their
/// terminationGracePeriodSeconds; everything else goes at once.
fn default_grace(res: Res, o: &Value) -> i64 {
    if res != Res::Pod {
        return 0;
    }
    let bound = names::str_at(o, "/spec/nodeName").is_some_and(|n| !n.is_empty());
    let finished = matches!(names::pod_phase(o), "Succeeded" | "Failed");
    if !bound || finished {
        return 0;
    }
    names::int_at(o, "/spec/terminationGracePeriodSeconds")
        .unwrap_or(30)
        .max(0)
}

/// Deletes like `DELETE` with the default grace period and the given propagation.
pub fn delete_object(store: &Store, res: Res, ns: &str, name: &str, propagation: Propagation) {
    let Some(o) = store.get(res, ns, name) else {
        return;
    };
    if names::is_deleting(&o) {
        return;
    }
    let grace = default_grace(res, &o);
    let mut fins = finalizers(&o);
    let add = match propagation {
        Propagation::Background => None,
        Propagation::Foreground => Some(FOREGROUND),
        Propagation::Orphan => Some(ORPHAN),
    };
    if let Some(f) = add
        && !fins.iter().any(|x| x == f)
    {
        fins.push(f.to_string());
    }
    if grace == 0 && fins.is_empty() {
        let _ = store.delete(res, ns, name);
        return;
    }
    let at = store
        .clock()
        .now()
        .checked_add(jiff::SignedDuration::from_secs(grace))
        .unwrap_or_else(|_| store.clock().now());
    let stamp = crate::clock::format_seconds(at);
    store.mutate(res, ns, name, |o| {
        if names::is_deleting(o) {
            return false;
        }
        o["metadata"]["deletionTimestamp"] = json!(stamp);
        o["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
        if !fins.is_empty() {
            o["metadata"]["finalizers"] = json!(fins);
        }
        true
    });
}

/// Adoption, as workload controllers do it: objects of `res` in the owner's namespace
/// that have no controller, match `selector` and pass `also`, get the owner as their
/// controller (after `kubectl delete --cascade=orphan` and a re-apply, for instance).
pub fn adopt(
    store: &Store,
    res: Res,
    owner: &Value,
    kind: &str,
    selector: &Value,
    also: impl Fn(&Value) -> bool,
) {
    let ns = names::namespace(owner);
    let owner_ref = names::controller_ref(owner, "apps/v1", kind);
    for o in store.list(res, Some(ns)).0 {
        let controlled = names::owner_refs(&o)
            .iter()
            .any(|r| r["controller"] == json!(true));
        if controlled
            || names::is_deleting(&o)
            || !names::selector_matches(Some(selector), &names::labels(&o))
            || !also(&o)
        {
            continue;
        }
        store.mutate(res, ns, names::name(&o), |o| {
            let mut refs = names::owner_refs(o).to_vec();
            if refs.iter().any(|r| r["controller"] == json!(true)) {
                return false;
            }
            refs.push(owner_ref.clone());
            o["metadata"]["ownerReferences"] = json!(refs);
            true
        });
    }
}

/// The served resource of an owner reference's kind.
pub fn res_of_kind(kind: &str) -> Option<Res> {
    ALL.iter().find(|i| i.kind == kind).map(|i| i.res)
}

type Key = (Res, String, String);

#[derive(Default)]
pub struct GarbageCollector {
    /// Who owns what, kept from the events (see `gc_owners`).
    owners: Owners,
}

impl Reconciler for GarbageCollector {
    type Key = Key;

    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<Key> {
        if event.res == Res::Event {
            return Vec::new();
        }
        let o = &event.object;
        self.owners
            .observe(event.res, o, event.kind == EventType::Deleted);
        let key = |res: Res, o: &Value| {
            (
                res,
                names::namespace(o).to_string(),
                names::name(o).to_string(),
            )
        };
        let mut keys = Vec::new();
        if event.kind == EventType::Deleted {
            // Its dependents may now be orphans.
            if !event.namespace.is_empty() {
                keys.extend(
                    self.owners
                        .dependents(store, &event.namespace, names::uid(o))
                        .iter()
                        .map(|(res, d)| key(*res, d)),
                );
            }
        } else if names::is_deleting(o) || !names::owner_refs(o).is_empty() {
            keys.push(key(event.res, o));
        }
        // An owner waiting in foreground deletion looks again when a dependent changes.
        for r in names::owner_refs(o) {
            if let (Some(res), Some(name)) =
                (r["kind"].as_str().and_then(res_of_kind), r["name"].as_str())
            {
                let ns = if res.info().namespaced {
                    event.namespace.clone()
                } else {
                    String::new()
                };
                keys.push((res, ns, name.to_string()));
            }
        }
        keys
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        self.owners.rebuild(store, None);
        let mut keys = Vec::new();
        for info in ALL.iter().filter(|i| i.res != Res::Event) {
            for o in store.list(info.res, None).0 {
                if names::is_deleting(&o) || !names::owner_refs(&o).is_empty() {
                    keys.push((
                        info.res,
                        names::namespace(&o).to_string(),
                        names::name(&o).to_string(),
                    ));
                }
            }
        }
        keys
    }

    fn reconcile(&mut self, store: &Arc<Store>, (res, ns, name): &Key) -> Option<Duration> {
        let o = store.get(*res, ns, name)?;
        if names::is_deleting(&o) {
            finish_deletion(store, &self.owners, *res, &o);
            return None;
        }
        let refs = names::owner_refs(&o).to_vec();
        if refs.is_empty() {
            return None;
        }
        let alive: Vec<&Value> = refs.iter().filter(|r| owner_exists(store, ns, r)).collect();
        if alive.is_empty() {
            delete_object(store, *res, ns, name, Propagation::Background);
        } else if alive.len() < refs.len() {
            let keep: Vec<Value> = alive.into_iter().cloned().collect();
            store.mutate(*res, ns, name, |o| {
                o["metadata"]["ownerReferences"] = json!(keep);
                true
            });
        }
        None
    }
}

fn owner_exists(store: &Store, ns: &str, r: &Value) -> bool {
    let Some(res) = r["kind"].as_str().and_then(res_of_kind) else {
        // An owner of a kind we do not serve cannot be checked: keep the dependent.
        return true;
    };
    let ns = if res.info().namespaced { ns } else { "" };
    let name = r["name"].as_str().unwrap_or("");
    store
        .get(res, ns, name)
        .is_some_and(|o| r["uid"] == names::uid(&o))
}

fn remove_finalizer(store: &Store, res: Res, o: &Value, finalizer: &str) {
    store.mutate(res, names::namespace(o), names::name(o), |o| {
        let Some(list) = o["metadata"]["finalizers"].as_array_mut() else {
            return false;
        };
        let before = list.len();
        list.retain(|f| f != finalizer);
        let changed = list.len() != before;
        if list.is_empty()
            && let Some(m) = o["metadata"].as_object_mut()
        {
            m.remove("finalizers");
        }
        changed
    });
}

/// Works on an object marked for deletion: orphan or foreground-delete its dependents,
/// then remove it once no finalizer holds it.
fn finish_deletion(store: &Store, owners: &Owners, res: Res, o: &Value) {
    let ns = names::namespace(o);
    let uid = names::uid(o);
    let fins = finalizers(o);
    if fins.iter().any(|f| f == ORPHAN) {
        for (dres, d) in owners.dependents(store, ns, uid) {
            store.mutate(dres, ns, names::name(&d), |d| {
                let Some(refs) = d["metadata"]["ownerReferences"].as_array_mut() else {
                    return false;
                };
                refs.retain(|r| r["uid"] != uid);
                if refs.is_empty()
                    && let Some(m) = d["metadata"].as_object_mut()
                {
                    m.remove("ownerReferences");
                }
                true
            });
        }
        remove_finalizer(store, res, o, ORPHAN);
    }
    if fins.iter().any(|f| f == FOREGROUND) {
        let deps = owners.dependents(store, ns, uid);
        for (dres, d) in &deps {
            let has_own = !owners.dependents(store, ns, names::uid(d)).is_empty();
            let how = if has_own {
                Propagation::Foreground
            } else {
                Propagation::Background
            };
            delete_object(store, *dres, ns, names::name(d), how);
        }
        let blocking = deps.iter().any(|(_, d)| {
            names::owner_refs(d)
                .iter()
                .any(|r| r["uid"] == uid && r["blockOwnerDeletion"] == json!(true))
        });
        if !blocking {
            remove_finalizer(store, res, o, FOREGROUND);
        }
    }
    let Some(now) = store.get(res, ns, names::name(o)) else {
        return;
    };
    if names::uid(&now) != uid || !finalizers(&now).is_empty() {
        return;
    }
    // A namespace waits on its spec.finalizers: the namespace controller removes it.
    if res == Res::Namespace {
        return;
    }
    // A pod on a node is the kubelet's to remove once its containers stopped.
    let kubelet_owns = res == Res::Pod
        && names::str_at(&now, "/spec/nodeName").is_some_and(|n| !n.is_empty())
        && names::int_at(&now, "/metadata/deletionGracePeriodSeconds").unwrap_or(0) > 0;
    if !kubelet_owns {
        let _ = store.delete(res, ns, names::name(&now));
    }
}
