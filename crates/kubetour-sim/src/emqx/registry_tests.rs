use super::*;
use crate::emqx::line::at;
use crate::emqx::settings::Role;

fn spec(family: Family) -> NodeSpec {
    NodeSpec {
        cookie: "emqxsecretcookie".into(),
        family,
        may_cluster: true,
        persistent: false,
        autoclean: match family {
            Family::V4 => Duration::from_secs(300),
            Family::V5 => Duration::from_secs(86400),
        },
        role: Role::Core,
    }
}

fn replicant() -> NodeSpec {
    NodeSpec {
        role: Role::Replicant,
        ..spec(Family::V5)
    }
}

fn names(ns: &[&str]) -> Vec<String> {
    ns.iter().map(|s| s.to_string()).collect()
}

const A: &str = "emqx@10.244.0.5";
const B: &str = "emqx@10.244.0.6";
const C: &str = "emqx@10.244.0.7";

fn three(family: Family) -> Registry {
    let mut r = Registry::new();
    r.node_started(A, spec(family), at("2024-05-01T10:00:00Z"));
    r.node_started(B, spec(family), at("2024-05-01T10:00:01Z"));
    r.node_started(C, spec(family), at("2024-05-01T10:00:02Z"));
    r
}

#[test]
fn three_fresh_nodes_are_three_islands() {
    let r = three(Family::V5);
    for n in [A, B, C] {
        assert_eq!(r.view(n), (names(&[n]), vec![]));
    }
}

#[test]
fn younger_nodes_join_the_oldest_and_the_cluster_forms() {
    let mut r = three(Family::V5);
    let all = names(&[A, B, C]);
    let round = r.discovery_round(B, &all);
    assert_eq!(round.joined.as_deref(), Some(A));
    assert!(!round.complete, "C is still outside");
    assert_eq!(round.unreachable, names(&[C]));
    let round = r.discovery_round(C, &all);
    assert_eq!(round.joined.as_deref(), Some(A));
    assert!(round.complete);
    let round = r.discovery_round(A, &all);
    assert_eq!(round.joined, None);
    assert!(round.complete);
    assert_eq!(r.view(B), (all.clone(), vec![]));
}

#[test]
fn names_that_no_node_has_are_never_joined() {
    let mut r = three(Family::V4);
    // 4.x APP_NAME mismatch: the nodes are emqx-N@ip, discovery says emqx@ip.
    let round = r.discovery_round(B, &names(&["emqx@10.244.0.9", "emqx@10.244.0.10"]));
    assert_eq!(round.joined, None);
    assert_eq!(round.unreachable.len(), 2);
    assert!(!round.complete);
}

#[test]
fn a_different_cookie_or_family_is_unreachable() {
    let mut r = Registry::new();
    r.node_started(A, spec(Family::V5), at("2024-05-01T10:00:00Z"));
    let mut other = spec(Family::V5);
    other.cookie = "another".into();
    r.node_started(B, other, at("2024-05-01T10:00:01Z"));
    r.node_started(C, spec(Family::V4), at("2024-05-01T10:00:02Z"));
    let round = r.discovery_round(B, &names(&[A, B]));
    assert_eq!(round.joined, None);
    assert_eq!(round.unreachable, names(&[A]));
    let round = r.discovery_round(C, &names(&[A, C]));
    assert_eq!(round.joined, None);
}

#[test]
fn a_5x_round_is_incomplete_when_the_own_name_is_not_discovered() {
    let mut r = three(Family::V5);
    let round = r.discovery_round(A, &names(&["emqx@10-244-0-5.default.pod.local"]));
    assert!(!round.complete);
    let mut r = three(Family::V4);
    let round = r.discovery_round(A, &names(&[A]));
    assert!(round.complete);
}

