//! `update(&mut Model, Msg) -> Vec<Command>`: the wizard's only state transition. It
//! never awaits and does no I/O; whatever should happen outside comes back as commands.

use std::sync::Arc;

use super::command::Command;
use super::input;
use super::model::{Busy, CheckState, LOG_KEEP, Life, Model, ObservationRow, StageState, TryState};
use super::msg::Msg;
use super::orders::{quit_now, reset_stage};
use crate::engine::events::EngineEvent;
use crate::engine::task::{Order, Outcome, Report};
use crate::view::ClusterView;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Tick(now) => {
            m.now = now;
            m.frame = m.frame.wrapping_add(1);
            Vec::new()
        }
        Msg::Clock(now) => {
            m.now = now;
            Vec::new()
        }
        Msg::Resized(w, h) => {
            m.size = (w, h);
            Vec::new()
        }
        Msg::Key(key) => input::key(m, key),
        Msg::Mouse(mouse) => input::mouse(m, mouse),
        Msg::Engine(event) => {
            engine_event(m, event);
            Vec::new()
        }
        Msg::Order(report) => order_report(m, report),
        Msg::Cluster(view) => watched(m, view),
        Msg::Emqx(answers) => {
            for (pod, answer) in answers {
                m.emqx.insert(pod, answer);
            }
            let pods = m.pod_names();
            m.emqx.retain(|p, _| pods.contains(p));
            super::delivery::membership_changed(m)
        }
        Msg::Delivery { matrix, ours } => super::delivery::arrived(m, *matrix, ours),
        Msg::LogLines { pod, lines } => {
            if m.log.pod.as_deref() == Some(pod.as_str()) {
                if m.log.back > 0 {
                    m.log.back += lines.len();
                }
                m.log.lines.extend(lines);
                while m.log.lines.len() > LOG_KEEP {
                    m.log.lines.pop_front();
                }
                m.log.back = m.log.back.min(m.log.lines.len());
            }
            Vec::new()
        }
        Msg::LogEnded { pod, why } => {
            if m.log.pod.as_deref() == Some(pod.as_str()) {
                m.log.lines.push_back(format!("── {why} ──"));
                m.log.following = false;
            }
            Vec::new()
        }
        Msg::Signal(name) => quit_now(m, &format!("{name} received")),
    }
}

fn engine_event(m: &mut Model, event: EngineEvent) {
    match event {
        EngineEvent::Preflight { findings } => m.findings = findings,
        EngineEvent::StageStarted { index, .. } => {
            if index < m.stages.len() {
                reset_stage(m, index);
                m.stages[index].state = StageState::Applying;
                m.selected = index;
            }
        }
        EngineEvent::Applied { stage, .. } => {
            m.wrote = true;
            if let Some(i) = m.stage_index(&stage) {
                // The cluster has this stage's manifests now, whether or not its
                // checks will pass (the sidebar's "applied:" says so).
                m.applied = Some(i);
                start_waiting(m, i);
            }
        }
        EngineEvent::CheckPassed {
            stage,
            check,
            observed,
            elapsed,
        } => {
            let Some(i) = m.stage_index(&stage) else {
                return;
            };
            start_waiting(m, i);
            let now = m.now;
            let rows = &mut m.stages[i].checks;
            if let Some(row) = rows
                .iter_mut()
                .find(|r| r.text == check && !matches!(r.state, CheckState::Passed { .. }))
            {
                row.state = CheckState::Passed { observed, elapsed };
            }
            if let Some(next) = rows.iter_mut().find(|r| r.state == CheckState::Queued) {
                next.state = CheckState::Waiting { since: now };
            }
        }
        EngineEvent::CheckFailed {
            stage,
            check,
            observed,
            diagnoses,
        } => {
            let Some(i) = m.stage_index(&stage) else {
                return;
            };
            let s = &mut m.stages[i];
            if let Some(row) = s.checks.iter_mut().find(|r| r.text == check) {
                row.state = CheckState::Failed {
                    observed: observed.clone(),
                };
            }
            s.state = StageState::Failed;
            s.failure = Some(format!("{check}: last observed {observed}"));
            for d in diagnoses {
                if !s.diagnoses.contains(&d) {
                    s.diagnoses.push(d);
                }
            }
        }
        EngineEvent::StageNotVerified { stage, check, why } => {
            let Some(i) = m.stage_index(&stage) else {
                return;
            };
            let s = &mut m.stages[i];
            if let Some(row) = s.checks.iter_mut().find(|r| r.text == check) {
                row.state = CheckState::NotVerified { why: why.clone() };
            }
            s.state = StageState::NotVerified;
            // The row says why; this line says what it means for the stage.
            s.failure = Some(format!(
                "applied, not verified: nothing on this cluster could check `{check}`"
            ));
        }
        EngineEvent::Observation {
            stage,
            id,
            text,
            sighting,
            evidence,
        } => {
            if let Some(i) = m.stage_index(&stage) {
                let row = ObservationRow {
                    id,
                    text,
                    sighting,
                    evidence,
                };
                // Told again (a second try-it, a re-apply): the latest telling stands.
                let obs = &mut m.stages[i].observations;
                match obs.iter_mut().find(|o| o.id == row.id) {
                    Some(old) => *old = row,
                    None => obs.push(row),
                }
            }
        }
        EngineEvent::Diagnosed { stage, diagnosis } => {
            if let Some(i) = m.stage_index(&stage) {
                let ds = &mut m.stages[i].diagnoses;
                if !ds.contains(&diagnosis) {
                    ds.push(diagnosis);
                }
            }
        }
        EngineEvent::TryIt {
            stage,
            ok,
            observed,
            ..
        } => {
            if let Some(i) = m.stage_index(&stage) {
                let running = match &m.busy {
                    Some(Busy {
                        order: Order::TryIt { stage: s, which },
                        ..
                    }) if *s == i => Some(*which),
                    _ => m.stages[i]
                        .tries
                        .iter()
                        .position(|t| !matches!(t, TryState::Held(_) | TryState::Broke(_))),
                };
                if let Some(t) = running.and_then(|w| m.stages[i].tries.get_mut(w)) {
                    *t = if ok {
                        TryState::Held(observed)
                    } else {
                        TryState::Broke(observed)
                    };
                }
            }
        }
        EngineEvent::StageDone { id, .. } => {
            if let Some(i) = m.stage_index(&id) {
                m.stages[i].state = StageState::Passed;
                m.applied = Some(i);
            }
        }
        EngineEvent::StepDone { .. }
        | EngineEvent::Deleted { .. }
        | EngineEvent::Finished { .. } => {}
    }
}

