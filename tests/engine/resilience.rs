//! The engine on a cluster having a bad day: the simulated API server answers some
//! requests with 500 or 429 and drops watch streams. The run must still finish (or fail
//! with a clear message), never panic or hang.

use crate::support::{Faulty, engine as new_engine, load_track, run_all};
use kubetour::engine::RunOptions;
use kubetour::engine::events::EngineEvent;
use kubetour::track::Lang;
use kubetour_sim::faults::FaultPlan;
use std::time::Duration;

/// A one-stage track that needs only Kubernetes (no EMQX): a Deployment of 2 and its
/// pods, waited for through the watches.
fn deployment_track(dir: &std::path::Path) {
    let shipped = kubetour::track::resolve::track_dir("emqx").unwrap();
    std::fs::copy(shipped.join("track.yaml"), dir.join("track.yaml")).unwrap();
    std::fs::write(
        dir.join("01-web.yaml"),
        r#"id: web
title: {en: Two pods, zh: 两个 Pod}
narration: {en: A Deployment of two., zh: 两个副本。}
checks:
  - deployment_complete: {name: web, timeout: 2m}
  - pods_ready: {selector: app=web, count: 2, timeout: 2m}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"#,
    )
    .unwrap();
}

/// The faulty cluster (exec_common's), with the one-stage track written beside its
/// kubeconfig.
async fn faulty_cluster(plan: FaultPlan) -> Faulty {
    let f = crate::support::faulty_cluster(plan).await;
    let track_dir = f.dir.path().join("track");
    std::fs::create_dir(&track_dir).unwrap();
    deployment_track(&track_dir);
    f
}

/// Runs the one-stage track on the faulty cluster; a hang is a failure.
async fn run(f: &Faulty) -> (Result<(), kubetour::engine::RunError>, Vec<EngineEvent>) {
    let (mut engine, events) = new_engine(&f.conn, load_track(&f.dir.path().join("track"), "5"));
    run_all(&mut engine, &events).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_survives_500s_429s_and_dropped_watches() {
    let f = faulty_cluster(FaultPlan {
        every_nth_500: Some(7),
        every_nth_429: Some(11),
        watch_lifetime: Some(Duration::from_millis(700)),
        ..FaultPlan::default()
    })
    .await;
    let (result, events) = run(&f).await;
    assert!(result.is_ok(), "run failed: {result:?}\n{events:#?}");
    let injected = f.count.injected();
    assert!(injected >= 3, "the plan injected only {injected} faults");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EngineEvent::Finished { ok: true, .. })),
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_always_fails_gives_a_clear_error_not_a_panic() {
    let f = faulty_cluster(FaultPlan {
        every_nth_500: Some(1),
        ..FaultPlan::default()
    })
    .await;
    let err = run(&f).await.0.unwrap_err().to_string();
    eprintln!("the error a learner sees: {err}");
    assert!(err.contains("preflight"), "{err}");
    assert!(
        err.contains("500") || err.contains("Internal error"),
        "{err}"
    );
}

/// Three objects in one stage: the connection dies after the first is written.
fn three_object_track(dir: &std::path::Path) {
    let shipped = kubetour::track::resolve::track_dir("emqx").unwrap();
    std::fs::copy(shipped.join("track.yaml"), dir.join("track.yaml")).unwrap();
    std::fs::write(
        dir.join("01-web.yaml"),
        r#"id: web
title: {en: "Config, pods and a Service", zh: 配置、Pod 和 Service}
narration: {en: Three objects., zh: 三个对象。}
checks:
  - deployment_complete: {name: web, timeout: 2m}
  - pods_ready: {selector: app=web, count: 2, timeout: 2m}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"#,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_cut_off_mid_apply_says_what_was_applied_and_applying_again_converges() {
    // Two applies pass (the namespace, then the ConfigMap); the connection dies at the
    // Deployment.
    let f = crate::support::faulty_cluster(FaultPlan {
        writes_before_outage: Some(2),
        ..FaultPlan::default()
    })
    .await;
    let track_dir = f.dir.path().join("track");
    std::fs::create_dir(&track_dir).unwrap();
    three_object_track(&track_dir);
    let (mut engine, events) = new_engine(&f.conn, load_track(&track_dir, "5"));
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    let first = tokio::time::timeout(Duration::from_secs(120), engine.enter(0, &options))
        .await
        .expect("the stage must not hang");
    let err = first
        .expect_err("the stage cannot pass with its connection dead")
        .to_string();
    eprintln!("what the learner reads: {err}");
    assert!(err.contains("partly applied"), "{err}");
    let (applied, not_applied) = err.split_once("not applied").unwrap();
    assert!(applied.contains("ConfigMap/web-config"), "{err}");
    assert!(not_applied.contains("Deployment/web"), "{err}");
    assert!(not_applied.contains("Service/web"), "{err}");
    assert!(
        !events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, EngineEvent::StageDone { .. })),
        "no stage may be reported done"
    );

    f.count.heal();
    tokio::time::timeout(Duration::from_secs(120), engine.enter(0, &options))
        .await
        .expect("the second apply must not hang")
        .expect("applying the stage again converges");
}
