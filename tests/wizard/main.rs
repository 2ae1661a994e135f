//! The wizard (the TUI): one binary (`cargo test --test wizard`), one support module
//! (`support`; what the three wizard binaries share is in tests/common). Where each
//! behaviour's tests are:
//!
//! The model and the screens, no I/O (messages in, commands and a TestBackend out):
//! - `screens`: every screen state that teaches something, as insta snapshots
//!   (snapshots/wizard__screens__*.snap), 80×24 included.
//! - `delivery_screens`: the delivery matrix at islands (O22) and one cluster (O23),
//!   a round on membership change or `d` and never on a timer, 80×24's live tab.
//! - `fitted_screens`: issue 23 at 80×24, 120×40 and 200×60: the delivery matrix under
//!   membership (never squeezing the log), the status line keeping its clock and key,
//!   the help's every key, panels that say what they could not show.
//! - `drill_screens`: a drill started with `x` after `rbac` (refused before), in
//!   progress, and its diagnosis pinned after `x` again (issue 25).
//! - `lesson_screens`: every stage at 120×40 before apply and after pass, three at
//!   80×24 and 200×60: the lesson, its commands and its change in sight.
//! - `update`: the write guard, teardown's two questions, quitting mid-apply, the
//!   mouse, autopilot.
//! - `outage_screen`: the screen while the watches are down, and after.
//! - `events_history`: the previous install's events (other uids) shown as history,
//!   never as warnings (issue 22.1).
//! - `failed_stage`: a failed stage's status line (once, fitting), the sidebar's
//!   `applied:`, no try-it offered (issue 22.6; `preflight` asking nothing: `update`).
//! - `production_prompt`: typing a production context's name: the footer's keys are
//!   the ones that act, a wrong name is told, esc says nothing was written (issue 22.4).
//! - `production_screens`: the production track at 120×40: the rolling-update stage's
//!   change, and the membership view of three cores and two replicants in one cluster.
//! - `not_verified`: a stage nothing could verify shows `?`, never `✓`.
//!
//! The real main loop (`runtime::run`) on a TestBackend against a simulated cluster:
//! - `flow`: preflight through persistence by keys, a try-it, a rewind, teardown (O1,
//!   O11 on screen).
//! - `faults`: 500s, 429s, cut watches, 410 Gone, a slow server: retries, the status
//!   line, no stage passed early.
//! - `reconnect`: `kubetour sim serve --state` killed and restarted on the same port:
//!   the wizard says so, reconnects, relists.
//! - `teardown_line`: the teardown command printed on quitting works as printed (its
//!   kubeconfig, context, `--allow-production`), and only after a write (issue 22.3).
//!
//! The binary in tmux (KUBETOUR_BIN, else the one cargo built):
//! - `tmux`: every stage by keys at 120×40 and 80×24, a resize, kubectl beside it,
//!   quitting and SIGTERM give the terminal back.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod delivery_screens;
mod drill_screens;
mod events_history;
mod failed_stage;
mod faults;
mod fitted_screens;
mod flow;
mod lesson_screens;
mod not_verified;
mod outage_screen;
mod production_prompt;
mod production_screens;
mod reconnect;
mod screens;
mod teardown_line;
mod tmux;
mod update;
