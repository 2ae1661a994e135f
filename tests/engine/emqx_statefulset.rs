//! Stages 7–9 of the EMQX track on the simulated cluster (both profiles): ConfigMap
//! settings, the StatefulSet's ordered pods and DNS node names, persistent claims. The
//! engine applies the shipped stages; assertions use only the public API.

use crate::common::eventually;
use crate::common::pods::{exec, pod_names};
use crate::support::{cluster, engine, shipped_track};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod};
use kube::api::{Api, Patch, PatchParams};
use kubetour::engine::RunOptions;
use serde_json::json;

const NS: &str = "emqx";
const OPTIONS: RunOptions = RunOptions {
    try_it: false,
    lang: kubetour::track::Lang::En,
};

async fn through(conn: &kubetour::cluster::connect::Connection, profile: &str, stage: &str) {
    let (mut e, events) = engine(conn, shipped_track(profile));
    let result = e.run(Some(stage), &OPTIONS).await;
    assert!(result.is_ok(), "{result:?}\n{:#?}", events.lock().unwrap());
}

async fn cluster_status(client: &kube::Client, pod: &str, profile: &str) -> String {
    let mut argv = if profile == "4" {
        vec!["emqx_ctl"]
    } else {
        vec!["emqx", "ctl"]
    };
    argv.extend(["cluster", "status"]);
    let (out, err, code) = exec(client, NS, pod, &argv).await;
    assert_eq!(code, 0, "{out}{err}");
    out
}

