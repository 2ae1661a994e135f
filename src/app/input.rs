//! Keys and the mouse, turned into model changes and orders through the one key table
//! (`ui::keys`). Writes to a cluster kubetour did not start pass the on-screen guard.

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use super::command::Command;
use super::model::{Confirm, Life, ManifestMode, Mode, Model, Panel, StageState, Tab, TryState};
use super::orders::{dispatch, quit_now, request};
use crate::engine::task::Order;
use crate::track::Lang;
use crate::ui::keys::{Action, Scope, action_for};
use crate::ui::layout::{Hit, Layout};

pub fn key(m: &mut Model, key: KeyEvent) -> Vec<Command> {
    if m.life != Life::Running {
        return Vec::new();
    }
    // Typing a production context's name: every character is text, not a command;
    // only the TypeName keys act (ctrl-c still quits).
    if let Mode::Confirm(Confirm::Target {
        needs_name: true,
        typed,
        order,
    }) = &mut m.mode
    {
        match (action_for(Scope::TypeName, key), key.code) {
            (Some(Action::Quit), _) => return quit_now(m, "quit"),
            (Some(Action::Yes), _) if *typed == m.setup.target.context => {
                let order = order.clone();
                m.mode = Mode::Normal;
                m.write_confirmed = true;
                m.notice = None;
                return dispatch(m, order);
            }
            (Some(Action::Yes), _) => {
                m.notice = Some(format!(
                    "`{typed}` is not the context's name: type `{}` exactly, or esc to write nothing",
                    m.setup.target.context
                ));
            }
            (Some(Action::No), _) => declined(m),
            (_, KeyCode::Char(c)) => typed.push(c),
            (_, KeyCode::Backspace) => {
                typed.pop();
            }
            _ => {}
        }
        return Vec::new();
    }
    match action_for(Scope::of(&m.mode), key) {
        Some(action) => act(m, action),
        None => Vec::new(),
    }
}

fn act(m: &mut Model, action: Action) -> Vec<Command> {
    let last = m.stages.len().saturating_sub(1);
    match action {
        Action::Quit => {
            if m.busy.is_some() && !matches!(m.mode, Mode::Confirm(Confirm::QuitBusy)) {
                m.mode = Mode::Confirm(Confirm::QuitBusy);
                return Vec::new();
            }
            return quit_now(m, "quit");
        }
        Action::Yes => return answer(m, true),
        Action::No => return answer(m, false),
        Action::Help => {
            m.mode = match m.mode {
                Mode::Help => Mode::Normal,
                _ => Mode::Help,
            };
        }
        Action::NextStage => {
            if m.autopilot.waiting {
                m.autopilot.waiting = false;
                let next = (m.applied.unwrap_or(0) + 1).min(last);
                return request(m, Order::Enter(next));
            }
            select_stage(m, (m.selected + 1).min(last));
        }
        Action::PrevStage => select_stage(m, m.selected.saturating_sub(1)),
        Action::Apply => return request(m, Order::Enter(m.selected)),
        Action::TryIt => return try_it(m),
        Action::Skip => {
            if m.busy.is_none() {
                m.stages[m.selected].state = StageState::Skipped;
                select_stage(m, (m.selected + 1).min(last));
            }
        }
        Action::Rewind => match m.applied {
            Some(applied) if m.selected <= applied => {
                return request(m, Order::RewindTo(m.selected));
            }
            _ => {
                m.notice = Some(
                    "rewind goes back to a stage already applied: select one up to the last applied".into(),
                );
            }
        },
        Action::Teardown => {
            if m.busy.is_some() {
                return request(
                    m,
                    Order::Teardown {
                        delete_claims: false,
                    },
                );
            }
            m.mode = Mode::Confirm(Confirm::Teardown { claims: false });
        }
        Action::Cancel => {
            if m.busy.is_some() {
                return vec![Command::CancelEngine];
            }
        }
        Action::ToggleManifest => {
            m.manifest = match m.manifest {
                ManifestMode::Yaml => ManifestMode::Diff,
                ManifestMode::Diff => ManifestMode::Yaml,
            };
        }
        Action::FocusNext => {
            let i = Panel::ALL.iter().position(|p| *p == m.focus).unwrap_or(0);
            m.focus = Panel::ALL[(i + 1) % Panel::ALL.len()];
        }
        Action::NextTab => {
            let i = Tab::ALL.iter().position(|t| *t == m.tab).unwrap_or(0);
            m.tab = Tab::ALL[(i + 1) % Tab::ALL.len()];
        }
        Action::PodDown | Action::PodUp => {
            let down = action == Action::PodDown;
            if m.focus == Panel::Stages {
                let to = if down {
                    (m.selected + 1).min(last)
                } else {
                    m.selected.saturating_sub(1)
                };
                select_stage(m, to);
            } else {
                return move_pod(m, down);
            }
        }
        Action::ScrollUp => scroll(m, true),
        Action::ScrollDown => scroll(m, false),
        Action::FollowLog => m.log.back = 0,
        Action::ProbeDelivery => return super::delivery::asked(m),
        Action::Drill => return drill(m),
        Action::Lang => {
            m.lang = match m.lang {
                Lang::En => Lang::Zh,
                Lang::Zh => Lang::En,
            };
        }
    }
    Vec::new()
}

