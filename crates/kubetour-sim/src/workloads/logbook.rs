//! Container logs as the kubelet keeps them: the lines of the current run and of the
//! previous one (what `kubectl logs --previous` reads), each with the time it was
//! written. Followers wait on a counter bumped at every append and at the run's end.

use jiff::Timestamp;
use tokio::sync::watch;

/// One line of output, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at: Timestamp,
    pub text: String,
}

/// When the current log file is rotated. The kubelet's `containerLogMaxSize` is 10Mi;
/// the sim holds logs in memory as parsed lines (about 1.5× their text), for every
/// container, in the same process as the embedded wizard, and no step of the tour reads
/// more than a few hundred lines, so 1 MiB (about ten thousand EMQX lines) is kept.
pub const MAX_LOG_BYTES: usize = 1024 * 1024;

/// The output of one run of a container.
#[derive(Debug, Clone, Default)]
pub struct RunLog {
    /// The lines of the current log file: what `kubectl logs` reads.
    pub lines: Vec<LogLine>,
    /// The process has exited (or was stopped): nothing more will be written.
    pub ended: bool,
    /// Lines written before the last rotation (no longer served, as the kubelet serves
    /// only the current file); followers count from the run's first line.
    pub rotated: usize,
    bytes: usize,
}

impl RunLog {
    /// Appends `text`, one entry per line of it.
    pub fn push(&mut self, at: Timestamp, text: &str) {
        for line in text.split('\n') {
            self.bytes += line.len() + 1;
            self.lines.push(LogLine {
                at,
                text: line.to_string(),
            });
        }
        if self.bytes > MAX_LOG_BYTES {
            // Rotation: the file is renamed away and a new one starts empty.
            self.rotated += self.lines.len();
            self.lines = Vec::new();
            self.bytes = 0;
        }
    }

    /// Every line written in this run so far, rotated or not.
    pub fn written(&self) -> usize {
        self.rotated + self.lines.len()
    }
}

/// A container's logs across restarts.
#[derive(Debug)]
pub struct ContainerLog {
    /// The pod incarnation these runs belong to.
    pub uid: String,
    pub current: RunLog,
    pub previous: Option<RunLog>,
    /// Which run `current` is (0 for the first; +1 at each restart).
    pub run: u32,
    /// Bumped whenever `current` changes; followers watch it.
    pub changed: watch::Sender<u64>,
}

impl ContainerLog {
    pub fn new(uid: &str) -> ContainerLog {
        ContainerLog {
            uid: uid.to_string(),
            current: RunLog::default(),
            previous: None,
            run: 0,
            changed: watch::channel(0).0,
        }
    }

    /// A new run starts: the current one becomes the previous one.
    pub fn restart(&mut self) {
        let mut old = std::mem::take(&mut self.current);
        old.ended = true;
        self.previous = Some(old);
        self.run += 1;
        self.bump();
    }

    pub fn append(&mut self, at: Timestamp, text: &str) {
        self.current.push(at, text);
        self.bump();
    }

    pub fn end(&mut self) {
        self.current.ended = true;
        self.bump();
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

/// What a log request selects, in the API's parameters.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub tail_lines: Option<usize>,
    pub since: Option<Timestamp>,
    pub timestamps: bool,
    pub limit_bytes: Option<usize>,
}

/// `2026-11-22T12:00:00.123456789Z`: the kubelet's RFC 3339 with nanoseconds.
pub fn kubelet_timestamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// Renders the selected lines of a run (each ending in `\n`).
pub fn render(lines: &[LogLine], q: &LogQuery) -> String {
    let selected: Vec<&LogLine> = lines
        .iter()
        .filter(|l| q.since.is_none_or(|s| l.at >= s))
        .collect();
    let skip = q
        .tail_lines
        .map(|n| selected.len().saturating_sub(n))
        .unwrap_or(0);
    let mut out = String::new();
    for line in &selected[skip..] {
        out.push_str(&render_line(line, q.timestamps));
    }
    if let Some(limit) = q.limit_bytes {
        truncate_bytes(&mut out, limit);
    }
    out
}

pub fn render_line(line: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!("{} {}\n", kubelet_timestamp(line.at), line.text)
    } else {
        format!("{}\n", line.text)
    }
}

/// Cuts `s` to at most `limit` bytes, on a character boundary.
pub fn truncate_bytes(s: &mut String, limit: usize) {
    if s.len() <= limit {
        return;
    }
    let mut cut = limit;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[test]
    fn tail_since_and_limit_select_like_the_kubelet() {
        let mut log = RunLog::default();
        log.push(at(0), "one\ntwo");
        log.push(at(10), "three");
        let all = LogQuery::default();
        assert_eq!(render(&log.lines, &all), "one\ntwo\nthree\n");
        let tail = LogQuery {
            tail_lines: Some(2),
            ..LogQuery::default()
        };
        assert_eq!(render(&log.lines, &tail), "two\nthree\n");
        let since = LogQuery {
            since: Some(at(5)),
            ..LogQuery::default()
        };
        assert_eq!(render(&log.lines, &since), "three\n");
        let limit = LogQuery {
            limit_bytes: Some(5),
            ..LogQuery::default()
        };
        assert_eq!(render(&log.lines, &limit), "one\nt");
        let stamped = LogQuery {
            timestamps: true,
            tail_lines: Some(1),
            ..LogQuery::default()
        };
        assert!(render(&log.lines, &stamped).ends_with("Z three\n"));
    }

    #[test]
    fn a_log_past_its_cap_is_rotated_and_starts_afresh() {
        let mut log = RunLog::default();
        let line = "x".repeat(1023);
        for _ in 0..1024 {
            log.push(at(0), &line);
        }
        assert_eq!(log.lines.len(), 1024, "exactly 1 MiB is kept");
        log.push(at(1), "over");
        assert!(log.lines.is_empty(), "rotated: the new file is empty");
        assert_eq!(log.written(), 1025);
        log.push(at(2), "after");
        assert_eq!(render(&log.lines, &LogQuery::default()), "after\n");
    }

    #[test]
    fn a_restart_keeps_the_old_run_as_previous() {
        let mut c = ContainerLog::new("u");
        c.append(at(0), "first run");
        c.restart();
        c.append(at(1), "second run");
        assert_eq!(c.previous.as_ref().unwrap().lines[0].text, "first run");
        assert!(c.previous.as_ref().unwrap().ended);
        assert_eq!(c.current.lines[0].text, "second run");
    }
}
