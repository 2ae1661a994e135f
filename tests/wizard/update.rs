//! `update` as the person meets it: the write guard on a cluster kubetour did not start,
//! teardown's two questions, quitting mid-apply, the mouse, autopilot. No I/O: orders
//! come back as commands.

use crate::support::*;
use crossterm::event::{KeyCode, MouseButton, MouseEvent, MouseEventKind};
use kubetour::app::model::{Autopilot, Confirm, Life, Mode};
use kubetour::app::{Command, Msg, update};
use kubetour::engine::task::Order;

fn on_real_cluster(context: &str) -> kubetour::app::Model {
    on_cluster(context)
}

/// On a real cluster with stage `pod` (the first that writes) selected.
fn at_first_write(context: &str) -> kubetour::app::Model {
    let mut m = on_real_cluster(context);
    m.selected = 1;
    m
}

#[test]
fn on_a_real_cluster_the_first_write_waits_for_a_yes() {
    let mut m = on_real_cluster("kind-dev");
    // `preflight` only reads: it runs without the question (issue 22.6).
    assert_eq!(
        update(&mut m, code(KeyCode::Enter)),
        vec![Command::Engine(Order::Enter(0))]
    );
    let passes = stage_passes(&m, 0);
    feed(&mut m, passes);
    feed(&mut m, [key('n')]);
    let out = update(&mut m, code(KeyCode::Enter));
    assert!(out.is_empty(), "nothing is sent before the yes: {out:?}");
    assert!(matches!(
        m.mode,
        Mode::Confirm(Confirm::Target {
            needs_name: false,
            ..
        })
    ));
    let s = screen(&m, 120, 40);
    assert!(
        s.contains("kind-dev") && s.contains("https://10.0.0.1:6443"),
        "{s}"
    );
    // The question names the first stage that writes, at every size.
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let s = screen(&m, w, h);
        assert!(
            s.contains("stage `pod`") && !s.contains("to run stage `preflight`"),
            "{w}×{h}:\n{s}"
        );
    }
    let out = update(&mut m, key('y'));
    assert_eq!(out, vec![Command::Engine(Order::Enter(1))]);
    // Once said, later writes go straight through.
    let passes = stage_passes(&m, 1);
    feed(&mut m, passes);
    feed(&mut m, [key('n')]);
    assert_eq!(
        update(&mut m, code(KeyCode::Enter)),
        vec![Command::Engine(Order::Enter(2))]
    );
}

#[test]
fn no_means_nothing_is_written() {
    let mut m = at_first_write("kind-dev");
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(update(&mut m, key('n')).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.busy.is_none());
}

#[test]
fn a_production_looking_context_must_be_typed_out() {
    let mut m = at_first_write("eu-prod-1");
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(matches!(
        m.mode,
        Mode::Confirm(Confirm::Target {
            needs_name: true,
            ..
        })
    ));
    // `y` is only a letter here, and ⏎ with the wrong name does nothing.
    assert!(update(&mut m, key('y')).is_empty());
    assert!(update(&mut m, code(KeyCode::Enter)).is_empty());
    feed(&mut m, [code(KeyCode::Backspace)]);
    for c in "eu-prod-1".chars() {
        feed(&mut m, [key(c)]);
    }
    let s = screen(&m, 120, 40);
    assert!(s.contains("> eu-prod-1"), "{s}");
    assert_eq!(
        update(&mut m, code(KeyCode::Enter)),
        vec![Command::Engine(Order::Enter(1))]
    );
}

#[test]
fn teardown_asks_twice_when_there_are_claims() {
    let mut m = model();
    walk_to(&mut m, 9);
    watched(&mut m, [claim("emqx-data-emqx-statefulset-0", "pvc-1")]);
    feed(&mut m, [key('D')]);
    assert_eq!(m.mode, Mode::Confirm(Confirm::Teardown { claims: false }));
    assert!(update(&mut m, key('y')).is_empty());
    assert_eq!(m.mode, Mode::Confirm(Confirm::Teardown { claims: true }));
    // No to the claims: the objects go, the data stays.
    assert_eq!(
        update(&mut m, key('n')),
        vec![Command::Engine(Order::Teardown {
            delete_claims: false
        })]
    );
}

