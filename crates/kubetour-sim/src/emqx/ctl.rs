//! `kubectl exec <pod> -- <argv>` inside an EMQX container: `emqx ctl …` / `emqx_ctl …`
//! (EMQX.md §3), and a minimal shell for everything else.
//!
//! Accepted argv forms, both versions: `emqx ctl <cmd>`, `emqx_ctl <cmd>`, the same with
//! `/opt/emqx/bin/` or `/usr/local/bin/` in front (the images symlink `bin/*` there), and
//! `sh -c "<that>"` / `/bin/sh -c "<that>"` (plus `bash -c` on 5.x: the 4.x alpine image
//! has no bash). The `-c` string is split on whitespace and each word loses one pair of
//! surrounding quotes; no quoted spaces, pipes or variables.
//!
//! Decisions where EMQX.md is silent (documented, not verified against a real image):
//! - An unknown command answers like busybox/dash: `sh: <cmd>: not found` on stderr,
//!   exit 127 (the exit code a shell gives for a command it cannot find).
//! - `emqx ctl` with an unknown or incomplete subcommand prints the usage lines of the
//!   commands modelled here, in emqx_ctl's `~-48s# ~ts` format, exit 1.
//! - `emqx` with anything but `ctl` prints a one-line usage, exit 1.
//! - `cluster join <node>` / `cluster leave` print what `emqx_mgmt_cli` prints
//!   (`Join the cluster successfully.` / `Failed to join the cluster: ~0p` / `Ignore.`,
//!   `Leave the cluster successfully.` / `Failed to leave the cluster: ~0p`, then the
//!   cluster status on success). On 5.x, leave first prints that autocluster is now
//!   disabled; EMQX.md elides the middle of that line, the node name fills it here.
//!   `cluster force-leave` is not modelled (usage, exit 1).

use super::erl::{self, Term};
use super::pretty;
use super::version::{Family, Version};

/// What the node's VM is doing, as far as `emqx ctl` can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CtlState {
    /// No VM to talk to (before boot, exited, crashed): nodetool ping fails.
    NotRunning,
    /// VM up, applications still starting (`init:get_status()` = starting).
    Starting,
    Started,
}

/// The facts `emqx ctl` reports. Node lists are in membership order; sorting is done here
/// as each version does it.
#[derive(Debug, Clone)]
pub struct CtlView<'a> {
    pub version: &'a Version,
    pub node_name: &'a str,
    pub state: CtlState,
    pub running_nodes: &'a [String],
    pub stopped_nodes: &'a [String],
}

/// The node's membership, as `cluster join/leave` change it (implemented over the
/// registry by `node::Node`).
pub trait Membership {
    /// `ekka:join(Target)`: `Ok(true)` joined, `Ok(false)` ignored (own name),
    /// `Err(reason)` with the error term as `~0p` prints it.
    fn join(&mut self, target: &str) -> Result<bool, String>;
    /// `ekka:leave()`.
    fn leave(&mut self) -> Result<(), String>;
    /// Turns automatic discovery off; true when it was on (5.x prints a notice then).
    fn disable_autocluster(&mut self) -> bool;
    /// `(running_nodes, stopped_nodes)` now.
    fn view(&self) -> (Vec<String>, Vec<String>);
}

/// The result of one exec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl ExecOutput {
    fn out(stdout: String) -> ExecOutput {
        ExecOutput {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        }
    }

    fn fail(stdout: String, stderr: String, exit_code: i32) -> ExecOutput {
        ExecOutput {
            stdout,
            stderr,
            exit_code,
        }
    }
}

