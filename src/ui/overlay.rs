//! Pop-ups over the screen: the help (every key from the table, where tracing goes, how
//! to reach the cluster), and the questions (write to this cluster? tear down? quit now?).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::keys::{Scope, bindings};
use super::panel;
use super::text::fit;
use super::theme::Theme;
use crate::app::model::{Confirm, Model};
use unicode_width::UnicodeWidthStr;

/// A box of at most `w`×`h` in the middle of `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn help(frame: &mut Frame, area: Rect, m: &Model, theme: &Theme) {
    let mut keys: Vec<(String, &str)> = bindings(Scope::Main)
        .map(|b| (b.label.to_string(), b.help))
        .collect();
    keys.push((
        "mouse".into(),
        "click a stage, a pod or a panel; the wheel scrolls the log and the lesson",
    ));
    let mut about: Vec<Line> = vec![Line::raw("")];
    if let Some(k) = &m.setup.kubeconfig {
        about.push(Line::styled(
            format!("kubectl: export KUBECONFIG={}", k.display()),
            theme.accent,
        ));
    }
    match &m.setup.trace_file {
        Some(f) => about.push(Line::styled(
            format!("trace log: {}", f.display()),
            theme.dim,
        )),
        None => about.push(Line::styled("trace log: off", theme.dim)),
    }
    let r = centred(area, 100, area.height);
    let inner_w = usize::from(r.width.saturating_sub(2));
    // A long path is cut, marked: the header shows the kubeconfig line too.
    for line in &mut about {
        let text = line.to_string();
        let style = line.style;
        *line = Line::styled(fit(&text, inner_w), style);
    }
    let room = usize::from(r.height.saturating_sub(2));
    // Each key's sentence wraps under itself, not under the key. When that is taller
    // than the screen, each key takes one line (its sentence cut, marked `…`); then the
    // lines about the kubeconfig and the trace (the header shows the first) give way.
    let wrapped: Vec<Line> = keys
        .iter()
        .flat_map(|(label, help)| key_lines(label, help, inner_w, theme))
        .collect();
    let mut lines = if wrapped.len() + about.len() <= room || wrapped.len() < keys.len() + 1 {
        wrapped
    } else {
        keys.iter()
            .map(|(label, help)| {
                Line::from(vec![
                    Span::styled(format!("{label:>6}  "), theme.key),
                    Span::styled(fit(help, inner_w.saturating_sub(8)), theme.text),
                ])
            })
            .collect()
    };
    if lines.len() + about.len() <= room {
        lines.extend(about);
    }
    let mut block = panel(" Keys (? or esc closes) ", true, theme);
    if lines.len() > room {
        // Nothing scrolls the help: say what a taller terminal would show.
        let hidden = lines.len() - room;
        block = block.title_bottom(
            Line::styled(
                format!(" ↓ {hidden} more (a taller terminal shows them) "),
                theme.accent,
            )
            .right_aligned(),
        );
    }
    let r = centred(area, 100, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

/// A key and its sentence, the sentence wrapped at `width` cells under itself.
fn key_lines(label: &str, help: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let text_w = width.saturating_sub(8).max(10);
    let mut rows: Vec<String> = Vec::new();
    for word in help.split(' ') {
        match rows.last_mut() {
            Some(row) if row.width() + 1 + word.width() <= text_w => {
                row.push(' ');
                row.push_str(word);
            }
            _ => rows.push(word.to_string()),
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let key = if i == 0 {
                format!("{label:>6}  ")
            } else {
                " ".repeat(8)
            };
            Line::from(vec![
                Span::styled(key, theme.key),
                Span::styled(fit(&row, text_w), theme.text),
            ])
        })
        .collect()
}

pub fn confirm(frame: &mut Frame, area: Rect, m: &Model, question: &Confirm, theme: &Theme) {
    let t = &m.setup.target;
    let (title, mut lines) = match question {
        Confirm::Target {
            order,
            needs_name,
            typed,
        } => {
            let mut lines = vec![
                Line::styled(
                    "kubetour is about to write to a cluster it did not start:",
                    theme.text,
                ),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("  context    ", theme.dim),
                    Span::styled(t.context.clone(), theme.warn),
                ]),
                Line::from(vec![
                    Span::styled("  server     ", theme.dim),
                    Span::styled(t.server.clone(), theme.warn),
                ]),
                Line::from(vec![
                    Span::styled("  namespace  ", theme.dim),
                    Span::styled(t.namespace.clone(), theme.warn),
                ]),
                Line::raw(""),
                Line::styled(format!("to run {}.", m.describe_order(order)), theme.text),
            ];
            if *needs_name {
                lines.push(Line::styled(
                    "This context's name looks like production. Type its name and press ⏎ to go on (esc: no):",
                    theme.bad,
                ));
                lines.push(Line::styled(format!("> {typed}▏"), theme.key));
            } else {
                lines.push(Line::styled("Write there? y/⏎ yes · n/esc no", theme.key));
            }
            (" Write to this cluster? ", lines)
        }
        Confirm::Teardown { claims: false } => (
            " Tear down? ",
            vec![
                Line::styled(
                    format!(
                        "Delete everything kubetour created in namespace {}?",
                        t.namespace
                    ),
                    theme.text,
                ),
                Line::styled("Nothing else is touched. y/⏎ yes · n/esc no", theme.key),
            ],
        ),
        Confirm::Teardown { claims: true } => (
            " Delete the claims too? ",
            vec![
                Line::styled(
                    format!(
                        "{} PersistentVolumeClaim(s) hold EMQX's data; a StatefulSet's deletion keeps them.",
                        m.view.claims.len()
                    ),
                    theme.text,
                ),
                Line::styled(
                    "Delete them as well? y yes, data gone · n keep them",
                    theme.key,
                ),
            ],
        ),
        Confirm::QuitBusy => (
            " Quit now? ",
            vec![
                Line::styled(
                    format!(
                        "{} is still running. Quit anyway? What it wrote stays.",
                        m.busy
                            .as_ref()
                            .map(|b| m.describe_order(&b.order))
                            .unwrap_or_default()
                    ),
                    theme.text,
                ),
                Line::styled("y/⏎ quit · n/esc stay", theme.key),
            ],
        ),
    };
    lines.insert(0, Line::raw(""));
    let r = centred(area, 80, lines.len() as u16 + 3);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(panel(title, true, theme))
            .wrap(Wrap { trim: false }),
        r,
    );
}
