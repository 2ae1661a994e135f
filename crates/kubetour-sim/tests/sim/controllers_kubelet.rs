//! The kubelet's container lifecycle: crash loops with back-off through a custom
//! container runtime, graceful deletion, and rolling-update bounds.

use std::sync::Arc;
use std::time::Duration;

use crate::support::controllers::*;
use kubetour_sim::clock::Clock;
use kubetour_sim::config::SimConfig;
use kubetour_sim::controllers::runtime::{ContainerInfo, ContainerRuntime, Fate, Runtimes};
use kubetour_sim::controllers::spawn_with_runtimes;
use kubetour_sim::resources::Res;
use kubetour_sim::store::Store;
use serde_json::{Value, json};

/// Exits with code 1 two seconds after every start, never ready.
#[derive(Debug)]
struct Crashes;

impl ContainerRuntime for Crashes {
    fn start(&self, _c: &ContainerInfo<'_>) -> Fate {
        Fate {
            exit_after: Some((Duration::from_secs(2), 1)),
        }
    }

    fn probe_ready(&self, _c: &ContainerInfo<'_>, _running_for: Duration) -> bool {
        false
    }
}

fn bare_pod(name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": image}],
                 "restartPolicy": "Always", "terminationGracePeriodSeconds": 30},
        "status": {"phase": "Pending"},
    })
}

fn container(pod: &Value) -> Value {
    pod["status"]["containerStatuses"][0].clone()
}

