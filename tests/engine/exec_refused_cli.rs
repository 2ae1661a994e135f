//! `kubetour run` as a person runs it against a cluster whose kubelet the API server
//! cannot reach (the real kube-apiserver 1.32): the simulated cluster behind the
//! fault layer, served over TLS, named by a kubeconfig. The binary's plain output and
//! its `--json` lines name the real cause and report no stage as passed.

use crate::support::faulty_cluster;
use kubetour_sim::faults::{ExecFault, FaultPlan};

fn run(kubeconfig: &std::path::Path, json: bool) -> (bool, String) {
    let mut args = vec![
        "run".to_string(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--yes".into(),
        "--through".into(),
        "pod".into(),
    ];
    if json {
        args.push("--json".into());
    }
    let out = crate::common::kubetour()
        .args(&args)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    (out.status.success(), crate::common::said(&out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_on_a_cluster_without_a_reachable_kubelet_says_why_and_passes_no_stage() {
    let f = faulty_cluster(FaultPlan {
        exec: Some(ExecFault::KubeletUnreachable),
        pod_proxy_unreachable: true,
        ..FaultPlan::default()
    })
    .await;
    let kubeconfig = f.dir.path().join("kubeconfig");
    let k = kubeconfig.clone();
    let (ok, plain) = tokio::task::spawn_blocking(move || run(&k, false))
        .await
        .unwrap();
    eprintln!("{plain}");
    assert!(!ok, "an unverified run must not exit 0:\n{plain}");
    for words in [
        "? EMQX started: pod emqx — not verified: could not run `emqx ctl status` in pod emqx",
        "the API server could not reach the node's kubelet",
        "dial tcp 127.0.0.1:10250: connect: connection refused",
        "stage `pod`: applied, not verified",
        "NOT VERIFIED",
    ] {
        assert!(plain.contains(words), "`{words}` missing:\n{plain}");
    }
    for wrong in [
        "not an EMQX status line",
        "stage `pod` done",
        "all checks passed",
    ] {
        assert!(!plain.contains(wrong), "`{wrong}` printed:\n{plain}");
    }
    let k = kubeconfig.clone();
    let (ok, json) = tokio::task::spawn_blocking(move || run(&k, true))
        .await
        .unwrap();
    assert!(!ok, "{json}");
    let events: Vec<serde_json::Value> = json
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let not_verified = events
        .iter()
        .find(|e| e["event"] == "stage_not_verified")
        .unwrap_or_else(|| panic!("no stage_not_verified event:\n{json}"));
    assert_eq!(not_verified["stage"], "pod");
    assert!(
        not_verified["why"]
            .as_str()
            .is_some_and(|w| w.contains(":10250")),
        "{not_verified}"
    );
    // The preflight stage is decided by the preflight; the pod stage is the one exec
    // was to verify, and it is not reported passed.
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "stage_done" && e["id"] == "pod"),
        "{json}"
    );
    let finished = events.iter().find(|e| e["event"] == "finished").unwrap();
    assert_eq!(finished["ok"], false);
    assert_eq!(finished["not_verified"], true);
}
