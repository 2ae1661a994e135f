//! `kubetour sim serve`: the simulated cluster on its own, until Ctrl-C, for kubectl and
//! other clients (a reusable test double; see crates/kubetour-sim/README.md).
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::cli::SimServeArgs;
use crate::cluster::heap;

/// How often `sim serve` gives its freed heap back (see [`serve`]).
const GIVE_BACK_EVERY: Duration = Duration::from_secs(60);

/// `kubetour sim serve`.
///
/// Under churn the simulated API server frees much of what it allocates in bursts: watch
/// history compacted every five minutes, Events expiring after their hour, a resuming
/// watch's backlog. glibc keeps freed memory in its arenas, so without a trim the
/// process's RSS ratchets up at every burst (the hour-long soak in BENCHMARKS.md) while
/// what is live stays flat. A trim a minute costs a walk of the free lists.
pub fn serve(args: SimServeArgs) -> anyhow::Result<ExitCode> {
    heap::one_arena();
    std::thread::Builder::new()
        .name("give-back-heap".into())
        .spawn(|| {
            loop {
                std::thread::sleep(GIVE_BACK_EVERY);
                heap::give_back_freed();
            }
        })
        .context("starting the simulated cluster's heap trimmer")?;
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
