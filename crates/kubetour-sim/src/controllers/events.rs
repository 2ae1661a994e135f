//! core/v1 Events as the real components write them.
//!
//! Two styles exist in a real cluster and `kubectl describe` shows both: the classic
//! recorder (controller-manager, kubelet) writes `source`, `firstTimestamp`,
//! `lastTimestamp` and a `count` that grows when the same event repeats; the
//! events.k8s.io recorder (the scheduler) writes `eventTime`, `action` and
//! `reportingInstance`, with null first/last timestamps and no count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::event_aggregate::{Aggregator, COMBINED, Similarity};
use super::names;
use crate::resources::Res;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Who reports an event.
#[derive(Debug, Clone)]
pub enum Reporter {
    /// A classic recorder: `source.component` (and `source.host` for the kubelet).
    Classic {
        component: &'static str,
        host: Option<String>,
    },
    /// The events.k8s.io recorder: the scheduler, with its `action`.
    Series {
        component: &'static str,
        instance: String,
        action: &'static str,
    },
}

/// One event to record about `involved`.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    pub reason: &'static str,
    pub message: String,
    /// `spec.containers{emqx}` for container events.
    pub field_path: Option<String>,
}

impl Event {
    pub fn normal(reason: &'static str, message: impl Into<String>) -> Event {
        Event {
            kind: EventType::Normal,
            reason,
            message: message.into(),
            field_path: None,
        }
    }

    pub fn warning(reason: &'static str, message: impl Into<String>) -> Event {
        Event {
            kind: EventType::Warning,
            ..Event::normal(reason, message)
        }
    }

    pub fn on_container(mut self, container: &str) -> Event {
        self.field_path = Some(format!("spec.containers{{{container}}}"));
        self
    }
}

/// What makes events "the same" (namespace, involved uid, reason, message, component),
/// hashed: the cache holds 4,096 of them for an hour's churn, and the five strings were
/// most of an entry. A hit is checked against the stored Event before it is counted, so
/// two keys sharing a hash only cost a new Event, as an LRU eviction would.
type EventKey = u64;

fn event_key(namespace: &str, uid: &str, reason: &str, message: &str, component: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (namespace, uid, reason, message, component).hash(&mut h);
    h.finish()
}

/// client-go's `maxLruCacheEntries`.
const SEEN_MAX: usize = 4096;

/// Writes events; repeats of a classic event bump its count instead of adding one, and
/// similar ones are combined (`event_aggregate`), as client-go's correlator does.
#[derive(Debug)]
pub struct Recorder {
    store: Arc<Store>,
    correlator: Mutex<Correlator>,
}

#[derive(Debug, Default)]
struct Correlator {
    aggregator: Aggregator,
    /// [`event_key`] (or a combined Event's key) -> the Event it wrote.
    seen: HashMap<EventKey, Seen>,
    /// Counts the records, to know which entries were used least recently.
    records: u64,
}

/// An Event the correlator wrote: its name is the involved object's and these
/// nanoseconds (`<object>.<nanos in hex>`), the object being part of the key.
#[derive(Debug, Clone, Copy)]
struct Seen {
    nanos: u64,
    used: u64,
}

impl Recorder {
    pub fn new(store: Arc<Store>) -> Arc<Recorder> {
        Arc::new(Recorder {
            store,
            correlator: Mutex::new(Correlator::default()),
        })
    }

    pub fn record(&self, involved: &Value, reporter: &Reporter, mut event: Event) {
        let namespace = match names::namespace(involved) {
            "" => "default".to_string(),
            ns => ns.to_string(),
        };
        let now = self.store.clock().now();
        let seconds = crate::clock::format_seconds(now);
        if let Reporter::Classic { component, host } = reporter {
            let uid = names::uid(involved);
            let mut correlator = self.correlator.lock().unwrap_or_else(|p| p.into_inner());
            let similar = Similarity {
                component,
                host: host.as_deref().unwrap_or_default(),
                kind: involved["kind"].as_str().unwrap_or_default(),
                namespace: names::namespace(involved),
                name: names::name(involved),
                uid,
                api_version: involved["apiVersion"].as_str().unwrap_or_default(),
                event_type: event.kind.as_str(),
                reason: event.reason,
            };
            let combined = correlator.aggregator.combine(&similar, &event.message, now);
            let key = match combined {
                Some(key) => {
                    event.message = format!("{COMBINED}{}", event.message);
                    key
                }
                None => event_key(&namespace, uid, event.reason, &event.message, component),
            };
            correlator.records += 1;
            let records = correlator.records;
            if let Some(existing) = correlator.seen.get_mut(&key) {
                existing.used = records;
                let name = format!("{}.{:x}", names::name(involved), existing.nanos);
                let mut bumped = false;
                self.store.mutate(Res::Event, &namespace, &name, |e| {
                    // A combined Event takes each new message; any other is a repeat.
                    let message = e["message"].as_str().unwrap_or_default();
                    let same = e["involvedObject"]["uid"] == uid
                        && e["reason"] == event.reason
                        && e["source"]["component"] == *component
                        && match combined {
                            Some(_) => message.starts_with(COMBINED),
                            None => message == event.message,
                        };
                    if same {
                        let count = e["count"].as_i64().unwrap_or(1);
                        e["count"] = json!(count + 1);
                        e["lastTimestamp"] = json!(seconds);
                        e["message"] = json!(event.message);
                        bumped = true;
                    }
                    same
                });
                if bumped {
                    return;
                }
            }
            if let Some(nanos) = self.create(involved, &namespace, reporter, &event, now) {
                bound(&mut correlator.seen);
                let used = records;
                correlator.seen.insert(key, Seen { nanos, used });
            }
            return;
        }
        self.create(involved, &namespace, reporter, &event, now);
    }

