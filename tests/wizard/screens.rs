//! The wizard's screens, as a person sees them, for the states that teach something.
//! Each model state is reached through `update` with the messages the runtime delivers;
//! the clock is fixed, so every snapshot is stable.

use std::time::Duration;

use crate::support::*;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use kubetour::app::Msg;
use kubetour::app::model::{CheckState, Model, StageState, TryState};
use kubetour::engine::events::{EngineEvent, Sighting};
use kubetour::engine::task::Order;
use serde_json::json;

#[test]
fn the_first_screen_shows_the_stages_the_target_and_the_kubeconfig_line() {
    let m = model();
    let s = screen(&m, 120, 40);
    assert!(s.contains("SIMULATED"), "{s}");
    assert!(
        s.contains("export KUBECONFIG=/home/learner/.local/state/kubetour/sim-kubeconfig"),
        "{s}"
    );
    assert_snapshot!("first_screen", s);
}

#[test]
fn a_stage_applying_shows_its_spinner_and_the_busy_line() {
    let mut m = model();
    walk_to(&mut m, 0);
    feed(&mut m, [key('n'), code(KeyCode::Enter)]);
    assert_eq!(m.stages[1].state, StageState::Applying);
    assert_eq!(
        m.busy.as_ref().map(|b| b.order.clone()),
        Some(Order::Enter(1))
    );
    assert_snapshot!("stage_applying", screen(&m, 120, 40));
}

#[test]
fn waiting_on_a_check_shows_the_elapsed_time_and_the_creating_pod() {
    let mut m = model();
    walk_to(&mut m, 0);
    feed(&mut m, [key('n'), code(KeyCode::Enter)]);
    feed(
        &mut m,
        [
            engine(EngineEvent::StageStarted {
                index: 1,
                id: "pod".into(),
                title: "A single Pod".into(),
            }),
            engine(EngineEvent::Applied {
                stage: "pod".into(),
                kind: "Pod".into(),
                name: "emqx".into(),
                changed: true,
            }),
        ],
    );
    watched(
        &mut m,
        [pod_added(pod(
            "emqx",
            json!({"run": "emqx"}),
            None,
            "ContainerCreating",
            4,
        ))],
    );
    feed(
        &mut m,
        [Msg::Tick(now() + jiff::SignedDuration::from_secs(4))],
    );
    assert!(matches!(
        m.stages[1].checks[0].state,
        CheckState::Waiting { .. }
    ));
    let s = screen(&m, 120, 40);
    assert!(s.contains("ContainerCreating"), "{s}");
    assert_snapshot!("waiting_on_a_check", s);
}

#[test]
fn o09_before_rbac_the_403_is_pinned_with_the_stage_that_fixes_it() {
    let mut m = model();
    walk_to(&mut m, 4);
    watched(&mut m, deployment_pods(40));
    feed(&mut m, [key('n'), code(KeyCode::Enter)]);
    feed(
        &mut m,
        [
            engine(EngineEvent::StageStarted {
                index: 5,
                id: "autocluster".into(),
                title: "x".into(),
            }),
            engine(EngineEvent::Applied {
                stage: "autocluster".into(),
                kind: "Deployment".into(),
                name: "emqx-deployment".into(),
                changed: true,
            }),
            engine(EngineEvent::Diagnosed {
                stage: "autocluster".into(),
                diagnosis: the_403(),
            }),
        ],
    );
    let s = screen(&m, 120, 40);
    assert!(s.contains("fixed by stage `rbac`"), "{s}");
    assert_snapshot!("the_403_before_rbac", s);
}

#[test]
fn o08_at_scale_three_pods_make_three_islands() {
    let mut m = model();
    walk_to(&mut m, 4);
    watched(&mut m, deployment_pods(30));
    feed(&mut m, [islands()]);
    let s = screen(&m, 120, 40);
    assert!(s.contains("3 separate one-node clusters"), "{s}");
    assert_eq!(s.matches("island").count(), 3, "{s}");
    assert_snapshot!("three_islands_at_scale", s);
}

#[test]
fn o10_after_rbac_the_three_nodes_are_one_cluster() {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    feed(&mut m, [one_cluster(&[])]);
    let s = screen(&m, 120, 40);
    assert!(s.contains("1 cluster of 3 running nodes"), "{s}");
    assert_snapshot!("one_cluster_after_rbac", s);
}

