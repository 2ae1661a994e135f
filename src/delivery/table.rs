//! The matrix as plain text (for `kubetour probe`): published on ↓, received on →.

use super::matrix::{Cell, Matrix, ms};

/// One cell in words: `✓ 12 ms`, `✗`, or `-` (not tried).
pub fn cell_text(c: Cell) -> String {
    match c {
        Cell::Delivered(d) => format!("✓ {} ms", ms(d)),
        Cell::Lost => "✗".to_string(),
        Cell::NotTried => "-".to_string(),
    }
}

pub fn plain(m: &Matrix) -> String {
    let corner = "published on ↓ / received on →";
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let first = m
        .pods
        .iter()
        .map(|p| width(p))
        .chain([width(corner)])
        .max()
        .unwrap_or(0);
    let cols: Vec<usize> = m
        .pods
        .iter()
        .enumerate()
        .map(|(t, p)| {
            (0..m.pods.len())
                .map(|f| width(&cell_text(m.cell(f, t))))
                .chain([width(p)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(width(s))));
    let mut out = String::new();
    let mut line = pad(corner, first);
    for (p, w) in m.pods.iter().zip(&cols) {
        line.push_str("  ");
        line.push_str(&pad(p, *w));
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (f, from) in m.pods.iter().enumerate() {
        let mut line = pad(from, first);
        for (t, w) in cols.iter().enumerate() {
            line.push_str("  ");
            line.push_str(&pad(&cell_text(m.cell(f, t)), *w));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for (pod, why) in &m.unreachable {
        out.push_str(&format!("{pod}: {why}\n"));
    }
    out
}
