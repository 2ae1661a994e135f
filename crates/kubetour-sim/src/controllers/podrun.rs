//! One pod's life on its node, as the kubelet drives it: sandbox and IP, image pulls
//! (once per node and image), container start, readiness, exits with CrashLoopBackOff,
//! and graceful termination. The status written is the one a real kubelet writes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use super::events::{Event, Recorder, Reporter};
use super::imagepull;
use super::kubelet::NodeState;
use super::names;
use super::podstatus::{Ctr, CtrState, PodModel};
use super::runtime::{ContainerInfo, Runtimes};
use crate::resources::Res;
use crate::store::Store;

/// How long creating the sandbox (pause container, network) takes.
const SANDBOX: Duration = Duration::from_millis(700);
/// How often (simulated) the kubelet asks a watching runtime whether its process died.
const EXIT_WATCH: Duration = Duration::from_secs(1);
/// How long after an exit the kubelet notices and reports the back-off.
pub(super) const NOTICE: Duration = Duration::from_secs(1);
pub(super) const MAX_BACKOFF: Duration = Duration::from_secs(300);

pub struct PodCtx {
    pub store: Arc<Store>,
    pub recorder: Arc<Recorder>,
    pub runtimes: Arc<Runtimes>,
    pub nodes: Arc<Mutex<NodeState>>,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub node: String,
}

/// Gives the pod IP back when the pod's task ends, however it ends (also on abort).
struct IpLease {
    nodes: Arc<Mutex<NodeState>>,
    ip: String,
}

impl Drop for IpLease {
    fn drop(&mut self) {
        lock(&self.nodes).release_ip(&self.ip);
    }
}

pub(super) fn lock(nodes: &Mutex<NodeState>) -> std::sync::MutexGuard<'_, NodeState> {
    nodes.lock().unwrap_or_else(|p| p.into_inner())
}

impl PodCtx {
    pub(super) fn scaled(&self, d: Duration) -> Duration {
        self.store.clock().scaled(d)
    }

    fn pod(&self) -> Option<Value> {
        self.store
            .get(Res::Pod, &self.namespace, &self.name)
            .filter(|p| names::uid(p) == self.uid)
    }

    fn reporter(&self) -> Reporter {
        Reporter::Classic {
            component: "kubelet",
            host: Some(self.node.clone()),
        }
    }

    pub(super) fn event(&self, event: Event) {
        if let Some(pod) = self.pod() {
            self.recorder.record(&pod, &self.reporter(), event);
        }
    }

    /// Writes the status the model implies. A write that lost a race with another
    /// writer (mutate gives back the other's object) is computed again: the kubelet
    /// hears of no other change that would make it try later.
    pub(super) fn write(&self, model: &PodModel) {
        let now = self.store.clock().now_rfc3339();
        for _ in 0..5 {
            let mut wanted = None;
            let written = self
                .store
                .mutate(Res::Pod, &self.namespace, &self.name, |p| {
                    if names::uid(p) != self.uid {
                        return false;
                    }
                    let status = model.status(p, &now);
                    if p["status"] == status {
                        return false;
                    }
                    p["status"] = status.clone();
                    wanted = Some(status);
                    true
                });
            match (written, wanted) {
                (Some(pod), Some(status)) if pod["status"] != status => continue,
                _ => return,
            }
        }
    }
}

/// Sleeps, unless deletion is requested first: true when it was.
pub(super) async fn sleep_or_deleted(d: Duration, deleting: &mut watch::Receiver<bool>) -> bool {
    if *deleting.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => *deleting.borrow(),
        // A dropped sender means the kubelet forgot the pod: stop as if deleted.
        _ = deleting.changed() => true,
    }
}

pub async fn run(ctx: PodCtx, mut deleting: watch::Receiver<bool>) {
    let Some(pod) = ctx.pod() else {
        return;
    };
    let Some(node) = ctx.store.get(Res::Node, "", &ctx.node) else {
        return;
    };
    if let Some(model) = PodModel::adopt(&pod, &node, |d| ctx.scaled(d)) {
        return resume(ctx, &pod, model, deleting).await;
    }
    let mut model = PodModel::new(&pod, &node, ctx.store.clock().now_rfc3339());
    ctx.write(&model);
    if sleep_or_deleted(ctx.scaled(SANDBOX), &mut deleting).await {
        return terminate(&ctx, &mut model).await;
    }
    let prefix = model.ip_prefix();
    let Some(ip) = lock(&ctx.nodes).allocate_ip(&prefix) else {
        return;
    };
    let _lease = IpLease {
        nodes: ctx.nodes.clone(),
        ip: ip.clone(),
    };
    model.sandbox_ready(ip);
    ctx.write(&model);
    for i in 0..model.containers.len() {
        if imagepull::ensure_image(&ctx, &mut model, i, &mut deleting).await {
            return terminate(&ctx, &mut model).await;
        }
        start(&ctx, &pod, &mut model, i);
        ctx.write(&model);
    }
    live(&ctx, &pod, &mut model, &mut deleting).await;
}

