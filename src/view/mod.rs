//! The watched state, without I/O: what the watches deliver ([`Change`]), folded once
//! into one namespace view ([`ClusterView`], a [`Cache`] per kind), and the rows the
//! screens and `status` make of it with the time injected. The engine folds; the wizard's
//! Model, the UI and the status printer read the same view.
//!
//! - `change`: one watch event of one followed kind, or a watch's trouble.
//! - `cache`: one kind's objects, relists honoured; `cluster_view`: every kind, the fold.
//! - `outage`: why the watches are down, in words, and since when.
//! - `pod_row`: a pod as kubectl shows it (READY, STATUS, RESTARTS, AGE), time injected.
//! - `objects`: the namespace's objects as one line each; events' objects and times.
pub mod cache;
pub mod change;
pub mod cluster_view;
pub mod objects;
pub mod outage;
pub mod pod_row;

pub use cache::Cache;
pub use change::Change;
pub use cluster_view::ClusterView;

/// A pod with only a name: what the fold's tests need of one.
#[cfg(test)]
pub(crate) fn named_pod(name: &str) -> k8s_openapi::api::core::v1::Pod {
    let mut p = k8s_openapi::api::core::v1::Pod::default();
    p.metadata.name = Some(name.into());
    p
}
