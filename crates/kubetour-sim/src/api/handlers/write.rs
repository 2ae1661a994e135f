//! create (POST) and update (PUT).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::read::object_response;
use super::{Managed, check_kind, commit};
use crate::api::ApiState;
use crate::api::meta::generate_name;
use crate::api::request::Req;
use crate::api::router::{Coll, Obj};
use crate::api::status::{ApiError, ApiResult};
use crate::api::strict;
use crate::store::metadata_mut;

pub use super::Scope;

pub fn create(state: &Arc<ApiState>, r: &Req, coll: &Coll) -> ApiResult<Response> {
    let info = coll.info;
    let mut body = r.json_body()?;
    check_kind(info, &body)?;
    strict::check(r.param("fieldValidation"), info, &body)?;
    let meta = metadata_mut(&mut body);
    if let Some(ns) = &coll.ns {
        match meta.get("namespace").and_then(Value::as_str) {
            Some(given) if !given.is_empty() && given != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {
                meta.insert("namespace".into(), json!(ns));
            }
        }
    } else {
        meta.remove("namespace");
    }
    let has_name = meta
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !has_name
        && let Some(prefix) = meta
            .get("generateName")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
    {
        let name = generate_name(prefix);
        meta.insert("name".into(), json!(name));
    }
    // The server assigns these; values sent by the client are dropped.
    for field in [
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "generation",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
    ] {
        meta.remove(field);
    }
    let manager = r.update_manager();
    let stored = commit(
        state,
        r,
        info,
        None,
        body,
        Scope::Main,
        Managed::Update(&manager),
    )?;
    Ok(object_response(state, r, info, StatusCode::CREATED, stored))
}

pub fn update(state: &Arc<ApiState>, r: &Req, obj: &Obj, scope: Scope) -> ApiResult<Response> {
    let info = obj.info;
    let mut body = r.json_body()?;
    check_kind(info, &body)?;
    strict::check(r.param("fieldValidation"), info, &body)?;
    match_url(&mut body, obj)?;
    let Some(old) = state.store.get(info.res, &obj.ns, &obj.name) else {
        return Err(ApiError::not_found(info, &obj.name));
    };
    let manager = r.update_manager();
    let stored = commit(
        state,
        r,
        info,
        Some(&old),
        body,
        scope,
        Managed::Update(&manager),
    )?;
    Ok(object_response(state, r, info, StatusCode::OK, stored))
}

/// A body written to an object's URL must name that object: its name and namespace,
/// when given, must match the URL's (400 otherwise, in the real server's words), and
/// are filled in from it when missing.
pub fn match_url(body: &mut Value, obj: &Obj) -> ApiResult<()> {
    let meta = metadata_mut(body);
    match meta.get("name").and_then(Value::as_str) {
        Some(name) if name != obj.name => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({name}) does not match the name on the URL ({})",
                obj.name
            )));
        }
        _ => {
            meta.insert("name".into(), json!(obj.name));
        }
    }
    if obj.info.namespaced {
        match meta.get("namespace").and_then(Value::as_str) {
            Some(ns) if !ns.is_empty() && ns != obj.ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {
                meta.insert("namespace".into(), json!(obj.ns));
            }
        }
    }
    Ok(())
}
