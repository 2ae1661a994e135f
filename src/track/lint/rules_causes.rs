//! Causes of "Ready pods, no cluster" that a manifest shows (SPEC.md P11, P12, P17,
//! P18): a node name with a short host, a node name that discovery will never build,
//! cookies that differ between the EMQX workloads, discovery pointed at a Service or
//! namespace the manifests do not have.

use super::emqx::{EmqxContainer, Setting, emqx_containers, pod_spec};
use super::{Finding, LintSet, Rule};
use crate::track::ordered_yaml::Node;

pub const NODE_HOST: Rule = Rule {
    id: "short-node-host",
    pitfall: Some("P11"),
    check: short_node_host,
};

pub const NODE_NAME_VS_DISCOVERY: Rule = Rule {
    id: "node-name-vs-discovery",
    pitfall: Some("P12"),
    check: node_name_vs_discovery,
};

pub const COOKIES_DIFFER: Rule = Rule {
    id: "cookies-differ",
    pitfall: Some("P17"),
    check: cookies_differ,
};

pub const DISCOVERY_TARGET_EXISTS: Rule = Rule {
    id: "discovery-target",
    pitfall: Some("P18"),
    check: discovery_target_exists,
};

/// Where a node's host part comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    /// The pod name (`metadata.name`) or another name without a dot.
    Short(String),
    /// The pod IP (`status.podIP`) or a literal IPv4 address.
    Ip(String),
    /// A dotted host name.
    Name(String),
}

/// The host a container's node name will carry when it is set explicitly (EMQX_HOST,
/// or the part after `@` of EMQX_NODE_NAME / EMQX_NODE__NAME), and the setting.
fn explicit_host<'a, 'c>(c: &'c EmqxContainer<'a>) -> Option<(&'c Setting<'a>, Host)> {
    for name in ["EMQX_NODE_NAME", "EMQX_NODE__NAME", "EMQX_HOST"] {
        let Some(setting) = c.get(name) else {
            continue;
        };
        let host_text = match (&setting.value, name) {
            (Some(v), "EMQX_HOST") => v.clone(),
            (Some(v), _) => v.split_once('@')?.1.to_string(),
            (None, _) => format!("$({name})"),
        };
        return classify(c, &host_text).map(|h| (setting, h));
    }
    None
}

fn classify(c: &EmqxContainer, host: &str) -> Option<Host> {
    if let Some(var) = host.strip_prefix("$(").and_then(|h| h.strip_suffix(')')) {
        return match field_ref(c, var)?.as_str() {
            "metadata.name" => Some(Host::Short("the pod name (metadata.name)".into())),
            "status.podIP" => Some(Host::Ip("the pod IP (status.podIP)".into())),
            _ => None,
        };
    }
    if host.is_empty() || host.contains("$(") || host.contains("${") {
        return None;
    }
    let is_ipv4 = host.split('.').count() == 4
        && host
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()));
    Some(if is_ipv4 {
        Host::Ip(format!("`{host}`"))
    } else if !host.contains('.') {
        Host::Short(format!("`{host}`"))
    } else {
        Host::Name(format!("`{host}`"))
    })
}

/// The downward-API field an env var of the container is given, if any.
fn field_ref(c: &EmqxContainer, var: &str) -> Option<String> {
    let spec = pod_spec(c.workload)?;
    spec.get("containers")
        .map(Node::as_list)
        .unwrap_or_default()
        .iter()
        .filter(|k| k.get("image").and_then(Node::as_str) == Some(c.image.as_str()))
        .flat_map(|k| k.get("env").map(Node::as_list).unwrap_or_default())
        .find(|e| e.get("name").and_then(Node::as_str) == Some(var))?
        .path(&["valueFrom", "fieldRef", "fieldPath"])?
        .as_str()
        .map(str::to_string)
}

fn short_node_host(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if let Some((s, Host::Short(host))) = explicit_host(&c) {
            out.push(Finding::at(&NODE_HOST, s.obj, s.line(),
                format!("{} {}: {} makes the node's host part {host}, a short name other pods cannot resolve, so no node reaches another", c.workload.kind, c.workload.name, s.name),
                "Leave the node name to the entrypoint (unset EMQX_HOST / EMQX_NODE__NAME), or use the pod IP or the full DNS name <pod>.<headless service>.<namespace>.svc.cluster.local"));
        }
    }
    out
}

