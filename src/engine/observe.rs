//! Telling a stage's observations, each as what it was: seen (with the evidence the
//! witnesses saw), not seen (and what was seen instead), or, for a lesson about what goes
//! wrong that did not go wrong here, its conditional form.

use super::Engine;
use super::checks::Verdict;
use super::events::{EngineEvent, Sighting};
use super::witness::{ClaimsAtTeardown, judge};
use crate::track::{Observation, ObservationId, Stage, TryIt, Watched, Witness};

/// When observations are told.
pub(super) enum When<'a> {
    /// The stage's checks passed: its own observations (not those of try-its or teardown).
    Passed,
    /// A check failed: the same observations, but only those that were seen.
    Failed,
    /// A try-it held; `observed` is what it saw.
    TriedIt {
        try_it: &'a TryIt,
        observed: &'a str,
    },
    /// Teardown ran: observations about what it keeps.
    Teardown(&'a ClaimsAtTeardown),
}

fn at_teardown(o: &Observation) -> bool {
    o.seen_by
        .iter()
        .any(|w| matches!(w, Witness::Watched(Watched::TeardownKeepsClaims)))
}

impl Engine {
    pub(super) fn tell(&mut self, stage: &Stage, when: When<'_>) {
        let of_try_its: Vec<ObservationId> = stage
            .try_it
            .iter()
            .flat_map(|t| t.observations.iter().copied())
            .collect();
        for o in &stage.observations {
            let here = match &when {
                When::Passed | When::Failed => !at_teardown(o) && !of_try_its.contains(&o.id),
                When::TriedIt { try_it, .. } => try_it.observations.contains(&o.id),
                When::Teardown(_) => at_teardown(o),
            };
            if !here {
                continue;
            }
            let teardown = match &when {
                When::Teardown(t) => Some(*t),
                _ => None,
            };
            let mut verdicts: Vec<Verdict> = o
                .seen_by
                .iter()
                .map(|w| self.witness(w, teardown))
                .collect();
            // The try-it's own result is printed with the try-it: as evidence it is only
            // repeated when nothing else saw the lesson.
            if let When::TriedIt { observed, .. } = &when
                && verdicts.is_empty()
            {
                verdicts.push(Verdict {
                    met: true,
                    observed: observed.to_string(),
                });
            }
            let seen = verdicts.iter().all(|v| v.met);
            if !seen && matches!(when, When::Failed) {
                continue;
            }
            let (sighting, text, said) = match (&o.otherwise, seen) {
                (_, true) => (Sighting::Seen, &o.text, verdicts),
                (Some(otherwise), false) => (Sighting::Conditional, otherwise, unmet(verdicts)),
                (None, false) => (Sighting::NotSeen, &o.text, unmet(verdicts)),
            };
            let evidence: Vec<String> = said.into_iter().map(|v| v.observed).collect();
            self.emit(EngineEvent::Observation {
                stage: stage.id.clone(),
                id: o.id.to_string(),
                text: text.get(self.lang).trim().to_string(),
                sighting,
                evidence: evidence.join("; "),
            });
        }
    }

    fn witness(&self, w: &Witness, teardown: Option<&ClaimsAtTeardown>) -> Verdict {
        match w {
            Witness::Now(condition) => self.verdict(condition),
            Witness::Watched(watched) => judge(watched, &self.view, &self.record, teardown),
        }
    }

    /// Tells every stage's teardown observations (O20: the claims kept unless asked).
    pub(super) fn tell_teardown(&mut self, claims: &ClaimsAtTeardown) {
        if claims.deleted.is_empty() && claims.kept.is_empty() {
            return;
        }
        for stage in self.track.stages.clone() {
            self.tell(&stage, When::Teardown(claims));
        }
    }
}

fn unmet(verdicts: Vec<Verdict>) -> Vec<Verdict> {
    verdicts.into_iter().filter(|v| !v.met).collect()
}
