//! The delivery matrix on screen (published on → received on): islands at `scale`
//! (O22), one cluster after `rbac` (O23), when a round is asked for, and how it shares
//! the live tab at 80×24.

use crate::support::*;
use insta::assert_snapshot;
use kubetour::app::Msg;

/// A delivery matrix among the three Deployment pods: `across` says whether messages
/// cross pods (one cluster) or stay on the pod they were published on (islands).
fn delivery(across: bool) -> Msg {
    let pods: Vec<&str> = DEPLOY_PODS.iter().map(|(n, _)| *n).collect();
    delivery_among(&pods, across)
}

#[test]
fn o22_islands_route_nothing_and_the_matrix_shows_it_at_scale() {
    let mut m = model();
    walk_to(&mut m, 4);
    watched(&mut m, deployment_pods(30));
    feed(&mut m, [islands(), delivery(false)]);
    let s = screen(&m, 120, 40);
    assert!(s.contains("delivery · 0/6 across"), "{s}");
    assert_eq!(s.matches('✗').count(), 6, "{s}");
    assert_snapshot!("delivery_islands_at_scale", s);
}

#[test]
fn o23_one_cluster_delivers_every_pair_and_the_matrix_shows_how_fast() {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    feed(&mut m, [one_cluster(&[]), delivery(true)]);
    let s = screen(&m, 120, 40);
    assert!(s.contains("delivery · 6/6 across, slowest 12 ms"), "{s}");
    assert!(!s.contains('✗'), "{s}");
    assert_snapshot!("delivery_one_cluster_after_rbac", s);
}

#[test]
fn a_delivery_round_runs_when_membership_changes_or_on_d_and_never_on_a_timer() {
    use kubetour::app::{Command, update};
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    // Membership seen for the first time: one round.
    let first = update(&mut m, islands());
    assert!(matches!(first.as_slice(), [Command::ProbeDelivery { pods }] if pods.len() == 3));
    // The same membership again asks for nothing; neither does time passing.
    assert!(update(&mut m, islands()).is_empty());
    assert!(
        update(
            &mut m,
            Msg::Tick(now() + jiff::SignedDuration::from_secs(60))
        )
        .is_empty()
    );
    // `d` while a round runs queues one more, run when the first comes back.
    assert!(update(&mut m, key('d')).is_empty());
    let after = update(&mut m, delivery(false));
    assert!(matches!(after.as_slice(), [Command::ProbeDelivery { .. }]));
    assert!(update(&mut m, delivery(false)).is_empty());
    // Membership changes (islands -> one cluster): another round.
    let joined = update(&mut m, one_cluster(&[]));
    assert!(matches!(joined.as_slice(), [Command::ProbeDelivery { .. }]));
}

#[test]
fn o23_at_80x24_the_matrix_shares_the_live_tab_with_membership() {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    feed(
        &mut m,
        [one_cluster(&[]), delivery(true), key('v'), key('v')],
    );
    let live = screen(&m, 80, 24);
    assert!(live.contains("1 cluster of 3 running nodes"), "{live}");
    assert!(live.contains("delivery · 6/6 across"), "{live}");
    assert_snapshot!("delivery_small_80x24_live", live);
}
