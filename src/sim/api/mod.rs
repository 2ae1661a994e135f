//! The simulated cluster's API server: the HTTP side (routing, discovery, OpenAPI,
//! verbs, watch streaming, patches, defaulting, validation, tables, auth, TLS).
//!
//! Everything is one axum `Router` over shared [`ApiState`]; the same router is served
//! over HTTPS (tls) and called in-process by tests (inprocess).

pub mod aggregated;
pub mod auth;
pub mod authz;
pub mod defaults;
pub mod discovery;
pub mod fields;
pub mod handlers;
pub mod inprocess;
pub mod kubeconfig;
pub mod meta;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod request;
pub mod router;
pub mod selector;
pub mod status;
pub mod strict;
pub mod table;
pub mod tls;
pub mod validate;

use std::sync::Arc;

use axum::Router;

use super::cluster::SimConfig;
use super::store::Store;

pub use router::router;

/// What every handler shares.
#[derive(Debug)]
pub struct ApiState {
    pub store: Arc<Store>,
    pub config: SimConfig,
    pub auth: auth::Authenticator,
    /// What runs in the pods (EMQX nodes, logs, service-account tokens).
    pub world: Arc<crate::sim::workloads::World>,
}

impl ApiState {
    pub fn new(store: Arc<Store>, config: SimConfig) -> ApiState {
        let world = crate::sim::workloads::World::new(store.clone());
        ApiState {
            store,
            config,
            auth: auth::Authenticator::generate(),
            world,
        }
    }
}

/// Builds a router for a state (for callers that hold the state, not a `Sim`).
pub fn router_for(state: Arc<ApiState>) -> Router {
    router::router(state)
}
