//! StatefulSets, claims and volumes, driven directly against the store on paused time.

use crate::support::controllers::*;
use kubetour_sim::config::SimConfig;
use kubetour_sim::resources::Res;
use serde_json::{Value, json};

fn statefulset(name: &str, replicas: i64, policy: &str) -> Value {
    let mut t = template(name, "emqx/emqx:5.8.9");
    t["spec"]["containers"][0]["readinessProbe"] =
        json!({"tcpSocket": {"port": 1883}, "initialDelaySeconds": 10, "periodSeconds": 5});
    t["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "data", "mountPath": "/opt/emqx/data"}]);
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "emqx", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "serviceName": "emqx-headless",
            "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": name}},
            "template": t,
            "volumeClaimTemplates": [{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            }],
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        },
    })
}

fn reasons_of(c: &Cluster, name: &str) -> Vec<String> {
    reasons(&c.store, name)
}

fn exists(c: &Cluster, name: &str) -> bool {
    c.store.get(Res::Pod, "emqx", name).is_some()
}

#[tokio::test(start_paused = true)]
async fn ordered_ready_creates_each_pod_only_after_the_previous_one_is_ready() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 3, "OrderedReady"))
        .unwrap();
    wait_for(30, "emqx-0", || exists(&c, "emqx-0").then_some(())).await;
    assert!(!exists(&c, "emqx-1"));
    let mut order = Vec::new();
    wait_for(120, "all three ready", || {
        for i in 0..3 {
            let name = format!("emqx-{i}");
            if exists(&c, &name) && !order.contains(&name) {
                // Every predecessor must already be Ready when a pod appears.
                for j in 0..i {
                    let prev = c.store.get(Res::Pod, "emqx", &format!("emqx-{j}")).unwrap();
                    assert!(
                        is_ready(&prev),
                        "emqx-{i} created before emqx-{j} was ready"
                    );
                }
                order.push(name);
            }
        }
        (ready_pods(&c.store, "emqx-").len() == 3).then_some(())
    })
    .await;
    assert_eq!(order, ["emqx-0", "emqx-1", "emqx-2"]);
    let pod = c.store.get(Res::Pod, "emqx", "emqx-1").unwrap();
    assert_eq!(pod["spec"]["hostname"], "emqx-1");
    assert_eq!(pod["spec"]["subdomain"], "emqx-headless");
    assert_eq!(
        pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"],
        "emqx-1"
    );
    assert_eq!(
        pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"],
        "1"
    );
    assert!(
        pod["metadata"]["labels"]["controller-revision-hash"]
            .as_str()
            .unwrap()
            .starts_with("emqx-")
    );
    assert_eq!(
        pod["spec"]["volumes"][0],
        json!({"name": "data", "persistentVolumeClaim": {"claimName": "data-emqx-1"}})
    );
    let set = wait_for(10, "status", || {
        let s = c.store.get(Res::StatefulSet, "emqx", "emqx").unwrap();
        (s["status"]["readyReplicas"] == 3).then_some(s)
    })
    .await;
    assert_eq!(
        set["status"]["currentRevision"],
        set["status"]["updateRevision"]
    );
    assert_eq!(set["status"]["updatedReplicas"], 3);
    assert_eq!(set["status"]["availableReplicas"], 3);
    let msgs: Vec<String> = events_for(&c.store, "emqx")
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        msgs.contains(
            &"create Claim data-emqx-0 Pod emqx-0 in StatefulSet emqx success".to_string()
        ),
        "{msgs:?}"
    );
    assert!(msgs.contains(&"create Pod emqx-0 in StatefulSet emqx successful".to_string()));
}

#[tokio::test(start_paused = true)]
async fn parallel_creates_all_pods_at_once() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 3, "Parallel"))
        .unwrap();
    wait_for(30, "three pods", || {
        (pods(&c.store, "emqx-").len() == 3).then_some(())
    })
    .await;
    assert!(
        ready_pods(&c.store, "emqx-").is_empty(),
        "none is ready yet, all exist"
    );
}

