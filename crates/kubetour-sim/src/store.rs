//! The simulated cluster's storage: what etcd plus the generic registry are in a real
//! API server. Objects are kept as JSON, keyed by resource, namespace and name; every
//! write takes the next value of one cluster-wide resourceVersion counter and is recorded
//! in a bounded history, so watches can resume from a resourceVersion (and get 410 Gone
//! when it has been compacted away).
//!
//! The store knows nothing about HTTP, RBAC or controllers; it fills the metadata the
//! registry fills (uid, resourceVersion, creationTimestamp, generation) and refuses
//! stale writes. Graceful deletion, garbage collection and validation live above it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};
use tokio::sync::broadcast;

use super::clock::Clock;
use super::resources::Res;

/// A hard cap on past events kept for watches that resume from a resourceVersion; the
/// periodic compaction (`store_expiry`) keeps it far lower under ordinary churn.
const HISTORY: usize = 20_000;
/// How far a slow watcher may fall behind before it is dropped (and must resume).
const FANOUT: usize = 8_192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as a watch delivers it.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub rv: u64,
    pub kind: EventType,
    pub res: Res,
    pub namespace: String,
    pub object: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{res:?} {name:?} not found")]
    NotFound { res: Res, name: String },
    #[error("{res:?} {name:?} already exists")]
    AlreadyExists { res: Res, name: String },
    #[error("{res:?} {name:?}: resourceVersion {given} is stale (current {current})")]
    Conflict {
        res: Res,
        name: String,
        given: String,
        current: u64,
    },
    #[error("resourceVersion {requested} is too old (oldest kept {oldest})")]
    Gone { requested: u64, oldest: u64 },
    #[error("object has no metadata.name")]
    MissingName,
}

#[derive(Debug)]
struct State {
    rv: u64,
    objects: BTreeMap<Key, Held>,
    /// Past writes as packed JSON text (`store_held`), oldest first.
    history: VecDeque<Past>,
    /// What packed texts were packed against.
    dicts: Dictionaries,
    /// Where Events' leases are counted from (`Held`).
    epoch: tokio::time::Instant,
}

#[derive(Debug)]
pub struct Store {
    state: Mutex<State>,
    events: broadcast::Sender<Arc<WatchEvent>>,
    clock: Clock,
}

/// A consistent starting point for a watch: events already past, then live ones.
pub struct Subscription {
    pub backlog: Vec<Arc<WatchEvent>>,
    pub live: broadcast::Receiver<Arc<WatchEvent>>,
    /// The resourceVersion the store was at when subscribing.
    pub rv: u64,
}

