//! The Job controller (batch/v1, NonIndexed completion mode): keeps up to
//! `parallelism` pods running until `completions` pods succeeded, counts failed pods
//! against `backoffLimit`, and marks the Job Complete or Failed the way kube-controller-
//! manager does (SuccessCriteriaMet / FailureTarget first, then Complete / Failed).
//!
//! Pods finish when their phase becomes Succeeded or Failed, whoever sets it: the
//! sim's kubelet for containers that exit, or a client writing `pods/NAME/status` as a
//! kubelet would. Not modelled: indexed Jobs, pod failure policies, success policies,
//! activeDeadlineSeconds, ttlSecondsAfterFinished, the `job-tracking` finalizer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{Event, Recorder, Reporter};
use super::gc::{Propagation, delete_object};
use super::names;
use super::queue::Reconciler;
use super::replicaset::{create_pod_from_template, owned_pods};
use crate::resources::Res;
use crate::store::{Store, WatchEvent};

type Key = (String, String);

pub struct JobController {
    pub recorder: Arc<Recorder>,
}

fn reporter() -> Reporter {
    Reporter::Classic {
        component: "job-controller",
        host: None,
    }
}

/// A Job condition as the controller writes it (lastProbeTime and lastTransitionTime
/// both now).
fn condition(kind: &str, reason: &str, message: &str, now: &str) -> Value {
    json!({
        "type": kind,
        "status": "True",
        "lastProbeTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    })
}

fn finished(job: &Value) -> bool {
    ["Complete", "Failed"]
        .iter()
        .any(|c| names::condition_status(job, c) == Some("True"))
}

/// What the pods say, counted.
struct Counts {
    active: Vec<Value>,
    ready: usize,
    succeeded: i64,
    failed: i64,
}

fn count(pods: Vec<Value>) -> Counts {
    let mut c = Counts {
        active: Vec::new(),
        ready: 0,
        succeeded: 0,
        failed: 0,
    };
    for pod in pods {
        match names::pod_phase(&pod) {
            "Succeeded" => c.succeeded += 1,
            "Failed" => c.failed += 1,
            _ if names::is_deleting(&pod) => {}
            _ => {
                if names::pod_is_ready(&pod) {
                    c.ready += 1;
                }
                c.active.push(pod);
            }
        }
    }
    c
}

impl Reconciler for JobController {
    type Key = Key;

    fn keys_for(&mut self, _store: &Store, event: &WatchEvent) -> Vec<Key> {
        names::owner_key(event, Res::Job, Res::Pod, "Job")
    }

    fn all_keys(&mut self, store: &Store) -> Vec<Key> {
        names::keys_of(store, Res::Job)
    }

    fn reconcile(&mut self, store: &Arc<Store>, (ns, name): &Key) -> Option<Duration> {
        let job = store.get(Res::Job, ns, name)?;
        if names::is_deleting(&job) || !names::has_containers(&job) || finished(&job) {
            return None;
        }
        let counts = count(owned_pods(store, &job, "Job"));
        let now = store.clock().now_rfc3339();
        let backoff_limit = names::int_at(&job, "/spec/backoffLimit").unwrap_or(6);
        let completions = names::int_at(&job, "/spec/completions");
        let parallelism = names::int_at(&job, "/spec/parallelism").unwrap_or(1).max(0);
        let suspended = job["spec"]["suspend"].as_bool().unwrap_or(false);
        let mut new_conditions = Vec::new();
        let done = match completions {
            Some(c) => counts.succeeded >= c,
            // Without completions, one success and no pod left running is success.
            None => counts.succeeded > 0 && counts.active.is_empty(),
        };
        if counts.failed > backoff_limit {
            let why = "Job has reached the specified backoff limit";
            for pod in &counts.active {
                delete_object(
                    store,
                    Res::Pod,
                    ns,
                    names::name(pod),
                    Propagation::Background,
                );
            }
            new_conditions.push(condition(
                "FailureTarget",
                "BackoffLimitExceeded",
                why,
                &now,
            ));
            new_conditions.push(condition("Failed", "BackoffLimitExceeded", why, &now));
            self.recorder.record(
                &job,
                &reporter(),
                Event::warning("BackoffLimitExceeded", why),
            );
        } else if done {
            let why = "Reached expected number of succeeded pods";
            new_conditions.push(condition(
                "SuccessCriteriaMet",
                "CompletionsReached",
                why,
                &now,
            ));
            new_conditions.push(condition("Complete", "CompletionsReached", why, &now));
            self.recorder.record(
                &job,
                &reporter(),
                Event::normal("Completed", "Job completed"),
            );
        } else if !suspended {
            let remaining = match completions {
                Some(c) => (c - counts.succeeded).max(0),
                None if counts.succeeded > 0 => 0,
                None => parallelism,
            };
            let want = parallelism.min(remaining) as usize;
            for _ in counts.active.len()..want {
                create_pod_from_template(
                    store,
                    &self.recorder,
                    &reporter(),
                    &job,
                    "batch/v1",
                    "Job",
                );
            }
        }
        write_status(store, &job, &counts, new_conditions, &now);
        None
    }
}

fn write_status(store: &Store, job: &Value, counts: &Counts, conditions: Vec<Value>, now: &str) {
    let completing = !conditions.is_empty();
    store.mutate(Res::Job, names::namespace(job), names::name(job), |j| {
        if names::uid(j) != names::uid(job) {
            return false;
        }
        let before = j["status"].clone();
        let status = &mut j["status"];
        if !status.is_object() {
            *status = json!({});
        }
        if status.get("startTime").is_none() && !j["spec"]["suspend"].as_bool().unwrap_or(false) {
            j["status"]["startTime"] = json!(now);
        }
        let status = &mut j["status"];
        // active, succeeded and failed are omitted at zero; ready and terminating not.
        for (field, n) in [
            (
                "active",
                if completing {
                    0
                } else {
                    counts.active.len() as i64
                },
            ),
            ("succeeded", counts.succeeded),
            ("failed", counts.failed),
        ] {
            match n {
                0 => status.as_object_mut().map(|m| m.remove(field)),
                n => status
                    .as_object_mut()
                    .map(|m| m.insert(field.into(), json!(n))),
            };
        }
        status["ready"] = json!(if completing { 0 } else { counts.ready });
        status["terminating"] = json!(0);
        status["uncountedTerminatedPods"] = json!({});
        if completing {
            let list = status["conditions"].as_array().cloned().unwrap_or_default();
            status["conditions"] = json!(list.into_iter().chain(conditions).collect::<Vec<_>>());
            if names::condition_status(j, "Complete") == Some("True") {
                j["status"]["completionTime"] = json!(now);
            }
        }
        j["status"] != before
    });
}
