//! The kubelet's container runtime for `emqx/emqx:<version>` images: at each start it
//! reads the effective env, boots the EMQX model (a bad setting prints the real lines
//! and exits 1, so restarts end in CrashLoopBackOff), starts the node and its task;
//! readiness is EMQX's own HTTP `/status` on the probe's port; SIGTERM stops the node.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::driver;
use super::env::{effective_env, pod_facts};
use super::world::{CtrKey, Run, World, lock};
use crate::controllers::runtime::{ContainerInfo, ContainerRuntime, Fate};
use crate::emqx::boot;
use crate::emqx::http::{HttpAnswer, HttpRequest};
use crate::emqx::line;
use crate::emqx::node::{Node, Timing};
use crate::emqx::tokens::TokenStore;
use crate::emqx::version::parse_image;
use crate::resources::Res;

/// Where EMQX keeps its data (both versions): a claim mounted here makes it persistent.
const DATA_DIR: &str = "/opt/emqx/data";
/// How long a failed boot takes to exit (the script runs, prints, dies).
const FAILED_BOOT: Duration = Duration::from_secs(1);
/// Microseconds between logger lines of one burst (EMQX.md §1.2).
const BURST_STEP_MICROS: i64 = 48;

#[derive(Debug)]
pub struct EmqxRuntime {
    pub world: Arc<World>,
}

fn key_of(c: &ContainerInfo<'_>) -> CtrKey {
    let meta = &c.pod["metadata"];
    (
        meta["namespace"].as_str().unwrap_or("").to_string(),
        meta["name"].as_str().unwrap_or("").to_string(),
        c.name().to_string(),
    )
}

fn uid_of(pod: &Value) -> String {
    pod["metadata"]["uid"].as_str().unwrap_or("").to_string()
}

