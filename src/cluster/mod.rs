//! Talking to a Kubernetes cluster through kube-rs — the simulated one and a real one
//! by the same code path. Nothing here asks which it is.
//!
//! - `connect`: a client from a kubeconfig (and context).
//! - `facts`: read-only questions (version, nodes, storage classes, access reviews, logs).
//! - `guard`: the confirmation a write to a non-embedded cluster needs.
//! - `heap`: giving the heap the lists freed back to the system (glibc keeps it).
//! - `kubeconfig`: reading one and choosing its context, failures naming file and names.
//! - `reach`: why a request did not get through (refused, DNS, timeout, CA, 401), named.
//! - `apply`: the one write path (server-side apply, discovery, whole-stage dry run).
//! - `watch`: one watcher per followed kind, merged into `view::Change`s; their backoff,
//!   and their failures in words (what they are folded into is `crate::view`).
//! - `errors`: kube errors in words (code, reason, message).
//! - `logs`: following a pod's log as lines.
//! - `exec`: run a command in a pod (how EMQX membership is read).
//! - `portforward_mqtt`: an MQTT 3.1.1 client over a pod's port-forward (delivery).
//! - `refusal`: why an exec or a log read did not get through (RBAC, kubelet, container).
//! - `retry`: trying idempotent calls again after 429s, 5xx and dropped connections.
pub mod apply;
pub mod connect;
pub mod errors;
pub mod exec;
pub mod facts;
pub mod guard;
pub mod heap;
pub mod kubeconfig;
pub mod logs;
pub mod portforward_mqtt;
pub mod reach;
pub mod refusal;
pub mod retry;
pub mod watch;
