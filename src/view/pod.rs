//! A pod as the wizard keeps it: only what its panels, checks, witnesses and diagnoses
//! read, projected once from the watched `Pod` at the watch boundary.
//!
//! Why not the k8s-openapi `Pod`: it carries every optional field of the API inline, so
//! a pod of a Deployment (a projected service-account volume, tolerations, five
//! conditions, a container status) held about 23 KB; 1,000 of them were half of the
//! wizard's memory. The projection keeps the field names and shapes of the API object
//! for what it keeps (`pod.status.as_ref()?.phase`, `pod.metadata.uid`), so the code
//! that reads a pod reads it as the API writes it; what it drops no one reads.

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

/// The parts of a pod the wizard reads.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WatchedPod {
    /// Name, uid, resourceVersion, labels, owners, creation and deletion times only.
    #[serde(deserialize_with = "slim_meta_of")]
    pub metadata: ObjectMeta,
    pub spec: Option<PodSpec>,
    pub status: Option<PodStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub node_name: Option<String>,
    /// Only the volumes that mount a claim.
    #[serde(deserialize_with = "claim_volumes")]
    pub volumes: Option<Vec<Volume>>,
}

/// A container: its image (which pods run EMQX) and the settings it is given (the
/// discovery checks read EMQX's cluster settings from `env` and `envFrom`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub env: Option<Vec<EnvVar>>,
    pub env_from: Option<Vec<EnvFromSource>>,
}

/// `value` is unset for a value taken from a Secret or a field.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EnvFromSource {
    pub prefix: Option<String>,
    pub config_map_ref: Option<ConfigMapRef>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigMapRef {
    pub name: String,
}

/// A volume that mounts a claim.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    pub persistent_volume_claim: Option<ClaimSource>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClaimSource {
    pub claim_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    pub phase: Option<String>,
    pub reason: Option<String>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    pub conditions: Option<Vec<PodCondition>>,
    pub container_statuses: Option<Vec<ContainerStatus>>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: String,
    pub ready: bool,
    pub restart_count: i32,
    pub state: Option<ContainerState>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerState {
    pub waiting: Option<Waiting>,
    pub running: Option<Running>,
    pub terminated: Option<Terminated>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Waiting {
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Running {
    pub started_at: Option<Time>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Terminated {
    pub reason: Option<String>,
    pub signal: Option<i32>,
    pub exit_code: i32,
}

/// The metadata every watched projection keeps: what names it, dates it, says what owns
/// it and selects it, and whether it is going away. Annotations, finalizers and
/// managedFields are left behind.
pub fn slim_meta(m: ObjectMeta) -> ObjectMeta {
    ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        labels: m.labels,
        owner_references: m.owner_references,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        ..ObjectMeta::default()
    }
}

/// What [`slim_meta`] keeps, read straight from the API's JSON: managedFields,
/// annotations (kubectl's last-applied copy of the whole object among them) and the rest
/// are skipped by the parser, never built.
#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SlimMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    labels: Option<std::collections::BTreeMap<String, String>>,
    owner_references: Option<Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
}

/// `metadata` as [`slim_meta`] would leave it, without building the rest.
pub fn slim_meta_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let m = <SlimMeta as serde::Deserialize>::deserialize(d)?;
    Ok(ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        labels: m.labels,
        owner_references: m.owner_references,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        ..ObjectMeta::default()
    })
}

/// A pod's volumes, keeping those that mount a claim.
fn claim_volumes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Volume>>, D::Error> {
    let all = <Option<Vec<Volume>> as serde::Deserialize>::deserialize(d)?;
    Ok(all.map(|vs| {
        vs.into_iter()
            .filter(|v| v.persistent_volume_claim.is_some())
            .collect()
    }))
}

impl From<core::Pod> for WatchedPod {
    fn from(pod: core::Pod) -> WatchedPod {
        WatchedPod {
            metadata: slim_meta(pod.metadata),
            spec: pod.spec.map(|s| PodSpec {
                containers: s.containers.into_iter().map(container).collect(),
                node_name: s.node_name,
                volumes: s.volumes.map(|vs| {
                    vs.into_iter()
                        .filter_map(|v| {
                            Some(Volume {
                                persistent_volume_claim: Some(ClaimSource {
                                    claim_name: v.persistent_volume_claim?.claim_name,
                                }),
                                name: v.name,
                            })
                        })
                        .collect()
                }),
            }),
            status: pod.status.map(|s| PodStatus {
                phase: s.phase,
                reason: s.reason,
                pod_ip: s.pod_ip,
                conditions: s.conditions.map(|cs| {
                    cs.into_iter()
                        .map(|c| PodCondition {
                            type_: c.type_,
                            status: c.status,
                        })
                        .collect()
                }),
                container_statuses: s
                    .container_statuses
                    .map(|cs| cs.into_iter().map(container_status).collect()),
            }),
        }
    }
}

