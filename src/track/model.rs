//! The track as the rest of kubetour sees it: typed, validated, already templated for
//! one EMQX profile and namespace. Nothing here can be malformed: the loader
//! (`load.rs`) refuses input that would not fit these types.

use std::path::PathBuf;
use std::time::Duration;

use super::ordered_yaml::Node;

/// Text in the two languages kubetour speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

/// The language to show text in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// A whole track, rendered for one profile, namespace and image.
#[derive(Debug, Clone)]
pub struct Track {
    pub name: String,
    pub title: Text,
    pub dir: PathBuf,
    pub profile: Profile,
    pub namespace: String,
    /// In file-name order.
    pub stages: Vec<Stage>,
    /// Why there is no cluster: the track's `diagnosis.yaml`, else the shipped table.
    pub diagnosis: Vec<super::diagnosis::Cause>,
}

/// What differs between EMQX major versions, as data from the track file.
#[derive(Debug, Clone)]
pub struct Profile {
    /// "5" or "4": the key in the track file.
    pub name: String,
    /// The image in use (the profile's, or the `--image` override).
    pub image: String,
    /// EMQX version the profile's image carries, e.g. "5.8.9".
    pub version: String,
    /// The control command inside the container: `["emqx", "ctl"]` or `["emqx_ctl"]`.
    pub ctl: Vec<String>,
    /// The port serving unauthenticated `GET /status` (18083 on 5.x, 8081 on 4.x).
    pub status_port: u16,
    /// EMQX's data directory (what a volume must be mounted at to keep state).
    pub data_dir: String,
}

/// One stage of a track.
#[derive(Debug, Clone)]
pub struct Stage {
    pub id: String,
    /// 0-based position in the track.
    pub index: usize,
    pub file: PathBuf,
    pub title: Text,
    pub narration: Text,
    /// Commands a learner would type to do this stage by hand (shown, never run).
    pub commands: Vec<String>,
    /// Run in order before the manifests are applied.
    pub before: Vec<Step>,
    /// The objects this stage applies, in order, templated and labelled.
    pub manifests: Vec<Manifest>,
    /// Conditions waited for after applying, each with its own timeout.
    pub checks: Vec<Check>,
    /// Run when the learner moves on to the next stage (e.g. delete the bare pod).
    pub on_leave: Vec<Step>,
    pub try_it: Vec<TryIt>,
    pub hints: Vec<Hint>,
    /// Shown once the checks pass.
    pub observations: Vec<Observation>,
}

/// A Kubernetes object a stage applies.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// The whole object, namespace and kubetour labels set.
    pub body: Node,
    /// Where it was written: file, 1-based line of the document, 1-based position among
    /// the stage's manifests.
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: PathBuf,
    pub line: usize,
    pub position: usize,
    /// The document's original (untemplated) text, so lint can point at the right line.
    pub text: String,
}

impl Manifest {
    /// The object as JSON, for the Kubernetes API.
    pub fn to_json(&self) -> serde_json::Value {
        self.body.to_json()
    }

    /// The object as YAML, keys in the order the stage file wrote them (for display).
    pub fn to_yaml(&self) -> Result<String, crate::yaml::YamlError> {
        crate::yaml::to_string(&self.body)
    }
}

/// Kinds a step may name. Manifests may carry any kind; steps act on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Pod,
    Deployment,
    StatefulSet,
    Service,
    ConfigMap,
    ServiceAccount,
    Role,
    RoleBinding,
    PersistentVolumeClaim,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Pod,
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::Service,
        Kind::ConfigMap,
        Kind::ServiceAccount,
        Kind::Role,
        Kind::RoleBinding,
        Kind::PersistentVolumeClaim,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::Service => "Service",
            Kind::ConfigMap => "ConfigMap",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::Role => "Role",
            Kind::RoleBinding => "RoleBinding",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Pod
            | Kind::Service
            | Kind::ConfigMap
            | Kind::ServiceAccount
            | Kind::PersistentVolumeClaim => "v1",
            Kind::Deployment | Kind::StatefulSet => "apps/v1",
            Kind::Role | Kind::RoleBinding => "rbac.authorization.k8s.io/v1",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Something done to the cluster other than applying manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Delete an object (cascading to what it owns). With `wait_gone`, the step ends only
    /// when the object and its pods are gone, or fails after that long.
    Delete {
        kind: Kind,
        name: String,
        wait_gone: Option<Duration>,
    },
}

