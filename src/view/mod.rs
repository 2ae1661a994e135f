//! The watched state, without I/O: what the watches deliver ([`Change`]), folded once
//! into one namespace view ([`ClusterView`], a [`Cache`] per kind), and the rows the
//! screens and `status` make of it with the time injected. The engine folds; the wizard's
//! Model, the UI and the status printer read the same view.
//!
//! - `change`: one watch event of one followed kind, or a watch's trouble.
//! - `cache`: one kind's objects, relists honoured; `cluster_view`: every kind, the fold.
//! - `pod`, `event`: the slim projections of pods and events the view keeps, made once
//!   at the watch boundary; `kept_events`: how many events it keeps (an hour's, capped).
//!   `projection`: what both share (each is its API kind to kube).
//! - `outage`: why the watches are down, in words, and since when.
//! - `pod_row`: a pod as kubectl shows it (READY, STATUS, RESTARTS, AGE), time injected.
//! - `objects`: the namespace's objects as one line each; events' objects and times.
pub mod cache;
pub mod change;
pub mod cluster_view;
pub mod event;
pub mod kept_events;
pub mod objects;
pub mod outage;
pub mod pod;
pub mod pod_row;
mod projection;

pub use cache::Cache;
pub use change::Change;
pub use cluster_view::ClusterView;
pub use event::WatchedEvent;
pub use pod::WatchedPod;

/// A pod with only a name: what the fold's tests need of one.
#[cfg(test)]
pub(crate) fn named_pod(name: &str) -> WatchedPod {
    let mut p = WatchedPod::default();
    p.metadata.name = Some(name.into());
    p
}