impl Store {
    pub fn new(clock: Clock) -> Arc<Store> {
        let (events, _) = broadcast::channel(FANOUT);
        Arc::new(Store {
            state: Mutex::new(State {
                // Real clusters start far from 0; clients must treat it as opaque anyway.
                rv: 1000,
                objects: BTreeMap::new(),
                history: VecDeque::new(),
                dicts: Dictionaries::default(),
                epoch: tokio::time::Instant::now(),
            }),
            events,
            clock,
        })
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-written (every write is
        // a single insert/remove), so a poisoned lock is still safe to use.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current resourceVersion (what a list reports).
    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, res: Res, namespace: &str, name: &str) -> Option<Value> {
        let state = self.lock();
        state
            .objects
            .get(&Key::new(res, namespace, name))
            .map(|held| held.tree(&state.dicts).into_owned())
    }

    /// Whether an object exists (without reading it back).
    pub fn contains(&self, res: Res, namespace: &str, name: &str) -> bool {
        self.lock()
            .objects
            .contains_key(&Key::new(res, namespace, name))
    }

    /// Objects of a kind, in one namespace or (None) all, ordered by namespace then name,
    /// with the resourceVersion of the snapshot.
    pub fn list(&self, res: Res, namespace: Option<&str>) -> (Vec<Value>, u64) {
        let state = self.lock();
        let items = state
            .objects
            .range(Key::first(res, namespace)..)
            .take_while(|(key, _)| key.is_in(res, namespace))
            .map(|(_, held)| held.tree(&state.dicts).into_owned())
            .collect();
        (items, state.rv)
    }

    /// Stores a new object. Fills uid, resourceVersion, creationTimestamp and generation;
    /// the caller has already set name (or resolved generateName) and namespace.
    pub fn create(&self, res: Res, mut object: Value) -> Result<Value, StoreError> {
        let (namespace, name) = key_parts(&object)?;
        let mut state = self.lock();
        let key = Key::new(res, &namespace, &name);
        if state.objects.contains_key(&key) {
            return Err(StoreError::AlreadyExists { res, name });
        }
        state.rv += 1;
        let rv = state.rv;
        let meta = metadata_mut(&mut object);
        // The API layer drops client-sent uids; one set there was assigned by the
        // registry itself (a Job's generated selector names it).
        let has_uid = meta
            .get("uid")
            .and_then(Value::as_str)
            .is_some_and(|u| !u.is_empty());
        if !has_uid {
            meta.insert("uid".into(), Value::String(new_uid()));
        }
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        meta.insert(
            "creationTimestamp".into(),
            Value::String(self.clock.now_rfc3339()),
        );
        if has_generation(res) {
            meta.insert("generation".into(), Value::from(1));
        }
        self.write(&mut state, EventType::Added, key, object)
    }

    /// Replaces an object. If `object` carries a resourceVersion it must be the current
    /// one (optimistic concurrency, 409 otherwise). Unchanged content is not written, and
    /// keeps its resourceVersion, as the real registry does. Generation is bumped when
    /// anything outside metadata and status changed.
    pub fn update(&self, res: Res, mut object: Value) -> Result<Value, StoreError> {
        let (namespace, name) = key_parts(&object)?;
        let mut state = self.lock();
        let key = Key::new(res, &namespace, &name);
        let Some(current) = state.objects.get(&key).map(|h| h.tree(&state.dicts)) else {
            return Err(StoreError::NotFound { res, name });
        };
        let current_rv = rv_of(&current);
        if let Some(given) = object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            && given.parse::<u64>().ok() != Some(current_rv)
        {
            return Err(StoreError::Conflict {
                res,
                name,
                given: given.to_string(),
                current: current_rv,
            });
        }
        // Fields the client may not change.
        for field in ["uid", "creationTimestamp", "generation"] {
            let meta = metadata_mut(&mut object);
            match current.pointer(&format!("/metadata/{field}")) {
                Some(v) => {
                    meta.insert(field.into(), v.clone());
                }
                None => {
                    meta.remove(field);
                }
            }
        }
        metadata_mut(&mut object).insert(
            "resourceVersion".into(),
            Value::String(current_rv.to_string()),
        );
        if object == *current {
            return Ok(object);
        }
        if has_generation(res) && spec_changed(&current, &object) {
            let generation = current
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            metadata_mut(&mut object).insert("generation".into(), Value::from(generation + 1));
        }
        // `current` may borrow the stored object: let go of it before writing.
        drop(current);
        state.rv += 1;
        let rv = state.rv;
        metadata_mut(&mut object).insert("resourceVersion".into(), Value::String(rv.to_string()));
        self.write(&mut state, EventType::Modified, key, object)
    }

    /// Reads, changes and writes one object under the store's lock, so controllers need
    /// no retry loop. Returns the written object, or None when it does not exist.
    /// `change` returning false means "nothing to do": no write happens.
    pub fn mutate(
        &self,
        res: Res,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut Value) -> bool,
    ) -> Option<Value> {
        let current = self.get(res, namespace, name)?;
        let mut next = current.clone();
        if !change(&mut next) {
            return Some(current);
        }
        // Writing with the read resourceVersion makes a racing writer lose cleanly: retry.
        match self.update(res, next) {
            Ok(v) => Some(v),
            Err(StoreError::Conflict { .. }) => self.mutate_retry(res, namespace, name),
            Err(_) => None,
        }
    }

    fn mutate_retry(&self, res: Res, namespace: &str, name: &str) -> Option<Value> {
        // The closure was consumed; a conflicting write means someone else changed the
        // object in between. The caller's loop (controllers re-reconcile on every event)
        // will see the new state and decide again.
        self.get(res, namespace, name)
    }

    /// Removes an object at once (graceful deletion and finalizers are decided above).
    pub fn delete(&self, res: Res, namespace: &str, name: &str) -> Result<Value, StoreError> {
        let mut state = self.lock();
        let key = Key::new(res, namespace, name);
        let Some(mut object) = state
            .objects
            .remove(&key)
            .map(|held| held.tree(&state.dicts).into_owned())
        else {
            return Err(StoreError::NotFound {
                res,
                name: name.to_string(),
            });
        };
        state.rv += 1;
        let rv = state.rv;
        metadata_mut(&mut object).insert("resourceVersion".into(), Value::String(rv.to_string()));
        let text = Packed::new(&mut state.dicts, res, &object);
        self.record(
            &mut state,
            EventType::Deleted,
            res,
            namespace.to_string(),
            object.clone(),
            text,
        );
        Ok(object)
    }

    /// Subscribes to changes after `since` (None: from now). Backlog and live stream are
    /// taken under one lock, so no event falls between them.
    pub fn subscribe(&self, since: Option<u64>) -> Result<Subscription, StoreError> {
        self.subscribe_where(since, |_| true)
    }

    /// [`Store::subscribe`] for a watch of one resource (in one namespace, or all): its
    /// backlog holds only that resource's past writes. The history is kept as text, so
    /// this is what keeps a resuming watch from parsing every kind's writes back into
    /// trees under the lock (the wizard's twelve watches resume together every few
    /// minutes, each from its last bookmark; parsing the whole minute of history twelve
    /// times over was the simulator's biggest transient under churn).
    pub fn subscribe_to(
        &self,
        since: u64,
        res: Res,
        namespace: Option<&str>,
    ) -> Result<Subscription, StoreError> {
        self.subscribe_where(Some(since), |past| past.is_of(res, namespace))
    }

