//! The wizard's one owner of state. Everything on screen is drawn from a `&Model`;
//! everything that changes it arrives as a [`Msg`](super::msg::Msg) through `update`.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::manifests::StageManifests;
pub use super::progress::{
    CheckRow, CheckState, ObservationRow, StageProgress, StageState, TryState,
};
use crate::cluster::guard::Target;
use crate::emqx::cluster_status::ClusterStatus;
use crate::engine::events::{Diagnosis, Finding};
use crate::engine::task::Order;
use crate::track::{Lang, Track};
use crate::ui::theme::ThemeName;
use crate::view::ClusterView;

/// The manifest view: the whole YAML, or what the stage changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestMode {
    Yaml,
    Diff,
}

/// A panel that keys and the mouse can focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Stages,
    Lesson,
    Manifest,
    Pods,
    Log,
}

impl Panel {
    pub const ALL: [Panel; 5] = [
        Panel::Stages,
        Panel::Lesson,
        Panel::Manifest,
        Panel::Pods,
        Panel::Log,
    ];
}

/// What a confirmation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// The first write to a cluster kubetour did not start. `needs_name`: the context
    /// looks like production, so its name must be typed.
    Target {
        order: Order,
        needs_name: bool,
        typed: String,
    },
    /// Delete everything of ours; `claims` is the second question.
    Teardown { claims: bool },
    /// Quit while an order runs.
    QuitBusy,
}

/// The screen's mode; exactly one at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    Confirm(Confirm),
}

/// What EMQX said in one pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeAnswer {
    /// The node name from `cluster status` (or `status`).
    pub node: Option<String>,
    pub cluster: Option<ClusterStatus>,
    /// Why the pod could not be asked.
    pub trouble: Option<String>,
}

/// The selected pod's log, as followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogTail {
    pub pod: Option<String>,
    pub lines: VecDeque<String>,
    /// Lines scrolled back from the end (0 = following the end).
    pub back: usize,
    /// A follow is running (a pod whose container has not started has no log yet).
    pub following: bool,
}

/// How many log lines the tail keeps.
pub const LOG_KEEP: usize = 500;

/// The running order, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Busy {
    pub order: Order,
    pub since: Timestamp,
}

/// Autopilot: apply and advance by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Autopilot {
    pub on: bool,
    /// Wait for a key between stages.
    pub pause: bool,
    /// Paused: the next stage waits for the person.
    pub waiting: bool,
}

/// The narrow screen's tabs (80×24): one panel at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Lesson,
    Manifest,
    Live,
    Log,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Lesson, Tab::Manifest, Tab::Live, Tab::Log];
}

/// Where the wizard is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Life {
    Running,
    /// Quit was asked; the text says what was left behind.
    Quitting(String),
}

/// Facts fixed at start: the track, where it writes, how to reach the cluster.
#[derive(Debug, Clone)]
pub struct Setup {
    pub track: Track,
    pub target: Target,
    /// The `export KUBECONFIG=...` line for a second terminal (embedded cluster only).
    pub kubeconfig: Option<PathBuf>,
    /// Where tracing goes.
    pub trace_file: Option<PathBuf>,
    pub production_words: Vec<String>,
    /// `kubetour teardown …` as it works for this cluster, printed on quitting when
    /// something was written (None for the embedded cluster).
    pub teardown: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub setup: Setup,
    /// Each stage's YAML and diff, prepared once.
    pub manifests: Vec<StageManifests>,
    pub theme: ThemeName,
    pub lang: Lang,
    pub stages: Vec<StageProgress>,
    /// The stage in focus.
    pub selected: usize,
    /// The stage whose manifests the cluster last got (for "rewind" and "next").
    pub applied: Option<usize>,
    pub busy: Option<Busy>,
    pub mode: Mode,
    pub focus: Panel,
    pub tab: Tab,
    pub manifest: ManifestMode,
    /// Lines the lesson panel is scrolled down.
    pub lesson_scroll: u16,
    pub manifest_scroll: u16,
    /// The engine's folded view, as last handed over (shared, never folded here).
    pub view: Arc<ClusterView>,
    /// By pod name.
    pub emqx: BTreeMap<String, NodeAnswer>,
    /// A membership probe is queued or running.
    pub probing: bool,
    /// The delivery matrix panel.
    pub delivery: super::delivery::DeliveryView,
    /// Pods changed since the last probe began.
    pub pods_changed: bool,
    pub findings: Vec<Finding>,
    pub pod_cursor: Option<String>,
    pub log: LogTail,
    pub autopilot: Autopilot,
    /// The person said yes to writing to this (non-embedded) cluster.
    pub write_confirmed: bool,
    /// This session wrote something that is still there (an apply reported, no
    /// teardown since): only then does quitting print how to remove it.
    pub wrote: bool,
    /// The one-line message under the panels ("teardown: deleted 12 objects").
    pub notice: Option<String>,
    pub now: Timestamp,
    /// Advances on every tick, for the spinner.
    pub frame: u64,
    pub size: (u16, u16),
    pub no_color: bool,
    pub life: Life,
    /// The drill in progress (`x` started it; `x` again ends it).
    pub drill: Option<RunningDrill>,
    /// How many drills were started: `x` offers the next one of the list.
    pub drills_started: usize,
}

/// A drill waiting for the learner to find what it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningDrill {
    pub name: &'static str,
    pub since: Timestamp,
}

