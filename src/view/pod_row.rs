//! A pod as one row, with kubectl's READY / STATUS / RESTARTS / AGE columns, so what the
//! wizard shows matches what the learner sees in `kubectl get pods`.
//!
//! Time is injected (`at`), so rows are stable in tests.

use jiff::Timestamp;
use kube::ResourceExt;

use super::WatchedPod;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodRow {
    pub name: String,
    /// "1/1"
    pub ready: String,
    /// kubectl's STATUS column: Pending, ContainerCreating, Running, CrashLoopBackOff,
    /// Terminating, Completed, Error, ...
    pub status: String,
    pub restarts: i32,
    /// kubectl's short age: 5s, 3m12s, 2d.
    pub age: String,
    pub ip: Option<String>,
    pub node: Option<String>,
    /// All containers ready (the Ready condition).
    pub is_ready: bool,
}

impl PodRow {
    pub fn from_pod_at(pod: &WatchedPod, at: Timestamp) -> PodRow {
        let status = pod.status.as_ref();
        let containers = status
            .and_then(|s| s.container_statuses.as_ref())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let total = pod.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
        let ready_count = containers.iter().filter(|c| c.ready).count();
        let restarts = containers.iter().map(|c| c.restart_count).sum();
        let is_ready = status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let created = pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0)
            .unwrap_or(at);
        PodRow {
            name: pod.name_any(),
            ready: format!("{ready_count}/{total}"),
            status: status_column(pod),
            restarts,
            age: short_age(at.duration_since(created).as_secs()),
            ip: status.and_then(|s| s.pod_ip.clone()),
            node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
            is_ready,
        }
    }
}

/// kubectl's printPod STATUS logic (the parts that apply without init containers).
fn status_column(pod: &WatchedPod) -> String {
    let status = pod.status.as_ref();
    let mut reason = status
        .and_then(|s| s.reason.clone())
        .or_else(|| status.and_then(|s| s.phase.clone()))
        .unwrap_or_else(|| "Pending".to_string());
    let mut has_running = false;
    let containers = status
        .and_then(|s| s.container_statuses.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for c in containers.iter().rev() {
        let state = c.state.as_ref();
        if let Some(r) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
            .filter(|r| !r.is_empty())
        {
            reason = r;
        } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            reason = match &t.reason {
                Some(r) if !r.is_empty() => r.clone(),
                _ => match t.signal {
                    Some(sig) if sig != 0 => format!("Signal:{sig}"),
                    _ => format!("ExitCode:{}", t.exit_code),
                },
            };
        } else if c.ready && state.is_some_and(|s| s.running.is_some()) {
            has_running = true;
        }
    }
    if reason == "Completed" && has_running {
        reason = "Running".to_string();
    }
    if pod.metadata.deletion_timestamp.is_some() {
        reason = "Terminating".to_string();
    }
    reason
}

/// kubectl's HumanDuration, for the ages a workshop sees.
pub fn short_age(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => {
            let rem = s % 60;
            if rem == 0 {
                format!("{}m", s / 60)
            } else {
                format!("{}m{}s", s / 60, rem)
            }
        }
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 8 * 3600 => {
            let rem = (s % 3600) / 60;
            if rem == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h{}m", s / 3600, rem)
            }
        }
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// Seconds until `short_age(secs)` reads differently: the unit it shows last.
pub fn age_turns_in(secs: i64) -> u64 {
    let secs = secs.max(0) as u64;
    let unit = match secs {
        s if s < 600 => 1,
        s if s < 8 * 3600 => 60,
        s if s < 48 * 3600 => 3600,
        _ => 86400,
    };
    unit - secs % unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_wakes_the_clock_when_its_text_turns_over() {
        for secs in [
            0,
            59,
            119,
            599,
            600,
            659,
            3 * 3600 - 1,
            5 * 3600 + 30,
            30 * 3600,
            50 * 3600,
        ] {
            let next = age_turns_in(secs);
            assert_ne!(short_age(secs), short_age(secs + next as i64), "{secs}");
            if next > 1 {
                assert_eq!(short_age(secs), short_age(secs + next as i64 - 1), "{secs}");
            }
        }
    }

    fn pod(json: serde_json::Value) -> WatchedPod {
        serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(json)
            .unwrap()
            .into()
    }

    fn at() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_creating_pod_shows_container_creating_and_zero_ready() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "emqx", "creationTimestamp": "2026-11-22T11:59:55Z"},
            "spec": {"containers": [{"name": "emqx"}], "nodeName": "node-1"},
            "status": {"phase": "Pending", "containerStatuses": [{
                "name": "emqx", "ready": false, "restartCount": 0, "image": "emqx/emqx:5.8.9", "imageID": "",
                "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }));
        let row = PodRow::from_pod_at(&p, at());
        assert_eq!(row.status, "ContainerCreating");
        assert_eq!(row.ready, "0/1");
        assert_eq!(row.age, "5s");
        assert!(!row.is_ready);
    }

    #[test]
    fn a_ready_running_pod_shows_one_of_one() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "emqx", "creationTimestamp": "2026-11-22T11:56:48Z"},
            "spec": {"containers": [{"name": "emqx"}]},
            "status": {"phase": "Running", "podIP": "10.244.0.5",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "emqx", "ready": true, "restartCount": 2, "image": "", "imageID": "",
                    "state": {"running": {"startedAt": "2026-11-22T11:57:00Z"}}}]}
        }));
        let row = PodRow::from_pod_at(&p, at());
        assert_eq!(
            (
                row.status.as_str(),
                row.ready.as_str(),
                row.restarts,
                row.age.as_str()
            ),
            ("Running", "1/1", 2, "3m12s")
        );
        assert_eq!(row.ip.as_deref(), Some("10.244.0.5"));
        assert!(row.is_ready);
    }

    #[test]
    fn a_crashing_pod_shows_crash_loop_back_off_and_a_deleted_one_terminating() {
        let mut p = pod(serde_json::json!({
            "metadata": {"name": "emqx"},
            "spec": {"containers": [{"name": "emqx"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "emqx", "ready": false,
                "restartCount": 4, "image": "", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }));
        assert_eq!(PodRow::from_pod_at(&p, at()).status, "CrashLoopBackOff");
        p.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(at()));
        assert_eq!(PodRow::from_pod_at(&p, at()).status, "Terminating");
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(short_age(59), "59s");
        assert_eq!(short_age(125), "2m5s");
        assert_eq!(short_age(600), "10m");
        assert_eq!(short_age(4 * 3600 + 60), "4h1m");
        assert_eq!(short_age(30 * 3600), "30h");
        assert_eq!(short_age(3 * 86400), "3d");
    }
}
