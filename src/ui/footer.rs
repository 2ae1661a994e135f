//! The two bottom lines: what is happening (or the last notice), and the keys of the
//! current mode, taken from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::keys::{Scope, bindings};
use super::text::{clock, fit, spinner};
use super::theme::Theme;
use crate::app::model::{Mode, Model};
use crate::app::update::describe_order;

pub fn status(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let width = area.width as usize;
    let line = match (&m.busy, &m.notice) {
        (Some(b), _) => {
            let secs = m.now.duration_since(b.since).as_secs().max(0) as u64;
            Line::from(vec![
                Span::styled(format!(" {} ", spinner(m.frame)), theme.busy),
                Span::styled(
                    fit(
                        &format!(
                            "{} · {} · c cancels",
                            describe_order(m, &b.order),
                            clock(secs)
                        ),
                        width.saturating_sub(3),
                    ),
                    theme.busy,
                ),
            ])
        }
        (None, Some(n)) => Line::styled(fit(&format!(" {n}"), width), theme.accent),
        (None, None) => Line::styled(fit(&format!(" {}", idle_hint(m)), width), theme.dim),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn idle_hint(m: &Model) -> String {
    let stage = &m.track().stages[m.selected];
    match m.applied {
        None => format!(
            "press ⏎ to apply stage `{}` (nothing is written before)",
            stage.id
        ),
        Some(_) => format!(
            "stage `{}`: ⏎ applies it, t runs its try-it, ? shows every key",
            stage.id
        ),
    }
}

pub fn keys(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let scope = match m.mode {
        Mode::Normal => Scope::Main,
        Mode::Help => Scope::Help,
        Mode::Confirm(_) => Scope::Confirm,
    };
    let mut spans = Vec::new();
    let mut used = 0usize;
    let width = area.width as usize;
    for b in bindings(scope).filter(|b| b.footer) {
        let piece = format!(" {} {} ", b.label, b.short);
        let w = piece.chars().count();
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(format!(" {}", b.label), theme.key));
        spans.push(Span::styled(format!(" {} ", b.short), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
