//! The watch-history witnesses judged on made-up histories: they must say "not seen" when
//! what happened contradicts the lesson, not only "seen" when it agrees.

use crate::view::WatchedPod;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher::Event;
use serde_json::json;

use super::judge;
use crate::engine::record::Record;
use crate::track::{LabelSelector, PodTarget, Watched};
use crate::view::{Change, ClusterView};

fn statefulset() -> StatefulSet {
    serde_json::from_value(json!({
        "metadata": {"name": "emqx-statefulset", "uid": "sts-uid"},
        "spec": {"selector": {}, "serviceName": "emqx-headless", "template": {}}
    }))
    .unwrap()
}

/// Pod `emqx-statefulset-<i>` (uid `u<i>`) owned by the StatefulSet, Ready or not.
fn pod(i: u32, ready: bool) -> Pod {
    let state = if ready {
        json!({"running": {"startedAt": "2026-12-05T10:00:00Z"}})
    } else {
        json!({"waiting": {"reason": "ContainerCreating"}})
    };
    serde_json::from_value(json!({
        "metadata": {
            "name": format!("emqx-statefulset-{i}"),
            "uid": format!("u{i}"),
            "labels": {"app": "emqx"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                "name": "emqx-statefulset", "uid": "sts-uid", "controller": true}]
        },
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9"}], "nodeName": "n1"},
        "status": {
            "phase": if ready { "Running" } else { "Pending" },
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "containerStatuses": [{"name": "emqx", "ready": ready, "restartCount": 0,
                "image": "emqx/emqx:5.8.9", "imageID": "", "state": state}]
        }
    }))
    .unwrap()
}

/// Folds the changes into a view and a record, as the engine does.
fn history(changes: Vec<Change>) -> (ClusterView, Record) {
    let mut view = ClusterView::default();
    let mut record = Record::default();
    view.apply(Change::StatefulSet(Event::Apply(statefulset().into())));
    for c in changes {
        record.fold(&c);
        view.apply(c);
    }
    (view, record)
}

fn seen(watched: Watched, changes: Vec<Change>) -> (bool, String) {
    let (view, record) = history(changes);
    let v = judge(&watched, &view, &record, None);
    (v.met, v.observed)
}

fn ordered() -> Watched {
    Watched::OrderedStart {
        statefulset: "emqx-statefulset".into(),
    }
}

fn parallel() -> Watched {
    Watched::ParallelStart {
        statefulset: "emqx-statefulset".into(),
    }
}

fn apply(i: u32, ready: bool) -> Change {
    Change::Pod(Event::Apply(WatchedPod::from(pod(i, ready)).into()))
}

#[test]
fn pods_each_created_after_the_previous_was_ready_are_an_ordered_start() {
    let changes = vec![
        apply(0, false),
        apply(0, true),
        apply(1, false),
        apply(1, true),
    ];
    let (met, said) = seen(ordered(), changes.clone());
    assert!(met, "{said}");
    let (met, said) = seen(parallel(), changes);
    assert!(!met, "an ordered start is not a parallel one: {said}");
    assert!(
        said.contains("emqx-statefulset-1 was created only after"),
        "{said}"
    );
}

#[test]
fn a_pod_created_before_the_previous_was_ready_is_not_an_ordered_start() {
    let changes = vec![
        apply(0, false),
        apply(1, false),
        apply(0, true),
        apply(1, true),
    ];
    let (met, said) = seen(ordered(), changes.clone());
    assert!(!met, "{said}");
    assert!(
        said.contains("emqx-statefulset-1 was created before emqx-statefulset-0 was Ready"),
        "{said}"
    );
    let (met, said) = seen(parallel(), changes);
    assert!(met, "{said}");
}

#[test]
fn pods_found_by_a_list_were_not_seen_starting() {
    let changes = vec![
        Change::Pod(Event::Init),
        Change::Pod(Event::InitApply(WatchedPod::from(pod(0, true)).into())),
        Change::Pod(Event::InitDone),
    ];
    let (met, said) = seen(ordered(), changes);
    assert!(!met, "{said}");
    assert!(said.contains("its creation was not seen"), "{said}");
}

