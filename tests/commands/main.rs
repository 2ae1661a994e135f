//! The command line: one binary (`cargo test --test commands`), one support module
//! (`support`; what the three wizard binaries share is in tests/common). Where each
//! behaviour's tests are:
//!
//! The track and its commands:
//! - `track_load`: every shipped stage file loads for both profiles and says what the
//!   lesson needs (SPEC.md's stage table, EMQX.md's settings).
//! - `track_errors`: bad track input is one paragraph naming file, line and what to do
//!   (the CLI exits 2, no backtrace).
//! - `stages_and_export`: `kubetour stages`, `kubetour export` through the binary.
//! - `export`: `kubetour export` per stage and profile against the golden files
//!   (tests/golden; `UPDATE_GOLDEN=1`).
//! - `export_bridges`: `kubetour export --as helm-values` against the official chart's
//!   values and `--as operator` against the Operator's CRD schema (tests/data/export),
//!   for every stage and profile; cores → coreTemplate, replicants → replicantTemplate.
//! - `export_kubectl_apply`: `kubetour export | kubectl apply` (client- and
//!   server-side) forms an EMQX cluster.
//! - `lint`: every lint rule's failing and passing example (tests/lint/<rule-id>), P2–P5,
//!   P8, P9; `kubetour lint`'s exit codes.
//! - `lint_pitfalls`: P1, P6 and P10 where tutorials write them; P15, P20 and the DNS
//!   record name rule's findings word for word.
//! - `drill`: `kubetour drill list`, and a drill on a named cluster (guarded, named,
//!   undone).
//! - `lint_causes`: P11, P12, P17, P18 (why there is no cluster) flagged in manifests;
//!   the older rules' P numbers (P11, P13, P14, P16, P18).
//!
//! Running against a cluster:
//! - `run`: `kubetour run` through every stage, both profiles, every observation seen
//!   (O1–O21).
//! - `run_production`: `kubetour run --track production` on the embedded cluster and on
//!   `kubetour sim serve` through its kubeconfig, every observation seen (O25: the
//!   rolling update, one core down at a time).
//! - `guard`: no write without `--yes`, nor to a production-looking context without
//!   `--allow-production`.
//! - `status`: `run --json`, `status`, `teardown` on a named cluster.
//! - `mosquitto_port_forward`: O22 and O23 with `kubectl port-forward` to two pods of
//!   `sim serve` and the real `mosquitto_sub` / `mosquitto_pub`: islands route nothing
//!   after `autocluster`; after `rbac` the message arrives.
//! - `sim_serve_state`: `kubetour sim serve --state` across restarts on the same port;
//!   a bad state file; loopback only.
//!
//! - `bad_input_table`: every row of docs/bad-input.md (KUBETOUR_BIN: another build).
//! - `fuzz_corpus`: every stage file the fuzzers kept (fuzz/corpus/track_stage) loads
//!   or is refused without a panic.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod bad_input_table;
mod drill;
mod export;
mod export_bridges;
mod export_kubectl_apply;
mod fuzz_corpus;
mod guard;
mod lint;
mod lint_causes;
mod lint_pitfalls;
mod mosquitto_port_forward;
mod openapi_check;
mod run;
mod run_production;
mod sim_serve_state;
mod stages_and_export;
mod status;
mod track_errors;
mod track_load;
