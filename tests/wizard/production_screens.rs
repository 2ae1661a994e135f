//! The production track in the wizard at 120×40: the rolling-update stage's change
//! before it is applied (the cores' new env and resources, nothing else), and the
//! membership view once the replicants have joined: three cores by their DNS names and
//! two replicants by their IPs, one cluster of five
//! (snapshots/wizard__production_screens__*.snap).

use crate::support::*;
use insta::assert_snapshot;
use kubetour::app::manifests::DiffLine;
use kubetour::app::model::Model;
use serde_json::json;

const CORES: [(&str, &str); 3] = [
    ("emqx-core-0", "10.244.0.7"),
    ("emqx-core-1", "10.244.1.6"),
    ("emqx-core-2", "10.244.2.8"),
];
const REPLICANTS: [(&str, &str); 2] = [
    ("emqx-replicant-6698b4b9bf-c98f4", "10.244.2.4"),
    ("emqx-replicant-6698b4b9bf-rpmjz", "10.244.0.5"),
];

fn core_node(pod: &str) -> String {
    format!("emqx@{pod}.emqx-headless.emqx.svc.cluster.local")
}

/// The production track with stages before `index` passed and `index` in focus.
fn before(index: usize) -> Model {
    let mut m = model_of("production");
    walk_to(&mut m, index - 1);
    feed(&mut m, [key('n')]);
    assert_eq!(m.selected, index);
    m
}

#[test]
fn o25_the_rolling_update_stage_shows_only_the_cores_new_env_and_resources_as_its_change() {
    let m = before(3);
    assert_eq!(m.track().stages[3].id, "rolling-update");
    let changed: Vec<String> = m.manifests[3]
        .diff
        .iter()
        .filter_map(|d| match d {
            DiffLine::Added(t) | DiffLine::Removed(t) => Some(t.trim().to_string()),
            _ => None,
        })
        .collect();
    assert!(
        changed
            .iter()
            .any(|l| l.contains("EMQX_LOG__CONSOLE__LEVEL")),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|l| l.contains("resources")),
        "{changed:?}"
    );
    // The roll changes the template, never the discovery settings or the claims.
    assert!(
        !changed
            .iter()
            .any(|l| l.contains("DNS") || l.contains("volumeClaimTemplates")),
        "{changed:?}"
    );
    let s = screen(&m, 120, 40);
    assert!(s.contains("what this stage changes"), "{s}");
    assert!(s.contains("EMQX_LOG__CONSOLE__LEVEL"), "{s}");
    assert_snapshot!("before_3_rolling_update", s);
}

/// Three cores and two replicants running, every one answering one cluster of five.
fn five_nodes() -> Model {
    let mut m = before(3);
    let mut changes = Vec::new();
    for (name, ip) in CORES {
        changes.push(pod_added(pod(
            name,
            json!({"app": "emqx", "role": "core"}),
            Some(ip),
            "Running",
            90,
        )));
    }
    for (name, ip) in REPLICANTS {
        changes.push(pod_added(pod(
            name,
            json!({"app": "emqx", "role": "replicant"}),
            Some(ip),
            "Running",
            40,
        )));
    }
    watched(&mut m, changes);
    // `cluster status` answers the same on every node, cores and replicants alike.
    let mut running: Vec<String> = CORES.iter().map(|(p, _)| core_node(p)).collect();
    running.extend(REPLICANTS.iter().map(|(_, ip)| node_of(ip)));
    running.sort();
    let all: Vec<&str> = running.iter().map(String::as_str).collect();
    let own: Vec<(String, String)> = CORES
        .iter()
        .map(|(p, _)| (p.to_string(), core_node(p)))
        .chain(
            REPLICANTS
                .iter()
                .map(|(p, ip)| (p.to_string(), node_of(ip))),
        )
        .collect();
    let answers: Vec<(&str, &str, &[&str], &[&str])> = own
        .iter()
        .map(|(p, n)| (p.as_str(), n.as_str(), &all[..], &[][..]))
        .collect();
    feed(&mut m, [emqx(&answers)]);
    m
}

#[test]
fn o10_the_membership_view_lists_cores_by_dns_name_and_replicants_by_ip_in_one_cluster() {
    let m = five_nodes();
    let s = screen(&m, 120, 40);
    assert!(s.contains("1 cluster of 5 running nodes"), "{s}");
    assert!(s.contains("emqx@10.244.2.4"), "{s}");
    // Long DNS names are shortened in the middle; the ordinal stays in sight.
    assert!(s.contains("emqx@emqx-core-0.em"), "{s}");
    assert_snapshot!("membership_cores_and_replicants", s);
}

/// The five pods' names, cores first.
fn five_pods() -> Vec<&'static str> {
    CORES.iter().chain(&REPLICANTS).map(|(p, _)| *p).collect()
}

#[test]
fn o23_five_nodes_and_a_delivery_round_at_120x40_fit_under_the_objects_whole() {
    let mut m = five_nodes();
    feed(&mut m, [delivery_among(&five_pods(), true)]);
    let s = screen(&m, 120, 40);
    assert!(s.contains("delivery · 20/20 across"), "{s}");
    // Every node of the cluster and every row of the matrix are on screen.
    assert_eq!(s.matches("  ● ").count(), 5, "{s}");
    for short in ["core-0", "core-1", "core-2", "replicant-6698b4b9bf-c98f4"] {
        assert!(
            s.contains(&format!("│{short}")) || s.contains(&format!(" {short} ")),
            "{short}:\n{s}"
        );
    }
    // No live panel says it was cut (the manifest's own marker names its keys).
    assert!(
        !s.contains("more lines ╯") && !s.contains("more line ╯"),
        "{s}"
    );
    assert_snapshot!("five_nodes_and_a_round_120x40", s);
}

#[test]
fn at_80x24_five_nodes_keep_their_membership_whole_and_the_round_is_counted_under_it() {
    let mut m = five_nodes();
    feed(
        &mut m,
        [delivery_among(&five_pods(), true), key('v'), key('v')],
    );
    let s = screen(&m, 80, 24);
    // No room for the matrix without cutting membership: membership is whole, and the
    // round's count is on its bottom border.
    assert!(s.contains("╰ delivery 20/20 across ─"), "{s}");
    assert_eq!(s.matches("  ● ").count(), 5, "{s}");
    assert!(!s.contains("more lines ╯"), "{s}");
    assert_snapshot!("five_nodes_and_a_round_80x24_live", s);
}
