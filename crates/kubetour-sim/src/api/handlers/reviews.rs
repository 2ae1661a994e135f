//! `authorization.k8s.io/v1`: SelfSubjectAccessReview and SubjectAccessReview, answered
//! by the RBAC authorizer that guards every request (`kubectl auth can-i`), and
//! SelfSubjectRulesReview from the same bindings (`kubectl auth can-i --list`);
//! `authentication.k8s.io/v1` SelfSubjectReview (`kubectl auth whoami`). Bodies come as
//! JSON or, from kubectl, protobuf (decoded by `api::protobuf`).

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::api::ApiState;
use crate::api::auth::User;
use crate::api::request::Req;
use crate::api::status::{ApiError, ApiResult, json_response};
use crate::rbac::UserInfo;
use crate::rbac::review::{Review, answer};
use crate::rbac::rules_review;

pub const GROUP: &str = "authorization.k8s.io";
const GROUP_VERSION: &str = "authorization.k8s.io/v1";
/// The group of SelfSubjectReview (and TokenReview, listed but not served).
pub const AUTHN_GROUP: &str = "authentication.k8s.io";

/// What a review path creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Access(Review),
    Rules,
    WhoAmI,
}

/// The review kind a path creates, if it is one.
pub fn target(path: &str) -> Option<Kind> {
    match path.trim_end_matches('/') {
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" => {
            Some(Kind::Access(Review::SelfSubject))
        }
        "/apis/authorization.k8s.io/v1/subjectaccessreviews" => Some(Kind::Access(Review::Subject)),
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews" => Some(Kind::Rules),
        "/apis/authentication.k8s.io/v1/selfsubjectreviews" => Some(Kind::WhoAmI),
        _ => None,
    }
}

pub fn create(state: &Arc<ApiState>, r: &Req, user: &User, kind: Kind) -> ApiResult<Response> {
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
    let kind = match kind {
        Kind::Access(review) => review,
        Kind::Rules => {
            let namespace = body["spec"]["namespace"].as_str().unwrap_or("");
            let status = rules_review::status(&state.store, &requester, namespace);
            let answer = json!({
                "kind": "SelfSubjectRulesReview",
                "apiVersion": GROUP_VERSION,
                "metadata": {"creationTimestamp": null},
                "spec": {"namespace": namespace},
                "status": status
            });
            return Ok(json_response(StatusCode::CREATED, &answer));
        }
        Kind::WhoAmI => return Ok(json_response(StatusCode::CREATED, &who_am_i(user))),
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

/// The review kinds of each group: (singular name, kind, namespaced), as a real
/// server lists them (08-apis-authorization-v1, 10-aggregated-discovery-apis).
const AUTHZ_KINDS: [(&str, &str, bool); 4] = [
    ("localsubjectaccessreview", "LocalSubjectAccessReview", true),
    ("selfsubjectaccessreview", "SelfSubjectAccessReview", false),
    ("selfsubjectrulesreview", "SelfSubjectRulesReview", false),
    ("subjectaccessreview", "SubjectAccessReview", false),
];
const AUTHN_KINDS: [(&str, &str, bool); 2] = [
    ("selfsubjectreview", "SelfSubjectReview", false),
    ("tokenreview", "TokenReview", false),
];

/// A create-only group's APIResourceList.
fn create_only_list(group: &str, kinds: &[(&str, &str, bool)]) -> Response {
    let resources: Vec<Value> = kinds
        .iter()
        .map(|(name, kind, namespaced)| {
            json!({
                "name": format!("{name}s"),
                "singularName": name,
                "namespaced": namespaced,
                "kind": kind,
                "verbs": ["create"]
            })
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": format!("{group}/v1"),
            "resources": resources
        }),
    )
}

/// A create-only group in aggregated discovery (`/apis` with the apidiscovery Accept).
fn create_only_item(group: &str, kinds: &[(&str, &str, bool)]) -> Value {
    let resources: Vec<Value> = kinds
        .iter()
        .map(|(name, kind, namespaced)| {
            json!({
                "resource": format!("{name}s"),
                "responseKind": {"group": "", "version": "", "kind": kind},
                "scope": if *namespaced { "Namespaced" } else { "Cluster" },
                "singularResource": name,
                "verbs": ["create"]
            })
        })
        .collect();
    json!({
        "metadata": {"name": group, "creationTimestamp": null},
        "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}]
    })
}

/// The discovery document of `authorization.k8s.io/v1`.
pub fn resource_list() -> Response {
    create_only_list(GROUP, &AUTHZ_KINDS)
}

/// `authorization.k8s.io` in aggregated discovery.
pub fn aggregated_item() -> Value {
    create_only_item(GROUP, &AUTHZ_KINDS)
}

/// The discovery document of `authentication.k8s.io/v1`.
pub fn authn_resource_list() -> Response {
    create_only_list(AUTHN_GROUP, &AUTHN_KINDS)
}

/// `authentication.k8s.io` in aggregated discovery.
pub fn authn_aggregated_item() -> Value {
    create_only_item(AUTHN_GROUP, &AUTHN_KINDS)
}

/// A SelfSubjectReview: who the request was authenticated as. A service account's
/// answer carries no `extra` here (a real token's pod binding is not modelled).
fn who_am_i(user: &User) -> Value {
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": format!("{AUTHN_GROUP}/v1"),
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": {"username": user.name, "groups": user.groups}}
    })
}
