//! `kubetour sim serve`: run the simulated cluster until Ctrl-C.
//!
//! Prints `export KUBECONFIG=<path>` (the first line on stdout, so scripts and tests can
//! read it) once the server is listening.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::api::{kubeconfig, tls};
use crate::cluster::{Sim, SimConfig};
use crate::state;
use std::sync::Arc;

/// How `serve` runs: the cluster's settings and where and how it is served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Must be a loopback address (127.0.0.1:0 picks a free port).
    pub listen: std::net::SocketAddr,
    /// Where to write the kubeconfig (mode 0600); default: in the temp directory.
    pub kubeconfig: Option<PathBuf>,
    pub sim: SimConfig,
    /// Answer every request this much later (a slow API server).
    pub latency: Option<std::time::Duration>,
    /// Keep the cluster in this file across restarts (as etcd does).
    pub state: Option<PathBuf>,
}

/// Runs the simulated cluster until Ctrl-C or SIGTERM.
pub fn run(args: &ServeOptions) -> anyhow::Result<ExitCode> {
    tls::check_loopback(args.listen)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: &ServeOptions) -> anyhow::Result<()> {
    let config = args.sim.clone();
    let restored = match &args.state {
        Some(path) => state::load(path, config.speed)?,
        None => None,
    };
    let (sim, certs) = match restored {
        Some(mut r) => {
            let certs = match r.certs.take() {
                Some(c) => c,
                None => tls::generate()?,
            };
            (Sim::restart(config, r), certs)
        }
        None => (Sim::start(config), tls::generate()?),
    };
    let router = match args.latency {
        Some(delay) => crate::latency::layer(sim.router(), delay),
        None => sim.router(),
    };
    let served = tls::serve_with(router, args.listen, &certs)?;
    let certs = Arc::new(certs);
    let saver = args.state.as_ref().map(|path| {
        tokio::spawn(state::keep_written(
            sim.api_state().clone(),
            certs.clone(),
            path.clone(),
        ))
    });
    let path = args
        .kubeconfig
        .clone()
        .unwrap_or_else(|| default_kubeconfig_path(served.addr.port()));
    kubeconfig::write_private(&path, &sim.kubeconfig(&served)?)?;
    // Whoever started us may stop reading stdout; that must not stop the cluster.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "export KUBECONFIG={}", path.display());
    let _ = out.flush();
    eprintln!(
        "# simulated cluster (Kubernetes {}) listening on https://{}; Ctrl-C stops it",
        crate::api::discovery::GIT_VERSION,
        served.addr
    );
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
        _ = terminated() => {}
    }
    served.handle.shutdown();
    if let (Some(path), Some(saver)) = (&args.state, saver) {
        saver.abort();
        state::write(path, &state::capture(sim.api_state(), &certs))?;
    }
    Ok(())
}

/// SIGTERM also stops the server cleanly (tests and process managers send it).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut s) = signal(SignalKind::terminate()) {
            s.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await;
}

fn default_kubeconfig_path(port: u16) -> PathBuf {
    std::env::temp_dir().join(format!("kubetour-sim-{port}.kubeconfig"))
}