#[test]
fn a_pod_seen_only_running_did_not_go_through_pending() {
    let watched = Watched::WentThrough {
        pods: PodTarget::Selected(LabelSelector(vec![("app".into(), "emqx".into())])),
        statuses: vec!["ContainerCreating".into(), "Running".into()],
    };
    let (met, said) = seen(watched.clone(), vec![apply(0, true)]);
    assert!(!met, "{said}");
    let (met, said) = seen(watched, vec![apply(0, false), apply(0, true)]);
    assert!(met, "{said}");
    assert!(said.contains("ContainerCreating → Running"), "{said}");
}

/// Pod `emqx-statefulset-<i>` as `pod(i, ready)` but with its own uid, and terminating
/// when `deleting` (a terminating pod may still say Ready).
fn pod_as(i: u32, uid: &str, ready: bool, deleting: bool) -> Pod {
    let mut p = pod(i, ready);
    p.metadata.uid = Some(uid.to_string());
    if deleting {
        p.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            "2026-12-05T10:01:00Z".parse().unwrap(),
        ));
    }
    p
}

/// Three Ready pods, a new stage, then `during`; the verdict of `one_down_at_a_time`.
fn roll(during: Vec<Change>) -> (bool, String) {
    let mut view = ClusterView::default();
    let mut record = Record::default();
    let mut set = statefulset();
    set.spec.replicas = Some(3);
    view.apply(Change::StatefulSet(Event::Apply(set.into())));
    let fold = |c: Change, view: &mut ClusterView, record: &mut Record| {
        record.fold(&c);
        view.apply(c);
    };
    for i in 0..3 {
        fold(
            Change::Pod(Event::Apply(
                WatchedPod::from(pod_as(i, &format!("u{i}"), true, false)).into(),
            )),
            &mut view,
            &mut record,
        );
    }
    record.begin_stage();
    for c in during {
        fold(c, &mut view, &mut record);
    }
    let watched = Watched::OneDownAtATime {
        statefulset: "emqx-statefulset".into(),
    };
    let v = judge(&watched, &view, &record, None);
    (v.met, v.observed)
}

/// Pod `i` (uid `old`) terminating, gone, and its replacement (uid `new`) Ready.
fn replaced(i: u32, old: &str, new: &str) -> Vec<Change> {
    vec![
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(i, old, true, true)).into(),
        )),
        Change::Pod(Event::Delete(
            WatchedPod::from(pod_as(i, old, true, true)).into(),
        )),
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(i, new, false, false)).into(),
        )),
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(i, new, true, false)).into(),
        )),
    ]
}

#[test]
fn o25_a_roll_one_pod_at_a_time_is_seen_counting_a_terminating_pod_as_down() {
    let mut during = replaced(2, "u2", "v2");
    during.extend(replaced(1, "u1", "v1"));
    during.extend(replaced(0, "u0", "v0"));
    let (met, observed) = roll(during);
    assert!(met, "{observed}");
    assert!(observed.contains("3 → 2 → 3 → 2 → 3 → 2 → 3"), "{observed}");
}

#[test]
fn o25_two_pods_terminating_together_are_not_one_at_a_time() {
    let during = vec![
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(2, "u2", true, true)).into(),
        )),
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(1, "u1", true, true)).into(),
        )),
        Change::Pod(Event::Delete(
            WatchedPod::from(pod_as(2, "u2", true, true)).into(),
        )),
        Change::Pod(Event::Delete(
            WatchedPod::from(pod_as(1, "u1", true, true)).into(),
        )),
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(2, "v2", true, false)).into(),
        )),
        Change::Pod(Event::Apply(
            WatchedPod::from(pod_as(1, "v1", true, false)).into(),
        )),
    ];
    let (met, observed) = roll(during);
    assert!(!met, "{observed}");
    assert!(observed.contains("only 1 of 3"), "{observed}");
}

#[test]
fn o25_a_stage_in_which_no_pod_went_down_is_not_a_roll() {
    let (met, observed) = roll(Vec::new());
    assert!(!met, "{observed}");
    assert!(observed.contains("went down"), "{observed}");
}
