//! The docker entrypoint's node-name derivation and `bin/emqx`'s name handling
//! (EMQX.md §1.3), for one container start.
//!
//! `run_entrypoint` takes the container env and the pod facts and returns the env the
//! EMQX process sees (entrypoint defaults exported, `EMQX_NODE_NAME` copied into
//! `EMQX_NODE__NAME` and `EMQX_NODE_COOKIE` into `EMQX_NODE__COOKIE` as `bin/emqx` does)
//! and the node name, or the silent exit of the `hostname` branch.

use regex::Regex;

use super::line::{BootFailure, Line, Stream};
use super::settings::Env;
use super::version::{Family, Version};

/// What the container can see of its pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodFacts {
    /// `$(hostname)`: spec.hostname or the pod name.
    pub hostname: String,
    /// `hostname -i`: the pod IP.
    pub pod_ip: String,
    /// The kubelet-managed /etc/hosts (see [`etc_hosts`]).
    pub etc_hosts: String,
}

impl PodFacts {
    /// Pod facts with the /etc/hosts the kubelet writes; `fqdn` is
    /// `<hostname>.<subdomain>.<ns>.svc.<cluster domain>` when the pod has both a hostname
    /// and a subdomain (StatefulSet pods with a serviceName), else None.
    pub fn new(hostname: &str, pod_ip: &str, fqdn: Option<&str>) -> PodFacts {
        PodFacts {
            hostname: hostname.to_string(),
            pod_ip: pod_ip.to_string(),
            etc_hosts: etc_hosts(hostname, pod_ip, fqdn),
        }
    }
}

/// The kubelet's managed hosts file (`pkg/kubelet/kubelet_pods.go`).
pub fn etc_hosts(hostname: &str, pod_ip: &str, fqdn: Option<&str>) -> String {
    let own = match fqdn {
        Some(fqdn) => format!("{pod_ip}\t{fqdn}\t{hostname}"),
        None => format!("{pod_ip}\t{hostname}"),
    };
    format!(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{own}\n"
    )
}

/// The result of the entrypoint and of `bin/emqx`'s env renames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint {
    pub env: Env,
    pub node_name: String,
}

/// 4.x entrypoint defaults (`deploy/docker/docker-entrypoint.sh`, from memory of the
/// script: the listener values are not in EMQX.md), plus the image's `EMQX_LOG__TO`
/// which EMQX.md shows among the echoed cuttlefish lines.
const V4_DEFAULTS: [(&str, &str); 12] = [
    ("EMQX_NODE__PROCESS_LIMIT", "2097152"),
    ("EMQX_NODE__MAX_PORTS", "1048576"),
    ("EMQX_LISTENER__TCP__EXTERNAL__ACCEPTORS", "64"),
    ("EMQX_LISTENER__TCP__EXTERNAL__MAX_CONNECTIONS", "1024000"),
    ("EMQX_LISTENER__SSL__EXTERNAL__ACCEPTORS", "32"),
    ("EMQX_LISTENER__SSL__EXTERNAL__MAX_CONNECTIONS", "102400"),
    ("EMQX_LISTENER__WS__EXTERNAL__ACCEPTORS", "16"),
    ("EMQX_LISTENER__WS__EXTERNAL__MAX_CONNECTIONS", "102400"),
    ("EMQX_LISTENER__WSS__EXTERNAL__ACCEPTORS", "16"),
    ("EMQX_LISTENER__WSS__EXTERNAL__MAX_CONNECTIONS", "102400"),
    ("EMQX_RPC__PORT_DISCOVERY", "manual"),
    ("EMQX_LOG__TO", "console"),
];

const V5_DEFAULTS: [(&str, &str); 1] = [("EMQX_RPC__PORT_DISCOVERY", "manual")];

fn get<'a>(env: &'a Env, name: &str) -> &'a str {
    env.get(name).map(String::as_str).unwrap_or("")
}

/// Runs the entrypoint's naming logic and `bin/emqx`'s renames.
pub fn run_entrypoint(
    version: &Version,
    env: &Env,
    pod: &PodFacts,
) -> Result<Entrypoint, BootFailure> {
    let family = version.family();
    let mut env = env.clone();
    let defaults: &[(&str, &str)] = match family {
        Family::V4 => &V4_DEFAULTS,
        Family::V5 => &V5_DEFAULTS,
    };
    for (name, value) in defaults {
        env.entry(name.to_string())
            .or_insert_with(|| value.to_string());
    }
    let (strategy_var, dns_type_var, default_name) = match family {
        Family::V4 => (
            "EMQX_CLUSTER__DISCOVERY",
            "EMQX_CLUSTER__DNS__TYPE",
            pod.hostname.as_str(),
        ),
        Family::V5 => (
            "EMQX_CLUSTER__DISCOVERY_STRATEGY",
            "EMQX_CLUSTER__DNS__RECORD_TYPE",
            "emqx",
        ),
    };
    // 5.x skips the whole derivation when a node name is given either way; 4.x derives
    // EMQX_NODE_NAME unless that one is set (it then overrides EMQX_NODE__NAME).
    let skip = match family {
        Family::V4 => !get(&env, "EMQX_NODE_NAME").is_empty(),
        Family::V5 => {
            !get(&env, "EMQX_NODE_NAME").is_empty() || !get(&env, "EMQX_NODE__NAME").is_empty()
        }
    };
    if !skip {
        let name = match get(&env, "EMQX_NAME") {
            "" => default_name.to_string(),
            n => n.to_string(),
        };
        let host = match get(&env, "EMQX_HOST") {
            "" => derive_host(&env, pod, strategy_var, dns_type_var)?,
            h => h.to_string(),
        };
        env.insert("EMQX_NODE_NAME".into(), format!("{name}@{host}"));
    }
    // bin/emqx: the single-underscore names win over the double-underscore ones.
    for (old, new) in [
        ("EMQX_NODE_NAME", "EMQX_NODE__NAME"),
        ("EMQX_NODE_COOKIE", "EMQX_NODE__COOKIE"),
    ] {
        if let Some(value) = env.remove(old).filter(|v| !v.is_empty()) {
            env.insert(new.into(), value);
        }
    }
    let node_name = get(&env, "EMQX_NODE__NAME").to_string();
    Ok(Entrypoint { env, node_name })
}