#[tokio::test(start_paused = true)]
async fn claims_are_bound_and_survive_the_deletion_of_the_set() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, "Parallel"))
        .unwrap();
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "emqx-").len() == 2).then_some(())
    })
    .await;
    for i in 0..2 {
        let claim = c
            .store
            .get(
                Res::PersistentVolumeClaim,
                "emqx",
                &format!("data-emqx-{i}"),
            )
            .unwrap();
        assert_eq!(claim["status"]["phase"], "Bound");
        assert_eq!(claim["spec"]["storageClassName"], "standard");
        assert_eq!(claim["metadata"]["labels"]["app"], "emqx");
        let pv_name = claim["spec"]["volumeName"].as_str().unwrap();
        assert_eq!(
            pv_name,
            format!("pvc-{}", claim["metadata"]["uid"].as_str().unwrap())
        );
        let pv = c.store.get(Res::PersistentVolume, "", pv_name).unwrap();
        assert_eq!(pv["status"]["phase"], "Bound");
        assert_eq!(pv["spec"]["claimRef"]["name"], format!("data-emqx-{i}"));
        let reasons = reasons(&c.store, &format!("data-emqx-{i}"));
        assert!(
            reasons.contains(&"ProvisioningSucceeded".to_string()),
            "{reasons:?}"
        );
        // WaitForFirstConsumer: the volume is made on the node the pod was given.
        let pod = c.store.get(Res::Pod, "emqx", &format!("emqx-{i}")).unwrap();
        let node = &pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"]
            [0]["values"][0];
        assert_eq!(node, &pod["spec"]["nodeName"]);
        assert_eq!(
            claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"],
            *node
        );
        let pod_reasons = reasons_of(&c, &format!("emqx-{i}"));
        assert!(
            !pod_reasons.contains(&"FailedScheduling".to_string()),
            "{pod_reasons:?}"
        );
    }
    c.store.delete(Res::StatefulSet, "emqx", "emqx").unwrap();
    wait_for(120, "pods gone", || {
        pods(&c.store, "emqx-").is_empty().then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(
        c.store
            .list(Res::PersistentVolumeClaim, Some("emqx"))
            .0
            .len(),
        2
    );
}

#[tokio::test(start_paused = true)]
async fn a_recreated_pod_gets_its_old_claim() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, "OrderedReady"))
        .unwrap();
    wait_for(90, "ready", || {
        (ready_pods(&c.store, "emqx-").len() == 2).then_some(())
    })
    .await;
    let claim_uid = c
        .store
        .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-1")
        .unwrap()["metadata"]["uid"]
        .clone();
    let old = c.store.get(Res::Pod, "emqx", "emqx-1").unwrap();
    let old_uid = old["metadata"]["uid"].clone();
    c.store.delete(Res::Pod, "emqx", "emqx-1").unwrap();
    let new = wait_for(60, "emqx-1 back", || {
        c.store
            .get(Res::Pod, "emqx", "emqx-1")
            .filter(|p| p["metadata"]["uid"] != old_uid && is_ready(p))
    })
    .await;
    assert_eq!(
        new["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "data-emqx-1"
    );
    assert_eq!(
        new["spec"]["nodeName"], old["spec"]["nodeName"],
        "follows its local volume"
    );
    let claim = c
        .store
        .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-1")
        .unwrap();
    assert_eq!(claim["metadata"]["uid"], claim_uid);
}