#[tokio::test(start_paused = true)]
async fn a_container_that_keeps_exiting_is_restarted_with_a_growing_back_off() {
    let store = Store::new(Clock::new(1.0));
    let runtimes = Runtimes::default().with("crashy/", Arc::new(Crashes));
    let handles = spawn_with_runtimes(store.clone(), &SimConfig::default(), runtimes);
    store
        .create(Res::Pod, bare_pod("crash", "crashy/app:1"))
        .unwrap();
    let get = || store.get(Res::Pod, "default", "crash").unwrap();
    let first_exit = wait_for(30, "first exit", || {
        let c = container(&get());
        (c["state"]["terminated"]["exitCode"] == 1).then_some(tokio::time::Instant::now())
    })
    .await;
    assert_eq!(container(&get())["state"]["terminated"]["reason"], "Error");
    // The first restart comes at once; after the second exit the back-off is 10 s.
    wait_for(30, "restart 1", || {
        (container(&get())["restartCount"] == 1).then_some(())
    })
    .await;
    let backoff = wait_for(30, "back-off", || {
        let c = container(&get());
        (c["state"]["waiting"]["reason"] == "CrashLoopBackOff").then_some(c)
    })
    .await;
    let message = backoff["state"]["waiting"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("back-off 10s restarting failed container=app pod=crash_default("),
        "{message}"
    );
    assert_eq!(backoff["lastState"]["terminated"]["exitCode"], 1);
    let waiting_since = tokio::time::Instant::now();
    wait_for(30, "restart 2", || {
        (container(&get())["restartCount"] == 2).then_some(())
    })
    .await;
    let waited = waiting_since.elapsed();
    assert!(
        waited >= Duration::from_secs(8) && waited <= Duration::from_secs(11),
        "waited {waited:?}"
    );
    // Next exit: 20 s.
    let next = wait_for(30, "second back-off", || {
        let c = container(&get());
        c["state"]["waiting"]["message"]
            .as_str()
            .filter(|m| m.starts_with("back-off 20s"))
            .map(|_| ())
    })
    .await;
    let _ = (next, first_exit);
    let pod = get();
    assert_eq!(pod["status"]["phase"], "Running");
    assert!(!is_ready(&pod));
    let events = events_for(&store, "crash");
    let backoffs = events.iter().find(|e| e["reason"] == "BackOff").unwrap();
    assert_eq!(backoffs["type"], "Warning");
    assert!(
        backoffs["message"]
            .as_str()
            .unwrap()
            .starts_with("Back-off restarting failed container app in pod crash_default(")
    );
    let pulled: Vec<&Value> = events.iter().filter(|e| e["reason"] == "Pulled").collect();
    assert!(
        pulled
            .iter()
            .any(|e| e["message"] == "Container image \"crashy/app:1\" already present on machine")
    );
    for h in handles {
        h.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn graceful_deletion_stops_the_containers_and_then_removes_the_pod() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Pod, bare_pod("one", "nginx:1.27"))
        .unwrap();
    let pod = wait_for(30, "running", || {
        c.store
            .get(Res::Pod, "default", "one")
            .filter(|p| p["status"]["phase"] == "Running" && is_ready(p))
    })
    .await;
    assert_eq!(pod["status"]["hostIP"], pod["status"]["hostIPs"][0]["ip"]);
    assert!(pod["status"]["startTime"].is_string());
    let kinds: Vec<&str> = pod["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled"
        ]
    );
    c.store
        .mutate(Res::Pod, "default", "one", |p| {
            p["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:30Z");
            p["metadata"]["deletionGracePeriodSeconds"] = json!(30);
            true
        })
        .unwrap();
    let stopping = wait_for(5, "not ready", || {
        c.store
            .get(Res::Pod, "default", "one")
            .filter(|p| !is_ready(p))
    })
    .await;
    assert!(stopping["metadata"]["deletionTimestamp"].is_string());
    wait_for(40, "removed", || {
        c.store
            .get(Res::Pod, "default", "one")
            .is_none()
            .then_some(())
    })
    .await;
    let killing = events_for(&c.store, "one")
        .into_iter()
        .find(|e| e["reason"] == "Killing")
        .unwrap();
    assert_eq!(killing["message"], "Stopping container app");
    assert_eq!(
        killing["involvedObject"]["fieldPath"],
        "spec.containers{app}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rolling_update_never_exceeds_the_surge_nor_drops_below_availability() {
    let c = cluster(SimConfig::default());
    let mut d = deployment("web", 4, "nginx:1.27");
    d["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": 1, "maxUnavailable": 0});
    d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] =
        json!({"httpGet": {"port": 80}, "initialDelaySeconds": 5, "periodSeconds": 5});
    c.store.create(Res::Deployment, d).unwrap();
    wait_for(60, "4 ready", || {
        (ready_pods(&c.store, "web-").len() == 4).then_some(())
    })
    .await;
    set_image(&c.store, "web", "nginx:1.28");
    let mut max_pods = 0;
    let mut min_ready = usize::MAX;
    wait_for(300, "rolled out", || {
        let live: Vec<Value> = pods(&c.store, "web-")
            .into_iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .collect();
        max_pods = max_pods.max(live.len());
        min_ready = min_ready.min(ready_pods(&c.store, "web-").len());
        let new_ready = ready_pods(&c.store, "web-")
            .iter()
            .filter(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28")
            .count();
        (new_ready == 4 && live.len() == 4).then_some(())
    })
    .await;
    assert!(max_pods <= 5, "surge exceeded: {max_pods}");
    assert!(min_ready >= 4, "availability dropped to {min_ready}");
}

/// Answers its readiness probe for its first 30 seconds only.
#[derive(Debug)]
struct TiresAfter30s;

impl ContainerRuntime for TiresAfter30s {
    fn start(&self, _c: &ContainerInfo<'_>) -> Fate {
        Fate::default()
    }

    fn probe_ready(&self, _c: &ContainerInfo<'_>, running_for: Duration) -> bool {
        running_for < Duration::from_secs(30)
    }
}

#[tokio::test(start_paused = true)]
async fn a_runtime_can_fail_its_readiness_probe_later_and_the_pod_turns_unready() {
    let store = Store::new(Clock::new(1.0));
    let runtimes = Runtimes::default().with("tired/", Arc::new(TiresAfter30s));
    let handles = spawn_with_runtimes(store.clone(), &SimConfig::default(), runtimes);
    let mut pod = bare_pod("tired", "tired/app:1");
    pod["spec"]["containers"][0]["readinessProbe"] =
        json!({"exec": {"command": ["true"]}, "initialDelaySeconds": 5, "periodSeconds": 5});
    store.create(Res::Pod, pod).unwrap();
    let get = || store.get(Res::Pod, "default", "tired").unwrap();
    wait_for(30, "ready", || is_ready(&get()).then_some(())).await;
    let ready_at = tokio::time::Instant::now();
    wait_for(60, "unready", || (!is_ready(&get())).then_some(())).await;
    // Failing from 30 s on, three failures in a row (30, 35, 40 s) are needed.
    let unready_after = ready_at.elapsed();
    assert!(
        unready_after >= Duration::from_secs(30),
        "unready {unready_after:?} after ready"
    );
    assert_eq!(get()["status"]["phase"], "Running");
    assert_eq!(container(&get())["restartCount"], 0);
    for h in handles {
        h.abort();
    }
}

