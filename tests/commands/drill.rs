//! `kubetour drill`: the list, an unknown name, and a drill on a cluster kubetour did not
//! start (the simulated cluster served on loopback): refused without --yes, then run with
//! --reveal: named (P18), undone, back to one cluster of three, `status` clean again.

use crate::common::kubectl::{Cluster, as_str};
use crate::support::{output as kubetour, run};

#[test]
fn drill_list_names_every_drill_with_its_pitfall_and_an_unknown_one_is_refused() {
    let (code, out, err) = run(&["drill", "list"]);
    assert_eq!(code, 0, "{err}");
    for (name, p) in [
        ("wrong-service", "P18"),
        ("no-suffix", "P14"),
        ("ip-names", "P12"),
        ("odd-cookie", "P17"),
        ("deny-cluster-ports", "P19"),
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(name) && l.contains(p)),
            "{out}"
        );
    }
    let (code, _, err) = run(&["drill", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("there is no drill `nope`"), "{err}");
    assert!(err.contains("wrong-service, no-suffix, ip-names"), "{err}");
}

#[test]
fn drill_on_a_named_cluster_needs_yes_then_names_p18_and_undoes_it() {
    let c = Cluster::start();
    let kubeconfig = as_str(&c.kubeconfig).to_string();
    let built = kubetour(&[
        "run",
        "--kubeconfig",
        &kubeconfig,
        "--yes",
        "--through",
        "rbac",
        "--no-try-it",
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stdout)
    );

    let refused = kubetour(&["drill", "wrong-service", "--kubeconfig", &kubeconfig]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--yes"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let out = kubetour(&[
        "drill",
        "wrong-service",
        "--kubeconfig",
        &kubeconfig,
        "--yes",
        "--reveal",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Something is wrong"), "{text}");
    assert!(
        text.contains("P18: Discovery asked the API server"),
        "{text}"
    );
    assert!(text.contains("Discovery error: {404"), "{text}");
    assert!(
        text.contains("Back to 1 cluster of 3 running nodes"),
        "{text}"
    );

    let out = kubetour(&["status", "--kubeconfig", &kubeconfig]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("EMQX: 1 cluster of 3 running nodes"),
        "{text}"
    );
    assert!(!text.contains("P18"), "{text}");
}
