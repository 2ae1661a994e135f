//! The endpoints controller: for every Service with a selector, an Endpoints object
//! listing the selected pods: ready ones under `addresses`, the others under
//! `notReadyAddresses` (all under `addresses` with publishNotReadyAddresses), ports
//! resolved from named targetPorts, `hostname` where the pod's subdomain is the
//! Service (the real ShouldSetHostname rule). ekka's k8s discovery reads exactly these.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::names;
use super::queue::Reconciler;
use crate::resources::Res;
use crate::store::{EventType, Store, WatchEvent};

type Key = (String, String);

/// Each namespace's pods (by name) and their labels, kept from the pod events, as the
/// real controller selects pods from its informer's cache: a Service's reconcile then
/// reads the pods it selects, not a copy of every pod in the namespace taken under the
/// store's lock on every pod change (issue 23).
type PodLabels = HashMap<String, BTreeMap<String, Map<String, Value>>>;

#[derive(Default)]
pub struct EndpointsController {
    pods: PodLabels,
}

impl EndpointsController {
    fn observe(&mut self, pod: &Value, gone: bool) {
        let (ns, name) = (names::namespace(pod), names::name(pod));
        if gone {
            if let Some(in_ns) = self.pods.get_mut(ns) {
                in_ns.remove(name);
                if in_ns.is_empty() {
                    self.pods.remove(ns);
                }
            }
            return;
        }
        self.pods
            .entry(ns.to_string())
            .or_default()
            .insert(name.to_string(), names::labels(pod));
    }
}

fn service_keys(store: &Store, ns: &str) -> Vec<Key> {
    store
        .list(Res::Service, Some(ns))
        .0
        .iter()
        .map(|s| (ns.to_string(), names::name(s).to_string()))
        .collect()
}

impl Reconciler for EndpointsController {
    type Key = Key;

    fn keys_for(&mut self, store: &Store, event: &WatchEvent) -> Vec<Key> {
        match event.res {
            Res::Service | Res::Endpoints => vec![(
                event.namespace.clone(),
                names::name(&event.object).to_string(),
            )],
            Res::Pod => {
                self.observe(&event.object, event.kind == EventType::Deleted);
                service_keys(store, &event.namespace)
            }
            _ => Vec::new(),
        }
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        self.pods.clear();
        for pod in store.list(Res::Pod, None).0 {
            self.observe(&pod, false);
        }
        store
            .list(Res::Service, None)
            .0
            .iter()
            .map(|s| (names::namespace(s).to_string(), names::name(s).to_string()))
            .collect()
    }

