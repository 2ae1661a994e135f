//! Pop-ups over the screen: the help (every key from the table, where tracing goes, how
//! to reach the cluster), and the questions (write to this cluster? tear down? quit now?).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::keys::{Scope, bindings};
use super::panel;
use super::theme::Theme;
use crate::app::model::{Confirm, Model};

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
    let mut lines: Vec<Line> = bindings(Scope::Main)
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:>6}  ", b.label), theme.key),
                Span::styled(b.help, theme.text),
            ])
        })
        .collect();
    lines.push(Line::from(vec![
        Span::styled(format!("{:>6}  ", "mouse"), theme.key),
        Span::styled(
            "click a stage, a pod or a panel; the wheel scrolls the log and the lesson",
            theme.text,
        ),
    ]));
    lines.push(Line::raw(""));
    if let Some(k) = &m.setup.kubeconfig {
        lines.push(Line::styled(
            format!("kubectl: export KUBECONFIG={}", k.display()),
            theme.accent,
        ));
    }
    match &m.setup.trace_file {
        Some(f) => lines.push(Line::styled(
            format!("trace log: {}", f.display()),
            theme.dim,
        )),
        None => lines.push(Line::styled("trace log: off", theme.dim)),
    }
    let h = lines.len() as u16 + 2;
    let r = centred(area, 100, h);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(panel(" Keys (? or esc closes) ", true, theme))
            .wrap(Wrap { trim: false }),
        r,
    );
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
