//! The watchers' first lists come in pages (`cluster::watch::PAGE` objects per request, so
//! a list of a 1,000-pod namespace is never read as one text), and paging loses nothing:
//! every object of a kind bigger than a page is listed before the kind's list ends.

use std::collections::BTreeSet;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, PostParams};
use kube::runtime::watcher::Event;
use kubetour::cluster::watch;
use kubetour::view::Change;
use kubetour::view::change::ListEdge;
use kubetour_sim::faults::FaultPlan;
use serde_json::json;

use crate::support::faulty_cluster;

async fn create<K>(api: &Api<K>, object: serde_json::Value)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let k: K = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &k).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_bigger_than_a_page_comes_in_pages_and_keeps_every_object() {
    let f = faulty_cluster(FaultPlan::default()).await;
    let client = f.conn.client.clone();
    create::<Namespace>(
        &Api::all(client.clone()),
        json!({"metadata": {"name": "emqx"}}),
    )
    .await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "emqx");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "emqx");
    for i in 0..7 {
        create(&maps, json!({"metadata": {"name": format!("map-{i}")}})).await;
        create(
            &pods,
            json!({"metadata": {"name": format!("pod-{i}")},
                   "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
        )
        .await;
    }
    let lists_before = f.count.requests_to(|p| p.ends_with("/configmaps"));

    let mut changes = watch::watch_namespace_paged(&client, "emqx", 2);
    let (mut listed_maps, mut listed_pods) = (BTreeSet::new(), BTreeSet::new());
    let mut done = BTreeSet::new();
    let all_listed = async {
        while done.len() < Change::KINDS as usize {
            let change = changes.next().await.expect("the watch goes on");
            match &change {
                Change::ConfigMap(Event::InitApply(m)) => {
                    listed_maps.insert(m.metadata.name.clone().unwrap());
                }
                Change::Pod(Event::InitApply(p)) => {
                    listed_pods.insert(p.metadata.name.clone().unwrap());
                }
                Change::Trouble(t) => panic!("a watch failed: {}", t.detail),
                _ => {}
            }
            if let Some((kind, ListEdge::Done)) = change.list_edge() {
                done.insert(kind);
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), all_listed)
        .await
        .expect("every kind is listed within 30 s");

    let want =
        |prefix: &str| -> BTreeSet<String> { (0..7).map(|i| format!("{prefix}-{i}")).collect() };
    assert!(
        want("map").is_subset(&listed_maps),
        "listed configmaps: {listed_maps:?}"
    );
    assert_eq!(listed_pods, want("pod"));
    // Seven maps (and the namespace's root CA, if the simulator publishes one) at two a
    // page is four pages or more; one list of everything would be one request.
    let list_requests = f.count.requests_to(|p| p.ends_with("/configmaps")) - lists_before;
    assert!(
        list_requests >= 4,
        "configmap requests while listing: {list_requests} (the list was not paged)"
    );
}
