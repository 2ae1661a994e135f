//! Observations are told as seen only when something saw them, with the evidence: the
//! order StatefulSet pods started in (O14, O21), the claim a re-created pod mounts (O18),
//! why claims stay Pending (O19), what teardown kept (O20). Each test runs the shipped
//! track on the embedded simulated cluster through the engine.

use crate::support::{cluster, dump, engine as new_engine, shipped_track, told};
use kubetour::engine::RunOptions;
use kubetour::engine::events::{EngineEvent, Sighting};
use kubetour::track::Lang;

fn options(try_it: bool) -> RunOptions {
    RunOptions {
        try_it,
        lang: Lang::En,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o14_o21_statefulset_pods_are_seen_starting_in_order_then_all_together() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine
        .run(Some("persistence"), &options(false))
        .await
        .unwrap();
    let o14 = told(&events, "O14");
    assert_eq!(o14.len(), 1, "{}", dump(&events));
    let (sighting, evidence) = &o14[0];
    assert_eq!(*sighting, Sighting::Seen, "{evidence}");
    // Each pod with its creation and Ready time, in ordinal order.
    let at = |what: &str| {
        evidence
            .find(what)
            .unwrap_or_else(|| panic!("`{what}` in {evidence}"))
    };
    assert!(at("0 created at") < at("1 created at") && at("1 created at") < at("2 created at"));
    assert!(evidence.contains("Ready at"), "{evidence}");

    let o21 = told(&events, "O21");
    assert_eq!(o21.len(), 1, "{}", dump(&events));
    assert_eq!(o21[0].0, Sighting::Seen, "{}", o21[0].1);
    assert!(
        o21[0].1.starts_with("all created before any was Ready"),
        "{}",
        o21[0].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o18_a_recreated_pod_is_seen_mounting_the_same_claim_and_volume() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine
        .run(Some("persistence"), &options(true))
        .await
        .unwrap();
    let o18 = told(&events, "O18");
    // Once per try-it: pod 1 alone, then all three at once.
    assert_eq!(o18.len(), 2, "{}", dump(&events));
    for (sighting, evidence) in &o18 {
        assert_eq!(*sighting, Sighting::Seen, "{evidence}");
        assert!(
            evidence.contains("emqx-statefulset-1 re-created (pod uid"),
            "{evidence}"
        );
        assert!(
            evidence.contains("mounts claim emqx-data-emqx-statefulset-1 uid"),
            "{evidence}"
        );
        assert!(evidence.contains("volume pvc-"), "{evidence}");
        assert!(evidence.contains("as before"), "{evidence}");
    }
    // The first try-it re-created pod 1 only: the others are not counted as evidence.
    assert!(
        !o18[0].1.contains("emqx-statefulset-0 re-created"),
        "{}",
        o18[0].1
    );
    assert!(
        o18[1].1.contains("emqx-statefulset-0 re-created"),
        "{}",
        o18[1].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o19_with_a_storage_class_the_pending_claims_lesson_is_told_as_a_conditional() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine
        .run(Some("persistence"), &options(false))
        .await
        .unwrap();
    let o19 = told(&events, "O19");
    assert_eq!(o19.len(), 1, "{}", dump(&events));
    assert_eq!(o19[0].0, Sighting::Conditional, "{}", o19[0].1);
    let printed = dump(&events);
    assert!(
        printed.contains("(O19, had it gone wrong) Had there been no usable StorageClass"),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o19_without_a_storage_class_the_pending_claims_are_seen_with_the_event_that_says_why() {
    let (_sim, conn) = cluster(false).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine
        .run(Some("persistence"), &options(false))
        .await
        .unwrap_err();
    let o19 = told(&events, "O19");
    assert_eq!(o19.len(), 1, "{}", dump(&events));
    let (sighting, evidence) = &o19[0];
    assert_eq!(*sighting, Sighting::Seen, "{evidence}");
    assert!(evidence.contains("stayed Pending"), "{evidence}");
    assert!(evidence.contains("no storage class is set"), "{evidence}");
    // The stage failed: only what was seen is told; nothing is told as not seen.
    let persistence_not_seen = events.lock().unwrap().iter().any(|e| {
        matches!(e, EngineEvent::Observation { stage, sighting, .. }
            if stage == "persistence" && *sighting != Sighting::Seen)
    });
    assert!(!persistence_not_seen, "{}", dump(&events));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o20_teardown_is_seen_keeping_the_claims_then_deleting_them_when_asked() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine
        .run(Some("persistence"), &options(false))
        .await
        .unwrap();
    assert!(told(&events, "O20").is_empty(), "O20 is teardown's lesson");
    engine.teardown(false).await.unwrap();
    let o20 = told(&events, "O20");
    assert_eq!(o20.len(), 1, "{}", dump(&events));
    assert_eq!(o20[0].0, Sighting::Seen);
    assert!(
        o20[0]
            .1
            .starts_with("not asked to delete the claims: kept emqx-data-emqx-statefulset-0"),
        "{}",
        o20[0].1
    );
    engine.teardown(true).await.unwrap();
    let o20 = told(&events, "O20");
    assert_eq!(o20.len(), 2, "{}", dump(&events));
    assert!(
        o20[1]
            .1
            .starts_with("asked to delete the claims: deleted emqx-data-emqx-statefulset-0"),
        "{}",
        o20[1].1
    );
}
