//! Intentions turned into engine orders, in one place: a key, a click or the autopilot
//! asks ([`request`]); a write to a cluster kubetour did not start waits for the
//! on-screen yes first; [`dispatch`] marks the model busy and hands the order to the
//! runtime. Quitting (a key, a signal) is here too: it cancels the running order.

use super::command::Command;
use super::model::{
    Busy, CheckRow, CheckState, Confirm, Life, Mode, Model, StageProgress, StageState, TryState,
};
use crate::cluster::guard::Target;
use crate::engine::task::Order;

/// Asks for an order: at once on the embedded cluster (or once confirmed), else after
/// the person has seen the target and said yes.
pub fn request(m: &mut Model, order: Order) -> Vec<Command> {
    if m.busy.is_some() {
        m.notice = Some(format!(
            "{} is still running: wait for it, or press c to cancel it",
            m.describe_order(
                &m.busy
                    .as_ref()
                    .map(|b| b.order.clone())
                    .unwrap_or(Order::Probe)
            )
        ));
        return Vec::new();
    }
    if m.setup.target.embedded || m.write_confirmed || !writes(m, &order) {
        return dispatch(m, order);
    }
    let needs_name = looks_like_production(&m.setup.target, &m.setup.production_words);
    m.mode = Mode::Confirm(Confirm::Target {
        order,
        needs_name,
        typed: String::new(),
    });
    Vec::new()
}

/// Whether an order writes to the cluster. Entering a stage writes when it applies
/// manifests or runs steps (its own, or the leave steps of the stage applied before);
/// `preflight` only reads, so the question waits for the first stage that writes.
fn writes(m: &Model, order: &Order) -> bool {
    match order {
        Order::Enter(i) => {
            let stage = &m.track().stages[*i];
            let leaving = m
                .applied
                .is_some_and(|a| !m.track().stages[a].on_leave.is_empty());
            !stage.manifests.is_empty() || !stage.before.is_empty() || leaving
        }
        Order::Probe => false,
        Order::TryIt { .. }
        | Order::RewindTo(_)
        | Order::Teardown { .. }
        | Order::Drill(_)
        | Order::EndDrill => true,
    }
}

fn looks_like_production(target: &Target, words: &[String]) -> bool {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        target.check(true, false, &words),
        Err(crate::cluster::guard::Refusal::LooksLikeProduction { .. })
    )
}

/// Sends an order to the engine now (the target is confirmed or needs no confirmation).
pub fn dispatch(m: &mut Model, order: Order) -> Vec<Command> {
    if order != Order::Probe {
        m.busy = Some(Busy {
            order: order.clone(),
            since: m.now,
        });
        m.notice = None;
    }
    match &order {
        Order::Enter(i) => {
            reset_stage(m, *i);
            m.stages[*i].state = StageState::Applying;
            m.selected = *i;
        }
        Order::TryIt { stage, which } => {
            if let Some(t) = m.stages[*stage].tries.get_mut(*which) {
                *t = TryState::Running { since: m.now };
            }
        }
        Order::RewindTo(_)
        | Order::Teardown { .. }
        | Order::Probe
        | Order::Drill(_)
        | Order::EndDrill => {}
    }
    vec![Command::Engine(order)]
}

/// Stage `i` back to not run: its checks queued, its try-its, observations and
/// diagnoses forgotten.
pub fn reset_stage(m: &mut Model, i: usize) {
    let checks = m.track().stages[i]
        .checks
        .iter()
        .map(|c| CheckRow {
            text: c.condition.to_string(),
            state: CheckState::Queued,
        })
        .collect();
    let tries = m.stages[i].tries.len();
    m.stages[i] = StageProgress {
        state: StageState::Pending,
        checks,
        tries: vec![TryState::NotRun; tries],
        observations: Vec::new(),
        diagnoses: Vec::new(),
        failure: None,
    };
}

/// Leaves at once, saying what is left behind.
pub fn quit_now(m: &mut Model, why: &str) -> Vec<Command> {
    m.life = Life::Quitting(leaving_words(m, why));
    let mut out = Vec::new();
    if m.busy.is_some() {
        out.push(Command::CancelEngine);
    }
    out.push(Command::Quit);
    out
}

/// What quitting leaves behind, in words, for the line printed after the screen closes.
fn leaving_words(m: &Model, why: &str) -> String {
    let mut out = format!("kubetour: {why}.");
    if let Some(b) = &m.busy {
        out.push_str(&format!(
            " Stopped while {} was running; what it had written stays.",
            m.describe_order(&b.order)
        ));
    }
    let t = &m.setup.target;
    if t.embedded {
        out.push_str(
            " The embedded simulated cluster stops with kubetour: nothing is left running.",
        );
    } else if !m.wrote && m.busy.is_none() {
        out.push_str(&format!(
            " Nothing of kubetour's is left on context {} (namespace {}) by this session.",
            t.context, t.namespace
        ));
    } else {
        let applied = match m.applied {
            Some(i) => format!("stages through `{}` applied", m.track().stages[i].id),
            None => "what this session wrote".to_string(),
        };
        out.push_str(&format!(
            " Left on context {} (namespace {}): {applied}.",
            t.context, t.namespace
        ));
        if let Some(line) = &m.setup.teardown {
            out.push_str(&format!(" Remove it with `{line}`."));
        }
    }
    out
}
