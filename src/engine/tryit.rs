//! Try-it actions: do what a curious learner would (delete a pod, all pods, edit a
//! ConfigMap) and check that Kubernetes and EMQX react as the stage says they will.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use tokio::time::Instant;

use super::checks::target_pods;
use super::events::EngineEvent;
use super::{Engine, RunError, describe};
use crate::cluster::errors::explain;
use crate::cluster::retry;
use crate::track::{PodFate, PodTarget, TryAction, TryIt};

/// How long a deleted bare pod must stay gone before "nothing brought it back" holds.
const STAYS_GONE: Duration = Duration::from_secs(5);
/// How long a replacement may take to appear and become Ready.
const COMES_BACK: Duration = Duration::from_secs(180);

impl Engine {
    pub(super) async fn run_try_it(&mut self, stage: &str, t: &TryIt) -> Result<(), RunError> {
        let outcome = match &t.action {
            TryAction::DeletePod { pod, expect } => {
                let Some(victim) = target_pods(&self.view, pod).first().map(|p| (*p).clone())
                else {
                    return Err(self.try_failed(
                        stage,
                        t,
                        format!("no {} to delete", describe::pods(pod)),
                    ));
                };
                self.delete_and_expect(vec![victim], *expect).await
            }
            TryAction::DeleteAllPods { selector, expect } => {
                let victims: Vec<Pod> =
                    target_pods(&self.view, &PodTarget::Selected(selector.clone()))
                        .into_iter()
                        .cloned()
                        .collect();
                if victims.is_empty() {
                    return Err(self.try_failed(stage, t, format!("no pods {selector} to delete")));
                }
                self.delete_and_expect(victims, *expect).await
            }
            TryAction::PatchConfigMap { name, key, value } => {
                self.patch_config_map(name, key, value).await
            }
        };
        let observed = match outcome {
            Ok(observed) => observed,
            Err(observed) => return Err(self.try_failed(stage, t, observed)),
        };
        if let Err(failed) = self.wait_checks(stage, &t.then, &[]).await {
            return Err(self.try_failed(
                stage,
                t,
                format!(
                    "{observed}; then `{}` did not hold: {}",
                    failed.check, failed.observed
                ),
            ));
        }
        self.emit(EngineEvent::TryIt {
            stage: stage.to_string(),
            title: t.title.get(self.lang).to_string(),
            ok: true,
            observed,
        });
        Ok(())
    }

    fn try_failed(&mut self, stage: &str, t: &TryIt, observed: String) -> RunError {
        self.emit(EngineEvent::TryIt {
            stage: stage.to_string(),
            title: t.title.get(self.lang).to_string(),
            ok: false,
            observed: observed.clone(),
        });
        RunError::Stage {
            stage: stage.to_string(),
            message: format!("try-it `{}`: {observed}", describe::action(&t.action)),
        }
    }

    /// Deletes the pods and waits for the expected fate. Ok/Err carry what was seen.
    async fn delete_and_expect(
        &mut self,
        victims: Vec<Pod>,
        expect: PodFate,
    ) -> Result<String, String> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let old: BTreeMap<String, String> = victims
            .iter()
            .map(|p| (p.name_any(), p.uid().unwrap_or_default()))
            .collect();
        let labels = victims[0].labels().clone();
        for name in old.keys() {
            let params = DeleteParams::default();
            match retry::transient(|| api.delete(name, &params)).await {
                Ok(_) => {}
                // Already gone (e.g. a retried delete that had succeeded): fine.
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(format!("deleting pod {name}: {}", explain(&e))),
            }
        }
        let names = old.keys().cloned().collect::<Vec<_>>().join(", ");
        let wait = match expect {
            PodFate::Gone => self.quiet(STAYS_GONE),
            PodFate::ReplacedWithNewName | PodFate::BackWithSameName => self.limit(COMES_BACK),
        };
        let deadline = Instant::now() + wait;
        loop {
            let ready_same_labels: Vec<&Pod> = self
                .view
                .pods
                .iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .filter(|p| labels.iter().all(|(k, v)| p.labels().get(k) == Some(v)))
                .filter(|p| {
                    crate::cluster::pod_row::PodRow::from_pod_at(p, jiff::Timestamp::now()).is_ready
                })
                .collect();
            let verdict = match expect {
                PodFate::Gone => {
                    let back = old.keys().any(|n| self.view.pods.get(n).is_some());
                    if back { None } else { Some(true) }
                }
                PodFate::ReplacedWithNewName => {
                    let fresh = ready_same_labels
                        .iter()
                        .filter(|p| !old.contains_key(&p.name_any()))
                        .count();
                    (fresh >= old.len()).then_some(true)
                }
                PodFate::BackWithSameName => {
                    let back = old.iter().all(|(name, uid)| {
                        ready_same_labels.iter().any(|p| {
                            p.name_any() == *name && p.uid().as_deref() != Some(uid.as_str())
                        })
                    });
                    back.then_some(true)
                }
            };
            // "Gone" holds only if it still holds when the wait is over.
            let timed_out = Instant::now() >= deadline;
            match (expect, verdict, timed_out) {
                (PodFate::Gone, Some(true), true) => {
                    return Ok(format!("deleted {names}; nothing brought it back"));
                }
                (PodFate::Gone, None, _) => {
                    return Err(format!("deleted {names}, but it came back"));
                }
                (PodFate::ReplacedWithNewName, Some(true), _) => {
                    let new: Vec<String> = ready_same_labels
                        .iter()
                        .map(|p| p.name_any())
                        .filter(|n| !old.contains_key(n))
                        .collect();
                    return Ok(format!("deleted {names}; replaced by {}", new.join(", ")));
                }
                (PodFate::BackWithSameName, Some(true), _) => {
                    return Ok(format!("deleted {names}; back under the same name(s)"));
                }
                (_, _, true) => {
                    return Err(format!(
                        "deleted {names}; after {}s: expected that {}",
                        wait.as_secs(),
                        describe::fate(expect)
                    ));
                }
                _ => {}
            }
            if let Ok(Some(change)) = tokio::time::timeout_at(deadline, self.changes.next()).await {
                self.absorb(change);
            }
        }
    }

    /// Changes one ConfigMap key; the running pods must not change (O13).
    async fn patch_config_map(
        &mut self,
        name: &str,
        key: &str,
        value: &str,
    ) -> Result<String, String> {
        let before: BTreeMap<String, String> = self
            .view
            .pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(|p| (p.name_any(), p.uid().unwrap_or_default()))
            .collect();
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"data": {key: value}});
        let params = PatchParams::default();
        let patch = Patch::Merge(&patch);
        retry::transient(|| api.patch(name, &params, &patch))
            .await
            .map_err(|e| format!("patching ConfigMap {name}: {}", explain(&e)))?;
        // Give controllers a moment in which they would react if they did.
        let deadline = Instant::now() + self.quiet(STAYS_GONE);
        while let Ok(Some(change)) = tokio::time::timeout_at(deadline, self.changes.next()).await {
            self.absorb(change);
        }
        let after: BTreeMap<String, String> = self
            .view
            .pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(|p| (p.name_any(), p.uid().unwrap_or_default()))
            .collect();
        if before == after {
            Ok(format!(
                "set {key}={value} in ConfigMap {name}; the {} running pods were not restarted and keep their old settings",
                after.len()
            ))
        } else {
            Err(format!(
                "set {key}={value} in ConfigMap {name}, and the pods changed"
            ))
        }
    }
}
