//! The embedded simulated cluster as a target: started in-process, served over HTTPS on
//! 127.0.0.1, and handed to the rest of kubetour as nothing but a kubeconfig file — the
//! same way a real cluster arrives. With `sim serve`, the only code that starts it.

use std::path::{Path, PathBuf};

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

/// Copies the embedded cluster's kubeconfig to a path that stays the same run after
/// run, so `export KUBECONFIG=...` in a second terminal keeps working.
pub fn stable_kubeconfig(from: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create kubetour's state directory {} (KUBETOUR_STATE_DIR, else \
             $XDG_STATE_HOME/kubetour or ~/.local/state/kubetour); point KUBETOUR_STATE_DIR \
             at a writable directory",
            dir.display()
        )
    })?;
    let text = std::fs::read_to_string(from).with_context(|| {
        format!(
            "reading the embedded cluster's kubeconfig {}",
            from.display()
        )
    })?;
    let path = dir.join("sim-kubeconfig");
    kubetour_sim::write_kubeconfig(&path, &text)?;
    Ok(path)
}
