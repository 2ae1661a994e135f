//! The lines an EMQX container prints, per version (EMQX.md §2.2, §6 item 17, §7.1).
//!
//! Each function returns [`Line`]s; the integration stamps them with the simulated time
//! (`Line::render`) and appends them to the container's log. Only what shows at the
//! default console level (`warning`) is produced: info lines never appear.

use serde_json::Value;

use super::discovery::{self, DiscoveryError, ErlRef};
use super::erl;
use super::line::{Level, Line, Stream};
use super::settings::Settings;
use super::settings_v5;
use super::version::{Family, Version};

const AUTOCLUSTER: &str = "Ekka(AutoCluster): ";
const RETRYING: &str = "Ekka(AutoCluster): discovery did not succeed; retrying in 5000 ms";

fn out(text: impl Into<String>) -> Line {
    Line::plain(Stream::Stdout, text)
}

fn log(level: Level, text: impl Into<String>) -> Line {
    Line::logged(Stream::Stdout, level, text)
}

/// The default-cookie warning: 4.4 on stderr between `!!!!!!` rules, 5.x on stdout with
/// `WARNING: ` prefixes.
pub fn cookie_warning(family: Family) -> Vec<Line> {
    match family {
        Family::V4 => [
            "!!!!!!",
            "WARNING: Default (insecure) Erlang cookie is in use.",
            "Please set node.cookie in /opt/emqx/etc/emqx.conf or override from environment variable EMQX_NODE_COOKIE",
            "NOTE: Use the same config value for all nodes in the cluster.",
            "!!!!!!",
        ]
        .into_iter()
        .map(|t| Line::plain(Stream::Stderr, t))
        .collect(),
        Family::V5 => [
            "WARNING: Default (insecure) Erlang cookie is in use.",
            "WARNING: Configure node.cookie in /opt/emqx/etc/emqx.conf or override from environment variable EMQX_NODE__COOKIE",
            "WARNING: NOTE: Use the same cookie for all nodes in the cluster.",
        ]
        .into_iter()
        .map(out)
        .collect(),
    }
}

/// Everything up to the point where the listeners start: the cookie warning, the 5.x
/// config-generation output (unknown env vars warning, `VAR [path]: value` lines), the
/// 4.x banner.
pub fn boot_start(version: &Version, settings: &Settings, node_name: &str) -> Vec<Line> {
    let family = version.family();
    let mut lines = if settings.cookie_is_default() {
        cookie_warning(family)
    } else {
        Vec::new()
    };
    match family {
        Family::V4 => lines.push(out(format!("Starting emqx on node {node_name}"))),
        Family::V5 => {
            lines.extend(settings.warnings.iter().cloned());
            lines.extend(
                settings
                    .overrides
                    .iter()
                    .map(|o| out(settings_v5::override_line(o))),
            );
        }
    }
    lines
}

const V4_LISTENERS: [&str; 7] = [
    "mqtt:tcp:internal listener on 127.0.0.1:11883",
    "mqtt:tcp:external listener on 0.0.0.0:1883",
    "mqtt:ws:external listener on 0.0.0.0:8083",
    "mqtt:ssl:external listener on 0.0.0.0:8883",
    "mqtt:wss:external listener on 0.0.0.0:8084",
    "http:management listener on 8081",
    "http:dashboard listener on 18083",
];

const V5_LISTENERS: [&str; 4] = [
    "ssl:default on 0.0.0.0:8883",
    "tcp:default on 0.0.0.0:1883",
    "ws:default on 0.0.0.0:8083",
    "wss:default on 0.0.0.0:8084",
];

fn listeners_started(family: Family) -> Vec<Line> {
    match family {
        Family::V4 => V4_LISTENERS
            .iter()
            .map(|l| out(format!("Start {l} successfully.")))
            .collect(),
        Family::V5 => V5_LISTENERS
            .iter()
            .map(|l| out(format!("Listener {l} started.")))
            .chain([out("Listener http:dashboard on :18083 started.")])
            .collect(),
    }
}

