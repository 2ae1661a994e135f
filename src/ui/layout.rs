//! Where each panel goes for a screen size — a pure function of the size and the model,
//! used by `draw` to place panels and by `update` to know what a click hit.
//!
//! Wide screens (≥ 100×30) show everything side by side; smaller ones show one tab at a
//! time (lesson, manifest, live, log) under a one-line stage strip.

use ratatui::layout::{Constraint, Direction, Layout as Split, Rect};

use crate::app::model::{Model, Panel, Tab};

/// The smallest screen that gets the side-by-side layout.
pub const WIDE: (u16, u16) = (100, 30);

/// Rectangles of the screen's parts; empty (zero-sized) when not shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    pub header: Rect,
    pub tabs: Rect,
    pub stages: Rect,
    pub lesson: Rect,
    pub manifest: Rect,
    pub checks: Rect,
    pub pods: Rect,
    pub objects: Rect,
    pub emqx: Rect,
    /// The delivery matrix (empty until a round ran): it shares the EMQX area with
    /// membership, below it or beside it.
    pub delivery: Rect,
    pub events: Rect,
    pub log: Rect,
    pub status: Rect,
    pub footer: Rect,
    pub wide: bool,
}

/// What a mouse position points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    Stage(usize),
    Pod(String),
    Panel(Panel),
    Tab(Tab),
}

fn rows(area: Rect, constraints: &[Constraint]) -> Vec<Rect> {
    Split::default()
        .direction(Direction::Vertical)
        .constraints(constraints.to_vec())
        .split(area)
        .to_vec()
}

fn cols(area: Rect, constraints: &[Constraint]) -> Vec<Rect> {
    Split::default()
        .direction(Direction::Horizontal)
        .constraints(constraints.to_vec())
        .split(area)
        .to_vec()
}

impl Layout {
    pub fn new((w, h): (u16, u16), m: &Model) -> Layout {
        let screen = Rect::new(0, 0, w, h);
        let wide = w >= WIDE.0 && h >= WIDE.1;
        // Two header lines everywhere: the second is the `export KUBECONFIG=` line.
        let header_h = 2;
        let outer = rows(
            screen,
            &[
                Constraint::Length(header_h),
                Constraint::Min(3),
                Constraint::Length(1),
                Constraint::Length(1),
            ],
        );
        let mut l = Layout {
            header: outer[0],
            status: outer[2],
            footer: outer[3],
            wide,
            ..Layout::default()
        };
        let body = outer[1];
        if wide {
            l.wide_body(body, m);
        } else {
            l.narrow_body(body, m);
        }
        l
    }

    fn wide_body(&mut self, body: Rect, m: &Model) {
        // Events and log take a quarter of the height once there is something in them;
        // before that they shrink to a line each and the lesson gets the rows.
        let quarter = (body.height / 4).clamp(7, 16);
        let bottom_h = if quiet_bottom(m) { 3 } else { quarter };
        let split = rows(body, &[Constraint::Min(10), Constraint::Length(bottom_h)]);
        let stages_w = if body.width >= 160 { 26 } else { 21 };
        // The live side is narrow while nothing runs: its width goes to the lesson.
        let share = if m.view.pods.is_empty() { 30 } else { 46 };
        let right_w = (body.width.saturating_sub(stages_w) * share / 100).max(32);
        let c = cols(
            split[0],
            &[
                Constraint::Length(stages_w),
                Constraint::Min(30),
                Constraint::Length(right_w),
            ],
        );
        self.stages = c[0];
        self.centre(c[1], m);
        let pods_h = (m.view.pods.len() as u16 + 3).clamp(4, c[2].height / 2);
        // Membership and the delivery matrix (once a round ran) share the area under the
        // objects: the matrix lives here rather than beside the log, which it squeezed
        // to a few unreadable columns on a 120-column screen. With no room left for it,
        // its count goes on membership's bottom border.
        let membership_h = emqx_lines(m) + 2;
        // The objects come before the matrix: at `persistence` the claims are the lesson.
        let emqx_h = membership_h.clamp(4, (c[2].height / 3).max(4));
        // Objects take what they list; membership and the matrix, below, take the rest.
        let objects_h = crate::ui::objects::wanted(m, c[2].width)
            .min(c[2].height.saturating_sub(pods_h + emqx_h))
            .max(3);
        let r = rows(
            c[2],
            &[
                Constraint::Length(pods_h),
                Constraint::Length(objects_h),
                Constraint::Min(emqx_h),
            ],
        );
        self.pods = r[0];
        self.objects = r[1];
        (self.emqx, self.delivery) = crate::ui::delivery::split(r[2], m, membership_h);
        let b = cols(split[1], &[Constraint::Percentage(50), Constraint::Min(10)]);
        self.events = b[0];
        self.log = b[1];
    }

