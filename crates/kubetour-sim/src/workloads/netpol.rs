//! NetworkPolicy ingress, as an enforcing CNI applies it, for one purpose only: whether
//! a joining EMQX node's pod may open a TCP connection to a peer's Erlang distribution
//! port (P19). Nothing else in the simulator looks at policies: Services, DNS, MQTT,
//! port-forward and the API server ignore them. Egress policies are not modelled.
//!
//! Rules (networking.k8s.io/v1): a pod selected by no policy with `Ingress` in its
//! `policyTypes` (absent `policyTypes` means `Ingress`, plus `Egress` when an `egress`
//! section is present) accepts everything. A selected pod accepts a connection only when
//! some ingress rule of some selecting policy admits both the source and the port; rules
//! are additive, and a policy with no rules denies all ingress to the pods it selects.

use serde_json::Value;

use crate::api::selector::LabelSelector;

/// Whether `to` (a pod) accepts TCP on `port` from `from` (a pod), given the policies of
/// `to`'s namespace and every namespace object (for `namespaceSelector`).
pub fn admits(
    policies: &[Value],
    namespaces: &[Value],
    from: &Value,
    to: &Value,
    port: u32,
) -> bool {
    let to_ns = to["metadata"]["namespace"].as_str().unwrap_or("");
    let selecting: Vec<&Value> = policies
        .iter()
        .filter(|p| p["metadata"]["namespace"].as_str() == Some(to_ns))
        .filter(|p| governs_ingress(p))
        .filter(|p| selector(&p["spec"]["podSelector"]).matches_labels(labels(to)))
        .collect();
    if selecting.is_empty() {
        return true;
    }
    selecting.iter().any(|p| {
        p["spec"]["ingress"].as_array().is_some_and(|rules| {
            rules.iter().any(|rule| {
                source_admitted(rule, p, namespaces, from) && port_admitted(rule, to, port)
            })
        })
    })
}

fn labels(object: &Value) -> Option<&Value> {
    object["metadata"].get("labels")
}

fn selector(sel: &Value) -> LabelSelector {
    if sel.is_object() {
        LabelSelector::from_object(sel)
    } else {
        // An absent selector in a peer selects nothing more than `{}` would: every pod.
        LabelSelector::from_object(&Value::Object(Default::default()))
    }
}

fn governs_ingress(policy: &Value) -> bool {
    match policy["spec"]["policyTypes"].as_array() {
        Some(types) => types.iter().any(|t| t.as_str() == Some("Ingress")),
        None => true,
    }
}

/// An absent or empty `from` admits every source; otherwise one peer must match.
fn source_admitted(rule: &Value, policy: &Value, namespaces: &[Value], from: &Value) -> bool {
    let Some(peers) = rule["from"].as_array().filter(|p| !p.is_empty()) else {
        return true;
    };
    let policy_ns = policy["metadata"]["namespace"].as_str().unwrap_or("");
    let from_ns = from["metadata"]["namespace"].as_str().unwrap_or("");
    peers.iter().any(|peer| {
        if let Some(block) = peer.get("ipBlock") {
            return ip_in_block(from["status"]["podIP"].as_str().unwrap_or(""), block);
        }
        let ns_ok = match peer.get("namespaceSelector") {
            Some(sel) => namespaces
                .iter()
                .find(|n| n["metadata"]["name"].as_str() == Some(from_ns))
                .is_some_and(|n| selector(sel).matches_labels(labels(n))),
            None => from_ns == policy_ns,
        };
        let pod_ok = match peer.get("podSelector") {
            Some(sel) => selector(sel).matches_labels(labels(from)),
            None => true,
        };
        ns_ok && pod_ok
    })
}

/// An absent or empty `ports` admits every port; otherwise one entry must match (TCP, a
/// number, a range with `endPort`, or a named container port of the destination pod).
fn port_admitted(rule: &Value, to: &Value, port: u32) -> bool {
    let Some(ports) = rule["ports"].as_array().filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| {
        if p["protocol"].as_str().is_some_and(|proto| proto != "TCP") {
            return false;
        }
        match &p["port"] {
            Value::Null => true,
            Value::Number(n) => {
                let start = n.as_u64().unwrap_or(0);
                let end = p["endPort"].as_u64().unwrap_or(start);
                (start..=end).contains(&u64::from(port))
            }
            Value::String(name) => named_port(to, name) == Some(port),
            _ => false,
        }
    })
}

fn named_port(pod: &Value, name: &str) -> Option<u32> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .filter_map(|c| c["ports"].as_array())
        .flatten()
        .find(|p| p["name"].as_str() == Some(name))
        .and_then(|p| p["containerPort"].as_u64())
        .and_then(|n| u32::try_from(n).ok())
}

/// IPv4 CIDR membership, minus the `except` blocks. An address or CIDR that does not
/// parse matches nothing.
fn ip_in_block(ip: &str, block: &Value) -> bool {
    let Ok(ip) = ip.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let inside = |cidr: &str| -> bool {
        let Some((net, len)) = cidr.split_once('/') else {
            return false;
        };
        let (Ok(net), Ok(len)) = (net.parse::<std::net::Ipv4Addr>(), len.parse::<u32>()) else {
            return false;
        };
        if len > 32 {
            return false;
        }
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        u32::from(ip) & mask == u32::from(net) & mask
    };
    let excepted = block["except"]
        .as_array()
        .is_some_and(|e| e.iter().filter_map(Value::as_str).any(inside));
    block["cidr"].as_str().is_some_and(inside) && !excepted
}

#[cfg(test)]
#[path = "netpol_tests.rs"]
mod tests;
