//! Discovery names the groups and subresources a real server always serves, with the
//! real verbs, kinds, short names and categories (compared with tests/fixtures/real 04,
//! 09 and 10, from a real kube-apiserver 1.32).

use axum::body::Body;
use axum::http::{Request, header};
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::Value;
use tower::ServiceExt;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");
const AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

fn real(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}.json")).unwrap())
        .unwrap()
}

async fn get(sim: &Sim, path: &str, accept: &str) -> Value {
    let req = Request::get(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", sim.admin_token()),
        )
        .header(header::ACCEPT, accept)
        .body(Body::empty())
        .unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn find<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// A resource entry without what only a real storage layer has.
fn without_storage_hash(v: &Value) -> String {
    let mut v = v.clone();
    if let Some(map) = v.as_object_mut() {
        map.shift_remove("storageVersionHash");
    }
    serde_json::to_string(&v).unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_core_group_lists_the_subresources_clients_reach_for_as_the_real_one() {
    let sim = Sim::start(SimConfig::default());
    let ours = get(&sim, "/api/v1", "application/json").await;
    let real_v1 = real("04-api-v1");
    for name in [
        "pods/eviction",
        "pods/ephemeralcontainers",
        "pods/binding",
        "pods/status",
        "serviceaccounts/token",
        "events",
        "pods",
        "serviceaccounts",
    ] {
        assert_eq!(
            without_storage_hash(find(&ours["resources"], "name", name)),
            without_storage_hash(find(&real_v1["resources"], "name", name)),
            "{name}"
        );
    }
    let core = get(&sim, "/api", AGGREGATED).await;
    let real_core = real("09-aggregated-discovery-api");
    let ours_pods = find(
        &core["items"][0]["versions"][0]["resources"],
        "resource",
        "pods",
    );
    let real_pods = find(
        &real_core["items"][0]["versions"][0]["resources"],
        "resource",
        "pods",
    );
    for sub in ["eviction", "ephemeralcontainers", "status", "binding"] {
        assert_eq!(
            find(&ours_pods["subresources"], "subresource", sub),
            find(&real_pods["subresources"], "subresource", sub),
            "pods/{sub}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn named_groups_include_batch_coordination_events_and_apiregistration_as_the_real_ones() {
    let sim = Sim::start(SimConfig::default());
    let ours = get(&sim, "/apis", AGGREGATED).await;
    let real_apis = real("10-aggregated-discovery-apis");
    for group in [
        "batch",
        "coordination.k8s.io",
        "events.k8s.io",
        "apiregistration.k8s.io",
    ] {
        let pick = |list: &Value| -> Value {
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["metadata"]["name"] == group)
                .cloned()
                .unwrap_or_else(|| panic!("{group} missing"))
        };
        assert_eq!(
            serde_json::to_string(&pick(&ours)).unwrap(),
            serde_json::to_string(&pick(&real_apis)).unwrap(),
            "{group}"
        );
    }
    // The legacy forms serve them too.
    let groups = get(&sim, "/apis", "application/json").await;
    for group in [
        "batch",
        "coordination.k8s.io",
        "events.k8s.io",
        "apiregistration.k8s.io",
    ] {
        find(&groups["groups"], "name", group);
    }
    let batch = get(&sim, "/apis/batch/v1", "application/json").await;
    let jobs = find(&batch["resources"], "name", "jobs");
    assert_eq!(jobs["categories"], serde_json::json!(["all"]));
    find(&batch["resources"], "name", "jobs/status");
    let events = get(&sim, "/apis/events.k8s.io/v1", "application/json").await;
    find(&events["resources"], "name", "events");
}
