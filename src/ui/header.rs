//! The top lines: what this is, which EMQX, and where it writes. The target is always
//! visible: SIMULATED for the embedded cluster (with the `export KUBECONFIG=` line for
//! a second terminal), else the context, server and namespace.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::fit;
use super::theme::Theme;
use crate::app::model::Model;

pub fn draw(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let t = &m.setup.target;
    let track = m.track();
    let width = area.width as usize;
    let badge = if t.embedded {
        " SIMULATED ".to_string()
    } else {
        format!(" {} ", t.context)
    };
    let about = format!(
        " kubetour · {} · EMQX {} · namespace {} ",
        track.title.get(m.lang),
        track.profile.version,
        t.namespace
    );
    let room = width.saturating_sub(badge.chars().count() + 1);
    let mut lines = vec![Line::from(vec![
        Span::styled(badge, theme.simulated),
        Span::styled(fit(&about, room), theme.title),
    ])];
    if area.height > 1 {
        let second = if t.embedded {
            match &m.setup.kubeconfig {
                // The export line must stay whole to be copied: drop the words first.
                Some(path) => {
                    let bare = format!(" export KUBECONFIG={}", path.display());
                    let full = format!(" kubectl in another terminal:{bare}");
                    if full.chars().count() <= width {
                        full
                    } else {
                        bare
                    }
                }
                None => " kubetour's own simulated cluster".to_string(),
            }
        } else {
            format!(
                " writes go to context {} · server {} · namespace {}",
                t.context, t.server, t.namespace
            )
        };
        lines.push(Line::styled(
            fit(&second, width),
            if t.embedded { theme.accent } else { theme.warn },
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
