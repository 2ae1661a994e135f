//! The `ephemeralcontainers` subresource of pods, what `kubectl debug POD --image=…`
//! patches: only `spec.ephemeralContainers` changes, containers may be added but not
//! changed or removed. The new container shows in the pod's status as running (what the
//! kubelet reports once it started it); the simulator runs nothing in it (attaching to it
//! is the container shell's business).

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::read::{get, object_response};
use super::{Managed, Scope, commit};
use crate::api::ApiState;
use crate::api::patch::{self, APPLY};
use crate::api::request::Req;
use crate::api::router::Obj;
use crate::api::status::{ApiError, ApiResult, Cause};
use crate::api::validate::container;
use crate::resources::Res;

pub fn handle(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    match r.method {
        Method::GET => get(state, r, obj),
        Method::PUT | Method::PATCH => update(state, r, obj),
        _ => Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        )),
    }
}

fn list(v: &Value) -> Vec<Value> {
    v.pointer("/spec/ephemeralContainers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn name_of(c: &Value) -> &str {
    c.get("name").and_then(Value::as_str).unwrap_or("")
}

/// What the real validation refuses for ephemeral containers (ValidatePodEphemeralContainersUpdate).
fn check(current: &Value, wanted: &[Value]) -> Vec<Cause> {
    let mut causes = Vec::new();
    let existing = list(current);
    for old in &existing {
        match wanted.iter().find(|w| name_of(w) == name_of(old)) {
            None => causes.push(Cause::forbidden(
                "spec.ephemeralContainers",
                &format!(
                    "existing ephemeral containers \"{}\" may not be removed",
                    name_of(old)
                ),
            )),
            Some(w)
                if w.get("image") != old.get("image") || w.get("command") != old.get("command") =>
            {
                causes.push(Cause::forbidden(
                    "spec.ephemeralContainers",
                    &format!(
                        "existing ephemeral containers \"{}\" may not be changed",
                        name_of(old)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let mut seen: Vec<String> = ["containers", "initContainers"]
        .iter()
        .flat_map(|l| current["spec"][l].as_array().cloned().unwrap_or_default())
        .map(|c| name_of(&c).to_string())
        .collect();
    for (i, c) in wanted.iter().enumerate() {
        let at = format!("spec.ephemeralContainers[{i}]");
        // Named and imaged like any container, unique among all of the pod's.
        container(c, &at, &mut seen, &mut causes);
        for field in ["ports", "livenessProbe", "readinessProbe", "startupProbe"] {
            if c.get(field).is_some() {
                causes.push(Cause::forbidden(
                    format!("{at}.{field}"),
                    "cannot be set for an Ephemeral Container",
                ));
            }
        }
    }
    causes
}

fn update(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    let info = obj.info;
    let Some(current) = state.store.get(Res::Pod, &obj.ns, &obj.name) else {
        return Err(ApiError::not_found(info, &obj.name));
    };
    let patched = match (&r.method, r.media_type()) {
        (&Method::PATCH, APPLY) => return Err(patch::unsupported_patch(APPLY)),
        (&Method::PATCH, _) => patch::apply_non_apply(r, &current)?,
        _ => r.json_body()?,
    };
    let wanted = list(&patched);
    let causes = check(&current, &wanted);
    if !causes.is_empty() {
        return Err(ApiError::invalid(info, &obj.name, causes));
    }
    let mut next = current.clone();
    next["spec"]["ephemeralContainers"] = Value::Array(wanted.clone());
    let manager = r.update_manager();
    let stored = commit(
        state,
        r,
        info,
        Some(&current),
        next,
        Scope::Main,
        Managed::Update(&manager),
    )?;
    if r.dry_run() {
        return Ok(object_response(state, r, info, StatusCode::OK, stored));
    }
    let stored = report_started(state, obj, &wanted).unwrap_or(stored);
    Ok(object_response(state, r, info, StatusCode::OK, stored))
}

/// The kubelet's report of the ephemeral containers it started.
fn report_started(state: &ApiState, obj: &Obj, wanted: &[Value]) -> Option<Value> {
    let now = state.store.clock().now_rfc3339();
    state.store.mutate(Res::Pod, &obj.ns, &obj.name, |pod| {
        let mut statuses = pod["status"]["ephemeralContainerStatuses"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let before = statuses.len();
        for c in wanted {
            if statuses.iter().any(|s| name_of(s) == name_of(c)) {
                continue;
            }
            let id: [u8; 32] = rand::random();
            let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
            statuses.push(json!({
                "name": name_of(c),
                "state": {"running": {"startedAt": now}},
                "lastState": {},
                "ready": false,
                "restartCount": 0,
                "image": c.get("image").cloned().unwrap_or(Value::Null),
                "imageID": "",
                "containerID": format!("containerd://{id}"),
            }));
        }
        if statuses.len() == before {
            return false;
        }
        pod["status"]["ephemeralContainerStatuses"] = Value::Array(statuses);
        true
    })
}
