//! The kinds the simulated API server serves, and what discovery says about each.
//!
//! One enum, so every place that handles "all kinds" is an exhaustive match.

/// A served resource (top level; subresources are routed separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Res {
    Namespace,
    Node,
    Pod,
    Service,
    Endpoints,
    ConfigMap,
    Secret,
    ServiceAccount,
    PersistentVolumeClaim,
    PersistentVolume,
    Event,
    Deployment,
    ReplicaSet,
    StatefulSet,
    ControllerRevision,
    Role,
    RoleBinding,
    ClusterRole,
    ClusterRoleBinding,
    StorageClass,
    Job,
    CronJob,
    Lease,
    APIService,
    NetworkPolicy,
}

/// What discovery and the router need to know about a resource.
#[derive(Debug, Clone, Copy)]
pub struct ResInfo {
    pub res: Res,
    /// API group; "" for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
}

impl ResInfo {
    /// "v1" or "apps/v1": the apiVersion objects of this kind carry.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

#[allow(clippy::too_many_arguments)] // one row of the ALL table, positional by design
const fn info(
    res: Res,
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> ResInfo {
    ResInfo {
        res,
        group,
        version,
        kind,
        plural,
        singular,
        namespaced,
        short_names,
    }
}

/// Every served resource, in discovery order.
pub const ALL: &[ResInfo] = &[
    info(
        Res::ConfigMap,
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        "configmap",
        true,
        &["cm"],
    ),
    info(
        Res::Endpoints,
        "",
        "v1",
        "Endpoints",
        "endpoints",
        "endpoints",
        true,
        &["ep"],
    ),
    info(
        Res::Event,
        "",
        "v1",
        "Event",
        "events",
        "event",
        true,
        &["ev"],
    ),
    info(
        Res::Namespace,
        "",
        "v1",
        "Namespace",
        "namespaces",
        "namespace",
        false,
        &["ns"],
    ),
    info(Res::Node, "", "v1", "Node", "nodes", "node", false, &["no"]),
    info(
        Res::PersistentVolumeClaim,
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        true,
        &["pvc"],
    ),
    info(
        Res::PersistentVolume,
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        "persistentvolume",
        false,
        &["pv"],
    ),
    info(Res::Pod, "", "v1", "Pod", "pods", "pod", true, &["po"]),
    info(
        Res::Secret,
        "",
        "v1",
        "Secret",
        "secrets",
        "secret",
        true,
        &[],
    ),
    info(
        Res::ServiceAccount,
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        "serviceaccount",
        true,
        &["sa"],
    ),
    info(
        Res::Service,
        "",
        "v1",
        "Service",
        "services",
        "service",
        true,
        &["svc"],
    ),
    info(
        Res::ControllerRevision,
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        "controllerrevision",
        true,
        &[],
    ),
    info(
        Res::Deployment,
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        true,
        &["deploy"],
    ),
    info(
        Res::ReplicaSet,
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        true,
        &["rs"],
    ),
    info(
        Res::StatefulSet,
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        true,
        &["sts"],
    ),
    info(
        Res::ClusterRoleBinding,
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        "clusterrolebinding",
        false,
        &[],
    ),
    info(
        Res::ClusterRole,
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        "clusterrole",
        false,
        &[],
    ),
    info(
        Res::RoleBinding,
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        "rolebinding",
        true,
        &[],
    ),
    info(
        Res::Role,
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        "role",
        true,
        &[],
    ),
    info(
        Res::StorageClass,
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        "storageclass",
        false,
        &["sc"],
    ),
    info(
        Res::CronJob,
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        "cronjob",
        true,
        &["cj"],
    ),
    info(Res::Job, "batch", "v1", "Job", "jobs", "job", true, &[]),
    info(
        Res::Lease,
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        "lease",
        true,
        &[],
    ),
    info(
        Res::APIService,
        "apiregistration.k8s.io",
        "v1",
        "APIService",
        "apiservices",
        "apiservice",
        false,
        &[],
    ),
    info(
        Res::NetworkPolicy,
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        "networkpolicy",
        true,
        &["netpol"],
    ),
];

impl Res {
    pub fn info(self) -> &'static ResInfo {
        // ALL holds every variant exactly once (checked by a test below).
        ALL.iter()
            .find(|i| i.res == self)
            .unwrap_or_else(|| unreachable!("{self:?} missing from resources::ALL"))
    }

    /// Finds a resource by group and plural, as they appear in a request path.
    pub fn from_path(group: &str, version: &str, plural: &str) -> Option<Res> {
        ALL.iter()
            .find(|i| i.group == group && i.version == version && i.plural == plural)
            .map(|i| i.res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_appears_once_in_the_table() {
        for (i, a) in ALL.iter().enumerate() {
            assert_eq!(a.res.info().plural, a.plural);
            for b in &ALL[i + 1..] {
                assert_ne!(a.res, b.res);
            }
        }
        assert_eq!(
            Res::from_path("apps", "v1", "statefulsets"),
            Some(Res::StatefulSet)
        );
        assert_eq!(Res::from_path("", "v1", "statefulsets"), None);
    }
}
