//! Tests of the store: metadata filling, optimistic concurrency, watch history.
use super::*;
use serde_json::json;

fn store() -> Arc<Store> {
    Store::new(Clock::new(1.0))
}

fn cm(name: &str, data: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "emqx"}, "data": {"k": data}})
}

#[tokio::test]
async fn create_fills_the_metadata_the_registry_fills() {
    let s = store();
    let created = s.create(Res::ConfigMap, cm("a", "1")).unwrap();
    assert_eq!(created["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert!(rv_of(&created) > 1000);
    assert!(created["metadata"]["creationTimestamp"].is_string());
    assert!(created["metadata"].get("generation").is_none());
    assert_eq!(
        s.create(Res::ConfigMap, cm("a", "1")).unwrap_err(),
        StoreError::AlreadyExists {
            res: Res::ConfigMap,
            name: "a".into()
        }
    );
}

#[tokio::test]
async fn a_stale_update_is_a_conflict_and_an_unchanged_one_is_not_written() {
    let s = store();
    let created = s.create(Res::ConfigMap, cm("a", "1")).unwrap();
    let same = s.update(Res::ConfigMap, created.clone()).unwrap();
    assert_eq!(rv_of(&same), rv_of(&created));
    let mut changed = created.clone();
    changed["data"]["k"] = json!("2");
    let written = s.update(Res::ConfigMap, changed.clone()).unwrap();
    assert!(rv_of(&written) > rv_of(&created));
    let err = s.update(Res::ConfigMap, changed).unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn generation_counts_spec_changes_only() {
    let s = store();
    let d = json!({"metadata": {"name": "d", "namespace": "emqx"}, "spec": {"replicas": 1}});
    let d = s.create(Res::Deployment, d).unwrap();
    let mut status = d.clone();
    status["status"] = json!({"replicas": 1});
    let status = s.update(Res::Deployment, status).unwrap();
    assert_eq!(status["metadata"]["generation"], 1);
    let mut spec = status.clone();
    spec["spec"]["replicas"] = json!(3);
    let spec = s.update(Res::Deployment, spec).unwrap();
    assert_eq!(spec["metadata"]["generation"], 2);
}

#[tokio::test]
async fn a_watch_resumes_from_a_resource_version_and_old_ones_are_gone() {
    let s = store();
    let a = s.create(Res::ConfigMap, cm("a", "1")).unwrap();
    s.create(Res::ConfigMap, cm("b", "1")).unwrap();
    let sub = s.subscribe(Some(rv_of(&a))).unwrap();
    assert_eq!(sub.backlog.len(), 1);
    assert_eq!(sub.backlog[0].object["metadata"]["name"], "b");
    let mut live = s.subscribe(None).unwrap().live;
    s.delete(Res::ConfigMap, "emqx", "a").unwrap();
    let ev = live.recv().await.unwrap();
    assert_eq!(ev.kind, EventType::Deleted);
    s.compact(1);
    assert!(matches!(
        s.subscribe(Some(rv_of(&a))),
        Err(StoreError::Gone { .. })
    ));
}

#[tokio::test]
async fn list_filters_by_namespace_and_kind() {
    let s = store();
    s.create(Res::ConfigMap, cm("a", "1")).unwrap();
    let mut other = cm("b", "1");
    other["metadata"]["namespace"] = json!("other");
    s.create(Res::ConfigMap, other).unwrap();
    s.create(Res::Secret, cm("c", "1")).unwrap();
    assert_eq!(s.list(Res::ConfigMap, Some("emqx")).0.len(), 1);
    assert_eq!(s.list(Res::ConfigMap, None).0.len(), 2);
    assert_eq!(s.list(Res::Secret, None).0.len(), 1);
}

#[tokio::test]
async fn mutate_writes_only_when_asked() {
    let s = store();
    let a = s.create(Res::ConfigMap, cm("a", "1")).unwrap();
    let same = s.mutate(Res::ConfigMap, "emqx", "a", |_| false).unwrap();
    assert_eq!(rv_of(&same), rv_of(&a));
    let changed = s
        .mutate(Res::ConfigMap, "emqx", "a", |v| {
            v["data"]["k"] = json!("2");
            true
        })
        .unwrap();
    assert_eq!(changed["data"]["k"], "2");
    assert!(s.mutate(Res::ConfigMap, "emqx", "zz", |_| true).is_none());
}

#[tokio::test]
async fn events_held_packed_read_back_as_written_in_the_servers_key_order() {
    let s = store();
    let event = json!({"metadata": {"name": "emqx-0.17a", "namespace": "emqx"},
        "involvedObject": {"kind": "Pod", "name": "emqx-0"}, "reason": "Started",
        "message": "Started container emqx", "count": 1, "type": "Normal"});
    let created = s.create(Res::Event, event).unwrap();
    assert!(matches!(
        s.lock().objects.values().next(),
        Some(held::Held::Event { .. })
    ));
    let read = s.get(Res::Event, "emqx", "emqx-0.17a").unwrap();
    assert_eq!(read, created);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&read), keys(&created));
    let mut bumped = read.clone();
    bumped["count"] = json!(2);
    let written = s.update(Res::Event, bumped).unwrap();
    assert_eq!(s.list(Res::Event, Some("emqx")).0, vec![written]);
}

#[test]
fn an_event_held_takes_no_more_room_in_the_map_than_a_tree() {
    assert!(std::mem::size_of::<held::Held>() <= std::mem::size_of::<Value>());
}

#[tokio::test]
async fn an_event_packs_against_the_first_of_its_reason_to_a_fraction_of_its_text() {
    let s = store();
    let event = |pod: &str, uid: &str| {
        json!({"metadata": {"name": format!("{pod}.18eee9b9a1dc1bf6"), "namespace": "emqx"},
            "involvedObject": {"apiVersion": "v1", "fieldPath": "spec.containers{emqx}",
                "kind": "Pod", "name": pod, "namespace": "emqx", "resourceVersion": "1204",
                "uid": uid},
            "reason": "Pulled", "count": 1, "type": "Normal",
            "message": "Container image \"emqx/emqx:5.8.9\" already present on machine",
            "source": {"component": "kubelet", "host": "sim-worker-2"},
            "firstTimestamp": "2026-12-07T07:58:04Z", "lastTimestamp": "2026-12-07T07:58:04Z",
            "reportingComponent": "kubelet", "reportingInstance": "sim-worker-2"})
    };
    let first = s.create(
        Res::Event,
        event("emqx-7c9f-abcde", "24c64b7f-ac75-47f3-83ca-a5c857fb219e"),
    );
    let second = s.create(
        Res::Event,
        event("emqx-7c9f-xyz12", "9d1e0c55-0b1e-4b5e-9a53-1f6a2f0c7d10"),
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let sizes = s.held_sizes();
    assert_eq!(sizes.events, 2);
    // The second shares its reason's dictionary (the first's text): its uids, names
    // and times are most of what is left.
    let second_len = second.to_string().len();
    assert!(
        sizes.event_packed < second_len + second_len / 3,
        "two Events of {} and {second_len} bytes held in {} bytes",
        first.to_string().len(),
        sizes.event_packed
    );
    let listed = s.list(Res::Event, Some("emqx")).0;
    assert_eq!(listed, vec![first, second]);
}

#[tokio::test]
async fn a_watch_resuming_from_the_history_gets_each_write_exactly_as_written() {
    // The history keeps compact JSON text (store_held): what a resume parses back must be
    // the object each write returned, numbers and key order included.
    let s = store();
    let before = s.current_rv();
    let mut odd = cm("a", "1");
    odd["data"]["k"] = json!("ünï ✓ \"quoted\"");
    odd["metadata"]["labels"] = json!({"z": "1", "a": "2"});
    odd["binaryData"] = json!({"n": 1.5e300, "i": -9007199254740993i64, "u": u64::MAX});
    let created = s.create(Res::ConfigMap, odd).unwrap();
    let mut next = created.clone();
    next["data"]["k"] = json!("2");
    let updated = s.update(Res::ConfigMap, next).unwrap();
    let deleted = s.delete(Res::ConfigMap, "emqx", "a").unwrap();
    let event = s
        .create(
            Res::Event,
            json!({"metadata": {"name": "e", "namespace": "emqx"},
        "reason": "R", "count": 1}),
        )
        .unwrap();
    let sub = s.subscribe(Some(before)).unwrap();
    let got: Vec<(EventType, &Value)> = sub.backlog.iter().map(|e| (e.kind, &e.object)).collect();
    assert_eq!(
        got,
        vec![
            (EventType::Added, &created),
            (EventType::Modified, &updated),
            (EventType::Deleted, &deleted),
            (EventType::Added, &event),
        ]
    );
    let keys: Vec<&String> = got[0].1["metadata"]["labels"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let written: Vec<&String> = created["metadata"]["labels"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, written);
}

#[test]
fn a_watch_resuming_gets_only_its_own_resource_and_namespace_from_the_history() {
    let s = store();
    let before = s.current_rv();
    let mut other_ns = cm("b", "1");
    other_ns["metadata"]["namespace"] = json!("elsewhere");
    let a = s.create(Res::ConfigMap, cm("a", "1")).unwrap();
    s.create(Res::ConfigMap, other_ns).unwrap();
    s.create(
        Res::Event,
        json!({"metadata": {"name": "e", "namespace": "emqx"}, "reason": "R"}),
    )
    .unwrap();
    let gone = s.delete(Res::ConfigMap, "emqx", "a").unwrap();
    let sub = s
        .subscribe_to(before, Res::ConfigMap, Some("emqx"))
        .unwrap();
    let got: Vec<(EventType, &Value)> = sub.backlog.iter().map(|e| (e.kind, &e.object)).collect();
    assert_eq!(
        got,
        vec![(EventType::Added, &a), (EventType::Deleted, &gone)]
    );
    let all_namespaces = s.subscribe_to(before, Res::ConfigMap, None).unwrap();
    assert_eq!(all_namespaces.backlog.len(), 3);
    // Too old is still too old, whatever the resource.
    s.compact_through(s.current_rv());
    s.create(Res::ConfigMap, cm("c", "1")).unwrap();
    assert!(matches!(
        s.subscribe_to(before, Res::ConfigMap, None),
        Err(StoreError::Gone { .. })
    ));
}