fn select_stage(m: &mut Model, i: usize) {
    if m.selected != i {
        m.selected = i;
        m.lesson_scroll = 0;
        m.manifest_scroll = 0;
    }
}

fn try_it(m: &mut Model) -> Vec<Command> {
    let i = m.selected;
    let s = &m.stages[i];
    if s.tries.is_empty() {
        m.notice = Some("this stage has no try-it".into());
        return Vec::new();
    }
    if s.state != StageState::Passed {
        m.notice =
            Some("apply the stage first: its try-it needs the stage's checks to pass".into());
        return Vec::new();
    }
    let which = s
        .tries
        .iter()
        .position(|t| *t == TryState::NotRun)
        .unwrap_or(0);
    request(m, Order::TryIt { stage: i, which })
}

fn answer(m: &mut Model, yes: bool) -> Vec<Command> {
    let Mode::Confirm(question) = std::mem::replace(&mut m.mode, Mode::Normal) else {
        return Vec::new();
    };
    match (question, yes) {
        (
            Confirm::Target {
                order,
                needs_name: false,
                ..
            },
            true,
        ) => {
            m.write_confirmed = true;
            dispatch(m, order)
        }
        (Confirm::Teardown { claims: false }, true) => {
            // The second question: the claims hold EMQX's data.
            if m.view.claims.is_empty() {
                return request(
                    m,
                    Order::Teardown {
                        delete_claims: false,
                    },
                );
            }
            m.mode = Mode::Confirm(Confirm::Teardown { claims: true });
            Vec::new()
        }
        (Confirm::Teardown { claims: true }, yes) => {
            request(m, Order::Teardown { delete_claims: yes })
        }
        (Confirm::QuitBusy, true) => quit_now(m, "quit"),
        (Confirm::Target { .. }, false) => {
            declined(m);
            Vec::new()
        }
        (_, _) => Vec::new(),
    }
}

/// No to the first write: say that nothing was written, and stop autopilot (it cannot
/// go on without writing), so its label goes too.
fn declined(m: &mut Model) {
    m.mode = Mode::Normal;
    let stopped = std::mem::take(&mut m.autopilot.on);
    m.notice = Some(format!(
        "nothing was written to context {}{}",
        m.setup.target.context,
        if stopped { "; autopilot stopped" } else { "" }
    ));
}

fn move_pod(m: &mut Model, down: bool) -> Vec<Command> {
    let names = m.pod_names();
    if names.is_empty() {
        return Vec::new();
    }
    let at = m
        .pod_cursor
        .as_ref()
        .and_then(|p| names.iter().position(|n| n == p));
    let to = match (at, down) {
        (None, _) => 0,
        (Some(i), true) => (i + 1).min(names.len() - 1),
        (Some(i), false) => i.saturating_sub(1),
    };
    m.pod_cursor = Some(names[to].clone());
    follow_selected(m)
}

