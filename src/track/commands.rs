//! `kubetour stages`, `export` and `lint`.
use std::process::ExitCode;

use crate::cli::{ExportArgs, LintArgs, StagesArgs};

pub fn stages(_args: &StagesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`kubetour stages` is not built yet")
}

pub fn export(_args: &ExportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`kubetour export` is not built yet")
}

pub fn lint(_args: &LintArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`kubetour lint` is not built yet")
}