impl Model {
    pub fn new(setup: Setup, lang: Lang, now: Timestamp) -> Model {
        let stages = setup
            .track
            .stages
            .iter()
            .map(|s| StageProgress {
                state: StageState::Pending,
                checks: s
                    .checks
                    .iter()
                    .map(|c| CheckRow {
                        text: c.condition.to_string(),
                        state: CheckState::Queued,
                    })
                    .collect(),
                tries: vec![TryState::NotRun; s.try_it.len()],
                observations: Vec::new(),
                diagnoses: Vec::new(),
                failure: None,
            })
            .collect();
        Model {
            manifests: super::manifests::prepare(&setup.track),
            theme: ThemeName::Dark,
            setup,
            lang,
            stages,
            selected: 0,
            applied: None,
            busy: None,
            mode: Mode::Normal,
            focus: Panel::Stages,
            tab: Tab::Lesson,
            // What the stage changes is the heart of each stage: it opens on the change.
            manifest: ManifestMode::Diff,
            lesson_scroll: 0,
            manifest_scroll: 0,
            view: Arc::default(),
            emqx: BTreeMap::new(),
            probing: false,
            drill: None,
            drills_started: 0,
            delivery: Default::default(),
            pods_changed: false,
            findings: Vec::new(),
            pod_cursor: None,
            log: LogTail::default(),
            autopilot: Autopilot::default(),
            write_confirmed: false,
            wrote: false,
            notice: None,
            now,
            frame: 0,
            size: (120, 40),
            no_color: false,
            life: Life::Running,
        }
    }

    pub fn track(&self) -> &Track {
        &self.setup.track
    }

    /// The index of a stage by id.
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.setup.track.stages.iter().position(|s| s.id == id)
    }

    /// Whether something animates (a spinner, an elapsed clock): only then does time tick.
    pub fn animating(&self) -> bool {
        (self.busy.is_some() || self.drill.is_some()) && self.life == Life::Running
    }

    /// Whether the pod's container has started, so it has a log to follow.
    pub fn has_log(&self, pod: &str) -> bool {
        self.view
            .pods
            .get(pod)
            .and_then(|p| p.status.as_ref())
            .and_then(|s| s.container_statuses.as_ref())
            .is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.state
                        .as_ref()
                        .is_some_and(|s| s.running.is_some() || s.terminated.is_some())
                })
            })
    }

    /// How long until an age on screen (a pod's, an event's) reads differently, so an
    /// idle wizard wakes only when its screen would change: ages of panels not shown
    /// (the pods and events tabs on a small screen) do not count, and each age wakes the
    /// wizard at the second its text turns over (`3m12s` every second, `14m` each minute).
    pub fn ages_change_in(&self) -> Option<Duration> {
        let wide =
            self.size.0 >= crate::ui::layout::WIDE.0 && self.size.1 >= crate::ui::layout::WIDE.1;
        let pods_shown = wide || self.tab == Tab::Live;
        let events_shown = wide || self.tab == Tab::Log;
        let created = self
            .view
            .pods
            .iter()
            .filter(|_| pods_shown)
            .filter_map(|p| p.metadata.creation_timestamp.as_ref().map(|t| t.0));
        let events = self
            .view
            .events
            .iter()
            .filter(|_| events_shown)
            .filter_map(crate::view::objects::event_time);
        created
            .chain(events)
            .map(|t| crate::view::pod_row::age_turns_in(self.now.duration_since(t).as_secs()))
            .min()
            .map(Duration::from_secs)
    }

    /// Pod names in the order the pods panel lists them.
    pub fn pod_names(&self) -> Vec<String> {
        self.view
            .pods
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .collect()
    }

    /// The diagnosis to pin: the newest of the stage in focus, else of any stage.
    pub fn pinned_diagnosis(&self) -> Option<&Diagnosis> {
        self.stages
            .get(self.selected)
            .and_then(|s| s.diagnoses.last())
            .or_else(|| {
                self.busy
                    .as_ref()
                    .and_then(|b| order_stage(&b.order))
                    .and_then(|i| self.stages.get(i))
                    .and_then(|s| s.diagnoses.last())
            })
    }

    /// An order in words: "stage `pod`", "the teardown".
    pub fn describe_order(&self, order: &Order) -> String {
        let id = |i: &usize| {
            self.track()
                .stages
                .get(*i)
                .map_or_else(|| format!("#{i}"), |s| format!("`{}`", s.id))
        };
        match order {
            Order::Enter(i) => format!("stage {}", id(i)),
            Order::TryIt { stage, .. } => format!("the try-it of stage {}", id(stage)),
            Order::RewindTo(i) => format!("the rewind to stage {}", id(i)),
            Order::Teardown { .. } => "the teardown".to_string(),
            Order::Probe => "a membership probe".to_string(),
            Order::Drill(name) => format!("the drill `{name}`"),
            Order::EndDrill => "ending the drill".to_string(),
        }
    }
}

/// The stage an order is about, if any.
pub fn order_stage(order: &Order) -> Option<usize> {
    match order {
        Order::Enter(i) | Order::RewindTo(i) => Some(*i),
        Order::TryIt { stage, .. } => Some(*stage),
        Order::Teardown { .. } | Order::Probe | Order::Drill(_) | Order::EndDrill => None,
    }
}
