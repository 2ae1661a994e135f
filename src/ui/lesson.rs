//! The stage in focus: its title, the narration (English or Chinese), the kubectl
//! commands that do the same by hand, its try-its, and for preflight what it found.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::stages::state_word;
use super::theme::Theme;
use super::{focused, panel, shown};
use crate::app::model::{Model, Panel};
use crate::engine::events::Severity;
use crate::track::Lang;

/// Rows the lesson wants at `width` cells, borders included: the layout gives it that
/// much before the stage is applied, so its narration and commands read without scrolling.
pub fn wanted(m: &Model, width: u16) -> u16 {
    let theme = Theme::new(m.theme, m.no_color);
    let text = Paragraph::new(body(m, &theme)).wrap(Wrap { trim: false });
    text.line_count(width.saturating_sub(2).max(1)) as u16 + 2
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let i = m.selected;
    let stage = &m.track().stages[i];
    let zh = m.lang == Lang::Zh;
    let title = format!(
        " {} {} · {} — {} ",
        if zh { "阶段" } else { "Stage" },
        i,
        stage.id,
        state_word(m.stages[i].state)
    );
    let mut block = panel(title, focused(m, Panel::Lesson), theme);
    let lines = body(m, theme);
    let width = area.width.saturating_sub(2).max(1);
    let seen = area.height.saturating_sub(2) + m.lesson_scroll;
    // Rows through the last command (title, narration, blank, heading, commands): while
    // any of them is out of sight, the marker says the commands are what lies below.
    let through_commands =
        3 + stage.narration.get(m.lang).split('\n').count() + stage.commands.len();
    let commands_end = Paragraph::new(lines[..through_commands.min(lines.len())].to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width) as u16;
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = text.line_count(width) as u16;
    // A lesson cut short says so, what is below and which key reads on, rather than
    // stopping mid-sentence.
    if total > seen {
        let more = match (zh, commands_end > seen) {
            (true, true) => " ↓ 下面是手动命令 · PgDn ",
            (true, false) => " ↓ 还有更多 · PgDn ",
            (false, true) => " ↓ kubectl commands below · PgDn ",
            (false, false) => " ↓ more · PgDn ",
        };
        block = block.title_bottom(Line::styled(more, theme.accent).right_aligned());
    }
    frame.render_widget(text.block(block).scroll((m.lesson_scroll, 0)), area);
}

/// The lesson's lines: the title, the narration, the commands, the try-its and, for
/// preflight, what it found.
fn body<'a>(m: &Model, theme: &Theme) -> Vec<Line<'a>> {
    let i = m.selected;
    let stage = &m.track().stages[i];
    let zh = m.lang == Lang::Zh;
    let mut lines: Vec<Line> = vec![Line::styled(
        stage.title.get(m.lang).to_string(),
        theme.title,
    )];
    for para in stage.narration.get(m.lang).split('\n') {
        lines.push(Line::styled(para.to_string(), theme.text));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        if zh {
            "手动执行的等价命令："
        } else {
            "The same by hand:"
        },
        theme.title,
    ));
    for c in &stage.commands {
        lines.push(command(c, theme));
    }
    if !stage.try_it.is_empty() {
        lines.push(Line::raw(""));
        for t in &stage.try_it {
            lines.push(Line::from(vec![
                Span::styled(
                    if zh {
                        "动手试试 (t)："
                    } else {
                        "Try it (t): "
                    },
                    theme.title,
                ),
                Span::styled(t.title.get(m.lang).to_string(), theme.text),
            ]));
            lines.push(command(&t.command, theme));
        }
    }
    if i == 0 && !m.findings.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            if zh {
                "预检结果："
            } else {
                "Preflight found:"
            },
            theme.title,
        ));
        for f in &m.findings {
            let (mark, style) = match f.severity {
                Severity::Ok => ("ok  ", theme.ok),
                Severity::Warning => ("WARN", theme.warn),
                Severity::Blocking => ("STOP", theme.bad),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark} "), style),
                Span::styled(format!("{}: ", f.subject), theme.title),
                Span::styled(f.advice.clone(), theme.text),
            ]));
        }
    }
    lines
}

/// A command the learner would type, after a dim prompt.
fn command<'a>(text: &str, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled("$ ", theme.dim),
        Span::styled(text.to_string(), theme.accent),
    ])
}
