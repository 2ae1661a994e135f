//! Events outlive their objects by an hour: a namespace torn down and installed again
//! still holds the previous install's events, naming the same claims and pods. They are
//! about other objects (other uids) and must never explain today's: the stage passes
//! without a warning, O19 is told as a conditional, and `status` is clean.

use k8s_openapi::api::core::v1::{Event as K8sEvent, Namespace};
use kube::api::{Api, PostParams};
use serde_json::json;

use crate::support::{
    cluster, dump, engine as new_engine, run_through, shipped_track, told as told_of,
};
use kubetour::engine::events::{EngineEvent, Sighting};

/// A Warning event about `kind`/`name` with uid `uid`, ten minutes old.
fn earlier(kind: &str, name: &str, uid: &str, reason: &str, message: &str) -> K8sEvent {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(600);
    serde_json::from_value(json!({
        "metadata": {"name": format!("{name}.earlier-{}", reason.to_lowercase()), "namespace": "emqx"},
        "involvedObject": {"kind": kind, "name": name, "namespace": "emqx", "uid": uid, "apiVersion": "v1"},
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": 12,
        "firstTimestamp": at.to_string(),
        "lastTimestamp": at.to_string(),
        "source": {"component": "persistentvolume-controller"}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_deleted_namesakes_are_history_never_a_diagnosis() {
    let (_sim, conn) = cluster(true).await;
    let client = conn.client.clone();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "emqx"}})).unwrap(),
        )
        .await
        .unwrap();
    let events: Api<K8sEvent> = Api::namespaced(client.clone(), "emqx");
    for e in [
        earlier(
            "PersistentVolumeClaim",
            "emqx-data-emqx-statefulset-0",
            "0ld0c1a1-0000-4000-8000-000000000000",
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set",
        ),
        earlier(
            "Pod",
            "emqx-statefulset-0",
            "0ld0b0d0-0000-4000-8000-000000000000",
            "FailedScheduling",
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. \
             preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        ),
    ] {
        events.create(&PostParams::default(), &e).await.unwrap();
    }

    let track = shipped_track("5");
    let (mut engine, told) = new_engine(&conn, track.clone());
    run_through(&mut engine, &told, "persistence").await;
    let all = told.lock().unwrap().clone();
    let diagnosed: Vec<_> = all
        .iter()
        // The autocluster stage's 403 is today's and rightly diagnosed.
        .filter(|e| matches!(e, EngineEvent::Diagnosed { stage, .. } if stage == "persistence"))
        .collect();
    assert!(diagnosed.is_empty(), "{diagnosed:?}\n{}", dump(&told));
    let o19 = told_of(&told, "O19");
    assert_eq!(o19.len(), 1, "{}", dump(&told));
    assert_eq!(o19[0].0, Sighting::Conditional, "{}", o19[0].1);

    let snap = kubetour::commands::status::take(&client, &track)
        .await
        .unwrap();
    let plain = snap.plain();
    assert!(snap.diagnoses.is_empty(), "{plain}");
    assert!(
        !plain.contains("FailedBinding") && !plain.contains("FailedScheduling"),
        "{plain}"
    );
    assert!(snap.earlier_warnings >= 2, "{plain}");
    assert!(!plain.contains("cannot be satisfied"), "{plain}");
}