/// Equality-based label selector (`app=emqx,tier=broker`), the kind kubectl `-l` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<(String, String)>);

impl LabelSelector {
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        self.0
            .iter()
            .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
    }
}

impl std::fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&parts.join(","))
    }
}

/// Which pods a check or an action is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodTarget {
    Named(String),
    Selected(LabelSelector),
}

/// A condition on cluster state, waited for up to `timeout`.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub condition: Condition,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Exactly `count` pods match and all are Ready.
    PodsReady { pods: PodTarget, count: u32 },
    /// The Deployment's rollout is complete (updated = ready = available = replicas).
    DeploymentComplete { name: String },
    /// Every replica of the StatefulSet is ready and on the current revision.
    StatefulSetReady { name: String },
    /// The claims exist and are Bound.
    PvcsBound { claims: ClaimSet },
    /// The Service has an IP (or is headless) and `count` ready endpoint addresses.
    ServiceEndpoints { name: String, count: u32 },
    /// EMQX's `GET /status` on the profile's status port answers 200 through the Service.
    EmqxHttpStatus { service: String },
    /// `<ctl> status` reports the node started, in every matching pod.
    EmqxStarted { pods: PodTarget },
    /// Every matching pod reports one cluster with exactly `running` running nodes.
    EmqxCluster { pods: PodTarget, running: u32 },
    /// The matching pods form `count` separate one-node clusters.
    EmqxIslands { pods: PodTarget, count: u32 },
    /// Some matching pod lists at least `at_least` stopped nodes in `cluster status`
    /// (a rollout before the try-it may have left more).
    EmqxStopped { pods: PodTarget, at_least: u32 },
    /// Every matching pod's EMQX node name (as `<ctl> status` gives it) matches `pattern`.
    EmqxNodeNames { pods: PodTarget, pattern: Regex },
    /// A line matching `pattern` appears in the log of every matching pod.
    LogLine { pods: PodTarget, pattern: Regex },
    /// A delivery round through port-forwards to the matching pods (two or more), judged
    /// against `expect`; `round` bounds each part of a round; `port` is MQTT's.
    MqttDelivery {
        pods: PodTarget,
        expect: crate::delivery::Expectation,
        round: Duration,
        port: u16,
    },
    /// Preflight: no pod outside kubetour's care matches the selector in the namespace.
    NoForeignPods { selector: LabelSelector },
    /// Preflight: report whether a default StorageClass exists (advice, never blocks).
    DefaultStorageClass,
    /// Preflight: the user may create every kind the track applies.
    MayCreateKinds,
}

/// The claims a `PvcsBound` check is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimSet {
    Named(Vec<String>),
    Selected { selector: LabelSelector, count: u32 },
}

/// A compiled regular expression that compares by its source text.
#[derive(Debug, Clone)]
pub struct Regex(pub regex::Regex);

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// Something the learner may do to see Kubernetes react, and what should happen.
#[derive(Debug, Clone, PartialEq)]
pub struct TryIt {
    pub title: Text,
    /// What the learner would type.
    pub command: String,
    pub action: TryAction,
    /// Conditions that must hold afterwards (e.g. the cluster re-forms).
    pub then: Vec<Check>,
    pub observations: Vec<ObservationId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TryAction {
    /// Delete one pod (the named one, or the first matching the selector).
    DeletePod { pod: PodTarget, expect: PodFate },
    /// Delete every matching pod at once.
    DeleteAllPods {
        selector: LabelSelector,
        expect: PodFate,
    },
    /// Change one key of a ConfigMap; the running pods must stay as they are.
    PatchConfigMap {
        name: String,
        key: String,
        value: String,
    },
    /// Roll a Deployment to another image: its new pods must crash-loop while the old
    /// ones keep running (a rolling update never takes them down first). The image is
    /// set back once the try-it's checks are done.
    SetImage { deployment: String, image: String },
}

/// What happens to a deleted pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFate {
    /// Nothing brings it back (a bare pod).
    Gone,
    /// A controller makes a new pod with a new name (Deployment).
    ReplacedWithNewName,
    /// It comes back under the same name (StatefulSet).
    BackWithSameName,
}

