//! The delivery matrix: published on ↓, received on →; ✓ with the milliseconds it took,
//! ✗ when nothing arrived, · when a pod could not take part. Islands show a diagonal of
//! ✓ in a field of ✗; one cluster is all ✓. Shown once a round has run (membership
//! changed, or `d`), below the EMQX membership.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
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

/// The columns the full grid wants, borders included (0: not shown): a column per
/// receiver as wide as its name or its slowest cell.
pub fn width(m: &Model) -> u16 {
    let Some(x) = m.delivery.matrix.as_ref() else {
        return 0;
    };
    let names = short_names(&x.pods);
    (first_column(&names) + 1 + names.len() * (grid_column(&names, x) + 1) + 2) as u16
}

/// The columns the compact grid wants (one cell per receiver, the slowest per row),
/// borders included (0: not shown).
pub fn compact_width(m: &Model) -> u16 {
    let Some(x) = m.delivery.matrix.as_ref() else {
        return 0;
    };
    let names = short_names(&x.pods);
    (2 + first_column(&names) + 1 + names.len() + SLOWEST.width() + 2) as u16
}

/// Room left for membership beside the matrix before they are put side by side: a node
/// line with its pod's name cut in the middle still reads at this width.
const MEMBERSHIP_BESIDE: u16 = 40;

/// Rows membership (`membership_rows`, borders included) and the matrix want together
/// in an area `width` cells wide: stacked, or side by side when they fit that way.
pub fn rows_with_membership(m: &Model, width: u16, membership_rows: u16) -> u16 {
    match lines(m) {
        0 => membership_rows,
        n if width >= MEMBERSHIP_BESIDE + compact_width(m) => membership_rows.max(n + 2),
        n => membership_rows + n + 2,
    }
}

/// Splits the EMQX area between membership and the matrix. Stacked (membership above)
/// when both fit whole; side by side when they fit that way instead; else stacked with
/// the matrix given what membership leaves (it then draws a summary of what failed).
pub fn split(area: Rect, m: &Model, membership_rows: u16) -> (Rect, Rect) {
    let want = lines(m);
    if want == 0 || area.height < 6 {
        return (area, Rect::default());
    }
    let below = want + 2;
    if membership_rows + below <= area.height {
        return stack(area, below);
    }
    let beside = width(m).min(area.width.saturating_sub(MEMBERSHIP_BESIDE));
    let beside = if beside >= width(m) {
        beside
    } else {
        compact_width(m)
    };
    if area.width >= MEMBERSHIP_BESIDE + beside && area.height >= below.min(membership_rows) {
        let [left, right] =
            ratatui::layout::Layout::horizontal([Constraint::Min(0), Constraint::Length(beside)])
                .areas(area);
        return (left, right);
    }
    // The grid does not fit: the matrix says in words what failed, in a line per failing
    // publisher (one when none failed); membership keeps the rest.
    let words = m.delivery.matrix.as_ref().map_or(1, |x| failing(x).max(1)) as u16;
    if area.height < membership_rows + 3 {
        // Not even a line of words fits without cutting membership: the count goes on
        // membership's bottom border instead (`on_membership`).
        return (area, Rect::default());
    }
    stack(
        area,
        area.height
            .saturating_sub(membership_rows)
            .clamp(3, area.height - 3)
            .min(words + 2),
    )
}

/// The round's count for membership's bottom border when the matrix has no panel of
/// its own (`split` gave it none): " delivery 6/6 across ".
pub fn on_membership(m: &Model, delivery: Rect) -> Option<String> {
    match m.delivery.matrix.as_ref() {
        Some(x) if !shown(delivery) => {
            let (delivered, of) = x.across();
            Some(format!(" delivery {delivered}/{of} across "))
        }
        _ => None,
    }
}

/// How many publishers' messages missed at least one other pod.
fn failing(x: &Matrix) -> usize {
    (0..x.pods.len())
        .filter(|&f| (0..x.pods.len()).any(|t| t != f && x.cell(f, t) == Cell::Lost))
        .count()
}

