//! The stage engine: given a track and a cluster, run stages (steps, apply, wait for the
//! checks), explain what it sees (observations, hints), run the try-it actions, rewind
//! and tear down. It talks to any cluster through kube-rs and never asks which it is.
//! It reports through [`EngineEvent`]s; `commands::printer` and the TUI consume them.
//!
//! - `events`: what the engine reports (conditions and actions print themselves: track::describe).
//! - `evidence`, `probe`: what EMQX itself says (exec, logs, HTTP through the proxy).
//! - `checks`: the stage conditions as pure predicates; `wait`: the watch-driven loop;
//!   `watched`: each change folded once into the view, which the taps then share.
//! - `diagnose`: log lines and events matched against the track's hints; `discovery_gap`:
//!   islands that no hint explains, because discovery was never turned on (P6);
//!   `causes`: the track's diagnosis table (why there is no cluster, P11–P20) matched;
//!   `drill`: one such cause put into the running state on purpose, and undone.
//! - `steps`: deletions before a stage; `tryit`: the try-it actions and their outcomes.
//! - `record`: what the watches delivered over time; `witness`: the facts only that
//!   history tells (start order, claims kept); `observe`: each observation told as seen
//!   only when its witnesses saw it.
//! - `delivery`: the MQTT delivery rounds behind `mqtt_delivery` checks and witnesses.
//! - `preflight`: findings before anything is written; `teardown`: removing our objects;
//!   `gone`: waiting until what was deleted is gone, or saying what is still going away.
//! - `session`: the engine driven one order at a time (the wizard); `task`: that engine
//!   as a tokio task taking orders over a channel, cancellable mid-wait.
mod cause_objects;
pub mod causes;
pub mod checks;
mod cluster_ports;
pub mod delivery;
pub mod diagnose;
mod discovery_gap;
pub mod drill;
mod drill_session;
pub mod events;
pub mod evidence;
mod gone;
mod observe;
pub mod preflight;
pub mod probe;
pub mod record;
pub mod session;
pub mod steps;
pub mod task;
pub mod teardown;
pub mod tryit;
mod tryit_image;
pub mod wait;
mod watched;
pub mod witness;

use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::BoxStream;
use tokio::time::Instant;

use crate::cluster::apply::{Applier, Manifest as ApplyManifest};
use crate::cluster::watch;
use crate::track::{Lang, Stage, Track};
use crate::view::{Change, ClusterView};
use events::EngineEvent;
use evidence::Evidence;

/// Where engine events go (a printer, or a channel to the TUI).
pub type Sink = Box<dyn FnMut(EngineEvent) + Send>;

/// Where the engine hands its folded view (a copy of a dozen `Arc`s, see `view::Cache`).
pub type ViewTap = Box<dyn FnMut(Arc<ClusterView>) + Send>;

/// Who else sees what the engine sees: every watched change as it is folded, the folded
/// view after each batch, and every round of EMQX answers. The TUI's Model reads the
/// view from here, so the wizard and the engine share one set of watches and one fold
/// (no second set of watchers, no second LIST, no second view).
pub struct Taps {
    /// Each change, before it is folded (tests watch the engine's input with it).
    pub change: Box<dyn FnMut(&Change) + Send>,
    /// The one folded view, after each batch of changes.
    pub view: ViewTap,
    pub evidence: Box<dyn FnMut(&Evidence) + Send>,
}

impl Default for Taps {
    /// Taps that look away: set the ones wanted with `..Taps::default()`.
    fn default() -> Taps {
        Taps {
            change: Box::new(|_| {}),
            view: Box::new(|_| {}),
            evidence: Box::new(|_| {}),
        }
    }
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run the try-it actions after each stage's checks.
    pub try_it: bool,
    pub lang: Lang,
}

/// The shortest a time limit gets when scaled down for a fast simulated cluster.
const MIN_LIMIT: Duration = Duration::from_secs(15);
/// The shortest "nothing happens for this long" wait.
const MIN_QUIET: Duration = Duration::from_secs(1);

