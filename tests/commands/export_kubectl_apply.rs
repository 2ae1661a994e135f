//! What a learner does with kubetour's own output: `kubetour export | kubectl apply -f -`
//! against the simulated cluster served on loopback (`kubetour sim serve`'s server),
//! client-side and server-side, for both EMQX profiles —
//! and then looks with kubectl at the pods, the claims and the EMQX cluster.

use crate::common::kubectl::{Cluster, as_str};
use crate::support::output;

fn export(profile: &str, through: &str) -> String {
    let out = output(&["export", "--emqx", profile, "--through", through]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn applies_and_forms_a_cluster(profile: &str, server_side: bool) {
    let c = Cluster::start();
    let file = c.write("emqx.yaml", &export(profile, "persistence"));
    let mut apply = vec!["apply", "-f", as_str(&file)];
    if server_side {
        apply.insert(1, "--server-side");
    }
    let out = c.ok(&apply);
    assert!(out.contains("statefulset.apps/emqx-statefulset"), "{out}");
    c.eventually(&["-n", "emqx", "get", "pods", "-l", "app=emqx"], |t| {
        t.lines()
            .filter(|l| l.contains(" 1/1 ") && l.contains("Running"))
            .count()
            == 3
    });
    c.eventually(&["-n", "emqx", "get", "pvc"], |t| {
        t.lines().filter(|l| l.contains("Bound")).count() == 3
            && t.contains("emqx-data-emqx-statefulset-0")
    });
    let ctl: Vec<&str> = if profile == "4" {
        vec!["emqx_ctl"]
    } else {
        vec!["emqx", "ctl"]
    };
    let mut exec = vec!["-n", "emqx", "exec", "emqx-statefulset-0", "--"];
    exec.extend(ctl);
    exec.extend(["cluster", "status"]);
    let status = c.eventually(&exec, |t| t.contains("emqx-statefulset-2.emqx-headless"));
    for n in 0..3 {
        let name = format!("'emqx@emqx-statefulset-{n}.emqx-headless.emqx.svc.cluster.local'");
        assert!(status.contains(&name), "{status}");
    }
    assert!(status.contains("stopped_nodes => []"), "{status}");
    // Applying the same file again writes nothing. Client-side apply still says
    // "configured" for the StatefulSet, as against a real server: its three-way patch
    // replaces volumeClaimTemplates (a list without a merge key), whose live copy carries
    // server defaults; the server then finds nothing to change.
    let generation_of = |c: &Cluster| {
        c.ok(&[
            "-n",
            "emqx",
            "get",
            "statefulset",
            "emqx-statefulset",
            "-o",
            "jsonpath={.metadata.generation}",
        ])
    };
    let generation = generation_of(&c);
    let again = c.ok(&apply);
    if server_side {
        assert!(again.contains("serverside-applied"), "{again}");
    } else {
        for line in again
            .lines()
            .filter(|l| !l.starts_with("statefulset.apps/"))
        {
            assert!(
                line.ends_with(" unchanged"),
                "a second apply changed {line}:\n{again}"
            );
        }
    }
    assert_eq!(
        generation_of(&c),
        generation,
        "the StatefulSet's spec was rewritten:\n{again}"
    );
}

#[test]
fn exported_emqx_5_manifests_apply_client_side_and_form_a_cluster() {
    applies_and_forms_a_cluster("5", false);
}

#[test]
fn exported_emqx_4_manifests_apply_server_side_and_form_a_cluster() {
    applies_and_forms_a_cluster("4", true);
}