/// The stage's apply is done: its first unpassed check becomes the one waited for.
fn start_waiting(m: &mut Model, i: usize) {
    let now = m.now;
    let s = &mut m.stages[i];
    if s.state == StageState::Applying {
        s.state = StageState::Waiting;
        if let Some(first) = s.checks.iter_mut().find(|r| r.state == CheckState::Queued) {
            first.state = CheckState::Waiting { since: now };
        }
    }
}

fn order_report(m: &mut Model, report: Report) -> Vec<Command> {
    match report {
        Report::Began(order) => {
            if order != Order::Probe && m.busy.as_ref().is_none_or(|b| b.order != order) {
                m.busy = Some(Busy {
                    order,
                    since: m.now,
                });
            }
            Vec::new()
        }
        Report::Ended { order, outcome } => ended(m, order, outcome),
    }
}

fn ended(m: &mut Model, order: Order, outcome: Outcome) -> Vec<Command> {
    if order == Order::Probe {
        m.probing = false;
        return probe_if_changed(m);
    }
    if m.busy.as_ref().is_some_and(|b| b.order == order) {
        m.busy = None;
    }
    let mut out = Vec::new();
    match (&order, &outcome) {
        (Order::Enter(i), Outcome::Done) => {
            if m.stages[*i].state != StageState::Passed {
                m.stages[*i].state = StageState::Passed;
            }
            m.applied = Some(*i);
            out.extend(super::autopilot::after_stage(m, *i));
        }
        (Order::TryIt { stage, which }, Outcome::Done) => {
            if let Some(TryState::Held(observed)) = m.stages[*stage].tries.get(*which) {
                m.notice = Some(format!("try-it held: {observed}"));
            }
            out.extend(super::autopilot::after_try_it(m, *stage, *which));
        }
        (Order::RewindTo(i), Outcome::Done) => {
            for later in *i + 1..m.stages.len() {
                reset_stage(m, later);
            }
            m.stages[*i].state = StageState::Passed;
            m.applied = Some(*i);
            m.selected = *i;
            m.notice = Some(format!(
                "rewound to stage `{}`: later stages' objects are gone",
                m.track().stages[*i].id
            ));
        }
        (Order::Teardown { delete_claims }, Outcome::Done) => {
            for i in 0..m.stages.len() {
                reset_stage(m, i);
            }
            m.applied = None;
            m.wrote = false;
            m.selected = 0;
            m.notice = Some(if *delete_claims {
                "teardown done: everything kubetour created is gone, claims included".into()
            } else {
                "teardown done: kubetour's objects are gone; the PersistentVolumeClaims (EMQX's data) were kept".into()
            });
        }
        (_, Outcome::Failed(why)) => {
            if let Some(i) = super::model::order_stage(&order) {
                let s = &mut m.stages[i];
                match &order {
                    Order::TryIt { which, .. } => {
                        if let Some(t @ TryState::Running { .. }) = s.tries.get_mut(*which) {
                            *t = TryState::Broke(why.clone());
                        }
                    }
                    // Applied, not verified is its own end, not a failure.
                    _ if s.state == StageState::NotVerified => {}
                    _ => {
                        s.state = StageState::Failed;
                        if s.failure.is_none() {
                            s.failure = Some(why.clone());
                        }
                    }
                }
            }
            m.autopilot.on = false;
            let not_verified = super::model::order_stage(&order)
                .is_some_and(|i| m.stages[i].state == StageState::NotVerified);
            m.notice = Some(if not_verified {
                why.clone()
            } else {
                failed_notice(m, &order, why)
            });
        }
        (_, Outcome::Cancelled) => {
            if let Some(i) = super::model::order_stage(&order) {
                let s = &mut m.stages[i];
                match &order {
                    Order::TryIt { which, .. } => {
                        if let Some(t) = s.tries.get_mut(*which) {
                            *t = TryState::NotRun;
                        }
                    }
                    _ if s.state != StageState::Passed => s.state = StageState::Pending,
                    _ => {}
                }
            }
            m.autopilot.on = false;
            m.notice = Some(format!(
                "{} cancelled; what it had written stays in the cluster",
                m.describe_order(&order)
            ));
        }
        (Order::Drill(name), Outcome::Done) => {
            m.drill = Some(super::model::RunningDrill { name, since: m.now });
            m.notice = None;
        }
        (Order::EndDrill, Outcome::Done) => {
            if let Some(d) = m.drill.take() {
                let secs = m.now.duration_since(d.since).as_secs().max(0);
                m.notice = Some(format!(
                    "drill `{}` ended after {}m{:02}s and undone: its diagnosis is pinned; the pods roll back",
                    d.name,
                    secs / 60,
                    secs % 60
                ));
            }
        }
        (Order::Probe, _) => {}
    }
    out.extend(probe_if_changed(m));
    out
}

