//! EMQX pods on an in-process simulated cluster for the dns and roles tests
//! (`emqx_dns`, `emqx_roles`): the world's exec and logs, the EMQX Operator's core env,
//! a headless Service, a StatefulSet, and polling in simulated seconds.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use kubetour_sim::resources::Res;
use kubetour_sim::workloads::World;
use kubetour_sim::workloads::logbook::RunLog;
use serde_json::{Value, json};

pub const SVC: &str = "emqx-headless.default.svc.cluster.local";

pub fn key(pod: &str) -> (String, String, String) {
    ("default".into(), pod.into(), "emqx".into())
}

pub fn uid(world: &World, pod: &str) -> String {
    let p = world.store.get(Res::Pod, "default", pod).unwrap();
    p["metadata"]["uid"].as_str().unwrap().to_string()
}

/// `emqx ctl cluster status` in a pod; None while it runs no node.
pub fn cluster_status(world: &World, pod: &str) -> Option<String> {
    ctl(world, pod, "cluster status")
}

/// `emqx ctl <args>` in a pod; None while it runs no node.
pub fn ctl(world: &World, pod: &str, args: &str) -> Option<String> {
    let mut argv: Vec<String> = vec!["emqx".into(), "ctl".into()];
    argv.extend(args.split(' ').map(String::from));
    let uid = world
        .store
        .get(Res::Pod, "default", pod)?
        .get("metadata")?
        .get("uid")?
        .as_str()?
        .to_string();
    world.exec(&key(pod), &uid, &argv).map(|o| o.stdout)
}

pub fn logs(world: &World, pod: &str) -> String {
    let uid = uid(world, pod);
    lock_logs(world, pod, &uid)
}

pub fn lock_logs(world: &World, pod: &str, uid: &str) -> String {
    let containers = world.containers.lock().unwrap();
    containers
        .get(&key(pod))
        .filter(|c| c.log.uid == uid)
        .map(|c| text(&c.log.current))
        .unwrap_or_default()
}

pub fn text(run: &RunLog) -> String {
    run.lines.iter().map(|l| format!("{}\n", l.text)).collect()
}

pub fn headless(publish: bool, selector: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "emqx-headless", "namespace": "default"},
           "spec": {"clusterIP": "None", "publishNotReadyAddresses": publish,
                    "selector": selector,
                    "ports": [{"name": "ekka", "port": 4370}]}})
}

/// The EMQX Operator's core pod env (`add_emqx_core.go`), with a literal cookie.
pub fn core_env(image: &str, extra: &[(&str, &str)]) -> Value {
    let mut env = vec![
        json!({"name": "EMQX_CLUSTER__DISCOVERY_STRATEGY", "value": "dns"}),
        json!({"name": "EMQX_CLUSTER__DNS__RECORD_TYPE", "value": "srv"}),
        json!({"name": "EMQX_CLUSTER__DNS__NAME", "value": SVC}),
        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}),
        json!({"name": "EMQX_HOST", "value": "$(POD_NAME).$(EMQX_CLUSTER__DNS__NAME)"}),
        json!({"name": "EMQX_NODE__COOKIE", "value": "tour-cookie"}),
    ];
    env.extend(extra.iter().map(|(k, v)| json!({"name": k, "value": v})));
    json!({"name": "emqx", "image": image, "env": env,
           "readinessProbe": {"httpGet": {"path": "/status", "port": 18083},
                              "initialDelaySeconds": 10, "periodSeconds": 5}})
}

pub fn statefulset(name: &str, replicas: u32, container: Value, labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": {"name": name, "namespace": "default"},
           "spec": {"serviceName": "emqx-headless", "podManagementPolicy": "Parallel",
                    "replicas": replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"containers": [container]}}}})
}

/// Polls `check` every 20 ms (one simulated second at the fast sim's speed 50).
pub async fn until<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..secs * 50 {
        if let Some(v) = check() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} never happened");
}

pub fn running_nodes(status: &str) -> usize {
    let running = status.split("stopped_nodes").next().unwrap_or("");
    running.matches("'emqx@").count()
}

pub fn world_of(sim: &kubetour_sim::Sim) -> Arc<World> {
    sim.api_state().world.clone()
}

/// Without the layout's whitespace (`io_lib_pretty` packs short names on one line).
pub fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
