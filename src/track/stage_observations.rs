//! An observation of a stage file: its text, and the witnesses that must hold for it to
//! be told as seen (checks judged once, or facts from the watch history).

use super::error::TrackError;
use super::model::{Observation, ObservationId, Watched, Witness};
use super::raw::{RawCheck, RawObservation};
use super::stage::HeaderContext;

impl HeaderContext<'_> {
    /// One of an observation's witnesses: a condition judged when the observation is
    /// told (no timeout: nothing is waited for), or a fact from the watch history.
    pub fn witness(&self, raw: &RawCheck) -> Result<Witness, TrackError> {
        use RawCheck as R;
        let watched = match raw {
            R::OrderedStart { statefulset } => Watched::OrderedStart {
                statefulset: self.text(statefulset)?,
            },
            R::ParallelStart { statefulset } => Watched::ParallelStart {
                statefulset: self.text(statefulset)?,
            },
            R::OneDownAtATime { statefulset } => Watched::OneDownAtATime {
                statefulset: self.text(statefulset)?,
            },
            R::WentThrough {
                pod,
                selector,
                statuses,
            } => {
                if statuses.len() < 2 {
                    return Err(self
                        .error("went_through", "`went_through` needs at least two statuses")
                        .fix("List them in order, e.g. `statuses: [Pending, ContainerCreating, Running]`"));
                }
                Watched::WentThrough {
                    pods: self.pods("went_through", pod, selector)?,
                    statuses: statuses.clone(),
                }
            }
            R::SameClaims { pod, selector } => Watched::SameClaims {
                pods: self.pods("same_claims", pod, selector)?,
            },
            R::ClaimsPendingExplained {
                names,
                selector,
                count,
            } => Watched::ClaimsPendingExplained {
                claims: self.claims("claims_pending_explained", names, selector, count)?,
            },
            R::TeardownKeepsClaims {} => Watched::TeardownKeepsClaims,
            _ => {
                if raw.timeout().is_some() {
                    let name = raw.name();
                    return Err(self
                        .error(name, format!("`{name}` under `seen_by` is judged once, when the observation is told: it takes no timeout"))
                        .fix("Drop the `timeout`; put the condition under `checks` to wait for it"));
                }
                return Ok(Witness::Now(self.check(raw)?.condition));
            }
        };
        Ok(Witness::Watched(watched))
    }

    /// `proved_by_try_it`: whether a try-it of the stage lists this observation (its
    /// expectation then sees it, and `seen_by` may add more).
    pub fn observation(
        &self,
        raw: &RawObservation,
        proved_by_try_it: bool,
    ) -> Result<Observation, TrackError> {
        let seen_by: Vec<Witness> = raw
            .seen_by
            .iter()
            .map(|w| self.witness(w))
            .collect::<Result<_, _>>()?;
        if seen_by.is_empty() && !proved_by_try_it {
            return Err(self
                .error(&raw.id, format!("observation {} says nothing about how it is seen", raw.id))
                .fix("Give it `seen_by` (the checks that see it), or list it under a try-it's `observations`"));
        }
        Ok(Observation {
            id: self.observation_id(&raw.id)?,
            text: self.bilingual(&raw.text, &raw.id)?,
            seen_by,
            otherwise: raw
                .otherwise
                .as_ref()
                .map(|t| self.bilingual(t, "otherwise"))
                .transpose()?,
        })
    }

    pub(super) fn observation_id(&self, id: &str) -> Result<ObservationId, TrackError> {
        id.strip_prefix('O')
            .and_then(|n| n.parse::<u8>().ok())
            .filter(|n| (1..=26).contains(n))
            .map(ObservationId)
            .ok_or_else(|| {
                self.error(id, format!("`{id}` is not an observation number"))
                    .fix("Use SPEC.md's numbers, O1 to O20, O21 to O24 (parallel start, delivery) O25 (a rolling update, one pod at a time) and O26 (a licence refusal)")
            })
    }
}
