//! `kubetour lint`: track directories or manifest files checked for the tutorials' pitfalls.
use std::process::ExitCode;

use crate::cli::LintArgs;

/// `kubetour lint`.
pub fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    crate::track::lint::run(&args.paths)
}
