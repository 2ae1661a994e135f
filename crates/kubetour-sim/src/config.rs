//! How a simulated cluster is set up: the knobs `kubetour sim serve` and tests turn.

/// Settings of one simulated cluster.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Simulated delays (image pull, start, readiness, binding) are divided by this.
    pub speed: f64,
    /// Seed a default StorageClass `standard`; without it claims stay Pending.
    pub default_storage_class: bool,
    /// How many Ready worker nodes to seed.
    pub node_count: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            speed: 1.0,
            default_storage_class: true,
            node_count: 3,
        }
    }
}
