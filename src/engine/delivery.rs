//! Delivery checks in the engine (O22, O23, O24): a round through port-forwards while a
//! `mqtt_delivery` check waits, a fresh round before an observation that a delivery
//! witnesses is told, a round among the survivors right after a try-it deleted pods,
//! and the verdicts. A refused port-forward makes the check "not verified", never
//! passed.

use std::collections::BTreeSet;

use kube::ResourceExt;

use super::Engine;
use super::checks::{Verdict, target_pods};
use super::events::{Finding, Severity};
use super::evidence::Evidence;
use crate::delivery::{Expectation, Matrix, RoundOptions, run_round};
use crate::track::{Condition, PodTarget, Stage, TryIt, Witness};
use crate::view::{ClusterView, WatchedPod};

/// The subject of the preflight finding about port-forwarding.
pub const PORTFORWARD_SUBJECT: &str = "port-forward to pods";

/// Whether a pod can take part in a round: Running and not on its way out.
fn running(pod: &WatchedPod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_some_and(|p| p == "Running")
}

fn delivery_of(condition: &Condition) -> Option<(&PodTarget, u16, std::time::Duration)> {
    match condition {
        Condition::MqttDelivery {
            pods, port, round, ..
        } => Some((pods, *port, *round)),
        _ => None,
    }
}

/// The verdict on a delivery condition from the last round: met only when that round
/// covered exactly the target pods as they are now, and the survivors' round (kept
/// after a try-it that deleted pods) delivered every pair too.
pub fn verdict(
    view: &ClusterView,
    evidence: &Evidence,
    target: &PodTarget,
    expect: Expectation,
) -> Verdict {
    let mut now: Vec<String> = target_pods(view, target)
        .iter()
        .map(|p| p.name_any())
        .collect();
    now.sort();
    let Some(m) = evidence.delivery.as_ref() else {
        return Verdict {
            met: false,
            observed: format!("no delivery round among {target} yet"),
        };
    };
    let mut covered = m.pods.clone();
    covered.sort();
    let judged = m.judge(expect);
    let mut met = judged.met && covered == now;
    let mut observed = judged.observed;
    if covered != now {
        observed = format!(
            "the last round covered {}, the pods are now {}; {observed}",
            covered.join(", "),
            now.join(", ")
        );
    }
    if let Some(s) = evidence.delivery_survivors.as_ref() {
        let survivors = s.judge(Expectation::EveryPair);
        met &= survivors.met;
        observed = format!(
            "right after the loss, among the survivors: {}; once the replacement joined: {observed}",
            survivors.observed
        );
    }
    Verdict { met, observed }
}

/// Why a delivery condition cannot be verified here (the port-forward was refused for
/// every pod), when it cannot.
pub fn unverifiable(evidence: &Evidence, condition: &Condition) -> Option<String> {
    let Condition::MqttDelivery { expect, .. } = condition else {
        return None;
    };
    evidence.delivery.as_ref()?.judge(*expect).unverified
}

fn witnesses_delivery(witnesses: &[Witness]) -> bool {
    witnesses
        .iter()
        .any(|w| matches!(w, Witness::Now(Condition::MqttDelivery { .. })))
}

impl Engine {
    /// Whether any check or observation of the track proves delivery (preflight then
    /// asks for `create pods/portforward`).
    pub(super) fn track_has_delivery(&self) -> bool {
        self.track.stages.iter().any(|s| {
            s.checks
                .iter()
                .chain(s.try_it.iter().flat_map(|t| t.then.iter()))
                .any(|c| matches!(c.condition, Condition::MqttDelivery { .. }))
                || s.observations
                    .iter()
                    .any(|o| witnesses_delivery(&o.seen_by))
        })
    }

