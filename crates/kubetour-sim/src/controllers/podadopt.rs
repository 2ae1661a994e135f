//! A kubelet taking back a pod that was running before the simulated cluster restarted
//! from its state file: a real API server restart leaves pods running, so the pod keeps
//! its IP, start time, container ids, restart counts and readiness, and no status write
//! says anything changed.

use serde_json::Value;
use tokio::time::Instant;

use super::{CtrState, PodModel};

impl PodModel {
    /// The model of a pod whose every container was running, as its status says; None
    /// for anything else (such a pod starts afresh, as before).
    pub fn adopt(
        pod: &Value,
        node: &Value,
        scale: impl Fn(std::time::Duration) -> std::time::Duration,
    ) -> Option<PodModel> {
        let status = &pod["status"];
        if status["phase"] != "Running" {
            return None;
        }
        let ip = status["podIP"].as_str().filter(|s| !s.is_empty())?;
        let start_time = status["startTime"].as_str()?.to_string();
        let mut model = PodModel::new(pod, node, start_time);
        let statuses = status["containerStatuses"].as_array()?;
        let now = Instant::now();
        for c in &mut model.containers {
            let s = statuses.iter().find(|s| s["name"] == c.name.as_str())?;
            let started_at = s["state"]["running"]["startedAt"].as_str()?.to_string();
            c.state = CtrState::Running { started_at };
            c.last_state = s["lastState"].clone();
            c.container_id = s["containerID"].as_str().unwrap_or_default().to_string();
            c.restarts = s["restartCount"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0);
            c.ready = s["ready"].as_bool().unwrap_or(false);
            c.started = Some(now);
            // Probing goes on from here, one period on.
            c.probe_at = c.probe.map(|p| now + scale(p.period));
        }
        model.sandbox_ready(ip.to_string());
        Some(model)
    }
}
