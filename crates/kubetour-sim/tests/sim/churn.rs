//! What the cluster forgets with time, as a real one does, so a sim under churn (a pod
//! replaced every few seconds for a workshop day) stays flat: watch history compacted,
//! events expiring, a deleted pod's logs and container state going with it.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, LogParams, PostParams};
use kubetour_sim::Sim;
use kubetour_sim::resources::Res;
use kubetour_sim::store::{COMPACTION_INTERVAL, EVENT_TTL, EventType, StoreError};
use serde_json::json;

use crate::support::{api_error, eventually, fast_sim, sim};

fn event(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Event",
           "metadata": {"name": name, "namespace": "default"},
           "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
           "reason": "Test", "message": "m", "type": "Normal", "count": 1})
}

#[tokio::test(start_paused = true)]
async fn watch_history_is_compacted_every_five_minutes_and_an_older_resume_gets_410() {
    let sim = sim();
    let store = &sim.store;
    let before = store.current_rv();
    store
        .create(
            Res::ConfigMap,
            json!({"metadata": {"name": "a", "namespace": "default"}}),
        )
        .unwrap();
    // The first tick only notes the revision: a list is resumable for a full interval.
    tokio::time::sleep(COMPACTION_INTERVAL + Duration::from_secs(20)).await;
    assert!(
        store.subscribe(Some(before)).is_ok(),
        "kept until the next tick"
    );
    let second = store.current_rv();
    let b = store
        .create(
            Res::ConfigMap,
            json!({"metadata": {"name": "b", "namespace": "default"}}),
        )
        .unwrap();
    tokio::time::sleep(COMPACTION_INTERVAL).await;
    match store.subscribe(Some(before)) {
        Err(StoreError::Gone { requested, .. }) => assert_eq!(requested, before),
        Ok(_) => panic!("a resourceVersion from before the compacted revision resumed"),
        Err(e) => panic!("{e}"),
    }
    // What was written after the compacted revision is still there to resume from.
    let sub = store.subscribe(Some(second)).unwrap();
    assert!(
        sub.backlog
            .iter()
            .any(|e| e.object["metadata"]["uid"] == b["metadata"]["uid"])
    );
    assert!(
        store.history_len() < 1000,
        "{} events kept",
        store.history_len()
    );
}

