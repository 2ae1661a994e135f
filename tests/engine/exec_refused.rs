//! Exec refused as a real cluster refuses it: the kubelet unreachable (the Status on
//! the exec stream's channel 3), or RBAC without `pods/exec` (403). The person is
//! told the real cause, EMQX's /status through the pod proxy answers for "started"
//! when it can, and a stage nothing can verify ends as "applied, not verified" — never
//! as passed.

use crate::support::{faulty_cluster, pod_stage_with_checks, run_pod_stage, shipped_stage};
use kubetour::engine::RunError;
use kubetour::engine::events::EngineEvent;
use kubetour_sim::faults::{ExecFault, FaultPlan};

fn stages_done(events: &[EngineEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::StageDone { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

fn not_verified(events: &[EngineEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::StageNotVerified { stage, why, .. } => Some((stage.clone(), why.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_kubelet_is_named_and_the_pod_stage_is_applied_not_verified() {
    let f = faulty_cluster(FaultPlan {
        exec: Some(ExecFault::KubeletUnreachable),
        pod_proxy_unreachable: true,
        ..FaultPlan::default()
    })
    .await;
    let (result, events) = run_pod_stage(&f, shipped_stage("01-pod.yaml")).await;
    let err = result.expect_err("an unverifiable stage does not pass");
    assert!(
        matches!(&err, RunError::NotVerified { stage, .. } if stage == "pod"),
        "{err}"
    );
    let message = err.to_string();
    eprintln!("what the person reads: {message}");
    for words in [
        "applied, not verified",
        "could not run `emqx ctl status` in pod emqx",
        "the API server could not reach the node's kubelet",
        "dial tcp 127.0.0.1:10250: connect: connection refused",
        "error trying to reach service",
    ] {
        assert!(message.contains(words), "`{words}` missing from: {message}");
    }
    assert!(!message.contains("not an EMQX status line"), "{message}");
    assert_eq!(stages_done(&events), Vec::<String>::new(), "{events:#?}");
    let nv = not_verified(&events);
    assert_eq!(nv.len(), 1, "{events:#?}");
    assert!(
        events.iter().any(|e| matches!(
            e,
            EngineEvent::Finished {
                ok: false,
                not_verified: true,
                ..
            }
        )),
        "{events:#?}"
    );
    // Told once, when the first probe met the refusal.
    let told = events
        .iter()
        .filter(|e| {
            matches!(e, EngineEvent::Diagnosed { diagnosis, .. }
            if diagnosis.explanation.contains("cannot run commands in pods"))
        })
        .count();
    assert_eq!(told, 1, "{events:#?}");
    // The printed line says the same.
    let printed: Vec<String> = events
        .iter()
        .filter_map(kubetour::commands::printer::plain)
        .collect();
    let printed = printed.join("\n");
    assert!(printed.contains("? EMQX started"), "{printed}");
    assert!(printed.contains("NOT VERIFIED: stage `pod`"), "{printed}");
    assert!(!printed.contains("all checks passed"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_exec_refused_emqx_started_is_asked_through_the_pod_proxy_instead() {
    let f = faulty_cluster(FaultPlan {
        exec: Some(ExecFault::KubeletUnreachable),
        ..FaultPlan::default()
    })
    .await;
    let (result, events) = run_pod_stage(&f, shipped_stage("01-pod.yaml")).await;
    assert!(result.is_ok(), "{result:?}\n{events:#?}");
    let started = events.iter().find_map(|e| match e {
        EngineEvent::CheckPassed {
            check, observed, ..
        } if check.contains("EMQX started") => Some(observed.clone()),
        _ => None,
    });
    assert!(
        started.as_deref().is_some_and(|o| o.contains("started")),
        "{events:#?}"
    );
    assert!(f.count.exec_requests() >= 1, "exec was never tried");
    assert!(
        f.count
            .requests_to(|p| p.contains("/pods/emqx:18083/proxy/status"))
            >= 1,
        "the pod proxy was never asked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rbac_that_forbids_exec_leaves_membership_not_verified_and_names_the_403() {
    let f = faulty_cluster(FaultPlan {
        exec: Some(ExecFault::Forbidden),
        ..FaultPlan::default()
    })
    .await;
    let stage = pod_stage_with_checks(
        "  - pods_ready: {pod: emqx, count: 1, timeout: 5m}\n  \
         - emqx_cluster: {pod: emqx, running: 1, timeout: 1m}",
    );
    let (result, events) = run_pod_stage(&f, stage).await;
    let message = result.expect_err("not verified is not passed").to_string();
    eprintln!("what the person reads: {message}");
    for words in [
        "applied, not verified",
        "RBAC forbids it",
        "cannot get resource \"pods/exec\"",
        "does not pass credentials on",
    ] {
        assert!(message.contains(words), "`{words}` missing from: {message}");
    }
    assert_eq!(stages_done(&events), Vec::<String>::new(), "{events:#?}");
    // Refused once for the whole cluster: no second exec for `cluster status`.
    assert_eq!(f.count.exec_requests(), 1);
    let json: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert!(
        json.iter()
            .any(|l| l.contains(r#""event":"stage_not_verified""#)),
        "{json:#?}"
    );
}