fn node_name_vs_discovery(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if c.strategy() != Some("k8s") {
            continue;
        }
        let address = c.value("EMQX_CLUSTER__K8S__ADDRESS_TYPE").unwrap_or("ip");
        let Some((s, host)) = explicit_host(&c) else {
            continue;
        };
        let clash = match (&host, address) {
            (Host::Ip(h), "hostname" | "dns") => Some(format!(
                "{} makes the node's host {h} while discovery (`{address}` addressing) builds host names",
                s.name
            )),
            (Host::Name(h), "ip") => Some(format!(
                "{} makes the node's host {h} while discovery (`ip` addressing) builds IP names",
                s.name
            )),
            _ => None,
        };
        if let Some(clash) = clash {
            out.push(Finding::at(&NODE_NAME_VS_DISCOVERY, s.obj, s.line(),
                format!("{} {}: {clash}: the names discovery finds belong to no node, so nobody joins", c.workload.kind, c.workload.name),
                "Unset EMQX_HOST / EMQX_NODE__NAME so the entrypoint names the node as discovery does, or change EMQX_CLUSTER__K8S__ADDRESS_TYPE to match"));
        }
    }
    out
}

/// The cookie a container's node starts with: `EMQX_NODE_COOKIE` wins over
/// `EMQX_NODE__COOKIE` (bin/emqx); None when it comes from elsewhere (a Secret).
fn cookie<'c, 'a>(c: &'c EmqxContainer<'a>) -> (Option<&'c Setting<'a>>, Option<String>) {
    let s = c
        .get("EMQX_NODE_COOKIE")
        .or_else(|| c.get("EMQX_NODE__COOKIE"));
    match s {
        Some(s) => (Some(s), s.value.clone()),
        None => (None, Some(String::new())),
    }
}

fn cookies_differ(set: &LintSet) -> Vec<Finding> {
    let containers: Vec<EmqxContainer> = emqx_containers(set)
        .into_iter()
        .filter(|c| c.strategy().is_some_and(|s| s != "manual"))
        .collect();
    let mut out = Vec::new();
    let Some(first) = containers.first() else {
        return out;
    };
    let (_, first_cookie) = cookie(first);
    for c in containers.iter().skip(1) {
        let (setting, value) = cookie(c);
        let (Some(a), Some(b)) = (&first_cookie, &value) else {
            continue;
        };
        if a == b {
            continue;
        }
        let (obj, line) = setting.map_or((c.workload, c.workload.line_of_key("kind")), |s| {
            (s.obj, s.line())
        });
        out.push(Finding::at(&COOKIES_DIFFER, obj, line,
            format!("{} {} and {} {} run EMQX with different Erlang cookies: nodes with different cookies refuse each other's connections", first.workload.kind, first.workload.name, c.workload.kind, c.workload.name),
            "Give every EMQX workload the same cookie (EMQX_NODE__COOKIE from one Secret)"));
    }
    out
}

fn discovery_target_exists(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    let services: Vec<&str> = set
        .objects
        .iter()
        .filter(|o| o.kind == "Service")
        .map(|o| o.name.as_str())
        .collect();
    for c in emqx_containers(set) {
        if c.strategy() != Some("k8s") {
            continue;
        }
        if let Some(s) = c.get("EMQX_CLUSTER__K8S__SERVICE_NAME")
            && let Some(name) = s.value.as_deref()
            && !services.is_empty()
            && !services.contains(&name)
        {
            out.push(Finding::at(&DISCOVERY_TARGET_EXISTS, s.obj, s.line(),
                format!("EMQX_CLUSTER__K8S__SERVICE_NAME is `{name}`, but no Service of that name is in these manifests ({}): discovery gets 404 Not Found and each node stays alone", services.join(", ")),
                "Name the Service that selects the EMQX pods (the headless one for a StatefulSet)"));
        }
        let own_ns = c
            .workload
            .body
            .path(&["metadata", "namespace"])
            .and_then(Node::as_str);
        if let Some(s) = c.get("EMQX_CLUSTER__K8S__NAMESPACE")
            && let (Some(ns), Some(own)) = (s.value.as_deref(), own_ns)
            && ns != own
        {
            out.push(Finding::at(&DISCOVERY_TARGET_EXISTS, s.obj, s.line(),
                format!("EMQX_CLUSTER__K8S__NAMESPACE is `{ns}`, but {} {} runs in namespace `{own}`: discovery asks for endpoints where there are none (404)", c.workload.kind, c.workload.name),
                format!("Set EMQX_CLUSTER__K8S__NAMESPACE to `{own}`")));
        }
    }
    out
}
