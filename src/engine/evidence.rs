//! What the engine has seen of EMQX itself, per pod: the answers to `<ctl> status` and
//! `<ctl> cluster status`, the log tail, and `/status` through the Service. Filled by the
//! probe; read by the checks and the diagnosis. Plain data, no I/O.

use std::collections::BTreeMap;

use crate::cluster::refusal::Refusal;
use crate::emqx::cluster_status::ClusterStatus;
use crate::emqx::membership::{Membership, NodeView};
use crate::emqx::node_status::NodeStatus;

/// The latest answers from one pod. `Err` holds what went wrong, in words.
#[derive(Debug, Clone, Default)]
pub struct PodEvidence {
    /// The uid of the pod that answered: a re-created pod of the same name (a
    /// StatefulSet's) starts with no answers, never with its predecessor's log.
    pub uid: Option<String>,
    pub node: Option<Result<NodeStatus, String>>,
    pub cluster: Option<Result<ClusterStatus, String>>,
    /// The last lines of the pod's log.
    pub log: Option<String>,
    /// Why EMQX's HTTP `/status` through the API server's pod proxy (the second source
    /// when exec is refused) did not reach this pod either.
    pub http_refused: Option<String>,
}

/// Exec refused for a reason that holds for the whole cluster (RBAC, the kubelet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRefused {
    pub pod: String,
    /// The command as a person would type it: `emqx ctl status`.
    pub command: String,
    pub refusal: Refusal,
}

impl std::fmt::Display for ExecRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not run `{}` in pod {}: {}",
            self.command, self.pod, self.refusal
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// By pod name.
    pub pods: BTreeMap<String, PodEvidence>,
    /// `GET /status` through each Service's proxy, by Service name: (HTTP code, body).
    pub http_status: BTreeMap<String, Result<(u16, String), String>>,
    /// Set when exec was refused for the whole cluster: probes then ask EMQX's HTTP API
    /// through the pod proxy instead, and checks it cannot answer end as not verified.
    pub exec_refused: Option<ExecRefused>,
    /// Whether the person has been told that exec is refused (they are told once).
    pub exec_refusal_told: bool,
    /// The last delivery round (published on → received on).
    pub delivery: Option<crate::delivery::Matrix>,
    /// The round among the survivors right after a try-it deleted pods (O24).
    pub delivery_survivors: Option<crate::delivery::Matrix>,
    /// The namespace's NetworkPolicies, as last listed with the pods' answers (none when
    /// listing them is not allowed).
    pub network_policies: Vec<k8s_openapi::api::networking::v1::NetworkPolicy>,
}

impl Evidence {
    /// Membership as the named pods report it (pods without an answer are left out).
    pub fn membership<'a>(&self, pods: impl IntoIterator<Item = &'a str>) -> Membership {
        let views: Vec<NodeView> = pods
            .into_iter()
            .filter_map(|p| {
                let status = self.pods.get(p)?.cluster.as_ref()?.as_ref().ok()?;
                Some(NodeView {
                    pod: p.to_string(),
                    status: status.clone(),
                })
            })
            .collect();
        Membership::from_views(&views)
    }

    /// Forgets pods that no longer exist, and the answers of pods that were replaced by
    /// a namesake: `live` gives the uid of the pod of that name now, if any.
    pub fn retain_pods<'a>(&mut self, live: impl Fn(&str) -> Option<Option<&'a str>>) {
        self.pods.retain(|name, answers| match live(name) {
            None => false,
            Some(uid) => answers.uid.is_none() || answers.uid.as_deref() == uid,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_a_replaced_pod_are_forgotten() {
        let mut e = Evidence::default();
        for (name, uid) in [("emqx-0", "old"), ("emqx-1", "same")] {
            e.pods.insert(
                name.into(),
                PodEvidence {
                    uid: Some(uid.into()),
                    log: Some("[error] Discovery error: {403".into()),
                    ..Default::default()
                },
            );
        }
        e.retain_pods(|name| match name {
            "emqx-0" => Some(Some("new")),
            "emqx-1" => Some(Some("same")),
            _ => None,
        });
        assert_eq!(e.pods.keys().collect::<Vec<_>>(), ["emqx-1"]);
    }
}