pub struct Engine {
    client: kube::Client,
    namespace: String,
    track: Track,
    lang: Lang,
    applier: Applier,
    view: ClusterView,
    evidence: Evidence,
    changes: BoxStream<'static, Change>,
    sink: Sink,
    /// Whether the namespace is known to exist (created before the first apply).
    namespace_ready: bool,
    /// What the last preflight found; the preflight stage's checks read it.
    findings: Vec<events::Finding>,
    /// How much faster than real time the cluster runs (the embedded one with --speed);
    /// the track's time limits are divided by it. 1 for a real cluster.
    time_scale: f64,
    taps: Option<Taps>,
    /// Whether this session's preflight ran (its findings decide the preflight checks).
    preflight_ran: bool,
    /// The stage whose manifests were applied last (its `on_leave` runs before the next).
    entered: Option<usize>,
    /// What the watches delivered over time, for the observations only history tells.
    record: record::Record,
    /// The drill in progress (the wizard's `x`), and how to undo it.
    drill: Option<(&'static drill::Drill, drill::Undo)>,
}

/// Why a run stopped short.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("stage `{stage}`: {message}")]
    Stage { stage: String, message: String },
    #[error("stage `{stage}`: check `{check}` did not pass in time; last observed: {observed}")]
    Check {
        stage: String,
        check: String,
        observed: String,
    },
    #[error("preflight: {0}")]
    Preflight(String),
    #[error("stage `{stage}`: applied, not verified — {why}")]
    NotVerified { stage: String, why: String },
}

impl Engine {
    /// Starts watching the track's namespace. Nothing is written yet.
    pub fn new(client: kube::Client, track: Track, lang: Lang, sink: Sink) -> Engine {
        let namespace = track.namespace.clone();
        let changes = watch::watch_namespace(&client, &namespace);
        Engine {
            applier: Applier::new(client.clone()),
            client,
            namespace,
            track,
            lang,
            view: ClusterView::default(),
            evidence: Evidence::default(),
            changes,
            sink,
            time_scale: 1.0,
            findings: Vec::new(),
            namespace_ready: false,
            taps: None,
            preflight_ran: false,
            entered: None,
            record: record::Record::default(),
            drill: None,
        }
    }

    /// Shows every change and every EMQX answer to `taps` as well.
    pub fn with_taps(mut self, taps: Taps) -> Engine {
        self.taps = Some(taps);
        self
    }

    /// Tells the engine the cluster runs `scale` times faster than real time, so the
    /// track's time limits shrink with it (never below a floor that absorbs network
    /// and scheduling noise).
    pub fn with_time_scale(mut self, scale: f64) -> Engine {
        self.time_scale = if scale.is_finite() && scale >= 1.0 {
            scale
        } else {
            1.0
        };
        self
    }

    /// A time limit from the track, scaled to the cluster's speed.
    fn limit(&self, d: Duration) -> Duration {
        d.div_f64(self.time_scale).max(MIN_LIMIT.min(d))
    }

    /// A "nothing should happen for this long" wait, scaled to the cluster's speed.
    fn quiet(&self, d: Duration) -> Duration {
        d.div_f64(self.time_scale).max(MIN_QUIET.min(d))
    }

    pub fn track(&self) -> &Track {
        &self.track
    }

    pub fn view(&self) -> &ClusterView {
        &self.view
    }

    fn emit(&mut self, event: EngineEvent) {
        (self.sink)(event);
    }

    /// Runs the stages up to and including `through` (all when None). Emits Finished.
    pub async fn run(
        &mut self,
        through: Option<&str>,
        options: &RunOptions,
    ) -> Result<(), RunError> {
        let last = match through {
            Some(id) => self
                .track
                .stages
                .iter()
                .position(|s| s.id == id)
                .ok_or_else(|| {
                    RunError::Preflight(format!(
                        "unknown stage `{id}`; the stages are: {}",
                        self.track.stage_ids().join(", ")
                    ))
                })?,
            None => self.track.stages.len().saturating_sub(1),
        };
        let result = self.run_range(last, options).await;
        let failure = result.as_ref().err().map(ToString::to_string);
        self.emit(EngineEvent::Finished {
            ok: result.is_ok(),
            not_verified: matches!(result, Err(RunError::NotVerified { .. })),
            failure,
        });
        result
    }

    async fn run_range(&mut self, last: usize, options: &RunOptions) -> Result<(), RunError> {
        for index in 0..=last {
            self.enter(index, options).await?;
        }
        Ok(())
    }

