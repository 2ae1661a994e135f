//! Server-side apply: the applied configuration is merged into the live object; the
//! manager owns exactly the fields it applied (managedFields, operation Apply); fields it
//! applied before and no longer does are removed unless someone else owns them; a field
//! owned by another manager with a different value is a conflict (409) unless `force`.

use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::fields::{self, FieldSet, Path};
use crate::api::handlers::{Managed, Scope, commit};
use crate::api::meta::{self, Managed as Entry};
use crate::api::request::Req;
use crate::api::router::Obj;
use crate::api::status::{ApiError, ApiResult};
use crate::resources::ResInfo;
use crate::store::metadata_mut;

/// Reads and checks the applied configuration.
fn applied_config(r: &Req, obj: &Obj) -> ApiResult<Value> {
    let info = obj.info;
    let mut applied = r.parse_yaml()?;
    if !applied.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration must be an object",
        ));
    }
    for (field, want) in [
        ("apiVersion", info.api_version()),
        ("kind", info.kind.to_string()),
    ] {
        match applied.get(field).and_then(Value::as_str) {
            None | Some("") => return Err(ApiError::bad_request(format!("{field} must be set"))),
            Some(got) if got != want => {
                return Err(ApiError::bad_request(format!(
                    "the object provided is unrecognized (must be of type {}): {field} {got:?}",
                    info.kind
                )));
            }
            Some(_) => {}
        }
    }
    crate::api::handlers::write::match_url(&mut applied, obj)?;
    let meta = metadata_mut(&mut applied);
    for field in [
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "generation",
        "managedFields",
    ] {
        meta.remove(field);
    }
    Ok(applied)
}

/// Applies; returns the stored object and whether it was created.
pub fn server_side_apply(
    state: &ApiState,
    r: &Req,
    obj: &Obj,
    scope: Scope,
) -> ApiResult<(Value, bool)> {
    let Some(manager) = r.param("fieldManager").filter(|m| !m.is_empty()) else {
        return Err(ApiError::bad_request(
            "PATCH, application/apply-patch+yaml requests require fieldManager to be set",
        ));
    };
    let info = obj.info;
    let applied = applied_config(r, obj)?;
    crate::api::strict::check_apply(r.param("fieldValidation"), info, &applied)?;
    let sub = scope.subresource();
    let with_status = scope == Scope::Status;
    let applied_set = fields::of_object(&applied, with_status);
    let now = state.store.clock().now_rfc3339();
    let mut last_err = None;
    for _attempt in 0..5 {
        let Some(current) = state.store.get(info.res, &obj.ns, &obj.name) else {
            let mut new = applied.clone();
            let entry = Entry {
                manager: manager.to_string(),
                operation: "Apply".into(),
                api_version: info.api_version(),
                time: now.clone(),
                subresource: sub.map(String::from),
                set: applied_set.clone(),
            };
            meta::write_managed(&mut new, &[entry]);
            match commit(state, r, info, None, new, Scope::Main, Managed::Precomputed) {
                Err(e) if e.reason == "AlreadyExists" => {
                    last_err = Some(e);
                    continue;
                }
                other => return other.map(|v| (v, true)),
            }
        };
        let new = merge_into(
            info,
            &current,
            &applied,
            &applied_set,
            manager,
            sub,
            r.flag("force"),
            &now,
        )?;
        match commit(
            state,
            r,
            info,
            Some(&current),
            new,
            scope,
            Managed::Precomputed,
        ) {
            Err(e) if e.code == 409 && e.reason == "Conflict" => last_err = Some(e),
            other => return other.map(|v| (v, false)),
        }
    }
    Err(last_err.unwrap_or_else(|| ApiError::internal("apply did not settle")))
}

struct ConflictItem {
    manager: String,
    using: Option<String>,
    path: Path,
}

