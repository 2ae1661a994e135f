//! The commands binary's support: the binary run as a user runs it, from the package's
//! root (relative paths as the README writes them) and without the environment's
//! KUBECONFIG. (Servers: `common::server`; kubectl's cluster: `common::kubectl`.)
#![allow(dead_code)]

use std::process::{Command, Output};

/// `kubetour args` from the package's root, without KUBECONFIG from the environment.
pub fn kubetour(args: &[&str]) -> Command {
    let mut c = crate::common::kubetour();
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("KUBECONFIG");
    c
}

/// Runs `kubetour args` (as `kubetour`); its output.
pub fn output(args: &[&str]) -> Output {
    kubetour(args).output().expect("kubetour runs")
}

/// Runs `kubetour args` (as `kubetour`): exit code, stdout, stderr.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = output(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub use crate::common::said;
