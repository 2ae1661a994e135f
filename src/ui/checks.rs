//! The stage's checklist: a spinner and the elapsed time while waiting, the observed value
//! once passed, the failing condition with the hint and the stage that fixes it when
//! failed; then the try-its' results and the observations, as each became true.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::text::{clock, fit, fit_spans, spinner, wrapped_rows};
use super::theme::Theme;
use super::{panel, shown};
use crate::app::model::{CheckState, Model, ObservationRow, StageState, TryState};
use crate::engine::events::Sighting;
use crate::track::Lang;
use unicode_width::UnicodeWidthStr;

/// How the panel wraps its lines (what its row counts are taken with).
const WRAP: Wrap = Wrap { trim: true };

fn since(m: &Model, t: jiff::Timestamp) -> String {
    clock(m.now.duration_since(t).as_secs().max(0) as u64)
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let zh = m.lang == Lang::Zh;
    let s = &m.stages[m.selected];
    let stage = &m.track().stages[m.selected];
    let mut lines: Vec<Line> = Vec::new();
    let width = area.width.saturating_sub(2) as usize;
    let inner_h = usize::from(area.height.saturating_sub(2));
    let mut passed: Vec<&str> = Vec::new();
    for row in &s.checks {
        if matches!(row.state, CheckState::Passed { .. }) {
            passed.push(&row.text);
        }
        // One line per check, cut with an ellipsis: the checklist must stay a list.
        let pieces = match &row.state {
            CheckState::Queued => {
                vec![("· ".to_string(), theme.dim), (row.text.clone(), theme.dim)]
            }
            CheckState::Waiting { since: t } => vec![
                (format!("{} ", spinner(m.frame)), theme.busy),
                (format!("{}  ", since(m, *t)), theme.busy),
                (row.text.clone(), theme.text),
            ],
            CheckState::Passed { observed, elapsed } => vec![
                ("✓ ".to_string(), theme.ok),
                (row.text.clone(), theme.text),
                (format!(" [{:.1}s]", elapsed.as_secs_f64()), theme.dim),
                (format!(" — {observed}"), theme.dim),
            ],
            CheckState::Failed { observed } => {
                lines.push(Line::from(vec![
                    Span::styled("✗ ", theme.bad),
                    Span::styled(row.text.clone(), theme.bad),
                    Span::styled(format!(" — last observed: {observed}"), theme.text),
                ]));
                continue;
            }
            CheckState::NotVerified { why } => {
                lines.push(Line::from(vec![
                    Span::styled("? ", theme.warn),
                    Span::styled(row.text.clone(), theme.warn),
                    Span::styled(
                        if zh {
                            format!(" — 无法验证：{why}")
                        } else {
                            format!(" — not verified: {why}")
                        },
                        theme.text,
                    ),
                ]));
                continue;
            }
        };
        lines.push(fit_spans(pieces, width));
    }
    if let Some(failure) = &s.failure {
        let hint = s.diagnoses.last();
        let mut spans = vec![Span::styled(
            if zh { "原因：" } else { "why: " },
            theme.warn,
        )];
        match hint {
            Some(d) => {
                spans.push(Span::styled(d.explanation.clone(), theme.text));
                if let Some(fix) = &d.fixed_by {
                    spans.push(Span::styled(
                        if zh {
                            format!("（由阶段 `{fix}` 修复）")
                        } else {
                            format!(" (fixed by stage `{fix}`)")
                        },
                        theme.accent,
                    ));
                }
            }
            None => spans.push(Span::styled(failure.clone(), theme.text)),
        }
        lines.push(Line::from(spans));
    }
    for (t, state) in stage.try_it.iter().zip(&s.tries) {
        let title = t.title.get(m.lang).to_string();
        lines.push(match state {
            TryState::NotRun => Line::from(vec![
                Span::styled("▷ ", theme.dim),
                Span::styled(title, theme.dim),
                // A failed stage offers no try-it: `t` would refuse until it passes.
                Span::styled(
                    match (s.state == StageState::Failed, zh) {
                        (false, true) => "（按 t）",
                        (false, false) => " (press t)",
                        (true, true) => "（阶段通过后）",
                        (true, false) => " (after the stage passes)",
                    },
                    theme.dim,
                ),
            ]),
            TryState::Running { since: t } => Line::from(vec![
                Span::styled(format!("{} ", spinner(m.frame)), theme.busy),
                Span::styled(title, theme.text),
                Span::styled(format!("  {}", since(m, *t)), theme.busy),
            ]),
            TryState::Held(observed) => Line::from(vec![
                Span::styled("✓ ", theme.ok),
                Span::styled(title, theme.text),
                Span::styled(format!(" — {observed}"), theme.dim),
            ]),
            TryState::Broke(observed) => Line::from(vec![
                Span::styled("✗ ", theme.bad),
                Span::styled(title, theme.text),
                Span::styled(format!(" — {observed}"), theme.bad),
            ]),
        });
    }
    for o in &s.observations {
        lines.extend(observation_lines(o, zh, theme, width));
    }
    let title = if zh {
        " 检查与观察 "
    } else {
        " Checks & observations "
    };
    // When the list is longer than the panel, the passed checks fold into one line
    // (what they checked, not what each saw): the try-its' results and what was
    // observed, below them, are what a learner reads once the stage passed.
    let rows =
        |lines: &[Line]| -> usize { lines.iter().map(|l| wrapped_rows(l, width, WRAP)).sum() };
    if s.failure.is_none() && rows(&lines) > inner_h && passed.len() > 1 {
        let n = passed.len();
        let folded = fit_spans(
            vec![
                ("✓ ".to_string(), theme.ok),
                (
                    if zh {
                        format!("{n} 项检查通过：")
                    } else {
                        format!("all {n} checks passed: ")
                    },
                    theme.text,
                ),
                (passed.join("; "), theme.dim),
            ],
            width,
        );
        lines.splice(0..n, [folded]);
    }
    // Still too long: whole lines give way from the top (a stage under way or passed:
    // the newest stay) or from the bottom (a failed one: the failed check and why come
    // first; one not applied yet: the list reads in order), and the border says how many
    // and where.
    let mut block = panel(title, false, theme);
    if rows(&lines) > inner_h {
        let queued = s
            .checks
            .iter()
            .all(|c| matches!(c.state, CheckState::Queued));
        let keep_top = s.failure.is_some() || queued;
        let mut hidden = 0;
        while rows(&lines) > inner_h && lines.len() > 1 {
            hidden += wrapped_rows(
                if keep_top {
                    &lines[lines.len() - 1]
                } else {
                    &lines[0]
                },
                width,
                WRAP,
            );
            if keep_top {
                lines.pop();
            } else {
                lines.remove(0);
            }
        }
        let plural = if hidden == 1 { "line" } else { "lines" };
        let marker = match (keep_top, zh) {
            (true, false) => format!(" ↓ {hidden} more {plural} "),
            (true, true) => format!(" ↓ 还有 {hidden} 行 "),
            (false, false) => format!(" ↑ {hidden} earlier {plural} "),
            (false, true) => format!(" ↑ 上面还有 {hidden} 行 "),
        };
        let marker = Line::styled(marker, theme.accent).right_aligned();
        block = if keep_top {
            block.title_bottom(marker)
        } else {
            block.title(marker)
        };
    }
    frame.render_widget(Paragraph::new(lines).block(block).wrap(WRAP), area);
}

