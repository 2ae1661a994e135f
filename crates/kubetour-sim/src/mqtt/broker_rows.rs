//! The broker's state as the listings read it (`emqx ctl … list`, the HTTP lists):
//! rows copied out under the lock, formatted elsewhere (`emqx::mqtt_listing`).

use jiff::Timestamp;

use super::{Broker, ClientInfo, Counters, SubOpts, purge};

/// One client as the listings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRow {
    pub node: String,
    pub info: ClientInfo,
    pub subscriptions: usize,
    pub inflight: u64,
    pub awaiting_rel: u64,
    pub delivered: u64,
    pub enqueued: u64,
    pub dropped: u64,
    pub connected_at: Timestamp,
    /// When a session that outlives its connection lost it.
    pub disconnected_at: Option<Timestamp>,
}

/// One subscription as the listings show it (`topic` as subscribed, `$share/g/` kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubRow {
    pub node: String,
    pub client_id: String,
    pub topic: String,
    pub opts: SubOpts,
}

/// One route: a filter (shared group apart) and the node that has subscribers for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteRow {
    pub topic: String,
    pub group: Option<String>,
    pub node: String,
}

impl Broker {
    /// The clients of `node` (EMQX's CLI lists the local node's), by id: connected ones
    /// and sessions waiting for their client to come back.
    pub fn clients(&self, node: &str) -> Vec<ClientRow> {
        let mut st = self.lock();
        purge(&mut st);
        let Some(n) = st.nodes.get(node) else {
            return Vec::new();
        };
        n.clients
            .values()
            .map(|c| ClientRow {
                node: node.to_string(),
                info: c.info.clone(),
                subscriptions: c.subs.len(),
                inflight: Counters::get(&c.counters.inflight),
                awaiting_rel: Counters::get(&c.counters.awaiting_rel),
                delivered: Counters::get(&c.counters.delivered),
                enqueued: Counters::get(&c.counters.enqueued),
                dropped: Counters::get(&c.counters.dropped),
                connected_at: c.connected_at,
                disconnected_at: c.offline.as_ref().map(|o| o.at),
            })
            .collect()
    }

    /// The subscriptions of `node`'s clients.
    pub fn subscriptions(&self, node: &str) -> Vec<SubRow> {
        let st = self.lock();
        let Some(n) = st.nodes.get(node) else {
            return Vec::new();
        };
        n.clients
            .iter()
            .flat_map(|(id, c)| {
                c.subs.iter().map(move |(raw, (_, opts))| SubRow {
                    node: node.to_string(),
                    client_id: id.clone(),
                    topic: raw.clone(),
                    opts: *opts,
                })
            })
            .collect()
    }

    /// The running members of `node`'s cluster (for the cluster-wide listings).
    pub fn peers(&self, node: &str) -> Vec<String> {
        let mut p = self.membership.running_peers(node);
        if p.is_empty() {
            p.push(node.to_string());
        }
        p
    }

    /// The cluster's route table as `node` sees it: one route per (filter, node) with
    /// subscribers, sorted.
    pub fn routes(&self, peers: &[String]) -> Vec<RouteRow> {
        let st = self.lock();
        let mut rows: Vec<RouteRow> = peers
            .iter()
            .filter_map(|p| st.nodes.get(p).map(|n| (p, n)))
            .flat_map(|(p, n)| {
                n.clients.values().flat_map(move |c| {
                    c.subs.values().map(move |(f, _)| RouteRow {
                        topic: f.filter.clone(),
                        group: f.group.clone(),
                        node: p.clone(),
                    })
                })
            })
            .collect();
        rows.sort();
        rows.dedup();
        rows
    }

    /// How many retained messages `node` holds (for tests and the bench).
    pub fn retained_count(&self, node: &str) -> usize {
        self.lock().nodes.get(node).map_or(0, |n| n.retained.len())
    }
}