#[tokio::test(start_paused = true)]
async fn without_a_default_storage_class_claims_stay_pending_with_the_real_event() {
    let c = cluster(SimConfig {
        default_storage_class: false,
        ..SimConfig::default()
    });
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 1, "OrderedReady"))
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(40)).await;
    let claim = c
        .store
        .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-0")
        .unwrap();
    assert_eq!(claim["status"]["phase"], "Pending");
    assert!(claim["spec"].get("storageClassName").is_none());
    let events = events_for(&c.store, "data-emqx-0");
    let failed = events
        .iter()
        .find(|e| e["reason"] == "FailedBinding")
        .unwrap();
    assert_eq!(
        failed["message"],
        "no persistent volumes available for this claim and no storage class is set"
    );
    assert_eq!(failed["source"]["component"], "persistentvolume-controller");
    assert!(
        failed["count"].as_i64().unwrap() >= 3,
        "count grows: {failed}"
    );
    let pod = c.store.get(Res::Pod, "emqx", "emqx-0").unwrap();
    assert_eq!(pod["status"]["phase"], "Pending");
    let scheduled = condition(&pod, "PodScheduled").unwrap();
    assert_eq!(scheduled["reason"], "Unschedulable");
    assert_eq!(
        scheduled["message"],
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    assert!(reasons(&c.store, "emqx-0").contains(&"FailedScheduling".to_string()));
    assert!(!exists(&c, "emqx-1"));
}

#[tokio::test(start_paused = true)]
async fn a_template_change_replaces_pods_from_the_highest_ordinal() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, "OrderedReady"))
        .unwrap();
    let first = wait_for(90, "ready", || {
        let s = c.store.get(Res::StatefulSet, "emqx", "emqx").unwrap();
        (s["status"]["readyReplicas"] == 2).then_some(s)
    })
    .await;
    c.store
        .mutate(Res::StatefulSet, "emqx", "emqx", |s| {
            s["spec"]["template"]["spec"]["containers"][0]["image"] = json!("emqx/emqx:5.8.10");
            true
        })
        .unwrap();
    let done = wait_for(180, "rolled", || {
        let s = c.store.get(Res::StatefulSet, "emqx", "emqx").unwrap();
        let ok = s["status"]["observedGeneration"] == 2
            && s["status"]["readyReplicas"] == 2
            && s["status"]["currentRevision"] == s["status"]["updateRevision"];
        ok.then_some(s)
    })
    .await;
    assert_ne!(
        done["status"]["updateRevision"],
        first["status"]["updateRevision"]
    );
    for p in pods(&c.store, "emqx-") {
        assert_eq!(p["spec"]["containers"][0]["image"], "emqx/emqx:5.8.10");
    }
}