#[tokio::test(start_paused = true)]
async fn events_expire_after_an_hour_as_the_api_servers_event_ttl() {
    let sim = sim();
    let store = &sim.store;
    store.create(Res::Event, event("once")).unwrap();
    store.create(Res::Event, event("renewed")).unwrap();
    let mut live = store.subscribe(None).unwrap().live;
    tokio::time::sleep(EVENT_TTL / 2).await;
    // A write renews the lease (the event registry's TTL applies to every update).
    store
        .mutate(Res::Event, "default", "renewed", |e| {
            e["count"] = json!(2);
            true
        })
        .unwrap();
    tokio::time::sleep(EVENT_TTL / 2 - Duration::from_secs(60)).await;
    assert!(
        store.get(Res::Event, "default", "once").is_some(),
        "not yet an hour"
    );
    tokio::time::sleep(Duration::from_secs(90)).await;
    assert!(
        store.get(Res::Event, "default", "once").is_none(),
        "expired"
    );
    assert!(
        store.get(Res::Event, "default", "renewed").is_some(),
        "renewed at 30 min"
    );
    // Watchers see the expiry as a DELETED, as on etcd lease expiry.
    let mut deleted = false;
    loop {
        match live.try_recv() {
            Ok(e) => {
                deleted |= e.kind == EventType::Deleted
                    && e.res == Res::Event
                    && e.object["metadata"]["name"] == "once";
            }
            Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => continue,
            Err(_) => break,
        }
    }
    assert!(deleted, "no DELETED for the expired event");
    tokio::time::sleep(EVENT_TTL / 2).await;
    assert!(store.get(Res::Event, "default", "renewed").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_pods_logs_go_with_it() {
    let sim = fast_sim();
    let client = sim.client();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "emqx"},
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    eventually("its logs", || async {
        let text = pods.logs("emqx", &LogParams::default()).await.ok()?;
        text.contains("is running now").then_some(())
    })
    .await;
    let world = &sim.api_state().world;
    let key = (
        "default".to_string(),
        "emqx".to_string(),
        "emqx".to_string(),
    );
    assert!(world.containers.lock().unwrap().contains_key(&key));
    pods.delete("emqx", &DeleteParams::default().grace_period(0))
        .await
        .unwrap();
    eventually("the pod gone", || async {
        pods.get_opt("emqx").await.unwrap().is_none().then_some(())
    })
    .await;
    let err = pods.logs("emqx", &LogParams::default()).await.unwrap_err();
    assert_eq!(api_error(err).code, 404);
    eventually("its container state dropped", || async {
        (!world.containers.lock().unwrap().contains_key(&key)).then_some(())
    })
    .await;
}

/// Entries the cluster holds that a replaced pod could leave behind (Events excepted:
/// they are kept for the hour of `--event-ttl`, and EMQX's stopped members for
/// `cluster.autoclean`).
#[derive(Debug)]
struct Held {
    history: usize,
    objects_but_events: usize,
    containers: usize,
    container_files: usize,
    tokens: usize,
    emqx_clusters: usize,
}

fn held(sim: &Sim) -> Held {
    let (_, objects) = sim.store.snapshot();
    let world = &sim.api_state().world;
    Held {
        history: sim.store.history_len(),
        objects_but_events: objects.iter().filter(|(r, _)| *r != Res::Event).count(),
        containers: world.containers.lock().unwrap().len(),
        container_files: world.files.lock().unwrap().len(),
        tokens: world.tokens.export().len(),
        emqx_clusters: world.registry.lock().unwrap().sizes().1,
    }
}

/// Issue 23: a Deployment of 3 EMQX pods, the oldest running one deleted every 10 s,
/// looked at just after the second and the fourth compaction tick (about 55 and 115
/// replacements): twice the replacements leave no more entries behind, and the watch
/// history holds one interval of writes, not the whole run.
#[tokio::test(start_paused = true)]
async fn under_churn_past_the_compaction_window_nothing_held_grows_with_the_replacements() {
    let sim = sim();
    let client = sim.client();
    let deploy: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "emqx"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "emqx"}},
            "template": {"metadata": {"labels": {"app": "emqx"}},
                "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9"}]}}}
    }))
    .unwrap();
    Api::<Deployment>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &deploy)
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let start = tokio::time::Instant::now();
    let after_tick = |n: u32| start + COMPACTION_INTERVAL * n + Duration::from_secs(5);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let mut replaced = 0;
    let mut looks = Vec::new();
    for tick in [2, 4] {
        while tokio::time::Instant::now() < after_tick(tick) {
            let mut running: Vec<Pod> = pods
                .list(&ListParams::default().labels("app=emqx"))
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .collect();
            running.sort_by_key(|p| p.metadata.creation_timestamp.clone().map(|t| t.0));
            if let Some(name) = running.first().and_then(|p| p.metadata.name.clone()) {
                pods.delete(&name, &DeleteParams::default()).await.unwrap();
                replaced += 1;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        looks.push((replaced, held(&sim)));
    }
    let [(n, early), (twice_n, late)] = [&looks[0], &looks[1]];
    assert!(*twice_n >= 2 * n - 10, "{n} then {twice_n} replaced");
    let writes = sim.store.current_rv() - 1000;
    assert!(
        (late.history as u64) < writes / 3,
        "history holds {} of {writes} writes",
        late.history
    );
    // The same interval of writes each time, give or take a pod's life in flight.
    assert!(
        late.history <= early.history + early.history / 10,
        "{early:?} after {n}, {late:?} after {twice_n}"
    );
    // A pod or two terminating at either look is all that may differ.
    for (what, a, b) in [
        ("objects", early.objects_but_events, late.objects_but_events),
        ("containers", early.containers, late.containers),
        (
            "container files",
            early.container_files,
            late.container_files,
        ),
        ("tokens", early.tokens, late.tokens),
        ("EMQX clusters", early.emqx_clusters, late.emqx_clusters),
    ] {
        assert!(
            b <= a + 2,
            "{what}: {a} after {n} replacements, {b} after {twice_n}"
        );
    }
}
