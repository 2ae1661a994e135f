//! Try-it actions: do what a curious learner would (delete a pod, all pods, edit a
//! ConfigMap) and check that Kubernetes and EMQX react as the stage says they will.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use tokio::time::Instant;

use super::checks::target_pods;
use super::events::EngineEvent;
use super::{Engine, RunError};
use crate::cluster::errors::explain;
use crate::cluster::retry;
use crate::track::{LabelSelector, PodFate, PodTarget, TryAction, TryIt};
use crate::view::WatchedPod;
use crate::view::pod_row::PodRow;

/// Labels a controller puts on one pod only: a replacement cannot be found by them.
const PER_POD_LABELS: [&str; 3] = [
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
];

/// The labels a pod shares with its siblings and replacements.
fn family_labels(pod: &WatchedPod) -> BTreeMap<String, String> {
    pod.labels()
        .iter()
        .filter(|(k, _)| !PER_POD_LABELS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn selector_labels(selector: &LabelSelector) -> BTreeMap<String, String> {
    selector.0.iter().cloned().collect()
}

/// What a try-it has seen of the deleted pods so far.
enum Seen {
    /// Not decided yet.
    Pending,
    /// The expected fate holds, in words.
    Holds(String),
    /// Something else happened, in words.
    Broken(String),
}

/// How long a deleted bare pod must stay gone before "nothing brought it back" holds.
const STAYS_GONE: Duration = Duration::from_secs(5);
/// How long a replacement may take to appear and become Ready.
const COMES_BACK: Duration = Duration::from_secs(180);

impl Engine {
    /// Runs the try-it and returns what it saw.
    pub(super) async fn run_try_it(&mut self, stage: &str, t: &TryIt) -> Result<String, RunError> {
        // What the pods mount now, so that afterwards a re-created pod can be shown to
        // mount the same claims (O18).
        self.record.before_try_it(&self.view);
        let there_before = self.pod_names();
        let mut restore = None;
        let outcome = match &t.action {
            TryAction::DeletePod { pod, expect } => {
                let Some(victim) = target_pods(&self.view, pod).first().map(|p| (*p).clone())
                else {
                    return Err(self.try_failed(stage, t, format!("no {} to delete", pod)));
                };
                let family = match pod {
                    PodTarget::Selected(selector) => selector_labels(selector),
                    PodTarget::Named(_) => family_labels(&victim),
                };
                self.delete_and_expect(vec![victim], &family, *expect).await
            }
            TryAction::DeleteAllPods { selector, expect } => {
                let victims: Vec<WatchedPod> =
                    target_pods(&self.view, &PodTarget::Selected(selector.clone()))
                        .into_iter()
                        .cloned()
                        .collect();
                if victims.is_empty() {
                    return Err(self.try_failed(stage, t, format!("no pods {selector} to delete")));
                }
                self.delete_and_expect(victims, &selector_labels(selector), *expect)
                    .await
            }
            TryAction::PatchConfigMap { name, key, value } => {
                self.patch_config_map(name, key, value).await
            }
            TryAction::SetImage { deployment, image } => {
                let (changed, outcome) = self.set_image_expect_crash_loop(deployment, image).await;
                restore = changed;
                outcome
            }
        };
        let outcome = match outcome {
            Ok(observed) => {
                self.survivors_round(t, &there_before).await;
                match self.wait_checks(stage, &t.then, &[]).await {
                    Ok(()) => Ok(observed),
                    Err(failed) => Err(format!(
                        "{observed}; then `{}` did not hold: {}",
                        failed.check, failed.observed
                    )),
                }
            }
            Err(observed) => Err(observed),
        };
        // An image the try-it changed is set back whatever happened, so the stage ends
        // as it began.
        let restored = match restore {
            Some(r) => self.restore_image(stage, r).await.map(|()| true),
            None => Ok(false),
        };
        let observed = match (outcome, restored) {
            (Ok(observed), Ok(true)) => format!("{observed}; image set back, rolled out again"),
            (Ok(observed), Ok(false)) => observed,
            (Ok(observed), Err(e)) => {
                return Err(self.try_failed(stage, t, format!("{observed}; {e}")));
            }
            (Err(observed), Ok(_)) => return Err(self.try_failed(stage, t, observed)),
            (Err(observed), Err(e)) => {
                return Err(self.try_failed(stage, t, format!("{observed}; {e}")));
            }
        };
        self.emit(EngineEvent::TryIt {
            stage: stage.to_string(),
            title: t.title.get(self.lang).to_string(),
            ok: true,
            observed: observed.clone(),
        });
        Ok(observed)
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
            message: format!("try-it `{}`: {observed}", t.action),
        }
    }

    /// Deletes the pods and waits for the expected fate. Ok/Err carry what was seen.
    /// `family`: the labels the deleted pods share with their replacements.
    async fn delete_and_expect(
        &mut self,
        victims: Vec<WatchedPod>,
        family: &BTreeMap<String, String>,
        expect: PodFate,
    ) -> Result<String, String> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let old: BTreeMap<String, String> = victims
            .iter()
            .map(|p| (p.name_any(), p.uid().unwrap_or_default()))
            .collect();
        let labels = family.clone();
        // Pods that existed before the delete are neither replacements nor returns.
        let before: BTreeSet<String> = self.view.pods.iter().filter_map(|p| p.uid()).collect();
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
        let limit = self.limit(COMES_BACK);
        let deadline = Instant::now() + limit;
        // "Gone" must keep holding for a quiet while once the old pod has disappeared.
        let mut holds_until: Option<Instant> = None;
        loop {
            match self.fate_of(&old, &before, &labels, expect) {
                Seen::Broken(what) => return Err(format!("deleted {names}; {what}")),
                Seen::Holds(what) => match expect {
                    PodFate::Gone => {
                        let until = *holds_until
                            .get_or_insert_with(|| Instant::now() + self.quiet(STAYS_GONE));
                        if Instant::now() >= until {
                            return Ok(format!("deleted {names}; {what}"));
                        }
                    }
                    PodFate::ReplacedWithNewName | PodFate::BackWithSameName => {
                        return Ok(format!("deleted {names}; {what}"));
                    }
                },
                Seen::Pending => {
                    if Instant::now() >= deadline {
                        return Err(format!(
                            "deleted {names}; after {}s: expected that {}; pods now: {}",
                            limit.as_secs(),
                            expect,
                            self.pods_now(&labels)
                        ));
                    }
                }
            }
            let wake = holds_until.map_or(deadline, |u| u.min(deadline));
            if let Ok(Some(change)) = tokio::time::timeout_at(wake, self.changes.next()).await {
                self.absorb(change);
            }
        }
    }

    /// The pods with these labels, as kubectl would list them, in one line.
    fn pods_now(&self, labels: &BTreeMap<String, String>) -> String {
        let now = jiff::Timestamp::now();
        let rows: Vec<String> = self
            .view
            .pods
            .iter()
            .filter(|p| labels.iter().all(|(k, v)| p.labels().get(k) == Some(v)))
            .map(|p| {
                let r = PodRow::from_pod_at(p, now);
                format!("{} {} {}", r.name, r.ready, r.status)
            })
            .collect();
        if rows.is_empty() {
            "none".to_string()
        } else {
            rows.join(", ")
        }
    }

    /// What has become of the deleted pods (`old`: name -> uid) so far.
    fn fate_of(
        &self,
        old: &BTreeMap<String, String>,
        before: &BTreeSet<String>,
        labels: &BTreeMap<String, String>,
        expect: PodFate,
    ) -> Seen {
        let now = jiff::Timestamp::now();
        let live: Vec<&WatchedPod> = self
            .view
            .pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| labels.iter().all(|(k, v)| p.labels().get(k) == Some(v)))
            .collect();
        let is_old = |p: &WatchedPod| {
            old.get(&p.name_any())
                .is_some_and(|uid| p.uid().as_deref() == Some(uid.as_str()))
        };
        let still_there = old
            .keys()
            .any(|n| self.view.pods.get(n).is_some_and(&is_old));
        let newcomers: Vec<&WatchedPod> = live
            .iter()
            .copied()
            .filter(|p| p.uid().is_none_or(|uid| !before.contains(&uid)))
            .collect();
        let ready = |p: &&&WatchedPod| PodRow::from_pod_at(p, now).is_ready;
        match expect {
            PodFate::Gone => {
                if let Some(p) = newcomers.first() {
                    Seen::Broken(format!("but {} took its place", p.name_any()))
                } else if still_there {
                    Seen::Pending
                } else {
                    Seen::Holds("nothing brought it back".to_string())
                }
            }
            PodFate::ReplacedWithNewName => {
                let fresh: Vec<String> = newcomers
                    .iter()
                    .filter(ready)
                    .map(|p| p.name_any())
                    .filter(|n| !old.contains_key(n))
                    .collect();
                if let Some(same) = newcomers.iter().find(|p| old.contains_key(&p.name_any())) {
                    Seen::Broken(format!(
                        "but it came back under the same name {}",
                        same.name_any()
                    ))
                } else if fresh.len() >= old.len() {
                    Seen::Holds(format!("replaced by {}", fresh.join(", ")))
                } else {
                    Seen::Pending
                }
            }
            PodFate::BackWithSameName => {
                let back = old.keys().all(|name| {
                    newcomers
                        .iter()
                        .filter(ready)
                        .any(|p| p.name_any() == *name)
                });
                if back {
                    Seen::Holds("back under the same name(s), Ready".to_string())
                } else {
                    Seen::Pending
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stateful_pods_family_leaves_out_the_labels_only_it_carries() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "emqx-statefulset-0", "labels": {
                "app": "emqx",
                "statefulset.kubernetes.io/pod-name": "emqx-statefulset-0",
                "apps.kubernetes.io/pod-index": "0",
                "controller-revision-hash": "emqx-statefulset-766b648695"
            }}
        }))
        .unwrap();
        let family = family_labels(&pod.into());
        assert_eq!(family.len(), 1);
        assert_eq!(family.get("app").map(String::as_str), Some("emqx"));
    }
}
