//! Why a watch is down, in the words a learner reads: the connection to the API server
//! is lost (and the wizard waits for it to answer again), the server refuses (500, 429,
//! 403 …, retried), or a watch expired (410 Gone: relisting). The raw error stays in
//! `detail` for the trace log; panels never show "ServiceError: client error (Connect)".
//! (How a kube error becomes one of these is `cluster::watch`'s: this module does no I/O.)

use jiff::Timestamp;

/// What went wrong with a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// No answer at all: refused, reset, timed out, TLS or DNS failure.
    Unreachable,
    /// The server answered with an error Status.
    Refused {
        code: u16,
        reason: String,
    },
    /// 410 Gone: the watch's resourceVersion is too old (compaction, a server restart);
    /// the watcher relists.
    Expired,
    Other,
}

/// A failed watch: its kind, why, and kube's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchTrouble {
    /// The followed kind, plural ("pods").
    pub kind: &'static str,
    pub cause: Cause,
    pub detail: String,
}

impl WatchTrouble {
    /// One line: what is wrong and what the wizard waits for. The same for every kind
    /// when the connection is lost (one outage, one sentence), so the line does not
    /// flicker as each watcher retries.
    /// `since`: when the trouble began, as the screen writes times.
    pub fn describe(&self, server: &str, since: Option<&str>) -> String {
        let since = since.map(|t| format!(" since {t}")).unwrap_or_default();
        match &self.cause {
            Cause::Unreachable => format!(
                "connection to the API server lost{since}: waiting for {server} to answer again (retrying every second)"
            ),
            Cause::Refused { code, reason } => format!(
                "the API server answers {code} {reason} to the {} watch{since}: retrying",
                self.kind
            ),
            Cause::Expired => format!(
                "the {} watch expired (410 Gone): listing them again",
                self.kind
            ),
            Cause::Other => format!("the {} watch failed: {}; retrying", self.kind, self.detail),
        }
    }
}

impl WatchTrouble {
    /// A few words for a narrow panel: what is wrong, since when.
    pub fn short(&self, since: Option<&str>) -> String {
        let since = since.map(|t| format!(" since {t}")).unwrap_or_default();
        match &self.cause {
            Cause::Unreachable => format!("connection lost{since}; as last seen"),
            Cause::Refused { code, .. } => format!("watch refused ({code}){since}; retrying"),
            Cause::Expired => "watch expired (410): relisting".to_string(),
            Cause::Other => format!("watch failed{since}; retrying"),
        }
    }
}

/// The view's outage: the newest trouble, and since when there has been trouble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub trouble: WatchTrouble,
    /// Stamped by [`ClusterView::fold`](super::ClusterView::fold) from the time it is given.
    pub since: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_is_told_as_such_not_as_the_client_error() {
        let t = WatchTrouble {
            kind: "pods",
            cause: Cause::Unreachable,
            detail: "failed to perform initial object list: ServiceError: client error (Connect)"
                .into(),
        };
        let line = t.describe("https://127.0.0.1:6443", Some("12:00:03"));
        assert!(line.contains("connection to the API server lost"), "{line}");
        assert!(line.contains("https://127.0.0.1:6443"), "{line}");
        assert!(line.contains("lost since 12:00:03"), "{line}");
        assert!(!line.contains("ServiceError"), "{line}");
    }
}