fn stack(area: Rect, below: u16) -> (Rect, Rect) {
    let [above, rest] =
        ratatui::layout::Layout::vertical([Constraint::Min(0), Constraint::Length(below)])
            .areas(area);
    (above, rest)
}

/// The compact grid's last column: its heading is wider than any "999ms" under it.
const SLOWEST: &str = " slowest";

const CORNER: &str = "pub↓ recv→";

fn first_column(names: &[String]) -> usize {
    names
        .iter()
        .map(|n| n.width())
        .chain([CORNER.width()])
        .max()
        .unwrap_or(0)
}

fn grid_column(names: &[String], x: &Matrix) -> usize {
    names
        .iter()
        .map(|n| n.width())
        .chain(x.cells.iter().flatten().map(|c| cell_text(*c).width()))
        .max()
        .unwrap_or(1)
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

/// The title cut to what fits: the full sentence, else the count and the slowest cell.
fn fitted_title(m: &Model, x: &Matrix, width: usize) -> String {
    let full = title(m, x);
    if full.width() <= width {
        return full;
    }
    let (delivered, of) = x.across();
    let speed = x
        .slowest_across()
        .map_or(String::new(), |d| format!(" ≤{}ms", ms(d)));
    [
        format!(" delivery · {delivered}/{of} across{speed} "),
        format!(" delivery · {delivered}/{of} across "),
        format!(" delivery {delivered}/{of} "),
    ]
    .into_iter()
    .find(|t| t.width() <= width)
    .unwrap_or_else(|| fit(&format!(" {delivered}/{of} "), width))
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let Some(x) = m.delivery.matrix.as_ref() else {
        return;
    };
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    let names = short_names(&x.pods);
    let mut lines = if usize::from(width(m)) <= area.width as usize && inner_h > names.len() {
        grid(x, &names, theme)
    } else if compact_width(m) <= area.width && inner_h > names.len() {
        compact(x, &names, theme)
    } else {
        // Too few rows or columns for a grid: say in words which pairs failed.
        summary(x, &names, inner_w, inner_h, theme)
    };
    let left = inner_h.saturating_sub(lines.len());
    for (pod, why) in x.unreachable.iter().take(2.min(left)) {
        lines.push(Line::styled(
            fit(&format!("· {pod}: {why}"), inner_w),
            theme.dim,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(panel(fitted_title(m, x, inner_w), false, theme)),
        area,
    );
}

fn cell_style(c: Cell, theme: &Theme) -> Style {
    match c {
        Cell::Delivered(_) => theme.ok,
        Cell::Lost => theme.warn,
        Cell::NotTried => theme.dim,
    }
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{} ", " ".repeat(w.saturating_sub(s.width())))
}

/// Published on ↓, received on →, a column per receiver with the milliseconds.
fn grid(x: &Matrix, names: &[String], theme: &Theme) -> Vec<Line<'static>> {
    let first = first_column(names);
    let col = grid_column(names, x);
    let mut head = vec![Span::styled(pad(CORNER, first), theme.dim)];
    head.extend(names.iter().map(|n| Span::styled(pad(n, col), theme.title)));
    let mut lines = vec![Line::from(head)];
    for (f, from) in names.iter().enumerate() {
        let mut row = vec![Span::styled(pad(from, first), theme.title)];
        for t in 0..names.len() {
            let c = x.cell(f, t);
            row.push(Span::styled(pad(&cell_text(c), col), cell_style(c, theme)));
        }
        lines.push(Line::from(row));
    }
    lines
}

/// The same grid one cell per receiver, numbered as the rows are, and the slowest
/// delivery of each row: islands still read as a diagonal.
fn compact(x: &Matrix, names: &[String], theme: &Theme) -> Vec<Line<'static>> {
    let first = first_column(names);
    let digits: String = (1..=names.len())
        .map(|i| char::from_digit((i % 10) as u32, 10).unwrap_or('?'))
        .collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("  {}", pad(CORNER, first)), theme.dim),
        Span::styled(format!("{digits}{SLOWEST}"), theme.title),
    ])];
    for (f, from) in names.iter().enumerate() {
        let mut row = vec![Span::styled(
            format!("{} {}", (f + 1) % 10, pad(from, first)),
            theme.title,
        )];
        let mut slowest = None;
        for t in 0..names.len() {
            let c = x.cell(f, t);
            let mark = match c {
                Cell::Delivered(d) => {
                    slowest = slowest.max(Some(d));
                    "✓"
                }
                Cell::Lost => "✗",
                Cell::NotTried => "·",
            };
            row.push(Span::styled(mark, cell_style(c, theme)));
        }
        if let Some(d) = slowest {
            row.push(Span::styled(format!(" {}ms", ms(d)), theme.dim));
        }
        lines.push(Line::from(row));
    }
    lines
}

