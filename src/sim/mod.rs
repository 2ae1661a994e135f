//! The embedded simulated cluster: a Kubernetes API server on 127.0.0.1 with simulated
//! nodes, controllers and EMQX.
//!
//! Nothing outside this module tree imports it except the composition root (main.rs /
//! cli.rs dispatch): the wizard reaches it only through a kubeconfig, like a real cluster.
//!
//! - `resources`: the served kinds (one enum) and their discovery facts.
//! - `clock`: timestamps that follow tokio's (possibly paused) clock; the speed factor.
//! - `store`: objects, resourceVersions, history for watches (etcd + generic registry).
//! - `serve`: `kubetour sim serve`.
pub mod clock;
pub mod emqx;
pub mod resources;
pub mod serve;
pub mod store;
