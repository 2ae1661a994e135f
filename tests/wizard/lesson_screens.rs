//! Lesson first: at the size the README promises (120×40), every stage's lesson, its
//! kubectl commands and its change read without scrolling, or the screen says where the
//! rest is (a `↓ more` marker with its key). Before apply and after pass, every stage;
//! 80×24 and 200×60 for three stages (snapshots/wizard__lesson_screens__*.snap).

use crate::support::*;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use kubetour::app::Msg;
use kubetour::app::manifests::DiffLine;
use kubetour::app::model::Model;

/// The model with stages before `index` passed and `index` in focus, not yet applied.
fn before(index: usize) -> Model {
    let mut m = model();
    if index > 0 {
        walk_to(&mut m, index - 1);
        feed(&mut m, [key('n')]);
    }
    assert_eq!(m.selected, index);
    m
}

/// The screen reads the stage's commands and its first change, or says where they are.
fn assert_readable(m: &Model, s: &str) {
    let stage = &m.track().stages[m.selected];
    // Hidden commands are allowed only when the lesson says that is where they are.
    let more = s.contains("↓ kubectl commands below · PgDn");
    for c in &stage.commands {
        let head: String = format!("$ {c}").chars().take(40).collect();
        assert!(
            more || s.contains(&head),
            "{} lacks {head:?}:\n{s}",
            stage.id
        );
    }
    let first = m.manifests[m.selected].diff.iter().find_map(|d| match d {
        DiffLine::Added(t) => Some(format!("+ {t}")),
        DiffLine::Removed(t) => Some(format!("- {t}")),
        _ => None,
    });
    if let Some(first) = first {
        let head: String = first.chars().take(30).collect();
        assert!(
            s.contains(&head),
            "{}: the first change {head:?} is out of sight:\n{s}",
            stage.id
        );
    }
}

#[test]
fn every_stage_at_120x40_shows_its_lesson_commands_and_change_before_apply_and_after_pass() {
    let n = model().track().stages.len();
    for i in 0..n {
        let m = before(i);
        let id = m.track().stages[i].id.clone();
        let s = screen(&m, 120, 40);
        assert_readable(&m, &s);
        assert_snapshot!(format!("before_{i}_{id}"), s);
        let mut m = model();
        walk_to(&mut m, i);
        let s = screen(&m, 120, 40);
        assert_snapshot!(format!("passed_{i}_{id}"), s);
    }
}

#[test]
fn three_stages_at_80x24_and_200x60() {
    for i in [4, 5, 6] {
        let mut m = before(i);
        let id = m.track().stages[i].id.clone();
        let wide = screen(&m, 200, 60);
        assert_readable(&m, &wide);
        assert_snapshot!(format!("projector_{i}_{id}"), wide);
        let lesson = screen(&m, 80, 24);
        feed(&mut m, [key('v')]);
        let change = screen(&m, 80, 24);
        assert_snapshot!(format!("small_lesson_{i}_{id}"), lesson);
        assert_snapshot!(format!("small_change_{i}_{id}"), change);
    }
}

#[test]
fn the_autocluster_change_opens_at_the_env_lines() {
    let m = before(5);
    let s = screen(&m, 120, 40);
    let change = s
        .lines()
        .skip_while(|l| !l.contains("what this stage changes"))
        .find(|l| l.contains("│+ ") || l.contains("│- "))
        .unwrap_or_default();
    assert!(change.contains("env:"), "{s}");
    assert!(!s.contains("kubetour.io/stage: autocluster"), "{s}");
}

#[test]
fn a_long_log_line_wraps_in_the_log_panel_instead_of_being_cut() {
    let mut m = before(5);
    watched(&mut m, deployment_pods(40));
    feed(&mut m, [code(KeyCode::Enter)]);
    let pod = m.log.pod.clone().expect("a pod's log is followed");
    let line = "2026-12-06T10:00:00Z [error] Ekka(AutoCluster): Discovery error: {403,\"endpoints is forbidden: User system:serviceaccount:emqx:default cannot list resource endpoints\"}";
    feed(
        &mut m,
        [Msg::LogLines {
            pod,
            lines: vec![
                "2026-12-06T10:00:00Z [info] EMQX 5.8.9 is running now!".into(),
                line.into(),
            ],
        }],
    );
    let s = screen(&m, 120, 40);
    // The end of the line, past where the panel's width used to cut it, is on screen.
    assert!(s.contains("cannot list resource"), "{s}");
    assert_snapshot!("log_wraps_the_403", s);
}

#[test]
fn the_log_panel_never_starts_with_the_middle_of_a_wrapped_line() {
    let mut m = before(5);
    watched(&mut m, deployment_pods(40));
    feed(&mut m, [code(KeyCode::Enter)]);
    let pod = m.log.pod.clone().expect("a pod's log is followed");
    // Lines two rows wide in a 120-column layout: at one of two panel heights an odd
    // number of rows is left for them, where scrolling by rows would cut one in half.
    let lines: Vec<String> = (0..30)
        .map(|i| format!("L{i:02} {}end{i:02}", "word ".repeat(14)))
        .collect();
    feed(&mut m, [Msg::LogLines { pod, lines }]);
    for height in [40, 41] {
        log_panel_starts_and_ends_with_whole_lines(&screen(&m, 120, height));
    }
}

fn log_panel_starts_and_ends_with_whole_lines(s: &str) {
    let rows: Vec<&str> = s.lines().collect();
    let top = rows
        .iter()
        .position(|l| l.contains("╭ Log"))
        .expect("a log panel");
    // In cells (characters), not bytes: the borders are multi-byte.
    let column = rows[top][..rows[top].find("╭ Log").unwrap()]
        .chars()
        .count();
    let inner = |row: &str| -> String {
        row.chars()
            .skip(column + 1)
            .take_while(|c| *c != '│')
            .collect()
    };
    // Rows whole lines leave free stay blank above them.
    let first = rows[top + 1..]
        .iter()
        .map(|l| inner(l))
        .find(|r| !r.trim().is_empty())
        .unwrap_or_default();
    assert!(
        first.starts_with('L'),
        "the top row starts a line: {first:?}\n{s}"
    );
    let last = rows[top + 1..]
        .iter()
        .take_while(|l| l.chars().nth(column) != Some('╰'))
        .last()
        .map(|l| inner(l))
        .unwrap_or_default();
    assert!(
        last.trim_end().ends_with("end29"),
        "the newest line ends the panel: {last:?}\n{s}"
    );
}
