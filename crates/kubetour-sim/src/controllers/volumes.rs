//! Claims and volumes: the PersistentVolume controller (binding, the default class
//! for claims without one, FailedBinding while nothing fits, reclaiming volumes of
//! deleted claims), the local-path provisioner behind the default class, and the
//! pvc-protection controller (a claim in use by a pod is deleted only after the pod).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::events::{Event, Recorder, Reporter};
use super::names;
use super::queue::Reconciler;
use super::seed;
use super::volumebinding::{DEFAULT_CLASS_ANNOTATION, SELECTED_NODE, claim_class};
use crate::resources::Res;
use crate::store::{EventType, Store, WatchEvent};

/// How often the PV controller looks at a claim that cannot bind (its resync period).
const RESYNC: Duration = Duration::from_secs(15);
/// How long the provisioner takes to create a volume.
const PROVISION: Duration = Duration::from_millis(1500);
pub const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Claim(String, String),
    Volume(String),
}

pub struct VolumeController {
    pub recorder: Arc<Recorder>,
    /// Claim uid -> when its volume will be ready.
    provisioning: HashMap<String, Instant>,
}

impl VolumeController {
    pub fn new(recorder: Arc<Recorder>) -> VolumeController {
        VolumeController {
            recorder,
            provisioning: HashMap::new(),
        }
    }
}

fn pv_controller() -> Reporter {
    Reporter::Classic {
        component: "persistentvolume-controller",
        host: None,
    }
}

fn provisioner() -> Reporter {
    Reporter::Classic {
        component: "rancher.io/local-path_local-path-provisioner-7b8c8ddbd6-sim",
        host: None,
    }
}

fn claim_keys(store: &Store, ns: Option<&str>) -> Vec<Key> {
    store
        .list(Res::PersistentVolumeClaim, ns)
        .0
        .iter()
        .map(|c| Key::Claim(names::namespace(c).to_string(), names::name(c).to_string()))
        .collect()
}

