//! The simulated cluster's API server: the HTTP side (routing, discovery, OpenAPI,
//! verbs, watch streaming, patches, defaulting, validation, tables, auth, TLS).
//!
//! Everything is one axum `Router` over shared [`ApiState`]; the same router is served
//! over HTTPS (tls) and called in-process by tests (inprocess).
//!
//! A request goes: `auth` (bearer token: admin or service account; impersonation and
//! RBAC authorization of every request via `access`) -> `router` (path -> collection / object /
//! subresource / discovery) -> `handlers` (verbs) -> `handlers::commit` for writes
//! (`defaults`, `handlers::admission`, `validate`, managedFields via `meta`/`fields`,
//! dry run) -> the store. Bodies: `request` (JSON, YAML, `protobuf`), `patch` (merge,
//! strategic, JSON patch, server-side apply), `strict` (fieldValidation). Answers:
//! `status` (error Statuses), `table` (kubectl get), `discovery` + `aggregated` +
//! `openapi` (what kubectl downloads first), `slices` (EndpointSlices derived from
//! Endpoints), `events_v1` (events.k8s.io/v1, converted from core Events). Field
//! selectors: `selector` with the per-kind labels of `field_labels`; managedFields:
//! `fields` (+ `fields_order`); batch/v1 defaults and validation: `batch`. `kubeconfig` writes what clients need to reach a served sim. What runs in
//! pods is reached through `handlers::{logs, exec, proxy}` (`sim::workloads`), and
//! `handlers::reviews` answers (Self)SubjectAccessReviews; `handlers::{eviction, token,
//! ephemeral}` serve pods/eviction, serviceaccounts/token, pods/ephemeralcontainers.

pub mod access;
pub mod aggregated;
pub mod auth;
pub mod authz;
pub mod batch;
pub mod defaults;
pub mod discovery;
pub mod events_v1;
pub mod field_labels;
pub mod fields;
pub mod fields_order;
pub mod handlers;
pub mod inprocess;
pub mod kubeconfig;
pub mod meta;
pub mod metrics;
pub mod openapi;
pub mod patch;
pub mod protobuf;
pub mod request;
pub mod router;
pub mod selector;
pub mod slices;
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
    pub world: Arc<crate::workloads::World>,
    /// Decides for users other than the admin (None: they may do nothing).
    pub authorizer: Option<Arc<dyn authz::Authorizer>>,
    /// Request counters behind `/metrics`.
    pub metrics: metrics::Metrics,
}

impl ApiState {
    pub fn new(store: Arc<Store>, config: SimConfig) -> ApiState {
        let world = crate::workloads::World::new(store.clone());
        ApiState {
            store,
            config,
            auth: auth::Authenticator::generate(),
            world,
            authorizer: None,
            metrics: metrics::Metrics::default(),
        }
    }

    /// Allows the request or answers the real 403 (for routes added by later parts).
    pub fn authorize(&self, r: &request::Req, attrs: &authz::Attributes) -> status::ApiResult<()> {
        authz::authorize(self.authorizer.as_deref(), r.user.as_ref(), attrs)
    }
}

/// Builds a router for a state (for callers that hold the state, not a `Sim`).
pub fn router_for(state: Arc<ApiState>) -> Router {
    router::router(state)
}