    /// The preflight finding when port-forwarding is refused: which checks cannot be
    /// verified.
    pub(super) fn portforward_denied_finding(&self, denied: &[String]) -> Finding {
        let stages: Vec<&str> = self
            .track
            .stages
            .iter()
            .filter(|s| {
                s.checks
                    .iter()
                    .any(|c| matches!(c.condition, Condition::MqttDelivery { .. }))
                    || s.observations
                        .iter()
                        .any(|o| witnesses_delivery(&o.seen_by))
            })
            .map(|s| s.id.as_str())
            .collect();
        Finding {
            severity: Severity::Warning,
            subject: PORTFORWARD_SUBJECT.to_string(),
            advice: format!(
                "not allowed ({} in {}): kubetour cannot reach EMQX's MQTT port, so whether \
                 messages are delivered between nodes cannot be verified at {}; those \
                 checks end as not verified. Ask a cluster admin for create on \
                 pods/portforward to verify them.",
                denied.join(", "),
                self.namespace,
                stages.join(", ")
            ),
        }
    }

    /// One round for a delivery condition, among its Running target pods.
    pub(super) async fn delivery_round(&mut self, condition: &Condition) {
        let Some((target, port, round)) = delivery_of(condition) else {
            return;
        };
        let pods: Vec<String> = target_pods(&self.view, target)
            .into_iter()
            .filter(|p| running(p))
            .map(|p| p.name_any())
            .collect();
        let options = RoundOptions {
            port,
            timeout: round,
            login: None,
        };
        let matrix = self.round_among(&pods, &options).await;
        self.evidence.delivery = Some(matrix);
        self.share_evidence();
    }

    // (Owned client and namespace: the engine task's future must stay Send, and the
    // engine holds non-Sync callbacks.)
    fn round_among(
        &self,
        pods: &[String],
        options: &RoundOptions,
    ) -> impl std::future::Future<Output = Matrix> + Send + 'static {
        let (client, namespace) = (self.client.clone(), self.namespace.clone());
        let (pods, options) = (pods.to_vec(), options.clone());
        async move {
            if pods.len() < 2 {
                // Nothing to connect to: the matrix says so without a network round.
                return Matrix::empty(pods, options.timeout);
            }
            run_round(&client, &namespace, &pods, &options).await
        }
    }

    /// Before a stage's observations are told: a fresh round for each delivery witness,
    /// so what is told is what delivery does now. `try_it`: only that try-it's.
    pub(super) async fn refresh_delivery(&mut self, stage: &Stage, try_it: Option<&TryIt>) {
        if try_it.is_none() {
            self.evidence.delivery_survivors = None;
        }
        let conditions: Vec<Condition> = stage
            .observations
            .iter()
            .filter(|o| match try_it {
                Some(t) => t.observations.contains(&o.id),
                None => !stage.try_it.iter().any(|t| t.observations.contains(&o.id)),
            })
            .flat_map(|o| o.seen_by.iter())
            .filter_map(|w| match w {
                Witness::Now(c @ Condition::MqttDelivery { .. }) => Some(c.clone()),
                _ => None,
            })
            .collect();
        for c in conditions {
            self.delivery_round(&c).await;
        }
    }

    /// Right after a try-it deleted pods: a round among the pods that were there before
    /// and still run (the survivors), kept for the try-it's delivery witness (O24).
    pub(super) async fn survivors_round(&mut self, t: &TryIt, before: &BTreeSet<String>) {
        self.evidence.delivery_survivors = None;
        let stage = self
            .track
            .stages
            .iter()
            .find(|s| s.try_it.contains(t))
            .cloned();
        let Some(condition) = stage.and_then(|s| {
            s.observations
                .iter()
                .filter(|o| t.observations.contains(&o.id))
                .flat_map(|o| o.seen_by.iter())
                .find_map(|w| match w {
                    Witness::Now(c @ Condition::MqttDelivery { .. }) => Some(c.clone()),
                    _ => None,
                })
        }) else {
            return;
        };
        let Some((target, port, round)) = delivery_of(&condition) else {
            return;
        };
        let survivors: Vec<String> = target_pods(&self.view, target)
            .into_iter()
            .filter(|p| running(p) && before.contains(&p.name_any()))
            .map(|p| p.name_any())
            .collect();
        let options = RoundOptions {
            port,
            timeout: round,
            login: None,
        };
        let matrix = self.round_among(&survivors, &options).await;
        self.evidence.delivery_survivors = Some(matrix);
    }

    /// The names of the pods there now (before a try-it acts).
    pub(super) fn pod_names(&self) -> BTreeSet<String> {
        self.view
            .pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(|p| p.name_any())
            .collect()
    }
}
