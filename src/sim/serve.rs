//! `kubetour sim serve`: run the simulated cluster until Ctrl-C.
use std::process::ExitCode;

use crate::cli::SimServeArgs;

pub fn run(_args: &SimServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`kubetour sim serve` is not built yet")
}
