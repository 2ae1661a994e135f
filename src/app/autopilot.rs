//! Autopilot: after a stage passes, run its try-its, then go on to the next stage —
//! at once, or (with `--pause`) when the person presses `n`.

use super::command::Command;
use super::model::Model;
use super::orders::request;
use crate::engine::task::Order;

/// What follows a passed stage `i`.
pub fn after_stage(m: &mut Model, i: usize) -> Vec<Command> {
    if !m.autopilot.on {
        return Vec::new();
    }
    if !m.track().stages[i].try_it.is_empty() {
        return request(m, Order::TryIt { stage: i, which: 0 });
    }
    advance(m, i)
}

/// What follows try-it `which` of stage `i`.
pub fn after_try_it(m: &mut Model, i: usize, which: usize) -> Vec<Command> {
    if !m.autopilot.on {
        return Vec::new();
    }
    if which + 1 < m.track().stages[i].try_it.len() {
        return request(
            m,
            Order::TryIt {
                stage: i,
                which: which + 1,
            },
        );
    }
    advance(m, i)
}

fn advance(m: &mut Model, i: usize) -> Vec<Command> {
    if i + 1 >= m.stages.len() {
        m.autopilot.on = false;
        m.notice = Some("autopilot: every stage passed".into());
        return Vec::new();
    }
    if m.autopilot.pause {
        m.autopilot.waiting = true;
        m.selected = i + 1;
        m.notice = Some(format!(
            "autopilot paused: press n to go on to stage `{}`",
            m.track().stages[i + 1].id
        ));
        return Vec::new();
    }
    request(m, Order::Enter(i + 1))
}

/// The first order of an autopilot run.
pub fn start(m: &mut Model) -> Vec<Command> {
    if m.autopilot.on {
        request(m, Order::Enter(0))
    } else {
        Vec::new()
    }
}
