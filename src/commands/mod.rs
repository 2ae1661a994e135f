//! One handler per subcommand, and the start-up pieces they share. This is the
//! composition root below `main`: the only code that starts the simulated cluster
//! (`embedded`, `sim`) or names the `kubetour_sim` crate.
//!
//! - `tour`: `kubetour` / `kubetour tour`, the wizard: the engine task wired to a new
//!   Model, the stable kubeconfig for a second terminal, the trace file, the terminal and
//!   the main loop (tests build the same [`tour::Wizard`]).
//! - `run`, `status`, `teardown`: the cluster commands without a screen; `printer`:
//!   engine events as plain lines or JSON lines, and stdout that tolerates `| head`.
//! - `teardown_line`: the teardown command a wizard session prints on quitting, derived
//!   from how it was started.
//! - `stages`, `export`, `lint`: the track commands (no cluster).
//! - `probe`: `kubetour probe`, the delivery matrix for operators, on any cluster.
//! - `drill`: `kubetour drill list|NAME`, one cause of "no cluster" on purpose, then undone.
//! - `sim`: `kubetour sim serve`.
//! - Shared start-up: `load` (the track and language the flags name), `target` (the
//!   cluster the flags name, or the embedded one; the write guard), `embedded` (the
//!   simulated cluster in-process, handed over as a kubeconfig), `runtime` (tokio).
pub mod drill;
pub mod embedded;
pub mod export;
pub mod lint;
pub mod load;
pub mod printer;
pub mod probe;
pub mod run;
pub mod runtime;
pub mod sim;
pub mod stages;
pub mod status;
pub mod target;
pub mod teardown;
pub mod teardown_line;
pub mod tour;

use std::process::ExitCode;

use crate::cli::{Cli, Command, SimCommand};

/// Runs the chosen command and returns the process exit code.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        return tour::run(&cli.tour);
    };
    match command {
        Command::Tour(args) => tour::run(&args),
        Command::Stages(args) => stages::stages(&args),
        Command::Export(args) => export::export(&args),
        Command::Lint(args) => lint::lint(&args),
        Command::Run(args) => run::run(&args),
        Command::Status(args) => status::status(&args),
        Command::Teardown(args) => teardown::teardown(&args),
        Command::Probe(args) => probe::run(&args),
        Command::Drill(args) => drill::drill(&args),
        Command::Sim(SimCommand::Serve(args)) => sim::serve(args),
    }
}
