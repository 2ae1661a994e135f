//! EMQX membership at a glance: the nodes grouped by the cluster they form, each running
//! or stopped — three one-node islands at `scale`, one cluster of three after `rbac`,
//! the lost node listed stopped after a kill. From what each node answers itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::text::{fit, fit_middle};
use super::theme::Theme;
use super::{marked_if_cut, panel, shown};
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

/// `delivery`: where the delivery matrix was drawn (empty: its count goes on the
/// bottom border).
pub fn draw(frame: &mut Frame, area: Rect, delivery: Rect, m: &Model, theme: &Theme) {
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
        // DNS node names share a long tail (`.emqx-headless.emqx.svc.cluster.local`): say
        // it once, so the part that tells nodes apart fits.
        let tail = common_tail(cluster.iter().map(String::as_str));
        let label = match &tail {
            Some(t) => format!("{label} · *{t}"),
            None => label,
        };
        lines.push(Line::styled(fit(&label, width), theme.title));
        for full in cluster {
            let node = match &tail {
                Some(t) => full.strip_suffix(t.as_str()).unwrap_or(full),
                None => full.as_str(),
            };
            let node = &node.to_string();
            let room = width.saturating_sub(4);
            let node_w = node.width().min(room);
            let mut spans = vec![
                Span::styled("  ● ", theme.ok),
                Span::styled(fit_middle(node, node_w), theme.text),
            ];
            // A DNS node name already says its pod (`emqx@<pod>.<service>…`); an IP one
            // does not, and the pod is what the Pods panel lists.
            if let Some(p) = pod_of(full).filter(|p| !names_pod(full, p)) {
                let left = room.saturating_sub(node_w + 3);
                if left >= 8 {
                    spans.push(Span::styled(
                        format!(" ({})", fit_middle(&p, left)),
                        theme.dim,
                    ));
                }
            }
            lines.push(Line::from(spans));
        }
    }
    if !ms.stopped.is_empty() {
        lines.push(Line::styled("stopped (lost members)", theme.warn));
        for node in &ms.stopped {
            lines.push(Line::from(vec![
                Span::styled("  ○ ", theme.warn),
                Span::styled(fit_middle(node, width.saturating_sub(4)), theme.dim),
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
    let mut block = marked_if_cut(panel(title, false, theme), lines.len(), area, theme);
    if let Some(count) = super::delivery::on_membership(m, delivery) {
        block = block.title_bottom(Line::styled(count, theme.accent).left_aligned());
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Whether the node name's host is the pod itself (`emqx@emqx-0.emqx-headless…`).
fn names_pod(node: &str, pod: &str) -> bool {
    let host = node.split_once('@').map_or(node, |(_, host)| host);
    host.split('.').next() == Some(pod)
}

/// The longest tail starting at a dot that every node name shares (None when short).
fn common_tail<'a>(mut names: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = names.next()?;
    let mut tail: &str = first.find('.').map(|i| &first[i..])?;
    for n in names {
        while !n.ends_with(tail) {
            let next = tail[1..].find('.')?;
            tail = &tail[1 + next..];
        }
    }
    (tail.len() > 12).then(|| tail.to_string())
}

#[cfg(test)]
mod tests {
    use super::{common_tail, names_pod};

    #[test]
    fn a_dns_node_name_names_its_pod_and_an_ip_one_does_not() {
        let dns = "emqx@emqx-statefulset-0.emqx-headless.emqx.svc.cluster.local";
        assert!(names_pod(dns, "emqx-statefulset-0"));
        assert!(!names_pod(dns, "emqx-statefulset-1"));
        assert!(!names_pod("emqx@10.244.1.7", "emqx-deployment-5d8f-x2x9z"));
    }

    #[test]
    fn dns_node_names_share_their_service_tail() {
        let names = [
            "emqx@emqx-statefulset-0.emqx-headless.emqx.svc.cluster.local",
            "emqx@emqx-statefulset-1.emqx-headless.emqx.svc.cluster.local",
        ];
        assert_eq!(
            common_tail(names.into_iter()).as_deref(),
            Some(".emqx-headless.emqx.svc.cluster.local")
        );
    }

    #[test]
    fn ip_node_names_have_no_tail_worth_folding() {
        assert_eq!(
            common_tail(["emqx@10.244.0.5", "emqx@10.244.1.4"].into_iter()),
            None
        );
    }
}
