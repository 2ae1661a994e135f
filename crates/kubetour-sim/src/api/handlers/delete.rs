//! delete and deletecollection: graceful deletion for pods (deletionTimestamp plus a
//! grace period the kubelet honours), propagation policies via finalizers (the garbage
//! collector finishes Foreground and Orphan deletions), immediate removal otherwise.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use jiff::SignedDuration;
use serde_json::{Value, json};

use super::read::select;
use crate::api::ApiState;
use crate::api::meta::ensure_type_meta;
use crate::api::request::Req;
use crate::api::router::{Coll, Obj};
use crate::api::status::{ApiError, ApiResult, json_response};
use crate::clock::format_seconds;
use crate::resources::{Res, ResInfo};
use crate::store::{StoreError, metadata_mut};

/// DeleteOptions from the body and/or the query.
#[derive(Debug, Default, Clone)]
pub struct DeleteOptions {
    /// dryRun=All, from the query or the body (kube-rs sends it in the body).
    pub dry_run: bool,
    pub grace: Option<i64>,
    pub propagation: Option<String>,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
}

impl DeleteOptions {
    pub fn from_request(r: &Req) -> ApiResult<DeleteOptions> {
        let body: Value = if r.body.is_empty() {
            Value::Null
        } else {
            r.parse_json()?
        };
        Ok(DeleteOptions::from_body(r, &body))
    }

    /// DeleteOptions given as `body` (a DELETE's body, an Eviction's deleteOptions), with
    /// the query's parameters where the body has none.
    pub fn from_body(r: &Req, body: &Value) -> DeleteOptions {
        let grace = body
            .get("gracePeriodSeconds")
            .and_then(Value::as_i64)
            .or_else(|| r.param("gracePeriodSeconds").and_then(|g| g.parse().ok()));
        let mut propagation = body
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .or(r.param("propagationPolicy"))
            .map(String::from);
        let orphan = body
            .get("orphanDependents")
            .and_then(Value::as_bool)
            .or_else(|| r.param("orphanDependents").map(|o| o == "true"));
        if propagation.is_none() && orphan == Some(true) {
            propagation = Some("Orphan".into());
        }
        let body_dry_run = body
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|v| v == "All"));
        DeleteOptions {
            dry_run: r.dry_run() || body_dry_run,
            grace,
            propagation,
            uid: body
                .pointer("/preconditions/uid")
                .and_then(Value::as_str)
                .map(String::from),
            resource_version: body
                .pointer("/preconditions/resourceVersion")
                .and_then(Value::as_str)
                .map(String::from),
        }
    }
}

pub fn delete(state: &Arc<ApiState>, r: &Req, obj: &Obj) -> ApiResult<Response> {
    let opts = DeleteOptions::from_request(r)?;
    let (code, body) = delete_one(state, obj.info, &obj.ns, &obj.name, &opts, opts.dry_run)?;
    Ok(json_response(code, &body))
}

/// Deletes one object; returns the code and body the real server answers.
pub fn delete_one(
    state: &ApiState,
    info: &'static ResInfo,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
    dry_run: bool,
) -> ApiResult<(StatusCode, Value)> {
    // A graceful deletion is a read-modify-write; when a controller (the kubelet writing
    // the pod's status) wrote in between, the real registry reads again and retries
    // (GuaranteedUpdate) rather than answering the client 409.
    for _ in 0..RACE_RETRIES {
        if let Some(done) = delete_attempt(state, info, ns, name, opts, dry_run)? {
            return Ok(done);
        }
    }
    Err(ApiError::stale(info, name))
}

/// How often a deletion that raced another writer is tried again.
const RACE_RETRIES: usize = 8;

