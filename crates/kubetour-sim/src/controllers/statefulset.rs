//! The StatefulSet controller: pods `<set>-<ordinal>` with stable hostname/subdomain,
//! claims `<template>-<set>-<ordinal>` created before their pod and kept afterwards
//! (retention Retain), OrderedReady or Parallel management, rolling updates from the
//! highest ordinal down, ControllerRevisions, and the status `kubectl rollout status`
//! reads.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::events::{Event, Recorder, Reporter};
use super::gc::{Propagation, adopt, delete_object};
use super::names;
use super::podspec::{invalid_pod, pod_from_template};
use super::queue::Reconciler;
use super::replicaset::owned_pods;
use super::volumebinding;
use super::volumes::PVC_PROTECTION;
use crate::resources::Res;
use crate::store::{Store, WatchEvent};

type Key = (String, String);

pub struct StatefulSetController {
    pub recorder: Arc<Recorder>,
}

fn reporter() -> Reporter {
    Reporter::Classic {
        component: "statefulset-controller",
        host: None,
    }
}

fn running_and_ready(pod: &Value) -> bool {
    names::pod_phase(pod) == "Running" && names::pod_is_ready(pod) && !names::is_deleting(pod)
}

fn ordinal(set: &str, pod: &Value) -> Option<i64> {
    names::name(pod)
        .strip_prefix(set)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

impl Reconciler for StatefulSetController {
    type Key = Key;

    fn keys_for(&mut self, _store: &Store, event: &WatchEvent) -> Vec<Key> {
        names::owner_key(event, Res::StatefulSet, Res::Pod, "StatefulSet")
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        names::keys_of(store, Res::StatefulSet)
    }

    fn reconcile(&mut self, store: &Arc<Store>, (ns, name): &Key) -> Option<Duration> {
        let set = store.get(Res::StatefulSet, ns, name)?;
        if names::is_deleting(&set) {
            return None;
        }
        if !names::has_containers(&set) {
            return None;
        }
        let update_rev = ensure_revision(store, &set);
        let replicas = names::int_at(&set, "/spec/replicas").unwrap_or(1).max(0);
        let parallel = set["spec"]["podManagementPolicy"] == "Parallel";
        adopt(
            store,
            Res::Pod,
            &set,
            "StatefulSet",
            &set["spec"]["selector"],
            |p| ordinal(name, p).is_some(),
        );
        let pods: BTreeMap<i64, Value> = owned_pods(store, &set, "StatefulSet")
            .into_iter()
            .filter_map(|p| ordinal(name, &p).map(|i| (i, p)))
            .collect();
        let mut healthy = true;
        let mut retry = None;
        for i in 0..replicas {
            match pods.get(&i) {
                None => {
                    if !self.create_pod(store, &set, i, &update_rev) {
                        // Retried like the real controller's back-off; the event's count grows.
                        retry = Some(store.clock().scaled(Duration::from_secs(10)));
                    }
                    healthy = false;
                }
                Some(p)
                    if matches!(names::pod_phase(p), "Failed" | "Succeeded")
                        && !names::is_deleting(p) =>
                {
                    self.delete_pod(store, &set, p);
                    healthy = false;
                }
                Some(p) => healthy &= running_and_ready(p),
            }
            if !healthy && !parallel {
                break;
            }
        }
        // Condemned pods go highest ordinal first; OrderedReady waits for each.
        if healthy || parallel {
            for (_, p) in pods.range(replicas..).rev() {
                if !names::is_deleting(p) {
                    if set["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Delete"
                    {
                        claims_follow_pod(store, &set, p);
                    }
                    self.delete_pod(store, &set, p);
                }
                if !parallel {
                    break;
                }
            }
        }
        // Rolling update: one pod at a time, highest ordinal first, above the partition.
        let partition =
            names::int_at(&set, "/spec/updateStrategy/rollingUpdate/partition").unwrap_or(0);
        let rolling = set["spec"]["updateStrategy"]["type"] != "OnDelete";
        let all_there = (0..replicas).all(|i| pods.get(&i).is_some_and(running_and_ready));
        if rolling && all_there {
            let stale = pods.range(partition..replicas).rev().find(|(_, p)| {
                p["metadata"]["labels"]["controller-revision-hash"] != update_rev.as_str()
            });
            if let Some((_, p)) = stale {
                self.delete_pod(store, &set, p);
            }
        }
        write_status(store, &set, &update_rev, replicas);
        retry
    }
}

impl StatefulSetController {
    /// Creates the claims and the pod of ordinal `i`; false when the pod is invalid.
    fn create_pod(&self, store: &Store, set: &Value, i: i64, rev: &str) -> bool {
        let (ns, set_name) = (names::namespace(set), names::name(set));
        let pod_name = format!("{set_name}-{i}");
        let mut template = set["spec"]["template"].clone();
        let mut claim_volumes = Vec::new();
        let mut created_claims = Vec::new();
        for t in set["spec"]["volumeClaimTemplates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let t_name = names::name(t);
            let claim = format!("{t_name}-{pod_name}");
            if store.get(Res::PersistentVolumeClaim, ns, &claim).is_none() {
                let mut pvc = new_claim(set, t, &claim);
                // The DefaultStorageClass admission plugin, which our direct write skips.
                if volumebinding::claim_class(&pvc).is_none()
                    && let Some(class) = volumebinding::class_of(store, &pvc)
                {
                    pvc["spec"]["storageClassName"] = json!(names::name(&class));
                }
                let _ = store.create(Res::PersistentVolumeClaim, pvc);
                created_claims.push(claim.clone());
            }
            claim_volumes
                .push(json!({"name": t_name, "persistentVolumeClaim": {"claimName": claim}}));
        }
        let claim_names: Vec<Value> = claim_volumes.iter().map(|v| v["name"].clone()).collect();
        let others = template["spec"]["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| !claim_names.contains(&v["name"]))
            .cloned();
        let volumes: Vec<Value> = claim_volumes.iter().cloned().chain(others).collect();
        if !volumes.is_empty() {
            template["spec"]["volumes"] = json!(volumes);
        }
        template["spec"]["hostname"] = json!(pod_name);
        if let Some(service) = set["spec"]["serviceName"]
            .as_str()
            .filter(|s| !s.is_empty())
        {
            template["spec"]["subdomain"] = json!(service);
        }
        let pod = pod_from_template(
            &template,
            ns,
            &pod_name,
            &format!("{set_name}-"),
            names::controller_ref(set, "apps/v1", "StatefulSet"),
            &[
                ("controller-revision-hash", rev.to_string()),
                ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
                ("apps.kubernetes.io/pod-index", i.to_string()),
            ],
        );
        for claim in &created_claims {
            self.recorder.record(
                set,
                &reporter(),
                Event::normal(
                    "SuccessfulCreate",
                    format!(
                        "create Claim {claim} Pod {pod_name} in StatefulSet {set_name} success"
                    ),
                ),
            );
        }
        let refused = invalid_pod(&pod).or_else(|| {
            crate::workloads::accounts::missing_service_account(store, &pod, &pod_name)
        });
        if let Some(invalid) = refused {
            self.recorder.record(
                set,
                &reporter(),
                Event::warning(
                    "FailedCreate",
                    format!(
                        "create Pod {pod_name} in StatefulSet {set_name} failed error: {invalid}"
                    ),
                ),
            );
            return false;
        }
        if store.create(Res::Pod, pod).is_err() {
            return false;
        }
        self.recorder.record(
            set,
            &reporter(),
            Event::normal(
                "SuccessfulCreate",
                format!("create Pod {pod_name} in StatefulSet {set_name} successful"),
            ),
        );
        true
    }

    fn delete_pod(&self, store: &Store, set: &Value, pod: &Value) {
        delete_object(
            store,
            Res::Pod,
            names::namespace(pod),
            names::name(pod),
            Propagation::Background,
        );
        self.recorder.record(
            set,
            &reporter(),
            Event::normal(
                "SuccessfulDelete",
                format!(
                    "delete Pod {} in StatefulSet {} successful",
                    names::name(pod),
                    names::name(set)
                ),
            ),
        );
    }
}

/// Retention `whenScaled: Delete`: the claims of a pod removed by a scale-down get the
/// pod as owner, so the garbage collector deletes them once the pod is gone.
fn claims_follow_pod(store: &Store, set: &Value, pod: &Value) {
    let owner = json!({
        "apiVersion": "v1", "kind": "Pod", "name": names::name(pod), "uid": names::uid(pod),
        "controller": false, "blockOwnerDeletion": true,
    });
    for t in set["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let claim = format!("{}-{}", names::name(t), names::name(pod));
        store.mutate(
            Res::PersistentVolumeClaim,
            names::namespace(set),
            &claim,
            |c| {
                if names::owner_refs(c)
                    .iter()
                    .any(|r| r["uid"] == owner["uid"])
                {
                    return false;
                }
                let mut refs = names::owner_refs(c).to_vec();
                refs.push(owner.clone());
                c["metadata"]["ownerReferences"] = json!(refs);
                true
            },
        );
    }
}

/// A claim from a volumeClaimTemplate, labelled with the set's selector.
fn new_claim(set: &Value, template: &Value, name: &str) -> Value {
    let mut labels: Map<String, Value> = template["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some(selector) = set["spec"]["selector"]["matchLabels"].as_object() {
        labels.extend(selector.clone());
    }
    let mut spec = template["spec"].clone();
    if spec["volumeMode"].is_null() {
        spec["volumeMode"] = json!("Filesystem");
    }
    let mut metadata = json!({
        "name": name,
        "namespace": names::namespace(set),
        "labels": labels,
        "finalizers": [PVC_PROTECTION],
    });
    if let Some(a) = template["metadata"]["annotations"].as_object() {
        metadata["annotations"] = json!(a);
    }
    // Retention: claims outlive the set unless whenDeleted is Delete.
    if set["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete" {
        metadata["ownerReferences"] = json!([names::controller_ref(set, "apps/v1", "StatefulSet")]);
    }
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": "Pending"},
    })
}

/// The ControllerRevision of the current template; returns its name (the
/// `controller-revision-hash` label value).
fn ensure_revision(store: &Store, set: &Value) -> String {
    let template = &set["spec"]["template"];
    let hash = names::template_hash(template, 0);
    let name = format!("{}-{hash}", names::name(set));
    let ns = names::namespace(set);
    if store.get(Res::ControllerRevision, ns, &name).is_some() {
        return name;
    }
    let revisions = store.list(Res::ControllerRevision, Some(ns)).0;
    let next = revisions
        .iter()
        .filter(|r| names::controller_uid(r, "StatefulSet") == Some(names::uid(set)))
        .filter_map(|r| r["revision"].as_i64())
        .max()
        .unwrap_or(0)
        + 1;
    let mut labels = set["spec"]["selector"]["matchLabels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    labels.insert("controller.kubernetes.io/hash".into(), json!(hash));
    let mut data_template = template.clone();
    data_template["$patch"] = json!("replace");
    let _ = store.create(
        Res::ControllerRevision,
        json!({
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": labels,
                "ownerReferences": [names::controller_ref(set, "apps/v1", "StatefulSet")],
            },
            "data": {"spec": {"template": data_template}},
            "revision": next,
        }),
    );
    name
}

fn write_status(store: &Store, set: &Value, update_rev: &str, replicas: i64) {
    let pods = owned_pods(store, set, "StatefulSet");
    let rev_of = |p: &Value| {
        p["metadata"]["labels"]["controller-revision-hash"]
            .as_str()
            .map(String::from)
    };
    let updated = pods
        .iter()
        .filter(|p| rev_of(p).as_deref() == Some(update_rev))
        .count() as i64;
    let ready = pods.iter().filter(|p| running_and_ready(p)).count() as i64;
    let previous = set["status"]["currentRevision"]
        .as_str()
        .unwrap_or(update_rev)
        .to_string();
    let done = updated == replicas && pods.len() as i64 == replicas;
    let current_rev = if done {
        update_rev.to_string()
    } else {
        previous
    };
    let current = pods
        .iter()
        .filter(|p| rev_of(p).as_deref() == Some(current_rev.as_str()))
        .count() as i64;
    let mut status = json!({
        "observedGeneration": set["metadata"]["generation"],
        "replicas": pods.len(),
        "readyReplicas": ready,
        "currentReplicas": current,
        "updatedReplicas": updated,
        "currentRevision": current_rev,
        "updateRevision": update_rev,
        "collisionCount": 0,
        "availableReplicas": ready,
    });
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| {
            !matches!(
                k.as_str(),
                "readyReplicas" | "currentReplicas" | "updatedReplicas"
            ) || v.as_i64() != Some(0)
        });
    }
    store.mutate(
        Res::StatefulSet,
        names::namespace(set),
        names::name(set),
        |s| {
            if names::uid(s) != names::uid(set) || s["status"] == status {
                return false;
            }
            s["status"] = status;
            true
        },
    );
}
