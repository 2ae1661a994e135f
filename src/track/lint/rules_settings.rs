//! Rules about EMQX_* settings themselves: names, values, and which EMQX version they
//! belong to (EMQX.md §1).

use super::emqx::{Setting, all_settings, emqx_containers};
use super::input::LintSet;
use super::{Finding, Rule};

/// Setting names kubetour knows, from both versions. Used to suggest the right spelling.
const KNOWN: &[&str] = &[
    "EMQX_CLUSTER__DISCOVERY",
    "EMQX_CLUSTER__DISCOVERY_STRATEGY",
    "EMQX_CLUSTER__K8S__APISERVER",
    "EMQX_CLUSTER__K8S__SERVICE_NAME",
    "EMQX_CLUSTER__K8S__ADDRESS_TYPE",
    "EMQX_CLUSTER__K8S__APP_NAME",
    "EMQX_CLUSTER__K8S__NAMESPACE",
    "EMQX_CLUSTER__K8S__SUFFIX",
    "EMQX_CLUSTER__DNS__NAME",
    "EMQX_CLUSTER__DNS__TYPE",
    "EMQX_CLUSTER__DNS__RECORD_TYPE",
    "EMQX_CLUSTER__STATIC__SEEDS",
    "EMQX_NODE__NAME",
    "EMQX_NODE__COOKIE",
    "EMQX_NODE__DATA_DIR",
    "EMQX_LOG__LEVEL",
    "EMQX_LOG__CONSOLE__LEVEL",
    "EMQX_DASHBOARD__DEFAULT_USERNAME",
    "EMQX_DASHBOARD__DEFAULT_PASSWORD",
    "EMQX_LICENSE__KEY",
];

/// Names the Docker entrypoint reads itself, where single underscores are right.
const ENTRYPOINT_NAMES: &[&str] = &[
    "EMQX_NAME",
    "EMQX_HOST",
    "EMQX_NODE_NAME",
    "EMQX_NODE_COOKIE",
    "EMQX_LOADED_PLUGINS",
    "EMQX_LOADED_MODULES",
    "EMQX_WAIT_TIME",
];

pub const DISCOVERY_VALUE: Rule = Rule {
    id: "discovery-strategy",
    pitfall: Some("P3"),
    check: discovery_value,
};

fn discovery_value(set: &LintSet) -> Vec<Finding> {
    const VALID: [&str; 7] = [
        "manual",
        "static",
        "mcast",
        "dns",
        "etcd",
        "k8s",
        "singleton",
    ];
    let keys = [
        "EMQX_CLUSTER__DISCOVERY",
        "EMQX_CLUSTER__DISCOVERY_STRATEGY",
    ];
    all_settings(set)
        .into_iter()
        .filter(|s| keys.contains(&s.name.as_str()))
        .filter_map(|s| {
            let value = s.value.clone()?;
            if VALID.contains(&value.as_str()) {
                return None;
            }
            let fix = if value == "kubernetes" {
                "Write `k8s`: EMQX has no strategy called `kubernetes`".to_string()
            } else {
                format!("Use one of: {}", VALID.join(", "))
            };
            Some(finding(
                &DISCOVERY_VALUE,
                &s,
                format!(
                    "{} is `{value}`, which EMQX refuses at start-up (the pod crash-loops)",
                    s.name
                ),
                fix,
            ))
        })
        .collect()
}

pub const NAMES_FOR_VERSION: Rule = Rule {
    id: "setting-version",
    pitfall: Some("P4"),
    check: names_for_version,
};

fn names_for_version(set: &LintSet) -> Vec<Finding> {
    // (name, the version it belongs to, its name in the other version)
    const ONLY: &[(&str, u32, &str)] = &[
        (
            "EMQX_CLUSTER__DISCOVERY",
            4,
            "EMQX_CLUSTER__DISCOVERY_STRATEGY",
        ),
        (
            "EMQX_CLUSTER__K8S__APP_NAME",
            4,
            "nothing: EMQX 5 takes the prefix of its own node name (EMQX_NAME, default `emqx`)",
        ),
        (
            "EMQX_CLUSTER__DNS__TYPE",
            4,
            "EMQX_CLUSTER__DNS__RECORD_TYPE",
        ),
        (
            "EMQX_CLUSTER__DISCOVERY_STRATEGY",
            5,
            "EMQX_CLUSTER__DISCOVERY",
        ),
        (
            "EMQX_CLUSTER__DNS__RECORD_TYPE",
            5,
            "EMQX_CLUSTER__DNS__TYPE",
        ),
    ];
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        let Some(major) = c.major() else { continue };
        let image_major = if major >= 5 { 5 } else { major };
        for s in &c.settings {
            let Some((name, belongs, other)) = ONLY.iter().find(|(n, _, _)| *n == s.name) else {
                continue;
            };
            if *belongs == image_major {
                continue;
            }
            let effect = if image_major == 5 {
                "EMQX 5 ignores it (with an `unknown_env_vars` warning)"
            } else {
                "EMQX 4 silently ignores it"
            };
            out.push(finding(&NAMES_FOR_VERSION, s,
                format!("{name} is an EMQX {belongs} setting but {} {} runs {}: {effect}, so the node never clusters", c.workload.kind, c.workload.name, c.image),
                format!("For EMQX {image_major} use {other}")));
        }
    }
    out
}

