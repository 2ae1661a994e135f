//! `draw(&Model)`: the screen, one file per panel. Drawing reads the model, never changes
//! it and never calls into `app::update`; where things go comes from `layout`, colours
//! from `theme`, keys from `keys`.
//!
//! - `header`: track, EMQX, target (SIMULATED, or context/server/namespace), the
//!   `export KUBECONFIG=` line. `stages`: the stage list with states.
//! - `lesson`: narration, kubectl commands, try-its, preflight findings.
//!   `manifest`: the YAML (highlighted) or the diff from the previous stage.
//!   `checks`: the checklist, try-it results, observations, the failure and its hint.
//! - `pods`, `objects`, `membership`: the live side, from the engine's one folded view
//!   (`crate::view`: pod rows and object rows) and EMQX's answers.
//! - `delivery`: the delivery matrix (published on → received on), under membership (or
//!   beside it, or in words when the rows are short).
//! - `events`: Kubernetes events with the pinned diagnosis; `log`: the selected pod's log.
//! - `footer`: the status line and the key hints; `overlay`: help and confirmations.
pub mod checks;
pub mod delivery;
pub mod events;
pub mod footer;
pub mod header;
pub mod keys;
pub mod layout;
pub mod lesson;
pub mod log;
pub mod manifest;
pub mod membership;
pub mod objects;
pub mod overlay;
pub mod pods;
pub mod stages;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders};

use crate::app::model::{Mode, Model, Panel};
use layout::Layout;
use theme::Theme;

/// Draws the whole screen for the model.
pub fn draw(frame: &mut Frame, m: &Model) {
    let area = frame.area();
    let theme = Theme::new(m.theme, m.no_color);
    let l = Layout::new((area.width, area.height), m);
    header::draw(frame, l.header, m, &theme);
    if l.wide {
        stages::draw(frame, l.stages, m, &theme);
    } else {
        stages::strip(frame, l.tabs, m, &theme);
    }
    lesson::draw(frame, l.lesson, m, &theme);
    manifest::draw(frame, l.manifest, m, &theme);
    checks::draw(frame, l.checks, m, &theme);
    pods::draw(frame, l.pods, m, &theme);
    objects::draw(frame, l.objects, m, &theme);
    membership::draw(frame, l.emqx, l.delivery, m, &theme);
    delivery::draw(frame, l.delivery, m, &theme);
    events::draw(frame, l.events, m, &theme);
    log::draw(frame, l.log, m, &theme);
    footer::status(frame, l.status, m, &theme);
    footer::keys(frame, l.footer, m, &theme);
    match &m.mode {
        Mode::Normal => {}
        Mode::Help => overlay::help(frame, area, m, &theme),
        Mode::Confirm(c) => overlay::confirm(frame, area, m, c, &theme),
    }
}

/// A bordered panel, its border brighter when it has the focus.
pub fn panel<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(title.into().style(theme.title))
}

/// Whether a panel is drawn at all (zero-sized areas are not).
pub fn shown(area: Rect) -> bool {
    area.width > 2 && area.height > 2
}

/// Whether the model's focus is `p`.
pub fn focused(m: &Model, p: Panel) -> bool {
    m.focus == p
}

/// `block` with a "↓ N more lines" marker on its bottom border when `lines` (one row
/// each) are more than the panel's inner height shows.
pub fn marked_if_cut<'a>(block: Block<'a>, lines: usize, area: Rect, theme: &Theme) -> Block<'a> {
    let hidden = lines.saturating_sub(usize::from(area.height.saturating_sub(2)));
    match hidden {
        0 => block,
        1 => block.title_bottom(Line::styled(" ↓ 1 more line ", theme.accent).right_aligned()),
        n => block.title_bottom(
            Line::styled(format!(" ↓ {n} more lines "), theme.accent).right_aligned(),
        ),
    }
}
