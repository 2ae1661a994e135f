//! What the wizard's three test binaries (wizard, engine, commands) share, in one place:
//!
//! - `kubetour()`: the binary under test, as a command;
//! - `server`: `kubetour sim serve --state FILE` as a child process that tests stop and
//!   start again (commands' `sim_serve_state`, wizard's `reconnect`);
//! - from the simulator's own test support (crates/kubetour-sim/tests/sim/support), not
//!   copied: `kubectl` (the cluster served on loopback for kubectl), `pods` (exec, logs,
//!   pod names through kube-rs), `corpus` (what the fuzzers kept) and `eventually`.
#![allow(dead_code)]

#[path = "../../crates/kubetour-sim/tests/sim/support/corpus.rs"]
pub mod corpus;
#[path = "../../crates/kubetour-sim/tests/sim/support/kubectl.rs"]
pub mod kubectl;
#[path = "../../crates/kubetour-sim/tests/sim/support/pods.rs"]
pub mod pods;
#[path = "../../crates/kubetour-sim/tests/sim/support/poll.rs"]
mod poll;
pub mod server;

#[allow(unused_imports)] // the engine binary waits with it; the others do not
pub use poll::eventually;

use std::path::PathBuf;
use std::process::Command;

/// The binary under test: `KUBETOUR_BIN` when set (CI points it at the release build,
/// as a person would run it), else the one cargo built for these tests.
pub fn kubetour_bin() -> PathBuf {
    std::env::var_os("KUBETOUR_BIN")
        .filter(|b| !b.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kubetour")))
}

/// A command running the binary under test.
pub fn kubetour() -> Command {
    Command::new(kubetour_bin())
}

/// What a process said: its stdout, then its stderr.
pub fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
