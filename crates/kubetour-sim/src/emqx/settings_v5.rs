//! 5.x (hocon, EMQX 5.7–5.8) configuration generation from `EMQX_*` env vars.
//!
//! - An env var under an unknown root (`EMQX_NAME`, `EMQX_HOST`, single-underscore names
//!   such as `EMQX_CLUSTER_DISCOVERY`, whose root is `cluster_discovery`) is ignored
//!   silently.
//! - An env var under the known root `cluster` with an unknown path (the 4.x names
//!   `EMQX_CLUSTER__DISCOVERY`, `EMQX_CLUSTER__K8S__APP_NAME`) gives the sorted
//!   `[warning] unknown_env_vars: [...]` line on stderr and is otherwise ignored.
//! - An invalid enum value fails `call_hocon … multi_get` with the escript exception
//!   block and `ERROR: call_hocon_failed: …`, exit 1 (EMQX.md §1.2).
//!
//! Only `cluster.*` paths are checked for being known; other roots are trusted.

use std::time::Duration;

use super::erl::Term;
use super::line::{BootFailure, Line, Stream};
use super::pretty;
use super::settings::{
    AddressType, DEFAULT_COOKIE, DnsSettings, Env, K8sSettings, Override, RecordType, Role,
    Settings, Strategy, env_to_path, lookup, parse_duration,
};
use super::version::Version;

/// Schema roots in schema order (emqx_conf_schema first, dashboard last). hocon's `-v`
/// lines come out in the reverse of this order (EMQX.md §7.1: dashboard first, then rpc,
/// cluster, node).
const ROOTS: [&str; 40] = [
    "node",
    "cluster",
    "log",
    "rpc",
    "mqtt",
    "zones",
    "flapping_detect",
    "force_shutdown",
    "force_gc",
    "conn_congestion",
    "overload_protection",
    "stats",
    "sysmon",
    "sys_topics",
    "limiter",
    "listeners",
    "authentication",
    "authorization",
    "durable_sessions",
    "durable_storage",
    "trace",
    "crl_cache",
    "banned",
    "psk_authentication",
    "retainer",
    "delayed",
    "exhook",
    "bridges",
    "connectors",
    "actions",
    "sources",
    "rule_engine",
    "gateway",
    "prometheus",
    "opentelemetry",
    "api_key",
    "license",
    "telemetry",
    "plugins",
    "dashboard",
];

const CLUSTER_PATHS: [&str; 15] = [
    "cluster.name",
    "cluster.discovery_strategy",
    "cluster.core_nodes",
    "cluster.autoclean",
    "cluster.autoheal",
    "cluster.proto_dist",
    "cluster.static.seeds",
    "cluster.dns.name",
    "cluster.dns.record_type",
    "cluster.k8s.apiserver",
    "cluster.k8s.service_name",
    "cluster.k8s.address_type",
    "cluster.k8s.namespace",
    "cluster.k8s.suffix",
    "cluster.etcd.server",
];

/// Atoms that surely exist in the VM when hocon checks an enum: such a value is reported
/// as `not_a_enum_symbol` with an atom, anything else as `unable_to_convert_to_enum_symbol`
/// with a binary (`hocon_schema_builtin:convert/2`).
const EXISTING_ATOMS: [&str; 16] = [
    "",
    "ip",
    "dns",
    "hostname",
    "k8s",
    "static",
    "manual",
    "etcd",
    "singleton",
    "a",
    "srv",
    "aaaa",
    "true",
    "false",
    "undefined",
    "core",
];

const SENSITIVE_SUFFIXES: [&str; 4] = ["password", "secret", "cookie", "license.key"];

fn cluster_path_known(path: &str) -> bool {
    CLUSTER_PATHS.contains(&path) || path.starts_with("cluster.etcd.")
}

fn root_rank(path: &str) -> Option<usize> {
    let root = path.split('.').next()?;
    ROOTS.iter().position(|r| *r == root)
}

