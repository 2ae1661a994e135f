//! Field validation (`fieldValidation=Strict`, what kubectl apply/create send): fields
//! the kind does not have are refused with 400, as the real server's strict decoding
//! does. Which fields exist is learned from k8s-openapi's types: a field that does not
//! survive a typed round trip is unknown to the schema.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::status::{ApiError, ApiResult};
use crate::resources::{Res, ResInfo};
use k8s_openapi::api::{apps, batch, coordination, core, networking, rbac, storage};

fn roundtrip<T: DeserializeOwned + Serialize>(body: &Value) -> Option<Value> {
    let typed: T = serde_json::from_value(body.clone()).ok()?;
    serde_json::to_value(typed).ok()
}

/// The body as the typed schema keeps it (None when it does not even decode: the
/// validation that follows reports what is wrong then).
fn through_schema(res: Res, body: &Value) -> Option<Value> {
    match res {
        Res::Namespace => roundtrip::<core::v1::Namespace>(body),
        Res::Node => roundtrip::<core::v1::Node>(body),
        Res::Pod => roundtrip::<core::v1::Pod>(body),
        Res::Service => roundtrip::<core::v1::Service>(body),
        Res::Endpoints => roundtrip::<core::v1::Endpoints>(body),
        Res::ConfigMap => roundtrip::<core::v1::ConfigMap>(body),
        Res::Secret => roundtrip::<core::v1::Secret>(body),
        Res::ServiceAccount => roundtrip::<core::v1::ServiceAccount>(body),
        Res::PersistentVolumeClaim => roundtrip::<core::v1::PersistentVolumeClaim>(body),
        Res::PersistentVolume => roundtrip::<core::v1::PersistentVolume>(body),
        Res::Event => roundtrip::<core::v1::Event>(body),
        Res::Deployment => roundtrip::<apps::v1::Deployment>(body),
        Res::ReplicaSet => roundtrip::<apps::v1::ReplicaSet>(body),
        Res::StatefulSet => roundtrip::<apps::v1::StatefulSet>(body),
        Res::ControllerRevision => roundtrip::<apps::v1::ControllerRevision>(body),
        Res::Role => roundtrip::<rbac::v1::Role>(body),
        Res::RoleBinding => roundtrip::<rbac::v1::RoleBinding>(body),
        Res::ClusterRole => roundtrip::<rbac::v1::ClusterRole>(body),
        Res::ClusterRoleBinding => roundtrip::<rbac::v1::ClusterRoleBinding>(body),
        Res::StorageClass => roundtrip::<storage::v1::StorageClass>(body),
        Res::Job => roundtrip::<batch::v1::Job>(body),
        Res::CronJob => roundtrip::<batch::v1::CronJob>(body),
        Res::Lease => roundtrip::<coordination::v1::Lease>(body),
        Res::NetworkPolicy => roundtrip::<networking::v1::NetworkPolicy>(body),
        Res::APIService => roundtrip::<
            k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
        >(body),
    }
}

/// Dotted paths (`spec.replica`, `spec.template.spec.containers[0].imagePolicy`) of
/// fields in `body` the kind does not have.
pub fn unknown_fields(info: &ResInfo, body: &Value) -> Vec<String> {
    let mut typed_input = body.clone();
    if let Some(map) = typed_input.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(info.api_version()));
        map.insert("kind".into(), Value::String(info.kind.to_string()));
    }
    let Some(kept) = through_schema(info.res, &typed_input) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    compare(&typed_input, &kept, "", &mut out);
    out
}

fn compare(input: &Value, kept: &Value, at: &str, out: &mut Vec<String>) {
    match (input, kept) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match b.get(k) {
                    Some(w) => compare(v, w, &path, out),
                    None if v.is_null() => {}
                    // Empty values may be dropped by the typed form without being unknown.
                    None if v.as_object().is_some_and(|m| m.is_empty()) => {}
                    None if v.as_array().is_some_and(|m| m.is_empty()) => {}
                    None => out.push(path),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b.iter()).enumerate() {
                compare(v, w, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Applies the request's fieldValidation to a create/update body.
pub fn check(r_field_validation: Option<&str>, info: &ResInfo, body: &Value) -> ApiResult<()> {
    if r_field_validation != Some("Strict") {
        return Ok(());
    }
    refuse(info, unknown_fields(info, body))
}

/// Like `check` for a patched object: only fields the patch brought in count.
pub fn check_patched(
    r_field_validation: Option<&str>,
    info: &ResInfo,
    current: &Value,
    patched: &Value,
) -> ApiResult<()> {
    if r_field_validation != Some("Strict") {
        return Ok(());
    }
    let before = unknown_fields(info, current);
    let after = unknown_fields(info, patched);
    refuse(
        info,
        after.into_iter().filter(|p| !before.contains(p)).collect(),
    )
}

fn refuse(info: &ResInfo, unknown: Vec<String>) -> ApiResult<()> {
    if unknown.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = unknown
        .iter()
        .map(|p| format!("unknown field \"{p}\""))
        .collect();
    Err(ApiError::bad_request(format!(
        "{kind} in version \"{version}\" cannot be handled as a {kind}: strict decoding error: {}",
        list.join(", "),
        kind = info.kind,
        version = info.version,
    )))
}

/// Server-side apply refuses fields outside the schema unless told to ignore them.
pub fn check_apply(
    r_field_validation: Option<&str>,
    info: &ResInfo,
    body: &Value,
) -> ApiResult<()> {
    if r_field_validation == Some("Ignore") {
        return Ok(());
    }
    let unknown = unknown_fields(info, body);
    let Some(first) = unknown.first() else {
        return Ok(());
    };
    let gv = if info.group.is_empty() {
        format!("/{}", info.version)
    } else {
        info.api_version()
    };
    Err(ApiError::bad_request(format!(
        "failed to create typed patch object ({gv}, Kind={}): .{first}: field not declared in schema",
        info.kind
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misspelt_field_is_unknown_and_real_ones_are_not() {
        let d = json!({"metadata": {"name": "d", "labels": {"a": "b"}}, "spec": {"replica": 2, "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}, "creationTimestamp": null},
                "spec": {"containers": [{"name": "c", "image": "i", "imagePolicy": "x", "ports": [{"containerPort": 1}]}]}}}});
        assert_eq!(
            unknown_fields(Res::Deployment.info(), &d),
            [
                "spec.replica",
                "spec.template.spec.containers[0].imagePolicy"
            ]
        );
        let err = check(Some("Strict"), Res::Deployment.info(), &d).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.starts_with("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.replica\""), "{}", err.message);
        assert!(check(None, Res::Deployment.info(), &d).is_ok());
        let cm = json!({"metadata": {"name": "c"}, "data": {"k": "v"}});
        assert!(unknown_fields(Res::ConfigMap.info(), &cm).is_empty());
    }
}
