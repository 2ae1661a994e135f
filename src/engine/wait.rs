//! Waiting for a stage's checks: evaluated in order against the watched view after every
//! change (watch, don't poll), with EMQX itself probed while a check that needs it is
//! pending. Each check has its own timeout, counted from when it becomes the current one.

use std::time::Duration;

use futures::StreamExt;
use kube::ResourceExt;
use tokio::time::Instant;

use super::Engine;
use super::checks::{Verdict, evaluate, target_pods};
use super::diagnose::diagnose;
use super::events::{Diagnosis, EngineEvent, Severity};
use super::probe::{self, Schedule, Wants};
use crate::track::{Check, Condition, Hint, LabelSelector, PodTarget};
use crate::view::ClusterView;

/// How long to wait before looking again when the watches have ended.
pub const PROBE_EVERY: Duration = Duration::from_millis(1000);

/// A check that did not pass in time, or that nothing could verify.
#[derive(Debug, Clone)]
pub struct Failed {
    pub check: String,
    pub observed: String,
    pub diagnoses: Vec<Diagnosis>,
    /// Set when the check could not be verified at all (exec refused for the whole
    /// cluster and no second source answers): why. The stage is then "applied, not
    /// verified", never passed and not failed either.
    pub unverified: Option<String>,
}

impl Engine {
    /// Waits until every check holds, in order. Emits CheckPassed / Diagnosed as it goes.
    pub(super) async fn wait_checks(
        &mut self,
        stage: &str,
        checks: &[Check],
        hints: &[Hint],
    ) -> Result<(), Failed> {
        let started = Instant::now();
        let mut reported = std::collections::BTreeSet::new();
        for check in checks {
            let active = Instant::now();
            let deadline = active + self.limit(check.timeout);
            let mut next_probe = Instant::now();
            let mut last_probe: Option<Instant> = None;
            let mut schedule = Schedule::new(self.time_scale);
            // Each check asks exec once more: a refusal may have been mended meanwhile.
            self.evidence.exec_refused = None;
            loop {
                let verdict = self.verdict(&check.condition);
                if verdict.met {
                    self.emit(EngineEvent::CheckPassed {
                        stage: stage.to_string(),
                        check: check.condition.to_string(),
                        observed: verdict.observed,
                        elapsed: started.elapsed(),
                    });
                    break;
                }
                for d in self.diagnoses(hints, &check.condition) {
                    self.record.diagnosed(&d);
                    if reported.insert((d.source.clone(), d.explanation.clone())) {
                        self.emit(EngineEvent::Diagnosed {
                            stage: stage.to_string(),
                            diagnosis: d,
                        });
                    }
                }
                let at_deadline = Instant::now() >= deadline;
                let unverified = self.unverifiable(&check.condition, at_deadline);
                if unverified.is_some() || at_deadline {
                    return Err(Failed {
                        check: check.condition.to_string(),
                        observed: unverified.clone().unwrap_or(verdict.observed),
                        diagnoses: self.diagnoses(hints, &check.condition),
                        unverified,
                    });
                }
                let wants = wants(&self.view, &check.condition, !hints.is_empty());
                let probing = wants.ctl || wants.logs || needs_http(&check.condition);
                tokio::select! {
                    change = self.changes.next() => match change {
                        Some(change) => {
                            let before = self.target_versions(&check.condition);
                            self.absorb(change);
                            if self.target_versions(&check.condition) != before {
                                // Ask soon after a change, but never twice within the
                                // shortest gap.
                                schedule.reset();
                                let soonest = last_probe
                                    .map_or(Instant::now(), |at| at + schedule.least_gap());
                                next_probe = next_probe.min(soonest.max(Instant::now()));
                            }
                        }
                        // The merged watch never ends while the client lives; if it does,
                        // fall back to waiting out the probe interval.
                        None => tokio::time::sleep(PROBE_EVERY).await,
                    },
                    _ = tokio::time::sleep_until(next_probe), if probing => {
                        self.probe(&check.condition, wants).await;
                        self.tell_exec_refused(stage);
                        last_probe = Some(Instant::now());
                        next_probe = Instant::now() + schedule.pause();
                    }
                    _ = tokio::time::sleep_until(deadline) => {}
                }
            }
        }
        Ok(())
    }

