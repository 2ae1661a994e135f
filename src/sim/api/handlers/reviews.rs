//! `authorization.k8s.io/v1`: SelfSubjectAccessReview and SubjectAccessReview, answered
//! by the RBAC authorizer that guards every request (`kubectl auth can-i`). Bodies come
//! as JSON or, from kubectl, protobuf (decoded by `api::protobuf`).

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::sim::api::ApiState;
use crate::sim::api::auth::User;
use crate::sim::api::request::Req;
use crate::sim::api::status::{ApiError, ApiResult, json_response};
use crate::sim::rbac::UserInfo;
use crate::sim::rbac::review::{Review, answer};

pub const GROUP: &str = "authorization.k8s.io";
const GROUP_VERSION: &str = "authorization.k8s.io/v1";

/// The review kind a path creates, if it is one.
pub fn target(path: &str) -> Option<Review> {
    match path.trim_end_matches('/') {
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" => Some(Review::SelfSubject),
        "/apis/authorization.k8s.io/v1/subjectaccessreviews" => Some(Review::Subject),
        _ => None,
    }
}

pub fn create(state: &Arc<ApiState>, r: &Req, user: &User, kind: Review) -> ApiResult<Response> {
    if r.method != Method::POST {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    let body = r.json_body()?;
    let requester = UserInfo {
        name: user.name.clone(),
        groups: user.groups.clone(),
    };
    let reviewed = answer(&state.store, kind, &requester, &body).map_err(|message| {
        let name = match kind {
            Review::SelfSubject => "SelfSubjectAccessReview.authorization.k8s.io",
            Review::Subject => "SubjectAccessReview.authorization.k8s.io",
        };
        ApiError::new(422, "Invalid", format!("{name} \"\" is invalid: {message}"))
    })?;
    Ok(json_response(StatusCode::CREATED, &reviewed))
}

/// The discovery document of `authorization.k8s.io/v1` (as a real server lists it).
pub fn resource_list() -> Response {
    let resource = |name: &str, kind: &str, namespaced: bool| -> Value {
        json!({
            "name": format!("{name}s"),
            "singularName": name,
            "namespaced": namespaced,
            "kind": kind,
            "verbs": ["create"]
        })
    };
    json_response(
        StatusCode::OK,
        &json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": GROUP_VERSION,
            "resources": [
                resource("localsubjectaccessreview", "LocalSubjectAccessReview", true),
                resource("selfsubjectaccessreview", "SelfSubjectAccessReview", false),
                resource("selfsubjectrulesreview", "SelfSubjectRulesReview", false),
                resource("subjectaccessreview", "SubjectAccessReview", false),
            ]
        }),
    )
}

/// The group in aggregated discovery (`/apis` with the apidiscovery Accept).
pub fn aggregated_item() -> Value {
    let resource = |name: &str, kind: &str, scope: &str| -> Value {
        json!({
            "resource": format!("{name}s"),
            "responseKind": {"group": "", "version": "", "kind": kind},
            "scope": scope,
            "singularResource": name,
            "verbs": ["create"]
        })
    };
    json!({
        "metadata": {"name": GROUP, "creationTimestamp": null},
        "versions": [{"version": "v1", "freshness": "Current", "resources": [
            resource("localsubjectaccessreview", "LocalSubjectAccessReview", "Namespaced"),
            resource("selfsubjectaccessreview", "SelfSubjectAccessReview", "Cluster"),
            resource("selfsubjectrulesreview", "SelfSubjectRulesReview", "Cluster"),
            resource("subjectaccessreview", "SubjectAccessReview", "Cluster"),
        ]}]
    })
}
