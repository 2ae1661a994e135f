//! Drills on the simulated cluster: each is applied to the state after `rbac`, the
//! diagnosis table names its pitfall, the undo puts the env back (or deletes the extra
//! pod), and the pods are again one cluster of three.

use std::time::{Duration, Instant};

use crate::support::{cluster, engine as new_engine, shipped_track};
use kubetour::commands::status::{Snapshot, take};
use kubetour::engine::RunOptions;
use kubetour::engine::drill;
use kubetour::track::Lang;

/// Takes `status` snapshots until `done` holds (or fails after `limit`, with the last).
async fn until(
    client: &kube::Client,
    track: &kubetour::track::Track,
    limit: Duration,
    what: &str,
    done: impl Fn(&Snapshot) -> bool,
) -> Snapshot {
    let start = Instant::now();
    loop {
        let snap = take(client, track).await.unwrap();
        if done(&snap) {
            return snap;
        }
        assert!(
            start.elapsed() < limit,
            "{what}: not after {limit:?}:\n{}",
            snap.plain()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn drill_round_trip(name: &str) {
    let drill = drill::find(name).unwrap();
    let (_sim, conn) = cluster(true).await;
    let (mut engine, _events) = new_engine(&conn, shipped_track("5"));
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    engine.run(Some("rbac"), &options).await.unwrap();
    let track = shipped_track("5");
    let client = &conn.client;
    let undo = drill::apply(client, "emqx", drill).await.unwrap();
    assert_eq!(undo.kind, "Deployment");
    let named = format!("{}: ", drill.pitfall);
    let broken = until(
        client,
        &track,
        Duration::from_secs(90),
        "the diagnosis",
        |s| {
            s.diagnoses
                .iter()
                .any(|d| d.explanation.starts_with(&named))
        },
    )
    .await;
    assert_ne!(broken.membership, "1 cluster of 3 running nodes");
    drill::undo(client, "emqx", &undo).await.unwrap();
    let back = until(
        client,
        &track,
        Duration::from_secs(120),
        "one cluster of three",
        |s| {
            s.pods.len() == 3
                && s.membership == "1 cluster of 3 running nodes"
                && !s
                    .diagnoses
                    .iter()
                    .any(|d| d.explanation.starts_with(&named))
        },
    )
    .await;
    assert!(back.pods.iter().all(|p| p.is_ready), "{}", back.plain());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_wrong_service_p18_is_named_and_undone_back_to_one_cluster_of_three() {
    drill_round_trip("wrong-service").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_no_suffix_p14_is_named_and_undone_back_to_one_cluster_of_three() {
    drill_round_trip("no-suffix").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_ip_names_p12_is_named_and_undone_back_to_one_cluster_of_three() {
    drill_round_trip("ip-names").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_odd_cookie_p17_is_named_and_undone_back_to_one_cluster_of_three() {
    drill_round_trip("odd-cookie").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_deny_cluster_ports_p19_is_named_and_undone_back_to_one_cluster_of_three() {
    drill_round_trip("deny-cluster-ports").await;
}