/// Follows the selected pod's log once it has one; a pod still being created is
/// followed when its container starts (see `update::watched`).
pub fn follow_selected(m: &mut Model) -> Vec<Command> {
    if m.log.pod == m.pod_cursor && (m.log.following || m.pod_cursor.is_none()) {
        return Vec::new();
    }
    let changed = m.log.pod != m.pod_cursor;
    m.log.pod = m.pod_cursor.clone();
    if changed {
        m.log.lines.clear();
        m.log.back = 0;
    }
    match m.pod_cursor.clone() {
        Some(pod) if m.has_log(&pod) => {
            if !changed {
                // A new run of the container: its log starts afresh.
                m.log.lines.clear();
                m.log.back = 0;
            }
            m.log.following = true;
            vec![Command::FollowLog(Some(pod))]
        }
        _ => {
            let was = std::mem::replace(&mut m.log.following, false);
            if was {
                vec![Command::FollowLog(None)]
            } else {
                Vec::new()
            }
        }
    }
}

fn scroll(m: &mut Model, up: bool) {
    match m.focus {
        Panel::Log | Panel::Pods => {
            m.log.back = if up {
                (m.log.back + 5).min(m.log.lines.len())
            } else {
                m.log.back.saturating_sub(5)
            };
        }
        Panel::Manifest => {
            m.manifest_scroll = if up {
                m.manifest_scroll.saturating_sub(5)
            } else {
                m.manifest_scroll.saturating_add(5)
            };
        }
        Panel::Lesson | Panel::Stages => {
            m.lesson_scroll = if up {
                m.lesson_scroll.saturating_sub(5)
            } else {
                m.lesson_scroll.saturating_add(5)
            };
        }
    }
}

pub fn mouse(m: &mut Model, ev: MouseEvent) -> Vec<Command> {
    if m.mode != Mode::Normal || m.life != Life::Running {
        return Vec::new();
    }
    let layout = Layout::new(m.size, m);
    let hit = layout.hit(ev.column, ev.row, m);
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => match hit {
            Some(Hit::Stage(i)) => {
                m.focus = Panel::Stages;
                select_stage(m, i);
            }
            Some(Hit::Pod(name)) => {
                m.focus = Panel::Pods;
                m.pod_cursor = Some(name);
                return follow_selected(m);
            }
            Some(Hit::Panel(p)) => m.focus = p,
            Some(Hit::Tab(t)) => m.tab = t,
            None => {}
        },
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let up = ev.kind == MouseEventKind::ScrollUp;
            match hit {
                Some(Hit::Panel(Panel::Log)) => {
                    m.log.back = if up {
                        (m.log.back + 3).min(m.log.lines.len())
                    } else {
                        m.log.back.saturating_sub(3)
                    };
                }
                Some(Hit::Panel(Panel::Manifest)) => {
                    m.manifest_scroll = if up {
                        m.manifest_scroll.saturating_sub(3)
                    } else {
                        m.manifest_scroll.saturating_add(3)
                    };
                }
                Some(Hit::Panel(Panel::Lesson)) => {
                    m.lesson_scroll = if up {
                        m.lesson_scroll.saturating_sub(3)
                    } else {
                        m.lesson_scroll.saturating_add(3)
                    };
                }
                _ => {}
            }
        }
        _ => {}
    }
    Vec::new()
}

/// `x`: the next drill of the list on the current state, or, while one runs, its
/// diagnosis and undo. A drill needs EMQX running in a workload: after `rbac` or later.
fn drill(m: &mut Model) -> Vec<Command> {
    use crate::engine::drill::DRILLS;
    if m.drill.is_some() {
        return request(m, Order::EndDrill);
    }
    let rbac = m.stage_index("rbac");
    if m.applied.is_none_or(|a| rbac.is_some_and(|r| a < r)) {
        m.notice =
            Some("a drill breaks a running cluster: apply the stages through `rbac` first".into());
        return Vec::new();
    }
    let chosen = DRILLS[m.drills_started % DRILLS.len()];
    m.drills_started += 1;
    request(m, Order::Drill(chosen.name))
}