/// Runs `argv` in the container.
pub fn exec(argv: &[String], view: &CtlView<'_>, membership: &mut dyn Membership) -> ExecOutput {
    let Some((first, rest)) = argv.split_first() else {
        return ExecOutput::fail(String::new(), "sh: : not found\n".into(), 127);
    };
    let program = first.rsplit('/').next().unwrap_or(first);
    let shells: &[&str] = match view.version.family() {
        Family::V4 => &["sh"],
        Family::V5 => &["sh", "bash"],
    };
    if shells.contains(&program) {
        return match rest {
            [flag, script, ..] if flag == "-c" => {
                let words: Vec<String> = script.split_whitespace().map(unquote).collect();
                if words.is_empty() {
                    ExecOutput::out(String::new())
                } else {
                    exec(&words, view, membership)
                }
            }
            // An interactive shell with no terminal input: reads EOF and exits.
            _ => ExecOutput::out(String::new()),
        };
    }
    let known_path = first == program
        || first.starts_with("/opt/emqx/bin/")
        || first.starts_with("/usr/local/bin/");
    match (program, known_path) {
        ("emqx_ctl", true) => ctl(rest, view, membership),
        ("emqx", true) => match rest.split_first() {
            Some((sub, args)) if sub == "ctl" => ctl(args, view, membership),
            _ => ExecOutput::fail(String::new(), emqx_usage(), 1),
        },
        _ => ExecOutput::fail(String::new(), format!("sh: {first}: not found\n"), 127),
    }
}

