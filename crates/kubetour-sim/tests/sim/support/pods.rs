//! What a learner does with pods through kube-rs (the public API only): exec, logs,
//! the names behind a selector. Also used by the wizard's engine tests (tests/common).
#![allow(dead_code)]

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, ListParams, LogParams, PostParams};
use serde_json::json;
use tokio::io::AsyncReadExt;

/// Runs a command in a pod's container; returns stdout, stderr and the exit code.
pub async fn exec(
    client: &kube::Client,
    ns: &str,
    pod: &str,
    argv: &[&str],
) -> (String, String, i32) {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let params = AttachParams::default()
        .stdin(false)
        .stdout(true)
        .stderr(true);
    let mut p = pods
        .exec(pod, argv.to_vec(), &params)
        .await
        .expect("exec starts");
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut out = p.stdout().expect("stdout");
    let mut err = p.stderr().expect("stderr");
    let status = p.take_status().expect("status");
    let (a, b) = tokio::join!(
        out.read_to_string(&mut stdout),
        err.read_to_string(&mut stderr)
    );
    a.unwrap();
    b.unwrap();
    let status = status.await.expect("a status");
    let code = match status.status.as_deref() {
        Some("Success") => 0,
        _ => status
            .details
            .and_then(|d| d.causes)
            .and_then(|c| {
                c.into_iter()
                    .find(|c| c.reason.as_deref() == Some("ExitCode"))
            })
            .and_then(|c| c.message)
            .and_then(|m| m.parse().ok())
            .unwrap_or(-1),
    };
    p.join().await.unwrap();
    (stdout, stderr, code)
}

pub async fn logs(client: &kube::Client, ns: &str, pod: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    pods.logs(pod, &LogParams::default())
        .await
        .unwrap_or_default()
}

pub async fn previous_logs(
    client: &kube::Client,
    ns: &str,
    pod: &str,
) -> Result<String, kube::Error> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    pods.logs(
        pod,
        &LogParams {
            previous: true,
            ..LogParams::default()
        },
    )
    .await
}

/// Names of the pods matching a label selector, sorted.
pub async fn pod_names(client: &kube::Client, ns: &str, selector: &str) -> Vec<String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let mut names: Vec<String> = pods
        .list(&ListParams::default().labels(selector))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter_map(|p| p.metadata.name)
        .collect();
    names.sort();
    names
}

/// Creates pod `name` (namespace default) with one container `emqx` running `image` with
/// this environment.
pub async fn pod_with_env(client: &kube::Client, name: &str, image: &str, env: &[(&str, &str)]) {
    let env: Vec<_> = env
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "emqx", "image": image, "env": env}]}
    }))
    .unwrap();
    let api: Api<Pod> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &pod).await.unwrap();
}
