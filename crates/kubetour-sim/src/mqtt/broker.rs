//! The broker state of every simulated EMQX node, in one place: each node's connected
//! clients with their subscriptions, and its copy of the retained table. One owner: the
//! sessions (`session`) and the listings (`emqx ctl`, HTTP) only go through [`Broker`].
//!
//! Routing is decided at publish time from the membership the EMQX model keeps
//! (`emqx::registry`), asked through [`Membership`]: a message published on node A goes
//! to the matching subscriptions on every *running* member of A's cluster, as EMQX's
//! route table (a mria table replicated to all members, `topic -> node`) sends it. Two
//! islands share nothing. A node that joins is routed to from the next publish on (its
//! clients stay on 5.x; 4.4's join drops them: `workloads::World::joined`); a node that
//! stops loses its clients ([`Broker::node_down`]) and its retained copy.
//!
//! Lock order: the membership (registry) is asked before this state is locked, never
//! while it is held, so a caller holding the registry may read the listings.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use tokio::sync::mpsc;

use super::codec::Message;
use super::retained::{self, Retained};
use super::topic::{self, Filter};

/// The EMQX cluster a node is in, as the model knows it now.
pub trait Membership: Send + Sync {
    /// The running members of `node`'s cluster (`node` itself included when running).
    fn running_peers(&self, node: &str) -> Vec<String>;
    /// The simulated wall clock (created_at / connected_at).
    fn now(&self) -> Timestamp;
}

/// A connection's id in the broker (a client id may be reused by a later connection).
pub type ConnId = u64;

/// What the broker tells a session.
#[derive(Debug, Clone)]
pub enum Control {
    /// A message to deliver, QoS already capped by the subscription.
    Deliver(Message),
    /// Close the connection (v5 reason: 0x8E taken over, 0x8B server shutting down).
    Kick(u8),
}

/// Subscription options (MQTT 5; 3.1.1 clients get the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubOpts {
    pub qos: u8,
    pub nl: bool,
    pub rap: bool,
    pub rh: u8,
}

/// What a client said in CONNECT, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    pub client_id: String,
    pub username: Option<String>,
    pub peer: String,
    pub proto_ver: u8,
    pub clean_start: bool,
    pub keepalive: u16,
    /// Session expiry interval, seconds.
    pub expiry: u32,
}

/// A session's counters, written by the session and read by the listings.
#[derive(Debug, Default)]
pub struct Counters {
    pub delivered: AtomicU64,
    pub inflight: AtomicU64,
    pub awaiting_rel: AtomicU64,
    pub enqueued: AtomicU64,
    pub dropped: AtomicU64,
}

impl Counters {
    pub fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }
    pub fn set(v: &AtomicU64, n: u64) {
        v.store(n, Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct Client {
    conn: ConnId,
    /// None while the session outlives its connection (expiry > 0).
    tx: Option<mpsc::UnboundedSender<Control>>,
    info: ClientInfo,
    subs: BTreeMap<String, (Filter, SubOpts)>,
    counters: Arc<Counters>,
    connected_at: Timestamp,
    offline: Option<Offline>,
}

/// A session without a connection: when it lost it, and what it queued since.
#[derive(Debug)]
struct Offline {
    since: tokio::time::Instant,
    at: Timestamp,
    queue: VecDeque<Message>,
}

impl Client {
    /// Hands a message to the connection, or queues it while disconnected (EMQX's
    /// mqueue, QoS 0 included, the oldest dropped beyond `max_mqueue_len`).
    fn deliver(&mut self, msg: Message) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Control::Deliver(msg));
            return;
        }
        if let Some(off) = self.offline.as_mut() {
            if off.queue.len() >= MAX_MQUEUE {
                off.queue.pop_front();
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
            off.queue.push_back(msg);
            Counters::set(&self.counters.enqueued, off.queue.len() as u64);
        }
    }

    fn expired(&self) -> bool {
        self.offline.as_ref().is_some_and(|o| {
            o.since.elapsed() >= std::time::Duration::from_secs(u64::from(self.info.expiry))
        })
    }
}

/// `mqtt.max_mqueue_len` (EMQX 5 default).
const MAX_MQUEUE: usize = 1000;

#[derive(Debug, Default)]
struct NodeState {
    clients: BTreeMap<String, Client>,
    retained: Retained,
}

#[derive(Debug, Default)]
struct State {
    nodes: HashMap<String, NodeState>,
    conns: HashMap<ConnId, (String, String)>,
    next_conn: ConnId,
    seq: u64,
}

