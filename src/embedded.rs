//! The embedded simulated cluster as a target: started in-process, served over HTTPS on
//! 127.0.0.1, and handed to the rest of kubetour as nothing but a kubeconfig file — the
//! same way a real cluster arrives. This is part of the composition root: the only place
//! outside `sim` that starts it.

use std::path::PathBuf;

use anyhow::Context;

use kubetour_sim::{Served, Sim, SimConfig};

/// A running embedded cluster; dropping it stops the server and the controllers.
pub struct Embedded {
    pub kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
    _served: Served,
    _sim: Sim,
}

impl Embedded {
    /// Starts the simulated cluster (inside a tokio runtime) and writes its kubeconfig.
    pub fn start(speed: f64, default_storage_class: bool) -> anyhow::Result<Embedded> {
        let sim = Sim::start(SimConfig {
            speed,
            default_storage_class,
            ..SimConfig::default()
        });
        let served = sim
            .serve_tls(([127, 0, 0, 1], 0).into())
            .context("starting the embedded simulated cluster on 127.0.0.1")?;
        let text = sim.kubeconfig(&served)?;
        let dir = tempfile::Builder::new()
            .prefix("kubetour-")
            .tempdir()
            .context("creating a directory for the embedded cluster's kubeconfig")?;
        let kubeconfig = dir.path().join("kubeconfig");
        kubetour_sim::write_kubeconfig(&kubeconfig, &text)?;
        Ok(Embedded {
            kubeconfig,
            _dir: dir,
            _served: served,
            _sim: sim,
        })
    }
}