#[test]
fn a_lost_member_is_stopped_until_autoclean() {
    for (family, keep, gone) in [
        (Family::V4, "2024-05-01T10:05:59Z", "2024-05-01T10:06:01Z"),
        (Family::V5, "2024-05-02T10:00:59Z", "2024-05-02T10:01:01Z"),
    ] {
        let mut r = three(family);
        let all = names(&[A, B, C]);
        r.discovery_round(B, &all);
        r.discovery_round(C, &all);
        r.node_stopped(C, at("2024-05-01T10:01:00Z"));
        assert_eq!(r.view(A), (names(&[A, B]), names(&[C])));
        r.autoclean(at(keep));
        assert_eq!(r.view(A).1, names(&[C]), "{family:?}");
        r.autoclean(at(gone));
        assert_eq!(r.view(A).1, Vec::<String>::new(), "{family:?}");
    }
}

#[test]
fn lost_emqx_nodes_are_forgotten_after_autoclean() {
    // A Deployment under churn: each replacement has a new name (a new pod IP) and joins;
    // the lost ones are remembered as stopped for 24 h (5.x), then not at all.
    let mut r = three(Family::V5);
    let all = names(&[A, B, C]);
    r.discovery_round(B, &all);
    r.discovery_round(C, &all);
    let mut alive = names(&[A, B, C]);
    for i in 0..100u32 {
        let t = at("2024-05-01T10:01:00Z") + jiff::SignedDuration::from_secs(i64::from(i) * 3);
        let lost = alive.remove(0);
        r.node_stopped(&lost, t);
        let fresh = format!("emqx@10.244.1.{i}");
        r.node_started(&fresh, spec(Family::V5), t);
        alive.push(fresh.clone());
        r.discovery_round(&fresh, &alive);
        r.autoclean(t);
    }
    assert_eq!(
        r.view(&alive[0]).1.len(),
        100,
        "stopped members kept within 24 h"
    );
    r.autoclean(at("2024-05-02T10:10:00Z"));
    assert_eq!(r.view(&alive[0]), (alive.clone(), vec![]));
    assert_eq!(
        r.sizes(),
        (3, 1),
        "only the running nodes and their one cluster"
    );
}

#[test]
fn a_replacement_with_the_same_name_is_alone_until_it_joins() {
    let mut r = three(Family::V5);
    let all = names(&[A, B, C]);
    r.discovery_round(B, &all);
    r.discovery_round(C, &all);
    r.node_stopped(A, at("2024-05-01T10:01:00Z"));
    r.node_started(A, spec(Family::V5), at("2024-05-01T10:01:05Z"));
    assert_eq!(r.view(A), (names(&[A]), vec![]));
    assert_eq!(r.view(B), (names(&[B, C]), names(&[A])));
    let round = r.discovery_round(A, &all);
    assert_eq!(round.joined.as_deref(), Some(B));
    assert_eq!(r.view(B), (names(&[A, B, C]), vec![]));
}

#[test]
fn two_live_clusters_sharing_a_cookie_merge() {
    let mut r = three(Family::V4);
    r.discovery_round(B, &names(&[A, B]));
    let d = "emqx@10.244.1.1";
    r.node_started(d, spec(Family::V4), at("2024-05-01T10:05:00Z"));
    r.discovery_round(d, &names(&[C, d]));
    assert_eq!(r.view(d), (names(&[C, d]), vec![]));
    // A leftover pod of the other install shows up in C's endpoints.
    let round = r.discovery_round(C, &names(&[A, C, d]));
    assert_eq!(round.joined.as_deref(), Some(A));
    assert_eq!(r.view(A), (names(&[A, B, C]), vec![]));
    assert_eq!(r.view(d), (names(&[d]), vec![]));
}