/// A volume backed by a claim is mounted at EMQX's data dir.
pub fn is_persistent(pod: &Value, container: &Value) -> bool {
    container["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["mountPath"].as_str().map(|p| p.trim_end_matches('/')) == Some(DATA_DIR))
        .filter_map(|m| m["name"].as_str())
        .any(|name| {
            pod["spec"]["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v["name"] == name && v["persistentVolumeClaim"].is_object())
        })
}

/// The token mounted in the pod: its service account's, unless automount is off.
fn mount_token(world: &World, pod: &Value) -> Option<String> {
    if pod["spec"]["automountServiceAccountToken"] == Value::Bool(false) {
        return None;
    }
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let sa = pod["spec"]["serviceAccountName"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    Some(world.tokens.issue(ns, sa))
}

impl EmqxRuntime {
    /// Stops the node of the container's current run, if it has one.
    fn stop_node(&self, key: &CtrKey, uid: &str) {
        self.world.stop(key, uid);
    }
}

impl ContainerRuntime for EmqxRuntime {
    fn start(&self, c: &ContainerInfo<'_>) -> Fate {
        let image = c.container["image"].as_str().unwrap_or("");
        let Some(version) = parse_image(image) else {
            return Fate::default();
        };
        let key = key_of(c);
        let world = &self.world;
        // The pod as it is now (with its IP), not as it was when the kubelet took it.
        let pod = world
            .store
            .get(Res::Pod, &key.0, &key.1)
            .filter(|p| uid_of(p) == uid_of(c.pod))
            .unwrap_or_else(|| c.pod.clone());
        let uid = uid_of(&pod);
        let env = effective_env(&world.store, &pod, c.container);
        let facts = pod_facts(&pod);
        self.stop_node(&key, &uid);
        world.prune();
        let now = world.now();
        let mut containers = lock(&world.containers);
        let entry = World::begin_run(&mut containers, &key, &uid);
        let booted = match boot::boot(&version, &env, &facts) {
            Ok(b) => b,
            Err(failure) => {
                for (_, text) in line::render_burst(&failure.lines, now, BURST_STEP_MICROS) {
                    entry.log.append(now, &text);
                }
                entry.log.end();
                entry.run = None;
                return Fate {
                    exit_after: Some((FAILED_BOOT, failure.exit_code)),
                };
            }
        };
        let persistent = is_persistent(&pod, c.container);
        let token = mount_token(world, &pod);
        let (node, lines) = Node::start(
            version,
            booted,
            persistent,
            &mut lock(&world.registry),
            now,
            Timing::default(),
        );
        for l in &lines {
            entry.log.append(now, &l.render(now));
        }
        entry.run = Some(Run {
            node: Some(node),
            stopped: None,
            token,
            logins: TokenStore::new(),
        });
        drop(containers);
        let task = tokio::spawn(driver::run(world.clone(), key, uid));
        world.keep_task(task.abort_handle());
        Fate::default()
    }

    fn resume(&self, c: &ContainerInfo<'_>) -> Fate {
        let image = c.container["image"].as_str().unwrap_or("");
        let Some(version) = parse_image(image) else {
            return Fate::default();
        };
        let world = &self.world;
        let key = key_of(c);
        let pod = c.pod;
        let env = effective_env(&world.store, pod, c.container);
        let Ok(booted) = boot::boot(&version, &env, &pod_facts(pod)) else {
            return self.start(c);
        };
        // Only a node the restored registry holds as running is resumed; anything else
        // (no saved membership, a node that was down) boots as after a container start.
        if !lock(&world.registry).was_running(&booted.node_name) {
            return self.start(c);
        }
        let uid = uid_of(pod);
        let node = Node::resumed(version, booted, world.now(), Timing::default());
        lock(&world.containers)
            .entry(key.clone())
            .or_insert_with(|| super::world::Container {
                log: super::logbook::ContainerLog::new(&uid),
                run: None,
            })
            .run = Some(Run {
            node: Some(node),
            stopped: None,
            token: mount_token(world, pod),
            logins: TokenStore::new(),
        });
        let task = tokio::spawn(driver::run(world.clone(), key, uid));
        world.keep_task(task.abort_handle());
        Fate::default()
    }

    fn probe_ready(&self, c: &ContainerInfo<'_>, _running_for: Duration) -> bool {
        let key = key_of(c);
        let uid = uid_of(c.pod);
        let probe = &c.container["readinessProbe"];
        let get = &probe["httpGet"];
        let (port, path) = if get.is_object() {
            let path = get["path"].as_str().unwrap_or("/");
            (resolve_port(c.container, &get["port"]), path)
        } else {
            // tcpSocket/exec probes: the node is up when its dashboard listener is.
            (Some(18083), "/status")
        };
        let Some(port) = port else {
            return false;
        };
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let req = HttpRequest {
            method: "GET",
            path,
            query,
            authorization: None,
            body: b"",
        };
        match self.world.http(&key, &uid, port, &req) {
            Some(HttpAnswer::Response(r)) => get.is_null() || (200..400).contains(&r.status),
            Some(HttpAnswer::ConnectionRefused) | None => false,
        }
    }

    fn pod_gone(&self, _namespace: &str, _pod: &str) {
        // Its node was stopped at SIGTERM; its logs and files go now the object has.
        self.world.prune();
    }

    fn watches_exit(&self) -> bool {
        // A 5.9+ node without a licence stops its VM once it has joined a cluster.
        true
    }

    fn exited(&self, c: &ContainerInfo<'_>) -> Option<i32> {
        self.world.exit_code(&key_of(c), &uid_of(c.pod))
    }

    fn stop_after(&self, c: &ContainerInfo<'_>, grace: Duration) -> Duration {
        self.stop_node(&key_of(c), &uid_of(c.pod));
        grace.min(Duration::from_secs(1))
    }
}

/// A probe's port: a number, or the name of one of the container's ports.
pub fn resolve_port(container: &Value, port: &Value) -> Option<u16> {
    if let Some(n) = port.as_u64() {
        return u16::try_from(n).ok();
    }
    let name = port.as_str()?;
    if let Ok(n) = name.parse::<u16>() {
        return Some(n);
    }
    container["ports"]
        .as_array()?
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .and_then(|p| p["containerPort"].as_u64())
        .and_then(|n| u16::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_claim_mounted_at_the_data_dir_makes_the_node_persistent() {
        let pod = json!({"spec": {"volumes": [
            {"name": "emqx-data", "persistentVolumeClaim": {"claimName": "emqx-data-emqx-0"}},
            {"name": "scratch", "emptyDir": {}}
        ]}});
        let mounted =
            |name: &str, path: &str| json!({"volumeMounts": [{"name": name, "mountPath": path}]});
        assert!(is_persistent(&pod, &mounted("emqx-data", "/opt/emqx/data")));
        assert!(is_persistent(
            &pod,
            &mounted("emqx-data", "/opt/emqx/data/")
        ));
        assert!(!is_persistent(&pod, &mounted("scratch", "/opt/emqx/data")));
        assert!(!is_persistent(&pod, &mounted("emqx-data", "/data")));
    }

    #[test]
    fn probe_ports_resolve_by_number_or_container_port_name() {
        let c = json!({"ports": [{"name": "dashboard", "containerPort": 18083}]});
        assert_eq!(resolve_port(&c, &json!(8081)), Some(8081));
        assert_eq!(resolve_port(&c, &json!("dashboard")), Some(18083));
        assert_eq!(resolve_port(&c, &json!("18083")), Some(18083));
        assert_eq!(resolve_port(&c, &json!("mgmt")), None);
    }
}
