//! Shared helpers for the EMQX-on-the-sim tests: exec and logs through kube-rs (the
//! public API only), and waiting for what a learner waits for.
#![allow(dead_code)]

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, ListParams, LogParams};
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

/// Polls `f` until it returns Some (up to ~60 s of real time).
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..600 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
