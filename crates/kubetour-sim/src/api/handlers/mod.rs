//! The verbs. `commit` is the one write path every verb ends in (create, update,
//! patch, apply, status and scale writes): type meta, status handling, defaults,
//! admission, validation, managedFields, dry run, then the store.

pub mod admission;
pub mod delete;
pub mod ephemeral;
pub mod eviction;
pub mod exec;
pub mod exec_session;
pub mod logs;
pub mod patch;
pub mod portforward;
pub mod portforward_spdy;
pub mod portforward_spdy_dict;
pub mod proxy;
pub mod read;
pub mod reviews;
pub mod subresource;
pub mod token;
pub mod watch;
pub mod write;

use serde_json::Value;

use super::ApiState;
use super::defaults;
use super::meta;
use super::request::Req;
use super::status::{ApiError, ApiResult};
use super::validate;
use crate::resources::ResInfo;
use crate::store::metadata_mut;

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Main,
    Status,
    /// The scale subresource: writes spec.replicas only (recorded as subresource "scale").
    Scale,
}

impl Scope {
    pub fn subresource(self) -> Option<&'static str> {
        match self {
            Scope::Main => None,
            Scope::Status => Some("status"),
            Scope::Scale => Some("scale"),
        }
    }
}

/// How managedFields are maintained for this write.
pub enum Managed<'a> {
    /// An Update operation by this manager (derived from the diff).
    Update(&'a str),
    /// Already computed by server-side apply.
    Precomputed,
}

/// Writes `new` (the whole intended object) over `old` (None: create).
/// Returns the stored object (or what would be stored, under dryRun=All).
pub fn commit(
    state: &ApiState,
    r: &Req,
    info: &'static ResInfo,
    old: Option<&Value>,
    mut new: Value,
    scope: Scope,
    managed: Managed<'_>,
) -> ApiResult<Value> {
    meta::ensure_type_meta(&mut new, info);
    let res = info.res;
    match (old, scope) {
        (None, _) => {
            if let Some(status) = defaults::initial_status(res, &new)
                && let Some(map) = new.as_object_mut()
            {
                map.insert("status".into(), status);
            }
        }
        (Some(old), Scope::Status) => {
            // Only status changes through the status subresource.
            let status = new.get("status").cloned();
            let mut merged = old.clone();
            if let Some(map) = merged.as_object_mut() {
                match status {
                    Some(s) => map.insert("status".into(), s),
                    None => map.remove("status"),
                };
            }
            if let Some(rv) = new.pointer("/metadata/resourceVersion").cloned() {
                metadata_mut(&mut merged).insert("resourceVersion".into(), rv);
            }
            new = merged;
        }
        (Some(old), Scope::Main | Scope::Scale) => {
            if defaults::has_status_subresource(res)
                && let Some(map) = new.as_object_mut()
            {
                match old.get("status") {
                    Some(s) => map.insert("status".into(), s.clone()),
                    None => map.remove("status"),
                };
            }
        }
    }
    if let Some(old) = old {
        keep_server_metadata(old, &mut new);
    }
    defaults::apply(res, &mut new);
    admission::admit(state, info, old, &mut new)?;
    let causes = validate::validate(res, &new, old);
    if !causes.is_empty() {
        return Err(ApiError::invalid(info, meta::name_of(&new), causes));
    }
    if let Managed::Update(manager) = managed {
        let now = state.store.clock().now_rfc3339();
        meta::record_update(&mut new, old, info, manager, scope.subresource(), &now);
    }
    if old.is_none() && res == crate::resources::Res::Job {
        super::batch::prepare_create(&mut new);
    }
    if r.dry_run() {
        if old.is_none() {
            // What the registry would fill, without keeping anything.
            let now = state.store.clock().now_rfc3339();
            let meta = metadata_mut(&mut new);
            meta.insert("uid".into(), serde_json::json!(dry_run_uid()));
            meta.insert("creationTimestamp".into(), serde_json::json!(now));
        }
        return Ok(new);
    }
    let stored = match old {
        None => state.store.create(res, new),
        Some(_) => state.store.update(res, new),
    }
    .map_err(|e| ApiError::from_store(info, e))?;
    Ok(finalize_if_done(state, info, stored))
}

/// A random RFC 4122 version 4 uid (the store makes its own for stored objects).
fn dry_run_uid() -> String {
    let b: [u8; 16] = rand::random();
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-4{:01x}{:02x}-{:01x}{:01x}{:02x}-{}",
        b[0],
        b[1],
        b[2],
        b[3],
        b[4],
        b[5],
        b[6] & 0x0f,
        b[7],
        8 | (b[8] & 0x3),
        b[8] >> 4,
        b[9],
        b[10..16]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    )
}

/// Server-owned metadata the client cannot change by writing.
fn keep_server_metadata(old: &Value, new: &mut Value) {
    let meta = metadata_mut(new);
    for field in ["deletionTimestamp", "deletionGracePeriodSeconds"] {
        match old.pointer(&format!("/metadata/{field}")) {
            Some(v) => meta.insert(field.into(), v.clone()),
            None => meta.remove(field),
        };
    }
    if meta.get("managedFields").is_none()
        && let Some(m) = old.pointer("/metadata/managedFields")
    {
        meta.insert("managedFields".into(), m.clone());
    }
}

/// An object being deleted whose last finalizer is gone is removed (as the registry
/// does after an update that empties `finalizers`).
pub fn finalize_if_done(state: &ApiState, info: &ResInfo, stored: Value) -> Value {
    let deleting = stored.pointer("/metadata/deletionTimestamp").is_some();
    let finalizers_left = stored
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    let graceful = stored
        .pointer("/metadata/deletionGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        > 0;
    if deleting && !finalizers_left && !graceful {
        let ns = stored
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Ok(gone) = state.store.delete(info.res, ns, meta::name_of(&stored)) {
            return gone;
        }
    }
    stored
}

/// Checks that a request body is of the addressed kind.
pub fn check_kind(info: &ResInfo, body: &Value) -> ApiResult<()> {
    let kind = body.get("kind").and_then(Value::as_str);
    let api_version = body.get("apiVersion").and_then(Value::as_str);
    let wrong_kind = kind.is_some_and(|k| k != info.kind);
    let wrong_version = api_version.is_some_and(|v| v != info.api_version());
    if !body.is_object() || wrong_kind || wrong_version {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {})",
            info.kind
        )));
    }
    Ok(())
}
