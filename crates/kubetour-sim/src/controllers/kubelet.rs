//! The kubelets of all nodes: one task per pod bound to a node (see `podrun`), started
//! when the scheduler binds it, told when the API marks it for deletion, aborted when
//! it disappears. Also the nodes' shared facts: which images each node has pulled and
//! which pod IPs are taken.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use super::events::Recorder;
use super::names;
use super::podrun::{self, PodCtx};
use super::queue::Reconciler;
use super::runtime::Runtimes;
use crate::resources::Res;
use crate::store::{Store, WatchEvent};

type Key = (String, String);

/// What all kubelets share: image caches and IP allocations, per node.
#[derive(Debug, Default)]
pub struct NodeState {
    /// (node, image) -> when the image is (or will be) on the node.
    pub images: HashMap<(String, String), Instant>,
    /// node -> taken last octets of its pod CIDR, and where to look next.
    ips: HashMap<String, (BTreeSet<u8>, u8)>,
}

impl NodeState {
    /// Next free address of `prefix` (`10.244.1.`), host-local style: round robin from
    /// .2, skipping addresses in use.
    pub fn allocate_ip(&mut self, prefix: &str) -> Option<String> {
        let (taken, next) = self
            .ips
            .entry(prefix.to_string())
            .or_insert_with(|| (BTreeSet::new(), 2));
        for _ in 0..253 {
            let candidate = *next;
            *next = if *next >= 254 { 2 } else { *next + 1 };
            if taken.insert(candidate) {
                return Some(format!("{prefix}{candidate}"));
            }
        }
        None
    }

    /// Takes `ip` as in use (a pod adopted after a restart keeps its address); false
    /// when it is not of this form or already taken.
    pub fn reserve_ip(&mut self, ip: &str) -> bool {
        let Some((prefix, last)) = ip.rsplit_once('.') else {
            return false;
        };
        let Ok(last) = last.parse::<u8>() else {
            return false;
        };
        let (taken, _) = self
            .ips
            .entry(format!("{prefix}."))
            .or_insert_with(|| (BTreeSet::new(), 2));
        taken.insert(last)
    }

    pub fn release_ip(&mut self, ip: &str) {
        let Some((prefix, last)) = ip.rsplit_once('.') else {
            return;
        };
        let prefix = format!("{prefix}.");
        if let (Some((taken, _)), Ok(last)) = (self.ips.get_mut(&prefix), last.parse::<u8>()) {
            taken.remove(&last);
        }
    }
}

struct Running {
    uid: String,
    deleting: watch::Sender<bool>,
    abort: AbortHandle,
}

pub struct Kubelet {
    recorder: Arc<Recorder>,
    runtimes: Arc<Runtimes>,
    nodes: Arc<Mutex<NodeState>>,
    running: HashMap<Key, Running>,
    tasks: JoinSet<()>,
}

impl Kubelet {
    pub fn new(recorder: Arc<Recorder>, runtimes: Arc<Runtimes>) -> Kubelet {
        Kubelet {
            recorder,
            runtimes,
            nodes: Arc::new(Mutex::new(NodeState::default())),
            running: HashMap::new(),
            tasks: JoinSet::new(),
        }
    }

    fn stop(&mut self, key: &Key) {
        if let Some(r) = self.running.remove(key) {
            r.abort.abort();
        }
    }
}

impl Reconciler for Kubelet {
    type Key = Key;

    fn keys_for(&mut self, _store: &Store, event: &WatchEvent) -> Vec<Key> {
        if event.res != Res::Pod {
            return Vec::new();
        }
        let key = (
            event.namespace.clone(),
            names::name(&event.object).to_string(),
        );
        let bound = names::str_at(&event.object, "/spec/nodeName").is_some_and(|n| !n.is_empty());
        if bound || self.running.contains_key(&key) {
            vec![key]
        } else {
            Vec::new()
        }
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        let mut keys: Vec<Key> = self.running.keys().cloned().collect();
        keys.extend(
            store
                .list(Res::Pod, None)
                .0
                .iter()
                .filter(|p| names::str_at(p, "/spec/nodeName").is_some_and(|n| !n.is_empty()))
                .map(|p| (names::namespace(p).to_string(), names::name(p).to_string())),
        );
        keys
    }

    fn reconcile(&mut self, store: &Arc<Store>, key: &Key) -> Option<Duration> {
        while self.tasks.try_join_next().is_some() {}
        let Some(pod) = store.get(Res::Pod, &key.0, &key.1) else {
            self.stop(key);
            for runtime in self.runtimes.all() {
                runtime.pod_gone(&key.0, &key.1);
            }
            return None;
        };
        if self
            .running
            .get(key)
            .is_some_and(|r| r.uid != names::uid(&pod))
        {
            self.stop(key);
        }
        let node = names::str_at(&pod, "/spec/nodeName")
            .unwrap_or("")
            .to_string();
        if node.is_empty() {
            return None;
        }
        let deleting = names::is_deleting(&pod);
        if let Some(r) = self.running.get(key) {
            if deleting {
                let _ = r.deleting.send(true);
                // A pod whose task already ended (its node vanished) has nothing to stop.
                if r.abort.is_finished() {
                    podrun::remove_pod(store, &pod);
                }
            }
            return None;
        }
        if deleting {
            // Nothing started yet: nothing to stop.
            podrun::remove_pod(store, &pod);
            return None;
        }
        let (tx, rx) = watch::channel(false);
        let ctx = PodCtx {
            store: store.clone(),
            recorder: self.recorder.clone(),
            runtimes: self.runtimes.clone(),
            nodes: self.nodes.clone(),
            namespace: key.0.clone(),
            name: key.1.clone(),
            uid: names::uid(&pod).to_string(),
            node,
        };
        let abort = self.tasks.spawn(podrun::run(ctx, rx));
        self.running.insert(
            key.clone(),
            Running {
                uid: names::uid(&pod).to_string(),
                deleting: tx,
                abort,
            },
        );
        None
    }
}

/// How often a kubelet re-posts an unchanged node status (nodeStatusReportFrequency).
const NODE_STATUS_REPORT: Duration = Duration::from_secs(300);

/// The kubelets' periodic node status: refreshes lastHeartbeatTime of every node's
/// conditions, so `kubectl describe node` never shows a stale, seemingly dead node.
pub async fn post_node_status(store: Arc<Store>) {
    loop {
        tokio::time::sleep(NODE_STATUS_REPORT).await;
        let now = store.clock().now_rfc3339();
        for node in store.list(Res::Node, None).0 {
            store.mutate(Res::Node, "", names::name(&node), |n| {
                let Some(conditions) = n["status"]["conditions"].as_array_mut() else {
                    return false;
                };
                for c in conditions {
                    c["lastHeartbeatTime"] = serde_json::json!(now);
                }
                true
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_ips_go_round_robin_and_are_reused_after_release() {
        let mut nodes = NodeState::default();
        let a = nodes.allocate_ip("10.244.1.").unwrap();
        let b = nodes.allocate_ip("10.244.1.").unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("10.244.1.2", "10.244.1.3"));
        nodes.release_ip(&a);
        for _ in 0..252 {
            nodes.allocate_ip("10.244.1.").unwrap();
        }
        assert_eq!(nodes.allocate_ip("10.244.1."), None);
        nodes.release_ip("10.244.1.77");
        assert_eq!(
            nodes.allocate_ip("10.244.1.").as_deref(),
            Some("10.244.1.77")
        );
    }
}