#[test]
fn o11_a_killed_pod_is_replaced_and_the_lost_node_is_listed_stopped() {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(60));
    feed(&mut m, [key('t')]);
    let killed = pod(
        DEPLOY_PODS[0].0,
        json!({"app": "emqx"}),
        Some(DEPLOY_PODS[0].1),
        "Running",
        60,
    );
    let fresh = ("emqx-deployment-6c9f7b8d4-w9x4d", "10.244.0.9");
    watched(
        &mut m,
        [
            pod_deleted(killed),
            pod_added(pod(
                fresh.0,
                json!({"app": "emqx"}),
                Some(fresh.1),
                "Running",
                6,
            )),
        ],
    );
    let running = [
        node_of(fresh.1),
        node_of(DEPLOY_PODS[1].1),
        node_of(DEPLOY_PODS[2].1),
    ];
    let all: Vec<&str> = running.iter().map(String::as_str).collect();
    let lost = node_of(DEPLOY_PODS[0].1);
    feed(
        &mut m,
        [
            emqx(&[
                (fresh.0, &running[0], &all, &[&lost]),
                (DEPLOY_PODS[1].0, &running[1], &all, &[&lost]),
                (DEPLOY_PODS[2].0, &running[2], &all, &[&lost]),
            ]),
            engine(EngineEvent::TryIt {
                stage: "rbac".into(),
                title: "Kill a pod".into(),
                ok: true,
                observed: format!("{} was replaced by {}", DEPLOY_PODS[0].0, fresh.0),
            }),
            engine(EngineEvent::Observation {
                stage: "rbac".into(),
                id: "O11".into(),
                text: "A killed pod's replacement joins; the lost node is listed as stopped."
                    .into(),
                sighting: Sighting::Seen,
                evidence: format!("{} was replaced by {}", DEPLOY_PODS[0].0, fresh.0),
            }),
            ended(Order::TryIt { stage: 6, which: 0 }),
        ],
    );
    assert!(matches!(m.stages[6].tries[0], TryState::Held(_)));
    let s = screen(&m, 120, 40);
    assert!(s.contains("stopped (lost members)"), "{s}");
    assert_snapshot!("killed_pod_replaced_node_stopped", s);
}

#[test]
fn o17_the_statefulset_shows_one_bound_claim_per_pod() {
    let mut m = model();
    walk_to(&mut m, 9);
    let mut nodes = Vec::new();
    for i in 0..3 {
        let name = format!("emqx-statefulset-{i}");
        watched(
            &mut m,
            [pod_added(pod(
                &name,
                json!({"app": "emqx"}),
                Some(&format!("10.244.{i}.7")),
                "Running",
                50 - i * 10,
            ))],
        );
        watched(
            &mut m,
            [claim(
                &format!("emqx-data-emqx-statefulset-{i}"),
                &format!("pvc-0c1d2e3f-000{i}"),
            )],
        );
        nodes.push(format!(
            "emqx@emqx-statefulset-{i}.emqx-headless.emqx.svc.cluster.local"
        ));
    }
    let all: Vec<&str> = nodes.iter().map(String::as_str).collect();
    feed(
        &mut m,
        [emqx(&[
            ("emqx-statefulset-0", &nodes[0], &all, &[]),
            ("emqx-statefulset-1", &nodes[1], &all, &[]),
            ("emqx-statefulset-2", &nodes[2], &all, &[]),
        ])],
    );
    let s = screen(&m, 120, 40);
    assert_eq!(s.matches("Bound, volume pvc-").count(), 3, "{s}");
    assert_snapshot!("statefulset_with_claims", s);
}

/// The wizard after stage `rbac` failed on its cluster check, with the 403 as the hint.
fn failed_rbac() -> Model {
    let mut m = model();
    walk_to(&mut m, 5);
    feed(&mut m, [key('n'), code(KeyCode::Enter)]);
    let check = m.track().stages[6]
        .checks
        .last()
        .unwrap()
        .condition
        .to_string();
    feed(
        &mut m,
        [
            engine(EngineEvent::StageStarted {
                index: 6,
                id: "rbac".into(),
                title: "x".into(),
            }),
            engine(EngineEvent::CheckFailed {
                stage: "rbac".into(),
                check: check.clone(),
                observed: "3 separate one-node clusters".into(),
                diagnoses: vec![the_403()],
            }),
            Msg::Order(kubetour::engine::task::Report::Ended {
                order: Order::Enter(6),
                outcome: kubetour::engine::task::Outcome::Failed(format!(
                    "stage `rbac`: check `{check}` did not pass in time"
                )),
            }),
        ],
    );
    m
}

#[test]
fn a_failed_stage_keeps_its_failure_in_sight_however_much_was_observed() {
    let mut m = failed_rbac();
    feed(
        &mut m,
        (0..6).map(|i| {
            engine(EngineEvent::Observation {
                stage: "rbac".into(),
                id: format!("O{}", 10 + i),
                text: "A lesson long enough to wrap over two lines of the checklist panel at this width.".into(),
                sighting: Sighting::Seen,
                evidence: "evidence that also wraps: uids, volume names and times, as the engine tells them".into(),
            })
        }),
    );
    let s = screen(&m, 120, 40);
    assert!(s.contains("observed: 3 separate"), "{s}");
}