#[test]
fn p16_autocluster_joins_without_asking_the_licence_but_a_manual_join_asks_the_peer() {
    let mut r = Registry::new();
    let mut unlicensed = spec(Family::V5);
    unlicensed.may_cluster = false;
    r.node_started(A, unlicensed.clone(), at("2024-05-01T10:00:00Z"));
    r.node_started(B, unlicensed.clone(), at("2024-05-01T10:00:01Z"));
    r.node_started(C, unlicensed, at("2024-05-01T10:00:02Z"));
    // ekka's autocluster calls ekka:join/1 directly: the join happens (the joiner's
    // emqx_license then fails as its apps restart; that is the node's part).
    let round = r.discovery_round(B, &names(&[A, B, C]));
    assert_eq!(round.joined.as_deref(), Some(A));
    assert_eq!(r.running_peers(B), 1);
    // `emqx ctl cluster join` goes through emqx_cluster:join/1, which asks the peer.
    assert_eq!(
        r.manual_join(C, A),
        Err(format!("\"Node {A} has a single node license\""))
    );
}

#[test]
fn replicants_attach_to_running_cores_and_are_not_listed_once_gone() {
    let mut r = three(Family::V5);
    r.discovery_round(B, &names(&[A, B, C]));
    let rep = "emqx@10.244.0.9";
    r.node_started(rep, replicant(), at("2024-05-01T10:00:05Z"));
    assert!(!r.has_core(rep));
    // A replicant never runs an autocluster round; it polls for cores.
    assert!(r.replicant_poll(rep, &names(&[A, B, C])));
    assert!(r.has_core(rep));
    assert!(!r.replicant_poll(rep, &names(&[A, B, C])));
    assert_eq!(r.view(rep), (names(&[A, B, rep]), vec![]));
    assert_eq!(r.view(A).0, names(&[A, B, rep]));
    r.node_stopped(rep, at("2024-05-01T10:01:00Z"));
    assert_eq!(r.view(A), (names(&[A, B]), vec![]));
    r.node_stopped(B, at("2024-05-01T10:02:00Z"));
    assert_eq!(r.view(A), (names(&[A]), names(&[B])));
}

#[test]
fn p20_a_replicant_without_a_running_core_attaches_to_nothing() {
    let mut r = Registry::new();
    let rep = "emqx@10.244.0.9";
    let other = "emqx@10.244.0.10";
    r.node_started(rep, replicant(), at("2024-05-01T10:00:00Z"));
    r.node_started(other, replicant(), at("2024-05-01T10:00:01Z"));
    assert!(!r.replicant_poll(rep, &names(&[rep, other])));
    assert!(!r.replicant_poll(rep, &[]));
    assert!(!r.has_core(rep));
}

#[test]
fn a_core_does_not_join_an_older_replicant_and_nobody_joins_one_by_hand() {
    let mut r = Registry::new();
    let rep = "emqx@10.244.0.9";
    r.node_started(A, spec(Family::V5), at("2024-05-01T10:00:00Z"));
    r.node_started(rep, replicant(), at("2024-05-01T10:00:01Z"));
    assert!(r.replicant_poll(rep, &names(&[A])));
    r.node_stopped(A, at("2024-05-01T10:00:02Z"));
    r.node_started(B, spec(Family::V5), at("2024-05-01T10:00:03Z"));
    let round = r.discovery_round(B, &names(&[rep, B]));
    assert_eq!(round.joined, None);
    assert!(!round.complete);
    assert_eq!(
        r.manual_join(B, rep),
        Err("{cannot_join_to_replicant,'emqx@10.244.0.9'}".into())
    );
}

#[test]
fn persistent_nodes_restarting_together_wait_for_the_last_to_stop() {
    let mut r = Registry::new();
    let mut p = spec(Family::V5);
    p.persistent = true;
    r.node_started(A, p.clone(), at("2024-05-01T10:00:00Z"));
    r.node_started(B, p.clone(), at("2024-05-01T10:00:01Z"));
    r.discovery_round(B, &names(&[A, B]));
    r.node_stopped(A, at("2024-05-01T11:00:00Z"));
    r.node_stopped(B, at("2024-05-01T11:00:01Z"));
    // OrderedReady: A (pod 0) first, but B stopped last and holds the newest tables.
    assert_eq!(
        r.node_started(A, p.clone(), at("2024-05-01T11:01:00Z")),
        StartOutcome::WaitForTables
    );
    assert!(!r.retry_tables(A));
    assert_eq!(
        r.node_started(B, p.clone(), at("2024-05-01T11:02:00Z")),
        StartOutcome::Ready
    );
    assert!(r.retry_tables(A));
    assert_eq!(r.view(A), (names(&[A, B]), vec![]));
}

