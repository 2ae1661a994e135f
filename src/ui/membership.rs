//! EMQX membership at a glance: the nodes grouped by the cluster they form, each running
//! or stopped — three one-node islands at `scale`, one cluster of three after `rbac`,
//! the lost node listed stopped after a kill. From what each node answers itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::fit;
use super::theme::Theme;
use super::{panel, shown};
use crate::app::model::Model;
use crate::emqx::membership::{Membership, NodeView};

/// The membership the answers in the model describe.
pub fn membership(m: &Model) -> Membership {
    let views: Vec<NodeView> = m
        .emqx
        .iter()
        .filter_map(|(pod, a)| {
            a.cluster.as_ref().map(|c| NodeView {
                pod: pod.clone(),
                status: c.clone(),
            })
        })
        .collect();
    Membership::from_views(&views)
}

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if !shown(area) {
        return;
    }
    let width = area.width.saturating_sub(2) as usize;
    let ms = membership(m);
    let pod_of = |node: &str| {
        m.emqx
            .iter()
            .find(|(_, a)| a.node.as_deref() == Some(node))
            .map(|(p, _)| p.clone())
    };
    let mut lines: Vec<Line> = Vec::new();
    for (n, cluster) in ms.clusters.iter().enumerate() {
        let label = if cluster.len() == 1 {
            format!("island {} — a one-node cluster", n + 1)
        } else {
            format!("cluster {} — {} running nodes", n + 1, cluster.len())
        };
        lines.push(Line::styled(fit(&label, width), theme.title));
        for node in cluster {
            let pod = pod_of(node).map(|p| format!("  ({p})")).unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled("  ● ", theme.ok),
                Span::styled(
                    fit(&format!("{node}{pod}"), width.saturating_sub(4)),
                    theme.text,
                ),
            ]));
        }
    }
    if !ms.stopped.is_empty() {
        lines.push(Line::styled("stopped (lost members)", theme.warn));
        for node in &ms.stopped {
            lines.push(Line::from(vec![
                Span::styled("  ○ ", theme.warn),
                Span::styled(fit(node, width.saturating_sub(4)), theme.dim),
            ]));
        }
    }
    for (pod, a) in &m.emqx {
        if let (None, Some(why)) = (&a.cluster, &a.trouble) {
            lines.push(Line::styled(
                fit(&format!("? {pod}: {why}"), width),
                theme.dim,
            ));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("no EMQX node has answered yet", theme.dim));
    }
    let title = format!(" EMQX · {} ", ms.summary());
    frame.render_widget(
        Paragraph::new(lines).block(panel(title, false, theme)),
        area,
    );
}