    fn subscribe_where(
        &self,
        since: Option<u64>,
        wanted: impl Fn(&Past) -> bool,
    ) -> Result<Subscription, StoreError> {
        let state = self.lock();
        let live = self.events.subscribe();
        let backlog = match since {
            None => Vec::new(),
            Some(since) => {
                let oldest = state.history.front().map(|e| e.rv).unwrap_or(state.rv + 1);
                // Resuming is possible when every event after `since` is still kept.
                if since < state.rv && since + 1 < oldest {
                    return Err(StoreError::Gone {
                        requested: since,
                        oldest,
                    });
                }
                state
                    .history
                    .iter()
                    .filter(|e| e.rv > since && wanted(e))
                    .map(|e| e.event(&state.dicts))
                    .collect()
            }
        };
        Ok(Subscription {
            backlog,
            live,
            rv: state.rv,
        })
    }

    /// Stores `object` under `key` (in the field order the real server writes) and
    /// records the write; returns the object as stored.
    fn write(
        &self,
        state: &mut State,
        kind: EventType,
        key: Key,
        mut object: Value,
    ) -> Result<Value, StoreError> {
        let (res, namespace) = (key.res, key.namespace().to_string());
        in_server_order(res, &mut object);
        let text = Packed::new(&mut state.dicts, res, &object);
        state
            .objects
            .insert(key, Held::new(res, object.clone(), &text, state.epoch));
        self.record(state, kind, res, namespace, object.clone(), text);
        Ok(object)
    }

    /// Records a write (whose object's packed JSON is `text`) in the history and sends
    /// it to live watchers.
    fn record(
        &self,
        state: &mut State,
        kind: EventType,
        res: Res,
        namespace: String,
        object: Value,
        text: Packed,
    ) {
        let event = Arc::new(WatchEvent {
            rv: state.rv,
            kind,
            res,
            namespace,
            object,
        });
        if state.history.len() == HISTORY {
            state.history.pop_front();
        }
        state.history.push_back(Past::new(&event, text));
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    /// Drops history older than the newest `keep` events (to test 410 Gone).
    pub fn compact(&self, keep: usize) {
        let mut state = self.lock();
        while state.history.len() > keep {
            state.history.pop_front();
        }
    }
}

/// The resourceVersion of a stored object.
pub fn rv_of(object: &Value) -> u64 {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn key_parts(object: &Value) -> Result<(String, String), StoreError> {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or(StoreError::MissingName)?
        .to_string();
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Ok((namespace, name))
}

/// The object's metadata map, created if missing.
pub fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = Value::Object(Map::new());
    }
    let map = object.as_object_mut().unwrap_or_else(|| unreachable!());
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut().unwrap_or_else(|| unreachable!())
}

/// Type meta filled from the kind, and every key where the real server writes it
/// (`key_order`), so reads, lists and watch events all carry the real order.
fn in_server_order(res: Res, object: &mut Value) {
    let info = res.info();
    if let Some(map) = object.as_object_mut() {
        map.insert("kind".into(), Value::String(info.kind.to_string()));
        map.insert("apiVersion".into(), Value::String(info.api_version()));
    }
    super::key_order::canonical(info.kind, object);
}

/// Kinds whose metadata.generation tracks spec changes.
fn has_generation(res: Res) -> bool {
    match res {
        // As a 1.32/1.33 server: Pods (generation is alpha in 1.33), Namespaces and
        // claims carry none.
        Res::Deployment | Res::ReplicaSet | Res::StatefulSet | Res::Job | Res::CronJob => true,
        Res::Pod
        | Res::Namespace
        | Res::PersistentVolumeClaim
        | Res::Node
        | Res::Service
        | Res::Endpoints
        | Res::ConfigMap
        | Res::Secret
        | Res::ServiceAccount
        | Res::PersistentVolume
        | Res::Event
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::StorageClass
        | Res::Lease
        | Res::NetworkPolicy
        | Res::APIService => false,
    }
}

fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(map) = v.as_object_mut() {
            map.remove("metadata");
            map.remove("status");
        }
        v
    };
    strip(old) != strip(new)
}

/// A random RFC 4122 version-4 UUID.
pub fn new_uid() -> String {
    let bytes: [u8; 16] = rand::random();
    let mut b = bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[path = "store_key.rs"]
mod key;
use key::Key;

#[path = "store_held.rs"]
mod held;
use held::{Dictionaries, Held, Packed, Past};

#[path = "store_snapshot.rs"]
mod snapshot;

#[path = "store_expiry.rs"]
mod expiry;
pub use expiry::{COMPACTION_INTERVAL, EVENT_TTL, HeldSizes, run as run_expiry};

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