fn derive_host(
    env: &Env,
    pod: &PodFacts,
    strategy_var: &str,
    dns_type_var: &str,
) -> Result<String, BootFailure> {
    let strategy = get(env, strategy_var);
    let address_type = get(env, "EMQX_CLUSTER__K8S__ADDRESS_TYPE");
    let namespace = get(env, "EMQX_CLUSTER__K8S__NAMESPACE");
    let suffix = get(env, "EMQX_CLUSTER__K8S__SUFFIX");
    let dns_name = get(env, "EMQX_CLUSTER__DNS__NAME");
    let srv_host = format!("{}.{dns_name}", pod.hostname);
    // `grep -q "$(hostname).$EMQX_CLUSTER__DNS__NAME" /etc/hosts` (a failure here only
    // skips the branch: it is an `if` condition).
    if strategy == "dns"
        && get(env, dns_type_var) == "srv"
        && grep(&srv_host, &pod.etc_hosts).is_some()
    {
        return Ok(srv_host);
    }
    if strategy == "k8s" && address_type == "dns" && !namespace.is_empty() {
        // The suffix default is a shell variable only, never exported (EMQX.md §1.3).
        let suffix = if suffix.is_empty() {
            "pod.cluster.local"
        } else {
            suffix
        };
        return Ok(format!(
            "{}.{namespace}.{suffix}",
            pod.pod_ip.replace('.', "-")
        ));
    }
    if strategy == "k8s" && address_type == "hostname" && !namespace.is_empty() {
        let suffix = if suffix.is_empty() {
            "svc.cluster.local"
        } else {
            suffix
        };
        let own_lines: String = pod
            .etc_hosts
            .lines()
            .filter(|l| grep(&format!("^{}", pod.pod_ip), l).is_some())
            .map(|l| format!("{l}\n"))
            .collect();
        let pattern = format!("{}.*.{namespace}.{suffix}", pod.hostname);
        // `set -e` + a failing grep in `$(…)`: exit 1, nothing printed.
        return grep(&pattern, &own_lines).ok_or(BootFailure {
            lines: Vec::new(),
            exit_code: 1,
        });
    }
    Ok(pod.pod_ip.clone())
}

/// `grep -o PATTERN` over `text` (basic regex: `.` any character, `*` repeat, `^` anchor,
/// everything else literal): the first match, if any.
fn grep(pattern: &str, text: &str) -> Option<String> {
    let mut re = String::from("(?m)");
    for c in pattern.chars() {
        match c {
            '.' => re.push_str("[^\\n]"),
            '*' | '^' => re.push(c),
            _ => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    let re = Regex::new(&re).ok()?;
    re.find(text).map(|m| m.as_str().to_string())
}

/// `bin/emqx`'s node-name check: the short name must match `^[0-9A-Za-z_-]+$`.
pub fn validate_node_name(version: &Version, node_name: &str) -> Result<(), BootFailure> {
    let short = node_name.split('@').next().unwrap_or("");
    let ok = !short.is_empty()
        && short
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        return Ok(());
    }
    let message = "Invalid node name, should be of format '^[0-9A-Za-z_-]+$'.";
    let text = match version.family() {
        Family::V4 => message.to_string(),
        Family::V5 => format!("ERROR: {message}"),
    };
    Err(BootFailure {
        lines: vec![Line::plain(Stream::Stderr, text)],
        exit_code: 1,
    })
}

/// The Erlang distribution port: 4370 + the trailing integer of the short name
/// (`ekka_dist:port/1`), so `emqx-2@…` listens on 4372.
pub fn dist_port(node_name: &str) -> u32 {
    let short = node_name.split('@').next().unwrap_or("");
    let digits_start = short
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let offset: u32 = short[digits_start..].parse().unwrap_or(0);
    4370u32.saturating_add(offset)
}

#[cfg(test)]
#[path = "nodename_tests.rs"]
mod tests;
