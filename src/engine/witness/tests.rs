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
