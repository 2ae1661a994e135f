//! One task per running EMQX node: wakes it when its model says so (phases, discovery
//! rounds), performs its discovery GET against the simulated API server with the pod's
//! service-account token or its DNS lookup against the cluster DNS (`dns`), and stops
//! it when its pod is gone or its VM went down by itself.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, header};
use jiff::SignedDuration;
use rand::Rng;
use tower::ServiceExt;

use super::world::{Container, CtrKey, World, lock};
use super::{dns, netpol};
use crate::api::handlers::admission::KUBERNETES_SERVICE_IP;
use crate::emqx::discovery::{ConnectFailure, EndpointsRequest};
use crate::emqx::http::HttpState;
use crate::emqx::logs;
use crate::emqx::node::DiscoveryHttp;
use crate::emqx::nodename::dist_port;
use crate::resources::Res;

/// How often (simulated) a node with nothing to do checks that its pod still exists.
const LIVENESS: Duration = Duration::from_secs(2);
/// The largest body a discovery answer may have.
const MAX_BODY: usize = 4 * 1024 * 1024;

fn jitter() -> SignedDuration {
    SignedDuration::from_millis(rand::rng().random_range(0..=3000))
}

fn pod_alive(world: &World, key: &CtrKey, uid: &str) -> bool {
    world
        .store
        .get(Res::Pod, &key.0, &key.1)
        .is_some_and(|p| p["metadata"]["uid"].as_str() == Some(uid))
}

/// What one wake-up found to do.
enum Step {
    Gone,
    Idle,
    Discover(EndpointsRequest, Option<String>),
    /// The VM stopped by itself (5.9+ licence): the container is exiting.
    Crashed,
}

pub async fn run(world: Arc<World>, key: CtrKey, uid: String) {
    loop {
        let Some(wake) = next_wake(&world, &key, &uid) else {
            return;
        };
        tokio::time::sleep(wake).await;
        if !pod_alive(&world, &key, &uid) {
            stop(&world, &key, &uid);
            return;
        }
        match step(&world, &key, &uid) {
            Step::Gone => return,
            Step::Crashed => {
                stop(&world, &key, &uid);
                return;
            }
            Step::Idle => {}
            Step::Discover(req, token) => {
                if token.is_none() {
                    let now = world.now();
                    world.log(&key, &logs::token_unreadable().render(now));
                }
                let answer = get(&world, &key.0, &req, token.as_deref()).await;
                finish_round(&world, &key, &uid, answer);
            }
        }
    }
}

/// Real time until the node's next wake-up (capped by the liveness check); None when
/// the container runs no node any more.
fn next_wake(world: &World, key: &CtrKey, uid: &str) -> Option<Duration> {
    let containers = lock(&world.containers);
    let c = containers.get(key).filter(|c| c.log.uid == uid)?;
    let node = c.run.as_ref()?.node.as_ref()?;
    let cap = world.store.clock().scaled(LIVENESS);
    // At least tokio's 1 ms tick: a wake-up a few nanoseconds early (the speed factor's
    // rounding) would otherwise sleep zero, find the round not yet due, and spin without
    // letting paused time advance.
    Some(
        node.next_wakeup()
            .map(|at| world.real_until(at).min(cap))
            .unwrap_or(cap)
            .max(Duration::from_millis(1)),
    )
}

fn stop(world: &World, key: &CtrKey, uid: &str) {
    world.stop(key, uid);
}

/// The node in `key`'s container and the peers its pod may not reach on their
/// distribution port because a NetworkPolicy denies it (P19): the only use of policies.
fn denied_by_policy(
    world: &World,
    containers: &HashMap<CtrKey, Container>,
    key: &CtrKey,
) -> Option<(String, BTreeSet<String>)> {
    let name = containers
        .get(key)?
        .run
        .as_ref()?
        .node
        .as_ref()?
        .name()
        .to_string();
    let (policies, _) = world.store.list(Res::NetworkPolicy, None);
    if policies.is_empty() {
        return Some((name, BTreeSet::new()));
    }
    let (namespaces, _) = world.store.list(Res::Namespace, None);
    let from = world.store.get(Res::Pod, &key.0, &key.1)?;
    let denied = containers
        .iter()
        .filter(|(k, _)| *k != key)
        .filter_map(|(k, c)| {
            let peer = c.run.as_ref()?.node.as_ref()?.name().to_string();
            let to = world.store.get(Res::Pod, &k.0, &k.1)?;
            let port = dist_port(&peer);
            (!netpol::admits(&policies, &namespaces, &from, &to, port)).then_some(peer)
        })
        .collect();
    Some((name, denied))
}

