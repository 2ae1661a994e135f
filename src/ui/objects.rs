//! kubetour's objects in the namespace, live: replicas, ClusterIP and endpoints,
//! ConfigMaps, RBAC, claims with phase and volume.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, fit_middle};
use super::theme::Theme;
use super::{marked_if_cut, panel, shown};
use crate::app::model::Model;
use crate::view::objects::objects;
use unicode_width::UnicodeWidthStr;

/// The short kind names kubectl users know.
fn short(kind: &str) -> &str {
    match kind {
        "Deployment" => "deploy",
        "ReplicaSet" => "rs",
        "StatefulSet" => "sts",
        "Service" => "svc",
        "PersistentVolumeClaim" => "pvc",
        "ConfigMap" => "cm",
        "ServiceAccount" => "sa",
        "Role" => "role",
        "RoleBinding" => "rolebinding",
        other => other,
    }
}

/// Rows the panel wants at `width` cells, borders included: a line per object (two
/// when its state goes under its name), the outage line, at least one.
pub fn wanted(m: &Model, width: u16) -> u16 {
    let width = width.saturating_sub(2) as usize;
    let per: usize = objects(&m.view)
        .iter()
        .map(|o| {
            let name = format!("{}/{}", short(&o.kind), o.name);
            if o.state.is_empty() || name.width() + 1 + o.state.width() <= width {
                1
            } else {
                2
            }
        })
        .sum();
    (per.max(1) + usize::from(m.view.trouble.is_some()) + 2) as u16
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let width = area.width.saturating_sub(2) as usize;
    let list = objects(&m.view);
    let mut lines: Vec<Line> = Vec::new();
    for o in &list {
        let name = format!("{}/{}", short(&o.kind), o.name);
        let state_style = if o.state.contains("Pending") {
            theme.warn
        } else {
            theme.dim
        };
        if o.state.is_empty() || name.width() + 1 + o.state.width() <= width {
            lines.push(Line::from(vec![
                Span::styled(fit_middle(&name, width), theme.text),
                Span::raw(" "),
                Span::styled(o.state.clone(), state_style),
            ]));
        } else {
            // Too long for one line: the state goes under the name, indented.
            lines.push(Line::styled(fit_middle(&name, width), theme.text));
            lines.push(Line::styled(
                fit(&format!("  {}", o.state), width),
                state_style,
            ));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("nothing applied yet", theme.dim));
    }
    if let Some(o) = &m.view.trouble {
        // What this panel shows may be out of date: say so above it.
        let since = super::footer::outage_since(m);
        let words = o.trouble.short(since.as_deref());
        lines.insert(
            0,
            Line::styled(fit(&format!("⚠ {words}"), width), theme.bad),
        );
    }
    let block = panel(format!(" Objects ({}) ", list.len()), false, theme);
    let block = marked_if_cut(block, lines.len(), area, theme);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
