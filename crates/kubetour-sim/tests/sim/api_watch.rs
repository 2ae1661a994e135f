//! Contract tests of the simulated API server's watches with kube-rs, in-process on
//! paused time: raw watches, the runtime watcher, streaming lists, metadata-only
//! watches and selection changes, as the wizard's live panels use them.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::json;

use crate::support::{cm, sim};

#[tokio::test(start_paused = true)]
async fn an_applied_configmap_is_watched_as_added_then_modified() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let mut stream = api
        .watch(&WatchParams::default().timeout(60), "0")
        .await
        .unwrap()
        .boxed();
    let pp = PatchParams::apply("kubetour");
    api.patch("cfg", &pp, &Patch::Apply(cm("cfg", "1")))
        .await
        .unwrap();
    api.patch("cfg", &pp, &Patch::Apply(cm("cfg", "2")))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(c) if c.metadata.name.as_deref() == Some("cfg") => {
                seen.push(("ADDED", c))
            }
            WatchEvent::Modified(c) if c.metadata.name.as_deref() == Some("cfg") => {
                seen.push(("MODIFIED", c))
            }
            _ => {}
        }
    }
    assert_eq!(seen[0].0, "ADDED");
    assert_eq!(seen[1].0, "MODIFIED");
    assert_eq!(seen[1].1.data.as_ref().unwrap()["k"], "2");
}

#[tokio::test(start_paused = true)]
async fn the_runtime_watcher_lists_then_follows_changes() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    api.create(&PostParams::default(), &cm("before", "1"))
        .await
        .unwrap();
    let mut objects = watcher(api.clone(), watcher::Config::default())
        .applied_objects()
        .boxed();
    let first = objects.try_next().await.unwrap().unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("before"));
    api.create(&PostParams::default(), &cm("after", "1"))
        .await
        .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(o) = objects.try_next().await.unwrap() {
            if o.metadata.name.as_deref() == Some("after") {
                return true;
            }
        }
        false
    });
    assert!(seen.await.expect("the watcher saw the new object in time"));
}

#[tokio::test(start_paused = true)]
async fn a_streaming_list_watcher_gets_the_initial_objects_then_changes() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    api.create(&PostParams::default(), &cm("before", "1"))
        .await
        .unwrap();
    let config = watcher::Config::default().streaming_lists();
    let mut events = watcher(api.clone(), config).boxed();
    let mut initial = Vec::new();
    loop {
        match events.try_next().await.unwrap().unwrap() {
            watcher::Event::Init => {}
            watcher::Event::InitApply(c) => initial.push(c.metadata.name.unwrap()),
            watcher::Event::InitDone => break,
            other => panic!("unexpected before the initial events ended: {other:?}"),
        }
    }
    assert!(initial.contains(&"before".to_string()), "{initial:?}");
    api.create(&PostParams::default(), &cm("after", "1"))
        .await
        .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(e) = events.try_next().await.unwrap() {
            if let watcher::Event::Apply(c) = e
                && c.metadata.name.as_deref() == Some("after")
            {
                return true;
            }
        }
        false
    });
    assert!(seen.await.expect("the watcher saw the new object in time"));
}

#[tokio::test(start_paused = true)]
async fn metadata_only_reads_and_watches_get_partial_object_metadata() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    api.create(&PostParams::default(), &cm("meta", "1"))
        .await
        .unwrap();
    let meta = api.get_metadata("meta").await.unwrap();
    assert_eq!(meta.metadata.name.as_deref(), Some("meta"));
    assert_eq!(meta.types.unwrap().kind, "PartialObjectMetadata");
    let list = api.list_metadata(&ListParams::default()).await.unwrap();
    assert!(
        list.items
            .iter()
            .any(|m| m.metadata.name.as_deref() == Some("meta"))
    );
    let metas: Api<kube::core::PartialObjectMeta<ConfigMap>> =
        Api::namespaced(sim.client(), "default");
    let mut stream = watcher(metas, watcher::Config::default())
        .applied_objects()
        .boxed();
    let first = stream.try_next().await.unwrap().unwrap();
    assert!(first.metadata.name.is_some());
}

