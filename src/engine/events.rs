//! What the engine reports as it works. The commands' printer (`run`, `teardown`) and
//! the TUI both consume these; the engine never prints.

use std::time::Duration;

use serde::Serialize;

/// How serious a preflight finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Blocking,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// What was checked: "API server", "nodes", "default StorageClass", ...
    pub subject: String,
    /// What was found, and what to do about it.
    pub advice: String,
}

/// A log line or event that matched one of the track's hints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The pod whose log (or the object whose event) matched.
    pub source: String,
    pub line: String,
    pub explanation: String,
    /// The stage that fixes it, when the hint names one.
    pub fixed_by: Option<String>,
}

/// Whether kubetour saw what an observation says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sighting {
    /// Every witness held: the evidence is what they saw.
    Seen,
    /// A witness did not hold: told as a lesson, not as what happened.
    NotSeen,
    /// What goes wrong did not go wrong here; the lesson is told as a conditional.
    Conditional,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    Preflight {
        findings: Vec<Finding>,
    },
    StageStarted {
        index: usize,
        id: String,
        title: String,
    },
    StepDone {
        stage: String,
        description: String,
    },
    Applied {
        stage: String,
        kind: String,
        name: String,
        changed: bool,
    },
    CheckPassed {
        stage: String,
        check: String,
        observed: String,
        #[serde(serialize_with = "seconds")]
        elapsed: Duration,
    },
    CheckFailed {
        stage: String,
        check: String,
        observed: String,
        diagnoses: Vec<Diagnosis>,
    },
    /// A check nothing could verify on this cluster (exec refused for the whole
    /// cluster, and no second source answers): the stage is applied, not verified.
    /// Neither passed nor failed; the run stops there.
    StageNotVerified {
        stage: String,
        check: String,
        /// What refused, and what was tried instead.
        why: String,
    },
    /// One of the stage's lessons, told as what it was: seen (with the evidence), not
    /// seen (with what was seen instead), or conditional (a lesson about what goes
    /// wrong, told as "had there been…" because here it did not go wrong).
    Observation {
        stage: String,
        id: String,
        text: String,
        sighting: Sighting,
        /// What the witnesses saw: times, uids, volume names; or what they saw instead.
        evidence: String,
    },
    Diagnosed {
        stage: String,
        diagnosis: Diagnosis,
    },
    TryIt {
        stage: String,
        title: String,
        ok: bool,
        observed: String,
    },
    StageDone {
        id: String,
        #[serde(serialize_with = "seconds")]
        elapsed: Duration,
    },
    Deleted {
        kind: String,
        name: String,
    },
    Finished {
        ok: bool,
        /// True when the run stopped at a stage that was applied but could not be
        /// verified (see StageNotVerified): not ok, and not a failure of the lesson.
        not_verified: bool,
        /// "stage `rbac`, check `1 EMQX cluster of 3 running nodes`" when not ok.
        failure: Option<String>,
    },
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 10.0).round() / 10.0)
}