    /// The target pods of a condition with their resourceVersions: when this changes,
    /// the pods changed and EMQX is asked again soon.
    fn target_versions(&self, condition: &Condition) -> Vec<(String, String)> {
        pod_target(&self.view, condition)
            .map(|t| {
                target_pods(&self.view, &t)
                    .into_iter()
                    .map(|p| {
                        (
                            p.metadata.name.clone().unwrap_or_default(),
                            p.metadata.resource_version.clone().unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Why a condition cannot be verified on this cluster, when it cannot: exec is
    /// refused for the whole cluster and the second source cannot answer either (for
    /// membership there is none; for "started", EMQX's /status through the pod proxy).
    /// At the deadline, a "started" that the second source never answered is not
    /// verified either (rather than failed: nobody could look).
    fn unverifiable(&self, condition: &Condition, at_deadline: bool) -> Option<String> {
        if let Some(why) = super::delivery::unverifiable(&self.evidence, condition) {
            return Some(why);
        }
        let refused = self.evidence.exec_refused.as_ref()?;
        let pods = pod_target(&self.view, condition)
            .map(|t| target_pods(&self.view, &t))
            .unwrap_or_default();
        match condition {
            Condition::EmqxCluster { .. }
            | Condition::EmqxIslands { .. }
            | Condition::EmqxStopped { .. } => pods
                .iter()
                .find_map(|p| {
                    self.evidence
                        .pods
                        .get(&p.name_any())?
                        .cluster
                        .clone()?
                        .err()
                })
                .or_else(|| Some(refused.to_string())),
            Condition::EmqxStarted { .. } => {
                let answers =
                    |p: &&crate::view::WatchedPod| self.evidence.pods.get(&p.name_any()).cloned();
                pods.iter()
                    .filter_map(answers)
                    .find_map(|a| a.http_refused)
                    .or_else(|| {
                        at_deadline
                            .then(|| pods.iter().filter_map(answers).find_map(|a| a.node?.err()))?
                    })
            }
            _ => None,
        }
    }

    /// Says once, at the first probe refused for a cluster-wide reason, what cannot be
    /// verified and what is asked instead.
    fn tell_exec_refused(&mut self, stage: &str) {
        let Some(refused) = self.evidence.exec_refused.as_ref() else {
            return;
        };
        if self.evidence.exec_refusal_told {
            return;
        }
        let diagnosis = Diagnosis {
            source: refused.pod.clone(),
            line: refused.to_string(),
            explanation: format!(
                "kubetour cannot run commands in pods on this cluster ({}), so checks that \
                 ask EMQX itself cannot be verified by exec: whether EMQX started is asked \
                 through the API server's pod proxy instead (EMQX's /status); which nodes \
                 form a cluster cannot be asked that way, and those stages end as applied, \
                 not verified.",
                refused.refusal.trouble.describe()
            ),
            fixed_by: None,
        };
        self.evidence.exec_refusal_told = true;
        self.emit(EngineEvent::Diagnosed {
            stage: stage.to_string(),
            diagnosis,
        });
    }

    pub(super) fn verdict(&self, condition: &Condition) -> Verdict {
        let from_preflight = |subject: &str| {
            self.findings
                .iter()
                .find(|f| f.subject == subject)
                .map(|f| Verdict {
                    met: f.severity != Severity::Blocking,
                    observed: format!("{}: {}", f.subject, f.advice),
                })
        };
        let decided = match condition {
            Condition::NoForeignPods { .. } => from_preflight("leftover EMQX pods"),
            Condition::DefaultStorageClass => from_preflight("default StorageClass"),
            Condition::MayCreateKinds => from_preflight("permissions"),
            _ => None,
        };
        decided.unwrap_or_else(|| {
            evaluate(
                condition,
                &self.view,
                &self.evidence,
                jiff::Timestamp::now(),
            )
        })
    }

    pub(super) async fn probe(&mut self, condition: &Condition, wants: Wants) {
        if let Condition::EmqxHttpStatus { service } = condition {
            let result = probe::http_status(
                &self.client,
                &self.namespace,
                service,
                self.track.profile.status_port,
            )
            .await;
            self.evidence.http_status.insert(service.clone(), result);
        }
        self.delivery_round(condition).await;
        let pods: Vec<_> = match &pod_target(&self.view, condition) {
            Some(t) => target_pods(&self.view, t).into_iter().cloned().collect(),
            None => Vec::new(),
        };
        self.ask_pods(&pods, wants).await;
    }

    /// Asks these pods what `wants` says, and shares the answers.
    pub(super) async fn ask_pods(&mut self, pods: &[crate::view::WatchedPod], wants: Wants) {
        let refs: Vec<_> = pods.iter().collect();
        probe::probe_pods(
            &self.client,
            &self.namespace,
            &self.track.profile,
            &refs,
            wants,
            &mut self.evidence,
        )
        .await;
        self.share_evidence();
    }

    fn diagnoses(&self, hints: &[Hint], condition: &Condition) -> Vec<Diagnosis> {
        let names = |target: Option<PodTarget>| -> Vec<String> {
            target
                .map(|t| {
                    target_pods(&self.view, &t)
                        .into_iter()
                        .filter(|p| is_current(&self.view, p))
                        .filter_map(|p| p.metadata.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        // The track's hints read only the pods a check names: right after a stage is
        // applied, a rollout check's old pods still look current and carry the log the
        // stage fixes (the 403 at `rbac`). The table reads the rollout's pods too: a
        // rollout that never completes is explained by them (a 5.9 crash loop, P16).
        let pods = names(condition_pods(condition));
        let mut found = diagnose(hints, &self.view, &self.evidence, &pods, self.lang);
        let workload = names(pod_target(&self.view, condition));
        let current: Vec<&crate::view::WatchedPod> = workload
            .iter()
            .filter_map(|name| self.view.pods.get(name))
            .collect();
        // The diagnosis table: why there is no cluster (P11–P20), from logs, settings,
        // node names and pod states.
        found.extend(super::causes::name_causes(
            &self.track.diagnosis,
            &self.view,
            &self.evidence,
            &current,
            self.lang,
        ));
        if !found.is_empty() || !matches!(condition, Condition::EmqxCluster { .. }) {
            return found;
        }
        // Islands nothing above explains: were the discovery settings there at all? (P6)
        let major = crate::emqx::discovery_keys::major_of(&self.track.profile.version);
        super::discovery_gap::diagnose(&self.view, &self.evidence, &current, major, self.lang)
            .into_iter()
            .collect()
    }
}

/// Whether a pod is of its controller's current revision and not on its way out. A pod
/// that a rollout is replacing still carries the previous stage's log (the 403 before
/// `rbac`); explaining the wait with it would blame the stage that just fixed it.
fn is_current(view: &crate::view::ClusterView, pod: &crate::view::WatchedPod) -> bool {
    use kube::ResourceExt;
    if pod.metadata.deletion_timestamp.is_some() {
        return false;
    }
    let Some(owner) = pod
        .owner_references()
        .iter()
        .find(|o| o.controller == Some(true))
    else {
        return true;
    };
    match owner.kind.as_str() {
        "ReplicaSet" => {
            let revision = |rs: &k8s_openapi::api::apps::v1::ReplicaSet| {
                rs.annotations()
                    .get("deployment.kubernetes.io/revision")
                    .and_then(|r| r.parse::<u64>().ok())
            };
            let Some(mine) = view.replica_sets.get(&owner.name) else {
                return true;
            };
            let Some(deployment) = mine
                .owner_references()
                .iter()
                .find(|o| o.controller == Some(true))
            else {
                return true;
            };
            let newest = view
                .replica_sets
                .iter()
                .filter(|rs| {
                    rs.owner_references()
                        .iter()
                        .any(|o| o.uid == deployment.uid)
                })
                .filter_map(revision)
                .max();
            newest.is_none_or(|n| revision(mine).is_none_or(|r| r >= n))
        }
        "StatefulSet" => {
            let update = view
                .stateful_sets
                .get(&owner.name)
                .and_then(|s| s.status.as_ref())
                .and_then(|s| s.update_revision.clone());
            let mine = pod.labels().get("controller-revision-hash").cloned();
            match (update, mine) {
                (Some(u), Some(m)) => u == m,
                _ => true,
            }
        }
        _ => true,
    }
}

/// The pods a condition is about, for probing and diagnosis.
fn pod_target(view: &ClusterView, condition: &Condition) -> Option<PodTarget> {
    condition_pods(condition).or_else(|| workload_pods(view, condition))
}

/// The pods a rollout condition waits on, by its workload's selector: a rollout that never
/// completes is explained from its pods (the crash loop of a 5.9 node without a licence,
/// P16), as a membership check is.
fn workload_pods(view: &ClusterView, condition: &Condition) -> Option<PodTarget> {
    let selector = match condition {
        Condition::DeploymentComplete { name } => view.deployments.get(name)?.spec.selector.clone(),
        Condition::StatefulSetReady { name } => view.stateful_sets.get(name)?.spec.selector.clone(),
        _ => return None,
    };
    let labels = selector.match_labels?;
    Some(PodTarget::Selected(LabelSelector(
        labels.into_iter().collect(),
    )))
}

/// The pods a condition names itself.
fn condition_pods(condition: &Condition) -> Option<PodTarget> {
    match condition {
        Condition::PodsReady { pods, .. }
        | Condition::EmqxStarted { pods }
        | Condition::EmqxCluster { pods, .. }
        | Condition::EmqxIslands { pods, .. }
        | Condition::EmqxStopped { pods, .. }
        | Condition::EmqxNodeNames { pods, .. }
        | Condition::LogLine { pods, .. }
        | Condition::MqttDelivery { pods, .. } => Some(pods.clone()),
        Condition::DeploymentComplete { .. }
        | Condition::StatefulSetReady { .. }
        | Condition::PvcsBound { .. }
        | Condition::ServiceEndpoints { .. }
        | Condition::EmqxHttpStatus { .. }
        | Condition::NoForeignPods { .. }
        | Condition::DefaultStorageClass
        | Condition::MayCreateKinds => None,
    }
}

/// What a pending condition needs asked; logs are read whenever hints could explain a wait.
fn wants(view: &ClusterView, condition: &Condition, has_hints: bool) -> Wants {
    let ctl = matches!(
        condition,
        Condition::EmqxStarted { .. }
            | Condition::EmqxCluster { .. }
            | Condition::EmqxIslands { .. }
            | Condition::EmqxStopped { .. }
            | Condition::EmqxNodeNames { .. }
    );
    let logs = matches!(condition, Condition::LogLine { .. })
        || (has_hints && pod_target(view, condition).is_some());
    Wants { ctl, logs }
}

fn needs_http(condition: &Condition) -> bool {
    matches!(
        condition,
        Condition::EmqxHttpStatus { .. } | Condition::MqttDelivery { .. }
    )
}
