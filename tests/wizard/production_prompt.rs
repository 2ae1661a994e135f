//! The production prompt tells the truth about its keys (issue 22.4): where the
//! context's name is typed, the footer offers ⏎ and esc, never `y/⏎ yes  n/esc no`
//! (`y`, `n` and `q` are letters of the name); ⏎ with a wrong name says so; esc says
//! that nothing was written and stops autopilot, whose label goes with it.

use crate::support::*;
use crossterm::event::KeyCode;
use kubetour::app::model::{Autopilot, Confirm, Life, Mode};
use kubetour::app::{Command, update};
use kubetour::engine::task::Order;

fn on_production(context: &str) -> kubetour::app::Model {
    let mut m = on_cluster(context);
    // Stage `pod`, the first that writes (`preflight` asks nothing).
    m.selected = 1;
    m
}

/// The footer: the screen's last line.
fn footer(m: &kubetour::app::Model, w: u16, h: u16) -> String {
    screen(m, w, h)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn typing_a_production_name_the_footer_offers_only_the_keys_that_act() {
    let mut m = on_production("eq-prod-1");
    feed(&mut m, [code(KeyCode::Enter)]);
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let f = footer(&m, w, h);
        assert!(f.contains("⏎ confirm the typed name"), "{w}×{h}: {f}");
        assert!(f.contains("esc no, write nothing"), "{w}×{h}: {f}");
        assert!(!f.contains("y/⏎") && !f.contains("n/esc"), "{w}×{h}: {f}");
    }
    // `y`, `n` and `q` are letters of the name, not answers (nor quitting).
    for c in "eq-prod-1".chars() {
        assert!(update(&mut m, key(c)).is_empty());
    }
    assert_eq!(m.life, Life::Running);
    assert!(screen(&m, 120, 40).contains("> eq-prod-1"));
    assert_eq!(
        update(&mut m, code(KeyCode::Enter)),
        vec![Command::Engine(Order::Enter(1))]
    );
}

#[test]
fn enter_with_a_wrong_name_says_so() {
    let mut m = on_production("eu-prod-1");
    feed(&mut m, [code(KeyCode::Enter)]);
    feed(&mut m, [key('e'), key('u')]);
    assert!(update(&mut m, code(KeyCode::Enter)).is_empty());
    let notice = m.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("`eu` is not the context's name") && notice.contains("eu-prod-1"),
        "{notice}"
    );
    assert!(screen(&m, 120, 40).contains("is not the context's name"));
}

#[test]
fn esc_says_nothing_was_written_and_autopilot_stops_with_its_label() {
    let mut m = on_production("eu-prod-1");
    m.autopilot = Autopilot {
        on: true,
        pause: false,
        waiting: false,
    };
    assert!(screen(&m, 120, 40).contains("autopilot"));
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(update(&mut m, code(KeyCode::Esc)).is_empty());
    assert_eq!(m.mode, Mode::Normal);
    assert!(!m.autopilot.on);
    let notice = m.notice.clone().unwrap_or_default();
    assert!(
        notice.contains("nothing was written to context eu-prod-1")
            && notice.contains("autopilot stopped"),
        "{notice}"
    );
    let s = screen(&m, 120, 40);
    assert!(
        !s.contains("autopilot ") || s.contains("autopilot stopped"),
        "{s}"
    );
    assert!(!matches!(m.mode, Mode::Confirm(Confirm::Target { .. })));
}