/// A publisher's round_robin positions per (group, filter): EMQX 5's default shared
/// strategy keeps them in the publishing process (`erlang:put({shared_sub_round_robin,
/// Group, Topic}, ..)`, emqx_shared_sub.erl v5.8.9), starting at a random member.
pub type RoundRobin = HashMap<(String, String), usize>;

/// A shared group's member: (node, client id, subscribed QoS).
type Member = (String, String, u8);

/// A newly registered connection.
#[derive(Debug)]
pub struct Registered {
    pub conn: ConnId,
    pub rx: mpsc::UnboundedReceiver<Control>,
    pub counters: Arc<Counters>,
    /// The session was resumed (CONNACK session present).
    pub present: bool,
    /// What the resumed session queued while disconnected, to deliver now.
    pub queued: Vec<Message>,
}

pub struct Broker {
    state: Mutex<State>,
    membership: Box<dyn Membership>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker").finish_non_exhaustive()
    }
}

impl Broker {
    pub fn new(membership: Box<dyn Membership>) -> Broker {
        Broker {
            state: Mutex::new(State::default()),
            membership,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now(&self) -> Timestamp {
        self.membership.now()
    }

    /// A client's CONNECT accepted on `node`. A connection with the same client id
    /// anywhere in the cluster is taken over (EMQX's channel registry is cluster-wide):
    /// it is told to close, and its will fires from its own session. With clean_start
    /// false, its session (subscriptions, queued messages) carries on in the new one.
    pub fn connect(&self, node: &str, info: ClientInfo) -> Registered {
        let peers = self.membership.running_peers(node);
        let now = self.membership.now();
        let mut st = self.lock();
        purge(&mut st);
        let mut resumed = None;
        for peer in peers.iter().map(String::as_str).chain([node]) {
            let old = st
                .nodes
                .get_mut(peer)
                .and_then(|n| n.clients.remove(&info.client_id));
            if let Some(old) = old {
                st.conns.remove(&old.conn);
                if let Some(tx) = &old.tx {
                    let _ = tx.send(Control::Kick(0x8E));
                }
                if !info.clean_start {
                    resumed = Some(old);
                }
            }
        }
        let present = resumed.is_some();
        let (subs, queued) = match resumed {
            Some(old) => (
                old.subs,
                old.offline.map(|o| Vec::from(o.queue)).unwrap_or_default(),
            ),
            None => (BTreeMap::new(), Vec::new()),
        };
        st.next_conn += 1;
        let conn = st.next_conn;
        let (tx, rx) = mpsc::unbounded_channel();
        let counters = Arc::new(Counters::default());
        st.conns
            .insert(conn, (node.to_string(), info.client_id.clone()));
        st.nodes
            .entry(node.to_string())
            .or_default()
            .clients
            .insert(
                info.client_id.clone(),
                Client {
                    conn,
                    tx: Some(tx),
                    info,
                    subs,
                    counters: counters.clone(),
                    connected_at: now,
                    offline: None,
                },
            );
        Registered {
            conn,
            rx,
            counters,
            present,
            queued,
        }
    }

    /// The connection ended (any way): its client and subscriptions go away, unless
    /// its session expiry interval keeps the session (and its routes) until then.
    pub fn disconnect(&self, conn: ConnId) {
        let now = self.membership.now();
        let mut st = self.lock();
        let Some((node, id)) = st.conns.remove(&conn) else {
            return;
        };
        let Some(n) = st.nodes.get_mut(&node) else {
            return;
        };
        let keep = n.clients.get(&id).is_some_and(|c| c.info.expiry > 0);
        if !keep {
            n.clients.remove(&id);
        } else if let Some(c) = n.clients.get_mut(&id) {
            c.tx = None;
            c.offline = Some(Offline {
                since: tokio::time::Instant::now(),
                at: now,
                queue: VecDeque::new(),
            });
        }
    }

    /// The node's VM stopped: its clients are disconnected (their sessions publish their
    /// wills through the surviving members) and its RAM tables are gone.
    pub fn node_down(&self, node: &str) {
        let mut st = self.lock();
        let Some(gone) = st.nodes.remove(node) else {
            return;
        };
        for client in gone.clients.into_values() {
            st.conns.remove(&client.conn);
            if let Some(tx) = &client.tx {
                let _ = tx.send(Control::Kick(0x8B));
            }
        }
    }

    /// SUBSCRIBE of one filter. Returns the retained messages to send (none for a
    /// shared subscription, or as Retain Handling says), QoS capped and retain set.
    pub fn subscribe(
        &self,
        conn: ConnId,
        raw: &str,
        filter: Filter,
        opts: SubOpts,
    ) -> Vec<Message> {
        let node = match self.lock().conns.get(&conn) {
            Some((node, _)) => node.clone(),
            None => return Vec::new(),
        };
        let peers = self.membership.running_peers(&node);
        let mut st = self.lock();
        let Some((_, id)) = st.conns.get(&conn).cloned() else {
            return Vec::new();
        };
        let Some(client) = st.nodes.get_mut(&node).and_then(|n| n.clients.get_mut(&id)) else {
            return Vec::new();
        };
        let existed = client
            .subs
            .insert(raw.to_string(), (filter.clone(), opts))
            .is_some();
        let send = filter.group.is_none() && (opts.rh == 0 || (opts.rh == 1 && !existed));
        if !send {
            return Vec::new();
        }
        let copies = peers
            .iter()
            .chain([&node])
            .filter_map(|p| st.nodes.get(p))
            .map(|n| &n.retained);
        retained::newest(copies, &filter.filter)
            .into_iter()
            .map(|mut m| {
                m.qos = m.qos.min(opts.qos);
                m.retain = true;
                m
            })
            .collect()
    }

    /// UNSUBSCRIBE of one filter: whether the client had it.
    pub fn unsubscribe(&self, conn: ConnId, raw: &str) -> bool {
        let mut st = self.lock();
        let Some((node, id)) = st.conns.get(&conn).cloned() else {
            return false;
        };
        st.nodes
            .get_mut(&node)
            .and_then(|n| n.clients.get_mut(&id))
            .is_some_and(|c| c.subs.remove(raw).is_some())
    }

    /// Routes a message published on `node` (by `from`, for No Local; `rr` is the
    /// publisher's round_robin state). Returns how many subscriptions it reached.
    pub fn publish(
        &self,
        node: &str,
        from: Option<&str>,
        msg: &Message,
        rr: &mut RoundRobin,
    ) -> usize {
        let peers = self.membership.running_peers(node);
        let mut st = self.lock();
        purge(&mut st);
        st.seq += 1;
        let seq = st.seq;
        if msg.retain {
            for p in &peers {
                st.nodes
                    .entry(p.clone())
                    .or_default()
                    .retained
                    .put(seq, msg);
            }
        }
        let mut count = 0;
        // (group, filter) → members, in a stable order.
        let mut groups: BTreeMap<(String, String), Vec<Member>> = BTreeMap::new();
        for p in &peers {
            let Some(n) = st.nodes.get_mut(p) else {
                continue;
            };
            for (id, client) in n.clients.iter_mut() {
                let mut out = Vec::new();
                for (f, opts) in client.subs.values() {
                    if !topic::matches(&f.filter, &msg.topic) {
                        continue;
                    }
                    if let Some(g) = &f.group {
                        // Only connected members take shared deliveries.
                        if client.tx.is_none() {
                            continue;
                        }
                        groups
                            .entry((g.clone(), f.filter.clone()))
                            .or_default()
                            .push((p.clone(), id.clone(), opts.qos));
                        continue;
                    }
                    if opts.nl && p == node && from == Some(id.as_str()) {
                        continue;
                    }
                    out.push(Message {
                        topic: msg.topic.clone(),
                        payload: msg.payload.clone(),
                        qos: msg.qos.min(opts.qos),
                        retain: opts.rap && msg.retain,
                    });
                }
                count += out.len();
                for m in out {
                    client.deliver(m);
                }
            }
        }
        for (key, members) in groups {
            let n = members.len();
            let at = match rr.get(&key) {
                Some(i) => (i + 1) % n,
                None => rand::random_range(0..n),
            };
            rr.insert(key, at);
            let (p, id, qos) = &members[at];
            if let Some(c) = st.nodes.get_mut(p).and_then(|n| n.clients.get_mut(id)) {
                c.deliver(Message {
                    topic: msg.topic.clone(),
                    payload: msg.payload.clone(),
                    qos: msg.qos.min(*qos),
                    retain: false,
                });
                count += 1;
            }
        }
        count
    }
}

#[path = "broker_rows.rs"]
mod rows;
pub use rows::{ClientRow, RouteRow, SubRow};

/// Forgets the disconnected sessions whose expiry interval has passed.
fn purge(st: &mut State) {
    for n in st.nodes.values_mut() {
        n.clients.retain(|_, c| !c.expired());
    }
}
