//! Cluster membership across all simulated EMQX nodes: who is alive, who is in which
//! cluster, who a node joins after a discovery round, and what `cluster status` shows.
//!
//! One registry per simulated Kubernetes cluster, owned by the integration. Nodes are
//! keyed by node name (Erlang allows one running node per name). Rules (EMQX.md §2):
//! - A discovered peer is reachable when a node of that exact name is alive, has the
//!   same cookie and the same major version family (4.x and 5.x cannot cluster), and no
//!   NetworkPolicy keeps the node's pod from the peer's distribution port (P19: the
//!   integration says which peers, [`Registry::set_denied`]).
//! - A node joins the oldest reachable discovered node outside its cluster, as ekka
//!   joins the oldest member; the oldest node itself waits to be joined. Joining moves the
//!   node (cleanly) from its old cluster into the target's: two live clusters merge node
//!   by node.
//! - Roles (mria): a core joins the oldest discovered node, which must be a core
//!   (`{cannot_join_to_replicant,…}` otherwise). A replicant joins nobody: it attaches to
//!   a cluster of running cores it discovered (`mria_lb`), is listed running while alive
//!   and is dropped, not listed stopped, when it goes (`cluster_nodes(all)` holds only
//!   cores' db_nodes besides the running nodes).
//! - 5.9+ licence: ekka's autocluster joins without asking the peer; a manual join asks
//!   it (`emqx_cluster:can_i_join/1`). What a node without a licence does once joined is
//!   the node's business (it crashes as its `emqx_license` app restarts).
//! - A member that goes away stays listed as stopped until `autoclean` (4.x 5m, 5.x
//!   24h) has passed; a node that comes back under the same name without persistent data
//!   is a fresh one-node cluster (the old cluster still lists it as stopped) until it
//!   joins again; with persistent data it rejoins its old cluster at boot.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use super::settings::Role;
use super::version::Family;

/// What the registry needs to know about a node when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub cookie: String,
    pub family: Family,
    /// False for a 5.9+ node without `license.key`.
    pub may_cluster: bool,
    /// The mnesia directory survives restarts (a PVC at /opt/emqx/data).
    pub persistent: bool,
    pub autoclean: Duration,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeRecord {
    spec: NodeSpec,
    alive: bool,
    started_at: Timestamp,
    cluster: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberState {
    Running,
    Stopped { since: Timestamp },
}

/// How a node's start goes, as far as membership is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// Starts as a one-node cluster, or back in its old cluster (persistent data).
    Ready,
    /// Persistent data, and the members holding the newest tables are down: mnesia waits
    /// (`still waiting for table(s)`), listeners stay down.
    WaitForTables,
}

