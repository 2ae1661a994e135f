//! The sim writes JSON byte for byte as a real kube-apiserver does: `kind` first, then
//! `apiVersion`, metadata, and every field in the real server's order (tests/fixtures/
//! real, from real-apiserver/). Values unique to a cluster (uids, resourceVersions,
//! times, allocated IPs) are replaced in place, so only content and order are compared.

use crate::support::replay::{ERROR_SETUP, ERRORS, fixture, replay, send, sim_with_ref_namespace};
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Replaces what differs between two clusters, keeping every key where it is.
fn blank_volatile(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match k.as_str() {
                    "uid"
                    | "resourceVersion"
                    | "creationTimestamp"
                    | "time"
                    | "controller-uid"
                    | "batch.kubernetes.io/controller-uid" => {
                        if !child.is_null() {
                            *child = json!("<volatile>");
                        }
                    }
                    "clusterIP" if child != "None" => *child = json!("<allocated>"),
                    "clusterIPs" if child != &json!(["None"]) => *child = json!(["<allocated>"]),
                    _ => blank_volatile(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(blank_volatile),
        _ => {}
    }
}

fn bytes_of(mut v: Value) -> String {
    blank_volatile(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

#[tokio::test(start_paused = true)]
async fn created_objects_are_written_in_the_real_servers_key_order() {
    let sim = sim_with_ref_namespace().await;
    for name in [
        "15-create-configmap",
        "17-ssa-create-deployment",
        "20-ssa-create-service",
        "21-ssa-create-headless-service",
        "23-ssa-create-role",
        "24-ssa-create-rolebinding",
        "25-ssa-create-statefulset",
        // Written from the sources (see tests/fixtures/real/SOURCES.md).
        "x01-create-job",
    ] {
        let (ours, real) = replay(&sim, name).await;
        assert_eq!(bytes_of(ours), bytes_of(real), "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn error_statuses_are_written_in_the_real_servers_key_order() {
    let sim = sim_with_ref_namespace().await;
    for setup in ERROR_SETUP {
        replay(&sim, setup).await;
    }
    for name in ERRORS {
        let (ours, real) = replay(&sim, name).await;
        assert_eq!(bytes_of(ours), bytes_of(real), "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn gets_lists_and_watch_events_lead_with_kind_then_api_version() {
    let sim = sim_with_ref_namespace().await;
    replay(&sim, "15-create-configmap").await;
    let got = send(
        &sim,
        "GET",
        "/api/v1/namespaces/ref/configmaps/emqx-config",
        "application/json",
        "application/json",
        String::new(),
    )
    .await;
    let keys: Vec<&str> = got
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["kind", "apiVersion", "metadata", "data"]);
    // A list: kind, apiVersion, metadata, items; items without type meta (as real 40).
    let list = send(
        &sim,
        "GET",
        "/api/v1/namespaces/ref/configmaps",
        "application/json",
        "application/json",
        String::new(),
    )
    .await;
    let keys: Vec<&str> = list
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["kind", "apiVersion", "metadata", "items"]);
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "emqx-config")
        .unwrap();
    let keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["metadata", "data"]);
    // Pods made by the controllers are stored in the real order too.
    replay(&sim, "17-ssa-create-deployment").await;
    let mut pods = Value::Null;
    for _ in 0..200 {
        pods = send(
            &sim,
            "GET",
            "/api/v1/namespaces/ref/pods",
            "application/json",
            "application/json",
            String::new(),
        )
        .await;
        if pods["items"].as_array().is_some_and(|i| !i.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pod = &pods["items"][0];
    let keys: Vec<&str> = pod["spec"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let volumes = keys.iter().position(|k| *k == "volumes").unwrap();
    let containers = keys.iter().position(|k| *k == "containers").unwrap();
    let scheduler = keys.iter().position(|k| *k == "schedulerName").unwrap();
    assert!(volumes < containers && containers < scheduler, "{keys:?}");
    let meta: Vec<&str> = pod["metadata"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        &meta[..3],
        ["name", "generateName", "namespace"],
        "{meta:?}"
    );
}

/// Every map turned around, recursively: the worst order a client could send.
fn reversed(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, child) in map.iter().rev() {
                out.insert(k.clone(), reversed(child));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_order_table_reproduces_every_captured_real_answer() {
    use kubetour_sim::key_order::canonical;
    for (name, ty) in [
        ("22-create-serviceaccount", "ServiceAccount"),
        ("26-get-pod-scheduled-before-running", "Pod"),
        ("27-get-deployment-available", "Deployment"),
        ("28-get-replicaset", "ReplicaSet"),
        ("29-get-pod-running", "Pod"),
        ("30-get-endpoints-service", "Endpoints"),
        ("32-get-statefulset", "StatefulSet"),
        ("34-get-pvc-pending", "PersistentVolumeClaim"),
        ("40-list-pods", "Pod"),
        ("52-scale-deployment-to-2", "Scale"),
        ("71-get-deployment-during-foreground-deletion", "Deployment"),
        ("88-list-events-core-v1", "Event"),
        ("89-list-events-events-k8s-io-v1", "EventV1"),
        ("31-list-endpointslices-service", "EndpointSlice"),
        ("38-list-endpointslices-headless", "EndpointSlice"),
    ] {
        let real = fixture(name);
        let mut ours = reversed(&real);
        if ours.get("items").is_some() {
            // A list: kind, apiVersion, metadata, items; each item of the listed type.
            let mut items = ours["items"].take();
            for item in items.as_array_mut().unwrap() {
                canonical(ty, item);
            }
            ours = json!({
                "kind": ours["kind"].take(),
                "apiVersion": ours["apiVersion"].take(),
                "metadata": ours["metadata"].take(),
                "items": items,
            });
        } else {
            canonical(ty, &mut ours);
        }
        let (ours, real) = (
            serde_json::to_string_pretty(&ours).unwrap(),
            serde_json::to_string_pretty(&real).unwrap(),
        );
        let first_difference = ours
            .lines()
            .zip(real.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b);
        assert_eq!(first_difference, None, "{name}: (line, (ours, real))");
    }
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test(start_paused = true)]
async fn tables_and_watch_events_are_written_in_the_real_servers_key_order() {
    let sim = sim_with_ref_namespace().await;
    replay(&sim, "15-create-configmap").await;
    let table = send(
        &sim,
        "GET",
        "/api/v1/namespaces/ref/configmaps",
        "application/json",
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        String::new(),
    )
    .await;
    // As real-apiserver/41.
    let real = fixture("41-list-pods-table");
    assert_eq!(keys(&table), keys(&real));
    let first_column = |t: &Value| keys(&t["columnDefinitions"][0]);
    assert_eq!(first_column(&table), first_column(&real));
    assert_eq!(keys(&table["rows"][0]), keys(&real["rows"][0]));
    assert_eq!(
        keys(&table["rows"][0]["object"]),
        keys(&real["rows"][0]["object"])
    );
    // A watch event: type, then the object, kind first (as real-apiserver/51).
    let req = Request::get("/api/v1/namespaces/ref/configmaps?watch=true&timeoutSeconds=1")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", sim.admin_token()),
        )
        .body(Body::empty())
        .unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(
            r#"{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"#
        ),
        "{first}"
    );
}
