//! Asking EMQX itself: `<ctl> status` and `<ctl> cluster status` through exec, the log
//! tail through the log API, and `/status` through the API server's service proxy.
//! Results land in [`Evidence`]; failures are kept as words, never raised.

use k8s_openapi::api::core::v1::Pod;
use kube::{Client, ResourceExt};

use super::evidence::{Evidence, PodEvidence};
use crate::cluster::errors::explain;
use crate::cluster::{exec, facts};
use crate::emqx::{cluster_status, node_status};
use crate::track::Profile;

/// How many log lines a probe reads.
pub const LOG_LINES: i64 = 200;

/// What a probe round should ask.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub ctl: bool,
    pub logs: bool,
}

/// Probes each pod whose container has started.
pub async fn probe_pods(
    client: &Client,
    namespace: &str,
    profile: &Profile,
    pods: &[&Pod],
    wants: Wants,
    evidence: &mut Evidence,
) {
    for pod in pods {
        let name = pod.name_any();
        let mut answers = evidence.pods.remove(&name).unwrap_or_default();
        if wants.ctl && is_running(pod) {
            ask_ctl(client, namespace, profile, &name, &mut answers).await;
        }
        if wants.logs && has_started(pod) {
            answers.log = match facts::log_tail(client, namespace, &name, LOG_LINES).await {
                Ok(text) => Some(text),
                Err(e) => answers
                    .log
                    .or(Some(format!("(log unavailable: {})", explain(&e)))),
            };
        }
        evidence.pods.insert(name, answers);
    }
}

async fn ask_ctl(
    client: &Client,
    namespace: &str,
    profile: &Profile,
    pod: &str,
    answers: &mut PodEvidence,
) {
    let argv = |tail: &[&str]| -> Vec<String> {
        profile
            .ctl
            .iter()
            .cloned()
            .chain(tail.iter().map(|s| s.to_string()))
            .collect()
    };
    answers.node = Some(
        match exec::exec(client, namespace, pod, None, &argv(&["status"])).await {
            Ok(out) => node_status::parse(&out.stdout)
                .map_err(|e| format!("{e}{}", stderr_note(&out.stderr))),
            Err(e) => Err(e.to_string()),
        },
    );
    answers.cluster = Some(
        match exec::exec(client, namespace, pod, None, &argv(&["cluster", "status"])).await {
            Ok(out) => cluster_status::parse(&out.stdout)
                .map_err(|e| format!("{e}{}", stderr_note(&out.stderr))),
            Err(e) => Err(e.to_string()),
        },
    );
}

fn stderr_note(stderr: &str) -> String {
    let s = stderr.trim();
    if s.is_empty() {
        String::new()
    } else {
        format!(" (stderr: {s})")
    }
}

/// `GET /status` on EMQX through the API server's proxy to a Service port.
pub async fn http_status(
    client: &Client,
    namespace: &str,
    service: &str,
    port: u16,
) -> Result<(u16, String), String> {
    let path = format!("/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy/status");
    let request = http::Request::get(&path)
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    match client.request_text(request).await {
        Ok(body) => Ok((200, body)),
        Err(kube::Error::Api(status)) => Err(format!(
            "{} {}: {}",
            status.code, status.reason, status.message
        )),
        Err(e) => Err(explain(&e)),
    }
}

fn is_running(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            !cs.is_empty()
                && cs
                    .iter()
                    .all(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()))
        })
}

fn has_started(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.restart_count > 0
                    || c.state
                        .as_ref()
                        .is_some_and(|s| s.running.is_some() || s.terminated.is_some())
            })
        })
}
