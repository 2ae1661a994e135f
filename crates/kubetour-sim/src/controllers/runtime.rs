//! What a container does once started: the hook through which image-specific models
//! (EMQX, part 2) decide readiness, crashes and shutdown. The kubelet asks the runtime
//! chosen for the container's image; everything else gets `ProbeDriven`.
//!
//! Durations here are simulated time; the kubelet scales them by `--speed`.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

/// The container being started or stopped, as the kubelet sees it.
#[derive(Debug, Clone, Copy)]
pub struct ContainerInfo<'a> {
    pub pod: &'a Value,
    pub container: &'a Value,
    pub node: &'a str,
    /// How many times this container has been restarted before this start.
    pub restart_count: u32,
}

impl ContainerInfo<'_> {
    pub fn name(&self) -> &str {
        self.container["name"].as_str().unwrap_or("")
    }
}

/// How one run of a container goes, decided when it starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fate {
    /// When the process exits by itself, and with which code; None: runs until stopped.
    pub exit_after: Option<(Duration, i32)>,
}

pub trait ContainerRuntime: Debug + Send + Sync {
    /// Called at every (re)start.
    fn start(&self, c: &ContainerInfo<'_>) -> Fate;

    /// The container was running before the simulated cluster restarted from its state
    /// file and goes on running (a real API server restart does not restart pods). The
    /// default starts it again, which is what a model without state of its own can do.
    fn resume(&self, c: &ContainerInfo<'_>) -> Fate {
        self.start(c)
    }

    /// The readiness probe's answer, asked at every probe tick (first at or after
    /// initialDelaySeconds, then every periodSeconds) for containers that have one;
    /// `running_for` is simulated time since this start. Without a probe a container
    /// is ready as soon as it runs.
    fn probe_ready(&self, _c: &ContainerInfo<'_>, _running_for: Duration) -> bool {
        true
    }

    /// Why pulling `image` fails (containerd's error text, see
    /// `imagepull::not_found_error`), or None when the registry has it.
    fn pull_error(&self, _image: &str) -> Option<String> {
        None
    }

    /// How long the process takes to exit after SIGTERM; the kubelet caps this at the
    /// pod's grace period (an image that ignores SIGTERM returns `grace`).
    fn stop_after(&self, _c: &ContainerInfo<'_>, grace: Duration) -> Duration {
        grace.min(Duration::from_secs(1))
    }

    /// The pod object is gone from the API: what the runtime kept of its containers
    /// (logs, state) goes too, as `kubectl logs` of a deleted pod is NotFound.
    fn pod_gone(&self, _namespace: &str, _pod: &str) {}

    /// Whether this runtime's processes can exit by themselves after `start` decided
    /// their fate (the kubelet then asks [`ContainerRuntime::exited`] every second).
    fn watches_exit(&self) -> bool {
        false
    }

    /// The exit code of a process that went down by itself since it started, if it did.
    fn exited(&self, _c: &ContainerInfo<'_>) -> Option<i32> {
        None
    }
}

/// The default: runs forever, answers every probe.
#[derive(Debug, Default)]
pub struct ProbeDriven;

impl ContainerRuntime for ProbeDriven {
    fn start(&self, _c: &ContainerInfo<'_>) -> Fate {
        Fate::default()
    }
}

/// A container's readiness probe timing, in simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// The first tick whose result counts: the first multiple of the period at or after
    /// initialDelaySeconds (and never at 0).
    pub first: Duration,
    pub period: Duration,
    /// Consecutive failures that turn a ready container unready.
    pub failure_threshold: u32,
}

pub fn readiness_probe(container: &Value) -> Option<Probe> {
    let probe = container.get("readinessProbe").filter(|p| p.is_object())?;
    let initial = probe["initialDelaySeconds"].as_u64().unwrap_or(0);
    let period = probe["periodSeconds"].as_u64().unwrap_or(10).max(1);
    let ticks = initial.div_ceil(period).max(1);
    Some(Probe {
        first: Duration::from_secs(ticks * period),
        period: Duration::from_secs(period),
        failure_threshold: probe["failureThreshold"].as_u64().unwrap_or(3).max(1) as u32,
    })
}

/// Runtimes chosen by image prefix (`emqx/emqx` matches `emqx/emqx:5.8.9`).
#[derive(Debug, Clone)]
pub struct Runtimes {
    default: Arc<dyn ContainerRuntime>,
    by_image: Vec<(String, Arc<dyn ContainerRuntime>)>,
}

impl Default for Runtimes {
    fn default() -> Self {
        Runtimes {
            default: Arc::new(ProbeDriven),
            by_image: Vec::new(),
        }
    }
}

impl Runtimes {
    /// The runtime for images no prefix claims (instead of running them forever).
    pub fn with_fallback(mut self, runtime: Arc<dyn ContainerRuntime>) -> Self {
        self.default = runtime;
        self
    }

    /// Adds a runtime for images starting with `prefix`; later additions win.
    pub fn with(mut self, prefix: &str, runtime: Arc<dyn ContainerRuntime>) -> Self {
        self.by_image.insert(0, (prefix.to_string(), runtime));
        self
    }

    /// Every runtime (the fallback included), for what concerns them all.
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn ContainerRuntime>> {
        self.by_image
            .iter()
            .map(|(_, r)| r)
            .chain(std::iter::once(&self.default))
    }

    pub fn for_image(&self, image: &str) -> &Arc<dyn ContainerRuntime> {
        self.by_image
            .iter()
            .find(|(prefix, _)| image.starts_with(prefix.as_str()))
            .map(|(_, r)| r)
            .unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readiness_waits_for_the_first_probe_after_the_initial_delay() {
        let first = |c: Value| readiness_probe(&c).map(|p| p.first);
        assert_eq!(first(json!({"name": "a"})), None);
        let probe = json!({"readinessProbe": {"initialDelaySeconds": 10, "periodSeconds": 5}});
        assert_eq!(first(probe), Some(Duration::from_secs(10)));
        let odd = json!({"readinessProbe": {"initialDelaySeconds": 7, "periodSeconds": 5}});
        assert_eq!(first(odd), Some(Duration::from_secs(10)));
        let defaults = json!({"readinessProbe": {"httpGet": {"port": 80}}});
        let p = readiness_probe(&defaults).unwrap();
        assert_eq!(
            (p.first, p.period, p.failure_threshold),
            (Duration::from_secs(10), Duration::from_secs(10), 3)
        );
    }

    #[derive(Debug)]
    struct Crashes;
    impl ContainerRuntime for Crashes {
        fn start(&self, _c: &ContainerInfo<'_>) -> Fate {
            Fate {
                exit_after: Some((Duration::from_secs(1), 1)),
            }
        }
    }

    #[test]
    fn a_runtime_is_chosen_by_image_prefix() {
        let rts = Runtimes::default().with("emqx/emqx", Arc::new(Crashes));
        let c = json!({"name": "x"});
        let pod = json!({});
        let info = ContainerInfo {
            pod: &pod,
            container: &c,
            node: "n",
            restart_count: 0,
        };
        assert!(
            rts.for_image("emqx/emqx:5.8.9")
                .start(&info)
                .exit_after
                .is_some()
        );
        assert_eq!(rts.for_image("nginx:1.27").start(&info), Fate::default());
    }
}