#[tokio::test(start_paused = true)]
async fn leaving_and_entering_a_watched_selection_reads_as_deleted_and_added() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let mut c = cm("moving", "1");
    c.metadata.labels = Some([("tier".to_string(), "core".to_string())].into());
    api.create(&PostParams::default(), &c).await.unwrap();
    let listed = api
        .list(&ListParams::default().labels("tier=core"))
        .await
        .unwrap();
    let rv = listed.metadata.resource_version.unwrap();
    let mut stream = api
        .watch(&WatchParams::default().labels("tier=core").timeout(60), &rv)
        .await
        .unwrap()
        .boxed();
    let relabel = |tier: &str| Patch::Merge(json!({"metadata": {"labels": {"tier": tier}}}));
    api.patch("moving", &PatchParams::default(), &relabel("other"))
        .await
        .unwrap();
    api.patch("moving", &PatchParams::default(), &relabel("core"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(o) => seen.push(("ADDED", o.metadata.name.unwrap())),
            WatchEvent::Modified(o) => seen.push(("MODIFIED", o.metadata.name.unwrap())),
            WatchEvent::Deleted(o) => seen.push(("DELETED", o.metadata.name.unwrap())),
            _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            ("DELETED", "moving".to_string()),
            ("ADDED", "moving".to_string())
        ]
    );
}

/// Issue 23: watchers are handed the stored object itself rather than a copy each; two
/// watches of one kind, one selecting, still see every change in resourceVersion order,
/// and the selecting one only the objects it selects.
#[tokio::test(start_paused = true)]
async fn watchers_of_one_kind_see_the_same_changes_in_order_and_selectors_still_filter() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let rv = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let all = api
        .watch(&WatchParams::default().timeout(60), &rv)
        .await
        .unwrap()
        .boxed();
    let selected = api
        .watch(&WatchParams::default().labels("app=a").timeout(60), &rv)
        .await
        .unwrap()
        .boxed();
    let labelled = |name: &str, app: &str, v: &str| {
        let mut c = cm(name, v);
        c.metadata.labels = Some([("app".to_string(), app.to_string())].into());
        c
    };
    let pp = PostParams::default();
    api.create(&pp, &labelled("a", "a", "1")).await.unwrap();
    api.create(&pp, &labelled("b", "b", "1")).await.unwrap();
    api.replace("a", &pp, &{
        let mut c = api.get("a").await.unwrap();
        c.data = Some([("k".to_string(), "2".to_string())].into());
        c
    })
    .await
    .unwrap();
    api.delete("a", &Default::default()).await.unwrap();
    async fn take(
        mut s: futures::stream::BoxStream<'_, kube::Result<WatchEvent<ConfigMap>>>,
        n: usize,
    ) -> Vec<(&'static str, String, u64)> {
        let mut out = Vec::new();
        while out.len() < n {
            let (kind, c) = match s.try_next().await.unwrap().unwrap() {
                WatchEvent::Added(c) => ("ADDED", c),
                WatchEvent::Modified(c) => ("MODIFIED", c),
                WatchEvent::Deleted(c) => ("DELETED", c),
                _ => continue,
            };
            let rv = c.metadata.resource_version.unwrap().parse().unwrap();
            out.push((kind, c.metadata.name.unwrap(), rv));
        }
        out
    }
    let all = take(all, 4).await;
    let kinds: Vec<(&str, &str)> = all.iter().map(|(k, n, _)| (*k, n.as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("ADDED", "a"),
            ("ADDED", "b"),
            ("MODIFIED", "a"),
            ("DELETED", "a")
        ]
    );
    assert!(all.windows(2).all(|w| w[0].2 < w[1].2), "in order: {all:?}");
    let selected = take(selected, 3).await;
    let of_a: Vec<_> = all.iter().filter(|(_, n, _)| n == "a").cloned().collect();
    assert_eq!(
        selected, of_a,
        "the selecting watch sees only app=a, unchanged"
    );
}
