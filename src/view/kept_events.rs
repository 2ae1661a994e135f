//! How many events the view keeps. `kubectl get events` shows what the API server still
//! holds: an event lives an hour (the API server's `--event-ttl` default), and the
//! event recorder folds repeats into one event's `count`. A namespace of 1,000 pods
//! still holds six thousand (each pod's Scheduled, Pulled, Created, Started, ...), and
//! the simulator never expires them. The view keeps:
//!
//! - events of the last hour, as `kubectl get events` would show them;
//! - at most [`PER_OBJECT`] per involved object, the newest;
//! - at most [`KEPT`] in all: when more come, the oldest Normal ones go first, and a
//!   Warning (what the diagnoses and `status` read: `FailedBinding`,
//!   `ProvisioningFailed`, `BackOff`) only when no Normal one is left.
//!
//! The screen shows the newest few and the diagnoses match Warnings about live objects,
//! so nothing a check or a diagnosis reads is lost while a namespace stays within these.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use kube::ResourceExt;

use super::Cache;
use super::event::WatchedEvent;
use super::objects::event_time;

/// An event's lifetime on the API server (`--event-ttl`, 1 h by default).
pub const TTL: SignedDuration = SignedDuration::from_hours(1);
/// The most events kept about one object.
pub const PER_OBJECT: usize = 20;
/// The most events kept in all.
pub const KEPT: usize = 1_000;
/// How far past [`KEPT`] the view goes before it prunes: pruning sorts every event, so
/// it runs once per this many new events, not on every one.
const SLACK: usize = KEPT / 10;

type ObjectKey<'a> = (&'a str, &'a str, &'a str);
type Dated = (Option<Timestamp>, String);

/// Whether the events are over their count, so [`prune`] should run.
pub fn over(events: &Cache<WatchedEvent>) -> bool {
    events.len() > KEPT + SLACK
}

/// Forgets what the view does not keep (see the module); `now` drops events older than
/// [`TTL`] (without it, only the counts apply). Returns whether any went.
pub fn prune(events: &mut Cache<WatchedEvent>, now: Option<Timestamp>) -> bool {
    let when =
        |e: &WatchedEvent| event_time(e).or(e.metadata.creation_timestamp.as_ref().map(|t| t.0));
    let expired = |e: &WatchedEvent| match (now, when(e)) {
        (Some(now), Some(t)) => now.duration_since(t) > TTL,
        _ => false,
    };
    // By involved object (uid, kind, name): each event's time and name.
    let mut by_object: BTreeMap<ObjectKey, Vec<Dated>> = BTreeMap::new();
    let mut dropped = BTreeSet::new();
    for e in events.iter() {
        if expired(e) {
            dropped.insert(e.name_any());
            continue;
        }
        let o = &e.involved_object;
        let key = (
            o.uid.as_deref().unwrap_or_default(),
            o.kind.as_deref().unwrap_or_default(),
            o.name.as_deref().unwrap_or_default(),
        );
        by_object
            .entry(key)
            .or_default()
            .push((when(e), e.name_any()));
    }
    for mut about in by_object.into_values() {
        if about.len() > PER_OBJECT {
            about.sort();
            let extra = about.len() - PER_OBJECT;
            dropped.extend(about.into_iter().take(extra).map(|(_, name)| name));
        }
    }
    let left = events.len() - dropped.len();
    if left > KEPT {
        let mut rest: Vec<(bool, Option<Timestamp>, String)> = events
            .iter()
            .filter(|e| !dropped.contains(&e.name_any()))
            .map(|e| (e.type_.as_deref() == Some("Warning"), when(e), e.name_any()))
            .collect();
        rest.sort();
        dropped.extend(rest.into_iter().take(left - KEPT).map(|(_, _, name)| name));
    }
    !dropped.is_empty() && events.retain(|e| !dropped.contains(&e.name_any()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event::InvolvedObject;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
    use kube::runtime::watcher::Event;

    fn event(name: &str, about: &str, warning: bool, at: Timestamp) -> WatchedEvent {
        WatchedEvent {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            involved_object: InvolvedObject {
                kind: Some("Pod".into()),
                name: Some(about.into()),
                uid: Some(format!("uid-{about}")),
            },
            type_: Some(if warning { "Warning" } else { "Normal" }.into()),
            last_timestamp: Some(Time(at)),
            ..WatchedEvent::default()
        }
    }

    fn now() -> Timestamp {
        "2026-12-07T12:00:00Z".parse().unwrap()
    }

    fn ago(secs: i64) -> Timestamp {
        now() - SignedDuration::from_secs(secs)
    }

    fn cache(events: impl IntoIterator<Item = WatchedEvent>) -> Cache<WatchedEvent> {
        let mut c = Cache::default();
        for e in events {
            c.apply(Event::Apply(e.into()));
        }
        c
    }

    #[test]
    fn events_older_than_the_api_servers_hour_are_forgotten_as_kubectl_would_no_longer_show_them() {
        let mut c = cache([
            event("old", "a", true, ago(3601)),
            event("recent", "a", false, ago(3599)),
        ]);
        assert!(prune(&mut c, Some(now())));
        let left: Vec<_> = c.iter().map(|e| e.name_any()).collect();
        assert_eq!(left, ["recent"]);
        // Without a clock only the counts apply.
        let mut c = cache([event("old", "a", true, ago(99_999))]);
        assert!(!prune(&mut c, None));
    }

    #[test]
    fn one_object_keeps_only_its_newest_events() {
        let mut c = cache(
            (0..PER_OBJECT as i64 + 5)
                .map(|i| event(&format!("e{i:03}"), "busy", false, ago(1000 - i))),
        );
        c.apply(Event::Apply(
            event("quiet", "other", false, ago(2000)).into(),
        ));
        prune(&mut c, Some(now()));
        assert_eq!(c.len(), PER_OBJECT + 1);
        assert!(c.get("e000").is_none(), "the oldest about `busy` went");
        assert!(c.get(&format!("e{:03}", PER_OBJECT + 4)).is_some());
        assert!(c.get("quiet").is_some(), "another object's event stays");
    }

    #[test]
    fn over_the_total_the_oldest_normal_events_go_before_any_warning() {
        let warnings = (0..10).map(|i| event(&format!("w{i}"), &format!("w{i}"), true, ago(3000)));
        let normals = (0..KEPT + SLACK).map(|i| {
            event(
                &format!("n{i:05}"),
                &format!("p{i}"),
                false,
                ago(2000 - i as i64),
            )
        });
        let mut c = cache(warnings.chain(normals));
        assert!(over(&c));
        assert!(prune(&mut c, Some(now())));
        assert_eq!(c.len(), KEPT);
        assert!(
            (0..10).all(|i| c.get(&format!("w{i}")).is_some()),
            "the old warnings stay"
        );
        assert!(c.get("n00000").is_none(), "the oldest normal one went");
        assert!(c.get(&format!("n{:05}", KEPT + SLACK - 1)).is_some());
    }
}