    /// Lesson, manifest and checklist share the centre by content and by moment: before
    /// the stage is applied the lesson takes what it needs and the change gets the rest
    /// (the checklist is a short list of what will be checked); once it runs, the
    /// checklist — what a waiting learner watches — takes its room first.
    fn centre(&mut self, area: Rect, m: &Model) {
        let h = area.height;
        let checks_want = checklist_lines(m, area.width) + 2;
        let lesson_want = crate::ui::lesson::wanted(m, area.width);
        let manifest_want = crate::ui::manifest::wanted(m);
        let (lesson_h, checks_h) = if before_apply(m) {
            let checks_h = checks_want.clamp(3, (h / 4).max(3));
            let rest = h.saturating_sub(checks_h);
            // The change keeps at least a few rows (or all it has, if fewer).
            let manifest_min = manifest_want.min(8);
            let lesson_h = lesson_want
                .min(rest.saturating_sub(manifest_min))
                .max(rest / 3);
            (lesson_h, checks_h)
        } else {
            let checks_h = checks_want.clamp(4, h.saturating_sub(12).max(4));
            let rest = h.saturating_sub(checks_h);
            let lesson_h = lesson_want.min(rest * 55 / 100).max(rest / 3);
            (lesson_h, checks_h)
        };
        // What the manifest does not use goes back to the lesson.
        let spare = h
            .saturating_sub(lesson_h + checks_h)
            .saturating_sub(manifest_want);
        let lesson_h = (lesson_h + spare).min(lesson_want.max(lesson_h));
        let r = rows(
            area,
            &[
                Constraint::Length(lesson_h),
                Constraint::Min(3),
                Constraint::Length(checks_h),
            ],
        );
        self.lesson = r[0];
        self.manifest = r[1];
        self.checks = r[2];
    }

    fn narrow_body(&mut self, body: Rect, m: &Model) {
        let r = rows(body, &[Constraint::Length(1), Constraint::Min(2)]);
        self.tabs = r[0];
        let area = r[1];
        match m.tab {
            Tab::Lesson => {
                let most = area.height.saturating_sub(6).max(3);
                let checks_h = (checklist_lines(m, area.width) + 2).clamp(3, most);
                let s = rows(area, &[Constraint::Min(3), Constraint::Length(checks_h)]);
                self.lesson = s[0];
                self.checks = s[1];
            }
            Tab::Manifest => self.manifest = area,
            Tab::Live => {
                let pods_h = (m.view.pods.len() as u16 + 3).clamp(4, area.height / 2);
                // Membership and the matrix come before the objects, which keep a line.
                let membership_h = emqx_lines(m) + 2;
                let rest = area.height.saturating_sub(pods_h);
                let emqx_h = crate::ui::delivery::rows_with_membership(m, area.width, membership_h)
                    .clamp(3, rest.saturating_sub(3).max(3));
                // The objects take what they list; what they leave goes back above (an
                // empty list shrinks to its one line).
                let objects_h = crate::ui::objects::wanted(m, area.width)
                    .clamp(3, rest.saturating_sub(emqx_h).max(3));
                let emqx_h = rest.saturating_sub(objects_h).max(emqx_h);
                let s = rows(
                    area,
                    &[
                        Constraint::Length(pods_h),
                        Constraint::Length(emqx_h),
                        Constraint::Min(2),
                    ],
                );
                self.pods = s[0];
                (self.emqx, self.delivery) = crate::ui::delivery::split(s[1], m, membership_h);
                self.objects = s[2];
            }
            Tab::Log => {
                let s = rows(area, &[Constraint::Percentage(50), Constraint::Min(3)]);
                self.events = s[0];
                self.log = s[1];
            }
        }
    }

