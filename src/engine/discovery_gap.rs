//! Pitfall P6 on a live cluster: the pods are Ready, every node answers, each is its own
//! one-node cluster, and nobody refused discovery (no 403 in the logs). Then discovery
//! was never turned on: the settings that do it are missing from what the pods see. Say
//! which, and where they should have been (the ConfigMap the pods take, or the
//! workload's own env). Pure: view and evidence in, a diagnosis out.

use kube::ResourceExt;

use super::events::Diagnosis;
use super::evidence::Evidence;
use crate::emqx::discovery_keys;
use crate::track::Lang;
use crate::view::pod_row::PodRow;
use crate::view::{ClusterView, WatchedPod};

pub fn diagnose(
    view: &ClusterView,
    evidence: &Evidence,
    pods: &[&WatchedPod],
    major: Option<u32>,
    lang: Lang,
) -> Option<Diagnosis> {
    if pods.len() < 2 {
        return None;
    }
    let now = jiff::Timestamp::now();
    if !pods.iter().all(|p| PodRow::from_pod_at(p, now).is_ready) {
        return None;
    }
    let names: Vec<String> = pods.iter().map(|p| p.name_any()).collect();
    let membership = evidence.membership(names.iter().map(String::as_str));
    if membership.islands() != pods.len() {
        return None;
    }
    let refused = names.iter().any(|n| {
        evidence
            .pods
            .get(n)
            .and_then(|e| e.log.as_deref())
            .is_some_and(|log| log.contains("Discovery error"))
    });
    if refused {
        return None;
    }
    let pod = pods[0];
    let settings = Settings::of(view, pod)?;
    let missing = discovery_keys::missing(major, |k| settings.get(k));
    if missing.is_empty() {
        return None;
    }
    let mut places: Vec<String> = settings
        .config_maps
        .iter()
        .map(|c| format!("ConfigMap {c}"))
        .collect();
    places.push(format!("the env of {}", workload_of(view, pod)));
    let keys = missing.join(", ");
    let places = places.join(" nor ");
    let explanation = match lang {
        Lang::En => format!(
            "The pods are Ready and no node was refused, yet each is a one-node cluster: \
             discovery is not turned on. Add {keys} to {} and roll the pods \
             (`kubectl rollout restart`): a running pod keeps the environment it started with.",
            settings
                .config_maps
                .first()
                .map_or("the pod template's env".to_string(), |c| format!(
                    "ConfigMap {c}"
                ))
        ),
        Lang::Zh => format!(
            "Pod 都已就绪，也没有节点被拒绝，但每个节点都是单节点集群：自动发现根本没有开启。\
             请把 {keys} 加到{}，然后重建 Pod（`kubectl rollout restart`）：运行中的 Pod 保留启动时的环境变量。",
            settings
                .config_maps
                .first()
                .map_or("Pod 模板的 env".to_string(), |c| format!(
                    " ConfigMap {c} "
                )),
        ),
    };
    Some(Diagnosis {
        source: pod.name_any(),
        line: format!("{keys} set in neither {places}"),
        explanation,
        fixed_by: None,
    })
}

/// The EMQX_* settings one pod's EMQX container sees: its ConfigMaps (envFrom, in the
/// view) first, then its own env, which wins.
pub(super) struct Settings {
    values: Vec<(String, String)>,
    config_maps: Vec<String>,
}

impl Settings {
    pub(super) fn of(view: &ClusterView, pod: &WatchedPod) -> Option<Settings> {
        let spec = pod.spec.as_ref()?;
        let container = spec
            .containers
            .iter()
            .find(|c| c.image.as_deref().is_some_and(|i| i.contains("emqx")))?;
        let mut values = Vec::new();
        let mut config_maps = Vec::new();
        for from in container.env_from.iter().flatten() {
            let Some(name) = from.config_map_ref.as_ref().map(|r| r.name.clone()) else {
                continue;
            };
            let prefix = from.prefix.clone().unwrap_or_default();
            if let Some(data) = view.config_maps.get(&name).and_then(|c| c.data.as_ref()) {
                values.extend(
                    data.iter()
                        .map(|(k, v)| (format!("{prefix}{k}"), v.clone())),
                );
            }
            config_maps.push(name);
        }
        for e in container.env.iter().flatten() {
            // A value from a Secret or a field is set, even if we cannot read it here.
            values.push((e.name.clone(), e.value.clone().unwrap_or_default()));
        }
        Some(Settings {
            values,
            config_maps,
        })
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// "Deployment emqx-deployment" for a pod of a ReplicaSet of a Deployment; else the
/// pod's controller, or the pod itself.
fn workload_of(view: &ClusterView, pod: &WatchedPod) -> String {
    let Some(owner) = pod
        .owner_references()
        .iter()
        .find(|o| o.controller == Some(true))
    else {
        return format!("Pod {}", pod.name_any());
    };
    if owner.kind == "ReplicaSet"
        && let Some(d) = view.replica_sets.get(&owner.name).and_then(|rs| {
            rs.owner_references()
                .iter()
                .find(|o| o.kind == "Deployment")
                .cloned()
        })
    {
        return format!("Deployment {}", d.name);
    }
    format!("{} {}", owner.kind, owner.name)
}