fn claims_of_pod(pod: &Value) -> Vec<Key> {
    pod["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| names::str_at(v, "/persistentVolumeClaim/claimName"))
        .map(|c| Key::Claim(names::namespace(pod).to_string(), c.to_string()))
        .collect()
}

impl Reconciler for VolumeController {
    type Key = Key;

    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<Key> {
        let o = &event.object;
        match event.res {
            Res::PersistentVolumeClaim => {
                let mut keys = vec![Key::Claim(
                    event.namespace.clone(),
                    names::name(o).to_string(),
                )];
                if event.kind == EventType::Deleted
                    && let Some(volume) = names::str_at(o, "/spec/volumeName")
                {
                    keys.push(Key::Volume(volume.to_string()));
                }
                keys
            }
            Res::PersistentVolume => vec![Key::Volume(names::name(o).to_string())],
            Res::StorageClass => claim_keys(store, None),
            Res::Pod if event.kind == EventType::Deleted => claims_of_pod(o),
            _ => Vec::new(),
        }
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        let mut keys = claim_keys(store, None);
        keys.extend(
            store
                .list(Res::PersistentVolume, None)
                .0
                .iter()
                .map(|v| Key::Volume(names::name(v).to_string())),
        );
        keys
    }

    fn reconcile(&mut self, store: &Arc<Store>, key: &Key) -> Option<Duration> {
        match key {
            Key::Volume(name) => {
                reclaim(store, name);
                None
            }
            Key::Claim(ns, name) => {
                let pvc = store.get(Res::PersistentVolumeClaim, ns, name)?;
                if names::is_deleting(&pvc) {
                    release_protection(store, &pvc);
                    return None;
                }
                if names::str_at(&pvc, "/status/phase") == Some("Bound") {
                    self.provisioning.remove(names::uid(&pvc));
                    return None;
                }
                self.bind(store, &pvc)
            }
        }
    }
}

impl VolumeController {
    fn bind(&mut self, store: &Store, pvc: &Value) -> Option<Duration> {
        let (ns, name) = (names::namespace(pvc), names::name(pvc));
        // A volume already made or bound for this claim (a half-finished bind).
        if let Some(pv) = store
            .list(Res::PersistentVolume, None)
            .0
            .into_iter()
            .find(|pv| pv["spec"]["claimRef"]["uid"] == names::uid(pvc))
        {
            bind_both(store, pvc, &pv);
            return None;
        }
        let classes = store.list(Res::StorageClass, None).0;
        let class = claim_class(pvc).map(String::from);
        let Some(class) = class else {
            // Retroactive default class assignment (GA since 1.28).
            if let Some(default) = classes
                .iter()
                .find(|c| c["metadata"]["annotations"][DEFAULT_CLASS_ANNOTATION] == "true")
            {
                let default = names::name(default).to_string();
                store.mutate(Res::PersistentVolumeClaim, ns, name, |c| {
                    c["spec"]["storageClassName"] = json!(default);
                    true
                });
                return None;
            }
            return self.unbindable(
                store,
                pvc,
                "no persistent volumes available for this claim and no storage class is set",
            );
        };
        if let Some(pv) = matching_volume(store, pvc, &class) {
            bind_both(store, pvc, &pv);
            return None;
        }
        if class.is_empty() {
            return self.unbindable(
                store,
                pvc,
                "no persistent volumes available for this claim and no storage class is set",
            );
        }
        let Some(sc) = classes.iter().find(|c| names::name(c) == class) else {
            self.recorder.record(
                pvc,
                &pv_controller(),
                Event::warning(
                    "ProvisioningFailed",
                    format!("storageclass.storage.k8s.io \"{class}\" not found"),
                ),
            );
            return Some(store.clock().scaled(RESYNC));
        };
        let node = pvc["metadata"]["annotations"][SELECTED_NODE].as_str();
        if sc["volumeBindingMode"] == "WaitForFirstConsumer" && node.is_none() {
            self.recorder.record(
                pvc,
                &pv_controller(),
                Event::normal(
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding",
                ),
            );
            return Some(store.clock().scaled(RESYNC));
        }
        let uid = names::uid(pvc).to_string();
        let now = Instant::now();
        let Some(ready_at) = self.provisioning.get(&uid).copied() else {
            let driver = sc["provisioner"]
                .as_str()
                .unwrap_or(seed::PROVISIONER)
                .to_string();
            store.mutate(Res::PersistentVolumeClaim, ns, name, |c| {
                if !c["metadata"]["annotations"].is_object() {
                    c["metadata"]["annotations"] = json!({});
                }
                let a = &mut c["metadata"]["annotations"];
                a["volume.beta.kubernetes.io/storage-provisioner"] = json!(driver);
                a["volume.kubernetes.io/storage-provisioner"] = json!(driver);
                true
            });
            self.recorder.record(pvc, &pv_controller(), Event::normal(
                "ExternalProvisioning",
                format!("Waiting for a volume to be created either by the external provisioner '{driver}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."),
            ));
            self.recorder.record(
                pvc,
                &provisioner(),
                Event::normal(
                    "Provisioning",
                    format!(
                        "External provisioner is provisioning volume for claim \"{ns}/{name}\""
                    ),
                ),
            );
            let delay = store.clock().scaled(PROVISION);
            self.provisioning.insert(uid, now + delay);
            return Some(delay);
        };
        if ready_at > now {
            return Some(ready_at - now);
        }
        let pv = provisioned_volume(pvc, sc);
        let Ok(pv) = store.create(Res::PersistentVolume, pv) else {
            return Some(store.clock().scaled(RESYNC));
        };
        bind_both(store, pvc, &pv);
        self.recorder.record(
            pvc,
            &provisioner(),
            Event::normal(
                "ProvisioningSucceeded",
                format!("Successfully provisioned volume {}", names::name(&pv)),
            ),
        );
        None
    }

    /// FailedBinding, repeated every resync (the count grows, as on a real cluster).
    fn unbindable(&self, store: &Store, pvc: &Value, message: &str) -> Option<Duration> {
        self.recorder.record(
            pvc,
            &pv_controller(),
            Event::normal("FailedBinding", message),
        );
        Some(store.clock().scaled(RESYNC))
    }
}

fn request(pvc: &Value) -> String {
    pvc["spec"]["resources"]["requests"]["storage"]
        .as_str()
        .unwrap_or("1Gi")
        .to_string()
}

/// Bytes of a quantity like `1Gi`, `500Mi`, `10G` (enough to compare sizes).
pub fn quantity_bytes(q: &str) -> u128 {
    let units: [(&str, u128); 10] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
    ];
    for (suffix, factor) in units {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<u128>().unwrap_or(0) * factor;
        }
    }
    q.parse().unwrap_or(0)
}

/// An Available volume of the claim's class that is big enough (static binding).
fn matching_volume(store: &Store, pvc: &Value, class: &str) -> Option<Value> {
    let want = quantity_bytes(&request(pvc));
    store
        .list(Res::PersistentVolume, None)
        .0
        .into_iter()
        .find(|pv| {
            pv["spec"]["claimRef"].is_null()
                && !names::is_deleting(pv)
                && pv["spec"]["storageClassName"].as_str().unwrap_or("") == class
                && quantity_bytes(pv["spec"]["capacity"]["storage"].as_str().unwrap_or("0")) >= want
        })
}

