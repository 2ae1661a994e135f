//! What a real kube-apiserver answers and the sim used to answer differently (issue 12),
//! through kube-rs against the sim in-process: field selectors on unset defaults,
//! metadata-only answers to writes, node leases, APIServices and events.k8s.io
//! (subresources and Jobs: `fidelity_subresources`).

use std::time::Duration;

use crate::support::{api_error, cm, eventually_within, sim};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod};
use k8s_openapi::api::events::v1::Event as EventV1;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::core::PartialObjectMeta;
use kube::core::params::DeleteParams;
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn an_unset_unschedulable_field_selects_as_false_and_unknown_labels_are_refused() {
    let sim = sim();
    let nodes: Api<Node> = Api::all(sim.client());
    let all = nodes
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .len();
    assert!(all >= 2, "the sim has several nodes");
    for selector in ["spec.unschedulable=false", "spec.unschedulable==false"] {
        let lp = ListParams::default().fields(selector);
        assert_eq!(
            nodes.list(&lp).await.unwrap().items.len(),
            all,
            "{selector}"
        );
    }
    nodes.cordon("sim-node-1").await.unwrap();
    let schedulable = nodes
        .list(&ListParams::default().fields("spec.unschedulable=false"))
        .await
        .unwrap();
    assert_eq!(schedulable.items.len(), all - 1);
    let cordoned = nodes
        .list(&ListParams::default().fields("spec.unschedulable=true"))
        .await
        .unwrap();
    assert_eq!(
        cordoned.items[0].metadata.name.as_deref(),
        Some("sim-node-1")
    );
    let err = api_error(
        nodes
            .list(&ListParams::default().fields("status.phase=Running"))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 400);
    assert_eq!(err.message, "field label not supported: status.phase");
    // Pods: spec.hostNetwork is unset on every pod, so it selects as false.
    let pods: Api<Pod> = Api::all(sim.client());
    let lp = ListParams::default().fields("spec.hostNetwork=false");
    let everything = pods.list(&ListParams::default()).await.unwrap().items.len();
    assert_eq!(pods.list(&lp).await.unwrap().items.len(), everything);
}

