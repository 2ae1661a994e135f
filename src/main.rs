//! kubetour — learn, teach and bootstrap a clustered EMQX on Kubernetes, one stage at a time.
//!
//! # Map of the modules
//!
//! The wizard's side, in the order a command flows through it:
//! - [`cli`](kubetour::cli): the command line (clap): subcommands and kubectl-style flags.
//!   Parsing only, then dispatch.
//! - [`track`](kubetour::track): the lesson as data. Stage files under `stages/<track>/`
//!   are parsed into `deny_unknown_fields` raw types, then into typed stages (steps,
//!   manifests templated per EMQX profile, checks, try-its, hints, observations);
//!   `export` prints them, `lint` catches the tutorials' pitfalls with file:line.
//! - [`yaml`](kubetour::yaml): the one place that touches `serde_yaml` (deprecated
//!   upstream), so swapping it is a one-file change.
//! - [`cluster`](kubetour::cluster): kube-rs, for any cluster: connecting through a
//!   kubeconfig, the write guard, the one write path (server-side apply through
//!   discovery, dry run first), watches folded into a view, exec, logs, access reviews,
//!   retries of passing failures.
//! - [`delivery`](kubetour::delivery): the thing a cluster of brokers is for, proven with
//!   MQTT: one round (subscribe on every pod, publish from each, QoS 1) over port-forwards
//!   (`cluster::portforward_mqtt`), and its matrix (published on → received on), judged
//!   as "every pair delivers" or "no pair across pods delivers".
//! - [`commands`](kubetour::commands): subcommand handlers in files of their own
//!   (`probe`: the delivery matrix for operators, on any cluster).
//! - [`emqx`](kubetour::emqx): reading what real EMQX prints (`cluster status`, `status`,
//!   HTTP `/status`) for 4.x and 5.x, and which nodes form which cluster. Shares no code
//!   with the simulator's EMQX model, so a formatting mistake cannot hide in both.
//! - [`engine`](kubetour::engine): runs stages — preflight, steps, apply, checks waited
//!   for from watches, EMQX probes, diagnosis against the track's hints, try-its, rewind,
//!   teardown — and reports everything as events; as a task it takes orders one at a
//!   time (the wizard), and `run` is the same orders in sequence (headless).
//! - [`headless`](kubetour::headless): `run`, `status`, `teardown`: engine events as
//!   plain lines or JSON, the target chosen from the flags.
//! - [`app`](kubetour::app): the wizard (`kubetour`, `kubetour tour`), Elm-style: one
//!   `Model`, `Msg`s in (keys, mouse, engine events, watched changes, EMQX answers, log
//!   lines, signals), `update` without I/O returning `Command`s, and the runtime — the
//!   only part with I/O — that owns the terminal (restored on quit, panic and signal),
//!   the engine task (`engine::task`) and the log follower, and draws only after a change.
//! - [`ui`](kubetour::ui): `draw(&Model)`, one file per panel (stages, lesson, manifest
//!   and diff, checks, pods, objects, EMQX membership, events, log, footer, overlays);
//!   `layout` (also the mouse's hit map), `theme` (dark, light, NO_COLOR), and `keys`,
//!   the one key table behind dispatch, the footer and the help.
//!
//! The simulated cluster:
//! - [`sim`](kubetour::sim): a Kubernetes API server on 127.0.0.1 (HTTPS, bearer tokens,
//!   RBAC) with nodes, scheduler, kubelet, controllers, volumes, and pods that run EMQX
//!   like EMQX. Reached only through a kubeconfig, exactly like a real cluster.
//! - [`embedded`](kubetour::embedded): starts it in-process when no cluster is named and
//!   hands over only its kubeconfig.
//!
//! Composition root: `main` parses the command line, installs the one rustls crypto
//! provider (see NOTES.md: none or two panic at run time), and dispatches.
#![forbid(unsafe_code)]

use kubetour::cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // kube (rustls) and the sim's TLS server must agree on exactly one provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = cli::Cli::parse();
    match cli::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
