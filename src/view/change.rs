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

/// The two ends of a (re)list of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEdge {
    /// The watcher starts listing (`Event::Init`): it is about to read a whole page.
    Started,
    /// The list's last object was delivered (`Event::InitDone`).
    Done,
}

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
        match self.list_edge()? {
            (kind, ListEdge::Done) => Some(kind),
            (_, ListEdge::Started) => None,
        }
    }

    /// Whether this change starts or ends a (re)list, and of which kind (its position
    /// among the followed kinds, `0..KINDS`): what the watch needs to know when every
    /// list is done and the buffers they read are freed.
    pub fn list_edge(&self) -> Option<(u8, ListEdge)> {
        fn edge<K>(event: &Event<K>) -> Option<ListEdge> {
            match event {
                Event::Init => Some(ListEdge::Started),
                Event::InitDone => Some(ListEdge::Done),
                Event::InitApply(_) | Event::Apply(_) | Event::Delete(_) => None,
            }
        }
        let (kind, edge) = match self {
            Change::Pod(e) => (0, edge(e)),
            Change::Deployment(e) => (1, edge(e)),
            Change::ReplicaSet(e) => (2, edge(e)),
            Change::StatefulSet(e) => (3, edge(e)),
            Change::Service(e) => (4, edge(e)),
            Change::Endpoints(e) => (5, edge(e)),
            Change::Claim(e) => (6, edge(e)),
            Change::ConfigMap(e) => (7, edge(e)),
            Change::ServiceAccount(e) => (8, edge(e)),
            Change::Role(e) => (9, edge(e)),
            Change::RoleBinding(e) => (10, edge(e)),
            Change::Event(e) => (11, edge(e)),
            Change::Trouble(_) => return None,
        };
        Some((kind, edge?))
    }
}
