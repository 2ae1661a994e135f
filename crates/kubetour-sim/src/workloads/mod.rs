//! What runs inside the simulated pods: the EMQX model (`sim::emqx`) driven by the
//! kubelet, the pods' service-account tokens, and the container logs the API serves.
//!
//! One [`World`] per simulated cluster, shared by the kubelet's container runtime
//! (`runtime`), the node tasks (`driver`) and the API handlers (logs, exec, proxy).
//!
//! - `world`: the shared state (registry, runs, tokens) and its simulated clock.
//! - `logbook`: per-container log lines of the current and the previous run.
//! - `env`: a container's effective environment and pod facts, as read at its start.
//! - `runtime`: the `ContainerRuntime` for `emqx/emqx:*` images.
//! - `driver`: one tokio task per running node (phases, discovery GETs with the token,
//!   DNS lookups).
//! - `dns`: cluster DNS as CoreDNS answers from Services and Endpoints (ekka's dns
//!   strategy).
//! - `ports`: what a pod's ports answer to a TCP client (port-forward): EMQX's HTTP
//!   listeners (shared with the API server's proxy) and its MQTT listener (`mqtt`: a
//!   pipe into a `crate::mqtt` broker session on that node).
//! - `command`: the runtime for other images whose command the shell can run (busybox
//!   `sh -c 'echo …'`): output in the log, exit code, then restartPolicy.
//! - `shells`: a container's shell (`sim::shell`) with its env, files and `emqx ctl`.
//! - `accounts`: the ServiceAccount admission check for new pods.

pub mod accounts;
pub mod command;
pub mod dns;
pub mod driver;
pub mod env;
pub mod logbook;
pub mod mqtt;
pub mod netpol;
pub mod ports;
pub mod runtime;
pub mod shells;
pub mod world;

pub use world::World;