/// The arguments after `emqx ctl` / `emqx_ctl` when `argv` runs that command (directly,
/// by a known path, or through `sh -c`), as [`exec`] reads it; None for anything else.
pub fn ctl_args(argv: &[String], family: Family) -> Option<Vec<String>> {
    let (first, rest) = argv.split_first()?;
    let program = first.rsplit('/').next().unwrap_or(first);
    let shells: &[&str] = match family {
        Family::V4 => &["sh"],
        Family::V5 => &["sh", "bash"],
    };
    if shells.contains(&program) {
        return match rest {
            [flag, script, ..] if flag == "-c" => {
                let words: Vec<String> = script.split_whitespace().map(unquote).collect();
                ctl_args(&words, family)
            }
            _ => None,
        };
    }
    let known_path = first == program
        || first.starts_with("/opt/emqx/bin/")
        || first.starts_with("/usr/local/bin/");
    match (program, known_path) {
        ("emqx_ctl", true) => Some(rest.to_vec()),
        ("emqx", true) => match rest.split_first() {
            Some((sub, args)) if sub == "ctl" => Some(args.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

/// A word of a `-c` script without one pair of surrounding quotes (`'emqx@x'` → `emqx@x`).
fn unquote(word: &str) -> String {
    for q in ['\'', '"'] {
        if let Some(inner) = word.strip_prefix(q).and_then(|w| w.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    word.to_string()
}

fn emqx_usage() -> String {
    "Usage: emqx {start|stop|restart|ping|console|foreground|attach|remote_console|ctl|\
     versions|eval|root_dir} [args]\n"
        .to_string()
}

fn not_responding(view: &CtlView<'_>) -> ExecOutput {
    ExecOutput::fail(
        String::new(),
        format!(
            "Node {} not responding to pings.\n",
            erl::atom(view.node_name)
        ),
        1,
    )
}

fn ctl(args: &[String], view: &CtlView<'_>, membership: &mut dyn Membership) -> ExecOutput {
    if view.state == CtlState::NotRunning {
        return not_responding(view);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match (args.as_slice(), view.version.family()) {
        (["status"], _) => ExecOutput::out(status(view)),
        (["cluster", "status"], _) => ExecOutput::out(cluster_status(view)),
        (["cluster", "status", "--json"], Family::V5) => ExecOutput::out(cluster_status_json(view)),
        (["cluster", "join", target], _) => {
            let text = match membership.join(target) {
                Ok(true) => format!(
                    "Join the cluster successfully.\n{}",
                    fresh_status(view, membership)
                ),
                Ok(false) => "Ignore.\n".to_string(),
                Err(reason) => format!("Failed to join the cluster: {reason}\n"),
            };
            ExecOutput::out(text)
        }
        (["cluster", "leave"], family) => {
            let mut text = String::new();
            if membership.disable_autocluster() && family == Family::V5 {
                text.push_str(&format!(
                    "Automatic cluster discovery is disabled on this node: {}. To enable it run: 'emqx ctl cluster discovery enable' or restart the node.\n",
                    erl::atom(view.node_name)
                ));
            }
            match membership.leave() {
                Ok(()) => {
                    text.push_str("Leave the cluster successfully.\n");
                    text.push_str(&fresh_status(view, membership));
                }
                Err(reason) => text.push_str(&format!("Failed to leave the cluster: {reason}\n")),
            }
            ExecOutput::out(text)
        }
        _ => ExecOutput::fail(usage(view.version.family()), String::new(), 1),
    }
}

fn usage(family: Family) -> String {
    let status = match family {
        Family::V4 => "cluster status",
        Family::V5 => "cluster status [--json]",
    };
    let rows = [
        ("status", "Show broker status"),
        ("cluster join <Node>", "Join the cluster"),
        ("cluster leave", "Leave the cluster"),
        (
            "cluster force-leave <Node>",
            "Force the node leave from cluster",
        ),
        (status, "Cluster status"),
    ];
    rows.iter()
        .map(|(cmd, descr)| format!("{cmd:<48}# {descr}\n"))
        .collect()
}

fn fresh_status(view: &CtlView<'_>, membership: &dyn Membership) -> String {
    let (running, stopped) = membership.view();
    cluster_status(&CtlView {
        running_nodes: &running,
        stopped_nodes: &stopped,
        ..view.clone()
    })
}

/// `emqx ctl status` (EMQX.md §3.2).
pub fn status(view: &CtlView<'_>) -> String {
    let word = match view.state {
        CtlState::Started => "started",
        CtlState::Starting | CtlState::NotRunning => "starting",
    };
    let node = erl::atom(view.node_name);
    if view.version.has_two_line_status() {
        // 4.0–4.2: two lines (the blog's `emqx 4.1-rc.1 is running`).
        let app = match view.state {
            CtlState::Started => format!("emqx {} is running", view.version.release),
            CtlState::Starting | CtlState::NotRunning => "emqx is not running".to_string(),
        };
        return format!("Node {node} is {word}\n{app}\n");
    }
    format!("Node {node} {} is {word}\n", view.version.release)
}

fn sorted(nodes: &[String]) -> Vec<String> {
    let mut v = nodes.to_vec();
    v.sort();
    v.dedup();
    v
}

/// `emqx ctl cluster status`: `Cluster status: ~p` of the membership map (EMQX.md §3.3).
/// 4.x sorts both lists; 5.x sorts running nodes (usort) but not stopped ones.
pub fn cluster_status(view: &CtlView<'_>) -> String {
    let running = sorted(view.running_nodes);
    let stopped = match view.version.family() {
        Family::V4 => sorted(view.stopped_nodes),
        Family::V5 => view.stopped_nodes.to_vec(),
    };
    let list = |nodes: &[String]| Term::List(nodes.iter().map(|n| Term::atom(n)).collect());
    let map = Term::Map(vec![
        (Term::atom("running_nodes"), list(&running)),
        (Term::atom("stopped_nodes"), list(&stopped)),
    ]);
    let prefix = "Cluster status: ";
    format!("{prefix}{}\n", pretty::print(&map, prefix.len()))
}

/// `emqx ctl cluster status --json` (5.x): jsx `pretty` output, lists sorted.
pub fn cluster_status_json(view: &CtlView<'_>) -> String {
    let value = serde_json::json!({
        "running_nodes": sorted(view.running_nodes),
        "stopped_nodes": sorted(view.stopped_nodes),
    });
    let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_string());
    format!("{text}\n")
}

#[cfg(test)]
#[path = "ctl_tests.rs"]
mod tests;
