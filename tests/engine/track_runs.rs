//! The whole EMQX track run by the engine on the embedded simulated cluster, for both
//! EMQX profiles: every check passes, every observation of SPEC.md is reported, the
//! try-it actions behave as the stages say, and the diagnoses fire when they should.

use crate::support::{Events, cluster, dump, engine as new_engine, shipped_track};
use kubetour::engine::RunOptions;
use kubetour::engine::events::{EngineEvent, Sighting};
use kubetour::track::Lang;

fn options() -> RunOptions {
    RunOptions {
        try_it: true,
        lang: Lang::En,
    }
}

fn observation_ids(events: &Events) -> Vec<String> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Observation { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

async fn whole_track_passes(profile: &str) {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track(profile));
    let result = engine.run(None, &options()).await;
    assert!(
        result.is_ok(),
        "profile {profile}: {result:?}\n{}",
        dump(&events)
    );
    let seen = observation_ids(&events);
    for o in [
        "O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", "O9", "O10", "O11", "O12", "O13", "O14",
        "O15", "O16", "O17", "O18", "O21",
    ] {
        assert!(
            seen.iter().any(|s| s == o),
            "profile {profile}: {o} was never reported\n{}",
            dump(&events)
        );
    }
    // Every lesson was seen (the pending-claims one is told as what would have happened).
    let unseen: Vec<String> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Observation {
                id,
                sighting,
                evidence,
                ..
            } if *sighting != Sighting::Seen && id != "O19" => Some(format!("{id}: {evidence}")),
            _ => None,
        })
        .collect();
    assert!(unseen.is_empty(), "profile {profile}: not seen: {unseen:?}");
    let try_its: Vec<bool> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::TryIt { ok, .. } => Some(*ok),
            _ => None,
        })
        .collect();
    assert!(
        !try_its.is_empty() && try_its.iter().all(|ok| *ok),
        "{}",
        dump(&events)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o01_to_o18_the_whole_track_passes_on_emqx_5() {
    whole_track_passes("5").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o01_to_o18_the_whole_track_passes_on_emqx_4() {
    whole_track_passes("4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o09_the_403_hint_fires_before_rbac_and_not_after() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine.run(Some("autocluster"), &options()).await.unwrap();
    let fired = |events: &Events, stage: &str| {
        events.lock().unwrap().iter().any(|e| {
            matches!(e, EngineEvent::Diagnosed { stage: s, diagnosis }
                if s == stage && diagnosis.fixed_by.as_deref() == Some("rbac"))
        })
    };
    assert!(fired(&events, "autocluster"), "{}", dump(&events));
    let rbac = engine.track().stage("rbac").unwrap().clone();
    engine.run_stage(&rbac, &options()).await.unwrap();
    assert!(!fired(&events, "rbac"), "{}", dump(&events));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o19_without_a_storage_class_the_claims_stay_pending_and_the_wizard_says_why() {
    let (_sim, conn) = cluster(false).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    let err = engine.run(None, &options()).await.unwrap_err().to_string();
    assert!(err.contains("persistence"), "{err}");
    let events = events.lock().unwrap().clone();
    let failed = events
        .iter()
        .find_map(|e| match e {
            EngineEvent::CheckFailed {
                observed,
                diagnoses,
                ..
            } => Some((observed.clone(), diagnoses.clone())),
            _ => None,
        })
        .expect("a failed check");
    assert!(failed.0.contains("Pending"), "{failed:?}");
    assert!(
        failed
            .1
            .iter()
            .any(|d| d.explanation.contains("StorageClass")),
        "the failure explains the missing StorageClass: {failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o20_teardown_keeps_the_claims_unless_told_and_says_so() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine
        .run(
            None,
            &RunOptions {
                try_it: false,
                lang: Lang::En,
            },
        )
        .await
        .unwrap();
    let kept = engine
        .delete_ours(None, false, &Default::default())
        .await
        .unwrap();
    assert!(kept.iter().all(|(kind, _)| kind != "PersistentVolumeClaim"));
    assert!(
        dump(&events).contains("keeping 3 PersistentVolumeClaim(s)"),
        "{}",
        dump(&events)
    );
    let deleted = engine
        .delete_ours(None, true, &Default::default())
        .await
        .unwrap();
    let claims = deleted
        .iter()
        .filter(|(kind, _)| kind == "PersistentVolumeClaim")
        .count();
    assert_eq!(claims, 3, "{deleted:?}");
    assert!(
        dump(&events).contains("deleting 3 PersistentVolumeClaim(s)"),
        "{}",
        dump(&events)
    );
}
