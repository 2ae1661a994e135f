//! The scale subresource (autoscaling/v1 Scale over spec.replicas) and pod binding.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Managed, Scope, commit};
use crate::api::ApiState;
use crate::api::patch;
use crate::api::request::Req;
use crate::api::router::Obj;
use crate::api::selector::LabelSelector;
use crate::api::status::{ApiError, ApiResult, json_response, qualified};
use crate::resources::Res;

pub fn has_scale(res: Res) -> bool {
    matches!(res, Res::Deployment | Res::ReplicaSet | Res::StatefulSet)
}

fn scale_of(object: &Value) -> Value {
    let meta = object.get("metadata").cloned().unwrap_or(json!({}));
    let mut m = json!({});
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(k) {
            m[k] = v.clone();
        }
    }
    let selector = object
        .pointer("/spec/selector")
        .map(|s| LabelSelector::from_object(s).to_string_form())
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": m,
        "spec": {"replicas": object.pointer("/spec/replicas").cloned().unwrap_or(json!(0))},
        "status": {
            "replicas": object.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": selector,
        },
    })
}

pub fn scale_get(state: &Arc<ApiState>, obj: &Obj) -> ApiResult<Response> {
    let Some(object) = state.store.get(obj.info.res, &obj.ns, &obj.name) else {
        return Err(ApiError::not_found(obj.info, &obj.name));
    };
    Ok(json_response(StatusCode::OK, &scale_of(&object)))
}

pub fn scale_write(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    let info = obj.info;
    let Some(current) = state.store.get(info.res, &obj.ns, &obj.name) else {
        return Err(ApiError::not_found(info, &obj.name));
    };
    let scale = scale_of(&current);
    let wanted = if r.method == axum::http::Method::PUT {
        r.json_body()?
    } else {
        patch::apply_non_apply(r, &scale)?
    };
    if let Some(rv) = wanted
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        && !rv.is_empty()
        && Some(rv)
            != current
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
    {
        return Err(ApiError::stale(info, &obj.name));
    }
    let Some(replicas) = wanted.pointer("/spec/replicas").and_then(Value::as_i64) else {
        return Err(ApiError::bad_request(
            "spec.replicas is required in a Scale",
        ));
    };
    let mut next = current.clone();
    next["spec"]["replicas"] = json!(replicas);
    let manager = r.update_manager();
    let stored = commit(
        state,
        r,
        info,
        Some(&current),
        next,
        Scope::Scale,
        Managed::Update(&manager),
    )?;
    Ok(json_response(StatusCode::OK, &scale_of(&stored)))
}

/// POST pods/{name}/binding or namespaces/{ns}/bindings: what the scheduler does.
pub fn binding(
    state: &Arc<ApiState>,
    r: &Req,
    ns: &str,
    name: Option<&str>,
) -> ApiResult<Response> {
    let body = r.json_body()?;
    let pod_name = name
        .map(String::from)
        .or_else(|| {
            body.pointer("/metadata/name")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_default();
    let Some(node) = body
        .pointer("/target/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Err(ApiError::bad_request("a Binding needs target.name"));
    };
    let info = Res::Pod.info();
    let Some(current) = state.store.get(Res::Pod, ns, &pod_name) else {
        return Err(ApiError::not_found(info, &pod_name));
    };
    if let Some(existing) = current
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        return Err(ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {}/binding \"{pod_name}\": pod {pod_name} is already assigned to node \"{existing}\"",
                qualified(info)
            ),
        ));
    }
    let mut next = current.clone();
    next["spec"]["nodeName"] = json!(node);
    let now = state.store.clock().now_rfc3339();
    let conditions = next["status"]
        .as_object_mut()
        .map(|s| s.entry("conditions").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = conditions {
        list.retain(|c| c.get("type").and_then(Value::as_str) != Some("PodScheduled"));
        list.push(json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}));
    }
    if !r.dry_run() {
        state
            .store
            .update(Res::Pod, next)
            .map_err(|e| ApiError::from_store(info, e))?;
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}
