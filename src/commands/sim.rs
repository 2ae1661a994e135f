//! `kubetour sim serve`: the simulated cluster on its own, until Ctrl-C, for kubectl and
//! other clients (a reusable test double; see crates/kubetour-sim/README.md).
use std::process::ExitCode;

use crate::cli::SimServeArgs;

/// `kubetour sim serve`.
pub fn serve(args: SimServeArgs) -> anyhow::Result<ExitCode> {
    kubetour_sim::serve(&kubetour_sim::ServeOptions {
        listen: args.listen,
        kubeconfig: args.kubeconfig,
        sim: kubetour_sim::SimConfig {
            speed: args.speed,
            default_storage_class: !args.no_default_storage_class,
            node_count: args.nodes,
        },
        latency: args.latency,
        state: args.state,
    })
}