fn running(out: &str) -> usize {
    out.split("stopped_nodes")
        .next()
        .unwrap_or("")
        .matches('@')
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o12_o13_the_cluster_forms_from_the_configmap_and_an_edit_reaches_only_new_pods() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "configmap").await;
        let pods = pod_names(&conn.client, NS, "app=emqx").await;
        assert_eq!(pods.len(), 3);
        assert_eq!(
            running(&cluster_status(&conn.client, &pods[0], profile).await),
            3
        );
        // Switch discovery off in the ConfigMap: running pods keep their settings.
        let key = if profile == "4" {
            "EMQX_CLUSTER__DISCOVERY"
        } else {
            "EMQX_CLUSTER__DISCOVERY_STRATEGY"
        };
        let cms: Api<ConfigMap> = Api::namespaced(conn.client.clone(), NS);
        let patch = json!({"data": {key: "manual"}});
        cms.patch(
            "emqx-config",
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .unwrap();
        let api: Api<Pod> = Api::namespaced(conn.client.clone(), NS);
        api.delete(&pods[0], &Default::default()).await.unwrap();
        let fresh = eventually("a replacement pod running", || async {
            let now = pod_names(&conn.client, NS, "app=emqx").await;
            let fresh = now.into_iter().find(|p| !pods.contains(p))?;
            let pod = api.get(&fresh).await.ok()?;
            let ready = pod.status?.container_statuses?.first()?.ready;
            ready.then_some(fresh)
        })
        .await;
        // Give discovery a few rounds; the new pod read `manual` and stays alone.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        assert_eq!(
            running(&cluster_status(&conn.client, &fresh, profile).await),
            1
        );
        assert_eq!(
            running(&cluster_status(&conn.client, &pods[1], profile).await),
            2
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o14_o15_o16_statefulset_pods_come_in_order_with_dns_names_and_pod_0_returns() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "statefulset").await;
        let api: Api<Pod> = Api::namespaced(conn.client.clone(), NS);
        let names: Vec<String> = (0..3).map(|i| format!("emqx-statefulset-{i}")).collect();
        // O14: each pod is created only once the one before it is Ready.
        for pair in names.windows(2) {
            let before = api.get(&pair[0]).await.unwrap();
            let after = api.get(&pair[1]).await.unwrap();
            let ready_at = before
                .status
                .and_then(|s| s.conditions)
                .and_then(|c| c.into_iter().find(|c| c.type_ == "Ready"))
                .and_then(|c| c.last_transition_time)
                .unwrap();
            let created = after.metadata.creation_timestamp.unwrap();
            assert!(
                created.0 >= ready_at.0,
                "{} before {} was Ready",
                pair[1],
                pair[0]
            );
        }
        // O15: node names are the headless DNS names.
        let out = cluster_status(&conn.client, &names[1], profile).await;
        for n in &names {
            let node = format!("emqx@{n}.emqx-headless.{NS}.svc.cluster.local");
            assert!(out.contains(&node), "{profile}: {out}");
        }
        assert_eq!(running(&out), 3, "{out}");
        // O16: pod 0 comes back with the same name and rejoins.
        let old_uid = api.get(&names[0]).await.unwrap().metadata.uid;
        api.delete(&names[0], &Default::default()).await.unwrap();
        let out = eventually("pod 0 to return and rejoin", || async {
            let pod = api.get(&names[0]).await.ok()?;
            if pod.metadata.uid == old_uid || !pod.status?.container_statuses?.first()?.ready {
                return None;
            }
            let out = cluster_status(&conn.client, &names[1], profile).await;
            (running(&out) == 3).then_some(out)
        })
        .await;
        assert!(
            out.contains(&format!("emqx@{}.emqx-headless", names[0])),
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o17_o18_each_pod_has_a_bound_claim_and_gets_it_back() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "persistence").await;
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), NS);
        let mut uids = Vec::new();
        for i in 0..3 {
            let pvc = claims
                .get(&format!("emqx-data-emqx-statefulset-{i}"))
                .await
                .unwrap();
            assert_eq!(pvc.status.unwrap().phase.as_deref(), Some("Bound"));
            uids.push(pvc.metadata.uid.unwrap());
        }
        let api: Api<Pod> = Api::namespaced(conn.client.clone(), NS);
        let old = api.get("emqx-statefulset-0").await.unwrap().metadata.uid;
        api.delete("emqx-statefulset-0", &Default::default())
            .await
            .unwrap();
        let pod = eventually("pod 0 re-created and ready", || async {
            let pod = api.get("emqx-statefulset-0").await.ok()?;
            let ready = pod.status.clone()?.container_statuses?.first()?.ready;
            (pod.metadata.uid != old && ready).then_some(pod)
        })
        .await;
        let claim = pod
            .spec
            .unwrap()
            .volumes
            .unwrap()
            .into_iter()
            .find_map(|v| v.persistent_volume_claim)
            .unwrap();
        assert_eq!(claim.claim_name, "emqx-data-emqx-statefulset-0");
        let pvc = claims.get("emqx-data-emqx-statefulset-0").await.unwrap();
        assert_eq!(
            pvc.metadata.uid.unwrap(),
            uids[0],
            "the same claim, not a new one"
        );
        let out = eventually("pod 0 rejoined", || async {
            let out = cluster_status(&conn.client, "emqx-statefulset-1", profile).await;
            (running(&out) == 3).then_some(out)
        })
        .await;
        assert!(
            out.contains("emqx@emqx-statefulset-0.emqx-headless"),
            "{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o19_without_a_storage_class_the_claims_stay_pending() {
    let (_sim, conn) = cluster(false).await;
    through(&conn, "5", "statefulset").await;
    let track = shipped_track("5");
    let stage = track
        .stages
        .iter()
        .find(|s| s.id == "persistence")
        .unwrap()
        .clone();
    let (mut e, _) = engine(&conn, track);
    e.run_steps(&stage.id, &stage.before, &stage.manifests)
        .await
        .unwrap();
    e.apply_stage(&stage).await.unwrap();
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), NS);
    let pvc = eventually("the claim of pod 0", || async {
        claims.get("emqx-data-emqx-statefulset-0").await.ok()
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let pvc = claims.get(&pvc.metadata.name.unwrap()).await.unwrap();
    assert_eq!(pvc.status.unwrap().phase.as_deref(), Some("Pending"));
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), NS);
    let pod = api.get("emqx-statefulset-0").await.unwrap();
    assert_eq!(pod.status.unwrap().phase.as_deref(), Some("Pending"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_persistent_pods_deleted_at_once_come_back_and_re_form() {
    let (_sim, conn) = cluster(true).await;
    through(&conn, "5", "persistence").await;
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), NS);
    let before = pod_names(&conn.client, NS, "app=emqx").await;
    assert_eq!(before.len(), 3);
    api.delete_collection(
        &Default::default(),
        &kube::api::ListParams::default().labels("app=emqx"),
    )
    .await
    .unwrap();
    let out = eventually("the cluster to re-form", || async {
        let pods = api
            .list(&kube::api::ListParams::default().labels("app=emqx"))
            .await
            .ok()?;
        let ready = pods
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| {
                let s = p.status.clone().and_then(|s| s.container_statuses);
                s.is_some_and(|s| s.first().is_some_and(|c| c.ready && c.restart_count == 0))
            })
            .count();
        if ready != 3 {
            return None;
        }
        let out = cluster_status(&conn.client, "emqx-statefulset-2", "5").await;
        (running(&out) == 3).then_some(out)
    })
    .await;
    assert!(out.contains("stopped_nodes => []"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p16_emqx_5_9_without_a_licence_crash_loops_the_joining_nodes() {
    let (_sim, conn) = cluster(true).await;
    let track = kubetour::track::load_named(
        "emqx",
        &kubetour::track::RenderOptions {
            profile: Some("5".into()),
            image: Some("emqx/emqx:5.9.0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(conn.client.clone());
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}});
    namespaces
        .patch(NS, &PatchParams::apply("test"), &Patch::Apply(&ns))
        .await
        .unwrap();
    let (mut e, _) = engine(&conn, track);
    // The stage's own check (one cluster of 3) cannot pass: run without waiting on it.
    let stages = e.track().stages.clone();
    for stage in stages.iter().take_while(|s| s.id != "rbac") {
        if stage.id == "preflight" {
            continue;
        }
        e.run_steps(&stage.id, &stage.before, &stage.manifests)
            .await
            .unwrap();
        e.apply_stage(stage).await.unwrap();
    }
    let rbac = stages.iter().find(|s| s.id == "rbac").unwrap();
    e.apply_stage(rbac).await.unwrap();
    let log = eventually("the licence refusal", || async {
        for pod in pod_names(&conn.client, NS, "app=emqx").await {
            let log = crate::common::pods::logs(&conn.client, NS, &pod).await;
            if log.contains("SINGLE_NODE_LICENSE") {
                return Some(log);
            }
        }
        None
    })
    .await;
    assert!(log.contains("SINGLE_NODE_LICENSE"), "{log}");
    // The join itself goes through (autocluster does not ask the peer); the joining
    // node's licence app then stops the whole node, so the joiners restart (a crash
    // loop) and whoever stays up runs alone (docs/emqx-verified.md §8.5).
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), NS);
    let ready = eventually("a joiner to restart and a survivor to be Ready", || async {
        let list = api
            .list(&kube::api::ListParams::default().labels("app=emqx"))
            .await
            .ok()?;
        let statuses = |p: &Pod| {
            p.status
                .clone()
                .and_then(|s| s.container_statuses)
                .unwrap_or_default()
        };
        let restarted = list
            .items
            .iter()
            .any(|p| statuses(p).iter().any(|c| c.restart_count > 0));
        let ready: Vec<String> = list
            .items
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| statuses(p).iter().all(|c| c.ready) && !statuses(p).is_empty())
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        (restarted && !ready.is_empty()).then_some(ready)
    })
    .await;
    // A Ready survivor may list a joiner for the moment between the join and the
    // joiner's licence stop; once that node is down it runs alone.
    for pod in ready {
        let client = conn.client.clone();
        eventually("a Ready survivor to run alone", || {
            let (client, pod) = (client.clone(), pod.clone());
            async move {
                let out = cluster_status(&client, &pod, "5").await;
                (running(&out) == 1).then_some(())
            }
        })
        .await;
    }
}
