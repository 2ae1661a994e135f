//! A small OpenAPI v3 description of the served kinds.
//!
//! kubectl apply/create download /openapi/v3 and the group-version document before
//! writing, to learn whether the server validates fields itself (a PATCH operation for
//! the kind carrying a `fieldValidation` query parameter). When it does, kubectl leaves
//! validation to the server; it then builds strategic merge patches from its compiled-in
//! types, so no schemas are needed here.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::discovery::{self, GIT_VERSION};
use super::status::{ApiError, ApiResult, json_response};
use crate::resources::{ALL, ResInfo};

/// "api/v1", "apis/apps/v1", ...
fn doc_names() -> Vec<String> {
    let mut names = vec!["api/v1".to_string()];
    for g in discovery::groups() {
        names.push(format!("apis/{g}/v1"));
    }
    names
}

pub fn root() -> Response {
    let mut paths = Map::new();
    for name in doc_names() {
        let hash = hash_of(&build(&name).unwrap_or(Value::Null));
        paths.insert(
            name.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{name}?hash={hash}")}),
        );
    }
    json_response(StatusCode::OK, &json!({ "paths": paths }))
}

pub fn document(name: &str) -> ApiResult<Response> {
    let doc = build(name).ok_or_else(ApiError::no_such_path)?;
    Ok(json_response(StatusCode::OK, &doc))
}

fn build(name: &str) -> Option<Value> {
    let (group, version) = match name.split('/').collect::<Vec<_>>().as_slice() {
        ["api", "v1"] => ("", "v1"),
        ["apis", g, v] => (*g, *v),
        _ => return None,
    };
    if !discovery::serves(group, version) {
        return None;
    }
    let mut paths = Map::new();
    for info in ALL
        .iter()
        .filter(|i| i.group == group && i.version == version)
    {
        paths.insert(object_path(info), json!({ "patch": patch_operation(info) }));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

fn object_path(info: &ResInfo) -> String {
    let prefix = if info.group.is_empty() {
        "/api/v1".to_string()
    } else {
        format!("/apis/{}/{}", info.group, info.version)
    };
    if info.namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", info.plural)
    } else {
        format!("{prefix}/{}/{{name}}", info.plural)
    }
}

fn query_param(name: &str, kind: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": kind, "uniqueItems": true}})
}

fn patch_operation(info: &ResInfo) -> Value {
    json!({
        "description": format!("partially update the specified {}", info.kind),
        "operationId": format!("patch{}", info.kind),
        "parameters": [
            query_param("dryRun", "string"),
            query_param("fieldManager", "string"),
            query_param("fieldValidation", "string"),
            query_param("force", "boolean"),
        ],
        "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {
            "group": info.group,
            "kind": info.kind,
            "version": info.version,
        },
    })
}

/// FNV-1a over the document, as an upper-case hex string (kubectl caches by it).
fn hash_of(doc: &Value) -> String {
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_document_declares_field_validation_on_patch() {
        for name in doc_names() {
            let doc = build(&name).unwrap();
            let paths = doc["paths"].as_object().unwrap();
            assert!(!paths.is_empty(), "{name}");
            for (_, item) in paths {
                let params = item["patch"]["parameters"].as_array().unwrap();
                assert!(params.iter().any(|p| p["name"] == "fieldValidation"));
            }
        }
        assert!(build("apis/policy/v1").is_none());
    }
}
