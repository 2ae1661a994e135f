//! batch/v1 Jobs and CronJobs on the API side: scheme defaults (SetDefaults_Job,
//! SetDefaults_CronJob), the generated selector (the Job strategy's generateSelector),
//! and the validation that matters to clients (a Job's pods must not restart Always).

use serde_json::{Map, Value, json};

use super::defaults::{or_insert, workload_template};
use super::status::Cause;
use super::validate::pod_spec;
use crate::store::{metadata_mut, new_uid};

/// The label the Job controller selects its pods by (and its legacy twin).
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
const LEGACY_CONTROLLER_UID: &str = "controller-uid";
pub const JOB_NAME: &str = "batch.kubernetes.io/job-name";
const LEGACY_JOB_NAME: &str = "job-name";

fn job_spec_defaults(spec: &mut Map<String, Value>) {
    if spec.get("completions").is_none() && spec.get("parallelism").is_none() {
        spec.insert("completions".into(), json!(1));
    }
    or_insert(spec, "parallelism", json!(1));
    or_insert(spec, "backoffLimit", json!(6));
    or_insert(spec, "completionMode", json!("NonIndexed"));
    or_insert(spec, "suspend", json!(false));
    if spec.get("podFailurePolicy").is_none() {
        or_insert(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    }
}

/// Scheme defaults of a Job (SetDefaults_Job and the pod template's).
pub fn job_defaults(object: &mut Value) {
    workload_template(object);
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        job_spec_defaults(spec);
    }
}

/// What the Job strategy adds on create, after the field manager has recorded what the
/// client sent (so none of it is in managedFields): the selector generated from the
/// Job's uid (assigned here, before the store keeps it), the four labels on the pod
/// template, and those labels on a Job that has none.
pub fn prepare_create(object: &mut Value) {
    let manual = object
        .pointer("/spec/manualSelector")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !manual && object.pointer("/spec/selector").is_none() {
        generate_selector(object);
    }
    // A Job without labels takes its template's.
    let template_labels = object.pointer("/spec/template/metadata/labels").cloned();
    let meta = metadata_mut(object);
    let unlabelled = meta
        .get("labels")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty);
    if unlabelled && let Some(labels) = template_labels {
        meta.insert("labels".into(), labels);
    }
}

fn generate_selector(object: &mut Value) {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let meta = metadata_mut(object);
    let uid = match meta.get("uid").and_then(Value::as_str) {
        Some(uid) if !uid.is_empty() => uid.to_string(),
        _ => {
            let uid = new_uid();
            meta.insert("uid".into(), json!(uid));
            uid
        }
    };
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {CONTROLLER_UID: uid}}),
    );
    let Some(template) = spec.get_mut("template").and_then(Value::as_object_mut) else {
        return;
    };
    let meta = template.entry("metadata").or_insert_with(|| json!({}));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let labels = meta.entry("labels").or_insert_with(|| json!({}));
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(LEGACY_CONTROLLER_UID.into(), json!(uid));
        labels.insert(CONTROLLER_UID.into(), json!(uid));
        labels.insert(LEGACY_JOB_NAME.into(), json!(name));
        labels.insert(JOB_NAME.into(), json!(name));
    }
}

/// Defaults of a CronJob (SetDefaults_CronJob) and of its job template's pod template.
pub fn cronjob_defaults(object: &mut Value) {
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        or_insert(spec, "concurrencyPolicy", json!("Allow"));
        or_insert(spec, "suspend", json!(false));
        or_insert(spec, "successfulJobsHistoryLimit", json!(3));
        or_insert(spec, "failedJobsHistoryLimit", json!(1));
    }
    if let Some(job_template) = object.pointer_mut("/spec/jobTemplate") {
        let mut shaped = json!({"spec": job_template.get("spec").cloned().unwrap_or(json!({}))});
        workload_template(&mut shaped);
        if let Some(spec) = shaped.get_mut("spec").and_then(Value::as_object_mut) {
            job_spec_defaults(spec);
        }
        if let Some(t) = job_template.as_object_mut()
            && let Some(spec) = shaped.get("spec")
        {
            t.insert("spec".into(), spec.clone());
            t.entry("metadata")
                .or_insert_with(|| json!({"creationTimestamp": null}));
        }
    }
}

fn job_spec(spec: Option<&Value>, at: &str, causes: &mut Vec<Cause>) {
    let pod = spec.and_then(|s| s.pointer("/template/spec"));
    pod_spec(pod, &format!("{at}.template.spec"), false, causes);
    let policy = pod
        .and_then(|p| p.get("restartPolicy"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !matches!(policy, "OnFailure" | "Never") {
        causes.push(Cause::not_supported(
            format!("{at}.template.spec.restartPolicy"),
            &json!(policy),
            &["OnFailure", "Never"],
        ));
    }
    for field in ["parallelism", "completions", "backoffLimit"] {
        if let Some(n) = spec.and_then(|s| s.get(field)).and_then(Value::as_i64)
            && n < 0
        {
            causes.push(Cause::invalid(
                format!("{at}.{field}"),
                &json!(n),
                "must be greater than or equal to 0",
            ));
        }
    }
}

/// Field errors of a Job (`old`: the stored Job, on updates). A Job's selector and pod
/// template are immutable (ValidateJobUpdate), and so is completionMode.
pub fn validate_job(object: &Value, old: Option<&Value>, causes: &mut Vec<Cause>) {
    job_spec(object.get("spec"), "spec", causes);
    let Some(old) = old else {
        return;
    };
    for field in ["selector", "template", "completionMode"] {
        let pointer = format!("/spec/{field}");
        let now = object.pointer(&pointer);
        if now != old.pointer(&pointer) {
            causes.push(Cause::invalid(
                format!("spec.{field}"),
                now.unwrap_or(&Value::Null),
                "field is immutable",
            ));
        }
    }
}

/// Field errors of a CronJob.
pub fn validate_cronjob(object: &Value, causes: &mut Vec<Cause>) {
    let schedule = object
        .pointer("/spec/schedule")
        .and_then(Value::as_str)
        .unwrap_or("");
    if schedule.is_empty() {
        causes.push(Cause::required("spec.schedule", ""));
    }
    job_spec(
        object.pointer("/spec/jobTemplate/spec"),
        "spec.jobTemplate.spec",
        causes,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_gets_the_generated_selector_and_the_real_defaults() {
        let mut job = json!({
            "metadata": {"name": "pi"},
            "spec": {"template": {"spec": {
                "containers": [{"name": "c", "image": "busybox"}],
                "restartPolicy": "Never"
            }}}
        });
        job_defaults(&mut job);
        prepare_create(&mut job);
        let uid = job["metadata"]["uid"].as_str().unwrap().to_string();
        assert_eq!(job["spec"]["selector"]["matchLabels"][CONTROLLER_UID], uid);
        assert_eq!(
            job["spec"]["template"]["metadata"]["labels"][JOB_NAME],
            "pi"
        );
        assert_eq!(job["spec"]["completions"], 1);
        assert_eq!(job["spec"]["backoffLimit"], 6);
        assert_eq!(job["metadata"]["labels"][JOB_NAME], "pi");
        let mut causes = Vec::new();
        validate_job(&job, None, &mut causes);
        assert!(causes.is_empty(), "{causes:?}");
        let mut changed = job.clone();
        changed["spec"]["template"]["spec"]["containers"][0]["image"] = json!("busybox:1.37");
        validate_job(&changed, Some(&job), &mut causes);
        assert_eq!(causes.len(), 1, "{causes:?}");
        assert_eq!(causes[0].field, "spec.template");
    }
}
