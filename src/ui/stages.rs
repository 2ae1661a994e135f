//! The stage list: each stage with its state, the one in focus highlighted; below it
//! the target again and what the cluster has applied. On small screens, a one-line strip.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::{fit, spinner};
use super::theme::Theme;
use super::{focused, panel, shown};
use crate::app::model::{Model, Panel, StageState, Tab};

/// The mark and style of a stage state.
pub fn mark(state: StageState, frame: u64, theme: &Theme) -> (String, ratatui::style::Style) {
    match state {
        StageState::Pending => ("·".into(), theme.dim),
        StageState::Applying | StageState::Waiting => (spinner(frame).into(), theme.busy),
        StageState::Passed => ("✓".into(), theme.ok),
        StageState::Failed => ("✗".into(), theme.bad),
        // Applied, but nothing on this cluster could say whether it worked.
        StageState::NotVerified => ("?".into(), theme.warn),
        StageState::Skipped => ("»".into(), theme.dim),
    }
}

pub fn state_word(state: StageState) -> &'static str {
    match state {
        StageState::Pending => "pending",
        StageState::Applying => "applying",
        StageState::Waiting => "waiting",
        StageState::Passed => "passed",
        StageState::Failed => "failed",
        StageState::NotVerified => "applied, not verified",
        StageState::Skipped => "skipped",
    }
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let inner_w = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, stage) in m.track().stages.iter().enumerate() {
        let state = m.stages[i].state;
        let (mark, style) = mark(state, m.frame, theme);
        let text = fit(&format!("{i} {}", stage.id), inner_w.saturating_sub(2));
        let row_style = if i == m.selected {
            theme.selected
        } else {
            theme.text
        };
        let mut spans = vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(text, row_style),
        ];
        if i == m.selected {
            let used = 2 + spans[1].content.chars().count();
            spans.push(Span::styled(
                " ".repeat(inner_w.saturating_sub(used)),
                theme.selected,
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    let t = &m.setup.target;
    lines.push(Line::styled("target", theme.title));
    if t.embedded {
        lines.push(Line::styled(fit("SIMULATED cluster", inner_w), theme.warn));
        lines.push(Line::styled(fit("stops on quit", inner_w), theme.dim));
    } else {
        lines.push(Line::styled(fit(&t.context, inner_w), theme.warn));
        lines.push(Line::styled(fit(&t.server, inner_w), theme.dim));
    }
    lines.push(Line::styled(
        fit(&format!("ns {}", t.namespace), inner_w),
        theme.dim,
    ));
    let applied = match m.applied {
        Some(i) if m.stages[i].state == StageState::Failed => {
            format!("applied: {} (failed)", m.track().stages[i].id)
        }
        Some(i) => format!("applied: {}", m.track().stages[i].id),
        None => "applied: nothing yet".into(),
    };
    // The sidebar is narrow: a line too long for it breaks after `applied:` rather than
    // losing the end of the stage's name (or the "(failed)").
    match applied.split_once(": ") {
        Some((word, what)) if applied.width() > inner_w => {
            lines.push(Line::styled(format!("{word}:"), theme.dim));
            lines.push(Line::styled(fit(&format!(" {what}"), inner_w), theme.dim));
        }
        _ => lines.push(Line::styled(fit(&applied, inner_w), theme.dim)),
    }
    if m.autopilot.on {
        let word = if m.autopilot.waiting {
            "autopilot (paused)"
        } else {
            "autopilot"
        };
        lines.push(Line::styled(fit(word, inner_w), theme.accent));
    }
    let block = panel(" Stages ", focused(m, Panel::Stages), theme);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A tab's label in the strip (the mouse finds tabs by these widths).
pub fn tab_label(tab: Tab) -> &'static str {
    match tab {
        Tab::Lesson => " 1 Lesson ",
        Tab::Manifest => " 2 YAML ",
        Tab::Live => " 3 Live ",
        Tab::Log => " 4 Log ",
    }
}

/// Small screens: the tabs and the stage in focus, on one line.
pub fn strip(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let mut spans = Vec::new();
    for tab in Tab::ALL {
        let style = if tab == m.tab {
            theme.selected
        } else {
            theme.dim
        };
        spans.push(Span::styled(tab_label(tab), style));
    }
    let i = m.selected;
    let (mark, style) = mark(m.stages[i].state, m.frame, theme);
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(used + 3);
    spans.push(Span::raw(" "));
    spans.push(Span::styled(format!("{mark} "), style));
    spans.push(Span::styled(
        fit(
            &format!("{}/{} {}", i, m.stages.len() - 1, m.track().stages[i].id),
            room,
        ),
        theme.text,
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
