//! A simulated Kubernetes cluster: an API server on 127.0.0.1 (HTTPS, bearer tokens,
//! RBAC) with simulated nodes, scheduler, kubelet, controllers, volumes, and pods that run
//! EMQX like EMQX. kube-rs and kubectl talk to it like to a real cluster.
//!
//! It knows nothing of kubetour's wizard: kubetour starts it only from its composition
//! root (the embedded target and `kubetour sim serve`) and reaches it through a
//! kubeconfig. Another kube-rs project can use it as a test double: see README.md.
//!
//! What to start from: [`Sim`] (start a cluster from a [`SimConfig`], its in-process
//! [`Sim::client`], [`Sim::serve_tls`] on loopback, [`Sim::kubeconfig`]) and [`serve`]
//! (run one until Ctrl-C, as `kubetour sim serve` does).
//!
//!
//! - `resources`: the served kinds (one enum) and their discovery facts.
//! - `clock`: timestamps that follow tokio's (possibly paused) clock; the speed factor.
//! - `store`: objects, resourceVersions, history for watches (etcd + generic registry).
//! - `key_order` (+ `key_order_schema`): every object in the real server's key order
//!   (kind, apiVersion, metadata, then Go struct order), applied by the store.
//! - `serve`: run a cluster until Ctrl-C (`kubetour sim serve`); `yaml`: the one use of
//!   serde_yaml; `fuzzing`: the API server's fuzz entry point.
//! - `faults`: 500s, 429s and dropped watches on demand, for resilience tests; `latency`:
//!   a slow API server on demand (`sim serve --latency`).
//! - `rbac`: the RBAC authorizer, default policy, forbidden messages, service-account tokens.
//! - `cluster`: `Sim` (store + API router + controllers); `api`: the HTTP side.
//! - `emqx`: the pure model of an emqx/emqx container (settings, node names, discovery,
//!   logs, `emqx ctl`, HTTP answers, membership), per EMQX version.
//! - `workloads`: what runs in pods — the EMQX model driven by the kubelet, container
//!   logs, service-account tokens, ServiceAccount admission.
//! - `mqtt`: the MQTT broker every EMQX node serves on 1883 (3.1, 3.1.1, 5 through
//!   rumqttc's codec): sessions, QoS 0/1/2, retained, wills, shared subscriptions,
//!   routed along the EMQX cluster membership at publish time; one state for all nodes,
//!   which `emqx ctl clients/subscriptions/topics list` and the HTTP lists read.
//! - `config`, `controllers`: the cluster's behaviour (nodes, scheduler, kubelet,
//!   workload controllers, volumes, endpoints, garbage collection).
#![forbid(unsafe_code)]

pub mod api;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod controllers;
pub mod emqx;
#[cfg(feature = "testing")]
pub mod faults;
#[doc(hidden)]
pub mod fuzzing;
pub mod key_order;
mod key_order_schema;
pub mod latency;
pub mod mqtt;
mod rbac;
pub mod resources;
mod serve;
mod shell;
mod state;
pub mod store;
// Its tests open port connections to pods directly (`testing`); otherwise internal.
#[cfg(feature = "testing")]
pub mod workloads;
#[cfg(not(feature = "testing"))]
mod workloads;
mod yaml;

pub use api::discovery::GIT_VERSION;
pub use api::kubeconfig::write_private as write_kubeconfig;
pub use cluster::{Extensions, Served, Sim};
pub use config::SimConfig;
pub use serve::{ServeOptions, run as serve};