/// A pod that was running before the simulated cluster restarted goes on running: its
/// IP stays taken, its images stay pulled, its containers' models resume.
async fn resume(
    ctx: PodCtx,
    pod: &Value,
    mut model: PodModel,
    mut deleting: watch::Receiver<bool>,
) {
    let ip = model.ip().unwrap_or_default().to_string();
    let _lease = lock(&ctx.nodes).reserve_ip(&ip).then(|| IpLease {
        nodes: ctx.nodes.clone(),
        ip,
    });
    for c in &model.containers {
        let info = container_info(&ctx, pod, c);
        lock(&ctx.nodes)
            .images
            .insert((ctx.node.clone(), c.image.clone()), Instant::now());
        let fate = ctx.runtimes.for_image(&c.image).resume(&info);
        if fate.exit_after.is_some() {
            tracing::debug!("a resumed container's model exits by itself; it runs on here");
        }
    }
    ctx.write(&model);
    live(&ctx, pod, &mut model, &mut deleting).await;
}

/// The pod's running life: probes, exits, restarts, until it is deleted.
async fn live(
    ctx: &PodCtx,
    pod: &Value,
    model: &mut PodModel,
    deleting: &mut watch::Receiver<bool>,
) {
    loop {
        let next = model.next_deadline();
        let fired = tokio::select! {
            _ = sleep_until(next) => true,
            changed = deleting.changed() => {
                if changed.is_err() {
                    return;
                }
                false
            }
        };
        if *deleting.borrow() {
            return terminate(ctx, model).await;
        }
        if fired {
            advance(ctx, pod, model);
            ctx.write(model);
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Creates and starts container `i` and asks its runtime how this run will go.
fn start(ctx: &PodCtx, pod: &Value, model: &mut PodModel, i: usize) {
    let name = model.containers[i].name.clone();
    ctx.event(Event::normal("Created", format!("Created container: {name}")).on_container(&name));
    ctx.event(Event::normal("Started", format!("Started container {name}")).on_container(&name));
    let c = &model.containers[i];
    let info = container_info(ctx, pod, c);
    let runtime = ctx.runtimes.for_image(&c.image);
    let fate = runtime.start(&info);
    let now = Instant::now();
    let first_probe = c.probe.map(|p| now + ctx.scaled(p.first));
    let exit_at = fate.exit_after.map(|(d, code)| (now + ctx.scaled(d), code));
    let started_at = ctx.store.clock().now_rfc3339();
    let watch = runtime.watches_exit() && exit_at.is_none();
    model.containers[i].run(started_at, first_probe, exit_at);
    model.containers[i].watch_at = watch.then(|| now + ctx.scaled(EXIT_WATCH));
}

/// What a runtime is told about container `c` of `pod`.
fn container_info<'a>(ctx: &'a PodCtx, pod: &'a Value, c: &'a Ctr) -> ContainerInfo<'a> {
    ContainerInfo {
        pod,
        container: &c.spec,
        node: &ctx.node,
        restart_count: c.restarts,
    }
}

/// Applies every transition that is due.
fn advance(ctx: &PodCtx, pod: &Value, model: &mut PodModel) {
    let now = Instant::now();
    let stamp = ctx.store.clock().now_rfc3339();
    for i in 0..model.containers.len() {
        if let Some(at) = model.containers[i].probe_at.filter(|t| *t <= now) {
            let c = &model.containers[i];
            let info = container_info(ctx, pod, c);
            // Simulated time since the start: real elapsed time times the speed.
            let elapsed = c.started.map(|s| now - s).unwrap_or_default();
            let running_for = elapsed.mul_f64(ctx.store.clock().speed());
            let ok = ctx
                .runtimes
                .for_image(&c.image)
                .probe_ready(&info, running_for);
            let period = c.probe.map(|p| p.period).unwrap_or(Duration::from_secs(10));
            let c = &mut model.containers[i];
            c.probed(ok);
            c.probe_at = Some(at + ctx.scaled(period));
        }
        if let Some(at) = model.containers[i].watch_at.filter(|t| *t <= now) {
            let c = &model.containers[i];
            let info = container_info(ctx, pod, c);
            let exited = ctx.runtimes.for_image(&c.image).exited(&info);
            let c = &mut model.containers[i];
            match exited {
                Some(code) => {
                    c.exit_at = Some((now, code));
                    c.watch_at = None;
                }
                None => c.watch_at = Some(at + ctx.scaled(EXIT_WATCH)),
            }
        }
        let c = &mut model.containers[i];
        if let Some((at, code)) = c.exit_at
            && at <= now
        {
            c.exited(code, stamp.clone());
            let restart = match pod["spec"]["restartPolicy"].as_str() {
                Some("Never") => false,
                Some("OnFailure") => code != 0,
                _ => true,
            };
            if restart {
                // The first restart is immediate; then 10 s, doubling, capped at 5 min.
                let backoff = match c.crashes {
                    0 | 1 => Duration::ZERO,
                    n => Duration::from_secs(10)
                        .saturating_mul(1 << (n - 2).min(10))
                        .min(MAX_BACKOFF),
                };
                c.backoff = backoff;
                c.notice_at = Some(now + ctx.scaled(NOTICE));
            }
        }
        if c.notice_at.is_some_and(|t| t <= now) {
            c.notice_at = None;
            if c.backoff.is_zero() {
                c.restart_at = Some(now);
            } else {
                let secs = c.backoff.as_secs();
                let who = format!("{}_{}({})", ctx.name, ctx.namespace, ctx.uid);
                let message = format!(
                    "back-off {} restarting failed container={} pod={who}",
                    go_duration(secs),
                    c.name
                );
                c.set_waiting("CrashLoopBackOff", Some(message));
                let name = c.name.clone();
                c.restart_at = Some(now + ctx.scaled(c.backoff));
                ctx.event(
                    Event::warning(
                        "BackOff",
                        format!("Back-off restarting failed container {name} in pod {who}"),
                    )
                    .on_container(&name),
                );
            }
        }
        let c = &mut model.containers[i];
        if c.restart_at.is_some_and(|t| t <= now) {
            c.restart_at = None;
            c.restarts += 1;
            let image = c.image.clone();
            let name = c.name.clone();
            ctx.event(
                Event::normal(
                    "Pulled",
                    format!("Container image \"{image}\" already present on machine"),
                )
                .on_container(&name),
            );
            start(ctx, pod, model, i);
        }
    }
}

/// `10s`, `1m20s`, `5m0s`, as Go prints durations.
fn go_duration(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{}s", secs / 60, secs % 60)
    }
}

