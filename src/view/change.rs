//! What the watches deliver: one typed event of one followed kind, or why a watch failed.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, PersistentVolumeClaim, Service, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::runtime::watcher::Event;

use super::outage::WatchTrouble;
use super::{WatchedEvent, WatchedPod};

/// One watch event of one of the kinds the wizard follows. Objects are shared (`Arc`):
/// the view keeps the same object the watch delivered, and the copies of the view handed
/// to the wizard share it too (a deep copy per view doubled the memory of a 1,000-pod
/// namespace).
#[derive(Debug, Clone)]
pub enum Change {
    /// Pods and events come projected (see `view::pod`, `view::event`): the whole API
    /// object is dropped at the watch boundary.
    Pod(Event<Arc<WatchedPod>>),
    Deployment(Event<Arc<Deployment>>),
    ReplicaSet(Event<Arc<ReplicaSet>>),
    StatefulSet(Event<Arc<StatefulSet>>),
    Service(Event<Arc<Service>>),
    Endpoints(Event<Arc<Endpoints>>),
    Claim(Event<Arc<PersistentVolumeClaim>>),
    ConfigMap(Event<Arc<ConfigMap>>),
    ServiceAccount(Event<Arc<ServiceAccount>>),
    Role(Event<Arc<Role>>),
    RoleBinding(Event<Arc<RoleBinding>>),
    Event(Event<Arc<WatchedEvent>>),
    /// A watch failed; the watcher retries with backoff. Says why, in words.
    Trouble(WatchTrouble),
}

impl Change {
    /// How many kinds the view follows (the variants other than `Trouble`).
    pub const KINDS: u32 = 12;

    /// For the end of a (re)list, the kind's position among the followed kinds.
    pub(super) fn init_done_kind(&self) -> Option<u8> {
        let kind = match self {
            Change::Pod(Event::InitDone) => 0,
            Change::Deployment(Event::InitDone) => 1,
            Change::ReplicaSet(Event::InitDone) => 2,
            Change::StatefulSet(Event::InitDone) => 3,
            Change::Service(Event::InitDone) => 4,
            Change::Endpoints(Event::InitDone) => 5,
            Change::Claim(Event::InitDone) => 6,
            Change::ConfigMap(Event::InitDone) => 7,
            Change::ServiceAccount(Event::InitDone) => 8,
            Change::Role(Event::InitDone) => 9,
            Change::RoleBinding(Event::InitDone) => 10,
            Change::Event(Event::InitDone) => 11,
            _ => return None,
        };
        Some(kind)
    }
}
