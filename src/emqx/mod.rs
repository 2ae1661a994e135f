//! What the wizard knows about EMQX: reading what real EMQX nodes print.
//!
//! This is deliberately independent of the simulator's EMQX model (src/sim/emqx): the
//! simulator prints what real EMQX prints and this module parses it. Sharing a formatter
//! would let one mistake pass every test and fail on a real cluster; both sides are
//! tested against the exact strings in EMQX.md instead.
//!
//! - `cluster_status`: `emqx ctl cluster status` (4.x and 5.x, plain and `--json`).
//! - `node_status`: `emqx ctl status` and the HTTP `/status` body.
//! - `membership`: the clusters and islands that the nodes' answers describe.
//! - `discovery_keys`: the settings that turn on k8s discovery, per version (P6).
pub mod cluster_status;
pub mod discovery_keys;
pub mod membership;
pub mod node_status;
