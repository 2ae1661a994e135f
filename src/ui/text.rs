//! Fitting text into cells: by display width (CJK characters take two cells), never cut
//! mid-word without an ellipsis.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` cut to `width` cells, ending in `…` when something was cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `head` then `tail` in `width` cells: when both do not fit, the head is cut (ending in
/// `…`) and the tail kept whole, so a status line's clock and the key that acts stay in
/// sight. Only when the tail alone is too wide is it cut too.
pub fn fit_keeping_tail(head: &str, tail: &str, width: usize) -> String {
    if head.width() + tail.width() <= width {
        return format!("{head}{tail}");
    }
    if tail.width() + 2 > width {
        return fit(&format!("{head}{tail}"), width);
    }
    format!("{}{tail}", fit(head, width - tail.width()))
}

/// `text` cut in the middle to `width` cells — for names whose end tells them apart
/// (`emqx-deployment-667799fbf6-fkqfj` → `emqx-deploy…6-fkqfj`).
pub fn fit_middle(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width < 5 {
        return fit(text, width);
    }
    let tail_w = (width - 1) / 2;
    let head_w = width - 1 - tail_w;
    let head = fit(text, head_w + 1);
    let head = head.trim_end_matches('…');
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_w {
            break;
        }
        tail.push(c);
        used += w;
    }
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}…{tail}")
}

/// Styled pieces cut to `width` cells as one line, the last visible piece ending in `…`.
pub fn fit_spans(
    pieces: Vec<(String, ratatui::style::Style)>,
    width: usize,
) -> ratatui::text::Line<'static> {
    let mut left = width;
    let mut spans = Vec::new();
    for (text, style) in pieces {
        if left == 0 {
            break;
        }
        let cut = fit(&text, left);
        left -= cut.width();
        spans.push(ratatui::text::Span::styled(cut, style));
    }
    ratatui::text::Line::from(spans)
}

/// Rows `line` takes when a paragraph wraps it (`wrap`) at `width` cells.
pub fn wrapped_rows(
    line: &ratatui::text::Line,
    width: usize,
    wrap: ratatui::widgets::Wrap,
) -> usize {
    ratatui::widgets::Paragraph::new(line.clone())
        .wrap(wrap)
        .line_count(width.max(1) as u16)
}

/// A spinner frame.
pub fn spinner(frame: u64) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    FRAMES[(frame % FRAMES.len() as u64) as usize]
}

/// Seconds as a short clock: 7s, 1m05s.
pub fn clock(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_is_left_alone() {
        assert_eq!(fit("emqx-0", 10), "emqx-0");
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis_within_the_width() {
        assert_eq!(fit("emqx-statefulset-0", 8), "emqx-st…");
        assert_eq!(fit("emqx-statefulset-0", 8).width(), 8);
    }

    #[test]
    fn chinese_text_is_measured_in_cells() {
        let cut = fit("配置 RBAC，让自动发现生效", 9);
        assert!(cut.width() <= 9, "{cut}");
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_cut_status_line_keeps_its_tail_whole() {
        let line = fit_keeping_tail(
            "drill `wrong-service`: something is wrong — find it with kubectl",
            " · 5s · x: diagnosis and undo",
            60,
        );
        assert_eq!(line.width(), 60, "{line}");
        assert!(line.ends_with("… · 5s · x: diagnosis and undo"), "{line}");
        assert_eq!(fit_keeping_tail("ab", "cd", 4), "abcd");
        // A tail wider than the line is cut like any text.
        assert_eq!(fit_keeping_tail("ab", "cdefgh", 4), "abc…");
    }

    #[test]
    fn names_cut_in_the_middle_keep_their_distinguishing_end() {
        let cut = fit_middle("emqx-deployment-667799fbf6-fkqfj", 20);
        assert_eq!(cut.width(), 20);
        assert!(cut.ends_with("-fkqfj"), "{cut}");
        assert!(cut.starts_with("emqx-"), "{cut}");
    }

    #[test]
    fn clocks_read_as_minutes_and_seconds() {
        assert_eq!(clock(7), "7s");
        assert_eq!(clock(65), "1m05s");
    }
}
