//! The pods, live from the watch, with kubectl's columns: name, ready, status (or
//! reason), restarts, age, then as width allows IP, node and EMQX node name. The selected
//! pod (whose log shows below) is highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use unicode_width::UnicodeWidthStr;

use super::text::{fit, fit_middle};
use super::theme::Theme;
use super::{focused, panel, shown};
use crate::app::model::{Model, Panel};
use crate::view::pod_row::PodRow;

struct Column {
    title: &'static str,
    /// The widest it gets; narrower when every value is.
    max: u16,
    value: fn(&PodRow, &Model) -> String,
}

const COLUMNS: &[Column] = &[
    Column {
        title: "READY",
        max: 5,
        value: |r, _| r.ready.clone(),
    },
    Column {
        title: "STATUS",
        max: 17,
        value: |r, _| r.status.clone(),
    },
    Column {
        title: "RST",
        max: 3,
        value: |r, _| r.restarts.to_string(),
    },
    Column {
        title: "AGE",
        max: 6,
        value: |r, _| r.age.clone(),
    },
    Column {
        title: "IP",
        max: 15,
        value: |r, _| r.ip.clone().unwrap_or_default(),
    },
    Column {
        title: "NODE",
        max: 12,
        value: |r, _| r.node.clone().unwrap_or_default(),
    },
    Column {
        title: "EMQX NODE",
        max: 60,
        value: |r, m| {
            m.emqx
                .get(&r.name)
                .and_then(|a| a.node.clone())
                .unwrap_or_default()
        },
    },
];

/// The first pod shown when `fits` rows fit: the top of the list, or further down so the
/// selected pod stays in sight. Drawing and mouse hits both count rows from here.
pub fn first_shown(m: &Model, fits: usize) -> usize {
    let Some(cursor) = m.pod_cursor.as_deref() else {
        return 0;
    };
    match m
        .view
        .pods
        .iter()
        .position(|p| p.metadata.name.as_deref() == Some(cursor))
    {
        Some(i) if fits > 0 && i >= fits => i + 1 - fits,
        _ => 0,
    }
}

/// The name column's smallest width; the rest is added as columns fit.
const NAME_MIN: u16 = 16;

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let inner = area.width.saturating_sub(2);
    // Only the rows that fit are made (and sized): with a thousand pods, converting every
    // one each frame would cost more than drawing the screen.
    let fits = usize::from(area.height.saturating_sub(3));
    let first = first_shown(m, fits);
    let total = m.view.pods.len();
    let rows: Vec<PodRow> = m
        .view
        .pods
        .iter()
        .skip(first)
        .take(fits)
        .map(|p| PodRow::from_pod_at(p, m.now))
        .collect();
    let longest = rows
        .iter()
        .map(|r| r.name.width() as u16)
        .max()
        .unwrap_or(4);
    let name_min = longest.min(NAME_MIN);
    let mut used = name_min;
    let mut shown_cols: Vec<(&Column, u16)> = Vec::new();
    for c in COLUMNS {
        let widest = rows
            .iter()
            .map(|r| (c.value)(r, m).width() as u16)
            .max()
            .unwrap_or(0)
            .max(c.title.len() as u16)
            .min(c.max);
        if used + 1 + widest > inner {
            break;
        }
        used += 1 + widest;
        shown_cols.push((c, widest));
    }
    // Whatever is left goes to the name, up to its longest.
    let name_w = (name_min + inner.saturating_sub(used))
        .min(longest.max(name_min))
        .max(4);
    let mut widths = vec![Constraint::Length(name_w)];
    widths.extend(shown_cols.iter().map(|(_, w)| Constraint::Length(*w)));
    let header = Row::new(
        std::iter::once("NAME")
            .chain(shown_cols.iter().map(|(c, _)| c.title))
            .map(Cell::from),
    )
    .style(theme.title);
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let status_style = match r.status.as_str() {
                "Running" if r.is_ready => theme.ok,
                "Running" | "Pending" | "ContainerCreating" | "Terminating" => theme.warn,
                "Completed" => theme.dim,
                _ => theme.bad,
            };
            let mut cells = vec![Cell::from(fit_middle(&r.name, name_w as usize))];
            for (c, w) in &shown_cols {
                let v = fit(&(c.value)(r, m), *w as usize);
                cells.push(if c.title == "STATUS" {
                    Cell::from(Line::styled(v, status_style))
                } else {
                    Cell::from(v)
                });
            }
            let row = Row::new(cells);
            if m.pod_cursor.as_deref() == Some(r.name.as_str()) {
                row.style(theme.selected)
            } else {
                row.style(theme.text)
            }
        })
        .collect();
    let title = if first > 0 || total > rows.len() {
        format!(" Pods ({total}, {}–{}) ", first + 1, first + rows.len())
    } else {
        format!(" Pods ({total}) ")
    };
    // The rows are as last seen; while the watches are down, the title says so.
    let title = match &m.view.trouble {
        Some(_) => format!("{title}· as last seen, connection lost "),
        None => title,
    };
    let block = panel(title, focused(m, Panel::Pods), theme);
    if rows.is_empty() {
        let text =
            Paragraph::new(Line::styled("no pods in the namespace yet", theme.dim)).block(block);
        frame.render_widget(text, area);
        return;
    }
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .block(block);
    frame.render_widget(table, area);
}
