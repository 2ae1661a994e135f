//! Asking EMQX itself: `<ctl> status` and `<ctl> cluster status` through exec, the log
//! tail through the log API, and `/status` through the API server's service proxy.
//! Results land in [`Evidence`]; failures are kept as words, never raised.
//!
//! A command that could not run says so, and why ("could not run `emqx ctl status` in
//! pod emqx: the API server could not reach the node's kubelet: …"), instead of
//! handing empty output to the parser. When the reason holds for the whole cluster
//! (RBAC, the kubelet), exec is not tried again in that round; EMQX's `/status`
//! through the API server's pod proxy answers for "started" instead.

use std::time::Duration;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::{Client, ResourceExt};

use super::evidence::{Evidence, ExecRefused, PodEvidence};
use crate::cluster::errors::explain;
use crate::cluster::refusal::{self, Refusal};
use crate::cluster::{exec, facts};
use crate::emqx::{cluster_status, node_status};
use crate::track::Profile;
use crate::view::WatchedPod;

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
    pods: &[&WatchedPod],
    wants: Wants,
    evidence: &mut Evidence,
) {
    if wants.logs {
        // P19's evidence: a policy can keep the pods from each other's cluster ports.
        let api = kube::Api::<NetworkPolicy>::namespaced(client.clone(), namespace);
        evidence.network_policies = api
            .list(&Default::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default();
    }
    for pod in pods {
        let name = pod.name_any();
        let uid = pod.uid();
        // Answers of an earlier pod of the same name are not this pod's.
        let mut answers = evidence
            .pods
            .remove(&name)
            .filter(|a| a.uid.is_none() || a.uid == uid)
            .unwrap_or_default();
        answers.uid = uid;
        if wants.ctl && is_running(pod) {
            if evidence.exec_refused.is_none() {
                evidence.exec_refused =
                    ask_ctl(client, namespace, profile, &name, &mut answers).await;
            }
            if let Some(refused) = &evidence.exec_refused {
                second_source(client, namespace, profile, &name, refused, &mut answers).await;
            }
        }
        if wants.logs && has_started(pod) {
            answers.log = match facts::log_tail(client, namespace, &name, LOG_LINES).await {
                Ok(text) => Some(text),
                Err(e) => answers.log.or(Some(format!(
                    "(could not read the log of pod {name}: {})",
                    refusal::from_kube(&e)
                ))),
            };
        }
        evidence.pods.insert(name, answers);
    }
}

/// Runs `<ctl> status`, then `<ctl> cluster status`. A refusal is the answer to both
/// (the second would meet the same one); a cluster-wide refusal is returned.
async fn ask_ctl(
    client: &Client,
    namespace: &str,
    profile: &Profile,
    pod: &str,
    answers: &mut PodEvidence,
) -> Option<ExecRefused> {
    let argv = |tail: &[&str]| -> Vec<String> {
        profile
            .ctl
            .iter()
            .cloned()
            .chain(tail.iter().map(|s| s.to_string()))
            .collect()
    };
    let status = argv(&["status"]);
    let refused = |refusal: Refusal| ExecRefused {
        pod: pod.to_string(),
        command: status.join(" "),
        refusal,
    };
    let node = match run(client, namespace, pod, &status).await {
        Ok(out) => {
            node_status::parse(&out.stdout).map_err(|e| format!("{e}{}", stderr_note(&out.stderr)))
        }
        Err(refusal) => {
            let r = refused(refusal);
            let text = r.to_string();
            answers.node = Some(Err(text.clone()));
            answers.cluster = Some(Err(text));
            return r.refusal.trouble.is_cluster_wide().then_some(r);
        }
    };
    answers.node = Some(node);
    let cluster_argv = argv(&["cluster", "status"]);
    answers.cluster = Some(match run(client, namespace, pod, &cluster_argv).await {
        Ok(out) => cluster_status::parse(&out.stdout)
            .map_err(|e| format!("{e}{}", stderr_note(&out.stderr))),
        Err(refusal) => {
            let r = ExecRefused {
                command: cluster_argv.join(" "),
                ..refused(refusal)
            };
            let text = r.to_string();
            answers.cluster = Some(Err(text));
            return r.refusal.trouble.is_cluster_wide().then_some(r);
        }
    });
    None
}

/// One exec: its output when the command ran (whatever its exit code), else why not.
async fn run(
    client: &Client,
    namespace: &str,
    pod: &str,
    argv: &[String],
) -> Result<exec::ExecOutput, Refusal> {
    match exec::exec(client, namespace, pod, None, argv).await {
        Ok(out) => match out.refusal() {
            Some(r) => Err(r),
            None => Ok(out),
        },
        Err(e) => Err(e.refusal()),
    }
}

/// With exec refused: EMQX's own `/status` through the API server's pod proxy says
/// whether the node started. Membership has no second source: EMQX names its peers
/// over HTTP only to an authenticated caller (`/api/v5/nodes`, 4.x `/api/v4/nodes`), and
/// the API server removes the Authorization header before proxying.
async fn second_source(
    client: &Client,
    namespace: &str,
    profile: &Profile,
    pod: &str,
    refused: &ExecRefused,
    answers: &mut PodEvidence,
) {
    answers.cluster = Some(Err(format!(
        "{refused}; EMQX names its peers over HTTP only to an authenticated caller, and \
         the API server's pod proxy does not pass credentials on"
    )));
    match pod_http_status(client, namespace, pod, profile.status_port).await {
        Ok(body) => {
            answers.http_refused = None;
            answers.node = Some(node_status::parse(&body).map_err(|e| e.to_string()));
        }
        Err(e) => {
            let why = format!(
                "{refused}; EMQX's /status through the API server's pod proxy failed too: {e}"
            );
            answers.node = Some(Err(why.clone()));
            // Nothing listening on the pod's port yet is what a booting EMQX looks like:
            // ask again. Anything else (RBAC on pods/proxy, no route to the pod) will not
            // mend by waiting.
            answers.http_refused = (!e.contains("connection refused")).then_some(why);
        }
    }
}

/// `GET /status` on EMQX in one pod through the API server's pod proxy. A 503 from
/// EMQX itself ("not started yet") is an answer: its body is returned. A refusal by the
/// API server (RBAC on pods/proxy, a pod it cannot reach) is an error.
async fn pod_http_status(
    client: &Client,
    namespace: &str,
    pod: &str,
    port: u16,
) -> Result<String, String> {
    let path = format!("/api/v1/namespaces/{namespace}/pods/{pod}:{port}/proxy/status");
    let request = http::Request::get(&path)
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let call = client.request_text(request);
    match tokio::time::timeout(Duration::from_secs(10), call).await {
        Err(_) => Err("no answer in 10 s".to_string()),
        Ok(Ok(body)) => Ok(body),
        // EMQX's own 503 ("not started yet") is an answer; the API server's refusals
        // (RBAC on pods/proxy, a pod it cannot reach) are Status objects.
        Ok(Err(kube::Error::Api(s))) if s.reason == NOT_A_STATUS => Ok(s.message.clone()),
        Ok(Err(e)) => Err(explain(&e)),
    }
}

fn stderr_note(stderr: &str) -> String {
    let s = stderr.trim();
    if s.is_empty() {
        String::new()
    } else {
        format!(" (stderr: {s})")
    }
}

/// The reason kube gives an error answer whose body is not a Kubernetes Status (the
/// proxied server's own body).
const NOT_A_STATUS: &str = "Failed to parse error data";

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
        // EMQX's own non-2xx answer (503 "is starting", with Retry-After) reaches us as
        // an error whose message is the raw body: it is an answer, not a failure to ask.
        Err(kube::Error::Api(status)) if status.reason == NOT_A_STATUS => {
            Ok((status.code, status.message.clone()))
        }
        Err(kube::Error::Api(status)) => Err(format!(
            "{} {}: {}",
            status.code, status.reason, status.message
        )),
        Err(e) => Err(explain(&e)),
    }
}

