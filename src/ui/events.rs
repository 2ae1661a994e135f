//! Kubernetes events of the namespace, newest at the bottom, warnings highlighted, with
//! the engine's diagnosis pinned on top: the log line that explains the wait and the
//! stage that fixes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::text::fit;
use super::theme::Theme;
use super::{panel, shown};
use crate::app::model::Model;
use crate::view::objects::{about_live_object, event_time, involved};
use crate::view::pod_row::short_age;

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let mut pinned: Vec<Line> = Vec::new();
    if let Some(d) = m.pinned_diagnosis() {
        // One row for the line itself, from the part that matters: its own timestamp
        // would push `Discovery error: {403` past the edge. Which pod said it ends the
        // explanation, which wraps.
        pinned.push(Line::from(vec![
            Span::styled("! ", theme.bad),
            Span::styled(
                fit(strip_timestamp(&d.line), width.saturating_sub(2)),
                theme.bad,
            ),
        ]));
        let mut spans = vec![Span::styled(d.explanation.clone(), theme.text)];
        if let Some(fix) = &d.fixed_by {
            spans.push(Span::styled(
                format!(" — fixed by stage `{fix}`"),
                theme.accent,
            ));
        }
        spans.push(Span::styled(format!(" (in {})", d.source), theme.dim));
        pinned.push(Line::from(spans));
    }
    let mut events: Vec<_> = m.view.events.iter().collect();
    events.sort_by_key(|e| event_time(e).or(e.metadata.creation_timestamp.as_ref().map(|t| t.0)));
    // Only the newest that can show are formatted (a busy namespace has thousands).
    let events = &events[events.len().saturating_sub(height)..];
    let rows: Vec<Line> = events
        .iter()
        .map(|e| {
            let when = event_time(e)
                .map(|t| short_age(m.now.duration_since(t).as_secs()))
                .unwrap_or_default();
            // An event about an earlier namesake (the previous install's pod or claim)
            // is history: dimmed and marked, never a warning about today's object.
            let live = about_live_object(&m.view, e);
            let warning = live && e.type_.as_deref() == Some("Warning");
            let object = involved(e);
            // Marked up front: a long object name would push a mark at its end out of sight.
            let mark = if live { "" } else { " (gone)" };
            let text = format!(
                "{when:>4}{mark} {} {object}: {}",
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default()
            );
            Line::styled(
                fit(&text, width),
                if warning { theme.warn } else { theme.dim },
            )
        })
        .collect();
    // The pinned diagnosis wraps: budget the rows it takes at this width.
    let pinned_rows: usize = pinned
        .iter()
        .map(|l| l.width().div_ceil(width.max(1)).max(1))
        .sum();
    let room = height.saturating_sub(pinned_rows);
    let skip = rows.len().saturating_sub(room);
    let mut lines = pinned;
    lines.extend(rows.into_iter().skip(skip));
    if lines.is_empty() {
        lines.push(Line::styled("no events yet", theme.dim));
    }
    let earlier = m
        .view
        .events
        .iter()
        .filter(|e| !about_live_object(&m.view, e))
        .count();
    let title = match earlier {
        0 => format!(" Events ({}) ", m.view.events.len()),
        n => format!(
            " Events ({}, {n} of gone objects) ",
            m.view.events.len() - n
        ),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(panel(title, false, theme))
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// A log line without its leading RFC 3339 timestamp (`2026-12-04T22:43:57.3+00:00 `).
fn strip_timestamp(line: &str) -> &str {
    match line.split_once(' ') {
        Some((first, rest)) if first.len() >= 20 && first.as_bytes().get(10) == Some(&b'T') => rest,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::strip_timestamp;

    #[test]
    fn a_log_line_loses_its_timestamp_and_keeps_the_rest() {
        assert_eq!(
            strip_timestamp(
                "2026-12-04T22:43:57.300000+00:00 [error] Ekka(AutoCluster): Discovery error: {403"
            ),
            "[error] Ekka(AutoCluster): Discovery error: {403"
        );
        assert_eq!(
            strip_timestamp("EMQX 5.8.9 is running now!"),
            "EMQX 5.8.9 is running now!"
        );
    }
}
