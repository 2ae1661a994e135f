//! The state shared by everything that runs in pods: one EMQX registry (membership of
//! all nodes), each container's current run and logs, the service-account tokens, and
//! the MQTT broker state of all nodes (`mqtt::Broker`, routed with the registry).
//!
//! Lock order: `containers` before `registry`, never the other way round; the broker's
//! own lock may be taken under either, and the broker asks the registry only while it
//! holds no lock of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::logbook::ContainerLog;
use crate::api::ApiState;
use crate::emqx::ctl::{self, CtlState, CtlView, ExecOutput};
use crate::emqx::http::{HttpAnswer, HttpRequest, HttpState};
use crate::emqx::node::Node;
use crate::emqx::registry::Registry;
use crate::emqx::tokens::TokenStore;
use crate::mqtt::Broker;
use crate::rbac::tokens::Tokens;
use crate::store::Store;

/// (namespace, pod, container).
pub type CtrKey = (String, String, String);

/// One run of an EMQX container.
#[derive(Debug)]
pub struct Run {
    /// None when the boot failed (the process is exiting) or once stopped.
    pub node: Option<Node>,
    /// The node after SIGTERM, while the container finishes: `emqx ctl` finds no VM.
    pub stopped: Option<Node>,
    /// The service-account token mounted in the pod, if any.
    pub token: Option<String>,
    /// Dashboard logins of this node.
    pub logins: TokenStore,
}

#[derive(Debug)]
pub struct Container {
    pub log: ContainerLog,
    pub run: Option<Run>,
}

