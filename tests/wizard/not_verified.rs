//! The wizard shows a stage nothing could verify as such: a `?` in the stage list with
//! "applied, not verified", the check's row saying why, never a `✓`.

use crate::support::*;
use kubetour::app::model::{CheckState, StageState};
use kubetour::engine::events::EngineEvent;
use kubetour::engine::task::{Order, Outcome, Report};

const WHY: &str = "could not run `emqx ctl status` in pod emqx: the API server could not \
                   reach the node's kubelet: dial tcp 127.0.0.1:10250: connect: connection refused";

#[test]
fn a_stage_applied_but_not_verified_is_marked_so_and_names_the_cause() {
    let mut m = model();
    walk_to(&mut m, 0);
    let stage = m.track().stages[1].clone();
    let started = stage
        .checks
        .iter()
        .find(|c| c.condition.to_string().contains("EMQX started"))
        .expect("the pod stage checks that EMQX started")
        .condition
        .to_string();
    feed(
        &mut m,
        [
            engine(EngineEvent::StageStarted {
                index: 1,
                id: stage.id.clone(),
                title: stage.title.en.clone(),
            }),
            engine(EngineEvent::StageNotVerified {
                stage: stage.id.clone(),
                check: started.clone(),
                why: WHY.into(),
            }),
            // The engine task then ends the order with the run's error.
            kubetour::app::Msg::Order(Report::Ended {
                order: Order::Enter(1),
                outcome: Outcome::Failed(format!("stage `pod`: applied, not verified — {WHY}")),
            }),
        ],
    );
    let s = &m.stages[1];
    assert_eq!(s.state, StageState::NotVerified);
    assert!(
        s.checks.iter().any(|r| r.text == started
            && matches!(&r.state, CheckState::NotVerified { why } if why == WHY)),
        "{:?}",
        s.checks
    );
    m.selected = 1;
    let screen = screen(&m, 160, 60);
    assert!(screen.contains("? 1 pod"), "{screen}");
    assert!(screen.contains("? EMQX started"), "{screen}");
    assert!(screen.contains("not verified"), "{screen}");
    assert!(!screen.contains("✓ 1 pod"), "{screen}");
}
