//! The two bottom lines: what is happening (or the last notice), and the keys of the
//! current mode, taken from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::keys::{Scope, bindings};
use super::text::{clock, fit, fit_keeping_tail, spinner};
use super::theme::Theme;
use crate::app::model::{CheckState, Model, order_stage};
use unicode_width::UnicodeWidthStr;

pub fn status(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let width = area.width as usize;
    let outage = outage_line(m);
    let line = match (&m.busy, &m.notice) {
        (Some(b), _) => {
            let secs = m.now.duration_since(b.since).as_secs().max(0) as u64;
            let what = m.describe_order(&b.order);
            // What is cut is the middle: the clock and the key that cancels stay.
            let (head, tail, style) = match (&outage, waiting_for(m)) {
                // The order cannot move while the watches are down: say that first.
                (Some(o), _) => (
                    format!("{o} · {what} waits"),
                    format!(" · {}", clock(secs)),
                    theme.warn,
                ),
                (None, Some(check)) => (
                    format!("{what} · waiting for: {check}"),
                    format!(" · {} · c cancels", clock(secs)),
                    theme.busy,
                ),
                (None, None) => (what, format!(" · {} · c cancels", clock(secs)), theme.busy),
            };
            Line::from(vec![
                Span::styled(format!(" {} ", spinner(m.frame)), theme.busy),
                Span::styled(
                    fit_keeping_tail(&head, &tail, width.saturating_sub(3)),
                    style,
                ),
            ])
        }
        (None, _) if m.drill.is_some() && outage.is_none() => {
            let d = m.drill.as_ref().map(|d| (d.name, d.since));
            let (name, since) = d.unwrap_or_default();
            let secs = m.now.duration_since(since).as_secs().max(0) as u64;
            // The key that ends the drill must stay in sight: the sentence gives way first,
            // to a shorter one, then cut.
            let tail = format!(" · {} · x: diagnosis and undo", clock(secs));
            let long = format!(" ⚑ drill `{name}`: something is wrong — find it with kubectl");
            let short = format!(" ⚑ drill `{name}`: something is wrong");
            let head = if long.width() + tail.width() <= width {
                long
            } else {
                short
            };
            Line::styled(fit_keeping_tail(&head, &tail, width), theme.warn)
        }
        (None, _) if outage.is_some() => Line::styled(
            fit(&format!(" ⚠ {}", outage.unwrap_or_default()), width),
            theme.warn,
        ),
        (None, Some(n)) => Line::styled(fit(&format!(" {n}"), width), theme.accent),
        (None, None) => Line::styled(fit(&format!(" {}", idle_hint(m)), width), theme.dim),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The watches are down: what is wrong, what the wizard waits for, since when.
pub fn outage_line(m: &Model) -> Option<String> {
    let o = m.view.trouble.as_ref()?;
    Some(
        o.trouble
            .describe(&m.setup.target.server, outage_since(m).as_deref()),
    )
}

/// When the watches began failing, as a local time of day.
pub fn outage_since(m: &Model) -> Option<String> {
    let since = m.view.trouble.as_ref()?.since?;
    Some(
        since
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%H:%M:%S")
            .to_string(),
    )
}

/// The check the running order waits for now (the stage's current one).
fn waiting_for(m: &Model) -> Option<&str> {
    let stage = m.busy.as_ref().and_then(|b| order_stage(&b.order))?;
    m.stages[stage]
        .checks
        .iter()
        .find(|c| matches!(c.state, CheckState::Waiting { .. }))
        .map(|c| c.text.as_str())
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
    let scope = Scope::of(&m.mode);
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