#[allow(clippy::too_many_arguments)]
fn merge_into(
    info: &ResInfo,
    current: &Value,
    applied: &Value,
    applied_set: &FieldSet,
    manager: &str,
    sub: Option<&str>,
    force: bool,
    now: &str,
) -> ApiResult<Value> {
    let is_mine = |e: &Entry| {
        e.manager == manager && e.operation == "Apply" && e.subresource.as_deref() == sub
    };
    let mut entries = meta::read_managed(current);
    let mut conflicts = Vec::new();
    for e in entries.iter().filter(|e| !is_mine(e)) {
        for p in e.set.intersection(applied_set) {
            if fields::is_leaf(applied_set, p)
                && fields::get_at(current, p) != fields::get_at(applied, p)
            {
                conflicts.push(ConflictItem {
                    manager: e.manager.clone(),
                    using: (e.operation != "Apply").then(|| match &e.subresource {
                        Some(sub) => format!("with subresource \"{sub}\" using {}", e.api_version),
                        None => format!("using {}", e.api_version),
                    }),
                    path: p.clone(),
                });
            }
        }
    }
    if !conflicts.is_empty() {
        if !force {
            return Err(conflict_error(&conflicts));
        }
        for e in entries.iter_mut().filter(|e| !is_mine(e)) {
            e.set.retain(|p| !conflicts.iter().any(|c| &c.path == p));
        }
    }
    let previous: FieldSet = entries
        .iter()
        .filter(|e| is_mine(e))
        .flat_map(|e| e.set.clone())
        .collect();
    let others: FieldSet = entries
        .iter()
        .filter(|e| !is_mine(e))
        .flat_map(|e| e.set.clone())
        .collect();
    let mut new = current.clone();
    let mut removed: Vec<&Path> = previous
        .iter()
        .filter(|p| !applied_set.contains(*p) && !others.contains(*p))
        // A path with still-owned members below it stays.
        .filter(|p| {
            !applied_set
                .iter()
                .chain(others.iter())
                .any(|q| q.len() > p.len() && q.starts_with(p))
        })
        .collect();
    // Removing a list element removes its fields with it. Removing the fields first
    // would lose the element's key (e.g. an env var's `name`) and strand the rest.
    let whole: Vec<&Path> = removed.clone();
    removed.retain(|p| !whole.iter().any(|q| q.len() < p.len() && p.starts_with(q)));
    removed.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in removed {
        fields::remove_at(&mut new, p);
    }
    merge_value(&mut new, applied, "");
    match entries.iter_mut().find(|e| is_mine(e)) {
        Some(e) if e.set == *applied_set => {}
        Some(e) => {
            e.set = applied_set.clone();
            e.time = now.to_string();
            e.api_version = info.api_version();
        }
        None => entries.push(Entry {
            manager: manager.to_string(),
            operation: "Apply".into(),
            api_version: info.api_version(),
            time: now.to_string(),
            subresource: sub.map(String::from),
            set: applied_set.clone(),
        }),
    }
    entries.retain(|e| !e.set.is_empty());
    meta::write_managed(&mut new, &entries);
    Ok(new)
}

/// Merges an applied value: maps field by field, keyed lists element by element,
/// everything else replaced.
fn merge_value(target: &mut Value, applied: &Value, field: &str) {
    match applied {
        Value::Object(a) if field != "selector" => {
            if !target.is_object() {
                *target = json!({});
            }
            for (k, v) in a {
                if let Some(t) = target.as_object_mut() {
                    let slot = t.entry(k.clone()).or_insert(Value::Null);
                    merge_value(slot, v, k);
                }
            }
        }
        Value::Array(items) => match (fields::list_keys(field, items), target.as_array_mut()) {
            (Some(keys), Some(existing)) => {
                for item in items {
                    let key = fields::element_key(keys, item);
                    let pos = existing
                        .iter()
                        .position(|e| key.is_some() && fields::element_key(keys, e) == key);
                    match pos {
                        Some(i) => merge_value(&mut existing[i], item, ""),
                        None => existing.push(item.clone()),
                    }
                }
            }
            _ => *target = applied.clone(),
        },
        other => *target = other.clone(),
    }
}

fn conflict_error(conflicts: &[ConflictItem]) -> ApiError {
    let mut groups: Vec<(String, Option<String>, Vec<&Path>)> = Vec::new();
    for c in conflicts {
        match groups
            .iter_mut()
            .find(|(m, u, _)| *m == c.manager && *u == c.using)
        {
            Some(g) => g.2.push(&c.path),
            None => groups.push((c.manager.clone(), c.using.clone(), vec![&c.path])),
        }
    }
    let who = |m: &str, u: &Option<String>| match u {
        Some(v) => format!("\"{m}\" {v}"),
        None => format!("\"{m}\""),
    };
    let parts: Vec<String> = groups
        .iter()
        .map(|(m, u, paths)| {
            if paths.len() == 1 {
                format!("conflict with {}: {}", who(m, u), fields::display(paths[0]))
            } else {
                let lines: Vec<String> = paths
                    .iter()
                    .map(|p| format!("- {}", fields::display(p)))
                    .collect();
                format!("conflicts with {}:\n{}", who(m, u), lines.join("\n"))
            }
        })
        .collect();
    let n = conflicts.len();
    let plural = if n == 1 { "conflict" } else { "conflicts" };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", who(&c.manager, &c.using)),
                "field": fields::display(&c.path),
            })
        })
        .collect();
    let mut err = ApiError::new(
        409,
        "Conflict",
        format!("Apply failed with {n} {plural}: {}", parts.join("\n")),
    );
    err.details = Some(json!({ "causes": causes }));
    err
}