/// Stops the containers (Killing), waits for them to exit within the grace period,
/// then removes the pod, as the kubelet's final grace-0 delete does.
async fn terminate(ctx: &PodCtx, model: &mut PodModel) {
    let Some(pod) = ctx.pod() else {
        return;
    };
    let grace = Duration::from_secs(
        names::int_at(&pod, "/metadata/deletionGracePeriodSeconds")
            .unwrap_or(30)
            .max(0) as u64,
    );
    let mut wait = Duration::ZERO;
    for c in &model.containers {
        if !matches!(c.state, CtrState::Running { .. }) {
            continue;
        }
        ctx.event(
            Event::normal("Killing", format!("Stopping container {}", c.name))
                .on_container(&c.name),
        );
        let info = container_info(ctx, &pod, c);
        let stop = ctx.runtimes.for_image(&c.image).stop_after(&info, grace);
        wait = wait.max(stop.min(grace));
    }
    if !grace.is_zero() {
        for c in &mut model.containers {
            c.ready = false;
        }
        ctx.write(model);
        tokio::time::sleep(ctx.scaled(wait)).await;
        let stamp = ctx.store.clock().now_rfc3339();
        for c in &mut model.containers {
            c.terminate(stamp.clone());
        }
        ctx.write(model);
    }
    if let Some(pod) = ctx.pod() {
        remove_pod(&ctx.store, &pod);
    }
}

/// The kubelet's final delete: gone at once, unless finalizers still hold it (then the
/// garbage collector removes it when they are cleared).
pub fn remove_pod(store: &Store, pod: &Value) {
    let finalizers = pod
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if finalizers {
        store.mutate(Res::Pod, names::namespace(pod), names::name(pod), |p| {
            if p["metadata"]["deletionGracePeriodSeconds"] == json!(0) {
                return false;
            }
            p["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            true
        });
        return;
    }
    let _ = store.delete(Res::Pod, names::namespace(pod), names::name(pod));
}
