//! Deployments, ReplicaSets, the scheduler, the kubelet and the garbage collector,
//! driven directly against the store on paused time.

use crate::support::controllers::*;
use kubetour_sim::config::SimConfig;
use kubetour_sim::resources::Res;
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn a_deployment_brings_up_ready_pods_through_its_replicaset_and_reports_available() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 3, "emqx/emqx:5.8.9"))
        .unwrap();
    let ready = wait_for(60, "3 ready pods", || {
        let r = ready_pods(&c.store, "web-");
        (r.len() == 3).then_some(r)
    })
    .await;
    let d = wait_for(10, "Available", || {
        let d = c.store.get(Res::Deployment, "emqx", "web").unwrap();
        (d["status"]["availableReplicas"] == 3).then_some(d)
    })
    .await;
    let sets = c.store.list(Res::ReplicaSet, Some("emqx")).0;
    assert_eq!(sets.len(), 1);
    let rs = &sets[0];
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap();
    assert_eq!(rs["metadata"]["name"], format!("web-{hash}"));
    assert_eq!(
        rs["spec"]["selector"]["matchLabels"]["pod-template-hash"],
        hash
    );
    assert_eq!(rs["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(rs["status"]["readyReplicas"], 3);
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    assert_eq!(d["status"]["updatedReplicas"], 3);
    assert_eq!(d["status"]["observedGeneration"], 1);
    let available = condition(&d, "Available").unwrap();
    assert_eq!(available["reason"], "MinimumReplicasAvailable");
    assert_eq!(available["message"], "Deployment has minimum availability.");
    let progressing = condition(&d, "Progressing").unwrap();
    assert_eq!(progressing["reason"], "NewReplicaSetAvailable");
    assert_eq!(
        progressing["message"],
        format!("ReplicaSet \"web-{hash}\" has successfully progressed.")
    );
    // Pods: spread over the three nodes, with IPs from the nodes' CIDRs and kubelet events.
    let mut nodes: Vec<&str> = ready
        .iter()
        .map(|p| p["spec"]["nodeName"].as_str().unwrap())
        .collect();
    nodes.sort();
    nodes.dedup();
    assert_eq!(nodes.len(), 3, "spread over nodes");
    for pod in &ready {
        let name = pod["metadata"]["name"].as_str().unwrap();
        let suffix = name.strip_prefix(&format!("web-{hash}-")).unwrap();
        assert_eq!(suffix.len(), 5, "{name}");
        assert!(
            pod["status"]["podIP"]
                .as_str()
                .unwrap()
                .starts_with("10.244.")
        );
        assert_eq!(pod["status"]["phase"], "Running");
        assert_eq!(pod["metadata"]["labels"]["pod-template-hash"], hash);
        let reasons = reasons(&c.store, name);
        for r in ["Scheduled", "Pulling", "Pulled", "Created", "Started"] {
            assert!(reasons.contains(&r.to_string()), "{name}: {reasons:?}");
        }
        let started = events_for(&c.store, name)
            .into_iter()
            .find(|e| e["reason"] == "Started")
            .unwrap();
        assert_eq!(started["message"], "Started container emqx");
        assert_eq!(started["source"]["component"], "kubelet");
    }
    let scaled = events_for(&c.store, "web");
    assert!(
        scaled
            .iter()
            .any(|e| e["message"] == format!("Scaled up replica set web-{hash} from 0 to 3"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_pod_with_a_readiness_probe_becomes_ready_only_after_its_initial_delay() {
    let c = cluster(SimConfig::default());
    let mut d = deployment("probe", 1, "nginx:1.27");
    d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] =
        json!({"tcpSocket": {"port": 1883}, "initialDelaySeconds": 20, "periodSeconds": 5});
    c.store.create(Res::Deployment, d).unwrap();
    let started = tokio::time::Instant::now();
    let running = wait_for(30, "running", || {
        pods(&c.store, "probe-")
            .into_iter()
            .find(|p| p["status"]["phase"] == "Running")
    })
    .await;
    assert!(!is_ready(&running));
    assert_eq!(
        condition(&running, "Ready").unwrap()["message"],
        "containers with unready status: [emqx]"
    );
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "probe-").len() == 1).then_some(())
    })
    .await;
    assert!(
        started.elapsed().as_secs() >= 20,
        "ready after {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_a_replicaset_owned_pod_brings_a_new_one_with_a_new_name() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 2, "nginx:1.27"))
        .unwrap();
    let before = wait_for(60, "2 ready", || {
        let r = ready_pods(&c.store, "web-");
        (r.len() == 2).then_some(r)
    })
    .await;
    let victim = before[0]["metadata"]["name"].as_str().unwrap().to_string();
    // What the API does on DELETE with the default grace period.
    c.store
        .mutate(Res::Pod, "emqx", &victim, |p| {
            p["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:30Z");
            p["metadata"]["deletionGracePeriodSeconds"] = json!(30);
            true
        })
        .unwrap();
    wait_for(60, "victim gone", || {
        c.store
            .get(Res::Pod, "emqx", &victim)
            .is_none()
            .then_some(())
    })
    .await;
    let after = wait_for(60, "2 ready again", || {
        let r = ready_pods(&c.store, "web-");
        (r.len() == 2).then_some(r)
    })
    .await;
    let names: Vec<&str> = after
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&victim.as_str()), "{names:?}");
    assert!(reasons(&c.store, &victim).contains(&"Killing".to_string()));
}

