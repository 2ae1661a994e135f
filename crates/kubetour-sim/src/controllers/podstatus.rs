//! What the kubelet knows about a pod's containers, and the pod status it writes from
//! that: phase, the five conditions in the kubelet's order, IPs, containerStatuses.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::names;

#[path = "podadopt.rs"]
mod adopt;

#[derive(Debug, Clone, PartialEq)]
pub enum CtrState {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running {
        started_at: String,
    },
    Terminated {
        exit_code: i32,
        reason: String,
        started_at: String,
        finished_at: String,
    },
}

impl CtrState {
    fn to_json(&self) -> Value {
        match self {
            CtrState::Waiting { reason, message } => {
                let mut w = json!({"reason": reason});
                if let Some(m) = message {
                    w["message"] = json!(m);
                }
                json!({"waiting": w})
            }
            CtrState::Running { started_at } => json!({"running": {"startedAt": started_at}}),
            CtrState::Terminated {
                exit_code,
                reason,
                started_at,
                finished_at,
            } => json!({"terminated": {
                "exitCode": exit_code, "reason": reason,
                "startedAt": started_at, "finishedAt": finished_at,
                "containerID": "",
            }}),
        }
    }
}

/// One container as the kubelet tracks it, with its pending timers.
#[derive(Debug, Clone)]
pub struct Ctr {
    pub name: String,
    pub image: String,
    pub spec: Value,
    pub state: CtrState,
    last_state: Value,
    container_id: String,
    pub restarts: u32,
    /// Exits so far (drives the back-off).
    pub crashes: u32,
    pub ready: bool,
    /// The next readiness probe tick, and the probe's period (simulated).
    pub probe_at: Option<Instant>,
    pub probe: Option<super::runtime::Probe>,
    pub probe_failures: u32,
    /// When the current run started (for the runtime's `running_for`).
    pub started: Option<Instant>,
    pub exit_at: Option<(Instant, i32)>,
    /// The next time to ask the runtime whether the process exited by itself (runtimes
    /// whose processes can die mid-run, `ContainerRuntime::watches_exit`).
    pub watch_at: Option<Instant>,
    pub notice_at: Option<Instant>,
    pub restart_at: Option<Instant>,
    pub backoff: Duration,
}

impl Ctr {
    fn new(spec: &Value) -> Ctr {
        Ctr {
            name: spec["name"].as_str().unwrap_or("").to_string(),
            image: spec["image"].as_str().unwrap_or("").to_string(),
            spec: spec.clone(),
            state: CtrState::Waiting {
                reason: "ContainerCreating".into(),
                message: None,
            },
            last_state: json!({}),
            container_id: String::new(),
            restarts: 0,
            crashes: 0,
            ready: false,
            probe_at: None,
            probe: super::runtime::readiness_probe(spec),
            probe_failures: 0,
            started: None,
            exit_at: None,
            watch_at: None,
            notice_at: None,
            restart_at: None,
            backoff: Duration::ZERO,
        }
    }

    fn set_state(&mut self, next: CtrState) {
        if let CtrState::Terminated { .. } = self.state {
            self.last_state = self.state.to_json();
        }
        self.state = next;
    }

