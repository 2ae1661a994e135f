//! Shared helpers for the controller tests: a seeded cluster on paused time, object
//! builders and waiting for a predicate (paused time advances while we sleep).
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use kubetour_sim::clock::Clock;
use kubetour_sim::config::SimConfig;
use kubetour_sim::controllers::spawn_all;
use kubetour_sim::resources::Res;
use kubetour_sim::store::Store;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub struct Cluster {
    pub store: Arc<Store>,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
    }
}

pub fn cluster(config: SimConfig) -> Cluster {
    let store = Store::new(Clock::new(1.0));
    let handles = spawn_all(store.clone(), &config);
    store
        .create(
            Res::Namespace,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "emqx"},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        )
        .unwrap();
    Cluster { store, handles }
}

/// Waits (in simulated time) until `check` returns Some, or panics after `secs`.
pub async fn wait_for<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check() {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {secs}s waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn template(app: &str, image: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{
            "name": "emqx", "image": image,
            "ports": [{"name": "mqtt", "containerPort": 1883, "protocol": "TCP"},
                      {"name": "dashboard", "containerPort": 18083, "protocol": "TCP"}],
        }]},
    })
}

pub fn deployment(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "emqx", "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name, image),
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
    })
}

/// Changes Deployment `name`'s (namespace emqx) image: a rollout, as `kubectl set image`.
pub fn set_image(store: &Store, name: &str, image: &str) {
    store
        .mutate(Res::Deployment, "emqx", name, |d| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
            true
        })
        .unwrap();
}

pub fn pods(store: &Store, prefix: &str) -> Vec<Value> {
    store
        .list(Res::Pod, Some("emqx"))
        .0
        .into_iter()
        .filter(|p| p["metadata"]["name"].as_str().unwrap().starts_with(prefix))
        .collect()
}

pub fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub fn ready_pods(store: &Store, prefix: &str) -> Vec<Value> {
    pods(store, prefix)
        .into_iter()
        .filter(|p| is_ready(p) && p["metadata"]["deletionTimestamp"].is_null())
        .collect()
}

pub fn condition<'a>(o: &'a Value, kind: &str) -> Option<&'a Value> {
    o["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

pub fn events_for(store: &Store, name: &str) -> Vec<Value> {
    store
        .list(Res::Event, None)
        .0
        .into_iter()
        .filter(|e| e["involvedObject"]["name"] == name)
        .collect()
}

pub fn reasons(store: &Store, name: &str) -> Vec<String> {
    events_for(store, name)
        .iter()
        .map(|e| e["reason"].as_str().unwrap().to_string())
        .collect()
}
