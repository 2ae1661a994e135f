//! Conditions and actions in words, for progress lines and failure messages.

use crate::track::{ClaimSet, Condition, PodFate, PodTarget, TryAction};

pub fn pods(target: &PodTarget) -> String {
    match target {
        PodTarget::Named(name) => format!("pod {name}"),
        PodTarget::Selected(selector) => format!("pods {selector}"),
    }
}

pub fn condition(c: &Condition) -> String {
    match c {
        Condition::PodsReady { pods: p, count } => format!("{count} {} Ready", pods(p)),
        Condition::DeploymentComplete { name } => format!("Deployment {name} rolled out"),
        Condition::StatefulSetReady { name } => format!("StatefulSet {name} ready"),
        Condition::PvcsBound { claims } => match claims {
            ClaimSet::Named(names) => format!("claims {} Bound", names.join(", ")),
            ClaimSet::Selected { selector, count } => format!("{count} claims {selector} Bound"),
        },
        Condition::ServiceEndpoints { name, count } => {
            format!("Service {name} has {count} endpoint(s)")
        }
        Condition::EmqxHttpStatus { service } => {
            format!("EMQX answers GET /status through Service {service}")
        }
        Condition::EmqxStarted { pods: p } => format!("EMQX started in {}", pods(p)),
        Condition::EmqxCluster { pods: p, running } => {
            format!("one EMQX cluster of {running} running nodes ({})", pods(p))
        }
        Condition::EmqxIslands { pods: p, count } => {
            format!("{count} separate one-node EMQX clusters ({})", pods(p))
        }
        Condition::EmqxStopped { pods: p, at_least } => {
            format!(
                "at least {at_least} lost node(s) listed as stopped ({})",
                pods(p)
            )
        }
        Condition::LogLine { pods: p, pattern } => {
            format!("log line /{}/ in {}", pattern.0.as_str(), pods(p))
        }
        Condition::NoForeignPods { selector } => {
            format!("no pods of another install match {selector}")
        }
        Condition::DefaultStorageClass => {
            "whether a default StorageClass exists (advice only)".to_string()
        }
        Condition::MayCreateKinds => "permission to create every kind".to_string(),
    }
}

pub fn action(a: &TryAction) -> String {
    match a {
        TryAction::DeletePod { pod, expect } => format!("delete {}: {}", pods(pod), fate(*expect)),
        TryAction::DeleteAllPods { selector, expect } => {
            format!("delete all pods {selector} at once: {}", fate(*expect))
        }
        TryAction::PatchConfigMap { name, key, value } => {
            format!("set {key}={value} in ConfigMap {name}: running pods keep their settings")
        }
    }
}

pub fn fate(f: PodFate) -> &'static str {
    match f {
        PodFate::Gone => "nothing brings it back",
        PodFate::ReplacedWithNewName => "a new pod with a new name replaces it",
        PodFate::BackWithSameName => "it comes back with the same name",
    }
}