    fn reconcile(&mut self, store: &Arc<Store>, (ns, name): &Key) -> Option<Duration> {
        let Some(service) = store.get(Res::Service, ns, name) else {
            // Endpoints live and die with their Service (those we manage have no owner).
            if store
                .get(Res::Endpoints, ns, name)
                .is_some_and(|e| !is_unmanaged(&e))
            {
                let _ = store.delete(Res::Endpoints, ns, name);
            }
            return None;
        };
        let selector = service["spec"]["selector"]
            .as_object()
            .filter(|s| !s.is_empty())?;
        let subsets = subsets(store, &self.pods, &service, selector);
        let mut labels = names::labels(&service);
        if service["spec"]["clusterIP"] == "None" {
            labels.insert("service.kubernetes.io/headless".into(), json!(""));
        }
        let now = store.clock().now_rfc3339();
        match store.get(Res::Endpoints, ns, name) {
            None => {
                let mut e = json!({
                    "apiVersion": "v1",
                    "kind": "Endpoints",
                    "metadata": {"name": name, "namespace": ns, "labels": labels},
                });
                if !subsets.is_empty() {
                    e["metadata"]["annotations"] =
                        json!({"endpoints.kubernetes.io/last-change-trigger-time": now});
                    e["subsets"] = json!(subsets);
                }
                let _ = store.create(Res::Endpoints, e);
            }
            Some(_) => {
                store.mutate(Res::Endpoints, ns, name, |e| {
                    let current = e.get("subsets").cloned().unwrap_or(json!([]));
                    let same = current == json!(subsets) && e["metadata"]["labels"] == json!(labels);
                    if same {
                        return false;
                    }
                    e["metadata"]["labels"] = json!(labels);
                    if subsets.is_empty() {
                        if let Some(m) = e.as_object_mut() {
                            m.remove("subsets");
                        }
                    } else {
                        e["subsets"] = json!(subsets);
                    }
                    if !e["metadata"]["annotations"].is_object() {
                        e["metadata"]["annotations"] = json!({});
                    }
                    e["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] = json!(now);
                    true
                });
            }
        }
        None
    }
}

/// Endpoints someone else maintains (the `kubernetes` Service's, or hand-made ones for
/// Services without selectors).
fn is_unmanaged(e: &Value) -> bool {
    e["metadata"]["labels"]["endpointslice.kubernetes.io/skip-mirror"] == "true"
}

fn subsets(
    store: &Store,
    known: &PodLabels,
    service: &Value,
    selector: &Map<String, Value>,
) -> Vec<Value> {
    let publish_not_ready = service["spec"]["publishNotReadyAddresses"] == json!(true);
    let service_name = names::name(service);
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    let mut ports: Option<Vec<Value>> = None;
    let ns = names::namespace(service);
    // Selected by the labels last seen, then read and checked again as stored now.
    let mut pods: Vec<Value> = known
        .get(ns)
        .into_iter()
        .flatten()
        .filter(|(_, labels)| names::map_selector_matches(selector, labels))
        .filter_map(|(name, _)| store.get(Res::Pod, ns, name))
        .filter(|p| names::map_selector_matches(selector, &names::labels(p)))
        .collect();
    pods.sort_by_key(pod_ip);
    for pod in &pods {
        let Some(ip) = pod["status"]["podIP"].as_str().filter(|ip| !ip.is_empty()) else {
            continue;
        };
        if matches!(names::pod_phase(pod), "Succeeded" | "Failed") {
            continue;
        }
        if names::is_deleting(pod) && !publish_not_ready {
            continue;
        }
        let mut address = json!({"ip": ip});
        let hostname = pod["spec"]["hostname"].as_str().filter(|h| !h.is_empty());
        if let Some(h) = hostname
            && pod["spec"]["subdomain"] == service_name
        {
            address["hostname"] = json!(h);
        }
        if let Some(node) = pod["spec"]["nodeName"].as_str() {
            address["nodeName"] = json!(node);
        }
        address["targetRef"] = json!({
            "kind": "Pod",
            "namespace": names::namespace(pod),
            "name": names::name(pod),
            "uid": names::uid(pod),
        });
        if ports.is_none() {
            ports = Some(resolve_ports(service, pod));
        }
        if publish_not_ready || names::pod_is_ready(pod) {
            ready.push(address);
        } else {
            not_ready.push(address);
        }
    }
    if ready.is_empty() && not_ready.is_empty() {
        return Vec::new();
    }
    let mut subset = json!({"ports": ports.unwrap_or_default()});
    if !ready.is_empty() {
        subset["addresses"] = json!(ready);
    }
    if !not_ready.is_empty() {
        subset["notReadyAddresses"] = json!(not_ready);
    }
    vec![subset]
}

fn pod_ip(pod: &Value) -> Vec<u32> {
    pod["status"]["podIP"]
        .as_str()
        .unwrap_or("")
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Service ports with targetPort names turned into the pod's container port numbers.
fn resolve_ports(service: &Value, pod: &Value) -> Vec<Value> {
    let container_ports: Vec<&Value> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .collect();
    service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let number = match &p["targetPort"] {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => match s.parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => container_ports
                        .iter()
                        .find(|c| c["name"] == s.as_str())
                        .and_then(|c| c["containerPort"].as_i64()),
                },
                _ => p["port"].as_i64(),
            }?;
            let mut port =
                json!({"port": number, "protocol": p["protocol"].as_str().unwrap_or("TCP")});
            if let Some(name) = p["name"].as_str() {
                port["name"] = json!(name);
            }
            if let Some(app) = p.get("appProtocol") {
                port["appProtocol"] = app.clone();
            }
            Some(port)
        })
        .collect()
}