/// The result of one discovery round for a node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Round {
    /// The node this node joined (it restarted its apps).
    pub joined: Option<String>,
    /// Discovered nodes outside the cluster that could not be reached.
    pub unreachable: Vec<String>,
    /// The round succeeded by the version's rule: the autocluster loop stops.
    pub complete: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Registry {
    nodes: BTreeMap<String, NodeRecord>,
    /// Cluster id → members in join order.
    clusters: BTreeMap<u64, Vec<(String, MemberState)>>,
    next_cluster: u64,
    /// Node → the peers whose distribution port its pod may not reach (NetworkPolicy
    /// ingress, computed by the integration before each of the node's rounds).
    denied: BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    fn new_cluster(&mut self, name: &str) -> u64 {
        self.next_cluster += 1;
        let id = self.next_cluster;
        self.clusters
            .insert(id, vec![(name.to_string(), MemberState::Running)]);
        id
    }

    fn set_member(&mut self, cluster: u64, name: &str, state: MemberState) {
        if let Some(members) = self.clusters.get_mut(&cluster) {
            match members.iter_mut().find(|(n, _)| n == name) {
                Some(entry) => entry.1 = state,
                None => members.push((name.to_string(), state)),
            }
        }
    }

    fn remove_member(&mut self, cluster: u64, name: &str) {
        if let Some(members) = self.clusters.get_mut(&cluster) {
            members.retain(|(n, _)| n != name);
        }
    }

    /// A node's VM came up under `name`.
    pub fn node_started(&mut self, name: &str, spec: NodeSpec, now: Timestamp) -> StartOutcome {
        let previous = self.nodes.get(name).cloned();
        let rejoin = previous
            .as_ref()
            .filter(|p| spec.role == Role::Core && spec.persistent && p.spec.persistent)
            .map(|p| p.cluster)
            .filter(|c| self.is_member(*c, name));
        let (cluster, outcome) = match rejoin {
            Some(c) if self.can_load_tables(c, name) => {
                self.set_member(c, name, MemberState::Running);
                (c, StartOutcome::Ready)
            }
            Some(c) => (c, StartOutcome::WaitForTables),
            None => (self.new_cluster(name), StartOutcome::Ready),
        };
        self.nodes.insert(
            name.to_string(),
            NodeRecord {
                spec,
                alive: outcome == StartOutcome::Ready,
                started_at: now,
                cluster,
            },
        );
        outcome
    }

    /// Re-checks a node waiting for tables; true once it could start.
    pub fn retry_tables(&mut self, name: &str) -> bool {
        let Some(cluster) = self.nodes.get(name).map(|r| r.cluster) else {
            return false;
        };
        if !self.can_load_tables(cluster, name) {
            return false;
        }
        self.set_member(cluster, name, MemberState::Running);
        if let Some(r) = self.nodes.get_mut(name) {
            r.alive = true;
        }
        true
    }

    fn is_member(&self, cluster: u64, name: &str) -> bool {
        self.clusters
            .get(&cluster)
            .is_some_and(|m| m.iter().any(|(n, _)| n == name))
    }

    /// mnesia loads its tables when another member is running, or when this node was
    /// the last member to stop (its copy is the newest).
    fn can_load_tables(&self, cluster: u64, name: &str) -> bool {
        let Some(members) = self.clusters.get(&cluster) else {
            return true;
        };
        let others_running = members
            .iter()
            .any(|(n, s)| n != name && *s == MemberState::Running && self.alive(n));
        if others_running {
            return true;
        }
        let last_stopped = members
            .iter()
            .filter_map(|(n, s)| match s {
                MemberState::Stopped { since } => Some((*since, n)),
                MemberState::Running => None,
            })
            .max();
        last_stopped.is_none_or(|(_, n)| n == name)
    }

    fn alive(&self, name: &str) -> bool {
        self.nodes.get(name).is_some_and(|r| r.alive)
    }

    /// The node's VM went away (pod deleted, container exited).
    pub fn node_stopped(&mut self, name: &str, now: Timestamp) {
        let Some(record) = self.nodes.get_mut(name) else {
            return;
        };
        record.alive = false;
        let cluster = record.cluster;
        if record.spec.role == Role::Replicant {
            self.remove_member(cluster, name);
        } else {
            self.set_member(cluster, name, MemberState::Stopped { since: now });
        }
    }

    /// Drops stopped members whose autoclean interval has passed (the shortest interval
    /// among the cluster's running members applies: they are the ones cleaning).
    pub fn autoclean(&mut self, now: Timestamp) {
        let intervals: BTreeMap<u64, Duration> =
            self.nodes
                .values()
                .filter(|r| r.alive)
                .fold(BTreeMap::new(), |mut acc, r| {
                    let e = acc.entry(r.cluster).or_insert(r.spec.autoclean);
                    *e = (*e).min(r.spec.autoclean);
                    acc
                });
        let nodes = &self.nodes;
        for (id, members) in self.clusters.iter_mut() {
            let Some(interval) = intervals.get(id) else {
                // No member running. Membership lives in each node's mnesia schema
                // (`data/mnesia/<name>`), and autoclean is run by running members
                // (EMQX.md §11): without a volume the schema went with the pods, and no
                // node anywhere lists this cluster any more (a one-node Deployment pod
                // replaced leaves exactly this). A member whose data survives (a PVC)
                // still remembers it, and rejoins it at boot.
                let remembered = members
                    .iter()
                    .any(|(n, _)| nodes.get(n).is_some_and(|r| r.spec.persistent));
                if !remembered {
                    members.clear();
                }
                continue;
            };
            members.retain(|(_, s)| match s {
                MemberState::Stopped { since } => {
                    let gone = now.duration_since(*since).as_secs();
                    u64::try_from(gone).unwrap_or(0) < interval.as_secs()
                }
                MemberState::Running => true,
            });
        }
        // What no running node remembers is gone: empty clusters, and stopped nodes no
        // cluster lists any more (a restart under that name starts afresh anyway).
        self.clusters.retain(|_, members| !members.is_empty());
        let clusters = &self.clusters;
        self.nodes.retain(|name, r| {
            r.alive
                || clusters
                    .get(&r.cluster)
                    .is_some_and(|m| m.iter().any(|(n, _)| n == name))
        });
        // A forgotten node's NetworkPolicy view is recomputed should the name start again.
        let nodes = &self.nodes;
        self.denied.retain(|name, _| nodes.contains_key(name));
    }

    /// How many nodes and clusters are remembered (for the soak's accounting).
    pub fn sizes(&self) -> (usize, usize) {
        (self.nodes.len(), self.clusters.len())
    }

    /// The peers `name`'s pod cannot open a connection to (a NetworkPolicy denies their
    /// distribution port), as of now: replaces what was said before.
    pub fn set_denied(&mut self, name: &str, peers: std::collections::BTreeSet<String>) {
        if peers.is_empty() {
            self.denied.remove(name);
        } else {
            self.denied.insert(name.to_string(), peers);
        }
    }

    fn reachable(&self, from: &str, to: &str) -> bool {
        let (Some(a), Some(b)) = (self.nodes.get(from), self.nodes.get(to)) else {
            return false;
        };
        let denied = self.denied.get(from).is_some_and(|d| d.contains(to));
        from != to
            && b.alive
            && !denied
            && a.spec.cookie == b.spec.cookie
            && a.spec.family == b.spec.family
    }

    fn cluster_of(&self, name: &str) -> Option<u64> {
        self.nodes.get(name).map(|r| r.cluster)
    }

    /// One autocluster round of `name` with the discovered node names.
    pub fn discovery_round(&mut self, name: &str, discovered: &[String]) -> Round {
        let mut round = Round::default();
        let Some(me) = self.nodes.get(name).cloned() else {
            return round;
        };
        let outside =
            |reg: &Registry, n: &String| reg.cluster_of(n) != Some(me.cluster) || !reg.alive(n);
        let mut candidates: Vec<(&String, Timestamp)> = discovered
            .iter()
            .filter(|n| *n == name || self.reachable(name, n))
            .filter_map(|n| self.nodes.get(n).map(|r| (n, r.started_at)))
            .collect();
        candidates.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        if let Some((oldest, _)) = candidates.first().copied()
            && oldest != name
            && outside(self, oldest)
        {
            let target = oldest.clone();
            // mria:join1/2 refuses a replicant target (`cannot_join_to_replicant`); ekka
            // logs that at debug only and the round fails.
            if self.role(&target) == Some(Role::Core) {
                self.join(name, &target);
                round.joined = Some(target);
            }
        }
        let my_cluster = self.cluster_of(name);
        round.unreachable = discovered
            .iter()
            .filter(|n| *n != name && (self.cluster_of(n) != my_cluster || !self.alive(n)))
            .cloned()
            .collect();
        round.complete = match me.spec.family {
            Family::V4 => round.unreachable.is_empty(),
            Family::V5 => round.unreachable.is_empty() && discovered.iter().any(|n| n == name),
        };
        round
    }

    /// `emqx ctl cluster join <target>`: `Ok(true)` joined, `Ok(false)` ignored (own
    /// name), or the error term ekka returns, printed.
    pub fn manual_join(&mut self, name: &str, target: &str) -> Result<bool, String> {
        if name == target {
            return Ok(false);
        }
        if !self.reachable(name, target) {
            return Err(format!("{{node_down,{}}}", super::erl::atom(target)));
        }
        // 5.9+ `emqx_cluster:join/1` asks the peer first (`can_i_join/1`): a peer on the
        // default single-node licence answers `{error, "Node ~s has a single node
        // license"}` and the CLI prints that string with `~0p`.
        if !self.nodes.get(target).is_some_and(|r| r.spec.may_cluster) {
            return Err(format!("\"Node {target} has a single node license\""));
        }
        if self.cluster_of(name) == self.cluster_of(target) {
            return Err(format!(
                "{{already_in_cluster,{}}}",
                super::erl::atom(target)
            ));
        }
        if self.role(target) == Some(Role::Replicant) {
            return Err(format!(
                "{{cannot_join_to_replicant,{}}}",
                super::erl::atom(target)
            ));
        }
        self.join(name, target);
        Ok(true)
    }

    /// The node's role, if the registry knows the node.
    pub fn role(&self, name: &str) -> Option<Role> {
        self.nodes.get(name).map(|r| r.spec.role)
    }

    fn running_core(&self, name: &str) -> bool {
        self.role(name) == Some(Role::Core)
            && self.alive(name)
            && self.cluster_of(name).is_some_and(|c| {
                self.clusters.get(&c).is_some_and(|m| {
                    m.iter()
                        .any(|(n, s)| n == name && *s == MemberState::Running)
                })
            })
    }

    /// Whether the replicant `name` is attached to a cluster with a running core.
    pub fn has_core(&self, name: &str) -> bool {
        let Some(cluster) = self.cluster_of(name) else {
            return false;
        };
        self.clusters
            .get(&cluster)
            .is_some_and(|m| m.iter().any(|(n, _)| self.running_core(n)))
    }

    /// One `mria_lb` poll of the replicant `name` with the nodes its core discovery
    /// returned. It keeps a cluster that still has a running core; otherwise it takes
    /// the cluster of reachable running cores with the most discovered cores (ties: the
    /// oldest core's), as `find_best_cluster/2` scores partitions. Returns true when it
    /// attached to a (new) cluster now.
    pub fn replicant_poll(&mut self, name: &str, discovered: &[String]) -> bool {
        if self.role(name) != Some(Role::Replicant) || self.has_core(name) {
            return false;
        }
        let mut best: Option<(usize, Timestamp, u64)> = None;
        for core in discovered {
            if !self.reachable(name, core) || !self.running_core(core) {
                continue;
            }
            let Some(cluster) = self.cluster_of(core) else {
                continue;
            };
            let count = discovered
                .iter()
                .filter(|n| self.running_core(n) && self.cluster_of(n) == Some(cluster))
                .count();
            let oldest = self
                .clusters
                .get(&cluster)
                .into_iter()
                .flatten()
                .filter(|(n, _)| self.running_core(n))
                .filter_map(|(n, _)| self.started_at(n))
                .min()
                .unwrap_or_default();
            let better = match best {
                None => true,
                Some((c, o, _)) => count > c || (count == c && oldest < o),
            };
            if better {
                best = Some((count, oldest, cluster));
            }
        }
        let Some((_, _, cluster)) = best else {
            return false;
        };
        self.move_to(name, cluster);
        true
    }

    /// Running nodes of `name`'s cluster other than itself (5.9's `no_violation/1`
    /// counts `cluster_nodes(running)`).
    pub fn running_peers(&self, name: &str) -> usize {
        self.view(name).0.iter().filter(|n| *n != name).count()
    }

    /// `emqx ctl cluster leave`: the node leaves cleanly (not listed as stopped) and is a
    /// one-node cluster again.
    pub fn leave(&mut self, name: &str) -> Result<(), String> {
        let Some(old) = self.cluster_of(name) else {
            return Err("node_not_in_cluster".to_string());
        };
        let alone = self.clusters.get(&old).is_none_or(|m| m.len() < 2);
        if alone {
            return Err("node_not_in_cluster".to_string());
        }
        self.remove_member(old, name);
        let fresh = self.new_cluster(name);
        if let Some(r) = self.nodes.get_mut(name) {
            r.cluster = fresh;
        }
        Ok(())
    }

    fn join(&mut self, name: &str, target: &str) {
        if let Some(new) = self.cluster_of(target) {
            self.move_to(name, new);
        }
    }

    /// `name` leaves its cluster cleanly (an emptied cluster is forgotten) and is a
    /// running member of `new`.
    fn move_to(&mut self, name: &str, new: u64) {
        let Some(old) = self.cluster_of(name) else {
            return;
        };
        self.remove_member(old, name);
        if self.clusters.get(&old).is_some_and(Vec::is_empty) {
            self.clusters.remove(&old);
        }
        self.set_member(new, name, MemberState::Running);
        if let Some(r) = self.nodes.get_mut(name) {
            r.cluster = new;
        }
    }

    /// `(running_nodes, stopped_nodes)` as `name` sees its cluster, in join order.
    pub fn view(&self, name: &str) -> (Vec<String>, Vec<String>) {
        let Some(members) = self.cluster_of(name).and_then(|c| self.clusters.get(&c)) else {
            return (vec![name.to_string()], Vec::new());
        };
        let mut running = Vec::new();
        let mut stopped = Vec::new();
        for (n, s) in members {
            let up = *s == MemberState::Running
                && self.alive(n)
                && self.cluster_of(n) == self.cluster_of(name);
            if up {
                running.push(n.clone());
            } else {
                stopped.push(n.clone());
            }
        }
        (running, stopped)
    }

    /// When the node's VM started (for uptime), if known.
    pub fn started_at(&self, name: &str) -> Option<Timestamp> {
        self.nodes.get(name).map(|r| r.started_at)
    }
}

#[path = "registry_state.rs"]
mod state;

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
