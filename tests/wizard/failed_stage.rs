//! What a failed stage and the first write say (issue 22.6), at 80×24, 120×40 and
//! 200×60: the status line names the stage once and fits; the sidebar names the stage
//! whose objects the cluster holds (the failed one, it wrote its StatefulSet); a failed
//! stage offers no try-it. (`preflight` asking no write question: `update`.)

use crate::support::*;
use crossterm::event::KeyCode;
use kubetour::app::{Msg, update};
use kubetour::engine::events::EngineEvent;
use kubetour::engine::task::{Order, Outcome, Report};

#[test]
fn a_failed_stage_says_so_once_names_what_it_applied_and_offers_no_try_it() {
    let mut m = model();
    walk_to(&mut m, 8);
    update(&mut m, key('n'));
    update(&mut m, code(KeyCode::Enter));
    let stage = m.track().stages[9].clone();
    let check = stage.checks[0].condition.to_string();
    let mut msgs = stage_applied(&m, 9);
    msgs.push(engine(EngineEvent::CheckFailed {
        stage: stage.id.clone(),
        check: check.clone(),
        observed: "0/3 pods Ready, 3 wanted".into(),
        diagnoses: Vec::new(),
    }));
    msgs.push(Msg::Order(Report::Ended {
        order: Order::Enter(9),
        outcome: Outcome::Failed(format!(
            "stage `persistence`: check `{check}` did not pass in time; last observed: 0/3 pods Ready, 3 wanted"
        )),
    }));
    feed(&mut m, msgs);
    assert_eq!(m.applied, Some(9));
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let s = screen(&m, w, h);
        let lines: Vec<&str> = s.lines().collect();
        let status = lines[lines.len() - 2];
        assert_eq!(
            status.matches("stage `persistence`").count(),
            1,
            "{w}×{h}: {status}"
        );
        assert!(
            status.contains("failed at check 1 of") && !status.contains('…'),
            "{w}×{h}: {status}"
        );
        assert!(!s.contains("(press t)"), "{w}×{h}:\n{s}");
        assert!(!s.contains("applied: statefulset"), "{w}×{h}:\n{s}");
    }
    // The sidebar breaks the line after `applied:` rather than cutting "(failed)".
    let s = screen(&m, 200, 60);
    assert!(
        s.contains("┃applied:") && s.contains("┃ persistence (failed)"),
        "{s}"
    );
}
