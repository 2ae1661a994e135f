//! The wizard (the TUI): one binary (`cargo test --test wizard`), one support module
//! (`support`; what the three wizard binaries share is in tests/common). Where each
//! behaviour's tests are:
//!
//! The model and the screens, no I/O (messages in, commands and a TestBackend out):
//! - `screens`: every screen state that teaches something, as insta snapshots
//!   (snapshots/wizard__screens__*.snap), 80×24 included.
//! - `lesson_screens`: every stage at 120×40 before apply and after pass, three at
//!   80×24 and 200×60: the lesson, its commands and its change in sight.
//! - `update`: the write guard, teardown's two questions, quitting mid-apply, the
//!   mouse, autopilot.
//! - `outage_screen`: the screen while the watches are down, and after.
//! - `not_verified`: a stage nothing could verify shows `?`, never `✓`.
//!
//! The real main loop (`runtime::run`) on a TestBackend against a simulated cluster:
//! - `flow`: preflight through persistence by keys, a try-it, a rewind, teardown (O1,
//!   O11 on screen).
//! - `faults`: 500s, 429s, cut watches, 410 Gone, a slow server: retries, the status
//!   line, no stage passed early.
//! - `reconnect`: `kubetour sim serve --state` killed and restarted on the same port:
//!   the wizard says so, reconnects, relists.
//!
//! The binary in tmux (KUBETOUR_BIN, else the one cargo built):
//! - `tmux`: every stage by keys at 120×40 and 80×24, a resize, kubectl beside it,
//!   quitting and SIGTERM give the terminal back.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod faults;
mod flow;
mod lesson_screens;
mod not_verified;
mod outage_screen;
mod reconnect;
mod screens;
mod tmux;
mod update;
