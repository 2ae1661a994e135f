//! Teardown returns only when what it deleted is gone (issue 22.5): the StatefulSet's
//! pods through Terminating, then the claims — which a pod still mounting them would
//! keep (`kubernetes.io/pvc-protection`) — and it says how long that took.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, ListParams};
use kube::runtime::watcher::Event;

use crate::support::{cluster, dump, engine as new_engine, run_through, shipped_track};
use kubetour::engine::Taps;
use kubetour::engine::events::EngineEvent;
use kubetour::view::Change;

/// The names of every object `api` lists.
async fn names<K>(api: &Api<K>) -> Vec<String>
where
    K: kube::Resource + Clone + std::fmt::Debug + serde::de::DeserializeOwned,
{
    let list = api.list(&ListParams::default()).await.unwrap();
    list.items
        .into_iter()
        .filter_map(|o| o.meta().name.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_with_claims_returns_when_pods_and_claims_are_gone() {
    let (_sim, conn) = cluster(true).await;
    let (engine, told) = new_engine(&conn, shipped_track("5"));
    // The order the watches saw things go in: a claim marked for deletion while a pod
    // still existed would be held by pvc-protection (and "deleted" would be untrue).
    let seen: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let log = seen.clone();
    let mut engine = engine.with_taps(Taps {
        change: Box::new(move |c| match c {
            Change::Pod(Event::Delete(_)) => log.lock().unwrap().push("pod gone"),
            Change::Claim(Event::Apply(claim)) if claim.metadata.deletion_timestamp.is_some() => {
                log.lock().unwrap().push("claim deleting")
            }
            _ => {}
        }),
        ..Taps::default()
    });
    run_through(&mut engine, &told, "persistence").await;
    seen.lock().unwrap().clear();
    engine
        .delete_ours(None, true, &BTreeSet::new())
        .await
        .unwrap();
    let order = seen.lock().unwrap().clone();
    let last_pod = order.iter().rposition(|w| *w == "pod gone");
    let first_claim = order.iter().position(|w| *w == "claim deleting");
    assert!(
        last_pod.is_some() && first_claim.is_none_or(|c| Some(c) > last_pod),
        "teardown must see its pods gone before it deletes the claims; seen: {order:?}"
    );

    // At once, as a person running `teardown --delete-claims` and then `kubectl get`.
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), "emqx");
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), "emqx");
    let left = (names(&pods).await, names(&claims).await);
    assert!(
        left.0.is_empty() && left.1.is_empty(),
        "still there (pods, claims): {left:?}\n{}",
        dump(&told)
    );
    let printed = dump(&told);
    assert!(
        printed.contains("everything deleted is gone ("),
        "{printed}"
    );
    assert!(!printed.contains("still going away"), "{printed}");
    let o20 = told.lock().unwrap().iter().any(|e| {
        matches!(e, EngineEvent::Observation { id, sighting, .. }
            if id == "O20" && *sighting == kubetour::engine::events::Sighting::Seen)
    });
    assert!(o20, "{printed}");
}