/// One try; None when another write came between the read and ours.
fn delete_attempt(
    state: &ApiState,
    info: &'static ResInfo,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
    dry_run: bool,
) -> ApiResult<Option<(StatusCode, Value)>> {
    let store = &state.store;
    let Some(current) = store.get(info.res, ns, name) else {
        return Err(ApiError::not_found(info, name));
    };
    check_preconditions(info, name, &current, opts)?;
    let mut next = current.clone();
    let already_deleting = current.pointer("/metadata/deletionTimestamp").is_some();
    let mut finalizers: Vec<Value> = current
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let grace = grace_period(info.res, &current, opts);
    match opts.propagation.as_deref() {
        Some("Foreground") => add_finalizer(&mut finalizers, "foregroundDeletion"),
        Some("Orphan") => add_finalizer(&mut finalizers, "orphan"),
        Some("Background") | None => {}
        Some(other) => {
            return Err(ApiError::invalid(
                info,
                name,
                vec![crate::api::status::Cause::not_supported(
                    "propagationPolicy",
                    &json!(other),
                    &["Foreground", "Background", "Orphan"],
                )],
            ));
        }
    }
    // A namespace is emptied by the namespace controller before it goes away.
    let namespace = info.res == Res::Namespace;
    let keep = namespace || !finalizers.is_empty() || grace > 0;
    if !keep {
        if dry_run {
            return Ok(Some((StatusCode::OK, deleted_body(info, &current))));
        }
        let mut gone = store
            .delete(info.res, ns, name)
            .map_err(|e| ApiError::from_store(info, e))?;
        if info.res == Res::Pod {
            // A pod deleted at once reads as a graceful deletion with zero grace.
            let meta = metadata_mut(&mut gone);
            meta.entry("deletionTimestamp")
                .or_insert_with(|| json!(state.store.clock().now_rfc3339()));
            meta.insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        return Ok(Some((StatusCode::OK, deleted_body(info, &gone))));
    }
    let now = state.store.clock().now();
    let meta = metadata_mut(&mut next);
    if !already_deleting || grace < current_grace(&current) {
        let at = now
            .checked_add(SignedDuration::from_secs(grace))
            .unwrap_or(now);
        meta.insert("deletionTimestamp".into(), json!(format_seconds(at)));
        meta.insert("deletionGracePeriodSeconds".into(), json!(grace));
    }
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    if namespace && let Some(status) = next.get_mut("status").and_then(Value::as_object_mut) {
        status.insert("phase".into(), json!("Terminating"));
    }
    if opts.propagation.as_deref() == Some("Foreground")
        && let Some(g) = next.pointer("/metadata/generation").and_then(Value::as_i64)
    {
        // The real registry bumps generation when foreground deletion starts.
        metadata_mut(&mut next).insert("generation".into(), json!(g + 1));
    }
    ensure_type_meta(&mut next, info);
    if dry_run || next == current {
        return Ok(Some((StatusCode::OK, next)));
    }
    match store.update(info.res, next) {
        Ok(stored) => Ok(Some((StatusCode::OK, stored))),
        Err(StoreError::Conflict { .. }) => Ok(None),
        Err(other) => Err(ApiError::from_store(info, other)),
    }
}

fn check_preconditions(
    info: &ResInfo,
    name: &str,
    current: &Value,
    opts: &DeleteOptions,
) -> ApiResult<()> {
    let uid = current
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(want) = &opts.uid
        && want != uid
    {
        return Err(ApiError::conflict(
            info,
            name,
            &format!("Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"),
        ));
    }
    let rv = current
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(want) = &opts.resource_version
        && want != rv
    {
        return Err(ApiError::conflict(
            info,
            name,
            &format!(
                "Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {rv}"
            ),
        ));
    }
    Ok(())
}

fn add_finalizer(finalizers: &mut Vec<Value>, name: &str) {
    if !finalizers.iter().any(|f| f == name) {
        finalizers.push(json!(name));
    }
}

fn current_grace(current: &Value) -> i64 {
    current
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MAX)
}

/// Pods on a node terminate gracefully; everything else (and unscheduled or finished
/// pods) goes at once.
fn grace_period(res: Res, pod: &Value, opts: &DeleteOptions) -> i64 {
    if res != Res::Pod {
        return 0;
    }
    let scheduled = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let finished = matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    if !scheduled || finished {
        return 0;
    }
    let default = pod
        .pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(30);
    opts.grace.unwrap_or(default).max(0)
}

/// Pods come back as the object; other kinds as a Success Status.
fn deleted_body(info: &ResInfo, gone: &Value) -> Value {
    if info.res == Res::Pod {
        let mut g = gone.clone();
        ensure_type_meta(&mut g, info);
        return g;
    }
    let mut details = json!({"name": gone.pointer("/metadata/name").cloned().unwrap_or(json!(""))});
    if !info.group.is_empty() {
        details["group"] = json!(info.group);
    }
    details["kind"] = json!(info.plural);
    details["uid"] = gone.pointer("/metadata/uid").cloned().unwrap_or(json!(""));
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

pub fn delete_collection(state: &Arc<ApiState>, r: &Req, coll: &Coll) -> ApiResult<Response> {
    let opts = DeleteOptions::from_request(r)?;
    let (items, rv) = select(state, r, coll)?;
    let mut deleted = Vec::new();
    for item in items {
        let ns = item
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = item
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        match delete_one(state, coll.info, ns, name, &opts, opts.dry_run) {
            Ok(_) => deleted.push(item),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let body = json!({
        "kind": format!("{}List", coll.info.kind),
        "apiVersion": coll.info.api_version(),
        "metadata": {"resourceVersion": rv.to_string()},
        "items": deleted,
    });
    Ok(json_response(StatusCode::OK, &body))
}