fn provisioned_volume(pvc: &Value, class: &Value) -> Value {
    let (ns, name, uid) = (names::namespace(pvc), names::name(pvc), names::uid(pvc));
    let pv_name = format!("pvc-{uid}");
    let mut pv = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": pv_name,
            "annotations": {"pv.kubernetes.io/provisioned-by": class["provisioner"]},
        },
        "spec": {
            "capacity": {"storage": request(pvc)},
            "accessModes": pvc["spec"]["accessModes"],
            "claimRef": claim_ref(pvc),
            "persistentVolumeReclaimPolicy": class["reclaimPolicy"].as_str().unwrap_or("Delete"),
            "storageClassName": names::name(class),
            "volumeMode": pvc["spec"]["volumeMode"].as_str().unwrap_or("Filesystem"),
            "hostPath": {
                "path": format!("/var/local-path-provisioner/{pv_name}_{ns}_{name}"),
                "type": "DirectoryOrCreate",
            },
        },
        "status": {"phase": "Bound"},
    });
    // local-path volumes live on one node: the one the scheduler picked.
    if let Some(node) = pvc["metadata"]["annotations"][SELECTED_NODE].as_str() {
        pv["metadata"]["annotations"]["local.path.provisioner/selected-node"] = json!(node);
        pv["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}
        ]}]}});
    }
    pv
}

fn claim_ref(pvc: &Value) -> Value {
    json!({
        "kind": "PersistentVolumeClaim",
        "namespace": names::namespace(pvc),
        "name": names::name(pvc),
        "uid": names::uid(pvc),
        "apiVersion": "v1",
        "resourceVersion": pvc["metadata"]["resourceVersion"],
    })
}

fn bind_both(store: &Store, pvc: &Value, pv: &Value) {
    let claim = claim_ref(pvc);
    store.mutate(Res::PersistentVolume, "", names::name(pv), |v| {
        v["spec"]["claimRef"] = claim.clone();
        v["status"] = json!({"phase": "Bound"});
        true
    });
    let capacity = pv["spec"]["capacity"].clone();
    let volume = names::name(pv).to_string();
    store.mutate(
        Res::PersistentVolumeClaim,
        names::namespace(pvc),
        names::name(pvc),
        |c| {
            c["spec"]["volumeName"] = json!(volume);
            if !c["metadata"]["annotations"].is_object() {
                c["metadata"]["annotations"] = json!({});
            }
            c["metadata"]["annotations"]["pv.kubernetes.io/bind-completed"] = json!("yes");
            c["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] = json!("yes");
            let modes = c["spec"]["accessModes"].clone();
            c["status"] = json!({"phase": "Bound", "accessModes": modes, "capacity": capacity});
            true
        },
    );
}

/// A volume whose claim is gone: deleted (reclaim policy Delete) or Released (Retain).
fn reclaim(store: &Store, name: &str) {
    let Some(pv) = store.get(Res::PersistentVolume, "", name) else {
        return;
    };
    let claim = &pv["spec"]["claimRef"];
    if claim.is_null() {
        return;
    }
    let ns = claim["namespace"].as_str().unwrap_or("");
    let claim_name = claim["name"].as_str().unwrap_or("");
    let alive = store
        .get(Res::PersistentVolumeClaim, ns, claim_name)
        .is_some_and(|c| claim["uid"] == names::uid(&c));
    if alive {
        return;
    }
    if pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain" {
        store.mutate(Res::PersistentVolume, "", name, |v| {
            if v["status"]["phase"] == "Released" {
                return false;
            }
            v["status"] = json!({"phase": "Released"});
            true
        });
    } else {
        let _ = store.delete(Res::PersistentVolume, "", name);
    }
}

/// Drops the pvc-protection finalizer once no pod uses the claim.
fn release_protection(store: &Store, pvc: &Value) {
    let ns = names::namespace(pvc);
    let in_use = store.list(Res::Pod, Some(ns)).0.iter().any(|p| {
        !matches!(names::pod_phase(p), "Succeeded" | "Failed")
            && claims_of_pod(p).contains(&Key::Claim(ns.to_string(), names::name(pvc).to_string()))
    });
    if in_use {
        return;
    }
    store.mutate(Res::PersistentVolumeClaim, ns, names::name(pvc), |c| {
        let Some(list) = c["metadata"]["finalizers"].as_array_mut() else {
            return false;
        };
        let before = list.len();
        list.retain(|f| f != PVC_PROTECTION);
        before != list.len()
    });
}