/// A registry that has no image at all.
#[derive(Debug)]
struct NoSuchImage;

impl ContainerRuntime for NoSuchImage {
    fn start(&self, _c: &ContainerInfo<'_>) -> Fate {
        Fate::default()
    }

    fn pull_error(&self, image: &str) -> Option<String> {
        Some(kubetour_sim::controllers::imagepull::not_found_error(image))
    }
}

#[tokio::test(start_paused = true)]
async fn an_image_the_registry_lacks_goes_err_image_pull_then_image_pull_back_off() {
    let store = Store::new(Clock::new(1.0));
    let runtimes = Runtimes::default().with("nginx:1.99", Arc::new(NoSuchImage));
    let handles = spawn_with_runtimes(store.clone(), &SimConfig::default(), runtimes);
    store
        .create(Res::Pod, bare_pod("typo", "nginx:1.99"))
        .unwrap();
    let get = || store.get(Res::Pod, "default", "typo").unwrap();
    let err = wait_for(30, "ErrImagePull", || {
        let c = container(&get());
        (c["state"]["waiting"]["reason"] == "ErrImagePull").then_some(c)
    })
    .await;
    assert_eq!(
        err["state"]["waiting"]["message"],
        "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.99\": failed to resolve reference \"docker.io/library/nginx:1.99\": docker.io/library/nginx:1.99: not found"
    );
    let backoff = wait_for(30, "ImagePullBackOff", || {
        let c = container(&get());
        (c["state"]["waiting"]["reason"] == "ImagePullBackOff").then_some(c)
    })
    .await;
    assert!(
        backoff["state"]["waiting"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Back-off pulling image \"nginx:1.99\": ErrImagePull: rpc error")
    );
    assert_eq!(get()["status"]["phase"], "Pending");
    // It keeps trying: a second round of pulls comes after the back-off.
    wait_for(60, "second attempt", || {
        let pulls = events_for(&store, "typo")
            .into_iter()
            .find(|e| e["reason"] == "Pulling")?;
        (pulls["count"].as_i64() >= Some(2)).then_some(())
    })
    .await;
    let messages: Vec<String> = events_for(&store, "typo")
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    for m in [
        "Error: ErrImagePull",
        "Error: ImagePullBackOff",
        "Back-off pulling image \"nginx:1.99\"",
    ] {
        assert!(messages.iter().any(|x| x == m), "{m} missing: {messages:?}");
    }
    for h in handles {
        h.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn a_rollout_stuck_on_a_missing_image_exceeds_its_progress_deadline() {
    let store = Store::new(Clock::new(1.0));
    let runtimes = Runtimes::default().with("nginx:1.99", Arc::new(NoSuchImage));
    let handles = spawn_with_runtimes(store.clone(), &SimConfig::default(), runtimes);
    let mut d = deployment("web", 1, "nginx:1.99");
    d["metadata"]["namespace"] = json!("default");
    d["spec"]["progressDeadlineSeconds"] = json!(60);
    store.create(Res::Deployment, d).unwrap();
    let started = tokio::time::Instant::now();
    let progressing = wait_for(120, "deadline exceeded", || {
        let d = store.get(Res::Deployment, "default", "web")?;
        let p = condition(&d, "Progressing")?.clone();
        (p["reason"] == "ProgressDeadlineExceeded").then_some(p)
    })
    .await;
    // Condition times have whole seconds, so the deadline may land up to 1 s early.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(59),
        "timed out after {waited:?}"
    );
    assert_eq!(progressing["status"], "False");
    let message = progressing["message"].as_str().unwrap();
    assert!(
        message.starts_with("ReplicaSet \"web-")
            && message.ends_with("\" has timed out progressing."),
        "{message}"
    );
    for h in handles {
        h.abort();
    }
}
