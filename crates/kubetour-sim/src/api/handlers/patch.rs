//! PATCH: server-side apply, or a merge / strategic / JSON patch applied to the live
//! object and written with its resourceVersion (retried if someone wrote in between,
//! unless the patch itself asks for a resourceVersion).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::read::object_response;
use super::{Managed, Scope, commit};
use crate::api::ApiState;
use crate::api::patch::{self, APPLY, JSON_PATCH, MERGE, STRATEGIC};
use crate::api::request::Req;
use crate::api::router::Obj;
use crate::api::status::{ApiError, ApiResult};
use crate::store::metadata_mut;

pub fn patch(state: &Arc<ApiState>, r: &Req, obj: &Obj, scope: Scope) -> ApiResult<Response> {
    match r.media_type() {
        APPLY => {
            let (stored, created) = patch::apply::server_side_apply(state, r, obj, scope)?;
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(object_response(state, r, obj.info, code, stored))
        }
        MERGE | STRATEGIC | JSON_PATCH => patch_object(state, r, obj, scope),
        other => Err(patch::unsupported_patch(other)),
    }
}

fn patch_object(state: &Arc<ApiState>, r: &Req, obj: &Obj, scope: Scope) -> ApiResult<Response> {
    let info = obj.info;
    let manager = r.update_manager();
    let pinned = r
        .parse_json()
        .ok()
        .and_then(|b| b.pointer("/metadata/resourceVersion").cloned())
        .is_some();
    let mut last = None;
    for _attempt in 0..5 {
        let Some(current) = state.store.get(info.res, &obj.ns, &obj.name) else {
            return Err(ApiError::not_found(info, &obj.name));
        };
        let mut patched = patch::apply_non_apply(r, &current)?;
        crate::api::strict::check_patched(r.param("fieldValidation"), info, &current, &patched)?;
        // Identity comes from the URL, whatever the patch says.
        let meta = metadata_mut(&mut patched);
        meta.insert("name".into(), json!(obj.name));
        if info.namespaced {
            meta.insert("namespace".into(), json!(obj.ns));
        }
        if !pinned {
            meta.insert(
                "resourceVersion".into(),
                current
                    .pointer("/metadata/resourceVersion")
                    .cloned()
                    .unwrap_or(Value::Null),
            );
        }
        match commit(
            state,
            r,
            info,
            Some(&current),
            patched,
            scope,
            Managed::Update(&manager),
        ) {
            Err(e) if e.code == 409 && !pinned => last = Some(e),
            other => return other.map(|v| object_response(state, r, info, StatusCode::OK, v)),
        }
    }
    Err(last.unwrap_or_else(|| ApiError::internal("patch did not settle")))
}