pub(crate) fn generate(version: &Version, env: &Env) -> Result<Settings, BootFailure> {
    let mut overrides = Vec::new();
    let mut unknown = Vec::new();
    for (name, value) in env {
        let Some(path) = env_to_path(name) else {
            continue;
        };
        if root_rank(&path).is_none() {
            continue;
        }
        if path.starts_with("cluster.") && !cluster_path_known(&path) {
            unknown.push(name.clone());
            continue;
        }
        overrides.push(Override {
            env: name.clone(),
            path,
            value: hocon_value(value),
        });
    }
    // Reverse root order; within a root, by env name.
    overrides.sort_by(|a, b| {
        let (ra, rb) = (root_rank(&a.path), root_rank(&b.path));
        rb.cmp(&ra).then_with(|| a.env.cmp(&b.env))
    });

    let errors = validation_errors(version, &overrides);
    if !errors.is_empty() {
        return Err(escript_failure(errors));
    }

    let mut warnings = Vec::new();
    if !unknown.is_empty() {
        unknown.sort();
        // One line however long: EMQX.md quotes an 87-column line, so hocon does not
        // pretty-print this list.
        let list = Term::List(unknown.iter().map(|n| Term::str(n)).collect());
        warnings.push(Line::plain(
            Stream::Stderr,
            format!("[warning] unknown_env_vars: {}", list.write()),
        ));
    }

    let get = |path: &str| lookup(&overrides, path);
    let strategy = get("cluster.discovery_strategy")
        .and_then(Strategy::parse)
        .unwrap_or(Strategy::Manual);
    let k8s = (strategy == Strategy::K8s).then(|| K8sSettings {
        apiserver: get("cluster.k8s.apiserver")
            .unwrap_or("https://kubernetes.default.svc:443")
            .to_string(),
        service_name: get("cluster.k8s.service_name")
            .unwrap_or("emqx")
            .to_string(),
        address_type: get("cluster.k8s.address_type")
            .and_then(AddressType::parse)
            .unwrap_or(AddressType::Ip),
        app_name: None,
        namespace: get("cluster.k8s.namespace")
            .unwrap_or("default")
            .to_string(),
        suffix: get("cluster.k8s.suffix").unwrap_or("pod.local").to_string(),
    });
    let dns = (strategy == Strategy::Dns).then(|| DnsSettings {
        name: get("cluster.dns.name").unwrap_or("localhost").to_string(),
        record_type: get("cluster.dns.record_type")
            .and_then(RecordType::parse)
            .unwrap_or(RecordType::A),
    });
    let role = match get("node.role").or_else(|| get("node.db_role")) {
        Some("replicant") => Role::Replicant,
        _ => Role::Core,
    };
    Ok(Settings {
        strategy,
        k8s,
        dns,
        role,
        cookie: get("node.cookie").unwrap_or(DEFAULT_COOKIE).to_string(),
        licence_key: get("license.key").map(str::to_string),
        dashboard_username: get("dashboard.default_username")
            .unwrap_or("admin")
            .to_string(),
        dashboard_password: get("dashboard.default_password")
            .unwrap_or("public")
            .to_string(),
        mgmt_app_id: String::new(),
        mgmt_app_secret: String::new(),
        autoclean: get("cluster.autoclean")
            .and_then(parse_duration)
            .unwrap_or(Duration::from_secs(24 * 3600)),
        warnings,
        overrides,
    })
}

/// An env value as hocon reads it: a quoted string loses its quotes (`"k8s"` → `k8s`).
fn hocon_value(raw: &str) -> String {
    let trimmed = raw.trim();
    trimmed
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(trimmed)
        .to_string()
}

/// hocon's `-v` line for an override: `EMQX_NODE__NAME [node.name]: emqx@…`, sensitive
/// values as `******`.
pub fn override_line(o: &Override) -> String {
    let sensitive = SENSITIVE_SUFFIXES.iter().any(|s| o.path.ends_with(s));
    let value = if sensitive {
        "******"
    } else {
        o.value.as_str()
    };
    format!("{} [{}]: {}", o.env, o.path, value)
}

