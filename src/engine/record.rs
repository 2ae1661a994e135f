//! What the watches delivered over time, kept so that lessons about order ("pod 1 was
//! created only after pod 0 was Ready") are judged from what happened rather than from
//! the state at the end. The watch delivers one kind's events in resourceVersion order,
//! so the sequence number of arrival orders them the way the API server committed them;
//! the instant is only for telling the learner when.
//!
//! Plain data folded from [`Change`]s, no I/O.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::ResourceExt;
use kube::runtime::watcher::Event;
use tokio::time::Instant;

use super::events::Diagnosis;
use crate::view::pod_row::PodRow;
use crate::view::{Change, ClusterView, WatchedPod};

/// When something was first seen: its place in the order of arrival, and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub seq: u64,
    pub at: Instant,
}

/// One pod's life as the watch showed it (one entry per uid: a re-created pod with the
/// same name is a new entry).
#[derive(Debug, Clone)]
pub struct PodHistory {
    pub name: String,
    /// The uid of the controller that owns it, if any.
    pub owner: Option<String>,
    /// When the watch saw it created; None when it was already there when the watch
    /// (re)listed, so its creation was not seen.
    pub created: Option<Moment>,
    /// When the watch first saw it Ready.
    pub ready: Option<Moment>,
    /// Its status as `kubectl get pods` shows it, each change once, in order.
    pub statuses: Vec<String>,
}

/// One claim as the watch showed it.
#[derive(Debug, Clone)]
pub struct ClaimHistory {
    pub name: String,
    /// Phases seen, each change once, in order.
    pub phases: Vec<String>,
}

/// A pod and the claims it mounted, at one moment (before a try-it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodClaims {
    pub pod_uid: String,
    /// claim name -> (claim uid, bound volume name).
    pub claims: BTreeMap<String, (String, String)>,
}

#[derive(Debug, Default)]
pub struct Record {
    seq: u64,
    /// By pod uid.
    pub pods: BTreeMap<String, PodHistory>,
    /// By claim uid.
    pub claims: BTreeMap<String, ClaimHistory>,
    /// What the hints explained during the current stage.
    pub diagnoses: Vec<Diagnosis>,
    /// Pods and their claims when the current try-it began, by pod name.
    pub before_try_it: BTreeMap<String, PodClaims>,
    /// The Ready pods (not terminating) of each controller, by owner uid, now.
    ready_by_owner: BTreeMap<String, BTreeSet<String>>,
    /// How many pods of each controller were Ready, by owner uid: the count when the
    /// current stage began, then after every change during it (a rolling update shows as
    /// 3, 2, 3, 2, 3 …).
    pub ready_counts: BTreeMap<String, Vec<usize>>,
}

impl Record {
    pub fn fold(&mut self, change: &Change) {
        match change {
            Change::Pod(Event::Apply(p)) => self.pod(p, true),
            Change::Pod(Event::InitApply(p)) => self.pod(p, false),
            Change::Claim(Event::Apply(c) | Event::InitApply(c)) => self.claim(c),
            // Gone objects say nothing more; a long session must not grow without bound.
            Change::Pod(Event::Delete(p)) => {
                if let Some(uid) = p.uid()
                    && let Some(owner) = self.pods.remove(&uid).and_then(|h| h.owner)
                {
                    self.set_ready(&owner, &uid, false);
                }
            }
            Change::Claim(Event::Delete(c)) => {
                if let Some(uid) = c.uid() {
                    self.claims.remove(&uid);
                }
            }
            _ => {}
        }
    }

    fn next(&mut self) -> Moment {
        self.seq += 1;
        Moment {
            seq: self.seq,
            at: Instant::now(),
        }
    }

    /// `live`: a watch event (the pod's creation is seen if its uid is new), as opposed
    /// to a (re)list, which shows pods that may have been there for a while.
    fn pod(&mut self, pod: &WatchedPod, live: bool) {
        let Some(uid) = pod.uid() else { return };
        let moment = self.next();
        let row = PodRow::from_pod_at(pod, jiff::Timestamp::now());
        let entry = self.pods.entry(uid.clone()).or_insert_with(|| PodHistory {
            name: pod.name_any(),
            owner: pod
                .owner_references()
                .iter()
                .find(|o| o.controller == Some(true))
                .map(|o| o.uid.clone()),
            created: live.then_some(moment),
            ready: None,
            statuses: Vec::new(),
        });
        if entry.statuses.last() != Some(&row.status) {
            entry.statuses.push(row.status);
        }
        if row.is_ready && entry.ready.is_none() {
            entry.ready = Some(moment);
        }
        if let Some(owner) = entry.owner.clone() {
            // A terminating pod may still report Ready; it is on its way out.
            let up = row.is_ready && pod.metadata.deletion_timestamp.is_none();
            self.set_ready(&owner, &uid, up);
        }
    }

    /// Notes whether one pod of `owner` is Ready, and the owner's new count if it changed.
    fn set_ready(&mut self, owner: &str, pod_uid: &str, up: bool) {
        let set = self.ready_by_owner.entry(owner.to_string()).or_default();
        let changed = if up {
            set.insert(pod_uid.to_string())
        } else {
            set.remove(pod_uid)
        };
        let count = set.len();
        if changed {
            self.ready_counts
                .entry(owner.to_string())
                .or_default()
                .push(count);
        }
        if count == 0 && !up {
            self.ready_by_owner.remove(owner);
        }
    }

    fn claim(&mut self, claim: &PersistentVolumeClaim) {
        let Some(uid) = claim.uid() else { return };
        let phase = claim
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".to_string());
        let entry = self.claims.entry(uid).or_insert_with(|| ClaimHistory {
            name: claim.name_any(),
            phases: Vec::new(),
        });
        if entry.phases.last() != Some(&phase) {
            entry.phases.push(phase);
        }
    }

    /// A new stage: what the hints explained belongs to the stage before.
    pub fn begin_stage(&mut self) {
        self.diagnoses.clear();
        self.ready_counts = self
            .ready_by_owner
            .iter()
            .map(|(owner, ready)| (owner.clone(), vec![ready.len()]))
            .collect();
    }

    pub fn diagnosed(&mut self, d: &Diagnosis) {
        if !self.diagnoses.contains(d) {
            self.diagnoses.push(d.clone());
        }
    }

    /// Remembers every pod and the claims it mounts, before a try-it deletes pods.
    pub fn before_try_it(&mut self, view: &ClusterView) {
        self.before_try_it = view
            .pods
            .iter()
            .filter_map(|p| Some((p.name_any(), pod_claims(view, p)?)))
            .collect();
    }

    /// The history of the pod the view holds under this name now.
    pub fn pod_now<'a>(&'a self, view: &ClusterView, name: &str) -> Option<&'a PodHistory> {
        let uid = view.pods.get(name)?.uid()?;
        self.pods.get(&uid)
    }
}

/// A pod's uid and, for each claim it mounts, the claim's uid and volume as the view
/// shows them now (empty strings for a claim not seen, or not bound yet).
pub fn pod_claims(view: &ClusterView, pod: &WatchedPod) -> Option<PodClaims> {
    let claims = pod
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|c| {
            let found = view.claims.get(&c.claim_name);
            let uid = found.and_then(|c| c.uid()).unwrap_or_default();
            let volume = found
                .and_then(|c| c.spec.as_ref())
                .and_then(|s| s.volume_name.clone())
                .unwrap_or_default();
            (c.claim_name.clone(), (uid, volume))
        })
        .collect();
    Some(PodClaims {
        pod_uid: pod.uid()?,
        claims,
    })
}