    fn create(
        &self,
        involved: &Value,
        namespace: &str,
        reporter: &Reporter,
        event: &Event,
        now: jiff::Timestamp,
    ) -> Option<u64> {
        let seconds = crate::clock::format_seconds(now);
        let mut involved_ref = json!({
            "kind": involved["kind"],
            "namespace": involved["metadata"]["namespace"],
            "name": names::name(involved),
            "uid": names::uid(involved),
            "apiVersion": involved["apiVersion"],
            "resourceVersion": involved["metadata"]["resourceVersion"],
        });
        if let Some(path) = &event.field_path {
            involved_ref["fieldPath"] = json!(path);
        }
        if involved_ref["namespace"].is_null() {
            involved_ref.as_object_mut().map(|m| m.remove("namespace"));
        }
        let mut body = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"namespace": namespace},
            "involvedObject": involved_ref,
            "reason": event.reason,
            "message": event.message,
            "type": event.kind.as_str(),
        });
        match reporter {
            Reporter::Classic { component, host } => {
                let mut source = json!({"component": component});
                if let Some(host) = host {
                    source["host"] = json!(host);
                }
                body["source"] = source;
                body["firstTimestamp"] = json!(seconds);
                body["lastTimestamp"] = json!(seconds);
                body["count"] = json!(1);
                body["eventTime"] = Value::Null;
                body["reportingComponent"] = json!(component);
                body["reportingInstance"] = json!(host.clone().unwrap_or_default());
            }
            Reporter::Series {
                component,
                instance,
                action,
            } => {
                body["source"] = json!({});
                body["firstTimestamp"] = Value::Null;
                body["lastTimestamp"] = Value::Null;
                body["eventTime"] = json!(micro_time(now));
                body["action"] = json!(action);
                body["reportingComponent"] = json!(component);
                body["reportingInstance"] = json!(instance);
            }
        }
        // `<object>.<unix nanos in hex>`, as client-go names them; paused test time can
        // make two events share a nanosecond, so step past a taken name.
        let mut nanos = now.as_nanosecond();
        for _ in 0..64 {
            let name = format!("{}.{:x}", names::name(involved), nanos);
            body["metadata"]["name"] = json!(name);
            match self.store.create(Res::Event, body.clone()) {
                Ok(_) => return u64::try_from(nanos).ok(),
                Err(StoreError::AlreadyExists { .. }) => nanos += 1,
                Err(_) => return None,
            }
        }
        None
    }
}

/// client-go's event correlator keeps at most 4096 entries, in an LRU: when full, the
/// half used least recently goes (a repeat of one of them then writes a new event, as
/// after an LRU eviction).
fn bound(seen: &mut HashMap<EventKey, Seen>) {
    if seen.len() < SEEN_MAX {
        return;
    }
    let mut used: Vec<u64> = seen.values().map(|s| s.used).collect();
    let middle = used.len() / 2;
    let (_, &mut median, _) = used.select_nth_unstable(middle);
    seen.retain(|_, s| s.used >= median);
}

/// `2026-11-22T11:50:32.367057Z`: the MicroTime of events.k8s.io.
pub fn micro_time(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;

    fn pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "resourceVersion": "5"}})
    }

    #[tokio::test]
    async fn a_repeated_classic_event_bumps_its_count() {
        let store = Store::new(Clock::new(1.0));
        let rec = Recorder::new(store.clone());
        let who = Reporter::Classic {
            component: "persistentvolume-controller",
            host: None,
        };
        rec.record(&pod(), &who, Event::normal("FailedBinding", "no"));
        rec.record(&pod(), &who, Event::normal("FailedBinding", "no"));
        let (events, _) = store.list(Res::Event, Some("ns"));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["count"], 2);
        assert_eq!(
            events[0]["source"]["component"],
            "persistentvolume-controller"
        );
        assert!(
            events[0]["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("p.")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn ten_similar_events_in_ten_minutes_become_one_combined_event_that_counts_the_rest() {
        let store = Store::new(Clock::new(1.0));
        let rec = Recorder::new(store.clone());
        let who = Reporter::Classic {
            component: "replicaset-controller",
            host: None,
        };
        for i in 0..12 {
            let message = format!("Created pod: p-{i}");
            rec.record(&pod(), &who, Event::normal("SuccessfulCreate", message));
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        }
        let (events, _) = store.list(Res::Event, Some("ns"));
        // Nine as they came, then one combined Event for the tenth and the two after it.
        assert_eq!(events.len(), 10);
        let combined: Vec<&Value> = events
            .iter()
            .filter(|e| e["message"].as_str().unwrap().starts_with(COMBINED))
            .collect();
        assert_eq!(combined.len(), 1);
        assert_eq!(
            combined[0]["message"],
            "(combined from similar events): Created pod: p-11"
        );
        assert_eq!(combined[0]["count"], 3);
    }

    #[tokio::test]
    async fn a_scheduler_event_has_an_event_time_and_no_count() {
        let store = Store::new(Clock::new(1.0));
        let rec = Recorder::new(store.clone());
        let who = Reporter::Series {
            component: "default-scheduler",
            instance: "default-scheduler-sim".into(),
            action: "Binding",
        };
        rec.record(&pod(), &who, Event::normal("Scheduled", "a"));
        rec.record(&pod(), &who, Event::normal("Scheduled", "a"));
        let (events, _) = store.list(Res::Event, Some("ns"));
        assert_eq!(events.len(), 2);
        assert!(events[0].get("count").is_none());
        let t = events[0]["eventTime"].as_str().unwrap();
        assert_eq!(t.len(), "2026-11-22T11:50:32.367057Z".len(), "{t}");
    }
}