fn validation_errors(version: &Version, overrides: &[Override]) -> Vec<Term> {
    let strategies: &[&str] = if version.has_singleton_strategy() {
        &["manual", "static", "singleton", "dns", "etcd", "k8s"]
    } else {
        &["manual", "static", "dns", "etcd", "k8s"]
    };
    let enums: [(&str, &[&str]); 3] = [
        ("cluster.discovery_strategy", strategies),
        ("cluster.dns.record_type", &["a", "srv", "aaaa"]),
        ("cluster.k8s.address_type", &["ip", "dns", "hostname"]),
    ];
    // hocon checks roots in schema order: `node` before `cluster`.
    let mut errors: Vec<Term> = role_error(version, overrides).into_iter().collect();
    for (path, allowed) in enums {
        let Some(value) = lookup(overrides, path) else {
            continue;
        };
        if allowed.contains(&value) {
            continue;
        }
        let (reason, value) = if EXISTING_ATOMS.contains(&value) {
            ("not_a_enum_symbol", Term::atom(value))
        } else {
            ("unable_to_convert_to_enum_symbol", Term::bin(value))
        };
        errors.push(validation_error(Term::atom(reason), value, path));
    }
    errors
}

fn validation_error(reason: Term, value: Term, path: &str) -> Term {
    // OTP 26 prints these small atom-keyed maps in internal (atom index) order, which
    // the operator issue shows as reason, value, path, kind.
    Term::Map(vec![
        (Term::atom("reason"), reason),
        (Term::atom("value"), value),
        (Term::atom("path"), Term::str(path)),
        (Term::atom("kind"), Term::atom("validation_error")),
    ])
}

/// `node.role` (alias `node.db_role`): `validate_node_role/1`, a user validator, runs
/// before hocon's enum check, so its thrown string is the reason. The allowed roles are
/// `[core]` plus what `emqx_enterprise_schema` injects (`replicant`).
fn role_error(version: &Version, overrides: &[Override]) -> Option<Term> {
    let (path, value) = ["node.role", "node.db_role"]
        .into_iter()
        .find_map(|p| lookup(overrides, p).map(|v| (p, v)))?;
    let allowed = value == "core" || (value == "replicant" && version.allows_replicant());
    if allowed {
        return None;
    }
    let reason = if value == "replicant" {
        "Node role 'replicant' is only allowed in Enterprise edition since 5.8.0".to_string()
    } else {
        // Exact for values that are atoms in the VM; for others `atom_to_list/1` on a
        // binary crashes and hocon reports the exception instead (not modelled).
        format!("Invalid node role: {value}")
    };
    Some(validation_error(
        Term::str(&reason),
        Term::atom(value),
        path,
    ))
}

const STACK: [&str; 8] = [
    "  in function  hocon_tconf:assert/2 (hocon_tconf.erl, line 1227)",
    "  in call from hocon_tconf:map/4 (hocon_tconf.erl, line 303)",
    "  in call from hocon_cli:get_values/3 (hocon_cli.erl, line 194)",
    "  in call from hocon_cli:multi_get/2 (hocon_cli.erl, line 182)",
    "  in call from escript:run/2 (escript.erl, line 750)",
    "  in call from escript:start/1 (escript.erl, line 277)",
    "  in call from init:start_em/1",
    "  in call from init:do_boot/3",
];

fn escript_failure(errors: Vec<Term>) -> BootFailure {
    let term = Term::Tuple(vec![Term::atom("emqx_conf_schema"), Term::List(errors)]);
    // erl_error lays the term out after `exception throw: ` (column 17); escript then
    // prefixes the first line with `escript: `.
    let block = format!("escript: exception throw: {}", pretty::print(&term, 17));
    let mut lines: Vec<Line> = block
        .lines()
        .chain(STACK)
        .map(|l| Line::plain(Stream::Stderr, l))
        .collect();
    lines.push(Line::plain(
        Stream::Stderr,
        "ERROR: call_hocon_failed: -s emqx_conf_schema -c /opt/emqx/etc/emqx.conf multi_get \
         node.data_dir node.name node.cookie node.db_backend cluster.proto_dist \
         node.dist_net_ticktime",
    ));
    BootFailure {
        lines,
        exit_code: 1,
    }
}

#[cfg(test)]
#[path = "settings_v5_tests.rs"]
mod tests;