fn step(world: &World, key: &CtrKey, uid: &str) -> Step {
    let now = world.now();
    let mut containers = lock(&world.containers);
    let denied = denied_by_policy(world, &containers, key);
    let Some(c) = containers.get_mut(key).filter(|c| c.log.uid == uid) else {
        return Step::Gone;
    };
    let Some(run) = c.run.as_mut() else {
        return Step::Gone;
    };
    let token = run.token.clone();
    let Some(node) = run.node.as_mut() else {
        return Step::Gone;
    };
    let mut registry = lock(&world.registry);
    registry.autoclean(now);
    if let Some((name, peers)) = denied {
        registry.set_denied(&name, peers);
    }
    let before = node.http_state();
    let mut lines = node.poll(&mut registry, now, jitter());
    let mut next = Step::Idle;
    match node.discovery_request(now, jitter()) {
        Some(Ok(req)) => next = Step::Discover(req, token),
        Some(Err(failed)) => lines.extend(failed),
        None => {}
    }
    if let Some(query) = node.dns_request(now) {
        let hosts = dns::lookup(&world.store, &key.0, &query.name, query.record_type);
        lines.extend(node.dns_result(&hosts, &mut registry, now, jitter()));
    }
    if node.exit_code().is_some() {
        next = Step::Crashed;
    }
    let joined = (before == HttpState::Running && node.http_state() == HttpState::Down)
        .then(|| (node.name().to_string(), node.version.family()));
    drop(registry);
    for l in lines {
        c.log.append(now, &l.render(now));
    }
    drop(containers);
    if let Some((name, family)) = joined {
        world.joined(&name, family);
    }
    next
}

fn finish_round(world: &World, key: &CtrKey, uid: &str, answer: DiscoveryHttp) {
    let now = world.now();
    let mut containers = lock(&world.containers);
    let denied = denied_by_policy(world, &containers, key);
    let Some(c) = containers.get_mut(key).filter(|c| c.log.uid == uid) else {
        return;
    };
    let Some(node) = c.run.as_mut().and_then(|r| r.node.as_mut()) else {
        return;
    };
    let before = node.http_state();
    let mut registry = lock(&world.registry);
    if let Some((name, peers)) = denied {
        registry.set_denied(&name, peers);
    }
    let lines = node.discovery_result(answer, &mut registry, now, jitter());
    drop(registry);
    let joined = (before == HttpState::Running && node.http_state() == HttpState::Down)
        .then(|| (node.name().to_string(), node.version.family()));
    for l in lines {
        c.log.append(now, &l.render(now));
    }
    drop(containers);
    if let Some((name, family)) = joined {
        world.joined(&name, family);
    }
}

/// Whether a host name, looked up from a pod in `ns`, is the API server (the
/// `kubernetes` Service in `default`), as cluster DNS with the pod's search path says.
pub fn is_apiserver(host: &str, ns: &str) -> bool {
    let host = host.trim_end_matches('.');
    match host {
        "kubernetes.default.svc.cluster.local" | "kubernetes.default.svc" => true,
        "kubernetes.default" => true,
        "kubernetes" => ns == "default",
        _ => host == KUBERNETES_SERVICE_IP,
    }
}

fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// ekka's GET, performed against the in-process API server.
async fn get(
    world: &World,
    ns: &str,
    req: &EndpointsRequest,
    token: Option<&str>,
) -> DiscoveryHttp {
    if !is_apiserver(&req.host, ns) {
        // A name cluster DNS does not know; an address nothing answers on.
        return DiscoveryHttp::ConnectFailed(if is_ip(&req.host) {
            ConnectFailure::Timeout
        } else {
            ConnectFailure::Nxdomain
        });
    }
    if req.port != 443 {
        return DiscoveryHttp::ConnectFailed(ConnectFailure::Econnrefused);
    }
    if req.scheme != "https" {
        return DiscoveryHttp::Response {
            status: 400,
            body: b"Client sent an HTTP request to an HTTPS server.\n".to_vec(),
        };
    }
    let Some(state) = world.api() else {
        return DiscoveryHttp::ConnectFailed(ConnectFailure::Econnrefused);
    };
    let request = Request::get(req.path.as_str())
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token.unwrap_or("")),
        )
        .header(header::ACCEPT, "application/json")
        .body(Body::empty());
    let Ok(request) = request else {
        return DiscoveryHttp::Response {
            status: 404,
            body: b"404 page not found\n".to_vec(),
        };
    };
    let Ok(response) = crate::api::router(state).oneshot(request).await;
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), MAX_BODY)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    DiscoveryHttp::Response {
        status,
        body: compact(body),
    }
}

/// The API server answers non-curl clients with compact JSON and a newline.
fn compact(body: Vec<u8>) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => {
            let mut out = serde_json::to_vec(&v).unwrap_or(body);
            out.push(b'\n');
            out
        }
        Err(_) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apiserver_names_resolve_as_cluster_dns_would() {
        for host in [
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "kubernetes.default.svc.cluster.local.",
            "kubernetes.default",
            "10.96.0.1",
        ] {
            assert!(is_apiserver(host, "emqx"), "{host}");
        }
        assert!(is_apiserver("kubernetes", "default"));
        assert!(!is_apiserver("kubernetes", "emqx"));
        assert!(!is_apiserver("10.110.111.204", "emqx"));
        assert!(!is_apiserver("kubernetes.example", "emqx"));
    }
}