/// In words, for a panel too short for the grid: each publisher whose message did not
/// reach every other pod, and where it did not arrive. When more publishers failed than
/// fit, the last line says how many and where the whole matrix is printed.
fn summary(
    x: &Matrix,
    names: &[String],
    width: usize,
    height: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let failed: Vec<String> = names
        .iter()
        .enumerate()
        .filter_map(|(f, from)| {
            let missed: Vec<&str> = (0..names.len())
                .filter(|&t| t != f && x.cell(f, t) == Cell::Lost)
                .map(|t| names[t].as_str())
                .collect();
            (!missed.is_empty()).then(|| format!("✗ {from} → not on {}", missed.join(", ")))
        })
        .collect();
    if failed.is_empty() {
        return vec![Line::styled(
            fit("✓ every message reached every other pod", width),
            theme.ok,
        )];
    }
    if failed.len() <= height {
        return failed
            .iter()
            .map(|l| Line::styled(fit(l, width), theme.warn))
            .collect();
    }
    let shown = height.saturating_sub(1);
    let mut lines: Vec<Line> = failed
        .iter()
        .take(shown)
        .map(|l| Line::styled(fit(l, width), theme.warn))
        .collect();
    lines.push(Line::styled(
        fit(
            &format!(
                "↓ {} more · `kubetour probe` prints them all",
                failed.len() - shown
            ),
            width,
        ),
        theme.accent,
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::{short_names, summary};
    use crate::delivery::{Cell, Matrix};
    use crate::ui::theme::{Theme, ThemeName};
    use std::time::Duration;

    fn text(lines: &[ratatui::text::Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn o22_a_matrix_too_short_for_its_grid_names_the_publishers_that_failed_and_how_many_more() {
        let pods: Vec<String> = ["a-0", "a-1", "a-2", "a-3"].map(String::from).to_vec();
        let names = short_names(&pods);
        let mut x = Matrix::empty(pods, Duration::from_secs(3));
        for (f, row) in x.cells.iter_mut().enumerate() {
            for (t, cell) in row.iter_mut().enumerate() {
                *cell = if f == t {
                    Cell::Delivered(Duration::from_millis(1))
                } else {
                    Cell::Lost
                };
            }
        }
        let theme = Theme::new(ThemeName::Dark, true);
        let two = text(&summary(&x, &names, 60, 2, &theme));
        assert_eq!(
            two,
            [
                "✗ 0 → not on 1, 2, 3",
                "↓ 3 more · `kubetour probe` prints them all"
            ]
        );
        let four = text(&summary(&x, &names, 60, 4, &theme));
        assert_eq!(four.len(), 4);
        assert_eq!(four[3], "✗ 3 → not on 0, 1, 2");
        // One cluster: a single line says so.
        for row in x.cells.iter_mut() {
            for cell in row.iter_mut() {
                *cell = Cell::Delivered(Duration::from_millis(2));
            }
        }
        assert_eq!(
            text(&summary(&x, &names, 60, 1, &theme)),
            ["✓ every message reached every other pod"]
        );
    }

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