#[tokio::test(start_paused = true)]
async fn deleting_a_deployment_removes_its_replicasets_and_pods() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 2, "nginx:1.27"))
        .unwrap();
    wait_for(60, "2 ready", || {
        (ready_pods(&c.store, "web-").len() == 2).then_some(())
    })
    .await;
    c.store.delete(Res::Deployment, "emqx", "web").unwrap();
    wait_for(120, "everything gone", || {
        let sets = c.store.list(Res::ReplicaSet, Some("emqx")).0;
        (sets.is_empty() && pods(&c.store, "web-").is_empty()).then_some(())
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn foreground_deletion_keeps_the_deployment_until_its_pods_are_gone() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 1, "nginx:1.27"))
        .unwrap();
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "web-").len() == 1).then_some(())
    })
    .await;
    c.store
        .mutate(Res::Deployment, "emqx", "web", |d| {
            d["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:00Z");
            d["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            d["metadata"]["finalizers"] = json!(["foregroundDeletion"]);
            true
        })
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        c.store.get(Res::Deployment, "emqx", "web").is_some(),
        "held while pods terminate"
    );
    wait_for(120, "deployment gone", || {
        c.store
            .get(Res::Deployment, "emqx", "web")
            .is_none()
            .then_some(())
    })
    .await;
    assert!(pods(&c.store, "web-").is_empty());
    assert!(c.store.list(Res::ReplicaSet, Some("emqx")).0.is_empty());
}

#[tokio::test(start_paused = true)]
async fn scaling_up_and_down_changes_the_pod_count() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 1, "nginx:1.27"))
        .unwrap();
    wait_for(60, "1 ready", || {
        (ready_pods(&c.store, "web-").len() == 1).then_some(())
    })
    .await;
    c.store
        .mutate(Res::Deployment, "emqx", "web", |d| {
            d["spec"]["replicas"] = json!(4);
            true
        })
        .unwrap();
    wait_for(60, "4 ready", || {
        (ready_pods(&c.store, "web-").len() == 4).then_some(())
    })
    .await;
    c.store
        .mutate(Res::Deployment, "emqx", "web", |d| {
            d["spec"]["replicas"] = json!(2);
            true
        })
        .unwrap();
    wait_for(60, "2 pods", || {
        (pods(&c.store, "web-").len() == 2).then_some(())
    })
    .await;
    let d = wait_for(10, "status 2", || {
        let d = c.store.get(Res::Deployment, "emqx", "web").unwrap();
        (d["status"]["replicas"] == 2 && d["status"]["availableReplicas"] == 2).then_some(d)
    })
    .await;
    assert_eq!(d["status"]["observedGeneration"], 3);
    let messages: Vec<String> = events_for(&c.store, "web")
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Scaled down replica set") && m.ends_with("from 4 to 2")),
        "{messages:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_template_change_rolls_the_pods_to_a_new_replicaset() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 3, "nginx:1.27"))
        .unwrap();
    let old = wait_for(60, "3 ready", || {
        let r = ready_pods(&c.store, "web-");
        (r.len() == 3).then_some(r)
    })
    .await;
    let old_hash = old[0]["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string();
    set_image(&c.store, "web", "nginx:1.28");
    let d = wait_for(120, "rolled out", || {
        let d = c.store.get(Res::Deployment, "emqx", "web").unwrap();
        let done = d["status"]["observedGeneration"] == 2
            && d["status"]["updatedReplicas"] == 3
            && d["status"]["replicas"] == 3
            && d["status"]["availableReplicas"] == 3
            && condition(&d, "Progressing")
                .is_some_and(|p| p["reason"] == "NewReplicaSetAvailable")
            && pods(&c.store, "web-").len() == 3;
        done.then_some(d)
    })
    .await;
    let sets = c.store.list(Res::ReplicaSet, Some("emqx")).0;
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2",
        "{d:#}\n{sets:#?}"
    );
    for pod in pods(&c.store, "web-") {
        assert_ne!(
            pod["metadata"]["labels"]["pod-template-hash"],
            old_hash.as_str()
        );
        assert_eq!(pod["spec"]["containers"][0]["image"], "nginx:1.28");
    }
    let sets = c.store.list(Res::ReplicaSet, Some("emqx")).0;
    assert_eq!(sets.len(), 2, "the old set is kept, scaled to 0");
    let old_rs = sets
        .iter()
        .find(|s| s["metadata"]["labels"]["pod-template-hash"] == old_hash.as_str())
        .unwrap();
    assert_eq!(old_rs["spec"]["replicas"], 0);
}