    /// What is under the cell (x, y).
    pub fn hit(&self, x: u16, y: u16, m: &Model) -> Option<Hit> {
        let inside = |r: Rect| {
            r.width > 0 && x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
        };
        if inside(self.tabs) {
            // The strip writes " 1 Lesson ", " 2 Live ", " 3 Log " from its left edge.
            let mut left = self.tabs.x;
            for tab in Tab::ALL {
                let w = crate::ui::stages::tab_label(tab).chars().count() as u16;
                if x < left + w {
                    return Some(Hit::Tab(tab));
                }
                left += w;
            }
            return None;
        }
        if inside(self.stages) {
            // One line per stage inside the border.
            let row = y.checked_sub(self.stages.y + 1)? as usize;
            return if row < m.stages.len() {
                Some(Hit::Stage(row))
            } else {
                Some(Hit::Panel(Panel::Stages))
            };
        }
        if inside(self.pods) {
            // Border, then the header row.
            let row = y.checked_sub(self.pods.y + 2).map(usize::from);
            let first =
                super::pods::first_shown(m, usize::from(self.pods.height.saturating_sub(3)));
            return match row.and_then(|r| m.pod_names().get(first + r).cloned()) {
                Some(name) => Some(Hit::Pod(name)),
                None => Some(Hit::Panel(Panel::Pods)),
            };
        }
        if inside(self.log) || inside(self.events) {
            return Some(Hit::Panel(Panel::Log));
        }
        if inside(self.manifest) {
            return Some(Hit::Panel(Panel::Manifest));
        }
        if inside(self.lesson) || inside(self.checks) {
            return Some(Hit::Panel(Panel::Lesson));
        }
        None
    }
}

/// Whether the stage in focus is yet to be applied (nothing running): the lesson's moment.
fn before_apply(m: &Model) -> bool {
    m.busy.is_none() && m.stages[m.selected].state == crate::app::progress::StageState::Pending
}

/// Whether events and log have nothing to show yet.
fn quiet_bottom(m: &Model) -> bool {
    m.view.events.is_empty() && m.log.lines.is_empty() && m.pinned_diagnosis().is_none()
}

/// Lines the checklist wants at `width` cells: checks with what they observed,
/// try-its, observations and the failure, each wrapped.
pub fn checklist_lines(m: &Model, width: u16) -> u16 {
    use unicode_width::UnicodeWidthStr;
    let inner = usize::from(width.saturating_sub(2)).max(10);
    let wrapped = |text_width: usize| text_width.div_ceil(inner).max(1);
    let s = &m.stages[m.selected];
    let stage = &m.track().stages[m.selected];
    let mut n = 0;
    for c in &s.checks {
        // Only a failed check wraps; the others are cut to one line.
        n += match &c.state {
            crate::app::model::CheckState::Failed { observed }
            | crate::app::model::CheckState::NotVerified { why: observed } => {
                wrapped(c.text.width() + observed.width() + 20)
            }
            _ => 1,
        };
    }
    for t in &stage.try_it {
        n += wrapped(t.title.get(m.lang).width() + 12);
    }
    for o in &s.observations {
        n += wrapped(o.text.width() + 8);
        if !o.evidence.is_empty() {
            n += wrapped(o.evidence.width() + 20).min(super::checks::EVIDENCE_LINES);
        }
    }
    if s.failure.is_some() {
        let why = s
            .diagnoses
            .last()
            .map_or(60, |d| d.explanation.width() + 30);
        n += wrapped(why);
    }
    n as u16
}

/// Lines the membership view wants: a line per cluster and per node, and the stopped
/// section.
pub fn emqx_lines(m: &Model) -> u16 {
    let ms = crate::ui::membership::membership(m);
    let nodes: usize = ms.clusters.iter().map(|c| c.len() + 1).sum();
    let stopped = if ms.stopped.is_empty() {
        0
    } else {
        ms.stopped.len() + 1
    };
    (nodes + stopped).max(1) as u16
}
