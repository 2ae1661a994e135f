//! The delivery matrix: published on ↓, received on →; ✓ with the milliseconds it took,
//! ✗ when nothing arrived, · when a pod could not take part. Islands show a diagonal of
//! ✓ in a field of ✗; one cluster is all ✓. Shown once a round has run (membership
//! changed, or `d`), below the EMQX membership.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::fit;
use super::theme::Theme;
use super::{panel, shown};
use crate::app::model::Model;
use crate::delivery::{Cell, Matrix, matrix::ms};

/// Lines the panel wants inside its border (0: not shown).
pub fn lines(m: &Model) -> u16 {
    m.delivery.matrix.as_ref().map_or(0, |x| {
        (x.pods.len() + 1 + x.unreachable.len().min(2)) as u16
    })
}

/// The columns the panel wants on a wide screen (0: not shown).
pub fn width(m: &Model) -> u16 {
    let Some(x) = m.delivery.matrix.as_ref() else {
        return 0;
    };
    let names = short_names(&x.pods);
    let first = names.iter().map(|n| n.width()).max().unwrap_or(0).max(10);
    let col = names
        .iter()
        .map(|n| n.width())
        .chain(x.cells.iter().flatten().map(|c| cell_text(*c).width()))
        .max()
        .unwrap_or(1);
    let grid = first + 1 + names.len() * (col + 1);
    // The title must fit too ("delivery · 6/6 across, slowest 12 ms").
    (grid.max(title(m, x).width()) + 2).min(60) as u16
}

/// Splits the EMQX area between membership (above) and the matrix (below).
pub fn split(area: Rect, m: &Model) -> (Rect, Rect) {
    let want = lines(m);
    if want == 0 || area.height < 6 {
        return (area, Rect::default());
    }
    let below = (want + 2).min(area.height - 3);
    let above = Rect {
        height: area.height - below,
        ..area
    };
    let rest = Rect {
        y: area.y + above.height,
        height: below,
        ..area
    };
    (above, rest)
}

/// What tells the pods apart: the names without the prefix they all share.
fn short_names(pods: &[String]) -> Vec<String> {
    let Some(first) = pods.first() else {
        return Vec::new();
    };
    let mut prefix = first.len();
    for p in pods.iter().skip(1) {
        prefix = first
            .char_indices()
            .zip(p.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(prefix);
    }
    // Cut at the last dash of the shared part, so `…-0`, `…-1` read as `0`, `1`.
    let cut = first[..prefix].rfind('-').map_or(0, |i| i + 1);
    pods.iter()
        .map(|p| {
            let s = &p[cut.min(p.len())..];
            if pods.len() < 2 || s.is_empty() {
                p.clone()
            } else {
                s.to_string()
            }
        })
        .collect()
}

fn cell_text(c: Cell) -> String {
    match c {
        Cell::Delivered(d) => format!("✓{}ms", ms(d)),
        Cell::Lost => "✗".into(),
        Cell::NotTried => "·".into(),
    }
}

/// The panel's title: how many pairs across pods delivered, and how fast.
pub fn title(m: &Model, x: &Matrix) -> String {
    let (delivered, of) = x.across();
    let state = if m.delivery.probing {
        " · sending…"
    } else {
        ""
    };
    let speed = match x.slowest_across() {
        Some(d) => format!(", slowest {} ms", ms(d)),
        None => String::new(),
    };
    format!(" delivery · {delivered}/{of} across{speed}{state} ")
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let Some(x) = m.delivery.matrix.as_ref() else {
        return;
    };
    let width = area.width.saturating_sub(2) as usize;
    let names = short_names(&x.pods);
    let corner = "pub↓ recv→";
    let first = names
        .iter()
        .map(|n| n.width())
        .chain([corner.width()])
        .max()
        .unwrap_or(0);
    let col = names
        .iter()
        .map(|n| n.width())
        .chain(x.cells.iter().flatten().map(|c| cell_text(*c).width()))
        .max()
        .unwrap_or(1);
    let pad = |s: &str, w: usize| format!("{s}{} ", " ".repeat(w.saturating_sub(s.width())));
    let mut lines: Vec<Line> = Vec::new();
    let mut head = vec![Span::styled(pad(corner, first), theme.dim)];
    head.extend(names.iter().map(|n| Span::styled(pad(n, col), theme.title)));
    lines.push(Line::from(head));
    for (f, from) in names.iter().enumerate() {
        let mut row = vec![Span::styled(pad(from, first), theme.title)];
        for t in 0..names.len() {
            let c = x.cell(f, t);
            let style: Style = match c {
                Cell::Delivered(_) => theme.ok,
                Cell::Lost => theme.warn,
                Cell::NotTried => theme.dim,
            };
            row.push(Span::styled(pad(&cell_text(c), col), style));
        }
        lines.push(Line::from(row));
    }
    for (pod, why) in x.unreachable.iter().take(2) {
        lines.push(Line::styled(
            fit(&format!("· {pod}: {why}"), width),
            theme.dim,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(panel(title(m, x), false, theme)),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::short_names;

    #[test]
    fn pods_are_told_apart_by_what_follows_their_shared_prefix() {
        let pods = [
            "emqx-deployment-5665b4db9d-2r5ld".to_string(),
            "emqx-deployment-5665b4db9d-hqjtn".to_string(),
        ];
        assert_eq!(short_names(&pods), ["2r5ld", "hqjtn"]);
        let sts = [
            "emqx-statefulset-0".to_string(),
            "emqx-statefulset-1".to_string(),
            "emqx-statefulset-10".to_string(),
        ];
        assert_eq!(short_names(&sts), ["0", "1", "10"]);
    }
}
