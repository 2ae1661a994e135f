//! The pods, live from the watch, with kubectl's columns: name, ready, status (or
//! reason), restarts, age, then as width allows IP, node and EMQX node name. The selected
//! pod (whose log shows below) is highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

use super::text::fit;
use super::theme::Theme;
use super::{focused, panel, shown};
use crate::app::model::{Model, Panel};
use crate::cluster::pod_row::PodRow;

struct Column {
    title: &'static str,
    width: u16,
    value: fn(&PodRow, &Model) -> String,
}

const COLUMNS: &[Column] = &[
    Column {
        title: "READY",
        width: 5,
        value: |r, _| r.ready.clone(),
    },
    Column {
        title: "STATUS",
        width: 17,
        value: |r, _| r.status.clone(),
    },
    Column {
        title: "RST",
        width: 3,
        value: |r, _| r.restarts.to_string(),
    },
    Column {
        title: "AGE",
        width: 6,
        value: |r, _| r.age.clone(),
    },
    Column {
        title: "IP",
        width: 11,
        value: |r, _| r.ip.clone().unwrap_or_default(),
    },
    Column {
        title: "NODE",
        width: 8,
        value: |r, _| r.node.clone().unwrap_or_default(),
    },
    Column {
        title: "EMQX NODE",
        width: 30,
        value: |r, m| {
            m.emqx
                .get(&r.name)
                .and_then(|a| a.node.clone())
                .unwrap_or_default()
        },
    },
];

/// The name column's smallest width; the rest is added as columns fit.
const NAME_MIN: u16 = 16;

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let inner = area.width.saturating_sub(2);
    let rows: Vec<PodRow> = m
        .view
        .pods
        .iter()
        .map(|p| PodRow::from_pod_at(p, m.now))
        .collect();
    let name_w = rows
        .iter()
        .map(|r| r.name.chars().count() as u16)
        .max()
        .unwrap_or(4)
        .clamp(NAME_MIN, 32);
    let mut used = name_w.min(inner);
    let mut shown_cols = Vec::new();
    for c in COLUMNS {
        if used + 1 + c.width <= inner {
            used += 1 + c.width;
            shown_cols.push(c);
        } else {
            break;
        }
    }
    // Whatever is left goes to the name.
    let name_w = name_w.max(inner.saturating_sub(used - name_w.min(inner)));
    let mut widths = vec![Constraint::Length(name_w)];
    widths.extend(shown_cols.iter().map(|c| Constraint::Length(c.width)));
    let header = Row::new(
        std::iter::once("NAME")
            .chain(shown_cols.iter().map(|c| c.title))
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
            let mut cells = vec![Cell::from(fit(&r.name, name_w as usize))];
            for c in &shown_cols {
                let v = fit(&(c.value)(r, m), c.width as usize);
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
    let title = format!(" Pods ({}) ", rows.len());
    let mut table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .block(panel(title, focused(m, Panel::Pods), theme));
    if rows.is_empty() {
        table =
            table.footer(Row::new([Cell::from("no pods in the namespace yet")]).style(theme.dim));
    }
    frame.render_widget(table, area);
}
