//! kubetour — learn, teach and bootstrap a clustered EMQX on Kubernetes, one stage at a time.
//!
//! # Map of the modules
//!
//! The wizard's side, in the order a command flows through it:
//! - [`cli`](kubetour::cli): the command line as clap types (subcommands, kubectl-style
//!   flags, the parsers of their values). Parsing only: it runs nothing.
//! - [`commands`](kubetour::commands): one handler per subcommand (`tour`, `run`,
//!   `status`, `teardown`, `stages`, `export`, `lint`, `probe`, `drill`, `sim serve`) and the start-up
//!   pieces they share: the track and language the flags name (`load`), the target —
//!   a named cluster, or the embedded simulated one — and the write guard (`target`,
//!   `embedded`), the tokio `runtime`, and the `printer` of engine events as plain or
//!   JSON lines. `commands::dispatch` picks the handler; `tour` wires the wizard.
//! - [`track`](kubetour::track): the lesson as data. Stage files under `stages/<track>/`
//!   are parsed into `deny_unknown_fields` raw types, then into typed stages (steps,
//!   manifests templated per EMQX profile, checks, try-its, hints, observations) and the
//!   diagnosis table (`diagnosis.yaml`: why there is no cluster, P11–P20);
//!   `export` renders them, `lint` catches the tutorials' pitfalls with file:line.
//! - [`yaml`](kubetour::yaml): the one place that touches `serde_yaml` (deprecated
//!   upstream), so swapping it is a one-file change.
//! - [`cluster`](kubetour::cluster): kube-rs I/O, for any cluster: connecting through a
//!   kubeconfig, the write guard's facts, the one write path (server-side apply through
//!   discovery, dry run first), the watchers, exec, logs, access reviews, retries of
//!   passing failures.
//! - [`view`](kubetour::view): the watched state without I/O: each watched `Change`
//!   folded once into one `ClusterView`, pod rows and object rows with the time
//!   injected. The engine folds; the Model, the UI and `status` read the same view.
//! - [`delivery`](kubetour::delivery): the thing a cluster of brokers is for, proven with
//!   MQTT: one round (subscribe on every pod, publish from each, QoS 1) over port-forwards
//!   (`cluster::portforward_mqtt`), and its matrix (published on → received on), judged
//!   as "every pair delivers" or "no pair across pods delivers".
//! - [`emqx`](kubetour::emqx): reading what real EMQX prints (`cluster status`, `status`,
//!   HTTP `/status`) for 4.x and 5.x, and which nodes form which cluster. Shares no code
//!   with the simulator's EMQX model, so a formatting mistake cannot hide in both.
//! - [`engine`](kubetour::engine): runs stages — preflight, steps, apply, checks waited
//!   for from watches, EMQX probes, diagnosis against the track's hints and its
//!   diagnosis table, drills (one cause put in on purpose, then undone), try-its, rewind,
//!   teardown — and reports everything as events; as a task it takes orders one at a
//!   time (the wizard), and `run` is the same orders in sequence (`kubetour run`). It
//!   hands its folded view to the wizard through its taps.
//! - [`app`](kubetour::app): the wizard, Elm-style: one `Model`, `Msg`s in (keys, mouse,
//!   engine events, the engine's view, EMQX answers, log lines, signals), `update`
//!   without I/O returning `Command`s, `orders` (the one place an intention — key, mouse,
//!   autopilot — becomes an engine order), and the runtime — the only part with I/O —
//!   that owns the terminal (restored on quit, panic and signal), the engine task
//!   (`engine::task`) and the log follower, and draws only after a change.
//! - [`ui`](kubetour::ui): `draw(&Model)`, one file per panel (stages, lesson, manifest
//!   and diff, checks, pods, objects, EMQX membership, events, log, footer, overlays);
//!   `layout` (also the mouse's hit map), `theme` (dark, light, NO_COLOR), and `keys`,
//!   the one key table behind dispatch, the footer and the help. It reads the Model only.
//!
//! # Included crates
//!
//! - `kubetour-sim` (crates/kubetour-sim): the simulated cluster — a Kubernetes API
//!   server on 127.0.0.1 (HTTPS, bearer tokens, RBAC) with nodes, scheduler, kubelet,
//!   controllers, volumes, and pods that run EMQX like EMQX. Only `commands` names it:
//!   `commands::embedded` starts it in-process when no cluster is named and hands over
//!   only its kubeconfig, and `commands::sim` serves it for `kubetour sim serve`.
//!   Everything else reaches it exactly like a real cluster, through a kubeconfig.
//!
//! Composition root: `main` parses the command line, installs the one rustls crypto
//! provider (see NOTES.md: none or two panic at run time), and hands the parsed command
//! to `commands::dispatch`.
#![forbid(unsafe_code)]

use kubetour::{cli, commands};

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // kube (rustls) and the sim's TLS server must agree on exactly one provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
