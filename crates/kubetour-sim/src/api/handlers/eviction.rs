//! The `eviction` subresource of pods (policy/v1 Eviction), what `kubectl drain` posts
//! for every pod on a cordoned node: the pod is deleted as a DELETE with the Eviction's
//! deleteOptions would delete it (gracefully), and the answer is a 201 Success Status.
//! No PodDisruptionBudgets exist in the simulator, so no eviction is refused for one.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::delete::{DeleteOptions, delete_one};
use crate::api::ApiState;
use crate::api::request::Req;
use crate::api::router::Obj;
use crate::api::status::{ApiError, ApiResult, json_response};

/// POST pods/NAME/eviction.
pub fn evict(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    let body = r.json_body()?;
    // Type meta may be left out (kube-rs does): the endpoint says what it is.
    let kind_ok = matches!(
        body.get("kind").and_then(Value::as_str),
        None | Some("Eviction")
    );
    let version_ok = matches!(
        body.get("apiVersion").and_then(Value::as_str),
        None | Some("policy/v1" | "policy/v1beta1")
    );
    if !kind_ok || !version_ok {
        return Err(ApiError::bad_request(
            "the object provided is unrecognized (must be of type Eviction)",
        ));
    }
    let named = body.pointer("/metadata/name").and_then(Value::as_str);
    if named != Some(obj.name.as_str()) {
        return Err(ApiError::bad_request(
            "name in URL does not match name in Eviction object",
        ));
    }
    let opts = DeleteOptions::from_body(r, body.get("deleteOptions").unwrap_or(&Value::Null));
    delete_one(state, obj.info, &obj.ns, &obj.name, &opts, opts.dry_run)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }),
    ))
}