#[tokio::test(start_paused = true)]
async fn a_claim_deleted_while_its_pod_runs_waits_for_the_pod_then_its_volume_goes() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 1, "Parallel"))
        .unwrap();
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "emqx-").len() == 1).then_some(())
    })
    .await;
    let claim = c
        .store
        .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-0")
        .unwrap();
    let volume = claim["spec"]["volumeName"].as_str().unwrap().to_string();
    // Teardown order: the claim first (as the API marks it), then the set.
    c.store
        .mutate(Res::PersistentVolumeClaim, "emqx", "data-emqx-0", |p| {
            p["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:00Z");
            p["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            true
        })
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert!(
        c.store
            .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-0")
            .is_some(),
        "kept by pvc-protection while the pod uses it"
    );
    c.store.delete(Res::StatefulSet, "emqx", "emqx").unwrap();
    wait_for(60, "claim and volume gone", || {
        let claim = c
            .store
            .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-0");
        let pv = c.store.get(Res::PersistentVolume, "", &volume);
        (claim.is_none() && pv.is_none()).then_some(())
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_volume_mount_naming_no_claim_template_fails_pod_creation_with_the_real_event() {
    let c = cluster(SimConfig::default());
    let mut set = statefulset("emqx", 1, "OrderedReady");
    set["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] =
        json!("emqx-data");
    c.store.create(Res::StatefulSet, set).unwrap();
    let event = wait_for(30, "FailedCreate", || {
        events_for(&c.store, "emqx")
            .into_iter()
            .find(|e| e["reason"] == "FailedCreate" && e["count"].as_i64() >= Some(2))
    })
    .await;
    assert_eq!(event["type"], "Warning");
    assert_eq!(
        event["message"],
        "create Pod emqx-0 in StatefulSet emqx failed error: Pod \"emqx-0\" is invalid: spec.containers[0].volumeMounts[0].name: Not found: \"emqx-data\""
    );
    assert!(!exists(&c, "emqx-0"));
    // The claim from the template is made all the same, as on a real cluster.
    assert!(
        c.store
            .get(Res::PersistentVolumeClaim, "emqx", "data-emqx-0")
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn scaling_down_keeps_claims_unless_retention_says_delete_when_scaled() {
    let c = cluster(SimConfig::default());
    let mut keep = statefulset("keep", 2, "Parallel");
    keep["spec"]["serviceName"] = json!("keep");
    let mut drop = statefulset("drop", 2, "Parallel");
    drop["spec"]["persistentVolumeClaimRetentionPolicy"] =
        json!({"whenDeleted": "Retain", "whenScaled": "Delete"});
    c.store.create(Res::StatefulSet, keep).unwrap();
    c.store.create(Res::StatefulSet, drop).unwrap();
    wait_for(90, "4 ready", || {
        (ready_pods(&c.store, "keep-").len() + ready_pods(&c.store, "drop-").len() == 4)
            .then_some(())
    })
    .await;
    for name in ["keep", "drop"] {
        c.store
            .mutate(Res::StatefulSet, "emqx", name, |s| {
                s["spec"]["replicas"] = json!(1);
                true
            })
            .unwrap();
    }
    wait_for(60, "scaled down", || {
        let gone = !exists(&c, "keep-1") && !exists(&c, "drop-1");
        gone.then_some(())
    })
    .await;
    wait_for(30, "drop's claim deleted", || {
        c.store
            .get(Res::PersistentVolumeClaim, "emqx", "data-drop-1")
            .is_none()
            .then_some(())
    })
    .await;
    assert!(
        c.store
            .get(Res::PersistentVolumeClaim, "emqx", "data-keep-1")
            .is_some()
    );
    assert!(
        c.store
            .get(Res::PersistentVolumeClaim, "emqx", "data-drop-0")
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn a_statefulset_recreated_after_orphan_deletion_adopts_the_running_pods() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, "Parallel"))
        .unwrap();
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "emqx-").len() == 2).then_some(())
    })
    .await;
    let uids: Vec<Value> = pods(&c.store, "emqx-")
        .iter()
        .map(|p| p["metadata"]["uid"].clone())
        .collect();
    // `kubectl delete sts --cascade=orphan`, then apply it again.
    c.store
        .mutate(Res::StatefulSet, "emqx", "emqx", |s| {
            s["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:00Z");
            s["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            s["metadata"]["finalizers"] = json!(["orphan"]);
            true
        })
        .unwrap();
    wait_for(30, "set gone", || {
        c.store
            .get(Res::StatefulSet, "emqx", "emqx")
            .is_none()
            .then_some(())
    })
    .await;
    assert_eq!(
        ready_pods(&c.store, "emqx-").len(),
        2,
        "pods outlive the set"
    );
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, "Parallel"))
        .unwrap();
    let set = wait_for(30, "adopted", || {
        let s = c.store.get(Res::StatefulSet, "emqx", "emqx")?;
        (s["status"]["readyReplicas"] == 2).then_some(s)
    })
    .await;
    let now: Vec<Value> = pods(&c.store, "emqx-")
        .iter()
        .map(|p| p["metadata"]["uid"].clone())
        .collect();
    assert_eq!(now, uids, "the same pods, not new ones");
    for p in pods(&c.store, "emqx-") {
        assert_eq!(
            p["metadata"]["ownerReferences"][0]["uid"],
            set["metadata"]["uid"]
        );
    }
}
