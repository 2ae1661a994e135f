//! Talking to a Kubernetes cluster through kube-rs — the simulated one and a real one
//! by the same code path. Nothing here asks which it is.
//!
//! - `connect`: a client from a kubeconfig (and context).
//! - `guard`: the confirmation a write to a non-embedded cluster needs.
//! - `apply`: the one write path (server-side apply, discovery, whole-stage dry run).
pub mod apply;
pub mod connect;
pub mod guard;