/// Where a hint looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintSource {
    Logs,
    Events,
}

/// A known symptom, what it means, and which stage cures it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub source: HintSource,
    pub pattern: Regex,
    pub explanation: Text,
    /// The stage id that fixes it (validated to exist in the track).
    pub fixed_by: Option<String>,
}

/// One of SPEC.md's numbered observations (O1..O26).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObservationId(pub u8);

impl std::fmt::Display for ObservationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "O{}", self.0)
    }
}

/// What a learner should now see, and how kubetour sees it too: an observation is told
/// as seen only when its witnesses hold (or, told after a try-it, when that try-it held).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub id: ObservationId,
    pub text: Text,
    /// All must hold for the observation to be told as seen. Empty only for observations
    /// a try-it proves (the try-it's own expectation is then the witness).
    pub seen_by: Vec<Witness>,
    /// The lesson as a conditional ("had there been no StorageClass…"), told instead when
    /// the witnesses did not hold: a lesson about what goes wrong is usually not seen.
    pub otherwise: Option<Text>,
}

/// Something that sees an observation: a check's condition, judged once when the
/// observation is told, or a fact only the watch history can tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Witness {
    Now(Condition),
    Watched(Watched),
}

/// Facts judged from what the watches delivered over time, not from one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum Watched {
    /// Each pod of the StatefulSet was created only after the previous ordinal was Ready.
    OrderedStart { statefulset: String },
    /// The StatefulSet's pods were all created before any of them was Ready.
    ParallelStart { statefulset: String },
    /// During the stage some of the StatefulSet's pods went down and came back (a
    /// rolling update), and never more than one of its replicas was not Ready at once.
    OneDownAtATime { statefulset: String },
    /// Each matching pod went through these statuses (as `kubectl get pods` shows them)
    /// in this order.
    WentThrough {
        pods: PodTarget,
        statuses: Vec<String>,
    },
    /// The matching pods were re-created during the try-it and mount the same claims
    /// (same uid, same volume) as before it.
    SameClaims { pods: PodTarget },
    /// A claim stayed Pending and an event explained why (a hint matched it).
    ClaimsPendingExplained { claims: ClaimSet },
    /// Teardown kept the claims unless told to delete them, and said which.
    TeardownKeepsClaims,
}

impl Track {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    pub fn stage_ids(&self) -> Vec<&str> {
        self.stages.iter().map(|s| s.id.as_str()).collect()
    }
}

impl Track {
    /// Every (apiVersion, kind) the track applies, for preflight's permission checks.
    pub fn kinds(&self) -> std::collections::BTreeSet<(String, String)> {
        self.stages
            .iter()
            .flat_map(|s| s.manifests.iter())
            .map(|m| (m.api_version.clone(), m.kind.clone()))
            .collect()
    }
}

/// One thing the engine does when running a stage, in order.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// A step before applying (e.g. delete the Deployment).
    Step(&'a Step),
    /// Apply these manifests (server-side apply, in order).
    Apply(&'a [Manifest]),
    /// Wait until this holds, or fail after its timeout.
    Wait(&'a Check),
}

impl Stage {
    /// What running this stage means, in order: its steps, the apply (when it has
    /// manifests), then waiting for each check. `on_leave` steps are not included: they
    /// run when the learner moves on.
    pub fn actions(&self) -> Vec<Action<'_>> {
        let mut out: Vec<Action<'_>> = self.before.iter().map(Action::Step).collect();
        if !self.manifests.is_empty() {
            out.push(Action::Apply(&self.manifests));
        }
        out.extend(self.checks.iter().map(Action::Wait));
        out
    }
}
