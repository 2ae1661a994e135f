//! What the wizard knows of each stage: its state, its checks, try-its and observations
//! as the engine reported them (part of the [`Model`](super::model::Model)).

use std::time::Duration;

use jiff::Timestamp;

use crate::engine::events::{Diagnosis, Sighting};

/// Where a stage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageState {
    Pending,
    Applying,
    Waiting,
    Passed,
    Failed,
    /// Applied, but a check could not be verified on this cluster (exec refused).
    NotVerified,
    Skipped,
}

/// One check of a stage as the checklist shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    /// Not reached yet.
    Queued,
    /// The current one: waited for since then.
    Waiting {
        since: Timestamp,
    },
    Passed {
        observed: String,
        elapsed: Duration,
    },
    Failed {
        observed: String,
    },
    /// Nothing on this cluster could verify it: why.
    NotVerified {
        why: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub text: String,
    pub state: CheckState,
}

/// A try-it as the stage view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryState {
    NotRun,
    Running { since: Timestamp },
    Held(String),
    Broke(String),
}

/// One observation as the engine told it: the lesson, whether it was seen, and what the
/// witnesses saw (times, uids, volumes) or saw instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationRow {
    pub id: String,
    pub text: String,
    pub sighting: Sighting,
    pub evidence: String,
}

/// What the wizard knows of one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageProgress {
    pub state: StageState,
    pub checks: Vec<CheckRow>,
    pub tries: Vec<TryState>,
    /// The observations told, in the order they were told.
    pub observations: Vec<ObservationRow>,
    pub diagnoses: Vec<Diagnosis>,
    /// Why it failed, in words.
    pub failure: Option<String>,
}