fn is_running(pod: &WatchedPod) -> bool {
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

fn has_started(pod: &WatchedPod) -> bool {
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

/// When to ask EMQX again while a check waits. Each round starts a process in every
/// target pod (on a real cluster, a BEAM for `emqx ctl`), so rounds are spaced out:
/// at once when a target pod changes, then 1 s, 2 s, 4 s … apart, at most 10 s, while
/// nothing changes. The delays are divided by the cluster's speed (the simulated
/// cluster with --speed), as the checks' time limits are.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// How many rounds since the last change.
    step: u32,
    scale: f64,
}

/// The first pause after a change, and the longest pause, at real-time speed.
pub const FIRST_PAUSE: Duration = Duration::from_secs(1);
pub const LONGEST_PAUSE: Duration = Duration::from_secs(10);

impl Schedule {
    pub fn new(scale: f64) -> Schedule {
        let scale = if scale.is_finite() && scale >= 1.0 {
            scale
        } else {
            1.0
        };
        Schedule { step: 0, scale }
    }

    /// The pause after the round just made; the next one is longer.
    pub fn pause(&mut self) -> Duration {
        let pause = FIRST_PAUSE
            .saturating_mul(1u32 << self.step.min(16))
            .min(LONGEST_PAUSE);
        self.step = self.step.saturating_add(1);
        pause.div_f64(self.scale)
    }

    /// The shortest gap between two rounds, also after a change (a pod that changes
    /// many times a second is not asked many times a second).
    pub fn least_gap(&self) -> Duration {
        FIRST_PAUSE.div_f64(self.scale)
    }

    /// A target pod changed: start over at the short pauses.
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// How many rounds fit in `window` when nothing changes (the first at its start):
    /// the bound a test holds the exec count to.
    pub fn rounds_within(scale: f64, window: Duration) -> u32 {
        let mut schedule = Schedule::new(scale);
        let mut at = Duration::ZERO;
        let mut rounds = 0;
        while at <= window {
            rounds += 1;
            at += schedule.pause();
        }
        rounds
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn pauses_double_from_one_second_up_to_ten() {
        let mut s = Schedule::new(1.0);
        let pauses: Vec<u64> = (0..6).map(|_| s.pause().as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 10, 10]);
        s.reset();
        assert_eq!(s.pause(), Duration::from_secs(1));
    }

    #[test]
    fn a_fast_cluster_shrinks_the_pauses_by_its_speed() {
        let mut s = Schedule::new(50.0);
        assert_eq!(s.pause(), Duration::from_millis(20));
        assert_eq!(s.least_gap(), Duration::from_millis(20));
    }

    #[test]
    fn a_minute_of_waiting_is_nine_rounds_not_sixty() {
        // 0, 1, 3, 7, 15, 25, 35, 45, 55 s.
        assert_eq!(Schedule::rounds_within(1.0, Duration::from_secs(60)), 9);
    }
}
