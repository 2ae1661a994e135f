//! Discovery: /version, /api, /apis, and the per-group-version resource lists, in the
//! legacy (unaggregated) form. kubectl asks for aggregated discovery first and falls
//! back to this form when the answer's Content-Type is plain application/json.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::request::Req;
use super::status::{ApiError, ApiResult, json_response};
use crate::resources::{ALL, Res, ResInfo};

/// The Kubernetes version the sim reports (kubectl's dispatcher picks its binary by
/// the minor version).
pub const MAJOR: &str = "1";
pub const MINOR: &str = "33";
pub const GIT_VERSION: &str = "v1.33.4";

pub fn version() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "major": MAJOR,
            "minor": MINOR,
            "gitVersion": GIT_VERSION,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.24.0",
            "compiler": "gc",
            "platform": "linux/amd64"
        }),
    )
}

pub fn root_paths() -> Response {
    let mut paths = vec![
        "/api".to_string(),
        "/api/v1".to_string(),
        "/apis".to_string(),
    ];
    for g in groups() {
        paths.push(format!("/apis/{g}"));
        paths.push(format!("/apis/{g}/v1"));
    }
    paths.extend(["/healthz", "/livez", "/openapi/v3", "/readyz", "/version"].map(String::from));
    json_response(StatusCode::OK, &json!({ "paths": paths }))
}

/// Named groups served, in discovery order.
pub fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for info in ALL {
        if !info.group.is_empty() && !out.contains(&info.group) {
            out.push(info.group);
        }
    }
    out
}

/// Every group served at v1, "" for the core group (one APIService each).
pub fn served_groups() -> Vec<&'static str> {
    let mut out = vec![""];
    out.extend(groups());
    out.push(super::slices::GROUP);
    out.push(super::handlers::reviews::GROUP);
    out.push(super::events_v1::GROUP);
    out
}

/// Whether a group/version exists at all (else paths under it are a plain 404).
pub fn serves(group: &str, version: &str) -> bool {
    ALL.iter().any(|i| i.group == group && i.version == version)
}

pub fn api_versions(_r: &Req) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}
            ]
        }),
    )
}

fn group_json(group: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/v1"), "version": "v1"});
    json!({
        "name": group,
        "versions": [gv.clone()],
        "preferredVersion": gv,
    })
}

pub fn api_groups(_r: &Req) -> Response {
    let mut groups: Vec<Value> = groups().into_iter().map(group_json).collect();
    groups.push(group_json(super::slices::GROUP));
    groups.push(group_json(super::handlers::reviews::AUTHN_GROUP));
    groups.push(group_json(super::handlers::reviews::GROUP));
    groups.push(group_json(super::events_v1::GROUP));
    json_response(
        StatusCode::OK,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    )
}

pub fn group(group: &str) -> ApiResult<Response> {
    if !groups().contains(&group) {
        return Err(ApiError::no_such_path());
    }
    Ok(group_response(group))
}

/// The APIGroup document of a served group.
pub fn group_response(group: &str) -> Response {
    let mut body = group_json(group);
    body["kind"] = json!("APIGroup");
    body["apiVersion"] = json!("v1");
    json_response(StatusCode::OK, &body)
}

pub fn group_version(group: &str, version: &str) -> ApiResult<Response> {
    if !serves(group, version) {
        return Err(ApiError::no_such_path());
    }
    Ok(resource_list(group, version))
}

pub const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Kinds in `kubectl get all`.
pub(super) fn categories(res: Res) -> &'static [&'static str] {
    match res {
        Res::Pod | Res::Service | Res::Deployment | Res::ReplicaSet | Res::StatefulSet => &["all"],
        Res::Job | Res::CronJob => &["all"],
        Res::APIService => &["api-extensions"],
        Res::Namespace
        | Res::Node
        | Res::Endpoints
        | Res::ConfigMap
        | Res::Secret
        | Res::ServiceAccount
        | Res::PersistentVolumeClaim
        | Res::PersistentVolume
        | Res::Event
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::StorageClass
        | Res::Lease
        | Res::NetworkPolicy => &[],
    }
}

/// Subresources served per kind: (name, kind, group, version, verbs).
pub(super) fn subresources(
    res: Res,
) -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)> {
    const STATUS: &[&str] = &["get", "patch", "update"];
    let status = ("status", "", "", STATUS);
    let scale = ("scale", "Scale", "autoscaling", STATUS);
    match res {
        Res::Pod => vec![
            status,
            ("binding", "Binding", "", &["create"]),
            ("ephemeralcontainers", "", "", STATUS),
            ("eviction", "Eviction", "policy", &["create"]),
        ],
        Res::ServiceAccount => vec![(
            "token",
            "TokenRequest",
            "authentication.k8s.io",
            &["create"],
        )],
        Res::Job | Res::CronJob | Res::APIService => vec![status],
        Res::Deployment | Res::ReplicaSet | Res::StatefulSet => vec![scale, status],
        Res::Namespace
        | Res::Node
        | Res::Service
        | Res::PersistentVolumeClaim
        | Res::PersistentVolume => {
            vec![status]
        }
        Res::Endpoints
        | Res::ConfigMap
        | Res::Secret
        | Res::Event
        | Res::ControllerRevision
        | Res::Role
        | Res::RoleBinding
        | Res::ClusterRole
        | Res::ClusterRoleBinding
        | Res::StorageClass
        | Res::Lease
        | Res::NetworkPolicy => vec![],
    }
}

fn resource_json(info: &ResInfo) -> Value {
    let mut r = json!({
        "name": info.plural,
        "singularName": info.singular,
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": VERBS,
    });
    if !info.short_names.is_empty() {
        r["shortNames"] = json!(info.short_names);
    }
    let cats = categories(info.res);
    if !cats.is_empty() {
        r["categories"] = json!(cats);
    }
    r
}

pub fn resource_list(group: &str, version: &str) -> Response {
    let mut resources = Vec::new();
    if group.is_empty() {
        resources.push(json!({
            "name": "bindings", "singularName": "binding", "namespaced": true,
            "kind": "Binding", "verbs": ["create"]
        }));
    }
    for info in ALL
        .iter()
        .filter(|i| i.group == group && i.version == version)
    {
        resources.push(resource_json(info));
        for (sub, kind, sub_group, verbs) in subresources(info.res) {
            let mut s = json!({
                "name": format!("{}/{sub}", info.plural),
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": if kind.is_empty() { info.kind } else { kind },
                "verbs": verbs,
            });
            if !sub_group.is_empty() {
                s["group"] = json!(sub_group);
                s["version"] = json!("v1");
            }
            resources.push(s);
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut body = json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    });
    crate::key_order::canonical("APIResourceList", &mut body);
    json_response(StatusCode::OK, &body)
}