#[test]
fn a_failed_check_shows_what_was_observed_and_the_hint() {
    let m = failed_rbac();
    assert_eq!(m.stages[6].state, StageState::Failed);
    let s = screen(&m, 120, 40);
    assert!(s.contains("observed: 3 separate"), "{s}");
    assert_snapshot!("failed_check_with_hint", s);
}

#[test]
fn the_diff_view_shows_what_the_scale_stage_changes() {
    let mut m = model();
    for _ in 0..4 {
        feed(&mut m, [key('n')]);
    }
    // The diff is the view a stage opens on.
    let s = screen(&m, 120, 40);
    assert!(s.contains("what this stage changes"), "{s}");
    // The diff lines themselves, not the narration's `replicas: 3`.
    assert!(s.contains("│-   replicas: 1"), "{s}");
    assert!(s.contains("│+   replicas: 3"), "{s}");
    assert_snapshot!("manifest_diff", s);
}

#[test]
fn help_lists_every_key_and_where_the_trace_goes() {
    let mut m = model();
    feed(&mut m, [key('?')]);
    let s = screen(&m, 120, 40);
    for b in kubetour::ui::keys::bindings(kubetour::ui::keys::Scope::Main) {
        assert!(s.contains(b.help), "help lacks {:?}:\n{s}", b.help);
    }
    assert!(
        s.contains("trace log: /home/learner/.local/state/kubetour/kubetour.log"),
        "{s}"
    );
    assert_snapshot!("help", s);
}

#[test]
fn at_80x24_the_panels_become_tabs() {
    let mut m = model();
    walk_to(&mut m, 4);
    watched(&mut m, deployment_pods(30));
    feed(&mut m, [islands()]);
    let lesson = screen(&m, 80, 24);
    assert!(lesson.contains("1 Lesson"), "{lesson}");
    feed(&mut m, [key('v')]);
    let yaml = screen(&m, 80, 24);
    assert!(yaml.contains("Manifest"), "{yaml}");
    feed(&mut m, [key('v')]);
    let live = screen(&m, 80, 24);
    assert!(live.contains("3 separate one-node clusters"), "{live}");
    feed(&mut m, [key('v')]);
    let log = screen(&m, 80, 24);
    assert!(lesson.contains("export KUBECONFIG="), "{lesson}");
    assert_snapshot!("small_80x24_lesson", lesson);
    assert_snapshot!("small_80x24_yaml", yaml);
    assert_snapshot!("small_80x24_live", live);
    assert_snapshot!("small_80x24_log", log);
}

#[test]
fn l_switches_the_narration_to_chinese() {
    let mut m = model();
    walk_to(&mut m, 5);
    feed(&mut m, [key('l')]);
    let s = screen(&m, 120, 40);
    assert!(s.contains("阶段 5"), "{s}");
    assert_snapshot!("zh", s);
}

#[test]
fn a_projector_at_200x60_gets_every_column() {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    feed(&mut m, [one_cluster(&[])]);
    let s = screen(&m, 200, 60);
    assert!(s.contains("EMQX NODE"), "{s}");
    assert_snapshot!("projector_200x60", s);
}

#[test]
fn a_stage_that_passes_shows_its_elapsed_checks_and_observations() {
    let mut m = model();
    walk_to(&mut m, 1);
    let s = &m.stages[1];
    assert_eq!(s.state, StageState::Passed);
    assert!(s.checks.iter().all(|c| matches!(c.state, CheckState::Passed { elapsed, .. } if elapsed >= Duration::from_millis(1500))));
    assert!(s.observations.iter().any(|o| o.id == "O1"));
    // O3 is the try-it's: not true until the pod has been deleted.
    assert!(!s.observations.iter().any(|o| o.id == "O3"));
}

#[test]
fn the_readme_lists_every_key_of_the_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for b in kubetour::ui::keys::bindings(kubetour::ui::keys::Scope::Main) {
        let row = format!("| `{}` | {} |", b.label, b.help);
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
}

#[test]
fn the_pods_panel_keeps_the_selected_pod_in_sight_among_a_hundred() {
    let mut m = model();
    watched(
        &mut m,
        (0..100).map(|i| {
            pod_added(pod(
                &format!("load-{i:03}"),
                json!({"app": "load"}),
                Some("10.244.0.9"),
                "Running",
                60,
            ))
        }),
    );
    let s = screen(&m, 120, 40);
    assert!(s.contains("Pods (100, 1–"), "{s}");
    assert!(s.contains("load-000") && !s.contains("load-090"), "{s}");
    m.pod_cursor = Some("load-090".into());
    let s = screen(&m, 120, 40);
    assert!(s.contains("load-090"), "the selected pod is on screen: {s}");
    assert!(!s.contains("load-070"), "the rows above scrolled away: {s}");
    assert!(s.contains("–91) "), "the title says which rows show: {s}");
}
