//! The sim's answers compared with a real kube-apiserver's (tests/fixtures/real, taken
//! from real-apiserver/): the same request gives the same object, apart from what is
//! unique to a cluster (uids, resourceVersions, times, allocated IPs).

use kubetour_sim::cluster::Sim;
use serde_json::{Value, json};

use crate::support::replay::{ERROR_SETUP, ERRORS, sim_with_ref_namespace};

/// Drops what differs between any two clusters.
fn comparable(mut v: Value) -> Value {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in ["uid", "resourceVersion", "creationTimestamp"] {
            meta.remove(k);
        }
        for entry in meta
            .get_mut("managedFields")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(e) = entry.as_object_mut() {
                e.remove("time");
            }
        }
    }
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut)
        && spec.get("clusterIP").is_some_and(|ip| ip != "None")
    {
        spec.insert("clusterIP".into(), json!("<allocated>"));
        spec.insert("clusterIPs".into(), json!(["<allocated>"]));
    }
    v
}

async fn replay(sim: &Sim, name: &str) -> (Value, Value) {
    let (ours, real) = crate::support::replay::replay(sim, name).await;
    (comparable(ours), comparable(real))
}

#[tokio::test(start_paused = true)]
async fn writes_answer_what_the_real_server_answers() {
    let sim = sim_with_ref_namespace().await;
    for name in [
        "15-create-configmap",
        "17-ssa-create-deployment",
        "20-ssa-create-service",
        "21-ssa-create-headless-service",
        "23-ssa-create-role",
        "24-ssa-create-rolebinding",
    ] {
        let (ours, real) = replay(&sim, name).await;
        assert_eq!(ours, real, "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn an_applied_statefulset_is_defaulted_like_the_real_one() {
    let sim = sim_with_ref_namespace().await;
    let (ours, real) = replay(&sim, "25-ssa-create-statefulset").await;
    assert_eq!(ours["spec"], real["spec"]);
    assert_eq!(ours["metadata"], real["metadata"]);
}

#[tokio::test(start_paused = true)]
async fn errors_carry_the_real_status_reason_message_and_causes() {
    let sim = sim_with_ref_namespace().await;
    // Objects the failing requests run into.
    for setup in ERROR_SETUP {
        replay(&sim, setup).await;
    }
    for name in ERRORS {
        let (ours, real) = replay(&sim, name).await;
        assert_eq!(ours, real, "{name}");
    }
}
