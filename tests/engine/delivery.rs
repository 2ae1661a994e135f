//! Delivery, the thing a cluster of brokers is for, proven with a real MQTT client
//! through port-forwards on the simulated cluster (O22, O23, O24): islands route
//! nothing, one cluster delivers every pair, and delivery survives a lost node. And a
//! delivery check whose port-forwards RBAC refuses ends "not verified", never passed.

use crate::support::{Events, cluster, dump, engine as new_engine, shipped_track};
use kubetour::engine::delivery::PORTFORWARD_SUBJECT;
use kubetour::engine::events::{EngineEvent, Sighting};
use kubetour::engine::{RunError, RunOptions};
use kubetour::track::Lang;

fn options(try_it: bool) -> RunOptions {
    RunOptions {
        try_it,
        lang: Lang::En,
    }
}

/// Every telling of observation `id`: (stage, sighting, evidence).
fn told(events: &Events, id: &str) -> Vec<(String, Sighting, String)> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Observation {
                stage,
                id: i,
                sighting,
                evidence,
                ..
            } if i == id => Some((stage.clone(), *sighting, evidence.clone())),
            _ => None,
        })
        .collect()
}

async fn islands_route_nothing(profile: &str) {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track(profile));
    engine
        .run(Some("autocluster"), &options(false))
        .await
        .unwrap();
    let o22 = told(&events, "O22");
    let stages: Vec<&str> = o22.iter().map(|(s, _, _)| s.as_str()).collect();
    assert_eq!(stages, ["scale", "autocluster"], "{}", dump(&events));
    for (stage, sighting, evidence) in &o22 {
        eprintln!("O22 at {stage}: {evidence}");
        assert_eq!(*sighting, Sighting::Seen, "at {stage}: {evidence}");
        assert!(evidence.contains("nothing on"), "{evidence}");
        assert!(
            evidence.contains("0/6 pairs across pods delivered"),
            "{evidence}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o22_islands_route_nothing() {
    islands_route_nothing("5").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o22_islands_route_nothing_on_emqx_4() {
    islands_route_nothing("4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o23_a_message_from_any_node_reaches_every_other_node() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine.run(Some("rbac"), &options(false)).await.unwrap();
    let o23 = told(&events, "O23");
    assert_eq!(o23.len(), 1, "{}", dump(&events));
    let (_, sighting, evidence) = &o23[0];
    eprintln!("O23 after rbac: {evidence}");
    assert_eq!(*sighting, Sighting::Seen, "{evidence}");
    assert!(
        evidence.contains("reached every other (6/6 pairs, slowest"),
        "{evidence}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o23_a_message_from_any_node_reaches_every_other_node_on_the_statefulset_stages() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("4"));
    engine
        .run(Some("persistence"), &options(false))
        .await
        .unwrap();
    let o23 = told(&events, "O23");
    let stages: Vec<&str> = o23.iter().map(|(s, _, _)| s.as_str()).collect();
    assert_eq!(
        stages,
        ["rbac", "statefulset", "persistence"],
        "{}",
        dump(&events)
    );
    for (stage, sighting, evidence) in &o23 {
        assert_eq!(*sighting, Sighting::Seen, "at {stage}: {evidence}");
        assert!(
            evidence.contains("emqx-statefulset-0") || stage == "rbac",
            "{evidence}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o24_delivery_goes_on_among_the_survivors_and_reaches_the_replacement() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, shipped_track("5"));
    engine.run(Some("rbac"), &options(true)).await.unwrap();
    let o24 = told(&events, "O24");
    assert_eq!(o24.len(), 1, "{}", dump(&events));
    let (_, sighting, evidence) = &o24[0];
    eprintln!("O24 after the rbac try-it: {evidence}");
    assert_eq!(*sighting, Sighting::Seen, "{evidence}");
    // Two survivors deliver to each other; then all three, the replacement among them.
    assert!(
        evidence.contains("among the survivors: a message from each of")
            && evidence.contains("(2/2 pairs"),
        "{evidence}"
    );
    assert!(
        evidence.contains("once the replacement joined: a message from each of")
            && evidence.contains("(6/6 pairs"),
        "{evidence}"
    );
    // The rbac try-it's replacement: the last "replaced by" of the run.
    let replaced = dump(&events);
    let replacement = replaced
        .rsplit("replaced by ")
        .next()
        .and_then(|s| s.split_whitespace().next())
        .map(|s| s.trim_end_matches([',', ';']).to_string())
        .unwrap_or_default();
    assert!(
        !replacement.is_empty() && evidence.contains(&replacement),
        "the replacement {replacement:?} is in the round: {evidence}"
    );
}

/// A custom track's stage: the shipped three-pod Deployment, waited for, then delivery.
fn three_pods_then_delivery(expect: &str) -> String {
    let scale = crate::support::shipped_stage("04-scale.yaml");
    let manifests = scale
        .split_once("\n---")
        .map(|(_, m)| m)
        .unwrap_or_default();
    format!(
        "id: deliver\ntitle: {{en: Three pods, zh: 三个 Pod}}\n\
         narration: {{en: Three pods., zh: 三个 Pod。}}\nchecks:\n  \
         - pods_ready: {{selector: app=emqx, count: 3, timeout: 5m}}\n  \
         - mqtt_delivery: {{selector: app=emqx, expect: {expect}, round: 1s, timeout: 1m}}\n---{manifests}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_port_forward_leaves_a_delivery_check_not_verified_never_passed() {
    let (_sim, _served, dir, conn) = crate::support::as_learner_without("pods/portforward").await;
    let track = crate::support::track_of(
        dir.path(),
        &[(
            "01-deliver.yaml",
            three_pods_then_delivery("no_pair_across"),
        )],
    );
    let (mut engine, events) = crate::support::engine(&conn, track);
    let (result, events) = crate::support::run_all(&mut engine, &events).await;
    let findings = events
        .iter()
        .find_map(|e| match e {
            EngineEvent::Preflight { findings } => Some(findings.clone()),
            _ => None,
        })
        .expect("a preflight");
    let forward = findings
        .iter()
        .find(|f| f.subject == PORTFORWARD_SUBJECT)
        .unwrap_or_else(|| panic!("preflight asks for pods/portforward: {findings:#?}"));
    assert!(
        forward.advice.contains("create pods/portforward") && forward.advice.contains("deliver"),
        "{}",
        forward.advice
    );
    let err = result.expect_err("not verified is not passed");
    let message = err.to_string();
    eprintln!(
        "what the person reads: {message}\npreflight: {}",
        forward.advice
    );
    assert!(
        matches!(&err, RunError::NotVerified { stage, .. } if stage == "deliver"),
        "{err}\n{events:#?}"
    );
    for words in ["RBAC forbids it", "pods/portforward"] {
        assert!(message.contains(words), "`{words}` missing from: {message}");
    }
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EngineEvent::StageDone { .. }))
    );
}
