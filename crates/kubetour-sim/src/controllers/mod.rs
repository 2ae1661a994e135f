//! The simulated cluster's behaviour: what kube-controller-manager, kube-scheduler and
//! the kubelets do in a real cluster, as tasks that watch the store and write to it.
//!
//! Every controller is a `queue::Reconciler`: changes become keys, each key is
//! reconciled once per batch, timed work comes back through a delayed re-add. The
//! kubelet runs one task per bound pod (`podrun`). Simulated delays go through
//! `Clock::scaled`, so `--speed` and paused test time apply everywhere.
//!
//! - `seed`: nodes, system namespaces, the `kubernetes` Service, the default class.
//! - `namespace`: per-namespace ServiceAccount and root CA; namespace deletion.
//! - `scheduler` (+ `scheduler_cache`, where pods run), `kubelet` + `podrun` +
//!   `podstatus` + `runtime`: pods' lives.
//! - `replicaset`, `deployment`, `statefulset`: workloads (`podspec` builds their pods).
//! - `volumes`: claims, volumes, the local-path provisioner; `endpoints`: Endpoints.
//! - `gc` (+ `gc_owners`, its graph of who owns what): deletion propagation and
//!   finalizers; `events`: core/v1 Events.
//! - `job`: batch/v1 Jobs; `lease`: node heartbeat Leases; `apiservices`: the
//!   APIServices of the served groups.
//!
//! Who removes what: the API server (not here) removes objects without finalizers or
//! grace; `gc` removes objects whose deletionTimestamp waits on nothing any more; the
//! kubelet removes pods on a node once their containers stopped.

pub mod apiservices;
pub mod conditions;
pub mod deployment;
pub mod deployment_status;
pub mod endpoints;
mod event_aggregate;
pub mod events;
pub mod gc;
pub mod gc_owners;
pub mod imagepull;
pub mod job;
pub mod kubelet;
pub mod lease;
pub mod names;
pub mod namespace;
pub mod podrun;
pub mod podspec;
pub mod podstatus;
pub mod queue;
pub mod replicaset;
pub mod runtime;
pub mod scheduler;
pub mod scheduler_cache;
pub mod seed;
pub mod seed_dns;
pub mod statefulset;
pub mod volumebinding;
pub mod volumes;

use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::store::Store;
use events::Recorder;
use runtime::Runtimes;

/// Seeds the cluster and starts every controller with the default container runtime.
/// The speed factor in effect is the store's clock's (`config.speed` is what that
/// clock should be built with). Abort the handles to stop the cluster.
pub fn spawn_all(store: Arc<Store>, config: &SimConfig) -> Vec<JoinHandle<()>> {
    spawn_with_runtimes(store, config, Runtimes::default())
}

/// Like `spawn_all`, with image-specific container models (EMQX in part 2).
pub fn spawn_with_runtimes(
    store: Arc<Store>,
    config: &SimConfig,
    runtimes: Runtimes,
) -> Vec<JoinHandle<()>> {
    if let Err(e) = seed::seed(&store, config) {
        tracing::error!("seeding the simulated cluster failed: {e}");
    }
    for ns in seed::SYSTEM_NAMESPACES {
        namespace::ensure_contents(&store, ns);
    }
    let recorder = Recorder::new(store.clone());
    let runtimes = Arc::new(runtimes);
    vec![
        tokio::spawn(kubelet::post_node_status(store.clone())),
        tokio::spawn(lease::heartbeat(store.clone())),
        tokio::spawn(crate::store::run_expiry(store.clone())),
        queue::spawn(
            store.clone(),
            job::JobController {
                recorder: recorder.clone(),
            },
        ),
        queue::spawn(store.clone(), namespace::NamespaceController),
        queue::spawn(store.clone(), gc::GarbageCollector::default()),
        queue::spawn(store.clone(), scheduler::Scheduler::new(recorder.clone())),
        queue::spawn(
            store.clone(),
            kubelet::Kubelet::new(recorder.clone(), runtimes),
        ),
        queue::spawn(
            store.clone(),
            replicaset::ReplicaSetController::new(recorder.clone()),
        ),
        queue::spawn(
            store.clone(),
            deployment::DeploymentController {
                recorder: recorder.clone(),
            },
        ),
        queue::spawn(
            store.clone(),
            statefulset::StatefulSetController {
                recorder: recorder.clone(),
            },
        ),
        queue::spawn(store.clone(), volumes::VolumeController::new(recorder)),
        queue::spawn(store, endpoints::EndpointsController::default()),
    ]
}
