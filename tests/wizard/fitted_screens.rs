//! Issue 23: room by content and by moment, and nothing cut without a marker. The
//! delivery matrix shares the EMQX area (never squeezing the log), the status line keeps
//! its clock and the key that acts, and a short panel says what it could not show.

use crate::support::*;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use kubetour::app::Msg;
use kubetour::app::model::{CheckState, Model};
use kubetour::engine::events::EngineEvent;
use kubetour::engine::task::{Order, Outcome, Report};

/// After `rbac`, three pods in one cluster, a delivery round, the first pod's log with
/// EMQX's long lines, and a drill started with `x`.
fn drilling() -> Model {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    let pods: Vec<&str> = DEPLOY_PODS.iter().map(|(n, _)| *n).collect();
    feed(&mut m, [one_cluster(&[]), delivery_among(&pods, true)]);
    let pod = m.log.pod.clone().expect("a pod's log is followed");
    feed(
        &mut m,
        [
            Msg::LogLines {
                pod,
                lines: vec![
                    "2026-12-07T05:09:33.208760+00:00 [info] EMQX 5.8.9 is running now!".into(),
                    "2026-12-07T05:09:39.213245+00:00 [error] Ekka(AutoCluster): Discovery error: {404,#Ref<0.2494248915.854961203.422142>}".into(),
                ],
            },
            key('x'),
            Msg::Order(Report::Began(Order::Drill("wrong-service"))),
            Msg::Order(Report::Ended {
                order: Order::Drill("wrong-service"),
                outcome: Outcome::Done,
            }),
        ],
    );
    assert!(m.drill.is_some());
    m
}

/// The row of `screen` holding `needle`, and the width of the panel it is in: from the
/// border before it to the border after it.
fn panel_width(screen: &str, needle: &str) -> usize {
    let row = screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not on screen:\n{screen}"));
    let chars: Vec<char> = row.chars().collect();
    let at = row[..row.find(needle).unwrap_or(0)].chars().count();
    let corner = |c: &char| matches!(c, '╭' | '┏');
    let left = chars[..at].iter().rposition(corner).unwrap_or(0);
    let right = chars[at..]
        .iter()
        .position(|c| matches!(c, '╮' | '┓'))
        .map_or(chars.len(), |i| at + i);
    right - left + 1
}

#[test]
fn during_a_drill_at_120x40_the_log_keeps_half_the_bottom_and_the_matrix_sits_under_membership() {
    let m = drilling();
    let s = screen(&m, 120, 40);
    // The log panel is as wide as the events beside it, and its long line reads whole.
    assert!(panel_width(&s, "Log · ") >= 58, "{s}");
    assert!(
        s.contains("{404,#Ref<0.2494248915.854961203.422142>}"),
        "{s}"
    );
    assert!(s.contains("delivery · 6/6 across"), "{s}");
    // The matrix is in the right column, under membership, not beside the log.
    let matrix_row = s
        .lines()
        .position(|l| l.contains("delivery · 6/6"))
        .unwrap_or(0);
    let log_row = s.lines().position(|l| l.contains("Log · ")).unwrap_or(0);
    assert!(matrix_row < log_row, "{s}");
    assert!(s.contains("x: diagnosis and undo"), "{s}");
    assert_snapshot!("drill_120x40_log_keeps_its_half", s);
}

#[test]
fn during_a_drill_at_200x60_the_matrix_fills_the_room_under_membership() {
    let m = drilling();
    let s = screen(&m, 200, 60);
    assert!(panel_width(&s, "Log · ") >= 90, "{s}");
    assert!(s.contains("✓11ms ✓12ms ✓4ms"), "{s}");
    assert_snapshot!("drill_200x60_matrix_under_membership", s);
}

#[test]
fn a_drill_at_80x24_keeps_its_clock_and_the_key_that_ends_it_on_the_status_line() {
    let mut m = drilling();
    feed(
        &mut m,
        [Msg::Tick(now() + jiff::SignedDuration::from_secs(75))],
    );
    let s = screen(&m, 80, 24);
    let status = s.lines().nth(22).unwrap_or_default();
    assert!(status.ends_with("· 1m15s · x: diagnosis and undo"), "{s}");
    assert!(status.contains("drill `wrong-service`"), "{s}");
    assert_snapshot!("drill_80x24_status_keeps_the_key", s);
}

