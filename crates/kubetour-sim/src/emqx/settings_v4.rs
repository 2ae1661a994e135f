//! 4.x (cuttlefish, EMQX 4.4.19) configuration generation from `EMQX_*` env vars.
//!
//! Phases as cuttlefish runs them: env overrides → `transform_datatypes` (enum checks)
//! → `apply_translations` (`ekka.cluster_discovery`: a `function_clause` for a strategy
//! it has no clause for, a missing-setting error for required k8s keys). A failure prints
//! the error lines on stderr, then `bin/emqx` echoes cuttlefish's captured stdout: one
//! `key = "value"` line per recognised override, alphabetically (EMQX.md §1.2). Env vars
//! that match no mapping are silently ignored (so the 5.x name
//! `EMQX_CLUSTER__DISCOVERY_STRATEGY` is a no-op and the node stays `manual`).

use std::time::Duration;

use super::erl;
use super::line::{BootFailure, Level, Line, Stream};
use super::settings::{
    AddressType, DEFAULT_COOKIE, Env, K8sSettings, Override, Role, Settings, Strategy, env_to_path,
    lookup, parse_duration,
};

/// The `cluster.*` keys of the 4.4 schema (`priv/emqx.schema`). Other roots are taken as
/// known: the model does not carry the whole 4.x schema.
const CLUSTER_KEYS: [&str; 20] = [
    "cluster.name",
    "cluster.discovery",
    "cluster.autoclean",
    "cluster.autoheal",
    "cluster.proto_dist",
    "cluster.static.seeds",
    "cluster.mcast.addr",
    "cluster.mcast.ports",
    "cluster.mcast.iface",
    "cluster.mcast.ttl",
    "cluster.mcast.loop",
    "cluster.dns.name",
    "cluster.dns.app",
    "cluster.dns.type",
    "cluster.k8s.apiserver",
    "cluster.k8s.service_name",
    "cluster.k8s.address_type",
    "cluster.k8s.app_name",
    "cluster.k8s.namespace",
    "cluster.k8s.suffix",
];

/// Enum-typed keys checked in `transform_datatypes`.
const ENUMS: [(&str, &[&str]); 2] = [
    ("cluster.k8s.address_type", &["ip", "dns", "hostname"]),
    ("cluster.dns.type", &["a", "srv"]),
];

/// Keys the k8s translation reads without a default, in the order it reads them.
const K8S_REQUIRED: [&str; 4] = [
    "cluster.k8s.apiserver",
    "cluster.k8s.service_name",
    "cluster.k8s.app_name",
    "cluster.k8s.namespace",
];

fn known(path: &str) -> bool {
    if path.starts_with("cluster.") {
        CLUSTER_KEYS.contains(&path) || path.starts_with("cluster.etcd.")
    } else {
        true
    }
}

fn error(text: impl Into<String>) -> Line {
    Line::logged(Stream::Stderr, Level::Error, text)
}

pub(crate) fn generate(env: &Env) -> Result<Settings, BootFailure> {
    let mut overrides: Vec<Override> = env
        .iter()
        .filter_map(|(name, value)| {
            let path = env_to_path(name)?;
            known(&path).then(|| Override {
                env: name.clone(),
                path,
                value: value.clone(),
            })
        })
        .collect();
    overrides.sort_by(|a, b| a.path.cmp(&b.path));

    let mut errors = datatype_errors(&overrides);
    if errors.is_empty() {
        errors = translation_errors(&overrides);
    }
    if !errors.is_empty() {
        let echoed = overrides
            .iter()
            .map(|o| Line::plain(Stream::Stdout, format!("{} = \"{}\"", o.path, o.value)));
        errors.extend(echoed);
        return Err(BootFailure {
            lines: errors,
            exit_code: 1,
        });
    }

    let get = |path: &str| lookup(&overrides, path);
    let strategy =
        Strategy::parse(get("cluster.discovery").unwrap_or("manual")).unwrap_or(Strategy::Manual);
    let k8s = (strategy == Strategy::K8s).then(|| K8sSettings {
        apiserver: get("cluster.k8s.apiserver").unwrap_or_default().to_string(),
        service_name: get("cluster.k8s.service_name")
            .unwrap_or_default()
            .to_string(),
        address_type: get("cluster.k8s.address_type")
            .and_then(AddressType::parse)
            .unwrap_or(AddressType::Ip),
        app_name: Some(get("cluster.k8s.app_name").unwrap_or_default().to_string()),
        namespace: get("cluster.k8s.namespace").unwrap_or_default().to_string(),
        suffix: get("cluster.k8s.suffix").unwrap_or_default().to_string(),
    });
    Ok(Settings {
        strategy,
        k8s,
        dns: None,
        role: Role::Core,
        cookie: get("node.cookie").unwrap_or(DEFAULT_COOKIE).to_string(),
        licence_key: None,
        dashboard_username: get("dashboard.default_user.login")
            .unwrap_or("admin")
            .to_string(),
        dashboard_password: get("dashboard.default_user.password")
            .unwrap_or("public")
            .to_string(),
        mgmt_app_id: get("management.default_application.id")
            .unwrap_or("admin")
            .to_string(),
        mgmt_app_secret: get("management.default_application.secret")
            .unwrap_or("public")
            .to_string(),
        autoclean: get("cluster.autoclean")
            .and_then(parse_duration)
            .unwrap_or(Duration::from_secs(300)),
        warnings: Vec::new(),
        overrides,
    })
}

fn datatype_errors(overrides: &[Override]) -> Vec<Line> {
    let mut lines = Vec::new();
    for (path, allowed) in ENUMS {
        let Some(value) = lookup(overrides, path) else {
            continue;
        };
        if allowed.contains(&value) {
            continue;
        }
        if lines.is_empty() {
            lines.push(error(
                "Error generating configuration in phase transform_datatypes",
            ));
        }
        lines.push(error(format!("Error transforming datatype for: {path}")));
        lines.push(error(format!(
            "{} is not a valid enum value, acceptable values are: {}",
            erl::string(value.as_bytes()),
            allowed.join(", ")
        )));
    }
    lines
}

fn translation_errors(overrides: &[Override]) -> Vec<Line> {
    let phase = || error("Error generating configuration in phase apply_translations");
    let discovery = lookup(overrides, "cluster.discovery").unwrap_or("manual");
    match discovery {
        "static" | "mcast" | "dns" | "etcd" | "manual" => Vec::new(),
        "k8s" => match K8S_REQUIRED
            .iter()
            .find(|key| lookup(overrides, key).is_none())
        {
            Some(missing) => vec![
                phase(),
                error(format!(
                    "Translation for 'ekka.cluster_discovery' expected to find setting '{missing}' but was missing"
                )),
            ],
            None => Vec::new(),
        },
        _ => vec![
            phase(),
            error("Error running translation for ekka.cluster_discovery, [error, function_clause]"),
        ],
    }
}

#[cfg(test)]
#[path = "settings_v4_tests.rs"]
mod tests;
