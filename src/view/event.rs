//! An event as the wizard keeps it: what `kubectl get events` shows and the diagnoses
//! match (time, type, reason, message, the involved object with its uid, count),
//! projected once from the watched `Event` at the watch boundary, in the API's field
//! names. A k8s-openapi `Event` with its source, series and related object held about
//! 1.9 KB; a busy namespace has thousands.

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};

use super::pod::slim_meta;

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WatchedEvent {
    #[serde(deserialize_with = "super::pod::slim_meta_of")]
    pub metadata: ObjectMeta,
    pub involved_object: InvolvedObject,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// Normal or Warning.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub count: Option<i32>,
    pub last_timestamp: Option<Time>,
    /// What events.k8s.io writers set instead of `lastTimestamp`.
    pub event_time: Option<MicroTime>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InvolvedObject {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
}

impl From<core::Event> for WatchedEvent {
    fn from(e: core::Event) -> WatchedEvent {
        WatchedEvent {
            metadata: slim_meta(e.metadata),
            involved_object: InvolvedObject {
                kind: e.involved_object.kind,
                name: e.involved_object.name,
                uid: e.involved_object.uid,
            },
            reason: e.reason,
            message: e.message,
            type_: e.type_,
            count: e.count,
            last_timestamp: e.last_timestamp,
            event_time: e.event_time,
        }
    }
}

impl From<&core::Event> for WatchedEvent {
    fn from(e: &core::Event) -> WatchedEvent {
        e.clone().into()
    }
}

super::projection::resource_like!(WatchedEvent, core::Event);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_read_straight_from_the_api_json_is_its_projection() {
        let json = serde_json::json!({
            "metadata": {"name": "data-0.1", "uid": "e1", "creationTimestamp": "2026-12-06T12:00:00Z",
                "managedFields": [{"manager": "kube-controller-manager"}]},
            "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data-0", "uid": "c1",
                "namespace": "emqx", "apiVersion": "v1"},
            "reason": "FailedBinding", "message": "no persistent volumes available",
            "type": "Warning", "count": 3, "lastTimestamp": "2026-12-06T12:00:05Z",
            "firstTimestamp": "2026-12-06T12:00:00Z",
            "source": {"component": "persistentvolume-controller"}
        });
        let full: core::Event = serde_json::from_value(json.clone()).unwrap();
        let read: WatchedEvent = serde_json::from_value(json).unwrap();
        assert_eq!(read, WatchedEvent::from(full));
        assert_eq!(read.type_.as_deref(), Some("Warning"));
        assert_eq!(read.involved_object.uid.as_deref(), Some("c1"));
        assert_eq!(read.count, Some(3));
    }
}