impl From<&core::Pod> for WatchedPod {
    fn from(pod: &core::Pod) -> WatchedPod {
        pod.clone().into()
    }
}

fn container(c: core::Container) -> Container {
    Container {
        name: c.name,
        image: c.image,
        env: c.env.map(|es| {
            es.into_iter()
                .map(|e| EnvVar {
                    name: e.name,
                    value: e.value,
                })
                .collect()
        }),
        env_from: c.env_from.map(|fs| {
            fs.into_iter()
                .map(|f| EnvFromSource {
                    prefix: f.prefix,
                    config_map_ref: f.config_map_ref.map(|r| ConfigMapRef { name: r.name }),
                })
                .collect()
        }),
    }
}

fn container_status(c: core::ContainerStatus) -> ContainerStatus {
    ContainerStatus {
        name: c.name,
        ready: c.ready,
        restart_count: c.restart_count,
        state: c.state.map(|s| ContainerState {
            waiting: s.waiting.map(|w| Waiting { reason: w.reason }),
            running: s.running.map(|r| Running {
                started_at: r.started_at,
            }),
            terminated: s.terminated.map(|t| Terminated {
                reason: t.reason,
                signal: t.signal,
                exit_code: t.exit_code,
            }),
        }),
    }
}

super::projection::resource_like!(WatchedPod, core::Pod);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::pod_row::PodRow;

    fn deployment_pod() -> core::Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "emqx-0", "uid": "u1", "resourceVersion": "7",
                "labels": {"app": "emqx"},
                "annotations": {"big": "x".repeat(4000)},
                "finalizers": ["f"],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                    "name": "emqx", "uid": "s1", "controller": true}],
                "creationTimestamp": "2026-11-22T11:59:55Z"},
            "spec": {"nodeName": "node-1",
                "containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9",
                    "env": [{"name": "EMQX_CLUSTER__DISCOVERY_STRATEGY", "value": "dns"}],
                    "envFrom": [{"prefix": "P_", "configMapRef": {"name": "cfg"}}],
                    "args": ["--a", "--b"]}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-emqx-0"}},
                    {"name": "token", "projected": {"sources": []}}],
                "tolerations": [{"key": "k", "operator": "Exists"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5", "hostIP": "192.168.0.1",
                "conditions": [{"type": "Ready", "status": "True",
                    "lastTransitionTime": "2026-11-22T11:59:58Z"}],
                "containerStatuses": [{"name": "emqx", "ready": true, "restartCount": 1,
                    "image": "emqx/emqx:5.8.9", "imageID": "sha",
                    "state": {"running": {"startedAt": "2026-11-22T11:59:57Z"}}}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_pod_read_straight_from_the_api_json_is_its_projection() {
        let json = serde_json::to_value(deployment_pod()).unwrap();
        let mut with_bookkeeping = json.clone();
        with_bookkeeping["metadata"]["managedFields"] = serde_json::json!([{"manager": "kubectl", "operation": "Apply",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}]);
        let read: WatchedPod = serde_json::from_value(with_bookkeeping).unwrap();
        assert_eq!(read, WatchedPod::from(deployment_pod()));
        assert!(read.metadata.managed_fields.is_none());
    }

    #[test]
    fn the_projection_keeps_what_the_rows_and_checks_read_and_drops_the_rest() {
        let full = deployment_pod();
        let at = "2026-11-22T12:00:00Z".parse().unwrap();
        let slim = WatchedPod::from(&full);
        use kube::ResourceExt;
        assert_eq!(slim.name_any(), "emqx-0");
        assert_eq!(slim.uid().as_deref(), Some("u1"));
        assert_eq!(slim.labels().get("app").map(String::as_str), Some("emqx"));
        assert_eq!(slim.owner_references()[0].name, "emqx");
        assert!(slim.annotations().is_empty(), "annotations are not kept");
        assert!(slim.finalizers().is_empty(), "finalizers are not kept");
        let spec = slim.spec.as_ref().unwrap();
        assert_eq!(spec.node_name.as_deref(), Some("node-1"));
        assert_eq!(
            spec.volumes.as_deref().unwrap(),
            [Volume {
                name: "data".into(),
                persistent_volume_claim: Some(ClaimSource {
                    claim_name: "data-emqx-0".into()
                })
            }],
            "only the volumes that mount a claim"
        );
        let c = &spec.containers[0];
        assert_eq!(c.env.as_ref().unwrap()[0].value.as_deref(), Some("dns"));
        assert_eq!(
            c.env_from.as_ref().unwrap()[0]
                .config_map_ref
                .as_ref()
                .unwrap()
                .name,
            "cfg"
        );
        let row = PodRow::from_pod_at(&slim, at);
        assert_eq!(
            (row.status.as_str(), row.ready.as_str(), row.restarts),
            ("Running", "1/1", 1)
        );
        assert_eq!(row.ip.as_deref(), Some("10.0.0.5"));
        assert!(row.is_ready);
    }
}
