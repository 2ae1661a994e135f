//! The stage engine on the simulated cluster: one binary (`cargo test --test engine`),
//! one support module (`support`; what the three wizard binaries share is in
//! tests/common). Where each behaviour's tests are:
//!
//! The shipped EMQX track, run by the engine (SPEC.md's O-numbers):
//! - `track_runs`: the whole track for both profiles: every check passes, every
//!   observation (O1–O19, O21) is reported, try-its behave, diagnoses fire.
//! - `observations`: observations told as seen only with evidence: pod start order
//!   (O14, O21), the claim a re-created pod mounts (O18), Pending claims (O19),
//!   what teardown kept (O20).
//! - `emqx_stages`: stage by stage, EMQX as a learner sees it (exec, logs, proxy),
//!   against EMQX.md's exact strings.
//! - `emqx_statefulset`: stages 7–9: ConfigMap settings, ordered pods and DNS node
//!   names, persistent claims (O14–O16).
//! - `on_sim`: the engine's pieces (apply, leave steps, state, leftovers: P7).
//! - `pitfalls`: the tutorials' pitfalls met on a running cluster, the cause named.
//! - `no_cluster`: why there is no cluster (P11–P20): each cause reproduced from the
//!   objects alone and named by the diagnosis table.
//! - `drills`: each drill applied after `rbac`, named, undone, one cluster of three again.
//! - `delivery`: MQTT delivery proven through port-forwards: islands route nothing
//!   (O22), one cluster delivers (O23, also on the StatefulSet stages), the survivors
//!   and the replacement after a killed pod (O24); a refused port-forward leaves the
//!   check not verified.
//! - `probe_command`: `kubetour probe` on the cluster the engine built: the matrix, JSON,
//!   exit codes 0/1/2, a refused port-forward named.
//! - `teardown_waits`: teardown returns when its pods and claims are gone, and says
//!   how long it took (issue 22.5).
//! - `earlier_namesakes`: events of deleted claims and pods named like today's are
//!   history: no warning, no diagnosis, O19 conditional, `status` clean (issue 22.1).
//!
//! The production track:
//! - `production`: the whole track (cores by DNS, replicants, a rolling update) with
//!   every observation seen; O25 not seen when the cores go down together.
//!
//! A cluster having a bad day (the fault layer in front of the simulated API server):
//! - `resilience`: 500s, 429s and dropped watches: the run finishes or fails clearly.
//! - `exec_backoff`: exec probes follow the back-off schedule, counted on the server.
//! - `exec_refused`: the kubelet unreachable or `pods/exec` refused: the real cause is
//!   told, the stage ends "applied, not verified", never passed.
//! - `exec_refused_cli`: the same through `kubetour run` (plain and `--json`).
//! - `rbac_forbids_exec`: the simulated server's own RBAC forbids exec: preflight and
//!   run say so.
//! - `user_agent`: every request says `kubetour/<version>`.
//! - `watch_pages`: the watchers list in pages, and every object of a kind bigger than a
//!   page is listed.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod delivery;
mod drills;
mod earlier_namesakes;
mod emqx_stages;
mod emqx_statefulset;
mod exec_backoff;
mod exec_refused;
mod exec_refused_cli;
mod no_cluster;
mod observations;
mod on_sim;
mod pitfalls;
mod probe_command;
mod production;
mod rbac_forbids_exec;
mod resilience;
mod teardown_waits;
mod track_runs;
mod user_agent;
mod watch_pages;