    /// Started: running from now; ready at once without a readiness probe, else from
    /// the first passing probe at `first_probe`; maybe exiting at `exit_at`.
    pub fn run(
        &mut self,
        started_at: String,
        first_probe: Option<Instant>,
        exit_at: Option<(Instant, i32)>,
    ) {
        self.set_state(CtrState::Running { started_at });
        let hex: [u8; 32] = rand::random();
        self.container_id = format!(
            "containerd://{}",
            hex.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        self.started = Some(Instant::now());
        self.ready = first_probe.is_none();
        self.probe_at = first_probe;
        self.probe_failures = 0;
        self.exit_at = exit_at;
    }

    /// Records one probe result: one success makes it ready, failureThreshold
    /// consecutive failures make a ready container unready.
    pub fn probed(&mut self, ok: bool) {
        if ok {
            self.probe_failures = 0;
            self.ready = true;
            return;
        }
        self.probe_failures += 1;
        let threshold = self.probe.map(|p| p.failure_threshold).unwrap_or(1);
        if self.probe_failures >= threshold {
            self.ready = false;
        }
    }

    pub fn exited(&mut self, exit_code: i32, finished_at: String) {
        let started_at = match &self.state {
            CtrState::Running { started_at } => started_at.clone(),
            _ => finished_at.clone(),
        };
        self.state = CtrState::Terminated {
            exit_code,
            reason: if exit_code == 0 { "Completed" } else { "Error" }.into(),
            started_at,
            finished_at,
        };
        self.ready = false;
        self.probe_at = None;
        self.exit_at = None;
        self.watch_at = None;
        self.crashes += 1;
    }

    /// Stopped by the kubelet for the pod's deletion.
    pub fn terminate(&mut self, finished_at: String) {
        if let CtrState::Running { started_at } = &self.state {
            self.state = CtrState::Terminated {
                exit_code: 0,
                reason: "Completed".into(),
                started_at: started_at.clone(),
                finished_at,
            };
        }
        self.ready = false;
        self.probe_at = None;
        self.exit_at = None;
        self.watch_at = None;
        self.notice_at = None;
        self.restart_at = None;
    }

    pub fn set_waiting(&mut self, reason: &str, message: Option<String>) {
        self.set_state(CtrState::Waiting {
            reason: reason.into(),
            message,
        });
    }

    fn deadline(&self) -> Option<Instant> {
        [
            self.probe_at,
            self.exit_at.map(|(t, _)| t),
            self.watch_at,
            self.notice_at,
            self.restart_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn status(&self) -> Value {
        let started = matches!(self.state, CtrState::Running { .. });
        let mut s = json!({
            "name": self.name,
            "state": self.state.to_json(),
            "lastState": self.last_state,
            "ready": self.ready,
            "restartCount": self.restarts,
            "image": self.image,
            "imageID": "",
            "started": started,
        });
        if !self.container_id.is_empty() {
            s["containerID"] = json!(self.container_id);
            // A terminated state names the container that ran (the current one; the
            // previous run's id is not kept, so lastState keeps what it recorded).
            // (`get_mut`, not indexing: `value["x"]` on a map inserts a null.)
            if let Some(t) = s
                .get_mut("state")
                .and_then(|st| st.get_mut("terminated"))
                .and_then(Value::as_object_mut)
            {
                t.insert("containerID".into(), json!(self.container_id));
            }
            let digest: String = (0..8u8)
                .map(|i| {
                    let seeded = format!("{i}{}", self.image);
                    format!("{:08x}", names::fnv32a(seeded.as_bytes()))
                })
                .collect();
            let repo = self.image.split(':').next().unwrap_or(&self.image);
            s["imageID"] = json!(format!("docker.io/{repo}@sha256:{digest}"));
        }
        s
    }
}

/// The pod as its kubelet sees it.
#[derive(Debug, Clone)]
pub struct PodModel {
    pub containers: Vec<Ctr>,
    host_ip: String,
    pod_cidr: String,
    ip: Option<String>,
    start_time: String,
    terminal_when_done: bool,
}

impl PodModel {
    pub fn new(pod: &Value, node: &Value, now: String) -> PodModel {
        let containers = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(Ctr::new)
            .collect();
        let host_ip = node["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == "InternalIP")
            .and_then(|a| a["address"].as_str())
            .unwrap_or("127.0.0.1")
            .to_string();
        PodModel {
            containers,
            host_ip,
            pod_cidr: names::str_at(node, "/spec/podCIDR")
                .unwrap_or("10.244.0.0/24")
                .to_string(),
            ip: None,
            start_time: now,
            terminal_when_done: matches!(
                pod["spec"]["restartPolicy"].as_str(),
                Some("Never") | Some("OnFailure")
            ),
        }
    }

    /// `10.244.1.` for the node's `10.244.1.0/24`.
    pub fn ip_prefix(&self) -> String {
        let net = self.pod_cidr.split('/').next().unwrap_or("10.244.0.0");
        match net.rsplit_once('.') {
            Some((prefix, _)) => format!("{prefix}."),
            None => "10.244.0.".into(),
        }
    }

    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }

    pub fn sandbox_ready(&mut self, ip: String) {
        self.ip = Some(ip);
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.containers.iter().filter_map(Ctr::deadline).min()
    }

    fn phase(&self) -> &'static str {
        let all_done = self.containers.iter().all(|c| {
            matches!(c.state, CtrState::Terminated { .. })
                && c.restart_at.is_none()
                && c.notice_at.is_none()
        });
        if self.terminal_when_done && all_done && !self.containers.is_empty() {
            let ok = self
                .containers
                .iter()
                .all(|c| matches!(c.state, CtrState::Terminated { exit_code: 0, .. }));
            return if ok { "Succeeded" } else { "Failed" };
        }
        // Pending until every container has run at least once (pulls included).
        let creating = self.containers.iter().any(|c| c.container_id.is_empty());
        if creating || self.containers.is_empty() {
            "Pending"
        } else {
            "Running"
        }
    }

    /// The status to write, given the pod as stored (its PodScheduled condition and
    /// transition times are kept).
    pub fn status(&self, current: &Value, now: &str) -> Value {
        let unready: Vec<&str> = self
            .containers
            .iter()
            .filter(|c| !c.ready)
            .map(|c| c.name.as_str())
            .collect();
        let previous = |kind: &str| -> Option<&Value> {
            current["status"]["conditions"]
                .as_array()?
                .iter()
                .find(|c| c["type"] == kind)
        };
        let condition = |kind: &str, ok: bool, reason: Option<String>| {
            let status = if ok { "True" } else { "False" };
            let since = previous(kind)
                .filter(|c| c["status"] == status)
                .and_then(|c| c["lastTransitionTime"].as_str())
                .unwrap_or(now);
            let mut c = json!({"type": kind, "status": status, "lastProbeTime": null,
                               "lastTransitionTime": since});
            if let Some(reason) = reason.filter(|_| !ok) {
                c["reason"] = json!("ContainersNotReady");
                c["message"] = json!(reason);
            }
            c
        };
        let not_ready = Some(format!(
            "containers with unready status: [{}]",
            unready.join(" ")
        ));
        let mut conditions = vec![
            condition("PodReadyToStartContainers", self.ip.is_some(), None),
            condition("Initialized", true, None),
            condition("Ready", unready.is_empty(), not_ready.clone()),
            condition("ContainersReady", unready.is_empty(), not_ready),
        ];
        if let Some(scheduled) = previous("PodScheduled") {
            conditions.push(scheduled.clone());
        }
        let mut status = json!({
            "phase": self.phase(),
            "conditions": conditions,
            "hostIP": self.host_ip,
            "hostIPs": [{"ip": self.host_ip}],
            "startTime": self.start_time,
            "containerStatuses": self.containers.iter().map(Ctr::status).collect::<Vec<_>>(),
            "qosClass": current["status"]["qosClass"].as_str().unwrap_or("BestEffort"),
        });
        if let Some(ip) = &self.ip {
            status["podIP"] = json!(ip);
            status["podIPs"] = json!([{"ip": ip}]);
        }
        // Ephemeral containers (kubectl debug) are reported by their subresource.
        if let Some(ephemeral) = current["status"].get("ephemeralContainerStatuses") {
            status["ephemeralContainerStatuses"] = ephemeral.clone();
        }
        status
    }
}