#[test]
fn a_manual_join_and_leave_change_membership() {
    let mut r = three(Family::V4);
    assert_eq!(r.manual_join(B, B), Ok(false));
    assert_eq!(
        r.manual_join(B, "emqx@nowhere"),
        Err("{node_down,emqx@nowhere}".into())
    );
    assert_eq!(r.manual_join(B, A), Ok(true));
    assert_eq!(
        r.manual_join(B, A),
        Err("{already_in_cluster,'emqx@10.244.0.5'}".into())
    );
    assert_eq!(r.view(A), (names(&[A, B]), vec![]));
    assert_eq!(r.leave(B), Ok(()));
    assert_eq!(r.view(A), (names(&[A]), vec![]));
    assert_eq!(r.view(B), (names(&[B]), vec![]));
    assert_eq!(r.leave(B), Err("node_not_in_cluster".into()));
}

#[test]
fn p19_a_peer_denied_by_policy_is_unreachable_until_the_denial_is_lifted() {
    let mut r = three(Family::V5);
    let all = names(&[A, B, C]);
    r.set_denied(B, [A.to_string(), C.to_string()].into());
    let round = r.discovery_round(B, &all);
    assert_eq!(round.joined, None);
    assert_eq!(round.unreachable, names(&[A, C]));
    assert!(!round.complete, "the autocluster loop retries");
    // Only B's own connections are judged: C may still reach A.
    assert_eq!(r.discovery_round(C, &all).joined.as_deref(), Some(A));
    r.set_denied(B, Default::default());
    assert_eq!(r.discovery_round(B, &all).joined.as_deref(), Some(A));
    // Listed in join order: C joined first.
    assert_eq!(r.view(B), (names(&[A, C, B]), vec![]));
}

#[test]
fn a_lone_node_replaced_under_churn_is_forgotten_with_its_cluster() {
    // A Deployment without autocluster: every pod is its own one-node cluster, and each
    // replacement a new name. Nothing remembers a stopped lone node without persistent
    // data, so nothing of it may pile up, however many are replaced.
    let mut r = Registry::new();
    let start = at("2024-05-01T10:00:00Z");
    let mut alive: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    for i in 0..200u32 {
        let t = start + jiff::SignedDuration::from_secs(i64::from(i) * 3);
        if alive.len() == 3 {
            let lost = alive.remove(0);
            r.node_stopped(&lost, t);
        }
        let fresh = format!("emqx@10.244.{}.{}", i / 250, i % 250);
        r.node_started(&fresh, spec(Family::V5), t);
        r.set_denied(&fresh, [A.to_string()].into());
        alive.push(fresh);
        r.autoclean(t);
        if i == 99 || i == 199 {
            sizes.push((r.sizes(), r.denied.len()));
        }
    }
    assert_eq!(
        sizes,
        vec![((3, 3), 3), ((3, 3), 3)],
        "nodes, clusters; denied"
    );
}

#[test]
fn a_stopped_cluster_with_persistent_data_is_remembered() {
    // A StatefulSet scaled to 0 with PVCs: the nodes' disks still hold the cluster.
    let persistent = NodeSpec {
        persistent: true,
        ..spec(Family::V5)
    };
    let mut r = Registry::new();
    let t = at("2024-05-01T10:00:00Z");
    r.node_started(A, persistent.clone(), t);
    r.node_started(B, persistent.clone(), t);
    assert_eq!(r.manual_join(B, A), Ok(true));
    r.node_stopped(A, t);
    r.node_stopped(B, t);
    r.autoclean(at("2024-05-03T10:00:00Z"));
    assert_eq!(r.sizes(), (2, 1));
    assert_eq!(r.node_started(B, persistent, t), StartOutcome::Ready);
    assert_eq!(r.view(B), (names(&[B]), names(&[A])));
}
