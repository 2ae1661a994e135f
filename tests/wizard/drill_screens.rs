//! A drill in the wizard: `x` after `rbac` starts the next drill of the list on the
//! current state; the status line says something is wrong, with a clock; `x` again asks
//! for the diagnosis and the undo, and the cause the table names is pinned.

use crate::support::*;
use insta::assert_snapshot;
use kubetour::app::command::Command;
use kubetour::app::{Msg, update};
use kubetour::engine::events::{Diagnosis, EngineEvent};
use kubetour::engine::task::{Order, Outcome, Report};

/// The P18 diagnosis as the engine makes it from the shipped table on this drill.
fn p18() -> Diagnosis {
    let m = model();
    let row = m
        .track()
        .diagnosis
        .iter()
        .find(|c| c.id == "P18")
        .expect("the table has P18")
        .clone();
    let fill = |t: &str| {
        t.replace("{EMQX_CLUSTER__K8S__SERVICE_NAME}", "emqx-nowhere")
            .replace("{EMQX_CLUSTER__K8S__NAMESPACE}", "emqx")
    };
    Diagnosis {
        source: "emqx-deployment-5d8b9c7f6-4kq2x".into(),
        line: "emqx-deployment-5d8b9c7f6-4kq2x: 2026-12-07T01:46:09.964261+00:00 [error] Ekka(AutoCluster): Discovery error: {404,#Ref<0.3511722901.1274773819.114650>}".into(),
        explanation: format!("P18: {} Fix: {}", fill(&row.cause.en), fill(&row.fix.en)),
        fixed_by: None,
    }
}

#[test]
fn a_drill_before_rbac_is_refused_with_a_reason() {
    let mut m = model();
    walk_to(&mut m, 5);
    let out = update(&mut m, key('x'));
    assert!(out.is_empty(), "{out:?}");
    assert!(
        m.notice
            .as_deref()
            .unwrap_or("")
            .contains("through `rbac` first")
    );
}

#[test]
fn a_drill_in_progress_then_its_diagnosis_pinned_after_x_again() {
    let mut m = model();
    walk_to(&mut m, 6);
    let out = update(&mut m, key('x'));
    assert!(
        out.contains(&Command::Engine(Order::Drill("wrong-service"))),
        "{out:?}"
    );
    feed(
        &mut m,
        [
            Msg::Order(Report::Began(Order::Drill("wrong-service"))),
            Msg::Order(Report::Ended {
                order: Order::Drill("wrong-service"),
                outcome: Outcome::Done,
            }),
        ],
    );
    assert!(m.drill.is_some());
    let s = screen(&m, 120, 40);
    assert!(s.contains("something is wrong — find it"), "{s}");
    assert_snapshot!("drill_in_progress", s);

    let out = update(&mut m, key('x'));
    assert!(out.contains(&Command::Engine(Order::EndDrill)), "{out:?}");
    feed(
        &mut m,
        [
            Msg::Order(Report::Began(Order::EndDrill)),
            engine(EngineEvent::Diagnosed {
                stage: "rbac".into(),
                diagnosis: p18(),
            }),
            Msg::Order(Report::Ended {
                order: Order::EndDrill,
                outcome: Outcome::Done,
            }),
        ],
    );
    assert!(m.drill.is_none());
    assert_eq!(m.pinned_diagnosis(), Some(&p18()));
    let s = screen(&m, 120, 40);
    assert!(s.contains("P18"), "{s}");
    assert_snapshot!("drill_diagnosis", s);
}
