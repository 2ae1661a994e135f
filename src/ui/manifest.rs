//! The stage's manifests: the whole YAML, highlighted (keys, values, comments), or the
//! diff against what the previous stage left — what this stage changes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::fit;
use super::theme::Theme;
use super::{focused, panel, shown};
use crate::app::manifests::DiffLine;
use crate::app::model::{ManifestMode, Model, Panel};

/// Rows the manifest view wants, borders included: the diff or the YAML, a line each.
pub fn wanted(m: &Model) -> u16 {
    let n = m.manifests.get(m.selected).map_or(1, |t| match m.manifest {
        ManifestMode::Yaml => t.yaml.lines().count(),
        ManifestMode::Diff => t.diff.len(),
    });
    n.max(1) as u16 + 2
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let Some(texts) = m.manifests.get(m.selected) else {
        return;
    };
    let width = area.width.saturating_sub(2) as usize;
    let (title, lines): (&str, Vec<Line>) = match m.manifest {
        ManifestMode::Yaml => (
            " Manifest · YAML (m: what changes) ",
            if texts.yaml.is_empty() {
                vec![Line::styled("this stage applies nothing", theme.dim)]
            } else {
                texts
                    .yaml
                    .lines()
                    .map(|l| yaml_line(l, width, theme))
                    .collect()
            },
        ),
        ManifestMode::Diff => (
            " Manifest · what this stage changes (m: YAML) ",
            texts
                .diff
                .iter()
                .map(|d| match d {
                    DiffLine::Header(t) => Line::styled(fit(t, width), theme.title),
                    DiffLine::Same(t) => Line::styled(fit(&format!("  {t}"), width), theme.dim),
                    DiffLine::Added(t) => Line::styled(fit(&format!("+ {t}"), width), theme.added),
                    DiffLine::Removed(t) => {
                        Line::styled(fit(&format!("- {t}"), width), theme.removed)
                    }
                })
                .collect(),
        ),
    };
    let mut block = panel(title, focused(m, Panel::Manifest), theme);
    // Cut short, the view says so and how to read on (focus it with Tab, then PgDn).
    let below = lines.len().saturating_sub(usize::from(
        area.height.saturating_sub(2) + m.manifest_scroll,
    ));
    if below > 0 {
        let lines = if below == 1 { "line" } else { "lines" };
        let more = format!(" ↓ {below} more {lines} · Tab, PgDn ");
        block = block.title_bottom(Line::styled(more, theme.accent).right_aligned());
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((m.manifest_scroll, 0)),
        area,
    );
}

/// One YAML line with its key, value and comment styled apart.
fn yaml_line<'a>(line: &str, width: usize, theme: &Theme) -> Line<'a> {
    let line = fit(line, width);
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed == "---" {
        return Line::styled(line, theme.yaml_comment);
    }
    let indent = line.len() - trimmed.len();
    let body = trimmed.strip_prefix("- ").map_or(trimmed, |b| b);
    let dash = if body.len() != trimmed.len() {
        "- "
    } else {
        ""
    };
    match body.split_once(':') {
        Some((key, value)) if !key.contains(' ') || key.starts_with('"') => Line::from(vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(dash.to_string(), theme.dim),
            Span::styled(format!("{key}:"), theme.yaml_key),
            Span::styled(value.to_string(), theme.yaml_value),
        ]),
        _ => Line::styled(line.clone(), theme.yaml_value),
    }
}
