//! Why a watch is down, in the words a learner reads: the connection to the API server
//! is lost (and the wizard waits for it to answer again), the server refuses (500, 429,
//! 403 …, retried), or a watch expired (410 Gone: relisting). The raw error stays in
//! `detail` for the trace log; panels never show "ServiceError: client error (Connect)".
//!
//! Also the watchers' retry schedule, see [`backoff`].

use std::time::Duration;

use jiff::Timestamp;
use kube::runtime::watcher;

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
    pub fn from_error(kind: &'static str, e: &watcher::Error) -> WatchTrouble {
        let cause = match e {
            watcher::Error::InitialListFailed(c)
            | watcher::Error::WatchStartFailed(c)
            | watcher::Error::WatchFailed(c) => client_cause(c),
            watcher::Error::WatchError(status) => status_cause(status.code, &status.reason),
            watcher::Error::NoResourceVersion => Cause::Other,
        };
        WatchTrouble {
            kind,
            cause,
            detail: e.to_string(),
        }
    }

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

fn client_cause(e: &kube::Error) -> Cause {
    match e {
        kube::Error::Api(status) => status_cause(status.code, &status.reason),
        kube::Error::HyperError(_)
        | kube::Error::Service(_)
        | kube::Error::ReadEvents(_)
        | kube::Error::RustlsTls(_) => Cause::Unreachable,
        _ => Cause::Other,
    }
}

fn status_cause(code: u16, reason: &str) -> Cause {
    if code == 410 {
        return Cause::Expired;
    }
    let reason = if reason.is_empty() {
        "an error".to_string()
    } else {
        reason.to_string()
    };
    Cause::Refused { code, reason }
}

/// The view's outage: the newest trouble, and since when there has been trouble.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub trouble: WatchTrouble,
    /// Set by the wizard's update from its clock (the view itself knows no time).
    pub since: Option<Timestamp>,
}

/// The watchers' retry schedule: 200 ms doubling to 600 ms, plus jitter of up to as
/// much again (backon's), so never more than 1.2 s between tries. kube's
/// `default_backoff()` grows to 30 s (kind to a struggling shared apiserver), but a
/// learner watching the wizard after the simulated server or their laptop's cluster
/// comes back would stare at stale panels for up to half a minute; one watch request
/// per kind per second against a single local server is cheap. Jitter keeps the twelve
/// watchers from retrying in lockstep.
pub fn backoff() -> watcher::ExponentialBackoff {
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_millis(600))
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .into()
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

    #[test]
    fn refusals_and_expiry_name_the_code_and_the_kind() {
        assert_eq!(status_cause(410, "Expired"), Cause::Expired);
        let t = WatchTrouble {
            kind: "events",
            cause: status_cause(429, "TooManyRequests"),
            detail: String::new(),
        };
        assert_eq!(
            t.describe("s", None),
            "the API server answers 429 TooManyRequests to the events watch: retrying"
        );
    }

    #[test]
    fn the_backoff_never_waits_more_than_about_a_second() {
        let waits: Vec<Duration> = backoff().take(20).collect();
        assert_eq!(waits.len(), 20, "it never gives up");
        assert!(
            waits.iter().all(|d| *d <= Duration::from_millis(1200)),
            "{waits:?}"
        );
    }
}