#[test]
fn quitting_mid_apply_asks_then_says_what_was_left() {
    let mut m = model();
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(m.busy.is_some());
    assert!(update(&mut m, key('q')).is_empty());
    assert_eq!(m.mode, Mode::Confirm(Confirm::QuitBusy));
    let out = update(&mut m, key('y'));
    assert_eq!(out, vec![Command::CancelEngine, Command::Quit]);
    let Life::Quitting(words) = &m.life else {
        panic!("not quitting")
    };
    assert!(
        words.contains("Stopped while stage `preflight` was running"),
        "{words}"
    );
    assert!(
        words.contains("embedded simulated cluster stops"),
        "{words}"
    );
}

#[test]
fn sigterm_quits_at_once() {
    let mut m = model();
    let out = update(&mut m, Msg::Signal("SIGTERM"));
    assert_eq!(out, vec![Command::Quit]);
    assert!(matches!(&m.life, Life::Quitting(w) if w.contains("SIGTERM received")));
}

#[test]
fn clicking_a_stage_focuses_it() {
    let mut m = model();
    // Two header lines, the border, then one line per stage.
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 3,
        row: 3 + 6,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    feed(&mut m, [Msg::Mouse(click)]);
    assert_eq!(m.selected, 6);
}

#[test]
fn a_busy_wizard_refuses_a_second_order_and_says_why() {
    let mut m = model();
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(update(&mut m, key('a')).is_empty());
    assert!(
        m.notice
            .as_deref()
            .is_some_and(|n| n.contains("press c to cancel")),
        "{:?}",
        m.notice
    );
    assert_eq!(update(&mut m, key('c')), vec![Command::CancelEngine]);
}

#[test]
fn autopilot_runs_the_try_its_then_goes_on() {
    let mut m = model();
    m.autopilot = Autopilot {
        on: true,
        pause: false,
        waiting: false,
    };
    feed(&mut m, [code(KeyCode::Enter)]);
    let mut msgs = stage_passes(&m, 0);
    let last = msgs.pop().unwrap();
    feed(&mut m, msgs);
    assert_eq!(update(&mut m, last), vec![Command::Engine(Order::Enter(1))]);
    let mut msgs = stage_passes(&m, 1);
    let last = msgs.pop().unwrap();
    feed(&mut m, msgs);
    assert_eq!(
        update(&mut m, last),
        vec![Command::Engine(Order::TryIt { stage: 1, which: 0 })]
    );
    assert_eq!(
        update(&mut m, ended(Order::TryIt { stage: 1, which: 0 })),
        vec![Command::Engine(Order::Enter(2))]
    );
}

#[test]
fn autopilot_with_pause_waits_for_n() {
    let mut m = model();
    m.autopilot = Autopilot {
        on: true,
        pause: true,
        waiting: false,
    };
    feed(&mut m, [code(KeyCode::Enter)]);
    let msgs = stage_passes(&m, 0);
    feed(&mut m, msgs);
    assert!(m.autopilot.waiting);
    assert_eq!(
        update(&mut m, key('n')),
        vec![Command::Engine(Order::Enter(1))]
    );
}

#[test]
fn idle_at_three_pods_the_clock_wakes_only_when_a_shown_age_turns_over() {
    let mut m = model();
    m.size = (120, 40);
    watched(&mut m, deployment_pods(700));
    // 11m40s old: the pods panel reads `11m` until the minute turns, 20 s from now.
    assert_eq!(m.ages_change_in(), Some(std::time::Duration::from_secs(20)));
    // On a small screen's lesson tab no age is shown: nothing to wake for.
    m.size = (80, 24);
    assert_eq!(m.ages_change_in(), None);
}