#[tokio::test(start_paused = true)]
async fn a_metadata_patch_answers_partial_object_metadata() {
    let sim = sim();
    let cms: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    cms.create(&PostParams::default(), &cm("meta", "v"))
        .await
        .unwrap();
    let patch = json!({"metadata": {"labels": {"patched": "yes"}}});
    let answer: PartialObjectMeta<ConfigMap> = cms
        .patch_metadata("meta", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    let types = answer.types.unwrap();
    assert_eq!(
        (types.api_version.as_str(), types.kind.as_str()),
        ("meta.k8s.io/v1", "PartialObjectMetadata")
    );
    assert_eq!(answer.metadata.labels.unwrap()["patched"], "yes");
    // The raw answer has no data: only metadata, as the real server's.
    let raw = sim
        .client()
        .request_text(
            http::Request::patch("/api/v1/namespaces/default/configmaps/meta")
                .header("Content-Type", "application/merge-patch+json")
                .header(
                    "Accept",
                    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
                )
                .body(br#"{"metadata":{"labels":{"again":"yes"}}}"#.to_vec())
                .unwrap(),
        )
        .await
        .unwrap();
    let raw: serde_json::Value = serde_json::from_str(&raw).unwrap();
    let keys: Vec<&str> = raw
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["kind", "apiVersion", "metadata"]);
}

#[tokio::test(start_paused = true)]
async fn nodes_renew_their_leases_every_ten_seconds() {
    let sim = sim();
    let leases: Api<Lease> = Api::namespaced(sim.client(), "kube-node-lease");
    let nodes: Api<Node> = Api::all(sim.client());
    let first = eventually_within(600, "a lease per node", || {
        let (leases, nodes) = (leases.clone(), nodes.clone());
        async move {
            let n = nodes.list(&ListParams::default()).await.ok()?.items.len();
            let l = leases.list(&ListParams::default()).await.ok()?;
            (l.items.len() == n).then_some(l.items)
        }
    })
    .await;
    let lease = &first[0];
    let spec = lease.spec.clone().unwrap();
    assert_eq!(spec.holder_identity, lease.metadata.name);
    assert_eq!(spec.lease_duration_seconds, Some(40));
    assert_eq!(
        lease.metadata.owner_references.as_ref().unwrap()[0].kind,
        "Node"
    );
    let before = spec.renew_time.unwrap();
    tokio::time::sleep(Duration::from_secs(11)).await;
    let after = leases
        .get(lease.metadata.name.as_deref().unwrap())
        .await
        .unwrap();
    assert!(after.spec.unwrap().renew_time.unwrap().0 > before.0);
}

#[tokio::test(start_paused = true)]
async fn every_served_group_version_has_a_local_available_apiservice() {
    let sim = sim();
    let services: Api<APIService> = Api::all(sim.client());
    let all = services.list(&ListParams::default()).await.unwrap().items;
    let names: Vec<String> = all.iter().filter_map(|s| s.metadata.name.clone()).collect();
    for want in [
        "v1.",
        "v1.apps",
        "v1.batch",
        "v1.coordination.k8s.io",
        "v1.events.k8s.io",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let apps = all
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some("v1.apps"))
        .unwrap();
    let spec = apps.spec.clone().unwrap();
    assert!(spec.service.is_none(), "Local");
    assert_eq!(
        (spec.group_priority_minimum, spec.version_priority),
        (17800, 15)
    );
    let condition = &apps.status.clone().unwrap().conditions.unwrap()[0];
    assert_eq!(
        (
            condition.type_.as_str(),
            condition.status.as_str(),
            condition.reason.as_deref()
        ),
        ("Available", "True", Some("Local"))
    );
}

#[tokio::test(start_paused = true)]
async fn core_events_read_back_through_events_k8s_io() {
    let sim = sim();
    let cms: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    cms.create(&PostParams::default(), &cm("x", "1"))
        .await
        .unwrap();
    let core: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(sim.client(), "default");
    let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(json!({
        "metadata": {"name": "x.1"},
        "involvedObject": {"kind": "ConfigMap", "namespace": "default", "name": "x", "apiVersion": "v1"},
        "reason": "Checked", "message": "all good", "type": "Normal",
        "source": {"component": "tester"}, "count": 2,
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:01Z"
    }))
    .unwrap();
    core.create(&PostParams::default(), &event).await.unwrap();
    let events: Api<EventV1> = Api::namespaced(sim.client(), "default");
    let got = events.get("x.1").await.unwrap();
    assert_eq!(got.note.as_deref(), Some("all good"));
    assert_eq!(got.regarding.unwrap().name.as_deref(), Some("x"));
    assert_eq!(got.deprecated_count, Some(2));
    assert_eq!(
        got.deprecated_source.unwrap().component.as_deref(),
        Some("tester")
    );
    let listed = events
        .list(&ListParams::default().fields("involvedObject.name=x"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    let mut created: EventV1 = serde_json::from_value(json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": "x.2"},
        "eventTime": "2026-01-01T00:00:02.000000Z",
        "reportingController": "tester", "reportingInstance": "tester-1",
        "action": "Check", "reason": "Checked", "note": "again", "type": "Normal",
        "regarding": {"kind": "ConfigMap", "namespace": "default", "name": "x"}
    }))
    .unwrap();
    created = events
        .create(&PostParams::default(), &created)
        .await
        .unwrap();
    assert_eq!(created.note.as_deref(), Some("again"));
    let as_core = core.get("x.2").await.unwrap();
    assert_eq!(as_core.message.as_deref(), Some("again"));
    assert_eq!(as_core.reporting_component.as_deref(), Some("tester"));
    events
        .delete("x.2", &DeleteParams::default())
        .await
        .unwrap();
    assert!(core.get_opt("x.2").await.unwrap().is_none());
}

#[test]
fn events_k8s_io_converts_core_events_as_the_real_server_does() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{name}.json")).unwrap())
            .unwrap()
    };
    let core = read("88-list-events-core-v1");
    let real = read("89-list-events-events-k8s-io-v1");
    let core_items = core["items"].as_array().unwrap();
    let real_items = real["items"].as_array().unwrap();
    assert_eq!(core_items.len(), real_items.len());
    for (c, want) in core_items.iter().zip(real_items) {
        let mut ours = kubetour_sim::api::events_v1::present(c);
        let map = ours.as_object_mut().unwrap();
        map.shift_remove("kind");
        map.shift_remove("apiVersion");
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(want).unwrap()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn put_post_and_apply_answer_partial_object_metadata_when_asked() {
    let sim = sim();
    let metadata_only = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
    let cm = |v: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "pom", "namespace": "default"}, "data": {"k": v}})
        .to_string()
        .into_bytes()
    };
    let send = |method: &str, path: &str, content_type: &str, body: Vec<u8>| {
        http::Request::builder()
            .method(method)
            .uri(path)
            .header("Content-Type", content_type)
            .header("Accept", metadata_only)
            .body(body)
            .unwrap()
    };
    let client = sim.client();
    for req in [
        send(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            cm("1"),
        ),
        send(
            "PUT",
            "/api/v1/namespaces/default/configmaps/pom",
            "application/json",
            cm("2"),
        ),
        send(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/pom?fieldManager=tester&force=true",
            "application/apply-patch+yaml",
            cm("3"),
        ),
    ] {
        let what = format!("{} {}", req.method(), req.uri());
        let text = client.request_text(req).await.unwrap();
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["kind"], "PartialObjectMetadata", "{what}: {text}");
        assert!(answer.get("data").is_none(), "{what}: {text}");
        assert_eq!(answer["metadata"]["name"], "pom", "{what}");
    }
    let stored = Api::<ConfigMap>::namespaced(sim.client(), "default")
        .get("pom")
        .await
        .unwrap();
    assert_eq!(stored.data.unwrap()["k"], "3");
}
