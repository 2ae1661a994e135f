//! A real cluster's policy that forbids `create pods/exec`, enforced by the simulated
//! API server's own RBAC (no fault layer): a service account may do everything the
//! track needs but exec. The preflight says which checks cannot be verified there; the
//! run reaches the real 403, names it, and ends the stage as applied, not verified.

use crate::support::{engine, pod_stage_with_checks, run_all, track_of};
use kubetour::engine::RunError;
use kubetour::engine::events::{EngineEvent, Severity};
use kubetour::engine::preflight::EXEC_SUBJECT;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_without_pods_exec_is_told_in_preflight_and_the_stage_is_not_verified() {
    let (_sim, _served, dir, conn) = crate::support::as_learner_without("pods/exec").await;
    let stage = pod_stage_with_checks(
        "  - pods_ready: {pod: emqx, count: 1, timeout: 5m}\n  \
         - emqx_started: {pod: emqx, timeout: 1m}\n  \
         - emqx_cluster: {pod: emqx, running: 1, timeout: 1m}",
    );
    let track = track_of(dir.path(), &[("01-pod.yaml", stage)]);
    let (mut engine, events) = engine(&conn, track);
    let (result, events) = run_all(&mut engine, &events).await;
    let findings = events
        .iter()
        .find_map(|e| match e {
            EngineEvent::Preflight { findings } => Some(findings.clone()),
            _ => None,
        })
        .expect("a preflight");
    let exec = findings
        .iter()
        .find(|f| f.subject == EXEC_SUBJECT)
        .unwrap_or_else(|| panic!("no finding about exec: {findings:#?}"));
    assert_eq!(exec.severity, Severity::Warning, "{exec:?}");
    for words in [
        "get pods/exec",
        "`pod`: EMQX started",
        "`pod`: one EMQX cluster",
    ] {
        assert!(
            exec.advice.contains(words),
            "`{words}` missing: {}",
            exec.advice
        );
    }
    assert!(
        !findings.iter().any(|f| f.severity == Severity::Blocking),
        "exec alone must not stop the run: {findings:#?}"
    );
    let err = result.expect_err("not verified is not passed");
    assert!(
        matches!(&err, RunError::NotVerified { stage, .. } if stage == "pod"),
        "{err}\n{events:#?}"
    );
    let message = err.to_string();
    eprintln!(
        "what the person reads: {message}\npreflight: {}",
        exec.advice
    );
    for words in [
        "RBAC forbids it to these credentials (403)",
        "User \"system:serviceaccount:emqx:learner\" cannot",
        "resource \"pods/exec\"",
    ] {
        assert!(message.contains(words), "`{words}` missing from: {message}");
    }
    // "Started" was verified through the pod proxy; membership could not be.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EngineEvent::CheckPassed { check, .. }
            if check.contains("EMQX started"))),
        "{events:#?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EngineEvent::StageDone { .. })),
        "{events:#?}"
    );
}
