//! What a fresh cluster already holds before anyone applies anything: Ready nodes, the
//! four system namespaces, the `kubernetes` Service, CoreDNS and the default StorageClass.
//! (Per-namespace objects, the `default` ServiceAccount and `kube-root-ca.crt`, come
//! from the namespace controller, for seeded and later namespaces alike.)

use serde_json::{Value, json};

use super::seed_dns;
use crate::config::SimConfig;
use crate::resources::Res;
use crate::store::{Store, StoreError};

/// The kubelet version the nodes report (the server reports 1.33 too).
pub const KUBELET_VERSION: &str = "v1.33.4";
/// The default StorageClass's name and provisioner (kind and k3s ship the same pair).
pub const DEFAULT_CLASS: &str = "standard";
pub const PROVISIONER: &str = "rancher.io/local-path";
/// The `kubernetes` Service's ClusterIP: the first address of the service CIDR.
pub const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";

pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Node `i` (0-based) is `sim-node-{i+1}`, InternalIP 172.18.0.{i+2}, pods 10.244.{i}.0/24.
pub fn node_name(i: usize) -> String {
    format!("sim-node-{}", i + 1)
}

pub fn seed(store: &Store, config: &SimConfig) -> Result<(), StoreError> {
    for i in 0..config.node_count.max(1) {
        create_once(store, Res::Node, node(store, i))?;
    }
    for ns in SYSTEM_NAMESPACES {
        create_once(store, Res::Namespace, namespace(ns))?;
    }
    create_once(store, Res::Service, kubernetes_service())?;
    create_once(
        store,
        Res::ServiceAccount,
        seed_dns::coredns_service_account(),
    )?;
    create_once(store, Res::Service, seed_dns::kube_dns_service())?;
    create_once(store, Res::Deployment, seed_dns::coredns_deployment())?;
    create_once(store, Res::Endpoints, kubernetes_endpoints())?;
    if config.default_storage_class {
        create_once(store, Res::StorageClass, default_storage_class())?;
    }
    Ok(())
}

/// Creating what already exists is fine: seeding twice must not fail.
fn create_once(store: &Store, res: Res, object: Value) -> Result<(), StoreError> {
    match store.create(res, object) {
        Ok(_) | Err(StoreError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

pub fn namespace(name: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

fn node(store: &Store, i: usize) -> Value {
    let name = node_name(i);
    let now = store.clock().now_rfc3339();
    let condition = |kind: &str, status: &str, reason: &str, message: &str| {
        json!({"type": kind, "status": status, "lastHeartbeatTime": now,
               "lastTransitionTime": now, "reason": reason, "message": message})
    };
    let resources = json!({
        "cpu": "4", "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0",
        "hugepages-2Mi": "0", "memory": "8148020Ki", "pods": "110",
    });
    let mut role = serde_json::Map::new();
    role.insert(
        if i == 0 {
            "node-role.kubernetes.io/control-plane".into()
        } else {
            "node-role.kubernetes.io/worker".into()
        },
        json!(""),
    );
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    });
    if let Some(map) = labels.as_object_mut() {
        map.extend(role);
    }
    let cidr = format!("10.244.{i}.0/24");
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": format!("kind://docker/sim/{name}")},
        "status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": node_ip(i)},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": format!("{:032x}", 0x5111_0000 + i),
                "systemUUID": crate::store::new_uid(),
                "bootID": crate::store::new_uid(),
                "kernelVersion": "6.8.0-45-generic",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://2.1.1",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    })
}

pub fn node_ip(i: usize) -> String {
    format!("172.18.0.{}", i + 2)
}

fn kubernetes_service() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "clusterIP": KUBERNETES_SERVICE_IP,
            "clusterIPs": [KUBERNETES_SERVICE_IP],
            "type": "ClusterIP",
            "sessionAffinity": "None",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    })
}

/// The API server maintains this one itself (the Service has no selector).
fn kubernetes_endpoints() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{
            "addresses": [{"ip": node_ip(0)}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        }],
    })
}

/// `standard`, provisioned by local-path with WaitForFirstConsumer, as kind ships it:
/// a claim stays Pending ("waiting for first consumer") until a pod using it is
/// scheduled, then gets a volume on that pod's node, and the pod follows its volume
/// there ever after.
fn default_storage_class() -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": DEFAULT_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    })
}
