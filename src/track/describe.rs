//! Short English descriptions of conditions and pod targets, for status lines and logs.

use super::model::{ClaimSet, Condition, PodFate, PodTarget, TryAction};

impl std::fmt::Display for PodTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PodTarget::Named(name) => write!(f, "pod {name}"),
            PodTarget::Selected(selector) => write!(f, "pods {selector}"),
        }
    }
}

impl std::fmt::Display for Condition {
    /// A short English description, for status lines and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::PodsReady { pods, count } => write!(f, "{count} Ready: {pods}"),
            Condition::DeploymentComplete { name } => write!(f, "Deployment {name} rolled out"),
            Condition::StatefulSetReady { name } => write!(f, "StatefulSet {name} ready"),
            Condition::PvcsBound {
                claims: ClaimSet::Named(names),
            } => {
                write!(f, "claims Bound: {}", names.join(", "))
            }
            Condition::PvcsBound {
                claims: ClaimSet::Selected { selector, count },
            } => {
                write!(f, "{count} claims Bound: {selector}")
            }
            Condition::ServiceEndpoints { name, count } => {
                write!(f, "Service {name} has {count} endpoint(s)")
            }
            Condition::EmqxHttpStatus { service } => {
                write!(f, "EMQX /status answers through {service}")
            }
            Condition::EmqxStarted { pods } => write!(f, "EMQX started: {pods}"),
            Condition::EmqxCluster { pods, running } => {
                write!(f, "one EMQX cluster of {running} running nodes: {pods}")
            }
            Condition::EmqxIslands { pods, count } => {
                write!(f, "{count} separate one-node EMQX clusters: {pods}")
            }
            Condition::EmqxStopped { pods, at_least } => {
                write!(f, "at least {at_least} stopped node(s) listed: {pods}")
            }
            Condition::EmqxNodeNames { pods, pattern } => {
                write!(f, "EMQX node names match /{}/: {pods}", pattern.0.as_str())
            }
            Condition::LogLine { pods, pattern } => {
                write!(f, "log line /{}/ in {pods}", pattern.0.as_str())
            }
            Condition::MqttDelivery { pods, expect, .. } => {
                write!(f, "MQTT delivery, {expect}: {pods}")
            }
            Condition::NoForeignPods { selector } => write!(f, "no other pods match {selector}"),
            Condition::DefaultStorageClass => {
                f.write_str("whether a default StorageClass exists (advice only)")
            }
            Condition::MayCreateKinds => {
                f.write_str("allowed to create every kind the track applies")
            }
        }
    }
}

impl std::fmt::Display for PodFate {
    /// What happens to a deleted pod, as the try-it promises it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PodFate::Gone => "nothing brings it back",
            PodFate::ReplacedWithNewName => "a new pod with a new name replaces it",
            PodFate::BackWithSameName => "it comes back with the same name",
        })
    }
}

impl std::fmt::Display for TryAction {
    /// The action and what should follow.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TryAction::DeletePod { pod, expect } => write!(f, "delete {pod}: {expect}"),
            TryAction::DeleteAllPods { selector, expect } => {
                write!(f, "delete all pods {selector} at once: {expect}")
            }
            TryAction::PatchConfigMap { name, key, value } => write!(
                f,
                "set {key}={value} in ConfigMap {name}: running pods keep their settings"
            ),
            TryAction::SetImage { deployment, image } => write!(
                f,
                "set image {image} on Deployment {deployment}: its new pods crash-loop, the old ones keep running"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::model::LabelSelector;

    #[test]
    fn conditions_read_as_short_sentences() {
        let pods = PodTarget::Selected(LabelSelector(vec![("app".into(), "emqx".into())]));
        assert_eq!(
            Condition::EmqxCluster { pods, running: 3 }.to_string(),
            "one EMQX cluster of 3 running nodes: pods app=emqx"
        );
        assert_eq!(
            Condition::PvcsBound {
                claims: ClaimSet::Named(vec!["a".into(), "b".into()])
            }
            .to_string(),
            "claims Bound: a, b"
        );
    }
}
