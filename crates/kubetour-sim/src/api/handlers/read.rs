//! get and list (label/field selectors, limit/continue, Table output).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::meta::{ensure_type_meta, partial};
use crate::api::request::Req;
use crate::api::router::{Coll, Obj};
use crate::api::selector::Selectors;
use crate::api::status::{ApiError, ApiResult, json_response};
use crate::api::table;
use crate::resources::ResInfo;

pub fn get(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    let Some(object) = state.store.get(obj.info.res, &obj.ns, &obj.name) else {
        return Err(ApiError::not_found(obj.info, &obj.name));
    };
    Ok(object_response(state, r, obj.info, StatusCode::OK, object))
}

/// One object in the form the request's Accept asks for (Table, PartialObjectMetadata
/// or the object): the real server transforms the answer of every verb, so a PATCH with
/// `as=PartialObjectMetadata` (kube-rs `patch_metadata`) gets metadata only, too.
pub fn object_response(
    state: &ApiState,
    r: &Req,
    info: &'static ResInfo,
    code: StatusCode,
    mut object: Value,
) -> Response {
    ensure_type_meta(&mut object, info);
    // Stored objects are in order already; a dry run's never reached the store.
    crate::key_order::canonical(info.kind, &mut object);
    if r.wants_table() {
        let rv = object
            .pointer("/metadata/resourceVersion")
            .cloned()
            .unwrap_or(json!(""));
        let mut t = table::table(
            info,
            std::slice::from_ref(&object),
            state.store.clock().now(),
            true,
            json!({"resourceVersion": rv}),
        );
        table::include_objects(&mut t, &[object], r.param("includeObject"));
        return json_response(code, &t);
    }
    if r.wants_metadata() {
        return json_response(code, &partial(&object));
    }
    json_response(code, &object)
}

/// Objects of a collection matching the request's selectors, with the snapshot's rv.
pub fn select(state: &ApiState, r: &Req, coll: &Coll) -> ApiResult<(Vec<Value>, u64)> {
    let selectors = Selectors::for_kind(
        coll.info.res,
        r.param("labelSelector"),
        r.param("fieldSelector"),
    )?;
    let (items, rv) = state.store.list(coll.info.res, coll.ns.as_deref());
    let items = items
        .into_iter()
        .filter(|o| selectors.matches(o))
        .map(|mut o| {
            ensure_type_meta(&mut o, coll.info);
            o
        })
        .collect();
    Ok((items, rv))
}

fn key_of(o: &Value) -> String {
    let ns = o
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = o
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    format!("{ns}/{name}")
}

pub fn list(state: &Arc<ApiState>, r: &Req, coll: &Coll) -> ApiResult<Response> {
    let (mut items, rv) = select(state, r, coll)?;
    let mut list_rv = rv;
    if let Some(token) = r.param("continue").filter(|t| !t.is_empty()) {
        let (start, token_rv) = decode_continue(token)?;
        items.retain(|o| key_of(o) > start);
        list_rv = token_rv;
    }
    let mut metadata = json!({"resourceVersion": list_rv.to_string()});
    let limit = r
        .param("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0);
    if limit > 0 && items.len() > limit {
        let remaining = items.len() - limit;
        items.truncate(limit);
        let last = items.last().map(key_of).unwrap_or_default();
        metadata["continue"] = json!(encode_continue(&last, list_rv));
        metadata["remainingItemCount"] = json!(remaining);
    }
    if r.wants_table() {
        let mut t = table::table(coll.info, &items, state.store.clock().now(), true, metadata);
        table::include_objects(&mut t, &items, r.param("includeObject"));
        return Ok(json_response(StatusCode::OK, &t));
    }
    if r.wants_metadata() {
        let items: Vec<Value> = items.iter().map(partial).collect();
        let body = json!({
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": metadata,
            "items": items,
        });
        return Ok(json_response(StatusCode::OK, &body));
    }
    // The real server writes list items without kind and apiVersion (the list has them).
    for item in &mut items {
        if let Some(map) = item.as_object_mut() {
            map.shift_remove("kind");
            map.shift_remove("apiVersion");
        }
    }
    let body = json!({
        "kind": format!("{}List", coll.info.kind),
        "apiVersion": coll.info.api_version(),
        "metadata": metadata,
        "items": items,
    });
    Ok(json_response(StatusCode::OK, &body))
}

fn encode_continue(start: &str, rv: u64) -> String {
    STANDARD.encode(json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).to_string())
}

fn decode_continue(token: &str) -> ApiResult<(String, u64)> {
    let bad = || ApiError::bad_request(format!("invalid continue token {token:?}"));
    let bytes = STANDARD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let start = v.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    Ok((start.to_string(), rv))
}