/// The listeners starting and the `is running now!` line that ends a healthy boot.
pub fn boot_finish(version: &Version) -> Vec<Line> {
    let mut lines = listeners_started(version.family());
    lines.push(out(format!(
        "{} {} is running now!",
        version.description(),
        version.release
    )));
    lines
}

/// One failed discovery round. 4.x: the error and the retry warning; 5.x: the error
/// from the join attempt and the one from the core-node re-discovery.
pub fn discovery_failed(version: &Version, err: &DiscoveryError, reference: ErlRef) -> Vec<Line> {
    if let DiscoveryError::BadKey { address } = err {
        return badkey(version, address);
    }
    let term = discovery::error_term(version, err, reference);
    match version.family() {
        Family::V4 => vec![
            log(
                Level::Error,
                format!("{AUTOCLUSTER}Discovery error: {term}"),
            ),
            log(Level::Warning, RETRYING),
        ],
        Family::V5 => vec![
            log(
                Level::Error,
                format!("{AUTOCLUSTER}Discovery error: {term}"),
            ),
            log(
                Level::Error,
                format!("{AUTOCLUSTER}Core node discovery error: {term}"),
            ),
        ],
    }
}

/// The `{badkey,<<"hostname">>}` crash: single_line turns the `~n` between reason and
/// stacktrace into `, ` (4.x); 5.x's second line uses `"Core node discovery error ~p: ~p"`.
fn badkey(version: &Version, address: &Value) -> Vec<Line> {
    let (reason, stack) = discovery::badkey_term(version, address);
    match version.family() {
        Family::V4 => vec![
            log(
                Level::Error,
                format!("{AUTOCLUSTER}Discover error: {reason}, {stack}"),
            ),
            log(Level::Warning, RETRYING),
        ],
        Family::V5 => vec![
            log(
                Level::Error,
                format!("{AUTOCLUSTER}Discover error: {reason}, {stack}"),
            ),
            log(
                Level::Error,
                format!("{AUTOCLUSTER}Core node discovery error {reason}: {stack}"),
            ),
        ],
    }
}

/// The pod has no service-account token mounted (`automountServiceAccountToken: false`):
/// ekka logs this each round and sends an empty bearer (EMQX.md §2).
pub fn token_unreadable() -> Line {
    log(Level::Error, "Ekka(k8s): Cannot read token: enoent")
}

fn node_list(nodes: &[String]) -> String {
    let atoms: Vec<String> = nodes.iter().map(|n| erl::atom(n)).collect();
    format!("[{}]", atoms.join(","))
}

/// Discovered nodes that are not reachable (dead, name mismatch, other cookie).
/// 4.x warns every round; 5.x logs it at info level, so nothing shows.
pub fn outside_cluster(version: &Version, nodes: &[String]) -> Vec<Line> {
    match version.family() {
        Family::V4 => vec![
            log(
                Level::Warning,
                format!(
                    "{AUTOCLUSTER}discovered nodes outside cluster: {}",
                    node_list(nodes)
                ),
            ),
            log(Level::Warning, RETRYING),
        ],
        Family::V5 => Vec::new(),
    }
}

/// The joining node restarts its applications: [`join_stop`] when it leaves its old
/// cluster, [`join_start`] when its apps are back. 4.x: the critical shutdown line and
/// the MQTT listeners' stop lines, then a full start (banner, listeners, `is running
/// now!`, as `emqx_app:start/2` prints them again). 5.x: dashboard and listeners stop and
/// start; `is running now!` is not printed again.
pub fn joined(version: &Version, node_name: &str) -> Vec<Line> {
    let mut lines = join_stop(version);
    lines.extend(join_start(version, node_name));
    lines
}