pub const SINGLE_UNDERSCORE: Rule = Rule {
    id: "setting-underscores",
    pitfall: Some("P4"),
    check: single_underscore,
};

fn single_underscore(set: &LintSet) -> Vec<Finding> {
    all_settings(set)
        .into_iter()
        .filter(|s| !ENTRYPOINT_NAMES.contains(&s.name.as_str()) && !KNOWN.contains(&s.name.as_str()))
        .filter_map(|s| {
            let collapsed = collapse(&s.name);
            if let Some(right) = KNOWN.iter().find(|k| collapse(k) == collapsed) {
                return Some(finding(&SINGLE_UNDERSCORE, &s,
                    format!("`{}` is not a setting EMQX reads: levels of a setting's path are separated by double underscores", s.name),
                    format!("Write `{right}`")));
            }
            let rest = s.name.strip_prefix("EMQX_")?;
            let root = rest.split("__").next().unwrap_or(rest);
            let suspicious = ["CLUSTER_", "NODE_", "LOG_", "DASHBOARD_", "LISTENERS_", "RPC_"]
                .iter()
                .any(|p| root.starts_with(p));
            suspicious.then(|| finding(&SINGLE_UNDERSCORE, &s,
                format!("`{}` looks like a setting path written with single underscores, which EMQX does not read", s.name),
                "Separate the levels of the path with `__`, e.g. EMQX_CLUSTER__K8S__SERVICE_NAME".to_string()))
        })
        .collect()
}

fn collapse(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out
}

pub const ADDRESS_TYPE: Rule = Rule {
    id: "address-type",
    pitfall: Some("P5"),
    check: address_type,
};

fn address_type(set: &LintSet) -> Vec<Finding> {
    all_settings(set)
        .into_iter()
        .filter(|s| s.name == "EMQX_CLUSTER__K8S__ADDRESS_TYPE")
        .filter_map(|s| {
            let value = s.value.clone()?;
            if ["ip", "dns", "hostname"].contains(&value.as_str()) {
                return None;
            }
            let fix = if value == "hosname" || value == "hostame" || value == "host" {
                "Write `hostname`".to_string()
            } else {
                "Use `ip` (Deployments) or `hostname` (a StatefulSet with a headless Service)".to_string()
            };
            Some(finding(&ADDRESS_TYPE, &s,
                format!("EMQX_CLUSTER__K8S__ADDRESS_TYPE is `{value}`; EMQX accepts only ip, dns or hostname and exits on anything else"),
                fix))
        })
        .collect()
}

pub const SUFFIX_SET: Rule = Rule {
    id: "k8s-suffix",
    pitfall: Some("P14"),
    check: suffix_set,
};

fn suffix_set(set: &LintSet) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in emqx_containers(set) {
        if c.strategy() != Some("k8s") {
            continue;
        }
        let address = c.value("EMQX_CLUSTER__K8S__ADDRESS_TYPE").unwrap_or("ip");
        if address == "ip" || c.get("EMQX_CLUSTER__K8S__SUFFIX").is_some() {
            continue;
        }
        let wanted = if address == "dns" {
            "pod.cluster.local"
        } else {
            "svc.cluster.local"
        };
        let where_ = c.configmaps.first().copied().unwrap_or(c.workload);
        out.push(Finding::at(&SUFFIX_SET, where_, where_.line_of("ADDRESS_TYPE"),
            format!("{} {} uses `{address}` addressing without EMQX_CLUSTER__K8S__SUFFIX: the image's entrypoint does not pass its default on, so discovered names never match the node's own name", c.workload.kind, c.workload.name),
            format!("Set EMQX_CLUSTER__K8S__SUFFIX to `{wanted}`")));
    }
    out
}

fn finding(rule: &Rule, s: &Setting, message: String, fix: impl Into<String>) -> Finding {
    Finding::at(rule, s.obj, s.line(), message, fix)
}
