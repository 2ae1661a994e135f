//! The screen while the watches are down: the status line and the panels say the
//! connection is lost, since when and what the wizard waits for, never kube's raw
//! "ServiceError: client error (Connect)"; the first event after the return clears it.

use crate::support::{model, pod, pod_added, screen, watched};
use kube::runtime::watcher::Event;
use kubetour::view::Change;
use kubetour::view::outage::{Cause, WatchTrouble};
use serde_json::json;

fn lost() -> Change {
    Change::Trouble(WatchTrouble {
        kind: "pods",
        cause: Cause::Unreachable,
        detail: "failed to perform initial object list: ServiceError: client error (Connect)"
            .into(),
    })
}

#[test]
fn a_lost_connection_is_said_in_words_on_the_status_line_and_the_panels_until_it_returns() {
    let mut m = model();
    watched(
        &mut m,
        [pod_added(pod(
            "emqx",
            json!({"run": "emqx"}),
            Some("10.244.0.5"),
            "Running",
            30,
        ))],
    );
    watched(&mut m, [lost(), lost()]);
    let since = m.view.trouble.as_ref().and_then(|o| o.since);
    assert_eq!(since, Some(m.now), "the outage began at the first failure");
    let s = screen(&m, 120, 40);
    assert!(
        s.contains("connection to the API server lost since "),
        "{s}"
    );
    assert!(s.contains("waiting for https://127.0.0.1:40123"), "{s}");
    assert!(s.contains("as last seen, connection lost"), "{s}");
    assert!(!s.contains("ServiceError"), "{s}");

    // Back: the relist's first event clears it.
    watched(&mut m, [Change::Pod(Event::Init)]);
    let s = screen(&m, 120, 40);
    assert!(m.view.trouble.is_none());
    assert!(!s.contains("connection"), "{s}");
}

#[test]
fn a_refusing_server_is_named_with_its_code_and_the_retry() {
    let mut m = model();
    watched(
        &mut m,
        [Change::Trouble(WatchTrouble {
            kind: "deployments",
            cause: Cause::Refused {
                code: 429,
                reason: "TooManyRequests".into(),
            },
            detail: String::new(),
        })],
    );
    let s = screen(&m, 120, 40);
    assert!(
        s.contains("the API server answers 429 TooManyRequests to the deployments watch"),
        "{s}"
    );
    assert!(s.contains("retrying"), "{s}");
}