#[test]
fn waiting_at_80x24_the_status_line_keeps_the_clock_and_the_key_that_cancels() {
    let mut m = model();
    walk_to(&mut m, 1);
    feed(&mut m, [key('n'), code(KeyCode::Enter)]);
    feed(
        &mut m,
        [
            engine(EngineEvent::StageStarted {
                index: 2,
                id: "deployment".into(),
                title: "A Deployment keeps the pod alive".into(),
            }),
            engine(EngineEvent::Applied {
                stage: "deployment".into(),
                kind: "Deployment".into(),
                name: "emqx-deployment".into(),
                changed: true,
            }),
            Msg::Tick(now() + jiff::SignedDuration::from_secs(4)),
        ],
    );
    assert!(matches!(
        m.stages[2].checks[0].state,
        CheckState::Waiting { .. }
    ));
    let s = screen(&m, 80, 24);
    let status = s.lines().nth(22).unwrap_or_default();
    assert!(status.contains("waiting for: Deployment"), "{s}");
    assert!(status.ends_with("· 4s · c cancels"), "{s}");
    assert_snapshot!("waiting_80x24_status_keeps_the_key", s);
}

#[test]
fn at_80x24_three_islands_and_a_matrix_of_long_names_share_the_live_tab_whole() {
    let mut m = model();
    walk_to(&mut m, 4);
    watched(&mut m, deployment_pods(30));
    // A round right after a rollout: the names differ from their ReplicaSet's hash on,
    // and the full grid is wider than the screen.
    let pods = [
        DEPLOY_PODS[0].0,
        DEPLOY_PODS[1].0,
        DEPLOY_PODS[2].0,
        "emqx-deployment-5665b4db9d-pjttj",
    ];
    feed(
        &mut m,
        [islands(), delivery_among(&pods, false), key('v'), key('v')],
    );
    let s = screen(&m, 80, 24);
    // Every island is listed, and every row of the matrix, in its compact form.
    for (pod, _) in DEPLOY_PODS {
        let tail = &pod[pod.len() - 5..];
        assert!(s.contains(tail), "{tail}:\n{s}");
    }
    assert_eq!(s.matches("island ").count(), 3, "{s}");
    assert!(s.contains("✓✗✗✗"), "{s}");
    assert!(s.contains("✗✗✗✓"), "{s}");
    assert_snapshot!("live_80x24_islands_and_a_wide_matrix", s);
}

#[test]
fn help_at_80x24_lists_every_key_on_a_line_of_its_own() {
    let mut m = model();
    feed(&mut m, [key('?')]);
    let s = screen(&m, 80, 24);
    for b in kubetour::ui::keys::bindings(kubetour::ui::keys::Scope::Main) {
        let row = format!("┃{:>6}  ", b.label);
        assert!(s.contains(&row), "help lacks {:?}:\n{s}", b.label);
    }
    // What does not fit is cut with a mark, never silently.
    assert!(!s.contains("more (a taller terminal"), "{s}");
    assert!(s.contains('…'), "{s}");
    assert_snapshot!("help_80x24_every_key", s);
}

#[test]
fn help_on_a_tall_80_column_screen_wraps_each_sentence_under_itself() {
    let mut m = model();
    feed(&mut m, [key('?')]);
    let s = screen(&m, 80, 40);
    assert!(s.contains("trace log: "), "{s}");
    let rows: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("┏ Keys"))
        .skip(1)
        .take_while(|l| !l.contains('┗'))
        .collect();
    // Nothing is cut: every sentence is there whole, some on two rows.
    assert!(rows.iter().all(|l| !l.contains('…')), "{s}");
    assert!(rows.len() > 22, "{s}");
    // A sentence's second row starts under the first row's text, not under the key.
    let second = rows
        .iter()
        .find(|l| l.contains("┃        the others now") || l.contains("┃        what follows"))
        .unwrap_or_else(|| panic!("no wrapped sentence:\n{s}"));
    assert!(second.starts_with("┃        "), "{second}\n{s}");
    assert_snapshot!("help_80x40_wrapped_under_itself", s);
}

#[test]
fn at_120x40_a_long_object_list_keeps_its_room_and_the_round_is_counted_under_membership() {
    let mut m = model();
    walk_to(&mut m, 6);
    watched(&mut m, deployment_pods(20));
    let claims: Vec<_> = (0..14)
        .map(|i| claim(&format!("emqx-data-{i}"), &format!("pvc-{i}")))
        .collect();
    watched(&mut m, claims);
    let pods: Vec<&str> = DEPLOY_PODS.iter().map(|(n, _)| *n).collect();
    feed(
        &mut m,
        [
            one_cluster(&["emqx@10.244.2.4", "emqx@10.244.2.5"]),
            delivery_among(&pods, true),
        ],
    );
    let s = screen(&m, 120, 40);
    // The objects keep the room they list (every claim shows), membership's title and
    // lines are whole, and the round, with no rows left for its grid, is counted on
    // membership's border.
    for i in 0..14 {
        assert!(s.contains(&format!("pvc/emqx-data-{i} ")), "{i}:\n{s}");
    }
    assert!(s.contains("╭ EMQX · 1 cluster of 3 running nodes ─"), "{s}");
    assert!(s.contains("○ emqx@10.244.2.5"), "{s}");
    assert!(s.contains("╰ delivery 6/6 across ─"), "{s}");
    assert_snapshot!("objects_first_round_counted_under_membership_120x40", s);
}
