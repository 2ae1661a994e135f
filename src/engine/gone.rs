//! After teardown's deletions: waiting, from the watches, until what was deleted is
//! gone — pods go through Terminating, a claim a pod still mounts stays (its
//! `kubernetes.io/pvc-protection` finalizer) until that pod is gone — and saying how
//! long it took, or exactly what is still going away and why.

use std::time::Duration;

use futures::StreamExt;
use kube::ResourceExt;
use tokio::time::Instant;

use super::Engine;
use super::events::EngineEvent;
use crate::track::manifest::{MANAGED_BY, TRACK_LABEL};
use crate::view::{ClusterView, WatchedPod};

/// How long teardown waits for Terminating pods (EMQX's grace period is 30 s by default)
/// before saying what is still going away.
const GONE_WITHIN: Duration = Duration::from_secs(120);

/// What is still there of the deleted objects, one phrase each: `pod/emqx-0
/// (Terminating)`, `persistentvolumeclaim/data-0 (kubernetes.io/pvc-protection: still
/// mounted by pod emqx-0)`. `all_pods`: every pod of ours must go (a whole teardown),
/// not only those already Terminating (a rewind keeps the earlier stages' pods).
pub fn still_going(
    view: &ClusterView,
    deleted: &[(String, String)],
    track: &str,
    all_pods: bool,
) -> Vec<String> {
    let ours = |p: &WatchedPod| {
        let labels = p.labels();
        labels.get(MANAGED_BY.0).map(String::as_str) == Some(MANAGED_BY.1)
            && labels.get(TRACK_LABEL).map(String::as_str) == Some(track)
    };
    let mut left: Vec<String> = view
        .pods
        .iter()
        .filter(|p| ours(p) && (all_pods || p.metadata.deletion_timestamp.is_some()))
        .map(|p| {
            let how = if p.metadata.deletion_timestamp.is_some() {
                "Terminating"
            } else {
                "not yet marked for deletion"
            };
            format!("pod/{} ({how})", p.name_any())
        })
        .collect();
    for (kind, name) in deleted {
        if kind == "Pod" {
            continue;
        }
        let Some(Some(_)) = view.metadata_of(kind, name) else {
            continue;
        };
        let why = match kind.as_str() {
            "PersistentVolumeClaim" => match users_of(view, name).as_slice() {
                [] => "deletion pending".to_string(),
                pods => format!(
                    "kubernetes.io/pvc-protection: still mounted by pod {}",
                    pods.join(", ")
                ),
            },
            _ => "deletion pending".to_string(),
        };
        left.push(format!("{}/{name} ({why})", kind.to_lowercase()));
    }
    left
}

/// The pods that mount claim `claim`.
fn users_of(view: &ClusterView, claim: &str) -> Vec<String> {
    view.pods
        .iter()
        .filter(|p| {
            p.spec
                .as_ref()
                .and_then(|s| s.volumes.as_ref())
                .is_some_and(|vs| {
                    vs.iter().any(|v| {
                        v.persistent_volume_claim
                            .as_ref()
                            .is_some_and(|c| c.claim_name == claim)
                    })
                })
        })
        .map(|p| p.name_any())
        .collect()
}

impl Engine {
    /// Waits until [`still_going`] is empty, from the watches; then says how long it
    /// took, or what is still going away. Returns what is left.
    pub(super) async fn wait_gone(
        &mut self,
        deleted: &[(String, String)],
        all_pods: bool,
    ) -> Vec<String> {
        let started = Instant::now();
        let deadline = started + self.limit(GONE_WITHIN);
        let track = self.track.name.clone();
        loop {
            let left = still_going(&self.view, deleted, &track, all_pods);
            if left.is_empty() {
                self.emit(EngineEvent::StepDone {
                    stage: "teardown".into(),
                    description: format!(
                        "everything deleted is gone ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    ),
                });
                return left;
            }
            match tokio::time::timeout_at(deadline, self.changes.next()).await {
                Ok(Some(change)) => self.absorb(change),
                _ => {
                    self.emit(EngineEvent::StepDone {
                        stage: "teardown".into(),
                        description: format!(
                            "still going away after {:.0} s: {}",
                            started.elapsed().as_secs_f64(),
                            left.join(", ")
                        ),
                    });
                    return left;
                }
            }
        }
    }
}
