//! `kubetour lint` (being built).
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(_paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`kubetour lint` is not built yet")
}
