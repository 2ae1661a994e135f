//! The Events panel after a reinstall (issue 22.1): the previous install's events name
//! today's claim but another uid; they are shown as history — marked `(gone)`, never
//! as a warning — and counted apart in the title, at 80×24, 120×40 and 200×60.

use crate::support::*;
use k8s_openapi::api::core::v1::{Event as K8sEvent, PersistentVolumeClaim};
use kube::runtime::watcher::Event;
use kubetour::view::Change;
use kubetour::view::WatchedEvent;
use serde_json::json;

fn claim(uid: &str) -> Change {
    let c: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "emqx-data-emqx-statefulset-0", "namespace": "emqx", "uid": uid,
            "creationTimestamp": ago(60)},
        "status": {"phase": "Bound"}
    }))
    .unwrap();
    Change::Claim(Event::Apply(c.into()))
}

fn event(name: &str, uid: &str, reason: &str, kind: &str, secs: i64) -> Change {
    let e: K8sEvent = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "emqx"},
        "involvedObject": {"kind": "PersistentVolumeClaim", "name": "emqx-data-emqx-statefulset-0",
            "namespace": "emqx", "uid": uid},
        "reason": reason, "message": "a message", "type": kind, "lastTimestamp": ago(secs)
    }))
    .unwrap();
    Change::Event(Event::Apply(WatchedEvent::from(e).into()))
}

#[test]
fn the_previous_installs_events_are_history_not_warnings() {
    let mut m = model();
    watched(
        &mut m,
        [
            claim("today"),
            event("old.1", "yesterday", "FailedBinding", "Warning", 1800),
            event("new.1", "today", "ProvisioningSucceeded", "Normal", 30),
        ],
    );
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let s = screen(&m, w, h);
        if !s.contains(" Events (") {
            continue; // no room for the panel at this size
        }
        assert!(s.contains("Events (1, 1 of gone objects)"), "{w}×{h}:\n{s}");
        let old = s.lines().find(|l| l.contains("FailedBinding"));
        assert!(old.is_some_and(|l| l.contains("(gone)")), "{w}×{h}:\n{s}");
        let new = s.lines().find(|l| l.contains("ProvisioningSucceeded"));
        assert!(new.is_some_and(|l| !l.contains("(gone)")), "{w}×{h}:\n{s}");
    }
    assert!(screen(&m, 120, 40).contains(" Events ("));
}
