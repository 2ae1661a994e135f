//! Judging the facts only the watch history can tell: the order pods were created and
//! became Ready in, the statuses a pod went through, whether a re-created pod mounts the
//! same claim, whether a Pending claim was explained. Pure: view and record in, verdict
//! (with the evidence, in words) out.

use kube::ResourceExt;

mod rolling;

use super::checks::{Verdict, target_pods};
use super::record::{Moment, PodHistory, Record, pod_claims};
use crate::track::{ClaimSet, PodTarget, Watched};
use crate::view::ClusterView;

/// What teardown did with the claims, for `teardown_keeps_claims`.
#[derive(Debug, Clone, Default)]
pub struct ClaimsAtTeardown {
    pub asked_to_delete: bool,
    pub deleted: Vec<String>,
    pub kept: Vec<String>,
}

pub fn judge(
    watched: &Watched,
    view: &ClusterView,
    record: &Record,
    teardown: Option<&ClaimsAtTeardown>,
) -> Verdict {
    match watched {
        Watched::OrderedStart { statefulset } => start_order(view, record, statefulset, true),
        Watched::ParallelStart { statefulset } => start_order(view, record, statefulset, false),
        Watched::OneDownAtATime { statefulset } => {
            rolling::one_down_at_a_time(view, record, statefulset)
        }
        Watched::WentThrough { pods, statuses } => went_through(view, record, pods, statuses),
        Watched::SameClaims { pods } => same_claims(view, record, pods),
        Watched::ClaimsPendingExplained { claims } => pending_explained(view, record, claims),
        Watched::TeardownKeepsClaims => match teardown {
            Some(t) => teardown_claims(t),
            None => verdict(false, "only teardown can show it"),
        },
    }
}

fn verdict(met: bool, observed: impl Into<String>) -> Verdict {
    Verdict {
        met,
        observed: observed.into(),
    }
}

/// The StatefulSet's current pods by ordinal, with their histories.
fn ordinals<'a>(
    view: &ClusterView,
    record: &'a Record,
    statefulset: &str,
) -> Result<Vec<(u32, &'a PodHistory)>, String> {
    let Some(uid) = view.stateful_sets.get(statefulset).and_then(|s| s.uid()) else {
        return Err(format!("no StatefulSet {statefulset}"));
    };
    let prefix = format!("{statefulset}-");
    let mut pods: Vec<(u32, &PodHistory)> = view
        .pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter_map(|p| record.pods.get(&p.uid()?))
        .filter(|h| h.owner.as_deref() == Some(uid.as_str()))
        .filter_map(|h| Some((h.name.strip_prefix(&prefix)?.parse().ok()?, h)))
        .collect();
    pods.sort_by_key(|(i, _)| *i);
    if pods.is_empty() {
        return Err(format!("no pods of StatefulSet {statefulset} seen"));
    }
    Ok(pods)
}

/// `ordered`: each pod created after the previous ordinal was Ready (OrderedReady);
/// otherwise: all created before any was Ready (Parallel).
fn start_order(view: &ClusterView, record: &Record, statefulset: &str, ordered: bool) -> Verdict {
    let pods = match ordinals(view, record, statefulset) {
        Ok(p) => p,
        Err(e) => return verdict(false, e),
    };
    if let Some((_, h)) = pods.iter().find(|(_, h)| h.created.is_none()) {
        return verdict(
            false,
            format!(
                "{} was already there when the watch listed it: its creation was not seen",
                h.name
            ),
        );
    }
    // A pod not (yet) seen Ready is no obstacle to judging the order: with Parallel
    // nothing waits for it, and with OrderedReady a later pod must not exist yet.
    // Every pod here has a creation (checked above); times count from the first.
    let Some(origin) = pods
        .iter()
        .filter_map(|(_, h)| h.created)
        .map(|m| m.at)
        .min()
    else {
        return verdict(
            false,
            format!("no pod of StatefulSet {statefulset} was seen created"),
        );
    };
    let at = |m: Option<Moment>| {
        m.map_or(0.0, |m| {
            m.at.saturating_duration_since(origin).as_secs_f64()
        })
    };
    let timeline: Vec<String> = pods
        .iter()
        .map(|(i, h)| match h.ready {
            Some(_) => format!(
                "{i} created at {:.1} s, Ready at {:.1} s",
                at(h.created),
                at(h.ready)
            ),
            None => format!("{i} created at {:.1} s, not Ready yet", at(h.created)),
        })
        .collect();
    let timeline = timeline.join("; ");
    let seq = |m: Option<Moment>| m.map_or(u64::MAX, |m| m.seq);
    if ordered {
        let early = pods
            .windows(2)
            .find(|w| seq(w[1].1.created) < seq(w[0].1.ready));
        match early {
            None => verdict(true, timeline),
            Some(w) => verdict(
                false,
                format!(
                    "{} was created before {} was Ready ({timeline})",
                    w[1].1.name, w[0].1.name
                ),
            ),
        }
    } else {
        let first_ready = pods
            .iter()
            .map(|(_, h)| seq(h.ready))
            .min()
            .unwrap_or(u64::MAX);
        match pods.iter().find(|(_, h)| seq(h.created) > first_ready) {
            None => verdict(
                true,
                format!("all created before any was Ready: {timeline}"),
            ),
            Some((_, h)) => verdict(
                false,
                format!(
                    "{} was created only after another pod was Ready ({timeline})",
                    h.name
                ),
            ),
        }
    }
}

