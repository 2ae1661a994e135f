//! Replays requests captured from a real kube-apiserver (tests/fixtures/real) against an
//! in-process sim, for the fidelity tests.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, header};
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real");

/// The objects the captured failing requests run into: replay these first.
pub const ERROR_SETUP: [&str; 3] = [
    "15-create-configmap",
    "17-ssa-create-deployment",
    "25-ssa-create-statefulset",
];

/// The captured requests a real server refused (409s and 422s).
pub const ERRORS: [&str; 5] = [
    "58-error-create-configmap-exists-409",
    "61-error-create-invalid-pod-422",
    "62-error-create-deployment-selector-mismatch-422",
    "63-error-ssa-statefulset-volumeclaimtemplates-422",
    "64-error-ssa-conflict-other-manager-409",
];

/// A fixture's JSON.
pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}.json")).unwrap())
        .unwrap()
}

/// Sends one request as the admin; the answer's JSON.
pub async fn send(
    sim: &Sim,
    method: &str,
    path: &str,
    content_type: &str,
    accept: &str,
    body: String,
) -> Value {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", sim.admin_token()),
        )
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, accept)
        .header(header::USER_AGENT, "curl/7.88.1")
        .body(Body::from(body))
        .unwrap();
    let resp = sim.router().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Replays a captured request (`NAME.request`: method and path, Content-Type, a blank
/// line, the body); returns (ours, the real answer `NAME.json`).
pub async fn replay(sim: &Sim, name: &str) -> (Value, Value) {
    let request = std::fs::read_to_string(format!("{FIXTURES}/{name}.request")).unwrap();
    let (head, body) = request.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    let (method, path) = lines.next().unwrap().split_once(' ').unwrap();
    let content_type = lines.next().unwrap();
    let ours = send(
        sim,
        method,
        path,
        content_type,
        "application/json",
        body.to_string(),
    )
    .await;
    (ours, fixture(name))
}

/// A sim with the namespace the captures were taken in.
pub async fn sim_with_ref_namespace() -> Sim {
    let sim = Sim::start(SimConfig::default());
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ref"}});
    send(
        &sim,
        "POST",
        "/api/v1/namespaces",
        "application/json",
        "application/json",
        ns.to_string(),
    )
    .await;
    sim
}
