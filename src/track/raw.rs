//! The stage and track files exactly as written: serde types that refuse unknown fields,
//! so a typo is an error with a line number rather than a silently ignored setting.
//! `load.rs` turns these into the types of `model.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ordered_yaml::Node;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    pub en: String,
    pub zh: String,
}

/// `track.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrack {
    pub name: String,
    pub title: RawText,
    pub defaults: RawDefaults,
    /// Profiles written here...
    #[serde(default)]
    pub profiles: BTreeMap<String, RawProfile>,
    /// ...or borrowed from a sibling track (the quick track uses the emqx track's).
    #[serde(default)]
    pub profiles_from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    pub namespace: String,
    pub profile: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub image: String,
    pub version: String,
    pub ctl: Vec<String>,
    pub status_port: u16,
    pub data_dir: String,
    /// Further template variables: strings, numbers, lists (spliced into lists) or maps
    /// (merged into maps with `<<: ${name}`).
    #[serde(default)]
    pub vars: BTreeMap<String, Node>,
}

/// The first document of a stage file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub id: String,
    pub title: RawText,
    pub narration: RawText,
    #[serde(default)]
    pub commands: Vec<String>,
    #[serde(default)]
    pub before: Vec<RawStep>,
    /// Instead of writing manifests, apply another track's end state.
    #[serde(default)]
    pub manifests_from: Option<RawManifestsFrom>,
    #[serde(default)]
    pub checks: Vec<RawCheck>,
    #[serde(default)]
    pub on_leave: Vec<RawStep>,
    #[serde(default)]
    pub try_it: Vec<RawTryIt>,
    #[serde(default)]
    pub hints: Vec<RawHint>,
    #[serde(default)]
    pub observations: Vec<RawObservation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifestsFrom {
    pub track: String,
    pub through: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawStep {
    Delete(RawDelete),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelete {
    pub kind: String,
    pub name: String,
    /// Wait until it is gone (default: yes, up to 2m); `false` to not wait.
    #[serde(default)]
    pub wait: Option<RawWait>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawWait {
    Flag(bool),
    Timeout(String),
}

/// Which pods: `pod: NAME` or `selector: k=v`. Exactly one.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPods {
    #[serde(default)]
    pub pod: Option<String>,
    #[serde(default)]
    pub selector: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawCheck {
    PodsReady {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        count: u32,
        #[serde(default)]
        timeout: Option<String>,
    },
    DeploymentComplete {
        name: String,
        #[serde(default)]
        timeout: Option<String>,
    },
    StatefulsetReady {
        name: String,
        #[serde(default)]
        timeout: Option<String>,
    },
    PvcsBound {
        #[serde(default)]
        names: Option<Vec<String>>,
        #[serde(default)]
        selector: Option<String>,
        #[serde(default)]
        count: Option<u32>,
        #[serde(default)]
        timeout: Option<String>,
    },
    ServiceEndpoints {
        name: String,
        count: u32,
        #[serde(default)]
        timeout: Option<String>,
    },
    EmqxHttpStatus {
        service: String,
        #[serde(default)]
        timeout: Option<String>,
    },
    EmqxStarted {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        #[serde(default)]
        timeout: Option<String>,
    },
    EmqxCluster {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        running: u32,
        #[serde(default)]
        timeout: Option<String>,
    },
    EmqxIslands {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        count: u32,
        #[serde(default)]
        timeout: Option<String>,
    },
    EmqxStopped {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        at_least: u32,
        #[serde(default)]
        timeout: Option<String>,
    },
    EmqxNodeNames {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        pattern: String,
        #[serde(default)]
        timeout: Option<String>,
    },
    LogLine {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        pattern: String,
        #[serde(default)]
        timeout: Option<String>,
    },
    /// MQTT through port-forwards to the selected pods: does a message published on
    /// one pod reach subscribers on the others? (O22, O23, O24)
    MqttDelivery {
        selector: String,
        expect: RawDeliveryExpect,
        /// How long one round may wait for connections, then for messages (default 3s).
        #[serde(default)]
        round: Option<String>,
        /// The pods' MQTT port (default 1883).
        #[serde(default)]
        port: Option<u16>,
        #[serde(default)]
        timeout: Option<String>,
    },
    NoForeignPods {
        selector: String,
    },
    DefaultStorageClass {},
    MayCreateKinds {},
    // Witnesses from the watch history: only under an observation's `seen_by`.
    OrderedStart {
        statefulset: String,
    },
    ParallelStart {
        statefulset: String,
    },
    OneDownAtATime {
        statefulset: String,
    },
    WentThrough {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
        statuses: Vec<String>,
    },
    SameClaims {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
    },
    ClaimsPendingExplained {
        #[serde(default)]
        names: Option<Vec<String>>,
        #[serde(default)]
        selector: Option<String>,
        #[serde(default)]
        count: Option<u32>,
    },
    TeardownKeepsClaims {},
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTryIt {
    pub title: RawText,
    pub command: String,
    pub action: RawAction,
    pub expect: RawExpect,
    #[serde(default)]
    pub then: Vec<RawCheck>,
    #[serde(default)]
    pub observations: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum RawAction {
    DeletePod {
        #[serde(default)]
        pod: Option<String>,
        #[serde(default)]
        selector: Option<String>,
    },
    DeleteAllPods {
        selector: String,
    },
    PatchConfigmap {
        name: String,
        key: String,
        value: String,
    },
    SetImage {
        deployment: String,
        image: String,
    },
}

/// What a delivery check expects: one cluster, or islands.
#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawDeliveryExpect {
    EveryPair,
    NoPairAcross,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawExpect {
    Gone,
    ReplacedWithNewName,
    BackWithSameName,
    PodsUnchanged,
    CrashLoop,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHint {
    pub source: RawHintSource,
    pub pattern: String,
    pub explain: RawText,
    #[serde(default)]
    pub fixed_by: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RawHintSource {
    Logs,
    Events,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObservation {
    pub id: String,
    pub text: RawText,
    #[serde(default)]
    pub seen_by: Vec<RawCheck>,
    #[serde(default)]
    pub otherwise: Option<RawText>,
}

impl RawCheck {
    /// The name the stage file writes, for error messages.
    pub fn name(&self) -> &'static str {
        use RawCheck as R;
        match self {
            R::PodsReady { .. } => "pods_ready",
            R::DeploymentComplete { .. } => "deployment_complete",
            R::StatefulsetReady { .. } => "statefulset_ready",
            R::PvcsBound { .. } => "pvcs_bound",
            R::ServiceEndpoints { .. } => "service_endpoints",
            R::EmqxHttpStatus { .. } => "emqx_http_status",
            R::EmqxStarted { .. } => "emqx_started",
            R::EmqxCluster { .. } => "emqx_cluster",
            R::EmqxIslands { .. } => "emqx_islands",
            R::EmqxStopped { .. } => "emqx_stopped",
            R::EmqxNodeNames { .. } => "emqx_node_names",
            R::LogLine { .. } => "log_line",
            R::MqttDelivery { .. } => "mqtt_delivery",
            R::NoForeignPods { .. } => "no_foreign_pods",
            R::DefaultStorageClass {} => "default_storage_class",
            R::MayCreateKinds {} => "may_create_kinds",
            R::OrderedStart { .. } => "ordered_start",
            R::ParallelStart { .. } => "parallel_start",
            R::OneDownAtATime { .. } => "one_down_at_a_time",
            R::WentThrough { .. } => "went_through",
            R::SameClaims { .. } => "same_claims",
            R::ClaimsPendingExplained { .. } => "claims_pending_explained",
            R::TeardownKeepsClaims {} => "teardown_keeps_claims",
        }
    }

    /// The timeout written for a condition that can be waited for.
    pub fn timeout(&self) -> Option<&str> {
        use RawCheck as R;
        match self {
            R::PodsReady { timeout, .. }
            | R::DeploymentComplete { timeout, .. }
            | R::StatefulsetReady { timeout, .. }
            | R::PvcsBound { timeout, .. }
            | R::ServiceEndpoints { timeout, .. }
            | R::EmqxHttpStatus { timeout, .. }
            | R::EmqxStarted { timeout, .. }
            | R::EmqxCluster { timeout, .. }
            | R::EmqxIslands { timeout, .. }
            | R::EmqxStopped { timeout, .. }
            | R::EmqxNodeNames { timeout, .. }
            | R::LogLine { timeout, .. }
            | R::MqttDelivery { timeout, .. } => timeout.as_deref(),
            _ => None,
        }
    }
}
