//! One line of container output, and how EMQX stamps its log lines.
//!
//! EMQX writes two kinds of lines: plain ones (`io:format`, shell `echo`, the escript
//! failure) and logger lines `<time> [<level>] <msg>`. The model produces [`Line`]s
//! without time; the caller renders them with the simulated time (no clock reads here).

use jiff::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Logger levels EMQX prints (the console default is `warning`, so info never shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    Warning,
    Error,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }
}

/// A line the container writes, before it is given a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub stream: Stream,
    /// Some for logger lines (rendered with a timestamp and `[level]`).
    pub level: Option<Level>,
    pub text: String,
}

impl Line {
    pub fn plain(stream: Stream, text: impl Into<String>) -> Line {
        Line {
            stream,
            level: None,
            text: text.into(),
        }
    }

    pub fn logged(stream: Stream, level: Level, text: impl Into<String>) -> Line {
        Line {
            stream,
            level: Some(level),
            text: text.into(),
        }
    }

    /// The line as it appears in `kubectl logs` (without the trailing newline).
    pub fn render(&self, at: Timestamp) -> String {
        match self.level {
            Some(level) => format!("{} [{}] {}", timestamp(at), level.as_str(), self.text),
            None => self.text.clone(),
        }
    }
}

/// `2024-05-01T10:00:05.101234+00:00`: the logger's RFC 3339 time, microseconds, UTC.
pub fn timestamp(at: Timestamp) -> String {
    format!("{}+00:00", at.strftime("%Y-%m-%dT%H:%M:%S%.6f"))
}

/// Renders lines written in one burst: each logger line is stamped `step_micros` after
/// the previous one (real bursts are tens of microseconds apart, EMQX.md §1.2).
pub fn render_burst(lines: &[Line], start: Timestamp, step_micros: i64) -> Vec<(Stream, String)> {
    let mut at = start;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        out.push((line.stream, line.render(at)));
        if line.level.is_some() {
            at = at
                .checked_add(jiff::SignedDuration::from_micros(step_micros))
                .unwrap_or(at);
        }
    }
    out
}

/// The process result of a container that failed to boot: what it printed, its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootFailure {
    pub lines: Vec<Line>,
    pub exit_code: i32,
}

#[cfg(test)]
pub(crate) fn at(s: &str) -> Timestamp {
    s.parse()
        .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logger_line_has_microseconds_and_a_utc_offset() {
        let line = Line::logged(Stream::Stdout, Level::Error, "hello");
        assert_eq!(
            line.render(at("2024-05-01T10:00:05.101234Z")),
            "2024-05-01T10:00:05.101234+00:00 [error] hello"
        );
        assert_eq!(
            timestamp(at("2024-05-01T10:00:05Z")),
            "2024-05-01T10:00:05.000000+00:00"
        );
    }

    #[test]
    fn a_plain_line_is_printed_as_is() {
        let line = Line::plain(Stream::Stderr, "!!!!!!");
        assert_eq!(line.render(at("2024-05-01T10:00:05Z")), "!!!!!!");
    }

    #[test]
    fn a_burst_advances_time_only_for_logger_lines() {
        let lines = [
            Line::logged(Stream::Stderr, Level::Error, "a"),
            Line::plain(Stream::Stdout, "b"),
            Line::logged(Stream::Stderr, Level::Error, "c"),
        ];
        let out = render_burst(&lines, at("2024-05-01T10:00:00.039605Z"), 48);
        assert_eq!(out[0].1, "2024-05-01T10:00:00.039605+00:00 [error] a");
        assert_eq!(out[1], (Stream::Stdout, "b".to_string()));
        assert_eq!(out[2].1, "2024-05-01T10:00:00.039653+00:00 [error] c");
    }
}