    /// One stage: steps, apply (dry run first), checks, observations, try-it.
    pub async fn run_stage(&mut self, stage: &Stage, options: &RunOptions) -> Result<(), RunError> {
        let started = Instant::now();
        self.emit(EngineEvent::StageStarted {
            index: stage.index,
            id: stage.id.clone(),
            title: stage.title.get(self.lang).to_string(),
        });
        self.record.begin_stage();
        self.run_steps(&stage.id, &stage.before, &stage.manifests)
            .await?;
        let applied = self.apply_stage(stage).await?;
        for a in applied {
            self.emit(EngineEvent::Applied {
                stage: stage.id.clone(),
                kind: a.kind,
                name: a.name,
                changed: a.changed,
            });
        }
        if let Err(e) = self.stage_checks(stage).await {
            self.tell(stage, observe::When::Failed);
            return Err(e);
        }
        self.refresh_delivery(stage, None).await;
        self.tell(stage, observe::When::Passed);
        if options.try_it {
            for which in 0..stage.try_it.len() {
                self.try_it(stage.index, which).await?;
            }
        }
        self.emit(EngineEvent::StageDone {
            id: stage.id.clone(),
            elapsed: started.elapsed(),
        });
        Ok(())
    }

    /// Waits for the stage's checks; a failed one is reported (with its diagnoses) and
    /// ends the stage.
    pub(crate) async fn stage_checks(&mut self, stage: &Stage) -> Result<(), RunError> {
        let Err(failed) = self
            .wait_checks(&stage.id, &stage.checks, &stage.hints)
            .await
        else {
            return Ok(());
        };
        if let Some(why) = failed.unverified {
            self.emit(EngineEvent::StageNotVerified {
                stage: stage.id.clone(),
                check: failed.check,
                why: why.clone(),
            });
            return Err(RunError::NotVerified {
                stage: stage.id.clone(),
                why,
            });
        }
        self.emit(EngineEvent::CheckFailed {
            stage: stage.id.clone(),
            check: failed.check.clone(),
            observed: failed.observed.clone(),
            diagnoses: failed.diagnoses,
        });
        Err(RunError::Check {
            stage: stage.id.clone(),
            check: failed.check,
            observed: failed.observed,
        })
    }

    /// Applies a stage's manifests (dry run of all first, so all or nothing) and lets
    /// the watches catch up with the writes.
    pub async fn apply_stage(
        &mut self,
        stage: &Stage,
    ) -> Result<Vec<crate::cluster::apply::Applied>, RunError> {
        if !stage.manifests.is_empty() && !self.namespace_ready {
            self.ensure_namespace().await?;
            self.namespace_ready = true;
        }
        self.listed().await;
        let manifests: Vec<ApplyManifest> = stage
            .manifests
            .iter()
            .map(|m| ApplyManifest {
                object: m.to_json(),
                origin: format!(
                    "{}:{} (stage `{}`, manifest {}: {} {})",
                    m.source.file.display(),
                    m.source.line,
                    stage.id,
                    m.source.position,
                    m.kind,
                    m.name
                ),
            })
            .collect();
        let applied = self
            .applier
            .apply_all(&manifests)
            .await
            .map_err(|e| RunError::Stage {
                stage: stage.id.clone(),
                message: e.to_string(),
            })?;
        self.catch_up(&applied).await;
        Ok(applied)
    }

    /// Lets every watch finish its first list before the first write. The watches start
    /// when first polled; without this, the first stage's pod would be found by the list
    /// already running, and how it got there (Pending, ContainerCreating: O1) not seen.
    /// Bounded like `catch_up`: a watch that cannot list must not hang the stage.
    async fn listed(&mut self) {
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while !self.view.has_listed_every_kind() {
            match tokio::time::timeout_at(deadline, self.changes.next()).await {
                Ok(Some(change)) => self.absorb(change),
                _ => break,
            }
        }
    }

    /// Lets the watches catch up with our own writes, so checks never judge a view
    /// older than the apply. Bounded: a watch that is down must not hang the stage (the
    /// checks' own timeouts then speak).
    async fn catch_up(&mut self, applied: &[crate::cluster::apply::Applied]) {
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while !applied
            .iter()
            .all(|a| self.view.has_seen(&a.kind, &a.name, &a.resource_version))
        {
            match tokio::time::timeout_at(deadline, self.changes.next()).await {
                Ok(Some(change)) => self.absorb(change),
                _ => break,
            }
        }
    }
}