/// One short line for the status bar: which order failed, and at which check; the
/// whole story (what was observed, the hint) is in the checks panel, which wraps. The
/// error's own `stage `x`: ` is not said twice.
fn failed_notice(m: &Model, order: &Order, why: &str) -> String {
    let what = m.describe_order(order);
    let failed_check = super::model::order_stage(order).and_then(|i| {
        m.stages[i]
            .checks
            .iter()
            .position(|c| matches!(c.state, CheckState::Failed { .. }))
            .map(|at| (at, m.stages[i].checks.len()))
    });
    match failed_check {
        Some((at, of)) => format!(
            "{what} failed at check {} of {of}: the checks panel says why",
            at + 1
        ),
        None => {
            let why = why.strip_prefix(&format!("{what}: ")).unwrap_or(why);
            format!("{what} failed: {why}")
        }
    }
}

/// Asks EMQX for membership when pods changed and nothing else is asking it.
fn probe_if_changed(m: &mut Model) -> Vec<Command> {
    if m.pods_changed && !m.probing && m.busy.is_none() && m.life == Life::Running {
        m.pods_changed = false;
        m.probing = true;
        return vec![Command::Engine(Order::Probe)];
    }
    Vec::new()
}

/// The engine's view after a batch of changes: shown as it is; when its pods moved, the
/// selection and the log follow them and EMQX is asked again.
fn watched(m: &mut Model, view: Arc<ClusterView>) -> Vec<Command> {
    let pods = view.pod_changes != m.view.pod_changes;
    m.view = view;
    let mut out = Vec::new();
    if pods {
        m.pods_changed = true;
        let names = m.pod_names();
        m.emqx.retain(|p, _| names.contains(p));
        let keep = m.pod_cursor.as_ref().is_some_and(|p| names.contains(p));
        if !keep {
            m.pod_cursor = names.first().cloned();
        }
        out.extend(input::follow_selected(m));
        out.extend(probe_if_changed(m));
    }
    out
}
