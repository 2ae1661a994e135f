//! The embedded simulated cluster: a Kubernetes API server on 127.0.0.1 with simulated
//! nodes, controllers and EMQX.
//!
//! Nothing outside this module tree imports it except the composition root (main.rs /
//! cli.rs dispatch): the wizard reaches it only through a kubeconfig, like a real cluster.
//!
//! - `resources`: the served kinds (one enum) and their discovery facts.
//! - `clock`: timestamps that follow tokio's (possibly paused) clock; the speed factor.
//! - `store`: objects, resourceVersions, history for watches (etcd + generic registry).
//! - `key_order` (+ `key_order_schema`): every object in the real server's key order
//!   (kind, apiVersion, metadata, then Go struct order), applied by the store.
//! - `serve`: `kubetour sim serve`.
//! - `faults`: 500s, 429s and dropped watches on demand, for resilience tests; `latency`:
//!   a slow API server on demand (`sim serve --latency`).
//! - `rbac`: the RBAC authorizer, default policy, forbidden messages, service-account tokens.
//! - `cluster`: `Sim` (store + API router + controllers); `api`: the HTTP side.
//! - `emqx`: the pure model of an emqx/emqx container (settings, node names, discovery,
//!   logs, `emqx ctl`, HTTP answers, membership), per EMQX version.
//! - `workloads`: what runs in pods — the EMQX model driven by the kubelet, container
//!   logs, service-account tokens, ServiceAccount admission.
//! - `config`, `controllers`: the cluster's behaviour (nodes, scheduler, kubelet,
//!   workload controllers, volumes, endpoints, garbage collection).
pub mod api;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod controllers;
pub mod emqx;
pub mod faults;
pub mod key_order;
mod key_order_schema;
pub mod latency;
pub mod rbac;
pub mod resources;
pub mod serve;
pub mod shell;
pub mod state;
pub mod store;
pub mod workloads;