/// The most lines an observation's evidence takes in the panel (`kubetour run` prints it
/// whole): enough for uids and volume names, not so many that one long list pushes the
/// other lessons out of sight.
pub const EVIDENCE_LINES: usize = 3;

/// An observation as it was told: a seen lesson with what showed it, a lesson not seen
/// with what was seen instead, or a conditional one ("had it gone wrong").
fn observation_lines(
    o: &ObservationRow,
    zh: bool,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let (mark, mark_style, label) = match (o.sighting, zh) {
        (Sighting::Seen, false) => ("✓", theme.ok, "seen: "),
        (Sighting::Seen, true) => ("✓", theme.ok, "所见："),
        (Sighting::NotSeen, false) => ("?", theme.warn, "not seen; instead: "),
        (Sighting::NotSeen, true) => ("?", theme.warn, "未见；实际："),
        (Sighting::Conditional, false) => ("if", theme.dim, "here: "),
        (Sighting::Conditional, true) => ("若", theme.dim, "此处："),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", o.id), theme.accent),
        Span::styled(format!("{mark} "), mark_style),
        Span::styled(o.text.clone(), theme.text),
    ])];
    if !o.evidence.is_empty() {
        let room = (width * EVIDENCE_LINES).saturating_sub(label.width() + 1);
        lines.push(Line::from(vec![
            Span::styled(label, mark_style),
            Span::styled(fit(&o.evidence, room), theme.dim),
        ]));
    }
    lines
}