fn went_through(
    view: &ClusterView,
    record: &Record,
    target: &PodTarget,
    statuses: &[String],
) -> Verdict {
    let pods = target_pods(view, target);
    if pods.is_empty() {
        return verdict(false, format!("no pod {target}"));
    }
    let mut seen = Vec::new();
    let mut all = true;
    for pod in pods {
        let name = pod.name_any();
        let Some(h) = record.pod_now(view, &name) else {
            all = false;
            seen.push(format!("{name}: not watched"));
            continue;
        };
        let mut wanted = statuses.iter().peekable();
        for s in &h.statuses {
            if wanted.peek().is_some_and(|w| *w == s) {
                wanted.next();
            }
        }
        let path = h.statuses.join(" → ");
        if h.created.is_none() {
            all = false;
            seen.push(format!("{name}: already {path} when the watch listed it"));
        } else {
            all &= wanted.peek().is_none();
            seen.push(format!("{name}: {path}"));
        }
    }
    verdict(all, seen.join("; "))
}

fn short(uid: &str) -> &str {
    uid.get(..8).unwrap_or(uid)
}

fn same_claims(view: &ClusterView, record: &Record, target: &PodTarget) -> Verdict {
    let pods = target_pods(view, target);
    if pods.is_empty() {
        return verdict(false, format!("no pod {target}"));
    }
    let mut seen = Vec::new();
    let mut all = true;
    let mut recreated = 0;
    for pod in pods {
        let name = pod.name_any();
        let (Some(before), Some(after)) = (record.before_try_it.get(&name), pod_claims(view, pod))
        else {
            all = false;
            seen.push(format!("{name}: not seen before the try-it"));
            continue;
        };
        // Only the pods the try-it re-created say anything about getting a claim back.
        if before.pod_uid == after.pod_uid {
            continue;
        }
        recreated += 1;
        if after.claims.is_empty() {
            all = false;
            seen.push(format!("{name}: mounts no claim"));
            continue;
        }
        for (claim, (uid, volume)) in &after.claims {
            let same = before.claims.get(claim) == Some(&(uid.clone(), volume.clone()));
            all &= same && !uid.is_empty() && !volume.is_empty();
            let was = before
                .claims
                .get(claim)
                .map_or("none".to_string(), |(u, v)| {
                    format!("uid {}, volume {v}", short(u))
                });
            seen.push(if same {
                format!(
                    "{name} re-created (pod uid {} → {}) mounts claim {claim} uid {}, volume {volume}, as before",
                    short(&before.pod_uid),
                    short(&after.pod_uid),
                    short(uid)
                )
            } else {
                format!(
                    "{name} mounts claim {claim} uid {}, volume {volume}; before: {was}",
                    short(uid)
                )
            });
        }
    }
    if recreated == 0 {
        return verdict(
            false,
            format!("no pod {target} was re-created by the try-it"),
        );
    }
    verdict(all, seen.join("; "))
}

fn pending_explained(view: &ClusterView, record: &Record, claims: &ClaimSet) -> Verdict {
    let wanted = |name: &str| match claims {
        ClaimSet::Named(names) => names.iter().any(|n| n == name),
        ClaimSet::Selected { selector, .. } => view
            .claims
            .get(name)
            .is_some_and(|c| super::checks::selects(selector, c)),
    };
    let pending: Vec<&str> = record
        .claims
        .values()
        .filter(|c| wanted(&c.name) && c.phases.iter().any(|p| p == "Pending"))
        .map(|c| c.name.as_str())
        .collect();
    let explained = record
        .diagnoses
        .iter()
        .find(|d| pending.contains(&d.source.as_str()));
    match explained {
        Some(d) => verdict(true, format!("{} stayed Pending: {}", d.source, d.line)),
        None if pending.is_empty() => verdict(false, "no claim was Pending"),
        None => {
            let bound = pending.iter().all(|n| {
                view.claims
                    .get(n)
                    .and_then(|c| c.status.as_ref())
                    .and_then(|s| s.phase.as_deref())
                    == Some("Bound")
            });
            if bound {
                verdict(
                    false,
                    "every claim was bound before anything had to explain a wait",
                )
            } else {
                verdict(
                    false,
                    format!("{} Pending, no event explained why", pending.join(", ")),
                )
            }
        }
    }
}

fn teardown_claims(t: &ClaimsAtTeardown) -> Verdict {
    if t.asked_to_delete {
        verdict(
            t.kept.is_empty() && !t.deleted.is_empty(),
            format!("asked to delete the claims: deleted {}", list(&t.deleted)),
        )
    } else {
        verdict(
            t.deleted.is_empty() && !t.kept.is_empty(),
            format!("not asked to delete the claims: kept {}", list(&t.kept)),
        )
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests;
