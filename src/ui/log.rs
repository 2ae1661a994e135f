//! The selected pod's log tail, followed live; scrolled back with PgUp or the wheel.
//! Lines that report errors stand out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::text::wrapped_rows;
use super::theme::Theme;
use super::{focused, panel, shown};
use crate::app::model::{Model, Panel};

fn looks_bad(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("error") || l.contains("[warning]") || l.contains("forbidden") || l.contains("403")
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let width = area.width.saturating_sub(2).max(1);
    let height = area.height.saturating_sub(2) as usize;
    let total = m.log.lines.len();
    let end = total.saturating_sub(m.log.back);
    let start = end.saturating_sub(height);
    let mut lines: Vec<Line> = m
        .log
        .lines
        .iter()
        .skip(start)
        .take(end - start)
        .map(|l| {
            Line::styled(
                l.clone(),
                if looks_bad(l) { theme.warn } else { theme.text },
            )
        })
        .collect();
    let title = match &m.log.pod {
        Some(pod) if m.log.back > 0 => {
            format!(" Log · {pod} · {} lines back (f follows) ", m.log.back)
        }
        Some(pod) => format!(" Log · {pod} · following "),
        None => " Log (select a pod) ".to_string(),
    };
    if lines.is_empty() {
        lines.push(Line::styled(
            if m.log.pod.is_some() {
                "no log lines yet"
            } else {
                "no pod selected"
            },
            theme.dim,
        ));
    }
    // Long lines (EMQX's 403 names the whole call) wrap rather than being cut. The
    // oldest lines give way whole, so the top row never starts in the middle of one;
    // only a newest line taller than the panel is scrolled so its end is in sight.
    const WRAP: Wrap = Wrap { trim: false };
    let mut rows = 0;
    let mut first = lines.len();
    while first > 0 {
        let more = wrapped_rows(&lines[first - 1], width as usize, WRAP);
        if rows + more > height && first < lines.len() {
            break;
        }
        rows += more;
        first -= 1;
    }
    let gave_way = first > 0;
    lines.drain(..first);
    // When an older line gave way, the rows it leaves free go above the rest: the
    // newest shown stays on the bottom row, as in a full panel.
    if gave_way && rows < height {
        lines.splice(0..0, std::iter::repeat_n(Line::raw(""), height - rows));
    }
    let text = Paragraph::new(lines).wrap(WRAP);
    let skip = rows.saturating_sub(height) as u16;
    frame.render_widget(
        text.block(panel(title, focused(m, Panel::Log), theme))
            .scroll((skip, 0)),
        area,
    );
}
