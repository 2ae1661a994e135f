//! `kubetour sim serve --state FILE` restarted on the same port: a client that was
//! connected keeps working (same CA, same token), objects keep their uids and
//! resourceVersions, new writes count on upward, running pods are not restarted, a watch
//! from before the restart gets 410 Gone, and a bad state file is refused in words; an
//! address outside loopback is refused.

use std::time::{Duration, Instant};

use crate::common::server::{Files, Server, client, saved_with};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use serde_json::json;

async fn ready_pod(pods: &Api<Pod>, name: &str) -> Pod {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = pods.get(name).await.unwrap();
        let ready = p
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .is_some_and(|cs| cs.iter().all(|c| c.ready));
        if ready {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never became ready: {p:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_keeps_its_objects_certificate_token_and_running_pods() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let files = Files::new();
    let first = Server::start(&files, 0);
    let port = first.port;
    // One client for the whole test: it must keep working across the restart.
    let c = client(&files).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(c.clone(), "default");
    let nodes: Api<Node> = Api::all(c.clone());
    let kept = cms
        .create(&PostParams::default(), &cm("kept"))
        .await
        .unwrap();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let before = ready_pod(&pods, "web").await;
    let nodes_before: Vec<_> = nodes
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.metadata.uid)
        .collect();
    let old_rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    // A last write, then wait for the debounced save to hold it: everything before it
    // is in the file too.
    cms.create(&PostParams::default(), &cm("marker"))
        .await
        .unwrap();
    saved_with(&files, "\"marker\"", 10);
    first.kill();

    let _second = Server::start(&files, port);
    let back = cms
        .get("kept")
        .await
        .expect("the same client, after the restart");
    assert_eq!(back.metadata.uid, kept.metadata.uid);
    assert_eq!(
        back.metadata.resource_version,
        kept.metadata.resource_version
    );

    let after = ready_pod(&pods, "web").await;
    assert_eq!(after.metadata.uid, before.metadata.uid);
    let (s0, s1) = (before.status.unwrap(), after.status.unwrap());
    assert_eq!(s1.pod_ip, s0.pod_ip, "the pod keeps its IP");
    assert_eq!(s1.start_time, s0.start_time);
    let (c0, c1) = (
        &s0.container_statuses.unwrap()[0],
        &s1.container_statuses.unwrap()[0],
    );
    assert_eq!(
        c1.container_id, c0.container_id,
        "the container was not restarted"
    );
    assert_eq!(c1.restart_count, 0);

    let nodes_after: Vec<_> = nodes
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|n| n.metadata.uid)
        .collect();
    assert_eq!(nodes_after, nodes_before, "the same simulated nodes");

    let new = cms
        .create(&PostParams::default(), &cm("new"))
        .await
        .unwrap();
    let new_rv: u64 = new.metadata.resource_version.unwrap().parse().unwrap();
    let marker_rv: u64 = cms
        .get("marker")
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        new_rv > marker_rv,
        "resourceVersions go on upward: {new_rv} after {marker_rv}"
    );

    // History did not survive: a watch from before the restart is told 410 Gone.
    let mut stream = cms
        .watch(&WatchParams::default().timeout(5), &old_rv)
        .await
        .unwrap()
        .boxed();
    match stream.next().await {
        Some(Ok(WatchEvent::Error(status))) => assert_eq!(status.code, 410, "{status:?}"),
        other => panic!("expected 410 Gone, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_saves_the_state_and_exits_cleanly() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let files = Files::new();
    let server = Server::start(&files, 0);
    let c = client(&files).await;
    let cms: Api<ConfigMap> = Api::namespaced(c, "default");
    cms.create(&PostParams::default(), &cm("at-exit"))
        .await
        .unwrap();
    let status = server.terminate();
    assert!(status.success(), "{status:?}\n{}", files.log());
    let saved = std::fs::read_to_string(&files.state).unwrap();
    assert!(saved.contains("\"at-exit\""), "the state at exit was saved");
}

#[test]
fn a_bad_state_file_is_refused_naming_the_file_and_the_problem() {
    let files = Files::new();
    std::fs::write(
        &files.state,
        "{\"kind\": \"KubetourSimState\", \"version\": 1",
    )
    .unwrap();
    let out = crate::common::kubetour()
        .args(["sim", "serve", "--state"])
        .arg(&files.state)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains(&files.state.display().to_string()), "{err}");
    assert!(err.contains("not JSON"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn kubetour(args: &[&str]) -> serde_json::Value {
    let out = crate::support::output(args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{args:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `status --json` prints one document; `run --json` one event a line (the last says
    // how it finished).
    serde_json::from_str(&stdout)
        .or_else(|_| serde_json::from_str(stdout.lines().last().unwrap_or_default()))
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {stdout}"))
}

/// (pod, containerID, restartCount) of every pod in `emqx`.
async fn containers(c: &kube::Client) -> Vec<(String, String, i32)> {
    let pods: Api<Pod> = Api::namespaced(c.clone(), "emqx");
    let mut out: Vec<_> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| {
            let s = &p.status.unwrap().container_statuses.unwrap()[0];
            (
                p.metadata.name.unwrap(),
                s.container_id.clone().unwrap_or_default(),
                s.restart_count,
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emqx_cluster_and_its_pods_go_on_as_they_were_after_a_restart() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let files = Files::new();
    let first = Server::start(&files, 0);
    let port = first.port;
    let kubeconfig = files.kubeconfig.display().to_string();
    let ran = kubetour(&[
        "run",
        "--kubeconfig",
        &kubeconfig,
        "--yes",
        "--through",
        "rbac",
        "--no-try-it",
        "--json",
    ]);
    assert_eq!(ran["ok"], true, "{ran}");
    let status = kubetour(&["status", "--kubeconfig", &kubeconfig, "--json"]);
    assert_eq!(
        status["membership"], "1 cluster of 3 running nodes",
        "{status}"
    );
    let c = client(&files).await;
    let before = containers(&c).await;
    assert_eq!(before.len(), 3, "{before:?}");
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    cms.create(&PostParams::default(), &cm("marker"))
        .await
        .unwrap();
    saved_with(&files, "\"marker\"", 10);
    first.kill();

    let _second = Server::start(&files, port);
    let status = kubetour(&["status", "--kubeconfig", &kubeconfig, "--json"]);
    assert_eq!(
        status["membership"], "1 cluster of 3 running nodes",
        "{status}"
    );
    assert_eq!(containers(&c).await, before, "no container was restarted");
}

#[test]
fn serve_refuses_addresses_outside_loopback() {
    let out = crate::support::output(&["sim", "serve", "--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to listen on 0.0.0.0:0"), "{err}");
}