#[tokio::test(start_paused = true)]
async fn recreate_removes_every_old_pod_before_starting_new_ones() {
    let c = cluster(SimConfig::default());
    let mut d = deployment("web", 2, "nginx:1.27");
    d["spec"]["strategy"] = json!({"type": "Recreate"});
    c.store.create(Res::Deployment, d).unwrap();
    wait_for(60, "2 ready", || {
        (ready_pods(&c.store, "web-").len() == 2).then_some(())
    })
    .await;
    set_image(&c.store, "web", "nginx:1.28");
    wait_for(120, "2 new ready", || {
        let all = pods(&c.store, "web-");
        let images: Vec<&str> = all
            .iter()
            .map(|p| p["spec"]["containers"][0]["image"].as_str().unwrap())
            .collect();
        assert!(
            !(images.contains(&"nginx:1.27") && images.contains(&"nginx:1.28")),
            "old and new pods side by side: {images:?}"
        );
        let ready_new = ready_pods(&c.store, "web-")
            .iter()
            .filter(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28")
            .count();
        (ready_new == 2).then_some(())
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn orphan_deletion_leaves_the_replicaset_without_its_owner() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 1, "nginx:1.27"))
        .unwrap();
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "web-").len() == 1).then_some(())
    })
    .await;
    c.store
        .mutate(Res::Deployment, "emqx", "web", |d| {
            d["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:00Z");
            d["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            d["metadata"]["finalizers"] = json!(["orphan"]);
            true
        })
        .unwrap();
    wait_for(30, "deployment gone", || {
        c.store
            .get(Res::Deployment, "emqx", "web")
            .is_none()
            .then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let sets = c.store.list(Res::ReplicaSet, Some("emqx")).0;
    assert_eq!(sets.len(), 1);
    assert!(sets[0]["metadata"].get("ownerReferences").is_none());
    assert_eq!(
        ready_pods(&c.store, "web-").len(),
        1,
        "its pod keeps running"
    );
    // Applying the Deployment again adopts the set and its pod instead of starting over.
    let pod_uid = ready_pods(&c.store, "web-")[0]["metadata"]["uid"].clone();
    c.store
        .create(Res::Deployment, deployment("web", 1, "nginx:1.27"))
        .unwrap();
    let d = wait_for(30, "adopted and available", || {
        let d = c.store.get(Res::Deployment, "emqx", "web")?;
        (d["status"]["availableReplicas"] == 1).then_some(d)
    })
    .await;
    let sets = c.store.list(Res::ReplicaSet, Some("emqx")).0;
    assert_eq!(sets.len(), 1);
    assert_eq!(
        sets[0]["metadata"]["ownerReferences"][0]["uid"],
        d["metadata"]["uid"]
    );
    let pods = pods(&c.store, "web-");
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0]["metadata"]["uid"], pod_uid);
}

#[tokio::test(start_paused = true)]
async fn a_malformed_object_does_not_stop_the_controller() {
    let c = cluster(SimConfig::default());
    let mut bad = deployment("bad", 1, "nginx:1.27");
    bad["spec"]["template"] = json!("not an object");
    c.store.create(Res::Deployment, bad).unwrap();
    c.store
        .create(Res::Deployment, deployment("web", 1, "nginx:1.27"))
        .unwrap();
    wait_for(60, "web still served", || {
        (ready_pods(&c.store, "web-").len() == 1).then_some(())
    })
    .await;
}