pub fn join_stop(version: &Version) -> Vec<Line> {
    match version.family() {
        Family::V4 => {
            let mut lines = vec![log(Level::Critical, "[EMQX] emqx shutdown for join")];
            lines.extend(
                V4_LISTENERS[..5]
                    .iter()
                    .map(|l| out(format!("Stop {l} successfully."))),
            );
            lines
        }
        Family::V5 => {
            let mut lines = vec![out("Stop listener http:dashboard on :18083 successfully.")];
            lines.extend(
                V5_LISTENERS
                    .iter()
                    .map(|l| out(format!("Listener {l} stopped."))),
            );
            lines
        }
    }
}

pub fn join_start(version: &Version, node_name: &str) -> Vec<Line> {
    match version.family() {
        Family::V4 => {
            let mut lines = vec![out(format!("Starting emqx on node {node_name}"))];
            lines.extend(boot_finish(version));
            lines
        }
        Family::V5 => listeners_started(Family::V5),
    }
}

/// Tables a restarted node with persistent data waits for (4.x: the list observed in
/// emqx/emqx#4863; 5.x: an illustrative list of core tables).
pub fn default_waited_tables(family: Family) -> Vec<String> {
    let tables: &[&str] = match family {
        Family::V4 => &[
            "emqx_resource",
            "mqtt_app",
            "emqx_rule",
            "emqx_banned",
            "mqtt_admin",
        ],
        Family::V5 => &[
            "emqx_app",
            "emqx_admin",
            "emqx_banned",
            "emqx_acl",
            "emqx_retainer_message",
        ],
    };
    tables.iter().map(|t| t.to_string()).collect()
}

/// Printed every 30 s while mnesia waits for tables held by nodes that are down.
pub fn waiting_for_tables(family: Family, tables: &[String]) -> Line {
    let module = match family {
        Family::V4 => "ekka_mnesia",
        Family::V5 => "mria_mnesia",
    };
    let list: Vec<String> = tables.iter().map(|t| erl::atom(t)).collect();
    log(
        Level::Warning,
        format!("{module}: still waiting for table(s): [{}]", list.join(",")),
    )
}

/// The reason `emqx_license_app:start/2` returns on 5.9+ when the node's own licence is
/// the default single-node one and `cluster_nodes(running)` has more than one node
/// (`emqx_license_checker:no_violation/1`).
pub const SINGLE_NODE_LICENSE: &str =
    "SINGLE_NODE_LICENSE, make sure this node and peer nodes are configured with a valid license";

/// The VM going down because the permanent `emqx_license` application failed to
/// (re)start: `emqx_machine_boot:start_one_app/1` logs that at debug only and leaves the
/// rest to the application controller, which stops the node. The shape is OTP's for a
/// permanent application whose `start/2` returned `{error, R}` (`{R, {Mod, start,
/// [normal, []]}}`), as EMQX prints it in emqx/emqx#10380: os_mon's ports closing, then
/// the `Kernel pid terminated` term and its one-line rendering.
pub fn licence_crash() -> Vec<Line> {
    let reason = format!(
        "{{application_start_failure,emqx_license,{{{},{{emqx_license_app,start,[normal,[]]}}}}}}",
        erl::string(SINGLE_NODE_LICENSE.as_bytes())
    );
    vec![
        Line::plain(
            Stream::Stdout,
            "[os_mon] memory supervisor port (memsup): Erlang has closed",
        ),
        Line::plain(
            Stream::Stdout,
            "[os_mon] cpu supervisor port (cpu_sup): Erlang has closed",
        ),
        Line::plain(
            Stream::Stdout,
            format!(
                "{{\"Kernel pid terminated\",application_controller,{}}}",
                erl::string(reason.as_bytes())
            ),
        ),
        Line::plain(
            Stream::Stdout,
            format!("Kernel pid terminated (application_controller) ({reason})"),
        ),
    ]
}

/// A replicant's core discovery failing: `core_node_discovery_callback/0` logs only its
/// own line (no autocluster round runs on a replicant).
pub fn core_discovery_failed(
    version: &Version,
    err: &DiscoveryError,
    reference: ErlRef,
) -> Vec<Line> {
    let mut lines = discovery_failed(version, err, reference);
    lines.drain(..lines.len().saturating_sub(1));
    lines
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;
