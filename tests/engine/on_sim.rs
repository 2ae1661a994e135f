//! The stage engine against the embedded simulated cluster, through its kubeconfig.

use std::collections::BTreeSet;

use crate::support::{cluster, engine as new_engine, enter, load_track, shipped_track};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kubetour::engine::events::Severity;
use kubetour::track::state;
use serde_json::json;

async fn namespace(client: &kube::Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    api.patch(name, &PatchParams::apply("test"), &Patch::Apply(&ns))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p07_preflight_flags_a_leftover_emqx_pod_of_another_install() {
    let (_sim, conn) = cluster(true).await;
    namespace(&conn.client, "emqx").await;
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), "emqx");
    let leftover: Pod = serde_json::from_value(json!({
        "metadata": {"name": "old-emqx-0", "labels": {"app": "emqx"}},
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:4.4.19"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &leftover)
        .await
        .unwrap();
    let (mut engine, _) = new_engine(&conn, shipped_track("5"));
    let findings = engine.preflight().await;
    let leftover = findings
        .iter()
        .find(|f| f.subject == "leftover EMQX pods")
        .expect("a leftover-pods finding");
    assert_eq!(leftover.severity, Severity::Warning, "{leftover:?}");
    assert!(
        leftover.advice.contains("old-emqx-0"),
        "{}",
        leftover.advice
    );
    assert!(leftover.advice.contains("P7"), "{}", leftover.advice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o19_preflight_warns_when_there_is_no_default_storage_class() {
    let (_sim, conn) = cluster(false).await;
    let (mut engine, _) = new_engine(&conn, shipped_track("5"));
    let findings = engine.preflight().await;
    let class = findings
        .iter()
        .find(|f| f.subject == "default StorageClass")
        .expect("a StorageClass finding");
    assert_eq!(class.severity, Severity::Warning);
    assert!(class.advice.contains("Pending"), "{}", class.advice);

    let (_sim, conn) = cluster(true).await;
    let (mut engine, _) = new_engine(&conn, shipped_track("5"));
    let findings = engine.preflight().await;
    let class = findings
        .iter()
        .find(|f| f.subject == "default StorageClass")
        .unwrap();
    assert_eq!(class.severity, Severity::Ok, "{class:?}");
    assert!(
        findings.iter().all(|f| f.severity != Severity::Blocking),
        "{findings:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_with_an_invalid_manifest_applies_nothing_and_names_the_field() {
    let (_sim, conn) = cluster(true).await;
    namespace(&conn.client, "emqx").await;
    let dir = tempfile::tempdir().unwrap();
    let shipped = kubetour::track::resolve::track_dir("emqx").unwrap();
    std::fs::copy(shipped.join("track.yaml"), dir.path().join("track.yaml")).unwrap();
    std::fs::write(
        dir.path().join("01-broken.yaml"),
        r#"id: broken
title: {en: Broken, zh: 坏的}
narration: {en: A ConfigMap and a Deployment whose selector misses its pods., zh: 选择器不匹配。}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: would-be-created
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mismatched
spec:
  replicas: 1
  selector:
    matchLabels:
      app: one
  template:
    metadata:
      labels:
        app: two
    spec:
      containers:
        - name: c
          image: ${image}
"#,
    )
    .unwrap();
    let track = load_track(dir.path(), "5");
    let stage = track.stages[0].clone();
    let (mut engine, _) = new_engine(&conn, track);
    let err = engine.apply_stage(&stage).await.unwrap_err().to_string();
    assert!(err.contains("spec.template.metadata.labels"), "{err}");
    assert!(err.contains("01-broken.yaml"), "{err}");
    assert!(err.contains("Deployment mismatched"), "{err}");
    let cms: Api<ConfigMap> = Api::namespaced(conn.client.clone(), "emqx");
    assert!(
        cms.get_opt("would-be-created").await.unwrap().is_none(),
        "the dry run must stop the whole stage"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_every_stage_a_second_time_changes_no_resource_version() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        namespace(&conn.client, "emqx").await;
        let track = shipped_track(profile);
        let stages = track.stages.clone();
        let (mut engine, _) = new_engine(&conn, track);
        let mut previous: Option<&kubetour::track::Stage> = None;
        for stage in &stages {
            let first = enter(&mut engine, previous, stage).await;
            // The second pass: the same stage again.
            engine
                .run_steps(&stage.id, &stage.before, &stage.manifests)
                .await
                .unwrap();
            let second = engine.apply_stage(stage).await.unwrap();
            // Kinds no controller writes to keep their exact resourceVersion; for the
            // others, controllers may write status meanwhile, so `changed` (our fields)
            // is what must not move.
            for (a, b) in first.iter().zip(&second) {
                if matches!(
                    a.kind.as_str(),
                    "ConfigMap" | "ServiceAccount" | "Role" | "RoleBinding"
                ) {
                    assert_eq!(
                        a.resource_version, b.resource_version,
                        "profile {profile}, stage {}: {} {} was written again",
                        stage.id, a.kind, a.name
                    );
                }
            }
            for applied in second {
                assert!(
                    !applied.changed,
                    "profile {profile}, stage {}: re-applying {} {} changed it",
                    stage.id, applied.kind, applied.name
                );
            }
            previous = Some(stage);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_deletes_all_of_ours_and_none_of_theirs() {
    let (_sim, conn) = cluster(true).await;
    namespace(&conn.client, "emqx").await;
    let track = shipped_track("5");
    let last = track.stages.len() - 1;
    let ours: BTreeSet<(String, String)> = state::through(&track, last)
        .iter()
        .map(|m| (m.kind.clone(), m.name.clone()))
        .collect();
    let stages = track.stages.clone();
    let (mut engine, _) = new_engine(&conn, track);
    let mut previous: Option<&kubetour::track::Stage> = None;
    for stage in &stages {
        enter(&mut engine, previous, stage).await;
        previous = Some(stage);
    }
    // Decoys: an unlabelled ConfigMap, and one with the pods' label written by someone else.
    let cms: Api<ConfigMap> = Api::namespaced(conn.client.clone(), "emqx");
    for (name, labels) in [
        ("theirs-plain", json!({})),
        ("theirs-app-emqx", json!({"app": "emqx"})),
    ] {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": name, "labels": labels}, "data": {"x": "y"}});
        cms.patch(name, &PatchParams::apply("kubectl"), &Patch::Apply(&cm))
            .await
            .unwrap();
    }
    let deleted: BTreeSet<(String, String)> = engine
        .delete_ours(None, true, &BTreeSet::new())
        .await
        .unwrap()
        .into_iter()
        .filter(|(kind, _)| kind != "PersistentVolumeClaim")
        .collect();
    assert_eq!(deleted, ours);
    for name in ["theirs-plain", "theirs-app-emqx"] {
        assert!(
            cms.get_opt(name).await.unwrap().is_some(),
            "{name} must survive teardown"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewinding_to_an_earlier_stage_removes_what_later_stages_made_and_restores_the_rest() {
    let (_sim, conn) = cluster(true).await;
    namespace(&conn.client, "emqx").await;
    let track = shipped_track("5");
    let stages = track.stages.clone();
    let (mut engine, _) = new_engine(&conn, track);
    let mut previous: Option<&kubetour::track::Stage> = None;
    for stage in stages.iter().take_while(|s| s.id != "configmap") {
        enter(&mut engine, previous, stage).await;
        previous = Some(stage);
    }
    let service = stages.iter().position(|s| s.id == "service").unwrap();
    engine.rewind(service).await.unwrap();
    let sa: Api<k8s_openapi::api::core::v1::ServiceAccount> =
        Api::namespaced(conn.client.clone(), "emqx");
    assert!(
        sa.get_opt("emqx").await.unwrap().is_none(),
        "the rbac stage's account must go"
    );
    let roles: Api<k8s_openapi::api::rbac::v1::Role> = Api::namespaced(conn.client.clone(), "emqx");
    assert!(roles.get_opt("emqx").await.unwrap().is_none());
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(conn.client.clone(), "emqx");
    let d = deployments.get("emqx-deployment").await.unwrap();
    assert_eq!(
        d.spec.replicas,
        Some(1),
        "back to the deployment stage's one replica"
    );
    let env = d.spec.template.spec.unwrap().containers[0]
        .env
        .clone()
        .unwrap_or_default();
    assert!(env.is_empty(), "the autocluster settings are gone: {env:?}");
    let services: Api<k8s_openapi::api::core::v1::Service> =
        Api::namespaced(conn.client.clone(), "emqx");
    assert!(
        services.get_opt("emqx-service").await.unwrap().is_some(),
        "the service stage's own object stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_only_the_preflight_writes_nothing() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, _) = new_engine(&conn, shipped_track("5"));
    let options = kubetour::engine::RunOptions {
        try_it: true,
        lang: kubetour::track::Lang::En,
    };
    engine.run(Some("preflight"), &options).await.unwrap();
    let namespaces: Api<Namespace> = Api::all(conn.client.clone());
    assert!(namespaces.get_opt("emqx").await.unwrap().is_none());
    engine.run(Some("pod"), &options).await.unwrap();
    let ns = namespaces.get("emqx").await.unwrap();
    assert_eq!(
        ns.metadata
            .labels
            .unwrap()
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("kubetour"),
        "the namespace kubetour creates carries its label"
    );
}
