//! The world's side of the MQTT broker: the broker asks the registry for membership
//! ([`WorldMembership`]), listeners open when the model says so, joins and the listing
//! commands / HTTP paths answered from the broker (`emqx::mqtt_listing`).

use std::sync::Weak;

use jiff::Timestamp;

use super::{CtrKey, World, lock};
use crate::emqx::ctl::{self, CtlState, ExecOutput};
use crate::emqx::http::{HttpAnswer, HttpRequest, HttpResponse, HttpState};
use crate::emqx::mqtt_listing;
use crate::emqx::version::Family;
use crate::mqtt::Membership;

impl World {
    /// The running node's name, version family and whether its applications are up.
    pub(super) fn running_node(
        &self,
        key: &CtrKey,
        uid: &str,
    ) -> Option<(String, Family, CtlState)> {
        self.with_node(key, uid, |run, _, _| {
            let node = run.node.as_ref()?;
            let facts = (
                node.name().to_string(),
                node.version.family(),
                node.ctl_state(),
            );
            Some((facts, Vec::new()))
        })
    }

    /// `clients list`, `subscriptions list`, `topics list` (5.x) / `routes list` (4.4):
    /// answered from the broker, outside the container and registry locks (the broker
    /// asks the registry for the cluster's members).
    pub(super) fn mqtt_exec(&self, key: &CtrKey, uid: &str, argv: &[String]) -> Option<ExecOutput> {
        let (name, family, state) = self.running_node(key, uid)?;
        if state != CtlState::Started {
            return None;
        }
        let args = ctl::ctl_args(argv, family)?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let stdout = match (args.as_slice(), family) {
            (["clients", "list"], _) => {
                mqtt_listing::clients_cli(family, &self.broker.clients(&name))
            }
            (["subscriptions", "list"], _) => {
                mqtt_listing::subscriptions_cli(family, &self.broker.subscriptions(&name))
            }
            (["topics", "list"], Family::V5) | (["routes", "list"], Family::V4) => {
                let routes = self.broker.routes(&self.broker.peers(&name));
                mqtt_listing::routes_cli(family, &routes)
            }
            _ => return None,
        };
        Some(ExecOutput {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        })
    }

    /// GET of the broker's HTTP lists (cluster-wide, as EMQX's cluster queries are).
    /// The node's own API decides the credentials: the same request for its node list
    /// must succeed first, so a refusal is exactly the one the node gives.
    pub(super) fn mqtt_http(
        &self,
        key: &CtrKey,
        uid: &str,
        port: u16,
        req: &HttpRequest<'_>,
    ) -> Option<HttpAnswer> {
        if req.method != "GET" {
            return None;
        }
        let (family, list) = mqtt_listing::HttpList::from_path(req.path)?;
        let (name, node_family, _) = self.running_node(key, uid)?;
        if family != node_family {
            return None;
        }
        let nodes_path = match family {
            Family::V5 => "/api/v5/nodes",
            Family::V4 => "/api/v4/nodes",
        };
        let probe = HttpRequest {
            method: "GET",
            path: nodes_path,
            query: "",
            authorization: req.authorization,
            body: b"",
        };
        match self.node_http(key, uid, port, &probe)? {
            HttpAnswer::Response(r) if r.status == 200 => {}
            other => return Some(other),
        }
        let peers = self.broker.peers(&name);
        let clients: Vec<_> = peers.iter().flat_map(|p| self.broker.clients(p)).collect();
        let subs: Vec<_> = peers
            .iter()
            .flat_map(|p| self.broker.subscriptions(p))
            .collect();
        let routes = self.broker.routes(&peers);
        let body = mqtt_listing::http_body(family, &clients, &subs, &routes, list);
        Some(HttpAnswer::Response(HttpResponse::json(200, body)))
    }

    /// Whether the node's MQTT listener accepts connections. 5.x starts its listeners
    /// with the `emqx` application, which a cluster join leaves running
    /// (BASIC_PERMANENT_APPS, emqx_machine_boot.erl v5.8.9), so they stay up while the
    /// node restarts its other applications; 4.4's join stops every application
    /// (`emqx:shutdown/1` as ekka's `prepare` callback), listeners included.
    pub fn mqtt_listening(&self, key: &CtrKey, uid: &str) -> bool {
        self.with_node(key, uid, |run, _, _| {
            let node = run.node.as_ref()?;
            let up = match node.version.family() {
                Family::V5 => node.ctl_state() == CtlState::Started,
                Family::V4 => node.http_state() == HttpState::Running,
            };
            Some((up, Vec::new()))
        })
        .unwrap_or(false)
    }

    /// A node's applications restarted for a join: on 4.4 its MQTT clients are
    /// disconnected and its tables replaced by the cluster's (5.x keeps both: see
    /// [`World::mqtt_listening`]).
    pub fn joined(&self, name: &str, family: Family) {
        if family == Family::V4 {
            self.broker.node_down(name);
        }
    }
}

/// The broker's view of the registry. Weak: the world owns the broker.
pub(super) struct WorldMembership(pub(super) Weak<World>);

impl Membership for WorldMembership {
    fn running_peers(&self, node: &str) -> Vec<String> {
        let Some(world) = self.0.upgrade() else {
            return Vec::new();
        };
        lock(&world.registry).view(node).0
    }

    fn now(&self) -> Timestamp {
        self.0
            .upgrade()
            .map_or_else(Timestamp::now, |world| world.now())
    }
}
