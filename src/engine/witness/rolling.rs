//! `one_down_at_a_time`: a rolling update of a StatefulSet kept all but one of its
//! replicas Ready throughout. Judged from the Ready counts the record kept for the
//! StatefulSet during the stage, so a moment with two pods down is never missed between
//! two snapshots.

use kube::ResourceExt;

use super::verdict;
use crate::engine::checks::Verdict;
use crate::engine::record::Record;
use crate::view::ClusterView;

pub fn one_down_at_a_time(view: &ClusterView, record: &Record, statefulset: &str) -> Verdict {
    let Some(set) = view.stateful_sets.get(statefulset) else {
        return verdict(false, format!("no StatefulSet {statefulset}"));
    };
    let Some(uid) = set.uid() else {
        return verdict(false, format!("StatefulSet {statefulset} has no uid yet"));
    };
    let replicas = set
        .spec
        .replicas
        .map_or(1, |r| usize::try_from(r).unwrap_or(0));
    let counts = record.ready_counts.get(&uid).map_or(&[][..], Vec::as_slice);
    judge_counts(statefulset, replicas, counts)
}

/// `counts`: the Ready pods when the stage began, then after each change.
pub(super) fn judge_counts(statefulset: &str, replicas: usize, counts: &[usize]) -> Verdict {
    let Some(&lowest) = counts.iter().min() else {
        return verdict(
            false,
            format!("no pod of StatefulSet {statefulset} was seen Ready during the stage"),
        );
    };
    let path = counts
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" → ");
    let went_down = counts.iter().filter(|&&c| c < replicas).count();
    let back = counts.last() == Some(&replicas);
    if went_down == 0 {
        return verdict(
            false,
            format!("no pod of {statefulset} went down during the stage (Ready pods: {path})"),
        );
    }
    if lowest + 1 < replicas {
        return verdict(
            false,
            format!(
                "at one moment only {lowest} of {replicas} pods were Ready (Ready pods: {path})"
            ),
        );
    }
    if !back {
        return verdict(
            false,
            format!("not all {replicas} pods are Ready again (Ready pods: {path})"),
        );
    }
    verdict(
        true,
        format!(
            "Ready pods of {statefulset} during the stage: {path}; never fewer than {} of {replicas}",
            replicas - 1
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::judge_counts;

    #[test]
    fn a_rolling_update_that_kept_two_of_three_ready_is_seen() {
        let v = judge_counts("emqx-core", 3, &[3, 2, 3, 2, 3, 2, 3]);
        assert!(v.met, "{}", v.observed);
        assert!(v.observed.contains("3 → 2 → 3"), "{}", v.observed);
    }

    #[test]
    fn two_pods_down_at_once_is_not_one_at_a_time() {
        let v = judge_counts("emqx-core", 3, &[3, 2, 1, 2, 3]);
        assert!(!v.met);
        assert!(v.observed.contains("only 1 of 3"), "{}", v.observed);
    }

    #[test]
    fn nothing_rolled_is_not_seen() {
        let v = judge_counts("emqx-core", 3, &[3]);
        assert!(!v.met);
        assert!(v.observed.contains("went down"), "{}", v.observed);
    }

    #[test]
    fn a_roll_that_has_not_finished_is_not_seen_yet() {
        let v = judge_counts("emqx-core", 3, &[3, 2, 3, 2]);
        assert!(!v.met);
    }
}