#[derive(Debug)]
pub struct World {
    pub store: Arc<Store>,
    pub tokens: Tokens,
    pub registry: Mutex<Registry>,
    pub containers: Mutex<HashMap<CtrKey, Container>>,
    /// Each container's files as its shells left them, with the pod uid they belong to.
    pub files: Mutex<HashMap<CtrKey, (String, crate::shell::Fs)>>,
    /// The MQTT clients, subscriptions and retained messages of every node.
    pub broker: Arc<Broker>,
    api: OnceLock<Weak<ApiState>>,
    tasks: Mutex<Vec<AbortHandle>>,
    origin: (Timestamp, Instant),
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl World {
    pub fn new(store: Arc<Store>) -> Arc<World> {
        let origin = (store.clock().now(), Instant::now());
        Arc::new_cyclic(|me| World {
            store,
            tokens: Tokens::default(),
            registry: Mutex::new(Registry::new()),
            containers: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
            broker: Arc::new(Broker::new(Box::new(mqtt_hooks::WorldMembership(
                me.clone(),
            )))),
            api: OnceLock::new(),
            tasks: Mutex::new(Vec::new()),
            origin,
        })
    }

    /// Connects the world to the API server its nodes send discovery requests to.
    pub fn attach_api(&self, state: &Arc<ApiState>) {
        let _ = self.api.set(Arc::downgrade(state));
    }

    pub fn api(&self) -> Option<Arc<ApiState>> {
        self.api.get().and_then(Weak::upgrade)
    }

    /// Simulated "now" for the EMQX model: real elapsed time times the speed factor, so
    /// the model's delays (3 s boot, 5 s rounds) shrink with `--speed` like the kubelet's.
    pub fn now(&self) -> Timestamp {
        let elapsed = self.origin.1.elapsed().mul_f64(self.store.clock().speed());
        let elapsed = SignedDuration::try_from(elapsed).unwrap_or_default();
        self.origin.0.checked_add(elapsed).unwrap_or(self.origin.0)
    }

    /// Real (tokio) time until the simulated moment `at`.
    pub fn real_until(&self, at: Timestamp) -> Duration {
        let d = at.duration_since(self.now());
        let d = Duration::try_from(d).unwrap_or(Duration::ZERO);
        self.store.clock().scaled(d)
    }

    pub fn keep_task(&self, handle: AbortHandle) {
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }

    /// Stops every node task (the cluster is shutting down).
    pub fn abort_all(&self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }

    /// Forgets the containers of pods that no longer exist.
    pub fn prune(&self) {
        self.prune_files();
        let store = &self.store;
        let mut bound_tokens = Vec::new();
        lock(&self.containers).retain(|(ns, pod, _), c| {
            let keep = store
                .get(crate::resources::Res::Pod, ns, pod)
                .is_some_and(|p| p["metadata"]["uid"].as_str() == Some(c.log.uid.as_str()));
            if !keep && let Some(token) = c.run.as_ref().and_then(|r| r.token.clone()) {
                bound_tokens.push(token);
            }
            keep
        });
        for token in bound_tokens {
            self.tokens.forget(&token);
        }
    }

    /// Forgets the files of containers whose pod is gone.
    fn prune_files(&self) {
        let store = &self.store;
        lock(&self.files).retain(|(ns, pod, _), (uid, _)| {
            store
                .get(crate::resources::Res::Pod, ns, pod)
                .is_some_and(|p| p["metadata"]["uid"].as_str() == Some(uid.as_str()))
        });
    }

    /// SIGTERM (pod deleted) or the pod gone: the node leaves its cluster as stopped.
    pub fn stop(&self, key: &CtrKey, uid: &str) {
        let now = self.now();
        let mut containers = lock(&self.containers);
        let Some(c) = containers.get_mut(key).filter(|c| c.log.uid == uid) else {
            return;
        };
        let mut down = None;
        if let Some(run) = c.run.as_mut()
            && let Some(node) = run.node.take()
        {
            node.stop(&mut lock(&self.registry), now);
            down = Some(node.name().to_string());
            run.stopped = Some(node);
        }
        c.log.end();
        drop(containers);
        // Its MQTT clients lose their connections; their wills go to the survivors.
        if let Some(name) = down {
            self.broker.node_down(&name);
        }
    }

    /// A new run of a container starts: its log moves on (the current run becomes the
    /// previous one, or a new pod incarnation starts afresh). Returns the entry.
    pub fn begin_run<'a>(
        containers: &'a mut HashMap<CtrKey, Container>,
        key: &CtrKey,
        uid: &str,
    ) -> &'a mut Container {
        containers
            .entry(key.clone())
            .and_modify(|e| {
                if e.log.uid == uid {
                    e.log.restart();
                } else {
                    e.log = ContainerLog::new(uid);
                }
            })
            .or_insert_with(|| Container {
                log: ContainerLog::new(uid),
                run: None,
            })
    }

    /// Appends output of the current run of a container.
    pub fn log(&self, key: &CtrKey, text: &str) {
        let at = self.now();
        if let Some(c) = lock(&self.containers).get_mut(key) {
            c.log.append(at, text);
        }
    }

    /// The node of a running EMQX container, as the API sees it: runs `f` on it.
    fn with_node<T>(
        &self,
        key: &CtrKey,
        uid: &str,
        f: impl FnOnce(&mut Run, &mut Registry, Timestamp) -> Option<(T, Vec<String>)>,
    ) -> Option<T> {
        let now = self.now();
        let mut containers = lock(&self.containers);
        let c = containers.get_mut(key).filter(|c| c.log.uid == uid)?;
        let run = c.run.as_mut()?;
        let mut registry = lock(&self.registry);
        let (out, lines) = f(run, &mut registry, now)?;
        drop(registry);
        for line in lines {
            c.log.append(now, &line);
        }
        Some(out)
    }

    /// `emqx ctl …` (or any command) in a running EMQX container; None when the
    /// container runs no EMQX node.
    pub fn exec(&self, key: &CtrKey, uid: &str, argv: &[String]) -> Option<ExecOutput> {
        if let Some(out) = self.mqtt_exec(key, uid, argv) {
            return Some(out);
        }
        let mut restarted = None;
        let out = self.with_node(key, uid, |run, registry, now| {
            if let Some(node) = run.node.as_mut() {
                let before = node.http_state();
                let (out, lines) = node.exec(argv, registry, now);
                if before == HttpState::Running && node.http_state() == HttpState::Down {
                    restarted = Some((node.name().to_string(), node.version.family()));
                }
                return Some((out, lines.iter().map(|l| l.render(now)).collect()));
            }
            let gone = run.stopped.as_ref()?;
            let view = CtlView {
                version: &gone.version,
                node_name: gone.name(),
                state: CtlState::NotRunning,
                running_nodes: &[],
                stopped_nodes: &[],
            };
            Some((ctl::exec(argv, &view, &mut NodeDown), Vec::new()))
        });
        if let Some((name, family)) = restarted {
            self.joined(&name, family);
        }
        out
    }

    /// An HTTP request to `port` of an EMQX container; None when it runs no node.
    pub fn http(
        &self,
        key: &CtrKey,
        uid: &str,
        port: u16,
        req: &HttpRequest<'_>,
    ) -> Option<HttpAnswer> {
        if let Some(answer) = self.mqtt_http(key, uid, port, req) {
            return Some(answer);
        }
        self.node_http(key, uid, port, req)
    }

    fn node_http(
        &self,
        key: &CtrKey,
        uid: &str,
        port: u16,
        req: &HttpRequest<'_>,
    ) -> Option<HttpAnswer> {
        self.with_node(key, uid, |run, registry, now| {
            let node = run.node.as_ref()?;
            let answer = node.http(port, req, registry, &mut run.logins, &[], now);
            Some((answer, Vec::new()))
        })
    }

    /// The EMQX node name of the container's current (or stopped) run.
    pub fn node_name(&self, key: &CtrKey, uid: &str) -> Option<String> {
        self.with_node(key, uid, |run, _, _| {
            let node = run.node.as_ref().or(run.stopped.as_ref())?;
            Some((node.name().to_string(), Vec::new()))
        })
    }

    /// Whether the node in this container has its listeners up (EMQX starts its MQTT
    /// and HTTP listeners together, once it has booted).
    pub fn listening(&self, key: &CtrKey, uid: &str) -> bool {
        self.with_node(key, uid, |run, _, _| {
            let node = run.node.as_ref()?;
            Some((node.http_state() != HttpState::Down, Vec::new()))
        })
        .unwrap_or(false)
    }

    /// The exit code of a run whose VM went down by itself (the driver moved the node to
    /// `stopped`); None while it runs or when it was stopped from outside.
    pub fn exit_code(&self, key: &CtrKey, uid: &str) -> Option<i32> {
        let containers = lock(&self.containers);
        let run = containers
            .get(key)
            .filter(|c| c.log.uid == uid)?
            .run
            .as_ref()?;
        run.node
            .as_ref()
            .or(run.stopped.as_ref())
            .and_then(Node::exit_code)
    }

    /// Whether the container is an EMQX container this world knows (running or not).
    pub fn knows(&self, key: &CtrKey, uid: &str) -> bool {
        lock(&self.containers)
            .get(key)
            .is_some_and(|c| c.log.uid == uid)
    }
}

/// Membership of a node whose VM is gone: nothing can change it.
struct NodeDown;

impl ctl::Membership for NodeDown {
    fn join(&mut self, _target: &str) -> Result<bool, String> {
        Err("nodedown".to_string())
    }
    fn leave(&mut self) -> Result<(), String> {
        Err("nodedown".to_string())
    }
    fn disable_autocluster(&mut self) -> bool {
        false
    }
    fn view(&self) -> (Vec<String>, Vec<String>) {
        (Vec::new(), Vec::new())
    }
}

#[path = "world_mqtt.rs"]
mod mqtt_hooks;
