//! Columns and cells of the kinds every real server serves beyond the track's own:
//! batch/v1 Jobs and CronJobs, coordination.k8s.io Leases, APIServices (after the
//! real printers in pkg/printers/internalversion/printers.go).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::format::{containers_and_images, human_duration, int_at, or_none, str_at};
use super::{Column, col};
use crate::api::selector::LabelSelector;

pub fn job_columns() -> Vec<Column> {
    vec![
        col("Name", 0),
        col("Status", 0),
        col("Completions", 0),
        col("Duration", 0),
        col("Age", 0),
        col("Containers", 1),
        col("Images", 1),
        col("Selector", 1),
    ]
}

pub fn cronjob_columns() -> Vec<Column> {
    vec![
        col("Name", 0),
        col("Schedule", 0),
        col("Timezone", 0),
        col("Suspend", 0),
        col("Active", 0),
        col("Last Schedule", 0),
        col("Age", 0),
        col("Containers", 1),
        col("Images", 1),
        col("Selector", 1),
    ]
}

pub fn lease_columns() -> Vec<Column> {
    vec![col("Name", 0), col("Holder", 0), col("Age", 0)]
}

/// kubectl's NetworkPolicy printer: name, the pod selector (`<none>` when it selects
/// every pod of the namespace), age.
pub fn networkpolicy_columns() -> Vec<Column> {
    vec![col("Name", 0), col("Pod-Selector", 0), col("Age", 0)]
}

pub fn apiservice_columns() -> Vec<Column> {
    vec![
        col("Name", 0),
        col("Service", 0),
        col("Available", 0),
        col("Age", 0),
    ]
}

fn time(v: &Value, pointer: &str) -> Option<Timestamp> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

fn condition_true(o: &Value, kind: &str) -> bool {
    o.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| str_at(c, "/type") == kind && str_at(c, "/status") == "True")
}

fn selector(o: &Value, pointer: &str) -> String {
    let s = o
        .pointer(pointer)
        .map(|s| LabelSelector::from_object(s).to_string_form())
        .unwrap_or_default();
    or_none(&s)
}

pub fn job(o: &Value, now: Timestamp, name: Value, created: String) -> Vec<Value> {
    let status = if condition_true(o, "Complete") {
        "Complete"
    } else if condition_true(o, "Failed") {
        "Failed"
    } else if condition_true(o, "Suspended") {
        "Suspended"
    } else {
        "Running"
    };
    let completions = match o.pointer("/spec/completions").and_then(Value::as_i64) {
        Some(c) => format!("{}/{c}", int_at(o, "/status/succeeded")),
        None => format!("{}/1 of {}", int_at(o, "/status/succeeded"), {
            int_at(o, "/spec/parallelism")
        }),
    };
    let duration = match time(o, "/status/startTime") {
        Some(start) => {
            let end = time(o, "/status/completionTime").unwrap_or(now);
            human_duration(end.duration_since(start).as_secs())
        }
        None => String::new(),
    };
    let (c, i) = containers_and_images(o.pointer("/spec/template/spec"));
    vec![
        name,
        json!(status),
        json!(completions),
        json!(duration),
        json!(created),
        json!(c),
        json!(i),
        json!(selector(o, "/spec/selector")),
    ]
}

pub fn cronjob(o: &Value, now: Timestamp, name: Value, created: String) -> Vec<Value> {
    let suspend = o
        .pointer("/spec/suspend")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let last = match time(o, "/status/lastScheduleTime") {
        Some(t) => human_duration(now.duration_since(t).as_secs()),
        None => "<none>".into(),
    };
    let active = o
        .pointer("/status/active")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let (c, i) = containers_and_images(o.pointer("/spec/jobTemplate/spec/template/spec"));
    vec![
        name,
        json!(str_at(o, "/spec/schedule")),
        json!(or_none(str_at(o, "/spec/timeZone"))),
        json!(if suspend { "True" } else { "False" }),
        json!(active),
        json!(last),
        json!(created),
        json!(c),
        json!(i),
        json!(selector(o, "/spec/jobTemplate/spec/selector")),
    ]
}

pub fn apiservice(o: &Value, name: Value, created: String) -> Vec<Value> {
    let service = match o.pointer("/spec/service") {
        Some(s) if !s.is_null() => format!("{}/{}", str_at(s, "/namespace"), str_at(s, "/name")),
        _ => "Local".into(),
    };
    let available = o
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| str_at(c, "/type") == "Available")
        .map(|c| match str_at(c, "/status") {
            "True" => "True".to_string(),
            other => format!("{other} ({})", str_at(c, "/reason")),
        })
        .unwrap_or_else(|| "Unknown".into());
    vec![name, json!(service), json!(available), json!(created)]
}

pub fn networkpolicy(o: &Value, name: Value, created: String) -> Vec<Value> {
    vec![
        name,
        json!(selector(o, "/spec/podSelector")),
        json!(created),
    ]
}

pub fn lease(o: &Value, name: Value, created: String) -> Vec<Value> {
    vec![
        name,
        json!(str_at(o, "/spec/holderIdentity")),
        json!(created),
    ]
}
