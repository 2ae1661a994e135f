//! `kubetour run --track production` as a user runs it: on the embedded simulated
//! cluster, and on `kubetour sim serve` through its kubeconfig (a cluster kubetour did not
//! start). Each run must exit 0, show every stage and every observation as seen, and the
//! try-its as they were meant to go (O26: an EMQX 5.9 replicant without a licence
//! crash-loops with SINGLE_NODE_LICENSE while the old replicants keep running).

use crate::common::server::Server;
use crate::support::{output, said};

/// The stages in order, with the observations each reports as seen (SPEC.md's O-numbers).
const STAGES: [(&str, &[&str]); 4] = [
    ("preflight", &[]),
    ("cores", &["O15", "O17", "O18", "O21", "O23"]),
    ("replicants", &["O5", "O10", "O23", "O26"]),
    ("rolling-update", &["O16", "O23", "O25"]),
];

/// Every stage, every observation seen, the try-its as expected, the final line.
fn shows_the_whole_track(text: &str) -> Result<(), String> {
    for (i, (id, observations)) in STAGES.iter().enumerate() {
        if !text.contains(&format!("== stage {i} `{id}`")) {
            return Err(format!("stage {id} missing"));
        }
        for o in *observations {
            if !text.contains(&format!("({o})")) {
                return Err(format!("{o} not shown"));
            }
        }
    }
    if text.contains(", not seen)") {
        return Err("a lesson was not seen".into());
    }
    if text.matches("try it: ").count() != 3 || text.contains("try it: ✗") {
        return Err("the three try-its did not all go as expected".into());
    }
    // The 5.9 image's refusal, as the crashed replicant wrote it (O26).
    if !text.contains("{application_start_failure,emqx_license,{\"SINGLE_NODE_LICENSE") {
        return Err("the licence refusal is not shown".into());
    }
    // The replicants are listed by their IPs among the cores' DNS names (O10).
    if !text.contains("1 cluster of 5 running nodes: emqx@10.") {
        return Err("no cluster of cores and replicants".into());
    }
    if !text.contains("never fewer than 2 of 3") {
        return Err("the rolling update's Ready counts are not told".into());
    }
    if !text.contains("all checks passed") {
        return Err("no final line".into());
    }
    Ok(())
}

#[test]
fn o25_the_production_track_passes_on_the_embedded_cluster_with_every_observation_seen() {
    let out = output(&["run", "--track", "production", "--speed", "50"]);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    if let Err(e) = shows_the_whole_track(&text) {
        panic!("{e}:\n{text}");
    }
}

#[test]
fn o25_the_production_track_passes_on_sim_serve_through_its_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    let _server = Server::serve(&path);
    let kubeconfig = path.to_string_lossy().into_owned();
    let out = output(&[
        "run",
        "--track",
        "production",
        "--kubeconfig",
        &kubeconfig,
        "--yes",
    ]);
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    if let Err(e) = shows_the_whole_track(&text) {
        panic!("{e}:\n{text}");
    }
}
