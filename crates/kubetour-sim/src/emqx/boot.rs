//! One container start, from env to a configured node or a failed boot: the docker
//! entrypoint (`nodename`), `bin/emqx`'s name check, config generation (`settings`).

use super::line::{BootFailure, Line};
use super::logs;
use super::nodename::{self, PodFacts};
use super::settings::{self, Env, Settings};
use super::version::{Family, Version};

/// A node whose configuration was generated: it goes on to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booted {
    pub node_name: String,
    pub settings: Settings,
    /// The env EMQX ran with (after the entrypoint and `bin/emqx`).
    pub env: Env,
    /// The Erlang distribution port (4370 + trailing digits of the short name).
    pub dist_port: u32,
    /// What the container prints before its listeners start (cookie warning, config
    /// output, 4.x banner).
    pub start_lines: Vec<Line>,
}

impl Booted {
    /// A discovery strategy the model runs (ekka's k8s or dns).
    pub fn discovers(&self) -> bool {
        self.settings.k8s.is_some() || self.settings.dns.is_some()
    }
}

/// Runs the boot steps in the order `bin/emqx` does: 4.x checks the name before
/// generating its config, 5.x after `call_hocon multi_get` (which needs the config).
pub fn boot(version: &Version, env: &Env, pod: &PodFacts) -> Result<Booted, BootFailure> {
    let entry = nodename::run_entrypoint(version, env, pod)?;
    if version.family() == Family::V4 {
        nodename::validate_node_name(version, &entry.node_name)?;
    }
    let settings = settings::generate(version, &entry.env)?;
    if version.family() == Family::V5 {
        nodename::validate_node_name(version, &entry.node_name)?;
    }
    let start_lines = logs::boot_start(version, &settings, &entry.node_name);
    Ok(Booted {
        dist_port: nodename::dist_port(&entry.node_name),
        node_name: entry.node_name,
        settings,
        env: entry.env,
        start_lines,
    })
}
