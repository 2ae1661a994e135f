//! The subresources and kinds a real server always serves and clients reach for,
//! through kube-rs against the sim in-process (issue 12): batch/v1 Jobs run to
//! completion or failure, pods/eviction, serviceaccounts/token, pods/ephemeralcontainers.

use std::time::Duration;

use crate::support::{api_error, eventually_within, sim};
use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, ServiceAccount};
use kube::api::{Api, EvictParams, ListParams, Patch, PatchParams, PostParams};
use kubetour_sim::cluster::Sim;
use serde_json::json;

/// A Job whose pod runs `script` in busybox's shell (the simulated kubelet runs it: its
/// exit code decides the pod's phase, as a real kubelet's would).
fn job(name: &str, backoff_limit: i32, script: &str) -> Job {
    serde_json::from_value(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "backoffLimit": backoff_limit,
            "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "pi", "image": "busybox:1.36",
                    "command": ["sh", "-c", script]}]
            }}
        }
    }))
    .unwrap()
}

/// The names of the Job's pods that ended in `phase`.
async fn pods_in_phase(sim: &Sim, job: &str, phase: &str) -> Vec<String> {
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    let lp = ListParams::default().labels(&format!("batch.kubernetes.io/job-name={job}"));
    let Ok(list) = pods.list(&lp).await else {
        return Vec::new();
    };
    list.items
        .into_iter()
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some(phase))
        .filter_map(|p| p.metadata.name)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_job_runs_its_pod_and_completes_when_the_pod_succeeds() {
    let sim = sim();
    let jobs: Api<Job> = Api::namespaced(sim.client(), "default");
    let created = jobs
        .create(&PostParams::default(), &job("pi", 6, "echo done"))
        .await
        .unwrap();
    let spec = created.spec.unwrap();
    assert_eq!((spec.completions, spec.parallelism), (Some(1), Some(1)));
    let uid = created.metadata.uid.unwrap();
    assert_eq!(
        spec.selector.unwrap().match_labels.unwrap()["batch.kubernetes.io/controller-uid"],
        uid
    );
    // The pod's command exits 0 by itself.
    let done = eventually_within(600, "the job completes", || {
        let jobs = jobs.clone();
        async move {
            let j = jobs.get("pi").await.ok()?;
            let status = j.status?;
            let complete = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Complete" && c.status == "True");
            complete.then_some(status)
        }
    })
    .await;
    assert_eq!(done.succeeded, Some(1));
    assert!(done.completion_time.is_some() && done.start_time.is_some());
    let types: Vec<String> = done
        .conditions
        .unwrap()
        .into_iter()
        .map(|c| c.type_)
        .collect();
    assert_eq!(types, ["SuccessCriteriaMet", "Complete"]);
    assert_eq!(pods_in_phase(&sim, "pi", "Succeeded").await.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_job_fails_once_its_pods_failed_past_the_backoff_limit() {
    let sim = sim();
    let jobs: Api<Job> = Api::namespaced(sim.client(), "default");
    jobs.create(
        &PostParams::default(),
        &job("flaky", 1, "echo boom; exit 3"),
    )
    .await
    .unwrap();
    // One failure is within the limit: the controller starts another pod, which fails too.
    eventually_within(600, "two failed pods", || async {
        (pods_in_phase(&sim, "flaky", "Failed").await.len() == 2).then_some(())
    })
    .await;
    let failed = eventually_within(600, "the job fails", || {
        let jobs = jobs.clone();
        async move {
            let status = jobs.get("flaky").await.ok()?.status?;
            status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == "Failed" && c.status == "True")
                .cloned()
                .map(|c| (c, status.failed))
        }
    })
    .await;
    assert_eq!(failed.0.reason.as_deref(), Some("BackoffLimitExceeded"));
    assert_eq!(failed.1, Some(2));
}

#[tokio::test(start_paused = true)]
async fn an_eviction_deletes_the_pod_and_answers_success() {
    let sim = sim();
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "evictee"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    }))
    .unwrap();
    eventually_within(600, "the default service account", || {
        let sas: Api<ServiceAccount> = Api::namespaced(sim.client(), "default");
        async move { sas.get("default").await.ok() }
    })
    .await;
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let status = pods
        .evict("evictee", &EvictParams::default())
        .await
        .unwrap();
    assert_eq!(status.code, 201);
    assert_eq!(
        status.status,
        Some(kube::core::response::StatusSummary::Success)
    );
    eventually_within(600, "the evicted pod is gone", || {
        let pods = pods.clone();
        async move { pods.get_opt("evictee").await.ok()?.is_none().then_some(()) }
    })
    .await;
    let err = api_error(
        pods.evict("evictee", &EvictParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 404);
}

#[tokio::test(start_paused = true)]
async fn a_token_request_gives_a_token_the_sim_accepts_until_it_expires() {
    let sim = sim();
    let sas: Api<ServiceAccount> = Api::namespaced(sim.client(), "default");
    eventually_within(600, "the default service account", || {
        let sas = sas.clone();
        async move { sas.get("default").await.ok() }
    })
    .await;
    let request: TokenRequest = serde_json::from_value(json!({
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"audiences": null, "expirationSeconds": 600}
    }))
    .unwrap();
    let answer = sas
        .create_token_request("default", &PostParams::default(), &request)
        .await
        .unwrap();
    let token = answer.status.unwrap().token.unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert_eq!(answer.spec.unwrap().expiration_seconds, Some(600));
    let as_account = kubetour_sim::api::inprocess::client(sim.router(), &token);
    let cms: Api<ConfigMap> = Api::namespaced(as_account, "default");
    let err = api_error(cms.list(&ListParams::default()).await.unwrap_err());
    assert_eq!(
        err.code, 403,
        "known as the service account: {}",
        err.message
    );
    assert!(
        err.message
            .contains("system:serviceaccount:default:default")
    );
    // Past its expiry the token is no one's.
    tokio::time::sleep(Duration::from_secs(601)).await;
    let err = api_error(cms.list(&ListParams::default()).await.unwrap_err());
    assert_eq!(err.code, 401);
    let short: TokenRequest =
        serde_json::from_value(json!({"spec": {"audiences": null, "expirationSeconds": 60}}))
            .unwrap();
    let err = api_error(
        sas.create_token_request("default", &PostParams::default(), &short)
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
}

#[tokio::test(start_paused = true)]
async fn an_ephemeral_container_shows_in_the_pods_spec_and_status() {
    let sim = sim();
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    eventually_within(600, "the default service account", || {
        let sas: Api<ServiceAccount> = Api::namespaced(sim.client(), "default");
        async move { sas.get("default").await.ok() }
    })
    .await;
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "target"},
        "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let patch = json!({"spec": {"ephemeralContainers": [
        {"name": "debugger", "image": "busybox:1.36", "stdin": true, "tty": true}
    ]}});
    let patched = pods
        .patch_ephemeral_containers("target", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap();
    let ephemeral = patched.spec.unwrap().ephemeral_containers.unwrap();
    assert_eq!(ephemeral[0].name, "debugger");
    assert_eq!(
        ephemeral[0].termination_message_policy.as_deref(),
        Some("File")
    );
    let statuses = patched
        .status
        .unwrap()
        .ephemeral_container_statuses
        .unwrap();
    assert!(statuses[0].state.as_ref().unwrap().running.is_some());
    // Removing it is refused, as on a real server.
    let removal = json!({"spec": {"ephemeralContainers": []}});
    let err = api_error(
        pods.patch_ephemeral_containers("target", &PatchParams::default(), &Patch::Merge(&removal))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
}
