//! `kubetour run --json` and `kubetour status` against a cluster kubetour did not start
//! (the simulated cluster served on loopback, through its kubeconfig), as an operator
//! would use them.

use crate::common::kubectl::{Cluster, as_str};
use crate::support::output as kubetour;

#[test]
fn run_json_then_status_then_teardown_work_on_a_named_cluster() {
    let c = Cluster::start();
    let kubeconfig = as_str(&c.kubeconfig).to_string();
    let out = kubetour(&[
        "run",
        "--kubeconfig",
        &kubeconfig,
        "--yes",
        "--through",
        "rbac",
        "--no-try-it",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(events.iter().all(|e| e["event"].is_string()), "{stdout}");
    assert_eq!(events.first().unwrap()["event"], "preflight");
    assert_eq!(events.last().unwrap()["event"], "finished");
    assert_eq!(events.last().unwrap()["ok"], true);
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "observation" && e["id"] == "O10"),
        "{stdout}"
    );

    let out = kubetour(&["status", "--kubeconfig", &kubeconfig, "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        snap["membership"], "1 cluster of 3 running nodes",
        "{stdout}"
    );
    assert_eq!(snap["pods"].as_array().unwrap().len(), 3, "{stdout}");
    for node in snap["emqx"].as_array().unwrap() {
        assert_eq!(
            node["running_nodes"].as_array().unwrap().len(),
            3,
            "{stdout}"
        );
    }
    let objects: Vec<String> = snap["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        objects.contains(&"Deployment/emqx-deployment".to_string()),
        "{objects:?}"
    );
    assert!(
        objects.contains(&"Service/emqx-service".to_string()),
        "{objects:?}"
    );
    // Issue 22.2: the kinds the wizard's panel shows, `status` lists too.
    for kind in ["ServiceAccount", "Role", "RoleBinding"] {
        assert!(
            objects.iter().any(|o| o.starts_with(&format!("{kind}/"))),
            "{kind} missing from {objects:?}"
        );
    }
    assert!(
        !objects
            .iter()
            .any(|o| o == "ServiceAccount/default" || o == "ConfigMap/kube-root-ca.crt"),
        "{objects:?}"
    );

    let out = kubetour(&["status", "--kubeconfig", &kubeconfig]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("EMQX: 1 cluster of 3 running nodes"),
        "{text}"
    );
    assert!(text.contains("PODS"), "{text}");

    // Teardown needs --yes here too, then removes every object of ours.
    let refused = kubetour(&["teardown", "--kubeconfig", &kubeconfig]);
    assert!(!refused.status.success());
    let out = kubetour(&["teardown", "--kubeconfig", &kubeconfig, "--yes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for gone in [
        "Deployment/emqx-deployment",
        "Service/emqx-service",
        "RoleBinding/emqx",
    ] {
        assert!(text.contains(&format!("deleted {gone}")), "{text}");
    }
    c.eventually(
        &[
            "-n",
            "emqx",
            "get",
            "deployments,services,serviceaccounts,roles",
            "-o",
            "name",
        ],
        |t| {
            !t.contains("emqx-deployment")
                && !t.contains("service/emqx-service")
                && !t.contains("role.rbac.authorization.k8s.io/emqx")
        },
    );
}
